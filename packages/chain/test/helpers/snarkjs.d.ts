// Minimal typings for the parts of snarkjs the chain tests and bench use (snarkjs ships no types).
declare module "snarkjs" {
  interface FullProveResult<P> {
    proof: P;
    publicSignals: string[];
  }
  interface System<P> {
    fullProve(input: Record<string, unknown>, wasm: string, zkey: string): Promise<FullProveResult<P>>;
    exportSolidityCallData(proof: P, publicSignals: string[]): Promise<string>;
  }
  export const groth16: System<{ pi_a: string[]; pi_b: string[][]; pi_c: string[] }>;
  export const plonk: System<Record<string, unknown>>;
  export const fflonk: System<Record<string, unknown>>;
}

// The parts of snarkjs this package uses (snarkjs ships no types).
declare module "snarkjs" {
  export const zKey: {
    exportSolidityVerifier(zkey: string, templates: Record<string, string>): Promise<string>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string, out: { type: "mem"; data?: Uint8Array }): Promise<void>;
  };
  export const groth16: {
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
    prove(zkey: string, wtns: string | { type: "mem"; data?: Uint8Array }): Promise<{ proof: Record<string, unknown>; publicSignals: string[] }>;
    exportSolidityCallData(proof: unknown, publicSignals: string[]): Promise<string>;
    fullProve(input: Record<string, unknown>, wasm: string, zkey: string): Promise<{ proof: Record<string, unknown>; publicSignals: string[] }>;
  };
}

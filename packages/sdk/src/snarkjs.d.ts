// Minimal typings for the parts of snarkjs the SDK uses (snarkjs ships no types).
declare module "snarkjs" {
  export const groth16: {
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
    fullProve(input: Record<string, unknown>, wasm: string, zkey: string): Promise<{
      proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
      publicSignals: string[];
    }>;
  };
  export const plonk: {
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
  };
  export const fflonk: {
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
  };
  export const curves: {
    getCurveFromName(name: string, singleThread?: boolean): Promise<{ terminate(): Promise<void> }>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string, out: { type: "mem" }): Promise<void>;
    exportJson(w: { type: "mem" }): Promise<bigint[]>;
  };
}

// The part of snarkjs 0.7 the UMP overhead benchmark calls directly (snarkjs ships no types).
declare module "snarkjs" {
  export const groth16: {
    fullProve(
      input: unknown,
      wasm: string,
      zkey: string,
      logger?: unknown,
    ): Promise<{ proof: Record<string, unknown>; publicSignals: string[] }>;
  };
}

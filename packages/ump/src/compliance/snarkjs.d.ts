// The part of snarkjs 0.7 the compliance suite's independent verifier uses (snarkjs ships no types).
declare module "snarkjs" {
  interface Verifier {
    verify(vkey: unknown, publicSignals: unknown, proof: unknown, logger?: unknown): Promise<boolean>;
  }
  export const groth16: Verifier;
  export const plonk: Verifier;
  export const fflonk: Verifier;
}

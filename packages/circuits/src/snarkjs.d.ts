// Minimal typings for the parts of snarkjs 0.7 this package uses (snarkjs ships no types).
declare module "snarkjs" {
  export interface SnarkjsLogger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  type FileArg = string | { type: "mem"; data?: Uint8Array };
  type Proof = Record<string, unknown>;
  interface FullProver {
    fullProve(
      input: unknown,
      wasm: FileArg,
      zkey: FileArg,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Proof; publicSignals: string[] }>;
    prove(
      zkey: FileArg,
      wtns: FileArg,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Proof; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: unknown, proof: unknown, logger?: SnarkjsLogger): Promise<boolean>;
    setup(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<unknown>;
  }
  export const groth16: FullProver;
  export const plonk: FullProver;
  export const fflonk: FullProver;
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(
      oldPtau: string,
      newPtau: string,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    beacon(
      oldPtau: string,
      newPtau: string,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: SnarkjsLogger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(
      oldZkey: string,
      newZkey: string,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    exportVerificationKey(zkey: FileArg, logger?: SnarkjsLogger): Promise<Record<string, unknown>>;
    exportSolidityVerifier(
      zkey: FileArg,
      templates: Record<string, string>,
      logger?: SnarkjsLogger,
    ): Promise<string>;
  };
  export const r1cs: {
    info(
      r1cs: string,
      logger?: SnarkjsLogger,
    ): Promise<{
      nConstraints: number;
      nPubInputs: number;
      nOutputs: number;
      nPrvInputs: number;
      nVars: number;
    }>;
  };
  export const wtns: {
    calculate(input: unknown, wasm: FileArg, wtns: FileArg, options?: unknown): Promise<void>;
  };
}
declare module "ffjavascript" {
  export function buildBn128(singleThread?: boolean): Promise<{ terminate(): Promise<void> }>;
}

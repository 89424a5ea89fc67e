// Minimal typings for the parts of snarkjs 0.7 / ffjavascript 0.3 this package uses (they ship no types).
declare module "snarkjs" {
  export interface SnarkjsLogger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  type FileArg = string | { type: "mem"; data?: Uint8Array };
  interface System {
    prove(
      zkey: FileArg,
      wtns: FileArg,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Record<string, unknown>; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: unknown, proof: unknown, logger?: SnarkjsLogger): Promise<boolean>;
  }
  export const groth16: System;
  export const plonk: System;
  export const fflonk: System;
  export const zKey: {
    exportVerificationKey(zkey: FileArg, logger?: SnarkjsLogger): Promise<Record<string, unknown>>;
  };
  export const wtns: {
    calculate(input: unknown, wasm: FileArg, wtns: FileArg, options?: unknown): Promise<void>;
  };
}
declare module "ffjavascript" {
  export function buildBn128(singleThread?: boolean): Promise<{ terminate(): Promise<void> }>;
}

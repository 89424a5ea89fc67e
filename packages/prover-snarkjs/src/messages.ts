/** Messages between the module (main thread) and its proving worker threads. Plain data only. */
import type {
  ArtifactRef,
  CircuitInput,
  ProofSystem,
  ProveStage,
  SnarkProof,
  UmpErrorCode,
} from "@zkpool/ump";
import type { ProvabilityFailureCode } from "./provability.js";

export interface WorkerInit {
  /** Threads ffjavascript may use inside this worker (it spawns one per reported CPU). */
  threads: number;
  /** ArtifactCache directory. */
  cacheDir: string;
}

export type WorkerRequest =
  | {
      type: "prove";
      id: number;
      proofSystem: ProofSystem;
      wasm: ArtifactRef;
      zkey: ArtifactRef;
      vkey: ArtifactRef;
      input: CircuitInput;
      verify: boolean;
    }
  | {
      type: "verify";
      id: number;
      proofSystem: ProofSystem;
      vkey: ArtifactRef;
      proof: SnarkProof;
      publicSignals: string[];
    }
  | {
      /** Provability check (SPEC §9.7), all but the public-signals hash, which the main thread compares. */
      type: "provable";
      id: number;
      proofSystem: ProofSystem;
      wasmPath: string;
      zkeyPath: string;
      vkeyPath: string;
      input: Uint8Array;
    };

export type ProvableResult =
  { ok: true; publicSignals: string[] } | { ok: false; code: ProvabilityFailureCode; reason: string };

export interface WorkerError {
  code: UmpErrorCode;
  message: string;
  detail?: string;
}

export type WorkerResponse =
  | { type: "ready"; threads: number }
  | { type: "progress"; id: number; stage: ProveStage; percent: number }
  | { type: "proved"; id: number; proof: SnarkProof; publicSignals: string[]; proveMs: number }
  | { type: "verified"; id: number; valid: boolean }
  | { type: "provable"; id: number; result: ProvableResult }
  | { type: "error"; id: number; error: WorkerError };

/** Messages between the module (main thread) and its proving worker threads. Plain data only. */
import type {
  ArtifactRef,
  CircuitInput,
  ProofSystem,
  ProveStage,
  SnarkProof,
  UmpErrorCode,
} from "@zkpool/ump";

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
    };

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
  | { type: "error"; id: number; error: WorkerError };

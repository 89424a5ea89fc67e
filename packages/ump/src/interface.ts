/**
 * The Universal Modular Prover (UMP) module interface.
 *
 * A prover module is anything that can turn (circuit artifacts, input) into a proof for some proof systems:
 * the snarkjs WASM module, the native C++/CUDA sidecar, or a third-party module. Every module passes the
 * compliance suite (`@zkpool/ump` export `runModuleComplianceSuite`). The runtime (`Ump`) owns dispatch,
 * queueing, capacity accounting and isolation; a module only proves.
 *
 * All durations are integer milliseconds and all sizes integer bytes (no floats where agreement or
 * accounting depends on them).
 */

/** Proof systems the pool knows. Wire codes are in protocol/SPEC.md. */
export type ProofSystem = "groth16" | "plonk" | "fflonk";

/** Where a module runs. Dispatch prefers native-gpu > native-cpu > wasm when several serve a task. */
export type ModuleKind = "native-gpu" | "native-cpu" | "wasm";

export interface ModuleResources {
  /** Worker threads (or CPU cores) the module uses while proving. */
  threads: number;
  /** Peak memory the module may use for one proof, in bytes (upper bound, before preflight refines it). */
  memoryBytes: number;
  /** True when the module needs a GPU. */
  gpu: boolean;
}

export interface ModuleManifest {
  /** Stable id, e.g. "snarkjs-wasm". Unique within one runtime. */
  id: string;
  /** Semver of the module. */
  version: string;
  kind: ModuleKind;
  proofSystems: ProofSystem[];
  /** Circuit ids (0x-prefixed 32-byte hex) the module is restricted to; undefined = every circuit. */
  circuits?: string[];
  resources: ModuleResources;
  /** The module author: accelerators earn a royalty share of every reward their module earns. */
  author: { name: string; payoutAddress: string };
  /**
   * True when prove() only ever returns proofs it has itself verified against the verification key; the
   * runtime then skips its own verification (`UmpInit.verifyProofs`) for this module's proofs.
   * @default false
   */
  verifiesProofs?: boolean;
}

/** A file addressed by content: `sha256` is lowercase hex (no 0x) of the file's bytes. */
export interface ArtifactRef {
  sha256: string;
  /** Local path of a copy whose hash has been checked (see ArtifactCache). */
  path: string;
}

/** Everything a module needs to prove or verify for one circuit. */
export interface CircuitArtifacts {
  /** 0x-prefixed 32-byte hex circuit id (see protocol/SPEC.md). */
  circuitId: string;
  proofSystem: ProofSystem;
  /** Witness generator (circom WASM). */
  wasm: ArtifactRef;
  /** Proving key (snarkjs zkey). */
  zkey: ArtifactRef;
  /** Verification key (snarkjs JSON). */
  vkey: ArtifactRef;
  /** Number of constraints (from the r1cs / zkey header); used by preflight. */
  constraints: number;
}

/** Circuit input signals, as circom/snarkjs take them (decimal strings or bigints, nested arrays). */
export type CircuitInput = Record<string, unknown>;

/** A snarkjs-format proof: the JSON object snarkjs produces for the proof system. */
export type SnarkProof = Record<string, unknown>;

export interface ProveRequest {
  /** 0x-prefixed task id, for logs and progress. */
  taskId: string;
  circuit: CircuitArtifacts;
  input: CircuitInput;
  /** Absolute deadline (unix ms) by which the proof must exist; used for queue order. */
  deadlineMs?: number;
}

export type ProveStage = "queued" | "witness" | "prove" | "verify" | "done";

export interface ProgressEvent {
  taskId: string;
  moduleId: string;
  stage: ProveStage;
  /** Integer progress within the whole job, 0..100. */
  percent: number;
}

export interface ProveOptions {
  /** Aborting rejects prove() with a `UmpError` of code `ABORTED` and stops the work promptly. */
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ProofResult {
  proofSystem: ProofSystem;
  proof: SnarkProof;
  /** Public signals as decimal strings. */
  publicSignals: string[];
  moduleId: string;
  /** Wall time of the proof, integer ms. */
  durationMs: number;
}

export interface PreflightResult {
  /** False when the module cannot prove this circuit (wrong system, too big, resources missing). */
  ok: boolean;
  /** Estimated wall time for one proof on this hardware, integer ms (from the module's measured profile). */
  estimatedMs: number;
  /** Estimated peak memory, bytes. */
  estimatedMemoryBytes: number;
  /** Why not, when ok is false. */
  reason?: string;
}

export interface ModuleHealth {
  healthy: boolean;
  /** Free-form details: device name, memory, loaded keys, last error. Plain data only. */
  details?: Record<string, string | number | boolean>;
}

/**
 * A measured performance profile of a module on this hardware: proving time as a function of
 * constraints, fitted from self-benchmark samples. Stored per module id and version.
 */
export interface ModuleProfile {
  moduleId: string;
  moduleVersion: string;
  proofSystem: ProofSystem;
  /** Samples: constraints -> measured integer ms. */
  samples: { constraints: number; ms: number; memoryBytes: number }[];
  /** Unix ms when measured. */
  measuredAt: number;
}

export interface ProverModule {
  readonly manifest: ModuleManifest;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Estimate time and memory for proving this circuit, without proving. Cheap. */
  preflight(circuit: CircuitArtifacts): Promise<PreflightResult>;
  /**
   * Prove. Must not block the caller's event loop (worker thread or child process). Rejects with a
   * `UmpError` (typed code) on bad input, bad artifacts, abort, crash or timeout.
   */
  prove(request: ProveRequest, options?: ProveOptions): Promise<ProofResult>;
  /** Verify a proof with the circuit's verification key. Resolves false for a wrong proof; never throws for one. */
  verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean>;
  health(): Promise<ModuleHealth>;
  /** Optional: install a measured profile so preflight uses it. */
  setProfile?(profile: ModuleProfile): void;
}

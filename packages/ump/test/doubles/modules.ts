/**
 * TEST DOUBLES of prover modules (plug-ins), for the runtime's unit tests. The real module is
 * @zkpool/prover-snarkjs, tested against the runtime in the top-level test/ump.
 *
 * - WorkerTestDoubleModule runs each job in a real worker thread through WorkerPool and behaves as configured
 *   (or as the input's `mode` asks): ok, hang, crash, exit, oom, invalid-input, internal, bad-proof.
 * - UnresponsiveTestDoubleModule ignores its AbortSignal (a badly written module) until released.
 */
import { estimateFromProfile } from "../../src/profile/estimate.js";
import { WorkerPool } from "../../src/worker/pool.js";
import type {
  CircuitArtifacts,
  ModuleHealth,
  ModuleKind,
  ModuleManifest,
  ModuleProfile,
  PreflightResult,
  ProofResult,
  ProofSystem,
  ProveOptions,
  ProveRequest,
  ProverModule,
  SnarkProof,
} from "../../src/interface.js";

export type DoubleMode =
  "ok" | "hang" | "crash" | "exit" | "oom" | "invalid-input" | "internal" | "bad-proof";

export interface DoubleJob {
  mode: DoubleMode;
  workMs: number;
  input: unknown;
  /** Shared flag: the job waits until gate[0] != 0. */
  gate?: SharedArrayBuffer;
}

export interface DoubleOutput {
  proof: SnarkProof;
  publicSignals: string[];
}

export interface DoubleInit {
  id: string;
  kind?: ModuleKind;
  proofSystems?: ProofSystem[];
  circuits?: string[];
  /** Preflight estimate when no profile is installed. @default 100 */
  estimatedMs?: number;
  /** Behaviour for every job; when unset the input's `mode` decides (default ok). */
  mode?: DoubleMode;
  /** Worker-side work per job, ms. @default 5 */
  workMs?: number;
  healthy?: boolean;
  threads?: number;
  maxHeapBytes?: number;
  /** manifest.verifiesProofs */
  verifiesProofs?: boolean;
}

const script = new URL("./double-worker.js", import.meta.url);

export class WorkerTestDoubleModule implements ProverModule {
  readonly manifest: ModuleManifest;
  readonly pool: WorkerPool;
  proveCalls = 0;
  verifyCalls = 0;
  healthy: boolean;
  mode: DoubleMode | undefined;
  profile: ModuleProfile | undefined;
  private readonly init: DoubleInit;

  constructor(init: DoubleInit) {
    this.init = init;
    this.healthy = init.healthy ?? true;
    this.mode = init.mode;
    this.manifest = {
      id: init.id,
      version: "0.0.1-test-double",
      kind: init.kind ?? "wasm",
      proofSystems: init.proofSystems ?? ["groth16"],
      ...(init.circuits ? { circuits: init.circuits } : {}),
      resources: {
        threads: init.threads ?? 1,
        memoryBytes: init.maxHeapBytes ?? 256 * 1024 * 1024,
        gpu: init.kind === "native-gpu",
      },
      author: { name: "test double", payoutAddress: "0x0000000000000000000000000000000000000001" },
      ...(init.verifiesProofs === undefined ? {} : { verifiesProofs: init.verifiesProofs }),
    };
    this.pool = new WorkerPool({
      moduleId: init.id,
      script,
      size: init.threads ?? 1,
      ...(init.maxHeapBytes === undefined ? {} : { maxHeapBytes: init.maxHeapBytes }),
    });
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }

  preflight(circuit: CircuitArtifacts): Promise<PreflightResult> {
    const est = this.profile ? estimateFromProfile(this.profile, circuit.constraints) : undefined;
    return Promise.resolve({
      ok: this.manifest.proofSystems.includes(circuit.proofSystem),
      estimatedMs: est?.ms ?? this.init.estimatedMs ?? 100,
      estimatedMemoryBytes: est?.memoryBytes ?? 1024 * 1024,
    });
  }

  async prove(request: ProveRequest, options: ProveOptions = {}): Promise<ProofResult> {
    this.proveCalls++;
    const t0 = Date.now();
    const input = request.input as { mode?: DoubleMode; workMs?: number; gate?: SharedArrayBuffer };
    const job: DoubleJob = {
      mode: this.mode ?? input.mode ?? "ok",
      workMs: input.workMs ?? this.init.workMs ?? 5,
      input: { ...request.input, gate: undefined },
      ...(input.gate ? { gate: input.gate } : {}),
    };
    const out = await this.pool.run<DoubleOutput>(job, {
      taskId: request.taskId,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (stage, percent) =>
        options.onProgress?.({ taskId: request.taskId, moduleId: this.manifest.id, stage, percent }),
    });
    return {
      proofSystem: request.circuit.proofSystem,
      ...out,
      moduleId: this.manifest.id,
      durationMs: Date.now() - t0,
    };
  }

  verify(_circuit: CircuitArtifacts, proof: SnarkProof, _publicSignals: string[]): Promise<boolean> {
    this.verifyCalls++;
    return Promise.resolve(proof.protocol === "test-double" && proof.valid === true);
  }

  health(): Promise<ModuleHealth> {
    return Promise.resolve({ healthy: this.healthy, details: { workers: this.pool.workerCount } });
  }

  setProfile(profile: ModuleProfile): void {
    this.profile = profile;
  }
}

/** A module that ignores cancellation: prove() settles only when release() is called. */
export class UnresponsiveTestDoubleModule implements ProverModule {
  readonly manifest: ModuleManifest;
  private pending: (() => void)[] = [];

  constructor(id: string, kind: ModuleKind = "native-gpu") {
    this.manifest = {
      id,
      version: "0.0.1-test-double",
      kind,
      proofSystems: ["groth16"],
      resources: { threads: 1, memoryBytes: 1024 * 1024, gpu: false },
      author: { name: "test double", payoutAddress: "0x0000000000000000000000000000000000000001" },
    };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  preflight(): Promise<PreflightResult> {
    return Promise.resolve({ ok: true, estimatedMs: 10, estimatedMemoryBytes: 1024 });
  }

  prove(request: ProveRequest): Promise<ProofResult> {
    return new Promise((_, reject) => {
      this.pending.push(() => reject(new Error(`unresponsive test double released (${request.taskId})`)));
    });
  }

  /** Settle every pending prove(). */
  release(): void {
    for (const r of this.pending.splice(0)) r();
  }

  verify(): Promise<boolean> {
    return Promise.resolve(false);
  }

  health(): Promise<ModuleHealth> {
    return Promise.resolve({ healthy: true });
  }
}

/** A circuit description for the test doubles (no real artifacts behind it). */
export function doubleCircuit(
  proofSystem: ProofSystem = "groth16",
  constraints = 1000,
  circuitId = "0x" + "ab".repeat(32),
): CircuitArtifacts {
  const ref = { sha256: "00".repeat(32), path: "/nonexistent" };
  return { circuitId, proofSystem, wasm: ref, zkey: ref, vkey: ref, constraints };
}

let seq = 0;
export function taskId(): string {
  return "0x" + (++seq).toString(16).padStart(64, "0");
}

/**
 * The snarkjs WASM prover module: Groth16, PLONK and FFLONK over BN254, proved in worker threads.
 */
import { availableParallelism, homedir } from "node:os";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { publicSignalsHash } from "@zkpool/protocol";
import { UmpError } from "@zkpool/ump";
import type {
  CircuitArtifacts,
  ModuleHealth,
  ModuleManifest,
  ModuleProfile,
  PreflightResult,
  ProofResult,
  ProofSystem,
  ProverModule,
  ProveOptions,
  ProveRequest,
  SnarkProof,
} from "@zkpool/ump";
import type { ProvableResult } from "./messages.js";
import { WorkerPool } from "./pool.js";
import { ProvabilityCache } from "./provability.js";
import type { ProvabilityChecker, ProvabilityRequest, ProvabilityVerdict } from "./provability.js";
import { PROOF_SYSTEMS } from "./provability-check.js";
import { defaultEstimateMs, estimateFromProfile, estimateMemoryBytes } from "./preflight.js";

export const MODULE_ID = "snarkjs-wasm";
export const MODULE_VERSION = "0.1.0";
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export interface SnarkjsModuleInit {
  /** Directory of the content-addressed ArtifactCache. @default ~/.zkpool/artifacts */
  cacheDir?: string;
  /** Threads ffjavascript may use per proof (manifest.resources.threads). @default os.availableParallelism() */
  threads?: number;
  /** Proofs run at the same time, one worker thread each. @default 1 */
  workers?: number;
  /** Peak memory budget for one proof (manifest.resources.memoryBytes). @default 4 GiB */
  memoryBytes?: number;
  /** A proof running longer (counted from the prove() call, queue time included) is killed with TIMEOUT. @default 600_000 (10 min) */
  timeoutMs?: number;
  /** Verify every proof against the verification key before returning it. @default true */
  verifyProofs?: boolean;
  /** Largest circuit preflight accepts. @default 2^22 */
  maxConstraints?: number;
  /** Proof systems to serve. @default ["groth16", "plonk", "fflonk"] */
  proofSystems?: ProofSystem[];
  /** Restrict to these circuit ids. @default every circuit */
  circuits?: string[];
  /** Royalty payout address of the module author. @default the zero address */
  payoutAddress?: string;
  /** A provability check running longer (queue time included) is killed and checkProvable() throws TIMEOUT. @default 60_000 */
  provabilityTimeoutMs?: number;
  /** A larger input document is BAD_INPUT without running anything. @default 16 MiB */
  maxProvabilityInputBytes?: number;
  /** Provability results kept (LRU by proof system and cache key). @default 1024 */
  provabilityCacheEntries?: number;
  /**
   * A worker thread without a job for this long is terminated, and with it its curve threads and WASM memory
   * (tens of MiB each); the next job starts a fresh one, which first builds the curve again (about a second).
   * 0 keeps workers until stop(). @default 30_000
   */
  idleMs?: number;
  /**
   * Start the proving workers (curve built, threads up) in start() instead of on the first proof. A node that
   * only verifies never needs them. start() always starts the single-threaded verification worker once, so a
   * worker that cannot start fails start() with CRASHED. @default false
   */
  warm?: boolean;
}

export class SnarkjsModule implements ProverModule, ProvabilityChecker {
  readonly manifest: ModuleManifest;
  private readonly cacheDir: string;
  private readonly workers: number;
  private readonly timeoutMs: number;
  private readonly verifyProofs: boolean;
  private readonly idleMs: number;
  private readonly warm: boolean;
  private readonly maxConstraints: number;
  private readonly profiles = new Map<ProofSystem, ModuleProfile>();
  private readonly provabilityTimeoutMs: number;
  private readonly maxProvabilityInputBytes: number;
  private readonly provability: ProvabilityCache<ProvableResult>;
  private provePool: WorkerPool | undefined;
  private verifyPool: WorkerPool | undefined;
  /** Started on the first checkProvable(), so a node that never attests pays nothing for it. */
  private checkPool: WorkerPool | undefined;
  private started = false;
  /** Provability checks that ran in a worker (cache misses). */
  provabilityRuns = 0;

  constructor(init: SnarkjsModuleInit = {}) {
    const threads = Math.max(1, Math.floor(init.threads ?? availableParallelism()));
    this.cacheDir = init.cacheDir ?? join(homedir(), ".zkpool", "artifacts");
    this.workers = Math.max(1, Math.floor(init.workers ?? 1));
    this.timeoutMs = init.timeoutMs ?? 600_000;
    this.verifyProofs = init.verifyProofs ?? true;
    this.idleMs = Math.max(0, init.idleMs ?? 30_000);
    this.warm = init.warm ?? false;
    this.maxConstraints = init.maxConstraints ?? 2 ** 22;
    this.provabilityTimeoutMs = init.provabilityTimeoutMs ?? 60_000;
    this.maxProvabilityInputBytes = init.maxProvabilityInputBytes ?? 16 * 1024 ** 2;
    this.provability = new ProvabilityCache<ProvableResult>(init.provabilityCacheEntries ?? 1024);
    this.manifest = {
      id: MODULE_ID,
      version: MODULE_VERSION,
      kind: "wasm",
      proofSystems: init.proofSystems ?? ["groth16", "plonk", "fflonk"],
      ...(init.circuits !== undefined ? { circuits: init.circuits } : {}),
      resources: { threads, memoryBytes: init.memoryBytes ?? 4 * 1024 ** 3, gpu: false },
      author: { name: "ZKPool", payoutAddress: init.payoutAddress ?? ZERO_ADDRESS },
      // Each proof is checked against the vkey inside the worker, so the UMP runtime need not verify again.
      verifiesProofs: this.verifyProofs,
    };
  }

  async start(): Promise<void> {
    if (this.provePool !== undefined) return;
    const script = new URL("./worker.js", import.meta.url);
    this.provePool = new WorkerPool({
      moduleId: MODULE_ID,
      size: this.workers,
      script,
      workerInit: { threads: this.manifest.resources.threads, cacheDir: this.cacheDir },
      idleMs: this.idleMs,
    });
    // Verification is short: one single-threaded worker, so it never waits behind a long proof.
    this.verifyPool = new WorkerPool({
      moduleId: MODULE_ID,
      size: 1,
      script,
      workerInit: { threads: 1, cacheDir: this.cacheDir },
      idleMs: this.idleMs,
    });
    this.started = true;
    try {
      await Promise.all([this.warm ? this.provePool.warm() : undefined, this.verifyPool.warm()]);
    } catch (cause) {
      await this.stop();
      throw new UmpError(
        { code: "CRASHED", moduleId: MODULE_ID, detail: String(cause) },
        `the snarkjs proving worker failed to start: ${String(cause)}`,
        { cause },
      );
    }
  }

  async stop(): Promise<void> {
    const pools = [this.provePool, this.verifyPool, this.checkPool];
    this.provePool = undefined;
    this.verifyPool = undefined;
    this.checkPool = undefined;
    this.started = false;
    await Promise.all(pools.map((p) => (p === undefined ? Promise.resolve() : p.close())));
  }

  setProfile(profile: ModuleProfile): void {
    if (profile.moduleId !== MODULE_ID) return;
    this.profiles.set(profile.proofSystem, profile);
  }

  async preflight(circuit: CircuitArtifacts): Promise<PreflightResult> {
    const system = circuit.proofSystem;
    let zkeyBytes: number | undefined;
    try {
      zkeyBytes = (await stat(circuit.zkey.path)).size;
    } catch {
      zkeyBytes = undefined;
    }
    const profile = this.profiles.get(system);
    const estimatedMs =
      (profile && estimateFromProfile(profile, circuit.constraints)) ??
      defaultEstimateMs(system, circuit.constraints, zkeyBytes);
    const estimatedMemoryBytes = estimateMemoryBytes(system, circuit.constraints, zkeyBytes);
    const no = (reason: string): PreflightResult => ({
      ok: false,
      estimatedMs,
      estimatedMemoryBytes,
      reason,
    });
    if (!this.manifest.proofSystems.includes(system)) return no(`${system} is not served by ${MODULE_ID}`);
    if (this.manifest.circuits !== undefined && !this.manifest.circuits.includes(circuit.circuitId)) {
      return no(`circuit ${circuit.circuitId} is not in this module's circuit list`);
    }
    if (circuit.constraints > this.maxConstraints)
      return no(`${circuit.constraints} constraints exceed the limit of ${this.maxConstraints}`);
    if (estimatedMemoryBytes > this.manifest.resources.memoryBytes) {
      return no(
        `needs ~${estimatedMemoryBytes} bytes, more than the ${this.manifest.resources.memoryBytes} allowed`,
      );
    }
    return { ok: true, estimatedMs, estimatedMemoryBytes };
  }

  async prove(request: ProveRequest, options: ProveOptions = {}): Promise<ProofResult> {
    const pool = this.provePool;
    const { circuit, taskId } = request;
    const err = (code: "NOT_STARTED" | "UNSUPPORTED" | "ABORTED", message: string): UmpError =>
      new UmpError({ code, moduleId: MODULE_ID, taskId }, message);
    if (pool === undefined) throw err("NOT_STARTED", "the snarkjs module is not started; call start() first");
    if (!this.manifest.proofSystems.includes(circuit.proofSystem)) {
      throw err("UNSUPPORTED", `${MODULE_ID} does not serve ${circuit.proofSystem}`);
    }
    const signal = options.signal;
    if (signal?.aborted === true) throw err("ABORTED", "the proof was cancelled before it started");
    const emit = (stage: "queued" | "witness" | "prove" | "verify" | "done", percent: number): void => {
      try {
        options.onProgress?.({ taskId, moduleId: MODULE_ID, stage, percent });
      } catch {
        // a listener's error must not break the proof
      }
    };
    const started = Date.now();
    emit("queued", 0);
    const job = pool.run(
      {
        type: "prove",
        proofSystem: circuit.proofSystem,
        wasm: circuit.wasm,
        zkey: circuit.zkey,
        vkey: circuit.vkey,
        input: request.input,
        verify: this.verifyProofs,
      },
      (p) => emit(p.stage, p.percent),
    );
    const onAbort = (): void => pool.cancel(job.id, "ABORTED", "the proof was cancelled");
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(
      () => pool.cancel(job.id, "TIMEOUT", `the proof took longer than ${this.timeoutMs} ms and was killed`),
      this.timeoutMs,
    );
    try {
      const result = await job.promise;
      if (result.type !== "proved")
        throw new UmpError({ code: "INTERNAL", moduleId: MODULE_ID, taskId }, "unexpected worker answer");
      emit("done", 100);
      return {
        proofSystem: circuit.proofSystem,
        proof: result.proof,
        publicSignals: result.publicSignals,
        moduleId: MODULE_ID,
        durationMs: Date.now() - started,
      };
    } catch (e) {
      if (e instanceof UmpError && e.type.taskId === undefined) {
        throw new UmpError({ ...e.type, taskId }, e.message, { cause: e.cause });
      }
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean> {
    const pool = this.verifyPool;
    if (pool === undefined) {
      throw new UmpError(
        { code: "NOT_STARTED", moduleId: MODULE_ID },
        "the snarkjs module is not started; call start() first",
      );
    }
    if (!this.manifest.proofSystems.includes(circuit.proofSystem)) {
      throw new UmpError(
        { code: "UNSUPPORTED", moduleId: MODULE_ID },
        `${MODULE_ID} does not serve ${circuit.proofSystem}`,
      );
    }
    const job = pool.run({
      type: "verify",
      proofSystem: circuit.proofSystem,
      vkey: circuit.vkey,
      proof,
      publicSignals,
    });
    const timer = setTimeout(
      () => pool.cancel(job.id, "TIMEOUT", "verification took longer than 60 s"),
      60_000,
    );
    try {
      const result = await job.promise;
      return result.type === "verified" && result.valid;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * SPEC §9.7: is this task provable? The zkey is whole and of the task's proof system, the verification key
   * is the one derived from it, and the wasm computes, from the input, a witness of the zkey's size whose
   * public signals hash to `publicSignalsHash`. Runs in its own worker thread (one, single-threaded, started
   * on first use); the result before the hash comparison is cached by (proof system, cacheKey), so tasks that
   * share artifacts and input but commit to other signals are still told apart.
   *
   * A verdict answers for the task's content. A failure of this node (module not started, an artifact file it
   * cannot read, the time limit, a crashed worker) throws an UmpError instead and is not cached.
   */
  async checkProvable(req: ProvabilityRequest): Promise<ProvabilityVerdict> {
    const proofSystem = PROOF_SYSTEMS[req.proofSystem];
    if (proofSystem === undefined) {
      return {
        ok: false,
        code: "WRONG_PROOF_SYSTEM",
        reason: `unknown proof system ${String(req.proofSystem)}`,
      };
    }
    if (!this.started) {
      throw new UmpError(
        { code: "NOT_STARTED", moduleId: MODULE_ID },
        "the snarkjs module is not started; call start() first",
      );
    }
    if (!this.manifest.proofSystems.includes(proofSystem)) {
      throw new UmpError(
        { code: "UNSUPPORTED", moduleId: MODULE_ID },
        `${MODULE_ID} does not serve ${proofSystem}`,
      );
    }
    if (req.inputBytes.byteLength > this.maxProvabilityInputBytes) {
      return {
        ok: false,
        code: "BAD_INPUT",
        reason: `the input is ${req.inputBytes.byteLength} bytes, more than the ${this.maxProvabilityInputBytes} allowed`,
      };
    }
    const result = await this.provability.get(`${proofSystem}:${req.cacheKey}`, () =>
      this.runProvability(proofSystem, req),
    );
    if (!result.ok) return { ok: false, code: result.code, reason: result.reason };
    const actual = publicSignalsHash(result.publicSignals.map((s) => BigInt(s)));
    if (actual.toLowerCase() !== req.publicSignalsHash.toLowerCase()) {
      return {
        ok: false,
        code: "PUBLIC_SIGNALS_MISMATCH",
        reason: `the input gives public signals [${result.publicSignals.join(", ").slice(0, 500)}] hashing to ${actual}, the task commits to ${req.publicSignalsHash}`,
      };
    }
    return { ok: true };
  }

  private async runProvability(proofSystem: ProofSystem, req: ProvabilityRequest): Promise<ProvableResult> {
    if (this.checkPool === undefined) {
      this.checkPool = new WorkerPool({
        moduleId: MODULE_ID,
        size: 1,
        script: new URL("./worker.js", import.meta.url),
        workerInit: { threads: 1, cacheDir: this.cacheDir },
        idleMs: this.idleMs,
      });
    }
    const pool = this.checkPool;
    this.provabilityRuns++;
    const job = pool.run({
      type: "provable",
      proofSystem,
      wasmPath: req.wasmPath,
      zkeyPath: req.zkeyPath,
      vkeyPath: req.vkeyPath,
      input: req.inputBytes,
    });
    const timer = setTimeout(
      () =>
        pool.cancel(
          job.id,
          "TIMEOUT",
          `the provability check took longer than ${this.provabilityTimeoutMs} ms and was killed`,
        ),
      this.provabilityTimeoutMs,
    );
    try {
      const result = await job.promise;
      if (result.type !== "provable")
        throw new UmpError({ code: "INTERNAL", moduleId: MODULE_ID }, "unexpected worker answer");
      return result.result;
    } finally {
      clearTimeout(timer);
    }
  }

  health(): Promise<ModuleHealth> {
    const pool = this.provePool;
    if (pool === undefined) return Promise.resolve({ healthy: false, details: { started: false } });
    return Promise.resolve({
      healthy: true,
      details: {
        started: true,
        workers: this.workers,
        liveWorkers: pool.live,
        busy: pool.busy,
        queued: pool.queued,
        threads: this.manifest.resources.threads,
        ...(pool.threadsStarted !== undefined ? { threadsStarted: pool.threadsStarted } : {}),
        crashes: pool.crashes,
        ...(pool.lastError !== undefined ? { lastError: pool.lastError } : {}),
      },
    });
  }
}

/** js-libp2p style factory. */
export function snarkjsModule(init: SnarkjsModuleInit = {}): SnarkjsModule {
  return new SnarkjsModule(init);
}

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import {
  UmpError,
  type CircuitArtifacts,
  type ModuleHealth,
  type ModuleKind,
  type ModuleManifest,
  type ModuleProfile,
  type PreflightResult,
  type ProofResult,
  type ProveOptions,
  type ProveRequest,
  type ProverModule,
  type SnarkProof,
  type UmpErrorCode,
} from "@zkpool/ump";
import { parseVerificationKey } from "@zkpool/protocol";
import { locateBinary } from "./binary.js";
import { SidecarClient, SidecarExitedError, SidecarTimeoutError, type SidecarInfo, type SidecarReply } from "./client.js";
import { Helper } from "./helper.js";

export const NATIVE_MODULE_VERSION = "0.1.0";
const MAX_CONSTRAINTS = 1 << 27;

export interface NativeProverModuleOptions {
  /** Module id; default "native-cpu" or "native-gpu" by kind. */
  id?: string;
  /** Sidecar binary; default: $ZKPROVER_BIN or the package's build/ output. */
  binaryPath?: string;
  /** Default: native-gpu when a CUDA build and a GPU device node exist, else native-cpu. */
  kind?: Extract<ModuleKind, "native-cpu" | "native-gpu">;
  /** Time limit of one sidecar proof (integer ms); the sidecar cancels itself, the client kills it after +5 s. */
  proveTimeoutMs?: number;
  /** Delay before restarting a crashed sidecar (integer ms, doubles per consecutive crash up to 30 s). */
  restartDelayMs?: number;
  author?: { name: string; payoutAddress: string };
  /** Upper bound of memory for one proof, bytes (manifest resources). */
  memoryBytes?: number;
  /**
   * Memory for a resident key's MSM plans (GLV copies and fixed-base tables), as a multiple of the key's G1
   * point bytes; default: the sidecar's ($ZKPROVER_TABLE_BUDGET or 2). 0 = nothing resident beyond the key.
   */
  tableBudget?: number;
}

type State = "new" | "starting" | "running" | "restarting" | "unavailable" | "stopped";

/**
 * The native Groth16 prover as a UMP module: witness in a worker (snarkjs + circuit WASM), proof in the
 * C++/CUDA sidecar, and every sidecar proof verified with snarkjs before it is returned.
 */
export class NativeProverModule implements ProverModule {
  readonly manifest: ModuleManifest;
  private readonly binary: ReturnType<typeof locateBinary>;
  private state: State = "new";
  private client: SidecarClient | undefined;
  private info: SidecarInfo | undefined;
  private readonly helper = new Helper();
  private readonly loaded = new Set<string>();
  private readonly vkeys = new Map<string, unknown>();
  private restarts = 0;
  private consecutiveCrashes = 0;
  private lastError = "";
  private restartTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private profile: ModuleProfile | undefined;

  constructor(private readonly options: NativeProverModuleOptions = {}) {
    this.binary = locateBinary(options.binaryPath);
    const kind = options.kind ?? (this.binary.cuda ? "native-gpu" : "native-cpu");
    this.manifest = {
      id: options.id ?? kind,
      version: NATIVE_MODULE_VERSION,
      kind,
      proofSystems: ["groth16"],
      resources: {
        threads: availableParallelism(),
        memoryBytes: options.memoryBytes ?? 8 * 1024 * 1024 * 1024,
        gpu: kind === "native-gpu",
      },
      author: options.author ?? { name: "ZKPool", payoutAddress: "0x0000000000000000000000000000000000000000" },
      // every sidecar proof is verified with snarkjs (in the helper worker) before prove() returns it
      verifiesProofs: true,
    };
  }

  /** True when a sidecar is up and answering. */
  get available(): boolean {
    return this.state === "running" && this.client?.running === true;
  }

  /** The running sidecar's pid (tests use it to simulate a crash). */
  get sidecarPid(): number | undefined {
    return this.client?.pid;
  }

  private err(code: UmpErrorCode, message: string, extra: { taskId?: string; detail?: string } = {}): UmpError {
    return new UmpError({ code, moduleId: this.manifest.id, ...extra }, message);
  }

  /**
   * Start the sidecar. A missing binary or a sidecar that does not start does not throw: the module reports
   * itself unavailable (health false, preflight not ok) and the runtime uses the WASM module.
   */
  async start(): Promise<void> {
    if (this.state === "running") return;
    if (!this.binary.path) {
      this.state = "unavailable";
      this.lastError = this.binary.reason ?? "native prover binary not found";
      return;
    }
    this.state = "starting";
    await this.spawnSidecar();
  }

  private async spawnSidecar(): Promise<void> {
    const path = this.binary.path;
    if (!path) return;
    const client = new SidecarClient({
      binaryPath: path,
      onUnexpectedExit: (detail) => this.onCrash(client, detail),
    });
    this.client = client;
    this.loaded.clear();
    try {
      this.info = await client.start();
      if (this.state === "stopped" || this.client !== client) {
        // stop() ran while this sidecar was starting
        await client.stop();
        return;
      }
      this.state = "running";
    } catch (err) {
      if (this.state === "stopped") return;
      this.lastError = `native prover sidecar failed to start: ${(err as Error).message}`;
      this.state = "unavailable";
      this.client = undefined;
    }
  }

  private onCrash(client: SidecarClient, detail: string): void {
    if (this.client !== client || this.state === "stopped") return;
    this.lastError = `sidecar crashed: ${detail}`;
    this.state = "restarting";
    this.client = undefined;
    this.loaded.clear();
    this.scheduleRestart();
  }

  /** Restart with exponential backoff (restartDelayMs doubling up to 30 s) until a sidecar comes up. */
  private scheduleRestart(): void {
    const delay = Math.min(30_000, (this.options.restartDelayMs ?? 500) * 2 ** Math.min(this.consecutiveCrashes, 16));
    this.consecutiveCrashes++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== "restarting") return;
      this.restarts++;
      void this.spawnSidecar().then(() => {
        if (this.state === "unavailable") {
          this.state = "restarting";
          this.scheduleRestart();
        }
      });
    }, delay);
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.stop();
    await this.helper.terminate();
  }

  setProfile(profile: ModuleProfile): void {
    if (profile.moduleId === this.manifest.id && profile.proofSystem === "groth16") this.profile = profile;
  }

  async preflight(circuit: CircuitArtifacts): Promise<PreflightResult> {
    const estimatedMemoryBytes = Math.max(64 * 1024 * 1024, circuit.constraints * 1500);
    const estimatedMs = this.estimateMs(circuit.constraints);
    if (circuit.proofSystem !== "groth16") {
      return { ok: false, estimatedMs, estimatedMemoryBytes, reason: "the native prover only proves groth16" };
    }
    if (circuit.constraints > MAX_CONSTRAINTS) {
      return { ok: false, estimatedMs, estimatedMemoryBytes, reason: "circuit larger than 2^27 constraints" };
    }
    if (!this.available) {
      return { ok: false, estimatedMs, estimatedMemoryBytes, reason: this.lastError || `native prover is ${this.state}` };
    }
    return Promise.resolve({ ok: true, estimatedMs, estimatedMemoryBytes });
  }

  private estimateMs(constraints: number): number {
    const samples = this.profile?.samples ?? [];
    if (samples.length > 0) {
      const sorted = [...samples].sort((a, b) => a.constraints - b.constraints);
      const above = sorted.find((s) => s.constraints >= constraints) ?? sorted[sorted.length - 1]!;
      return Math.max(1, Math.ceil((above.ms * constraints) / Math.max(1, above.constraints)));
    }
    // measured on the 2-core dev machine: ~20 us per constraint plus a fixed ~40 ms
    return 40 + Math.ceil(constraints / 50);
  }

  async health(): Promise<ModuleHealth> {
    const details: Record<string, string | number | boolean> = {
      state: this.state,
      restarts: this.restarts,
      loadedKeys: this.loaded.size,
    };
    if (this.binary.path) details.binary = this.binary.path;
    if (this.lastError) details.lastError = this.lastError;
    if (this.available && this.client) {
      try {
        const reply = await this.client.request("info", {}, undefined, 5000).reply;
        for (const k of ["device", "threads", "memTotal", "memAvailable", "busy", "gpuName", "gpuMemTotal", "gpuMemFree", "version"]) {
          const v = reply[k];
          if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") details[k] = v;
        }
        return { healthy: true, details };
      } catch (err) {
        details.lastError = (err as Error).message;
        return { healthy: false, details };
      }
    }
    return { healthy: false, details };
  }

  async verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean> {
    try {
      const vkey = await this.vkey(circuit);
      const res = await this.helper.call({ op: "verify", vkey, publicSignals, proof });
      return res.ok && res.valid === true;
    } catch {
      return false;
    }
  }

  private async vkey(circuit: CircuitArtifacts): Promise<unknown> {
    const cached = this.vkeys.get(circuit.vkey.sha256);
    if (cached !== undefined) return cached;
    let parsed: unknown;
    try {
      parsed = parseVerificationKey(await readFile(circuit.vkey.path));
    } catch (err) {
      throw this.err("INVALID_ARTIFACT", `cannot read the verification key ${circuit.vkey.path}: ${(err as Error).message}`);
    }
    this.vkeys.set(circuit.vkey.sha256, parsed);
    return parsed;
  }

  async prove(request: ProveRequest, options: ProveOptions = {}): Promise<ProofResult> {
    const { taskId, circuit } = request;
    const started = Date.now();
    const signal = options.signal;
    const progress = (stage: "queued" | "witness" | "prove" | "verify" | "done", percent: number): void => {
      options.onProgress?.({ taskId, moduleId: this.manifest.id, stage, percent });
    };
    if (this.state === "new" || this.state === "starting" || this.state === "stopped") {
      throw this.err("NOT_STARTED", "the native prover module is not started", { taskId });
    }
    if (circuit.proofSystem !== "groth16") {
      throw this.err("UNSUPPORTED", `the native prover proves groth16, not ${circuit.proofSystem}`, { taskId });
    }
    if (this.state === "unavailable") {
      throw this.err("UNSUPPORTED", this.lastError || "the native prover is unavailable", { taskId });
    }
    if (this.state === "restarting") {
      throw this.err("CRASHED", `the native prover sidecar is restarting (${this.lastError}); use another module`, { taskId });
    }
    const aborted = (): UmpError => this.err("ABORTED", "the proof was cancelled", { taskId });
    if (signal?.aborted) throw aborted();

    progress("witness", 5);
    if (signal?.aborted) throw aborted();
    const wtns = await this.witness(request, signal);
    if (signal?.aborted) throw aborted();
    const vkey = await this.vkey(circuit);

    // one proof at a time in the sidecar: queue here instead of bouncing BUSY replies
    const run = this.queue.then(() => this.sidecarProve(request, wtns, signal, progress));
    this.queue = run.catch(() => undefined);
    const { proof, publicSignals } = await run;

    progress("verify", 90);
    const check = await this.helper.call({ op: "verify", vkey, publicSignals, proof });
    if (!check.ok || check.valid !== true) {
      throw this.err("PROOF_INVALID", "the native prover produced a proof that does not verify; it was discarded", {
        taskId,
        detail: check.ok ? "verify returned false" : check.message,
      });
    }
    this.consecutiveCrashes = 0;
    progress("done", 100);
    return { proofSystem: "groth16", proof, publicSignals, moduleId: this.manifest.id, durationMs: Date.now() - started };
  }

  private async witness(request: ProveRequest, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const { taskId, circuit } = request;
    let onAbort: (() => void) | undefined;
    const abortPromise = new Promise<never>((_, reject) => {
      onAbort = () => {
        void this.helper.terminate();
        reject(this.err("ABORTED", "the proof was cancelled", { taskId }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const res = await Promise.race([this.helper.call({ op: "witness", wasmPath: circuit.wasm.path, input: request.input }), abortPromise]);
      if (!res.ok || !res.wtns) {
        throw this.err("INVALID_INPUT", `witness generation failed: ${res.ok ? "no data" : res.message}`, { taskId });
      }
      return res.wtns;
    } catch (err) {
      if (err instanceof UmpError) throw err;
      throw this.err("INTERNAL", `witness worker failed: ${(err as Error).message}`, { taskId });
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
  }

  private async ensureKey(client: SidecarClient, circuit: CircuitArtifacts, taskId: string): Promise<void> {
    const sha = circuit.zkey.sha256;
    if (this.loaded.has(sha)) return;
    // the sidecar keeps keys by this hash: make sure the file is what the hash says before it is loaded
    let actual: string;
    try {
      actual = await sha256File(circuit.zkey.path);
    } catch (err) {
      throw this.err("INVALID_ARTIFACT", `cannot read the proving key ${circuit.zkey.path}: ${(err as Error).message}`, { taskId });
    }
    if (actual !== sha.toLowerCase()) {
      throw this.err("INVALID_ARTIFACT", `the proving key ${circuit.zkey.path} does not match its sha256; fetch it again`, {
        taskId,
        detail: `expected ${sha}, got ${actual}`,
      });
    }
    const fields: Record<string, string> = { sha256: sha, path: circuit.zkey.path };
    if (this.options.tableBudget !== undefined) fields.tableBudget = String(this.options.tableBudget);
    const reply = await client.request("load", fields, undefined, 120_000).reply;
    if (!reply.ok) {
      throw this.err("INVALID_ARTIFACT", `the native prover cannot read the proving key: ${reply.message ?? reply.code}`, {
        taskId,
        detail: String(reply.code),
      });
    }
    this.loaded.add(sha);
  }

  private async sidecarProve(
    request: ProveRequest,
    wtns: Uint8Array,
    signal: AbortSignal | undefined,
    progress: (stage: "prove", percent: number) => void,
  ): Promise<{ proof: SnarkProof; publicSignals: string[] }> {
    const { taskId, circuit } = request;
    const client = this.client;
    if (!client || !this.available) {
      throw this.err("CRASHED", `the native prover sidecar is not running (${this.lastError || this.state})`, { taskId });
    }
    if (signal?.aborted) throw this.err("ABORTED", "the proof was cancelled", { taskId });
    const timeoutMs = this.options.proveTimeoutMs ?? 600_000;
    try {
      await this.ensureKey(client, circuit, taskId);
      progress("prove", 20);
      const { id, reply } = client.request("prove", { sha256: circuit.zkey.sha256, timeoutMs }, wtns, timeoutMs + 5000);
      const onAbort = (): void => {
        client.request("cancel", { target: id }).reply.catch(() => undefined);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort(); // aborted before the listener existed (e.g. from the progress callback)
      let res: SidecarReply;
      try {
        res = await reply;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
      if (res.ok) {
        const proof = res.proof as SnarkProof;
        const publicSignals = res.publicSignals as string[];
        return { proof, publicSignals };
      }
      switch (res.code) {
        case "CANCELLED":
          throw this.err("ABORTED", "the proof was cancelled", { taskId });
        case "TIMEOUT":
          throw this.err("TIMEOUT", `the native prover exceeded its ${timeoutMs} ms limit`, { taskId });
        case "BUSY":
          throw this.err("OVER_CAPACITY", "the native prover is busy; retry later", { taskId });
        case "BAD_WITNESS":
          throw this.err("INVALID_INPUT", `the witness does not fit the proving key: ${res.message}`, { taskId });
        case "NO_KEY":
        case "BAD_KEY":
          this.loaded.delete(circuit.zkey.sha256);
          throw this.err("INVALID_ARTIFACT", `the native prover rejected the proving key: ${res.message}`, { taskId });
        default:
          throw this.err("INTERNAL", `the native prover failed: ${res.message ?? String(res.code)}`, { taskId });
      }
    } catch (err) {
      if (err instanceof UmpError) throw err;
      if (err instanceof SidecarTimeoutError) {
        client.kill();
        throw this.err("TIMEOUT", `${err.message}; the sidecar was killed and restarts`, { taskId });
      }
      if (err instanceof SidecarExitedError) {
        throw this.err("CRASHED", `the native prover sidecar died during the proof (${err.detail}); it restarts`, { taskId });
      }
      throw this.err("INTERNAL", `native prover failed: ${(err as Error).message}`, { taskId });
    }
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function createNativeProverModule(options: NativeProverModuleOptions = {}): NativeProverModule {
  return new NativeProverModule(options);
}

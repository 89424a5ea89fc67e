/**
 * The UMP runtime: a registry of prover modules, a dispatcher, a deadline-ordered job queue and capacity
 * accounting, in js-libp2p's component style (`createUmp(init)`, `start()` / `stop()`).
 *
 * Dispatch: for a task, the candidates are the started modules that serve its proof system and circuit, report
 * healthy, and whose preflight says ok; they are tried in order of kind (native-gpu > native-cpu > wasm), then
 * estimated time, then registration order. A module that fails with CRASHED, TIMEOUT, INTERNAL or
 * PROOF_INVALID is skipped for the next one; INVALID_INPUT, INVALID_ARTIFACT and a caller's ABORTED end the job
 * (another module would fail the same way).
 *
 * Capacity: every accepted job (running, queued, or reserved by a bid that has not started) holds its
 * estimated time (with a safety margin) against `concurrency` slots in deadline order; `canAccept` answers
 * whether one more job would finish by its deadline without making any accepted job late.
 */
import { UmpError, isUmpError, toUmpError } from "../errors.js";
import type {
  CircuitArtifacts,
  ModuleManifest,
  ModuleKind,
  ModuleProfile,
  ProgressEvent,
  ProofResult,
  ProveOptions,
  ProveRequest,
  ProverModule,
  SnarkProof,
} from "../interface.js";
import { estimateFromProfile } from "../profile/estimate.js";
import { ProfileStore } from "../profile/store.js";
import { benchmarkModule, type BenchmarkCircuit, type BenchmarkOptions } from "../profile/benchmark.js";
import { schedule, withMargin, type Commitment } from "./capacity.js";
import { UMP_DEFAULTS, type UmpInit } from "./options.js";
import { DeadlineQueue } from "./queue.js";

const KIND_RANK: Record<ModuleKind, number> = { "native-gpu": 0, "native-cpu": 1, wasm: 2 };

/** Failures after which dispatch tries the next module. */
const FALLBACK_CODES = new Set(["CRASHED", "TIMEOUT", "INTERNAL", "PROOF_INVALID"]);

export type ModuleState = "registered" | "started" | "failed";

export interface RegisteredModule {
  manifest: ModuleManifest;
  state: ModuleState;
  /** Why start() failed, when state is "failed". */
  error?: string;
}

export interface UmpProveOptions extends ProveOptions {
  /** A reservation from `reserve()`: the job takes its place in the capacity plan instead of being checked again. */
  reservation?: Reservation;
  /** Per-attempt timeout, ms. @default max(minJobTimeoutMs, estimatedMs * timeoutFactor) */
  timeoutMs?: number;
}

export interface CapacityRequest {
  circuit: CircuitArtifacts;
  /** Absolute unix ms by which the proof must exist. */
  deadlineMs: number;
  /** @default the runtime's clock */
  nowMs?: number;
}

export interface CapacityDecision {
  ok: boolean;
  /** When the job would be done (unix ms) if accepted now; 0 when no module serves it. */
  estimatedDoneMs: number;
  /** Estimated proving time with the safety margin, ms. */
  estimatedMs: number;
  /** The module dispatch would pick. */
  moduleId?: string;
  /** Why not, when ok is false. */
  reason?: string;
}

export interface Reservation {
  readonly id: string;
  readonly circuitId: string;
  readonly deadlineMs: number;
  readonly estimatedMs: number;
  readonly estimatedDoneMs: number;
  /** Give the capacity back (the bid lost). Idempotent; a no-op once prove() has taken the reservation. */
  release(): void;
}

export interface Candidate {
  module: ProverModule;
  /** Estimated ms for one proof (profile or preflight), without margin. */
  estimatedMs: number;
}

export interface FallbackEvent {
  taskId: string;
  moduleId: string;
  /** The module tried next, or undefined when none is left. */
  nextModuleId?: string;
  error: UmpError;
}

export interface UmpEventMap {
  progress: ProgressEvent;
  fallback: FallbackEvent;
}

interface ModuleEntry {
  module: ProverModule;
  state: ModuleState;
  error?: string;
  /** Work of this module that was abandoned after an abort and has not settled yet. */
  stuck: number;
}

interface Job extends Commitment {
  request: ProveRequest;
  opts: UmpProveOptions;
  resolve: (r: ProofResult) => void;
  reject: (e: UmpError) => void;
  settled: boolean;
  /** Aborts the running attempt (user cancel, runtime stop). */
  controller: AbortController;
  cleanup: () => void;
}

interface ReservationEntry extends Commitment {
  circuitId: string;
}

export class Ump {
  private readonly opts: Required<Omit<UmpInit, "dataDir" | "modules">> & { dataDir?: string };
  private readonly entries = new Map<string, ModuleEntry>();
  private readonly queue = new DeadlineQueue<Job>();
  private readonly running = new Set<Job>();
  private readonly runningDone = new Set<Promise<void>>();
  private readonly reservations = new Map<string, ReservationEntry>();
  private readonly profiles = new Map<string, ModuleProfile>();
  private readonly events = new EventTarget();
  private store: ProfileStore | undefined;
  private started = false;
  private seq = 0;

  constructor(init: UmpInit = {}) {
    this.opts = {
      concurrency: init.concurrency ?? UMP_DEFAULTS.concurrency,
      estimateMarginPercent: init.estimateMarginPercent ?? UMP_DEFAULTS.estimateMarginPercent,
      timeoutFactor: init.timeoutFactor ?? UMP_DEFAULTS.timeoutFactor,
      minJobTimeoutMs: init.minJobTimeoutMs ?? UMP_DEFAULTS.minJobTimeoutMs,
      abortGraceMs: init.abortGraceMs ?? UMP_DEFAULTS.abortGraceMs,
      verifyProofs: init.verifyProofs ?? UMP_DEFAULTS.verifyProofs,
      enforceCapacity: init.enforceCapacity ?? UMP_DEFAULTS.enforceCapacity,
      healthTimeoutMs: init.healthTimeoutMs ?? UMP_DEFAULTS.healthTimeoutMs,
      now: init.now ?? Date.now,
      ...(init.dataDir === undefined ? {} : { dataDir: init.dataDir }),
    };
    if (!Number.isInteger(this.opts.concurrency) || this.opts.concurrency < 1) {
      throw new UmpError(
        { code: "INTERNAL", detail: `concurrency=${this.opts.concurrency}` },
        "concurrency must be a positive integer",
      );
    }
    for (const m of init.modules ?? []) this.addEntry(m);
  }

  // ---------------------------------------------------------------- lifecycle

  get isStarted(): boolean {
    return this.started;
  }

  /** Load the profile store (if `dataDir`) and start every registered module. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.opts.dataDir !== undefined) {
      this.store = new ProfileStore(this.opts.dataDir);
      await this.store.load();
      for (const p of this.store.all()) this.profiles.set(key(p.moduleId, p.moduleVersion, p.proofSystem), p);
    }
    this.started = true;
    await Promise.all([...this.entries.values()].map((e) => this.startEntry(e)));
  }

  /**
   * Reject queued jobs, abort running ones (their workers are killed), drop reservations and stop every module.
   * Idempotent.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const stopped = (taskId: string): UmpError =>
      new UmpError({ code: "ABORTED", taskId, detail: "runtime stopped" }, "the prover runtime was stopped");
    for (let job = this.queue.pop(); job; job = this.queue.pop())
      this.settle(job, stopped(job.request.taskId));
    for (const job of this.running) job.controller.abort(stopped(job.request.taskId));
    while (this.runningDone.size > 0) await Promise.allSettled([...this.runningDone]);
    this.reservations.clear();
    await Promise.allSettled([...this.entries.values()].map((e) => this.stopEntry(e)));
  }

  // ---------------------------------------------------------------- registry

  /** Add a module; it is started now if the runtime is. Throws `DUPLICATE_MODULE` for a known id. */
  async register(module: ProverModule): Promise<void> {
    const entry = this.addEntry(module);
    if (this.started) await this.startEntry(entry);
  }

  /** Remove a module and stop it (its running work is aborted by its stop()). False when unknown. */
  async unregister(moduleId: string): Promise<boolean> {
    const entry = this.entries.get(moduleId);
    if (!entry) return false;
    this.entries.delete(moduleId);
    await this.stopEntry(entry);
    return true;
  }

  /** Registered modules, in registration order. */
  modules(): RegisteredModule[] {
    return [...this.entries.values()].map((e) => ({
      manifest: e.module.manifest,
      state: e.state,
      ...(e.error === undefined ? {} : { error: e.error }),
    }));
  }

  // ---------------------------------------------------------------- profiles

  /** Use a measured profile for preflight (the module's own setProfile() gets it too). */
  installProfile(profile: ModuleProfile): void {
    this.profiles.set(key(profile.moduleId, profile.moduleVersion, profile.proofSystem), profile);
    this.store?.set(profile);
    const entry = this.entries.get(profile.moduleId);
    if (entry && entry.module.manifest.version === profile.moduleVersion) entry.module.setProfile?.(profile);
  }

  profile(moduleId: string, proofSystem: ModuleProfile["proofSystem"]): ModuleProfile | undefined {
    const entry = this.entries.get(moduleId);
    if (!entry) return undefined;
    return this.profiles.get(key(moduleId, entry.module.manifest.version, proofSystem));
  }

  /**
   * Self-benchmark every started module on `circuits` (see benchmarkModule), install the profiles, and save
   * them to the profile store when the runtime has a `dataDir`. Run it when no jobs are queued.
   */
  async benchmark(circuits: BenchmarkCircuit[], opts: BenchmarkOptions = {}): Promise<ModuleProfile[]> {
    this.assertStarted();
    const out: ModuleProfile[] = [];
    for (const entry of this.entries.values()) {
      if (entry.state !== "started") continue;
      const served = circuits.filter((c) =>
        entry.module.manifest.proofSystems.includes(c.circuit.proofSystem),
      );
      if (served.length === 0) continue;
      const profiles = await benchmarkModule(entry.module, served, { now: this.opts.now, ...opts });
      for (const p of profiles) this.installProfile(p);
      out.push(...profiles);
    }
    await this.store?.save();
    return out;
  }

  // ---------------------------------------------------------------- dispatch

  /**
   * The modules that would prove `circuit`, best first (kind, then estimated ms, then registration order).
   * Unhealthy modules, modules whose preflight refuses, and modules with abandoned work are left out.
   */
  async candidates(circuit: CircuitArtifacts): Promise<Candidate[]> {
    const entries = [...this.entries.values()].filter(
      (e) => e.state === "started" && e.stuck === 0 && serves(e.module.manifest, circuit),
    );
    const checked = await Promise.all(
      entries.map(async (e, order) => {
        const healthy = await this.isHealthy(e.module);
        if (!healthy) return undefined;
        let pre;
        try {
          pre = await e.module.preflight(circuit);
        } catch {
          return undefined;
        }
        if (!pre.ok) return undefined;
        const profile = this.profiles.get(
          key(e.module.manifest.id, e.module.manifest.version, circuit.proofSystem),
        );
        const fromProfile = profile ? estimateFromProfile(profile, circuit.constraints) : undefined;
        const estimatedMs = Math.max(1, Math.ceil(fromProfile?.ms ?? pre.estimatedMs));
        return { module: e.module, estimatedMs, order };
      }),
    );
    return checked
      .filter((c): c is Candidate & { order: number } => c !== undefined)
      .sort(
        (a, b) =>
          KIND_RANK[a.module.manifest.kind] - KIND_RANK[b.module.manifest.kind] ||
          a.estimatedMs - b.estimatedMs ||
          a.order - b.order,
      )
      .map(({ module, estimatedMs }) => ({ module, estimatedMs }));
  }

  // ---------------------------------------------------------------- capacity

  /** Could one more job for `circuit` be done by `deadlineMs` without making accepted work late? */
  async canAccept(req: CapacityRequest): Promise<CapacityDecision> {
    if (!this.started)
      return { ok: false, estimatedDoneMs: 0, estimatedMs: 0, reason: "the prover runtime is not started" };
    const cands = await this.candidates(req.circuit);
    const best = cands[0];
    if (!best) {
      return { ok: false, estimatedDoneMs: 0, estimatedMs: 0, reason: this.unsupportedReason(req.circuit) };
    }
    return this.evaluate(
      withMargin(best.estimatedMs, this.opts.estimateMarginPercent),
      req.deadlineMs,
      req.nowMs ?? this.opts.now(),
      best.module.manifest.id,
    );
  }

  /**
   * Hold capacity for a job that is not here yet (a bid): it counts against capacity until prove() takes it,
   * release() is called, or its deadline passes. Throws `OVER_CAPACITY` (or `UNSUPPORTED`) when refused.
   */
  async reserve(req: CapacityRequest): Promise<Reservation> {
    const decision = await this.canAccept(req);
    if (!decision.ok) {
      const code =
        decision.estimatedMs === 0 && this.started
          ? "UNSUPPORTED"
          : this.started
            ? "OVER_CAPACITY"
            : "NOT_STARTED";
      throw new UmpError(
        { code, detail: decision.reason ?? "" },
        `cannot take this job: ${decision.reason ?? "refused"}`,
      );
    }
    const entry: ReservationEntry = {
      id: `reservation:${this.seq}`,
      seq: this.seq++,
      estimatedMs: decision.estimatedMs,
      deadlineMs: req.deadlineMs,
      circuitId: req.circuit.circuitId,
    };
    this.reservations.set(entry.id, entry);
    const reservations = this.reservations;
    return {
      id: entry.id,
      circuitId: entry.circuitId,
      deadlineMs: req.deadlineMs,
      estimatedMs: entry.estimatedMs,
      estimatedDoneMs: decision.estimatedDoneMs,
      release(): void {
        reservations.delete(entry.id);
      },
    };
  }

  /**
   * Health of every registered module, for monitoring (a node's metrics poll it every few seconds): a module
   * that is not started, or whose health() fails or is slower than `healthTimeoutMs`, is unhealthy.
   */
  async moduleHealth(): Promise<Array<{ moduleId: string; healthy: boolean }>> {
    return Promise.all(
      [...this.entries.values()].map(async (e) => ({
        moduleId: e.module.manifest.id,
        healthy: this.started && e.state === "started" && (await this.isHealthy(e.module)),
      })),
    );
  }

  /** Jobs queued, running, and reservations held. */
  load(): { queued: number; running: number; reserved: number } {
    this.dropExpiredReservations(this.opts.now());
    return { queued: this.queue.size, running: this.running.size, reserved: this.reservations.size };
  }

  // ---------------------------------------------------------------- proving

  /**
   * Queue a proof: it runs in deadline order on the best module, falling back on module failures.
   * Rejects with a UmpError: UNSUPPORTED, OVER_CAPACITY, INVALID_INPUT, INVALID_ARTIFACT, ABORTED, NOT_STARTED,
   * or the last module failure (CRASHED, TIMEOUT, INTERNAL, PROOF_INVALID) when every module failed.
   */
  async prove(request: ProveRequest, opts: UmpProveOptions = {}): Promise<ProofResult> {
    this.assertStarted(request.taskId);
    const aborted = (): UmpError =>
      new UmpError({ code: "ABORTED", taskId: request.taskId }, "the proof was cancelled");
    if (opts.signal?.aborted) throw aborted();
    const cands = await this.candidates(request.circuit);
    const best = cands[0];
    if (!best) {
      throw new UmpError(
        { code: "UNSUPPORTED", taskId: request.taskId },
        this.unsupportedReason(request.circuit),
      );
    }
    this.assertStarted(request.taskId);
    if (opts.signal?.aborted) throw aborted();
    const estimatedMs = withMargin(best.estimatedMs, this.opts.estimateMarginPercent);
    const reserved = opts.reservation ? this.reservations.get(opts.reservation.id) : undefined;
    let seq: number;
    if (reserved) {
      this.reservations.delete(reserved.id);
      seq = reserved.seq;
    } else {
      seq = this.seq++;
      if (this.opts.enforceCapacity && request.deadlineMs !== undefined) {
        const d = this.evaluate(estimatedMs, request.deadlineMs, this.opts.now(), best.module.manifest.id);
        if (!d.ok) {
          throw new UmpError(
            { code: "OVER_CAPACITY", taskId: request.taskId, detail: d.reason ?? "" },
            `cannot take this job: ${d.reason ?? "over capacity"}`,
          );
        }
      }
    }
    return new Promise<ProofResult>((resolve, reject) => {
      const job: Job = {
        id: `job:${seq}`,
        seq,
        estimatedMs,
        ...(request.deadlineMs === undefined ? {} : { deadlineMs: request.deadlineMs }),
        request,
        opts,
        resolve,
        reject,
        settled: false,
        controller: new AbortController(),
        cleanup: () => {},
      };
      const signal = opts.signal;
      if (signal) {
        const onAbort = (): void => {
          if (this.queue.remove(job)) this.settle(job, aborted());
          else job.controller.abort(aborted());
        };
        signal.addEventListener("abort", onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.queue.push(job);
      this.emitProgress(job, { taskId: request.taskId, moduleId: "", stage: "queued", percent: 0 });
      this.pump();
    });
  }

  /** Verify with a started module that serves the proof system (native first). False when none does. */
  async verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean> {
    this.assertStarted();
    const mods = [...this.entries.values()]
      .filter((e) => e.state === "started" && serves(e.module.manifest, circuit))
      .sort((a, b) => KIND_RANK[a.module.manifest.kind] - KIND_RANK[b.module.manifest.kind]);
    const m = mods[0];
    if (!m) throw new UmpError({ code: "UNSUPPORTED" }, this.unsupportedReason(circuit));
    return m.module.verify(circuit, proof, publicSignals);
  }

  /** Subscribe to runtime events; returns an unsubscribe function. */
  on<K extends keyof UmpEventMap>(type: K, listener: (detail: UmpEventMap[K]) => void): () => void {
    const handler = (ev: Event): void => listener((ev as CustomEvent<UmpEventMap[K]>).detail);
    this.events.addEventListener(type, handler);
    return () => this.events.removeEventListener(type, handler);
  }

  // ---------------------------------------------------------------- internals

  private pump(): void {
    while (this.started && this.running.size < this.opts.concurrency && this.queue.size > 0) {
      const job = this.queue.pop()!;
      this.running.add(job);
      job.startedAtMs = this.opts.now();
      const done = this.execute(job).finally(() => {
        this.running.delete(job);
        this.runningDone.delete(done);
        this.pump();
      });
      this.runningDone.add(done);
    }
  }

  private async execute(job: Job): Promise<void> {
    const { request } = job;
    let lastError: UmpError | undefined;
    try {
      const cands = await this.candidates(request.circuit);
      if (cands.length === 0) {
        throw new UmpError(
          { code: "UNSUPPORTED", taskId: request.taskId },
          this.unsupportedReason(request.circuit),
        );
      }
      for (let i = 0; i < cands.length; i++) {
        const cand = cands[i]!;
        if (job.controller.signal.aborted) throw abortReason(job.controller.signal, request.taskId);
        try {
          const result = await this.attempt(job, cand);
          this.settle(job, undefined, result);
          return;
        } catch (err) {
          const e = toUmpError(err, { moduleId: cand.module.manifest.id, taskId: request.taskId });
          if (job.controller.signal.aborted) throw abortReason(job.controller.signal, request.taskId);
          if (!FALLBACK_CODES.has(e.code)) throw e;
          lastError = e;
          const next = cands[i + 1]?.module.manifest.id;
          this.events.dispatchEvent(
            new CustomEvent<FallbackEvent>("fallback", {
              detail: {
                taskId: request.taskId,
                moduleId: cand.module.manifest.id,
                ...(next ? { nextModuleId: next } : {}),
                error: e,
              },
            }),
          );
        }
      }
      throw lastError!;
    } catch (err) {
      this.settle(job, toUmpError(err, { taskId: request.taskId }));
    }
  }

  /** One module's try: timeout, abort and grace handling, then (optionally) verification. */
  private async attempt(job: Job, cand: Candidate): Promise<ProofResult> {
    const module = cand.module;
    const moduleId = module.manifest.id;
    const { request } = job;
    const ctl = new AbortController();
    const forward = (): void => ctl.abort(job.controller.signal.reason);
    if (job.controller.signal.aborted) forward();
    else job.controller.signal.addEventListener("abort", forward, { once: true });
    const timeoutMs =
      job.opts.timeoutMs ?? Math.max(this.opts.minJobTimeoutMs, cand.estimatedMs * this.opts.timeoutFactor);
    const timer = setTimeout(
      () =>
        ctl.abort(
          new UmpError(
            { code: "TIMEOUT", moduleId, taskId: request.taskId, detail: `${timeoutMs} ms` },
            `module ${moduleId} did not finish within ${timeoutMs} ms; its work was killed`,
          ),
        ),
      timeoutMs,
    );
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbortGrace: (() => void) | undefined;
    try {
      const onProgress = (ev: ProgressEvent): void =>
        this.emitProgress(job, { ...ev, moduleId, taskId: request.taskId });
      const proving = module.prove(request, { signal: ctl.signal, onProgress });
      // If the module ignores the abort, stop waiting after the grace period and quarantine it until it settles.
      const abandoned = new Promise<never>((_, reject) => {
        onAbortGrace = (): void => {
          graceTimer = setTimeout(() => {
            const entry = this.entries.get(moduleId);
            if (entry) {
              entry.stuck++;
              void proving.then(
                () => entry.stuck--,
                () => entry.stuck--,
              );
            }
            reject(abortReason(ctl.signal, request.taskId));
          }, this.opts.abortGraceMs);
        };
        if (ctl.signal.aborted) onAbortGrace();
        else ctl.signal.addEventListener("abort", onAbortGrace, { once: true });
      });
      let result: ProofResult;
      try {
        result = await Promise.race([proving, abandoned]);
      } catch (err) {
        // The abort reason (TIMEOUT, runtime stop, caller's cancel) names the failure better than the module's ABORTED.
        if (ctl.signal.aborted) throw abortReason(ctl.signal, request.taskId);
        throw err;
      }
      if (this.opts.verifyProofs && module.manifest.verifiesProofs !== true) {
        this.emitProgress(job, { taskId: request.taskId, moduleId, stage: "verify", percent: 99 });
        const ok = await module.verify(request.circuit, result.proof, result.publicSignals);
        if (!ok) {
          throw new UmpError(
            { code: "PROOF_INVALID", moduleId, taskId: request.taskId },
            `module ${moduleId} produced a proof that does not verify`,
          );
        }
      }
      this.emitProgress(job, { taskId: request.taskId, moduleId, stage: "done", percent: 100 });
      return { ...result, moduleId };
    } finally {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      if (onAbortGrace) ctl.signal.removeEventListener("abort", onAbortGrace);
      job.controller.signal.removeEventListener("abort", forward);
    }
  }

  private evaluate(
    estimatedMs: number,
    deadlineMs: number,
    nowMs: number,
    moduleId: string,
  ): CapacityDecision {
    this.dropExpiredReservations(nowMs);
    const committed: Commitment[] = [
      ...this.running,
      ...this.queue.toArray(),
      ...this.reservations.values(),
    ].map((c) => ({
      id: c.id,
      seq: c.seq,
      estimatedMs: c.estimatedMs,
      ...(c.deadlineMs === undefined ? {} : { deadlineMs: c.deadlineMs }),
      ...(c.startedAtMs === undefined ? {} : { startedAtMs: c.startedAtMs }),
    }));
    const before = schedule(committed, this.opts.concurrency, nowMs);
    const candidate: Commitment = { id: "candidate", seq: Number.MAX_SAFE_INTEGER, estimatedMs, deadlineMs };
    const after = schedule([...committed, candidate], this.opts.concurrency, nowMs);
    const estimatedDoneMs = after.doneMs.get("candidate") ?? 0;
    const base = { estimatedDoneMs, estimatedMs, moduleId };
    if (after.late.includes("candidate")) {
      return {
        ...base,
        ok: false,
        reason: `it would be done at ${estimatedDoneMs}, ${estimatedDoneMs - deadlineMs} ms after its deadline (${committed.length} accepted job(s), ~${estimatedMs} ms each proof)`,
      };
    }
    const newlyLate = after.late.filter((id) => !before.late.includes(id));
    if (newlyLate.length > 0) {
      return {
        ...base,
        ok: false,
        reason: `it would make ${newlyLate.length} accepted job(s) miss their deadline`,
      };
    }
    return { ...base, ok: true };
  }

  private dropExpiredReservations(nowMs: number): void {
    for (const [id, r] of this.reservations)
      if (r.deadlineMs !== undefined && r.deadlineMs < nowMs) this.reservations.delete(id);
  }

  private emitProgress(job: Job, ev: ProgressEvent): void {
    try {
      job.opts.onProgress?.(ev);
    } catch {
      // a listener's bug must not fail the proof
    }
    this.events.dispatchEvent(new CustomEvent<ProgressEvent>("progress", { detail: ev }));
  }

  private settle(job: Job, err: UmpError | undefined, result?: ProofResult): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (err) job.reject(err);
    else job.resolve(result!);
  }

  private async isHealthy(module: ProverModule): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<{ healthy: false }>((resolve) => {
        timer = setTimeout(() => resolve({ healthy: false }), this.opts.healthTimeoutMs);
      });
      const h = await Promise.race([module.health(), timeout]);
      return h.healthy;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private addEntry(module: ProverModule): ModuleEntry {
    const id = module.manifest.id;
    if (this.entries.has(id)) {
      throw new UmpError(
        { code: "DUPLICATE_MODULE", moduleId: id },
        `a module with id "${id}" is already registered`,
      );
    }
    const entry: ModuleEntry = { module, state: "registered", stuck: 0 };
    this.entries.set(id, entry);
    for (const p of this.profiles.values()) {
      if (p.moduleId === id && p.moduleVersion === module.manifest.version) module.setProfile?.(p);
    }
    return entry;
  }

  private async startEntry(entry: ModuleEntry): Promise<void> {
    if (entry.state === "started") return;
    const m = entry.module.manifest;
    for (const p of this.profiles.values())
      if (p.moduleId === m.id && p.moduleVersion === m.version) entry.module.setProfile?.(p);
    try {
      await entry.module.start();
      entry.state = "started";
      delete entry.error;
    } catch (err) {
      entry.state = "failed";
      entry.error = err instanceof Error ? err.message : String(err);
    }
  }

  private async stopEntry(entry: ModuleEntry): Promise<void> {
    if (entry.state !== "started") return;
    entry.state = "registered";
    await entry.module.stop();
  }

  private assertStarted(taskId?: string): void {
    if (!this.started) {
      throw new UmpError(
        { code: "NOT_STARTED", ...(taskId ? { taskId } : {}) },
        "the prover runtime is not started: call start() first",
      );
    }
  }

  private unsupportedReason(circuit: CircuitArtifacts): string {
    const serving = [...this.entries.values()].filter((e) => serves(e.module.manifest, circuit));
    if (serving.length === 0)
      return `no registered module serves ${circuit.proofSystem} circuit ${circuit.circuitId}`;
    return `no healthy module can prove ${circuit.proofSystem} circuit ${circuit.circuitId} now (${serving
      .map((e) => `${e.module.manifest.id}: ${e.state}${e.stuck > 0 ? ", stuck" : ""}`)
      .join("; ")})`;
  }
}

/** Make a UMP runtime. See `UmpInit` for the options and their defaults. */
export function createUmp(init: UmpInit = {}): Ump {
  return new Ump(init);
}

function serves(m: ModuleManifest, c: CircuitArtifacts): boolean {
  return (
    m.proofSystems.includes(c.proofSystem) && (m.circuits === undefined || m.circuits.includes(c.circuitId))
  );
}

function key(id: string, version: string, system: string): string {
  return `${id}@${version}/${system}`;
}

function abortReason(signal: AbortSignal, taskId: string): UmpError {
  const r: unknown = signal.reason;
  if (isUmpError(r)) return r;
  return new UmpError({ code: "ABORTED", taskId }, "the proof was cancelled");
}

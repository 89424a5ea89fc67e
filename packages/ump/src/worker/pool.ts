/**
 * Main-thread half of the isolation helpers: a small pool of worker threads that run a module's proving
 * jobs off the node's event loop.
 *
 * - Workers stay warm between jobs (a prover library loads once per worker, not once per proof).
 * - A job that is aborted (AbortSignal) or runs past its timeout has its worker terminated: the work stops at
 *   once, even inside a busy loop or a WASM call, and the promise rejects only after the thread is gone.
 * - A worker that dies (uncaught error, `process.exit`, out of memory) rejects its job with `CRASHED`; the
 *   pool starts a fresh worker for the next job, so the module and the node keep serving.
 * - `maxHeapBytes` bounds each worker's V8 heap (`resourceLimits`); a worker past it is killed (`CRASHED`).
 *
 * Module authors use it like this:
 * ```ts
 * const pool = new WorkerPool({ moduleId: "my-module", script: new URL("./worker.js", import.meta.url) });
 * await pool.start();
 * const out = await pool.run(job, { taskId, signal, timeoutMs, onProgress });
 * await pool.stop();
 * ```
 */
import { Worker } from "node:worker_threads";
import { UmpError, toUmpError } from "../errors.js";
import type { ProveStage } from "../interface.js";
import type { JobMessage, WorkerReply } from "./messages.js";

export interface WorkerPoolInit {
  /** Module id, recorded in every error. */
  moduleId: string;
  /** The worker script: a file URL or absolute path of a .js file that calls `serveWorkerJobs`. */
  script: URL | string;
  /**
   * Worker threads in the pool = jobs run at the same time.
   * @default 1
   */
  size?: number;
  /**
   * V8 heap limit per worker in bytes (`resourceLimits.maxOldGenerationSizeMb`); a worker that exceeds it is
   * killed and its job rejects with `CRASHED`. WASM memory and ArrayBuffers are not counted by V8's limit.
   * @default undefined (no limit)
   */
  maxHeapBytes?: number;
  /** Passed to each worker as `workerData`. */
  workerData?: unknown;
  /**
   * Timeout for a job, unless `run()` passes its own.
   * @default undefined (no timeout)
   */
  timeoutMs?: number;
  /**
   * Start every worker in `start()` so the first job does not pay the start-up cost.
   * @default true
   */
  warm?: boolean;
}

export interface WorkerRunOptions {
  taskId: string;
  /** Aborting terminates the worker running the job; the job rejects with the signal's UmpError reason or `ABORTED`. */
  signal?: AbortSignal;
  /** Terminate the worker and reject with `TIMEOUT` after this many ms (counted from when the job starts). */
  timeoutMs?: number;
  onProgress?: (stage: ProveStage, percent: number) => void;
}

interface PendingJob {
  jobId: number;
  data: unknown;
  opts: WorkerRunOptions;
  resolve: (value: unknown) => void;
  reject: (err: UmpError) => void;
  settled: boolean;
  cleanup: () => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  index: number;
  worker: Worker | null;
  job: PendingJob | null;
}

export class WorkerPool {
  readonly moduleId: string;
  private readonly init: WorkerPoolInit;
  private readonly slots: Slot[];
  private readonly waiting: PendingJob[] = [];
  private readonly terminating = new Set<Promise<unknown>>();
  private started = false;
  private nextJobId = 1;
  private peak = 0;
  private spawned = 0;

  constructor(init: WorkerPoolInit) {
    const size = init.size ?? 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new UmpError(
        { code: "INTERNAL", moduleId: init.moduleId, detail: `size=${size}` },
        "WorkerPool size must be a positive integer",
      );
    }
    this.init = init;
    this.moduleId = init.moduleId;
    this.slots = Array.from({ length: size }, (_, index) => ({ index, worker: null, job: null }));
  }

  /** Idempotent. */
  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    if (this.init.warm ?? true) {
      for (const slot of this.slots) this.spawn(slot);
    }
    return Promise.resolve();
  }

  /** Idempotent. Rejects queued and running jobs with `ABORTED` and waits until every worker has exited. */
  async stop(): Promise<void> {
    this.started = false;
    const stopped = (): UmpError =>
      new UmpError(
        { code: "ABORTED", moduleId: this.moduleId, detail: "worker pool stopped" },
        "the prover module was stopped",
      );
    for (const job of this.waiting.splice(0)) this.settle(job, stopped());
    const running: PendingJob[] = [];
    for (const slot of this.slots) {
      if (slot.job) running.push(slot.job);
      slot.job = null;
      void this.kill(slot);
    }
    while (this.terminating.size > 0) await Promise.allSettled([...this.terminating]);
    // Reject running jobs only once their workers are gone.
    for (const job of running) this.settle(job, stopped());
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Worker threads alive now. */
  get workerCount(): number {
    return this.slots.filter((s) => s.worker !== null).length;
  }

  /** Most worker threads alive at once since the pool was made. */
  get peakWorkerCount(): number {
    return this.peak;
  }

  /** Workers started since the pool was made (a crash or kill makes the next job start a new one). */
  get spawnCount(): number {
    return this.spawned;
  }

  /** Jobs running now. */
  get busyCount(): number {
    return this.slots.filter((s) => s.job !== null).length;
  }

  run<O>(data: unknown, opts: WorkerRunOptions): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (!this.started) {
        reject(
          new UmpError(
            { code: "NOT_STARTED", moduleId: this.moduleId, taskId: opts.taskId },
            "the prover module is not started: call start() first",
          ),
        );
        return;
      }
      const job: PendingJob = {
        jobId: this.nextJobId++,
        data,
        opts,
        resolve: resolve as (v: unknown) => void,
        reject,
        settled: false,
        cleanup: () => {},
      };
      const signal = opts.signal;
      if (signal) {
        if (signal.aborted) {
          reject(abortError(signal, this.moduleId, opts.taskId));
          return;
        }
        const onAbort = (): void => this.abortJob(job, abortError(signal, this.moduleId, opts.taskId));
        signal.addEventListener("abort", onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.waiting.push(job);
      this.pump();
    });
  }

  private pump(): void {
    while (this.started && this.waiting.length > 0) {
      const slot = this.slots.find((s) => s.job === null);
      if (!slot) return;
      const job = this.waiting.shift()!;
      const worker = slot.worker ?? this.spawn(slot);
      slot.job = job;
      const timeoutMs = job.opts.timeoutMs ?? this.init.timeoutMs;
      if (timeoutMs !== undefined) {
        job.timer = setTimeout(() => {
          this.abortJob(
            job,
            new UmpError(
              {
                code: "TIMEOUT",
                moduleId: this.moduleId,
                taskId: job.opts.taskId,
                detail: `${timeoutMs} ms`,
              },
              `the prover module did not finish within ${timeoutMs} ms and was killed`,
            ),
          );
        }, timeoutMs);
      }
      const msg: JobMessage = { kind: "job", jobId: job.jobId, taskId: job.opts.taskId, data: job.data };
      try {
        worker.postMessage(msg);
      } catch (err) {
        slot.job = null;
        this.settle(job, toUmpError(err, { moduleId: this.moduleId, taskId: job.opts.taskId }));
      }
    }
  }

  private spawn(slot: Slot): Worker {
    const maxHeap = this.init.maxHeapBytes;
    const worker = new Worker(this.init.script, {
      workerData: this.init.workerData,
      resourceLimits:
        maxHeap === undefined
          ? undefined
          : { maxOldGenerationSizeMb: Math.max(1, Math.floor(maxHeap / 1048576)) },
    });
    slot.worker = worker;
    this.spawned++;
    this.peak = Math.max(this.peak, this.workerCount);
    worker.on("message", (reply: WorkerReply) => this.onReply(slot, worker, reply));
    let lastError: Error | undefined;
    worker.on("error", (err: Error) => {
      lastError = err;
    });
    worker.on("exit", (exitCode: number) => {
      if (slot.worker !== worker) return; // killed on purpose
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      if (job) {
        const oom = (lastError as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
        const detail = oom
          ? `out of memory (heap limit ${this.init.maxHeapBytes ?? 0} bytes)`
          : lastError
            ? lastError.message
            : `worker exited with code ${exitCode}`;
        this.settle(
          job,
          new UmpError(
            { code: "CRASHED", moduleId: this.moduleId, taskId: job.opts.taskId, detail },
            `the prover module's worker died: ${detail}`,
          ),
        );
      }
      this.pump();
    });
    return worker;
  }

  private onReply(slot: Slot, worker: Worker, reply: WorkerReply): void {
    const job = slot.job;
    if (slot.worker !== worker || !job || job.jobId !== reply.jobId) return;
    switch (reply.kind) {
      case "progress":
        try {
          job.opts.onProgress?.(reply.stage, reply.percent);
        } catch {
          // a listener's bug must not fail the proof
        }
        return;
      case "result":
        slot.job = null;
        this.settle(job, undefined, reply.result);
        this.pump();
        return;
      case "error":
        slot.job = null;
        this.settle(job, toUmpError(reply.error, { moduleId: this.moduleId, taskId: job.opts.taskId }));
        this.pump();
        return;
    }
  }

  /** Abort a job: drop it from the queue, or terminate the worker running it (rejecting once it is gone). */
  private abortJob(job: PendingJob, err: UmpError): void {
    if (job.settled) return;
    const queued = this.waiting.indexOf(job);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.settle(job, err);
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    slot.job = null;
    const gone = this.kill(slot);
    job.cleanup();
    if (job.timer) clearTimeout(job.timer);
    void gone.then(() => {
      this.settle(job, err);
      this.pump();
    });
  }

  private kill(slot: Slot): Promise<unknown> {
    const worker = slot.worker;
    slot.worker = null;
    if (!worker) return Promise.resolve();
    const p: Promise<unknown> = worker.terminate().catch(() => undefined);
    this.terminating.add(p);
    void p.then(() => this.terminating.delete(p));
    return p;
  }

  private settle(job: PendingJob, err: UmpError | undefined, result?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (job.timer) clearTimeout(job.timer);
    if (err) job.reject(err);
    else job.resolve(result);
  }
}

function abortError(signal: AbortSignal, moduleId: string, taskId: string): UmpError {
  const reason: unknown = signal.reason;
  if (reason instanceof UmpError) return reason;
  return new UmpError({ code: "ABORTED", moduleId, taskId }, "the proof was cancelled");
}

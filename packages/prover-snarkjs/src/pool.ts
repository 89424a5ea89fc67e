/**
 * A small pool of proving worker threads. One job per worker at a time; jobs wait in FIFO order.
 * Cancelling a running job terminates its worker (and with it the ffjavascript threads it started) and a
 * fresh one takes its place on the next job, so abort and timeout stop work promptly. With `idleMs`, a worker
 * that has had no job for that long is terminated too (its curve threads and WASM memory are given back) and
 * the next job starts a fresh one.
 */
import { Worker } from "node:worker_threads";
import { UmpError } from "@zkpool/ump";
import type { UmpErrorCode } from "@zkpool/ump";
import type { WorkerInit, WorkerRequest, WorkerResponse } from "./messages.js";

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type JobRequest = DistributiveOmit<WorkerRequest, "id">;
export type JobResult = Extract<WorkerResponse, { type: "proved" | "verified" | "provable" }>;
export type JobProgress = Extract<WorkerResponse, { type: "progress" }>;

interface Job {
  id: number;
  request: JobRequest;
  onProgress?: (p: JobProgress) => void;
  resolve: (r: JobResult) => void;
  reject: (e: UmpError) => void;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: Job;
  idleTimer?: NodeJS.Timeout;
}

export interface WorkerPoolInit {
  moduleId: string;
  size: number;
  workerInit: WorkerInit;
  /** Worker script URL. */
  script: URL;
  /** Terminate a worker after this long without a job (ms); 0 or undefined: keep it. */
  idleMs?: number;
}

export class WorkerPool {
  private readonly init: WorkerPoolInit;
  private readonly slots: (Slot | undefined)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Last crash or error, for health(). */
  lastError: string | undefined;
  crashes = 0;
  /** ffjavascript threads the latest worker reported starting. */
  threadsStarted: number | undefined;

  constructor(init: WorkerPoolInit) {
    this.init = init;
    this.slots = new Array<Slot | undefined>(init.size).fill(undefined);
  }

  get busy(): number {
    return this.slots.filter((s) => s?.job !== undefined).length;
  }

  get queued(): number {
    return this.queue.length;
  }

  get live(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }

  /** Start every worker now (curve built, threads up) instead of on the first job. */
  async warm(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.slotAt(i).ready));
  }

  run(
    request: JobRequest,
    onProgress?: (p: JobProgress) => void,
  ): { id: number; promise: Promise<JobResult> } {
    if (this.closed) throw this.error("NOT_STARTED", "the snarkjs module is stopped; call start() first");
    const id = this.nextId++;
    const promise = new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ id, request, onProgress, resolve, reject });
    });
    this.pump();
    return { id, promise };
  }

  /** Cancel a job: dequeue it, or kill the worker running it. */
  cancel(id: number, code: UmpErrorCode, message: string): void {
    const qi = this.queue.findIndex((j) => j.id === id);
    if (qi >= 0) {
      const [job] = this.queue.splice(qi, 1);
      job?.reject(this.error(code, message));
      return;
    }
    const index = this.slots.findIndex((s) => s?.job?.id === id);
    const slot = this.slots[index];
    if (slot?.job === undefined) return;
    const job = slot.job;
    slot.job = undefined;
    this.slots[index] = undefined;
    clearTimeout(slot.idleTimer);
    job.reject(this.error(code, message));
    void slot.worker.terminate();
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(this.error("ABORTED", "the snarkjs module was stopped"));
    const workers: Worker[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot === undefined) continue;
      this.slots[i] = undefined;
      clearTimeout(slot.idleTimer);
      slot.job?.reject(this.error("ABORTED", "the snarkjs module was stopped"));
      workers.push(slot.worker);
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private error(code: UmpErrorCode, message: string, detail?: string): UmpError {
    return new UmpError(
      { code, moduleId: this.init.moduleId, ...(detail !== undefined ? { detail } : {}) },
      message,
    );
  }

  private slotAt(index: number): Slot {
    const existing = this.slots[index];
    if (existing !== undefined) return existing;
    const worker = new Worker(this.init.script, { workerData: this.init.workerInit });
    let onReady: () => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    const slot: Slot = { worker, ready };
    this.slots[index] = slot;
    ready.then(
      () => this.idleLater(index, slot),
      () => undefined,
    );
    worker.on("message", (msg: WorkerResponse) => {
      if (msg.type === "ready") {
        this.threadsStarted = msg.threads;
        return onReady();
      }
      const job = slot.job;
      if (job === undefined || msg.id !== job.id) return;
      if (msg.type === "progress") {
        job.onProgress?.(msg);
        return;
      }
      slot.job = undefined;
      if (msg.type === "error") job.reject(this.error(msg.error.code, msg.error.message, msg.error.detail));
      else job.resolve(msg);
      this.pump();
      this.idleLater(index, slot);
    });
    const died = (why: string): void => {
      if (this.slots[index] !== slot) return; // already replaced (cancelled, idle or closed)
      this.slots[index] = undefined;
      clearTimeout(slot.idleTimer);
      this.crashes++;
      this.lastError = why;
      onFail(new Error(why));
      const job = slot.job;
      slot.job = undefined;
      job?.reject(this.error("CRASHED", `the proving worker died: ${why}`, why));
      this.pump();
    };
    worker.on("error", (err) => died(err.message));
    worker.on("exit", (code) => died(`worker exited with code ${code}`));
    return slot;
  }

  /** Terminate `slot`'s worker once it has been without a job for idleMs. */
  private idleLater(index: number, slot: Slot): void {
    const ms = this.init.idleMs ?? 0;
    if (ms <= 0 || this.closed || slot.job !== undefined || this.slots[index] !== slot) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (this.closed || slot.job !== undefined || this.slots[index] !== slot) return;
      this.slots[index] = undefined;
      void slot.worker.terminate();
    }, ms);
    slot.idleTimer.unref();
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      if (this.slots[i]?.job !== undefined) continue;
      const slot = this.slotAt(i);
      const job = this.queue.shift();
      if (job === undefined) break;
      clearTimeout(slot.idleTimer);
      slot.job = job;
      job.slot = slot;
      const msg: WorkerRequest = { ...job.request, id: job.id };
      slot.ready.then(
        () => {
          if (slot.job === job) slot.worker.postMessage(msg);
        },
        () => undefined, // died() already rejected the job
      );
    }
  }
}

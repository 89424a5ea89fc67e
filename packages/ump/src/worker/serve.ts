/**
 * Worker-side half of the isolation helpers: a module's worker script calls `serveWorkerJobs(handler)` once;
 * the handler runs each job the WorkerPool sends and its result (or typed error) goes back to the pool.
 *
 * ```ts
 * // my-module-worker.ts
 * import { serveWorkerJobs, UmpError } from "@zkpool/ump/worker";
 * serveWorkerJobs(async (data: MyJob, ctx) => {
 *   ctx.progress("witness", 10);
 *   ...
 *   return { proof, publicSignals };
 * });
 * ```
 *
 * Throw a `UmpError` for typed failures (INVALID_INPUT, INVALID_ARTIFACT, ...); anything else arrives in the
 * main thread as `INTERNAL`. An uncaught error or `process.exit()` outside a job's promise kills the worker
 * and the pending job rejects with `CRASHED`.
 */
import { parentPort } from "node:worker_threads";
import { UmpError, isPlainUmpError } from "../errors.js";
import type { ProveStage } from "../interface.js";
import type { JobMessage, WorkerReply } from "./messages.js";

export interface WorkerJobContext {
  jobId: number;
  taskId: string;
  /** Report progress (integer percent 0..100 of the whole job). */
  progress(stage: ProveStage, percent: number): void;
}

export type WorkerJobHandler<I, O> = (data: I, ctx: WorkerJobContext) => Promise<O> | O;

export function serveWorkerJobs<I, O>(handler: WorkerJobHandler<I, O>): void {
  const port = parentPort;
  if (port === null) {
    throw new UmpError(
      { code: "INTERNAL", detail: "serveWorkerJobs called on the main thread" },
      "serveWorkerJobs() must run inside a worker started by WorkerPool",
    );
  }
  const post = (reply: WorkerReply): void => port.postMessage(reply);
  port.on("message", (msg: JobMessage) => {
    if (msg.kind !== "job") return;
    const ctx: WorkerJobContext = {
      jobId: msg.jobId,
      taskId: msg.taskId,
      progress: (stage, percent) =>
        post({ kind: "progress", jobId: msg.jobId, stage, percent: clampPercent(percent) }),
    };
    Promise.resolve()
      .then(() => handler(msg.data as I, ctx))
      .then(
        (result) => post({ kind: "result", jobId: msg.jobId, result }),
        (err: unknown) => post({ kind: "error", jobId: msg.jobId, error: toPlain(err, msg.taskId) }),
      );
  });
}

function clampPercent(p: number): number {
  if (!Number.isFinite(p)) return 0;
  return Math.min(100, Math.max(0, Math.trunc(p)));
}

function toPlain(err: unknown, taskId: string): { name: string; message: string; type: UmpError["type"] } {
  if (err instanceof UmpError) return { name: err.name, message: err.message, type: { taskId, ...err.type } };
  if (isPlainUmpError(err)) return { name: "UmpError", message: err.message, type: { taskId, ...err.type } };
  const message = err instanceof Error ? err.message : String(err);
  return {
    name: "UmpError",
    message: `prover worker failed: ${message}`,
    type: { code: "INTERNAL", taskId, detail: message },
  };
}

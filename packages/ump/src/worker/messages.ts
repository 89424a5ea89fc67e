/** Messages between a WorkerPool (main thread) and a worker that calls `serveWorkerJobs`. Plain data only. */
import type { PlainUmpError } from "../errors.js";
import type { ProveStage } from "../interface.js";

export interface JobMessage {
  kind: "job";
  jobId: number;
  taskId: string;
  data: unknown;
}

export type WorkerReply =
  | { kind: "progress"; jobId: number; stage: ProveStage; percent: number }
  | { kind: "result"; jobId: number; result: unknown }
  | { kind: "error"; jobId: number; error: PlainUmpError };

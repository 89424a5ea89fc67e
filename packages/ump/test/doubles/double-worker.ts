/**
 * TEST DOUBLE worker script for WorkerTestDoubleModule: it does no real proving, it behaves as the job asks
 * (work for a while, hang, crash, run out of memory, reject the input) so runtime tests can exercise isolation
 * with a real worker thread.
 */
import { createHash } from "node:crypto";
import { serveWorkerJobs, UmpError } from "../../src/worker/index.js";
import type { DoubleJob, DoubleOutput } from "./modules.js";

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

serveWorkerJobs<DoubleJob, DoubleOutput>((job, ctx) => {
  ctx.progress("witness", 10);
  switch (job.mode) {
    case "hang":
      for (;;) {
        // a module stuck in a hot loop: only terminating the worker stops it
      }
    case "crash":
      setImmediate(() => {
        throw new Error("test double crashed its worker");
      });
      return new Promise<DoubleOutput>(() => {});
    case "exit":
      process.exit(7);
      break;
    case "oom": {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 16).fill(1));
    }
    case "invalid-input":
      throw new UmpError(
        { code: "INVALID_INPUT", detail: "test double rejects this input" },
        "the input does not satisfy the circuit",
      );
    case "internal":
      throw new Error("test double failed unexpectedly");
    default:
      break;
  }
  if (job.gate) {
    const flag = new Int32Array(job.gate);
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000);
  }
  ctx.progress("prove", 50);
  sleepSync(job.workMs);
  ctx.progress("prove", 90);
  const digest = createHash("sha256").update(JSON.stringify(job.input)).digest("hex");
  return {
    proof: { protocol: "test-double", digest, valid: job.mode !== "bad-proof" },
    publicSignals: ["1"],
  };
});

/**
 * The compliance suite's independent verifier: plain snarkjs, in its own worker thread so the curve's threads
 * never mix with the module's (the suite counts threads) and are gone when the worker is terminated.
 */
import os from "node:os";
import workerThreads from "node:worker_threads";
import { readFile } from "node:fs/promises";
import { parseVerificationKey } from "@zkpool/protocol/vkey";
import { serveWorkerJobs } from "../worker/serve.js";
import type { ProofSystem } from "../interface.js";

export interface VerifyJob {
  proofSystem: ProofSystem;
  vkeyPath: string;
  proof: unknown;
  publicSignals: string[];
}

// One curve thread is plenty for verification: ffjavascript sizes its thread pool from os.cpus().
const realCpus = os.cpus.bind(os);
os.cpus = () => realCpus().slice(0, 1);
// snarkjs's thread helper (web-worker) treats any non-main thread as one of its own workers and takes it
// over; this thread is ours, so let it see a main thread (its own workers started from here still see false).
Object.defineProperty(workerThreads, "isMainThread", { value: true });
const snarkjs = await import("snarkjs");

serveWorkerJobs<VerifyJob, boolean>(async (job) => {
  const vkey: unknown = parseVerificationKey(await readFile(job.vkeyPath));
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  try {
    return await snarkjs[job.proofSystem].verify(vkey, job.publicSignals, job.proof, silent);
  } catch {
    return false;
  }
});

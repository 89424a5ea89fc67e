/**
 * Proving worker thread. Loads artifacts through the ArtifactCache (hash-checked bytes, never a path that
 * could change under us), computes the witness with the circuit's WASM, proves with snarkjs, and checks
 * the proof against the verification key before answering.
 *
 * ffjavascript starts one thread per `os.cpus()` entry the first time a curve is built. We cap it to
 * `workerData.threads` by narrowing `os.cpus()` inside this worker only, before snarkjs is loaded
 * (each worker thread has its own instance of the `os` module object, so nothing else is affected).
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import workerThreads, { parentPort, workerData } from "node:worker_threads";
// Narrow entry points: the package roots would load ethers and the UMP runtime into every worker (~25 MiB).
import { canonicalVerificationKey, parseVerificationKey, type SnarkjsVerificationKey } from "@zkpool/protocol/vkey";
import { ArtifactCache, type UmpErrorCode } from "@zkpool/ump/worker";
import type { ProvableResult, WorkerInit, WorkerRequest, WorkerResponse } from "./messages.js";
import {
  BN254_R,
  CheckFailure,
  readWitnessHead,
  readZkeyLayout,
  vkeyDifference,
} from "./provability-check.js";

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error("worker.js must run as a worker thread");

const realCpus = os.cpus.bind(os);
const threads = Math.max(1, Math.min(init.threads, realCpus().length || init.threads));
os.cpus = () => {
  const cpus = realCpus();
  return cpus.length >= threads ? cpus.slice(0, threads) : cpus;
};

// ffjavascript starts its threads with the `web-worker` package, which assumes that any code running off
// the main thread is one of its own workers and takes over the thread's globals. This thread is ours:
// let web-worker see it as a main thread (its own workers, started from here, still see `false`).
Object.defineProperty(workerThreads, "isMainThread", { value: true });

const snarkjs = await import("snarkjs");
const { buildBn128 } = await import("ffjavascript");
// Build the curve (and its threads) now, so the first proof does not pay for it. With one thread, the curve
// runs in this worker itself (ffjavascript's single-thread mode): the same work, without a second isolate
// (about 45 MiB) that would only wait for this one. snarkjs takes the curve it uses from globalThis.curve_bn128
// (and builds a threaded one when that is empty), so the single-thread curve is put there.
const curve = (await buildBn128(threads === 1)) as unknown as { tm?: { concurrency?: number } };
if (threads === 1) (globalThis as { curve_bn128?: unknown }).curve_bn128 = curve;
/** Threads ffjavascript actually started (reported so the cap can be checked). */
const started = curve.tm?.concurrency ?? threads;

const cache = new ArtifactCache({ dir: init.cacheDir });
const send = (msg: WorkerResponse): void => port.postMessage(msg);

class Failure extends Error {
  constructor(
    readonly code: UmpErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().slice(0, 1000);
}

/** Expected number of snarkjs log lines per proof, to turn them into a percentage. */
const LOG_LINES = { groth16: 14, plonk: 60, fflonk: 80 } as const;

async function loadArtifact(ref: { sha256: string; path: string }, what: string): Promise<Uint8Array> {
  try {
    return await cache.ensure(ref);
  } catch (err) {
    const e = err as { type?: { code?: string; detail?: string } };
    throw new Failure("INVALID_ARTIFACT", `${what}: ${describe(err)}`, e.type?.detail);
  }
}

async function loadVkey(ref: { sha256: string; path: string }): Promise<unknown> {
  const bytes = await loadArtifact(ref, "verification key");
  try {
    return parseVerificationKey(bytes);
  } catch (err) {
    throw new Failure("INVALID_ARTIFACT", `verification key is neither canonical (SPEC §1.12) nor snarkjs JSON: ${describe(err)}`);
  }
}

/** Run the circuit wasm on an input; the circom runtime's console.error output is kept off the node's stderr. */
async function calculateWitness(input: unknown, wasm: Uint8Array): Promise<Uint8Array> {
  const wtns = { type: "mem" as const, data: undefined as Uint8Array | undefined };
  const consoleError = console.error;
  console.error = () => undefined;
  try {
    await snarkjs.wtns.calculate(input, { type: "mem", data: wasm }, wtns);
  } finally {
    console.error = consoleError;
  }
  if (wtns.data === undefined) throw new Error("the witness calculator wrote nothing");
  return wtns.data;
}

function isWasmFault(err: unknown): boolean {
  const msg = describe(err);
  const name = err instanceof Error ? err.name : "";
  return (
    name === "CompileError" ||
    name === "LinkError" ||
    /WebAssembly|magic word|Invalid memory size|Unsupported circom|is not a function/i.test(msg)
  );
}

async function readFileOrThrow(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    // a missing file is this node's problem, not the task's: thrown (and not cached), never a verdict
    throw new Failure("INVALID_ARTIFACT", `${what} ${path} cannot be read: ${describe(err)}`);
  }
}

/** SPEC §9.7: do the artifacts fit each other and does the input give a witness? (Public signals hashed by the caller.) */
async function checkProvable(req: Extract<WorkerRequest, { type: "provable" }>): Promise<ProvableResult> {
  const fail = (code: Exclude<ProvableResult, { ok: true }>["code"], reason: string): ProvableResult => ({
    ok: false,
    code,
    reason: reason.slice(0, 1000),
  });
  let input: unknown;
  try {
    input = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(req.input));
  } catch (err) {
    return fail("BAD_INPUT", `the input is not UTF-8 JSON: ${describe(err)}`);
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return fail(
      "BAD_INPUT",
      `the input must be a JSON object, not ${Array.isArray(input) ? "an array" : String(input === null ? "null" : typeof input)}`,
    );
  }

  const [wasm, zkey, vkeyBytes] = await Promise.all([
    readFileOrThrow(req.wasmPath, "circuit wasm"),
    readFileOrThrow(req.zkeyPath, "proving key"),
    readFileOrThrow(req.vkeyPath, "verification key"),
  ]);

  let layout;
  try {
    layout = readZkeyLayout(zkey);
  } catch (err) {
    if (err instanceof CheckFailure) return fail("BAD_ZKEY", err.message);
    throw err;
  }
  if (layout.protocol !== req.proofSystem) {
    return fail(
      "WRONG_PROOF_SYSTEM",
      `the proving key is a ${layout.protocol} key, the task is ${req.proofSystem}`,
    );
  }

  let vkey: unknown;
  try {
    vkey = parseVerificationKey(vkeyBytes);
  } catch (err) {
    return fail("ARTIFACTS_MISMATCH", `the verification key is neither canonical (SPEC §1.12) nor snarkjs JSON: ${describe(err)}`);
  }
  const vkeyProtocol = (vkey as { protocol?: unknown } | null)?.protocol;
  if (typeof vkeyProtocol === "string" && vkeyProtocol !== req.proofSystem) {
    return fail(
      "WRONG_PROOF_SYSTEM",
      `the verification key is a ${vkeyProtocol} key, the task is ${req.proofSystem}`,
    );
  }
  let derived: unknown;
  try {
    derived = canonicalVerificationKey((await snarkjs.zKey.exportVerificationKey({ type: "mem", data: zkey })) as SnarkjsVerificationKey);
  } catch (err) {
    return fail("BAD_ZKEY", `the verification key cannot be derived from the proving key: ${describe(err)}`);
  }
  const diff = vkeyDifference(derived, vkey);
  if (diff !== undefined) {
    return fail(
      "ARTIFACTS_MISMATCH",
      `the verification key is not the proving key's: they differ at ${diff}`,
    );
  }

  let wtns: Uint8Array;
  try {
    wtns = await calculateWitness(input, wasm);
  } catch (err) {
    if (isWasmFault(err)) return fail("BAD_WASM", `the circuit wasm cannot run: ${describe(err)}`);
    return fail("BAD_INPUT", `the input does not satisfy the circuit: ${describe(err)}`);
  }
  let head;
  try {
    head = readWitnessHead(wtns, layout.nPublic + 1);
  } catch (err) {
    if (err instanceof CheckFailure) return fail("BAD_WASM", err.message);
    throw err;
  }
  if (head.prime !== BN254_R)
    return fail("BAD_WASM", "the circuit wasm is compiled for a field other than BN254's");
  if (head.nWitness !== layout.nWitness) {
    return fail(
      "ARTIFACTS_MISMATCH",
      `the circuit wasm computes ${head.nWitness} wires, the proving key expects ${layout.nWitness} (keys of another circuit?)`,
    );
  }
  if (head.values[0] !== 1n) return fail("BAD_WASM", "the witness does not start with the constant 1");
  const signals = head.values.slice(1);
  if (signals.some((v) => v >= BN254_R)) return fail("BAD_WASM", "a public signal is not reduced mod r");
  return { ok: true, publicSignals: signals.map(String) };
}

async function handle(req: WorkerRequest): Promise<void> {
  if (req.type === "provable") {
    send({ type: "provable", id: req.id, result: await checkProvable(req) });
    return;
  }
  if (req.type === "verify") {
    const vkey = await loadVkey(req.vkey);
    let valid = false;
    try {
      valid = await snarkjs[req.proofSystem].verify(vkey, req.publicSignals, req.proof);
    } catch {
      valid = false; // a malformed proof is a wrong proof
    }
    send({ type: "verified", id: req.id, valid: valid === true });
    return;
  }

  const { id, proofSystem } = req;
  let lastPercent = -1;
  const progress = (stage: "witness" | "prove" | "verify", percent: number): void => {
    if (percent <= lastPercent) return;
    lastPercent = percent;
    send({ type: "progress", id, stage, percent });
  };

  const [wasm, zkey, vkey] = await Promise.all([
    loadArtifact(req.wasm, "circuit wasm"),
    loadArtifact(req.zkey, "proving key"),
    loadVkey(req.vkey),
  ]);

  progress("witness", 5);
  const wtns = { type: "mem" as const, data: undefined as Uint8Array | undefined };
  // The circom runtime prints failed assertions with console.error; the thrown error carries the same
  // text, so keep it off the node's stderr while the witness is computed.
  const consoleError = console.error;
  console.error = () => undefined;
  try {
    await snarkjs.wtns.calculate(req.input, { type: "mem", data: wasm }, wtns);
  } catch (err) {
    const msg = describe(err);
    const name = err instanceof Error ? err.name : "";
    if (
      name === "CompileError" ||
      name === "LinkError" ||
      /WebAssembly|magic word|Invalid memory size|Unsupported circom/i.test(msg)
    ) {
      throw new Failure("INVALID_ARTIFACT", `circuit wasm cannot run: ${msg}`);
    }
    throw new Failure("INVALID_INPUT", `the input does not satisfy the circuit: ${msg}`);
  } finally {
    console.error = consoleError;
  }

  progress("prove", 10);
  const start = performance.now();
  let lines = 0;
  const expected = LOG_LINES[proofSystem];
  const bump = (): void => {
    lines++;
    progress("prove", 10 + Math.floor((80 * Math.min(lines, expected - 1)) / expected));
  };
  const logger = { debug: bump, info: bump, warn: bump, error: () => undefined };
  let out: { proof: Record<string, unknown>; publicSignals: string[] };
  try {
    out = await snarkjs[proofSystem].prove({ type: "mem", data: zkey }, wtns, logger);
  } catch (err) {
    throw new Failure(
      "INVALID_ARTIFACT",
      `the proving key does not fit this circuit or is not a ${proofSystem} key: ${describe(err)}`,
    );
  }
  const proveMs = Math.round(performance.now() - start);
  if (out === undefined || (out as unknown) === -1 || out.proof === undefined) {
    throw new Failure(
      "INVALID_ARTIFACT",
      `snarkjs refused the proving key (not a ${proofSystem} zkey for this circuit)`,
    );
  }

  if (req.verify) {
    progress("verify", 92);
    let valid = false;
    try {
      valid = await snarkjs[proofSystem].verify(vkey, out.publicSignals, out.proof);
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new Failure(
        "PROOF_INVALID",
        "the proof does not verify against the verification key (keys of different circuits?)",
      );
    }
  }
  send({ type: "proved", id, proof: out.proof, publicSignals: out.publicSignals.map(String), proveMs });
}

port.on("message", (req: WorkerRequest) => {
  handle(req).catch((err: unknown) => {
    const code: UmpErrorCode = err instanceof Failure ? err.code : "INTERNAL";
    const detail = err instanceof Failure ? err.detail : undefined;
    send({ type: "error", id: req.id, error: { code, message: describe(err), detail } });
  });
});

send({ type: "ready", threads: started });

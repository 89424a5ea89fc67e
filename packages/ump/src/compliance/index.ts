/**
 * `@zkpool/ump/compliance`: the prover-module compliance suite, in the manner of js-libp2p's interface
 * compliance tests. Every module (first-party or third-party) runs it from its own mocha test file:
 *
 * ```ts
 * import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
 * runModuleComplianceSuite({
 *   name: "my-module",
 *   create: () => new MyModule({ cacheDir }),
 *   fixtures: [{ circuit, validInput, invalidInput }],
 * });
 * ```
 *
 * It defines mocha `describe`/`it` blocks (mocha's globals must exist: load it from a mocha test file; the
 * runtime package itself never imports mocha). It checks, per fixture circuit:
 * - a valid task gives a proof that verifies with the module's verify() and with plain snarkjs;
 * - an input that does not satisfy the circuit is rejected with `INVALID_INPUT`;
 * - a proving key whose bytes do not match its content hash, and a corrupt (truncated) proving key, are
 *   rejected with `INVALID_ARTIFACT` (a module that proves from its own verified copy of the same hash
 *   instead may answer with a proof that verifies);
 * - progress is reported (integer percent 0..100, never decreasing, right task and module id);
 * - cancellation rejects with `ABORTED`, reports nothing afterwards, and the work's threads are gone;
 * - declared resources hold while proving: extra OS threads (process tree, sidecars included) <=
 *   `manifest.resources.threads`, extra resident memory <= `manifest.resources.memoryBytes`;
 * and for the module: a well-formed manifest, health, idempotent start/stop that leave no thread or process
 * behind, and typed `NOT_STARTED` after stop.
 *
 * Thread and process counts read /proc (Linux); elsewhere those checks only check what they can.
 */
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../artifacts.js";
import { isUmpError, type UmpErrorCode } from "../errors.js";
import type {
  CircuitArtifacts,
  CircuitInput,
  ProgressEvent,
  ProofResult,
  ProverModule,
} from "../interface.js";
import { processTreeStats, startPeakSampler, type TreeStats } from "../proc.js";
import { WorkerPool } from "../worker/pool.js";
import type { VerifyJob } from "./verify-worker.js";

export interface ComplianceFixture {
  /** Label in test titles. @default `${circuit.proofSystem} ${circuit.constraints} constraints` */
  label?: string;
  circuit: CircuitArtifacts;
  /** An input that satisfies the circuit. */
  validInput: CircuitInput;
  /** An input that does not (a tampered input): proving must fail with INVALID_INPUT. */
  invalidInput: CircuitInput;
  /**
   * Artifacts whose proving key's bytes do not match `zkey.sha256`. Made by the suite when absent (a copy of
   * the zkey with bytes flipped, the original hash kept).
   */
  tamperedCircuit?: CircuitArtifacts;
  /**
   * A task slow enough to cancel mid-proof. @default this fixture's circuit and validInput
   * (a circuit of 2^12 constraints or more is slow enough for the snarkjs module).
   */
  cancelTask?: { circuit: CircuitArtifacts; input: CircuitInput };
}

export interface ComplianceSuiteOptions {
  /** The module's name in test titles. */
  name: string;
  /** Make a fresh, not yet started module. Called once for the suite. */
  create: () => ProverModule | Promise<ProverModule>;
  fixtures: ComplianceFixture | ComplianceFixture[];
  /** Mocha timeout per test, ms. @default 300_000 */
  timeoutMs?: number;
  /**
   * Extra OS threads allowed over `manifest.resources.threads` while proving (a coordinating thread that
   * only waits, say). @default 0
   */
  threadSlack?: number;
}

const PAYOUT = /^0x[0-9a-fA-F]{40}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const DECIMAL = /^\d+$/;

export function runModuleComplianceSuite(opts: ComplianceSuiteOptions): void {
  const fixtures = Array.isArray(opts.fixtures) ? opts.fixtures : [opts.fixtures];
  let seq = 0;
  const nextTaskId = (): string => "0x" + "c0".repeat(16) + (++seq).toString(16).padStart(32, "0");

  describe(`${opts.name}: UMP prover module compliance`, function () {
    this.timeout(opts.timeoutMs ?? 300_000);
    let module: ProverModule;
    let beforeStart: TreeStats;
    let tmp: string;

    before(async function () {
      // Start libuv's thread pool now, so it is not counted against the module later.
      await Promise.all(Array.from({ length: 4 }, () => stat(".")));
      tmp = await mkdtemp(join(tmpdir(), "ump-compliance-"));
      beforeStart = processTreeStats();
      module = await opts.create();
      await module.start();
    });

    after(async function () {
      await module?.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("has a well-formed manifest", function () {
      const m = module.manifest;
      check(typeof m.id === "string" && m.id.length > 0, "manifest.id must be a non-empty string");
      check(SEMVER.test(m.version), `manifest.version must be semver, got ${m.version}`);
      check(
        ["native-gpu", "native-cpu", "wasm"].includes(m.kind),
        `manifest.kind is not a known kind: ${m.kind}`,
      );
      check(m.proofSystems.length > 0, "manifest.proofSystems must not be empty");
      check(
        m.proofSystems.every((s) => ["groth16", "plonk", "fflonk"].includes(s)),
        "unknown proof system in manifest",
      );
      check(
        Number.isInteger(m.resources.threads) && m.resources.threads > 0,
        "resources.threads must be a positive integer",
      );
      check(
        Number.isSafeInteger(m.resources.memoryBytes) && m.resources.memoryBytes > 0,
        "resources.memoryBytes must be a positive integer",
      );
      check(typeof m.resources.gpu === "boolean", "resources.gpu must be a boolean");
      check(
        PAYOUT.test(m.author.payoutAddress),
        "author.payoutAddress must be a 0x-prefixed 20-byte address",
      );
      check(
        m.circuits === undefined || m.circuits.every((c) => /^0x[0-9a-f]{64}$/.test(c)),
        "manifest.circuits must be 0x-prefixed 32-byte hex ids",
      );
    });

    it("reports healthy once started, and start() is idempotent", async function () {
      await module.start();
      const h = await module.health();
      check(h.healthy, `health() says unhealthy after start: ${JSON.stringify(h.details ?? {})}`);
      if (h.details) {
        for (const v of Object.values(h.details))
          check(["string", "number", "boolean"].includes(typeof v), "health details must be plain data");
      }
    });

    for (const fx of fixtures) {
      const label = fx.label ?? `${fx.circuit.proofSystem}, ${fx.circuit.constraints} constraints`;

      describe(label, function () {
        let first: ProofResult | undefined;

        it("preflight accepts the circuit with integer estimates", async function () {
          check(
            module.manifest.proofSystems.includes(fx.circuit.proofSystem),
            `the module does not declare ${fx.circuit.proofSystem}`,
          );
          const p = await module.preflight(fx.circuit);
          check(p.ok, `preflight refused: ${p.reason ?? "(no reason)"}`);
          check(
            Number.isSafeInteger(p.estimatedMs) && p.estimatedMs > 0,
            `estimatedMs must be a positive integer, got ${p.estimatedMs}`,
          );
          check(
            Number.isSafeInteger(p.estimatedMemoryBytes) && p.estimatedMemoryBytes > 0,
            "estimatedMemoryBytes must be a positive integer",
          );
        });

        it("proves a valid task with a proof that verifies (module and plain snarkjs) and reports progress", async function () {
          const taskId = nextTaskId();
          const events: ProgressEvent[] = [];
          const result = await module.prove(
            { taskId, circuit: fx.circuit, input: fx.validInput },
            { onProgress: (e) => events.push(e) },
          );
          first = result;
          check(
            result.proofSystem === fx.circuit.proofSystem,
            `proofSystem ${result.proofSystem} != ${fx.circuit.proofSystem}`,
          );
          check(result.moduleId === module.manifest.id, `moduleId ${result.moduleId} != manifest.id`);
          check(
            Array.isArray(result.publicSignals) && result.publicSignals.every((s) => DECIMAL.test(s)),
            "publicSignals must be decimal strings",
          );
          check(
            Number.isSafeInteger(result.durationMs) && result.durationMs >= 0,
            "durationMs must be a non-negative integer",
          );
          check(
            await module.verify(fx.circuit, result.proof, result.publicSignals),
            "module.verify() rejects its own proof",
          );
          check(await independentVerify(fx.circuit, result), "plain snarkjs rejects the module's proof");
          checkProgress(events, taskId, module.manifest.id);
        });

        it("verify() answers false (not an error) for a wrong proof", async function () {
          const r =
            first ??
            (await module.prove({ taskId: nextTaskId(), circuit: fx.circuit, input: fx.validInput }));
          const wrong = [...r.publicSignals];
          wrong[0] = (BigInt(wrong[0] ?? "0") + 1n).toString();
          check(wrong.length > 0, "the fixture circuit needs at least one public signal");
          check(
            (await module.verify(fx.circuit, r.proof, wrong)) === false,
            "verify() accepted a proof for other public signals",
          );
        });

        it("rejects an input that does not satisfy the circuit with INVALID_INPUT", async function () {
          await expectCode(
            module.prove({ taskId: nextTaskId(), circuit: fx.circuit, input: fx.invalidInput }),
            ["INVALID_INPUT"],
          );
        });

        it("rejects a proving key whose bytes do not match its hash with INVALID_ARTIFACT", async function () {
          const tampered = fx.tamperedCircuit ?? (await flipZkey(fx.circuit, tmp));
          const outcome = await settle(
            module.prove({ taskId: nextTaskId(), circuit: tampered, input: fx.validInput }),
          );
          if (outcome.ok) {
            // Allowed only if the module proved from its own verified copy with the same hash.
            check(
              await independentVerify(fx.circuit, outcome.value),
              "the module proved with a tampered proving key and returned a wrong proof",
            );
          } else {
            checkCode(outcome.error, ["INVALID_ARTIFACT"]);
          }
        });

        it("rejects a corrupt (truncated) proving key with INVALID_ARTIFACT", async function () {
          const corrupt = await truncatedZkey(fx.circuit, tmp);
          await expectCode(module.prove({ taskId: nextTaskId(), circuit: corrupt, input: fx.validInput }), [
            "INVALID_ARTIFACT",
          ]);
        });

        it("honours its declared resources while proving (threads, memory)", async function () {
          const before = processTreeStats();
          const sampler = startPeakSampler(10);
          let peak;
          try {
            await module.prove({ taskId: nextTaskId(), circuit: fx.circuit, input: fx.validInput });
          } finally {
            peak = sampler.stop();
          }
          const r = module.manifest.resources;
          if (before.threads !== undefined && peak.peakThreads !== undefined) {
            const extra = peak.peakThreads - before.threads;
            check(
              extra <= r.threads + (opts.threadSlack ?? 0),
              `proving used ${extra} extra OS threads, more than the ${r.threads} declared in manifest.resources.threads`,
            );
          }
          const extraRss = peak.peakRssBytes - before.rssBytes;
          check(
            extraRss <= r.memoryBytes,
            `proving used ${extraRss} extra bytes of memory, more than the ${r.memoryBytes} declared`,
          );
        });

        it("cancels promptly: rejects with ABORTED, reports nothing afterwards, and its worker is gone", async function () {
          const task = fx.cancelTask ?? { circuit: fx.circuit, input: fx.validInput };
          const taskId = nextTaskId();
          const before = processTreeStats();
          const ac = new AbortController();
          let late = 0;
          let rejected = false;
          const p = module.prove(
            { taskId, circuit: task.circuit, input: task.input },
            {
              signal: ac.signal,
              onProgress: (e) => {
                if (rejected) late++;
                if (e.stage === "witness" || e.stage === "prove") ac.abort();
              },
            },
          );
          // A module that reports no witness/prove stage is cancelled on the next turn of the event loop.
          setImmediate(() => ac.abort());
          const outcome = await settle(p);
          rejected = true;
          if (outcome.ok) {
            throw new Error(
              "the proof finished before cancellation took effect: give the fixture a larger cancelTask so cancellation can be tested",
            );
          }
          checkCode(outcome.error, ["ABORTED"]);
          // The work is gone: no thread or process above the count before the proof (allow a fresh warm worker to settle).
          await waitFor(
            () => {
              const now = processTreeStats();
              return (
                (now.threads === undefined ||
                  before.threads === undefined ||
                  now.threads <= before.threads) &&
                now.processes <= before.processes
              );
            },
            5_000,
            "threads or processes of the cancelled proof are still running",
          );
          await new Promise((r) => setTimeout(r, 50));
          check(late === 0, `${late} progress event(s) arrived after the proof was cancelled`);
          const h = await module.health();
          check(h.healthy, "the module is unhealthy after a cancellation");
          const again = await module.prove({
            taskId: nextTaskId(),
            circuit: fx.circuit,
            input: fx.validInput,
          });
          check(
            await independentVerify(fx.circuit, again),
            "the module's proof after a cancellation does not verify",
          );
        });
      });
    }

    // Mocha runs a describe's own tests before its nested describes: keep this one in a describe of its own,
    // defined last, so it runs after every fixture.
    describe("lifecycle", function () {
      it("stop() is idempotent, leaves no thread or process behind, and prove() then fails NOT_STARTED", async function () {
        await module.stop();
        await module.stop();
        await waitFor(
          () => {
            const now = processTreeStats();
            return (
              (now.threads === undefined ||
                beforeStart.threads === undefined ||
                now.threads <= beforeStart.threads) &&
              now.processes <= beforeStart.processes
            );
          },
          5_000,
          "threads or processes are still running after stop()",
        );
        const fx = fixtures[0]!;
        await expectCode(module.prove({ taskId: nextTaskId(), circuit: fx.circuit, input: fx.validInput }), [
          "NOT_STARTED",
        ]);
        await module.start();
        const h = await module.health();
        check(h.healthy, "the module does not come back after stop() and start()");
      });
    });
  });
}

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function checkCode(err: unknown, codes: UmpErrorCode[]): void {
  check(
    isUmpError(err, ...codes),
    `expected a UmpError with code ${codes.join(" or ")}, got ${isUmpError(err) ? `${err.code}: ${err.message}` : String(err)}`,
  );
  const e = err as Error;
  check(
    typeof e.message === "string" && e.message.length > 0 && e.message !== codes[0],
    "the error needs a message a user can act on",
  );
}

async function expectCode(p: Promise<unknown>, codes: UmpErrorCode[]): Promise<void> {
  const outcome = await settle(p);
  check(!outcome.ok, `expected a rejection with ${codes.join(" or ")}, but it resolved`);
  checkCode(outcome.error, codes);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

function checkProgress(events: ProgressEvent[], taskId: string, moduleId: string): void {
  check(events.length > 0, "no progress event was reported");
  let last = -1;
  for (const e of events) {
    check(e.taskId === taskId, `progress event for task ${e.taskId}, expected ${taskId}`);
    check(e.moduleId === moduleId, `progress event with moduleId ${e.moduleId}, expected ${moduleId}`);
    check(
      Number.isInteger(e.percent) && e.percent >= 0 && e.percent <= 100,
      `progress percent must be an integer 0..100, got ${e.percent}`,
    );
    check(e.percent >= last, `progress went backwards (${last} -> ${e.percent})`);
    last = e.percent;
  }
}

async function waitFor(cond: () => boolean, limitMs: number, message: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A copy of the zkey with bytes flipped in the middle; the ref keeps the original hash. */
async function flipZkey(circuit: CircuitArtifacts, dir: string): Promise<CircuitArtifacts> {
  const bytes = await readFile(circuit.zkey.path);
  for (let i = 0; i < 32; i++) {
    const at = Math.floor((bytes.length * (i + 1)) / 34);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  }
  const path = join(dir, `flipped-${circuit.zkey.sha256}.zkey`);
  await writeFile(path, bytes);
  return { ...circuit, zkey: { sha256: circuit.zkey.sha256, path } };
}

/** The zkey cut to half its length; the ref carries the hash of the cut file (integrity holds, content is broken). */
async function truncatedZkey(circuit: CircuitArtifacts, dir: string): Promise<CircuitArtifacts> {
  const path = join(dir, `truncated-${circuit.zkey.sha256}.zkey`);
  await copyFile(circuit.zkey.path, path);
  const size = (await stat(path)).size;
  await truncate(path, Math.floor(size / 2));
  return { ...circuit, zkey: { sha256: sha256Hex(await readFile(path)), path } };
}

/** Verify with plain snarkjs in a throwaway worker thread. */
async function independentVerify(circuit: CircuitArtifacts, result: ProofResult): Promise<boolean> {
  const pool = new WorkerPool({
    moduleId: "compliance-verifier",
    script: new URL("./verify-worker.js", import.meta.url),
    timeoutMs: 120_000,
  });
  await pool.start();
  try {
    const job: VerifyJob = {
      proofSystem: circuit.proofSystem,
      vkeyPath: circuit.vkey.path,
      proof: result.proof,
      publicSignals: result.publicSignals,
    };
    return await pool.run<boolean>(job, { taskId: "compliance-verify" });
  } finally {
    await pool.stop();
  }
}

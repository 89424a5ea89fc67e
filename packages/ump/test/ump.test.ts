import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUmp, type Ump } from "../src/runtime/ump.js";
import { isUmpError } from "../src/errors.js";
import { estimateFromProfile } from "../src/profile/estimate.js";
import { benchmarkModule } from "../src/profile/benchmark.js";
import type { ProgressEvent, ProverModule } from "../src/interface.js";
import type { UmpInit } from "../src/runtime/options.js";
import {
  UnresponsiveTestDoubleModule,
  WorkerTestDoubleModule,
  doubleCircuit,
  taskId,
} from "./doubles/modules.js";

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(isUmpError(err), `expected a UmpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected rejection with ${code}`);
}

describe("Ump runtime", () => {
  let ump: Ump;
  let modules: ProverModule[];

  async function make(mods: ProverModule[], init: UmpInit = {}): Promise<Ump> {
    modules = mods;
    ump = createUmp({ modules: mods, ...init });
    await ump.start();
    return ump;
  }

  afterEach(async () => {
    await ump?.stop();
    for (const m of modules ?? [])
      if (m instanceof WorkerTestDoubleModule)
        assert.equal(m.pool.workerCount, 0, `${m.manifest.id} left a worker running`);
  });

  describe("dispatch", () => {
    it("prefers native-gpu > native-cpu > wasm, then the lower estimate", async () => {
      const wasm = new WorkerTestDoubleModule({ id: "wasm", kind: "wasm", estimatedMs: 10 });
      const cpuSlow = new WorkerTestDoubleModule({ id: "cpu-slow", kind: "native-cpu", estimatedMs: 500 });
      const cpuFast = new WorkerTestDoubleModule({ id: "cpu-fast", kind: "native-cpu", estimatedMs: 200 });
      await make([wasm, cpuSlow, cpuFast]);
      const order = (await ump.candidates(doubleCircuit())).map((c) => c.module.manifest.id);
      assert.deepEqual(order, ["cpu-fast", "cpu-slow", "wasm"]);
      const gpu = new WorkerTestDoubleModule({ id: "gpu", kind: "native-gpu", estimatedMs: 900 });
      await ump.register(gpu);
      modules.push(gpu);
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "gpu");
      assert.equal(cpuFast.proveCalls + cpuSlow.proveCalls + wasm.proveCalls, 0);
    });

    it("skips unhealthy modules and modules that do not serve the proof system or circuit", async () => {
      const sick = new WorkerTestDoubleModule({ id: "sick", kind: "native-gpu", healthy: false });
      const plonkOnly = new WorkerTestDoubleModule({
        id: "plonk-only",
        kind: "native-cpu",
        proofSystems: ["plonk"],
      });
      const otherCircuit = new WorkerTestDoubleModule({
        id: "other",
        kind: "native-cpu",
        circuits: ["0x" + "cd".repeat(32)],
      });
      const wasm = new WorkerTestDoubleModule({ id: "wasm" });
      await make([sick, plonkOnly, otherCircuit, wasm]);
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit("groth16"), input: {} });
      assert.equal(r.moduleId, "wasm");
      const err = await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit("fflonk"), input: {} }),
        "UNSUPPORTED",
      );
      assert.match(err.message, /no registered module serves fflonk/);
      sick.healthy = true;
      assert.equal(
        (await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} })).moduleId,
        "sick",
      );
    });

    it("rejects a duplicate module id and lists modules with their state", async () => {
      await make([new WorkerTestDoubleModule({ id: "a" })]);
      await assert.rejects(ump.register(new WorkerTestDoubleModule({ id: "a" })), (e) =>
        isUmpError(e, "DUPLICATE_MODULE"),
      );
      assert.deepEqual(
        ump.modules().map((m) => [m.manifest.id, m.state]),
        [["a", "started"]],
      );
      assert.equal(await ump.unregister("a"), true);
      assert.equal(await ump.unregister("a"), false);
      await rejectsWith(ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} }), "UNSUPPORTED");
    });
  });

  describe("fallback", () => {
    for (const mode of ["crash", "exit", "internal", "bad-proof"] as const) {
      it(`falls back to the next module when the best one fails (${mode})`, async () => {
        const gpu = new WorkerTestDoubleModule({ id: "gpu", kind: "native-gpu", mode });
        const wasm = new WorkerTestDoubleModule({ id: "wasm" });
        await make([gpu, wasm]);
        const fallbacks: string[] = [];
        ump.on("fallback", (e) => fallbacks.push(`${e.moduleId}->${e.nextModuleId}:${e.error.code}`));
        const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
        assert.equal(r.moduleId, "wasm");
        assert.equal(gpu.proveCalls, 1);
        const code = {
          crash: "CRASHED",
          exit: "CRASHED",
          internal: "INTERNAL",
          "bad-proof": "PROOF_INVALID",
        }[mode];
        assert.deepEqual(fallbacks, [`gpu->wasm:${code}`]);
      });
    }

    it("falls back when the best module hangs past its timeout (and its worker is killed)", async () => {
      // gpu: timeout max(200, 10 ms * 4) = 200 ms; wasm: 20 s
      const gpu = new WorkerTestDoubleModule({
        id: "gpu",
        kind: "native-gpu",
        mode: "hang",
        estimatedMs: 10,
      });
      const wasm = new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 5000 });
      await make([gpu, wasm], { minJobTimeoutMs: 200 });
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "wasm");
      assert.equal(gpu.pool.workerCount, 0, "the hung worker was terminated");
    });

    it("skips its own verification for a module that declares verifiesProofs", async () => {
      const gpu = new WorkerTestDoubleModule({
        id: "gpu",
        kind: "native-gpu",
        mode: "bad-proof",
        verifiesProofs: true,
      });
      const wasm = new WorkerTestDoubleModule({ id: "wasm" });
      await make([gpu, wasm]);
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "gpu");
      assert.equal(
        gpu.verifyCalls,
        0,
        "the runtime trusted the module's own check (so a bad proof got through)",
      );
    });

    it("does not fall back on INVALID_INPUT", async () => {
      const gpu = new WorkerTestDoubleModule({ id: "gpu", kind: "native-gpu", mode: "invalid-input" });
      const wasm = new WorkerTestDoubleModule({ id: "wasm" });
      await make([gpu, wasm]);
      await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} }),
        "INVALID_INPUT",
      );
      assert.equal(wasm.proveCalls, 0);
    });

    it("reports the last failure when every module fails", async () => {
      await make([
        new WorkerTestDoubleModule({ id: "gpu", kind: "native-gpu", mode: "crash" }),
        new WorkerTestDoubleModule({ id: "wasm", mode: "internal" }),
      ]);
      const err = await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} }),
        "INTERNAL",
      );
      assert.equal((err as unknown as { type: { moduleId: string } }).type.moduleId, "wasm");
    });
  });

  describe("isolation", () => {
    it("kills a hung module at the job timeout and keeps serving", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      await make([m]);
      const err = await rejectsWith(
        ump.prove(
          { taskId: taskId(), circuit: doubleCircuit(), input: { mode: "hang" } },
          { timeoutMs: 200 },
        ),
        "TIMEOUT",
      );
      assert.match(err.message, /did not finish within 200 ms/);
      assert.equal(m.pool.workerCount, 0);
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "wasm");
      assert.equal(m.pool.spawnCount, 2);
    });

    it("survives a module crash: the job fails CRASHED, the next job runs on a fresh worker", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      await make([m]);
      await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: { mode: "crash" } }),
        "CRASHED",
      );
      await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: { mode: "exit" } }),
        "CRASHED",
      );
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "wasm");
    });

    it("gives up on a module that ignores cancellation and stops dispatching to it until it settles", async () => {
      const stuck = new UnresponsiveTestDoubleModule("stuck");
      const wasm = new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 5000 });
      // stuck: timeout max(50, 10 ms * 4) = 50 ms; wasm: 20 s
      await make([stuck, wasm], { abortGraceMs: 50, minJobTimeoutMs: 50 });
      const r = await ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      assert.equal(r.moduleId, "wasm");
      assert.deepEqual(
        (await ump.candidates(doubleCircuit())).map((c) => c.module.manifest.id),
        ["wasm"],
      );
      stuck.release();
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        (await ump.candidates(doubleCircuit())).map((c) => c.module.manifest.id),
        ["stuck", "wasm"],
      );
    });
  });

  describe("queue and cancellation", () => {
    it("runs queued jobs in deadline order", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      await make([m], { enforceCapacity: false });
      const gate = new SharedArrayBuffer(4);
      let blockerStarted!: () => void;
      const started = new Promise<void>((r) => (blockerStarted = r));
      const done: string[] = [];
      const blocker = ump
        .prove(
          { taskId: "0xb1", circuit: doubleCircuit(), input: { gate } },
          { onProgress: (e) => e.stage === "witness" && blockerStarted() },
        )
        .then(() => done.push("blocker"));
      await started;
      const now = Date.now();
      const late = ump
        .prove({ taskId: "0xc3", circuit: doubleCircuit(), input: {}, deadlineMs: now + 90_000 })
        .then(() => done.push("late"));
      const none = ump
        .prove({ taskId: "0xc4", circuit: doubleCircuit(), input: {} })
        .then(() => done.push("none"));
      const early = ump
        .prove({ taskId: "0xc1", circuit: doubleCircuit(), input: {}, deadlineMs: now + 30_000 })
        .then(() => done.push("early"));
      const mid = ump
        .prove({ taskId: "0xc2", circuit: doubleCircuit(), input: {}, deadlineMs: now + 60_000 })
        .then(() => done.push("mid"));
      while (ump.load().queued < 4) await new Promise((r) => setImmediate(r));
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      await Promise.all([blocker, late, none, early, mid]);
      assert.deepEqual(done, ["blocker", "early", "mid", "late", "none"]);
    });

    it("cancels a running job (worker terminated) and a queued job (never started)", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      await make([m], { enforceCapacity: false });
      const running = new AbortController();
      const queued = new AbortController();
      const p1 = ump.prove(
        { taskId: taskId(), circuit: doubleCircuit(), input: { mode: "hang" } },
        { signal: running.signal, onProgress: (e) => e.stage === "witness" && running.abort() },
      );
      const p2 = ump.prove(
        { taskId: taskId(), circuit: doubleCircuit(), input: {} },
        { signal: queued.signal },
      );
      while (ump.load().queued < 1) await new Promise((r) => setImmediate(r));
      queued.abort();
      await rejectsWith(p2, "ABORTED");
      await rejectsWith(p1, "ABORTED");
      assert.equal(m.proveCalls, 1, "the queued job never reached the module");
      assert.equal(m.pool.workerCount, 0);
      const pre = new AbortController();
      pre.abort();
      await rejectsWith(
        ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} }, { signal: pre.signal }),
        "ABORTED",
      );
    });

    it("reports progress from queued to done, with the module id", async () => {
      await make([new WorkerTestDoubleModule({ id: "wasm" })]);
      const seen: ProgressEvent[] = [];
      const global: string[] = [];
      const off = ump.on("progress", (e) => global.push(e.stage));
      const id = taskId();
      await ump.prove(
        { taskId: id, circuit: doubleCircuit(), input: {} },
        { onProgress: (e) => seen.push(e) },
      );
      off();
      assert.deepEqual(
        seen.map((e) => `${e.stage}:${e.percent}`),
        ["queued:0", "witness:10", "prove:50", "prove:90", "verify:99", "done:100"],
      );
      assert.ok(seen.slice(1).every((e) => e.moduleId === "wasm" && e.taskId === id));
      assert.equal(global.length, seen.length);
    });

    it("stop() rejects queued and running jobs and stops modules; start/stop are idempotent", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      await make([m], { enforceCapacity: false });
      await ump.start();
      const a = ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: { mode: "hang" } });
      const b = ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} });
      const checks = [rejectsWith(a, "ABORTED"), rejectsWith(b, "ABORTED")];
      while (ump.load().queued < 1) await new Promise((r) => setImmediate(r));
      await ump.stop();
      await ump.stop();
      await Promise.all(checks);
      assert.equal(m.pool.workerCount, 0);
      assert.equal(m.pool.isStarted, false);
      await rejectsWith(ump.prove({ taskId: taskId(), circuit: doubleCircuit(), input: {} }), "NOT_STARTED");
    });
  });

  describe("capacity", () => {
    const T0 = 1_000_000;
    const circuit = doubleCircuit();

    it("refuses a job it cannot finish by its deadline, and one that would make accepted work late", async () => {
      await make([new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 1000 })], {
        estimateMarginPercent: 0,
        now: () => T0,
      });
      assert.equal((await ump.canAccept({ circuit, deadlineMs: T0 + 999 })).ok, false);
      const yes = await ump.canAccept({ circuit, deadlineMs: T0 + 1000 });
      assert.deepEqual([yes.ok, yes.estimatedDoneMs, yes.moduleId], [true, T0 + 1000, "wasm"]);

      const r1 = await ump.reserve({ circuit, deadlineMs: T0 + 1500 });
      assert.equal(r1.estimatedDoneMs, T0 + 1000);
      // Earlier deadline would go first (EDF) and push r1 to T0+2000 > its deadline.
      const push = await ump.canAccept({ circuit, deadlineMs: T0 + 1000 });
      assert.equal(push.ok, false);
      assert.match(push.reason!, /accepted job\(s\) miss their deadline/);
      // A later one fits behind r1.
      const behind = await ump.canAccept({ circuit, deadlineMs: T0 + 2000 });
      assert.deepEqual([behind.ok, behind.estimatedDoneMs], [true, T0 + 2000]);
      const r2 = await ump.reserve({ circuit, deadlineMs: T0 + 2000 });
      const full = await ump.canAccept({ circuit, deadlineMs: T0 + 2999 });
      assert.equal(full.ok, false);
      assert.match(full.reason!, /after its deadline/);
      await assert.rejects(ump.reserve({ circuit, deadlineMs: T0 + 2999 }), (e) =>
        isUmpError(e, "OVER_CAPACITY"),
      );
      r1.release();
      r1.release();
      assert.equal(
        (await ump.canAccept({ circuit, deadlineMs: T0 + 2000 })).ok,
        true,
        "released capacity is free again",
      );
      r2.release();
      assert.equal(ump.load().reserved, 0);
    });

    it("counts the safety margin and the slots", async () => {
      await make([new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 1000 })], {
        now: () => T0,
        concurrency: 2,
      });
      assert.equal(
        (await ump.canAccept({ circuit, deadlineMs: T0 + 1100 })).ok,
        false,
        "1000 ms + 20% margin",
      );
      await ump.reserve({ circuit, deadlineMs: T0 + 1200 });
      const second = await ump.canAccept({ circuit, deadlineMs: T0 + 1200 });
      assert.deepEqual([second.ok, second.estimatedDoneMs], [true, T0 + 1200], "a second slot is free");
      await ump.reserve({ circuit, deadlineMs: T0 + 1200 });
      assert.equal((await ump.canAccept({ circuit, deadlineMs: T0 + 2399 })).ok, false);
    });

    it("prove() refuses OVER_CAPACITY without a reservation and honours one", async () => {
      let now = T0;
      await make([new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 1000 })], {
        estimateMarginPercent: 0,
        now: () => now,
      });
      const r = await ump.reserve({ circuit, deadlineMs: T0 + 1000 });
      await rejectsWith(
        ump.prove({ taskId: taskId(), circuit, input: {}, deadlineMs: T0 + 1500 }),
        "OVER_CAPACITY",
      );
      const proof = await ump.prove(
        { taskId: taskId(), circuit, input: {}, deadlineMs: T0 + 1000 },
        { reservation: r },
      );
      assert.equal(proof.moduleId, "wasm");
      now = T0 + 10;
      assert.equal(ump.load().reserved, 0, "prove() consumed the reservation");
      assert.equal((await ump.canAccept({ circuit, deadlineMs: now + 1000 })).ok, true);
    });

    it("drops reservations whose deadline has passed", async () => {
      let now = T0;
      await make([new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 1000 })], {
        estimateMarginPercent: 0,
        now: () => now,
      });
      await ump.reserve({ circuit, deadlineMs: T0 + 1000 });
      assert.equal(ump.load().reserved, 1);
      now = T0 + 1001;
      assert.equal(ump.load().reserved, 0);
    });

    it("says why when nothing serves the circuit", async () => {
      await make([new WorkerTestDoubleModule({ id: "wasm" })]);
      const d = await ump.canAccept({ circuit: doubleCircuit("plonk"), deadlineMs: Date.now() + 60_000 });
      assert.equal(d.ok, false);
      assert.match(d.reason!, /no registered module serves plonk/);
      await assert.rejects(
        ump.reserve({ circuit: doubleCircuit("plonk"), deadlineMs: Date.now() + 60_000 }),
        (e) => isUmpError(e, "UNSUPPORTED"),
      );
    });
  });

  describe("self-benchmark and profiles", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "ump-bench-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("benchmarkModule measures each circuit size and skips proof systems the module does not serve", async () => {
      const m = new WorkerTestDoubleModule({ id: "wasm" });
      modules = [m];
      ump = createUmp();
      await m.start();
      try {
        const profiles = await benchmarkModule(
          m,
          [
            { circuit: doubleCircuit("groth16", 2000), input: { workMs: 4 } },
            { circuit: doubleCircuit("groth16", 1000), input: { workMs: 2 } },
            { circuit: doubleCircuit("plonk", 1000), input: {} },
          ],
          { runs: 2, warmupRuns: 1 },
        );
        assert.equal(profiles.length, 1);
        const p = profiles[0]!;
        assert.deepEqual(
          [p.moduleId, p.moduleVersion, p.proofSystem],
          ["wasm", "0.0.1-test-double", "groth16"],
        );
        assert.deepEqual(
          p.samples.map((s) => s.constraints),
          [1000, 2000],
        );
        assert.ok(
          p.samples.every((s) => Number.isInteger(s.ms) && s.ms > 0 && Number.isInteger(s.memoryBytes)),
        );
        assert.equal(m.proveCalls, 6);
        await assert.rejects(benchmarkModule(m, [{ circuit: doubleCircuit("fflonk"), input: {} }]), (e) =>
          isUmpError(e, "UNSUPPORTED"),
        );
      } finally {
        await m.stop();
      }
    });

    it("ump.benchmark() stores profiles in the data dir and a new runtime's preflight uses them", async () => {
      await make([new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 99_999 })], { dataDir: dir });
      const profiles = await ump.benchmark(
        [
          { circuit: doubleCircuit("groth16", 1000), input: { workMs: 2 } },
          { circuit: doubleCircuit("groth16", 4000), input: { workMs: 8 } },
        ],
        { runs: 1, warmupRuns: 0 },
      );
      await ump.stop();
      const fresh = new WorkerTestDoubleModule({ id: "wasm", estimatedMs: 99_999 });
      await make([fresh], { dataDir: dir });
      assert.ok(fresh.profile, "the stored profile was installed into the module");
      const expected = estimateFromProfile(profiles[0]!, 3000)!.ms;
      const [cand] = await ump.candidates(doubleCircuit("groth16", 3000));
      assert.equal(cand?.estimatedMs, expected);
      assert.notEqual(expected, 99_999);
    });
  });
});

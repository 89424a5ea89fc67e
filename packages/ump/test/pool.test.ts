import assert from "node:assert/strict";
import { WorkerPool } from "../src/worker/pool.js";
import { isUmpError } from "../src/errors.js";
import type { DoubleJob, DoubleOutput } from "./doubles/modules.js";

const script = new URL("./doubles/double-worker.js", import.meta.url);
const job = (over: Partial<DoubleJob> = {}): DoubleJob => ({
  mode: "ok",
  workMs: 1,
  input: { x: 1 },
  ...over,
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    assert.ok(isUmpError(err), `expected a UmpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected rejection with ${code}`);
}

describe("WorkerPool (isolation helper)", () => {
  let pool: WorkerPool;

  afterEach(async () => {
    await pool.stop();
    assert.equal(pool.workerCount, 0);
  });

  it("runs a job in a worker and forwards progress", async () => {
    pool = new WorkerPool({ moduleId: "double", script });
    await pool.start();
    const stages: string[] = [];
    const out = await pool.run<DoubleOutput>(job(), {
      taskId: "0x01",
      onProgress: (s, p) => stages.push(`${s}:${p}`),
    });
    assert.equal(out.proof.valid, true);
    assert.deepEqual(stages, ["witness:10", "prove:50", "prove:90"]);
  });

  it("kills a hung worker at its timeout; the event loop stays free and the pool keeps serving", async () => {
    pool = new WorkerPool({ moduleId: "double", script });
    await pool.start();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      await rejectsWith(pool.run(job({ mode: "hang" }), { taskId: "0x02", timeoutMs: 150 }), "TIMEOUT");
    } finally {
      clearInterval(ticker);
    }
    assert.ok(ticks > 0, "main-thread timers ran while the worker was stuck in a hot loop");
    assert.equal(pool.workerCount, 0, "the hung worker is gone once the job rejects");
    const out = await pool.run<DoubleOutput>(job(), { taskId: "0x03" });
    assert.equal(out.proof.valid, true);
    assert.equal(pool.spawnCount, 2);
  });

  it("a worker that crashes (uncaught error or exit) rejects CRASHED and is replaced", async () => {
    pool = new WorkerPool({ moduleId: "double", script });
    await pool.start();
    const crash = (await rejectsWith(
      pool.run(job({ mode: "crash" }), { taskId: "0x04" }),
      "CRASHED",
    )) as Error;
    assert.match(crash.message, /crashed its worker/);
    await rejectsWith(pool.run(job({ mode: "exit" }), { taskId: "0x05" }), "CRASHED");
    const out = await pool.run<DoubleOutput>(job(), { taskId: "0x06" });
    assert.equal(out.proof.valid, true);
  });

  it("a worker past its heap limit is killed with CRASHED (out of memory)", async () => {
    pool = new WorkerPool({ moduleId: "double", script, maxHeapBytes: 32 * 1024 * 1024 });
    await pool.start();
    const err = (await rejectsWith(pool.run(job({ mode: "oom" }), { taskId: "0x07" }), "CRASHED")) as Error;
    assert.match(err.message, /out of memory/);
    const out = await pool.run<DoubleOutput>(job(), { taskId: "0x08" });
    assert.equal(out.proof.valid, true);
  });

  it("typed errors from the worker arrive typed; other throws become INTERNAL", async () => {
    pool = new WorkerPool({ moduleId: "double", script });
    await pool.start();
    await rejectsWith(pool.run(job({ mode: "invalid-input" }), { taskId: "0x09" }), "INVALID_INPUT");
    await rejectsWith(pool.run(job({ mode: "internal" }), { taskId: "0x0a" }), "INTERNAL");
    assert.equal(pool.spawnCount, 1, "a typed failure does not cost the worker");
  });

  it("abort terminates the running worker and drops a queued job", async () => {
    pool = new WorkerPool({ moduleId: "double", script });
    await pool.start();
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const running = pool.run(job({ mode: "hang" }), {
      taskId: "0x0b",
      signal: ac1.signal,
      onProgress: () => ac1.abort(),
    });
    const queued = pool.run(job(), { taskId: "0x0c", signal: ac2.signal });
    ac2.abort();
    await rejectsWith(queued, "ABORTED");
    await rejectsWith(running, "ABORTED");
    assert.equal(pool.workerCount, 0);
  });

  it("refuses work before start and rejects queued work on stop", async () => {
    pool = new WorkerPool({ moduleId: "double", script, warm: false });
    await rejectsWith(pool.run(job(), { taskId: "0x0d" }), "NOT_STARTED");
    await pool.start();
    assert.equal(pool.workerCount, 0, "warm: false starts workers lazily");
    const a = pool.run(job({ mode: "hang" }), { taskId: "0x0e" });
    const b = pool.run(job(), { taskId: "0x0f" });
    const checks = [rejectsWith(a, "ABORTED"), rejectsWith(b, "ABORTED")];
    await pool.stop();
    await pool.stop();
    await Promise.all(checks);
  });

  it("runs at most `size` workers", async () => {
    pool = new WorkerPool({ moduleId: "double", script, size: 2 });
    await pool.start();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => pool.run(job({ workMs: 5 }), { taskId: `0x1${i}` })),
    );
    assert.equal(pool.peakWorkerCount, 2);
  });
});

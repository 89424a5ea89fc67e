import assert from "node:assert/strict";
import { BoundedQueue, FairQueue } from "../src/gossip/queue.js";

describe("bounded validation queue", () => {
  it("sheds work past its length instead of growing, runs at most `concurrency` jobs, and drains on close", async () => {
    const release: Array<() => void> = [];
    let running = 0;
    let maxRunning = 0;
    const done: number[] = [];
    const depths: number[] = [];
    const q = new BoundedQueue<number>(
      3,
      2,
      async (n) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => release.push(r));
        running--;
        done.push(n);
      },
      (d) => depths.push(d),
    );
    const accepted = [1, 2, 3, 4, 5, 6, 7].map((n) => q.push(n));
    // 2 running + 3 queued; 6 and 7 shed.
    assert.deepEqual(accepted, [true, true, true, true, true, false, false]);
    assert.equal(q.length, 3);
    while (done.length < 5) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(done, [1, 2, 3, 4, 5]);
    assert.equal(maxRunning, 2);
    assert.ok(Math.max(...depths) <= 3);
    assert.equal(q.push(8), true);
    const closing = q.close();
    assert.equal(q.push(9), false);
    release.shift()?.();
    await closing;
  });
});

describe("fair validation queue", () => {
  /** A queue whose worker waits for `release()`; records the order items were processed in. */
  function gated(maxLength: number, maxPerKey: number) {
    const release: Array<() => void> = [];
    const done: string[] = [];
    const evicted: string[] = [];
    const q = new FairQueue<string>(
      maxLength,
      maxPerKey,
      1,
      async (item) => {
        await new Promise<void>((r) => release.push(r));
        done.push(item);
      },
      () => {},
      (item) => evicted.push(item),
    );
    const step = async (): Promise<void> => {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    };
    return { q, done, evicted, step };
  }

  it("serves senders round-robin: a flooder's backlog does not delay others", async () => {
    const { q, done, step } = gated(100, 100);
    for (let i = 0; i < 20; i++) q.push("flood", `f${i}`);
    q.push("honest", "h0");
    q.push("honest", "h1");
    while (done.length < 6) await step();
    // f0 was already running; then the two senders alternate.
    assert.deepEqual(done, ["f0", "f1", "h0", "f2", "h1", "f3"]);
    const closing = q.close();
    await step();
    await closing;
  });

  it("caps each sender, and when full evicts the longest sender's newest message for a newcomer", async () => {
    const { q, evicted, done, step } = gated(10, 8);
    assert.equal(q.push("flood", "f0"), true); // runs at once
    for (let i = 1; i <= 8; i++) assert.equal(q.push("flood", `f${i}`), true);
    assert.equal(q.push("flood", "f9"), false, "per-sender cap");
    assert.equal(q.lengthOf("flood"), 8);
    assert.equal(q.push("a", "a0"), true);
    assert.equal(q.push("b", "b0"), true);
    assert.equal(q.length, 10);
    // Full: newcomers push out the flooder's newest messages, never each other's.
    assert.equal(q.push("c", "c0"), true);
    assert.equal(q.push("d", "d0"), true);
    assert.deepEqual(evicted, ["f8", "f7"]);
    assert.equal(q.length, 10);
    assert.equal(q.lengthOf("flood"), 6);
    // A sender as long as the longest one is refused rather than evicting.
    const { q: q2 } = gated(2, 2);
    q2.push("x", "x0");
    q2.push("x", "x1");
    q2.push("y", "y0");
    assert.equal(q2.push("y", "y1"), false);
    void q2.close();
    while (done.length < 3) await step();
    const closing = q.close();
    await step();
    await closing;
    assert.ok(evicted.includes("d0"), "queued items are handed back on close");
  });
});

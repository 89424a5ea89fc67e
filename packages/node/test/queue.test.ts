import assert from "node:assert/strict";
import { BoundedQueue } from "../src/gossip/queue.js";

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

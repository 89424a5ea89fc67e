import assert from "node:assert/strict";
import { DeadlineQueue } from "../src/runtime/queue.js";
import { schedule, withMargin } from "../src/runtime/capacity.js";

describe("DeadlineQueue", () => {
  it("pops earliest deadline first, ties in arrival order, no deadline last", () => {
    const q = new DeadlineQueue<{ n: string; deadlineMs?: number }>();
    const items = [
      { n: "none1" },
      { n: "d300", deadlineMs: 300 },
      { n: "d100a", deadlineMs: 100 },
      { n: "none2" },
      { n: "d200", deadlineMs: 200 },
      { n: "d100b", deadlineMs: 100 },
    ];
    for (const i of items) q.push(i);
    assert.deepEqual(
      q.toArray().map((i) => i.n),
      ["d100a", "d100b", "d200", "d300", "none1", "none2"],
    );
    const out: string[] = [];
    for (let i = q.pop(); i; i = q.pop()) out.push(i.n);
    assert.deepEqual(out, ["d100a", "d100b", "d200", "d300", "none1", "none2"]);
  });

  it("removes an item from the middle and keeps the order", () => {
    const q = new DeadlineQueue<{ deadlineMs: number }>();
    const items = Array.from({ length: 50 }, (_, i) => ({ deadlineMs: (i * 37) % 50 }));
    for (const i of items) q.push(i);
    assert.ok(q.remove(items[10]!));
    assert.ok(!q.remove(items[10]!));
    assert.ok(!q.has(items[10]!));
    const out: number[] = [];
    for (let i = q.pop(); i; i = q.pop()) out.push(i.deadlineMs);
    assert.equal(out.length, 49);
    assert.deepEqual(
      out,
      [...out].sort((a, b) => a - b),
    );
  });
});

describe("capacity schedule", () => {
  it("runs jobs in deadline order on the slot that frees first and reports late ones", () => {
    const r = schedule(
      [
        { id: "running", seq: 0, estimatedMs: 1000, startedAtMs: 0, deadlineMs: 5000 },
        { id: "b", seq: 2, estimatedMs: 1000, deadlineMs: 3000 },
        { id: "a", seq: 1, estimatedMs: 1000, deadlineMs: 2500 },
        { id: "late", seq: 3, estimatedMs: 1000, deadlineMs: 3500 },
      ],
      1,
      400,
    );
    assert.equal(r.doneMs.get("running"), 1000);
    assert.equal(r.doneMs.get("a"), 2000);
    assert.equal(r.doneMs.get("b"), 3000);
    assert.equal(r.doneMs.get("late"), 4000);
    assert.deepEqual(r.late, ["late"]);
  });

  it("uses every slot", () => {
    const r = schedule(
      [
        { id: "a", seq: 0, estimatedMs: 1000, deadlineMs: 1000 },
        { id: "b", seq: 1, estimatedMs: 1000, deadlineMs: 1000 },
      ],
      2,
      0,
    );
    assert.deepEqual(r.late, []);
  });

  it("adds the margin with integer rounding up", () => {
    assert.equal(withMargin(1000, 20), 1200);
    assert.equal(withMargin(1001, 20), 1202);
    assert.equal(withMargin(7, 0), 7);
  });
});

/**
 * The network simulator (bench/sim-core.ts, issue 15 item 5) at N = 10 over the real protocol code: every task
 * certified and no safety violation without byzantine nodes; liveness lost (no certificate, still safe) with a
 * withholding byzantine third or more of the committee weight; forged assignments counted as violations above
 * 2/3. Fixed CPU costs for the expensive ops keep the timings deterministic.
 */
import assert from "node:assert/strict";
import { runSimulation, simLine, type SimOptions } from "../bench/sim-core.js";

const base: Partial<SimOptions> = {
  nodes: 10,
  tasks: 6,
  rate: 10,
  seed: 7,
  warmup: false,
  cpuCosts: { validateCertificate: 1, assembleCertificate: 1, validateVote: 0.1, signVote: 0.1, drawCommittee: 0.1 },
};

describe("network simulator (sim-core)", function () {
  this.timeout(20_000);

  it("certifies every task at every node with no byzantine node (everyone and sampled committees)", () => {
    for (const committee of [128, 6]) {
      const r = runSimulation({ ...base, committee, loss: 0.05 });
      assert.equal(r.mode, committee >= 10 ? "everyone" : "sampled");
      assert.equal(r.tasksCertified, 6, simLine(r));
      assert.equal(r.safetyViolations, 0);
      assert.equal(r.tasksPerS, 10);
      assert.ok(r.p99AssignMs > 0 && Number.isFinite(r.p99AssignMs));
      assert.ok(r.cpuMsPerTaskPerNode > 0 && r.bytesPerTaskPerNode > 0);
      assert.ok(r.ops.validateCertificate.calls > 0 && r.ops.signVote.calls > 0);
      assert.match(simLine(r), /^sim: nodes=10 tasks=6 tasks_per_s=10\.00 cpu_ms_per_task_per_node=\S+ bytes_per_task_per_node=\d+ p99_assign_ms=\S+ safety_violations=0$/);
    }
  });

  it("is deterministic given the seed and fixed costs", () => {
    const costs = { ...base.cpuCosts, validateTask: 0.1, validateBidCommit: 0.1, validateBidReveal: 0.1, runMarket: 0.1, checkQuorum: 0.01, decodeCertificate: 0.05, signTask: 0.1, signBidCommit: 0.1, signBidReveal: 0.1 };
    const a = runSimulation({ ...base, cpuCosts: costs, loss: 0.1 });
    const b = runSimulation({ ...base, cpuCosts: costs, loss: 0.1 });
    assert.equal(simLine(a), simLine(b));
  });

  it("equivocating byzantine votes below 1/3 (and up to 2/3) do not break safety", () => {
    for (const byzantine of [0.2, 0.4]) {
      const r = runSimulation({ ...base, byzantine, byzantineMode: "equivocate" });
      assert.equal(r.safetyViolations, 0, simLine(r));
      assert.equal(r.tasksCertified, 6);
      assert.ok(r.equivocationsDetected > 0);
    }
  });

  it("a withholding byzantine share above 1/3 of the committee stalls certification (liveness), safely", () => {
    const r = runSimulation({ ...base, byzantine: 0.4, byzantineMode: "withhold" });
    assert.ok(r.byzantineWeightShare > 1 / 3);
    assert.ok(r.tasksCertified < 6, simLine(r));
    assert.equal(r.tasksCertifiedAny, 0);
    assert.equal(r.safetyViolations, 0);
    assert.equal(r.tasksPerS, 0);
  });

  it("counts forged certificates as safety violations once byzantine weight reaches 2/3", () => {
    const r = runSimulation({ ...base, byzantine: 0.7, byzantineMode: "withhold" });
    assert.ok(r.safetyViolations > 0, simLine(r));
  });
});

/**
 * The network simulator (bench/sim-core.ts, issue 15 item 5) at N = 10 over the real protocol code: every task
 * certified and no safety violation without byzantine nodes; liveness lost (no certificate, still safe) with a
 * withholding byzantine third or more of the committee weight; forged assignments counted as violations above
 * 2/3; votes with bad signatures refused. The same cases run with secp256k1 certificates (`certs: "secp"`, the
 * default) and BLS aggregate certificates (`certs: "bls"`, both aggregator vote checks). Fixed CPU costs for the
 * expensive ops keep the timings deterministic.
 */
import assert from "node:assert/strict";
import { runSimulation, simLine, type SimOptions } from "../bench/sim-core.js";

const base: Partial<SimOptions> = {
  nodes: 10,
  tasks: 6,
  rate: 10,
  seed: 7,
  warmup: false,
  cpuCosts: { validateCertificate: 1, assembleCertificate: 1, validateVote: 0.1, signVote: 0.1, drawCommittee: 0.1, verifyBlsVote: 0.1 },
};
const bls: Partial<SimOptions> = { ...base, certs: "bls" };

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

  it("stake table prepared once or per draw: the same run (fixed costs)", () => {
    const costs = { ...base.cpuCosts, validateTask: 0.1, validateBidCommit: 0.1, validateBidReveal: 0.1, runMarket: 0.1, checkQuorum: 0.01, decodeCertificate: 0.05, signTask: 0.1, signBidCommit: 0.1, signBidReveal: 0.1 };
    for (const committee of [128, 6]) {
      const a = runSimulation({ ...base, committee, cpuCosts: costs, stakeTable: "prepared" });
      const b = runSimulation({ ...base, committee, cpuCosts: costs, stakeTable: "raw" });
      assert.equal(simLine(a), simLine(b));
      assert.ok(a.epochMsPerNode.prepareStakeTable >= 0);
    }
  });

  it("a wrong-key signature is refused by validateVote (secp), and the tasks still certify", () => {
    const r = runSimulation({ ...base, byzantine: 0.2, byzantineMode: "badsig" });
    assert.equal(r.safetyViolations, 0, simLine(r));
    assert.equal(r.tasksCertified, 6);
    assert.ok(r.badVotes > 0);
  });

  it("the CPU clock option charges process CPU time", () => {
    const r = runSimulation({ ...base, cpuCosts: undefined, clock: "cpu", tasks: 3 });
    assert.equal(r.tasksCertified, 3, simLine(r));
    assert.ok(r.cpuMsPerTaskPerNode > 0);
    assert.throws(() => runSimulation({ ...base, clock: "sundial" as never }), /--clock/);
  });
});

describe("network simulator (sim-core), BLS aggregate certificates (certs: bls)", function () {
  this.timeout(60_000);

  it("certifies every task at every node with no byzantine node (everyone and sampled), in fewer bytes than secp", () => {
    for (const committee of [128, 6]) {
      for (const blsVotes of ["batch", "each"] as const) {
        const r = runSimulation({ ...bls, committee, blsVotes, loss: 0.05 });
        assert.equal(r.mode, committee >= 10 ? "everyone" : "sampled");
        assert.equal(r.tasksCertified, 6, simLine(r));
        assert.equal(r.safetyViolations, 0);
        assert.equal(r.tasksPerS, 10);
        assert.equal(r.blsFallbacks, 0);
        assert.ok(r.ops.validateCertificate.calls > 0 && r.ops.signVote.calls > 0);
        // batch verifies no vote one by one (no conflict, no bad signature); each verifies every vote it holds.
        if (blsVotes === "batch") assert.equal(r.ops.verifyBlsVote.calls, 0);
        else assert.ok(r.ops.verifyBlsVote.calls > 0 && r.ops.verifyBlsVote.charged >= r.ops.validateVote.calls);
        assert.ok(r.epochMsPerNode.blsRegistry > 0 && r.epochMsPerNode.blsKeygen > 0);
        assert.match(simLine(r), /^sim: nodes=10 tasks=6 tasks_per_s=10\.00 cpu_ms_per_task_per_node=\S+ bytes_per_task_per_node=\d+ p99_assign_ms=\S+ safety_violations=0$/);
      }
      const secp = runSimulation({ ...base, committee, loss: 0.05 });
      const agg = runSimulation({ ...bls, committee, loss: 0.05 });
      assert.ok(agg.bytesPerTaskPerNode < secp.bytesPerTaskPerNode, `${simLine(agg)} vs ${simLine(secp)}`);
    }
  });

  it("is deterministic given the seed and fixed costs", () => {
    const costs = { ...base.cpuCosts, validateTask: 0.1, validateBidCommit: 0.1, validateBidReveal: 0.1, runMarket: 0.1, checkQuorum: 0.01, decodeCertificate: 0.05, signTask: 0.1, signBidCommit: 0.1, signBidReveal: 0.1 };
    const a = runSimulation({ ...bls, cpuCosts: costs, loss: 0.1 });
    const b = runSimulation({ ...bls, cpuCosts: costs, loss: 0.1 });
    assert.equal(simLine(a), simLine(b));
  });

  it("equivocating byzantine votes below 1/3 (and up to 2/3) do not break safety; the pairs are verified and flagged", () => {
    for (const byzantine of [0.2, 0.4]) {
      for (const blsVotes of ["batch", "each"] as const) {
        const r = runSimulation({ ...bls, blsVotes, byzantine, byzantineMode: "equivocate" });
        assert.equal(r.safetyViolations, 0, simLine(r));
        assert.equal(r.tasksCertified, 6);
        assert.ok(r.equivocationsDetected > 0);
        assert.ok(r.ops.verifyBlsVote.calls > 0);
      }
    }
  });

  it("a withholding byzantine share above 1/3 of the committee stalls certification (liveness), safely", () => {
    const r = runSimulation({ ...bls, byzantine: 0.4, byzantineMode: "withhold" });
    assert.ok(r.byzantineWeightShare > 1 / 3);
    assert.ok(r.tasksCertified < 6, simLine(r));
    assert.equal(r.tasksCertifiedAny, 0);
    assert.equal(r.safetyViolations, 0);
    assert.equal(r.tasksPerS, 0);
  });

  it("counts forged certificates as safety violations once byzantine weight reaches 2/3", () => {
    const r = runSimulation({ ...bls, byzantine: 0.7, byzantineMode: "withhold" });
    assert.ok(r.safetyViolations > 0, simLine(r));
  });

  it("bad BLS signatures: batch aggregates fail their check, fall back to one-by-one and still certify, safely", () => {
    const batch = runSimulation({ ...bls, byzantine: 0.2, byzantineMode: "badsig" });
    assert.equal(batch.safetyViolations, 0, simLine(batch));
    assert.equal(batch.tasksCertified, 6);
    assert.ok(batch.blsFallbacks > 0 && batch.badVotes > 0);
    const each = runSimulation({ ...bls, blsVotes: "each", byzantine: 0.2, byzantineMode: "badsig" });
    assert.equal(each.safetyViolations, 0, simLine(each));
    assert.equal(each.tasksCertified, 6);
    assert.equal(each.blsFallbacks, 0);
    assert.ok(each.badVotes > 0);
  });
});

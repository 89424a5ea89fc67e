import assert from "node:assert/strict";
import {
  MAX_CLOCK_SKEW,
  assembleCertificate,
  attesterSet,
  encodeProofWords,
  finalDeadline,
  roundDeadline,
  signVote,
  taskId,
  taskPhase,
  validateBidCommit,
  validateBidReveal,
  validateCertificate,
  validateOperatorRecord,
  validateProofSubmission,
  validateTask,
  validateVote,
  type Verdict,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  DOMAIN,
  devAddress,
  devAssignmentVote,
  devBidCommit,
  devBidReveal,
  devOperatorRecord,
  devProofSubmission,
  devTask,
  devWallet,
  hashOf,
} from "./fixtures.js";

const is = (v: Verdict, action: Verdict["action"], code?: string): void => {
  assert.equal(v.action, action, JSON.stringify(v));
  if (code !== undefined) assert.equal(v.code, code);
};

describe("validation verdicts", () => {
  const task = devTask(); // bid 1_800_000_000, reveal +30, window 120, 3 rounds
  const id = taskId(task, DOMAIN);
  const base = { domain: DOMAIN };

  it("timeline: phases and absolute deadlines", () => {
    assert.equal(roundDeadline(task, 0), 1_800_000_150n);
    assert.equal(finalDeadline(task), 1_800_000_390n);
    assert.deepEqual(taskPhase(task, task.bidDeadline), { phase: "bidding" });
    assert.deepEqual(taskPhase(task, task.revealDeadline), { phase: "revealing" });
    assert.deepEqual(taskPhase(task, task.revealDeadline + 1n), { phase: "proving", round: 0 });
    assert.deepEqual(taskPhase(task, roundDeadline(task, 0) + 1n), { phase: "proving", round: 1 });
    assert.deepEqual(taskPhase(task, finalDeadline(task) + 1n), { phase: "expired" });
  });

  it("OperatorRecord", () => {
    const r = devOperatorRecord(1);
    is(validateOperatorRecord(r, { ...base, now: r.issuedAt }), "ACCEPT");
    is(validateOperatorRecord(r, { ...base, now: r.issuedAt - MAX_CLOCK_SKEW - 1n }), "IGNORE", "FROM_FUTURE");
    is(validateOperatorRecord(r, { ...base, now: r.issuedAt, currentSeq: 1n }), "IGNORE", "STALE");
    is(validateOperatorRecord({ ...r, capacity: 9 }, { ...base, now: r.issuedAt }), "REJECT", "BAD_SIGNATURE");
  });

  it("Task", () => {
    const now = task.bidDeadline - 10n;
    is(validateTask(task, { ...base, now }), "ACCEPT");
    is(validateTask(task, { ...base, now, known: true }), "IGNORE", "DUPLICATE");
    is(validateTask(task, { ...base, now: task.bidDeadline + MAX_CLOCK_SKEW }), "ACCEPT");
    is(validateTask(task, { ...base, now: task.bidDeadline + MAX_CLOCK_SKEW + 1n }), "IGNORE", "LATE");
    is(validateTask({ ...task, penalty: 1n }, { ...base, now }), "REJECT", "BAD_SIGNATURE");
    is(validateTask(task, { ...base, now, requesterBalance: task.maxReward - 1n }), "IGNORE", "UNFUNDED");
  });

  it("BidCommit: peer binding, stake, lateness, equivocation", () => {
    const c = devBidCommit(1, task, 5n);
    const ctx = { ...base, now: task.bidDeadline, task, peerOperator: devAddress(1), proverStake: 10n };
    is(validateBidCommit(c, ctx), "ACCEPT");
    is(validateBidCommit(c, { ...ctx, task: undefined }), "IGNORE", "UNKNOWN_TASK");
    is(validateBidCommit(c, { ...ctx, now: task.bidDeadline + 3n }), "IGNORE", "LATE");
    is(validateBidCommit(c, { ...ctx, peerOperator: devAddress(2) }), "REJECT", "PEER_NOT_BOUND");
    is(validateBidCommit(c, { ...ctx, proverStake: 0n }), "REJECT", "NOT_STAKED");
    is(validateBidCommit(c, { ...ctx, previousCommitments: [c.commitment] }), "IGNORE", "DUPLICATE");
    const second = validateBidCommit(c, { ...ctx, previousCommitments: [hashOf("other")] });
    is(second, "ACCEPT", "EQUIVOCATION");
    assert.equal(second.equivocation, true);
    is(validateBidCommit(c, { ...ctx, previousCommitments: [hashOf("a"), hashOf("b")] }), "IGNORE");
    is(validateBidCommit({ ...c, commitment: hashOf("x") }, ctx), "REJECT", "BAD_SIGNATURE");
  });

  it("BidReveal: window, commitment match, price range", () => {
    const c = devBidCommit(1, task, 5n);
    const r = devBidReveal(1, task, 5n);
    const ctx = { ...base, now: task.bidDeadline + 1n, task, peerOperator: devAddress(1), proverStake: 10n, commitments: [c.commitment] };
    is(validateBidReveal(r, ctx), "ACCEPT");
    is(validateBidReveal(r, { ...ctx, now: task.bidDeadline - MAX_CLOCK_SKEW }), "REJECT", "EARLY_REVEAL");
    is(validateBidReveal(r, { ...ctx, now: task.bidDeadline - MAX_CLOCK_SKEW + 1n }), "ACCEPT");
    is(validateBidReveal(r, { ...ctx, now: task.revealDeadline + MAX_CLOCK_SKEW + 1n }), "IGNORE", "LATE");
    is(validateBidReveal(r, { ...ctx, commitments: [] }), "IGNORE", "NO_COMMITMENT");
    is(validateBidReveal(r, { ...ctx, commitments: [hashOf("x")] }), "REJECT", "COMMITMENT_MISMATCH");
    const big = devBidReveal(1, task, task.maxReward + 1n);
    const bigCommit = devBidCommit(1, task, task.maxReward + 1n);
    is(validateBidReveal(big, { ...ctx, commitments: [bigCommit.commitment] }), "REJECT", "PRICE_OUT_OF_RANGE");
  });

  it("Vote: rounds, timing, attester stake, equivocation", () => {
    const v = devAssignmentVote(1, task, 2, 5n);
    const ctx = { ...base, now: task.revealDeadline + 1n, task, attesterStake: 10n };
    is(validateVote(v, ctx), "ACCEPT");
    is(validateVote(v, { ...ctx, attesterStake: 0n }), "REJECT", "NOT_ATTESTER");
    is(validateVote(v, { ...ctx, now: task.bidDeadline }), "REJECT", "EARLY");
    is(validateVote(v, { ...ctx, previousInSlot: [v] }), "IGNORE", "DUPLICATE");
    const other = devAssignmentVote(1, task, 3, 5n);
    const eq = validateVote(other, { ...ctx, previousInSlot: [v] });
    is(eq, "ACCEPT", "EQUIVOCATION");
    assert.equal(eq.equivocation, true);
    const dflt = signVote({ kind: "default", taskId: id, round: 0, prover: devAddress(2), attester: devAddress(1) }, devWallet(1), DOMAIN);
    is(validateVote(dflt, { ...ctx, now: roundDeadline(task, 0) - MAX_CLOCK_SKEW }), "REJECT", "EARLY");
    is(validateVote(dflt, { ...ctx, now: roundDeadline(task, 0) + 1n }), "ACCEPT");
    const r7 = signVote({ kind: "default", taskId: id, round: 7, prover: devAddress(2), attester: devAddress(1) }, devWallet(1), DOMAIN);
    is(validateVote(r7, ctx), "REJECT", "WRONG_ROUND");
  });

  it("Certificate", () => {
    const stakes = attesterSet([[devAddress(1), 1n], [devAddress(2), 1n], [devAddress(3), 1n]]);
    const body = { kind: "assignment" as const, taskId: id, round: 0, prover: devAddress(5), price: 5n };
    const cert = assembleCertificate(body, [1, 2].map((i) => devAssignmentVote(i, task, 5, 5n)), stakes, DOMAIN)!;
    const ctx = { ...base, now: task.revealDeadline + 5n, task, stakes };
    is(validateCertificate(cert, ctx), "ACCEPT");
    is(validateCertificate({ ...cert, attesters: cert.attesters.slice(0, 1), signatures: cert.signatures.slice(0, 1) }, ctx), "REJECT", "BELOW_QUORUM");
  });

  it("ProofSubmission", () => {
    const proof = encodeProofWords(1, DEV_PROOF_WORDS);
    const p = devProofSubmission(1, task, proof);
    const ctx = { ...base, now: task.revealDeadline + 10n, task, assignedProver: devAddress(1), peerOperator: devAddress(1) };
    is(validateProofSubmission(p, ctx), "ACCEPT");
    is(validateProofSubmission(p, { ...ctx, assignedProver: undefined }), "IGNORE", "NOT_ASSIGNED");
    is(validateProofSubmission(p, { ...ctx, assignedProver: devAddress(2) }), "REJECT", "WRONG_PROVER");
    is(validateProofSubmission(p, { ...ctx, now: roundDeadline(task, 0) + MAX_CLOCK_SKEW + 1n }), "IGNORE", "LATE");
    const wrongSignals = devProofSubmission(1, task, proof);
    is(validateProofSubmission({ ...wrongSignals, publicSignals: [1n] }, ctx), "REJECT", "PUBLIC_SIGNALS_MISMATCH");
    is(validateProofSubmission({ ...p, proof: encodeProofWords(2, [...DEV_PROOF_WORDS, ...DEV_PROOF_WORDS, ...DEV_PROOF_WORDS]) }, ctx), "REJECT", "PROOF_SIZE");
  });
});

/**
 * Gossip validation (SPEC §2): pure functions that map a decoded message plus the caller's context to
 * ACCEPT, IGNORE or REJECT with a reason code. REJECT is for messages no honest peer sends (bad signature,
 * provably wrong content): the sender is penalised. IGNORE is for messages that may be honest but are not
 * useful here (late, duplicate, unknown context): dropped without penalty. Checks run cheapest first;
 * signatures last. Decoding failures (ProtocolError) are always REJECT.
 */
import type { Hex } from "./bytes.js";
import { MAX_CLOCK_SKEW, MAX_RECORD_AGE, MAX_TASK_HORIZON, PROOF_BYTES, VOTE_GRACE } from "./constants.js";
import {
  taskId as computeTaskId,
  verifyOperatorRecordSignature,
  verifyTaskSignature,
  verifyVoteSignature,
} from "./crypto/eip712.js";
import {
  verifyBidCommitSignature,
  verifyBidRevealSignature,
  verifyProofSubmissionSignature,
} from "./crypto/ed25519.js";
import { bidCommitment, publicSignalsHash } from "./ids.js";
import { auctionDeadlines, finalDeadline, isEarly, isLate, reservePrice, roundDeadline, roundStart, splitRound, taskAuctionRounds, totalRounds } from "./lifecycle.js";
import { sameBody, verifyCertificate, votesConflict, type AttesterSet } from "./certificate.js";
import { checkTaskEconomics, collateral, cost, isTaskFunded, type ChainParams, type FundingTask } from "./economics.js";
import { isZkPoolError } from "./errors.js";
import type {
  BidCommit,
  BidReveal,
  Certificate,
  OperatorRecord,
  ProofSubmission,
  ProtocolDomain,
  Task,
  Vote,
} from "./types.js";

export type ValidationAction = "ACCEPT" | "IGNORE" | "REJECT";

export interface Verdict {
  action: ValidationAction;
  /** Reason code; "OK" for ACCEPT. */
  code: string;
  /** ACCEPT only: the message proves its signer equivocated (a second, different message in one slot). */
  equivocation?: boolean;
}

const ACCEPT: Verdict = { action: "ACCEPT", code: "OK" };
const ignore = (code: string): Verdict => ({ action: "IGNORE", code });
const reject = (code: string): Verdict => ({ action: "REJECT", code });

const eq = (a: Hex, b: Hex): boolean => a.toLowerCase() === b.toLowerCase();

interface Base {
  domain: ProtocolDomain;
  /** Local clock, unix seconds. */
  now: bigint;
}

/* ---------------- OperatorRecord (§2.2) ---------------- */

export interface OperatorRecordContext extends Base {
  /** seq of the newest valid record already held for this peer id, if any. */
  currentSeq?: bigint;
  /** Operator's current stake (undefined if unknown to the caller: the check is skipped). */
  operatorStake?: bigint;
}

export function validateOperatorRecord(r: OperatorRecord, ctx: OperatorRecordContext): Verdict {
  if (r.issuedAt > ctx.now + MAX_CLOCK_SKEW) return ignore("FROM_FUTURE");
  if (r.issuedAt + MAX_RECORD_AGE < ctx.now) return ignore("EXPIRED");
  if (ctx.currentSeq !== undefined && r.seq <= ctx.currentSeq) return ignore("STALE");
  if (ctx.operatorStake !== undefined && ctx.operatorStake === 0n) return ignore("NOT_STAKED");
  if (!verifyOperatorRecordSignature(r, ctx.domain)) return reject("BAD_SIGNATURE");
  return ACCEPT;
}

/* ---------------- Task (§2.3) ---------------- */

/** The inputs of the funding rule (SPEC §9.4) for the task's requester. */
export interface TaskFunding {
  /** `balanceOf - pendingWithdrawal` of the requester, read on chain. */
  available: bigint;
  /** The requester's other open tasks (isOpenForFunding), in any order; the task itself may be listed. */
  openTasks: readonly FundingTask[];
}

export interface TaskContext extends Base {
  /** True if a task with the same taskId is already held. */
  known?: boolean;
  /**
   * v1 deployment parameters (SPEC §9.1). When given, the task validity rules STALE_EPOCH,
   * LIFETIME_TOO_LONG and EPOCH_NOT_FINAL apply, and funding compares with `cost(task)`.
   */
  params?: ChainParams;
  /**
   * v1 funding rule inputs (SPEC §9.4; needs `params`): UNFUNDED unless the task is funded among the
   * requester's open tasks. Undefined: the check is skipped.
   */
  funding?: TaskFunding;
  /**
   * @deprecated v0: the requester's free escrow balance; UNFUNDED if below `maxReward` (or `cost(task)` with
   * `params`). Ignored when `funding` is given.
   */
  requesterBalance?: bigint;
}

/**
 * SPEC §2.3: DUPLICATE, LATE, TOO_FAR_AHEAD, then (with `params`) STALE_EPOCH, LIFETIME_TOO_LONG,
 * EPOCH_NOT_FINAL (§9.1), then BAD_SIGNATURE, then UNFUNDED (§9.4).
 */
export function validateTask(t: Task, ctx: TaskContext): Verdict {
  if (ctx.known === true) return ignore("DUPLICATE");
  if (isLate(ctx.now, t.bidDeadline)) return ignore("LATE");
  if (t.bidDeadline > ctx.now + MAX_TASK_HORIZON) return ignore("TOO_FAR_AHEAD");
  if (ctx.params !== undefined) {
    const failure = checkTaskEconomics(t, ctx.now, ctx.params);
    if (failure !== undefined) return { action: failure.action, code: failure.code };
  }
  if (!verifyTaskSignature(t, ctx.domain)) return reject("BAD_SIGNATURE");
  if (ctx.funding !== undefined && ctx.params !== undefined) {
    const id = computeTaskId(t, ctx.domain);
    const self: FundingTask = { taskId: id, bidDeadline: t.bidDeadline, maxReward: t.maxReward, penalty: t.penalty };
    if (!isTaskFunded(self, ctx.funding.available, ctx.funding.openTasks, ctx.params)) return ignore("UNFUNDED");
  } else if (ctx.requesterBalance !== undefined) {
    const needed = ctx.params !== undefined ? cost(t, ctx.params) : t.maxReward;
    if (ctx.requesterBalance < needed) return ignore("UNFUNDED");
  }
  return ACCEPT;
}

/* ---------------- bids (§2.4, §2.5) ---------------- */

interface BidContextBase extends Base {
  /** The task (by taskId), if held. */
  task?: Task;
  /** Operator bound to the message's peerId by the newest valid OperatorRecord, if any. */
  peerOperator?: Hex;
  /** Prover's stake at the task's stake epoch. */
  proverStake: bigint;
  /**
   * v1 deployment parameters: when given, a prover is staked only with `proverStake >= collateral(task)`
   * (SPEC §9.3); without them, with `proverStake > 0` (v0).
   */
  params?: ChainParams;
}

/** SPEC §2.4 step 4 / §2.5 step 5: the prover's stake at the epoch covers the task's collateral. */
function proverEligible(task: Task, ctx: BidContextBase): boolean {
  const min = ctx.params !== undefined ? collateral(task, ctx.params) : 1n;
  return ctx.proverStake >= (min > 0n ? min : 1n);
}

export interface BidCommitContext extends BidContextBase {
  /** Distinct commitments already held from this prover for this task and auction round (0, 1 or 2). */
  previousCommitments?: readonly Hex[];
}

export function validateBidCommit(c: BidCommit, ctx: BidCommitContext): Verdict {
  const task = ctx.task;
  if (task === undefined) return ignore("UNKNOWN_TASK");
  // auction round a (SPEC §10.3): commitments from the close of round a-1's reveals until round a's bid deadline
  const a = c.auctionRound ?? 0;
  if (a >= taskAuctionRounds(task)) return reject("WRONG_ROUND");
  if (a > 0 && isEarly(ctx.now, auctionDeadlines(task, a - 1).revealDeadline)) return reject("EARLY");
  if (isLate(ctx.now, auctionDeadlines(task, a).bidDeadline)) return ignore("LATE");
  if (ctx.peerOperator === undefined) return ignore("UNKNOWN_PEER");
  if (!eq(ctx.peerOperator, c.prover)) return reject("PEER_NOT_BOUND");
  if (!proverEligible(task, ctx)) return reject("NOT_STAKED");
  const prev = ctx.previousCommitments ?? [];
  if (prev.some((p) => eq(p, c.commitment))) return ignore("DUPLICATE");
  if (prev.length >= 2) return ignore("EQUIVOCATION_KNOWN");
  if (!verifyBidCommitSignature(c, ctx.domain)) return reject("BAD_SIGNATURE");
  return prev.length === 1 ? { action: "ACCEPT", code: "EQUIVOCATION", equivocation: true } : ACCEPT;
}

export interface BidRevealContext extends BidContextBase {
  /** The prover's commitments for this task and auction round (a reveal needs exactly one). */
  commitments: readonly Hex[];
  /** True if a valid reveal from this prover for this task is already held. */
  alreadyRevealed?: boolean;
}

export function validateBidReveal(r: BidReveal, ctx: BidRevealContext): Verdict {
  const task = ctx.task;
  if (task === undefined) return ignore("UNKNOWN_TASK");
  const a = r.auctionRound ?? 0;
  if (a >= taskAuctionRounds(task)) return reject("WRONG_ROUND");
  const w = auctionDeadlines(task, a);
  if (isEarly(ctx.now, w.bidDeadline)) return reject("EARLY_REVEAL");
  if (isLate(ctx.now, w.revealDeadline)) return ignore("LATE");
  if (ctx.alreadyRevealed === true) return ignore("DUPLICATE");
  if (ctx.peerOperator === undefined) return ignore("UNKNOWN_PEER");
  if (!eq(ctx.peerOperator, r.prover)) return reject("PEER_NOT_BOUND");
  if (!proverEligible(task, ctx)) return reject("NOT_STAKED");
  if (ctx.commitments.length === 0) return ignore("NO_COMMITMENT");
  if (ctx.commitments.length > 1) return ignore("EQUIVOCATED");
  if (!eq(bidCommitment(r.taskId, r.prover, r.price, r.salt), ctx.commitments[0]!)) return reject("COMMITMENT_MISMATCH");
  if (r.price === 0n || r.price > reservePrice(task, a)) return reject("PRICE_OUT_OF_RANGE");
  if (!verifyBidRevealSignature(r, ctx.domain)) return reject("BAD_SIGNATURE");
  return ACCEPT;
}

/* ---------------- votes (§2.6) ---------------- */

export interface VoteContext extends Base {
  task?: Task;
  /** Attester's stake at the task's stake snapshot. */
  attesterStake: bigint;
  /**
   * This attester's votes already held in the same slot (voteSlot): for an assignment or invalid vote of
   * round 0, its assignment and invalid votes for (task, 0); for an assignment of round r > 0, its assignment
   * votes for (task, r); for a completion or default vote, its completion and default votes for (task, round);
   * for a non-reveal vote, its non-reveal votes for (task, prover).
   */
  previousInSlot?: readonly Vote[];
}

/**
 * SPEC §2.6. Early rules: an Assignment of round r, an Invalid (round 0's assignment slot) and a NonReveal are
 * signed only after `roundStart(r)` (the reveal deadline for round 0, Invalid and NonReveal); a Default only
 * after the round's proof deadline. A second, different vote in the slot is ACCEPTed with `equivocation` when
 * the two conflict (votesConflict, §9.9); two different NonReveals for one (task, prover) do not conflict
 * (the prover committed twice), so the second is a plain ACCEPT.
 */
export function validateVote(v: Vote, ctx: VoteContext): Verdict {
  const task = ctx.task;
  if (task === undefined) return ignore("UNKNOWN_TASK");
  if (v.round >= totalRounds(task)) return reject("WRONG_ROUND");
  if (v.kind === "assignment" && !priceInReserve(task, v.round, v.price)) return reject("PRICE_OUT_OF_RANGE");
  if (isLate(ctx.now, finalDeadline(task) + VOTE_GRACE)) return ignore("LATE");
  if (ctx.attesterStake === 0n) return reject("NOT_ATTESTER");
  // An assignment for round r is signed only once round r can start: after the reveals close (r = 0) or after
  // round r-1's deadline (r > 0). A default is signed only after the round's proof deadline.
  switch (v.kind) {
    case "assignment":
    case "invalid":
      if (isEarly(ctx.now, roundStart(task, v.round))) return reject("EARLY");
      break;
    case "nonReveal":
      if (isEarly(ctx.now, task.revealDeadline)) return reject("EARLY");
      break;
    case "default":
      if (isEarly(ctx.now, roundDeadline(task, v.round))) return reject("EARLY");
      break;
    case "completion":
      break;
  }
  const prev = ctx.previousInSlot ?? [];
  if (prev.some((p) => sameBody(p, v))) return ignore("DUPLICATE");
  if (prev.length >= 2) return ignore("EQUIVOCATION_KNOWN");
  if (!verifyVoteSignature(v, ctx.domain)) return reject("BAD_SIGNATURE");
  return prev.some((p) => votesConflict(p, v)) ? { action: "ACCEPT", code: "EQUIVOCATION", equivocation: true } : ACCEPT;
}

/** An Assignment's price is in `(0, reserve of its auction round]` (SPEC §10.3; the Escrow checks the same). */
function priceInReserve(task: Task, round: number, price: bigint): boolean {
  return price > 0n && price <= reservePrice(task, splitRound(task, round).auction);
}

/* ---------------- certificates (§2.7) ---------------- */

export interface CertificateContext extends Base {
  task?: Task;
  /** Stake table at the task's stake snapshot. */
  stakes: AttesterSet;
  /** True if an equal certificate (same body) is already held. */
  known?: boolean;
}

export function validateCertificate(c: Certificate, ctx: CertificateContext): Verdict {
  const task = ctx.task;
  if (task === undefined) return ignore("UNKNOWN_TASK");
  if (ctx.known === true) return ignore("DUPLICATE");
  try {
    if (c.kind === "assignment" && c.round < totalRounds(task) && !priceInReserve(task, c.round, c.price)) return reject("PRICE_OUT_OF_RANGE");
    verifyCertificate(c, ctx.stakes, ctx.domain, { taskId: c.taskId, maxRounds: totalRounds(task) });
  } catch (err) {
    if (isZkPoolError(err)) return reject(err.code);
    throw err;
  }
  return ACCEPT;
}

/* ---------------- proofs (§2.8) ---------------- */

export interface ProofSubmissionContext extends Base {
  task?: Task;
  /** The certified assignment for (task, round), if held: its prover. */
  assignedProver?: Hex;
  peerOperator?: Hex;
  /** True if a valid proof for (task, round) is already held. */
  known?: boolean;
}

/**
 * Everything but the proof check itself: the caller then verifies the proof against the task's verification
 * key (REJECT "INVALID_PROOF" if it fails) before forwarding.
 */
export function validateProofSubmission(p: ProofSubmission, ctx: ProofSubmissionContext): Verdict {
  const task = ctx.task;
  if (task === undefined) return ignore("UNKNOWN_TASK");
  if (p.round >= totalRounds(task)) return reject("WRONG_ROUND");
  if (ctx.known === true) return ignore("DUPLICATE");
  if (isLate(ctx.now, roundDeadline(task, p.round))) return ignore("LATE");
  if (ctx.assignedProver === undefined) return ignore("NOT_ASSIGNED");
  if (!eq(ctx.assignedProver, p.prover)) return reject("WRONG_PROVER");
  if (ctx.peerOperator === undefined) return ignore("UNKNOWN_PEER");
  if (!eq(ctx.peerOperator, p.prover)) return reject("PEER_NOT_BOUND");
  if ((p.proof.length - 2) / 2 !== PROOF_BYTES[task.proofSystem]) return reject("PROOF_SIZE");
  if (!eq(publicSignalsHash(p.publicSignals), task.publicSignalsHash)) return reject("PUBLIC_SIGNALS_MISMATCH");
  if (!verifyProofSubmissionSignature(p, ctx.domain)) return reject("BAD_SIGNATURE");
  return ACCEPT;
}

/** Checks that a message's taskId names this task under this domain (use when looking a task up by id). */
export function taskIdMatches(task: Task, id: Hex, domain: ProtocolDomain): boolean {
  return eq(computeTaskId(task, domain), id);
}

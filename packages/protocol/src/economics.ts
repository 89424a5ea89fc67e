/**
 * v1 money rules (SPEC §9): deployment parameters, stake epochs, collateral, premium and cost, the
 * requester funding rule, insurance payouts and the economic validity of a task. Pure and integer-only
 * (bigint; no floats). The contracts check the same rules where the chain can; nodes check the rest.
 */
import type { Hex } from "./bytes.js";
import { ZkPoolError } from "./errors.js";
import { finalDeadline } from "./lifecycle.js";
import type { Task } from "./types.js";

/** Basis points: 10000 = 100 %. */
export const BPS = 10_000n;

/**
 * Deployment parameters (SPEC §9.1), fixed at deployment (contract immutables) and published in the
 * deployment file. Times in seconds, amounts in wei, rates in basis points.
 */
export interface ChainParams {
  /** StakeRegistry: length of a stake epoch. */
  epochSeconds: bigint;
  /** StakeRegistry: least active stake an operator may hold (0 or >= this). */
  minStake: bigint;
  /** StakeRegistry: request -> withdraw of stake; >= horizon. */
  unstakeDelay: bigint;
  /** Escrow: `bidDeadline - epochStart(stakeEpoch)` at most. */
  maxSnapshotAge: bigint;
  /** Escrow: `finalDeadline - bidDeadline` at most. */
  maxTaskLifetime: bigint;
  /** Escrow: a settlement is accepted this long after its round's deadline, with the Completion certificate. */
  settleGrace: bigint;
  /** Escrow: defaults, non-reveals and invalid-task reports are accepted until `finalDeadline + reportWindow`. */
  reportWindow: bigint;
  /** Escrow: request -> withdraw of a requester balance; >= horizon. */
  withdrawalDelay: bigint;
  /** Escrow: insurance premium per task, basis points of `penalty`. */
  premiumBps: bigint;
  /** Escrow: most the insurance fund pays for one task, basis points of the fund. */
  coverageBps: bigint;
  /** Escrow: pool fee, basis points of the price (informational here: no rule of this module uses it). */
  feeBps?: bigint;
  /**
   * Escrow: share of the pool fee paid to the signers of a settlement's Assignment certificate, pro rata to their
   * stake at the task's epoch (SPEC §9.13), basis points of the fee. Optional for callers that build their own
   * parameter sets; the defaults and every deployment carry it (see attesterShares).
   */
  attesterShareBps?: bigint;
}

const E18 = 10n ** 18n;

function withHorizon(p: Omit<ChainParams, "unstakeDelay" | "withdrawalDelay">): ChainParams {
  const h = p.maxSnapshotAge + p.maxTaskLifetime + p.reportWindow;
  return { ...p, unstakeDelay: h, withdrawalDelay: h };
}

/** SPEC §9.1 production defaults (delays = the horizon, 93600 s). */
export const PRODUCTION_CHAIN_PARAMS: Readonly<ChainParams> = Object.freeze(
  withHorizon({
    epochSeconds: 600n,
    minStake: E18,
    maxSnapshotAge: 3_600n,
    maxTaskLifetime: 86_400n,
    settleGrace: 600n,
    reportWindow: 3_600n,
    premiumBps: 200n,
    coverageBps: 1_000n,
    attesterShareBps: 2_000n,
  }),
);

/** SPEC §9.1 devnet and test defaults (delays = the horizon, 4800 s). */
export const DEVNET_CHAIN_PARAMS: Readonly<ChainParams> = Object.freeze(
  withHorizon({
    epochSeconds: 1n,
    minStake: E18 / 10n,
    maxSnapshotAge: 600n,
    maxTaskLifetime: 3_600n,
    settleGrace: 30n,
    reportWindow: 600n,
    premiumBps: 200n,
    coverageBps: 1_000n,
    attesterShareBps: 2_000n,
  }),
);

export type EconomicsErrorCode = "INVALID_PARAMS" | "INVALID_INPUT";

/** Malformed parameters or inputs to the rules of this module (a caller bug or a bad deployment file). */
export class EconomicsError extends ZkPoolError<{ code: EconomicsErrorCode; field: string }> {}

const bad = (code: EconomicsErrorCode, field: string, why: string): EconomicsError =>
  new EconomicsError({ code, field }, `${field}: ${why}`);

/**
 * Checks a parameter set as the Escrow constructor does (SPEC §9.1): every value a non-negative bigint,
 * `epochSeconds >= 1`, rates (`feeBps` and `attesterShareBps` when given) at most 10000 bps, `withdrawalDelay >= H`, `unstakeDelay >= H`,
 * `reportWindow >= settleGrace`. Throws EconomicsError INVALID_PARAMS naming the field.
 */
export function checkChainParams(p: ChainParams): void {
  const keys = [
    "epochSeconds",
    "minStake",
    "unstakeDelay",
    "maxSnapshotAge",
    "maxTaskLifetime",
    "settleGrace",
    "reportWindow",
    "withdrawalDelay",
    "premiumBps",
    "coverageBps",
  ] as const;
  for (const k of keys) {
    if (typeof p[k] !== "bigint" || p[k] < 0n) throw bad("INVALID_PARAMS", k, "must be a bigint >= 0");
  }
  for (const k of ["feeBps", "attesterShareBps"] as const) {
    const v = p[k];
    if (v !== undefined && (typeof v !== "bigint" || v < 0n || v > BPS)) throw bad("INVALID_PARAMS", k, "must be a bigint in [0, 10000]");
  }
  if (p.epochSeconds < 1n) throw bad("INVALID_PARAMS", "epochSeconds", "must be >= 1");
  if (p.premiumBps > BPS) throw bad("INVALID_PARAMS", "premiumBps", "must be <= 10000");
  if (p.coverageBps > BPS) throw bad("INVALID_PARAMS", "coverageBps", "must be <= 10000");
  const h = horizon(p);
  if (p.withdrawalDelay < h) throw bad("INVALID_PARAMS", "withdrawalDelay", `must be >= the horizon ${h}`);
  if (p.unstakeDelay < h) throw bad("INVALID_PARAMS", "unstakeDelay", `must be >= the horizon ${h}`);
  if (p.reportWindow < p.settleGrace) throw bad("INVALID_PARAMS", "reportWindow", "must be >= settleGrace");
}

/* ---------------- stake epochs (§9.1) ---------------- */

/** `epochStart(e) = e * epochSeconds`. */
export function epochStart(epoch: bigint, p: Pick<ChainParams, "epochSeconds">): bigint {
  return epoch * p.epochSeconds;
}

/** The epoch containing time t: `floor(t / epochSeconds)` (its start is `<= t`; final once a block at t exists). */
export function epochOf(time: bigint, p: Pick<ChainParams, "epochSeconds">): bigint {
  return time / p.epochSeconds;
}

/** The horizon `H = maxSnapshotAge + maxTaskLifetime + reportWindow` (SPEC §9.1). */
export function horizon(p: Pick<ChainParams, "maxSnapshotAge" | "maxTaskLifetime" | "reportWindow">): bigint {
  return p.maxSnapshotAge + p.maxTaskLifetime + p.reportWindow;
}

/**
 * The stake epoch a requester should name for a task with this bid deadline, published at `now`: the newest
 * epoch that is final at `now` and starts before the bid deadline, `epochOf(min(now, bidDeadline - 1))`. It
 * passes §9.1 rule 1 whenever `bidDeadline - now <= maxSnapshotAge - epochSeconds`.
 */
export function chooseStakeEpoch(now: bigint, bidDeadline: bigint, p: Pick<ChainParams, "epochSeconds">): bigint {
  const t = now < bidDeadline - 1n ? now : bidDeadline - 1n;
  return epochOf(t < 0n ? 0n : t, p);
}

/* ---------------- per-task amounts (§9.3, §9.4) ---------------- */

type Amounts = Pick<Task, "maxReward" | "penalty">;

/** `collateral(task) = max(minStake, penalty, maxReward)`: the least stake at the epoch that makes a prover eligible. */
export function collateral(task: Amounts, p: Pick<ChainParams, "minStake">): bigint {
  let c = p.minStake;
  if (task.penalty > c) c = task.penalty;
  if (task.maxReward > c) c = task.maxReward;
  return c;
}

/** `premium(task) = floor(penalty * premiumBps / 10000)`. */
export function premium(task: Pick<Task, "penalty">, p: Pick<ChainParams, "premiumBps">): bigint {
  return (task.penalty * p.premiumBps) / BPS;
}

/** `cost(task) = maxReward + premium(task)`: what the escrow locks for the task. */
export function cost(task: Amounts, p: Pick<ChainParams, "premiumBps">): bigint {
  return task.maxReward + premium(task, p);
}

/* ---------------- the funding rule (§9.4) ---------------- */

/** What the funding rule needs of a task. */
export interface FundingTask {
  taskId: Hex;
  bidDeadline: bigint;
  maxReward: bigint;
  penalty: bigint;
}

export interface FundingResult {
  /** Funded task ids (lowercase), in funding order `(bidDeadline, taskId)` ascending. Always a prefix of that order. */
  funded: Hex[];
  /** The first unfunded task in that order (lowercase id), if any; every later task is unfunded too. */
  firstUnfunded?: Hex;
  /** Unfunded task ids (lowercase), in funding order. */
  unfunded: Hex[];
  /** Sum of `cost` over the funded tasks (`<= available`). */
  fundedCost: bigint;
}

/** Funding order: `(bidDeadline, taskId)` ascending, task ids compared as lowercase hex (= as bytes32). */
export function compareFundingOrder(a: Pick<FundingTask, "taskId" | "bidDeadline">, b: Pick<FundingTask, "taskId" | "bidDeadline">): number {
  if (a.bidDeadline !== b.bidDeadline) return a.bidDeadline < b.bidDeadline ? -1 : 1;
  const x = a.taskId.toLowerCase();
  const y = b.taskId.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The funding rule (SPEC §9.4). `openTasks` are one requester's open tasks (accepted, not ended, and
 * `now <= finalDeadline + settleGrace`: see isOpenForFunding), in any order; `available` is
 * `balanceOf - pendingWithdrawal` read on chain. Task T is funded iff the sum of `cost` over the open tasks up
 * to and including T in `(bidDeadline, taskId)` order is `<= available`. Since every cost is `>= 1`, the funded
 * tasks are a prefix of that order. The same task id listed twice counts once (the entries must agree).
 */
export function fundedTasks(
  available: bigint,
  openTasks: readonly FundingTask[],
  p: Pick<ChainParams, "premiumBps">,
): FundingResult {
  if (typeof available !== "bigint") throw bad("INVALID_INPUT", "available", "must be a bigint");
  const byId = new Map<string, FundingTask>();
  openTasks.forEach((t, i) => {
    const id = t.taskId.toLowerCase();
    const prev = byId.get(id);
    if (prev === undefined) byId.set(id, t);
    else if (prev.bidDeadline !== t.bidDeadline || prev.maxReward !== t.maxReward || prev.penalty !== t.penalty) {
      throw bad("INVALID_INPUT", `openTasks[${i}]`, `task ${id} is listed twice with different fields`);
    }
  });
  const ordered = [...byId.values()].sort(compareFundingOrder);
  const funded: Hex[] = [];
  const unfunded: Hex[] = [];
  let sum = 0n;
  let fundedCost = 0n;
  for (const t of ordered) {
    sum += cost(t, p);
    const id = t.taskId.toLowerCase() as Hex;
    if (sum <= available && unfunded.length === 0) {
      funded.push(id);
      fundedCost = sum;
    } else {
      unfunded.push(id);
    }
  }
  const out: FundingResult = { funded, unfunded, fundedCost };
  if (unfunded.length > 0) out.firstUnfunded = unfunded[0]!;
  return out;
}

/**
 * True iff `task` is funded when added to the requester's other open tasks (the check a node makes on
 * receipt, SPEC §2.3, and an attester before round 0's Assignment vote).
 */
export function isTaskFunded(
  task: FundingTask,
  available: bigint,
  openTasks: readonly FundingTask[],
  p: Pick<ChainParams, "premiumBps">,
): boolean {
  const id = task.taskId.toLowerCase();
  const others = openTasks.filter((t) => t.taskId.toLowerCase() !== id);
  return fundedTasks(available, [...others, task], p).funded.includes(id as Hex);
}

/**
 * Whether an accepted task still counts against its requester's balance (SPEC §9.4): not ended (completed,
 * invalid or failed) and `now <= finalDeadline + settleGrace`.
 */
export function isOpenForFunding(
  task: Pick<Task, "revealDeadline" | "proofWindow" | "maxRounds" | "bidDeadline" | "maxReward" | "schedule">,
  ended: boolean,
  now: bigint,
  p: Pick<ChainParams, "settleGrace">,
): boolean {
  return !ended && now <= finalDeadline(task) + p.settleGrace;
}

/* ---------------- insurance (§9.6) ---------------- */

export interface InsuranceInput {
  /** The task's penalty. */
  penalty: bigint;
  /** Stake slashed from the task's defaulting provers (sum over its default reports). */
  slashed: bigint;
  /** The insurance fund's balance when the payout is computed. */
  fund: bigint;
  /**
   * The task was finally proven after defaults: all slashed stake goes to the fund, nothing is paid.
   * @default false (the task failed)
   */
  completed?: boolean;
  /**
   * At least one round defaulted (the requester is owed the penalty once). @default true
   */
  defaulted?: boolean;
}

export interface InsurancePayout {
  /** Part of the penalty paid from slashed stake: `min(penalty, slashed)`. */
  fromSlash: bigint;
  /** Part paid by the fund: `min(penalty - fromSlash, floor(fund * coverageBps / 10000))`. */
  fromInsurance: bigint;
  /** Slashed stake beyond what the requester is paid, moved to the fund. */
  toFund: bigint;
  /** `fromSlash + fromInsurance` (<= penalty). */
  toRequester: bigint;
  /** The fund after the payout: `fund - fromInsurance + toFund` (never negative). */
  fundAfter: bigint;
}

/**
 * Penalty compensation of a failed task (SPEC §9.6): the requester is owed `penalty` once if a round
 * defaulted; slashed stake pays first, the fund pays the rest up to `coverageBps` of itself; slashed stake
 * beyond the penalty goes to the fund. A task proven after defaults sends all slashed stake to the fund.
 */
export function insurancePayout(input: InsuranceInput, p: Pick<ChainParams, "coverageBps">): InsurancePayout {
  const { penalty, slashed, fund } = input;
  for (const [k, v] of [["penalty", penalty], ["slashed", slashed], ["fund", fund]] as const) {
    if (typeof v !== "bigint" || v < 0n) throw bad("INVALID_INPUT", k, "must be a bigint >= 0");
  }
  const owed = input.completed !== true && input.defaulted !== false;
  const fromSlash = owed ? (slashed < penalty ? slashed : penalty) : 0n;
  const cap = (fund * p.coverageBps) / BPS;
  const rest = owed ? penalty - fromSlash : 0n;
  const fromInsurance = rest < cap ? rest : cap;
  const toFund = slashed - fromSlash;
  return { fromSlash, fromInsurance, toFund, toRequester: fromSlash + fromInsurance, fundAfter: fund - fromInsurance + toFund };
}

/* ---------------- the pool fee and the attesters' share (§9.13) ---------------- */

export interface FeeSplit {
  /** `floor(price * feeBps / 10000)`. */
  fee: bigint;
  /** `floor(fee * attesterShareBps / 10000)`: shared by the Assignment certificate's signers (attesterShares). */
  toAttesters: bigint;
  /** `floor((fee - toAttesters) * treasuryShareBps / 10000)`. */
  toTreasury: bigint;
  /** `fee - toAttesters - toTreasury` (plus, at settlement, the attesters' rounding remainder). */
  toInsurance: bigint;
  /** `price - fee`: the prover's share before the accelerator royalty. */
  toProverBeforeRoyalty: bigint;
}

/**
 * How the Escrow splits a settled price (SPEC §9.13): the attesters' share comes out of the pool fee before the
 * treasury / fund split, so the requester's cost and the prover's share do not depend on it.
 */
export function feeSplit(
  price: bigint,
  p: { feeBps: bigint; treasuryShareBps: bigint; attesterShareBps: bigint },
): FeeSplit {
  for (const [k, v] of [["price", price], ["feeBps", p.feeBps], ["treasuryShareBps", p.treasuryShareBps], ["attesterShareBps", p.attesterShareBps]] as const) {
    if (typeof v !== "bigint" || v < 0n) throw bad("INVALID_INPUT", k, "must be a bigint >= 0");
  }
  const fee = (price * p.feeBps) / BPS;
  const toAttesters = (fee * p.attesterShareBps) / BPS;
  const toTreasury = ((fee - toAttesters) * p.treasuryShareBps) / BPS;
  return { fee, toAttesters, toTreasury, toInsurance: fee - toAttesters - toTreasury, toProverBeforeRoyalty: price - fee };
}

/**
 * The attesters' shares of a settlement (SPEC §9.13): `share_i = floor(total * stake_i / Σ stake)` for the signers
 * of the Assignment certificate in certificate order, `stakes[i]` the stake of signer i at the task's epoch. The
 * remainder (`total - Σ share_i`, less than the number of signers) goes to the insurance fund, so
 * `Σ shares + remainder = total` to the wei. The signed stake must be > 0 (a quorum certificate has it).
 */
export function attesterShares(total: bigint, stakes: readonly bigint[]): { shares: bigint[]; remainder: bigint } {
  if (typeof total !== "bigint" || total < 0n) throw bad("INVALID_INPUT", "total", "must be a bigint >= 0");
  let signed = 0n;
  stakes.forEach((s, i) => {
    if (typeof s !== "bigint" || s < 0n) throw bad("INVALID_INPUT", `stakes[${i}]`, "must be a bigint >= 0");
    signed += s;
  });
  if (signed === 0n) throw bad("INVALID_INPUT", "stakes", "the signed stake must be > 0");
  const shares = stakes.map((s) => (total * s) / signed);
  return { shares, remainder: total - shares.reduce((a, b) => a + b, 0n) };
}

/* ---------------- task validity (§9.1) ---------------- */

export type TaskEconomicsCode = "STALE_EPOCH" | "LIFETIME_TOO_LONG" | "EPOCH_NOT_FINAL";

export interface TaskEconomicsFailure {
  code: TaskEconomicsCode;
  /** REJECT for STALE_EPOCH and LIFETIME_TOO_LONG (the task can never be valid), IGNORE for EPOCH_NOT_FINAL. */
  action: "REJECT" | "IGNORE";
}

/**
 * The task validity rules of SPEC §9.1, in order; undefined when all hold:
 * 1. `epochStart(stakeEpoch) < bidDeadline <= epochStart(stakeEpoch) + maxSnapshotAge`, else STALE_EPOCH;
 * 2. `finalDeadline - bidDeadline <= maxTaskLifetime`, else LIFETIME_TOO_LONG;
 * 3. (nodes, when `now` is given) `epochStart(stakeEpoch) <= now`, else EPOCH_NOT_FINAL.
 * The Escrow checks 1 and 2 (pass `now = undefined`).
 */
export function checkTaskEconomics(
  task: Pick<Task, "stakeEpoch" | "bidDeadline" | "revealDeadline" | "proofWindow" | "maxRounds" | "maxReward" | "schedule">,
  now: bigint | undefined,
  p: Pick<ChainParams, "epochSeconds" | "maxSnapshotAge" | "maxTaskLifetime">,
): TaskEconomicsFailure | undefined {
  const start = epochStart(task.stakeEpoch, p);
  if (!(start < task.bidDeadline && task.bidDeadline <= start + p.maxSnapshotAge)) {
    return { code: "STALE_EPOCH", action: "REJECT" };
  }
  if (finalDeadline(task) - task.bidDeadline > p.maxTaskLifetime) return { code: "LIFETIME_TOO_LONG", action: "REJECT" };
  if (now !== undefined && start > now) return { code: "EPOCH_NOT_FINAL", action: "IGNORE" };
  return undefined;
}

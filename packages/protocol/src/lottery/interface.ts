/**
 * Types of the stake-weighted lottery (protocol/SPEC.md §0.6 and §4).
 */

/** One revealed sealed bid, as it enters the lottery. */
export interface LotteryBid {
  /** The prover's operator address, `0x` + 40 hex digits; compared case-insensitively, output in lowercase. */
  prover: string;
  /** The revealed price in wei; eligible when `0 < price <= maxReward`. Must fit a uint256. */
  price: bigint;
  /** The revealed 32-byte salt (the one hashed into the bid commitment). */
  salt: Uint8Array;
}

/**
 * Stake of each operator at the task's `stakeEpoch`, keyed by address (any case; keys that differ only
 * in case must carry the same stake). Operators not listed have stake 0.
 */
export type StakeTable = ReadonlyMap<string, bigint> | Readonly<Record<string, bigint>>;

export interface DrawLotteryParams {
  /** The task id (EIP-712 digest of the Task), 32 bytes. */
  taskId: Uint8Array;
  /** The task's maxReward in wei, `0 < maxReward < 2^256`. */
  maxReward: bigint;
  /** The revealed bids, in any order. */
  bids: readonly LotteryBid[];
  /** Stake table at the task's stake epoch. */
  stakes: StakeTable;
  /**
   * v1 (SPEC §9.3): the task's `collateral(task)`, the least stake a prover needs to be eligible. A bid is
   * excluded as `INSUFFICIENT_STAKE` when `stake < max(1, collateral)`. Must fit a uint256.
   * @default 0 (any stake > 0 is eligible, as in v0)
   */
  collateral?: bigint;
  /**
   * How many positions of the order to draw (e.g. the task's `maxRounds`; 1 = the winner only). Positions
   * are drawn in sequence, so the first `limit` entries equal those of the full order.
   * @default all eligible bids
   */
  limit?: number;
}

/** One position of the ordered draw: `order[r]` is the assignee of round `r`. */
export interface LotteryPick {
  /** Canonical (lowercase) prover address. */
  prover: string;
  price: bigint;
  /** The lottery weight `floor(stake * (4 * maxReward - 3 * price) / maxReward)`. */
  weight: bigint;
}

/**
 * Why a bid took no part in the draw (its salt is not hashed into the seed either):
 * - `DUPLICATE_PROVER`: the prover has two or more bids with different (price, salt) — a prover has one
 *   commitment per task, so at most one of them can be genuine and none is used;
 * - `PRICE_OUT_OF_RANGE`: `price == 0` or `price > maxReward`;
 * - `INSUFFICIENT_STAKE`: the prover's stake at the stake epoch is below `max(1, collateral)` (absent = 0);
 *   v0 called this `NO_STAKE` (stake 0).
 * When several apply, the first in this list is reported.
 */
export type LotteryExclusionReason = "DUPLICATE_PROVER" | "PRICE_OUT_OF_RANGE" | "INSUFFICIENT_STAKE";

export interface LotteryExclusion {
  /** Canonical (lowercase) prover address. */
  prover: string;
  reason: LotteryExclusionReason;
}

export interface LotteryResult {
  /** `keccak256(utf8("zkpool/lottery/v1") || taskId || salt_1 || … || salt_n)` over the eligible bids. */
  seed: Uint8Array;
  /** The ordered draw (winner first, then backups), at most `limit` entries. */
  order: LotteryPick[];
  /** The bids that took no part, one entry per prover, ascending by prover address. */
  excluded: LotteryExclusion[];
}

/**
 * Price schedules and re-auction (protocol/SPEC.md §10.3, proposed). Pure and integer-only.
 *
 * A task carries a ramp `(startPrice, maxPrice = maxReward, step)`; auction round r has reserve
 * `p_r = min(maxPrice, startPrice + r * step)`. An auction round with no eligible bid at `p_r` re-opens at
 * `p_{r+1}` without requester action; after the last round (`p = maxPrice`) the task fails as today.
 */
import { MarketError } from "./errors.js";

/** Most auction rounds a schedule may have (so a task's worst-case lifetime stays bounded, SPEC §9.1). */
export const MAX_AUCTION_ROUNDS = 16;

const UINT256_LIMIT = 1n << 256n;

/** A task's price ramp. All amounts in wei. */
export interface PriceSchedule {
  /** Reserve of auction round 0, `0 < startPrice <= maxPrice`. */
  startPrice: bigint;
  /** The task's `maxReward`: the last (and highest) reserve, and what the escrow locks. */
  maxPrice: bigint;
  /** Increase per auction round; `> 0` when `startPrice < maxPrice`, ignored when they are equal. */
  step: bigint;
}

/** The v1 part 1 behaviour as a schedule: one auction round at `maxReward`. */
export function fixedPriceSchedule(maxReward: bigint): PriceSchedule {
  return { startPrice: maxReward, maxPrice: maxReward, step: 0n };
}

function isUint256(v: unknown): v is bigint {
  return typeof v === "bigint" && v >= 0n && v < UINT256_LIMIT;
}

/**
 * Number of auction rounds `R = 1 + ceil((maxPrice - startPrice) / step)` (1 when `startPrice = maxPrice`).
 * Validates the schedule (checkPriceSchedule) first.
 */
export function auctionRounds(s: PriceSchedule): number {
  checkPriceSchedule(s);
  return roundsOf(s);
}

function roundsOf(s: PriceSchedule): number {
  const n = rampRounds(s.startPrice, s.maxPrice, s.step);
  return n > BigInt(MAX_AUCTION_ROUNDS) ? MAX_AUCTION_ROUNDS + 1 : Number(n);
}

/** Rounds of a ramp, unbounded: `1 + ceil((maxPrice - startPrice) / step)`, 1 when they are equal. `step > 0` otherwise. */
export function rampRounds(startPrice: bigint, maxPrice: bigint, step: bigint): bigint {
  if (startPrice >= maxPrice) return 1n;
  return (maxPrice - startPrice + step - 1n) / step + 1n;
}

/**
 * SPEC §10.3 validity: every amount a uint256; `0 < startPrice <= maxPrice`; `step > 0` when
 * `startPrice < maxPrice`; at most MAX_AUCTION_ROUNDS rounds. Throws MarketError `INVALID_SCHEDULE`.
 */
export function checkPriceSchedule(s: PriceSchedule): void {
  if (s === null || typeof s !== "object") throw new MarketError("INVALID_SCHEDULE", "schedule", "expected an object");
  for (const k of ["startPrice", "maxPrice", "step"] as const) {
    if (!isUint256(s[k])) throw new MarketError("INVALID_SCHEDULE", `schedule.${k}`, "must be a bigint in [0, 2^256)");
  }
  if (s.startPrice === 0n) throw new MarketError("INVALID_SCHEDULE", "schedule.startPrice", "must be > 0");
  if (s.startPrice > s.maxPrice) {
    throw new MarketError("INVALID_SCHEDULE", "schedule.startPrice", "must be <= maxPrice (maxReward)");
  }
  if (s.startPrice < s.maxPrice && s.step === 0n) {
    throw new MarketError("INVALID_SCHEDULE", "schedule.step", "must be > 0 when startPrice < maxPrice");
  }
  if (roundsOf(s) > MAX_AUCTION_ROUNDS) {
    throw new MarketError(
      "INVALID_SCHEDULE",
      "schedule.step",
      `too small: the ramp needs more than ${MAX_AUCTION_ROUNDS} auction rounds`,
    );
  }
}

/** Reserve of auction round r: `p_r = min(maxPrice, startPrice + r * step)`, for `0 <= r < auctionRounds(s)`. */
export function schedulePrice(s: PriceSchedule, round: number): bigint {
  const n = auctionRounds(s);
  if (!Number.isSafeInteger(round) || round < 0 || round >= n) {
    throw new MarketError("INVALID_SCHEDULE", "round", `must be an integer in [0, ${n})`);
  }
  const p = s.startPrice + BigInt(round) * s.step;
  return p < s.maxPrice ? p : s.maxPrice;
}

/** What follows an auction round (SPEC §10.3), decided at `revealDeadline_r + MAX_CLOCK_SKEW`. */
export type AuctionNext =
  | { next: "prove" }
  | { next: "reopen"; round: number; price: bigint }
  | { next: "failed" };

/**
 * The re-auction rule: an auction round that assigned goes on to proving; one with no eligible bid re-opens at
 * the next reserve, or fails (refund, no slash) when it was the last round.
 */
export function afterAuction(s: PriceSchedule, round: number, outcome: "assigned" | "no-bids"): AuctionNext {
  const n = auctionRounds(s);
  if (!Number.isSafeInteger(round) || round < 0 || round >= n) {
    throw new MarketError("INVALID_SCHEDULE", "round", `must be an integer in [0, ${n})`);
  }
  if (outcome === "assigned") return { next: "prove" };
  if (round + 1 >= n) return { next: "failed" };
  return { next: "reopen", round: round + 1, price: schedulePrice(s, round + 1) };
}

/** The deadlines of auction round r (SPEC §10.3): round 0 is the task's own bid and reveal windows. */
export interface AuctionWindow {
  /** Commitments accepted while `now <= bidDeadline` (round r > 0: after the previous round's reveal deadline). */
  bidDeadline: bigint;
  /** Reveals in `(bidDeadline, revealDeadline]`; "no eligible bid" is known at `revealDeadline + MAX_CLOCK_SKEW`. */
  revealDeadline: bigint;
}

/**
 * Windows of auction round r: with period `P = rebidWindow + (revealDeadline - bidDeadline)`,
 * `bidDeadline_r = bidDeadline + r * P` and `revealDeadline_r = revealDeadline + r * P`.
 */
export function auctionWindow(
  task: { bidDeadline: bigint; revealDeadline: bigint },
  rebidWindow: bigint,
  round: number,
): AuctionWindow {
  if (typeof rebidWindow !== "bigint" || rebidWindow < 1n) {
    throw new MarketError("INVALID_INPUT", "rebidWindow", "must be a bigint >= 1 (seconds)");
  }
  if (!Number.isSafeInteger(round) || round < 0 || round >= MAX_AUCTION_ROUNDS) {
    throw new MarketError("INVALID_INPUT", "round", `must be an integer in [0, ${MAX_AUCTION_ROUNDS})`);
  }
  if (!(task.bidDeadline < task.revealDeadline)) {
    throw new MarketError("INVALID_INPUT", "revealDeadline", "must be > bidDeadline");
  }
  const period = rebidWindow + (task.revealDeadline - task.bidDeadline);
  const r = BigInt(round);
  return { bidDeadline: task.bidDeadline + r * period, revealDeadline: task.revealDeadline + r * period };
}

/**
 * Worst-case final deadline of a task with a schedule: every auction round re-opens and the last one assigns,
 * `revealDeadline_{R-1} + maxRounds * proofWindow`. §9.1's lifetime bound and the escrow's windows use this.
 */
export function worstCaseFinalDeadline(
  task: { bidDeadline: bigint; revealDeadline: bigint; proofWindow: number | bigint; maxRounds: number | bigint },
  schedule: PriceSchedule,
  rebidWindow: bigint,
): bigint {
  const last = auctionWindow(task, rebidWindow, auctionRounds(schedule) - 1);
  return last.revealDeadline + BigInt(task.maxRounds) * BigInt(task.proofWindow);
}

/**
 * Price schedules (SPEC §10.3) on the requester's side: the checks `submitTask` runs before anything is published,
 * and the schedule a quote suggests. Pure: no network.
 */
import { LIMITS, MAX_AUCTION_ROUNDS, MAX_CLOCK_SKEW, finalDeadline, taskAuctionRounds, type TaskSchedule } from "@zkpool/protocol";
import { SdkError, SdkErrorCode } from "./errors.js";
import type { TaskScheduleParameters } from "./types.js";

/** The default rebid window when `windows.bidWindow` is not given either (the SDK's default bid window). */
const DEFAULT_BID_WINDOW = 8;

/**
 * Shortest rebid window (seconds) in which a prover can bid at all: pool nodes open auction round a + 1 only once
 * round a's reveal deadline + MAX_CLOCK_SKEW has passed, and a prover commits only until MAX_CLOCK_SKEW before the
 * bid deadline, so `rebidWindow` must exceed `2 * MAX_CLOCK_SKEW` (the protocol accepts 1..86400; 1..4 would re-auction
 * a task without any bid being possible).
 */
export const MIN_REBID_WINDOW = 2 * Number(MAX_CLOCK_SKEW) + 1;

const bad = (field: string, message: string): SdkError =>
  new SdkError({ code: SdkErrorCode.BAD_SCHEDULE, field }, `schedule.${field} ${message}; nothing was published`);

const isUint = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v < 1n << 256n;

/** Least `priceStep` that keeps the ramp from `startPrice` to `maxReward` within MAX_AUCTION_ROUNDS rounds. */
export function minPriceStep(startPrice: bigint, maxReward: bigint): bigint {
  const span = maxReward - startPrice;
  const steps = BigInt(MAX_AUCTION_ROUNDS - 1);
  return span <= 0n ? 1n : (span + steps - 1n) / steps;
}

/**
 * The signed task's `schedule` from `submitTask`'s parameters, or undefined without one. Throws SDK_BAD_SCHEDULE
 * (`field` = startPrice, priceStep or rebidWindow) naming what is wrong and the valid range:
 * `0 < startPrice < maxReward`, `priceStep > 0` with at most 16 auction rounds
 * (`1 + ceil((maxReward - startPrice) / priceStep) <= 16`), `rebidWindow` an integer in MIN_REBID_WINDOW (5)..86400
 * seconds (default: the bid window, at least MIN_REBID_WINDOW, so provers have as long to bid in each later round as in
 * the first).
 */
export function taskScheduleOf(p: { maxReward: bigint; schedule?: TaskScheduleParameters | undefined; bidWindow?: number | undefined }): TaskSchedule | undefined {
  const s = p.schedule;
  if (s === undefined) return undefined;
  if (s === null || typeof s !== "object") {
    throw new SdkError({ code: SdkErrorCode.BAD_SCHEDULE, field: "schedule" },
      "schedule must be an object { startPrice, priceStep, rebidWindow? } (wei, wei, seconds), or left out for a fixed price at maxReward; nothing was published");
  }
  const max = p.maxReward;
  if (!isUint(max) || max < 2n) {
    throw new SdkError({ code: SdkErrorCode.BAD_SCHEDULE, field: "maxReward" },
      `a schedule needs maxReward as a bigint of at least 2 wei (got ${String(max)}): the ramp goes from startPrice up to maxReward; nothing was published`);
  }
  if (!isUint(s.startPrice) || s.startPrice === 0n || s.startPrice >= max) {
    throw bad("startPrice", `must be a bigint (wei) with 0 < startPrice < maxReward = ${max} (got ${String(s.startPrice)}): ` +
      "it is the reserve of the first auction round, and the ramp rises to maxReward; for a fixed price at maxReward leave schedule out");
  }
  const least = minPriceStep(s.startPrice, max);
  if (!isUint(s.priceStep) || s.priceStep === 0n) {
    throw bad("priceStep", `must be a positive bigint (wei) (got ${String(s.priceStep)}): the reserve rises by it each auction round; ` +
      `from startPrice ${s.startPrice} to maxReward ${max} use at least ${least} (${MAX_AUCTION_ROUNDS} rounds)`);
  }
  // 1 + ceil((maxReward - startPrice) / priceStep), the protocol's count (exact in bigint, shown rounded when huge)
  const rounds = (max - s.startPrice + s.priceStep - 1n) / s.priceStep + 1n;
  if (rounds > BigInt(MAX_AUCTION_ROUNDS)) {
    throw bad("priceStep", `${s.priceStep} is too small: from startPrice ${s.startPrice} to maxReward ${max} it makes ${rounds} auction rounds, ` +
      `at most ${MAX_AUCTION_ROUNDS} are allowed: use a priceStep of at least ${least} wei (or a higher startPrice)`);
  }
  const bidWindow = typeof p.bidWindow === "number" && Number.isSafeInteger(p.bidWindow) ? p.bidWindow : DEFAULT_BID_WINDOW;
  const rebidWindow = s.rebidWindow ?? Math.min(Math.max(bidWindow, MIN_REBID_WINDOW), LIMITS.maxRebidWindow);
  if (!Number.isSafeInteger(rebidWindow) || rebidWindow < MIN_REBID_WINDOW || rebidWindow > LIMITS.maxRebidWindow) {
    throw bad("rebidWindow", `must be a whole number of seconds in ${MIN_REBID_WINDOW}..${LIMITS.maxRebidWindow} (got ${String(rebidWindow)}): ` +
      "the time provers have to bid in each later auction round, from the previous round's reveal deadline; pool nodes open the next round " +
      `${MAX_CLOCK_SKEW} s (MAX_CLOCK_SKEW) after it and provers commit until ${MAX_CLOCK_SKEW} s before its bid deadline, so a shorter window leaves no time to bid`);
  }
  return { startPrice: s.startPrice, priceStep: s.priceStep, rebidWindow };
}

/**
 * SPEC §9.1 with a schedule: the worst case (every auction round re-opens) must fit the pool's `maxTaskLifetime`,
 * else every node rejects the task. Throws SDK_BAD_SCHEDULE when the schedule (and only the schedule) makes it too long.
 */
export function checkScheduleLifetime(
  w: { revealWindow: number; proofWindow: number; maxRounds: number },
  maxReward: bigint,
  schedule: TaskSchedule | undefined,
  maxTaskLifetime: bigint,
): void {
  if (schedule === undefined) return;
  const t = { bidDeadline: 0n, revealDeadline: BigInt(w.revealWindow), proofWindow: w.proofWindow, maxRounds: w.maxRounds, maxReward };
  const fixed = finalDeadline(t);
  const worst = finalDeadline({ ...t, schedule });
  if (fixed <= maxTaskLifetime && worst > maxTaskLifetime) {
    const rounds = taskAuctionRounds({ maxReward, schedule });
    throw new SdkError({ code: SdkErrorCode.BAD_SCHEDULE, field: "rebidWindow", need: maxTaskLifetime.toString(), have: worst.toString() },
      `with ${rounds} auction rounds the task can last ${worst} s from its bid deadline (every round re-opened), more than the pool's ` +
      `maxTaskLifetime of ${maxTaskLifetime} s: use fewer rounds (a larger priceStep or a higher startPrice), a shorter schedule.rebidWindow ` +
      "or shorter windows; nothing was published");
  }
}

/**
 * The schedule a quote suggests at maximum `max`: start at the lowest ask (a prover that asks it bids in the first
 * auction round) and reach `max` in at most 4 auction rounds, `priceStep = ceil((max - startPrice) / 3)`.
 * Undefined without an ask below `max`.
 */
export function suggestSchedule(lowestAsk: bigint | undefined, max: bigint | undefined): { startPrice: bigint; priceStep: bigint } | undefined {
  if (lowestAsk === undefined || max === undefined || lowestAsk <= 0n || lowestAsk >= max) return undefined;
  return { startPrice: lowestAsk, priceStep: (max - lowestAsk + 2n) / 3n };
}

import { ZkPoolError } from "../errors.js";

/**
 * - `INVALID_SCHEDULE`: a price schedule that breaks SPEC §10.3 (start > max, step 0 with start < max, too many
 *   auction rounds, a round outside the schedule);
 * - `INVALID_INPUT`: any other malformed market input (reserve 0, band out of range, a prover not in the band
 *   where one is required). Bad *bids* are never errors: they are excluded with a reason, as in the lottery.
 */
export type MarketErrorCode = "INVALID_SCHEDULE" | "INVALID_INPUT";

export interface MarketErrorType {
  [key: string]: string | number | boolean | undefined;
  code: MarketErrorCode;
  /** The offending input, e.g. `schedule.step`, `bandBps`, `reserve`. */
  field: string;
  /** What is wrong with it, in words. */
  reason: string;
}

/** A malformed market input (a caller bug or a bad task), SPEC §10. */
export class MarketError extends ZkPoolError<MarketErrorType> {
  constructor(code: MarketErrorCode, field: string, reason: string) {
    super(
      { code, field, reason },
      code === "INVALID_SCHEDULE"
        ? `Invalid price schedule ${field}: ${reason}. Fix the task's startPrice / priceStep / maxReward.`
        : `Invalid market input ${field}: ${reason}. Check the value passed to the market rule.`,
    );
  }
}

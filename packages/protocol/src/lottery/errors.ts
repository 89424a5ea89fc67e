import { ZkPoolError } from "../errors.js";

export type LotteryErrorCode = "INVALID_INPUT";

export interface LotteryErrorType {
  [key: string]: string | number | boolean | undefined;
  code: LotteryErrorCode;
  /** The offending input, e.g. `bids[3].salt`, `stakes[0xab…]`, `maxReward`. */
  field: string;
  /** What is wrong with it, in words. */
  reason: string;
}

/**
 * A malformed lottery input (a caller bug, not a bad bid: bad bids are excluded with a reason instead).
 */
export class LotteryError extends ZkPoolError<LotteryErrorType> {
  constructor(field: string, reason: string) {
    super(
      { code: "INVALID_INPUT", field, reason },
      `Invalid lottery input ${field}: ${reason}. Check the value passed to drawLottery.`,
    );
  }
}

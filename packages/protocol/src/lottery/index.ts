// The stake-weighted lottery (protocol/SPEC.md §0.6 and §4; normative text in §4).
export type {
  DrawLotteryParams,
  LotteryBid,
  LotteryExclusion,
  LotteryExclusionReason,
  LotteryPick,
  LotteryResult,
  StakeTable,
} from "./interface.js";
export { LotteryError, type LotteryErrorCode, type LotteryErrorType } from "./errors.js";
export {
  LOTTERY_DOMAIN,
  canonicalProver,
  drawLottery,
  lotteryDrawValue,
  lotterySeed,
  lotteryWeight,
} from "./lottery.js";

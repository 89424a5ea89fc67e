// The v1 part 2 market rule and price schedules (protocol/SPEC.md §10, proposed).
export { MarketError, type MarketErrorCode, type MarketErrorType } from "./errors.js";
export {
  MAX_AUCTION_ROUNDS,
  afterAuction,
  auctionRounds,
  auctionWindow,
  checkPriceSchedule,
  fixedPriceSchedule,
  schedulePrice,
  worstCaseFinalDeadline,
  type AuctionNext,
  type AuctionWindow,
  type PriceSchedule,
} from "./schedule.js";
export {
  BAND_BPS_DENOMINATOR,
  DEFAULT_BAND_BPS,
  MAX_BAND_BPS,
  bandTopPrice,
  compareMarketEntries,
  marketBand,
  marketPayment,
  marketWinShare,
  runMarket,
  type MarketEntry,
  type MarketPick,
  type MarketResult,
  type RunMarketParams,
} from "./rule.js";

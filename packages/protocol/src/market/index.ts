// The v1 part 2 market rule, price schedules and quotes (protocol/SPEC.md §10).
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
export { DEFAULT_QUOTE_DEPTH, quoteFromAsks, type Quote, type QuoteParams } from "./quote.js";

/**
 * A requester's quote from provers' standing asks (SPEC §10.6): what a task would pay if the provers that ask
 * bid their asks, and a maximum reward that leaves room for more than one of them.
 *
 * Pure and integer-only. The expected price is exact (a fraction), from the same band, win shares and threshold
 * payments as the rule itself (§10.1–10.2); only its rounding to wei is a choice (down).
 */
import { DEFAULT_BAND_BPS, compareMarketEntries, marketBand, marketPayment, type MarketEntry } from "./rule.js";
import { MarketError } from "./errors.js";

/** Provers a suggested maximum reward should admit, so that one of them going away does not strand the task. */
export const DEFAULT_QUOTE_DEPTH = 3;

export interface QuoteParams {
  /** The asks for one (circuit, proof system), one per prover (stake > 0; provers without stake are ignored). */
  asks: readonly MarketEntry[];
  /** Band width in basis points. @default DEFAULT_BAND_BPS */
  bandBps?: bigint;
  /** The suggested maximum is the `depth`-th lowest ask (or the highest, with fewer asks). @default 3 */
  depth?: number;
  /** A maximum reward the requester has in mind; the expected price is computed at it instead of the suggestion. */
  maxReward?: bigint;
}

export interface Quote {
  /** The asks taken, ascending by (price, prover). */
  asks: MarketEntry[];
  /** The `depth`-th lowest ask; undefined with no ask. */
  suggestedMaxReward?: bigint;
  /** The reserve the expectation is computed at: `maxReward` if given, else the suggestion. */
  reserve?: bigint;
  /** Provers whose ask is at most the reserve (they would bid). */
  willing: number;
  /**
   * Expected payment if every willing prover bids its ask: Σ over the band of (stake / bandStake) × payment, rounded
   * down to wei; undefined when nobody is willing.
   */
  expectedPrice?: bigint;
  /** The lowest and highest payment a band member could be assigned at. */
  priceRange?: { low: bigint; high: bigint };
}

/** The quote for one circuit and proof system from the standing asks held (SPEC §10.6). */
export function quoteFromAsks(params: QuoteParams): Quote {
  const bandBps = params.bandBps ?? DEFAULT_BAND_BPS;
  const depth = params.depth ?? DEFAULT_QUOTE_DEPTH;
  if (!Number.isSafeInteger(depth) || depth < 1) throw new MarketError("INVALID_INPUT", "depth", "expected a positive integer");
  const seen = new Set<string>();
  const asks: MarketEntry[] = [];
  for (const a of params.asks) {
    const prover = a.prover.toLowerCase();
    if (a.stake <= 0n || a.price <= 0n || seen.has(prover)) continue;
    seen.add(prover);
    asks.push({ prover, price: a.price, stake: a.stake });
  }
  asks.sort(compareMarketEntries);
  if (asks.length === 0) return { asks, willing: 0 };
  const suggestedMaxReward = asks[Math.min(depth, asks.length) - 1]!.price;
  const reserve = params.maxReward ?? suggestedMaxReward;
  if (reserve <= 0n) throw new MarketError("INVALID_INPUT", "maxReward", "must be positive");
  const eligible = asks.filter((a) => a.price <= reserve);
  const quote: Quote = { asks, suggestedMaxReward, reserve, willing: eligible.length };
  if (eligible.length === 0) return quote;
  const band = marketBand(eligible, reserve, bandBps);
  const bandStake = band.reduce((s, e) => s + e.stake, 0n);
  let numerator = 0n;
  let low: bigint | undefined;
  let high: bigint | undefined;
  for (const member of band) {
    const pay = marketPayment(eligible, member.prover, reserve, bandBps);
    numerator += member.stake * pay;
    if (low === undefined || pay < low) low = pay;
    if (high === undefined || pay > high) high = pay;
  }
  quote.expectedPrice = numerator / bandStake;
  quote.priceRange = { low: low!, high: high! };
  return quote;
}

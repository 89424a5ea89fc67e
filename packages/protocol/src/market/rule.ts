/**
 * The v1 part 2 market rule (protocol/SPEC.md §10, proposed): a price band, a stake-weighted draw inside it
 * (the lottery's own seed and draw, SPEC §4.4–4.5, with weight = stake) and a threshold ("second price within
 * the band") payment that makes bidding one's cost a dominant strategy for a risk-neutral prover.
 *
 * Pure and integer-only: every quantity on the decision path is a bigint; no floats.
 */
import { canonicalProver, drawLottery } from "../lottery/lottery.js";
import type { LotteryBid, LotteryExclusion, StakeTable } from "../lottery/interface.js";
import { MarketError } from "./errors.js";

/** Basis points denominator of the band width. */
export const BAND_BPS_DENOMINATOR = 10_000n;
/** Default band width ε = 5 %: bids within 1.05 × the lowest bid share the task by stake. */
export const DEFAULT_BAND_BPS = 500n;
/** Widest band allowed (ε = 100 %: bids up to twice the lowest). */
export const MAX_BAND_BPS = 10_000n;

const UINT256_LIMIT = 1n << 256n;

/** An eligible bid as the rule sees it: its prover (lowercase), price and stake at the stake epoch. */
export interface MarketEntry {
  prover: string;
  price: bigint;
  stake: bigint;
}

/** One position of the draw inside the band: `order[k]` is the assignee of proof round k. */
export interface MarketPick extends MarketEntry {
  /** What the prover is paid if it proves (its threshold payment, SPEC §10.2): `price <= payment <= reserve`. */
  payment: bigint;
}

export interface RunMarketParams {
  /** The task id, 32 bytes. */
  taskId: Uint8Array;
  /** The reserve of this auction round, `p_r = schedulePrice(schedule, r)` (`maxReward` for a fixed price). */
  reserve: bigint;
  /** The round's revealed bids, in any order (eligible when `0 < price <= reserve`, SPEC §4.2 otherwise). */
  bids: readonly LotteryBid[];
  /** Stake table at the task's stake epoch. */
  stakes: StakeTable;
  /** `collateral(task)` (SPEC §9.3). @default 0 (any stake > 0) */
  collateral?: bigint;
  /** Band width ε in basis points, `0 <= bandBps <= MAX_BAND_BPS`. @default DEFAULT_BAND_BPS */
  bandBps?: bigint;
  /** Positions of the draw to compute (e.g. the task's `maxRounds`). @default the whole band */
  limit?: number;
}

export interface MarketResult {
  /** `no-bids`: no eligible bid at this reserve; the auction re-opens at the next price (afterAuction). */
  outcome: "assigned" | "no-bids";
  reserve: bigint;
  bandBps: bigint;
  /** The eligible bids, ascending by (price, prover). */
  eligible: MarketEntry[];
  /** The band: eligible bids with `price * 10000 <= lowest * (10000 + bandBps)`, ascending by (price, prover). */
  band: MarketEntry[];
  /** `min(reserve, floor(lowest * (10000 + bandBps) / 10000))`, the highest price still in the band; 0 if none. */
  bandTop: bigint;
  /** Sum of the band's stakes. */
  bandStake: bigint;
  /** `keccak256(utf8("zkpool/lottery/v1") || taskId || salts of the band, ascending prover)` (SPEC §4.4). */
  seed: Uint8Array;
  /** Stake-weighted ordered draw of the band (SPEC §4.5 with weight = stake), winner first. */
  order: MarketPick[];
  /** `order[0].payment`: what the requester pays the winner; undefined with no bids. */
  clearingPrice?: bigint;
  /** Bids that took no part (SPEC §4.2 with maxReward := reserve), one per prover, ascending by prover. */
  excluded: LotteryExclusion[];
}

/** The rule's iteration order: ascending price, then ascending prover address (lowercase hex). */
export function compareMarketEntries(a: MarketEntry, b: MarketEntry): number {
  if (a.price !== b.price) return a.price < b.price ? -1 : 1;
  return a.prover < b.prover ? -1 : a.prover > b.prover ? 1 : 0;
}

function checkBandBps(bandBps: unknown): bigint {
  if (typeof bandBps !== "bigint" || bandBps < 0n || bandBps > MAX_BAND_BPS) {
    throw new MarketError("INVALID_INPUT", "bandBps", `must be a bigint in [0, ${MAX_BAND_BPS}]`);
  }
  return bandBps;
}

function checkReserve(reserve: unknown): bigint {
  if (typeof reserve !== "bigint" || reserve < 1n || reserve >= UINT256_LIMIT) {
    throw new MarketError("INVALID_INPUT", "reserve", "must be a bigint in [1, 2^256)");
  }
  return reserve;
}

function checkEntries(entries: readonly MarketEntry[], reserve: bigint): MarketEntry[] {
  if (!Array.isArray(entries)) throw new MarketError("INVALID_INPUT", "entries", "expected an array");
  const seen = new Set<string>();
  return entries.map((e: MarketEntry, i) => {
    const prover = canonicalProver(e.prover, `entries[${i}].prover`);
    if (seen.has(prover)) throw new MarketError("INVALID_INPUT", `entries[${i}].prover`, "listed twice");
    seen.add(prover);
    if (typeof e.price !== "bigint" || e.price < 1n || e.price > reserve) {
      throw new MarketError("INVALID_INPUT", `entries[${i}].price`, "an eligible price is in [1, reserve]");
    }
    if (typeof e.stake !== "bigint" || e.stake < 1n || e.stake >= UINT256_LIMIT) {
      throw new MarketError("INVALID_INPUT", `entries[${i}].stake`, "an eligible stake is in [1, 2^256)");
    }
    return { prover, price: e.price, stake: e.stake };
  });
}

/** `min(reserve, floor(lowest * (10000 + bandBps) / 10000))`: the band's top price. */
export function bandTopPrice(lowest: bigint, reserve: bigint, bandBps: bigint): bigint {
  const top = (lowest * (BAND_BPS_DENOMINATOR + bandBps)) / BAND_BPS_DENOMINATOR;
  return top < reserve ? top : reserve;
}

/**
 * The band of a set of eligible bids (SPEC §10.1): every bid with `price <= bandTopPrice(lowest)`, ascending by
 * (price, prover). Membership depends on prices only, so equal prices are always together in or out.
 */
export function marketBand(entries: readonly MarketEntry[], reserve: bigint, bandBps: bigint = DEFAULT_BAND_BPS): MarketEntry[] {
  checkBandBps(bandBps);
  checkReserve(reserve);
  const sorted = checkEntries(entries, reserve).sort(compareMarketEntries);
  if (sorted.length === 0) return [];
  const top = bandTopPrice(sorted[0]!.price, reserve, bandBps);
  return sorted.filter((e) => e.price <= top);
}

/**
 * The win probability of `prover` under the rule, as the exact fraction `stake / bandStake` (0 / 1 when it is not
 * in the band). Independent of the seed: the draw gives each band member `stake / bandStake` (SPEC §4.6 bias aside).
 */
export function marketWinShare(
  entries: readonly MarketEntry[],
  prover: string,
  reserve: bigint,
  bandBps: bigint = DEFAULT_BAND_BPS,
): { stake: bigint; bandStake: bigint } {
  const me = canonicalProver(prover);
  const band = marketBand(entries, reserve, bandBps);
  const mine = band.find((e) => e.prover === me);
  if (mine === undefined) return { stake: 0n, bandStake: 1n };
  return { stake: mine.stake, bandStake: band.reduce((a, e) => a + e.stake, 0n) };
}

/**
 * The threshold payment of a band member (SPEC §10.2). With D = 10000, E = D + bandBps, the member's bid b and
 * stake s, the lowest other bid m (none: m = ∞) and `zmax = min(reserve, floor(m * E / D))` (reserve when m = ∞),
 * let `S(z)` be the band's stake if the member bid z instead: `S(z) = s + Σ { s_j : ceil(b_j * D / E) <= min(z, m) }`
 * over the other bids j (non-decreasing in z; the member is in the band exactly for z <= zmax). Then
 *
 *     payment = b + Σ over the maximal intervals I ⊆ (b, zmax] on which S is constant of floor(|I| * S(b) / S_I)
 *
 * (the discrete Myerson payment: b plus the integral of the member's win probability above its bid, divided by
 * its win probability). `b <= payment <= zmax <= reserve`. A member that is not the unique lowest bid is paid
 * `zmax` (the band's top); the unique lowest is paid between about `m / (1 + ε)` and `min(reserve, m * (1 + ε))`,
 * and the reserve when it is the only bid. Throws MarketError if `prover` is not in the band.
 */
export function marketPayment(
  entries: readonly MarketEntry[],
  prover: string,
  reserve: bigint,
  bandBps: bigint = DEFAULT_BAND_BPS,
): bigint {
  checkBandBps(bandBps);
  checkReserve(reserve);
  const list = checkEntries(entries, reserve);
  const me = canonicalProver(prover);
  const mine = list.find((e) => e.prover === me);
  if (mine === undefined) throw new MarketError("INVALID_INPUT", "prover", "is not among the eligible bids");
  return paymentOf(mine, list.filter((e) => e.prover !== me), reserve, bandBps);
}

/** Core of marketPayment on validated input (others exclude `mine`). */
function paymentOf(mine: MarketEntry, others: readonly MarketEntry[], reserve: bigint, bandBps: bigint): bigint {
  const D = BAND_BPS_DENOMINATOR;
  const E = D + bandBps;
  const b = mine.price;
  let m: bigint | undefined;
  for (const o of others) if (m === undefined || o.price < m) m = o.price;
  const zmax = m === undefined ? reserve : bandTopPrice(m, reserve, bandBps);
  if (b > zmax) throw new MarketError("INVALID_INPUT", "prover", "is not in the band");
  if (m === undefined) return reserve; // alone: S is constant, the integral is the whole (b, reserve]
  // Entry points t_j = ceil(b_j * D / E): other j is in the band with the member iff t_j <= min(z, m).
  const points = others
    .map((o) => ({ t: (o.price * D + E - 1n) / E, stake: o.stake }))
    .sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
  const cap = b < m ? b : m;
  let sb = mine.stake;
  let k = 0;
  while (k < points.length && points[k]!.t <= cap) sb += points[k++]!.stake;
  let payment = b;
  let z = b; // the intervals start at z + 1
  let cur = sb;
  while (k < points.length && points[k]!.t <= m) {
    const t = points[k]!.t;
    // S is `cur` on (z, t - 1]; it grows at t.
    payment += ((t - 1n - z) * sb) / cur;
    while (k < points.length && points[k]!.t === t) cur += points[k++]!.stake;
    z = t - 1n;
  }
  payment += ((zmax - z) * sb) / cur;
  return payment;
}

function normalizeStakes(stakes: StakeTable): Map<string, bigint> {
  const entries: Iterable<[string, bigint]> =
    stakes instanceof Map ? (stakes as ReadonlyMap<string, bigint>).entries() : Object.entries(stakes);
  const out = new Map<string, bigint>();
  for (const [k, v] of entries) out.set(k.toLowerCase(), v);
  return out;
}

/**
 * Runs one auction round of a task (SPEC §10.1–10.2): eligibility as the lottery (SPEC §4.2, with
 * `maxReward := reserve`), the band, the stake-weighted draw of the band with the lottery's own seed and draw
 * (drawLottery on the band with every price set to the reserve, so that each weight is exactly the stake), and
 * each drawn member's threshold payment. The order of `bids` never matters.
 *
 * Malformed inputs throw LotteryError (bids, stakes, taskId, collateral, limit, as drawLottery) or MarketError
 * (reserve, bandBps).
 */
export function runMarket(params: RunMarketParams): MarketResult {
  const { taskId, bids, stakes, collateral, limit } = params;
  const reserve = checkReserve(params.reserve);
  const bandBps = checkBandBps(params.bandBps ?? DEFAULT_BAND_BPS);
  const base = { taskId, maxReward: reserve, stakes, ...(collateral === undefined ? {} : { collateral }) };
  // 1. Validation and eligibility exactly as the lottery's (limit 0 draws nothing).
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new MarketError("INVALID_INPUT", "limit", "expected a non-negative integer");
  }
  const pre = drawLottery({ ...base, bids, limit: 0 });
  const excludedSet = new Set(pre.excluded.map((e) => e.prover));
  const stakeOf = normalizeStakes(stakes);
  const byProver = new Map<string, LotteryBid>();
  for (const bid of bids) {
    const prover = bid.prover.toLowerCase();
    if (!excludedSet.has(prover) && !byProver.has(prover)) byProver.set(prover, bid);
  }
  const eligible: MarketEntry[] = [...byProver.entries()]
    .map(([prover, bid]) => ({ prover, price: bid.price, stake: stakeOf.get(prover)! }))
    .sort(compareMarketEntries);
  if (eligible.length === 0) {
    return {
      outcome: "no-bids",
      reserve,
      bandBps,
      eligible,
      band: [],
      bandTop: 0n,
      bandStake: 0n,
      seed: pre.seed,
      order: [],
      excluded: pre.excluded,
    };
  }
  // 2. The band.
  const bandTop = bandTopPrice(eligible[0]!.price, reserve, bandBps);
  const band = eligible.filter((e) => e.price <= bandTop);
  const bandStake = band.reduce((a, e) => a + e.stake, 0n);
  // 3. The draw: the lottery over the band's bids at price = reserve, weight = stake * reserve / reserve = stake.
  const drawn = drawLottery({
    ...base,
    bids: band.map((e) => ({ ...byProver.get(e.prover)!, price: reserve })),
    ...(limit === undefined ? {} : { limit }),
  });
  // 4. Payments.
  const bandEntry = new Map(band.map((e) => [e.prover, e]));
  const order: MarketPick[] = drawn.order.map((p) => {
    const e = bandEntry.get(p.prover)!;
    return { ...e, payment: paymentOf(e, eligible.filter((o) => o.prover !== e.prover), reserve, bandBps) };
  });
  const result: MarketResult = {
    outcome: "assigned",
    reserve,
    bandBps,
    eligible,
    band,
    bandTop,
    bandStake,
    seed: drawn.seed,
    order,
    excluded: pre.excluded,
  };
  if (order.length > 0) result.clearingPrice = order[0]!.payment;
  return result;
}

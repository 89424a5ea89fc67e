/**
 * The v1 part 2 market rule (protocol/SPEC.md §10, proposed): vectors, a naive reference of the band and the
 * threshold payment, hand-computed cases, the price schedule and the re-auction rule.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_BAND_BPS,
  MAX_AUCTION_ROUNDS,
  MarketError,
  afterAuction,
  auctionRounds,
  auctionWindow,
  checkPriceSchedule,
  fixedPriceSchedule,
  marketBand,
  marketPayment,
  marketWinShare,
  runMarket,
  schedulePrice,
  worstCaseFinalDeadline,
  type MarketEntry,
  type PriceSchedule,
} from "../src/market/index.js";
import * as protocol from "../src/index.js";
import { LotteryError, drawLottery } from "../src/lottery/index.js";
import {
  MARKET_VECTORS_PATH,
  marketResultJson,
  parseMarketVectorInput,
  renderMarketVectors,
  repoRoot,
  type MarketVectorFile,
} from "../bench/market.js";

const D = 10_000n;

/** Naive band (SPEC §10.1): every eligible entry priced <= min(reserve, floor(lowest * (D + bps) / D)). */
export function naiveBand(entries: readonly MarketEntry[], reserve: bigint, bps: bigint): MarketEntry[] {
  if (entries.length === 0) return [];
  let lowest = entries[0]!.price;
  for (const e of entries) if (e.price < lowest) lowest = e.price;
  let top = (lowest * (D + bps)) / D;
  if (top > reserve) top = reserve;
  return entries.filter((e) => e.price <= top);
}

/**
 * Naive threshold payment (SPEC §10.2) by walking every integer z in (b, reserve]: S(z) = band stake if the
 * prover bid z (0 once out of the band); sum floor(|I| * S(b) / S_I) over maximal runs I of equal S(z).
 * Only for small reserves.
 */
export function naivePayment(entries: readonly MarketEntry[], prover: string, reserve: bigint, bps: bigint): bigint {
  const me = entries.find((e) => e.prover === prover)!;
  const others = entries.filter((e) => e.prover !== prover);
  const stakeIf = (z: bigint): bigint => {
    const band = naiveBand([...others, { ...me, price: z }], reserve, bps);
    return band.some((e) => e.prover === prover) ? band.reduce((a, e) => a + e.stake, 0n) : 0n;
  };
  const sb = stakeIf(me.price);
  assert.ok(sb > 0n, "prover must be in the band");
  let pay = me.price;
  let runS = -1n;
  let runLen = 0n;
  for (let z = me.price + 1n; z <= reserve; z++) {
    const s = stakeIf(z);
    if (s === 0n) break;
    if (s !== runS) {
      if (runLen > 0n) pay += (runLen * sb) / runS;
      runS = s;
      runLen = 0n;
    }
    runLen++;
  }
  if (runLen > 0n) pay += (runLen * sb) / runS;
  return pay;
}

const addr = (i: number): string => "0x" + i.toString(16).padStart(40, "0");
const salt = (i: number): Uint8Array => new Uint8Array(32).fill(i & 0xff);
const TASK = new Uint8Array(32).fill(7);
const entry = (i: number, price: bigint, stake: bigint): MarketEntry => ({ prover: addr(i), price, stake });

function expectMarketError(fn: () => unknown, code: string, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MarketError, `expected MarketError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.type.field, field);
    return true;
  });
}

describe("market: vectors (protocol/vectors/market.json)", () => {
  const text = readFileSync(join(repoRoot(), MARKET_VECTORS_PATH), "utf8");
  const file = JSON.parse(text) as MarketVectorFile;

  it("the committed vector file is current (regenerate with market.js --write-vectors)", () => {
    assert.equal(text, renderMarketVectors());
  });

  it("covers the required cases", () => {
    const names = file.vectors.map((v) => v.name);
    for (const n of ["single-bidder", "second-price", "band-of-three", "tie-at-lowest", "exclusions", "no-bids"]) {
      assert.ok(names.includes(n), `missing vector ${n}`);
    }
  });

  for (const v of file.vectors) {
    it(`vector ${v.name}`, () => {
      const params = parseMarketVectorInput(v.input);
      assert.deepEqual(marketResultJson(params), v.expected);
      // Independent check of band and payments against the naive definitions (small reserves only).
      const r = runMarket(params);
      const bps = params.bandBps!;
      assert.deepEqual(
        naiveBand(r.eligible, params.reserve, bps).map((e) => e.prover).sort(),
        v.expected.band.map((e) => e.prover).sort(),
      );
      if (params.reserve <= 20_000n) {
        for (const p of v.expected.order) {
          assert.equal(naivePayment(r.eligible, p.prover, params.reserve, bps).toString(), p.payment, p.prover);
        }
      }
      // The seed is the lottery's seed over the band's salts (SPEC §4.4).
      if (r.band.length > 0) {
        const bandBids = params.bids.filter((b) => r.band.some((e) => e.prover === b.prover.toLowerCase()));
        const lot = drawLottery({ taskId: params.taskId, maxReward: params.reserve, bids: bandBids, stakes: params.stakes });
        assert.deepEqual(r.seed, lot.seed);
      }
    });
  }
});

describe("market: the rule by hand (SPEC §10.1, §10.2)", () => {
  it("band of one: the lowest is paid b + the integral of its win probability (second-price vector)", () => {
    const es = [entry(1, 1000n, 10n), entry(2, 2000n, 10n), entry(3, 2050n, 30n)];
    // (1000, 1904] x1 + (1904, 1952] x 10/20 + (1952, 2100] x 10/50 -> 1000 + 904 + 24 + 29
    assert.equal(marketPayment(es, addr(1), 5000n, 500n), 1957n);
    assert.deepEqual(marketBand(es, 5000n, 500n), [es[0]]);
    expectMarketError(() => marketPayment(es, addr(2), 5000n, 500n), "INVALID_INPUT", "prover");
  });

  it("bandBps = 0 is a second-price auction (minus the shared wei at the tie)", () => {
    const es = [entry(1, 1000n, 10n), entry(2, 2000n, 10n)];
    assert.equal(marketPayment(es, addr(1), 5000n, 0n), 1999n);
  });

  it("a band member that is not the unique lowest is paid the band top", () => {
    const es = [entry(1, 4000n, 10n), entry(2, 4100n, 20n), entry(3, 4200n, 30n), entry(4, 4300n, 40n)];
    assert.equal(marketPayment(es, addr(2), 10_000n, 500n), 4200n);
    assert.equal(marketPayment(es, addr(3), 10_000n, 500n), 4200n);
    assert.deepEqual(marketWinShare(es, addr(3), 10_000n, 500n), { stake: 30n, bandStake: 60n });
    assert.deepEqual(marketWinShare(es, addr(4), 10_000n, 500n), { stake: 0n, bandStake: 1n });
  });

  it("a single bidder is paid the reserve; a tie at the lowest price is paid the band top", () => {
    assert.equal(marketPayment([entry(1, 10n, 1n)], addr(1), 77n, DEFAULT_BAND_BPS), 77n);
    const tie = [entry(1, 3000n, 5n), entry(2, 3000n, 7n)];
    assert.equal(marketPayment(tie, addr(1), 10_000n, 500n), 3150n);
    assert.equal(marketPayment(tie, addr(2), 10_000n, 500n), 3150n);
  });

  it("runMarket: no eligible bid -> no-bids; excluded bids keep the lottery's reasons", () => {
    const r = runMarket({
      taskId: TASK,
      reserve: 100n,
      bids: [
        { prover: addr(1), price: 101n, salt: salt(1) },
        { prover: addr(2), price: 50n, salt: salt(2) },
      ],
      stakes: { [addr(1)]: 10n },
    });
    assert.equal(r.outcome, "no-bids");
    assert.equal(r.clearingPrice, undefined);
    assert.deepEqual(r.excluded, [
      { prover: addr(1), reason: "PRICE_OUT_OF_RANGE" },
      { prover: addr(2), reason: "INSUFFICIENT_STAKE" },
    ]);
    assert.equal(afterAuction({ startPrice: 100n, maxPrice: 200n, step: 100n }, 0, r.outcome).next, "reopen");
  });

  it("runMarket: the draw gives the band members stake-proportional weights (lottery weight at price = reserve)", () => {
    const bids = [1, 2, 3].map((i) => ({ prover: addr(i), price: 500n + BigInt(i), salt: salt(i) }));
    const stakes = { [addr(1)]: 10n, [addr(2)]: 20n, [addr(3)]: 30n };
    const r = runMarket({ taskId: TASK, reserve: 1000n, bids, stakes, bandBps: 500n });
    assert.equal(r.band.length, 3);
    assert.equal(r.bandStake, 60n);
    assert.equal(r.order.length, 3);
    const lot = drawLottery({ taskId: TASK, maxReward: 1000n, bids: bids.map((b) => ({ ...b, price: 1000n })), stakes });
    assert.deepEqual(
      r.order.map((p) => p.prover),
      lot.order.map((p) => p.prover),
    );
    assert.deepEqual(lot.order.map((p) => p.weight).sort(), [10n, 20n, 30n].sort());
    assert.equal(runMarket({ taskId: TASK, reserve: 1000n, bids, stakes, limit: 1 }).order.length, 1);
  });

  it("malformed inputs throw typed errors", () => {
    const base = { taskId: TASK, bids: [], stakes: {} };
    expectMarketError(() => runMarket({ ...base, reserve: 0n }), "INVALID_INPUT", "reserve");
    expectMarketError(() => runMarket({ ...base, reserve: 1n << 256n }), "INVALID_INPUT", "reserve");
    expectMarketError(() => runMarket({ ...base, reserve: 5n, bandBps: 10_001n }), "INVALID_INPUT", "bandBps");
    expectMarketError(() => runMarket({ ...base, reserve: 5n, bandBps: -1n }), "INVALID_INPUT", "bandBps");
    expectMarketError(() => runMarket({ ...base, reserve: 5n, limit: -1 }), "INVALID_INPUT", "limit");
    assert.throws(() => runMarket({ ...base, taskId: new Uint8Array(31), reserve: 5n }), LotteryError);
    assert.throws(
      () => runMarket({ ...base, reserve: 5n, bids: [{ prover: "0x12", price: 1n, salt: salt(1) }] }),
      LotteryError,
    );
    expectMarketError(() => marketBand([entry(1, 6n, 1n)], 5n), "INVALID_INPUT", "entries[0].price");
    expectMarketError(() => marketBand([entry(1, 1n, 0n)], 5n), "INVALID_INPUT", "entries[0].stake");
    expectMarketError(() => marketBand([entry(1, 1n, 1n), entry(1, 2n, 1n)], 5n), "INVALID_INPUT", "entries[1].prover");
  });

  it("is exported from the package index", () => {
    assert.equal(protocol.runMarket, runMarket);
    assert.equal(protocol.schedulePrice, schedulePrice);
  });
});

describe("market: price schedule and re-auction (SPEC §10.3)", () => {
  const ramp: PriceSchedule = { startPrice: 250n, maxPrice: 1000n, step: 125n };

  it("p_r = min(max, start + r * step), R = 1 + ceil((max - start) / step)", () => {
    assert.equal(auctionRounds(ramp), 7);
    assert.deepEqual(
      Array.from({ length: 7 }, (_, r) => schedulePrice(ramp, r)),
      [250n, 375n, 500n, 625n, 750n, 875n, 1000n],
    );
    const uneven = { startPrice: 1n, maxPrice: 10n, step: 4n };
    assert.equal(auctionRounds(uneven), 4);
    assert.deepEqual([0, 1, 2, 3].map((r) => schedulePrice(uneven, r)), [1n, 5n, 9n, 10n]);
    assert.equal(auctionRounds(fixedPriceSchedule(5n)), 1);
    assert.equal(schedulePrice(fixedPriceSchedule(5n), 0), 5n);
    assert.equal(auctionRounds({ startPrice: 5n, maxPrice: 5n, step: 3n }), 1);
  });

  it("validation", () => {
    expectMarketError(() => checkPriceSchedule({ startPrice: 0n, maxPrice: 5n, step: 1n }), "INVALID_SCHEDULE", "schedule.startPrice");
    expectMarketError(() => checkPriceSchedule({ startPrice: 6n, maxPrice: 5n, step: 1n }), "INVALID_SCHEDULE", "schedule.startPrice");
    expectMarketError(() => checkPriceSchedule({ startPrice: 1n, maxPrice: 5n, step: 0n }), "INVALID_SCHEDULE", "schedule.step");
    expectMarketError(() => checkPriceSchedule({ startPrice: 1n, maxPrice: 5n, step: -1n }), "INVALID_SCHEDULE", "schedule.step");
    expectMarketError(() => checkPriceSchedule({ startPrice: 1n, maxPrice: 1n << 256n, step: 1n }), "INVALID_SCHEDULE", "schedule.maxPrice");
    // 16 rounds is the most: start 1, max 16, step 1 has 16; max 17 has 17.
    assert.equal(auctionRounds({ startPrice: 1n, maxPrice: 16n, step: 1n }), MAX_AUCTION_ROUNDS);
    expectMarketError(() => checkPriceSchedule({ startPrice: 1n, maxPrice: 17n, step: 1n }), "INVALID_SCHEDULE", "schedule.step");
    expectMarketError(() => checkPriceSchedule({ startPrice: 1n, maxPrice: 10n ** 30n, step: 1n }), "INVALID_SCHEDULE", "schedule.step");
    expectMarketError(() => schedulePrice(ramp, 7), "INVALID_SCHEDULE", "round");
    expectMarketError(() => schedulePrice(ramp, -1), "INVALID_SCHEDULE", "round");
  });

  it("re-auction: no bids re-opens at the next price without requester action, the last round fails", () => {
    assert.deepEqual(afterAuction(ramp, 0, "assigned"), { next: "prove" });
    assert.deepEqual(afterAuction(ramp, 0, "no-bids"), { next: "reopen", round: 1, price: 375n });
    assert.deepEqual(afterAuction(ramp, 5, "no-bids"), { next: "reopen", round: 6, price: 1000n });
    assert.deepEqual(afterAuction(ramp, 6, "no-bids"), { next: "failed" });
    assert.deepEqual(afterAuction(fixedPriceSchedule(9n), 0, "no-bids"), { next: "failed" });
  });

  it("auction windows and the worst-case final deadline", () => {
    const task = { bidDeadline: 1000n, revealDeadline: 1060n, proofWindow: 300, maxRounds: 2 };
    assert.deepEqual(auctionWindow(task, 120n, 0), { bidDeadline: 1000n, revealDeadline: 1060n });
    assert.deepEqual(auctionWindow(task, 120n, 2), { bidDeadline: 1360n, revealDeadline: 1420n });
    // R = 7: revealDeadline_6 = 1060 + 6 * 180 = 2140, + 2 * 300
    assert.equal(worstCaseFinalDeadline(task, ramp, 120n), 2740n);
    expectMarketError(() => auctionWindow(task, 0n, 0), "INVALID_INPUT", "rebidWindow");
    expectMarketError(() => auctionWindow({ bidDeadline: 5n, revealDeadline: 5n }, 1n, 0), "INVALID_INPUT", "revealDeadline");
  });
});

/**
 * Property tests of the market rule (protocol/SPEC.md §10): bounds of the clearing price, band membership,
 * determinism, order independence, monotone win probability, truthfulness (up to the rounding of §10.2) and
 * agreement with the naive reference. Runs: ZKPOOL_FC_RUNS (default 45).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  afterAuction,
  auctionRounds,
  marketPayment,
  marketWinShare,
  runMarket,
  schedulePrice,
  type MarketEntry,
  type PriceSchedule,
} from "../src/market/index.js";
import type { LotteryBid } from "../src/lottery/index.js";
import { naivePayment } from "./market.test.js";

const RUNS = Number(process.env.ZKPOOL_FC_RUNS ?? 45);
const addr = (i: number): string => "0x" + (0xb000 + i).toString(16).padStart(40, "0");

const bpsArb = fc.oneof(fc.constantFrom(0n, 1n, 500n, 2_500n, 10_000n), fc.bigInt({ min: 0n, max: 10_000n }));

/** One auction round: reserve, band width, bids (some out of range or unstaked) with stakes and salts. */
const roundArb = fc
  .record({
    reserve: fc.bigInt({ min: 1n, max: 3_000n }),
    bandBps: bpsArb,
    bidders: fc.uniqueArray(
      fc.record({
        id: fc.integer({ min: 0, max: 40 }),
        frac: fc.integer({ min: 0, max: 1_100 }), // price = reserve * frac / 1000 (0 and > reserve happen)
        stake: fc.bigInt({ min: 0n, max: 1_000n }),
        salt: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      }),
      { minLength: 0, maxLength: 8, selector: (b) => b.id },
    ),
    taskId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  })
  .map(({ reserve, bandBps, bidders, taskId }) => {
    const bids: LotteryBid[] = bidders.map((b) => ({
      prover: addr(b.id),
      price: (reserve * BigInt(b.frac)) / 1000n,
      salt: b.salt,
    }));
    const stakes = new Map(bidders.filter((b) => b.stake > 0n).map((b) => [addr(b.id), b.stake]));
    return { taskId, reserve, bandBps, bids, stakes };
  });

/** Eligible entries only (price in [1, reserve], stake >= 1), for the pure helpers. */
const entriesArb = fc
  .record({
    reserve: fc.bigInt({ min: 1n, max: 400n }),
    bandBps: bpsArb,
    list: fc.uniqueArray(
      fc.record({ id: fc.integer({ min: 0, max: 20 }), frac: fc.integer({ min: 1, max: 1000 }), stake: fc.bigInt({ min: 1n, max: 50n }) }),
      { minLength: 1, maxLength: 6, selector: (e) => e.id },
    ),
  })
  .map(({ reserve, bandBps, list }) => ({
    reserve,
    bandBps,
    entries: list.map(
      (e): MarketEntry => ({ prover: addr(e.id), price: (reserve * BigInt(e.frac) + 999n) / 1000n, stake: e.stake }),
    ),
  }));

describe("market: properties (fast-check)", function () {
  this.timeout(120_000);

  it("clearing price: winner's bid <= clearing <= reserve, <= band top of the second bid; winner and backups in the band", () => {
    fc.assert(
      fc.property(roundArb, (p) => {
        const r = runMarket(p);
        if (r.outcome === "no-bids") {
          assert.equal(r.eligible.length, 0);
          return;
        }
        const inBand = new Set(r.band.map((e) => e.prover));
        assert.deepEqual([...r.order.map((o) => o.prover)].sort(), [...inBand].sort());
        for (const o of r.order) {
          assert.ok(inBand.has(o.prover));
          assert.ok(o.price <= o.payment && o.payment <= r.reserve);
        }
        const w = r.order[0]!;
        assert.equal(r.clearingPrice, w.payment);
        for (const e of r.eligible) assert.equal(inBand.has(e.prover), e.price <= r.bandTop);
        if (r.eligible.length === 1) assert.equal(r.clearingPrice, r.reserve);
        else {
          const second = r.eligible[1]!.price;
          assert.ok(r.clearingPrice <= (second * (10_000n + r.bandBps)) / 10_000n, "payment <= (1 + eps) * second bid");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("deterministic and independent of the order of the bids", () => {
    fc.assert(
      fc.property(roundArb, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (p, keys) => {
        const a = runMarket(p);
        assert.deepEqual(runMarket(p), a);
        const shuffled = p.bids
          .map((b, i) => [keys[i]!, i, b] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1])
          .map(([, , b]) => ({ ...b, prover: b.prover.toUpperCase().replace("0X", "0x") }));
        assert.deepEqual(runMarket({ ...p, bids: shuffled }), a);
      }),
      { numRuns: RUNS },
    );
  });

  it("raising one's bid never raises one's win probability (stake / band stake; 0 outside the band)", () => {
    fc.assert(
      fc.property(entriesArb, fc.bigInt({ min: 1n, max: 400n }), ({ reserve, bandBps, entries }, extra) => {
        const me = entries[0]!;
        const hi = me.price + extra > reserve ? reserve : me.price + extra;
        const lo = marketWinShare(entries, me.prover, reserve, bandBps);
        const up = marketWinShare([{ ...me, price: hi }, ...entries.slice(1)], me.prover, reserve, bandBps);
        assert.ok(up.stake * lo.bandStake <= lo.stake * up.bandStake);
        assert.ok(lo.stake === 0n || lo.stake === me.stake);
      }),
      { numRuns: RUNS },
    );
  });

  it("truthful bidding is optimal up to the rounding of §10.2 (at most one wei per interval)", () => {
    fc.assert(
      fc.property(entriesArb, fc.bigInt({ min: 1n, max: 400n }), fc.bigInt({ min: 1n, max: 400n }), (p, c0, b0) => {
        const { reserve, bandBps, entries } = p;
        const me = entries[0]!;
        const cost = c0 > reserve ? reserve : c0;
        const bid = b0 > reserve ? reserve : b0;
        const util = (price: bigint): [bigint, bigint] => {
          const es = [{ ...me, price }, ...entries.slice(1)];
          const share = marketWinShare(es, me.prover, reserve, bandBps);
          if (share.stake === 0n) return [0n, 1n];
          return [share.stake * (marketPayment(es, me.prover, reserve, bandBps) - cost), share.bandStake];
        };
        const [nt, dt] = util(cost);
        const [nb, db] = util(bid);
        const slack = BigInt(entries.length); // u(bid) <= u(cost) + slack
        assert.ok(nt >= 0n, "truthful utility is never negative");
        assert.ok(nb * dt <= nt * db + slack * db * dt, `bid ${bid} beats cost ${cost}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("marketPayment equals the naive reference (every integer z walked)", () => {
    fc.assert(
      fc.property(entriesArb, ({ reserve, bandBps, entries }) => {
        const band = new Set(
          entries.filter((e) => marketWinShare(entries, e.prover, reserve, bandBps).stake > 0n).map((e) => e.prover),
        );
        for (const e of entries) {
          if (!band.has(e.prover)) continue;
          assert.equal(marketPayment(entries, e.prover, reserve, bandBps), naivePayment(entries, e.prover, reserve, bandBps));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("schedule: non-decreasing from start to max within 16 rounds; R no-bids rounds end in failure", () => {
    const scheduleArb = fc
      .record({ start: fc.bigInt({ min: 1n, max: 10n ** 20n }), gap: fc.bigInt({ min: 0n, max: 10n ** 20n }), parts: fc.integer({ min: 1, max: 15 }) })
      .map(({ start, gap, parts }): PriceSchedule => ({
        startPrice: start,
        maxPrice: start + gap,
        step: gap === 0n ? 0n : (gap + BigInt(parts) - 1n) / BigInt(parts),
      }));
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const n = auctionRounds(s);
        assert.ok(n >= 1 && n <= 16);
        assert.equal(schedulePrice(s, 0), s.startPrice);
        assert.equal(schedulePrice(s, n - 1), s.maxPrice);
        let round = 0;
        let steps = 0;
        for (;;) {
          if (round + 1 < n) assert.ok(schedulePrice(s, round) < schedulePrice(s, round + 1));
          const next = afterAuction(s, round, "no-bids");
          if (next.next === "failed") break;
          assert.equal(next.next, "reopen");
          if (next.next === "reopen") round = next.round;
          steps++;
        }
        assert.equal(steps, n - 1);
      }),
      { numRuns: RUNS },
    );
  });
});

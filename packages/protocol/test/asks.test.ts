import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ProtocolError,
  decodeOperatorRecord,
  encodeOperatorRecord,
  marketPayment,
  marketWinShare,
  quoteFromAsks,
  verifyOperatorRecordSignature,
  type MarketEntry,
  type StandingAsk,
} from "../src/index.js";
import { DOMAIN, devOperatorRecord, hashOf } from "./fixtures.js";

const RUNS = Number(process.env["ZKPOOL_FC_RUNS"] ?? 50);
const A = hashOf("circuit/a");
const B = hashOf("circuit/b");
const [LO, HI] = A < B ? [A, B] : [B, A];
const ask = (circuitId: typeof A, proofSystem: 1 | 2 | 3, price: bigint): StandingAsk => ({ circuitId, proofSystem, price });
const prover = (i: number): string => "0x" + i.toString(16).padStart(40, "0");

describe("standing asks (SPEC §10.6)", () => {
  describe("in the operator record", () => {
    it("round-trip, are signed, and a record without asks encodes as before (no empty list on the wire)", () => {
      const r = devOperatorRecord(1, { asks: [ask(LO, 1, 5n), ask(LO, 2, 7n), ask(HI, 1, 1n)] });
      const back = decodeOperatorRecord(encodeOperatorRecord(r));
      assert.deepEqual(back, r);
      assert.ok(verifyOperatorRecordSignature(back, DOMAIN));
      // the asks are covered by the signature: another price does not verify
      assert.equal(verifyOperatorRecordSignature({ ...back, asks: [ask(LO, 1, 4n), ask(LO, 2, 7n), ask(HI, 1, 1n)] }, DOMAIN), false);
      const plain = decodeOperatorRecord(encodeOperatorRecord(devOperatorRecord(1)));
      assert.equal("asks" in plain, false);
    });

    const bad: [string, StandingAsk[]][] = [
      ["an empty list (omit the field instead)", []],
      ["a zero price", [ask(LO, 1, 0n)]],
      ["a price over uint256", [ask(LO, 1, 1n << 256n)]],
      ["an unknown proof system", [{ circuitId: LO, proofSystem: 4 as 1, price: 1n }]],
      ["a duplicate (circuit, system)", [ask(LO, 1, 1n), ask(LO, 1, 2n)]],
      ["descending order", [ask(HI, 1, 1n), ask(LO, 1, 1n)]],
      ["a short circuit id", [{ circuitId: "0x1234", proofSystem: 1, price: 1n }]],
      ["more than 16", Array.from({ length: 17 }, (_, i) => ask(hashOf(`c${String(i).padStart(2, "0")}`), 1, 1n)).sort((x, y) => (x.circuitId < y.circuitId ? -1 : 1))],
    ];
    for (const [what, asks] of bad) {
      it(`are refused with a typed error: ${what}`, () => {
        assert.throws(() => devOperatorRecord(1, { asks }), (e: unknown) => e instanceof ProtocolError && /asks/.test((e as Error).message));
      });
    }
  });

  describe("quoteFromAsks", () => {
    it("no asks: no suggestion; a sole ask is paid its reserve", () => {
      assert.deepEqual(quoteFromAsks({ asks: [] }), { asks: [], willing: 0 });
      const q = quoteFromAsks({ asks: [{ prover: prover(1), price: 100n, stake: 5n }] });
      assert.equal(q.suggestedMaxReward, 100n);
      assert.equal(q.expectedPrice, 100n);
      const at = quoteFromAsks({ asks: [{ prover: prover(1), price: 100n, stake: 5n }], maxReward: 150n });
      assert.equal(at.expectedPrice, 150n, "alone, the threshold payment is the reserve");
      assert.equal(quoteFromAsks({ asks: [{ prover: prover(1), price: 100n, stake: 5n }], maxReward: 99n }).willing, 0);
    });

    it("competition: the suggestion is the third-lowest ask and the expected price is near the second-lowest", () => {
      const asks = [100n, 200n, 300n, 400n].map((price, i) => ({ prover: prover(i + 1), price, stake: 10n }));
      const q = quoteFromAsks({ asks });
      assert.equal(q.suggestedMaxReward, 300n);
      assert.equal(q.willing, 3);
      // the lowest (100) is alone in its band; it is paid 200 (the second-lowest, SPEC §10.2)
      assert.equal(q.expectedPrice, 200n);
      assert.deepEqual(q.priceRange, { low: 200n, high: 200n });
      // unstaked and duplicate asks are ignored
      const noisy = quoteFromAsks({ asks: [...asks, { prover: prover(9), price: 1n, stake: 0n }, { ...asks[0]!, prover: prover(1).toUpperCase().replace("0X", "0x"), price: 1n }] });
      assert.deepEqual(noisy.asks, q.asks);
    });

    it("property: the expected price is the stake-weighted mean of the band's payments, within [lowest ask, reserve]", () => {
      const entries = fc.uniqueArray(fc.record({ prover: fc.integer({ min: 1, max: 500 }).map(prover), price: fc.bigInt({ min: 1n, max: 10_000n }), stake: fc.bigInt({ min: 1n, max: 1000n }) }), { minLength: 1, maxLength: 12, selector: (e) => e.prover });
      fc.assert(
        fc.property(entries, fc.option(fc.bigInt({ min: 1n, max: 12_000n }), { nil: undefined }), (asks: MarketEntry[], maxReward) => {
          const q = quoteFromAsks({ asks, ...(maxReward === undefined ? {} : { maxReward }) });
          const reserve = q.reserve!;
          const eligible = asks.filter((a) => a.price <= reserve);
          assert.equal(q.willing, eligible.length);
          if (eligible.length === 0) return assert.equal(q.expectedPrice, undefined);
          let num = 0n;
          let den = 0n;
          for (const e of eligible) {
            const { stake, bandStake } = marketWinShare(eligible, e.prover, reserve);
            if (stake === 0n) continue;
            num += stake * marketPayment(eligible, e.prover, reserve);
            den = bandStake;
          }
          assert.equal(q.expectedPrice, num / den);
          const lowest = eligible.reduce((m, e) => (e.price < m ? e.price : m), eligible[0]!.price);
          assert.ok(q.expectedPrice >= lowest && q.expectedPrice <= reserve);
        }),
        { numRuns: RUNS },
      );
    });
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { getAddress, hexlify, keccak256, concat, toUtf8Bytes } from "ethers";
import {
  LotteryError,
  LOTTERY_DOMAIN,
  drawLottery,
  lotteryWeight,
  type LotteryBid,
  type LotteryResult,
} from "../src/lottery/index.js";
import { isZkPoolError, ZkPoolError } from "../src/errors.js";
import {
  VECTORS_PATH,
  parseVectorInput,
  renderLotteryVectors,
  repoRoot,
  type LotteryVectorFile,
} from "../bench/lottery-vectors.js";
import { referenceDraw } from "../bench/lottery-reference.js";

const vectorText = readFileSync(join(repoRoot(), VECTORS_PATH), "utf8");
const vectorFile = JSON.parse(vectorText) as LotteryVectorFile;

function jsonResult(r: LotteryResult): unknown {
  return {
    seed: hexlify(r.seed),
    order: r.order.map((o) => ({ prover: o.prover, price: o.price.toString(), weight: o.weight.toString() })),
    excluded: r.excluded,
  };
}

function expectInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LotteryError, `expected LotteryError, got ${String(err)}`);
    assert.ok(err instanceof ZkPoolError);
    assert.equal(err.code, "INVALID_INPUT");
    assert.equal(err.type.field, field);
    assert.match(err.message, /Invalid lottery input/);
    return true;
  });
}

const addr = (i: number): string => "0x" + i.toString(16).padStart(40, "0");
const salt = (i: number): Uint8Array => new Uint8Array(32).fill(i & 0xff);
const TASK = new Uint8Array(32).fill(7);

describe("lottery: vectors (protocol/vectors/lottery.json)", () => {
  it("the committed vector file is current (regenerate with lottery-vectors.js --write)", () => {
    assert.equal(vectorText, renderLotteryVectors());
  });

  it("covers the required cases", () => {
    const names = vectorFile.vectors.map((v) => v.name);
    for (const n of [
      "single-bidder",
      "tie-two-equal-weights",
      "zero-and-missing-stake",
      "all-excluded",
      "large-stakes-2^96",
      "price-extremes",
      "price-out-of-range",
      "duplicate-prover",
    ]) {
      assert.ok(names.includes(n), `missing vector ${n}`);
    }
  });

  for (const v of vectorFile.vectors) {
    it(`vector ${v.name}`, () => {
      const params = parseVectorInput(v.input);
      if (v.expectedError !== undefined) {
        const { code, field } = v.expectedError;
        assert.equal(code, "INVALID_INPUT");
        expectInvalid(() => drawLottery(params), field);
        return;
      }
      assert.deepEqual(jsonResult(drawLottery(params)), v.expected);
    });
  }
});

describe("lottery: rule", () => {
  it("weight is the stake at price = maxReward and floor(stake * (4M - 3p) / M) below", () => {
    assert.equal(lotteryWeight(10n ** 18n, 5n, 5n), 10n ** 18n);
    assert.equal(lotteryWeight(7n, 1n, 3n), 21n); // 7 * (3 + 3 * 2) / 3
    assert.equal(lotteryWeight(5n, 1n, 4n), 16n); // floor(5 * 13 / 4) = floor(16.25)
    assert.equal(lotteryWeight(1n, 1n, 10n ** 18n), 3n); // just under 4x, floored
  });

  it("seed with no eligible bid is keccak256(domain || taskId)", () => {
    const r = drawLottery({ taskId: TASK, maxReward: 10n, bids: [], stakes: {} });
    assert.equal(hexlify(r.seed), keccak256(concat([toUtf8Bytes(LOTTERY_DOMAIN), TASK])));
    assert.deepEqual(r.order, []);
  });

  it("ineligible bids change neither the seed nor the order", () => {
    const stakes = new Map([
      [addr(1), 5n],
      [addr(2), 9n],
      [addr(4), 3n],
    ]);
    const good: LotteryBid[] = [
      { prover: addr(1), price: 4n, salt: salt(1) },
      { prover: addr(2), price: 10n, salt: salt(2) },
    ];
    const bad: LotteryBid[] = [
      { prover: addr(3), price: 4n, salt: salt(3) }, // no stake
      { prover: addr(4), price: 11n, salt: salt(4) }, // price > maxReward
      { prover: addr(5), price: 1n, salt: salt(5) },
      { prover: addr(5), price: 2n, salt: salt(5) }, // conflicting duplicate
    ];
    const a = drawLottery({ taskId: TASK, maxReward: 10n, bids: good, stakes });
    const b = drawLottery({ taskId: TASK, maxReward: 10n, bids: [...bad, ...good], stakes });
    assert.deepEqual(b.seed, a.seed);
    assert.deepEqual(b.order, a.order);
    assert.deepEqual(b.excluded, [
      { prover: addr(3), reason: "INSUFFICIENT_STAKE" },
      { prover: addr(4), reason: "PRICE_OUT_OF_RANGE" },
      { prover: addr(5), reason: "DUPLICATE_PROVER" },
    ]);
  });

  it("a different salt or task id changes the seed", () => {
    const bids = [{ prover: addr(1), price: 1n, salt: salt(1) }];
    const stakes = { [addr(1)]: 1n };
    const a = drawLottery({ taskId: TASK, maxReward: 1n, bids, stakes }).seed;
    const b = drawLottery({
      taskId: TASK,
      maxReward: 1n,
      bids: [{ ...bids[0]!, salt: salt(2) }],
      stakes,
    }).seed;
    const c = drawLottery({ taskId: new Uint8Array(32), maxReward: 1n, bids, stakes }).seed;
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it("does not modify its inputs", () => {
    const bids = [
      { prover: getAddress(addr(0xabc)), price: 3n, salt: salt(9) },
      { prover: addr(2), price: 2n, salt: salt(8) },
    ];
    const copy = bids.map((b) => ({ ...b, salt: Uint8Array.from(b.salt) }));
    drawLottery({ taskId: TASK, maxReward: 5n, bids, stakes: { [addr(0xabc)]: 1n, [addr(2)]: 2n } });
    assert.deepEqual(bids, copy);
  });
});

describe("lottery: malformed input throws LotteryError INVALID_INPUT", () => {
  const ok = {
    taskId: TASK,
    maxReward: 10n,
    bids: [{ prover: addr(1), price: 5n, salt: salt(1) }],
    stakes: { [addr(1)]: 1n },
  };
  it("names the offending field", () => {
    expectInvalid(() => drawLottery({ ...ok, taskId: new Uint8Array(31) }), "taskId");
    expectInvalid(() => drawLottery({ ...ok, maxReward: 0n }), "maxReward");
    expectInvalid(() => drawLottery({ ...ok, maxReward: -5n }), "maxReward");
    expectInvalid(() => drawLottery({ ...ok, maxReward: 1n << 256n }), "maxReward");
    expectInvalid(
      () => drawLottery({ ...ok, bids: [{ ...ok.bids[0]!, salt: new Uint8Array(33) }] }),
      "bids[0].salt",
    );
    expectInvalid(() => drawLottery({ ...ok, bids: [{ ...ok.bids[0]!, price: -1n }] }), "bids[0].price");
    expectInvalid(
      () => drawLottery({ ...ok, bids: [{ ...ok.bids[0]!, price: 5 as unknown as bigint }] }),
      "bids[0].price",
    );
    expectInvalid(
      () => drawLottery({ ...ok, bids: [{ ...ok.bids[0]!, prover: "0xzz" + "0".repeat(38) }] }),
      "bids[0].prover",
    );
    expectInvalid(() => drawLottery({ ...ok, stakes: { [addr(1)]: -1n } }), `stakes[${addr(1)}]`);
    expectInvalid(() => drawLottery({ ...ok, stakes: new Map([["nope", 1n]]) }), "stakes[nope]");
    expectInvalid(() => drawLottery({ ...ok, limit: -1 }), "limit");
    expectInvalid(() => drawLottery({ ...ok, limit: 1.5 }), "limit");
  });
  it("is a ZkPoolError that survives JSON", () => {
    try {
      drawLottery({ ...ok, taskId: new Uint8Array(3) });
      assert.fail("no error");
    } catch (err) {
      assert.ok(isZkPoolError(err, "INVALID_INPUT"));
      assert.deepEqual(JSON.parse(JSON.stringify(err.toObject())).type, {
        code: "INVALID_INPUT",
        field: "taskId",
        reason: "expected a Uint8Array of exactly 32 bytes",
      });
    }
  });
});

// ---- property tests ------------------------------------------------------------------------------------

const MAX_REWARD = 1000n;
/** A small address space so that duplicates and stake-table hits are common. */
const arbBid = fc.record({
  prover: fc.integer({ min: 1, max: 12 }).map(addr),
  price: fc.oneof(
    fc.bigInt({ min: 1n, max: MAX_REWARD }),
    fc.constantFrom(0n, MAX_REWARD, MAX_REWARD + 1n, 1n),
  ),
  salt: fc.integer({ min: 0, max: 3 }).map(salt),
});
const arbStakes = fc.dictionary(
  fc.integer({ min: 1, max: 12 }).map(addr),
  fc.oneof(fc.bigInt({ min: 0n, max: 1n << 100n }), fc.constantFrom(0n, 1n)),
);
const arbCase = fc.record({
  taskId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  bids: fc.array(arbBid, { maxLength: 14 }),
  stakes: arbStakes,
});

describe("lottery: properties (fast-check)", () => {
  it("permuting the reveals (and the letter case of addresses) never changes the outcome", () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.shuffledSubarray(c.bids, { minLength: c.bids.length, maxLength: c.bids.length }),
            fc.boolean(),
          ),
        ),
        ([c, shuffled, checksum]) => {
          const a = drawLottery({ taskId: c.taskId, maxReward: MAX_REWARD, bids: c.bids, stakes: c.stakes });
          const permuted = checksum
            ? shuffled.map((b) => ({ ...b, prover: getAddress(b.prover) }))
            : shuffled;
          const b = drawLottery({
            taskId: c.taskId,
            maxReward: MAX_REWARD,
            bids: permuted,
            stakes: new Map(Object.entries(c.stakes)),
          });
          assert.deepEqual(b, a);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with the naive reference implementation", () => {
    fc.assert(
      fc.property(arbCase, fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }), (c, limit) => {
        const got = drawLottery({
          taskId: c.taskId,
          maxReward: MAX_REWARD,
          bids: c.bids,
          stakes: c.stakes,
          limit,
        });
        const refBids = c.bids.map((b) => ({ prover: b.prover, price: b.price, salt: hexlify(b.salt) }));
        const ref = referenceDraw(hexlify(c.taskId), MAX_REWARD, refBids, c.stakes, limit);
        assert.equal(hexlify(got.seed), ref.seed);
        assert.deepEqual(got.order, ref.order);
        assert.deepEqual(got.excluded, ref.excluded);
      }),
      { numRuns: 300 },
    );
  });

  it("the order is a permutation of the eligible bids; limit k gives its first k entries", () => {
    fc.assert(
      fc.property(arbCase, fc.integer({ min: 0, max: 15 }), (c, k) => {
        const full = drawLottery({ taskId: c.taskId, maxReward: MAX_REWARD, bids: c.bids, stakes: c.stakes });
        const part = drawLottery({
          taskId: c.taskId,
          maxReward: MAX_REWARD,
          bids: c.bids,
          stakes: c.stakes,
          limit: k,
        });
        assert.deepEqual(part.order, full.order.slice(0, k));
        const provers = new Set(c.bids.map((b) => b.prover));
        const inOrder = full.order.map((o) => o.prover);
        assert.equal(new Set(inOrder).size, inOrder.length);
        assert.equal(inOrder.length + full.excluded.length, provers.size);
        for (const o of full.order) {
          assert.ok(o.weight >= 1n && o.price >= 1n && o.price <= MAX_REWARD);
        }
      }),
      { numRuns: 200 },
    );
  });
});

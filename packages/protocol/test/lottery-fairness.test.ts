/**
 * Fairness: over 100,000 draws the winners' (and winner/backup pairs') frequencies match the lottery's
 * weights. Chi-square goodness of fit at significance alpha = 0.001. The draws use a FIXED sequence of task
 * ids (the only input that varies), so the outcome is deterministic: the test is never flaky, and a failure
 * means the rule or the implementation changed.
 */
import assert from "node:assert/strict";
import { drawLottery, lotteryWeight, type LotteryBid } from "../src/lottery/index.js";

const DRAWS = 100_000;
/** Upper 0.001 quantiles of the chi-square distribution (standard tables). */
const CHI2_CRITICAL_ALPHA_0_001 = { df4: 18.467, df19: 43.82 } as const;

const MAX_REWARD = 100n;
const addr = (i: number): string => "0x" + (0xa0 + i).toString(16).padStart(40, "0");
// stake, price -> weights 10, 50, 97, 70, 185 (total 412); cheaper bids weigh up to 4x their stake.
const SPEC: [bigint, bigint][] = [
  [10n, 100n],
  [20n, 50n],
  [30n, 25n],
  [40n, 75n],
  [50n, 10n],
];
const bids: LotteryBid[] = SPEC.map(([, price], i) => ({
  prover: addr(i),
  price,
  salt: new Uint8Array(32).fill(0x11 * (i + 1)),
}));
const stakes = new Map(SPEC.map(([stake], i) => [addr(i), stake]));
const weights = SPEC.map(([stake, price]) => Number(lotteryWeight(stake, price, MAX_REWARD)));
const K = SPEC.length;

function chiSquare(observed: number[], expected: number[]): number {
  let stat = 0;
  observed.forEach((o, i) => {
    const e = expected[i]!;
    stat += ((o - e) * (o - e)) / e;
  });
  return stat;
}

describe("lottery: fairness (chi-square, 100,000 draws, fixed task-id sequence)", function () {
  this.timeout(120_000);
  const winners = new Array<number>(K).fill(0);
  const pairs = new Array<number>(K * K).fill(0); // index winner * K + backup
  const index = new Map(bids.map((b, i) => [b.prover, i]));

  before(() => {
    const taskId = new Uint8Array(32).fill(0x5a);
    const view = new DataView(taskId.buffer);
    for (let d = 0; d < DRAWS; d++) {
      view.setUint32(28, d, false); // task id d of the fixed sequence
      const { order } = drawLottery({ taskId, maxReward: MAX_REWARD, bids, stakes, limit: 2 });
      const w = index.get(order[0]!.prover)!;
      const b = index.get(order[1]!.prover)!;
      winners[w]!++;
      pairs[w * K + b]!++;
    }
  });

  it("weights are as intended (10, 50, 97, 70, 185)", () => {
    assert.deepEqual(weights, [10, 50, 97, 70, 185]);
  });

  it("winner frequencies fit w_i / W (df = 4, alpha = 0.001, critical 18.467)", () => {
    const W = weights.reduce((a, b) => a + b, 0);
    const expected = weights.map((w) => (DRAWS * w) / W);
    const stat = chiSquare(winners, expected);
    assert.ok(
      stat < CHI2_CRITICAL_ALPHA_0_001.df4,
      `chi-square ${stat.toFixed(2)} >= 18.467; counts ${winners.join(",")}`,
    );
  });

  it("winner/backup pairs fit the draw without replacement (df = 19, alpha = 0.001, critical 43.820)", () => {
    const W = weights.reduce((a, b) => a + b, 0);
    const obs: number[] = [];
    const exp: number[] = [];
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        if (i === j) {
          assert.equal(pairs[i * K + j], 0, "a prover was drawn twice");
          continue;
        }
        obs.push(pairs[i * K + j]!);
        exp.push((DRAWS * (weights[i]! / W) * weights[j]!) / (W - weights[i]!));
      }
    }
    const stat = chiSquare(obs, exp);
    assert.ok(stat < CHI2_CRITICAL_ALPHA_0_001.df19, `chi-square ${stat.toFixed(2)} >= 43.820`);
  });

  it("has power: the same counts reject plausible wrong rules", () => {
    // Winner proportional to stake alone (price ignored).
    const S = SPEC.reduce((a, [s]) => a + Number(s), 0);
    const byStake = SPEC.map(([s]) => (DRAWS * Number(s)) / S);
    assert.ok(chiSquare(winners, byStake) > 100 * CHI2_CRITICAL_ALPHA_0_001.df4);
    // Backup uniform among the others (weights ignored after the first pick).
    const W = weights.reduce((a, b) => a + b, 0);
    const obs: number[] = [];
    const exp: number[] = [];
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        if (i === j) continue;
        obs.push(pairs[i * K + j]!);
        exp.push((DRAWS * (weights[i]! / W)) / (K - 1));
      }
    }
    assert.ok(chiSquare(obs, exp) > 10 * CHI2_CRITICAL_ALPHA_0_001.df19);
  });
});

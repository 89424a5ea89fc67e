/**
 * Price schedules on the task (SPEC §10.3–10.4): the codec's validity rule, the global-round timeline, reserves,
 * and the per-auction-round bid rules, with hand-computed cases and fast-check properties.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  auctionDeadlines,
  decodeBidCommit,
  decodeBidReveal,
  decodeTask,
  encodeBidCommit,
  encodeBidReveal,
  encodeTask,
  finalDeadline,
  firstRound,
  isZkPoolError,
  MAX_AUCTION_ROUNDS,
  reservePrice,
  roundDeadline,
  roundStart,
  splitRound,
  taskAuctionRounds,
  taskDigest,
  totalRounds,
  validateBidCommit,
  validateBidReveal,
  validateVote,
  type Task,
  type TaskSchedule,
} from "../src/index.js";
import { DOMAIN, devAddress, devAssignmentVote, devBidCommit, devBidReveal, devTask } from "./fixtures.js";

const ETH = 10n ** 18n;
const SEED = 20261204;
// reserves 0.4, 0.7, 1.0 ETH: R = 3; P = rebidWindow + reveal window = 10 + 30
const RAMP: TaskSchedule = { startPrice: 4n * 10n ** 17n, priceStep: 3n * 10n ** 17n, rebidWindow: 10 };

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (isZkPoolError(err)) return `${err.code}:${(err.type as { field?: string }).field ?? ""}`;
    throw err;
  }
  return "ok";
}

describe("price schedule (SPEC §10.3)", () => {
  describe("validity in the codec", () => {
    it("round-trips a task with a schedule and one without; the schedule is signed (a different ramp is a different task)", () => {
      const fixed = devTask();
      const ramp = devTask({ schedule: RAMP });
      assert.deepEqual(decodeTask(encodeTask(fixed)), fixed);
      assert.equal("schedule" in decodeTask(encodeTask(fixed)), false);
      assert.deepEqual(decodeTask(encodeTask(ramp)), ramp);
      assert.notEqual(taskDigest(fixed, DOMAIN), taskDigest(ramp, DOMAIN));
      assert.notEqual(taskDigest(ramp, DOMAIN), taskDigest(devTask({ schedule: { ...RAMP, rebidWindow: 11 } }), DOMAIN));
    });

    it("refuses every invalid schedule with FIELD_INVALID naming the field", () => {
      const bad = (schedule: TaskSchedule): string => codeOf(() => encodeTask(devTask({ schedule })));
      assert.equal(bad({ ...RAMP, startPrice: 0n }), "FIELD_INVALID:schedule.startPrice");
      assert.equal(bad({ ...RAMP, startPrice: ETH }), "FIELD_INVALID:schedule.startPrice"); // a one-round ramp is no schedule
      assert.equal(bad({ ...RAMP, startPrice: ETH + 1n }), "FIELD_INVALID:schedule.startPrice");
      assert.equal(bad({ ...RAMP, priceStep: 0n }), "FIELD_INVALID:schedule.priceStep");
      assert.equal(bad({ ...RAMP, rebidWindow: 0 }), "FIELD_INVALID:schedule.rebidWindow");
      assert.equal(bad({ ...RAMP, rebidWindow: 86_401 }), "FIELD_INVALID:schedule.rebidWindow");
      assert.equal(bad({ ...RAMP, rebidWindow: 1.5 }), "FIELD_INVALID:schedule.rebidWindow");
      // 17 rounds: start = max - 16, step 1
      assert.equal(bad({ startPrice: ETH - 16n, priceStep: 1n, rebidWindow: 10 }), "FIELD_INVALID:schedule.priceStep");
      // 16 rounds is the limit
      assert.equal(bad({ startPrice: ETH - 15n, priceStep: 1n, rebidWindow: 10 }), "ok");
    });

    it("a bid's auction round is encoded only when > 0 and must be < 16", () => {
      const t = devTask({ schedule: RAMP });
      const c0 = devBidCommit(1, t, 5n);
      const c2 = devBidCommit(1, t, 5n, undefined, 2);
      assert.equal(decodeBidCommit(encodeBidCommit(c0)).auctionRound, undefined);
      assert.equal(decodeBidCommit(encodeBidCommit(c2)).auctionRound, 2);
      assert.equal(decodeBidReveal(encodeBidReveal(devBidReveal(1, t, 5n, undefined, 2))).auctionRound, 2);
      assert.equal(codeOf(() => encodeBidCommit({ ...c2, auctionRound: MAX_AUCTION_ROUNDS })), "FIELD_INVALID:auctionRound");
      // the round is covered by the node's signature: relabelling a round-2 commit as round 1 breaks it
      const relabelled = { ...c2, auctionRound: 1 };
      const v = validateBidCommit(relabelled, { domain: DOMAIN, now: auctionDeadlines(t, 1).bidDeadline - 5n, task: t, peerOperator: devAddress(1), proverStake: ETH });
      assert.equal(v.code, "BAD_SIGNATURE");
    });
  });

  describe("timeline", () => {
    const t = devTask({ schedule: RAMP }); // bid 1_800_000_000, reveal +30, proofWindow 120, maxRounds 3

    it("gives each auction round its reserve and windows, and each global round its deadlines (hand-computed)", () => {
      assert.equal(taskAuctionRounds(t), 3);
      assert.equal(totalRounds(t), 9);
      assert.deepEqual([0, 1, 2].map((a) => reservePrice(t, a)), [4n * 10n ** 17n, 7n * 10n ** 17n, ETH]);
      assert.deepEqual(auctionDeadlines(t, 0), { bidDeadline: 1_800_000_000n, revealDeadline: 1_800_000_030n });
      assert.deepEqual(auctionDeadlines(t, 1), { bidDeadline: 1_800_000_040n, revealDeadline: 1_800_000_070n });
      assert.deepEqual(auctionDeadlines(t, 2), { bidDeadline: 1_800_000_080n, revealDeadline: 1_800_000_110n });
      // global round 4 = auction round 1, proof round 1
      assert.deepEqual(splitRound(t, 4), { auction: 1, proof: 1 });
      assert.equal(firstRound(t, 2), 6);
      assert.equal(roundStart(t, 4), 1_800_000_070n + 120n);
      assert.equal(roundDeadline(t, 4), 1_800_000_070n + 240n);
      // worst case: the last proof round of the last auction round
      assert.equal(finalDeadline(t), 1_800_000_110n + 3n * 120n);
    });

    it("without a schedule, everything is the fixed-price timeline of §3.1", () => {
      const f = devTask();
      assert.equal(taskAuctionRounds(f), 1);
      assert.equal(totalRounds(f), f.maxRounds);
      assert.equal(reservePrice(f, 0), f.maxReward);
      for (let r = 0; r < f.maxRounds; r++) {
        assert.equal(roundDeadline(f, r), f.revealDeadline + BigInt(r + 1) * BigInt(f.proofWindow));
        assert.equal(roundStart(f, r), f.revealDeadline + BigInt(r) * BigInt(f.proofWindow));
      }
      assert.equal(finalDeadline(f), f.revealDeadline + BigInt(f.maxRounds) * BigInt(f.proofWindow));
    });

    it("property: reserves rise to maxReward, windows and rounds never overlap, and the final deadline bounds them all", () => {
      const arb = fc.record({
        max: fc.bigInt({ min: 2n, max: 10n ** 24n }),
        startPpm: fc.integer({ min: 1, max: 999_999 }),
        rounds: fc.integer({ min: 2, max: MAX_AUCTION_ROUNDS }),
        rebid: fc.integer({ min: 1, max: 86_400 }),
        reveal: fc.integer({ min: 1, max: 86_400 }),
        proofWindow: fc.integer({ min: 1, max: 604_800 }),
        maxRounds: fc.integer({ min: 1, max: 16 }),
      });
      fc.assert(
        fc.property(arb, (x) => {
          const start = (x.max * BigInt(x.startPpm)) / 1_000_000n;
          if (start === 0n || start >= x.max) return;
          const step = (x.max - start + BigInt(x.rounds) - 2n) / BigInt(x.rounds - 1); // ceil: at most x.rounds rounds
          const task = { ...devTask(), maxReward: x.max, revealDeadline: 1_800_000_000n + BigInt(x.reveal), proofWindow: x.proofWindow, maxRounds: x.maxRounds, schedule: { startPrice: start, priceStep: step, rebidWindow: x.rebid } } as Task;
          const R = taskAuctionRounds(task);
          assert.ok(R >= 2 && R <= x.rounds);
          assert.equal(reservePrice(task, 0), start);
          assert.equal(reservePrice(task, R - 1), x.max);
          for (let a = 1; a < R; a++) {
            assert.ok(reservePrice(task, a) > reservePrice(task, a - 1));
            assert.ok(reservePrice(task, a) <= x.max);
            // round a's bids open after round a-1's reveals close, with exactly rebidWindow to commit
            const prev = auctionDeadlines(task, a - 1);
            const cur = auctionDeadlines(task, a);
            assert.equal(cur.bidDeadline - prev.revealDeadline, BigInt(x.rebid));
            assert.equal(cur.revealDeadline - cur.bidDeadline, task.revealDeadline - task.bidDeadline);
          }
          let last = 0n;
          for (let g = 0; g < totalRounds(task); g++) {
            const { auction, proof } = splitRound(task, g);
            assert.equal(firstRound(task, auction) + proof, g);
            assert.ok(roundStart(task, g) >= auctionDeadlines(task, auction).revealDeadline);
            assert.equal(roundDeadline(task, g) - roundStart(task, g), BigInt(x.proofWindow));
            // inside an auction round, proof rounds follow each other (auction rounds overlap only one that clears)
            if (proof > 0) assert.ok(roundDeadline(task, g) > last);
            assert.ok(roundDeadline(task, g) <= finalDeadline(task));
            last = roundDeadline(task, g);
          }
          assert.equal(finalDeadline(task), roundDeadline(task, totalRounds(task) - 1));
        }),
        { seed: SEED, numRuns: Number(process.env["ZKPOOL_FC_RUNS"] ?? 200) },
      );
    });
  });

  describe("bid and vote rules per auction round (SPEC §2.4–2.6)", () => {
    const t = devTask({ schedule: RAMP });
    const base = { domain: DOMAIN, task: t, peerOperator: devAddress(1), proverStake: ETH };

    it("a commit of auction round a is early before round a-1's reveals close and late after its own bid deadline", () => {
      const c1 = devBidCommit(1, t, 5n, undefined, 1);
      const w0 = auctionDeadlines(t, 0);
      const w1 = auctionDeadlines(t, 1);
      assert.equal(validateBidCommit(c1, { ...base, now: w0.revealDeadline - 2n }).code, "EARLY");
      assert.equal(validateBidCommit(c1, { ...base, now: w0.revealDeadline + 3n }).code, "OK");
      assert.equal(validateBidCommit(c1, { ...base, now: w1.bidDeadline + 2n }).code, "OK");
      assert.equal(validateBidCommit(c1, { ...base, now: w1.bidDeadline + 3n }).code, "LATE");
      assert.equal(validateBidCommit(devBidCommit(1, t, 5n, undefined, 3), { ...base, now: w1.bidDeadline }).code, "WRONG_ROUND");
      // a fixed-price task has only auction round 0
      const f = devTask();
      assert.equal(validateBidCommit(devBidCommit(1, f, 5n, undefined, 1), { ...base, task: f, now: f.bidDeadline }).code, "WRONG_ROUND");
    });

    it("a reveal of auction round a is judged by that round's window and reserve", () => {
      const w1 = auctionDeadlines(t, 1);
      const p1 = reservePrice(t, 1);
      const ok = devBidReveal(1, t, p1, undefined, 1);
      const over = devBidReveal(1, t, p1 + 1n, undefined, 1);
      const commitOf = (price: bigint) => [devBidCommit(1, t, price, undefined, 1).commitment];
      assert.equal(validateBidReveal(ok, { ...base, now: w1.bidDeadline - 2n, commitments: commitOf(p1) }).code, "EARLY_REVEAL");
      assert.equal(validateBidReveal(ok, { ...base, now: w1.revealDeadline, commitments: commitOf(p1) }).code, "OK");
      assert.equal(validateBidReveal(over, { ...base, now: w1.revealDeadline, commitments: commitOf(p1 + 1n) }).code, "PRICE_OUT_OF_RANGE");
      assert.equal(validateBidReveal(ok, { ...base, now: w1.revealDeadline + 3n, commitments: commitOf(p1) }).code, "LATE");
      // at round 0's reserve the same price would be out of range: the reserve is the round's
      const r0 = devBidReveal(1, t, p1, undefined, 0);
      assert.equal(validateBidReveal(r0, { ...base, now: t.revealDeadline, commitments: [devBidCommit(1, t, p1).commitment] }).code, "PRICE_OUT_OF_RANGE");
    });

    it("an assignment vote is capped by its auction round's reserve and rounds beyond R * maxRounds are refused", () => {
      const vctx = { domain: DOMAIN, task: t, attesterStake: ETH };
      const g = firstRound(t, 1);
      const at = roundStart(t, g);
      assert.equal(validateVote(devAssignmentVote(2, t, 1, reservePrice(t, 1), g), { ...vctx, now: at }).code, "OK");
      assert.equal(validateVote(devAssignmentVote(2, t, 1, reservePrice(t, 1) + 1n, g), { ...vctx, now: at }).code, "PRICE_OUT_OF_RANGE");
      assert.equal(validateVote(devAssignmentVote(2, t, 1, reservePrice(t, 1), g), { ...vctx, now: auctionDeadlines(t, 1).revealDeadline - 2n }).code, "EARLY");
      assert.equal(validateVote(devAssignmentVote(2, t, 1, 1n, totalRounds(t)), { ...vctx, now: at }).code, "WRONG_ROUND");
    });
  });
});

/**
 * Task bounds (issue 12, SPEC §2.3, §9.1): the refusals that keep impossible tasks out of the pool on receipt.
 * - EPOCH_NOT_FINAL (IGNORE): the task's stake epoch has not started at the receiver's clock;
 * - LIFETIME_TOO_LONG (REJECT): the worst-case final deadline lies more than `maxTaskLifetime` after the bid
 *   deadline (with a price schedule, every auction round re-opened);
 * - TOO_FAR_AHEAD (IGNORE): the bid deadline lies more than MAX_TASK_HORIZON after the receiver's clock.
 * Unit cases at each boundary, the order of the checks, and fast-check properties against an independent model
 * of the rules: checkTaskEconomics accepts exactly the tasks within bounds, and validateTask reports them.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEVNET_CHAIN_PARAMS,
  MAX_CLOCK_SKEW,
  MAX_TASK_HORIZON,
  PRODUCTION_CHAIN_PARAMS,
  checkTaskEconomics,
  epochStart,
  finalDeadline,
  validateTask,
  type ChainParams,
  type Task,
  type TaskEconomicsCode,
  type TaskSchedule,
} from "../src/index.js";
import { DOMAIN, devTask } from "./fixtures.js";

type Bounds = Pick<ChainParams, "epochSeconds" | "maxSnapshotAge" | "maxTaskLifetime">;
type Timeline = Pick<Task, "stakeEpoch" | "bidDeadline" | "revealDeadline" | "proofWindow" | "maxRounds" | "maxReward" | "schedule">;

const DEV = DEVNET_CHAIN_PARAMS;
const PROD = PRODUCTION_CHAIN_PARAMS;
const BID = 1_800_000_000n; // devTask's bid deadline, a multiple of both epoch lengths
const E18 = 10n ** 18n;

/** The worst-case final deadline, computed from SPEC §3 / §10.3 (not with the library). */
function modelFinal(t: Timeline): bigint {
  const s = t.schedule;
  const rounds = s === undefined || s.startPrice >= t.maxReward ? 1n : (t.maxReward - s.startPrice + s.priceStep - 1n) / s.priceStep + 1n;
  const period = s === undefined ? 0n : BigInt(s.rebidWindow) + t.revealDeadline - t.bidDeadline;
  return t.revealDeadline + (rounds - 1n) * period + BigInt(t.maxRounds) * BigInt(t.proofWindow);
}

/** SPEC §9.1 in order: the first rule broken, or undefined. */
function model(t: Timeline, now: bigint | undefined, p: Bounds): TaskEconomicsCode | undefined {
  const start = t.stakeEpoch * p.epochSeconds;
  if (!(start < t.bidDeadline && t.bidDeadline <= start + p.maxSnapshotAge)) return "STALE_EPOCH";
  if (modelFinal(t) - t.bidDeadline > p.maxTaskLifetime) return "LIFETIME_TOO_LONG";
  if (now !== undefined && start > now) return "EPOCH_NOT_FINAL";
  return undefined;
}

const ACTION: Record<TaskEconomicsCode, "REJECT" | "IGNORE"> = { STALE_EPOCH: "REJECT", LIFETIME_TOO_LONG: "REJECT", EPOCH_NOT_FINAL: "IGNORE" };

/** An unsigned timeline around `bid`: reveal 30 s later, proof window 120 s, 3 rounds, epoch one epoch before. */
function timeline(p: Bounds, over: Partial<Timeline> = {}): Timeline {
  const bidDeadline = over.bidDeadline ?? BID;
  return {
    bidDeadline,
    revealDeadline: bidDeadline + 30n,
    proofWindow: 120,
    maxRounds: 3,
    maxReward: E18,
    stakeEpoch: (bidDeadline - 1n) / p.epochSeconds,
    ...over,
  };
}

describe("protocol: task bounds (EPOCH_NOT_FINAL, LIFETIME_TOO_LONG, TOO_FAR_AHEAD)", function () {
  describe("checkTaskEconomics (SPEC §9.1)", () => {
    it("a task inside every bound passes, with and without a clock", () => {
      for (const p of [DEV, PROD]) {
        const t = timeline(p);
        assert.equal(checkTaskEconomics(t, undefined, p), undefined);
        assert.equal(checkTaskEconomics(t, BID, p), undefined);
      }
    });

    it("EPOCH_NOT_FINAL (IGNORE) while the stake epoch has not started at `now`; from its first second on, it passes", () => {
      for (const p of [DEV, PROD]) {
        const t = timeline(p);
        const start = epochStart(t.stakeEpoch, p);
        assert.deepEqual(checkTaskEconomics(t, start - 1n, p), { code: "EPOCH_NOT_FINAL", action: "IGNORE" });
        assert.deepEqual(checkTaskEconomics(t, start - 3_600n, p), { code: "EPOCH_NOT_FINAL", action: "IGNORE" });
        assert.equal(checkTaskEconomics(t, start, p), undefined);
        assert.equal(checkTaskEconomics(t, start + 1n, p), undefined);
        // the Escrow checks without a clock: the rule is a node's, on receipt
        assert.equal(checkTaskEconomics(t, undefined, p), undefined);
      }
    });

    it("LIFETIME_TOO_LONG (REJECT) one second past maxTaskLifetime, from the reveal gap, the proof window or maxRounds", () => {
      for (const p of [DEV, PROD]) {
        const L = p.maxTaskLifetime;
        // 30 s reveal gap + maxRounds * proofWindow = the lifetime exactly: accepted
        const rounds = 3;
        const window = Number((L - 30n) / BigInt(rounds));
        const gap = L - BigInt(rounds * window); // absorbs the remainder, so the sum is exactly L
        const exact = timeline(p, { revealDeadline: BID + gap, proofWindow: window, maxRounds: rounds });
        assert.equal(finalDeadline(exact) - BID, L);
        assert.equal(checkTaskEconomics(exact, BID, p), undefined);
        const over = { code: "LIFETIME_TOO_LONG", action: "REJECT" };
        assert.deepEqual(checkTaskEconomics({ ...exact, revealDeadline: exact.revealDeadline + 1n }, BID, p), over);
        assert.deepEqual(checkTaskEconomics({ ...exact, proofWindow: window + 1 }, BID, p), over);
        assert.deepEqual(checkTaskEconomics({ ...exact, maxRounds: rounds + 1 }, BID, p), over);
        assert.deepEqual(checkTaskEconomics({ ...exact, revealDeadline: exact.revealDeadline + 1n }, undefined, p), over, "the Escrow refuses it too");
      }
    });

    it("with a price schedule the lifetime is the worst case: every auction round re-opened", () => {
      const p = DEV;
      // three auction rounds: reserves 0.5, 0.75, 1.0 ETH
      const schedule: TaskSchedule = { startPrice: E18 / 2n, priceStep: E18 / 4n, rebidWindow: 10 };
      const base = timeline(p, { proofWindow: 1_000 });
      // without the schedule: 30 + 3000 = 3030 s, inside the 3600 s bound
      assert.equal(checkTaskEconomics(base, BID, p), undefined);
      // with it: 2 more auction rounds of (10 + 30) s each = 3110 s, still inside
      const ok = { ...base, schedule };
      assert.equal(finalDeadline(ok) - BID, 3_110n);
      assert.equal(modelFinal(ok) - BID, 3_110n);
      assert.equal(checkTaskEconomics(ok, BID, p), undefined);
      // a long rebid window puts the worst case past the bound although round 0 alone is inside it
      const late = { ...base, schedule: { ...schedule, rebidWindow: 271 } }; // 30 + 2 * 301 + 3000 = 3632
      assert.equal(finalDeadline(late) - BID, 3_632n);
      assert.deepEqual(checkTaskEconomics(late, BID, p), { code: "LIFETIME_TOO_LONG", action: "REJECT" });
      const edge = { ...base, schedule: { ...schedule, rebidWindow: 255 } }; // 30 + 2 * 285 + 3000 = 3600
      assert.equal(checkTaskEconomics(edge, BID, p), undefined);
    });

    it("checks run in SPEC order: STALE_EPOCH, then LIFETIME_TOO_LONG, then EPOCH_NOT_FINAL", () => {
      const p = DEV;
      const long = { proofWindow: 10_000 };
      // stale and too long: STALE_EPOCH
      assert.equal(checkTaskEconomics(timeline(p, { ...long, stakeEpoch: (BID - p.maxSnapshotAge - 1n) / p.epochSeconds }), BID, p)?.code, "STALE_EPOCH");
      // too long and the epoch not final yet: LIFETIME_TOO_LONG (REJECT wins over IGNORE)
      const t = timeline(p, long);
      assert.equal(checkTaskEconomics(t, epochStart(t.stakeEpoch, p) - 1n, p)?.code, "LIFETIME_TOO_LONG");
    });
  });

  describe("validateTask (SPEC §2.3)", () => {
    /** A signed task inside every bound, its epoch one second before its bid deadline (devnet epochs are 1 s). */
    const task = (over: Partial<Task> = {}): Task => devTask({ stakeEpoch: BID - 1n, ...over });

    it("TOO_FAR_AHEAD (IGNORE) past MAX_TASK_HORIZON from now; at the horizon exactly, accepted", () => {
      const t = task();
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - MAX_TASK_HORIZON - 1n }), { action: "IGNORE", code: "TOO_FAR_AHEAD" });
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - MAX_TASK_HORIZON }), { action: "ACCEPT", code: "OK" });
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - 10n * MAX_TASK_HORIZON }), { action: "IGNORE", code: "TOO_FAR_AHEAD" });
    });

    it("TOO_FAR_AHEAD is checked after DUPLICATE and LATE and before the epoch rules and the signature", () => {
      const far = BID - MAX_TASK_HORIZON - 1n;
      const t = task();
      assert.equal(validateTask(t, { domain: DOMAIN, now: far, known: true }).code, "DUPLICATE");
      // a stale epoch, a too long lifetime, an unfinished epoch or a bad signature: still only "too far ahead"
      assert.equal(validateTask(task({ stakeEpoch: 1n }), { domain: DOMAIN, now: far, params: DEV }).code, "TOO_FAR_AHEAD");
      assert.equal(validateTask(task({ proofWindow: 100_000 }), { domain: DOMAIN, now: far, params: DEV }).code, "TOO_FAR_AHEAD");
      assert.equal(validateTask(t, { domain: DOMAIN, now: far, params: DEV }).code, "TOO_FAR_AHEAD");
      assert.equal(validateTask({ ...t, nonce: t.nonce + 1n }, { domain: DOMAIN, now: far }).code, "TOO_FAR_AHEAD");
      // a late task is LATE, not TOO_FAR_AHEAD
      assert.equal(validateTask(t, { domain: DOMAIN, now: BID + MAX_CLOCK_SKEW + 1n }).code, "LATE");
    });

    it("with the deployment parameters: EPOCH_NOT_FINAL is an IGNORE and LIFETIME_TOO_LONG a REJECT, before the signature check", () => {
      const t = task();
      // received 10 s before the task's epoch starts (and 11 s before its bid deadline)
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - 11n, params: DEV }), { action: "IGNORE", code: "EPOCH_NOT_FINAL" });
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - 1n, params: DEV }), { action: "ACCEPT", code: "OK" });
      // without parameters (v0) the epoch rules do not apply
      assert.deepEqual(validateTask(t, { domain: DOMAIN, now: BID - 11n }), { action: "ACCEPT", code: "OK" });
      const long = task({ proofWindow: 2_000 }); // 30 + 3 * 2000 > 3600
      assert.deepEqual(validateTask(long, { domain: DOMAIN, now: BID - 1n, params: DEV }), { action: "REJECT", code: "LIFETIME_TOO_LONG" });
      // cheap checks first: a tampered (badly signed) task that is too long is refused for its lifetime
      assert.deepEqual(validateTask({ ...long, nonce: long.nonce + 1n }, { domain: DOMAIN, now: BID - 1n, params: DEV }), { action: "REJECT", code: "LIFETIME_TOO_LONG" });
      assert.deepEqual(validateTask({ ...t, nonce: t.nonce + 1n }, { domain: DOMAIN, now: BID - 1n, params: DEV }), { action: "REJECT", code: "BAD_SIGNATURE" });
    });
  });

  describe("properties", () => {
    const bounds = fc.record({
      epochSeconds: fc.bigInt({ min: 1n, max: 3_600n }),
      maxSnapshotAge: fc.bigInt({ min: 1n, max: 10_000n }),
      maxTaskLifetime: fc.bigInt({ min: 1n, max: 200_000n }),
    });
    const schedule: fc.Arbitrary<TaskSchedule | undefined> = fc.option(
      fc.record({
        startPrice: fc.bigInt({ min: 1n, max: E18 - 1n }),
        priceStep: fc.bigInt({ min: E18 / 64n, max: E18 }),
        rebidWindow: fc.integer({ min: 1, max: 86_400 }),
      }),
      { nil: undefined },
    );
    /** Tasks near the bounds: epoch start, lifetime and clock each land on either side of their limit often. */
    const case_ = bounds.chain((p) =>
      fc.record({
        p: fc.constant(p),
        // bid deadline relative to the epoch start: around 0 and around maxSnapshotAge
        bidOffset: fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: p.maxSnapshotAge - 3n, max: p.maxSnapshotAge + 3n }), fc.bigInt({ min: -2n * p.maxSnapshotAge, max: 2n * p.maxSnapshotAge })),
        epoch: fc.bigInt({ min: 1n, max: 10n ** 7n }),
        revealGap: fc.bigInt({ min: 1n, max: 7_200n }),
        proofWindow: fc.integer({ min: 1, max: 100_000 }),
        maxRounds: fc.integer({ min: 1, max: 8 }),
        schedule,
        // the clock relative to the epoch start: around it, or anywhere; undefined as the Escrow does
        nowOffset: fc.option(fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: -100_000n, max: 100_000n })), { nil: undefined }),
      }),
    );
    const timelineOf = (c: { p: Bounds; bidOffset: bigint; epoch: bigint; revealGap: bigint; proofWindow: number; maxRounds: number; schedule: TaskSchedule | undefined }): Timeline => {
      const bidDeadline = c.epoch * c.p.epochSeconds + c.bidOffset;
      return {
        stakeEpoch: c.epoch,
        bidDeadline,
        revealDeadline: bidDeadline + c.revealGap,
        proofWindow: c.proofWindow,
        maxRounds: c.maxRounds,
        maxReward: E18,
        ...(c.schedule !== undefined ? { schedule: c.schedule } : {}),
      };
    };

    it("checkTaskEconomics accepts exactly the tasks within the epoch and lifetime bounds, and names the first rule broken", () => {
      const seen = new Map<string, number>();
      fc.assert(
        fc.property(case_, (c) => {
          const t = timelineOf(c);
          const now = c.nowOffset === undefined ? undefined : epochStart(c.epoch, c.p) + c.nowOffset;
          const want = model(t, now, c.p);
          const got = checkTaskEconomics(t, now, c.p);
          seen.set(want ?? "OK", (seen.get(want ?? "OK") ?? 0) + 1);
          if (want === undefined) return got === undefined;
          return got !== undefined && got.code === want && got.action === ACTION[want];
        }),
        { numRuns: 2_000, seed: 0x7a5c },
      );
      // the generator reaches every outcome, so "exactly" is tested on both sides of each bound
      for (const k of ["OK", "STALE_EPOCH", "LIFETIME_TOO_LONG", "EPOCH_NOT_FINAL"]) assert.ok((seen.get(k) ?? 0) > 20, `${k}: ${seen.get(k) ?? 0} cases`);
    });

    it("the lifetime rule is monotone: a task within bounds stays within them with a shorter proof window or fewer rounds", () => {
      fc.assert(
        fc.property(case_, fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 8 }), (c, w, r) => {
          const t = timelineOf(c);
          if (checkTaskEconomics(t, undefined, c.p) !== undefined) return true;
          const shorter = { ...t, proofWindow: Math.min(w, t.proofWindow), maxRounds: Math.min(r, t.maxRounds) };
          return checkTaskEconomics(shorter, undefined, c.p) === undefined;
        }),
        { numRuns: 1_000, seed: 0x7a5d },
      );
    });

    it("validateTask: TOO_FAR_AHEAD exactly when the bid deadline is past now + MAX_TASK_HORIZON (and the task is not late)", () => {
      // one signed task; the clock moves around it (signing per case would only slow this down)
      const t = devTask({ stakeEpoch: BID - 1n });
      fc.assert(
        fc.property(fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: -3n * MAX_TASK_HORIZON, max: 2n * MAX_TASK_HORIZON })), (d) => {
          const now = BID - MAX_TASK_HORIZON + d; // d < 0: the deadline lies beyond the horizon
          const v = validateTask(t, { domain: DOMAIN, now });
          const late = now > BID + MAX_CLOCK_SKEW;
          if (late) return v.code === "LATE";
          if (BID > now + MAX_TASK_HORIZON) return v.action === "IGNORE" && v.code === "TOO_FAR_AHEAD";
          return v.action === "ACCEPT";
        }),
        { numRuns: 1_000, seed: 0x7a5e },
      );
    });

    it("validateTask with parameters reports the §9.1 rule the model names, for tasks not late nor too far ahead", () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -30n, max: 30n }), // stake epoch start relative to the bid deadline (devnet: 1 s epochs)
          fc.integer({ min: 1, max: 1_500 }), // proof window: 3 rounds x 1200 s + 30 s crosses the 3600 s bound
          fc.bigInt({ min: -40n, max: 0n }), // the clock relative to the bid deadline
          (epochOffset, proofWindow, nowOffset) => {
            const t = devTask({ stakeEpoch: BID + epochOffset, proofWindow });
            const now = BID + nowOffset;
            const want = model(t, now, DEV);
            const v = validateTask(t, { domain: DOMAIN, now, params: DEV });
            return want === undefined ? v.action === "ACCEPT" : v.code === want && v.action === ACTION[want];
          },
        ),
        { numRuns: 150, seed: 0x7a5f },
      );
    });
  });
});

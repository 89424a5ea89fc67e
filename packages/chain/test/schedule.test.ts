/**
 * Price schedule and automatic re-auction on chain (protocol/SPEC.md §10.3), against the real Escrow on anvil.
 *
 * A task's ramp `(startPrice, priceStep, rebidWindow)` has `R = 1 + ceil((maxReward - startPrice) / priceStep)`
 * auction rounds (all three 0: a fixed price, R = 1). Certificates name a global round `g = a·M + k` (M =
 * maxRounds; auction round a, proof round k); its deadline is `revealDeadline + a·P + (k + 1)·proofWindow` with
 * `P = rebidWindow + (revealDeadline - bidDeadline)`, an assignment's price is at most `reserve(a) =
 * min(maxReward, startPrice + a·priceStep)`, and the final deadline is the worst case `roundDeadline(R·M - 1)`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { TaskStatus, isChainError, zkpoolEvents, type TaskStruct } from "../src/index.js";
import {
  ETH,
  STAKES,
  attesterSharesOf,
  auctionPeriodOf,
  auctionRoundsOf,
  costOf,
  defaultArgs,
  expectRevert,
  finalDeadline,
  makeTask,
  premiumOf,
  reserveOf,
  roundDeadline,
  settleArgs,
  signTask,
  splitOf,
  taskIdOf,
  usePool,
  type PoolEnv,
} from "./helpers/pool.js";

/** maxReward 1000 wei, start 400, step 300: R = 3 auction rounds with reserves 400 / 700 / 1000. */
const RAMP = { maxReward: 1000n, startPrice: 400n, priceStep: 300n, rebidWindow: 30 } as const;

describe("chain: price schedule and re-auction (SPEC §10.3)", function () {
  this.timeout(240_000);
  const pool = usePool();
  let env: PoolEnv;
  before(() => {
    env = pool();
  });

  /** makeTask (bids close in 10 s, reveals 10 s later, M = 2 proof rounds of 100 s, penalty 2 ETH) with RAMP. */
  const rampTask = (over: Partial<TaskStruct> = {}): Promise<TaskStruct> => makeTask(env, { ...RAMP, ...over });

  it("the TS model of the ramp: R = 3, reserves 400/700/1000, P = 40, worst-case final deadline", async () => {
    const task = await rampTask();
    assert.equal(auctionRoundsOf(task), 3);
    assert.deepEqual([0, 1, 2].map((a) => reserveOf(task, a)), [400n, 700n, 1000n]);
    assert.equal(auctionPeriodOf(task), 40n);
    // g = a·2 + k: auction round 1's proof rounds end 40 s after auction round 0's
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((g) => roundDeadline(task, g) - task.revealDeadline), [100n, 200n, 140n, 240n, 180n, 280n]);
    assert.equal(finalDeadline(task), task.revealDeadline + 280n);
    assert.equal(await env.escrow.taskId(task), taskIdOf(env, task));
  });

  describe("(a) fixed price", () => {
    it("a task without a schedule (all zero) settles exactly as in v1: price, refund, split, premium", async () => {
      const task = await makeTask(env);
      assert.deepEqual([task.startPrice, task.priceStep, task.rebidWindow], [0n, 0n, 0]);
      assert.equal(auctionRoundsOf(task), 1);
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      const fund0 = await env.escrow.insuranceFund();
      const price = ETH / 2n;
      // the reserve is maxReward: a price above it is refused, maxReward itself is accepted
      await expectRevert(env.escrow.settle(settleArgs(env, task, { price: task.maxReward + 1n })), "PriceOutOfRange");
      // the round deadline is v1's, and there is no round past maxRounds
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: task.maxRounds })), "WrongRound");
      await env.chain.setNextBlockTimestamp(task.revealDeadline + 200n); // = v1 roundDeadline(1)
      const r = await env.escrow.settle(settleArgs(env, task, { round: 1, price }));
      const ev = zkpoolEvents(r);
      assert.deepEqual(ev.map((e) => e.name), ["TaskOpened", "TaskSettled", "AttestersPaid"]);
      assert.equal(ev[0]!.args["locked"], costOf(env, task));
      assert.equal(ev[1]!.args["round"], 1n);
      assert.equal(ev[1]!.args["price"], price);
      assert.equal(ev[1]!.args["refund"], task.maxReward - price);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - price - premiumOf(env, task));
      const s = splitOf(env, price, false);
      const { remainder } = attesterSharesOf(s.toAttesters, STAKES.slice(0, 3));
      assert.equal((await env.escrow.insuranceFund()) - fund0, s.toInsurance + remainder + premiumOf(env, task));
      assert.equal(await env.escrow.earnings(env.attesters[3]!.address), s.toProver);
    });

    it("fixed price: a settlement past v1's round deadline + settleGrace is late, expire at v1's final deadline", async () => {
      const task = await makeTask(env);
      await env.escrow.open(task, signTask(env, task));
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + env.params.settleGrace + 1n);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { completion: true })), "DeadlinePassed");
      const closes = task.revealDeadline + 200n + env.params.settleGrace;
      assert.equal(finalDeadline(task) + env.params.settleGrace, closes);
      await env.chain.setNextBlockTimestamp(closes);
      await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
      await env.chain.setNextBlockTimestamp(closes + 1n);
      await env.escrow.expire(task);
      assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.Failed);
    });
  });

  describe("(b) reserve per auction round", () => {
    it("an Assignment in auction round 1 (g = M) at its reserve 700 settles; the requester pays 700 + premium, to the wei", async () => {
      const task = await rampTask();
      const id = taskIdOf(env, task);
      const g = task.maxRounds; // auction round 1, proof round 0
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      const fund0 = await env.escrow.insuranceFund();
      const e = await expectRevert(env.escrow.settle(settleArgs(env, task, { round: g, price: 701n })), "PriceOutOfRange");
      assert.equal(e.type["args"], "price=701, reserve=700");
      // settles at auction round 1's deadline, after auction round 0's first proof round ended
      assert.ok(roundDeadline(task, g) > roundDeadline(task, 0));
      await env.chain.setNextBlockTimestamp(roundDeadline(task, g));
      const r = await env.escrow.settle(settleArgs(env, task, { round: g, price: 700n }));
      const ev = zkpoolEvents(r);
      assert.deepEqual(ev.map((x) => x.name), ["TaskOpened", "TaskSettled", "AttestersPaid"]);
      assert.equal(ev[0]!.args["locked"], costOf(env, task), "the lock is cost(maxReward, penalty), unchanged");
      assert.equal(ev[1]!.args["round"], BigInt(g));
      assert.equal(ev[1]!.args["price"], 700n);
      assert.equal(ev[1]!.args["refund"], 300n, "maxReward - price");
      const rec = await env.escrow.taskRecord(id);
      assert.equal(rec.status, TaskStatus.Settled);
      assert.equal(rec.round, g);
      assert.equal(rec.locked, 0n);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - 700n - premiumOf(env, task));
      const s = splitOf(env, 700n, false);
      const { remainder } = attesterSharesOf(s.toAttesters, STAKES.slice(0, 3));
      assert.equal(await env.escrow.earnings(env.attesters[3]!.address), s.toProver);
      assert.equal((await env.escrow.insuranceFund()) - fund0, s.toInsurance + remainder + premiumOf(env, task));
    });

    it("every proof round of auction round a is capped at reserve(a): 400 in a = 0, 700 in a = 1, 1000 in a = 2", async () => {
      const task = await rampTask();
      for (let g = 0; g < 6; g++) {
        const reserve = reserveOf(task, Math.floor(g / task.maxRounds));
        const snap = await env.chain.snapshot();
        const e = await expectRevert(env.escrow.settle(settleArgs(env, task, { round: g, price: reserve + 1n })), "PriceOutOfRange");
        assert.equal(e.type["args"], `price=${reserve + 1n}, reserve=${reserve}`);
        await expectRevert(env.escrow.settle(settleArgs(env, task, { round: g, price: 0n })), "PriceOutOfRange");
        const r = await env.escrow.settle(settleArgs(env, task, { round: g, price: reserve }));
        assert.equal(zkpoolEvents(r)[1]!.args["refund"], task.maxReward - reserve);
        await env.chain.revert(snap);
      }
    });
  });

  describe("(c) deadlines of global rounds", () => {
    it("settle of g = M: until roundDeadline(g) plain, within settleGrace with the Completion certificate, then DeadlinePassed", async () => {
      const task = await rampTask();
      const g = task.maxRounds;
      const deadline = roundDeadline(task, g);
      assert.equal(deadline, task.revealDeadline + 40n + 100n);
      const s1 = await env.chain.snapshot();
      await env.chain.setNextBlockTimestamp(deadline + 1n);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: g, price: 700n })), "MalformedCertificate");
      await env.chain.setNextBlockTimestamp(deadline + env.params.settleGrace);
      await env.escrow.settle(settleArgs(env, task, { round: g, price: 700n, completion: true }));
      await env.chain.revert(s1);
      await env.chain.setNextBlockTimestamp(deadline + env.params.settleGrace + 1n);
      const e = await expectRevert(env.escrow.settle(settleArgs(env, task, { round: g, price: 700n, completion: true })), "DeadlinePassed");
      assert.match(String(e.type["args"]), new RegExp(`^deadline=${deadline + env.params.settleGrace},`));
      // auction round 0's second proof round (g = 1) ends later (rd + 200) and still settles plainly at that time
      await env.escrow.settle(settleArgs(env, task, { round: 1, price: 400n }));
    });

    it("reportDefault of g before roundDeadline(g) is DeadlineNotReached; a default in k = 0 moves on, in k = M - 1 of auction round 1 fails the task", async () => {
      const task = await rampTask();
      const id = taskIdOf(env, task);
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      const p2 = env.attesters[3]!.address;
      const p3 = env.attesters[2]!.address;
      const d2 = defaultArgs(env, task, 2, p2, { price: 700n });
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 2));
      const e = await expectRevert(env.escrow.reportDefault(d2), "DeadlineNotReached");
      assert.match(String(e.type["args"]), new RegExp(`^deadline=${roundDeadline(task, 2)},`));
      // g = 2's deadline (rd + 140) is before g = 1's (rd + 200): the auction round, not g, orders the deadlines
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 2) + 1n);
      assert.ok(roundDeadline(task, 2) + 1n < roundDeadline(task, 1));
      let ev = zkpoolEvents(await env.escrow.reportDefault(d2));
      assert.deepEqual(ev.map((x) => x.name), ["TaskOpened", "Slashed", "TaskDefaulted"]);
      let rec = await env.escrow.taskRecord(id);
      assert.deepEqual({ status: rec.status, round: rec.round, defaults: rec.defaults }, { status: TaskStatus.Open, round: 3, defaults: 1 });
      // rounds before the on-chain round are over, whatever their deadline
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 1, price: 400n })), "WrongRound");
      // g = 3 (auction round 1, proof round 1 = M - 1): its default ends the task
      const d3 = defaultArgs(env, task, 3, p3, { price: 700n });
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 3));
      await expectRevert(env.escrow.reportDefault(d3), "DeadlineNotReached");
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 3) + 1n);
      ev = zkpoolEvents(await env.escrow.reportDefault(d3));
      assert.deepEqual(ev.map((x) => x.name), ["Slashed", "TaskDefaulted", "TaskFailed", "PenaltyPaid"]);
      rec = await env.escrow.taskRecord(id);
      assert.deepEqual({ status: rec.status, round: rec.round, defaults: rec.defaults }, { status: TaskStatus.Failed, round: 4, defaults: 2 });
      // refund of everything but the premium, and the penalty once (from the 4 ETH slashed)
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - premiumOf(env, task) + task.penalty);
      // auction round 2 is not reachable after the failure
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 4, price: 1000n })), "TaskClosed");
    });

    it("a default in the last proof round of auction round 0 (g = M - 1) fails the task too: no re-auction after a default", async () => {
      const task = await rampTask();
      const d1 = defaultArgs(env, task, 1, env.attesters[3]!.address, { price: 400n });
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 1) + 1n);
      const ev = zkpoolEvents(await env.escrow.reportDefault(d1));
      assert.deepEqual(ev.map((x) => x.name), ["TaskOpened", "Slashed", "TaskDefaulted", "TaskFailed", "PenaltyPaid"]);
      assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.Failed);
    });

    it("with maxRounds = 1 every auction round has one proof round: a default in any of them fails the task", async () => {
      const task = await rampTask({ maxRounds: 1 });
      assert.equal(roundDeadline(task, 2) - task.revealDeadline, 2n * 40n + 100n);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 3, price: 1000n })), "WrongRound");
      const d = defaultArgs(env, task, 2, env.attesters[3]!.address, { price: 1000n });
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 2) + 1n);
      const ev = zkpoolEvents(await env.escrow.reportDefault(d));
      assert.deepEqual(ev.map((x) => x.name), ["TaskOpened", "Slashed", "TaskDefaulted", "TaskFailed", "PenaltyPaid"]);
    });
  });

  describe("(d) the worst-case final deadline", () => {
    it("expire is refused until finalDeadline(R·M - 1) + settleGrace, then fails the open task (refund but the premium)", async () => {
      const task = await rampTask();
      const id = taskIdOf(env, task);
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      await env.escrow.open(task, signTask(env, task));
      const closes = finalDeadline(task) + env.params.settleGrace;
      assert.equal(closes, task.revealDeadline + 2n * 40n + 2n * 100n + env.params.settleGrace);
      // the fixed-price final deadline (rd + 200) is not the end of a ramp
      await env.chain.setNextBlockTimestamp(task.revealDeadline + 200n + env.params.settleGrace + 1n);
      await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
      await env.chain.setNextBlockTimestamp(closes);
      const e = await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
      assert.match(String(e.type["args"]), new RegExp(`^deadline=${closes},`));
      await env.chain.setNextBlockTimestamp(closes + 1n);
      const ev = zkpoolEvents(await env.escrow.expire(task));
      assert.deepEqual(ev.map((x) => x.name), ["TaskFailed"]);
      assert.equal(ev[0]!.args["refund"], costOf(env, task) - premiumOf(env, task));
      assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.Failed);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - premiumOf(env, task));
    });

    it("the last proof round of the last auction round settles up to the final deadline; reports close at finalDeadline + reportWindow", async () => {
      const task = await rampTask();
      const last = auctionRoundsOf(task) * task.maxRounds - 1;
      assert.equal(roundDeadline(task, last), finalDeadline(task));
      const snap = await env.chain.snapshot();
      await env.chain.setNextBlockTimestamp(finalDeadline(task));
      await env.escrow.settle(settleArgs(env, task, { round: last, price: 1000n }));
      await env.chain.revert(snap);
      await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.reportWindow + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, last, env.attesters[3]!.address, { price: 1000n })), "ReportWindowClosed");
    });

    it("the lifetime rule (maxTaskLifetime) takes the worst case: a ramp whose fixed twin fits is LifetimeTooLong", async () => {
      // R = 16 (start 1, step 67 of 1000), P = 250 + 10: finalDeadline - bidDeadline = 10 + 15·260 + 200 > 3600
      const long = await makeTask(env, { maxReward: 1000n, startPrice: 1n, priceStep: 67n, rebidWindow: 250 });
      assert.equal(auctionRoundsOf(long), 16);
      assert.ok(finalDeadline(long) - long.bidDeadline > env.params.maxTaskLifetime);
      const e = await expectRevert(env.escrow.open(long, signTask(env, long)), "LifetimeTooLong");
      assert.match(String(e.type["args"]), new RegExp(`^lifetime=${finalDeadline(long) - long.bidDeadline},`));
      const twin = { ...long, startPrice: 0n, priceStep: 0n, rebidWindow: 0 };
      await env.escrow.open(twin, signTask(env, twin));
      // 16 rounds with a short rebid window fit
      const fits = { ...long, rebidWindow: 30 };
      assert.ok(finalDeadline(fits) - fits.bidDeadline <= env.params.maxTaskLifetime);
      await env.escrow.open(fits, signTask(env, fits));
    });
  });

  describe("(e) BadSchedule", () => {
    const bad: [string, Partial<TaskStruct>][] = [
      ["startPrice = maxReward", { startPrice: 1000n }],
      ["startPrice > maxReward", { startPrice: 1001n }],
      ["priceStep = 0", { priceStep: 0n }],
      ["rebidWindow = 0", { rebidWindow: 0 }],
      ["rebidWindow = 86401", { rebidWindow: 86_401 }],
      ["R = 17 > 16 (start 1, step 66)", { startPrice: 1n, priceStep: 66n }],
      ["R = 1000 (start 1, step 1)", { startPrice: 1n, priceStep: 1n }],
      ["startPrice = 0 with a step", { startPrice: 0n, priceStep: 300n, rebidWindow: 0 }],
      ["startPrice = 0 with a window", { startPrice: 0n, priceStep: 0n, rebidWindow: 30 }],
      ["startPrice = 0 with step and window", { startPrice: 0n }],
    ];
    for (const [name, over] of bad) {
      it(`refuses ${name} (open, settle, reportDefault; expire too)`, async () => {
        const task = await rampTask(over);
        await expectRevert(env.escrow.open(task, signTask(env, task)), "BadSchedule");
        await expectRevert(env.escrow.settle(settleArgs(env, task, { price: 1n })), "BadSchedule");
        await env.chain.setNextBlockTimestamp(task.revealDeadline + 101n);
        await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address, { price: 1n })), "BadSchedule");
        // a task that can never open has no final deadline to expire at
        await expectRevert(env.escrow.expire(task), "BadSchedule");
        assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.None);
      });
    }

    it("accepts the edges: R = 16 (step 67), rebidWindow 1, a step beyond the range (R = 2), startPrice = maxReward - 1", async () => {
      for (const over of [{ startPrice: 1n, priceStep: 67n }, { rebidWindow: 1 }, { priceStep: 2n ** 256n - 1n },
        { startPrice: 999n, priceStep: 1n }] as Partial<TaskStruct>[]) {
        const task = await rampTask(over);
        await env.escrow.open(task, signTask(env, task));
        assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.Open);
      }
      // rebidWindow 86400 is a valid schedule; with devnet's maxTaskLifetime (3600 s) it is too long a task
      const day = await rampTask({ rebidWindow: 86_400 });
      await expectRevert(env.escrow.open(day, signTask(env, day)), "LifetimeTooLong");
    });

    it("settles the top reserve of a ramp whose step overshoots (start 999, step 2^256 - 1: R = 2, reserves 999 / 1000)", async () => {
      const task = await rampTask({ startPrice: 999n, priceStep: 2n ** 256n - 1n });
      assert.equal(auctionRoundsOf(task), 2);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 0, price: 1000n })), "PriceOutOfRange");
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 4, price: 1000n })), "WrongRound");
      await env.escrow.settle(settleArgs(env, task, { round: 2, price: 1000n }));
    });

    it("refuses a ramp whose worst-case deadlines overflow uint64 (InvalidTask) where its fixed twin fits", async () => {
      const top = 2n ** 64n;
      const over = { bidDeadline: top - 400n, revealDeadline: top - 390n, rebidWindow: 86_400 };
      const ramp = await rampTask(over);
      await expectRevert(env.escrow.open(ramp, signTask(env, ramp)), "InvalidTask");
      // revealDeadline + M·proofWindow fits: the twin passes the static checks and stops at the epoch rule
      const twin = { ...ramp, startPrice: 0n, priceStep: 0n, rebidWindow: 0 };
      await expectRevert(env.escrow.open(twin, signTask(env, twin)), "StaleEpoch");
    });
  });

  describe("(f) rounds", () => {
    it("g >= R·M is WrongRound (settle and reportDefault); g = R·M - 1 at maxReward settles", async () => {
      const task = await rampTask();
      const n = auctionRoundsOf(task) * task.maxRounds;
      assert.equal(n, 6);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: n, price: 1000n })), "WrongRound");
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 2 ** 32 - 1, price: 1000n })), "WrongRound");
      await env.chain.setNextBlockTimestamp(finalDeadline(task) + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, n, env.attesters[3]!.address, { price: 1000n })), "WrongRound");
      // the last round settles until the final deadline + settleGrace, with its Completion certificate after the deadline
      await env.escrow.settle(settleArgs(env, task, { round: n - 1, price: 1000n, completion: true }));
      const rec = await env.escrow.taskRecord(taskIdOf(env, task));
      assert.deepEqual({ status: rec.status, round: rec.round }, { status: TaskStatus.Settled, round: n - 1 });
    });
  });

  describe("property: the contract agrees with the TS model of §10.3", () => {
    /** What the escrow must answer for `settle(g, price)` on a fresh task, now (before any deadline). */
    function expected(task: TaskStruct, g: number, price: bigint): string {
      const step = task.priceStep;
      if (task.startPrice === 0n) {
        if (step !== 0n || task.rebidWindow !== 0) return "BadSchedule";
      } else if (task.startPrice >= task.maxReward || step === 0n || task.rebidWindow < 1 || task.rebidWindow > 86_400) {
        return "BadSchedule";
      }
      const r = auctionRoundsOf(task);
      if (r > 16) return "BadSchedule";
      if (finalDeadline(task) - task.bidDeadline > env.params.maxTaskLifetime) return "LifetimeTooLong";
      if (g >= r * task.maxRounds) return "WrongRound";
      if (price === 0n || price > reserveOf(task, Math.floor(g / task.maxRounds))) return "PriceOutOfRange";
      return "ok";
    }

    it("settle: BadSchedule / LifetimeTooLong / WrongRound / PriceOutOfRange / payment exactly as modelled", async () => {
      const runs = Number(process.env["ZKPOOL_SCHEDULE_RUNS"] ?? 40);
      const schedule = fc.oneof(
        // valid-looking ramps
        fc.record({
          maxReward: fc.bigInt({ min: 2n, max: 10_000n }),
          startFrac: fc.integer({ min: 1, max: 999 }),
          steps: fc.integer({ min: 1, max: 20 }),
          rebidWindow: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(0, 86_400, 86_401)),
          fixed: fc.constant(false),
        }),
        fc.record({
          maxReward: fc.bigInt({ min: 1n, max: 10_000n }),
          startFrac: fc.constant(0),
          steps: fc.constant(0),
          rebidWindow: fc.constant(0),
          fixed: fc.constant(true),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          schedule,
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.integer({ min: 0, max: 1001 }),
          fc.constantFrom("reserve", "above", "zero", "any"),
          async (s, maxRounds, gRaw, priceFrac, pick) => {
            const startPrice = s.fixed ? 0n : (s.maxReward * BigInt(s.startFrac)) / 1000n;
            const d = s.maxReward - startPrice;
            const priceStep = s.fixed ? 0n : d / BigInt(s.steps) + (s.steps % 3 === 0 ? 1n : 0n);
            const task = await makeTask(env, { maxReward: s.maxReward, startPrice, priceStep, rebidWindow: s.rebidWindow, maxRounds, proofWindow: 60 });
            // g mostly inside [0, R·M], sometimes just past it; the price at, above, or anywhere around g's reserve
            const ramp = startPrice > 0n && priceStep > 0n && startPrice < s.maxReward;
            const rounds = Math.min(ramp ? auctionRoundsOf(task) : 1, 20) * maxRounds;
            const g = gRaw % 8 === 0 ? rounds + (gRaw % 3) : gRaw % rounds;
            const reserve = ramp ? reserveOf(task, Math.floor(g / maxRounds)) : s.maxReward;
            const price = pick === "reserve" ? reserve : pick === "above" ? reserve + 1n : pick === "zero" ? 0n : (s.maxReward * BigInt(priceFrac)) / 1000n;
            const want = expected(task, g, price);
            const snap = await env.chain.snapshot();
            try {
              const bal0 = await env.escrow.balanceOf(env.requester.address);
              let got = "ok";
              let refund: unknown;
              try {
                const r = await env.escrow.settle(settleArgs(env, task, { round: g, price }));
                refund = zkpoolEvents(r).find((e) => e.name === "TaskSettled")?.args["refund"];
              } catch (err) {
                if (!isChainError(err)) throw err;
                got = String((err as { type: Record<string, unknown> }).type["reason"]);
              }
              assert.equal(got, want, JSON.stringify({ task, g, price }, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
              if (want === "ok") {
                assert.equal(refund, task.maxReward - price);
                assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - price - premiumOf(env, task));
              } else {
                assert.equal(await env.escrow.balanceOf(env.requester.address), bal0, "a refused settlement locks nothing");
              }
            } finally {
              await env.chain.revert(snap);
            }
          },
        ),
        { numRuns: runs },
      );
    });
  });
});

/**
 * Price schedules in the SDK (SPEC §10.3): `submitTask({ schedule })`'s checks (typed SDK_BAD_SCHEDULE errors, run
 * before anything is read or published), the schedule a quote suggests, and what a task handle reports across
 * auction rounds (bids per round, `reauction`, assignments with their round's reserve). No chain, no pool.
 *
 * TEST DOUBLES: `unpublishable`, a stand-in for the client's state that submitTask would touch after its checks
 * (it records a publish and fails on any read); the handle tests give TaskHandle no client (their paths never use one).
 */
import assert from "node:assert/strict";
import { Wallet } from "ethers";
import {
  MAX_CLOCK_SKEW,
  auctionDeadlines,
  decodeTask,
  encodeTask,
  isZkPoolError,
  reservePrice,
  signTask,
  taskAuctionRounds,
  totalRounds,
  type Hex,
  type ProtocolDomain,
  type Task,
  type TaskSchedule,
} from "@zkpool/protocol";
import type { AcceptedMessage } from "@zkpool/node";
import {
  SdkErrorCode,
  TaskHandle,
  MIN_REBID_WINDOW,
  ZkPoolClient,
  checkScheduleLifetime,
  minPriceStep,
  suggestSchedule,
  taskScheduleOf,
  type SdkError,
  type TaskEvents,
} from "../src/index.js";

const MAX = 1_000_000n;
const domain: ProtocolDomain = { chainId: 31337n, escrow: `0x${"ee".repeat(20)}` };
const signer = new Wallet(`0x${"11".repeat(32)}`);

function badSchedule(f: () => unknown, field: string, message: RegExp): SdkError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  assert.ok(isZkPoolError(err, SdkErrorCode.BAD_SCHEDULE), `expected SDK_BAD_SCHEDULE, got ${String(err)}`);
  const e = err as SdkError;
  assert.equal(e.type.field, field);
  assert.match(e.message, message);
  assert.match(e.message, /nothing was published/);
  return e;
}

/** A signed task of `maxReward` MAX with `schedule` (deadlines from `bidDeadline`). */
function task(schedule: TaskSchedule | undefined, bidDeadline = 1_000n, maxReward = MAX): Task {
  return signTask({
    requester: signer.address.toLowerCase() as Hex, proofSystem: 1, wasmSha256: `0x${"01".repeat(32)}`, zkeySha256: `0x${"02".repeat(32)}`,
    vkeySha256: `0x${"03".repeat(32)}`, inputHash: `0x${"04".repeat(32)}`, inputSize: 10n, publicSignalsHash: `0x${"05".repeat(32)}`,
    maxReward, penalty: 0n, bidDeadline, revealDeadline: bidDeadline + 8n, proofWindow: 30, maxRounds: 2, stakeEpoch: 1n, nonce: 7n,
    ...(schedule !== undefined ? { schedule } : {}),
  }, signer, domain);
}

/** Whether the protocol's codec takes the schedule in a signed task (what every node checks on receipt). */
function codecAccepts(schedule: TaskSchedule, maxReward = MAX): boolean {
  try {
    return decodeTask(encodeTask(task(schedule, 1_000n, maxReward))).schedule !== undefined;
  } catch {
    return false;
  }
}

describe("sdk: price schedules (SPEC §10.3)", () => {
  describe("taskScheduleOf: submitTask's schedule checks", () => {
    it("takes a valid schedule; rebidWindow defaults to the bid window (8 s without one)", () => {
      assert.equal(taskScheduleOf({ maxReward: MAX }), undefined, "no schedule: a fixed price at maxReward");
      assert.deepEqual(taskScheduleOf({ maxReward: MAX, schedule: { startPrice: 1n, priceStep: MAX } }), { startPrice: 1n, priceStep: MAX, rebidWindow: 8 });
      assert.deepEqual(taskScheduleOf({ maxReward: MAX, bidWindow: 5, schedule: { startPrice: 400_000n, priceStep: 200_000n } }),
        { startPrice: 400_000n, priceStep: 200_000n, rebidWindow: 5 });
      assert.deepEqual(taskScheduleOf({ maxReward: MAX, bidWindow: 5, schedule: { startPrice: 400_000n, priceStep: 200_000n, rebidWindow: 86_400 } }),
        { startPrice: 400_000n, priceStep: 200_000n, rebidWindow: 86_400 });
      assert.equal(taskScheduleOf({ maxReward: MAX, bidWindow: 200_000, schedule: { startPrice: 1n, priceStep: MAX } })!.rebidWindow, 86_400, "a long bid window is capped");
      assert.equal(taskScheduleOf({ maxReward: MAX, bidWindow: 2, schedule: { startPrice: 1n, priceStep: MAX } })!.rebidWindow, 5, "a short bid window: the least rebid window provers can bid in");
      // exactly 16 auction rounds: 1 + ceil(15 / 1)
      assert.deepEqual(taskScheduleOf({ maxReward: 16n, schedule: { startPrice: 1n, priceStep: 1n } }), { startPrice: 1n, priceStep: 1n, rebidWindow: 8 });
    });

    it("a bad startPrice, priceStep or rebidWindow is SDK_BAD_SCHEDULE naming the field and the valid range", () => {
      for (const startPrice of [0n, -1n, MAX, MAX + 1n, 5 as unknown as bigint]) {
        badSchedule(() => taskScheduleOf({ maxReward: MAX, schedule: { startPrice, priceStep: 1000n } }), "startPrice", /0 < startPrice < maxReward = 1000000/);
      }
      for (const priceStep of [0n, -5n, 1 as unknown as bigint]) {
        badSchedule(() => taskScheduleOf({ maxReward: MAX, schedule: { startPrice: 1n, priceStep } }), "priceStep", /must be a positive bigint/);
      }
      // 17 rounds: 1 + ceil(16 / 1); the message gives the least step that fits
      const e = badSchedule(() => taskScheduleOf({ maxReward: 17n, schedule: { startPrice: 1n, priceStep: 1n } }), "priceStep", /makes 17 auction rounds, at most 16/);
      assert.match(e.message, /at least 2 wei/);
      badSchedule(() => taskScheduleOf({ maxReward: MAX, schedule: { startPrice: 1n, priceStep: 1n } }), "priceStep", new RegExp(`at least ${minPriceStep(1n, MAX)} wei`));
      for (const rebidWindow of [0, -1, 1, 4, 86_401, 1.5, Number.NaN, "8" as unknown as number]) {
        badSchedule(() => taskScheduleOf({ maxReward: MAX, schedule: { startPrice: 1n, priceStep: MAX, rebidWindow } }), "rebidWindow", /5\.\.86400 .*MAX_CLOCK_SKEW/);
      }
      assert.equal(MIN_REBID_WINDOW, 5, "2 * MAX_CLOCK_SKEW + 1");
      assert.equal(taskScheduleOf({ maxReward: MAX, schedule: { startPrice: 1n, priceStep: MAX, rebidWindow: 5 } })!.rebidWindow, 5);
      badSchedule(() => taskScheduleOf({ maxReward: 1n, schedule: { startPrice: 1n, priceStep: 1n } }), "maxReward", /at least 2 wei/);
      assert.ok(isZkPoolError((() => {
        try {
          return taskScheduleOf({ maxReward: MAX, schedule: null as unknown as TaskSchedule });
        } catch (err) {
          return err;
        }
      })(), SdkErrorCode.BAD_SCHEDULE));
    });

    it("agrees with the protocol's codec: what the SDK takes every node takes, what it refuses nodes would reject", () => {
      const cases: Array<[bigint, bigint, bigint]> = [];
      for (const max of [2n, 16n, 17n, 100n, MAX]) {
        for (const start of [0n, 1n, max / 2n, max - 1n, max]) {
          for (const step of [0n, 1n, 2n, minPriceStep(start, max), minPriceStep(start, max) - 1n, max]) cases.push([max, start, step]);
        }
      }
      for (const [max, startPrice, priceStep] of cases) {
        let sdk: TaskSchedule | undefined;
        try {
          sdk = taskScheduleOf({ maxReward: max, schedule: { startPrice, priceStep, rebidWindow: 5 } });
        } catch (err) {
          assert.ok(isZkPoolError(err, SdkErrorCode.BAD_SCHEDULE), String(err));
        }
        assert.equal(sdk !== undefined, codecAccepts({ startPrice, priceStep, rebidWindow: 5 }, max), `max ${max} start ${startPrice} step ${priceStep}`);
        if (sdk !== undefined) assert.ok(taskAuctionRounds({ maxReward: max, schedule: sdk }) <= 16);
      }
    });

    it("a schedule whose worst case outlasts the pool's maxTaskLifetime is refused (SPEC §9.1)", () => {
      const w = { revealWindow: 8, proofWindow: 30, maxRounds: 2 };
      const s: TaskSchedule = { startPrice: 1n, priceStep: 1n, rebidWindow: 100 };
      // 16 auction rounds: 8 + 15 * (100 + 8) + 2 * 30 = 1688 s
      checkScheduleLifetime(w, 16n, s, 1688n);
      checkScheduleLifetime(w, 16n, undefined, 10n);
      const e = (() => {
        try {
          checkScheduleLifetime(w, 16n, s, 1687n);
        } catch (err) {
          return err as SdkError;
        }
        return undefined;
      })();
      assert.ok(e !== undefined && isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE));
      assert.match(e.message, /16 auction rounds the task can last 1688 s .* maxTaskLifetime of 1687 s/);
      // windows that are too long without any schedule are not the schedule's fault: not refused here
      checkScheduleLifetime(w, 16n, s, 50n);
    });

    it("submitTask checks the schedule before it reads the circuit, the balance or publishes anything", async () => {
      const published: unknown[] = [];
      const unpublishable = {
        params: { maxTaskLifetime: 3600n },
        readCircuit: () => Promise.reject(new Error("read the circuit")),
        balance: () => Promise.reject(new Error("read the balance")),
        node: { gossip: { publish: (...a: unknown[]) => published.push(a), subscribers: () => [] } },
      };
      const submit = (schedule: unknown): Promise<unknown> =>
        ZkPoolClient.prototype.submitTask.call(unpublishable as unknown as ZkPoolClient, { circuit: "range-check-32", input: {}, maxReward: MAX, schedule } as never);
      await assert.rejects(submit({ startPrice: MAX, priceStep: 1n }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE) && (e as SdkError).type.field === "startPrice");
      await assert.rejects(submit({ startPrice: 1n, priceStep: 10n }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE) && (e as SdkError).type.field === "priceStep");
      await assert.rejects(submit({ startPrice: 1n, priceStep: MAX, rebidWindow: 0 }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE) && (e as SdkError).type.field === "rebidWindow");
      await assert.rejects(submit({ startPrice: 1n, priceStep: 66_667n, rebidWindow: 3000 }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE) && /maxTaskLifetime of 3600 s/.test((e as Error).message));
      // a good schedule gets past the checks (to reading the circuit, which the double refuses)
      await assert.rejects(submit({ startPrice: 1n, priceStep: MAX }), /read the circuit/);
      assert.deepEqual(published, []);
    });
  });

  it("suggestSchedule: from the lowest ask to the maximum in at most 4 auction rounds", () => {
    assert.deepEqual(suggestSchedule(100n, 400n), { startPrice: 100n, priceStep: 100n });
    assert.deepEqual(suggestSchedule(100n, 401n), { startPrice: 100n, priceStep: 101n }, "ceil(301 / 3)");
    assert.deepEqual(suggestSchedule(399n, 400n), { startPrice: 399n, priceStep: 1n });
    assert.equal(suggestSchedule(400n, 400n), undefined, "the lowest ask is the maximum: nothing to ramp");
    assert.equal(suggestSchedule(500n, 400n), undefined);
    assert.equal(suggestSchedule(undefined, 400n), undefined);
    assert.equal(suggestSchedule(100n, undefined), undefined);
    for (const [ask, max] of [[1n, 2n], [1n, 10n ** 18n], [7n, 11n], [123n, 10_000n]] as const) {
      const s = suggestSchedule(ask, max)!;
      const rounds = taskAuctionRounds({ maxReward: max, schedule: { ...s, rebidWindow: 1 } });
      assert.ok(rounds >= 2 && rounds <= 4, `${ask}..${max}: ${rounds} rounds`);
      assert.ok(codecAccepts({ ...s, rebidWindow: 8 }, max), "a valid task schedule");
    }
  });

  describe("a task handle across auction rounds", () => {
    const schedule: TaskSchedule = { startPrice: 100_000n, priceStep: 300_000n, rebidWindow: 5 };
    const msg = (topic: string, message: unknown): AcceptedMessage => ({ topic, message, ctx: { data: new Uint8Array(0), msgId: "", from: "test", source: "gossip" } } as AcceptedMessage);
    const prover: Hex = `0x${"ab".repeat(20)}`;
    /** Deadlines a minute ahead: what the handle does on its own (bids and certificates arriving) runs at the real time. */
    const soon = (): bigint => BigInt(Math.floor(Date.now() / 1000)) + 60n;

    function follow(t: Task): { h: TaskHandle; events: Array<[string, unknown]> } {
      const h = new TaskHandle(`0x${"cd".repeat(32)}`, t, {}, undefined as unknown as ZkPoolClient);
      const events: Array<[string, unknown]> = [];
      for (const name of ["bids", "assigned", "reassigned", "proving", "reauction"] as const) {
        h.on(name, (e: TaskEvents[typeof name][0]) => events.push([name, e]));
      }
      return { h, events };
    }
    const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
    /** A validated bid as the embedded node hands it on: `{ kind, commit }` or `{ kind, reveal }` (auction round absent = 0). */
    const bid = (h: TaskHandle, auctionRound: number | undefined, revealed: boolean): void => {
      const body = { taskId: h.taskId, prover, ...(auctionRound !== undefined ? { auctionRound } : {}) };
      h.onMessage(msg("bids", revealed ? { kind: "reveal", reveal: { ...body, price: 1n } } : { kind: "commit", commit: { ...body, commitment: "0x01" } }));
    };
    const assignment = (h: TaskHandle, round: number, price: bigint): void =>
      h.onMessage(msg("certificates", { kind: "assignment", taskId: h.taskId, round, prover, price }));

    it("no bid in auction round 0: one reauction after its reveal deadline + skew, with round 1's reserve and windows", async () => {
      const t = task(schedule, soon());
      assert.equal(taskAuctionRounds(t), 4);
      const { h, events } = follow(t);
      const close0 = auctionDeadlines(t, 0).revealDeadline + MAX_CLOCK_SKEW;
      h.checkReauction(close0);
      assert.deepEqual(events, [], "not before revealDeadline + MAX_CLOCK_SKEW + 1");
      h.checkReauction(close0 + 1n);
      h.checkReauction(close0 + 2n);
      const w1 = auctionDeadlines(t, 1);
      assert.deepEqual(events, [["reauction", { auctionRound: 1, reserve: 400_000n, bidDeadline: w1.bidDeadline, revealDeadline: w1.revealDeadline }]], "once per step");
      assert.equal(w1.bidDeadline, t.revealDeadline + 5n, "round 1 takes commits for rebidWindow seconds");

      // round 1 gets bids (counted for round 1) and an assignment: no more re-auctions, the event carries round 1's reserve
      bid(h, 1, false);
      bid(h, 1, false);
      bid(h, 1, true);
      await flush();
      assert.deepEqual(events.slice(1).map((e) => e[1]), [
        { commits: 1, reveals: 0, auctionRound: 1 }, { commits: 2, reveals: 0, auctionRound: 1 }, { commits: 2, reveals: 1, auctionRound: 1 }]);
      const g = 1 * t.maxRounds; // proof round 0 of auction round 1
      assignment(h, g, 350_000n);
      await flush();
      assert.deepEqual(events.at(-2), ["assigned", { round: g, prover, price: 350_000n, auctionRound: 1, reserve: 400_000n }]);
      assert.equal(events.at(-1)![0], "proving");
      h.checkReauction(auctionDeadlines(t, 3).revealDeadline + 100n);
      assert.equal(events.filter((e) => e[0] === "reauction").length, 1);
      // a later assignment (after a default) is a reassignment, in the same auction round
      assignment(h, g + 1, 350_000n);
      await flush();
      assert.deepEqual(events.at(-2), ["reassigned", { round: g + 1, prover, price: 350_000n, auctionRound: 1, reserve: 400_000n }]);
    });

    it("a round with a reveal or an assignment is not re-auctioned; nothing without a schedule; every step once when the clock jumps", async () => {
      const late = auctionDeadlines(task(schedule, soon()), 3).revealDeadline + 100n;
      // a reveal in round 0: it goes on to proving
      let f = follow(task(schedule, soon()));
      bid(f.h, undefined, false);
      bid(f.h, undefined, true);
      await flush();
      f.h.checkReauction(late);
      assert.deepEqual(f.events, [["bids", { commits: 1, reveals: 0, auctionRound: 0 }], ["bids", { commits: 1, reveals: 1, auctionRound: 0 }]]);
      // an assignment in round 0 (its reveals lost in gossip): no re-auction either
      f = follow(task(schedule, soon()));
      assignment(f.h, 0, 90_000n);
      await flush();
      f.h.checkReauction(late);
      assert.deepEqual(f.events[0], ["assigned", { round: 0, prover, price: 90_000n, auctionRound: 0, reserve: 100_000n }]);
      assert.equal(f.events.filter((e) => e[0] === "reauction").length, 0);
      // no schedule: a single auction round at maxReward
      const fixed = task(undefined, soon());
      assert.equal(totalRounds(fixed), fixed.maxRounds);
      f = follow(fixed);
      f.h.checkReauction(late);
      assignment(f.h, 0, MAX);
      await flush();
      assert.deepEqual(f.events[0], ["assigned", { round: 0, prover, price: MAX, auctionRound: 0, reserve: MAX }]);
      // nobody bids at all: each of the R - 1 steps once, in order, at the last reserve maxReward
      const t = task(schedule, soon());
      f = follow(t);
      f.h.checkReauction(late);
      f.h.checkReauction(late);
      assert.deepEqual(f.events.map((e) => [e[0], (e[1] as { auctionRound: number }).auctionRound, (e[1] as { reserve: bigint }).reserve]),
        [["reauction", 1, 400_000n], ["reauction", 2, 700_000n], ["reauction", 3, MAX]]);
      assert.equal(reservePrice(t, 3), MAX);
    });

    it("an assignment of a later auction round (gossip lost the earlier rounds) reports the re-auctions first", async () => {
      const t = task(schedule, soon());
      const { h, events } = follow(t);
      h.checkReauction(t.bidDeadline);
      assignment(h, 2 * t.maxRounds, 600_000n);
      await flush();
      h.checkReauction(t.bidDeadline);
      assert.deepEqual(events.map((e) => [e[0], (e[1] as { auctionRound?: number }).auctionRound]),
        [["reauction", 1], ["reauction", 2], ["assigned", 2], ["proving", undefined]]);
      assert.deepEqual(events[2]![1], { round: 4, prover, price: 600_000n, auctionRound: 2, reserve: 700_000n });
    });
  });
});

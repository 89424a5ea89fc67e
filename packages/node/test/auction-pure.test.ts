import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, hexlify } from "ethers";
import { assembleCertificate, attesterSet, decodeTask, taskId, randomSalt, signVote, verifyCertificate, type BidReveal, type Hex, type Task } from "@zkpool/protocol";
import { NodeDb } from "../src/index.js";
import {
  applyOutcome,
  assigneeFor,
  AuctionStore,
  createAuctionService,
  certificateFromValidatedVotes,
  CostPlusPricing,
  DEFAULT_COST_PER_SECOND_WEI,
  drawOrder,
  emptyRating,
  nextWake,
  SAFETY_POLL_MS,
  wakePoints,
  FixedSharePricing,
  StaticBalanceSource,
  successPerMille,
} from "../src/auction/index.js";
import { DOMAIN, makeNode, stopAll, taskBytes } from "./utils.js";

const TASK_ID = ("0x" + "11".repeat(32)) as Hex;
const task = { maxReward: 1000n, penalty: 0n } as Task;
const addr = (i: number): Hex => ("0x" + String(i).padStart(2, "0").repeat(20)) as Hex;

describe("auction: pure rules, pricing, ratings and persisted state", function () {
  it("assignee of a round is the first drawn prover without a certified default", function () {
    const stakes = new Map([
      [addr(1), 10n],
      [addr(2), 10n],
      [addr(3), 10n],
    ]);
    const reveals: BidReveal[] = [1, 2, 3, 4].map((i) => ({ taskId: TASK_ID, prover: addr(i), peerId: "0x", price: 100n + 2n * BigInt(i), salt: randomSalt(), signature: "0x" }));
    const order = drawOrder(TASK_ID, task, reveals, stakes);
    assert.equal(order.length, 3); // prover 4 has no stake; 102..106 are all within 5 % of the lowest
    for (const p of order) assert.ok(p.bid <= p.price && p.price <= task.maxReward, "each member is paid at least its bid, at most the reserve");
    // outside the band (more than 5 % above the lowest) a bid is never drawn
    const wide = drawOrder(TASK_ID, task, reveals.map((r, i) => ({ ...r, price: 100n * BigInt(i + 1) })), stakes);
    assert.deepEqual(wide.map((p) => p.prover), [addr(1)]);
    // alone in the band, the lowest bid is paid its threshold (SPEC §10.2): 100 + 90 (it stays alone up to 190)
    // + 10 (shared by stake with the 200 bid from 191 to 210) = 200, the second-lowest bid
    assert.equal(wide[0]!.price, 200n);
    assert.deepEqual(drawOrder(TASK_ID, task, [...reveals].reverse(), stakes), order); // order of arrival is irrelevant
    assert.equal(assigneeFor(order, new Set())?.prover, order[0]!.prover);
    assert.equal(assigneeFor(order, new Set([order[0]!.prover]))?.prover, order[1]!.prover);
    assert.equal(assigneeFor(order, new Set(order.map((p) => p.prover))), undefined);
  });

  it("a task wakes at its deadline edges or after the safety poll, never later (no per-task polling)", function () {
    const t = { bidDeadline: 1000n, revealDeadline: 1010n, proofWindow: 30, maxRounds: 2 } as Task;
    const points = wakePoints(t);
    assert.deepEqual(points, [...points].sort((a, b) => a - b), "ascending");
    assert.equal(new Set(points).size, points.length, "distinct");
    // the edges the rules compare: bid deadline - skew .. final deadline + skew + 1 (s), in ms
    assert.ok(points.includes(1000_000) && points.includes(1010_000) && points.includes(1041_000) && points.includes(1071_000));
    assert.equal(nextWake(points, 1000_000), 1001_000, "the next edge after now");
    assert.equal(nextWake(points, 900_000), 900_000 + SAFETY_POLL_MS, "far from any edge: the safety poll");
    assert.equal(nextWake(points, 2_000_000), 2_000_000 + SAFETY_POLL_MS, "past every deadline: the safety poll");
    for (let now = 990_000; now < 1_080_000; now += 250) {
      const w = nextWake(points, now);
      assert.ok(w > now && w <= now + SAFETY_POLL_MS);
      assert.ok(!points.some((p) => p > now && p < w), "no edge is skipped");
    }
  });

  it("a certificate built from validated votes equals the protocol's assembly and verifies", function () {
    const wallets = [1, 2, 3].map((i) => new Wallet(hexlify(new Uint8Array(32).fill(i + 40))));
    const set = attesterSet(wallets.map((w) => [w.address.toLowerCase(), 10n] as const));
    const body = { kind: "default" as const, taskId: TASK_ID, round: 1, prover: addr(1) };
    const votes = wallets.map((w) => signVote({ ...body, attester: w.address.toLowerCase() as Hex }, w, DOMAIN));
    assert.equal(certificateFromValidatedVotes(body, votes.slice(0, 1), set), undefined); // 1/3 < 2/3
    const cert = certificateFromValidatedVotes(body, [...votes].reverse(), set)!;
    assert.deepEqual(cert, assembleCertificate(body, votes, set, DOMAIN));
    verifyCertificate(cert, set, DOMAIN, { kind: "default", round: 1, prover: addr(1) });
  });

  it("cost-plus pricing: floor, margin, load premium, and no bid above maxReward", function () {
    const p = new CostPlusPricing({ floorWei: 50n, costPerSecondWei: 100n, minProvingMs: 0, marginPercent: 20, loadPremiumPercent: 10, penaltyRiskBps: 0 });
    assert.equal(p.price({ task, estimatedMs: 100, load: 0, slots: 1 }), 50n); // cost 10 -> 12 < floor
    assert.equal(p.price({ task, estimatedMs: 5000, load: 0, slots: 1 }), 600n); // 500 * 1.2
    assert.equal(p.price({ task, estimatedMs: 5000, load: 2, slots: 1 }), 700n); // + 2 * 10 %
    assert.equal(p.price({ task, estimatedMs: 10_000, load: 0, slots: 1 }), undefined); // 1200 > maxReward
    assert.equal(new FixedSharePricing(50).price({ task, estimatedMs: 1, load: 0, slots: 1 }), 500n);
    assert.throws(() => new CostPlusPricing({ floorWei: 0n }), RangeError);
  });

  it("cost-plus pricing by default never bids 1 wei; it prices the measured time, the penalty at risk and the load", function () {
    const big = { ...task, maxReward: 10n ** 18n, penalty: 10n ** 17n };
    const d = new CostPlusPricing();
    const fast = d.price({ task: big, estimatedMs: 1, load: 0, slots: 1 })!;
    // 1 s charged at least: 1e10 wei * 1.2, plus 1 % of the 0.1 ETH penalty
    assert.equal(fast, (DEFAULT_COST_PER_SECOND_WEI * 120n) / 100n + 10n ** 15n);
    assert.ok(fast > 1n);
    const slow = d.price({ task: big, estimatedMs: 30_000, load: 0, slots: 1 })!;
    assert.equal(slow, (DEFAULT_COST_PER_SECOND_WEI * 30n * 120n) / 100n + 10n ** 15n);
    assert.ok(d.price({ task: big, estimatedMs: 30_000, load: 4, slots: 2 })! > slow, "load premium");
    const riskier = new CostPlusPricing({ penaltyRiskBps: 500 }).price({ task: big, estimatedMs: 1, load: 0, slots: 1 })!;
    assert.equal(riskier - fast, 4n * 10n ** 15n);
    assert.throws(() => new CostPlusPricing({ penaltyRiskBps: 10_001 }), RangeError);
    assert.throws(() => new CostPlusPricing({ costPerSecondWei: -1n }), RangeError);
  });

  it("ratings count certified outcomes; balances come from the balance source", async function () {
    let r = emptyRating(addr(1));
    for (const o of ["assigned", "completed", "assigned", "defaulted", "nonReveal"] as const) r = applyOutcome(r, o);
    assert.deepEqual(r, { prover: addr(1), assigned: 2, completed: 1, defaulted: 1, nonReveals: 1 });
    assert.equal(successPerMille(r), 500);
    const b = new StaticBalanceSource({ [addr(1).toUpperCase().replace("0X", "0x")]: 5n });
    assert.equal(await b.availableBalance(addr(1)), 5n);
    assert.equal(await b.availableBalance(addr(2)), undefined);
  });

  it("intake: a task the requester cannot fund is ignored on receipt (UNFUNDED), not stored, never bid on", async function () {
    const t = await makeNode(0, 1, { syncOnStart: false, balances: new StaticBalanceSource({}, 0n) });
    const svc = createAuctionService({ node: t.node, operator: t.operator, announce: false, syncOnStart: false, tickMs: 50 });
    try {
      await t.node.start();
      await svc.start();
      const bytes = taskBytes(1n);
      await assert.rejects(t.node.gossip.publish("tasks", bytes), (e: { type?: { code?: string } }) => e.type?.code === "UNFUNDED");
      const id = taskId(decodeTask(bytes), DOMAIN).toLowerCase() as Hex;
      assert.equal(await t.node.repos.tasks.has([id]), false);
      assert.equal(await svc.taskView(id), undefined);
      assert.equal(await svc.store.bid(id), undefined);
    } finally {
      await svc.stop();
      await stopAll([t]);
    }
  });

  it("persists the salt and the first vote per slot; a second vote never replaces it; finishing rates once", async function () {
    const dir = await mkdtemp(join(tmpdir(), "zkpool-auction-"));
    try {
      let db = await NodeDb.open({ path: dir });
      let store = new AuctionStore(db);
      const salt = randomSalt();
      await store.putBid(TASK_ID, { price: 7n, salt, commitment: TASK_ID, revealed: false });
      const w = new Wallet(hexlify(new Uint8Array(32).fill(9)));
      const me = w.address.toLowerCase() as Hex;
      const v1 = signVote({ kind: "assignment", taskId: TASK_ID, round: 0, prover: addr(1), price: 5n, attester: me }, w, DOMAIN);
      const v2 = signVote({ kind: "assignment", taskId: TASK_ID, round: 0, prover: addr(2), price: 5n, attester: me }, w, DOMAIN);
      assert.deepEqual(await store.claimVoteSlot(v1), v1);
      assert.deepEqual(await store.claimVoteSlot(v2), v1);
      await store.finishTask(TASK_ID, { status: "completed", round: 0, rated: false }, [applyOutcome(emptyRating(addr(1)), "completed")]);
      await db.close();
      db = await NodeDb.open({ path: dir }); // "restart"
      store = new AuctionStore(db);
      assert.deepEqual(await store.bid(TASK_ID), { price: 7n, salt, commitment: TASK_ID, revealed: false });
      assert.deepEqual(await store.ownVote(TASK_ID, 0, "a"), v1);
      assert.deepEqual(await store.taskState(TASK_ID), { status: "completed", round: 0, rated: true });
      assert.equal((await store.ratings()).length, 1);
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

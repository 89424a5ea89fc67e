/**
 * SPEC §9.13 "Attesters earn": a settlement pays `attesterShareBps` of the pool fee to the signers of its Assignment
 * certificate, pro rata to their stake at the task's epoch (floor), the rounding remainder to the insurance fund;
 * claimable with claim(). Defaults, expiries and invalid-task reports pay no attester share.
 */
import assert from "node:assert/strict";
import { type TransactionReceipt, type Wallet } from "ethers";
import { attesterShares as protocolAttesterShares, feeSplit } from "@zkpool/protocol";
import { zkpoolEvents } from "../src/index.js";
import {
  BPS,
  ETH,
  STAKES,
  attesterSharesOf,
  certify,
  defaultArgs,
  finalDeadline,
  freshEpoch,
  invalidDigest,
  makeTask,
  premiumOf,
  roundDeadline,
  settleArgs,
  signTask,
  splitOf,
  taskIdOf,
  usePool,
  type PoolEnv,
} from "./helpers/pool.js";

describe("chain: attesters earn a pro-rata share of each settled task's fee (SPEC §9.13)", function () {
  this.timeout(120_000);
  const pool = usePool();
  let env: PoolEnv;
  before(() => {
    env = pool();
  });

  const earningsOf = async (ws: readonly Wallet[]): Promise<bigint[]> => Promise.all(ws.map((w) => env.escrow.earnings(w.address)));
  const names = (r: TransactionReceipt): string[] => zkpoolEvents(r).map((e) => e.name);

  /** Settles `task` certified by `signers` and checks every payout to the wei; returns the shares paid. */
  async function settleAndCheck(signers: Wallet[], price: bigint, stakeOf: (w: Wallet) => bigint): Promise<bigint[]> {
    const task = await makeTask(env);
    const prover = env.attesters[3]!;
    const everyone = [...env.attesters, env.outsider, env.treasury, env.deployer];
    const before = await earningsOf(everyone);
    const fund0 = await env.escrow.insuranceFund();
    const receipt = await env.escrow.settle(settleArgs(env, task, { price, signers }));
    const s = splitOf(env, price, false);
    assert.ok(s.toAttesters > 0n);
    // the certificate lists the signers in ascending address order; the shares follow it
    const sorted = [...signers].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const { shares, remainder } = attesterSharesOf(s.toAttesters, sorted.map(stakeOf));
    assert.equal(shares.reduce((a, b) => a + b, 0n) + remainder, s.toAttesters, "Σ shares + remainder = the attesters' share");
    assert.ok(remainder < BigInt(signers.length));
    // the protocol's reference functions agree
    assert.deepEqual(protocolAttesterShares(s.toAttesters, sorted.map(stakeOf)), { shares, remainder });
    const f = feeSplit(price, { feeBps: BigInt(env.params.feeBps), treasuryShareBps: BigInt(env.params.treasuryShareBps), attesterShareBps: env.params.attesterShareBps });
    assert.deepEqual([f.fee, f.toAttesters, f.toTreasury, f.toInsurance, f.toProverBeforeRoyalty], [s.fee, s.toAttesters, s.toTreasury, s.toInsurance, s.toProver]);

    const events = zkpoolEvents(receipt);
    assert.deepEqual(events.map((e) => e.name), ["TaskOpened", "TaskSettled", "AttestersPaid"]);
    const settled = events[1]!.args;
    const paid = events[2]!.args;
    assert.equal(paid["taskId"], taskIdOf(env, task));
    assert.equal(paid["total"], s.toAttesters - remainder);
    assert.equal(paid["signers"], BigInt(signers.length));
    assert.equal(settled["insuranceAmount"], s.toInsurance + remainder);
    // TaskSettled + AttestersPaid account for the whole price
    assert.equal(
      (settled["proverAmount"] as bigint) + (settled["royaltyAmount"] as bigint) + (settled["treasuryAmount"] as bigint) +
        settled["insuranceAmount"] + paid["total"],
      price,
    );

    const after = await earningsOf(everyone);
    const expected = everyone.map((w) => {
      let d = 0n;
      const i = sorted.indexOf(w);
      if (i >= 0) d += shares[i]!;
      if (w === prover) d += s.toProver;
      if (w === env.treasury) d += s.toTreasury;
      return d;
    });
    assert.deepEqual(after.map((a, i) => a - before[i]!), expected, "earnings deltas");
    assert.equal((await env.escrow.insuranceFund()) - fund0, s.toInsurance + remainder + premiumOf(env, task));
    // the prover's share and the requester's cost do not depend on the attesters' share
    assert.equal(s.toProver, price - (price * BigInt(env.params.feeBps)) / BPS);
    return shares;
  }

  const poolStake = (w: Wallet): bigint => STAKES[env.attesters.indexOf(w)]!;

  it("pays the Assignment certificate's signers pro rata to their epoch stake, conserved to the wei, claimable", async () => {
    const signers = env.attesters.slice(0, 3); // 40 + 30 + 20 of 100 ETH
    // a price whose shares do not divide evenly: the remainder goes to the fund
    const shares = await settleAndCheck(signers, ETH / 2n + 7n, poolStake);
    assert.ok(shares.every((x) => x > 0n));
    // each signer claims its share with claim()
    const w = env.attesters[1]!;
    const owed = await env.escrow.earnings(w.address);
    const bal = await env.provider.getBalance(w.address);
    const r = await env.escrow.connect(w).claim();
    assert.deepEqual(names(r), ["EarningsClaimed"]);
    assert.equal(await env.provider.getBalance(w.address), bal + owed - r.gasUsed * r.gasPrice);
    assert.equal(await env.escrow.earnings(w.address), 0n);
  });

  it("a certificate with more signers than the quorum needs pays all of them; a non-signer gets nothing", async () => {
    // all four sign (the fourth, 10 ETH, is also the prover: it gets both shares)
    await settleAndCheck([...env.attesters], ETH / 3n, poolStake);
    // 40 + 30 = 70% is a quorum: attester 2 (20 ETH, did not sign) gets nothing
    const nonSigner = env.attesters[2]!;
    const e0 = await env.escrow.earnings(nonSigner.address);
    await settleAndCheck(env.attesters.slice(0, 2), ETH / 2n, poolStake);
    assert.equal(await env.escrow.earnings(nonSigner.address), e0);
  });

  it("a signer without stake at the task's epoch earns nothing (stake added later does not count)", async () => {
    await env.registry.connect(env.outsider).stake(1000n * ETH);
    await env.chain.mine();
    const task = await makeTask(env, { stakeEpoch: env.stakeEpoch });
    const o0 = await env.escrow.earnings(env.outsider.address);
    const signers = [...env.attesters.slice(0, 3), env.outsider];
    const r = await env.escrow.settle(settleArgs(env, task, { signers }));
    assert.equal(await env.escrow.earnings(env.outsider.address), o0);
    const paid = zkpoolEvents(r).find((e) => e.name === "AttestersPaid")!;
    assert.equal(paid.args["signers"], 4n);
    const s = splitOf(env, ETH / 2n, false);
    assert.equal(paid.args["total"], s.toAttesters - attesterSharesOf(s.toAttesters, STAKES.slice(0, 3)).remainder);
    // at a later epoch the outsider's stake counts: it earns
    const later = await makeTask(env, { stakeEpoch: await freshEpoch(env) });
    await env.escrow.settle(settleArgs(env, later, { signers: [env.outsider] }));
    assert.equal((await env.escrow.earnings(env.outsider.address)) - o0, s.toAttesters);
  });

  it("defaults, expiries and invalid-task reports pay no attester share", async () => {
    const everyone = [...env.attesters, env.outsider];
    const before = await earningsOf(everyone);
    // a default on round 0, then the task expires (penalty paid from the slash)
    const task = await makeTask(env);
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
    const d = await env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address));
    assert.ok(!names(d).includes("AttestersPaid"));
    await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.settleGrace + 1n);
    const x = await env.escrow.expire(task);
    assert.ok(!names(x).includes("AttestersPaid"));
    // an invalid task
    const bad = await makeTask(env);
    const inv = await env.escrow.reportInvalid(bad, signTask(env, bad), certify(invalidDigest(env, taskIdOf(env, bad)), env.attesters.slice(0, 3)));
    assert.deepEqual(names(inv), ["TaskOpened", "TaskInvalidated"]);
    // a task that simply expires
    const idle = await makeTask(env);
    await env.escrow.open(idle, signTask(env, idle));
    await env.chain.setNextBlockTimestamp(finalDeadline(idle) + env.params.settleGrace + 1n);
    assert.deepEqual(names(await env.escrow.expire(idle)), ["TaskFailed"]);
    assert.deepEqual(await earningsOf(everyone), before);
  });
});

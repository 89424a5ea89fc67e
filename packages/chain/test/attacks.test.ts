/**
 * The attacks of issue 11, each run against the v1 contracts on anvil and shown to FAIL now (SPEC §9), plus the
 * v1 reports: NonReveal bonds (§9.8) and attester equivocation (§9.9).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { hexlify, type Wallet } from "ethers";
import { TaskStatus, zkpoolEvents, type TaskStruct } from "../src/index.js";
import {
  ETH,
  STAKES,
  VOTE,
  assignmentDigest,
  attesterSharesOf,
  certify,
  collateralOf,
  completionDigest,
  costOf,
  defaultArgs,
  defaultDigest,
  expectRevert,
  finalDeadline,
  freshEpoch,
  invalidDigest,
  makeTask,
  nonRevealDigest,
  premiumOf,
  proofHashOf,
  quorum,
  roundDeadline,
  settleArgs,
  signTask,
  signVote,
  splitOf,
  taskIdOf,
  vote,
  usePool,
  type PoolEnv,
} from "./helpers/pool.js";

describe("chain: the attacks of issue 11 fail against v1", function () {
  this.timeout(120_000);
  const pool = usePool();
  let env: PoolEnv;
  before(() => {
    env = pool();
  });

  const horizon = (): bigint => env.params.maxSnapshotAge + env.params.maxTaskLifetime + env.params.reportWindow;
  const totalHeld = async (who: string): Promise<bigint> => (await env.registry.stakeOf(who)) + (await env.registry.unbondingOf(who)).amount;
  const invalidCert = (task: TaskStruct, signers: Wallet[] = quorum(env)) => certify(invalidDigest(env, taskIdOf(env, task)), signers);
  const randomCommitment = (): string => hexlify(randomBytes(32));

  describe("(a) a historical quorum cannot slash", () => {
    for (const withdrawn of [true, false]) {
      it(`a whale that held 2/3 at an old epoch (${withdrawn ? "since withdrawn" : "still staked"}) cannot default a made-up task: StaleEpoch, ReportWindowClosed, LifetimeTooLong`, async () => {
        const whale = env.outsider;
        const victim = env.attesters[0]!;
        await env.registry.connect(whale).stake(300n * ETH); // 300 of 400 ETH: 75%
        const oldEpoch = await freshEpoch(env);
        assert.equal(await env.registry.stakeAt(whale.address, oldEpoch), 300n * ETH);
        await env.escrow.connect(whale).deposit(10n * ETH);
        if (withdrawn) {
          await env.registry.connect(whale).requestUnstake(300n * ETH);
          await expectRevert(env.registry.connect(whale).withdrawStake(), "UnstakeNotReady");
        }
        await env.chain.increaseTime(horizon() + 1n);
        if (withdrawn) {
          await env.registry.connect(whale).withdrawStake();
          assert.equal(await totalHeld(whale.address), 0n);
        }
        const victimStake = await totalHeld(victim.address);
        const now = await env.chain.latestTimestamp();
        // the made-up task is signed by the whale as its own requester and certified by the whale alone
        const forge = (over: Partial<TaskStruct>): TaskStruct => ({
          requester: whale.address, proofSystem: 1, circuitId: env.circuits[1]!, inputHash: randomCommitment(),
          publicSignalsHash: randomCommitment(), maxReward: ETH, penalty: 30n * ETH, bidDeadline: oldEpoch + 10n,
          revealDeadline: oldEpoch + 20n, proofWindow: 100, maxRounds: 1, stakeEpoch: oldEpoch, nonce: 1n,
          startPrice: 0n, priceStep: 0n, rebidWindow: 0, ...over,
        });
        const attempt = (task: TaskStruct) => env.escrow.reportDefault(defaultArgs(env, task, 0, victim.address, { signers: [whale], requester: whale }));
        // its deadlines as old as its epoch: past the report window
        await expectRevert(attempt(forge({})), "ReportWindowClosed");
        // deadlines recent enough to report: the epoch is too old for the bid deadline
        await expectRevert(attempt(forge({ bidDeadline: now - 300n, revealDeadline: now - 290n })), "StaleEpoch");
        // a bid deadline the epoch allows and a lifetime stretched to reach the present
        await expectRevert(attempt(forge({ bidDeadline: oldEpoch + env.params.maxSnapshotAge, revealDeadline: now - 200n })), "LifetimeTooLong");
        assert.equal(await totalHeld(victim.address), victimStake, "the victim was not slashed");
        // control: at a recent epoch the same signature is a quorum only if the whale still holds 2/3 now (the 2/3-honest
        // assumption, per epoch); the bound that stops the attack is the epoch's age (SPEC §9.1), not who signs
        const e = await freshEpoch(env);
        const recent = forge({ stakeEpoch: e, bidDeadline: e + 10n, revealDeadline: e + 20n });
        await env.chain.setNextBlockTimestamp(roundDeadline(recent, 0) + 1n);
        if (withdrawn) {
          await expectRevert(attempt(recent), "InsufficientQuorum");
          assert.equal(await totalHeld(victim.address), victimStake);
        } else {
          await attempt(recent);
          assert.equal(await totalHeld(victim.address), victimStake - recent.penalty);
        }
      });
    }

    it("a Default certificate without a valid Assignment certificate for the same round and prover is refused", async () => {
      const task = await makeTask(env);
      const victim = env.attesters[3]!.address;
      const id = taskIdOf(env, task);
      const good = defaultArgs(env, task, 0, victim);
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
      await expectRevert(env.escrow.reportDefault({ ...good, assignmentCertificate: { attesters: [], signatures: [] } }), "MalformedCertificate");
      await expectRevert(env.escrow.reportDefault({ ...good, assignmentCertificate: certify(assignmentDigest(env, id, good.assignment), [env.attesters[0]!, env.attesters[2]!]) }), "InsufficientQuorum");
      // an Assignment certificate for another prover, another round or another price does not certify this one
      const other = { round: 0, prover: env.attesters[2]!.address, price: good.assignment.price };
      await expectRevert(env.escrow.reportDefault({ ...good, assignmentCertificate: certify(assignmentDigest(env, id, other), quorum(env)) }), "InvalidAttesterSignature");
      await expectRevert(env.escrow.reportDefault({ ...good, assignmentCertificate: certify(assignmentDigest(env, id, { ...good.assignment, round: 1 }), quorum(env)) }), "InvalidAttesterSignature");
      // the Default certificate must name the assigned prover and round
      await expectRevert(env.escrow.reportDefault({ ...good, defaultCertificate: certify(defaultDigest(env, id, 0, other.prover), quorum(env)) }), "InvalidAttesterSignature");
      await expectRevert(env.escrow.reportDefault({ ...good, defaultCertificate: certify(defaultDigest(env, id, 1, victim), quorum(env)) }), "InvalidAttesterSignature");
      assert.equal(await env.registry.stakeOf(victim), 10n * ETH);
      assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.None, "refused reports lock nothing");
      await env.escrow.reportDefault(good);
      assert.equal(await env.registry.stakeOf(victim), 10n * ETH - task.penalty);
    });

    it("a prover that staked after the task's epoch is not eligible: it can be neither settled nor slashed (ProverNotEligible)", async () => {
      const late = env.outsider;
      await env.registry.connect(late).stake(50n * ETH);
      await env.chain.mine();
      const task = await makeTask(env, { stakeEpoch: env.stakeEpoch });
      assert.equal(await env.registry.stakeAt(late.address, task.stakeEpoch), 0n);
      const e = await expectRevert(env.escrow.settle(settleArgs(env, task, { prover: late.address })), "ProverNotEligible");
      assert.equal(e.type["args"], `prover=${late.address}, stake=0, collateral=${collateralOf(env, task)}`);
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, late.address)), "ProverNotEligible");
      const commitment = randomCommitment();
      const nr = certify(nonRevealDigest(env, taskIdOf(env, task), late.address, commitment), quorum(env));
      await expectRevert(env.escrow.reportNonReveal({ task, signature: signTask(env, task), prover: late.address, commitment, certificate: nr }), "ProverNotEligible");
      assert.equal(await env.registry.stakeOf(late.address), 50n * ETH);
    });
  });

  describe("(b) a requester cannot get proofs without paying", () => {
    it("a withdrawal requested during the proof window cannot complete before the horizon, and settlement still pays", async () => {
      const esc = env.escrow.connect(env.requester);
      const task = await makeTask(env); // published, not yet on chain
      const bal0 = await esc.balanceOf(env.requester.address);
      await esc.requestWithdrawal(bal0);
      assert.equal(await esc.availableBalance(env.requester.address), 0n, "nodes see nothing available at once");
      // at the last moment a settlement, a default or an expiry can touch the task, the withdrawal is still waiting
      await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.reportWindow);
      await expectRevert(esc.withdraw(), "WithdrawalNotReady");
      const pending = await esc.pendingWithdrawal(env.requester.address);
      assert.ok(pending.readyAt > finalDeadline(task) + env.params.reportWindow);
      // the proof arrived in time: the prover is paid from the balance the requester tried to take away
      const price = ETH / 2n;
      const s = await env.chain.snapshot();
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0));
      await env.escrow.settle(settleArgs(env, task, { price }));
      assert.equal(await env.escrow.earnings(env.attesters[3]!.address), splitOf(env, price, false).toProver);
      await env.chain.setNextBlockTimestamp(pending.readyAt);
      await expectRevert(esc.withdraw(), "InsufficientFreeBalance");
      const rest = bal0 - price - premiumOf(env, task);
      assert.equal(await esc.balanceOf(env.requester.address), rest);
      await esc.requestWithdrawal(rest);
      await env.chain.increaseTime(env.params.withdrawalDelay);
      await esc.withdraw();
      assert.equal(await esc.balanceOf(env.requester.address), 0n);
      await env.chain.revert(s);
      // also in the slow case: the round's Completion certificate settles within settleGrace, the withdrawal still waits
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 1) + env.params.settleGrace);
      await env.escrow.settle(settleArgs(env, task, { round: 1, price, completion: true }));
      assert.equal(await esc.balanceOf(env.requester.address), bal0 - price - premiumOf(env, task));
    });

    it("a sibling task with the same nonce does not block the settlement of the other", async () => {
      const task = await makeTask(env);
      const sibling = { ...task, inputHash: randomCommitment(), maxReward: 2n * ETH };
      assert.notEqual(taskIdOf(env, sibling), taskIdOf(env, task));
      // the requester races the sibling on chain first, settled or merely opened
      await env.escrow.connect(env.requester).open(sibling, signTask(env, sibling));
      const bal = await env.escrow.balanceOf(env.requester.address);
      await env.escrow.settle(settleArgs(env, task));
      assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.Settled);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal - ETH / 2n - premiumOf(env, task));
      await env.escrow.settle(settleArgs(env, sibling));
      assert.equal((await env.escrow.taskRecord(taskIdOf(env, sibling))).status, TaskStatus.Settled);
    });
  });

  describe("(c) stake at risk cannot run", () => {
    it("an assigned prover that requests unstake inside its window is still slashed, from its unbonding stake", async () => {
      const prover = env.attesters[3]!;
      const reg = env.registry.connect(prover);
      const task = await makeTask(env, { stakeEpoch: env.stakeEpoch });
      await env.chain.setNextBlockTimestamp(task.revealDeadline + 5n);
      await reg.requestUnstake(10n * ETH);
      assert.equal(await env.registry.stakeOf(prover.address), 0n);
      assert.equal(await env.registry.stakeAt(prover.address, task.stakeEpoch), 10n * ETH, "the epoch's table does not change");
      const { unlockTime } = await env.registry.unbondingOf(prover.address);
      assert.ok(unlockTime >= env.stakeEpoch + horizon(), "unbonding outlasts every task of the epoch");
      assert.ok(unlockTime > finalDeadline(task) + env.params.reportWindow);
      await expectRevert(reg.withdrawStake(), "UnstakeNotReady");
      // the last second a default can be reported: the stake is still there
      await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.reportWindow);
      await expectRevert(reg.withdrawStake(), "UnstakeNotReady");
      const r = await env.escrow.reportDefault(defaultArgs(env, task, 0, prover.address));
      const slashed = zkpoolEvents(r).find((e) => e.name === "Slashed")!.args;
      assert.equal(slashed["amount"], task.penalty);
      assert.equal((await env.registry.unbondingOf(prover.address)).amount, 10n * ETH - task.penalty);
      await env.chain.setNextBlockTimestamp(unlockTime);
      const w0 = await env.provider.getBalance(prover.address);
      const rw = await reg.withdrawStake();
      assert.equal(await env.provider.getBalance(prover.address), w0 + 10n * ETH - task.penalty - rw.gasUsed * rw.gasPrice);
    });
  });

  describe("(d) dust stake buys nothing; insurance is capped per task", () => {
    it("a prover below the task's collateral cannot be assigned, settled or slashed as eligible; 1 wei cannot stake", async () => {
      const dust = env.outsider;
      const reg = env.registry.connect(dust);
      await expectRevert(reg.stake(1n), "BelowMinStake");
      await reg.stake(env.params.minStake);
      const task = await makeTask(env, { stakeEpoch: await freshEpoch(env) });
      assert.equal(await env.registry.stakeAt(dust.address, task.stakeEpoch), env.params.minStake);
      assert.ok(collateralOf(env, task) > env.params.minStake);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { prover: dust.address, signers: env.attesters })), "ProverNotEligible");
      // a task whose collateral is the minimum stake: there it is eligible
      const small = await makeTask(env, { stakeEpoch: task.stakeEpoch, maxReward: env.params.minStake / 2n, penalty: 0n });
      assert.equal(collateralOf(env, small), env.params.minStake);
      await env.escrow.settle(settleArgs(env, small, { prover: dust.address, price: small.maxReward, signers: env.attesters }));
      assert.equal((await env.escrow.taskRecord(taskIdOf(env, small))).status, TaskStatus.Settled);
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, dust.address, { signers: env.attesters })), "ProverNotEligible");
      assert.equal(await env.registry.stakeOf(dust.address), env.params.minStake);
    });

    it("a default whose slash is short takes at most coverageBps of the insurance fund", async () => {
      await env.escrow.connect(env.deployer).fundInsurance(45n * ETH); // fund 50 ETH
      const p = env.outsider;
      await env.registry.connect(p).stake(50n * ETH);
      const stakeEpoch = await freshEpoch(env); // 50 of 150 ETH; every attester signs (100 of 150 = 2/3)
      const t1 = await makeTask(env, { stakeEpoch, penalty: 50n * ETH, maxRounds: 1 });
      const t2 = await makeTask(env, { stakeEpoch, penalty: 50n * ETH, maxRounds: 1 });
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      await env.chain.setNextBlockTimestamp(roundDeadline(t1, 0) + 1n);
      const r1 = await env.escrow.reportDefault(defaultArgs(env, t1, 0, p.address, { signers: env.attesters }));
      const paid1 = zkpoolEvents(r1).find((e) => e.name === "PenaltyPaid")!.args;
      assert.deepEqual([paid1["fromSlash"], paid1["fromInsurance"]], [50n * ETH, 0n]);
      // the over-committed prover has nothing left for the second task
      const fundBefore = await env.escrow.insuranceFund();
      const r2 = await env.escrow.reportDefault(defaultArgs(env, t2, 0, p.address, { signers: env.attesters }));
      const paid2 = zkpoolEvents(r2).find((e) => e.name === "PenaltyPaid")!.args;
      const fundWithPremium = fundBefore + premiumOf(env, t2);
      const cap = (fundWithPremium * env.params.coverageBps) / 10_000n;
      assert.deepEqual([paid2["fromSlash"], paid2["fromInsurance"]], [0n, cap]);
      assert.ok(cap < t2.penalty);
      assert.equal(await env.escrow.insuranceFund(), fundWithPremium - cap, "the fund keeps 90%");
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - premiumOf(env, t1) - premiumOf(env, t2) + 50n * ETH + cap);
    });
  });

  describe("(e) no round strands payment; expiry always works", () => {
    it("after a void round 0, round 1's prover settles; rounds past maxRounds are refused", async () => {
      const task = await makeTask(env, { maxRounds: 3 });
      const id = taskIdOf(env, task);
      await env.escrow.open(task, signTask(env, task));
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 10n); // round 0 void: nobody reported anything
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 3 })), "WrongRound");
      const prover1 = env.attesters[2]!.address;
      await env.escrow.settle(settleArgs(env, task, { round: 1, prover: prover1 }));
      const rec = await env.escrow.taskRecord(id);
      assert.deepEqual([rec.status, rec.round], [TaskStatus.Settled, 1]);
      // attester 2 is also one of the certificate's signers (20 of its 90 ETH): it earns its attester share too (SPEC §9.13)
      const s = splitOf(env, ETH / 2n, false);
      assert.equal(await env.escrow.earnings(prover1), s.toProver + attesterSharesOf(s.toAttesters, STAKES.slice(0, 3)).shares[2]!);
    });

    it("a late settlement within settleGrace needs the Completion certificate; without it, or after the grace, it is refused", async () => {
      const task = await makeTask(env);
      const id = taskIdOf(env, task);
      const last = roundDeadline(task, 1);
      await env.chain.setNextBlockTimestamp(last + 1n);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 1 })), "MalformedCertificate");
      const a = settleArgs(env, task, { round: 1 });
      // a Completion certificate of another round, or an under-quorum one
      await expectRevert(env.escrow.settle({ ...a, completionCertificate: certify(completionDigest(env, id, 0, a.assignment.prover, proofHashOf(a.proof)), quorum(env)) }), "InvalidAttesterSignature");
      await expectRevert(env.escrow.settle({ ...a, completionCertificate: certify(completionDigest(env, id, 1, a.assignment.prover, proofHashOf(a.proof)), [env.attesters[3]!]) }), "InsufficientQuorum");
      await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
      const s = await env.chain.snapshot();
      await env.chain.setNextBlockTimestamp(last + env.params.settleGrace);
      await env.escrow.settle(settleArgs(env, task, { round: 1, completion: true }));
      await env.chain.revert(s);
      await env.chain.setNextBlockTimestamp(last + env.params.settleGrace + 1n);
      await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 1, completion: true })), "DeadlinePassed");
      await env.escrow.expire(task);
      assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.Failed);
    });

    it("expire works after finalDeadline + settleGrace, for an open task and for a task never seen on chain", async () => {
      const seen = await makeTask(env);
      const unseen = await makeTask(env);
      await env.escrow.open(seen, signTask(env, seen));
      const closes = finalDeadline(seen) + env.params.settleGrace;
      await env.chain.setNextBlockTimestamp(closes);
      await expectRevert(env.escrow.expire(seen), "DeadlineNotReached");
      await expectRevert(env.escrow.expire(unseen), "DeadlineNotReached");
      await env.chain.setNextBlockTimestamp(closes + 1n);
      const bal = await env.escrow.balanceOf(env.requester.address);
      await env.escrow.connect(env.outsider).expire(seen);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal + costOf(env, seen) - premiumOf(env, seen));
      const r = await env.escrow.connect(env.outsider).expire(unseen);
      assert.deepEqual(zkpoolEvents(r).map((e) => [e.name, e.args["refund"], e.args["premium"]]), [["TaskFailed", 0n, 0n]]);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal + costOf(env, seen) - premiumOf(env, seen), "an unseen task moves no funds");
      await expectRevert(env.escrow.settle(settleArgs(env, unseen, { round: 1, completion: true })), "TaskClosed");
    });

    it("a default reported after expiry still slashes and pays the penalty once", async () => {
      const task = await makeTask(env);
      const id = taskIdOf(env, task);
      const prover0 = env.attesters[3]!.address;
      const prover1 = env.attesters[2]!.address;
      await env.escrow.open(task, signTask(env, task));
      await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.settleGrace + 1n);
      await env.escrow.expire(task);
      const bal = await env.escrow.balanceOf(env.requester.address);
      const fund = await env.escrow.insuranceFund();
      const r0 = await env.escrow.reportDefault(defaultArgs(env, task, 0, prover0));
      assert.deepEqual(zkpoolEvents(r0).map((e) => e.name), ["Slashed", "TaskDefaulted", "PenaltyPaid"]);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal + task.penalty);
      const r1 = await env.escrow.reportDefault(defaultArgs(env, task, 1, prover1));
      assert.deepEqual(zkpoolEvents(r1).map((e) => e.name), ["Slashed", "TaskDefaulted"], "no second penalty");
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal + task.penalty);
      assert.equal(await env.escrow.insuranceFund(), fund + task.penalty, "the second slash goes to the fund");
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 1, prover1)), "WrongRound");
      const rec = await env.escrow.taskRecord(id);
      assert.deepEqual([rec.status, rec.defaults, rec.penaltyPaid, rec.slashed], [TaskStatus.Failed, 2, true, 0n]);
      // and for a task never seen on chain: closed unfunded by expire, then a late default pays only what it slashed
      const unseen = await makeTask(env);
      await env.chain.setNextBlockTimestamp(finalDeadline(unseen) + env.params.settleGrace + 1n);
      await env.escrow.expire(unseen);
      const bal2 = await env.escrow.balanceOf(env.requester.address);
      const fund2 = await env.escrow.insuranceFund();
      await env.escrow.reportDefault(defaultArgs(env, unseen, 0, prover1));
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal2 + unseen.penalty);
      assert.equal(await env.escrow.insuranceFund(), fund2, "an unfunded task draws nothing from the fund");
      // after the report window nothing is accepted any more
      await env.chain.setNextBlockTimestamp(finalDeadline(unseen) + env.params.reportWindow + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, unseen, 1, prover1)), "ReportWindowClosed");
    });
  });

  describe("(f) unprovable tasks slash nobody", () => {
    it("an Invalid certificate closes the task without a slash; the requester pays only the premium", async () => {
      const task = await makeTask(env);
      const id = taskIdOf(env, task);
      const bal0 = await env.escrow.balanceOf(env.requester.address);
      const fund0 = await env.escrow.insuranceFund();
      const total0 = await env.registry.totalStake();
      await expectRevert(env.escrow.reportInvalid(task, signTask(env, task), invalidCert(task, [env.attesters[0]!, env.attesters[3]!])), "InsufficientQuorum");
      const r = await env.escrow.reportInvalid(task, signTask(env, task), invalidCert(task));
      assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["TaskOpened", "TaskInvalidated"]);
      assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - premiumOf(env, task));
      assert.equal(await env.escrow.insuranceFund(), fund0 + premiumOf(env, task));
      assert.equal(await env.registry.totalStake(), total0, "nobody slashed");
      assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.Invalid);
      await expectRevert(env.escrow.reportInvalid(task, signTask(env, task), invalidCert(task)), "TaskClosed");
      await expectRevert(env.escrow.settle(settleArgs(env, task)), "TaskClosed");
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
      await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address)), "TaskClosed");
    });

    it("reportInvalid is refused after a default, after settlement and after the report window", async () => {
      const task = await makeTask(env);
      await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
      await env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address));
      await expectRevert(env.escrow.reportInvalid(task, signTask(env, task), invalidCert(task)), "AlreadyDefaulted");
      const settled = await makeTask(env);
      await env.escrow.settle(settleArgs(env, settled));
      await expectRevert(env.escrow.reportInvalid(settled, signTask(env, settled), invalidCert(settled)), "AlreadySettled");
      const old = await makeTask(env);
      await env.chain.setNextBlockTimestamp(finalDeadline(old) + env.params.reportWindow + 1n);
      await expectRevert(env.escrow.reportInvalid(old, signTask(env, old), invalidCert(old)), "ReportWindowClosed");
    });
  });

  describe("NonReveal bonds (SPEC §9.8)", () => {
    it("slashes maxReward from a committed bidder that did not reveal, once per (task, prover), to the fund", async () => {
      const task = await makeTask(env);
      const id = taskIdOf(env, task);
      const bidder = env.attesters[3]!.address;
      const commitment = randomCommitment();
      const args = { task, signature: signTask(env, task), prover: bidder, commitment, certificate: certify(nonRevealDigest(env, id, bidder, commitment), quorum(env)) };
      await env.chain.setNextBlockTimestamp(task.revealDeadline);
      await expectRevert(env.escrow.reportNonReveal(args), "DeadlineNotReached");
      await env.chain.setNextBlockTimestamp(task.revealDeadline + 1n);
      await expectRevert(env.escrow.reportNonReveal({ ...args, certificate: certify(nonRevealDigest(env, id, bidder, commitment), [env.attesters[0]!]) }), "InsufficientQuorum");
      await expectRevert(env.escrow.reportNonReveal({ ...args, commitment: randomCommitment() }), "InvalidAttesterSignature");
      const fund0 = await env.escrow.insuranceFund();
      const r = await env.escrow.reportNonReveal(args);
      assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["TaskOpened", "Slashed", "NonRevealSlashed"]);
      assert.equal(await env.registry.stakeOf(bidder), 10n * ETH - task.maxReward);
      assert.equal(await env.escrow.insuranceFund(), fund0 + task.maxReward);
      assert.ok(await env.escrow.nonRevealReported(id, bidder));
      await expectRevert(env.escrow.reportNonReveal(args), "AlreadyReported");
      // another certificate (another commitment) for the same prover and task is not a second bond
      const c2 = randomCommitment();
      await expectRevert(env.escrow.reportNonReveal({ ...args, commitment: c2, certificate: certify(nonRevealDigest(env, id, bidder, c2), quorum(env)) }), "AlreadyReported");
      // another bidder of the same task pays its own bond; the task itself still settles
      const other = env.attesters[2]!.address;
      await env.escrow.reportNonReveal({ ...args, prover: other, certificate: certify(nonRevealDigest(env, id, other, commitment), quorum(env)) });
      assert.equal(await env.registry.stakeOf(other), 20n * ETH - task.maxReward);
      await env.escrow.settle(settleArgs(env, task, { prover: env.attesters[1]!.address }));
      // after the report window it is refused
      const late = await makeTask(env);
      const lid = taskIdOf(env, late);
      await env.chain.setNextBlockTimestamp(finalDeadline(late) + env.params.reportWindow + 1n);
      await expectRevert(env.escrow.reportNonReveal({ task: late, signature: signTask(env, late), prover: bidder, commitment, certificate: certify(nonRevealDigest(env, lid, bidder, commitment), quorum(env)) }), "ReportWindowClosed");
    });
  });

  describe("attester equivocation (SPEC §9.9)", () => {
    it("two different Assignment votes in one round slash the attester's whole stake, active and unbonding, once", async () => {
      const attester = env.attesters[3]!;
      await env.registry.connect(attester).requestUnstake(4n * ETH); // 6 active, 4 unbonding
      const taskId = taskIdOf(env, await makeTask(env));
      const a = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: env.attesters[1]!.address, price: ETH / 2n });
      const b = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: env.attesters[2]!.address, price: ETH / 2n });
      const fund0 = await env.escrow.insuranceFund();
      const r = await env.escrow.connect(env.outsider).reportEquivocation(a, signVote(env, a, attester), b, signVote(env, b, attester));
      const ev = zkpoolEvents(r).find((e) => e.name === "EquivocationSlashed")!.args;
      assert.deepEqual([ev["attester"], ev["slashed"]], [attester.address, 10n * ETH]);
      assert.equal(await totalHeld(attester.address), 0n);
      assert.equal(await env.escrow.insuranceFund(), fund0 + 10n * ETH);
      assert.ok(!(await env.registry.operators()).includes(attester.address));
      await expectRevert(env.escrow.reportEquivocation(a, signVote(env, a, attester), b, signVote(env, b, attester)), "AlreadyReported");
      // the same pair with another price difference is the same slot: still once
      const c = { ...b, price: ETH / 3n };
      await expectRevert(env.escrow.reportEquivocation(a, signVote(env, a, attester), c, signVote(env, c, attester)), "AlreadyReported");
    });

    it("an Assignment and an Invalid vote in round 0 are equivocation; so are a Completion and a Default of one round", async () => {
      const taskId = taskIdOf(env, await makeTask(env));
      const x = env.attesters[2]!;
      const assign = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: env.attesters[1]!.address, price: ETH });
      const invalid = vote({ kind: VOTE.Invalid, taskId });
      await env.escrow.reportEquivocation(invalid, signVote(env, invalid, x), assign, signVote(env, assign, x));
      assert.equal(await totalHeld(x.address), 0n);
      const y = env.attesters[1]!;
      const done = vote({ kind: VOTE.Completion, taskId, round: 1, prover: env.attesters[3]!.address, proofHash: randomCommitment() });
      const dflt = vote({ kind: VOTE.Default, taskId, round: 1, prover: env.attesters[3]!.address });
      await env.escrow.reportEquivocation(done, signVote(env, done, y), dflt, signVote(env, dflt, y));
      assert.equal(await totalHeld(y.address), 0n);
    });

    it("refuses pairs that are not equivocation: other rounds, other slots, identical votes, two attesters, an Invalid outside round 0", async () => {
      const taskId = taskIdOf(env, await makeTask(env));
      const w = env.attesters[3]!;
      const p1 = env.attesters[1]!.address;
      const a0 = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: p1, price: ETH });
      const a1 = vote({ kind: VOTE.Assignment, taskId, round: 1, prover: env.attesters[2]!.address, price: ETH });
      const c0 = vote({ kind: VOTE.Completion, taskId, round: 0, prover: p1, proofHash: randomCommitment() });
      const d0 = vote({ kind: VOTE.Default, taskId, round: 0, prover: p1 });
      const other = vote({ ...a0, taskId: randomCommitment(), prover: env.attesters[2]!.address });
      const sig = (v: ReturnType<typeof vote>, by: Wallet = w) => signVote(env, v, by);
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), a1, sig(a1)), "NotEquivocation");
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), c0, sig(c0)), "NotEquivocation");
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), d0, sig(d0)), "NotEquivocation");
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), a0, sig(a0)), "NotEquivocation");
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), other, sig(other)), "NotEquivocation");
      const a0b = { ...a0, price: ETH / 2n };
      await expectRevert(env.escrow.reportEquivocation(a0, sig(a0), a0b, sig(a0b, env.attesters[2])), "NotEquivocation");
      const inv1 = vote({ kind: VOTE.Invalid, taskId, round: 1 });
      await expectRevert(env.escrow.reportEquivocation(inv1, sig(inv1), a1, sig(a1)), "InvalidVote");
      const bogus = vote({ kind: 5, taskId });
      await expectRevert(env.escrow.reportEquivocation(bogus, sig(a0), a0, sig(a0)), "InvalidVote");
      // an Invalid vote whose unused fields differ is the same struct (the digest covers only the task id)
      const inv0 = vote({ kind: VOTE.Invalid, taskId });
      const inv0b = vote({ kind: VOTE.Invalid, taskId, prover: p1, price: 7n });
      await expectRevert(env.escrow.reportEquivocation(inv0, sig(inv0), inv0b, sig(inv0b)), "NotEquivocation");
      assert.equal(await totalHeld(w.address), 10n * ETH);
    });
  });
});

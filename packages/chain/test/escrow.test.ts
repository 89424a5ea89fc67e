import assert from "node:assert/strict";
import { ZeroAddress } from "ethers";
import { ChainError, TaskStatus, revertReason, zkpoolEvents, type TaskStruct } from "../src/index.js";
import {
  ETH,
  assignmentDigest,
  certify,
  defaultDigest,
  makeTask,
  quorum,
  signTask,
  startPool,
  taskIdOf,
  terminateSnarkjs,
  type PoolEnv,
} from "./helpers/pool.js";

/** Awaits `p` and asserts it rejected with the contract's custom error `reason`. */
async function expectRevert(p: Promise<unknown>, reason: string): Promise<ChainError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ChainError, String(err));
    const ce = err as ChainError;
    assert.equal(ce.type.code, "CHAIN_REVERTED");
    assert.equal(ce.type["reason"], reason, ce.message);
    return ce;
  }
  throw new Error(`expected a revert with ${reason}, but the call succeeded`);
}

describe("chain: escrow settlement, refusals, defaults", function () {
  this.timeout(120_000);
  let env: PoolEnv;
  let snap: string;

  before(async () => {
    env = await startPool();
  });
  after(async () => {
    await env?.stop();
    await terminateSnarkjs();
  });
  beforeEach(async () => {
    snap = await env.chain.snapshot();
  });
  afterEach(async () => {
    await env.chain.revert(snap);
  });

  /** Settlement arguments for `task` won by attester 3 (index 3, 10 ETH stake) at `price`. */
  function settleArgs(task: TaskStruct, price = ETH / 2n, round = 0) {
    const prover = env.attesters[3]!.address;
    const id = taskIdOf(env, task);
    const assignment = { round, prover, price };
    return {
      task,
      signature: signTask(env, task),
      assignment,
      certificate: certify(assignmentDigest(env, id, assignment), quorum(env)),
      proof: env.groth16.proof,
      publicSignals: env.groth16.publicSignals,
    };
  }

  it("computes the SPEC taskId (EIP-712 digest) on chain", async () => {
    const task = await makeTask(env);
    assert.equal(await env.escrow.taskId(task), taskIdOf(env, task));
  });

  it("settles a task end to end from a quorum certificate and a real Groth16 proof, paying every party", async () => {
    const task = await makeTask(env);
    const prover = env.attesters[3]!;
    const author = env.outsider.address;
    await env.escrow.connect(prover).setRoyaltyRecipient(author);
    const before = await env.escrow.balanceOf(env.requester.address);
    const insuranceBefore = await env.escrow.insuranceFund();
    const price = ETH / 2n;
    // anyone may submit the settlement: here the deployer does, the payout still goes to the prover
    const receipt = await env.escrow.settle(settleArgs(task, price));
    const id = taskIdOf(env, task);
    const events = zkpoolEvents(receipt);
    assert.deepEqual(events.map((e) => e.name), ["TaskOpened", "TaskSettled"]);
    assert.equal(events[1]!.args["taskId"], id);
    assert.equal(events[1]!.args["refund"], task.maxReward - price);
    const rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Settled);
    // fee 5% of price = 0.025 ETH, half to treasury; royalty 10% of the rest; the remainder to the prover
    const fee = (price * 500n) / 10_000n;
    const royalty = ((price - fee) * 1000n) / 10_000n;
    assert.equal(await env.escrow.earnings(prover.address), price - fee - royalty);
    assert.equal(await env.escrow.earnings(author), royalty);
    assert.equal(await env.escrow.earnings(env.treasury.address), fee / 2n);
    assert.equal((await env.escrow.insuranceFund()) - insuranceBefore, fee - fee / 2n);
    assert.equal(await env.escrow.balanceOf(env.requester.address), before - price);
    // the prover can claim its earnings
    const wallet = await env.provider.getBalance(prover.address);
    const r = await env.escrow.connect(prover).claim();
    const gas = r.gasUsed * r.gasPrice;
    assert.equal(await env.provider.getBalance(prover.address), wallet + price - fee - royalty - gas);
  });

  it("refuses a double settlement (AlreadySettled)", async () => {
    const task = await makeTask(env);
    await env.escrow.settle(settleArgs(task));
    await expectRevert(env.escrow.settle(settleArgs(task)), "AlreadySettled");
  });

  it("refuses a forged certificate signature (InvalidAttesterSignature)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(task);
    // attester 0's slot signed by an outsider
    const forged = certify(assignmentDigest(env, taskIdOf(env, task), a.assignment), [env.outsider, ...env.attesters.slice(1, 3)]);
    const cert = { attesters: [...a.certificate.attesters], signatures: [...a.certificate.signatures] };
    const idx = cert.attesters.indexOf(env.attesters[0]!.address);
    cert.signatures[idx] = forged.signatures[forged.attesters.indexOf(env.outsider.address)]!;
    await expectRevert(env.escrow.settle({ ...a, certificate: cert }), "InvalidAttesterSignature");
  });

  it("refuses a certificate over a different price (the signatures do not match the claimed assignment)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(task, ETH / 2n);
    await expectRevert(env.escrow.settle({ ...a, assignment: { ...a.assignment, price: ETH } }), "InvalidAttesterSignature");
  });

  it("refuses an under-quorum certificate (InsufficientQuorum) and unsorted attesters (AttestersNotAscending)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(task);
    const digest = assignmentDigest(env, taskIdOf(env, task), a.assignment);
    // 40 + 20 = 60 of 100 ETH < 2/3
    const under = certify(digest, [env.attesters[0]!, env.attesters[2]!]);
    const e = await expectRevert(env.escrow.settle({ ...a, certificate: under }), "InsufficientQuorum");
    assert.equal(e.type["args"], `signedStake=${60n * ETH}, totalStake=${100n * ETH}`);
    // 40 + 30 = 70% passes the 2/3 rule exactly as stake, but unsorted order is refused
    const ok = certify(digest, [env.attesters[0]!, env.attesters[1]!]);
    const unsorted = { attesters: [...ok.attesters].reverse(), signatures: [...ok.signatures].reverse() };
    await expectRevert(env.escrow.settle({ ...a, certificate: unsorted }), "AttestersNotAscending");
    const dup = { attesters: [ok.attesters[0]!, ok.attesters[0]!], signatures: [ok.signatures[0]!, ok.signatures[0]!] };
    await expectRevert(env.escrow.settle({ ...a, certificate: dup }), "AttestersNotAscending");
    await env.escrow.settle({ ...a, certificate: ok });
  });

  it("counts stake at the task's snapshot, not stake added later", async () => {
    // the outsider stakes 1000 ETH after the snapshot: its signature adds nothing at the snapshot
    await env.registry.connect(env.outsider).stake(1000n * ETH);
    await env.chain.mine();
    const task = await makeTask(env);
    const a = settleArgs(task);
    const cert = certify(assignmentDigest(env, taskIdOf(env, task), a.assignment), [env.outsider, env.attesters[3]!]);
    await expectRevert(env.escrow.settle({ ...a, certificate: cert }), "InsufficientQuorum");
    // a snapshot that is not in the past is refused
    const future = await makeTask(env, { stakeEpoch: (await env.chain.blockNumber()) + 1n });
    await expectRevert(env.escrow.settle(settleArgs(future)), "SnapshotNotFinal");
  });

  it("refuses an invalid proof (InvalidProof) and wrong public signals (PublicSignalsMismatch)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(task);
    const proof = [...a.proof];
    proof[0] = proof[0]! + 1n;
    await expectRevert(env.escrow.settle({ ...a, proof }), "InvalidProof");
    const swapped = [a.proof[2]!, a.proof[3]!, a.proof[4]!, a.proof[5]!, a.proof[0]!, a.proof[1]!, a.proof[6]!, a.proof[7]!];
    await expectRevert(env.escrow.settle({ ...a, proof: swapped }), "InvalidProof");
    await expectRevert(env.escrow.settle({ ...a, publicSignals: [34n, 14n] }), "PublicSignalsMismatch");
    await expectRevert(env.escrow.settle({ ...a, proof: a.proof.slice(0, 7) }), "MalformedProof");
    // a refused settlement locks nothing
    assert.equal((await env.escrow.taskRecord(taskIdOf(env, task))).status, TaskStatus.None);
  });

  it("refuses a task signed by someone else, for another escrow, or a reused nonce (replays)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(task);
    await expectRevert(env.escrow.settle({ ...a, signature: signTask(env, task, env.outsider) }), "InvalidRequesterSignature");
    // the same task signed for a different verifying contract (another deployment) does not verify here
    const other = { ...env, escrow: { ...env.escrow, address: env.verifiers[1]! } } as unknown as PoolEnv;
    await expectRevert(env.escrow.settle({ ...a, signature: signTask(other, task) }), "InvalidRequesterSignature");
    await env.escrow.settle(a);
    // a different task reusing the nonce
    const replay = { ...task, inputHash: taskIdOf(env, task) };
    await expectRevert(env.escrow.settle(settleArgs(replay)), "NonceAlreadyUsed");
  });

  it("refuses a price above maxReward and an unknown circuit", async () => {
    const task = await makeTask(env);
    await expectRevert(env.escrow.settle(settleArgs(task, 2n * ETH)), "PriceOutOfRange");
    const t2 = await makeTask(env, { proofSystem: 2 }); // circuit registered for Groth16, task says PLONK
    await expectRevert(env.escrow.settle(settleArgs(t2)), "UnknownCircuit");
  });

  it("refuses malformed tasks (InvalidTask): no rounds, no proof window, deadlines out of order or overflowing", async () => {
    for (const over of [{ maxRounds: 0 }, { proofWindow: 0 }, { maxReward: 0n }, { revealDeadline: 1n, bidDeadline: 2n },
      { revealDeadline: 2n ** 64n - 100n, bidDeadline: 0n, maxRounds: 2 }]) {
      const task = await makeTask(env, over);
      await expectRevert(env.escrow.open(task, signTask(env, task)), "InvalidTask");
    }
  });

  it("refuses a task the requester cannot fund (InsufficientBalance)", async () => {
    const task = await makeTask(env, { maxReward: 1000n * ETH });
    await expectRevert(env.escrow.settle(settleArgs(task)), "InsufficientBalance");
  });

  it("accepts settlement at the proof deadline and refuses it one second later", async () => {
    const task = await makeTask(env);
    const deadline = task.revealDeadline + BigInt(task.proofWindow);
    const snap2 = await env.chain.snapshot();
    await env.chain.setNextBlockTimestamp(deadline);
    await env.escrow.settle(settleArgs(task));
    await env.chain.revert(snap2);
    await env.chain.setNextBlockTimestamp(deadline + 1n);
    await expectRevert(env.escrow.settle(settleArgs(task)), "DeadlinePassed");
  });

  it("refuses an early default, slashes on a certified default, moves to the next round, then settles there", async () => {
    const task = await makeTask(env);
    const id = taskIdOf(env, task);
    const sig = signTask(env, task);
    const prover0 = env.attesters[3]!.address;
    const deadline0 = task.revealDeadline + BigInt(task.proofWindow);
    const dcert = certify(defaultDigest(env, id, 0, prover0), quorum(env));
    await env.chain.setNextBlockTimestamp(deadline0);
    await expectRevert(env.escrow.reportDefault(task, sig, 0, prover0, dcert), "DeadlineNotReached");
    // one second later it is due; an under-quorum default certificate is still refused
    await env.chain.setNextBlockTimestamp(deadline0 + 1n);
    await expectRevert(env.escrow.reportDefault(task, sig, 0, prover0, certify(defaultDigest(env, id, 0, prover0), [env.attesters[0]!])), "InsufficientQuorum");
    const insurance0 = await env.escrow.insuranceFund();
    await env.escrow.reportDefault(task, sig, 0, prover0, dcert);
    assert.equal(await env.registry.stakeOf(prover0), 8n * ETH);
    let rec = await env.escrow.taskRecord(id);
    assert.equal(rec.round, 1);
    assert.equal(rec.slashed, 2n * ETH);
    // round 0 is over: neither its settlement nor a second default for it is accepted
    await expectRevert(env.escrow.settle(settleArgs(task)), "WrongRound");
    await expectRevert(env.escrow.reportDefault(task, sig, 0, prover0, dcert), "WrongRound");
    // round 1, won by attester 2 (within its window)
    const prover1 = env.attesters[2]!.address;
    const a1 = { round: 1, prover: prover1, price: ETH / 4n };
    await env.escrow.settle({
      ...settleArgs(task), assignment: a1, certificate: certify(assignmentDigest(env, id, a1), quorum(env)),
    });
    rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Settled);
    // the slashed stake of round 0 goes to the insurance fund (with the fee share) when the task is proven
    const fee = (ETH / 4n * 500n) / 10_000n;
    assert.equal((await env.escrow.insuranceFund()) - insurance0, 2n * ETH + fee - fee / 2n);
  });

  it("fails a task after the last round's default: refund + penalty from slashed stake first", async () => {
    const task = await makeTask(env, { penalty: 15n * ETH }); // more than the 10 ETH prover can lose
    const id = taskIdOf(env, task);
    const sig = signTask(env, task);
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    const ins0 = await env.escrow.insuranceFund();
    const p0 = env.attesters[3]!.address; // 10 ETH stake
    await env.chain.setNextBlockTimestamp(task.revealDeadline + 101n);
    await env.escrow.reportDefault(task, sig, 0, p0, certify(defaultDigest(env, id, 0, p0), quorum(env)));
    assert.equal(await env.registry.stakeOf(p0), 0n);
    const p1 = env.attesters[2]!.address; // 20 ETH stake; a default certificate needs 2/3 of the snapshot stake
    await env.chain.setNextBlockTimestamp(task.revealDeadline + 201n);
    await env.escrow.reportDefault(task, sig, 1, p1, certify(defaultDigest(env, id, 1, p1), quorum(env)));
    assert.equal(await env.registry.stakeOf(p1), 5n * ETH);
    const rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Failed);
    // slashed 10 + 15 = 25 ETH; penalty 15 ETH paid from it; 10 ETH left over goes to the insurance fund
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 + 15n * ETH);
    assert.equal((await env.escrow.insuranceFund()) - ins0, 10n * ETH);
    await expectRevert(env.escrow.settle(settleArgs(task)), "TaskClosed");
  });

  it("pays the penalty from the insurance fund when slashed stake is short, on expiry after the final deadline", async () => {
    const task = await makeTask(env, { penalty: 12n * ETH, maxRounds: 2 });
    const id = taskIdOf(env, task);
    const sig = signTask(env, task);
    const p0 = env.attesters[3]!.address; // 10 ETH
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    await env.chain.setNextBlockTimestamp(task.revealDeadline + 101n);
    await env.escrow.reportDefault(task, sig, 0, p0, certify(defaultDigest(env, id, 0, p0), quorum(env)));
    const finalDeadline = task.revealDeadline + 200n;
    await env.chain.setNextBlockTimestamp(finalDeadline);
    await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
    const ins = await env.escrow.insuranceFund();
    await env.chain.setNextBlockTimestamp(finalDeadline + 1n);
    await env.escrow.expire(task);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 + 12n * ETH);
    assert.equal(ins - (await env.escrow.insuranceFund()), 2n * ETH);
    await expectRevert(env.escrow.expire(task), "TaskNotOpen");
  });

  it("places a hold on an assigned prover: its unstaked funds cannot leave until the round ends", async () => {
    const prover = env.attesters[3]!;
    const task = await makeTask(env);
    const a = settleArgs(task);
    await env.escrow.assign(task, a.signature, a.assignment, a.certificate);
    await expectRevert(env.escrow.assign(task, a.signature, a.assignment, a.certificate), "AlreadyAssigned");
    assert.equal(await env.registry.holds(prover.address), 1n);
    const reg = env.registry.connect(prover);
    await reg.requestUnstake(10n * ETH);
    await expectRevert(reg.withdrawStake(), "UnstakeNotReady");
    await env.chain.increaseTime(7201n);
    await expectRevert(reg.withdrawStake(), "PendingSlash");
    // a default while unbonding still slashes (from the unbonding amount)
    const id = taskIdOf(env, task);
    await env.escrow.reportDefault(task, a.signature, 0, prover.address, certify(defaultDigest(env, id, 0, prover.address), quorum(env)));
    assert.equal((await reg.unbondingOf(prover.address)).amount, 8n * ETH);
    assert.equal(await env.registry.holds(prover.address), 0n);
    const w0 = await env.provider.getBalance(prover.address);
    const r = await reg.withdrawStake();
    assert.equal(await env.provider.getBalance(prover.address), w0 + 8n * ETH - r.gasUsed * r.gasPrice);
  });

  it("delays requester withdrawals and refuses to withdraw funds that tasks locked meanwhile", async () => {
    const esc = env.escrow.connect(env.requester);
    const bal = await esc.balanceOf(env.requester.address);
    await esc.requestWithdrawal(bal);
    assert.equal(await esc.availableBalance(env.requester.address), 0n);
    await expectRevert(esc.withdraw(), "WithdrawalNotReady");
    // the pool touches a task before the delay ends: maxReward is locked
    const task = await makeTask(env);
    await env.escrow.open(task, signTask(env, task));
    await env.chain.increaseTime(3601n);
    const e = await expectRevert(esc.withdraw(), "InsufficientFreeBalance");
    assert.ok((e.message).includes("InsufficientFreeBalance"));
    await esc.requestWithdrawal(bal - task.maxReward);
    await env.chain.increaseTime(3601n);
    await esc.withdraw();
    assert.equal(await esc.balanceOf(env.requester.address), 0n);
    await expectRevert(esc.withdraw(), "NoPendingWithdrawal");
  });

  it("checkpoints stake per block: stakeAt / totalStakeAt read the past, unstaking removes weight at once", async () => {
    const op = env.outsider;
    const reg = env.registry.connect(op);
    await reg.stake(5n * ETH);
    const b1 = await env.chain.blockNumber();
    await reg.stake(3n * ETH);
    const b2 = await env.chain.blockNumber();
    await reg.requestUnstake(6n * ETH);
    const b3 = await env.chain.blockNumber();
    await env.chain.mine();
    assert.equal(await env.registry.stakeAt(op.address, b1 - 1n), 0n);
    assert.equal(await env.registry.stakeAt(op.address, b1), 5n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, b2), 8n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, b3), 2n * ETH);
    assert.equal(await env.registry.totalStakeAt(b2), 108n * ETH);
    assert.equal(await env.registry.totalStakeAt(env.stakeBlock), 100n * ETH);
    assert.deepEqual(await reg.unbondingOf(op.address), { amount: 6n * ETH, unlockTime: BigInt((await env.provider.getBlock(Number(b3)))!.timestamp) + 7200n });
    assert.ok((await env.registry.operators()).includes(op.address));
    await expectRevert(reg.requestUnstake(3n * ETH), "InsufficientStake");
    await expectRevert(reg.stake(0n), "ZeroAmount");
  });

  it("refuses slashing and hold changes from anyone but the escrow, and a second escrow binding", async () => {
    const reg = env.registry.contract.connect(env.outsider) as typeof env.registry.contract;
    const id = taskIdOf(env, await makeTask(env));
    const calls = [
      () => reg.getFunction("slash").staticCall(env.attesters[0]!.address, 1n, id),
      () => reg.getFunction("placeHold").staticCall(env.attesters[0]!.address),
      () => reg.getFunction("releaseHold").staticCall(env.attesters[0]!.address),
    ];
    for (const call of calls) await assert.rejects(call(), (err) => revertReason(err) === "OnlyEscrow");
    await expectRevert(env.registry.connect(env.deployer).setEscrow(env.outsider.address), "EscrowAlreadySet");
    assert.notEqual(await env.registry.escrow(), ZeroAddress);
  });
});

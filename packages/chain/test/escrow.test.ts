import assert from "node:assert/strict";
import { ContractFactory, ZeroAddress } from "ethers";
import { EscrowArtifact, StakeRegistryArtifact, TaskStatus, decodeContractError, deployContracts, isChainError, revertReason, zkpoolEvents } from "../src/index.js";
import {
  DEFAULT_POOL_PARAMETERS,
  ETH,
  STAKES,
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
  makeTask,
  premiumOf,
  proofHashOf,
  quorum,
  roundDeadline,
  settleArgs,
  signTask,
  splitOf,
  taskIdOf,
  usePool,
  type PoolEnv,
} from "./helpers/pool.js";

describe("chain: escrow settlement, refusals, defaults (v1)", function () {
  this.timeout(120_000);
  const pool = usePool();
  let env: PoolEnv;
  before(() => {
    env = pool();
  });

  it("deploys with the devnet parameters of SPEC §9.1 and reads them back", async () => {
    const p = env.params;
    assert.equal(p.treasury, env.treasury.address);
    for (const k of ["epochSeconds", "minStake", "unstakeDelay", "maxSnapshotAge", "maxTaskLifetime", "settleGrace", "reportWindow",
      "withdrawalDelay", "premiumBps", "coverageBps", "feeBps", "treasuryShareBps", "royaltyBps", "attesterShareBps"] as const) {
      assert.equal(p[k], DEFAULT_POOL_PARAMETERS[k], k);
    }
    assert.equal(p.withdrawalDelay, p.maxSnapshotAge + p.maxTaskLifetime + p.reportWindow, "delays = the horizon");
    assert.equal(await env.escrow.collateral(ETH, 2n * ETH), 2n * ETH);
    assert.equal(await env.escrow.collateral(1n, 0n), p.minStake);
    assert.equal(await env.escrow.cost(ETH, 2n * ETH), ETH + (2n * ETH * 200n) / 10_000n);
  });

  it("refuses delays below the horizon and reportWindow < settleGrace (TS check and the constructor itself)", async () => {
    await assert.rejects(deployContracts(env.deployer, { withdrawalDelay: 3600n, unstakeDelay: 7200n }),
      (e) => isChainError(e) && e.code === "CHAIN_BAD_PARAMETERS");
    // past the TS check: the Escrow constructor refuses on its own
    const p = { ...DEFAULT_POOL_PARAMETERS, treasury: env.treasury.address };
    const registry = await new ContractFactory(StakeRegistryArtifact.abi, StakeRegistryArtifact.bytecode, env.deployer).deploy(p.epochSeconds, p.minStake, p.unstakeDelay);
    await registry.waitForDeployment();
    const ef = new ContractFactory(EscrowArtifact.abi, EscrowArtifact.bytecode, env.deployer);
    const tuple = (over: Partial<typeof p>) => {
      const q = { ...p, ...over };
      return [q.treasury, q.feeBps, q.treasuryShareBps, q.royaltyBps, q.premiumBps, q.coverageBps, q.maxSnapshotAge, q.maxTaskLifetime,
        q.settleGrace, q.reportWindow, q.withdrawalDelay, q.attesterShareBps];
    };
    const refused = async (over: Partial<typeof p>, field: string) => {
      await assert.rejects(ef.getDeployTransaction(await registry.getAddress(), env.deployed.deployment.circuitRegistry, tuple(over)).then((tx) => env.deployer.estimateGas(tx)),
        (e) => decodeContractError(e)?.name === "BadParameters" && decodeContractError(e)?.args[0] === field);
    };
    await refused({ withdrawalDelay: p.withdrawalDelay - 1n }, "withdrawalDelay");
    await refused({ maxTaskLifetime: p.maxTaskLifetime + 1n }, "withdrawalDelay");
    await refused({ reportWindow: 10n }, "reportWindow");
    await refused({ attesterShareBps: 10_001n }, "attesterShareBps");
    await assert.rejects(deployContracts(env.deployer, { attesterShareBps: 10_001n }), (e) => isChainError(e) && e.code === "CHAIN_BAD_PARAMETERS");
    // unstakeDelay below the horizon of a longer-lived escrow
    await refused({ maxSnapshotAge: p.maxSnapshotAge + 1n, withdrawalDelay: p.withdrawalDelay + 1n }, "unstakeDelay");
  });

  it("computes the SPEC taskId (EIP-712 digest) on chain", async () => {
    const task = await makeTask(env);
    assert.equal(await env.escrow.taskId(task), taskIdOf(env, task));
  });

  it("settles a task end to end from a quorum certificate and a real Groth16 proof, paying every party and the premium", async () => {
    const task = await makeTask(env);
    const prover = env.attesters[3]!;
    const author = env.outsider.address;
    await env.escrow.connect(prover).setRoyaltyRecipient(author);
    const before = await env.escrow.balanceOf(env.requester.address);
    const insuranceBefore = await env.escrow.insuranceFund();
    const price = ETH / 2n;
    // anyone may submit the settlement: here the deployer does, the payout still goes to the prover
    const receipt = await env.escrow.settle(settleArgs(env, task, { price }));
    const id = taskIdOf(env, task);
    const events = zkpoolEvents(receipt);
    assert.deepEqual(events.map((e) => e.name), ["TaskOpened", "TaskSettled", "AttestersPaid"]);
    assert.equal(events[0]!.args["locked"], costOf(env, task));
    assert.equal(events[1]!.args["taskId"], id);
    assert.equal(events[1]!.args["refund"], task.maxReward - price);
    const rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Settled);
    assert.equal(rec.locked, 0n);
    // fee 5% of price, half to treasury; royalty 10% of the rest; the remainder to the prover; premium to the fund
    const s = splitOf(env, price, true);
    assert.equal(await env.escrow.earnings(prover.address), s.toProver);
    assert.equal(await env.escrow.earnings(author), s.royalty);
    assert.equal(await env.escrow.earnings(env.treasury.address), s.toTreasury);
    // the attesters' share (SPEC §9.13) goes to the three signers; its rounding remainder to the fund
    const { remainder } = attesterSharesOf(s.toAttesters, STAKES.slice(0, 3));
    assert.equal((await env.escrow.insuranceFund()) - insuranceBefore, s.toInsurance + remainder + premiumOf(env, task));
    assert.equal(events[1]!.args["insuranceAmount"], s.toInsurance + remainder);
    assert.equal(events[2]!.args["total"], s.toAttesters - remainder);
    assert.equal(await env.escrow.balanceOf(env.requester.address), before - price - premiumOf(env, task));
    // the prover can claim its earnings
    const wallet = await env.provider.getBalance(prover.address);
    const r = await env.escrow.connect(prover).claim();
    assert.equal(await env.provider.getBalance(prover.address), wallet + s.toProver - r.gasUsed * r.gasPrice);
    await expectRevert(env.escrow.connect(prover).claim(), "NothingToClaim");
  });

  it("open() locks the cost once (idempotent while open); settlement then pays from the lock", async () => {
    const task = await makeTask(env);
    const sig = signTask(env, task);
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    const r = await env.escrow.connect(env.outsider).open(task, sig);
    assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["TaskOpened"]);
    const rec = await env.escrow.taskRecord(taskIdOf(env, task));
    assert.deepEqual({ status: rec.status, locked: rec.locked, funded: rec.funded, requester: rec.requester },
      { status: TaskStatus.Open, locked: costOf(env, task), funded: true, requester: env.requester.address });
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - costOf(env, task));
    assert.deepEqual(zkpoolEvents(await env.escrow.open(task, sig)).map((e) => e.name), []);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - costOf(env, task));
    assert.deepEqual(zkpoolEvents(await env.escrow.settle(settleArgs(env, task))).map((e) => e.name), ["TaskSettled", "AttestersPaid"]);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - ETH / 2n - premiumOf(env, task));
    await expectRevert(env.escrow.open(task, sig), "AlreadySettled");
  });

  it("refuses a double settlement (AlreadySettled)", async () => {
    const task = await makeTask(env);
    await env.escrow.settle(settleArgs(env, task));
    await expectRevert(env.escrow.settle(settleArgs(env, task)), "AlreadySettled");
  });

  it("refuses a forged certificate signature (InvalidAttesterSignature)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(env, task);
    // attester 0's slot signed by an outsider
    const forged = certify(assignmentDigest(env, taskIdOf(env, task), a.assignment), [env.outsider, ...env.attesters.slice(1, 3)]);
    const cert = { attesters: [...a.certificate.attesters], signatures: [...a.certificate.signatures] };
    const idx = cert.attesters.indexOf(env.attesters[0]!.address);
    cert.signatures[idx] = forged.signatures[forged.attesters.indexOf(env.outsider.address)]!;
    await expectRevert(env.escrow.settle({ ...a, certificate: cert }), "InvalidAttesterSignature");
  });

  it("refuses a certificate over a different price (the signatures do not match the claimed assignment)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(env, task, { price: ETH / 2n });
    await expectRevert(env.escrow.settle({ ...a, assignment: { ...a.assignment, price: ETH } }), "InvalidAttesterSignature");
  });

  it("refuses an under-quorum certificate (InsufficientQuorum), unsorted or duplicate attesters, an empty one", async () => {
    const task = await makeTask(env);
    const a = settleArgs(env, task);
    const digest = assignmentDigest(env, taskIdOf(env, task), a.assignment);
    // 40 + 20 = 60 of 100 ETH < 2/3
    const under = certify(digest, [env.attesters[0]!, env.attesters[2]!]);
    const e = await expectRevert(env.escrow.settle({ ...a, certificate: under }), "InsufficientQuorum");
    assert.equal(e.type["args"], `signedStake=${60n * ETH}, totalStake=${100n * ETH}`);
    // 40 + 30 = 70% passes, but unsorted order is refused
    const ok = certify(digest, [env.attesters[0]!, env.attesters[1]!]);
    const unsorted = { attesters: [...ok.attesters].reverse(), signatures: [...ok.signatures].reverse() };
    await expectRevert(env.escrow.settle({ ...a, certificate: unsorted }), "AttestersNotAscending");
    const dup = { attesters: [ok.attesters[0]!, ok.attesters[0]!], signatures: [ok.signatures[0]!, ok.signatures[0]!] };
    await expectRevert(env.escrow.settle({ ...a, certificate: dup }), "AttestersNotAscending");
    await expectRevert(env.escrow.settle({ ...a, certificate: { attesters: [], signatures: [] } }), "MalformedCertificate");
    await expectRevert(env.escrow.settle({ ...a, certificate: { attesters: ok.attesters, signatures: ok.signatures.slice(1) } }), "MalformedCertificate");
    await env.escrow.settle({ ...a, certificate: ok });
  });

  it("counts stake at the task's epoch, not stake added later; refuses future, stale and overlong tasks", async () => {
    // the outsider stakes 1000 ETH after the epoch: its signature adds nothing at the epoch
    await env.registry.connect(env.outsider).stake(1000n * ETH);
    await env.chain.mine();
    const task = await makeTask(env, { stakeEpoch: env.stakeEpoch });
    const a = settleArgs(env, task);
    const cert = certify(assignmentDigest(env, taskIdOf(env, task), a.assignment), [env.outsider, env.attesters[3]!]);
    await expectRevert(env.escrow.settle({ ...a, certificate: cert }), "InsufficientQuorum");
    // at a later epoch the outsider holds 1000 of 1100 ETH and certifies alone
    const later = await makeTask(env, { stakeEpoch: await freshEpoch(env) });
    const la = settleArgs(env, later, { signers: [env.outsider] });
    await env.escrow.settle(la);
    // an epoch that has not started is refused (EpochNotFinal)
    const now = await env.chain.latestTimestamp();
    const future = await makeTask(env, { stakeEpoch: now + 5n, bidDeadline: now + 10n, revealDeadline: now + 20n });
    await expectRevert(env.escrow.settle(settleArgs(env, future)), "EpochNotFinal");
    // a bid deadline more than maxSnapshotAge after the epoch's start, or not after it, is refused (StaleEpoch)
    const e = await freshEpoch(env);
    const old = await makeTask(env, { stakeEpoch: e, bidDeadline: e + env.params.maxSnapshotAge + 1n, revealDeadline: e + env.params.maxSnapshotAge + 2n });
    await expectRevert(env.escrow.open(old, signTask(env, old)), "StaleEpoch");
    const edge = await makeTask(env, { stakeEpoch: e, bidDeadline: e + env.params.maxSnapshotAge, revealDeadline: e + env.params.maxSnapshotAge + 2n });
    await env.escrow.open(edge, signTask(env, edge));
    const same = await makeTask(env, { stakeEpoch: e, bidDeadline: e, revealDeadline: e + 10n });
    await expectRevert(env.escrow.open(same, signTask(env, same)), "StaleEpoch");
    // finalDeadline - bidDeadline above maxTaskLifetime is refused (LifetimeTooLong)
    const long = await makeTask(env, { stakeEpoch: e, maxRounds: 3, proofWindow: Number(env.params.maxTaskLifetime) / 3 });
    await expectRevert(env.escrow.open(long, signTask(env, long)), "LifetimeTooLong");
    const justFits = await makeTask(env, { stakeEpoch: e, maxRounds: 2, proofWindow: (Number(env.params.maxTaskLifetime) - 10) / 2 });
    await env.escrow.open(justFits, signTask(env, justFits));
  });

  it("refuses an invalid proof (InvalidProof) and wrong public signals (PublicSignalsMismatch)", async () => {
    const task = await makeTask(env);
    const a = settleArgs(env, task);
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

  it("refuses a task signed by someone else or for another escrow; a sibling with the same nonce is its own task", async () => {
    const task = await makeTask(env);
    const a = settleArgs(env, task);
    await expectRevert(env.escrow.settle({ ...a, signature: signTask(env, task, env.outsider) }), "InvalidRequesterSignature");
    // the same task signed for a different verifying contract (another deployment) does not verify here
    const other = { ...env, escrow: { ...env.escrow, address: env.deployed.deployment.circuitRegistry } } as unknown as PoolEnv;
    await expectRevert(env.escrow.settle({ ...a, signature: signTask(other, task) }), "InvalidRequesterSignature");
    await env.escrow.settle(a);
    // a different task reusing the nonce (v0: NonceAlreadyUsed) settles with its own funds
    const sibling = { ...task, inputHash: taskIdOf(env, task) };
    const bal = await env.escrow.balanceOf(env.requester.address);
    await env.escrow.settle(settleArgs(env, sibling));
    assert.equal((await env.escrow.taskRecord(taskIdOf(env, sibling))).status, TaskStatus.Settled);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal - ETH / 2n - premiumOf(env, sibling));
  });

  it("refuses a price of 0 or above maxReward, and an unknown circuit", async () => {
    const task = await makeTask(env);
    await expectRevert(env.escrow.settle(settleArgs(env, task, { price: 2n * ETH })), "PriceOutOfRange");
    await expectRevert(env.escrow.settle(settleArgs(env, task, { price: 0n })), "PriceOutOfRange");
    const t2 = await makeTask(env, { proofSystem: 2 }); // circuit registered for Groth16, task says PLONK
    await expectRevert(env.escrow.settle(settleArgs(env, t2)), "UnknownCircuit");
  });

  it("refuses malformed tasks (InvalidTask): no rounds, no proof window, deadlines out of order or overflowing", async () => {
    for (const over of [{ maxRounds: 0 }, { proofWindow: 0 }, { maxReward: 0n }, { revealDeadline: 1n, bidDeadline: 2n },
      { revealDeadline: 2n ** 64n - 100n, bidDeadline: 0n, maxRounds: 2 }, { requester: ZeroAddress }]) {
      const task = await makeTask(env, over);
      await expectRevert(env.escrow.open(task, signTask(env, task)), "InvalidTask");
    }
    await expectRevert(env.escrow.expire(await makeTask(env, { maxRounds: 0 })), "InvalidTask");
  });

  it("refuses a task the requester cannot fund with its premium (InsufficientBalance)", async () => {
    const bal = await env.escrow.balanceOf(env.requester.address);
    // maxReward alone fits, maxReward + premium does not
    const task = await makeTask(env, { maxReward: bal, penalty: bal });
    assert.ok(collateralOf(env, task) <= bal);
    const e = await expectRevert(env.escrow.open(task, signTask(env, task)), "InsufficientBalance");
    assert.equal(e.type["args"], `available=${bal}, requested=${costOf(env, task)}`);
  });

  it("settles up to the round deadline without, and within settleGrace only with, the Completion certificate", async () => {
    const task = await makeTask(env);
    const id = taskIdOf(env, task);
    const deadline = roundDeadline(task, 0);
    const s1 = await env.chain.snapshot();
    await env.chain.setNextBlockTimestamp(deadline);
    await env.escrow.settle(settleArgs(env, task));
    await env.chain.revert(s1);
    const s2 = await env.chain.snapshot();
    await env.chain.setNextBlockTimestamp(deadline + 1n);
    await expectRevert(env.escrow.settle(settleArgs(env, task)), "MalformedCertificate");
    // a Completion certificate over another proof hash does not do
    const a = settleArgs(env, task);
    const wrong = certify(completionDigest(env, id, 0, a.assignment.prover, proofHashOf([...a.proof].reverse())), quorum(env));
    await env.chain.setNextBlockTimestamp(deadline + 2n);
    await expectRevert(env.escrow.settle({ ...a, completionCertificate: wrong }), "InvalidAttesterSignature");
    await env.chain.setNextBlockTimestamp(deadline + env.params.settleGrace);
    await env.escrow.settle(settleArgs(env, task, { completion: true }));
    assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.Settled);
    await env.chain.revert(s2);
    await env.chain.setNextBlockTimestamp(deadline + env.params.settleGrace + 1n);
    await expectRevert(env.escrow.settle(settleArgs(env, task, { completion: true })), "DeadlinePassed");
  });

  it("refuses an early default, slashes on a certified default, moves to the next round, then settles there", async () => {
    const task = await makeTask(env);
    const id = taskIdOf(env, task);
    const prover0 = env.attesters[3]!.address;
    const d0 = defaultArgs(env, task, 0, prover0);
    const deadline0 = roundDeadline(task, 0);
    await env.chain.setNextBlockTimestamp(deadline0);
    await expectRevert(env.escrow.reportDefault(d0), "DeadlineNotReached");
    // one second later it is due; an under-quorum default certificate is still refused
    await env.chain.setNextBlockTimestamp(deadline0 + 1n);
    await expectRevert(env.escrow.reportDefault({ ...d0, defaultCertificate: certify(defaultDigest(env, id, 0, prover0), [env.attesters[0]!]) }), "InsufficientQuorum");
    const insurance0 = await env.escrow.insuranceFund();
    const r = await env.escrow.reportDefault(d0);
    assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["TaskOpened", "Slashed", "TaskDefaulted"]);
    assert.equal(await env.registry.stakeOf(prover0), 8n * ETH);
    let rec = await env.escrow.taskRecord(id);
    assert.equal(rec.round, 1);
    assert.equal(rec.defaults, 1);
    assert.equal(rec.slashed, 2n * ETH);
    // round 0 is over: neither its settlement nor a second default for it is accepted
    await expectRevert(env.escrow.settle(settleArgs(env, task, { completion: true })), "WrongRound");
    await expectRevert(env.escrow.reportDefault(d0), "WrongRound");
    // round 1, won by attester 2 (within its window)
    const price = ETH / 4n;
    await env.escrow.settle(settleArgs(env, task, { round: 1, prover: env.attesters[2]!.address, price }));
    rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Settled);
    assert.equal(rec.slashed, 0n);
    // the slashed stake of round 0 goes to the insurance fund (with the fee share and the premium) when the task is proven
    // (and the attesters' rounding remainder, SPEC §9.13)
    const s = splitOf(env, price, false);
    const { remainder } = attesterSharesOf(s.toAttesters, STAKES.slice(0, 3));
    assert.equal((await env.escrow.insuranceFund()) - insurance0, 2n * ETH + s.toInsurance + remainder + premiumOf(env, task));
  });

  it("fails a task after the last round's default: refund + penalty from slashed stake first, the excess to the fund", async () => {
    const task = await makeTask(env, { penalty: 15n * ETH }); // collateral 15 ETH: attesters 0-2 are eligible
    const id = taskIdOf(env, task);
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    const ins0 = await env.escrow.insuranceFund();
    const p0 = env.attesters[2]!.address; // 20 ETH
    await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address)), "DeadlineNotReached");
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
    await expectRevert(env.escrow.reportDefault(defaultArgs(env, task, 0, env.attesters[3]!.address)), "ProverNotEligible");
    await env.escrow.reportDefault(defaultArgs(env, task, 0, p0));
    assert.equal(await env.registry.stakeOf(p0), 5n * ETH);
    const p1 = env.attesters[1]!.address; // 30 ETH
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 1) + 1n);
    const r = await env.escrow.reportDefault(defaultArgs(env, task, 1, p1));
    assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["Slashed", "TaskDefaulted", "TaskFailed", "PenaltyPaid"]);
    assert.equal(await env.registry.stakeOf(p1), 15n * ETH);
    const rec = await env.escrow.taskRecord(id);
    assert.equal(rec.status, TaskStatus.Failed);
    assert.ok(rec.penaltyPaid);
    assert.deepEqual([rec.locked, rec.slashed], [0n, 0n]);
    // slashed 15 + 15 = 30 ETH; penalty 15 ETH paid from it; 15 ETH left over + the premium go to the insurance fund
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 - premiumOf(env, task) + 15n * ETH);
    assert.equal((await env.escrow.insuranceFund()) - ins0, 15n * ETH + premiumOf(env, task));
    await expectRevert(env.escrow.settle(settleArgs(env, task, { round: 1 })), "TaskClosed");
    await expectRevert(env.escrow.expire(task), "DeadlineNotReached");
  });

  it("pays the missing penalty from the insurance fund on expiry, at most coverageBps of the fund", async () => {
    // the 10 ETH prover is eligible (collateral 10 ETH) for two tasks of the same epoch and defaults on both
    const p = env.attesters[3]!.address;
    const t1 = await makeTask(env, { penalty: 10n * ETH, maxRounds: 2 });
    const t2 = await makeTask(env, { penalty: 10n * ETH, maxRounds: 2 });
    await env.chain.setNextBlockTimestamp(roundDeadline(t1, 0) + 1n);
    await env.escrow.reportDefault(defaultArgs(env, t1, 0, p));
    assert.equal(await env.registry.stakeOf(p), 0n);
    assert.equal((await env.escrow.taskRecord(taskIdOf(env, t1))).slashed, 10n * ETH);
    await env.escrow.reportDefault(defaultArgs(env, t2, 0, p));
    assert.equal((await env.escrow.taskRecord(taskIdOf(env, t2))).slashed, 0n, "nothing left to slash");
    const closes = finalDeadline(t2) + env.params.settleGrace;
    await env.chain.setNextBlockTimestamp(closes);
    await expectRevert(env.escrow.expire(t2), "DeadlineNotReached");
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    const fund = await env.escrow.insuranceFund();
    await env.chain.setNextBlockTimestamp(closes + 1n);
    const r = await env.escrow.expire(t2);
    const premium = premiumOf(env, t2);
    const cap = ((fund + premium) * env.params.coverageBps) / 10_000n;
    assert.ok(cap < 10n * ETH, "the fund is too small to cover the whole penalty");
    const paid = zkpoolEvents(r).find((e) => e.name === "PenaltyPaid")!.args;
    assert.deepEqual([paid["fromSlash"], paid["fromInsurance"]], [0n, cap]);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 + costOf(env, t2) - premium + cap);
    assert.equal(await env.escrow.insuranceFund(), fund + premium - cap);
    await expectRevert(env.escrow.expire(t2), "TaskNotOpen");
    // t1 fails with its own slash: the whole penalty comes from it, the fund pays nothing
    const fund1 = await env.escrow.insuranceFund();
    const r1 = await env.escrow.expire(t1);
    const paid1 = zkpoolEvents(r1).find((e) => e.name === "PenaltyPaid")!.args;
    assert.deepEqual([paid1["fromSlash"], paid1["fromInsurance"]], [10n * ETH, 0n]);
    assert.equal(await env.escrow.insuranceFund(), fund1 + premiumOf(env, t1));
  });

  it("pays the whole missing penalty from a fund large enough for it", async () => {
    await env.escrow.connect(env.outsider).fundInsurance(200n * ETH);
    const p = env.attesters[3]!.address;
    await env.registry.connect(env.attesters[3]!).requestUnstake(6n * ETH); // 4 ETH active, 6 ETH unbonding
    const task = await makeTask(env, { penalty: 10n * ETH, maxRounds: 1, stakeEpoch: env.stakeEpoch });
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
    const r = await env.escrow.reportDefault(defaultArgs(env, task, 0, p));
    // eligible at the epoch (10 ETH); slashed from active stake first, then from unbonding
    assert.equal(await env.registry.stakeOf(p), 0n);
    assert.equal((await env.registry.unbondingOf(p)).amount, 0n);
    const paid = zkpoolEvents(r).find((e) => e.name === "PenaltyPaid")!.args;
    assert.deepEqual([paid["fromSlash"], paid["fromInsurance"]], [10n * ETH, 0n]);
    assert.ok(!(await env.registry.operators()).includes(p), "an operator slashed to nothing leaves the list");
    // a second task (penalty 10) whose prover has nothing left: the fund (>= 100 ETH) covers it all
    const t2 = await makeTask(env, { penalty: 10n * ETH, maxRounds: 1, stakeEpoch: env.stakeEpoch });
    await env.chain.setNextBlockTimestamp(roundDeadline(t2, 0) + 1n);
    const r2 = await env.escrow.reportDefault(defaultArgs(env, t2, 0, p));
    const paid2 = zkpoolEvents(r2).find((e) => e.name === "PenaltyPaid")!.args;
    assert.deepEqual([paid2["fromSlash"], paid2["fromInsurance"]], [0n, 10n * ETH]);
  });

  it("delays requester withdrawals by the horizon and refuses to withdraw funds that tasks locked meanwhile", async () => {
    const esc = env.escrow.connect(env.requester);
    const bal = await esc.balanceOf(env.requester.address);
    await expectRevert(esc.requestWithdrawal(bal + 1n), "InsufficientBalance");
    await expectRevert(esc.requestWithdrawal(0n), "ZeroAmount");
    await esc.requestWithdrawal(bal);
    assert.equal(await esc.availableBalance(env.requester.address), 0n);
    await expectRevert(esc.withdraw(), "WithdrawalNotReady");
    // the pool touches a task before the delay ends: its cost is locked
    const task = await makeTask(env);
    await env.escrow.open(task, signTask(env, task));
    await env.chain.increaseTime(env.params.withdrawalDelay - 10n);
    await expectRevert(esc.withdraw(), "WithdrawalNotReady");
    await env.chain.increaseTime(11n);
    const e = await expectRevert(esc.withdraw(), "InsufficientFreeBalance");
    assert.ok(e.message.includes("InsufficientFreeBalance"));
    const rest = bal - costOf(env, task);
    await esc.requestWithdrawal(rest);
    await env.chain.increaseTime(env.params.withdrawalDelay);
    const w0 = await env.provider.getBalance(env.requester.address);
    const r = await esc.withdraw();
    assert.equal(await env.provider.getBalance(env.requester.address), w0 + rest - r.gasUsed * r.gasPrice);
    assert.equal(await esc.balanceOf(env.requester.address), 0n);
    await expectRevert(esc.withdraw(), "NoPendingWithdrawal");
    await esc.deposit(ETH);
    await esc.requestWithdrawal(ETH);
    await esc.cancelWithdrawal();
    await expectRevert(esc.cancelWithdrawal(), "NoPendingWithdrawal");
    assert.equal(await esc.availableBalance(env.requester.address), ETH);
  });

  it("checkpoints stake per epoch: stakeAt / totalStakeAt read the past, unstaking removes weight from later epochs", async () => {
    const op = env.outsider;
    const reg = env.registry.connect(op);
    await reg.stake(5n * ETH);
    const t1 = await env.chain.latestTimestamp();
    await env.chain.setNextBlockTimestamp(t1 + 5n);
    await reg.stake(3n * ETH);
    const t2 = t1 + 5n;
    await env.chain.setNextBlockTimestamp(t2 + 5n);
    await reg.requestUnstake(6n * ETH);
    const t3 = t2 + 5n;
    await env.chain.mine();
    // stakeAt(e) = stake at the end of the last block with timestamp < e
    assert.equal(await env.registry.stakeAt(op.address, t1), 0n);
    assert.equal(await env.registry.stakeAt(op.address, t1 + 1n), 5n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, t2), 5n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, t2 + 1n), 8n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, t3), 8n * ETH);
    assert.equal(await env.registry.stakeAt(op.address, t3 + 1n), 2n * ETH);
    assert.equal(await env.registry.totalStakeAt(t2 + 1n), 108n * ETH);
    assert.equal(await env.registry.totalStakeAt(env.stakeEpoch), 100n * ETH);
    assert.ok((await env.registry.totalStakeAt(env.stakeEpoch - 1n)) <= 90n * ETH, "the last stake, in the block at stakeTime, is not in epoch stakeTime");
    assert.equal(await env.registry.stakeOf(op.address), 2n * ETH);
    assert.deepEqual(await reg.unbondingOf(op.address), { amount: 6n * ETH, unlockTime: t3 + env.params.unstakeDelay });
    assert.ok((await env.registry.operators()).includes(op.address));
    await expectRevert(reg.requestUnstake(3n * ETH), "InsufficientStake");
    await expectRevert(reg.stake(0n), "ZeroAmount");
    await expectRevert(reg.requestUnstake(0n), "ZeroAmount");
  });

  it("keeps active stake at 0 or >= minStake, and lists only operators with active or unbonding stake", async () => {
    const min = env.params.minStake;
    const op = env.outsider;
    const reg = env.registry.connect(op);
    await expectRevert(reg.stake(1n), "BelowMinStake");
    await expectRevert(reg.stake(min - 1n), "BelowMinStake");
    assert.ok(!(await env.registry.operators()).includes(op.address));
    await reg.stake(min);
    await reg.stake(1n); // a top-up above the minimum is fine
    await expectRevert(reg.requestUnstake(2n), "BelowMinStake");
    await reg.requestUnstake(1n);
    await reg.requestUnstake(min); // all of it
    assert.equal(await env.registry.stakeOf(op.address), 0n);
    assert.ok((await env.registry.operators()).includes(op.address), "still listed while unbonding");
    await expectRevert(reg.withdrawStake(), "UnstakeNotReady");
    await env.chain.increaseTime(env.params.unstakeDelay);
    const w0 = await env.provider.getBalance(op.address);
    const r = await reg.withdrawStake();
    assert.equal(await env.provider.getBalance(op.address), w0 + min + 1n - r.gasUsed * r.gasPrice);
    assert.ok(!(await env.registry.operators()).includes(op.address), "left the list");
    assert.equal((await env.registry.operators()).length, 4);
    await expectRevert(reg.withdrawStake(), "NothingUnbonding");
  });

  it("expires a task after finalDeadline + settleGrace: refund minus premium; a task never seen is only closed", async () => {
    const task = await makeTask(env);
    const id = taskIdOf(env, task);
    await env.escrow.open(task, signTask(env, task));
    const bal0 = await env.escrow.balanceOf(env.requester.address);
    const fund0 = await env.escrow.insuranceFund();
    const unseen = await makeTask(env);
    // mine the block at that time first: the gas estimate then already sees it (anvil estimates against the
    // latest block's time, not the time set for the next block)
    await env.chain.setNextBlockTimestamp(finalDeadline(task) + env.params.settleGrace + 1n);
    await env.chain.mine();
    const r = await env.escrow.expire(task);
    assert.deepEqual(zkpoolEvents(r).map((e) => e.name), ["TaskFailed"]);
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal0 + costOf(env, task) - premiumOf(env, task));
    assert.equal(await env.escrow.insuranceFund(), fund0 + premiumOf(env, task));
    assert.equal((await env.escrow.taskRecord(id)).status, TaskStatus.Failed);
    const bal1 = await env.escrow.balanceOf(env.requester.address);
    await env.escrow.connect(env.outsider).expire(unseen);
    const rec = await env.escrow.taskRecord(taskIdOf(env, unseen));
    assert.deepEqual({ status: rec.status, funded: rec.funded, locked: rec.locked }, { status: TaskStatus.Failed, funded: false, locked: 0n });
    assert.equal(await env.escrow.balanceOf(env.requester.address), bal1);
    await expectRevert(env.escrow.open(unseen, signTask(env, unseen)), "TaskClosed");
    await expectRevert(env.escrow.expire(unseen), "TaskNotOpen");
  });

  it("refuses slashing from anyone but the escrow, a second escrow binding, and ether sent to the escrow", async () => {
    const reg = env.registry.contract.connect(env.outsider) as typeof env.registry.contract;
    const id = taskIdOf(env, await makeTask(env));
    await assert.rejects(reg.getFunction("slash").staticCall(env.attesters[0]!.address, 1n, id), (err) => revertReason(err) === "OnlyEscrow");
    await expectRevert(env.registry.connect(env.deployer).setEscrow(env.outsider.address), "EscrowAlreadySet");
    assert.notEqual(await env.registry.escrow(), ZeroAddress);
    await assert.rejects(env.outsider.sendTransaction({ to: env.escrow.address, value: 1n }), (err) => revertReason(err) === "UnexpectedEther");
  });
});

/**
 * The contracts against @zkpool/protocol: tasks signed, votes cast and certificates assembled by the protocol
 * package (as pool nodes do) are accepted on chain, for each proof system and for every v1 certificate kind
 * (Assignment, Completion, Default, Invalid, NonReveal), with stake read by ChainStakeSource at the task's epoch.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ProofSystem, assembleCertificate, attesterSet, bidCommitment, checkTaskEconomics, collateral, cost, encodeProofWords,
  proofHash, publicSignalsHash, randomSalt, sha256, signTask, signVote, taskId,
  type Certificate, type Hex, type ProtocolDomain, type Task, type Unsigned, type VoteBody,
} from "@zkpool/protocol";
import { ChainStakeSource, TaskStatus, certificateStructOf, chainParamsFromPool, isChainError, taskStructOf } from "../src/index.js";
import {
  ETH, FIXTURES, STAKES, fixtureArtifacts, groth16Proof, otherProof, recentEpoch, roundDeadline, startPool, terminateSnarkjs,
  type FixtureProof, type PoolEnv,
} from "./helpers/pool.js";

const fileHash = (name: string): Hex => sha256(readFileSync(join(FIXTURES, name)));
const lc = (a: string): Hex => a.toLowerCase() as Hex;

describe("chain: protocol-produced tasks and certificates are accepted on chain", function () {
  this.timeout(120_000);
  let env: PoolEnv;
  let domain: ProtocolDomain;
  let stakes: ChainStakeSource;
  let snap: string;
  const proofs: Record<number, FixtureProof> = {};

  before(async () => {
    env = await startPool();
    domain = { chainId: env.chainId, escrow: lc(env.escrow.address) };
    stakes = new ChainStakeSource({ stakeRegistry: env.registry.address, runner: env.provider, epochSeconds: env.params.epochSeconds });
    proofs[ProofSystem.Groth16] = await groth16Proof({ a: 5, b: 7 });
    proofs[ProofSystem.Plonk] = await otherProof("plonk", { a: 5, b: 7 });
    proofs[ProofSystem.Fflonk] = await otherProof("fflonk", { a: 5, b: 7 });
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

  /** A protocol Task for the fixture circuit, signed by the requester, at a recent epoch. */
  async function protocolTask(system: ProofSystem, over: Partial<Unsigned<Task>> = {}): Promise<Task> {
    const kind = system === ProofSystem.Groth16 ? "groth16" : system === ProofSystem.Plonk ? "plonk" : "fflonk";
    const stakeEpoch = await recentEpoch(env);
    const now = await env.chain.latestTimestamp();
    const unsigned: Unsigned<Task> = {
      requester: lc(env.requester.address), proofSystem: system, wasmSha256: fileHash("mul.wasm"),
      zkeySha256: fileHash(`${kind}.zkey`), vkeySha256: sha256(fixtureArtifacts(system).vkey),
      inputHash: sha256(new TextEncoder().encode('{"a":5,"b":7}')), inputSize: 13n,
      publicSignalsHash: publicSignalsHash(proofs[system]!.publicSignals), maxReward: ETH, penalty: ETH,
      bidDeadline: now + 10n, revealDeadline: now + 20n, proofWindow: 300, maxRounds: 2,
      stakeEpoch, nonce: 1000n + BigInt(system), ...over,
    };
    return signTask(unsigned, env.requester, domain);
  }

  /** The certificate of `body` assembled from every attester's vote with the stake table at the task's epoch. */
  async function certificateOf(task: Task, body: VoteBody): Promise<Certificate> {
    const votes = env.attesters.map((w) => signVote({ ...body, attester: lc(w.address) }, w, domain));
    const cert = assembleCertificate(body, votes, attesterSet(await stakes.stakeTable(task.stakeEpoch)), domain);
    assert.ok(cert, "the four attesters reach quorum");
    return cert;
  }

  it("ChainStakeSource reads the attester set at the epoch and refuses an epoch that is not final", async () => {
    const table = await stakes.stakeTable(env.stakeEpoch);
    assert.deepEqual([...table.entries()], env.attesters.map((a, i) => [a.address, STAKES[i]]));
    assert.equal(await stakes.stakeOf(lc(env.attesters[1]!.address), env.stakeEpoch), STAKES[1]);
    assert.equal(await stakes.stakeOf(env.outsider.address, env.stakeEpoch), 0n);
    assert.equal(await stakes.totalStakeAt(env.stakeEpoch), 100n * ETH);
    // before the stakes were made, the set was empty
    assert.equal((await stakes.stakeTable(1n)).size, 0);
    const future = (await env.chain.latestTimestamp()) + 1000n;
    await assert.rejects(stakes.stakeTable(future), (e) => isChainError(e) && e.code === "CHAIN_EPOCH_NOT_FINAL");
  });

  it("the protocol's v1 economics agree with the escrow (collateral, cost, task validity)", async () => {
    const p = chainParamsFromPool(env.params);
    for (const [maxReward, penalty] of [[ETH, 2n * ETH], [1n, 0n], [5n * ETH, ETH], [ETH, 12345678901234567n]] as const) {
      assert.equal(collateral({ maxReward, penalty }, p), await env.escrow.collateral(maxReward, penalty));
      assert.equal(cost({ maxReward, penalty }, p), await env.escrow.cost(maxReward, penalty));
    }
    const task = await protocolTask(ProofSystem.Groth16);
    assert.equal(checkTaskEconomics(task, await env.chain.latestTimestamp(), p), undefined);
    await env.escrow.open(taskStructOf(task), task.signature);
    const stale = await protocolTask(ProofSystem.Groth16, { stakeEpoch: task.bidDeadline - p.maxSnapshotAge - 1n });
    assert.equal(checkTaskEconomics(stale, await env.chain.latestTimestamp(), p)?.code, "STALE_EPOCH");
    await assert.rejects(env.escrow.open(taskStructOf(stale), stale.signature), (e) => isChainError(e) && e.type["reason"] === "StaleEpoch");
  });

  for (const [name, system] of [["Groth16", ProofSystem.Groth16], ["PLONK", ProofSystem.Plonk], ["FFLONK", ProofSystem.Fflonk]] as const) {
    it(`settles a ${name} task signed with signTask and certified with assembleCertificate`, async () => {
      const proof = proofs[system]!;
      const task = await protocolTask(system);
      const struct = taskStructOf(task);
      const tid = taskId(task, domain);
      assert.equal(await env.escrow.taskId(struct), tid);
      const prover = lc(env.attesters[1]!.address);
      const body = { kind: "assignment" as const, taskId: tid, round: 0, prover, price: ETH / 3n };
      const cert = await certificateOf(task, body);
      await env.escrow.settle({
        task: struct, signature: task.signature, assignment: { round: 0, prover, price: body.price },
        certificate: certificateStructOf(cert), proof: proof.proof, publicSignals: proof.publicSignals,
      });
      assert.equal((await env.escrow.taskRecord(tid)).status, TaskStatus.Settled);
    });
  }

  it("a late settlement with the protocol's Completion certificate (proofHash of the canonical proof bytes)", async () => {
    const proof = proofs[ProofSystem.Groth16]!;
    const task = await protocolTask(ProofSystem.Groth16);
    const tid = taskId(task, domain);
    const prover = lc(env.attesters[2]!.address);
    const assignment = await certificateOf(task, { kind: "assignment", taskId: tid, round: 0, prover, price: ETH / 2n });
    const completion = await certificateOf(task, {
      kind: "completion", taskId: tid, round: 0, prover, proofHash: proofHash(encodeProofWords(ProofSystem.Groth16, proof.proof)),
    });
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 5n);
    await env.escrow.settle({
      task: taskStructOf(task), signature: task.signature, assignment: { round: 0, prover, price: ETH / 2n },
      certificate: certificateStructOf(assignment), proof: proof.proof, publicSignals: proof.publicSignals,
      completionCertificate: certificateStructOf(completion),
    });
    assert.equal((await env.escrow.taskRecord(tid)).status, TaskStatus.Settled);
  });

  it("a default with the protocol's Assignment and Default certificates slashes; Invalid and NonReveal certificates are accepted", async () => {
    const task = await protocolTask(ProofSystem.Groth16);
    const tid = taskId(task, domain);
    const prover = lc(env.attesters[3]!.address);
    assert.ok((await stakes.stakeOf(prover, task.stakeEpoch)) >= collateral(task, chainParamsFromPool(env.params)));
    const assignment = await certificateOf(task, { kind: "assignment", taskId: tid, round: 0, prover, price: ETH / 2n });
    const def = await certificateOf(task, { kind: "default", taskId: tid, round: 0, prover });
    await env.chain.setNextBlockTimestamp(roundDeadline(task, 0) + 1n);
    await env.escrow.reportDefault({
      task: taskStructOf(task), signature: task.signature, assignment: { round: 0, prover, price: ETH / 2n },
      assignmentCertificate: certificateStructOf(assignment), defaultCertificate: certificateStructOf(def),
    });
    assert.equal(await env.registry.stakeOf(prover), STAKES[3]! - task.penalty);

    const other = await protocolTask(ProofSystem.Groth16, { nonce: 77n });
    const oid = taskId(other, domain);
    const invalid = await certificateOf(other, { kind: "invalid", taskId: oid, round: 0 });
    await env.escrow.reportInvalid(taskStructOf(other), other.signature, certificateStructOf(invalid));
    assert.equal((await env.escrow.taskRecord(oid)).status, TaskStatus.Invalid);

    const third = await protocolTask(ProofSystem.Groth16, { nonce: 78n });
    const thid = taskId(third, domain);
    const bidder = lc(env.attesters[2]!.address);
    const commitment = bidCommitment(thid, bidder, ETH / 2n, randomSalt());
    const nr = await certificateOf(third, { kind: "nonReveal", taskId: thid, round: 0, prover: bidder, commitment });
    await env.chain.setNextBlockTimestamp(third.revealDeadline + 3n);
    await env.escrow.reportNonReveal({ task: taskStructOf(third), signature: third.signature, prover: bidder, commitment, certificate: certificateStructOf(nr) });
    assert.equal(await env.registry.stakeOf(bidder), STAKES[2]! - third.maxReward);
    assert.ok(await env.escrow.nonRevealReported(thid, bidder));
  });
});

/**
 * The contracts against @zkpool/protocol: tasks signed, votes cast and certificates assembled by the protocol
 * package (as pool nodes do) are accepted on chain, for each proof system, with stake read by ChainStakeSource.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ProofSystem, assembleCertificate, attesterSet, circuitId, publicSignalsHash, sha256, signTask, signVote, taskId,
  type Hex, type ProtocolDomain, type Task,
} from "@zkpool/protocol";
import { ChainStakeSource, TaskStatus, certificateStructOf, isChainError, taskStructOf } from "../src/index.js";
import { ETH, FIXTURES, STAKES, groth16Proof, otherProof, startPool, terminateSnarkjs, type FixtureProof, type PoolEnv } from "./helpers/pool.js";

const fileHash = (name: string): Hex => sha256(readFileSync(join(FIXTURES, name)));

describe("chain: protocol-produced tasks and certificates settle on chain", function () {
  this.timeout(120_000);
  let env: PoolEnv;
  let domain: ProtocolDomain;
  let stakes: ChainStakeSource;
  const proofs: Record<number, FixtureProof> = {};

  before(async () => {
    env = await startPool();
    domain = { chainId: env.chainId, escrow: env.escrow.address.toLowerCase() as Hex };
    stakes = new ChainStakeSource({ stakeRegistry: env.registry.address, runner: env.provider });
    proofs[ProofSystem.Groth16] = await groth16Proof({ a: 5, b: 7 });
    proofs[ProofSystem.Plonk] = await otherProof("plonk", { a: 5, b: 7 });
    proofs[ProofSystem.Fflonk] = await otherProof("fflonk", { a: 5, b: 7 });
  });
  after(async () => {
    await env?.stop();
    await terminateSnarkjs();
  });

  it("ChainStakeSource reads the attester set at the snapshot and refuses a snapshot that is not final", async () => {
    const table = await stakes.stakeTable(env.stakeBlock);
    assert.deepEqual([...table.entries()], env.attesters.map((a, i) => [a.address, STAKES[i]]));
    assert.equal(await stakes.stakeOf(env.attesters[1]!.address.toLowerCase(), env.stakeBlock), STAKES[1]);
    assert.equal(await stakes.stakeOf(env.outsider.address, env.stakeBlock), 0n);
    assert.equal(await stakes.totalStakeAt(env.stakeBlock), 100n * ETH);
    // before the stakes were made, the set was empty
    assert.equal((await stakes.stakeTable(1n)).size, 0);
    const future = BigInt(await env.provider.getBlockNumber()) + 5n;
    await assert.rejects(stakes.stakeTable(future), (e) => isChainError(e) && e.code === "CHAIN_SNAPSHOT_NOT_FINAL");
  });

  for (const [name, system] of [["Groth16", ProofSystem.Groth16], ["PLONK", ProofSystem.Plonk], ["FFLONK", ProofSystem.Fflonk]] as const) {
    it(`settles a ${name} task signed with signTask and certified with assembleCertificate`, async () => {
      const kind = name.toLowerCase();
      const wasmSha256 = fileHash("mul.wasm");
      const zkeySha256 = fileHash(`${kind}.zkey`);
      const vkeySha256 = fileHash(`${kind}.vkey.json`);
      const id = circuitId(system, wasmSha256, zkeySha256, vkeySha256);
      await env.escrow.registerCircuit(id, env.verifiers[system]!, system, 2);
      const proof = proofs[system]!;
      const now = await env.chain.latestTimestamp();
      const task: Task = signTask({
        requester: env.requester.address.toLowerCase() as Hex, proofSystem: system, wasmSha256, zkeySha256, vkeySha256,
        inputHash: sha256(new TextEncoder().encode('{"a":5,"b":7}')), inputSize: 13n,
        publicSignalsHash: publicSignalsHash(proof.publicSignals), maxReward: ETH, penalty: ETH,
        bidDeadline: now + 10n, revealDeadline: now + 20n, proofWindow: 300, maxRounds: 2,
        stakeEpoch: env.stakeBlock, nonce: 1000n + BigInt(system),
      }, env.requester, domain);
      const struct = taskStructOf(task);
      const tid = taskId(task, domain);
      assert.equal(await env.escrow.taskId(struct), tid);

      const prover = env.attesters[1]!.address.toLowerCase() as Hex;
      const body = { kind: "assignment" as const, taskId: tid, round: 0, prover, price: ETH / 3n };
      const votes = env.attesters.map((w) => signVote({ ...body, attester: w.address.toLowerCase() as Hex }, w, domain));
      const set = attesterSet(await stakes.stakeTable(task.stakeEpoch));
      const cert = assembleCertificate(body, votes, set, domain);
      assert.ok(cert, "the four attesters reach quorum");
      await env.escrow.settle({
        task: struct, signature: task.signature, assignment: { round: 0, prover, price: body.price },
        certificate: certificateStructOf(cert), proof: proof.proof, publicSignals: proof.publicSignals,
      });
      assert.equal((await env.escrow.taskRecord(tid)).status, TaskStatus.Settled);
    });
  }
});

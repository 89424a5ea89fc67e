/**
 * End to end with the pool's demo circuit (@zkpool/circuits range-check-32, committed artifacts): registered by
 * an outsider through the permissionless registry (which derives the same SPEC circuitId), a real proof per proof system, a task signed
 * and a certificate assembled with @zkpool/protocol, settled on chain.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { loadCircuit } from "@zkpool/circuits";
import {
  assembleCertificate, attesterSet, groth16ProofWords, proofWordsFromSolidityCalldata, publicSignalsHash, sha256, signTask,
  signVote, taskId, type Hex, type ProtocolDomain,
} from "@zkpool/protocol";
import { ChainStakeSource, TaskStatus, certificateStructOf, taskStructOf } from "../src/index.js";
import { ETH, recentEpoch, startPool, terminateSnarkjs, type PoolEnv } from "./helpers/pool.js";

const SYSTEMS = [
  { name: "groth16", id: 1 },
  { name: "plonk", id: 2 },
  { name: "fflonk", id: 3 },
] as const;

describe("chain: demo circuit range-check-32 settles end to end", function () {
  this.timeout(120_000);
  let env: PoolEnv;
  let domain: ProtocolDomain;

  before(async () => {
    env = await startPool();
    domain = { chainId: env.chainId, escrow: env.escrow.address.toLowerCase() as Hex };
  });
  after(async () => {
    await env?.stop();
    await terminateSnarkjs();
  });

  for (const sys of SYSTEMS) {
    it(`${sys.name}: registered by its key, real proof, protocol task and certificate`, async () => {
      const c = await loadCircuit("range-check-32", sys.name);
      const registry = env.deployed.circuitRegistry.connect(env.outsider);
      const reg = await registry.register(sys.id, `0x${c.wasm.sha256}`, `0x${c.zkey.sha256}`, readFileSync(c.vkey.path));
      assert.equal(reg.circuitId, c.circuitId, "the chain derives the catalog's circuit id");

      let proof: bigint[];
      let signals: string[];
      if (sys.name === "groth16") {
        const r = await snarkjs.groth16.fullProve(c.sampleInput, c.wasm.path, c.zkey.path);
        proof = groth16ProofWords(r.proof);
        signals = r.publicSignals;
      } else if (sys.name === "plonk") {
        const r = await snarkjs.plonk.fullProve(c.sampleInput, c.wasm.path, c.zkey.path);
        proof = proofWordsFromSolidityCalldata(await snarkjs.plonk.exportSolidityCallData(r.proof, r.publicSignals));
        signals = r.publicSignals;
      } else {
        const r = await snarkjs.fflonk.fullProve(c.sampleInput, c.wasm.path, c.zkey.path);
        // snarkjs 0.7 takes (publicSignals, proof) for FFLONK
        proof = proofWordsFromSolidityCalldata(
          await snarkjs.fflonk.exportSolidityCallData(r.publicSignals as unknown as Record<string, unknown>, r.proof as unknown as string[]),
        );
        signals = r.publicSignals;
      }
      assert.deepEqual(signals, c.expectedPublicSignals);
      const publicSignals = signals.map((s) => BigInt(s));

      const stakeEpoch = await recentEpoch(env);
      const now = await env.chain.latestTimestamp();
      const task = signTask({
        requester: env.requester.address.toLowerCase() as Hex, proofSystem: sys.id,
        wasmSha256: `0x${c.wasm.sha256}`, zkeySha256: `0x${c.zkey.sha256}`, vkeySha256: `0x${c.vkey.sha256}`,
        inputHash: sha256(new TextEncoder().encode(JSON.stringify(c.sampleInput))), inputSize: 64n,
        publicSignalsHash: publicSignalsHash(publicSignals), maxReward: ETH, penalty: ETH,
        bidDeadline: now + 10n, revealDeadline: now + 20n, proofWindow: 300, maxRounds: 2,
        stakeEpoch, nonce: 2000n + BigInt(sys.id),
      }, env.requester, domain);
      const struct = taskStructOf(task);
      assert.equal(struct.circuitId, c.circuitId, "protocol circuitId = the catalog's");
      const tid = taskId(task, domain);

      const prover = env.attesters[2]!.address.toLowerCase() as Hex;
      const body = { kind: "assignment" as const, taskId: tid, round: 0, prover, price: ETH / 2n };
      const votes = env.attesters.map((w) => signVote({ ...body, attester: w.address.toLowerCase() as Hex }, w, domain));
      const stakes = new ChainStakeSource({ stakeRegistry: env.registry.address, runner: env.provider, epochSeconds: env.params.epochSeconds });
      const cert = assembleCertificate(body, votes, attesterSet(await stakes.stakeTable(task.stakeEpoch)), domain);
      assert.ok(cert);
      await env.escrow.settle({
        task: struct, signature: task.signature, assignment: { round: 0, prover, price: body.price },
        certificate: certificateStructOf(cert), proof, publicSignals,
      });
      assert.equal((await env.escrow.taskRecord(tid)).status, TaskStatus.Settled);
    });
  }
});

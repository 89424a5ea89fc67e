/* PLONK / FFLONK through the pool: real snarkjs proofs (range-check-32) to canonical proof bytes and back, and
 * a PLONK task proved, verified and certified by real PoolNodes over TCP. */
import assert from "node:assert/strict";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import {
  attesterSet,
  decodeProofSubmission,
  decodeProofWords,
  decodeSnarkjsProof,
  encodeProofWords,
  encodeSnarkjsProof,
  verifyCertificate,
  type Hex,
  type ProofSystem,
  type CertificateOfKind,
} from "@zkpool/protocol";
import type { Ump } from "@zkpool/ump";
import { GossipProofVerifier, publishTask, type AuctionService } from "../src/auction/index.js";
import { CIRCUIT_NAME, realUmp, startService, stopUmp, WINDOWS } from "./auction-utils.js";
import { DOMAIN, genesisFor, REQUESTER, startCluster, stopAll, waitFor, type TestNode } from "./utils.js";

const SYSTEMS = [
  [2, "plonk"],
  [3, "fflonk"],
] as const;

describe("auction: PLONK and FFLONK proofs", function () {
  this.timeout(120_000);
  let u: { ump: Ump; dir: string } | undefined;

  before(async function () {
    u = await realUmp();
  });
  after(async function () {
    await stopUmp(u);
  });

  for (const [id, name] of SYSTEMS) {
    it(`${name}: a snarkjs proof -> canonical bytes -> snarkjs proof verifies; a changed word does not`, async function () {
      const c = await loadCircuit(CIRCUIT_NAME, name);
      const r = await u!.ump.prove({ taskId: `0x${"ab".repeat(32)}`, circuit: c, input: c.sampleInput, deadlineMs: Date.now() + 100_000 });
      const bytes = encodeSnarkjsProof(id, r.proof);
      assert.equal(bytes.length, 2 + 2 * 768);
      const back = decodeSnarkjsProof(id, bytes);
      assert.equal(back.protocol, name);
      assert.equal(await u!.ump.verify(c, back, r.publicSignals), true);
      // Canonical: re-encoding the rebuilt object gives the same bytes.
      assert.equal(encodeSnarkjsProof(id as ProofSystem, back), bytes);
      // Change the first evaluation (PLONK eval_a, FFLONK ql; FFLONK's last word, inv, is a hint only the
      // Solidity verifier reads): the proof no longer verifies.
      const words = decodeProofWords(id, bytes);
      const k = id === 2 ? 18 : 8;
      words[k] = words[k]! === 1n ? 2n : 1n;
      const tampered = decodeSnarkjsProof(id, encodeProofWords(id, words));
      assert.equal(await u!.ump.verify(c, tampered, r.publicSignals), false);
    });
  }
});

describe("auction: a PLONK task through the pool", function () {
  this.timeout(120_000);
  const N = 4;
  const PROVER = 1;
  let nodes: TestNode[] = [];
  let services: AuctionService[] = [];
  let verifier: { ump: Ump; dir: string } | undefined;
  let prover: { ump: Ump; dir: string } | undefined;
  let circuit: CatalogCircuit;

  before(async function () {
    circuit = await loadCircuit(CIRCUIT_NAME, "plonk");
    verifier = await realUmp();
    prover = await realUmp();
    const gossipVerifiers = Array.from({ length: N }, () => new GossipProofVerifier(verifier!.ump));
    nodes = await startCluster(N, (i) => ({ proofVerifier: gossipVerifiers[i]! }));
    nodes.forEach((t, i) => gossipVerifiers[i]!.attach(t.node));
    services = nodes.map((t, i) => startService(t, i === PROVER ? prover!.ump : undefined, verifier!.ump));
    await Promise.all(services.map((s) => s.start()));
    await waitFor(async () => {
      for (const t of nodes) if ((await t.node.membership.list()).length < N) return false;
      return true;
    }, "operator records everywhere");
  });

  after(async function () {
    await Promise.allSettled(services.map((s) => s.stop()));
    await stopAll(nodes);
    await stopUmp(prover);
    await stopUmp(verifier);
  });

  it("the prover's operator record advertises every proof system its UMP modules serve", async function () {
    const proverAddr = nodes[PROVER]!.operator.address.toLowerCase();
    const records = await nodes[N - 1]!.node.membership.list();
    const rec = records.find((r) => r.operator.toLowerCase() === proverAddr);
    assert.notEqual(rec, undefined);
    assert.deepEqual(rec!.proofSystems, [1, 2, 3]);
  });

  it("completes with a completion certificate, and the gossiped proof bytes verify as a PLONK proof", async function () {
    const { taskId } = await publishTask({
      node: nodes[0]!.node,
      requester: REQUESTER,
      proofSystem: 2,
      wasmPath: circuit.wasm.path,
      zkeyPath: circuit.zkey.path,
      vkeyPath: circuit.vkey.path,
      input: circuit.sampleInput,
      publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: 10n ** 18n,
      penalty: 10n ** 17n,
      ...WINDOWS,
      maxRounds: 1,
      nonce: BigInt(Date.now()),
    });
    const observer = services[N - 1]!;
    await waitFor(async () => {
      const st = (await observer.taskView(taskId))?.status;
      return st === "completed" || st === "failed";
    }, "PLONK task ends", 90_000);
    assert.equal((await observer.taskView(taskId))?.status, "completed");
    const certs = await observer.certificates(taskId);
    const a = certs.find((c): c is CertificateOfKind<"assignment"> => c.kind === "assignment" && c.round === 0)!;
    const done = certs.find((c): c is CertificateOfKind<"completion"> => c.kind === "completion" && c.round === 0);
    assert.notEqual(done, undefined);
    const stakes = attesterSet([...(await genesisFor(N).stakeTable(0n))].map(([addr, s]) => [addr.toLowerCase(), s] as const));
    verifyCertificate(done!, stakes, DOMAIN, { kind: "completion", round: 0, prover: a.prover });
    assert.equal(a.prover, nodes[PROVER]!.operator.address.toLowerCase() as Hex);
    const stored = await nodes[N - 1]!.node.repos.proofs.get([taskId, "0"]);
    const p = decodeProofSubmission(stored!);
    assert.equal(p.proof.length, 2 + 2 * 768);
    assert.equal(await verifier!.ump.verify(circuit, decodeSnarkjsProof(2, p.proof), p.publicSignals.map(String)), true);
    assert.deepEqual(p.publicSignals.map(String), circuit.expectedPublicSignals);
  });
});

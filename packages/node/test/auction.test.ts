import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, hexlify, randomBytes } from "ethers";
import {
  attesterSet,
  bidCommitment,
  decodeVote,
  encodeBidCommit,
  encodeBidReveal,
  encodeOperatorRecord,
  encodeVote,
  generateNodeKey,
  groth16ProofFromWords,
  decodeProofWords,
  randomSalt,
  signBidCommit,
  signBidReveal,
  signOperatorRecord,
  signVote,
  verifyCertificate,
  type Hex,
  type Task,
  type CertificateOfKind,
} from "@zkpool/protocol";
import type { CatalogCircuit } from "@zkpool/circuits";
import type { Ump } from "@zkpool/ump";
import { decodeBid, peerIdHex, systemNow } from "../src/index.js";
import { CachedProvabilityChecker, GossipProofVerifier, publishTask, type AuctionService } from "../src/auction/index.js";
import { DOMAIN, REQUESTER, genesisFor, makeNode, startCluster, stopAll, waitFor, type TestNode } from "./utils.js";
import { publish, realUmp, smallCircuit, startService, stopUmp, WINDOWS, WithholdingProver } from "./auction-utils.js";

const N = 6;
const PROVERS = [1, 2];

async function statusOf(s: AuctionService, id: Hex): Promise<string | undefined> {
  return (await s.taskView(id))?.status;
}

async function waitEnded(s: AuctionService, id: Hex, timeoutMs = 60_000): Promise<string> {
  await waitFor(async () => {
    const st = await statusOf(s, id);
    return st === "completed" || st === "failed" || st === "invalid";
  }, `task ${id.slice(0, 10)} ends`, timeoutMs);
  return (await statusOf(s, id)) as string;
}

async function taskOf(s: AuctionService, id: Hex): Promise<Task> {
  return (await s.taskView(id))!.task;
}

describe("auction: sealed bids, lottery agreement, proving, default and reassignment", function () {
  this.timeout(120_000);
  let nodes: TestNode[] = [];
  let services: Array<AuctionService | undefined> = [];
  const umps: Array<{ ump: Ump; dir: string } | undefined> = [];
  let verifier: Awaited<ReturnType<typeof realUmp>> | undefined;
  let circuit: CatalogCircuit;
  const withhold = new Set<string>();
  const withheld = new Set<string>();
  const provers: Array<WithholdingProver | undefined> = [];

  before(async function () {
    circuit = await smallCircuit();
    verifier = await realUmp();
    for (const i of PROVERS) {
      umps[i] = await realUmp();
      provers[i] = new WithholdingProver(umps[i].ump, withhold, withheld);
    }
    // Every node checks proofs in its gossip pipeline too (SPEC §2.8 step 10).
    const gossipVerifiers = nodes.length === 0 ? Array.from({ length: N }, () => new GossipProofVerifier(verifier!.ump)) : [];
    nodes = await startCluster(N, (i) => ({ proofVerifier: gossipVerifiers[i]! }));
    nodes.forEach((t, i) => gossipVerifiers[i]!.attach(t.node));
    services = nodes.map((t, i) => startService(t, provers[i], verifier!.ump, new CachedProvabilityChecker(verifier!.module)));
    await Promise.all(services.map((s) => s!.start()));
    // Every node knows every operator record (peer bindings) before any bid.
    await waitFor(async () => {
      for (const t of nodes) if ((await t.node.membership.list()).length < N) return false;
      return true;
    }, "operator records everywhere");
  });

  after(async function () {
    await Promise.allSettled(services.map((s) => (s === undefined ? Promise.resolve() : s.stop())));
    await stopAll(nodes);
    for (const u of umps) await stopUmp(u);
    await stopUmp(verifier);
  });

  let taskA: Hex;
  let taskD: Hex;

  it("a task ends with a completion certificate and a proof that verifies; bids are commitments until the reveal phase; bad bids are refused", async function () {
    // Watch the bids topic on a node that does not bid: before the bid deadline only commitments pass.
    const seen: Array<{ kind: string; at: bigint; hasPrice: boolean }> = [];
    nodes[5]!.node.gossip.on("accepted", (m) => {
      if (m.topic !== "bids") return;
      const b = decodeBid(m.ctx.data);
      seen.push({ kind: b.kind, at: systemNow(), hasPrice: "price" in (b.kind === "commit" ? b.commit : b.reveal) });
    });
    taskA = await publish(nodes[0]!, circuit);
    taskD = await publish(nodes[0]!, circuit); // the default scenario runs alongside (next test)
    withhold.add(taskD);
    await waitFor(async () => (await nodes[3]!.node.repos.tasks.has([taskA])) && (await nodes[3]!.node.repos.tasks.has([taskD])), "tasks reach node 3");
    const task = await taskOf(services[3]!, taskA);

    // A prover with no stake: its operator record is not accepted, so its bids have no binding.
    const stranger = new Wallet(hexlify(randomBytes(32)));
    const strangerKey = generateNodeKey();
    const rec = signOperatorRecord(
      { operator: stranger.address.toLowerCase() as Hex, peerId: strangerKey.peerId, proofSystems: [1], moduleIds: [], capacity: 1, softwareVersion: "0.1.0", seq: 1n, issuedAt: systemNow() },
      stranger,
      DOMAIN,
    );
    const recResult = await nodes[3]!.node.gossip.process("operators", encodeOperatorRecord(rec), "test", "local");
    assert.deepEqual(recResult, { outcome: "ignore", reason: "NOT_STAKED" });
    const strangerCommit = signBidCommit(
      { taskId: taskA, prover: stranger.address.toLowerCase() as Hex, peerId: strangerKey.peerId, commitment: bidCommitment(taskA, stranger.address.toLowerCase() as Hex, 5n, randomSalt()) },
      strangerKey,
      DOMAIN,
    );
    assert.notEqual((await nodes[3]!.node.gossip.process("bids", encodeBidCommit(strangerCommit), "test", "local")).outcome, "accept");
    // A staked node's key bidding in the name of an operator it is not bound to.
    const op3 = nodes[3]!.operator.address.toLowerCase() as Hex;
    const forged = signBidCommit(
      { taskId: taskA, prover: stranger.address.toLowerCase() as Hex, peerId: nodes[3]!.node.nodeKey.peerId, commitment: bidCommitment(taskA, op3, 5n, randomSalt()) },
      nodes[3]!.node.nodeKey,
      DOMAIN,
    );
    assert.deepEqual(await nodes[3]!.node.gossip.process("bids", encodeBidCommit(forged), "test", "local"), { outcome: "reject", reason: "PEER_NOT_BOUND" });

    // Node 3 (staked, no prover) commits by hand, then reveals a price that does not open its commitment.
    const salt = randomSalt();
    const commit = signBidCommit({ taskId: taskA, prover: op3, peerId: nodes[3]!.node.nodeKey.peerId, commitment: bidCommitment(taskA, op3, 7n, salt) }, nodes[3]!.node.nodeKey, DOMAIN);
    await nodes[3]!.node.gossip.publish("bids", encodeBidCommit(commit));

    // Late commit: after the bid deadline (+ skew).
    await waitFor(() => systemNow() > task.bidDeadline + 2n, "bid deadline passes", 30_000);
    const late = signBidCommit({ taskId: taskA, prover: op3, peerId: nodes[3]!.node.nodeKey.peerId, commitment: bidCommitment(taskA, op3, 8n, randomSalt()) }, nodes[3]!.node.nodeKey, DOMAIN);
    assert.deepEqual(await nodes[4]!.node.gossip.process("bids", encodeBidCommit(late), "test", "local"), { outcome: "ignore", reason: "LATE" });
    const wrongReveal = signBidReveal({ taskId: taskA, prover: op3, peerId: nodes[3]!.node.nodeKey.peerId, price: 9n, salt }, nodes[3]!.node.nodeKey, DOMAIN);
    assert.deepEqual(await nodes[4]!.node.gossip.process("bids", encodeBidReveal(wrongReveal), "test", "local"), { outcome: "reject", reason: "COMMITMENT_MISMATCH" });

    // An attester that votes twice differently: its second vote is evidence, never a second certificate.
    await waitFor(async () => (await services[5]!.certificates(taskA)).some((c) => c.kind === "assignment"), "assignment certificate of task A", 40_000);
    const assignment = (await services[5]!.certificates(taskA)).find((c) => c.kind === "assignment")!;
    const other = nodes[PROVERS.find((i) => nodes[i]!.operator.address.toLowerCase() !== assignment.prover)!]!.operator.address.toLowerCase() as Hex;
    const op4 = nodes[4]!.operator;
    const conflicting = signVote({ kind: "assignment", taskId: taskA, round: 0, prover: other, price: 1n, attester: op4.address.toLowerCase() as Hex }, op4, DOMAIN);
    await nodes[3]!.node.gossip.publish("votes", encodeVote(conflicting));
    await waitFor(async () => (await services[5]!.equivocations(taskA)).length > 0, "equivocation evidence reaches node 5");
    const ev = (await services[5]!.equivocations(taskA))[0]!;
    assert.equal(ev.attester, op4.address.toLowerCase());
    assert.equal(ev.slot, "assignment");
    const pair = ev.votes.map((b) => decodeVote(b));
    assert.equal(pair[0]!.kind === "assignment" && pair[1]!.kind === "assignment" && pair[0]!.prover !== pair[1]!.prover, true);
    const third = signVote({ kind: "assignment", taskId: taskA, round: 0, prover: other, price: 2n, attester: op4.address.toLowerCase() as Hex }, op4, DOMAIN);
    assert.deepEqual(await nodes[5]!.node.gossip.process("votes", encodeVote(third), "test", "local"), { outcome: "ignore", reason: "EQUIVOCATION_KNOWN" });

    assert.equal(await waitEnded(services[5]!, taskA), "completed");
    const view = (await services[5]!.taskView(taskA))!;
    const certs = await services[5]!.certificates(taskA);
    const stakes = attesterSet([...(await genesisFor(N).stakeTable(0n))].map(([a, s]) => [a.toLowerCase(), s] as const));
    const round = view.round!;
    const roundCerts = certs.filter((c) => c.round === round);
    const a = roundCerts.find((c) => c.kind === "assignment")!;
    const done = roundCerts.find((c) => c.kind === "completion")!;
    assert.equal(certs.filter((c) => c.kind === "assignment" && c.round === 0).length, 1);
    verifyCertificate(a, stakes, DOMAIN, { kind: "assignment", round, maxRounds: 2 });
    verifyCertificate(done, stakes, DOMAIN, { kind: "completion", round, prover: a.prover });
    // The proof verifies independently against the circuit's verification key.
    const proofBytes = await nodes[5]!.node.repos.proofs.get([taskA, String(round)]);
    assert.notEqual(proofBytes, undefined);
    const { decodeProofSubmission } = await import("@zkpool/protocol");
    const p = decodeProofSubmission(proofBytes!);
    const ok = await verifier!.ump.verify(circuit, groth16ProofFromWords(decodeProofWords(1, p.proof)) as unknown as Record<string, unknown>, p.publicSignals.map(String));
    assert.equal(ok, true);
    assert.deepEqual(p.publicSignals.map(String), circuit.expectedPublicSignals);

    // Sealed bids: nothing revealing a price was accepted before the bid deadline.
    const before = seen.filter((s) => s.at <= task.bidDeadline);
    assert.ok((before.length ?? 0) > 0);
    for (const s of before) assert.equal(s.kind === "commit" && !s.hasPrice, true);
    // Node 3 never opened its commitment: non-reveal evidence, and a rating entry.
    const nonReveals = await services[5]!.nonReveals(taskA);
    assert.ok(nonReveals.map((e) => e.prover).includes(op3));
    // ... and the attesters certify it (SPEC §9.8): the certificate that slashes op3's bond on chain.
    await waitFor(async () => (await services[5]!.certificates(taskA)).some((c) => c.kind === "nonReveal" && c.prover === op3), "NonReveal certificate for node 3");
    const nr = (await services[5]!.certificates(taskA)).find((c): c is CertificateOfKind<"nonReveal"> => c.kind === "nonReveal")!;
    verifyCertificate(nr, stakes, DOMAIN, { kind: "nonReveal", prover: op3, commitment: nonReveals.find((e) => e.prover === op3)!.commitment });
    assert.equal((await services[5]!.certificates(taskA)).filter((c) => c.kind === "nonReveal").length, 1, "revealed bidders get none");
    const ratings = await services[5]!.ratings();
    assert.ok((ratings.find((r) => r.prover === a.prover)?.completed ?? 0) > 0);
    assert.ok((ratings.find((r) => r.prover === op3)?.nonReveals ?? 0) > 0);
  });

  it("a winner that never proves is certified as defaulted and a backup completes round 1", async function () {
    assert.equal(await waitEnded(services[5]!, taskD, 90_000), "completed");
    assert.equal(withheld.has(taskD), true);
    const certs = await services[5]!.certificates(taskD);
    const stakes = attesterSet([...(await genesisFor(N).stakeTable(0n))].map(([a, s]) => [a.toLowerCase(), s] as const));
    const a0 = certs.find((c): c is CertificateOfKind<"assignment"> => c.kind === "assignment" && c.round === 0)!;
    const d0 = certs.find((c): c is CertificateOfKind<"default"> => c.kind === "default" && c.round === 0)!;
    const a1 = certs.find((c): c is CertificateOfKind<"assignment"> => c.kind === "assignment" && c.round === 1)!;
    const c1 = certs.find((c): c is CertificateOfKind<"completion"> => c.kind === "completion" && c.round === 1)!;
    for (const c of [a0, d0, a1, c1]) assert.notEqual(c, undefined, "certificate");
    verifyCertificate(d0, stakes, DOMAIN, { kind: "default", round: 0, prover: a0.prover });
    verifyCertificate(c1, stakes, DOMAIN, { kind: "completion", round: 1, prover: a1.prover });
    assert.notEqual(a1.prover, a0.prover);
    assert.equal(certs.filter((c) => c.kind === "completion").length, 1);
    const ratings = await services[5]!.ratings();
    assert.ok((ratings.find((r) => r.prover === a0.prover)?.defaulted ?? 0) > 0);
  });

  it("a prover stopped mid-auction and restarted from its data directory reveals its persisted bid and the task completes", async function () {
    const id = await publish(nodes[0]!, circuit);
    const p = 2;
    const op = nodes[p]!.operator.address.toLowerCase() as Hex;
    await waitFor(async () => (await nodes[0]!.node.repos.bids.entries([id, "c", op])).length > 0, "prover 2 commits");
    const stored = await services[p]!.store.bid(id);
    assert.equal(stored?.revealed, false);
    await services[p]!.stop();
    await nodes[p]!.node.stop();
    const dataDir = nodes[p]!.dataDir;
    const boot = nodes[0]!.node.multiaddrs.map((a) => a.toString());
    nodes[p] = await makeNode(p, N, { dataDir, bootstrap: boot });
    await nodes[p].node.start();
    services[p] = startService(nodes[p], provers[p], verifier!.ump);
    await services[p].start();
    await waitFor(async () => (await nodes[0]!.node.repos.bids.has([id, "r", op])), "restarted prover reveals", 40_000);
    assert.equal((await services[p].store.bid(id))?.salt, stored.salt);
    assert.equal(await waitEnded(services[0]!, id), "completed");
  });

  it("an unprovable task (a truncated zkey; an input that does not give the committed public signals) is certified Invalid: it ends invalid, nobody is assigned, nobody defaults", async function () {
    const dir = await mkdtemp(join(tmpdir(), "zkpool-broken-"));
    try {
      const zkey = await readFile(circuit.zkey.path);
      const truncated = join(dir, "truncated.zkey");
      await writeFile(truncated, zkey.subarray(0, Math.floor(zkey.byteLength / 2)));
      const base = { node: nodes[0]!.node, requester: REQUESTER, proofSystem: 1 as const, wasmPath: circuit.wasm.path, vkeyPath: circuit.vkey.path, input: circuit.sampleInput,
        maxReward: 10n ** 18n, penalty: 10n ** 17n, ...WINDOWS, maxRounds: 2 };
      const expected = circuit.expectedPublicSignals.map((s) => BigInt(s));
      const brokenKey = (await publishTask({ ...base, zkeyPath: truncated, publicSignals: expected, nonce: BigInt(Date.now()) })).taskId;
      const wrongSignals = (await publishTask({ ...base, zkeyPath: circuit.zkey.path, publicSignals: [expected[0]! + 1n, ...expected.slice(1)], nonce: BigInt(Date.now()) + 1n })).taskId;
      const stakes = attesterSet([...(await genesisFor(N).stakeTable(0n))].map(([a, s]) => [a.toLowerCase(), s] as const));
      for (const id of [brokenKey, wrongSignals]) {
        assert.equal(await waitEnded(services[5]!, id, 60_000), "invalid");
        const certs = await services[5]!.certificates(id);
        const inv = certs.find((c) => c.kind === "invalid");
        assert.notEqual(inv, undefined, "an Invalid certificate");
        verifyCertificate(inv!, stakes, DOMAIN, { kind: "invalid", taskId: id });
        assert.deepEqual(certs.filter((c) => c.kind === "assignment" || c.kind === "default" || c.kind === "completion"), [], "no assignment, no default");
        assert.equal(await statusOf(services[0]!, id), "invalid");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("with 2 of 6 attesters offline concurrent tasks still complete, each exactly once; with 3 of 6 no certificate forms", async function () {
    for (const i of [4, 5]) {
      await services[i]!.stop();
      await nodes[i]!.node.stop();
    }
    // Several tasks at once: each ends exactly once, with exactly one completion certificate.
    const endedCount = new Map<string, number>();
    services[0]!.on("ended", (e) => endedCount.set(e.taskId, (endedCount.get(e.taskId) ?? 0) + 1));
    const batch = await Promise.all([0, 1, 2].map(() => publish(nodes[0]!, circuit)));
    for (const id of batch) assert.equal(await waitEnded(services[0]!, id), "completed");
    for (const id of batch) {
      assert.equal(endedCount.get(id), 1);
      assert.equal((await services[0]!.certificates(id)).filter((c) => c.kind === "completion").length, 1);
    }

    await services[3]!.stop();
    await nodes[3]!.node.stop();
    const stuck = await publish(nodes[0]!, circuit, 1);
    const task = await taskOf(services[0]!, stuck);
    // Past the reveal deadline every online attester votes, but 3 of 6 is below quorum.
    await waitFor(async () => (await nodes[0]!.node.repos.votes.entries([stuck])).length >= 3, "online attesters vote", 40_000);
    await waitFor(() => systemNow() > task.revealDeadline + 5n, "a few seconds past the reveal deadline", 30_000);
    for (const i of [0, 1, 2]) assert.deepEqual(await services[i]!.certificates(stuck), []);
    assert.equal(await statusOf(services[0]!, stuck), "open");
    void peerIdHex;
  });
});

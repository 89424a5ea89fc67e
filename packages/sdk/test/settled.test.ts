/**
 * The SDK's result is the truth of certificates AND the chain (issue 12): a task the Escrow settled never
 * reports failure, and a requester can always fetch a proof that exists.
 *
 * Real parts: anvil with the deployed Escrow and StakeRegistry, the range-check-32 Groth16 verifier registered
 * on it, a real Groth16 proof (snarkjs), the SDK client with its embedded light node, and one real PoolNode
 * (TCP) the client connects to and syncs from. The same pool answers the requester's quote (standing asks).
 *
 * TEST DOUBLES, each for something external to the SDK:
 * - PoolDouble: the pool's auction, prover and settlement service. This test signs the Assignment (and
 *   Completion) votes as the only staked attester and submits settle() itself, as the winning prover's node
 *   would; it never gossips the proof to the requester (the lost-message case the issue measured).
 * - FakeEscrowRecord: the chain's answer for taskRecord(), to put a handle in states the clock cannot reach in
 *   a test (a task past its settlement window) without waiting for them.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Mnemonic, Wallet, type JsonRpcProvider } from "ethers";
import * as snarkjs from "snarkjs";
import {
  ANVIL_DEV_MNEMONIC,
  ChainStakeSource,
  EscrowClient,
  StakeRegistryClient,
  TaskStatus,
  certificateStructOf,
  chainParamsFromPool,
  deployContracts,
  startAnvil,
  taskStructOf,
  testProvider,
  type Anvil,
  type Deployment,
  type TaskRecord,
} from "@zkpool/chain";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import { NodeChainStakeSource, PoolNode, type AcceptedMessage } from "@zkpool/node";
import {
  ASK_MAX_AGE,
  MAX_CLOCK_SKEW,
  assembleCertificate,
  attesterSet,
  bidCommitment,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  parseVerificationKey,
  generateNodeKey,
  groth16ProofWords,
  isZkPoolError,
  proofHash,
  publicSignalsHash,
  randomSalt,
  signBidCommit,
  signBidReveal,
  signOperatorRecord,
  signProofSubmission,
  signTask,
  signVote,
  taskId as computeTaskId,
  type Certificate,
  type ChainParams,
  type Hex,
  type ProofSubmission,
  type ProtocolDomain,
  type Task,
} from "@zkpool/protocol";
import { createClient, SdkErrorCode, TaskHandle, terminateSnarkjs, type ZkPoolClient } from "../src/index.js";

const ETH = 10n ** 18n;
const STAKE = 10n * ETH;
const MAX_REWARD = ETH / 100n;
const PRICE = MAX_REWARD / 2n;
const lc = (h: string): Hex => h.toLowerCase() as Hex;
const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));
const dev = (i: number, provider?: JsonRpcProvider): Wallet =>
  new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey, provider);

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** TEST DOUBLE of the pool (see the header): certificates from the one staked attester, settlement on chain. */
class PoolDouble {
  constructor(
    readonly attester: Wallet,
    readonly domain: ProtocolDomain,
    readonly escrow: EscrowClient,
  ) {}

  get address(): Hex {
    return lc(this.attester.address);
  }

  certificate(body: Parameters<typeof assembleCertificate>[0]): Certificate {
    const vote = signVote({ ...body, attester: this.address }, this.attester, this.domain);
    const c = assembleCertificate(body, [vote], attesterSet([[this.address, STAKE]]), this.domain);
    assert.ok(c !== undefined, "the one attester holds all the stake: its vote is a quorum");
    return c;
  }

  assignment(taskId: Hex): Certificate {
    return this.certificate({ kind: "assignment", taskId, round: 0, prover: this.address, price: PRICE });
  }

  /** What the winning prover's node does once it proved: settle() before the round's deadline. */
  async settle(task: Task, taskId: Hex, proof: { words: bigint[]; publicSignals: bigint[] }): Promise<void> {
    await this.escrow.settle({
      task: taskStructOf(task),
      signature: task.signature,
      assignment: { round: 0, prover: this.address, price: PRICE },
      certificate: certificateStructOf(this.assignment(taskId)),
      proof: proof.words,
      publicSignals: proof.publicSignals,
    });
  }
}

/** TEST DOUBLE of the chain's taskRecord() answer (see the header). */
class FakeEscrowRecord {
  constructor(public status: TaskStatus) {}
  taskRecord(): Promise<TaskRecord> {
    return Promise.resolve({ status: this.status, round: 0, defaults: 0, funded: true, penaltyPaid: false, requester: "0x", locked: 0n, slashed: 0n });
  }
}

describe("sdk: a task settled on chain never fails; its proof can always be fetched (anvil, real node, real proof)", function () {
  this.timeout(180_000);
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider | undefined;
  let deployment: Deployment;
  let domain: ProtocolDomain;
  let params: ChainParams;
  let circuit: CatalogCircuit;
  let vkey: unknown;
  let pool: PoolDouble;
  let peer: PoolNode | undefined;
  let peerDir: string | undefined;
  let client: ZkPoolClient | undefined;
  let proof: { words: bigint[]; publicSignals: bigint[] };

  before(async () => {
    // blocks every second, like a real chain: stake epochs become final
    anvil = await startAnvil({ hardfork: "cancun", blockTime: 1 });
    provider = testProvider(anvil.url);
    const deployed = await deployContracts(dev(0, provider));
    deployment = deployed.deployment;
    domain = { chainId: BigInt(deployment.chainId), escrow: lc(deployment.escrow) };
    params = chainParamsFromPool(await deployed.escrow.parameters());
    circuit = await loadCircuit("range-check-32", "groth16");
    vkey = parseVerificationKey(await readFile(circuit.vkey.path));
    await deployed.circuitRegistry.register(1, `0x${circuit.wasm.sha256}`, `0x${circuit.zkey.sha256}`, await readFile(circuit.vkey.path));
    const attester = dev(1, provider);
    await new StakeRegistryClient(deployment.stakeRegistry, attester).stake(STAKE);
    pool = new PoolDouble(attester, domain, new EscrowClient(deployment.escrow, attester));
    const full = await snarkjs.groth16.fullProve(circuit.sampleInput, circuit.wasm.path, circuit.zkey.path);
    proof = { words: groth16ProofWords(full.proof), publicSignals: full.publicSignals.map((s) => BigInt(s)) };
    // tasks name an epoch a few seconds old (SPEC §9.1): wait until the stake above is in a final one
    const stakedAt = BigInt((await provider.getBlock("latest"))!.timestamp);
    await waitFor(() => nowS() - 2n * MAX_CLOCK_SKEW > stakedAt + 1n, "the stake in a final epoch");

    peerDir = await mkdtemp(join(tmpdir(), "zkpool-sdk-peer-"));
    peer = await PoolNode.create({
      dataDir: peerDir,
      domain,
      stake: new NodeChainStakeSource(new ChainStakeSource({ stakeRegistry: deployment.stakeRegistry, runner: provider, epochSeconds: params.epochSeconds })),
      chainParams: params,
      network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [], devnet: true },
    });
    await peer.start();
    client = await createClient({ signer: dev(5), bootstrap: peer.multiaddrs.map((a) => a.toString()), rpcUrl: anvil.url, deployment, devnet: true });
    await client.deposit({ amount: ETH });
  });

  after(async () => {
    await client?.close();
    await peer?.stop();
    if (peerDir !== undefined) await rm(peerDir, { recursive: true, force: true });
    provider?.destroy();
    await terminateSnarkjs();
    await anvil?.stop();
  });

  const submit = (proofWindow: number): Promise<TaskHandle> =>
    client!.submitTask({ circuit: "range-check-32", input: circuit.sampleInput, maxReward: MAX_REWARD, windows: { bidWindow: 2, revealWindow: 5, proofWindow, maxRounds: 1 } });

  it("settled on chain with nothing gossiped to the requester: the handle takes the proof from the settlement and never fails", async () => {
    const h = await submit(20);
    const failures: string[] = [];
    h.on("failed", (e) => failures.push(e.reason));
    const settled = new Promise<{ price: bigint; prover: Hex }>((resolve) => h.once("settled", resolve));
    await waitFor(() => peer!.repos.tasks.has([h.taskId]), "the pool node stored the task");
    await pool.settle(h.task, h.taskId, proof);
    assert.equal((await client!.escrow.taskRecord(h.taskId)).status, TaskStatus.Settled);

    const r = await h.result();
    const s = await settled;
    assert.equal(r.verified, true);
    assert.equal(r.source, "chain", "no proof reached the requester's node: it came from the settle() calldata");
    assert.equal(r.prover, pool.address);
    assert.deepEqual(r.publicSignals, circuit.expectedPublicSignals);
    assert.equal(await snarkjs.groth16.verify(vkey, r.publicSignals, r.proof), true, "the proof handed out verifies");
    assert.deepEqual(s, { round: 0, prover: pool.address, price: PRICE, refunded: MAX_REWARD - PRICE });
    assert.equal(h.status, "settled");
    assert.deepEqual(failures, []);
    assert.equal(await client!.node.repos.proofs.has([h.taskId, "0"]), false, "gossip carried no proof to the requester");
    // the requester can fetch it again at any time
    assert.deepEqual(await client!.fetchProof(h.taskId), r);
  });

  it("a proof only a pool node holds (lost in gossip): fetchProof syncs it, verifies it and resolves the handle", async () => {
    const h = await submit(120);
    const failures: string[] = [];
    h.on("failed", (e) => failures.push(e.reason));
    await waitFor(() => peer!.repos.tasks.has([h.taskId]), "the pool node stored the task");
    // the pool node validates and stores what the pool produced, but none of it is gossiped to the requester
    const key = generateNodeKey();
    const record = signOperatorRecord({ operator: pool.address, peerId: key.peerId, proofSystems: [1], moduleIds: ["snarkjs-wasm"], capacity: 1,
      softwareVersion: "test/0", seq: 1n, issuedAt: nowS() }, pool.attester, domain);
    const proofHex = encodeProofWords(1, proof.words);
    const submission: ProofSubmission = signProofSubmission({ taskId: h.taskId, round: 0, prover: pool.address, peerId: key.peerId, proof: proofHex,
      publicSignals: proof.publicSignals }, key, domain);
    const completion = pool.certificate({ kind: "completion", taskId: h.taskId, round: 0, prover: pool.address, proofHash: proofHash(proofHex) });
    const messages: Array<["operators" | "certificates" | "proofs", Uint8Array]> = [
      ["operators", encodeOperatorRecord(record)],
      ["certificates", encodeCertificate(pool.assignment(h.taskId))],
      ["proofs", encodeProofSubmission(submission)],
      ["certificates", encodeCertificate(completion)],
    ];
    for (const [topic, bytes] of messages) {
      const v = await peer!.gossip.process(topic, bytes, peer!.peerId.toString(), "local");
      assert.equal(v.outcome, "accept", `the pool node accepts the ${topic} message (${v.reason ?? ""})`);
    }
    assert.equal(await client!.node.repos.proofs.has([h.taskId, "0"]), false, "the requester's node does not have the proof");

    // bids the requester's node validates reach the handle (the node hands them on wrapped: { kind, commit | reveal })
    const bids: Array<{ commits: number; reveals: number; auctionRound: number }> = [];
    h.on("bids", (b) => bids.push(b));
    const from = peer!.peerId.toString();
    const recordOutcome = (await client!.node.gossip.process("operators", encodeOperatorRecord(record), from, "sync")).outcome;
    assert.ok(recordOutcome === "accept" || recordOutcome === "ignore", recordOutcome);
    const salt = randomSalt();
    const commit = signBidCommit({ taskId: h.taskId, prover: pool.address, peerId: key.peerId, commitment: bidCommitment(h.taskId, pool.address, PRICE, salt) }, key, domain);
    const c1 = await client!.node.gossip.process("bids", encodeBidCommit(commit), from, "sync");
    assert.equal(c1.outcome, "accept", c1.reason);
    await waitFor(() => nowS() > h.task.bidDeadline + MAX_CLOCK_SKEW, "the reveal window");
    const reveal = signBidReveal({ taskId: h.taskId, prover: pool.address, peerId: key.peerId, price: PRICE, salt }, key, domain);
    const r1 = await client!.node.gossip.process("bids", encodeBidReveal(reveal), from, "sync");
    assert.equal(r1.outcome, "accept", r1.reason);
    assert.deepEqual(bids, [{ commits: 1, reveals: 0, auctionRound: 0 }, { commits: 1, reveals: 1, auctionRound: 0 }]);

    const r = await client!.fetchProof(h.taskId);
    assert.ok(r !== undefined, "fetchProof found the proof");
    assert.equal(r.verified, true);
    assert.equal(r.source, "sync");
    assert.equal(r.prover, pool.address);
    assert.deepEqual(r.publicSignals, circuit.expectedPublicSignals);
    assert.equal(await client!.node.repos.proofs.has([h.taskId, "0"]), true, "the sync stored it in the requester's node");
    assert.deepEqual(await h.result(), r, "the handle resolved with the same proof");
    assert.equal(h.status, "verified");
    assert.deepEqual(failures, []);
    await assert.rejects(client!.fetchProof("0x1234"), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_OPTIONS));
    assert.equal(await client!.fetchProof(`0x${"ab".repeat(32)}`, { vkey }), undefined, "an unknown task has no proof");
  });

  it("past the settlement window: fails only with no certificate and no proof; Settled never fails and takes a known proof", async () => {
    // tasks whose settlement window (finalDeadline + settleGrace + margin) closed 12 s ago
    const final = nowS() - params.settleGrace - 4n * MAX_CLOCK_SKEW - 12n;
    let nonce = 7n;
    const pastTask = (): { id: Hex; task: Task } => {
      const t = signTask({ requester: lc(dev(5).address), proofSystem: 1, wasmSha256: `0x${"11".repeat(32)}`, zkeySha256: `0x${"22".repeat(32)}`,
        vkeySha256: `0x${"33".repeat(32)}`, inputHash: `0x${"44".repeat(32)}`, inputSize: 10n, publicSignalsHash: publicSignalsHash(proof.publicSignals), maxReward: MAX_REWARD, penalty: 0n, bidDeadline: final - 30n, revealDeadline: final - 20n, proofWindow: 20, maxRounds: 1,
        stakeEpoch: 1n, nonce: nonce++ }, dev(5), domain);
      return { id: lc(computeTaskId(t, domain)), task: t };
    };
    const handle = (): { h: TaskHandle; failures: string[] } => {
      const { id, task } = pastTask();
      const h = new TaskHandle(id, task, vkey, client!);
      const failures: string[] = [];
      h.on("failed", (e) => failures.push(e.reason));
      return { h, failures };
    };
    const msg = (topic: "certificates" | "proofs", message: unknown): AcceptedMessage =>
      ({ topic, message, ctx: { data: new Uint8Array(0), msgId: "", from: "test", source: "gossip" } });

    // nothing known and the chain still open: the task can no longer settle, so it fails (nothing was paid)
    const none = handle();
    assert.equal(await none.h.poll(new FakeEscrowRecord(TaskStatus.Open)), true);
    assert.equal(none.h.status, "failed");
    await assert.rejects(none.h.result(), (e: unknown) => isZkPoolError(e, SdkErrorCode.TASK_FAILED));

    // a Completion certificate is known but its proof is not (yet): no failure while it may still be fetched
    const certified = handle();
    const c = pool.certificate({ kind: "completion", taskId: certified.h.taskId, round: 0, prover: pool.address, proofHash: proofHash(encodeProofWords(1, proof.words)) });
    certified.h.onMessage(msg("certificates", c));
    assert.equal(await certified.h.poll(new FakeEscrowRecord(TaskStatus.Open)), false);
    assert.equal(certified.h.status, "open");
    assert.deepEqual(certified.failures, []);

    // the chain says Settled but no proof is known anywhere: keep looking, never fail
    const paid = handle();
    const chain = new FakeEscrowRecord(TaskStatus.Settled);
    assert.equal(await paid.h.poll(chain), false);
    assert.equal(paid.h.status, "open");
    assert.deepEqual(paid.failures, []);
    // then a proof arrives (no Completion certificate): Settled takes it, verified here
    const key = generateNodeKey();
    const p: ProofSubmission = signProofSubmission({ taskId: paid.h.taskId, round: 0, prover: pool.address, peerId: key.peerId,
      proof: encodeProofWords(1, proof.words), publicSignals: proof.publicSignals }, key, domain);
    paid.h.onMessage(msg("proofs", p));
    assert.equal(await paid.h.poll(chain), true);
    assert.equal(paid.h.status, "settled");
    assert.equal((await paid.h.result()).source, "gossip");
    assert.deepEqual(paid.failures, []);
  });

  it("quote: the standing asks of staked provers' newest records, a suggested maximum, and the expected price (SPEC §10.6)", async () => {
    const { circuitId: id } = await client!.isCircuitRegistered({ circuit: "range-check-32" });
    assert.deepEqual(await client!.quote({ circuit: "range-check-32" }), { circuitId: lc(id), proofSystem: "groth16", asks: [], willing: 0 }, "no ask held yet");
    const other: Hex = `0x${"77".repeat(32)}`;
    const ask = (price: bigint) => [{ circuitId: lc(id), proofSystem: 1 as const, price }, { circuitId: other, proofSystem: 1 as const, price: 1n }].sort((a, b) => (a.circuitId < b.circuitId ? -1 : 1));
    const second = dev(2, provider);
    await new StakeRegistryClient(deployment.stakeRegistry, second).stake(STAKE);
    // membership counts the stake of the newest final epoch
    await waitFor(async () => (await client!.node.opts.stake.stakeOf(lc(second.address), 0n)) > 0n, "the second operator's stake in a final epoch");
    const offer = async (wallet: Wallet, operator: Hex, price: bigint, issuedAt: bigint): Promise<string> => {
      const rec = signOperatorRecord({ operator, peerId: generateNodeKey().peerId, proofSystems: [1], moduleIds: ["snarkjs-wasm"], capacity: 1,
        softwareVersion: "test/0", seq: 1n, issuedAt, asks: ask(price) }, wallet, domain);
      return (await client!.node.gossip.process("operators", encodeOperatorRecord(rec), peer!.peerId.toString(), "sync")).outcome;
    };
    const [a1, a2, a3] = [3n * 10n ** 15n, 2n * 10n ** 15n, 10n ** 15n];
    assert.equal(await offer(pool.attester, pool.address, 10n ** 14n, nowS() - ASK_MAX_AGE - 60n), "accept", "a record older than the ask age is still a valid record");
    assert.equal(await offer(pool.attester, pool.address, a1, nowS()), "accept");
    assert.equal(await offer(second, lc(second.address), a2, nowS()), "accept");
    assert.equal(await offer(dev(3), lc(dev(3).address), a3, nowS()), "ignore", "an unstaked operator's record (and its ask) is not taken");

    const q = await client!.quote({ circuit: "range-check-32" });
    assert.deepEqual(q.asks.map((a) => [a.prover, a.price]), [[lc(second.address), a2], [pool.address, a1]], "fresh asks of staked provers, cheapest first; the old record's ask is superseded");
    assert.equal(q.suggestedMaxReward, a1, "with fewer than three asks, the highest");
    assert.deepEqual(q.suggestedSchedule, { startPrice: a2, priceStep: (a1 - a2 + 2n) / 3n }, "from the lowest ask to the suggested maximum in 4 auction rounds");
    assert.equal(q.willing, 2);
    // the cheaper prover is alone in the band (3e15 > 1.05 x 2e15) and is paid its threshold, under the other ask
    assert.ok(q.expectedPrice! > a2 && q.expectedPrice! <= a1, `expected price ${q.expectedPrice} in (${a2}, ${a1}]`);
    const capped = await client!.quote({ circuit: "range-check-32", maxReward: (a1 + a2) / 2n });
    assert.equal(capped.willing, 1);
    assert.equal(capped.expectedPrice, (a1 + a2) / 2n, "a sole willing prover is paid the reserve");
    assert.deepEqual(capped.suggestedSchedule, { startPrice: a2, priceStep: ((a1 + a2) / 2n - a2 + 2n) / 3n }, "the schedule ramps to the maximum asked for");
    assert.equal((await client!.quote({ circuit: "range-check-32", maxReward: a2 })).suggestedSchedule, undefined, "no ask below the maximum: no schedule");
    await assert.rejects(client!.quote({ circuit: "range-check-32", maxReward: 0n }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_OPTIONS));
    assert.equal((await client!.quote({ circuit: "range-check-32", proofSystem: "plonk" })).asks.length, 0, "asks are per proof system");
  });
});

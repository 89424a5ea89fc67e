/**
 * Chain integration on anvil: real PoolNodes over TCP with the on-chain stake source, the escrow balance
 * source and the settlement service; real Groth16 proofs of the demo circuit range-check-32, its
 * snarkjs-exported verifier registered on the escrow. One task completes and settles (the winner submits),
 * one task's first prover withholds (TEST DOUBLE of a faulty prover, a plug-in): the default is reported on
 * chain and slashes it, round 1 settles; every wei adds up.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { HDNodeWallet, Mnemonic, Wallet, type JsonRpcProvider } from "ethers";
import {
  ANVIL_DEV_MNEMONIC,
  ChainStakeSource,
  EscrowClient,
  StakeRegistryClient,
  TaskStatus,
  createTxSender,
  deployContracts,
  escrowInterface,
  type ManagedTxSender,
  startAnvil,
  testProvider,
  type Anvil,
  type Deployed,
} from "@zkpool/chain";
import type { CatalogCircuit } from "@zkpool/circuits";
import { DEVNET_CHAIN_PARAMS, MAX_CLOCK_SKEW, cost, encodeVote, publicSignalsHash, signVote, type Certificate, type Hex, type ProtocolDomain } from "@zkpool/protocol";
import type { Ump } from "@zkpool/ump";
import { PoolNode } from "../src/index.js";
import { createAuctionService, FixedSharePricing, publishTask, type AuctionService } from "../src/auction/index.js";
import { ChainSettlementService, EscrowBalanceSource, NodeChainStakeSource, type ReportRecord, type SettlementRecord } from "../src/chain/index.js";
import { realUmp, smallCircuit, stopUmp, WithholdingProver } from "./auction-utils.js";
import { stopAll, tempDir, waitFor, type TestNode } from "./utils.js";

const ETH = 10n ** 18n;
const N = 4;
const PROVERS = [1, 2];
const STAKE = 10n * ETH;
const WINDOWS = { bidWindow: 6, revealWindow: 6, proofWindow: 10 };

function devWallet(i: number, provider: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

describe("node chain integration: on-chain stake, escrow balances, settlement and default reports (anvil)", function () {
  this.timeout(180_000);
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider;
  let deployed: Deployed;
  let domain: ProtocolDomain;
  let circuit: CatalogCircuit;
  let requester: Wallet;
  const senders: ManagedTxSender[] = [];
  const operators: Wallet[] = [];
  const nodes: TestNode[] = [];
  let services: AuctionService[] = [];
  let chains: ChainSettlementService[] = [];
  const umps: Array<{ ump: Ump; dir: string } | undefined> = [];
  let verifier: { ump: Ump; dir: string } | undefined;
  const withhold = new Set<string>();
  const withheld = new Set<string>();
  const settled: SettlementRecord[] = [];
  const reports: ReportRecord[] = [];
  /** Submissions that failed (printed when a test fails, so the cause is visible). */
  const chainErrors: string[] = [];

  before(async function () {
    // blocks every second, like a real chain: stake epochs become final and simulations see the current time
    anvil = await startAnvil({ hardfork: "cancun", blockTime: 1 });
    provider = testProvider(anvil.url);
    const deployer = devWallet(0, provider);
    deployed = await deployContracts(deployer);
    domain = { chainId: BigInt(anvil.chainId), escrow: deployed.escrow.address.toLowerCase() as Hex };
    circuit = await smallCircuit();
    await deployed.circuitRegistry.register(1, `0x${circuit.wasm.sha256}`, `0x${circuit.zkey.sha256}`, readFileSync(circuit.vkey.path));
    for (let i = 0; i < N; i++) {
      const w = devWallet(1 + i, provider);
      operators.push(w);
      await new StakeRegistryClient(deployed.stakeRegistry.address, w).stake(STAKE);
    }
    requester = devWallet(8, provider);
    await new EscrowClient(deployed.escrow.address, requester).deposit(5n * ETH);
    // tasks name an epoch a few seconds old (SPEC §9.1): wait until the stakes above are in it
    const stakedAt = BigInt((await provider.getBlock("latest"))!.timestamp);
    await waitFor(() => BigInt(Math.floor(Date.now() / 1000)) - 2n * MAX_CLOCK_SKEW > stakedAt, "stakes in a final epoch");

    verifier = await realUmp();
    for (const i of PROVERS) umps[i] = await realUmp();
    const stake = new NodeChainStakeSource(new ChainStakeSource({ stakeRegistry: deployed.stakeRegistry.address, runner: provider, epochSeconds: DEVNET_CHAIN_PARAMS.epochSeconds }));
    const balances = new EscrowBalanceSource(new EscrowClient(deployed.escrow.address, provider));
    for (let i = 0; i < N; i++) {
      const dataDir = await tempDir();
      const node = await PoolNode.create({
        dataDir,
        domain,
        stake,
        network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: i === 0 ? [] : nodes[0]!.node.multiaddrs.map((a) => a.toString()), devnet: true },
        metricsIntervalMs: 1000,
        balances,
        chainParams: DEVNET_CHAIN_PARAMS,
      });
      nodes.push({ node, dataDir, operator: operators[i]! });
      await node.start();
    }
    for (const t of nodes) await waitFor(() => t.node.host.getPeers().length > 0, "node connected");
    services = nodes.map((t, i) => {
      const u = umps[i];
      return createAuctionService({
        node: t.node,
        operator: t.operator,
        verifier: verifier!.ump,
        ...(u !== undefined ? { ump: new WithholdingProver(u.ump, withhold, withheld), pricing: new FixedSharePricing(50) } : {}),
        tickMs: 200,
      });
    });
    await Promise.all(services.map((s) => s.start()));
    // each operator's own transaction sender (owns its nonce, simulates first), as the CLI runs it
    for (const o of operators) {
      const sender = createTxSender({ signer: o, provider, interfaces: [escrowInterface], pollIntervalMs: 100 });
      await sender.start();
      senders.push(sender);
    }
    chains = services.map((s, i) => new ChainSettlementService({
      auction: s,
      escrow: new EscrowClient(deployed.escrow.address, provider, { sender: senders[i]! }),
      graceSeconds: 4,
      defaultStaggerSeconds: 2,
    }));
    for (const c of chains) {
      c.on("settled", (r) => settled.push(r));
      c.on("error", (e) => chainErrors.push(e.message));
      c.on("reported", (r) => reports.push(r));
      c.start();
    }
    await waitFor(async () => {
      for (const t of nodes) if ((await t.node.membership.list()).length < N) return false;
      return true;
    }, "operator records everywhere");
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error("chain submission errors:", chainErrors);
    // losing a race is normal; anything else a node could not submit is a bug
    assert.deepEqual(chainErrors.splice(0), [], "no chain submission failed");
  });

  after(async function () {
    await Promise.allSettled(chains.map((c) => c.stop()));
    await Promise.allSettled(senders.map((s) => s.stop()));
    await Promise.allSettled(services.map((s) => s.stop()));
    await stopAll(nodes);
    for (const u of umps) await stopUmp(u);
    await stopUmp(verifier);
    provider?.destroy();
    await anvil?.stop();
  });

  async function publish(nonce: bigint): Promise<Hex> {
    const { taskId } = await publishTask({
      node: nodes[0]!.node,
      requester,
      proofSystem: 1,
      wasmPath: circuit.wasm.path,
      zkeyPath: circuit.zkey.path,
      vkeyPath: circuit.vkey.path,
      input: circuit.sampleInput,
      publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: ETH,
      penalty: ETH / 2n,
      ...WINDOWS,
      maxRounds: 2,
      nonce,
    });
    return taskId;
  }

  const escrow = (): EscrowClient => new EscrowClient(deployed.escrow.address, provider);

  it("a completed task settles on chain (submitted by the winner) and a defaulted round is reported, slashed and reassigned; funds add up to the wei", async function () {
    assert.equal(publicSignalsHash(circuit.expectedPublicSignals.map((s) => BigInt(s))).length, 66);
    const before = await escrow().balanceOf(requester.address);
    const stakeBefore = await Promise.all(operators.map((o) => deployed.stakeRegistry.stakeOf(o.address)));

    const okTask = await publish(1n);
    const badTask = await publish(2n);
    withhold.add(badTask);

    await waitFor(async () => (await escrow().taskRecord(okTask)).status === TaskStatus.Settled, "task 1 settled on chain", 90_000);
    await waitFor(async () => (await escrow().taskRecord(badTask)).status === TaskStatus.Settled, "task 2 settled on chain in round 1", 120_000);
    await waitFor(() => [okTask, badTask].every((id) => settled.some((s) => s.taskId === id && s.by === "self")), "the submitters' receipts");

    // Task 1: the certified prover submitted it itself (no one needed the grace).
    const s1 = settled.filter((s) => s.taskId === okTask);
    const bySelf = s1.filter((s) => s.by === "self");
    assert.equal(bySelf.length, 1, "exactly one node submitted settle() for task 1");
    assert.equal(bySelf[0]!.observer, bySelf[0]!.prover, "the winner submitted it");

    // Task 2: one default, reported on chain, the withholding prover slashed by the penalty.
    const rec2 = await escrow().taskRecord(badTask);
    assert.equal(rec2.defaults, 1);
    assert.equal(rec2.round, 1);
    const s2 = settled.find((s) => s.taskId === badTask)!;
    assert.equal(s2.round, 1);
    const stakeAfter = await Promise.all(operators.map((o) => deployed.stakeRegistry.stakeOf(o.address)));
    const slashedBy = stakeBefore.map((b, i) => b - stakeAfter[i]!);
    assert.equal(slashedBy.filter((x) => x !== 0n).length, 1, "one operator slashed");
    assert.equal(slashedBy.reduce((a, b) => a + b, 0n), ETH / 2n, "slashed exactly the penalty");

    // Conservation: the requester paid exactly the two prices; the payouts (provers, treasury = deployer,
    // royalty recipients: none declared) plus the insurance fund's growth are those prices plus the slash.
    const prices = settled.filter((s) => s.by === "self").reduce((a, s) => a + s.price, 0n);
    const priceSum = [okTask, badTask].map((id) => settled.find((s) => s.taskId === id)!.price).reduce((a, b) => a + b, 0n);
    assert.equal(prices, priceSum, "each task settled once");
    // v1: each task also pays its insurance premium (SPEC §9.4), penalty * 2% = 0.01 ETH
    const premium = cost({ maxReward: ETH, penalty: ETH / 2n }, DEVNET_CHAIN_PARAMS) - ETH;
    assert.equal(await escrow().balanceOf(requester.address), before - priceSum - 2n * premium);
    const payees = [...operators.map((o) => o.address), devWallet(0, provider).address];
    const earned = (await Promise.all(payees.map((a) => escrow().earnings(a)))).reduce((a, b) => a + b, 0n);
    const insurance = await escrow().insuranceFund();
    assert.equal(earned + insurance, priceSum + ETH / 2n + 2n * premium);

    // The earnings view of each prover node matches the chain.
    for (let i = 0; i < N; i++) {
      const e = await chains[i]!.earnings();
      assert.equal(e.claimable, await escrow().earnings(operators[i]!.address));
      if (e.settledAsProver.length > 0) assert.ok(e.claimable > 0n, "a prover that settled has earnings");
    }
    // one of the pool's operators sent the default report (read from the chain: a loaded box can see the state
    // before the sender sees its receipt)
    const logs = await provider.getLogs({ address: deployed.escrow.address, topics: [escrowInterface.getEvent("TaskDefaulted")!.topicHash, badTask], fromBlock: 0 });
    assert.equal(logs.length, 1, "one TaskDefaulted event");
    const reporter = (await provider.getTransaction(logs[0]!.transactionHash))!.from;
    assert.ok(operators.some((o) => o.address === reporter), "a pool node reported the default");
  });

  it("when the winner does not settle, another node settles it after the grace period and the payout still goes to the prover", async function () {
    // The prover nodes stop submitting (a winner that never sends its transaction); the attesters remain.
    for (const i of PROVERS) {
      await chains[i]!.stop();
      chains[i] = new ChainSettlementService({ auction: services[i]!, escrow: new EscrowClient(deployed.escrow.address, provider, { sender: senders[i]! }), settle: false });
      chains[i].on("settled", (r) => settled.push(r));
      chains[i].on("reported", (r) => reports.push(r));
      chains[i].on("error", (e) => chainErrors.push(e.message));
      chains[i].start();
    }
    const id = await publish(3n);
    await waitFor(async () => (await escrow().taskRecord(id)).status === TaskStatus.Settled, "task 3 settled by an attester", 90_000);
    // the submitter learns of its receipt a poll later than the chain shows the state
    await waitFor(() => settled.some((s) => s.taskId === id && s.by === "self"), "the submitter's receipt");
    const bySelf = settled.filter((s) => s.taskId === id && s.by === "self");
    assert.equal(bySelf.length, 1);
    const submitter = bySelf[0]!;
    assert.notEqual(submitter.observer, submitter.prover, "settled by a node other than the prover");
    assert.ok(!PROVERS.some((i) => services[i]!.address === submitter.observer), "by an attester-only node");
    const earnings = await escrow().earnings(submitter.prover);
    assert.ok(earnings > 0n, "the certified prover was paid");
  });

  it("an attester that signs two different Assignments for one round loses its whole stake on chain (reportEquivocation, SPEC §9.9)", async function () {
    const cheat = operators[3]!; // an attester-only node
    const id = await publish(4n);
    const cert = await new Promise<Certificate>((resolve) => {
      const on = (c: Certificate): void => {
        if (c.kind === "assignment" && c.taskId.toLowerCase() === id) {
          services[0]!.off("certificate", on);
          resolve(c);
        }
      };
      services[0]!.on("certificate", on);
    });
    if (cert.kind !== "assignment") throw new Error("unreachable");
    const fundBefore = await escrow().insuranceFund();
    // a second Assignment vote of the cheat in round 0's slot, at another price
    const second = signVote({ kind: "assignment", taskId: id, round: 0, prover: cert.prover, price: cert.price - 1n, attester: cheat.address.toLowerCase() as Hex }, cheat, domain);
    await nodes[0]!.node.gossip.publish("votes", encodeVote(second));
    await waitFor(async () => (await deployed.stakeRegistry.stakeOf(cheat.address)) === 0n, "the equivocating attester slashed", 60_000);
    assert.equal((await escrow().insuranceFund()) - fundBefore >= STAKE, true, "its stake went to the insurance fund");
    // the submitter learns of its receipt a poll later than the chain shows the state
    await waitFor(() => reports.some((r) => r.kind === "equivocation" && r.attester === cheat.address.toLowerCase()), "the reporter's receipt");
    // honest attesters are untouched
    for (const o of operators.slice(0, 3)) assert.ok((await deployed.stakeRegistry.stakeOf(o.address)) > 0n);
  });
});

/**
 * Price schedules and automatic re-auction (SPEC §10.3) in a real pool: libp2p over TCP, level on disk, a real
 * prover. The prover asks a fixed 0.5 ETH; a task whose first reserve is below that gets no bid in its first
 * auction round, re-opens by itself at the next reserve, and completes there. A fixed-price task nobody bids on
 * ends at its reveal cut-off, not at its final deadline.
 */
import assert from "node:assert/strict";
import {
  auctionDeadlines,
  finalDeadline,
  firstRound,
  reservePrice,
  splitRound,
  type CertificateOfKind,
} from "@zkpool/protocol";
import type { CatalogCircuit } from "@zkpool/circuits";
import { systemNow } from "../src/index.js";
import { CachedProvabilityChecker, createAuctionService, publishTask, type AuctionService } from "../src/auction/index.js";
import type { PricingInput, PricingStrategy } from "../src/pricing/strategy.js";
import { REQUESTER, startCluster, stopAll, waitFor, type TestNode } from "./utils.js";
import { realUmp, smallCircuit, stopUmp } from "./auction-utils.js";

const ETH = 10n ** 18n;
const ASK = ETH / 2n;

/** A prover that asks a fixed price whatever the task (so its bid is above some reserves and below others). */
class FixedAsk implements PricingStrategy {
  price(_: PricingInput): bigint | undefined {
    return ASK;
  }
}

describe("auction: price schedule and automatic re-auction (SPEC §10.3)", function () {
  this.timeout(180_000);
  let nodes: TestNode[] = [];
  let services: AuctionService[] = [];
  let prover: Awaited<ReturnType<typeof realUmp>> | undefined;
  let verifier: Awaited<ReturnType<typeof realUmp>> | undefined;
  let circuit: CatalogCircuit;
  let nonce = BigInt(Date.now());

  before(async function () {
    circuit = await smallCircuit();
    verifier = await realUmp();
    prover = await realUmp();
    nodes = await startCluster(3);
    services = nodes.map((t, i) =>
      createAuctionService({
        node: t.node,
        operator: t.operator,
        verifier: verifier!.ump,
        provability: new CachedProvabilityChecker(verifier!.module),
        ...(i === 1 ? { ump: prover!.ump, pricing: new FixedAsk() } : {}),
        tickMs: 200,
      }),
    );
    await Promise.all(services.map((s) => s.start()));
    await waitFor(async () => {
      for (const t of nodes) if ((await t.node.membership.list()).length < nodes.length) return false;
      return true;
    }, "operator records everywhere");
  });

  after(async function () {
    await Promise.allSettled(services.map((s) => s.stop()));
    await stopAll(nodes);
    await stopUmp(prover);
    await stopUmp(verifier);
  });

  const publish = (maxReward: bigint, schedule?: { startPrice: bigint; priceStep: bigint; rebidWindow: number }) =>
    publishTask({
      node: nodes[0]!.node,
      requester: REQUESTER,
      proofSystem: 1,
      wasmPath: circuit.wasm.path,
      zkeyPath: circuit.zkey.path,
      vkeyPath: circuit.vkey.path,
      input: circuit.sampleInput,
      publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward,
      penalty: ETH / 10n,
      bidWindow: 6,
      revealWindow: 6,
      proofWindow: 10,
      maxRounds: 2,
      nonce: nonce++,
      ...(schedule !== undefined ? { schedule } : {}),
    });

  it("nobody bids at the first reserve: the auction re-opens by itself at the next one and the task completes there", async function () {
    // reserves 0.3, 0.65, 1.0 ETH; the prover asks 0.5
    const { taskId: id, task } = await publish(ETH, { startPrice: (3n * ETH) / 10n, priceStep: (35n * ETH) / 100n, rebidWindow: 6 });
    const steps: Array<{ node: number; auctionRound: number; reserve: bigint }> = [];
    services.forEach((s, i) => s.on("reauction", (e) => e.taskId === id && steps.push({ node: i, auctionRound: e.auctionRound, reserve: e.reserve })));
    await waitFor(async () => (await services[0]!.taskView(id))?.status === "completed", "the task completes", 120_000);

    const certs = await services[0]!.certificates(id);
    const a = certs.find((c): c is CertificateOfKind<"assignment"> => c.kind === "assignment");
    assert.ok(a !== undefined, "an assignment certificate");
    // the assignment is in auction round 1 (its first proof round), at the single bidder's payment: the reserve
    assert.deepEqual(splitRound(task, a.round), { auction: 1, proof: 0 });
    assert.equal(a.round, firstRound(task, 1));
    assert.equal(a.prover.toLowerCase(), services[1]!.address);
    assert.equal(a.price, reservePrice(task, 1));
    assert.equal(a.price, (65n * ETH) / 100n);
    const c = certs.find((x) => x.kind === "completion");
    assert.ok(c !== undefined && c.round === a.round, "completed in the same round");
    // every node saw the step from auction round 0 to 1, and none went further
    assert.deepEqual([...new Set(steps.map((s) => s.node))].sort(), [0, 1, 2]);
    assert.ok(steps.every((s) => s.auctionRound === 1 && s.reserve === (65n * ETH) / 100n), steps.map((s) => `${s.node}:${s.auctionRound}:${s.reserve}`).join(" "));
    // round 0's bids: none; the prover's commit is of auction round 1
    assert.equal((await nodes[2]!.node.repos.bids.entries([id, "c"])).length, 0);
    assert.equal((await nodes[2]!.node.repos.bids.entries([id, "c1"])).length, 1);
    assert.equal((await nodes[2]!.node.repos.bids.entries([id, "r1"])).length, 1);
    // the bids of round 1 came after round 0's reveal deadline
    assert.ok(systemNow() > auctionDeadlines(task, 1).revealDeadline);
  });

  it("a task nobody bids on ends at its reveal cut-off (no bids is known then), not at its final deadline", async function () {
    const { taskId: id, task } = await publish(ETH / 4n); // below the prover's 0.5 ETH ask, no schedule
    await waitFor(async () => (await services[2]!.taskView(id))?.status === "failed", "the task fails", 60_000);
    const view = await services[2]!.taskView(id);
    assert.equal(view?.reason, "NO_BIDS");
    assert.ok(systemNow() < finalDeadline(task), "ended well before the final deadline");
    assert.equal((await nodes[2]!.node.repos.bids.entries([id])).length, 0);
  });
});

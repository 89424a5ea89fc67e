/**
 * SPEC §9.3 free stake: a prover does not bid when its stake minus the collateral of its own live bids and
 * assignments is below the task's collateral, and it still reveals a bid it committed. One real node over TCP,
 * a real snarkjs UMP, real artifacts; stake from a genesis table (1000 ETH).
 */
import assert from "node:assert/strict";
import { DEVNET_CHAIN_PARAMS, type Hex } from "@zkpool/protocol";
import type { CatalogCircuit } from "@zkpool/circuits";
import { createAuctionService, FixedSharePricing, publishTask, type AuctionService } from "../src/auction/index.js";
import { realUmp, smallCircuit, stopUmp } from "./auction-utils.js";
import { makeNode, REQUESTER, stopAll, waitFor, type TestNode } from "./utils.js";

const ETH = 10n ** 18n;

describe("auction: free stake (SPEC §9.3)", function () {
  this.timeout(120_000);
  let t: TestNode | undefined;
  let svc: AuctionService | undefined;
  let ump: Awaited<ReturnType<typeof realUmp>> | undefined;
  let circuit: CatalogCircuit;

  after(async () => {
    await svc?.stop();
    if (t !== undefined) await stopAll([t]);
    await stopUmp(ump);
  });

  it("bids on a task whose collateral its stake covers, not on a second one that would over-commit it, and reveals the first", async () => {
    circuit = await smallCircuit();
    ump = await realUmp();
    t = await makeNode(0, 1, { syncOnStart: false, chainParams: DEVNET_CHAIN_PARAMS });
    await t.node.start();
    svc = createAuctionService({ node: t.node, operator: t.operator, verifier: ump.ump, ump: ump.ump, capacity: 4, pricing: new FixedSharePricing(50), announce: false, syncOnStart: false, tickMs: 100 });
    await svc.start();
    const publish = async (nonce: bigint): Promise<Hex> =>
      (await publishTask({
        node: t!.node, requester: REQUESTER, proofSystem: 1,
        wasmPath: circuit.wasm.path, zkeyPath: circuit.zkey.path, vkeyPath: circuit.vkey.path,
        input: circuit.sampleInput, publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
        // collateral = max(minStake, penalty, maxReward) = 600 ETH of the node's 1000 ETH
        maxReward: ETH, penalty: 600n * ETH, bidWindow: 8, revealWindow: 6, proofWindow: 30, maxRounds: 1, nonce,
      })).taskId.toLowerCase() as Hex;
    const first = await publish(1n);
    await waitFor(async () => ((await svc!.store.bid(first))?.price ?? 0n) > 0n, "a bid committed on the first task");
    const second = await publish(2n);
    const secondTask = (await svc.taskView(second))!.task;
    // past the second task's bid deadline: no commit was made for it (400 ETH free < 600 ETH collateral)
    await waitFor(() => BigInt(Math.floor(Date.now() / 1000)) > secondTask.bidDeadline + 2n, "the second task's bid window over", 30_000);
    assert.equal(await svc.store.bid(second), undefined, "no bid on the task that would over-commit the stake");
    await waitFor(async () => (await svc!.store.bid(first))?.revealed === true, "the first bid revealed");
  });
});

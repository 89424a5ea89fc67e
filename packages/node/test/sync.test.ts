import assert from "node:assert/strict";
import type { SingleKadDHT } from "@libp2p/kad-dht";
import { isZkPoolError, bidCommitment, decodeTask, encodeBidCommit, randomSalt, signBidCommit, taskId, type Hex } from "@zkpool/protocol";
import { peerIdHex, PoolNode, SyncErrorCode, systemNow } from "../src/index.js";
import { DOMAIN, makeNode, operatorRecordBytes, startCluster, stopAll, taskBytes, waitFor, type TestNode } from "./utils.js";

describe("storage across restarts and sync of open tasks: 5 nodes + a late joiner", function () {
  this.timeout(120_000);
  const N = 5;
  let nodes: TestNode[] = [];
  const extra: TestNode[] = [];
  // made when the suite starts, not when the file loads: mocha loads every file first, and in `npm test` this
  // suite starts more than 10 minutes later, past the task's bid deadline (the tasks topic would say LATE)
  let t1: Uint8Array;
  let id1: string;

  before(async () => {
    t1 = taskBytes(11n);
    id1 = taskId(decodeTask(t1), DOMAIN).toLowerCase();
    nodes = await startCluster(N);
    for (const t of nodes) await t.node.membership.publish(operatorRecordBytes(t));
    for (const t of nodes) await waitFor(async () => (await t.node.membership.list()).length === N, "records everywhere");
    await nodes[0]!.node.gossip.publish("tasks", t1);
    for (const t of nodes) await waitFor(() => t.node.repos.tasks.has([id1]), "task everywhere");
    // Node 2 bids (sealed commitment, signed with its node key, attributed through its operator record).
    const bidder = nodes[2]!;
    const prover = bidder.operator.address.toLowerCase() as Hex;
    const commit = signBidCommit(
      { taskId: id1 as Hex, prover, peerId: bidder.node.nodeKey.peerId, commitment: bidCommitment(id1 as Hex, prover, 5n * 10n ** 17n, randomSalt()) },
      bidder.node.nodeKey,
      DOMAIN,
    );
    await bidder.node.gossip.publish("bids", encodeBidCommit(commit));
    for (const t of nodes) await waitFor(async () => (await t.node.repos.bids.values([id1])).length === 1, "bid everywhere");
  });

  after(async () => {
    await stopAll([...nodes, ...extra]);
  });

  it("a node restarted from its data directory keeps its identity and state, and catches up from peers", async () => {
    const old = nodes[3]!;
    const peerId = old.node.peerId.toString();
    await old.node.stop();
    // Published while node 3 is down.
    const t2 = taskBytes(12n);
    const id2 = taskId(decodeTask(t2), DOMAIN).toLowerCase();
    await nodes[0]!.node.gossip.publish("tasks", t2);
    await waitFor(() => nodes[1]!.node.repos.tasks.has([id2]), "t2 on node 1");

    const boot = nodes[0]!.node.multiaddrs.map((a) => a.toString());
    const restarted = await makeNode(3, N, { dataDir: old.dataDir, bootstrap: boot });
    nodes[3] = restarted;
    assert.equal(restarted.node.peerId.toString(), peerId);
    // From its own database, before any network traffic.
    assert.deepEqual(await restarted.node.repos.openTaskIds(systemNow()), [id1]);
    assert.equal((await restarted.node.repos.bids.values([id1])).length, 1);
    assert.equal((await restarted.node.membership.list()).length, N);
    await restarted.node.start();
    // From peers: the task it missed.
    await waitFor(() => restarted.node.repos.tasks.has([id2]), "restarted node synced the missed task");
  });

  it("a late joiner syncs operators, open tasks and bids, validating each message like gossip", async () => {
    const late = await makeNode(N, N, { bootstrap: nodes[0]!.node.multiaddrs.map((a) => a.toString()) });
    extra.push(late);
    await late.node.start();
    await waitFor(async () => (await late.node.repos.openTaskIds(systemNow())).length === 2, "late joiner has both open tasks");
    await waitFor(async () => (await late.node.repos.bids.values([id1])).length === 1, "late joiner has the bid");
    assert.equal((await late.node.membership.list()).length, N);

    // A second sync brings nothing new: every message is a duplicate or stale.
    const again = await late.node.sync.syncFrom(nodes[1]!.node.peerId);
    assert.equal(again.accepted, 0);
    assert.equal(again.rejected, 0);
    assert.ok(again.ignored >= N + 3);
  });

  it("an invalid message served by sync is rejected and not stored", async () => {
    // A misbehaving peer: writes a forged task straight into its database, bypassing validation.
    const server = nodes[4]!;
    const forged = taskBytes(13n, DOMAIN, nodes[0]!.operator);
    const forgedId = taskId(decodeTask(forged), DOMAIN).toLowerCase();
    await server.node.repos.addTask(forgedId, forged, systemNow() + 3600n);
    const fresh = await makeNode(N + 1, N, { syncOnStart: false, bootstrap: [server.node.multiaddrs[0]!.toString()] });
    extra.push(fresh);
    await fresh.node.start();
    await waitFor(() => (fresh.node.host.services.dht as unknown as SingleKadDHT).routingTable.size > 0, "fresh node has DHT peers");
    // Membership through the DHT alone: the record is found, validated and stored.
    const wanted = peerIdHex(nodes[1]!.node.peerId.toString());
    assert.equal(await fresh.node.repos.operators.has([wanted]), false);
    const rec = await fresh.node.membership.lookup(wanted);
    assert.equal(rec?.operator, nodes[1]!.operator.address.toLowerCase());
    assert.equal(await fresh.node.repos.operators.has([wanted]), true);
    const r = await fresh.node.sync.syncFrom(server.node.peerId);
    assert.equal(r.rejected, 1);
    // Everything else is accepted (or already arrived by gossip): the node now holds the open-task state.
    assert.ok(r.accepted >= 1);
    assert.equal(await fresh.node.repos.tasks.has([forgedId]), false);
    assert.equal((await fresh.node.repos.openTaskIds(systemNow())).length, 2);
    assert.equal((await fresh.node.repos.bids.values([id1])).length, 1);
    assert.equal((await fresh.node.membership.list()).length, N);
  });

  it("aborts a sync and disconnects a peer that serves many invalid messages", async () => {
    const server = nodes[4]!;
    for (let i = 0; i < 20; i++) {
      const forged = taskBytes(100n + BigInt(i), DOMAIN, nodes[0]!.operator);
      await server.node.repos.addTask(taskId(decodeTask(forged), DOMAIN).toLowerCase(), forged, systemNow() + 3600n);
    }
    const fresh = await makeNode(N + 2, N, { syncOnStart: false, bootstrap: [server.node.multiaddrs[0]!.toString()] });
    extra.push(fresh);
    await fresh.node.start();
    await waitFor(() => fresh.node.host.getPeers().some((p) => p.equals(server.node.peerId)), "fresh node connected");
    await assert.rejects(fresh.node.sync.syncFrom(server.node.peerId), (err: unknown) => isZkPoolError(err, SyncErrorCode.TOO_MANY_INVALID));
    assert.equal(fresh.node.host.getPeers().some((p) => p.equals(server.node.peerId)), false);
    assert.equal((await fresh.node.repos.tasks.values()).length <= 2, true);
  });

  it("refuses a second node on the same data directory with a typed error", async () => {
    await assert.rejects(
      PoolNode.create({ dataDir: nodes[0]!.dataDir, domain: DOMAIN, stake: nodes[0]!.node.opts.stake }),
      (err: unknown) => (err as { code?: string }).code === "DB_OPEN_FAILED",
    );
  });
});

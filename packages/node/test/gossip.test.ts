import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { ConnectionGater, PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { decodeTask, taskId } from "@zkpool/protocol";
import { loadOrCreatePeerKey, messageId, PrometheusMetrics, SCORE_THRESHOLDS, topicString, type ValidatedEvent } from "../src/index.js";
import { DOMAIN, OTHER_DOMAIN, makeNode, operatorRecordBytes, operatorWallet, startCluster, stopAll, taskBytes, tempDir, waitFor, type TestNode } from "./utils.js";

/** Deny every connection to/from `denied`. */
function denyPeer(denied: (p: PeerId) => boolean): ConnectionGater {
  return {
    denyDialPeer: (p) => denied(p),
    denyInboundEncryptedConnection: (p) => denied(p),
    denyOutboundEncryptedConnection: (p) => denied(p),
  };
}

describe("gossip: 5 nodes over TCP loopback + an attacker attached to one victim", function () {
  this.timeout(120_000);
  const N = 5;
  const VICTIM = 1;
  let nodes: TestNode[] = [];
  let attacker: TestNode | undefined;
  let attackerId: PeerId;
  const events: ValidatedEvent[][] = [];
  const victimMetrics = new PrometheusMetrics();

  before(async () => {
    const attackerDir = await tempDir();
    attackerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(attackerDir));
    // Honest nodes other than the victim never talk to the attacker, so anything they see from it was forwarded.
    nodes = await startCluster(N, (i) => (i === VICTIM ? { metrics: victimMetrics } : { connectionGater: denyPeer((p) => p.equals(attackerId)) }));
    nodes.forEach((t, i) => {
      events[i] = [];
      t.node.gossip.on("validated", (e) => events[i]!.push(e));
    });
    const victim = nodes[VICTIM]!.node;
    attacker = await makeNode(N, N, {
      dataDir: attackerDir,
      bootstrap: victim.multiaddrs.map((a) => a.toString()),
      connectionGater: denyPeer((p) => !p.equals(victim.peerId)),
    });
    await attacker.node.start();
  });

  after(async () => {
    await stopAll(attacker ? [...nodes, attacker] : nodes);
  });

  it("forms a mesh on every topic", async () => {
    for (const t of nodes) {
      await waitFor(() => t.node.gossip.meshPeers("tasks").length > 0 && t.node.gossip.meshPeers("operators").length > 0, "mesh peers");
    }
    await waitFor(() => attacker!.node.host.getPeers().some((p) => p.equals(nodes[VICTIM]!.node.peerId)), "attacker connected to victim");
  });

  it("operator records reach every node; every node lists all operators", async () => {
    for (const t of nodes) await t.node.membership.publish(operatorRecordBytes(t));
    for (const t of nodes) {
      await waitFor(async () => (await t.node.membership.list()).length === N, "all operator records");
    }
    const ops = (await nodes[3]!.node.membership.list()).map((r) => r.operator).sort();
    assert.deepEqual(ops, nodes.map((_, i) => operatorWallet(i).address.toLowerCase()).sort());
  });

  it("a task published by one node is validated and stored by every node", async () => {
    const bytes = taskBytes(1n);
    const id = taskId(decodeTask(bytes), DOMAIN).toLowerCase();
    await nodes[0]!.node.gossip.publish("tasks", bytes);
    for (const t of nodes) await waitFor(() => t.node.repos.tasks.has([id]), "task on every node");
    const stored = await nodes[4]!.node.repos.tasks.get([id]);
    assert.deepEqual(Buffer.from(stored!), Buffer.from(bytes));
    assert.deepEqual(await nodes[2]!.node.repos.openTaskIds(BigInt(Math.floor(Date.now() / 1000))), [id]);
  });

  it("forged, replayed, malformed and oversized messages are rejected, not stored, not forwarded; the sender is graylisted", async () => {
    const victim = nodes[VICTIM]!.node;
    const topic = topicString(DOMAIN.chainId, "tasks");
    const forged = taskBytes(2n, DOMAIN, operatorWallet(9)); // requester field says REQUESTER, signed by someone else
    const replayed = taskBytes(3n, OTHER_DOMAIN); // a valid task of another network replayed here
    const malformed = randomBytes(200);
    const oversized = randomBytes(4000);
    const malformed2 = Buffer.concat([taskBytes(4n).subarray(0, 50), randomBytes(30)]);
    const bad = [forged, replayed, malformed, oversized, malformed2];
    const badIds = bad.map((b) => messageId(b));

    for (const [i, data] of bad.entries()) {
      await attacker!.node.host.services.pubsub.publish(topic, data);
      await waitFor(() => events[VICTIM]!.some((e) => e.msgId === badIds[i]), `victim validated bad message ${i}`);
    }
    const verdicts = bad.map((_, i) => events[VICTIM]!.find((e) => e.msgId === badIds[i])!);
    for (const v of verdicts) {
      assert.equal(v.outcome, "reject");
      assert.equal(v.from, attackerId.toString());
    }
    assert.equal(verdicts[0]!.reason, "BAD_SIGNATURE");
    assert.equal(verdicts[1]!.reason, "BAD_SIGNATURE");
    assert.equal(verdicts[3]!.reason, "GOSSIP_TOO_LARGE");

    // Nothing stored.
    for (const b of [forged, replayed]) {
      const id = taskId(decodeTask(b), DOMAIN).toLowerCase();
      for (const t of nodes) assert.equal(await t.node.repos.tasks.has([id]), false);
    }
    assert.equal((await victim.repos.tasks.values()).length, 1);

    // Sync point: a valid message from the victim reaches everyone, so anything forwarded earlier would have too.
    const marker = taskBytes(5n);
    const markerId = taskId(decodeTask(marker), DOMAIN).toLowerCase();
    await victim.gossip.publish("tasks", marker);
    for (const t of nodes) await waitFor(() => t.node.repos.tasks.has([markerId]), "marker everywhere");
    for (const [i, evs] of events.entries()) {
      if (i === VICTIM) continue;
      assert.equal(evs.filter((e) => badIds.includes(e.msgId)).length, 0, `node ${i} received a rejected message`);
    }

    // The metrics say the same, by topic, outcome and reason.
    const text = await victimMetrics.text();
    assert.match(text, /zkpool_node_gossip_messages_total\{topic="\/zkpool\/1\/31337\/tasks",outcome="reject",reason="BAD_SIGNATURE"\} 2/);
    assert.match(text, /zkpool_node_gossip_messages_total\{topic="\/zkpool\/1\/31337\/tasks",outcome="reject",reason="GOSSIP_TOO_LARGE"\} 1/);
    assert.match(text, /zkpool_node_gossip_messages_total\{topic="\/zkpool\/1\/31337\/tasks",outcome="accept",reason=""\} 2/);
    assert.match(text, /zkpool_node_gossip_messages_total\{topic="\/zkpool\/1\/31337\/tasks",outcome="reject",reason="MALFORMED"\} 2/);
    assert.match(text, /zkpool_node_bytes_total\{direction="in",channel="gossip"\} \d+/);

    // gossipsub caches scores for a heartbeat: wait for the refreshed value.
    await waitFor(() => victim.gossip.peerScore(attackerId.toString()) < SCORE_THRESHOLDS.graylistThreshold, "attacker graylisted");
    assert.ok(victim.gossip.peerScore(nodes[0]!.node.peerId.toString()) >= 0, "honest peers keep a non-negative score");
    for (const [i, t] of nodes.entries()) {
      if (i !== VICTIM) assert.equal(t.node.host.getPeers().some((p) => p.equals(attackerId)), false);
    }
  });
});

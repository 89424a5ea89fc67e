/* Hostile gossip load: a flood of cheap IGNOREd messages from one peer must not crowd out honest ones. */
import assert from "node:assert/strict";
import type { ConnectionGater, PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { hexlify, randomBytes } from "ethers";
import { decodeTask, encodeVote, signVote, taskId, type Hex } from "@zkpool/protocol";
import { loadOrCreatePeerKey, messageId, SCORE_THRESHOLDS, topicString, type ValidatedEvent } from "../src/index.js";
import { GossipErrorCode } from "../src/gossip/errors.js";
import { DOMAIN, genesisFor, makeNode, operatorWallet, startCluster, stopAll, taskBytes, tempDir, waitFor, type TestNode } from "./utils.js";

function denyPeer(denied: (p: PeerId) => boolean): ConnectionGater {
  return {
    denyDialPeer: (p) => denied(p),
    denyInboundEncryptedConnection: (p) => denied(p),
    denyOutboundEncryptedConnection: (p) => denied(p),
  };
}

const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex;
const randAddr = (): Hex => hexlify(randomBytes(20)) as Hex;

describe("robustness: a flood of IGNOREd votes from one peer", function () {
  this.timeout(120_000);
  const FLOOD = 3000;
  const HONEST = 7;
  const THROTTLE_AT = 256;
  let nodes: TestNode[] = [];
  let attacker: TestNode | undefined;
  let attackerId: PeerId;
  const extra: TestNode[] = [];
  const events: ValidatedEvent[] = [];
  const junkVote = (): Uint8Array => encodeVote({ ...template, taskId: rand32() });
  const template = signVote({ kind: "completion", taskId: rand32(), round: 0, prover: randAddr(), proofHash: rand32(), attester: operatorWallet(0).address.toLowerCase() as Hex }, operatorWallet(0), DOMAIN);

  /** A node that talks to the victim only. */
  async function attackerNode(index: number, dataDir?: string): Promise<TestNode> {
    const victim = nodes[0]!.node;
    const a = await makeNode(index, 8, {
      ...(dataDir !== undefined ? { dataDir } : {}),
      syncOnStart: false,
      bootstrap: victim.multiaddrs.map((m) => m.toString()),
      connectionGater: denyPeer((p) => !p.equals(victim.peerId)),
    });
    await a.node.start();
    const votes = topicString(DOMAIN.chainId, "votes");
    await waitFor(() => a.node.host.services.pubsub.getSubscribers(votes).some((p) => p.equals(victim.peerId)), "attacker sees the victim on votes");
    return a;
  }

  before(async () => {
    const attackerDir = await tempDir();
    attackerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(attackerDir));
    // Node 0 is the victim; node 1 an honest peer that never talks to the attacker. 8 staked attesters.
    // Penalties do not decay during the test, so the bound on what the attacker gets validated is exact.
    nodes = await startCluster(2, (i) => ({
      syncOnStart: false,
      stake: genesisFor(8),
      ...(i === 0 ? { gossip: { penalties: { halfLifeMs: Infinity } } } : { connectionGater: denyPeer((p) => p.equals(attackerId)) }),
    }));
    const victim = nodes[0]!.node;
    victim.gossip.on("validated", (e) => events.push(e));
    attacker = await attackerNode(9, attackerDir);
    await waitFor(() => nodes[1]!.node.gossip.meshPeers("votes").length > 0 && nodes[1]!.node.gossip.meshPeers("tasks").length > 0, "honest mesh");
  });

  after(async () => {
    await stopAll([...nodes, ...(attacker ? [attacker] : []), ...extra]);
  });

  it("every honest vote is validated and accepted; the flooder gets at most 256 validated, then is throttled and graylisted", async () => {
    const [victim, honest] = nodes as [TestNode, TestNode];
    const t = taskBytes(77n);
    const id = taskId(decodeTask(t), DOMAIN).toLowerCase() as Hex;
    await honest.node.gossip.publish("tasks", t);
    await waitFor(() => victim.node.repos.tasks.has([id]), "task on the victim");

    // Junk: well-formed completion votes for tasks nobody knows (IGNORE UNKNOWN_TASK, before any signature check).
    const junk = Array.from({ length: FLOOD }, junkVote);
    // Honest: completion votes of 7 staked attesters for the known task.
    const prover = randAddr();
    const proofHash = rand32();
    const good = Array.from({ length: HONEST }, (_, i) =>
      encodeVote(signVote({ kind: "completion", taskId: id, round: 0, prover, proofHash, attester: operatorWallet(i).address.toLowerCase() as Hex }, operatorWallet(i), DOMAIN)),
    );
    const goodIds = new Set(good.map((g) => messageId(g)));

    const topic = topicString(DOMAIN.chainId, "votes");
    const flood = Promise.all(junk.map((j) => attacker!.node.host.services.pubsub.publish(topic, j).catch(() => undefined)));
    for (const g of good) await honest.node.gossip.publish("votes", g);
    await flood;

    await waitFor(() => events.filter((e) => goodIds.has(e.msgId)).length === HONEST, "every honest vote validated on the victim", 60_000);
    const honestOutcomes = events.filter((e) => goodIds.has(e.msgId));
    assert.deepEqual(
      honestOutcomes.map((e) => e.outcome),
      Array.from({ length: HONEST }, () => "accept"),
      JSON.stringify(honestOutcomes.map((e) => e.reason)),
    );
    assert.equal((await victim.node.repos.votes.values([id])).length, HONEST);

    // The flood: validated (UNKNOWN_TASK) at most THROTTLE_AT times; the rest shed or dropped unvalidated.
    const from = attackerId.toString();
    await waitFor(() => victim.node.gossip.penalties.throttled(from), "attacker throttled");
    const fromAttacker = events.filter((e) => e.from === from);
    const validated = fromAttacker.filter((e) => e.reason === "UNKNOWN_TASK").length;
    const dropped = fromAttacker.filter((e) => e.reason === GossipErrorCode.THROTTLED).length;
    const shed = fromAttacker.filter((e) => e.reason === GossipErrorCode.QUEUE_FULL).length;
    assert.ok(validated <= THROTTLE_AT, `attacker messages validated: ${validated}`);
    assert.ok(validated >= THROTTLE_AT - Math.ceil(shed / 4), `validated ${validated}, shed ${shed}`);
    assert.ok(fromAttacker.every((e) => e.outcome === "ignore"));
    assert.ok(dropped + shed + validated <= FLOOD);
    // gossipsub graylists it too (its application score), so further RPCs are ignored before validation.
    await waitFor(() => victim.node.gossip.peerScore(from) < SCORE_THRESHOLDS.graylistThreshold, "attacker graylisted by gossipsub");
    assert.ok(victim.node.gossip.peerScore(honest.node.peerId.toString()) >= 0, "the honest peer keeps a non-negative score");
    assert.equal(victim.node.gossip.penalties.throttled(honest.node.peerId.toString()), false);
  });

  it("a paced flood that never fills the queue gets exactly 256 IGNOREd messages validated, then nothing", async () => {
    const victim = nodes[0]!.node;
    const a = await attackerNode(10);
    extra.push(a);
    const from = a.node.peerId.toString();
    const topic = topicString(DOMAIN.chainId, "votes");
    const seen = (): ValidatedEvent[] => events.filter((e) => e.from === from);
    let sent = 0;
    // Batches of 16, each sent once the victim has dealt with the previous one: no shedding, every one counts.
    while (sent < THROTTLE_AT + 64) {
      for (let i = 0; i < 16; i++) await a.node.host.services.pubsub.publish(topic, junkVote());
      sent += 16;
      await waitFor(() => seen().length === sent, "victim handled the batch");
    }
    const validated = seen().filter((e) => e.reason === "UNKNOWN_TASK").length;
    assert.equal(validated, THROTTLE_AT);
    assert.equal(seen().filter((e) => e.reason === GossipErrorCode.QUEUE_FULL).length, 0);
    assert.equal(seen().filter((e) => e.reason === GossipErrorCode.THROTTLED).length, sent - THROTTLE_AT);
    assert.equal(victim.gossip.penalties.throttled(from), true);
  });
});

/* DHT operator records under hostile puts: replayed old records and records of unstaked operators are refused. */
import assert from "node:assert/strict";
import type { SingleKadDHT } from "@libp2p/kad-dht";
import { decodeOperatorRecord, isZkPoolError } from "@zkpool/protocol";
import { MembershipErrorCode, operatorDhtKey, peerIdHex } from "../src/index.js";
import { operatorRecordBytes, operatorWallet, startCluster, stopAll, waitFor, type TestNode } from "./utils.js";

async function storedSeq(t: TestNode, key: Uint8Array): Promise<bigint | undefined> {
  const v = await t.node.host.services.dhtRecords.get(key);
  return v === undefined ? undefined : decodeOperatorRecord(v).seq;
}

/** Put `value` under `key` from `t`'s DHT; count the peers that stored it and those that refused it. */
async function put(t: TestNode, key: Uint8Array, value: Uint8Array): Promise<{ stored: number; refused: number }> {
  let stored = 0;
  let refused = 0;
  for await (const evt of t.node.host.services.dht.put(key, value)) {
    if (evt.name === "PEER_RESPONSE" && evt.messageName === "PUT_VALUE") stored++;
    if (evt.name === "QUERY_ERROR") refused++;
  }
  return { stored, refused };
}

describe("robustness: DHT operator records", function () {
  this.timeout(120_000);
  let nodes: TestNode[] = [];

  before(async () => {
    nodes = await startCluster(3, () => ({ syncOnStart: false }));
    // Every node knows both others, so a put reaches them all.
    for (const t of nodes) {
      await waitFor(() => (t.node.host.services.dht as unknown as SingleKadDHT).routingTable.size >= nodes.length - 1, "full DHT routing tables");
    }
  });

  after(async () => {
    await stopAll(nodes);
  });

  it("a put never replaces a newer record with an older one (the selector runs on put)", async () => {
    const [a, owner, replayer] = nodes as [TestNode, TestNode, TestNode];
    const key = operatorDhtKey(peerIdHex(owner.node.peerId.toString()));
    const r1 = operatorRecordBytes(owner, 1n);
    const r2 = operatorRecordBytes(owner, 2n);
    const r3 = operatorRecordBytes(owner, 3n);
    await owner.node.membership.publish(r2);
    assert.equal(await storedSeq(a, key), 2n);
    assert.equal(await storedSeq(replayer, key), 2n);

    // Someone replays the owner's older (validly signed) record: every peer that holds seq 2 refuses it.
    const replay = await put(replayer, key, r1);
    assert.equal(replay.stored, 0);
    assert.ok(replay.refused >= 1);
    assert.equal(await storedSeq(a, key), 2n);
    assert.equal(await storedSeq(owner, key), 2n);

    // The owner itself cannot publish the older record either (a local put skips the DHT validators).
    await assert.rejects(owner.node.membership.publish(r1), (err: unknown) => isZkPoolError(err, MembershipErrorCode.STALE_RECORD));

    // A newer record replaces it everywhere.
    await owner.node.membership.publish(r3);
    assert.equal(await storedSeq(a, key), 3n);
    assert.equal(await storedSeq(replayer, key), 3n);
  });

  it("a validly signed record of an operator without stake is not stored", async () => {
    const [a, b, putter] = nodes as [TestNode, TestNode, TestNode];
    // The putter signs its own record with an operator key that has no stake (wallet 7 is not in the genesis table).
    const unstaked = { ...putter, operator: operatorWallet(7) };
    const key = operatorDhtKey(peerIdHex(putter.node.peerId.toString()));
    const res = await put(putter, key, operatorRecordBytes(unstaked, 1n));
    assert.equal(res.stored, 0);
    assert.ok(res.refused >= 1);
    assert.equal(await storedSeq(a, key), undefined);
    assert.equal(await storedSeq(b, key), undefined);
    assert.equal(await a.node.membership.lookup(peerIdHex(putter.node.peerId.toString())), undefined);
  });
});

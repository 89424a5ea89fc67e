/* Hostile load on the request/response protocols (sync, transfer): peers that open many streams and never read. */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import { hexlify } from "ethers";
import {
  bidCommitment,
  decodeOperatorRecord,
  decodeTask,
  encodeBidCommit,
  encodeOperatorRecord,
  randomSalt,
  signBidCommit,
  signOperatorRecord,
  taskId,
  type Hex,
} from "@zkpool/protocol";
import { peerIdHex, SYNC_PROTOCOL, systemNow, TRANSFER_PROTOCOL } from "../src/index.js";
import { DOMAIN, operatorRecordBytes, operatorWallet, startCluster, stopAll, taskBytes, waitFor, type TestNode } from "./utils.js";

/**
 * ~4.2 MB of records: more than a yamux stream window can grow to while a stream is negotiated (the window
 * doubles on quick round trips; it was 1 MiB here), so a responder that wrote it all would have to buffer it.
 */
const RECORDS = 2000;
/** Every record here is ~2.1 KB: 30 module ids of 64 characters. */
const MAX_RECORD_BYTES = 4096;
const ATTACKERS = 3;
const STREAMS_PER_ATTACKER = 8;
const STREAMS_PER_PEER = 2;
/** Fewer overall stream slots than the attackers' per-peer budgets add up to (3 x 2): they fill them all. */
const STREAMS = 4;

/** A valid, staked operator record for a random peer id, ~2.1 KB. */
function bigRecord(prefix: string, i: number): Uint8Array {
  const rec = signOperatorRecord(
    {
      operator: operatorWallet(0).address.toLowerCase() as Hex,
      peerId: (prefix + hexlify(randomBytes(32)).slice(2)) as Hex,
      proofSystems: [1],
      moduleIds: Array.from({ length: 30 }, (_, k) => `${String(k).padStart(2, "0")}${"m".repeat(62)}`),
      capacity: 1 + (i % 100),
      softwareVersion: "0.1.0",
      seq: 1n,
      issuedAt: systemNow(),
    },
    operatorWallet(0),
    DOMAIN,
  );
  return encodeOperatorRecord(rec);
}

/**
 * Open a stream, send one length-prefixed request, read the first frame of the answer (so the responder is
 * surely writing), then stop reading (pause: no more flow-control window updates).
 */
async function openAndNeverRead(attacker: TestNode, server: TestNode, protocol: string, request: Uint8Array): Promise<Stream | undefined> {
  try {
    const stream = await attacker.node.host.dialProtocol(server.node.peerId, protocol);
    const lp = lpStream(stream, { maxDataLength: 1 << 20 });
    await lp.write(request);
    await lp.read({ signal: AbortSignal.timeout(10_000) });
    lp.unwrap();
    stream.pause();
    return stream;
  } catch {
    return undefined; // refused by the server (stream budget / libp2p's per-connection limit)
  }
}

describe("robustness: sync and transfer budgets under peers that never read", function () {
  this.timeout(180_000);
  let nodes: TestNode[] = [];
  let server: TestNode;
  let honest: TestNode;
  let attackers: TestNode[];
  const held: Stream[] = [];
  const blob = randomBytes(8 * 1024 * 1024);
  const blobHash = createHash("sha256").update(blob).digest("hex");

  before(async () => {
    nodes = await startCluster(2 + ATTACKERS, (i) => ({
      syncOnStart: false,
      ...(i === 0
        ? {
            // Pages as large as the whole state: the responder must rely on backpressure, not on the page size.
            sync: {
              pageBytes: 8 * 1024 * 1024,
              pageMessages: 10_000,
              serve: { streamsPerPeer: STREAMS_PER_PEER, streams: STREAMS, writeTimeoutMs: 4000, evictStalledAfterMs: 0 },
            },
            transfer: { serve: { streamsPerPeer: STREAMS_PER_PEER, streams: STREAMS, writeTimeoutMs: 4000, evictStalledAfterMs: 0 } },
          }
        : {}),
    }));
    [server, honest] = nodes as [TestNode, TestNode];
    attackers = nodes.slice(2);
    const prefix = peerIdHex(server.node.peerId.toString()).slice(0, 14);
    // The server holds many valid records (written straight to its database; the honest peer validates them).
    for (let i = 0; i < RECORDS; i++) {
      const bytes = bigRecord(prefix, i);
      await server.node.repos.operators.put([decodeOperatorRecord(bytes).peerId.toLowerCase()], bytes);
    }
    await server.node.transfer.store.put(blob);
    for (const a of attackers) await waitFor(() => a.node.host.getPeers().some((p) => p.equals(server.node.peerId)), "attacker connected to the server");
  });

  after(async () => {
    for (const s of held) s.abort(new Error("test over"));
    await stopAll(nodes);
  });

  it("sync: streams past the budgets are refused, unread responses stay bounded, an honest peer still syncs", async () => {
    const paged = new Uint8Array(9);
    paged[0] = 1;
    new DataView(paged.buffer).setUint32(1, 0xffffffff);
    new DataView(paged.buffer).setUint32(5, 0xffffffff);
    const opened = await Promise.all(
      attackers.flatMap((a) => Array.from({ length: STREAMS_PER_ATTACKER }, (_, i) => openAndNeverRead(a, server, SYNC_PROTOCOL, i % 2 === 0 ? Uint8Array.of(0) : paged))),
    );
    for (const s of opened) if (s !== undefined) held.push(s);

    // Each attacker holds at most its per-peer budget of streams, all of them at most the overall budget; the
    // server's send windows fill and it waits.
    await waitFor(() => server.node.sync.stats().stalledStreams === STREAMS, "attackers hold every stream slot, stalled");
    const during = server.node.sync.stats();
    assert.equal(during.activeStreams, STREAMS);
    assert.ok(during.refused.streams >= ATTACKERS, `streams refused: ${during.refused.streams}`);
    // Backpressure: what waits in the server's buffers is at most one 64 KiB batch (+ a frame) per held stream.
    assert.ok(during.bufferedBytes <= during.activeStreams * (64 * 1024 + MAX_RECORD_BYTES + 16), `buffered ${during.bufferedBytes} bytes`);

    // Meanwhile an honest peer syncs everything (validated like gossip): its requests evict stalled streams.
    const r = await honest.node.sync.syncFrom(server.node.peerId);
    assert.ok(server.node.sync.stats().evicted >= 1);
    assert.equal(r.rejected, 0);
    assert.ok(r.accepted >= RECORDS, `accepted ${r.accepted}`);
    assert.ok(r.pages >= 8, "the honest peer asks for 512 KiB pages");
    assert.equal((await honest.node.membership.list()).length >= RECORDS, true);

    // The attackers' streams are aborted by the write timeout and every slot is given back.
    await waitFor(() => server.node.sync.stats().activeStreams === 0, "held sync streams aborted", 30_000);
    const after = server.node.sync.stats();
    assert.ok(after.aborted >= STREAMS, `aborted ${after.aborted}`);
    assert.equal(after.bufferedBytes, 0);
  });

  it("transfer: the same for content: bounded streams and buffers, an honest fetch succeeds", async () => {
    const req = Buffer.from(blobHash, "hex");
    const opened = await Promise.all(
      attackers.flatMap((a) => Array.from({ length: STREAMS_PER_ATTACKER }, () => openAndNeverRead(a, server, TRANSFER_PROTOCOL, req))),
    );
    for (const s of opened) if (s !== undefined) held.push(s);
    await waitFor(() => server.node.transfer.stats().stalledStreams === STREAMS, "attackers hold every transfer slot, stalled");
    const during = server.node.transfer.stats();
    assert.ok(during.refused.streams >= ATTACKERS);
    // One 256 KiB chunk per held stream at most, not 8 MiB each.
    assert.ok(during.bufferedBytes <= during.activeStreams * (256 * 1024 + 16), `buffered ${during.bufferedBytes} bytes`);

    const got = await honest.node.transfer.fetch(blobHash, { providers: [server.node.peerId] });
    assert.ok(Buffer.from(got).equals(blob));
    assert.ok(server.node.transfer.stats().evicted >= 1);

    await waitFor(() => server.node.transfer.stats().activeStreams === 0, "held transfer streams aborted", 30_000);
    assert.ok(server.node.transfer.stats().aborted >= STREAMS);
  });
});

describe("robustness: paged sync", function () {
  this.timeout(120_000);
  let nodes: TestNode[] = [];
  const TASKS = 4;
  const PAGE = 2;

  before(async () => {
    // Small pages (2 messages) and a small request budget, so a whole sync takes many pages and some BUSY answers.
    nodes = await startCluster(3, () => ({ syncOnStart: false, sync: { pageMessages: PAGE, serve: { requestBurst: 4, requestsPerSecond: 10 } } }));
    for (const t of nodes) await t.node.membership.publish(operatorRecordBytes(t));
    for (const t of nodes) await waitFor(async () => (await t.node.membership.list()).length === nodes.length, "records everywhere");
    const [server] = nodes as [TestNode];
    const prover = server.operator.address.toLowerCase() as Hex;
    for (let i = 0; i < TASKS; i++) {
      const t = taskBytes(500n + BigInt(i));
      const id = taskId(decodeTask(t), DOMAIN).toLowerCase() as Hex;
      await server.node.gossip.publish("tasks", t);
      const commit = signBidCommit({ taskId: id, prover, peerId: server.node.nodeKey.peerId, commitment: bidCommitment(id, prover, 5n, randomSalt()) }, server.node.nodeKey, DOMAIN);
      await server.node.gossip.publish("bids", encodeBidCommit(commit));
    }
  });

  after(async () => {
    await stopAll(nodes);
  });

  it("a late joiner gets every record, task and bid across pages (cursor resumes inside tasks), waiting out BUSY", async () => {
    const [server, , late] = nodes as [TestNode, TestNode, TestNode];
    // `late` has everything from gossip already: every synced message is accepted or ignored as a duplicate.
    const r = await late.node.sync.syncFrom(server.node.peerId);
    const total = nodes.length + TASKS * 2;
    assert.equal(r.rejected, 0);
    assert.equal(r.accepted + r.ignored, total, JSON.stringify(r));
    assert.equal(r.pages, Math.ceil(total / PAGE));
    assert.ok(server.node.sync.stats().refused.rate >= 1, "some pages were answered BUSY and retried");
    assert.equal((await late.node.repos.openTaskIds(systemNow())).length, TASKS);
    for (const id of await late.node.repos.openTaskIds(systemNow())) assert.equal((await late.node.repos.bids.values([id])).length, 1);
    // The responder's own iteration, page by page, yields each message once.
    const keys: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      let n = 0;
      let last: string | undefined;
      for await (const item of server.node.sync.openTaskMessages(cursor)) {
        if (n === 3) break;
        keys.push(item.key);
        last = item.key;
        n++;
      }
      if (n < 3) break;
      cursor = last;
    }
    assert.equal(keys.length, total);
    assert.equal(new Set(keys).size, total);
  });

  it("a legacy request [0x00] gets one page at the responder's limit, without a trailer", async () => {
    const [server, client] = nodes as [TestNode, TestNode];
    const stream = await client.node.host.dialProtocol(server.node.peerId, SYNC_PROTOCOL);
    const lp = lpStream(stream, { maxDataLength: 128 * 1024 });
    await lp.write(Uint8Array.of(0));
    let frames = 0;
    for (;;) {
      try {
        const f = (await lp.read()).subarray();
        assert.ok(f[0]! < 6, "a message frame, not a trailer");
        frames++;
      } catch (err) {
        if ((err as { name?: string }).name === "UnexpectedEOFError") break;
        throw err;
      }
    }
    assert.equal(frames, PAGE);
    await stream.close().catch(() => {});
  });
});

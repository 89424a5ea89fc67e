/* Pure unit tests of the per-peer budgets and penalties (injected clocks; counts, not durations). */
import assert from "node:assert/strict";
import { multiaddr } from "@multiformats/multiaddr";
import { peerIdFromString } from "@libp2p/peer-id";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { ServeBudget, TokenBucket, ipOfMultiaddr, varint } from "../src/network/budget.js";
import { PeerPenalties } from "../src/gossip/penalties.js";
import { GossipErrorCode } from "../src/gossip/errors.js";

const limits = { streamsPerPeer: 2, streams: 3, requestBurst: 3, requestsPerSecond: 1, bytesBurst: 1000, bytesPerSecond: 100, ipFactor: 2 };

async function peer(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
}

describe("per-peer serve budgets", () => {
  it("token bucket: burst, refill, overdraft", () => {
    let now = 0;
    const b = new TokenBucket(3, 1, () => now);
    assert.equal(b.take(), true);
    assert.equal(b.take(2), true);
    assert.equal(b.take(), false);
    assert.equal(b.waitMs(), 1000);
    now = 1500;
    assert.equal(b.take(), true);
    b.charge(5);
    assert.ok(b.available() < 0);
    now = 100_000;
    assert.equal(b.full(), true);
  });

  it("counts streams per peer and overall, request tokens and response bytes", async () => {
    let now = 0;
    const budget = new ServeBudget(limits, false, () => now);
    const [p1, p2] = [await peer(), await peer()];
    const conn = (p: string, ip = "10.0.0.1") => ({ remotePeer: peerIdFromString(p), remoteAddr: multiaddr(`/ip4/${ip}/tcp/1`) });
    const k1 = budget.keysOf(conn(p1));
    assert.deepEqual(k1, [`peer:${p1}`]);
    const a = budget.open(k1);
    const b = budget.open(k1);
    assert.notEqual(a, "streams");
    assert.notEqual(b, "streams");
    assert.equal(budget.open(k1), "streams", "per-peer stream cap");
    const c = budget.open(budget.keysOf(conn(p2)));
    assert.notEqual(c, "streams");
    assert.equal(budget.open(budget.keysOf(conn(p2))), "streams", "overall stream cap");
    assert.equal(budget.activeStreams, 3);
    if (a === "streams" || b === "streams" || c === "streams") throw new Error("unreachable");
    // Requests: a burst of 3 per peer, then refused until refilled.
    assert.equal(a.request(), true);
    assert.equal(a.request(), true);
    assert.equal(b.request(), true);
    assert.equal(b.request(), "rate");
    assert.equal(budget.retryAfterMs(k1), 1000);
    now = 1000;
    // Bytes: a response may overdraw once; the next request then waits for the refill.
    assert.equal(a.bytesAvailable(), 1000);
    a.chargeBytes(1500);
    assert.equal(a.request(), "bytes");
    assert.deepEqual(budget.refused, { streams: 2, rate: 1, bytes: 1 });
    a.release();
    a.release(); // idempotent
    b.release();
    c.release();
    assert.equal(budget.activeStreams, 0);
  });

  it("keyed by IP as well: sybil peer ids behind one address share the IP's (larger) budget", async () => {
    const budget = new ServeBudget(limits, true, () => 0);
    const ids = await Promise.all([peer(), peer(), peer(), peer(), peer()]);
    const leases = ids.map((p) => budget.open(budget.keysOf({ remotePeer: peerIdFromString(p), remoteAddr: multiaddr("/ip4/10.0.0.9/tcp/4001") })));
    // 2 x ipFactor = 4 streams per IP (and 3 overall): the fourth and fifth ids are refused.
    assert.deepEqual(leases.map((l) => l === "streams"), [false, false, false, true, true]);
    assert.equal(ipOfMultiaddr(multiaddr("/ip6/::1/tcp/1")), "::1");
    assert.equal(ipOfMultiaddr(multiaddr("/dns4/example.org/tcp/1")), undefined);
  });

  it("varint length prefixes", () => {
    assert.deepEqual([...varint(0)], [0]);
    assert.deepEqual([...varint(127)], [127]);
    assert.deepEqual([...varint(300)], [0xac, 0x02]);
  });
});

describe("gossip sender penalties", () => {
  it("throttles after throttleAt IGNOREs, releases at half, and weighs by reason", () => {
    let now = 0;
    const pen = new PeerPenalties(false, -130, () => now);
    pen.configure({ throttleAt: 10, halfLifeMs: 1000 });
    for (let i = 0; i < 9; i++) pen.ignored("p", "UNKNOWN_TASK");
    assert.equal(pen.throttled("p"), false);
    assert.equal(pen.appScore("p"), -117);
    pen.ignored("p", GossipErrorCode.INTERNAL); // our own failure: no weight
    assert.equal(pen.throttled("p"), false);
    pen.ignored("p", "LATE");
    assert.equal(pen.throttled("p"), true);
    assert.equal(pen.appScore("p"), -130);
    now = 500; // points ~7.07: still throttled (hysteresis)
    assert.equal(pen.throttled("p"), true);
    now = 1100; // ~4.67 < 5: released
    assert.equal(pen.throttled("p"), false);
    now = 100_000;
    assert.equal(pen.points("p"), 0);
  });

  it("REJECTs throttle after five and stay out of the gossipsub app score; ACCEPTs earn IGNORE credit", () => {
    const pen = new PeerPenalties(false, -130, () => 0);
    pen.configure({ halfLifeMs: Infinity });
    for (let i = 0; i < 4; i++) pen.rejected("r");
    assert.equal(pen.throttled("r"), false);
    assert.equal(pen.appScore("r"), 0);
    pen.rejected("r");
    assert.equal(pen.throttled("r"), true);
    for (let i = 0; i < 200; i++) pen.ignored("h", "UNKNOWN_TASK");
    for (let i = 0; i < 150; i++) pen.accepted("h");
    assert.equal(pen.points("h"), 50);
    for (let i = 0; i < 205; i++) pen.ignored("h", "UNKNOWN_TASK");
    assert.equal(pen.throttled("h"), false);
    pen.ignored("h", "UNKNOWN_TASK");
    assert.equal(pen.throttled("h"), true);
  });

  it("keyed by IP: a fresh peer id behind a throttled address is throttled at once (only when byIp)", () => {
    const ips: Record<string, string> = { a: "10.0.0.1", b: "10.0.0.1", c: "10.0.0.2" };
    const byIp = new PeerPenalties(true, -130, () => 0);
    byIp.configure({ throttleAt: 4, halfLifeMs: Infinity });
    byIp.setIpResolver((p) => ips[p]);
    for (let i = 0; i < 4; i++) byIp.ignored("a", "UNKNOWN_TASK");
    assert.equal(byIp.throttled("a"), true);
    assert.equal(byIp.throttled("b"), true, "same IP");
    assert.equal(byIp.throttled("c"), false);
    const byPeer = new PeerPenalties(false, -130, () => 0);
    byPeer.configure({ throttleAt: 4, halfLifeMs: Infinity });
    byPeer.setIpResolver((p) => ips[p]);
    for (let i = 0; i < 4; i++) byPeer.ignored("a", "UNKNOWN_TASK");
    assert.equal(byPeer.throttled("b"), false);
  });
});

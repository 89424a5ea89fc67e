/**
 * The sync request parser (responder side of /zkpool/sync/1, issue 12): every request it refuses is a typed
 * SyncError SYNC_PROTOCOL that names the peer and says what to send instead; nothing else is ever thrown.
 * Unit cases, a seeded fuzz loop of 100,000 random and mutated inputs checked against a model of the wire
 * format, and real nodes over TCP: a malformed request aborts only its own stream, logged with the typed error.
 */
import assert from "node:assert/strict";
import { lpStream } from "@libp2p/utils";
import { isZkPoolError } from "@zkpool/protocol";
import {
  parseSyncRequest,
  SYNC_MAX_CURSOR_BYTES,
  SYNC_PROTOCOL,
  SyncError,
  SyncErrorCode,
  type Logger,
  type SyncRequest,
} from "../src/index.js";
import { startCluster, stopAll, waitFor, type TestNode } from "./utils.js";

const PEER = "12D3KooWTestPeer";
const PAGE_MESSAGES = 500;
const PAGE_BYTES = 1 << 20;

function paged(maxMessages: number, maxBytes: number, cursor = ""): Uint8Array {
  const c = Buffer.from(cursor, "latin1");
  const b = new Uint8Array(9 + c.byteLength);
  b[0] = 1;
  const v = new DataView(b.buffer);
  v.setUint32(1, maxMessages >>> 0);
  v.setUint32(5, maxBytes >>> 0);
  b.set(c, 9);
  return b;
}

/** The refusal of `req`, asserted to be a typed SYNC_PROTOCOL SyncError naming the peer. */
function refusal(req: Uint8Array, peer = PEER): SyncError {
  try {
    parseSyncRequest(req, PAGE_MESSAGES, PAGE_BYTES, peer);
  } catch (err) {
    assert.ok(err instanceof SyncError, `a SyncError, got ${String(err)}`);
    assert.ok(isZkPoolError(err, SyncErrorCode.PROTOCOL), String(err));
    assert.equal(err.code, SyncErrorCode.PROTOCOL);
    const t = err.type as { peer: string; reason: string };
    assert.equal(t.peer, peer);
    assert.ok(t.reason.length > 0);
    assert.ok(err.message.includes(peer), err.message);
    return err;
  }
  assert.fail(`accepted ${Buffer.from(req).toString("hex")}`);
}

/** Model of the wire format: what a correct parser returns for `req`, or undefined when it must refuse. */
function model(req: Uint8Array): SyncRequest | undefined {
  if (req.byteLength === 1 && req[0] === 0) return { legacy: true, maxMessages: PAGE_MESSAGES, maxBytes: PAGE_BYTES, cursor: undefined };
  if (req[0] !== 1 || req.byteLength < 9 || req.byteLength > 9 + SYNC_MAX_CURSOR_BYTES) return undefined;
  for (let i = 9; i < req.byteLength; i++) if (req[i]! < 0x21 || req[i]! > 0x7e) return undefined;
  const v = new DataView(req.buffer, req.byteOffset, req.byteLength);
  const cursor = Buffer.from(req.subarray(9)).toString("latin1");
  return {
    legacy: false,
    maxMessages: Math.max(1, Math.min(PAGE_MESSAGES, v.getUint32(1))),
    maxBytes: Math.max(1, Math.min(PAGE_BYTES, v.getUint32(5))),
    cursor: cursor === "" ? undefined : cursor,
  };
}

/** Deterministic PRNG (mulberry32): a failure names its seed and iteration, and reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("sync: the request parser refuses bad requests with a typed error", function () {
  it("parses a legacy [0x00] request at the responder's page limits", () => {
    assert.deepEqual(parseSyncRequest(Uint8Array.of(0), PAGE_MESSAGES, PAGE_BYTES, PEER), { legacy: true, maxMessages: PAGE_MESSAGES, maxBytes: PAGE_BYTES, cursor: undefined });
  });

  it("parses a paged request, clamps the asked limits to 1..page limit, and keeps the cursor", () => {
    assert.deepEqual(parseSyncRequest(paged(10, 2000, "tasks/0xab"), PAGE_MESSAGES, PAGE_BYTES, PEER), { legacy: false, maxMessages: 10, maxBytes: 2000, cursor: "tasks/0xab" });
    assert.deepEqual(parseSyncRequest(paged(0, 0), PAGE_MESSAGES, PAGE_BYTES, PEER), { legacy: false, maxMessages: 1, maxBytes: 1, cursor: undefined });
    assert.deepEqual(parseSyncRequest(paged(0xffffffff, 0xffffffff, "~".repeat(SYNC_MAX_CURSOR_BYTES)), PAGE_MESSAGES, PAGE_BYTES, PEER),
      { legacy: false, maxMessages: PAGE_MESSAGES, maxBytes: PAGE_BYTES, cursor: "~".repeat(SYNC_MAX_CURSOR_BYTES) });
    // a view into a larger buffer (as lpStream hands it over) reads its own bytes only
    const big = new Uint8Array(64).fill(0xee);
    big.set(paged(3, 4, "k"), 7);
    assert.deepEqual(parseSyncRequest(big.subarray(7, 17), PAGE_MESSAGES, PAGE_BYTES, PEER), { legacy: false, maxMessages: 3, maxBytes: 4, cursor: "k" });
  });

  it("an empty request, an unknown type byte and a legacy request with trailing bytes say what to send", () => {
    assert.match(refusal(new Uint8Array(0)).message, /empty request.*send \[0x00\].*\[0x01\]/);
    const unknown = refusal(Uint8Array.of(7, 1, 2));
    assert.match(unknown.message, /unknown sync request \(type byte 0x07, 3 bytes\)/);
    assert.match(unknown.message, /send \[0x00\] \(open tasks\) or \[0x01\]/);
    assert.match(refusal(Uint8Array.of(0, 0)).message, /type byte 0x00, 2 bytes/);
  });

  it("a paged request of the wrong length names its length and the allowed range", () => {
    for (const len of [1, 5, 8, 9 + SYNC_MAX_CURSOR_BYTES + 1]) {
      const req = new Uint8Array(len).fill(0x41);
      req[0] = 1;
      const e = refusal(req);
      assert.match(e.message, new RegExp(`paged request of ${len} bytes`));
      assert.match(e.message, new RegExp(`9\\.\\.${9 + SYNC_MAX_CURSOR_BYTES} bytes`));
    }
  });

  it("a cursor with a byte outside printable ASCII is refused and the rule is stated", () => {
    for (const c of [" ", "a b", "\x7f", "\u00ff", "ok\n"]) {
      const e = refusal(paged(1, 1, c));
      assert.equal((e.type as { reason: string }).reason, "bad sync cursor");
      assert.match(e.message, /printable ASCII \(0x21\.\.0x7e\)/);
    }
  });

  it("the peer defaults to a placeholder when the caller gives none", () => {
    assert.throws(() => parseSyncRequest(Uint8Array.of(9), 1, 1), (e: unknown) => e instanceof SyncError && (e.type as { peer: string }).peer === "unknown peer");
  });

  it("100,000 random and mutated inputs: each parses as the model says or throws a typed SYNC_PROTOCOL error", () => {
    const seed = 0x5eed12;
    const rand = rng(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const byte = (): number => int(256);
    const printable = (): number => 0x21 + int(0x7e - 0x21 + 1);
    const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, byte);
    const seedInput = (): Uint8Array => {
      switch (int(4)) {
        case 0:
          return Uint8Array.of(0);
        case 1:
          return paged(int(2 ** 32), int(2 ** 32));
        default: {
          const c = String.fromCharCode(...Array.from({ length: int(SYNC_MAX_CURSOR_BYTES + 1) }, printable));
          return paged(int(2 ** 32), int(2 ** 32), c);
        }
      }
    };
    const mutate = (input: Uint8Array): Uint8Array => {
      let b = Uint8Array.from(input);
      for (let m = 1 + int(3); m > 0; m--) {
        switch (int(7)) {
          case 0: // bit flip
            if (b.length > 0) b[int(b.length)]! ^= 1 << int(8);
            break;
          case 1: // set a byte
            if (b.length > 0) b[int(b.length)] = [0, 1, 0x20, 0x21, 0x7e, 0x7f, 0xff, byte()][int(8)]!;
            break;
          case 2: // truncate
            b = b.subarray(0, int(b.length + 1));
            break;
          case 3: { // extend
            const ext = new Uint8Array(b.length + 1 + int(16));
            ext.set(b);
            for (let i = b.length; i < ext.length; i++) ext[i] = rand() < 0.8 ? printable() : byte();
            b = ext;
            break;
          }
          case 4: // the type byte
            if (b.length > 0) b[0] = int(4);
            break;
          case 5: { // insert or delete one byte
            const at = int(b.length + 1);
            b = rand() < 0.5 ? Uint8Array.from([...b.subarray(0, at), byte(), ...b.subarray(at)]) : Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
            break;
          }
          default: // around the length limit
            b = Uint8Array.from([1, ...randomBytes(8), ...Array.from({ length: SYNC_MAX_CURSOR_BYTES - 2 + int(5) }, printable)]);
        }
      }
      return b;
    };
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      const r = rand();
      const input = r < 0.2 ? randomBytes(int(600)) : r < 0.3 ? seedInput() : mutate(seedInput());
      // half the inputs are views into a larger buffer, as lpStream hands them over
      let req = input;
      if (i % 2 === 1) {
        const host = randomBytes(input.length + 16);
        host.set(input, 8);
        req = host.subarray(8, 8 + input.length);
      }
      const expected = model(req);
      let got: SyncRequest | undefined;
      try {
        got = parseSyncRequest(req, PAGE_MESSAGES, PAGE_BYTES, PEER);
      } catch (err) {
        if (!(err instanceof SyncError) || err.code !== SyncErrorCode.PROTOCOL || (err.type as { peer: string }).peer !== PEER) {
          assert.fail(`seed ${seed} iteration ${i}: input ${Buffer.from(req).toString("hex")} threw an untyped error: ${String(err)}`);
        }
        if (expected !== undefined) assert.fail(`seed ${seed} iteration ${i}: refused a valid request ${Buffer.from(req).toString("hex")}: ${err.message}`);
        refused++;
        continue;
      }
      if (expected === undefined) assert.fail(`seed ${seed} iteration ${i}: accepted a malformed request ${Buffer.from(req).toString("hex")}`);
      assert.deepEqual(got, expected, `seed ${seed} iteration ${i}`);
      accepted++;
    }
    // both sides were exercised (a generator that only made garbage would prove little)
    assert.ok(accepted > 5_000 && refused > 5_000, `accepted ${accepted}, refused ${refused}`);
  });
});

/** A Logger that keeps what it is given (with its bindings), at every level. */
class RecordingLogger implements Logger {
  constructor(readonly lines: Array<{ msg: string; ctx: Record<string, unknown> }> = [], private readonly bindings: Record<string, unknown> = {}) {}
  private add(msg: string, ctx?: Record<string, unknown>): void {
    this.lines.push({ msg, ctx: { ...this.bindings, ...ctx } });
  }
  error(msg: string, ctx?: Record<string, unknown>): void { this.add(msg, ctx); }
  warn(msg: string, ctx?: Record<string, unknown>): void { this.add(msg, ctx); }
  info(msg: string, ctx?: Record<string, unknown>): void { this.add(msg, ctx); }
  debug(msg: string, ctx?: Record<string, unknown>): void { this.add(msg, ctx); }
  trace(msg: string, ctx?: Record<string, unknown>): void { this.add(msg, ctx); }
  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }
}

describe("sync: a real node refuses a malformed request on its own stream only", function () {
  this.timeout(60_000);
  let nodes: TestNode[] = [];
  const log = new RecordingLogger();

  before(async () => {
    nodes = await startCluster(2, (i) => (i === 0 ? { logger: log, syncOnStart: false } : { syncOnStart: false }));
  });
  after(async () => {
    await stopAll(nodes);
  });

  it("the stream of a bad request is aborted with the typed error logged; the next good request is served", async () => {
    const [server, client] = nodes as [TestNode, TestNode];
    const before = server.node.sync.stats();
    for (const bad of [Uint8Array.of(7), Uint8Array.of(1, 2, 3), paged(5, 5, "bad cursor")]) {
      const stream = await client.node.host.dialProtocol(server.node.peerId, SYNC_PROTOCOL);
      const lp = lpStream(stream, { maxDataLength: 1 << 20 });
      await lp.write(bad);
      await assert.rejects(lp.read({ signal: AbortSignal.timeout(10_000) }), "no answer to a malformed request");
      stream.abort(new Error("done"));
    }
    await waitFor(() => server.node.sync.stats().aborted >= before.aborted + 3, "three aborted sync streams");
    const failures = log.lines.filter((l) => l.msg === "sync serve failed");
    assert.ok(failures.length >= 3, `logged ${failures.length} failures`);
    for (const f of failures.slice(-3)) {
      assert.equal(f.ctx["peer"], client.node.peerId.toString());
      assert.match(String(f.ctx["err"]), /^SyncError: sync request from 12D3KooW\w+ refused: (unknown sync request|paged request of 3 bytes|bad sync cursor)/);
    }
    // the client is not cut off: a valid paged request gets an answer
    const res = await client.node.sync.syncFrom(server.node.peerId);
    assert.equal(res.peer, server.node.peerId.toString());
    assert.ok(res.pages >= 1);
    assert.ok(server.node.sync.stats().served > before.served);
  });
});

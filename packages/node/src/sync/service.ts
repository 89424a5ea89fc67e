import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { MessageRepositories, OpenTaskEntry } from "../db/messages.js";
import { jsonCodec } from "../db/db.js";
import type { GossipService } from "../gossip/service.js";
import { GOSSIP_TOPICS, type GossipTopicName } from "../gossip/topics.js";
import type { Logger } from "../logger.js";
import type { NodeMetrics } from "../metrics/interface.js";
import { FrameWriter, sendFrame, ServeBudget, StalledStreams, type ServeLease } from "../network/budget.js";
import { limitByIp, type PoolHost } from "../network/host.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import {
  DEFAULT_SYNC_MAX_MESSAGES,
  DEFAULT_SYNC_MAX_REJECTED,
  DEFAULT_SYNC_PAGE_BYTES,
  DEFAULT_SYNC_PAGE_MESSAGES,
  DEFAULT_SYNC_PEERS,
  DEFAULT_SYNC_SERVE,
  DEFAULT_SYNC_TIMEOUT_MS,
  SYNC_MAX_CURSOR_BYTES,
  SYNC_MAX_FRAME_BYTES,
  SYNC_PROTOCOL,
  type SyncOptions,
} from "./options.js";

/*
 * Wire protocol /zkpool/sync/1 (unsigned-varint length-prefixed frames):
 *   request:  [0x00]  legacy "open tasks": one page at the responder's limits, no trailer; or
 *             [0x01] [max messages u32 BE] [max bytes u32 BE] [cursor: 0..512 ASCII bytes]  "open tasks, paged"
 *   response: frames [topic index u8 (order of GOSSIP_TOPICS)] [message wire bytes]: operator records,
 *             then for every open task: the task, bid commits then reveals, votes, certificates, proofs;
 *             at most the asked (and the responder's) number of messages and bytes, at least one message.
 *             To a paged request, one last frame may follow:
 *               [0xFF] [cursor]              MORE: the page was cut; ask again with this cursor
 *               [0xFE] [retry after ms u32 BE]  BUSY (alone): the peer's request or byte budget is spent
 *   A responder resets streams beyond its per-peer/overall stream budget, and aborts a stream whose peer does
 *   not take the data it writes (backpressure) within its write timeout.
 * The requester runs every message through the gossip validation pipeline (same rules, same storage).
 */
const REQ_OPEN_TASKS = 0;
const REQ_OPEN_TASKS_PAGED = 1;
const TRAILER_MORE = 0xff;
const TRAILER_BUSY = 0xfe;
/** BUSY answers in a row a requester waits out before giving up. */
const MAX_BUSY_RETRIES = 3;
/** Longest BUSY wait a requester accepts, ms. */
const MAX_BUSY_WAIT_MS = 5000;
const CURSOR = /^[\x21-\x7e]*$/;
/** Wait before asking again when a responder reset our stream before answering (its stream budget was full), ms. */
const REFUSED_RETRY_MS = 500;

function isReset(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === "StreamResetError" || name === "StreamStateError" || name === "StreamAbortedError";
}
const openEntry = jsonCodec<OpenTaskEntry>();

export interface SyncResult {
  peer: string;
  accepted: number;
  ignored: number;
  rejected: number;
  /** Response pages fetched. */
  pages: number;
}

/** One stored message in sync order, with its database key (the page cursor). */
interface SyncItem {
  topic: GossipTopicName;
  data: Uint8Array;
  key: string;
}

/** A parsed sync request (responder side). */
export interface SyncRequest {
  legacy: boolean;
  maxMessages: number;
  maxBytes: number;
  cursor: string | undefined;
}

/** Responder-side counters, for tests and operators. */
export interface SyncServeStats {
  /** Sync requests being served now. */
  activeStreams: number;
  /** Of those, streams waiting for their peer: to send the request, or to take data. */
  stalledStreams: number;
  /** Bytes written to those streams that their peers have not taken yet (write buffers). */
  bufferedBytes: number;
  /** Streams reset for the stream budget; requests answered BUSY (or, legacy, reset) for rate or bytes. */
  refused: { streams: number; rate: number; bytes: number };
  /** Streams aborted because the peer did not take the data (write timeout), evicted, or a protocol error. */
  aborted: number;
  /** Of those: streams stalled the longest, aborted to make room when the overall budget was full. */
  evicted: number;
  /** Pages served completely. */
  served: number;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, Math.max(0, Math.min(0xffffffff, Math.floor(n))));
  return b;
}

/**
 * Parse a sync request frame (the responder side of /zkpool/sync/1, see the wire format above). The asked
 * limits are clamped to `pageMessages` and `pageBytes` (at least 1). Anything else than a legacy `[0x00]` or a
 * paged `[0x01] [u32] [u32] [cursor]` request throws a SyncError SYNC_PROTOCOL naming the peer and what is
 * wrong; it never throws anything else.
 */
export function parseSyncRequest(req: Uint8Array, pageMessages: number, pageBytes: number, peer = "unknown peer"): SyncRequest {
  const fail = (reason: string, hint: string): SyncError =>
    new SyncError({ code: SyncErrorCode.PROTOCOL, peer, reason }, `sync request from ${peer} refused: ${reason}; ${hint}`);
  if (req.byteLength === 1 && req[0] === REQ_OPEN_TASKS) return { legacy: true, maxMessages: pageMessages, maxBytes: pageBytes, cursor: undefined };
  if (req[0] === REQ_OPEN_TASKS_PAGED) {
    if (req.byteLength < 9 || req.byteLength > 9 + SYNC_MAX_CURSOR_BYTES) {
      throw fail(`paged request of ${req.byteLength} bytes`, `send [0x01] [max messages u32 BE] [max bytes u32 BE] [cursor of 0..${SYNC_MAX_CURSOR_BYTES} bytes] (9..${9 + SYNC_MAX_CURSOR_BYTES} bytes)`);
    }
    const view = new DataView(req.buffer, req.byteOffset, req.byteLength);
    const cursor = Buffer.from(req.subarray(9)).toString("latin1");
    if (!CURSOR.test(cursor)) throw fail("bad sync cursor", "a cursor is printable ASCII (0x21..0x7e), as sent in the responder's MORE trailer, or empty for the first page");
    return {
      legacy: false,
      maxMessages: Math.max(1, Math.min(pageMessages, view.getUint32(1))),
      maxBytes: Math.max(1, Math.min(pageBytes, view.getUint32(5))),
      cursor: cursor === "" ? undefined : cursor,
    };
  }
  throw fail(
    req.byteLength === 0 ? "empty request" : `unknown sync request (type byte 0x${req[0]!.toString(16).padStart(2, "0")}, ${req.byteLength} bytes)`,
    "send [0x00] (open tasks) or [0x01] [max messages u32 BE] [max bytes u32 BE] [cursor] (open tasks, paged)",
  );
}

export class SyncService {
  private readonly maxMessages: number;
  private readonly timeoutMs: number;
  private readonly peersPerSync: number;
  private readonly maxRejected: number;
  private readonly pageMessages: number;
  private readonly pageBytes: number;
  private readonly writeTimeoutMs: number;
  private readonly budget: ServeBudget;
  private readonly evictAfterMs: number;
  private readonly serving = new StalledStreams<Stream>();
  private aborted = 0;
  private served = 0;
  private started = false;

  constructor(
    private readonly host: PoolHost,
    private readonly repos: MessageRepositories,
    private readonly gossip: GossipService,
    private readonly now: () => bigint,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
    opts: SyncOptions = {},
  ) {
    this.maxMessages = opts.maxMessages ?? DEFAULT_SYNC_MAX_MESSAGES;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
    this.peersPerSync = opts.peers ?? DEFAULT_SYNC_PEERS;
    this.maxRejected = opts.maxRejected ?? DEFAULT_SYNC_MAX_REJECTED;
    this.pageMessages = Math.max(1, opts.pageMessages ?? DEFAULT_SYNC_PAGE_MESSAGES);
    this.pageBytes = Math.max(1, opts.pageBytes ?? DEFAULT_SYNC_PAGE_BYTES);
    const serve = { ...DEFAULT_SYNC_SERVE, ...opts.serve };
    this.writeTimeoutMs = serve.writeTimeoutMs;
    this.budget = new ServeBudget({ ...serve, ipFactor: 4 }, limitByIp(host));
    this.evictAfterMs = serve.evictStalledAfterMs;
  }

  async start(): Promise<void> {
    if (this.started) return;
    // libp2p's own per-connection cap sits just above the per-peer budget, which decides (and counts refusals).
    const perConnection = this.budget.limits.streamsPerPeer + 2;
    await this.host.handle(SYNC_PROTOCOL, (stream, connection) => this.serve(stream, connection), { maxInboundStreams: perConnection });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.host.unhandle(SYNC_PROTOCOL);
    this.serving.abortAll(new Error("sync service stopping"));
  }

  stats(): SyncServeStats {
    return {
      activeStreams: this.serving.size,
      stalledStreams: this.serving.stalledCount(),
      bufferedBytes: this.serving.bufferedBytes(),
      refused: { ...this.budget.refused },
      aborted: this.aborted,
      evicted: this.serving.evicted,
      served: this.served,
    };
  }

  /** Stored messages in [gte, lt) in key order, strictly after `after` when it falls in the range. */
  private async *scan(topic: GossipTopicName, gte: string, lt: string, after: string | undefined): AsyncGenerator<SyncItem> {
    if (after !== undefined && after >= lt) return;
    const range = after !== undefined && after >= gte ? { gt: after, lt } : { gte, lt };
    for await (const [key, data] of this.repos.db.raw.iterator(range)) yield { topic, data, key };
  }

  /**
   * What a late joiner needs, in dependency order, each with its database key: every operator record (bids
   * and proofs are attributed through them), then per open task (in task id order) the task, its bid commits
   * then reveals, its votes, certificates and proofs. With `after` (a key this generator yielded), it resumes
   * right after that message. Reads the database lazily: a page costs what it sends.
   */
  async *openTaskMessages(after?: string): AsyncGenerator<SyncItem> {
    const r = this.repos;
    const op = r.operators.bucket;
    const [afterBucket, afterTask] = after === undefined ? [undefined, undefined] : after.split("/", 2);
    if (after === undefined || afterBucket === op) yield* this.scan("operators", `${op}/`, `${op}0`, after);
    const perTask: Array<[GossipTopicName, string]> = [
      ["bids", r.bids.bucket],
      ["votes", r.votes.bucket],
      ["certificates", r.certificates.bucket],
      ["proofs", r.proofs.bucket],
    ];
    const resumeInTask = after !== undefined && afterBucket !== op && afterTask !== undefined;
    const open = r.openTasks.bucket;
    const range = resumeInTask ? { gte: `${open}/${afterTask}`, lt: `${open}0` } : { gte: `${open}/`, lt: `${open}0` };
    const now = this.now();
    for await (const [openKey, entryBytes] of this.repos.db.raw.iterator(range)) {
      const taskId = openKey.slice(open.length + 1);
      let entry: OpenTaskEntry;
      try {
        entry = openEntry.decode(entryBytes);
      } catch {
        continue;
      }
      if (entry.expiresAt < now) continue;
      // Resuming inside this task: skip what was sent before the cursor's bucket, then resume after the cursor.
      const resuming = resumeInTask && taskId === afterTask;
      if (!resuming) {
        const taskKey = `${r.tasks.bucket}/${taskId}`;
        const task = await this.repos.db.raw.get(taskKey);
        if (task === undefined) continue;
        yield { topic: "tasks", data: task, key: taskKey };
      }
      let reached = !resuming || afterBucket === r.tasks.bucket;
      for (const [topic, bucket] of perTask) {
        if (!reached && bucket !== afterBucket) continue;
        const cursor = !reached ? after : undefined;
        reached = true;
        yield* this.scan(topic, `${bucket}/${taskId}/`, `${bucket}/${taskId}0`, cursor);
      }
    }
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const lease = this.budget.open(this.budget.keysOf(connection), () => this.serving.evictStalled(this.evictAfterMs));
    if (lease === "streams") {
      this.log.debug("sync stream refused: stream budget", { peer });
      stream.abort(new Error("too many concurrent sync requests"));
      return;
    }
    this.serving.add(stream, lease.release);
    const stalled = this.serving.tracker(stream);
    // Waiting for the request counts as stalled: a peer that opens streams and sends nothing loses them first.
    stalled(true);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const lp = lpStream(stream, { maxDataLength: 9 + SYNC_MAX_CURSOR_BYTES });
      const req = parseSyncRequest((await lp.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(this.writeTimeoutMs)]) })).subarray(), this.pageMessages, this.pageBytes, peer);
      stalled(false);
      const admitted = lease.request();
      if (admitted !== true) {
        this.log.debug("sync request refused: budget", { peer, reason: admitted });
        if (req.legacy) throw new Error(`sync budget spent (${admitted})`);
        const busy = new Uint8Array(5);
        busy[0] = TRAILER_BUSY;
        busy.set(u32(this.budget.retryAfterMs(lease.keys)), 1);
        await sendFrame(stream, busy, this.writeTimeoutMs, signal, stalled);
        stalled(true);
        await stream.close({ signal: AbortSignal.timeout(this.writeTimeoutMs) });
        return;
      }
      const { messages, bytes } = await this.writePage(stream, lease, req, signal, stalled);
      this.metrics.bytes("out", "sync", bytes);
      // Closing waits for the peer to take what is still in flight: stalled too, if it does not read.
      stalled(true);
      await stream.close({ signal: AbortSignal.timeout(this.writeTimeoutMs) });
      this.served++;
      this.log.debug("served sync page", { peer, messages, bytes });
    } catch (err) {
      this.aborted++;
      this.log.debug("sync serve failed", { peer, err: String(err) });
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.serving.delete(stream);
      lease.release();
    }
  }

  /** Write one page (backpressure: at most one 64 KiB batch waits in the stream's buffer). */
  private async writePage(
    stream: Stream,
    lease: ServeLease,
    req: SyncRequest,
    signal: AbortSignal,
    stalled: (waiting: boolean) => void,
  ): Promise<{ messages: number; bytes: number }> {
    const maxBytes = Math.max(1, Math.min(req.maxBytes, lease.bytesAvailable()));
    const out = new FrameWriter(stream, this.writeTimeoutMs, signal, stalled);
    let n = 0;
    let bytes = 0;
    let last: string | undefined;
    let more = false;
    for await (const item of this.openTaskMessages(req.cursor)) {
      const size = item.data.byteLength + 1;
      if (n >= req.maxMessages || (n > 0 && bytes + size > maxBytes)) {
        more = true;
        break;
      }
      const frame = new Uint8Array(size);
      frame[0] = GOSSIP_TOPICS.indexOf(item.topic);
      frame.set(item.data, 1);
      await out.write(frame);
      lease.chargeBytes(size);
      n++;
      bytes += size;
      last = item.key;
    }
    if (more && !req.legacy && last !== undefined) {
      const cursor = Buffer.from(last, "latin1");
      const trailer = new Uint8Array(1 + cursor.byteLength);
      trailer[0] = TRAILER_MORE;
      trailer.set(cursor, 1);
      await out.write(trailer);
    }
    await out.flush();
    return { messages: n, bytes };
  }

  /**
   * Ask `peer` for the messages of its open tasks, page by page, and validate each exactly like gossip
   * (accepted ones are stored). Throws SyncError on a protocol failure; invalid messages are counted, not thrown.
   */
  async syncFrom(peer: PeerId): Promise<SyncResult> {
    const p = peer.toString();
    const result: SyncResult = { peer: p, accepted: 0, ignored: 0, rejected: 0, pages: 0 };
    const seen = { messages: 0, bytes: 0 };
    let cursor: string | undefined;
    let busy = 0;
    try {
      for (;;) {
        const page = await this.fetchPage(peer, cursor, result, seen);
        if (page.kind === "busy") {
          if (++busy > MAX_BUSY_RETRIES) throw new SyncError({ code: SyncErrorCode.BUSY, peer: p }, `${p} is busy; sync gave up after ${MAX_BUSY_RETRIES} retries`);
          await new Promise((r) => setTimeout(r, Math.min(MAX_BUSY_WAIT_MS, Math.max(50, page.retryAfterMs))));
          continue;
        }
        busy = 0;
        result.pages++;
        if (page.kind === "done") break;
        if (page.cursor === cursor) throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "cursor did not advance" }, `${p} repeated a sync cursor`);
        cursor = page.cursor;
      }
      this.metrics.bytes("in", "sync", seen.bytes);
      this.metrics.syncRequest("ok", result.accepted);
      this.log.info("synced open tasks", { ...result });
      return result;
    } catch (err) {
      this.metrics.bytes("in", "sync", seen.bytes);
      this.metrics.syncRequest("error", result.accepted);
      throw err;
    }
  }

  /** One page: request it, validate its messages into `result`, and say whether (and where) to go on. */
  private async fetchPage(
    peer: PeerId,
    cursor: string | undefined,
    result: SyncResult,
    seen: { messages: number; bytes: number },
  ): Promise<{ kind: "done" } | { kind: "more"; cursor: string } | { kind: "busy"; retryAfterMs: number }> {
    const p = peer.toString();
    const signal = AbortSignal.timeout(this.timeoutMs);
    let stream: Stream | undefined;
    let received = false;
    try {
      stream = await this.host.dialProtocol(peer, SYNC_PROTOCOL, { signal });
      const lp = lpStream(stream, { maxDataLength: SYNC_MAX_FRAME_BYTES });
      const c = Buffer.from(cursor ?? "", "latin1");
      const req = new Uint8Array(9 + c.byteLength);
      req[0] = REQ_OPEN_TASKS_PAGED;
      req.set(u32(this.pageMessages), 1);
      req.set(u32(this.pageBytes), 5);
      req.set(c, 9);
      await lp.write(req, { signal });
      let n = 0;
      let outcome: { kind: "done" } | { kind: "more"; cursor: string } | { kind: "busy"; retryAfterMs: number } = { kind: "done" };
      for (;;) {
        let frame: Uint8Array;
        try {
          frame = (await lp.read({ signal })).subarray();
        } catch (err) {
          if ((err as { name?: string }).name === "UnexpectedEOFError") break;
          throw err;
        }
        received = true;
        if (outcome.kind !== "done") throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "frame after trailer" }, `${p} sent a frame after the sync trailer`);
        seen.bytes += frame.byteLength;
        if (frame[0] === TRAILER_MORE) {
          const next = Buffer.from(frame.subarray(1)).toString("latin1");
          if (n === 0 || next === "" || frame.byteLength - 1 > SYNC_MAX_CURSOR_BYTES || !CURSOR.test(next)) {
            throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "bad MORE trailer" }, `${p} sent a malformed sync trailer`);
          }
          outcome = { kind: "more", cursor: next };
          continue;
        }
        if (frame[0] === TRAILER_BUSY) {
          if (n > 0 || frame.byteLength !== 5) throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "bad BUSY trailer" }, `${p} sent a malformed sync trailer`);
          outcome = { kind: "busy", retryAfterMs: new DataView(frame.buffer, frame.byteOffset, 5).getUint32(1) };
          continue;
        }
        if (++seen.messages > this.maxMessages) {
          throw new SyncError({ code: SyncErrorCode.TOO_MANY_MESSAGES, peer: p, limit: this.maxMessages }, `${p} sent more than ${this.maxMessages} sync messages`);
        }
        if (++n > this.pageMessages) {
          throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "page too long" }, `${p} sent more than the ${this.pageMessages} messages asked for`);
        }
        const topic = GOSSIP_TOPICS[frame[0] ?? 255];
        if (topic === undefined || frame.byteLength < 2) {
          throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: "bad frame" }, `${p} sent a malformed sync frame`);
        }
        const r = await this.gossip.process(topic, frame.subarray(1), p, "sync");
        result[r.outcome === "accept" ? "accepted" : r.outcome === "ignore" ? "ignored" : "rejected"]++;
        if (result.rejected > this.maxRejected) {
          await this.host.hangUp(peer).catch(() => {});
          throw new SyncError(
            { code: SyncErrorCode.TOO_MANY_INVALID, peer: p, rejected: result.rejected },
            `${p} served more than ${this.maxRejected} invalid messages; sync aborted and peer disconnected`,
          );
        }
      }
      await stream.close({ signal }).catch(() => {});
      return outcome;
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof SyncError) throw err;
      // Reset before anything arrived: the responder's stream budget was full. Wait and retry, like BUSY.
      if (!signal.aborted && !received && isReset(err)) return { kind: "busy", retryAfterMs: REFUSED_RETRY_MS };
      if (signal.aborted) throw new SyncError({ code: SyncErrorCode.TIMEOUT, peer: p }, `Sync with ${p} timed out`, { cause: err });
      throw new SyncError({ code: SyncErrorCode.PROTOCOL, peer: p, reason: String(err) }, `Sync with ${p} failed`, { cause: err });
    }
  }

  /** Sync from up to `peers` connected peers; failures of single peers are logged, not thrown. */
  async syncOpenTasks(): Promise<SyncResult[]> {
    const peers = this.host.getPeers().slice(0, this.peersPerSync);
    if (peers.length === 0) throw new SyncError({ code: SyncErrorCode.NO_PEERS }, "No connected peers to sync from; check the bootstrap list");
    const out: SyncResult[] = [];
    for (const peer of peers) {
      try {
        out.push(await this.syncFrom(peer));
      } catch (err) {
        this.log.warn("sync from peer failed", { peer: peer.toString(), reason: err instanceof SyncError ? err.code : String(err) });
      }
    }
    return out;
  }
}

import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { MessageRepositories } from "../db/messages.js";
import type { Repository } from "../db/db.js";
import type { GossipService } from "../gossip/service.js";
import { GOSSIP_TOPICS, type GossipTopicName } from "../gossip/topics.js";
import type { Logger } from "../logger.js";
import type { NodeMetrics } from "../metrics/interface.js";
import type { PoolHost } from "../network/host.js";
import { SyncError, SyncErrorCode } from "./errors.js";
import {
  DEFAULT_SYNC_MAX_MESSAGES,
  DEFAULT_SYNC_MAX_REJECTED,
  DEFAULT_SYNC_PEERS,
  DEFAULT_SYNC_TIMEOUT_MS,
  SYNC_MAX_FRAME_BYTES,
  SYNC_PROTOCOL,
  type SyncOptions,
} from "./options.js";

/*
 * Wire protocol /zkpool/sync/1 (unsigned-varint length-prefixed frames):
 *   request:  [0x00 = "open tasks"]
 *   response: frames [topic index u8 (order of GOSSIP_TOPICS)] [message wire bytes]: operator records,
 *             then for every open task: the task, bid commits then reveals, votes, certificates, proofs.
 * The requester runs every message through the gossip validation pipeline (same rules, same storage).
 */
const REQ_OPEN_TASKS = 0;

export interface SyncResult {
  peer: string;
  accepted: number;
  ignored: number;
  rejected: number;
}

export class SyncService {
  private readonly maxMessages: number;
  private readonly timeoutMs: number;
  private readonly peersPerSync: number;
  private readonly maxRejected: number;
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
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.host.handle(SYNC_PROTOCOL, (stream, connection) => this.serve(stream, connection), { maxInboundStreams: 8 });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.host.unhandle(SYNC_PROTOCOL);
  }

  /**
   * What a late joiner needs, in dependency order, as (topic, bytes): every operator record (bids and
   * proofs are attributed through them), then per open task the task, its bid commits then reveals, its
   * votes, certificates and proofs.
   */
  async *openTaskMessages(): AsyncGenerator<[GossipTopicName, Uint8Array]> {
    for (const rec of await this.repos.operators.values()) yield ["operators", rec];
    const perTask: Array<[GossipTopicName, Repository<Uint8Array>]> = [
      ["bids", this.repos.bids],
      ["votes", this.repos.votes],
      ["certificates", this.repos.certificates],
      ["proofs", this.repos.proofs],
    ];
    for (const taskId of await this.repos.openTaskIds(this.now())) {
      const task = await this.repos.tasks.get([taskId]);
      if (task === undefined) continue;
      yield ["tasks", task];
      for (const [topic, repo] of perTask) {
        for (const v of await repo.values([taskId])) yield [topic, v];
      }
    }
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(this.timeoutMs);
    const lp = lpStream(stream, { maxDataLength: SYNC_MAX_FRAME_BYTES });
    try {
      const req = (await lp.read({ signal })).subarray();
      if (req.byteLength !== 1 || req[0] !== REQ_OPEN_TASKS) throw new Error("unknown sync request");
      let n = 0;
      let bytes = 0;
      for await (const [topic, data] of this.openTaskMessages()) {
        if (n >= this.maxMessages) break;
        const frame = new Uint8Array(data.byteLength + 1);
        frame[0] = GOSSIP_TOPICS.indexOf(topic);
        frame.set(data, 1);
        await lp.write(frame, { signal });
        n++;
        bytes += frame.byteLength;
      }
      this.metrics.bytes("out", "sync", bytes);
      await stream.close({ signal });
      this.log.debug("served sync", { peer, messages: n });
    } catch (err) {
      this.log.debug("sync serve failed", { peer, err: String(err) });
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Ask `peer` for the messages of its open tasks and validate each exactly like gossip (accepted ones
   * are stored). Throws SyncError on a protocol failure; invalid messages are counted, not thrown.
   */
  async syncFrom(peer: PeerId): Promise<SyncResult> {
    const p = peer.toString();
    const signal = AbortSignal.timeout(this.timeoutMs);
    const result: SyncResult = { peer: p, accepted: 0, ignored: 0, rejected: 0 };
    let stream: Stream | undefined;
    try {
      stream = await this.host.dialProtocol(peer, SYNC_PROTOCOL, { signal });
      const lp = lpStream(stream, { maxDataLength: SYNC_MAX_FRAME_BYTES });
      await lp.write(Uint8Array.of(REQ_OPEN_TASKS), { signal });
      let n = 0;
      let bytes = 0;
      for (;;) {
        let frame: Uint8Array;
        try {
          frame = (await lp.read({ signal })).subarray();
        } catch (err) {
          if ((err as { name?: string }).name === "UnexpectedEOFError") break;
          throw err;
        }
        if (++n > this.maxMessages) {
          throw new SyncError({ code: SyncErrorCode.TOO_MANY_MESSAGES, peer: p, limit: this.maxMessages }, `${p} sent more than ${this.maxMessages} sync messages`);
        }
        bytes += frame.byteLength;
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
      this.metrics.bytes("in", "sync", bytes);
      this.metrics.syncRequest("ok", result.accepted);
      this.log.info("synced open tasks", { ...result });
      return result;
    } catch (err) {
      this.metrics.syncRequest("error", result.accepted);
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof SyncError) throw err;
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

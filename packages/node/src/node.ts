import { join } from "node:path";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { nodeKeyFromSeed, type NodeKey } from "@zkpool/protocol";
import type { Multiaddr } from "@multiformats/multiaddr";
import { NodeDb } from "./db/db.js";
import { MessageRepositories } from "./db/messages.js";
import { NodeError, NodeErrorCode } from "./errors.js";
import { FundingTracker } from "./funding/tracker.js";
import { GossipService } from "./gossip/service.js";
import { GOSSIP_TOPICS, topicString } from "./gossip/topics.js";
import { silentLogger, type Logger } from "./logger.js";
import { MembershipService, operatorDhtRecordRules } from "./membership/service.js";
import type { ValidationDeps } from "./messages/context.js";
import { protocolHandlers } from "./messages/index.js";
import { NoopMetrics } from "./metrics/noop.js";
import type { NodeMetrics } from "./metrics/interface.js";
import { createHost, type PoolHost } from "./network/host.js";
import { loadOrCreatePeerKey } from "./network/keys.js";
import { systemNow, type PoolNodeOptions } from "./options.js";
import { SyncService } from "./sync/service.js";
import { ContentStore } from "./transfer/store.js";
import { TransferService } from "./transfer/service.js";

/** Least time between two syncs from the same peer on connecting, ms. */
const PEER_SYNC_COOLDOWN_MS = 30_000;
/** Syncs on connect running at once. */
const PEER_SYNCS_AT_ONCE = 2;
/** Peers whose last sync time is kept. */
const PEER_SYNC_KEPT = 1024;

/**
 * The pool node: libp2p host + validated gossip + content transfer + storage + sync + membership.
 * `PoolNode.create()` opens the data directory; `start()`/`stop()` bring everything up and down.
 */
export class PoolNode {
  private tick: NodeJS.Timeout | undefined;
  private ticks = 0;
  private running = false;
  /** When each peer was last synced from on connecting (ms); bounded by PEER_SYNC_KEPT. */
  private readonly peerSyncedAt = new Map<string, number>();
  private peerSyncs = 0;
  /**
   * Catch up from every peer as it connects, not only the first: records, tasks, bids and certificates gossiped
   * while the two were apart (an operator record announced before any peer was there would otherwise never reach
   * nodes that were already running). At most once per PEER_SYNC_COOLDOWN_MS per peer and PEER_SYNCS_AT_ONCE at
   * a time, so a peer that reconnects in a loop buys at most one bounded sync per cooldown.
   */
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    const peer = evt.detail;
    const key = peer.toString();
    const now = Date.now();
    if (now - (this.peerSyncedAt.get(key) ?? -Infinity) < PEER_SYNC_COOLDOWN_MS || this.peerSyncs >= PEER_SYNCS_AT_ONCE) return;
    this.peerSyncedAt.delete(key);
    this.peerSyncedAt.set(key, now);
    if (this.peerSyncedAt.size > PEER_SYNC_KEPT) this.peerSyncedAt.delete(this.peerSyncedAt.keys().next().value!);
    this.peerSyncs++;
    // Give identify a moment to learn the peer's protocols before asking it.
    setTimeout(() => {
      if (!this.running) {
        this.peerSyncs--;
        return;
      }
      this.sync.syncFrom(peer)
        .catch((err: unknown) => this.log.debug("sync on connect skipped", { peer: key, reason: String(err) }))
        .finally(() => this.peerSyncs--);
    }, 250).unref();
  };

  private constructor(
    readonly opts: PoolNodeOptions,
    readonly host: PoolHost,
    readonly db: NodeDb,
    readonly repos: MessageRepositories,
    readonly gossip: GossipService,
    readonly transfer: TransferService,
    readonly sync: SyncService,
    readonly membership: MembershipService,
    readonly log: Logger,
    readonly metrics: NodeMetrics,
    private readonly privateKey: PrivateKey,
    /** The requester funding rule's index (SPEC §9.4); undefined without `balances`. */
    readonly funding: FundingTracker | undefined,
  ) {}

  /** This node's Ed25519 key in @zkpool/protocol form, for signing bids and proof submissions. */
  get nodeKey(): NodeKey {
    return nodeKeyFromSeed(this.privateKey.raw);
  }

  static async create(opts: PoolNodeOptions): Promise<PoolNode> {
    const log = opts.logger ?? silentLogger();
    const metrics = opts.metrics ?? new NoopMetrics();
    const now = opts.now ?? systemNow;
    const privateKey = await loadOrCreatePeerKey(opts.dataDir);
    const db = await NodeDb.open({ path: join(opts.dataDir, "db") });
    try {
      const repos = new MessageRepositories(db);
      const funding =
        opts.balances === undefined
          ? undefined
          : new FundingTracker(opts.balances, opts.chainParams ?? { premiumBps: 0n, settleGrace: 0n }, repos, now);
      const deps: ValidationDeps = {
        domain: opts.domain,
        now,
        repos,
        stake: opts.stake,
        ...(opts.chainParams !== undefined ? { params: opts.chainParams } : {}),
        ...(funding !== undefined ? { funding } : {}),
      };
      const rules = operatorDhtRecordRules(deps);
      const host = await createHost({
        ...opts.network,
        chainId: opts.domain.chainId,
        privateKey,
        dhtValidators: rules.validators,
        dhtSelectors: rules.selectors,
        ...(opts.connectionGater !== undefined ? { connectionGater: opts.connectionGater } : {}),
      });
      const nodeLog = log.child({ peer: host.peerId.toString().slice(-8) });
      const gossip = new GossipService(host, opts.domain.chainId, nodeLog.child({ mod: "gossip" }), metrics, opts.gossip);
      for (const h of protocolHandlers(deps, opts.proofVerifier)) gossip.register(h);
      const store = new ContentStore(join(opts.dataDir, "content"));
      const transfer = new TransferService(host, store, nodeLog.child({ mod: "transfer" }), metrics, opts.transfer);
      const sync = new SyncService(host, repos, gossip, now, nodeLog.child({ mod: "sync" }), metrics, opts.sync);
      const membership = new MembershipService(host, gossip, deps, nodeLog.child({ mod: "membership" }));
      return new PoolNode(opts, host, db, repos, gossip, transfer, sync, membership, nodeLog, metrics, privateKey, funding);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  get peerId(): PeerId {
    return this.host.peerId;
  }

  get multiaddrs(): Multiaddr[] {
    return this.host.getMultiaddrs();
  }

  async start(): Promise<void> {
    if (this.running) throw new NodeError({ code: NodeErrorCode.ALREADY_STARTED }, "Node already started");
    this.running = true;
    if (this.opts.syncOnStart ?? true) this.host.addEventListener("peer:connect", this.onPeerConnect);
    await this.host.start();
    await this.transfer.start();
    await this.sync.start();
    this.gossip.start();
    const interval = this.opts.metricsIntervalMs ?? 5000;
    this.tick = setInterval(() => this.refreshGauges(), interval);
    this.tick.unref();
    this.log.info("pool node started", { addrs: this.multiaddrs.map((a) => a.toString()) });
  }

  private refreshGauges(): void {
    if (++this.ticks % 12 === 0) {
      this.repos.closeExpired((this.opts.now ?? systemNow)()).catch((err: unknown) => this.log.warn("closing expired tasks failed", { err: String(err) }));
    }
    this.metrics.peers(this.host.getPeers().length);
    for (const t of GOSSIP_TOPICS) this.metrics.meshPeers(topicString(this.opts.domain.chainId, t), this.gossip.meshPeers(t).length);
  }

  /** Stop everything this node started and close the database. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.closeDb();
      return;
    }
    this.running = false;
    if (this.tick !== undefined) clearInterval(this.tick);
    this.host.removeEventListener("peer:connect", this.onPeerConnect);
    await this.gossip.stop();
    await this.sync.stop();
    await this.transfer.stop();
    await this.host.stop();
    await this.closeDb();
    this.log.info("pool node stopped");
  }

  private async closeDb(): Promise<void> {
    if (this.db.raw.status === "open") await this.db.close();
  }
}

import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import type { GossipsubMessage } from "@libp2p/gossipsub";
import type { Logger } from "../logger.js";
import type { NodeMetrics } from "../metrics/interface.js";
import type { PoolHost } from "../network/host.js";
import { GossipAction, GossipActionError, GossipErrorCode } from "./errors.js";
import type { AcceptedMessage, MessageContext, MessageSource, TopicHandler, ValidationResult } from "./interface.js";
import { DEFAULT_CONCURRENCY, DEFAULT_QUEUE_LENGTH, DEFAULT_QUEUE_PER_PEER, type GossipOptions } from "./options.js";
import { PeerPenalties } from "./penalties.js";
import { ParkedMessages } from "./parked.js";
import { FairQueue } from "./queue.js";
import { GOSSIP_TOPICS, parseTopic, topicString, type GossipTopicName } from "./topics.js";

interface Pending {
  data: Uint8Array;
  msgId: string;
  from: string;
  source: MessageSource;
  done: (r: ValidationResult) => void;
}

/** Outcome of one validation, for observers (tests, the API layer). */
export interface ValidatedEvent extends ValidationResult {
  topic: string;
  msgId: string;
  from: string;
  source: MessageSource;
}

export interface GossipServiceEvents {
  accepted: [AcceptedMessage];
  validated: [ValidatedEvent];
}

/**
 * Validated gossip. Every message of a pool topic goes through a bounded per-topic queue that is fair between
 * senders (FairQueue: round-robin per delivering peer, per-peer cap), then size check -> decode -> validate (the
 * topic's handler) -> onAccept, and the outcome is reported to gossipsub (asyncValidation): only ACCEPTed
 * messages are forwarded; REJECT lowers the sender's score. IGNOREd and REJECTed gossip also count against the
 * sender (PeerPenalties): past a bounded number its messages are dropped unvalidated and gossipsub graylists it.
 * Sync responses and local publications go through the same pipeline (and are never penalised here).
 */
/** IGNORE reasons that mean "what it depends on is not here yet" (the message is parked, not lost). */
const WAITING_REASONS: ReadonlySet<string> = new Set(["UNKNOWN_TASK", "NO_COMMITMENT"]);

export class GossipService extends EventEmitter<GossipServiceEvents> {
  private readonly handlers = new Map<GossipTopicName, TopicHandler<unknown>>();
  /** Messages that arrived before their task or commit (bounded; see gossip/parked.ts). */
  readonly parked = new ParkedMessages();
  private readonly queues = new Map<GossipTopicName, FairQueue<Pending>>();
  /** Sender penalties (shared with the host's gossipsub score function). */
  readonly penalties: PeerPenalties;
  private readonly onGossip = (evt: CustomEvent<GossipsubMessage>): void => this.handleGossip(evt.detail);
  private started = false;

  constructor(
    private readonly host: PoolHost,
    private readonly chainId: bigint,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
    private readonly opts: GossipOptions = {},
  ) {
    super();
    // A host made elsewhere (tests) may lack the service: then penalties are local to this service.
    const shared: PeerPenalties | undefined = host.services.penalties;
    this.penalties = shared ?? new PeerPenalties();
    this.penalties.configure(opts.penalties);
  }

  /** Register the handler of a topic (before start). */
  register<T>(handler: TopicHandler<T>): void {
    this.handlers.set(handler.topic, handler);
  }

  handler(topic: GossipTopicName): TopicHandler<unknown> | undefined {
    return this.handlers.get(topic);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const topic of GOSSIP_TOPICS) {
      const len = this.opts.queueLength?.[topic] ?? this.opts.maxQueueLength ?? DEFAULT_QUEUE_LENGTH;
      const perPeer = Math.min(len, this.opts.maxQueuePerPeer ?? DEFAULT_QUEUE_PER_PEER);
      const name = topicString(this.chainId, topic);
      this.queues.set(
        topic,
        new FairQueue<Pending>(
          len,
          perPeer,
          this.opts.concurrency ?? DEFAULT_CONCURRENCY,
          (p) => this.run(topic, p),
          (d) => this.metrics.validationQueueDepth(name, d),
          (p) => this.shed(topic, p),
        ),
      );
    }
    this.host.services.pubsub.addEventListener("gossipsub:message", this.onGossip);
    for (const topic of this.handlers.keys()) this.host.services.pubsub.subscribe(topicString(this.chainId, topic));
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.host.services.pubsub.removeEventListener("gossipsub:message", this.onGossip);
    for (const topic of this.handlers.keys()) {
      try {
        this.host.services.pubsub.unsubscribe(topicString(this.chainId, topic));
      } catch {
        // host already stopping
      }
    }
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  private handleGossip(m: GossipsubMessage): void {
    const topic = parseTopic(this.chainId, m.msg.topic);
    const from = m.propagationSource.toString();
    const report = (r: ValidationResult): void => {
      this.host.services.pubsub.reportMessageValidationResult(m.msgId, from, r.outcome);
    };
    if (topic === undefined || !this.handlers.has(topic)) {
      this.count(m.msg.topic, { outcome: "reject", reason: GossipErrorCode.UNKNOWN_TOPIC });
      report({ outcome: "reject" });
      return;
    }
    this.metrics.bytes("in", "gossip", m.msg.data.byteLength);
    if (this.penalties.throttled(from)) {
      this.throttle(topic, { data: m.msg.data, msgId: m.msgId, from, source: "gossip", done: report });
      return;
    }
    this.enqueue(topic, m.msg.data, m.msgId, from, "gossip", report);
  }

  /** Drop a message of a throttled sender unvalidated (it keeps counting against the sender). */
  private throttle(topic: GossipTopicName, p: Pending): void {
    const r: ValidationResult = { outcome: "ignore", reason: GossipErrorCode.THROTTLED };
    this.penalties.ignored(p.from, r.reason);
    this.count(topicString(this.chainId, topic), r, p);
    p.done(r);
  }

  /** A queued message refused or evicted for lack of room (or dropped at stop). */
  private shed(topic: GossipTopicName, p: Pending): void {
    this.metrics.validationQueueDropped(topicString(this.chainId, topic));
    const r: ValidationResult = { outcome: "ignore", reason: GossipErrorCode.QUEUE_FULL };
    if (this.started && p.source === "gossip") this.penalties.ignored(p.from, r.reason);
    this.count(topicString(this.chainId, topic), r, p);
    try {
      p.done(r);
    } catch {
      // gossipsub already stopped
    }
  }

  private enqueue(
    topic: GossipTopicName,
    data: Uint8Array,
    msgId: string,
    from: string,
    source: MessageSource,
    done: (r: ValidationResult) => void,
  ): void {
    const q = this.queues.get(topic);
    const p: Pending = { data, msgId, from, source, done };
    if (q === undefined || !q.push(from, p)) this.shed(topic, p);
  }

  /** Validate again what was parked under `key` (it may park again if still early; bounded either way). */
  private replayParked(key: string): void {
    for (const m of this.parked.take(key)) {
      void this.process(m.topic as GossipTopicName, m.data, m.from, "sync").then((r) => {
        if (r.outcome === "accept") this.log.debug("parked message accepted", { topic: m.topic, key });
      });
    }
  }

  /** Validate (and on success store) a message that did not come through gossipsub: sync or local. */
  process(topic: GossipTopicName, data: Uint8Array, from: string, source: Exclude<MessageSource, "gossip">): Promise<ValidationResult> {
    return new Promise((resolve) => this.enqueue(topic, data, messageId(data), from, source, resolve));
  }

  private async run(topic: GossipTopicName, p: Pending): Promise<void> {
    const name = topicString(this.chainId, topic);
    // Throttled while it waited: drop it unvalidated (this bounds what a fresh flooder gets validated).
    if (p.source === "gossip" && this.penalties.throttled(p.from)) {
      this.throttle(topic, p);
      return;
    }
    const t0 = process.hrtime.bigint();
    const result = await this.validate(topic, p);
    this.metrics.gossipValidationSeconds(name, Number(process.hrtime.bigint() - t0) / 1e9);
    if (p.source === "gossip") {
      if (result.outcome === "ignore") this.penalties.ignored(p.from, result.reason);
      else if (result.outcome === "reject") this.penalties.rejected(p.from);
      else this.penalties.accepted(p.from);
    }
    this.count(name, result, p);
    p.done(result);
  }

  private async validate(topic: GossipTopicName, p: Pending): Promise<ValidationResult> {
    const handler = this.handlers.get(topic);
    if (handler === undefined) return { outcome: "reject", reason: GossipErrorCode.UNKNOWN_TOPIC };
    if (p.data.byteLength > handler.maxBytes) return { outcome: "reject", reason: GossipErrorCode.TOO_LARGE };
    const ctx: MessageContext = { data: p.data, msgId: p.msgId, from: p.from, source: p.source };
    let msg: unknown;
    try {
      msg = handler.decode(p.data);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { outcome: "reject", reason: typeof code === "string" ? code : GossipErrorCode.MALFORMED };
    }
    try {
      await handler.validate(msg, ctx);
    } catch (err) {
      if (err instanceof GossipActionError) {
        const reason = (err as GossipActionError).type.code;
        if (err.action !== GossipAction.REJECT && WAITING_REASONS.has(reason) && p.source !== "local") {
          const key = handler.parkKey?.(msg);
          if (key !== undefined) this.parked.park(key, { topic, data: p.data, from: p.from });
        }
        return { outcome: err.action === GossipAction.REJECT ? "reject" : "ignore", reason };
      }
      this.log.error("gossip validator failed", { topic }, err);
      return { outcome: "ignore", reason: GossipErrorCode.INTERNAL };
    }
    try {
      await handler.onAccept(msg, ctx);
    } catch (err) {
      // Not the sender's fault: don't forward what we could not store, don't penalise either.
      this.log.error("storing accepted message failed", { topic }, err);
      return { outcome: "ignore", reason: GossipErrorCode.INTERNAL };
    }
    this.emit("accepted", { topic, message: msg, ctx });
    const released = handler.releaseKey?.(msg);
    if (released !== undefined) this.replayParked(released);
    return { outcome: "accept" };
  }

  private count(topic: string, r: ValidationResult, p?: Pending): void {
    this.metrics.gossipMessage(topic, r.outcome, r.reason);
    if (p !== undefined) this.emit("validated", { ...r, topic, msgId: p.msgId, from: p.from, source: p.source });
    if (r.outcome !== "accept") this.log.debug("gossip message not accepted", { topic, outcome: r.outcome, reason: r.reason, from: p?.from, source: p?.source });
  }

  /**
   * Validate and store a message of our own, then publish it. Throws GossipActionError if our own
   * message is invalid (nothing is published then).
   */
  async publish(topic: GossipTopicName, data: Uint8Array): Promise<void> {
    const r = await this.process(topic, data, this.host.peerId.toString(), "local");
    if (r.outcome !== "accept" && r.reason !== GossipErrorCode.DUPLICATE) {
      throw new GossipActionError(
        r.outcome === "reject" ? GossipAction.REJECT : GossipAction.IGNORE,
        { code: r.reason ?? GossipErrorCode.INTERNAL, topic },
        `Own ${topic} message not published: ${r.reason ?? "unknown"}`,
      );
    }
    await this.host.services.pubsub.publish(topicString(this.chainId, topic), data);
    this.metrics.bytes("out", "gossip", data.byteLength);
  }

  meshPeers(topic: GossipTopicName): string[] {
    return this.host.services.pubsub.getMeshPeers(topicString(this.chainId, topic));
  }

  /** Connected peers known to subscribe to `topic` (a publish reaches nobody while this is empty). */
  subscribers(topic: GossipTopicName): string[] {
    return this.host.services.pubsub.getSubscribers(topicString(this.chainId, topic)).map((p) => p.toString());
  }

  /** Gossipsub score of a connected peer (0 for unknown peers). */
  peerScore(peerId: string): number {
    return this.host.services.pubsub.getScore(peerId);
  }
}

/** Hex sha256 of the data, the same id gossipsub uses (msgIdFn). */
export function messageId(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

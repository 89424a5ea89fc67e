import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { TxMetrics } from "@zkpool/chain";
import type { ByteChannel, ByteDirection, GossipOutcome, NodeMetrics } from "./interface.js";
import type { MetricsOptions } from "./options.js";

/** prom-client implementation of NodeMetrics, with its own registry (several nodes may share a process). */
export class PrometheusMetrics implements NodeMetrics {
  readonly registry = new Registry();
  private readonly gossipTotal: Counter<"topic" | "outcome" | "reason">;
  private readonly gossipSeconds: Histogram<"topic">;
  private readonly queueDepth: Gauge<"topic">;
  private readonly queueDropped: Counter<"topic">;
  private readonly peerCount: Gauge;
  private readonly meshCount: Gauge<"topic">;
  private readonly byteTotal: Counter<"direction" | "channel">;
  private readonly fetchTotal: Counter<"result">;
  private readonly syncTotal: Counter<"result">;
  private readonly syncMessages: Counter;

  constructor(opts: MetricsOptions = {}) {
    const p = opts.prefix ?? "zkpool_node_";
    const registers = [this.registry];
    this.gossipTotal = new Counter({
      name: `${p}gossip_messages_total`,
      help: "Gossip messages by topic and validation outcome",
      labelNames: ["topic", "outcome", "reason"],
      registers,
    });
    this.gossipSeconds = new Histogram({
      name: `${p}gossip_validation_seconds`,
      help: "Time to validate one gossip message",
      labelNames: ["topic"],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.queueDepth = new Gauge({
      name: `${p}gossip_validation_queue_depth`,
      help: "Messages waiting for validation per topic",
      labelNames: ["topic"],
      registers,
    });
    this.queueDropped = new Counter({
      name: `${p}gossip_validation_queue_dropped_total`,
      help: "Messages shed because the topic's validation queue was full",
      labelNames: ["topic"],
      registers,
    });
    this.peerCount = new Gauge({ name: `${p}peers`, help: "Connected peers", registers });
    this.meshCount = new Gauge({
      name: `${p}gossip_mesh_peers`,
      help: "Gossipsub mesh peers per topic",
      labelNames: ["topic"],
      registers,
    });
    this.byteTotal = new Counter({
      name: `${p}bytes_total`,
      help: "Application bytes by direction and channel",
      labelNames: ["direction", "channel"],
      registers,
    });
    this.fetchTotal = new Counter({
      name: `${p}transfer_fetches_total`,
      help: "Content fetches by result",
      labelNames: ["result"],
      registers,
    });
    this.syncTotal = new Counter({
      name: `${p}sync_requests_total`,
      help: "Sync requests made by result",
      labelNames: ["result"],
      registers,
    });
    this.syncMessages = new Counter({
      name: `${p}sync_messages_total`,
      help: "Messages received through sync",
      registers,
    });
    if (opts.collectDefault === true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  gossipMessage(topic: string, outcome: GossipOutcome, reason = ""): void {
    this.gossipTotal.inc({ topic, outcome, reason });
  }
  gossipValidationSeconds(topic: string, seconds: number): void {
    this.gossipSeconds.observe({ topic }, seconds);
  }
  validationQueueDepth(topic: string, depth: number): void {
    this.queueDepth.set({ topic }, depth);
  }
  validationQueueDropped(topic: string): void {
    this.queueDropped.inc({ topic });
  }
  peers(count: number): void {
    this.peerCount.set(count);
  }
  meshPeers(topic: string, count: number): void {
    this.meshCount.set({ topic }, count);
  }
  bytes(direction: ByteDirection, channel: ByteChannel, n: number): void {
    this.byteTotal.inc({ direction, channel }, n);
  }
  transferFetch(result: "ok" | "hash_mismatch" | "error"): void {
    this.fetchTotal.inc({ result });
  }
  syncRequest(result: "ok" | "error", messages: number): void {
    this.syncTotal.inc({ result });
    this.syncMessages.inc(messages);
  }

  /**
   * The chain transaction sender's metrics (issue 12: pending, failed and replaced transactions), registered in
   * this node's registry. Call once per node.
   */
  txMetrics(prefix = "zkpool_node_"): TxMetrics {
    const registers = [this.registry];
    const sent = new Counter({ name: `${prefix}chain_tx_sent_total`, help: "Chain transactions broadcast (first broadcast of each)", labelNames: ["fn"], registers });
    const mined = new Counter({ name: `${prefix}chain_tx_mined_total`, help: "Chain transactions mined successfully", labelNames: ["fn"], registers });
    const gas = new Counter({ name: `${prefix}chain_tx_gas_used_total`, help: "Gas used by mined chain transactions", labelNames: ["fn"], registers });
    const failed = new Counter({ name: `${prefix}chain_tx_failed_total`, help: "Chain transactions that failed, by reason (reverted, stuck, funds, RPC)", labelNames: ["fn", "reason"], registers });
    const replaced = new Counter({ name: `${prefix}chain_tx_replaced_total`, help: "Replacement broadcasts (fee bumps and cancels)", labelNames: ["fn"], registers });
    const pending = new Gauge({ name: `${prefix}chain_tx_pending`, help: "Chain transactions queued or in flight", registers });
    return {
      onSent: (fn) => sent.inc({ fn }),
      onMined: (fn, gasUsed) => {
        mined.inc({ fn });
        gas.inc({ fn }, Number(gasUsed));
      },
      onFailed: (fn, reason) => failed.inc({ fn, reason }),
      onReplaced: (fn) => replaced.inc({ fn }),
      pending: (n) => pending.set(n),
    };
  }

  /** Prometheus text exposition of this node's metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

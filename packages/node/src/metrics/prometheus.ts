import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { TxMetrics } from "@zkpool/chain";
import type { ByteChannel, ByteDirection, GossipOutcome, NodeMetrics, UmpLoad } from "./interface.js";
import {
  BID_REFUSALS,
  OTHER_LABEL,
  TASK_END_STATUSES,
  TASK_EVENTS,
  VALIDATION_REFUSALS,
  priceRatio,
  proofSystemLabel,
  refusalReason,
  weiToEth,
  type RefusalStage,
  type TaskEndStatus,
  type TaskEvent,
} from "./labels.js";
import type { MetricsOptions } from "./options.js";

/** Buckets of the price histograms as a share of the task's maxReward. */
const RATIO_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
/** Buckets of the price histograms in ETH. */
const ETH_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Distinct module ids kept as labels; further ones are reported as "other" (module ids are local config). */
const MAX_MODULE_LABELS = 16;

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
  private readonly tasksTotal: Counter<"event">;
  private readonly tasksEnded: Counter<"status">;
  private readonly tasksRefused: Counter<"stage" | "reason">;
  private readonly bidRatio: Histogram;
  private readonly bidEth: Histogram;
  private readonly clearingRatio: Histogram;
  private readonly clearingEth: Histogram;
  private readonly proving: Histogram<"module" | "proof_system">;
  private readonly verification: Histogram<"proof_system">;
  private readonly assignmentLatency: Histogram;
  private readonly stakeEth: Gauge;
  private readonly claimableEth: Gauge;
  private readonly atRiskEth: Gauge;
  private readonly umpQueued: Gauge;
  private readonly umpRunning: Gauge;
  private readonly umpReserved: Gauge;
  private readonly umpHealthy: Gauge<"module">;
  private readonly modules = new Set<string>();

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
    this.tasksTotal = new Counter({
      name: `${p}tasks_total`,
      help: "Task lifecycle events: seen (accepted by this node), and this operator's bid, won, proved, settled, defaulted",
      labelNames: ["event"],
      registers,
    });
    this.tasksEnded = new Counter({
      name: `${p}tasks_ended_total`,
      help: "Tasks this node followed to a terminal status",
      labelNames: ["status"],
      registers,
    });
    this.tasksRefused = new Counter({
      name: `${p}tasks_refused_total`,
      help: "Tasks refused by the tasks topic validation (SPEC reason codes) or not bid on by this prover, by reason",
      labelNames: ["stage", "reason"],
      registers,
    });
    this.bidRatio = new Histogram({
      name: `${p}bid_price_ratio`,
      help: "This prover's committed bid prices as a share of the task's maxReward",
      buckets: RATIO_BUCKETS,
      registers,
    });
    this.bidEth = new Histogram({ name: `${p}bid_price_eth`, help: "This prover's committed bid prices in ETH", buckets: ETH_BUCKETS, registers });
    this.clearingRatio = new Histogram({
      name: `${p}clearing_price_ratio`,
      help: "Assigned (clearing) prices of assignment certificates as a share of the task's maxReward",
      buckets: RATIO_BUCKETS,
      registers,
    });
    this.clearingEth = new Histogram({
      name: `${p}clearing_price_eth`,
      help: "Assigned (clearing) prices of assignment certificates in ETH",
      buckets: ETH_BUCKETS,
      registers,
    });
    this.proving = new Histogram({
      name: `${p}proving_seconds`,
      help: "Wall time of one proof by this node's prover, by module and proof system",
      labelNames: ["module", "proof_system"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
      registers,
    });
    this.verification = new Histogram({
      name: `${p}proof_verification_seconds`,
      help: "Wall time of verifying one submitted proof before a completion vote, by proof system",
      labelNames: ["proof_system"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.assignmentLatency = new Histogram({
      name: `${p}assignment_latency_seconds`,
      help: "Seconds from a task's reveal deadline to this node holding its round-0 assignment certificate",
      buckets: [0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 60, 120],
      registers,
    });
    this.stakeEth = new Gauge({ name: `${p}stake_eth`, help: "This operator's stake in the StakeRegistry, ETH (read from chain)", registers });
    this.claimableEth = new Gauge({
      name: `${p}earnings_claimable_eth`,
      help: "This operator's claimable earnings held by the escrow, ETH (read from chain)",
      registers,
    });
    this.atRiskEth = new Gauge({
      name: `${p}collateral_at_risk_eth`,
      help: "Collateral of this prover's live bids and assignments, ETH (SPEC 9.3 free stake)",
      registers,
    });
    this.umpQueued = new Gauge({ name: `${p}ump_queue_depth`, help: "Proving jobs queued in the UMP", registers });
    this.umpRunning = new Gauge({ name: `${p}ump_jobs_running`, help: "Proving jobs running in the UMP", registers });
    this.umpReserved = new Gauge({
      name: `${p}ump_capacity_reserved`,
      help: "UMP capacity reservations held by bids whose proof has not started",
      registers,
    });
    this.umpHealthy = new Gauge({
      name: `${p}ump_module_healthy`,
      help: "1 when the UMP prover module is started and reports healthy, else 0",
      labelNames: ["module"],
      registers,
    });
    // Every bounded series exists from the start (at 0), so rates and alerts see it before the first event.
    for (const event of TASK_EVENTS) this.tasksTotal.inc({ event }, 0);
    for (const status of TASK_END_STATUSES) this.tasksEnded.inc({ status }, 0);
    for (const reason of VALIDATION_REFUSALS) this.tasksRefused.inc({ stage: "validation", reason }, 0);
    for (const reason of BID_REFUSALS) this.tasksRefused.inc({ stage: "bid", reason }, 0);
    for (const stage of ["validation", "bid"] as const) this.tasksRefused.inc({ stage, reason: OTHER_LABEL }, 0);
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

  task(event: TaskEvent): void {
    this.tasksTotal.inc({ event });
  }
  taskEnded(status: TaskEndStatus): void {
    this.tasksEnded.inc({ status });
  }
  taskRefused(stage: RefusalStage, reason: string | undefined): void {
    this.tasksRefused.inc({ stage, reason: refusalReason(stage, reason) });
  }
  bidPrice(priceWei: bigint, maxRewardWei: bigint): void {
    this.bidRatio.observe(priceRatio(priceWei, maxRewardWei));
    this.bidEth.observe(weiToEth(priceWei));
  }
  clearingPrice(priceWei: bigint, maxRewardWei: bigint): void {
    this.clearingRatio.observe(priceRatio(priceWei, maxRewardWei));
    this.clearingEth.observe(weiToEth(priceWei));
  }
  provingSeconds(module: string, proofSystem: string, seconds: number): void {
    this.proving.observe({ module: this.moduleLabel(module), proof_system: proofSystemLabel(proofSystem) }, seconds);
  }
  verificationSeconds(proofSystem: string, seconds: number): void {
    this.verification.observe({ proof_system: proofSystemLabel(proofSystem) }, seconds);
  }
  assignmentLatencySeconds(seconds: number): void {
    this.assignmentLatency.observe(Math.max(0, seconds));
  }
  stake(wei: bigint): void {
    this.stakeEth.set(weiToEth(wei));
  }
  earningsClaimable(wei: bigint): void {
    this.claimableEth.set(weiToEth(wei));
  }
  collateralAtRisk(wei: bigint): void {
    this.atRiskEth.set(weiToEth(wei));
  }
  umpLoad(load: UmpLoad): void {
    this.umpQueued.set(load.queued);
    this.umpRunning.set(load.running);
    this.umpReserved.set(load.reserved);
  }
  umpModuleHealth(module: string, healthy: boolean): void {
    this.umpHealthy.set({ module: this.moduleLabel(module) }, healthy ? 1 : 0);
  }

  /** A module id as a label: the first MAX_MODULE_LABELS distinct ids are kept, later ones become "other". */
  private moduleLabel(module: string): string {
    if (this.modules.has(module)) return module;
    if (this.modules.size >= MAX_MODULE_LABELS) return OTHER_LABEL;
    this.modules.add(module);
    return module;
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
    const dropped = new Counter({ name: `${prefix}chain_tx_dropped_total`, help: "Chain transactions dropped unsent because they became moot (e.g. settled by another node)", labelNames: ["fn"], registers });
    const replaced = new Counter({ name: `${prefix}chain_tx_replaced_total`, help: "Replacement broadcasts (fee bumps and cancels)", labelNames: ["fn"], registers });
    const pending = new Gauge({ name: `${prefix}chain_tx_pending`, help: "Chain transactions queued or in flight", registers });
    return {
      onSent: (fn) => sent.inc({ fn }),
      onMined: (fn, gasUsed) => {
        mined.inc({ fn });
        gas.inc({ fn }, Number(gasUsed));
      },
      onFailed: (fn, reason) => failed.inc({ fn, reason }),
      onDropped: (fn) => dropped.inc({ fn }),
      onReplaced: (fn) => replaced.inc({ fn }),
      pending: (n) => pending.set(n),
    };
  }

  /** Prometheus text exposition of this node's metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

import type { RefusalStage, TaskEndStatus, TaskEvent } from "./labels.js";

export type { RefusalStage, TaskEndStatus, TaskEvent } from "./labels.js";

/** Gossip validation outcomes, as reported to gossipsub. */
export type GossipOutcome = "accept" | "ignore" | "reject";
export type ByteDirection = "in" | "out";
export type ByteChannel = "gossip" | "transfer" | "sync";

/** The prover runtime's load: jobs queued and running, and capacity reservations of bids not started yet. */
export interface UmpLoad {
  queued: number;
  running: number;
  reserved: number;
}

/**
 * The node's observability hooks. The node only talks to this interface; `PrometheusMetrics` implements
 * it with prom-client and `NoopMetrics` drops everything. Label values are bounded (topic names are the
 * fixed SPEC topics; reasons are error codes), never peer-supplied strings.
 */
export interface NodeMetrics {
  gossipMessage(topic: string, outcome: GossipOutcome, reason?: string): void;
  gossipValidationSeconds(topic: string, seconds: number): void;
  validationQueueDepth(topic: string, depth: number): void;
  validationQueueDropped(topic: string): void;
  peers(count: number): void;
  meshPeers(topic: string, count: number): void;
  bytes(direction: ByteDirection, channel: ByteChannel, n: number): void;
  transferFetch(result: "ok" | "hash_mismatch" | "error"): void;
  syncRequest(result: "ok" | "error", messages: number): void;

  // ---- task lifecycle (issue 16): the auction service, the settlement service and the sampler report these

  /** One lifecycle event of a task (see TASK_EVENTS). */
  task(event: TaskEvent): void;
  /** A followed task reached a terminal status. */
  taskEnded(status: TaskEndStatus): void;
  /** A task refused at validation or not bid on; an unknown reason is counted as "other". */
  taskRefused(stage: RefusalStage, reason: string | undefined): void;
  /** This prover's committed bid price (wei) for a task of `maxRewardWei`. */
  bidPrice(priceWei: bigint, maxRewardWei: bigint): void;
  /** The price in an assignment certificate (the clearing price, wei) for a task of `maxRewardWei`. */
  clearingPrice(priceWei: bigint, maxRewardWei: bigint): void;
  /** Wall time of one proof by a prover module (`module` is the local module id). */
  provingSeconds(module: string, proofSystem: string, seconds: number): void;
  /** Wall time of one submitted proof's verification (before a completion vote). */
  verificationSeconds(proofSystem: string, seconds: number): void;
  /** Seconds from a task's reveal deadline to this node holding its round-0 assignment certificate. */
  assignmentLatencySeconds(seconds: number): void;
  /** This operator's stake (wei), read from the chain. */
  stake(wei: bigint): void;
  /** This operator's claimable earnings held by the escrow (wei), read from the chain. */
  earningsClaimable(wei: bigint): void;
  /** Collateral (wei) of this prover's live bids and assignments (SPEC §9.3). */
  collateralAtRisk(wei: bigint): void;
  umpLoad(load: UmpLoad): void;
  umpModuleHealth(module: string, healthy: boolean): void;
}

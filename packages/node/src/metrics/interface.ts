/** Gossip validation outcomes, as reported to gossipsub. */
export type GossipOutcome = "accept" | "ignore" | "reject";
export type ByteDirection = "in" | "out";
export type ByteChannel = "gossip" | "transfer" | "sync";

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
}

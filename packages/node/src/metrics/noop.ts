import type { NodeMetrics } from "./interface.js";

/** Metrics sink that records nothing. */
export class NoopMetrics implements NodeMetrics {
  gossipMessage(): void {}
  gossipValidationSeconds(): void {}
  validationQueueDepth(): void {}
  validationQueueDropped(): void {}
  peers(): void {}
  meshPeers(): void {}
  bytes(): void {}
  transferFetch(): void {}
  syncRequest(): void {}
  task(): void {}
  taskEnded(): void {}
  taskRefused(): void {}
  bidPrice(): void {}
  clearingPrice(): void {}
  provingSeconds(): void {}
  verificationSeconds(): void {}
  assignmentLatencySeconds(): void {}
  stake(): void {}
  earningsClaimable(): void {}
  collateralAtRisk(): void {}
  umpLoad(): void {}
  umpModuleHealth(): void {}
}

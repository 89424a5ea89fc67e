import type { ConnectionGater } from "@libp2p/interface";
import type { ProtocolDomain } from "@zkpool/protocol";
import type { GossipOptions } from "./gossip/options.js";
import type { Logger } from "./logger.js";
import type { NodeMetrics } from "./metrics/interface.js";
import type { NetworkOptions } from "./network/options.js";
import type { ProofVerifier } from "./messages/proofs.js";
import type { StakeSource } from "./stake/interface.js";
import type { SyncOptions } from "./sync/options.js";
import type { TransferOptions } from "./transfer/options.js";

export interface PoolNodeOptions {
  /** Data directory: peer key, database (db/), content store (content/). Created if missing. */
  dataDir: string;
  /** Network (chain id + escrow) every signed message is bound to. */
  domain: ProtocolDomain;
  /** libp2p settings; chainId defaults to domain.chainId. */
  network?: Omit<NetworkOptions, "chainId">;
  /** Where operators' stake comes from. */
  stake: StakeSource;
  /** @default a silent logger */
  logger?: Logger;
  /** @default NoopMetrics */
  metrics?: NodeMetrics;
  gossip?: GossipOptions;
  transfer?: TransferOptions;
  sync?: SyncOptions;
  /** Clock in unix seconds. @default system time */
  now?: () => bigint;
  /** Ask connected peers for open tasks once the first peer connects. @default true */
  syncOnStart?: boolean;
  /** Advanced/tests: restrict whom this node talks to. */
  connectionGater?: ConnectionGater;
  /** Checks proofs against the task's verification key (plugged in by the agreement layer). */
  proofVerifier?: ProofVerifier;
  /** How often peer/mesh gauges are refreshed, ms. @default 5000 */
  metricsIntervalMs?: number;
}

export function systemNow(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

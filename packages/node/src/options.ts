import type { ConnectionGater } from "@libp2p/interface";
import type { ChainParams, ProtocolDomain } from "@zkpool/protocol";
import type { BalanceSource } from "./auction/balance.js";
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
  /**
   * The deployment's v1 parameters (SPEC §9.1), from the deployment file: stake epochs, task lifetimes,
   * collateral and premiums. Without them the node applies no v1 economic rule (a chainless test pool).
   */
  chainParams?: ChainParams;
  /**
   * Requesters' available escrow balance (SPEC §9.4). With it, a task the requester cannot fund among its open
   * tasks is ignored on receipt. @default every requester funded
   */
  balances?: BalanceSource;
  /** @default a silent logger */
  logger?: Logger;
  /** @default NoopMetrics */
  metrics?: NodeMetrics;
  gossip?: GossipOptions;
  transfer?: TransferOptions;
  sync?: SyncOptions;
  /** Clock in unix seconds. @default system time */
  now?: () => bigint;
  /** Catch up (sync) from each peer as it connects (once per peer per 30 s). @default true */
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

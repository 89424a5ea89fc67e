export interface NetworkOptions {
  /** Multiaddrs to listen on. @default ["/ip4/0.0.0.0/tcp/0"] */
  listen?: string[];
  /** Multiaddrs to announce instead of the listen addresses (public address behind NAT). @default [] */
  announce?: string[];
  /** Bootstrap peers (multiaddrs with /p2p/<peerId>). @default [] */
  bootstrap?: string[];
  /** Chain id of the pool, part of every topic name. */
  chainId: bigint;
  /**
   * Loopback-friendly settings for tests and devnets ONLY: no inbound connection rate limit for
   * 127.0.0.1, no gossipsub IP-colocation penalty, connection monitor off, private addresses kept in the DHT.
   * @default false
   */
  devnet?: boolean;
  /** DHT protocol prefix. @default "/zkpool" */
  dhtProtocolPrefix?: string;
  /** Maximum open connections. @default 100 */
  maxConnections?: number;
  /**
   * Key per-peer budgets (sync and transfer request rates, concurrent streams, bytes) and gossip penalties by
   * remote IP as well as by peer id, so sybil peer ids behind one address share one budget. Turn it on in
   * production; it must be off where every node is 127.0.0.1 (tests, devnets). @default !devnet
   */
  limitByIp?: boolean;
}

export const DEFAULT_LISTEN = ["/ip4/0.0.0.0/tcp/0"];
export const DEFAULT_DHT_PREFIX = "/zkpool";

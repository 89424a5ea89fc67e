export const SYNC_PROTOCOL = "/zkpool/sync/1";

export interface SyncOptions {
  /** Most messages accepted in one sync response. @default 50000 */
  maxMessages?: number;
  /** Time limit of one sync exchange, ms. @default 30000 */
  timeoutMs?: number;
  /** A sync is aborted (and the peer disconnected) after this many REJECTed messages. @default 16 */
  maxRejected?: number;
  /** Peers asked by syncOpenTasks(). @default 3 */
  peers?: number;
}

export const DEFAULT_SYNC_MAX_MESSAGES = 50_000;
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
export const DEFAULT_SYNC_PEERS = 3;
export const DEFAULT_SYNC_MAX_REJECTED = 16;
/** Largest frame: the largest message (a certificate) plus the topic byte. */
export const SYNC_MAX_FRAME_BYTES = 128 * 1024;

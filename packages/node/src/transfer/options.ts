export const TRANSFER_PROTOCOL = "/zkpool/transfer/0";

export interface TransferOptions {
  /** Largest object fetched or served, bytes. @default 256 MiB */
  maxObjectBytes?: number;
  /** Chunk (frame) size on the wire, bytes. @default 256 KiB */
  chunkBytes?: number;
  /** Time without progress after which one provider is abandoned, ms. @default 10000 */
  idleTimeoutMs?: number;
  /** Total time to look for providers in the DHT, ms. @default 15000 */
  findTimeoutMs?: number;
  /** Providers tried before giving up. @default 5 */
  maxProviders?: number;
  /** Responder budgets of one peer (and, with `network.limitByIp`, 4x that for one IP). */
  serve?: TransferServeOptions;
}

export interface TransferServeOptions {
  /** Transfers served concurrently to one peer; more streams are reset. @default 4 */
  streamsPerPeer?: number;
  /** Transfers served concurrently in all. @default 32 */
  streams?: number;
  /** Request budget of a peer: burst. @default 64 */
  requestBurst?: number;
  /** Request budget of a peer: requests a second. @default 8 */
  requestsPerSecond?: number;
  /** Byte budget of a peer: burst; a request past it is answered BUSY (status 3). @default Infinity (no byte budget) */
  bytesBurst?: number;
  /** Byte budget of a peer: bytes a second. @default 64 MiB */
  bytesPerSecond?: number;
  /**
   * Longest wait for the request, and for the peer to take a written chunk (backpressure), before the stream
   * is aborted. @default idleTimeoutMs
   */
  writeTimeoutMs?: number;
  /**
   * When all `streams` are in use, a new request evicts (aborts) the stream that has waited longest for its
   * peer to read, if it has waited at least this long, ms. @default 1000
   */
  evictStalledAfterMs?: number;
}

export const DEFAULT_MAX_OBJECT_BYTES = 256 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
export const DEFAULT_FIND_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_PROVIDERS = 5;
export const DEFAULT_TRANSFER_SERVE = {
  streamsPerPeer: 4,
  streams: 32,
  requestBurst: 64,
  requestsPerSecond: 8,
  bytesBurst: Infinity,
  bytesPerSecond: 64 * 1024 * 1024,
  evictStalledAfterMs: 1000,
} as const;

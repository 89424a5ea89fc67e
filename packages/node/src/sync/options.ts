export const SYNC_PROTOCOL = "/zkpool/sync/1";

export interface SyncOptions {
  /** Most messages accepted in one sync (all pages together). @default 50000 */
  maxMessages?: number;
  /** Time limit of one sync page exchange, ms. @default 30000 */
  timeoutMs?: number;
  /** A sync is aborted (and the peer disconnected) after this many REJECTed messages. @default 16 */
  maxRejected?: number;
  /** Peers asked by syncOpenTasks(). @default 3 */
  peers?: number;
  /** Most messages in one response page: asked for as a requester, enforced as a responder. @default 2000 */
  pageMessages?: number;
  /** Most bytes in one response page (at least one message is always sent): asked for and enforced. @default 512 KiB */
  pageBytes?: number;
  /** Responder budgets of one peer (and, with `network.limitByIp`, 4x that for one IP). */
  serve?: SyncServeOptions;
}

export interface SyncServeOptions {
  /** Sync requests served concurrently for one peer; more streams are reset. @default 2 */
  streamsPerPeer?: number;
  /** Sync requests served concurrently in all. @default 32 */
  streams?: number;
  /** Request budget of a peer: burst. @default 32 */
  requestBurst?: number;
  /** Request budget of a peer: requests a second. @default 4 */
  requestsPerSecond?: number;
  /** Response byte budget of a peer: burst. @default 16 MiB */
  bytesBurst?: number;
  /** Response byte budget of a peer: bytes a second. @default 2 MiB */
  bytesPerSecond?: number;
  /**
   * Longest wait for the request, and for a peer to take a written frame (backpressure) before the stream is
   * aborted: a peer that does not read cannot make the responder buffer. @default 10000
   */
  writeTimeoutMs?: number;
  /**
   * When all `streams` are in use, a new request evicts (aborts) the stream that has waited longest for its
   * peer to read, if it has waited at least this long, ms: unread streams cannot lock readers out. @default 1000
   */
  evictStalledAfterMs?: number;
}

export const DEFAULT_SYNC_MAX_MESSAGES = 50_000;
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
export const DEFAULT_SYNC_PEERS = 3;
export const DEFAULT_SYNC_MAX_REJECTED = 16;
export const DEFAULT_SYNC_PAGE_MESSAGES = 2000;
export const DEFAULT_SYNC_PAGE_BYTES = 512 * 1024;
export const DEFAULT_SYNC_SERVE = {
  streamsPerPeer: 2,
  streams: 32,
  requestBurst: 32,
  requestsPerSecond: 4,
  bytesBurst: 16 * 1024 * 1024,
  bytesPerSecond: 2 * 1024 * 1024,
  writeTimeoutMs: 10_000,
  evictStalledAfterMs: 1000,
} as const satisfies Required<SyncServeOptions>;
/** Largest frame: the largest message (a certificate) plus the topic byte. */
export const SYNC_MAX_FRAME_BYTES = 128 * 1024;
/** Longest page cursor (a database key) in a request or a MORE trailer. */
export const SYNC_MAX_CURSOR_BYTES = 512;

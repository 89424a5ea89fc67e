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
}

export const DEFAULT_MAX_OBJECT_BYTES = 256 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
export const DEFAULT_FIND_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_PROVIDERS = 5;

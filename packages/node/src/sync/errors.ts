import { ZkPoolError } from "@zkpool/protocol";

export enum SyncErrorCode {
  PROTOCOL = "SYNC_PROTOCOL",
  TOO_MANY_MESSAGES = "SYNC_TOO_MANY_MESSAGES",
  TIMEOUT = "SYNC_TIMEOUT",
  NO_PEERS = "SYNC_NO_PEERS",
  TOO_MANY_INVALID = "SYNC_TOO_MANY_INVALID",
  /** The peer kept answering BUSY (its per-peer sync budget for us is spent). */
  BUSY = "SYNC_BUSY",
}

export type SyncErrorType =
  | { code: SyncErrorCode.PROTOCOL; peer: string; reason: string }
  | { code: SyncErrorCode.TOO_MANY_MESSAGES; peer: string; limit: number }
  | { code: SyncErrorCode.TIMEOUT; peer: string }
  | { code: SyncErrorCode.NO_PEERS }
  | { code: SyncErrorCode.TOO_MANY_INVALID; peer: string; rejected: number }
  | { code: SyncErrorCode.BUSY; peer: string };

export class SyncError extends ZkPoolError<SyncErrorType> {}

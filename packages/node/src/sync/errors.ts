import { ZkPoolError } from "@zkpool/protocol";

export enum SyncErrorCode {
  PROTOCOL = "SYNC_PROTOCOL",
  TOO_MANY_MESSAGES = "SYNC_TOO_MANY_MESSAGES",
  TIMEOUT = "SYNC_TIMEOUT",
  NO_PEERS = "SYNC_NO_PEERS",
}

export type SyncErrorType =
  | { code: SyncErrorCode.PROTOCOL; peer: string; reason: string }
  | { code: SyncErrorCode.TOO_MANY_MESSAGES; peer: string; limit: number }
  | { code: SyncErrorCode.TIMEOUT; peer: string }
  | { code: SyncErrorCode.NO_PEERS };

export class SyncError extends ZkPoolError<SyncErrorType> {}

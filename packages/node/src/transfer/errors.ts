import { ZkPoolError } from "@zkpool/protocol";

export enum TransferErrorCode {
  NOT_FOUND = "TRANSFER_NOT_FOUND",
  NO_PROVIDERS = "TRANSFER_NO_PROVIDERS",
  TOO_LARGE = "TRANSFER_TOO_LARGE",
  HASH_MISMATCH = "TRANSFER_HASH_MISMATCH",
  TIMEOUT = "TRANSFER_TIMEOUT",
  PROTOCOL = "TRANSFER_PROTOCOL",
  ALL_PROVIDERS_FAILED = "TRANSFER_ALL_PROVIDERS_FAILED",
  BAD_HASH = "TRANSFER_BAD_HASH",
  /** The provider's per-peer transfer budget for us is spent; try another or later. */
  BUSY = "TRANSFER_BUSY",
}

export type TransferErrorType =
  | { code: TransferErrorCode.NOT_FOUND; hash: string }
  | { code: TransferErrorCode.NO_PROVIDERS; hash: string }
  | { code: TransferErrorCode.TOO_LARGE; hash: string; size: number; limit: number }
  | { code: TransferErrorCode.HASH_MISMATCH; hash: string; peer: string }
  | { code: TransferErrorCode.TIMEOUT; hash: string; peer: string }
  | { code: TransferErrorCode.PROTOCOL; hash: string; peer: string; reason: string }
  | { code: TransferErrorCode.ALL_PROVIDERS_FAILED; hash: string; tried: number; lastError: string }
  | { code: TransferErrorCode.BAD_HASH; hash: string }
  | { code: TransferErrorCode.BUSY; hash: string; peer: string };

export class TransferError extends ZkPoolError<TransferErrorType> {}

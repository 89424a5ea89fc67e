/**
 * Error codes of the transaction sender. Every failure of `TxSender.send` is a `ChainError` whose `code` is one
 * of these; `type` also carries `label` and, where known, `nonce`, `txHash`, `errorName`, `reason`, `stage`.
 */
import { ChainError } from "../errors.js";

export const TxErrorCode = {
  /** Reverted: at simulation (`stage: "simulation"`, no nonce used) or mined with status 0 (`stage: "mined"`). */
  REVERTED: "CHAIN_TX_REVERTED",
  /** Not mined after `maxReplacements` fee bumps; the nonce was re-read from the chain. */
  STUCK: "CHAIN_TX_STUCK",
  /** `moot()` said the transaction is no longer needed; it was dropped (or its nonce cancelled). */
  MOOT: "CHAIN_TX_MOOT",
  /** `stop()` was called while the transaction was queued or in flight. */
  ABORTED: "CHAIN_TX_ABORTED",
  /** `send()` before `start()` (or after `stop()`). */
  NOT_STARTED: "CHAIN_TX_NOT_STARTED",
  /** The signer's balance cannot pay for the transaction. Not retried. */
  INSUFFICIENT_FUNDS: "CHAIN_TX_INSUFFICIENT_FUNDS",
  /** Transient RPC errors persisted past `maxRetries` (the last error is the `cause`). */
  FAILED: "CHAIN_TX_FAILED",
} as const;

export type TxErrorCode = (typeof TxErrorCode)[keyof typeof TxErrorCode];

export interface TxErrorFields {
  code: TxErrorCode;
  label: string;
  [key: string]: string | number | boolean | undefined;
}

export type TxError = ChainError<TxErrorFields>;

export function txError(fields: TxErrorFields, message: string, cause?: unknown): TxError {
  return new ChainError<TxErrorFields>(fields, message, cause === undefined ? undefined : { cause });
}

/** True when `err` is a ChainError raised by the sender (optionally with the given code). */
export function isTxError(err: unknown, code?: TxErrorCode): err is TxError {
  if (!(err instanceof ChainError)) return false;
  const c = (err as ChainError).code;
  return (Object.values(TxErrorCode) as string[]).includes(c) && (code === undefined || c === code);
}

import { ZkPoolError } from "@zkpool/protocol";

export enum ChainServiceErrorCode {
  /** The service was started twice. */
  ALREADY_STARTED = "CHAIN_SERVICE_ALREADY_STARTED",
  /** A settlement could not be built: the node lacks a certificate or the proof for the round. */
  MISSING_EVIDENCE = "CHAIN_SERVICE_MISSING_EVIDENCE",
  /** The escrow refused or the RPC failed while submitting; `reason` is the contract error or RPC message. */
  SUBMIT_FAILED = "CHAIN_SERVICE_SUBMIT_FAILED",
}

export type ChainServiceErrorType =
  | { code: ChainServiceErrorCode.ALREADY_STARTED }
  | { code: ChainServiceErrorCode.MISSING_EVIDENCE; taskId: string; round: number; missing: string }
  | { code: ChainServiceErrorCode.SUBMIT_FAILED; taskId: string; action: "settle" | "reportDefault" | "reportInvalid" | "reportNonReveal" | "reportEquivocation"; reason: string };

export class ChainServiceError extends ZkPoolError<ChainServiceErrorType> {}

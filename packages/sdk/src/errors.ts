import { ZkPoolError } from "@zkpool/protocol";

export enum SdkErrorCode {
  /** Options missing or contradictory (see the message for the one to set). */
  BAD_OPTIONS = "SDK_BAD_OPTIONS",
  /** The chain RPC does not answer or serves another chain than the deployment's. */
  CHAIN_UNREACHABLE = "SDK_CHAIN_UNREACHABLE",
  /**
   * The price schedule is invalid (`field`: startPrice, priceStep, rebidWindow, or maxReward): the message says what
   * is wrong and the valid range (SPEC §10.3). Nothing was published.
   */
  BAD_SCHEDULE = "SDK_BAD_SCHEDULE",
  /** The escrow balance is too small for the task's maxReward: deposit first. */
  INSUFFICIENT_BALANCE = "SDK_INSUFFICIENT_BALANCE",
  /** The circuit name is not in the catalog, or its artifacts cannot be read. */
  UNKNOWN_CIRCUIT = "SDK_UNKNOWN_CIRCUIT",
  /** The circuit (or its proof system) is not in the on-chain registry: register it first (SPEC §9.12). */
  CIRCUIT_NOT_REGISTERED = "SDK_CIRCUIT_NOT_REGISTERED",
  /** The input does not satisfy the circuit (witness calculation failed); `field` names the input when known. */
  BAD_INPUT = "SDK_BAD_INPUT",
  /** The input lacks a field the circuit needs; `field` names it when the circuit's input names are known. */
  INPUT_MISSING = "SDK_INPUT_MISSING",
  /** The input has a field that is no input of the circuit (a typo?); `field` names it. */
  INPUT_UNKNOWN = "SDK_INPUT_UNKNOWN",
  /** No peer to publish to: check bootstrap addresses and that pool nodes run. */
  NOT_CONNECTED = "SDK_NOT_CONNECTED",
  /** The task ended without a proof (every round defaulted, or nobody bid before the deadline). */
  TASK_FAILED = "SDK_TASK_FAILED",
  /** The attesters certified the task unprovable (SPEC §9.7): its artifacts or input do not match. */
  TASK_INVALID = "SDK_TASK_INVALID",
  /** A proof arrived but does not verify against the task's verification key (never expected: report it). */
  PROOF_INVALID = "SDK_PROOF_INVALID",
  /** The client was closed while waiting. */
  CLOSED = "SDK_CLOSED",
  /** An escrow transaction was refused; `reason` is the contract error. */
  TX_FAILED = "SDK_TX_FAILED",
}

export type SdkErrorType = { code: SdkErrorCode; taskId?: string; reason?: string; need?: string; have?: string; field?: string };

export class SdkError extends ZkPoolError<SdkErrorType> {}

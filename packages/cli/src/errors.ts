import { ZkPoolError } from "@zkpool/protocol";

export enum CliErrorCode {
  /** A flag, argument or option value the command does not accept. */
  BAD_USAGE = "CLI_BAD_USAGE",
  /** The config file cannot be read or parsed, or holds an unknown key / a value of the wrong type. */
  CONFIG_INVALID = "CLI_CONFIG_INVALID",
  /** No keystore where the config points. */
  KEYSTORE_MISSING = "CLI_KEYSTORE_MISSING",
  /** A keystore already exists where `keys create|import` would write. */
  KEYSTORE_EXISTS = "CLI_KEYSTORE_EXISTS",
  /** The keystore does not decrypt with the password given. */
  KEYSTORE_BAD_PASSWORD = "CLI_KEYSTORE_BAD_PASSWORD",
  /** No password source: not a terminal and neither ZKPOOL_PASSWORD nor a password file. */
  KEYSTORE_NO_PASSWORD = "CLI_KEYSTORE_NO_PASSWORD",
  /** The private key to import is not 32 bytes of hex. */
  BAD_PRIVATE_KEY = "CLI_BAD_PRIVATE_KEY",
  /** Neither a chain deployment nor a genesis stake file is configured, or the deployment cannot be read. */
  NO_STAKE_SOURCE = "CLI_NO_STAKE_SOURCE",
  /** The chain RPC endpoint does not answer or serves another chain than the deployment's. */
  CHAIN_UNREACHABLE = "CLI_CHAIN_UNREACHABLE",
  /** The status API could not listen (port in use?). */
  API_LISTEN_FAILED = "CLI_API_LISTEN_FAILED",
  /** An ETH amount flag that is not a non-negative decimal with at most 18 decimals. */
  BAD_AMOUNT = "CLI_BAD_AMOUNT",
  /** A devnet-only command (`fund`) run against a chain that is not a devnet (chain id 31337 or a devnet deployment). */
  NOT_DEVNET = "CLI_NOT_DEVNET",
  /** Not enough ETH / balance / stake for what was asked (the message says how much there is). */
  INSUFFICIENT_FUNDS = "CLI_INSUFFICIENT_FUNDS",
  /** Nothing to do: nothing staked, nothing unbonding, no pending withdrawal. */
  NOTHING_PENDING = "CLI_NOTHING_PENDING",
  /** Asked too early: unstaked stake or an escrow withdrawal that has not unlocked yet (the message says when). */
  NOT_READY = "CLI_NOT_READY",
  /** `task expire` of a task whose final deadline + settle grace has not passed (the message says when). */
  TASK_NOT_EXPIRED = "CLI_TASK_NOT_EXPIRED",
  /** `task expire` of a task already settled or closed on chain. */
  TASK_CLOSED = "CLI_TASK_CLOSED",
  /** The task (its signed JSON) cannot be found or read, or does not have the id given. */
  TASK_NOT_FOUND = "CLI_TASK_NOT_FOUND",
  /** A submitted task ended without a proof (the message says what to do, e.g. `zkpool task expire`). */
  TASK_FAILED = "CLI_TASK_FAILED",
  /** The contract refused a transaction (the message names the contract's error). */
  TX_REFUSED = "CLI_TX_REFUSED",
  /** A circuit (catalog name or circuit id) that is not known / not registered (used by circuit-registry.ts). */
  CIRCUIT_NOT_FOUND = "CLI_CIRCUIT_NOT_FOUND",
}

export type CliErrorType = { code: CliErrorCode; path?: string; key?: string; detail?: string };

/** Exit status per error: 2 for usage/config mistakes, 3 for key problems, 1 otherwise. */
export function exitCodeOf(code: string): number {
  const c = code as CliErrorCode;
  if (c === CliErrorCode.BAD_USAGE || c === CliErrorCode.CONFIG_INVALID || c === CliErrorCode.BAD_AMOUNT) return 2;
  if (code.startsWith("CLI_KEYSTORE") || c === CliErrorCode.BAD_PRIVATE_KEY) return 3;
  return 1;
}

export class CliError extends ZkPoolError<CliErrorType> {}

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
}

export type CliErrorType = { code: CliErrorCode; path?: string; key?: string; detail?: string };

/** Exit status per error: 2 for usage/config mistakes, 3 for key problems, 1 otherwise. */
export function exitCodeOf(code: string): number {
  const c = code as CliErrorCode;
  if (c === CliErrorCode.BAD_USAGE || c === CliErrorCode.CONFIG_INVALID) return 2;
  if (code.startsWith("CLI_KEYSTORE") || c === CliErrorCode.BAD_PRIVATE_KEY) return 3;
  return 1;
}

export class CliError extends ZkPoolError<CliErrorType> {}

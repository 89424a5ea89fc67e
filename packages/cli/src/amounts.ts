/**
 * ETH amounts on the command line: flags take ETH as a decimal ("0.5", "10", at most 18 decimals); the CLI prints
 * ETH with its unit (`formatEth`), and `--json` carries wei as decimal strings (see api.ts `toJson`).
 */
import { formatEther } from "ethers";
import { CliError, CliErrorCode } from "./errors.js";

export const WEI_DECIMALS = 18;

export interface ParseEthOptions {
  /** Accept 0 (e.g. `prover join --stake 0` only writes the config). @default true */
  allowZero?: boolean;
}

function bad(flag: string, v: string, why: string): CliError {
  return new CliError({ code: CliErrorCode.BAD_AMOUNT, key: flag, detail: why },
    `${flag} must be an amount in ETH such as 0.5 (got ${JSON.stringify(v)}): ${why}`);
}

/** An ETH amount ("1", "0.5", "0.000000000000000001") to wei. Anything else is CLI_BAD_AMOUNT naming the flag. */
export function parseEth(v: string, flag: string, o: ParseEthOptions = {}): bigint {
  const s = typeof v === "string" ? v.trim() : String(v);
  if (s === "") throw bad(flag, v, "empty");
  if (/^-/.test(s)) throw bad(flag, v, "negative amounts are not allowed");
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (m === null) throw bad(flag, v, "not a decimal number (digits, optionally one '.' and more digits; no sign, exponent, unit or hex)");
  const frac = m[2] ?? "";
  if (frac.length > WEI_DECIMALS) throw bad(flag, v, `too many decimals (at most ${WEI_DECIMALS}: 1 wei = 0.000000000000000001 ETH)`);
  const wei = BigInt(m[1]!) * 10n ** BigInt(WEI_DECIMALS) + BigInt((frac + "0".repeat(WEI_DECIMALS)).slice(0, WEI_DECIMALS));
  if (wei === 0n && o.allowZero === false) throw bad(flag, v, "must be more than 0");
  return wei;
}

/** Wei as ETH with the unit: 1500000000000000000n -> "1.5 ETH". */
export function formatEth(wei: bigint): string {
  return `${formatEther(wei)} ETH`;
}

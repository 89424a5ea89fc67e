/**
 * `zkpool node` configuration. Precedence, highest first: command-line flags > environment (ZKPOOL_*) >
 * config file (JSON) > built-in defaults. Every key, its env name and its flag are in CONFIG_KEYS.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve, dirname } from "node:path";
import { CliError, CliErrorCode } from "./errors.js";

export type LogLevel = "silent" | "error" | "warn" | "info" | "debug" | "trace";
export const LOG_LEVELS: readonly LogLevel[] = ["silent", "error", "warn", "info", "debug", "trace"];

export interface NodeConfig {
  /** Data directory: peer key, database, content store, keystore (default), api.json. */
  dataDir: string;
  /** libp2p listen multiaddrs. */
  listen: string[];
  /** Bootstrap peers (multiaddrs with /p2p/<peerId>). */
  bootstrap: string[];
  /** Chain RPC endpoint (stake, balances, settlement). */
  rpcUrl: string;
  /** Deployment file written by the chain's deploy step (<chainId>.json). Chain mode when set. */
  deployment?: string;
  /** Genesis stake file (static stake, no chain). Needs chainId and escrow. */
  genesis?: string;
  chainId?: string;
  escrow?: string;
  /** Encrypted operator keystore (ethers JSON keystore). Default <dataDir>/keystore.json. */
  keystore?: string;
  /** File whose first line is the keystore password. */
  passwordFile?: string;
  apiHost: string;
  /** HTTP status API port; 0 picks a free one (written to <dataDir>/api.json). */
  apiPort: number;
  logLevel: LogLevel;
  /** Prove tasks (else attest only). */
  prover: boolean;
  /** Proofs at the same time. */
  capacity: number;
  /** Threads per proof. */
  proverThreads: number;
  /** Bid this percentage of the task's maxReward (fixed-share pricing); unset = cost-plus pricing. */
  priceShare?: number;
  /** Cost-plus pricing: ETH per second of measured proving time (decimal ETH, e.g. "0.00000001"). */
  costPerSecond?: string;
  /** Submit settle() and reportDefault() transactions. */
  settle: boolean;
  /** Seconds a non-winner waits before settling for the winner. */
  graceSeconds: number;
  /** Loopback-friendly libp2p settings (local devnets and tests only). */
  devnet: boolean;
}

type Kind = "string" | "string[]" | "int" | "bool" | "number" | "level";
interface KeySpec { kind: Kind; env: string; flag: string; doc: string }

const spec = (kind: Kind, name: string, doc: string): KeySpec => ({
  kind,
  env: `ZKPOOL_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
  flag: `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  doc,
});

export const CONFIG_KEYS: Record<keyof NodeConfig, KeySpec> = {
  dataDir: spec("string", "dataDir", "data directory"),
  listen: spec("string[]", "listen", "libp2p listen multiaddrs (comma separated in env)"),
  bootstrap: spec("string[]", "bootstrap", "bootstrap multiaddrs (comma separated in env)"),
  rpcUrl: spec("string", "rpcUrl", "chain RPC URL"),
  deployment: spec("string", "deployment", "deployment file (<chainId>.json)"),
  genesis: spec("string", "genesis", "genesis stake file (no chain)"),
  chainId: spec("string", "chainId", "chain id (genesis mode)"),
  escrow: spec("string", "escrow", "escrow address (genesis mode)"),
  keystore: spec("string", "keystore", "encrypted keystore path"),
  passwordFile: spec("string", "passwordFile", "keystore password file"),
  apiHost: spec("string", "apiHost", "status API host"),
  apiPort: spec("int", "apiPort", "status API port (0 = free port)"),
  logLevel: spec("level", "logLevel", `log level (${LOG_LEVELS.join("|")})`),
  prover: spec("bool", "prover", "prove tasks (else attest only)"),
  capacity: spec("int", "capacity", "proofs at the same time"),
  proverThreads: spec("int", "proverThreads", "threads per proof"),
  priceShare: spec("number", "priceShare", "bid this % of maxReward"),
  costPerSecond: spec("string", "costPerSecond", "cost-plus pricing: ETH per second of proving (default 0.00000001)"),
  settle: spec("bool", "settle", "submit settle()/reportDefault()"),
  graceSeconds: spec("int", "graceSeconds", "seconds before settling for the winner"),
  devnet: spec("bool", "devnet", "loopback-friendly network (local only)"),
};

export function defaultConfig(): NodeConfig {
  return {
    dataDir: join(homedir(), ".zkpool"),
    listen: ["/ip4/0.0.0.0/tcp/0"],
    bootstrap: [],
    rpcUrl: "http://127.0.0.1:8545",
    apiHost: "127.0.0.1",
    apiPort: 7370,
    logLevel: "info",
    prover: false,
    capacity: 1,
    proverThreads: 1,
    settle: true,
    graceSeconds: 10,
    devnet: false,
  };
}

function bad(source: string, key: string, detail: string): CliError {
  return new CliError({ code: CliErrorCode.CONFIG_INVALID, key, path: source, detail }, `${source}: ${key} ${detail}`);
}

/** Check and convert one value (strings from env/flags are parsed; JSON values must have the right type). */
export function coerce(key: keyof NodeConfig, value: unknown, source: string): unknown {
  const k = CONFIG_KEYS[key].kind;
  const fromText = typeof value === "string";
  switch (k) {
    case "string":
      if (typeof value !== "string" || value === "") throw bad(source, key, "must be a non-empty string");
      return value;
    case "string[]":
      if (fromText) return (value).split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw bad(source, key, "must be a list of strings");
      return value;
    case "int": {
      const n = fromText && /^\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw bad(source, key, `must be a non-negative integer (got ${JSON.stringify(value)})`);
      return n;
    }
    case "number": {
      const n = fromText && (value).trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || n > 100) throw bad(source, key, `must be a number in (0, 100] (got ${JSON.stringify(value)})`);
      return n;
    }
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      throw bad(source, key, `must be true or false (got ${JSON.stringify(value)})`);
    case "level":
      if (typeof value !== "string" || !(LOG_LEVELS as readonly string[]).includes(value)) throw bad(source, key, `must be one of ${LOG_LEVELS.join(", ")} (got ${JSON.stringify(value)})`);
      return value;
  }
}

/** Read a JSON config file; relative paths inside it are relative to the file. */
export function readConfigFile(path: string): Partial<NodeConfig> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.CONFIG_INVALID, path, detail: "unreadable" }, `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.CONFIG_INVALID, path, detail: "not JSON" }, `config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CliError({ code: CliErrorCode.CONFIG_INVALID, path, detail: "not an object" }, `config file ${path} must hold a JSON object of settings`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    if (!(k in CONFIG_KEYS)) {
      throw new CliError({ code: CliErrorCode.CONFIG_INVALID, path, key: k, detail: "unknown key" },
        `config file ${path}: unknown key "${k}" (known: ${Object.keys(CONFIG_KEYS).join(", ")})`);
    }
    out[k] = coerce(k as keyof NodeConfig, v, path);
  }
  const base = dirname(resolve(path));
  for (const k of ["dataDir", "deployment", "genesis", "keystore", "passwordFile"] as const) {
    const v = out[k];
    if (typeof v === "string" && !isAbsolute(v)) out[k] = join(base, v);
  }
  return out;
}

/** The ZKPOOL_* variables that name config keys. */
export function envConfig(env: NodeJS.ProcessEnv): Partial<NodeConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(CONFIG_KEYS)) {
    const v = env[s.env];
    if (v !== undefined && v !== "") out[k] = coerce(k as keyof NodeConfig, v, `environment ${s.env}`);
  }
  return out;
}

/** flags > env > file > defaults. `flags` holds only the flags given on the command line. */
export function resolveConfig(flags: Partial<Record<keyof NodeConfig, unknown>>, env: NodeJS.ProcessEnv, file?: string): NodeConfig {
  const fromFile = file !== undefined ? readConfigFile(file) : {};
  const fromEnv = envConfig(env);
  const fromFlags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (v !== undefined) fromFlags[k] = coerce(k as keyof NodeConfig, v, `flag ${CONFIG_KEYS[k as keyof NodeConfig].flag}`);
  }
  return { ...defaultConfig(), ...fromFile, ...fromEnv, ...fromFlags };
}

export function keystorePath(c: Pick<NodeConfig, "keystore" | "dataDir">): string {
  return c.keystore ?? join(c.dataDir, "keystore.json");
}

/** Encrypted operator keystore: the ethers (Web3 secret storage v3) JSON keystore, scrypt + AES-128-CTR. */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { Wallet, decryptKeystoreJson, encryptKeystoreJson, isKeystoreJson } from "ethers";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * Where the keystore password comes from, highest first (as `--help` and the README document it):
 * `--password-file` flag > `ZKPOOL_PASSWORD` > the config's `passwordFile` (config file or ZKPOOL_PASSWORD_FILE) >
 * a terminal prompt.
 */
export interface PasswordSources {
  /** The --password-file flag given on the command line (highest). */
  file?: string;
  env: NodeJS.ProcessEnv;
  /** passwordFile from the config file / ZKPOOL_PASSWORD_FILE (below ZKPOOL_PASSWORD). */
  configFile?: string;
  /** Ask on the terminal when nothing else is given (and stdin is a TTY, or `ask` is given). */
  prompt?: boolean;
  /** Ask twice (creating a keystore). */
  confirm?: boolean;
  /** How to ask (tests, embedders). @default a hidden prompt on the terminal, only when stdin is a TTY */
  ask?: (question: string) => Promise<string>;
}

export type PasswordSourceKind = "flag" | "env" | "config" | "prompt" | "none";

/** Which source `resolvePassword` takes (no file is read). */
export function passwordSourceOf(s: PasswordSources): { kind: PasswordSourceKind; path?: string } {
  if (s.file !== undefined) return { kind: "flag", path: s.file };
  const env = s.env["ZKPOOL_PASSWORD"];
  if (env !== undefined && env !== "") return { kind: "env" };
  if (s.configFile !== undefined) return { kind: "config", path: s.configFile };
  if (s.prompt !== false && (s.ask !== undefined || process.stdin.isTTY === true)) return { kind: "prompt" };
  return { kind: "none" };
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, "utf8").split(/\r?\n/)[0] ?? "";
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.KEYSTORE_NO_PASSWORD, path }, `cannot read password file ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // hide typed characters
  const out = rl as unknown as { _writeToOutput?: (s: string) => void };
  out._writeToOutput = (s: string) => { if (s.includes(question)) process.stderr.write(s); };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/** Password from --password-file > ZKPOOL_PASSWORD > config passwordFile > terminal prompt. */
export async function resolvePassword(s: PasswordSources): Promise<string> {
  const src = passwordSourceOf(s);
  switch (src.kind) {
    case "flag":
    case "config":
      return readPasswordFile(src.path!);
    case "env":
      return s.env["ZKPOOL_PASSWORD"]!;
    case "prompt": {
      const q = s.ask ?? ask;
      const p = await q("keystore password: ");
      if (s.confirm === true && (await q("repeat password: ")) !== p) {
        throw new CliError({ code: CliErrorCode.KEYSTORE_NO_PASSWORD, detail: "mismatch" }, "the two passwords differ; run the command again");
      }
      return p;
    }
    case "none":
      throw new CliError({ code: CliErrorCode.KEYSTORE_NO_PASSWORD },
        "no keystore password: set ZKPOOL_PASSWORD, pass --password-file <file>, set passwordFile in the config, or run in a terminal to be asked");
  }
}

export interface KeystoreWriteOptions {
  /** scrypt N (cost). @default 131072 (ethers' default). Lower only for throwaway devnet keys. */
  scryptN?: number;
}

/** Encrypt `privateKey` with `password` into `path` (refuses to overwrite). Returns the address. */
export async function writeKeystore(path: string, privateKey: string, password: string, o: KeystoreWriteOptions = {}): Promise<string> {
  if (existsSync(path)) {
    throw new CliError({ code: CliErrorCode.KEYSTORE_EXISTS, path }, `a keystore already exists at ${path}; move it away or pass another --keystore path`);
  }
  let wallet: Wallet;
  try {
    wallet = new Wallet(privateKey);
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.BAD_PRIVATE_KEY }, "the private key must be 32 bytes of hex (0x followed by 64 hex digits)", { cause });
  }
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: o.scryptN ?? 131072 } });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, json, { mode: 0o600 });
  return wallet.address;
}

/** Address recorded in a keystore (no password needed). */
export function keystoreAddress(path: string): string {
  const json = readKeystoreText(path);
  return `0x${(JSON.parse(json) as { address: string }).address.replace(/^0x/, "")}`;
}

function readKeystoreText(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.KEYSTORE_MISSING, path }, `no keystore at ${path}; create one with \`zkpool keys create\` or import a key with \`zkpool keys import\``, { cause });
  }
  if (!isKeystoreJson(text)) throw new CliError({ code: CliErrorCode.KEYSTORE_MISSING, path, detail: "not a keystore" }, `${path} is not a JSON keystore`);
  return text;
}

/** Decrypt the keystore at `path`. A wrong password is CLI_KEYSTORE_BAD_PASSWORD. */
export async function unlockKeystore(path: string, password: string): Promise<Wallet> {
  const text = readKeystoreText(path);
  try {
    const account = await decryptKeystoreJson(text, password);
    return new Wallet(account.privateKey);
  } catch (cause) {
    const msg = (cause as Error).message ?? "";
    if (/incorrect password|invalid password/i.test(msg)) {
      throw new CliError({ code: CliErrorCode.KEYSTORE_BAD_PASSWORD, path }, `wrong password for keystore ${path}`, { cause });
    }
    throw new CliError({ code: CliErrorCode.KEYSTORE_MISSING, path, detail: msg }, `cannot decrypt keystore ${path}: ${msg}`, { cause });
  }
}

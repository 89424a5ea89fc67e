/**
 * Embedded local chain: anvil from the npm registry package @foundry-rs/anvil, started on a free port.
 * Always `await anvil.stop()` (tests do it in an `after` hook); a process exit also kills it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ChainError } from "./errors.js";

export interface AnvilInit {
  /** @default 31337 */
  chainId?: number;
  /** EVM hardfork, e.g. "cancun" (the contracts' evmVersion). @default anvil's latest */
  hardfork?: string;
  /** Seconds between automatically mined blocks; unset = mine on every transaction. */
  blockTime?: number;
  /** Path of the anvil binary. @default the one from @foundry-rs/anvil-<platform>-<arch> */
  binary?: string;
  /** Starting balance of each dev account, in ether. @default 10000 */
  balanceEther?: number;
  /** Number of funded dev accounts (the usual mnemonic). @default 10 */
  accounts?: number;
  /** How long to wait for anvil to listen. @default 10000 */
  startTimeoutMs?: number;
}

export interface Anvil {
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Private keys of the dev accounts anvil funds (the well-known "test test ... junk" mnemonic). */
export const ANVIL_DEV_MNEMONIC = "test test test test test test test test test test test junk";

const require = createRequire(import.meta.url);

/** Locates the platform anvil binary shipped by @foundry-rs/anvil. */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
  } catch (cause) {
    throw new ChainError({ code: "CHAIN_ANVIL_NOT_FOUND", pkg }, `anvil binary package ${pkg} is not installed; run npm install (or pass binary)`, { cause });
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts anvil on a free loopback port and resolves once it listens. */
export async function startAnvil(init: AnvilInit = {}): Promise<Anvil> {
  const chainId = init.chainId ?? 31337;
  const args = ["--host", "127.0.0.1", "--port", "0", "--chain-id", String(chainId)];
  args.push("--accounts", String(init.accounts ?? 10), "--balance", String(init.balanceEther ?? 10000));
  if (init.hardfork !== undefined) args.push("--hardfork", init.hardfork);
  if (init.blockTime !== undefined) args.push("--block-time", String(init.blockTime));
  const child = spawn(init.binary ?? anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => { live.delete(child); resolve(); }));

  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new ChainError({ code: "CHAIN_ANVIL_START_TIMEOUT" }, `anvil did not start listening in time; output:\n${output}`)), init.startTimeoutMs ?? 10_000);
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    }
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /Listening on [\d.]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume(); // keep draining so anvil never blocks on a full pipe
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => { output += c.toString(); });
    child.once("error", (err) => fail(new ChainError({ code: "CHAIN_ANVIL_SPAWN_FAILED" }, `could not run anvil: ${err.message}`, { cause: err })));
    child.once("exit", (code) => fail(new ChainError({ code: "CHAIN_ANVIL_EXITED", exitCode: code ?? -1 }, `anvil exited before listening (code ${code}); output:\n${output}`)));
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    chainId,
    pid: child.pid ?? -1,
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

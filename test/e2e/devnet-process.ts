/**
 * A `zkpool devnet` running as its own OS process (anvil and every node are its children), and the CLI run as
 * separate processes against it, as a user would. `stop()` interrupts the devnet with SIGINT (it stops its nodes
 * and anvil) and then kills whatever is still alive: no process outlives a test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DevnetProcess {
  child: ChildProcess;
  /** Everything the devnet printed so far (--json lines). */
  output(): string;
  /** The first `--json` event line named `name`. */
  event(name: string): Record<string, unknown> | undefined;
  /** --rpc-url and --deployment of the running pool. */
  chainFlags: string[];
  /** Multiaddrs of the pool nodes. */
  bootstrap: string[];
  rpcUrl: string;
  deployment: string;
  /** anvil and node pids. */
  pids: number[];
  /** Run the CLI with `args` (environment: PATH, HOME and `env` only). */
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** SIGINT, wait for the exit code, then SIGKILL anything left. */
  stop(): Promise<number | null>;
}

export const CLI = fileURLToPath(new URL("./bin.js", import.meta.resolve("@zkpool/cli")));

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the CLI once with only PATH, HOME and `env` in its environment. */
export function runCli(home: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env["PATH"] ?? "", HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let so = "", se = "";
    p.stdout.on("data", (d: Buffer) => (so += d.toString()));
    p.stderr.on("data", (d: Buffer) => (se += d.toString()));
    p.on("close", (code) => resolve({ code, stdout: so, stderr: se }));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL"); // nodes lead their own process group
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** Starts `zkpool --json devnet --tasks 0` with `args` and waits until it is idle (pool up, nothing to do). */
export async function startDevnetProcess(home: string, args: string[] = [], readyMs = 120_000): Promise<DevnetProcess> {
  const child = spawn(process.execPath, [CLI, "--json", "devnet", "--tasks", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const event = (name: string): Record<string, unknown> | undefined => {
    const l = out.split("\n").find((x) => x.includes(`"event":"${name}"`));
    return l === undefined ? undefined : (JSON.parse(l) as Record<string, unknown>);
  };
  const pids = (): number[] => {
    const nodes = out.split("\n").filter((l) => l.includes('"event":"node"')).map((l) => (JSON.parse(l) as { pid: number }).pid);
    const anvil = event("deployed")?.["anvilPid"] as number | undefined;
    return anvil === undefined ? nodes : [...nodes, anvil];
  };
  let stopped: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    stopped ??= (async () => {
      const started = pids();
      if (child.exitCode === null && child.pid !== undefined) {
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (child.exitCode === null) killGroup(child.pid);
      }
      for (const pid of started.filter(alive)) killGroup(pid);
      return child.exitCode ?? (await Promise.race([exited, Promise.resolve(null)]));
    })();
    return stopped;
  };
  const end = Date.now() + readyMs;
  while (event("idle") === undefined && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  const pool = event("requester");
  if (pool === undefined || event("idle") === undefined) {
    await stop();
    throw new Error(`the devnet did not come up:\n${out}`);
  }
  const rpcUrl = pool["rpcUrl"] as string;
  const deployment = pool["deployment"] as string;
  return {
    child, output: () => out, event, rpcUrl, deployment, chainFlags: ["--rpc-url", rpcUrl, "--deployment", deployment],
    bootstrap: pool["bootstrap"] as string[], pids: pids(), cli: (a, env) => runCli(home, a, env), stop,
  };
}

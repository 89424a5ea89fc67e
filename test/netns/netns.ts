/**
 * Linux network namespaces for the multi-host test: one bridge in the root namespace (with the host's IP, where
 * anvil and the SDK requester listen) and one namespace per pool node, joined to the bridge by a veth pair, each
 * with its own IP. Every name starts with `zkpn<pid>` (the mocha process's pid): `sweepLeftovers()` removes what
 * a dead run left behind (its processes, namespaces, links) and never touches a live run's.
 *
 * Impairment of each node's interface (its egress, as `tc qdisc add dev <veth-in-ns> root netem …` does):
 * - `netem`: the kernel's sch_netem on the namespace's veth end;
 * - `wire`: where the kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset: the Firecracker kernels of these
 *   machines), `wire.py` does the same in userspace: the node's link is cut in two (its veth peer `h<i>` and a
 *   second veth pair `w<i>`/`b<i>` whose `b<i>` is the bridge port) and frames are copied across with the delay,
 *   jitter and loss applied to the node's egress.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const PREFIX_BASE = "zkpn";

export interface Impairment {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

export type ImpairMode = "netem" | "wire";

function which(cmd: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])) {
    if (dir !== "" && existsSync(`${dir}/${cmd}`)) return `${dir}/${cmd}`;
  }
  return undefined;
}

const IP = which("ip") ?? "ip";
const TC = which("tc") ?? "tc";

/** Run a command; resolves with stdout, rejects with its stderr in the message. */
export function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 20_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

const ip = (...args: string[]): Promise<string> => sh(IP, args);
const quiet = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, () => undefined);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why this machine cannot run the suite (undefined when it can), and how links are impaired: not root, no ip or
 * tc, `ip netns add` refused; netem where the kernel has it, else the userspace wire (needs python3).
 */
export async function probe(): Promise<{ reason: string } | { mode: ImpairMode }> {
  if (process.platform !== "linux") return { reason: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { reason: "not root (network namespaces need CAP_NET_ADMIN)" };
  if (which("ip") === undefined) return { reason: "the ip command (iproute2) is missing" };
  if (which("tc") === undefined) return { reason: "the tc command (iproute2) is missing" };
  const ns = `${PREFIX_BASE}${process.pid}p`;
  try {
    await ip("netns", "add", ns);
  } catch (err) {
    return { reason: `ip netns add failed: ${(err as Error).message}` };
  }
  try {
    try {
      await ip("-n", ns, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1");
    } catch (err) {
      return { reason: `cannot create links in a namespace: ${(err as Error).message}` };
    }
    try {
      await sh(TC, ["-n", ns, "qdisc", "add", "dev", "probe0", "root", "netem", "delay", "1ms"]);
      return { mode: "netem" };
    } catch {
      // no sch_netem in this kernel: the userspace wire does the same
    }
    if (which("python3") === undefined) return { reason: "the kernel has no netem qdisc and python3 (for the userspace netem) is missing" };
    return { mode: "wire" };
  } finally {
    await quiet(ip("netns", "del", ns));
  }
}

async function namespaces(): Promise<string[]> {
  const out = await ip("netns", "list").catch(() => "");
  return out.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
}

async function links(): Promise<string[]> {
  const out = await ip("-o", "link", "show").catch(() => "");
  return out.split("\n").map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "").filter((n) => n !== "");
}

/** The pid a `zkpn<pid>…` name belongs to. */
function ownerPid(name: string): number | undefined {
  const m = new RegExp(`^${PREFIX_BASE}(\\d+)`).exec(name);
  return m === null ? undefined : Number(m[1]);
}

async function killNamespaceProcesses(ns: string): Promise<void> {
  const out = await ip("netns", "pids", ns).catch(() => "");
  for (const pid of out.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** `/tmp/zkpn<pid>.json`: processes a run started outside the namespaces (anvil, the wire), for the sweep. */
const stateFile = (owner: number): string => join(tmpdir(), `${PREFIX_BASE}${owner}.json`);

interface Tracked {
  pid: number;
  /** A part of its command line, so that a reused pid is never killed. */
  marker: string;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * Remove what a dead run (its pid is gone) left behind: the processes still in its namespaces, the processes it
 * recorded in its state file (when their command line still matches), its namespaces and links.
 */
export async function sweepLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const stale = (name: string): boolean => {
    const pid = ownerPid(name);
    return pid !== undefined && pid !== process.pid && !alive(pid);
  };
  for (const f of readdirSync(tmpdir()).filter((n) => /^zkpn\d+\.json$/.test(n) && stale(n))) {
    try {
      for (const t of JSON.parse(readFileSync(join(tmpdir(), f), "utf8")) as Tracked[]) {
        if (cmdline(t.pid).includes(t.marker)) {
          process.kill(t.pid, "SIGKILL");
          removed.push(`pid ${t.pid}`);
        }
      }
    } catch {
      /* unreadable or gone */
    }
    rmSync(join(tmpdir(), f), { force: true });
  }
  for (const ns of (await namespaces()).filter(stale)) {
    await killNamespaceProcesses(ns);
    await quiet(ip("netns", "del", ns));
    removed.push(ns);
  }
  for (const l of (await links()).filter(stale)) {
    await quiet(ip("link", "del", l));
    removed.push(l);
  }
  return removed;
}

/** A free 10.77.x.0/24 (no address or route of the host in it). */
async function freeSubnet(): Promise<string> {
  const used = (await ip("-4", "-o", "addr", "show")) + (await ip("-4", "route", "show"));
  for (let k = 0; k < 250; k++) {
    const x = (process.pid + k) % 250;
    if (!used.includes(`10.77.${x}.`)) return `10.77.${x}`;
  }
  throw new Error("no free 10.77.x.0/24 subnet");
}

export interface NsNode {
  index: number;
  ns: string;
  /** The node's interface, inside its namespace. */
  dev: string;
  ip: string;
}

/** Bridge + one namespace per node, each impaired the same way. `destroy()` removes everything. */
export class Topology {
  readonly nodes: NsNode[] = [];
  private wire: ChildProcess | undefined;
  private readonly tracked: Tracked[] = [];
  private wireLines: string[] = [];
  private wireWaiters: Array<(line: string) => void> = [];
  private destroyed = false;
  private readonly onExit = (): void => this.destroySync();

  private constructor(
    readonly prefix: string,
    readonly subnet: string,
    readonly mode: ImpairMode,
  ) {}

  get bridge(): string {
    return `${this.prefix}br`;
  }

  /** The root namespace's address on the bridge (anvil, the requester). */
  get hostIp(): string {
    return `${this.subnet}.1`;
  }

  static async create(n: number, mode: ImpairMode): Promise<Topology> {
    const t = new Topology(`${PREFIX_BASE}${process.pid}`, await freeSubnet(), mode);
    process.once("exit", t.onExit);
    try {
      await ip("link", "add", t.bridge, "type", "bridge");
      await ip("addr", "add", `${t.hostIp}/24`, "dev", t.bridge);
      await ip("link", "set", t.bridge, "up");
      for (let i = 0; i < n; i++) await t.addNode(i);
      if (mode === "wire") await t.startWire();
      return t;
    } catch (err) {
      await t.destroy();
      throw err;
    }
  }

  private async addNode(i: number): Promise<void> {
    const p = this.prefix;
    const node: NsNode = { index: i, ns: `${p}n${i}`, dev: `${p}c${i}`, ip: `${this.subnet}.${10 + i}` };
    await ip("netns", "add", node.ns);
    this.nodes.push(node);
    await ip("link", "add", node.dev, "type", "veth", "peer", "name", `${p}h${i}`);
    await ip("link", "set", node.dev, "netns", node.ns);
    const rootSide = this.mode === "wire" ? [`${p}h${i}`, `${p}w${i}`, `${p}b${i}`] : [`${p}h${i}`];
    if (this.mode === "wire") await ip("link", "add", `${p}w${i}`, "type", "veth", "peer", "name", `${p}b${i}`);
    for (const l of rootSide) await quiet(ip("link", "set", l, "addrgenmode", "none"));
    await ip("link", "set", this.mode === "wire" ? `${p}b${i}` : `${p}h${i}`, "master", this.bridge);
    for (const l of rootSide) await ip("link", "set", l, ...(this.mode === "wire" ? ["promisc", "on"] : []), "up");
    await ip("-n", node.ns, "addr", "add", `${node.ip}/24`, "dev", node.dev);
    await ip("-n", node.ns, "link", "set", node.dev, "up");
    await ip("-n", node.ns, "link", "set", "lo", "up");
  }

  /** Record a process started outside the namespaces, so that a later run's sweep ends it if this run dies. */
  track(pid: number | undefined, marker: string): void {
    if (pid === undefined) return;
    this.tracked.push({ pid, marker });
    writeFileSync(stateFile(process.pid), JSON.stringify(this.tracked));
  }

  private async startWire(): Promise<void> {
    const script = fileURLToPath(new URL("../../netns/wire.py", import.meta.url));
    const pairs = this.nodes.map((n) => `${this.prefix}h${n.index}:${this.prefix}w${n.index}`);
    const child = spawn("python3", [script, ...pairs], { stdio: ["pipe", "pipe", "pipe"] });
    this.wire = child;
    this.track(child.pid, pairs[0]!);
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const w = this.wireWaiters.shift();
      if (w !== undefined) w(line);
      else this.wireLines.push(line);
    });
    const ready = await Promise.race([
      this.wireLine(),
      new Promise<string>((resolve) => child.once("exit", (code) => resolve(`exited ${code}: ${err}`))),
    ]);
    if (ready !== "ready") throw new Error(`wire.py did not start: ${ready}`);
  }

  private wireLine(timeoutMs = 10_000): Promise<string> {
    const l = this.wireLines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("wire.py did not answer")), timeoutMs);
      this.wireWaiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  private async wireCommand(cmd: string): Promise<string> {
    if (this.wire?.stdin === null || this.wire === undefined || this.wire.exitCode !== null) throw new Error("wire.py is not running");
    this.wire.stdin.write(cmd + "\n");
    return this.wireLine();
  }

  /** Impair every node's interface (its egress) with this setting; replaces the previous one. */
  async impair(s: Impairment): Promise<void> {
    if (this.mode === "netem") {
      for (const n of this.nodes) {
        await sh(TC, ["-n", n.ns, "qdisc", "replace", "dev", n.dev, "root", "netem", "delay", `${s.delayMs}ms`, `${s.jitterMs}ms`, "loss", `${s.lossPct}%`]);
      }
    } else {
      const r = await this.wireCommand(`set ${s.delayMs} ${s.jitterMs} ${s.lossPct}`);
      if (r !== "ok") throw new Error(`wire.py: ${r}`);
    }
  }

  /** What the impairment did so far (wire mode): frames seen, delayed, dropped. */
  async wireStats(): Promise<Record<string, number> | undefined> {
    if (this.mode !== "wire") return undefined;
    return JSON.parse(await this.wireCommand("stats")) as Record<string, number>;
  }

  /** The argv that runs `cmd` inside node i's namespace (`ip netns exec` execs: the pid stays the same). */
  execArgs(i: number, cmd: string, args: string[]): { cmd: string; args: string[] } {
    return { cmd: IP, args: ["netns", "exec", this.nodes[i]!.ns, cmd, ...args] };
  }

  /** Names this topology created that still exist (namespaces and links of the root namespace). */
  async leftovers(): Promise<string[]> {
    const mine = (n: string): boolean => n.startsWith(this.prefix);
    return [...(await namespaces()).filter(mine), ...(await links()).filter(mine)];
  }

  /** Kill what still runs in the namespaces, stop the wire, delete namespaces, links and the bridge. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener("exit", this.onExit);
    if (this.wire !== undefined && this.wire.exitCode === null && this.wire.signalCode === null) {
      const exited = new Promise((resolve) => this.wire!.once("exit", resolve));
      this.wire.kill("SIGKILL");
      await exited;
    }
    for (const ns of (await namespaces()).filter((n) => n.startsWith(this.prefix))) {
      await killNamespaceProcesses(ns);
      await quiet(ip("netns", "del", ns));
    }
    for (const l of (await links()).filter((n) => n.startsWith(this.prefix))) await quiet(ip("link", "del", l));
    rmSync(stateFile(process.pid), { force: true });
  }

  /** Last resort at process exit (synchronous): the same as destroy(). */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const run = (args: string[]): string => {
      try {
        return execFileSync(IP, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      } catch {
        return "";
      }
    };
    try {
      this.wire?.kill("SIGKILL");
    } catch {
      /* gone */
    }
    for (const n of this.nodes) {
      for (const pid of run(["netns", "pids", n.ns]).split("\n").map(Number).filter((x) => x > 0)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      run(["netns", "del", n.ns]);
    }
    run(["link", "del", this.bridge]);
    for (const n of this.nodes) for (const l of ["h", "w"]) run(["link", "del", `${this.prefix}${l}${n.index}`]);
    for (const t of this.tracked) {
      try {
        if (cmdline(t.pid).includes(t.marker)) process.kill(t.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    rmSync(stateFile(process.pid), { force: true });
  }
}

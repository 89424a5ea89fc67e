/**
 * Resident memory of pool node processes, per role (issue 17: an idle attester uses at most 80 MB).
 *   node packages/cli/dist/bench/rss.js [tasks=4] [provers=1] [attesters=1] [interval=3]
 *   (RSS_IDLE_MS, RSS_AFTER_MS: how long the pool idles before the idle and after samples; 40 s each)
 * Starts `zkpool --json devnet --tasks 0` as its own process (anvil and every node are its children), samples
 * each node's RSS (/proc/<pid>/status VmRSS, else `ps -o rss=`) every 200 ms: at idle (the pool up, no task),
 * while tasks run (submitted here through the SDK by anvil dev account 7, which the devnet does not use) and
 * after they settled. Prints one line per node (`rss-node:`) and one per role, the largest node of that role:
 *   rss: role=<attester|prover> idle_mib=<x> attesting_peak_mib=<y> after_mib=<z>
 * and, at idle, each role's PSS and private memory (`rss-private:`) and each node's V8 heap (`rss-heap:`).
 * Then interrupts the devnet with SIGINT and checks that no process it started is left (exit code 1 if one was).
 */
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import { ANVIL_DEV_MNEMONIC } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { createClient, terminateSnarkjs, type TaskHandle, type ZkPoolClient } from "@zkpool/sdk";

const tasks = Number(process.argv[2] ?? 4);
const provers = Number(process.argv[3] ?? 1);
const attesters = Number(process.argv[4] ?? 1);
const interval = Number(process.argv[5] ?? 3);
/**
 * Idle: the median of this window, at the end of this much time after the last node came up (longer than the
 * prover module's idle timeout of 30 s, after which an unused worker thread is given back).
 */
const IDLE_SETTLE_MS = Number(process.env["RSS_IDLE_MS"] ?? 40_000);
const IDLE_WINDOW_MS = 5_000;
/** After: the median of the last IDLE_WINDOW_MS of this span after the last task ended. */
const AFTER_MS = Number(process.env["RSS_AFTER_MS"] ?? 40_000);
const ETH = 10n ** 18n;
const CLI = fileURLToPath(new URL("../src/bin.js", import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number): string => (kib / 1024).toFixed(1);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** RSS of a process in KiB, or undefined once it is gone. */
function rssKib(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m !== null) return Number(m[1]);
  } catch {
    /* no procfs (macOS) or gone */
  }
  try {
    const v = Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim());
    return Number.isFinite(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Proportional and private (unique) memory of a process in KiB, from /proc/<pid>/smaps_rollup (Linux only). RSS
 * counts the node binary's code pages in full (~50 MiB) though every node process on the machine shares them.
 */
function privateKib(pid: number): { pss: number; priv: number } | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const f = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(t)?.[1] ?? NaN);
    return { pss: f("Pss"), priv: f("Private_Clean") + f("Private_Dirty") };
  } catch {
    return undefined;
  }
}

/** OS threads of a process (main, libuv pool, V8 helpers, and every worker thread with its own helpers). */
function threadsOf(pid: number): string {
  try {
    return /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

type Phase = "startup" | "idle" | "tasks" | "after";
interface NodeProc { name: string; pid: number; role: "attester" | "prover"; api: string; samples: { t: number; phase: Phase; kib: number }[] }

/** The node's V8 heap at this moment, from its GET /metrics (prom-client default metrics), in MiB. */
async function heapOf(api: string): Promise<string> {
  try {
    const text = await (await fetch(`${api}/metrics`)).text();
    const v = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN) / 2 ** 20; // sample lines, not # HELP
    const space = (name: string): number => v(new RegExp(`heap_space_size_total_bytes\\{space="${name}"\\} (\\S+)`));
    return `heap_total_mib=${v(/^\w*nodejs_heap_size_total_bytes (\S+)$/m).toFixed(1)} heap_used_mib=${v(/^\w*nodejs_heap_size_used_bytes (\S+)$/m).toFixed(1)} ` +
      `new_space_mib=${space("new").toFixed(1)} old_space_mib=${space("old").toFixed(1)} code_space_mib=${space("code").toFixed(1)} external_mib=${v(/^\w*nodejs_external_memory_bytes (\S+)$/m).toFixed(1)}`;
  } catch (err) {
    return `metrics unavailable (${String(err)})`;
  }
}

async function main(): Promise<number> {
  const devnet = spawn(process.execPath, [CLI, "--json", "devnet", "--tasks", "0", "--provers", String(provers), "--attesters", String(attesters)],
    { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const events: Record<string, unknown>[] = [];
  let partial = "";
  devnet.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop()!;
    for (const l of lines) {
      try {
        events.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not a JSON line */
      }
    }
  });
  devnet.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => devnet.on("close", (code) => resolve(code)));
  const event = (name: string): Record<string, unknown> | undefined => events.find((e) => e["event"] === name);

  const nodes = new Map<number, NodeProc>();
  let phase: Phase = "startup";
  const sampler = setInterval(() => {
    for (const e of events) {
      if (e["event"] !== "node") continue;
      const pid = e["pid"] as number;
      if (!nodes.has(pid)) nodes.set(pid, { name: e["name"] as string, pid, role: e["role"] as "attester" | "prover", api: e["api"] as string, samples: [] });
    }
    const t = Date.now();
    for (const n of nodes.values()) {
      const kib = rssKib(n.pid);
      if (kib !== undefined) n.samples.push({ t, phase, kib });
    }
  }, 200);

  let client: ZkPoolClient | undefined;
  let code = 0;
  try {
    const end = Date.now() + 180_000;
    while (event("idle") === undefined && devnet.exitCode === null && Date.now() < end) await sleep(200);
    const pool = event("requester");
    if (pool === undefined || event("idle") === undefined) throw new Error(`the devnet did not come up:\n${out}`);

    await sleep(IDLE_SETTLE_MS - IDLE_WINDOW_MS);
    phase = "idle";
    await sleep(IDLE_WINDOW_MS);
    phase = "tasks";
    const heaps = await Promise.all([...nodes.values()].map(async (n) => `rss-heap: name=${n.name} idle ${await heapOf(n.api)}`));
    const shared = [...nodes.values()].map((n) => ({ role: n.role, m: privateKib(n.pid) }));

    const rpcUrl = pool["rpcUrl"] as string;
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1, batchMaxCount: 1 });
    const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/7");
    const signer = new Wallet(hd.privateKey, provider);
    client = await createClient({ signer, bootstrap: pool["bootstrap"] as string[], rpcUrl, deployment: pool["deployment"] as string, devnet: true });
    await client.deposit({ amount: 10n * ETH });
    const circuit = await loadCircuit("range-check-32", "groth16");
    const outcomes: Promise<string>[] = [];
    for (let k = 0; k < tasks; k++) {
      if (k > 0) await sleep(interval * 1000);
      const h: TaskHandle = await client.submitTask({
        circuit: "range-check-32", input: circuit.sampleInput, publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
        maxReward: ETH / 10n, windows: { bidWindow: 5, revealWindow: 5, proofWindow: 20, maxRounds: 2 },
      });
      outcomes.push(new Promise((resolve) => {
        h.once("settled", () => resolve("settled"));
        h.once("failed", (e) => resolve(`failed: ${e.reason}`));
      }));
    }
    const results = await Promise.race([Promise.all(outcomes), sleep(240_000).then(() => ["timed out"])]);
    const settled = results.filter((r) => r === "settled").length;
    process.stdout.write(`tasks: ${tasks} submitted, ${settled} settled${settled < tasks ? ` (${results.filter((r) => r !== "settled").join("; ")})` : ""}\n`);
    if (settled < tasks) code = 1;
    await client.close();
    client = undefined;
    provider.destroy();
    phase = "after";
    await sleep(AFTER_MS);
    clearInterval(sampler);

    const rows = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name)).map((n) => {
      const of = (p: Phase): number[] => n.samples.filter((s) => s.phase === p).map((s) => s.kib);
      const afterEnd = Math.max(...n.samples.map((s) => s.t));
      const idle = median(of("idle"));
      const peak = Math.max(...of("tasks"), ...of("after"));
      const after = median(n.samples.filter((s) => s.phase === "after" && s.t >= afterEnd - IDLE_WINDOW_MS).map((s) => s.kib));
      process.stdout.write(`rss-node: name=${n.name} pid=${n.pid} role=${n.role} startup_peak_mib=${mib(Math.max(...of("startup")))} idle_mib=${mib(idle)} attesting_peak_mib=${mib(peak)} after_mib=${mib(after)} threads_after=${threadsOf(n.pid)}\n`);
      return { role: n.role, idle, peak, after };
    });
    for (const h of heaps) process.stdout.write(`${h}\n`);
    for (const role of ["attester", "prover"] as const) {
      const r = shared.filter((x) => x.role === role && x.m !== undefined).map((x) => x.m!);
      if (r.length === 0) continue;
      process.stdout.write(`rss-private: role=${role} idle_pss_mib=${mib(Math.max(...r.map((x) => x.pss)))} idle_private_mib=${mib(Math.max(...r.map((x) => x.priv)))}\n`);
    }
    for (const role of ["attester", "prover"] as const) {
      const r = rows.filter((x) => x.role === role);
      if (r.length === 0) continue;
      const max = (f: (x: (typeof r)[number]) => number): string => mib(Math.max(...r.map(f)));
      process.stdout.write(`rss: role=${role} idle_mib=${max((x) => x.idle)} attesting_peak_mib=${max((x) => x.peak)} after_mib=${max((x) => x.after)}\n`);
    }
  } catch (err) {
    process.stderr.write(`rss bench failed: ${String(err)}\n`);
    code = 1;
  } finally {
    clearInterval(sampler);
    await client?.close().catch(() => undefined);
    await terminateSnarkjs();
    const started = [...nodes.keys(), ...((event("deployed")?.["anvilPid"] as number | undefined) !== undefined ? [event("deployed")!["anvilPid"] as number] : [])];
    if (devnet.exitCode === null && devnet.pid !== undefined) {
      devnet.kill("SIGINT");
      await Promise.race([exited, sleep(30_000)]);
    }
    await sleep(500);
    const left = started.filter(alive);
    if (devnet.exitCode === null && devnet.signalCode === null && devnet.pid !== undefined) left.push(devnet.pid);
    for (const pid of left) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    if (left.length > 0) {
      process.stderr.write(`processes left after SIGINT (killed): ${left.join(", ")}\n`);
      code = 1;
    } else {
      process.stdout.write(`stopped: devnet exit ${devnet.exitCode ?? devnet.signalCode}; none of ${started.length} started processes left\n`);
    }
  }
  return code;
}

process.exitCode = await main();
setTimeout(() => process.exit(process.exitCode), 2000).unref();

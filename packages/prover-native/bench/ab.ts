/**
 * Interleaved A/B of the native prover: a baseline binary and this build at two table budgets take turns proof
 * by proof (resident: one sidecar each, key loaded once; one-shot: `zkprover prove` in a fresh process), so a
 * shared machine's load hits all of them alike. Prints medians of N rounds of CPU and wall time.
 *
 *   node dist/bench/ab.js --baseline PATH_TO_OLD_zkprover [--runs 9] [--sizes 12,14,16] [--budgets 2,16]
 *
 * Uses the bench circuits of bench.ts (build/bench/c<power>/; run the bench once first).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { BUILD_DIR } from "../src/binary.js";
import { SidecarClient } from "../src/client.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Cfg {
  name: string;
  bin: string;
  budget?: string;
  oneShot: boolean;
  client?: SidecarClient;
  cpu: number[];
  wall: number[];
  oneWall: number[];
  oneCpu: number[];
}

async function main(): Promise<void> {
  const runs = Number(arg("--runs") ?? "9");
  const sizes = (arg("--sizes") ?? "12,14,16").split(",").map(Number);
  const budgets = (arg("--budgets") ?? "2,16").split(",");
  const baseline = arg("--baseline");
  const bin = process.env.ZKPROVER_BIN ?? `${BUILD_DIR}zkprover`;
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  for (const power of sizes) {
    const dir = `${BUILD_DIR}bench/c${power}/`;
    const zkey = `${dir}chain.zkey`;
    const wpath = `${dir}w.wtns`;
    const wtns = readFileSync(wpath);
    const cfgs: Cfg[] = [];
    if (baseline) cfgs.push({ name: "baseline", bin: baseline, oneShot: true, cpu: [], wall: [], oneWall: [], oneCpu: [] });
    budgets.forEach((b, i) => cfgs.push({ name: `new, budget ${b}`, bin, budget: b, oneShot: i === 0, cpu: [], wall: [], oneWall: [], oneCpu: [] }));
    try {
      for (const c of cfgs) {
        c.client = new SidecarClient({ binaryPath: c.bin });
        await c.client.start();
        const fields: Record<string, string> = { sha256: "k", path: zkey };
        if (c.budget !== undefined) fields.tableBudget = c.budget;
        const load = await c.client.request("load", fields, undefined, 600_000).reply;
        if (!load.ok) throw new Error(`load failed: ${load.message}`);
        await c.client.request("prove", { sha256: "k" }, wtns).reply; // warm-up
      }
      for (let i = 0; i < runs; i++) {
        for (const c of cfgs) {
          const t0 = performance.now();
          const r = await c.client!.request("prove", { sha256: "k" }, wtns).reply;
          if (!r.ok) throw new Error(`prove failed: ${r.message}`);
          c.wall.push(performance.now() - t0);
          c.cpu.push(Number(r.cpuMs));
          if (!c.oneShot) continue;
          const t1 = performance.now();
          const o = spawnSync("/usr/bin/time", ["-f", "TIME %U %S", c.bin, "prove", zkey, wpath, "/tmp/zkprover-ab-proof.json", "/tmp/zkprover-ab-public.json"], { encoding: "utf8" });
          c.oneWall.push(performance.now() - t1);
          const m = /TIME ([\d.]+) ([\d.]+)/.exec(o.stderr);
          c.oneCpu.push(m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN);
        }
      }
    } finally {
      for (const c of cfgs) await c.client?.stop();
    }
    for (const c of cfgs) {
      const one = c.oneShot ? `one-shot wall ${median(c.oneWall).toFixed(0)} ms, CPU ${median(c.oneCpu).toFixed(0)} ms` : "";
      console.log(`2^${power} ${c.name}: resident wall ${median(c.wall).toFixed(0)} ms, CPU ${median(c.cpu).toFixed(0)} ms  ${one}`);
    }
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

await main();

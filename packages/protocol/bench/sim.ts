/**
 * Network simulator (issue 15 item 5): the real protocol code in simulated time. The model (gossip, latency,
 * loss, bandwidth, single-core CPU queues, how measured CPU is charged, byzantine behaviour, what a safety
 * violation is) is stated in the header of `bench/sim-core.ts`.
 *
 *   npm run sim:network -w @zkpool/protocol -- --nodes 1000 --tasks 200 --rate 100
 *
 * Flags: --nodes --tasks --rate (tasks per simulated second) --committee (C) --latency-ms (median one-hop)
 * --latency-dist lognormal|uniform --loss (per hop) --bandwidth-mbps (uplink) --byzantine (fraction of nodes)
 * --byzantine-mode equivocate|withhold|badsig --seed --provers --aggregators --stake equal|skewed --reveal-at-ms
 * --cutoff-ms --certs secp|bls (default secp: the numbers of before stay reproducible; bls = BLS votes and
 * aggregate certificates, SPEC §11.10) --bls-votes batch|each (how BLS aggregators check votes) --stake-table
 * prepared|raw (default prepared: prepareStakeTable once per epoch; raw = the per-draw sort of before) --clock
 * wall|cpu (default wall, as before: wall time per real call; cpu = process.cpuUsage(), which leaves out the time
 * a shared machine keeps the process descheduled).
 * Prints a few human lines, then exactly one line:
 *   sim: nodes=<N> tasks=<T> tasks_per_s=<x> cpu_ms_per_task_per_node=<y> bytes_per_task_per_node=<z>
 *        p99_assign_ms=<w> safety_violations=<k>
 *
 * `--bench-draw` instead times (CPU-time medians) drawCommittee from the raw table against drawCommittee from a
 * prepared table (C = 128, N = 1,000 and 10,000), one line per N:
 *   draw: nodes=<N> committee=<C> raw_ms=<x> prepared_ms=<y> prepare_ms=<z> speedup=<x/y>
 */
import { readFileSync } from "node:fs";
import { getBytes, keccak256, toUtf8Bytes } from "ethers";
import { drawCommittee, prepareStakeTable } from "../src/index.js";
import { DEFAULT_SIM_OPTIONS, runSimulation, simLine, simReport, type SimOptions } from "./sim-core.js";

const FLAGS: Record<string, keyof SimOptions> = {
  "--nodes": "nodes",
  "--tasks": "tasks",
  "--rate": "rate",
  "--committee": "committee",
  "--latency-ms": "latencyMs",
  "--latency-dist": "latencyDist",
  "--loss": "loss",
  "--bandwidth-mbps": "bandwidthMbps",
  "--byzantine": "byzantine",
  "--byzantine-mode": "byzantineMode",
  "--seed": "seed",
  "--provers": "provers",
  "--aggregators": "aggregators",
  "--stake": "stake",
  "--reveal-at-ms": "revealAtMs",
  "--cutoff-ms": "cutoffMs",
  "--certs": "certs",
  "--bls-votes": "blsVotes",
  "--stake-table": "stakeTable",
  "--clock": "clock",
};
const CHOICES: Partial<Record<keyof SimOptions, readonly string[]>> = {
  latencyDist: ["lognormal", "uniform"],
  byzantineMode: ["equivocate", "withhold", "badsig"],
  stake: ["equal", "skewed"],
  certs: ["secp", "bls"],
  blsVotes: ["batch", "each"],
  stakeTable: ["prepared", "raw"],
  clock: ["wall", "cpu"],
};

export function parseSimArgs(argv: readonly string[]): Partial<SimOptions> {
  const out: Record<string, number | string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const key = FLAGS[flag];
    if (key === undefined) throw new Error(`sim: unknown flag ${flag} (known: ${Object.keys(FLAGS).join(" ")})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`sim: ${flag} needs a value`);
    const choices = CHOICES[key];
    if (choices !== undefined) {
      if (!choices.includes(value)) throw new Error(`sim: ${flag} must be one of ${choices.join(", ")}`);
      out[key] = value;
    } else {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`sim: ${flag} expects a number, got ${value}`);
      out[key] = n;
    }
  }
  return out;
}

/** Median CPU time (process.cpuUsage, 1 us resolution) of `fn` over at least `minReps` calls and ~`targetMs`. */
function medianMs(fn: () => unknown, minReps = 15, targetMs = 400): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < targetMs && times.length < 500)) {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

export function benchDraw(sizes: readonly number[] = [1_000, 10_000], committee = 128): string[] {
  const lines: string[] = [];
  for (const n of sizes) {
    const stakes = new Map<string, bigint>();
    for (let i = 0; i < n; i++) {
      const a = keccak256(toUtf8Bytes(`zkpool/sim/draw/${i}`)).slice(0, 42);
      stakes.set(a, 10n ** 18n + BigInt(keccak256(toUtf8Bytes(`stake/${i}`))) % 10n ** 20n);
    }
    const prepared = prepareStakeTable(stakes);
    let k = 0;
    const task = (): { taskId: Uint8Array; beacon: Uint8Array } => {
      const taskId = getBytes(keccak256(toUtf8Bytes(`task/${k++}`)));
      return { taskId, beacon: taskId };
    };
    const raw = medianMs(() => drawCommittee({ ...task(), stakes, size: committee }));
    const fast = medianMs(() => drawCommittee({ ...task(), stakes: prepared, size: committee }));
    const prep = medianMs(() => prepareStakeTable(stakes), 5);
    lines.push(
      `draw: nodes=${n} committee=${committee} raw_ms=${raw.toFixed(3)} prepared_ms=${fast.toFixed(3)} ` +
        `prepare_ms=${prep.toFixed(3)} speedup=${(raw / fast).toFixed(1)}`,
    );
  }
  return lines;
}

function main(): void {
  if (process.argv.includes("--bench-draw")) {
    console.log(
      `draw: medians of CPU time (process.cpuUsage) on one core of a shared machine, load ${readFileSync("/proc/loadavg", "utf8").trim()}; ` +
        `raw = drawCommittee from the Map (validate + sort N per draw), prepared = from prepareStakeTable's result`,
    );
    for (const line of benchDraw()) console.log(line);
    return;
  }
  const opts = { ...DEFAULT_SIM_OPTIONS, ...parseSimArgs(process.argv.slice(2)) };
  const result = runSimulation(opts);
  for (const line of simReport(result)) console.log(line);
  console.log(simLine(result));
}

main();

/**
 * Network simulator (issue 15 item 5): the real protocol code in simulated time. The model (gossip, latency,
 * loss, bandwidth, single-core CPU queues, how measured CPU is charged, byzantine behaviour, what a safety
 * violation is) is stated in the header of `bench/sim-core.ts`.
 *
 *   npm run sim:network -w @zkpool/protocol -- --nodes 1000 --tasks 200 --rate 100
 *
 * Flags: --nodes --tasks --rate (tasks per simulated second) --committee (C) --latency-ms (median one-hop)
 * --latency-dist lognormal|uniform --loss (per hop) --bandwidth-mbps (uplink) --byzantine (fraction of nodes)
 * --byzantine-mode equivocate|withhold --seed --provers --aggregators --stake equal|skewed --reveal-at-ms
 * --cutoff-ms. Prints a few human lines, then exactly one line:
 *   sim: nodes=<N> tasks=<T> tasks_per_s=<x> cpu_ms_per_task_per_node=<y> bytes_per_task_per_node=<z>
 *        p99_assign_ms=<w> safety_violations=<k>
 */
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
};
const CHOICES: Partial<Record<keyof SimOptions, readonly string[]>> = {
  latencyDist: ["lognormal", "uniform"],
  byzantineMode: ["equivocate", "withhold"],
  stake: ["equal", "skewed"],
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

function main(): void {
  const opts = { ...DEFAULT_SIM_OPTIONS, ...parseSimArgs(process.argv.slice(2)) };
  const result = runSimulation(opts);
  for (const line of simReport(result)) console.log(line);
  console.log(simLine(result));
}

main();

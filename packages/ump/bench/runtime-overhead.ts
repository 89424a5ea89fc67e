/**
 * Benchmark: the runtime's own per-job cost, without a prover. A worker test-double module that does no work
 * is called through WorkerPool directly and through the Ump runtime (dispatch, health, preflight, capacity
 * check, queue, progress, verify); prints the median ms per job and jobs per second for each, and their
 * difference = what the runtime adds to every proof. (The full-proof comparison against snarkjs is
 * test/dist/ump/bench-overhead.js.)
 *
 *   node packages/ump/dist/bench/runtime-overhead.js [--jobs 300]
 */
import { createUmp } from "../src/runtime/ump.js";
import { WorkerTestDoubleModule, doubleCircuit } from "../test/doubles/modules.js";

const i = process.argv.indexOf("--jobs");
const jobs = i >= 0 ? Number(process.argv[i + 1]) : 300;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
}

const direct = new WorkerTestDoubleModule({ id: "direct", workMs: 0 });
const viaUmp = new WorkerTestDoubleModule({ id: "via-ump", workMs: 0 });
const ump = createUmp({ modules: [viaUmp] });
await direct.start();
await ump.start();
const circuit = doubleCircuit();
let seq = 0;
const id = (): string => "0x" + (++seq).toString(16).padStart(64, "0");
try {
  const ways = [
    {
      name: "module.prove (worker round trip)",
      run: () => direct.prove({ taskId: id(), circuit, input: { workMs: 0 } }),
      t: [] as number[],
    },
    {
      name: "ump.prove (runtime + worker)",
      run: () => ump.prove({ taskId: id(), circuit, input: { workMs: 0 } }),
      t: [] as number[],
    },
  ];
  for (const w of ways) for (let k = 0; k < 20; k++) await w.run();
  for (let k = 0; k < jobs; k++) {
    for (const w of ways) {
      const t0 = performance.now();
      await w.run();
      w.t.push(performance.now() - t0);
    }
  }
  console.log(`runtime per-job overhead, ${jobs} sequential jobs each, node ${process.version}`);
  for (const w of ways) {
    const m = median(w.t);
    console.log(`${w.name.padEnd(34)} median ${m.toFixed(3)} ms  (${(1000 / m).toFixed(0)} jobs/s)`);
  }
  console.log(`runtime adds ${(median(ways[1]!.t) - median(ways[0]!.t)).toFixed(3)} ms per job (median)`);
} finally {
  await ump.stop();
  await direct.stop();
}

/**
 * Benchmark: UMP overhead. The same Groth16 proof (same circuit, same input, same process, runs interleaved)
 * three ways:
 *   direct   snarkjs.groth16.fullProve in this thread (what a user without the UMP would call);
 *   ump-lean the UMP runtime + snarkjs module, no verification anywhere (dispatch, queue, worker, hash checks);
 *   ump      the defaults: the module verifies in its worker and the runtime verifies again before returning.
 * The order of the three rotates every run. Prints the median ms, the ratio to direct (goal <= 1.05), proofs per minute, and the process-tree peak RSS
 * while each way ran.
 *
 *   node test/dist/ump/bench-overhead.js [--sizes 12,14,16] [--runs 5]
 *
 * Circuits: hash-chain-<k> Groth16 from @zkpool/circuits (k > 10 are built on demand:
 * `zkpool-circuits setup --circuit hash-chain-14 --system groth16 --ptau ../shared/data/pot16_dev.ptau`).
 */
import { availableParallelism } from "node:os";
import * as snarkjs from "snarkjs";
import { createUmp, startPeakSampler, type Ump } from "@zkpool/ump";
import { SnarkjsModule } from "@zkpool/prover-snarkjs";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import { tempDir } from "./fixtures.js";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const sizes = arg("sizes", "12,14,16")
  .split(",")
  .map((s) => Number(s.trim()));
const runs = Number(arg("runs", "5"));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Way {
  name: string;
  prove: (c: CatalogCircuit, i: number) => Promise<unknown>;
  times: number[];
  peakRss: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
}

const cache = await tempDir("ump-bench-cache-");
const umps: Ump[] = [];
const mkUmp = async (verify: boolean): Promise<Ump> => {
  const u = createUmp({
    verifyProofs: verify,
    modules: [new SnarkjsModule({ cacheDir: cache.dir, verifyProofs: verify, timeoutMs: 600_000 })],
    minJobTimeoutMs: 600_000,
  });
  await u.start();
  umps.push(u);
  return u;
};

try {
  const lean = await mkUmp(false);
  const full = await mkUmp(true);
  let seq = 0;
  const viaUmp = (u: Ump) => (c: CatalogCircuit) =>
    u.prove({ taskId: "0x" + (++seq).toString(16).padStart(64, "0"), circuit: c, input: c.sampleInput });
  console.log(
    `UMP overhead, Groth16, ${runs} interleaved runs per way, ${availableParallelism()} CPUs, node ${process.version}`,
  );
  console.log("size  constraints  way       median_ms  ratio  proofs/min  peak_rss_MiB");
  for (const k of sizes) {
    let c: CatalogCircuit;
    try {
      c = await loadCircuit(`hash-chain-${k}`, "groth16");
    } catch (err) {
      console.log(`2^${k}: skipped (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const ways: Way[] = [
      {
        name: "direct",
        prove: (cc) => snarkjs.groth16.fullProve(cc.sampleInput, cc.wasm.path, cc.zkey.path, silent),
        times: [],
        peakRss: 0,
      },
      { name: "ump-lean", prove: viaUmp(lean), times: [], peakRss: 0 },
      { name: "ump", prove: viaUmp(full), times: [], peakRss: 0 },
    ];
    for (const w of ways) await w.prove(c, -1); // warm-up: first proof in a thread pays curve and WASM start-up
    for (let i = 0; i < runs; i++) {
      // Rotate the order every run so no way always runs right after another.
      for (const w of [...ways.slice(i % ways.length), ...ways.slice(0, i % ways.length)]) {
        const sampler = startPeakSampler(20);
        const t0 = performance.now();
        await w.prove(c, i);
        w.times.push(performance.now() - t0);
        w.peakRss = Math.max(w.peakRss, sampler.stop().peakRssBytes);
      }
    }
    const base = median(ways[0]!.times);
    for (const w of ways) {
      const m = median(w.times);
      console.log(
        `2^${k}  ${String(c.constraints).padStart(11)}  ${w.name.padEnd(8)}  ${m.toFixed(0).padStart(9)}  ${(m / base).toFixed(3)}  ${(60_000 / m).toFixed(1).padStart(10)}  ${(w.peakRss / 1048576).toFixed(0).padStart(12)}`,
      );
    }
  }
} finally {
  for (const u of umps) await u.stop();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate();
  await cache.remove();
}

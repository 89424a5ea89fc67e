/**
 * Benchmark of the snarkjs module: prove and verify times per circuit size and proof system, on this
 * machine, through the module (worker thread, hash-checked artifacts, self-verification included).
 *
 *   node packages/prover-snarkjs/dist/bench/prove.js [--circuits a,b] [--systems groth16,plonk] [--runs N]
 *        [--threads T] [--no-self-verify] [--json]
 *
 * Circuits that are not built are skipped with the command that builds them. Larger hash chains:
 *   zkpool-circuits setup --circuit hash-chain-16 --system groth16 --ptau /work/shared/data/pot16_dev.ptau
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CircuitsError, loadCircuit } from "@zkpool/circuits";
import type { CatalogCircuit } from "@zkpool/circuits";
import type { ProofSystem } from "@zkpool/ump";
import { SnarkjsModule } from "../src/index.js";

const { values } = parseArgs({
  options: {
    circuits: {
      type: "string",
      default: "range-check-32,hash-chain-10,merkle-10,hash-chain-12,hash-chain-14,hash-chain-16",
    },
    systems: { type: "string", default: "groth16,plonk,fflonk" },
    runs: { type: "string", default: "5" },
    threads: { type: "string" },
    "no-self-verify": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const runs = Math.max(1, Number.parseInt(values.runs, 10));
const threads = values.threads === undefined ? availableParallelism() : Number.parseInt(values.threads, 10);

function stats(xs: number[]): { median: number; min: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median, min: s[0]!, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

const cacheDir = await mkdtemp(join(tmpdir(), "zkpool-bench-"));
const mod = new SnarkjsModule({ cacheDir, threads, verifyProofs: !values["no-self-verify"] });
await mod.start();

console.error(
  `snarkjs module bench: ${runs} runs after 1 warm-up, threads=${threads}, self-verify=${!values["no-self-verify"]}, node ${process.version}`,
);
if (!values.json) {
  console.log(
    [
      "circuit",
      "system",
      "constraints",
      "prove_ms_median",
      "prove_ms_min",
      "verify_ms_median",
      "proofs_per_min",
      "peak_rss_mb",
    ].join("\t"),
  );
}
try {
  for (const name of values.circuits.split(",")) {
    for (const system of values.systems.split(",") as ProofSystem[]) {
      let circuit: CatalogCircuit;
      try {
        circuit = await loadCircuit(name, system);
      } catch (err) {
        if (err instanceof CircuitsError && err.code === "NOT_BUILT") {
          console.error(
            `skip ${name} ${system}: not built (zkpool-circuits setup --circuit ${name} --system ${system} --ptau <file>)`,
          );
          continue;
        }
        throw err;
      }
      await mod.prove({ taskId: "0x00", circuit, input: circuit.sampleInput }); // warm-up (cache import)
      const prove: number[] = [];
      const verify: number[] = [];
      let peakRss = process.memoryUsage.rss();
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }, 20);
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const r = await mod.prove({ taskId: "0x00", circuit, input: circuit.sampleInput });
        prove.push(performance.now() - t0);
        const t1 = performance.now();
        const ok = await mod.verify(circuit, r.proof, r.publicSignals);
        verify.push(performance.now() - t1);
        if (!ok) throw new Error(`${name} ${system}: proof does not verify`);
      }
      clearInterval(sampler);
      const p = stats(prove);
      const v = stats(verify);
      const row = {
        circuit: name,
        system,
        constraints: circuit.constraints,
        proveMsMedian: Math.round(p.median),
        proveMsMin: Math.round(p.min),
        verifyMsMedian: Math.round(v.median),
        proofsPerMinute: Math.round((60_000 / p.median) * 10) / 10,
        peakRssMb: Math.round(peakRss / 2 ** 20),
      };
      if (values.json) console.log(JSON.stringify(row));
      else console.log(Object.values(row).join("\t"));
    }
  }
} finally {
  await mod.stop();
  await rm(cacheDir, { recursive: true, force: true });
}

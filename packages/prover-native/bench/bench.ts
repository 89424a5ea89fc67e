/**
 * Native sidecar vs snarkjs (WASM) Groth16 proving time on Poseidon-chain circuits at 2^12, 2^14, 2^16
 * constraints, side by side in one run. Circuits are built on first use into build/bench/ with the dev
 * powers of tau (default /work/shared/data/pot16_dev.ptau, or $ZKPOOL_PTAU16; INSECURE, bench only).
 *
 *   npm run bench -w @zkpool/prover-native            (or: node dist/bench/bench.js [--runs N] [--sizes 12,14])
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { BUILD_DIR } from "../src/binary.js";
import { SidecarClient } from "../src/client.js";

const PKG = fileURLToPath(new URL("../../", import.meta.url));
const PTAU = process.env.ZKPOOL_PTAU16 ?? "/work/shared/data/pot16_dev.ptau";
// Poseidon(2) is 517 constraints in circom2's default build: chains sized just under each power of two
const HASHES: Record<number, number> = { 10: 1, 12: 7, 14: 31, 16: 126 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function ensureCircuit(power: number): string {
  const dir = `${BUILD_DIR}bench/c${power}/`;
  if (!existsSync(`${dir}chain.zkey`)) {
    if (!existsSync(PTAU)) throw new Error(`powers of tau not found at ${PTAU}; set ZKPOOL_PTAU16`);
    console.log(`building the 2^${power} circuit (${HASHES[power]} Poseidon hashes) in ${dir} ...`);
    execFileSync(`${PKG}scripts/make-circuit.sh`, [String(HASHES[power]), PTAU, dir], { stdio: "inherit" });
  }
  if (!existsSync(`${dir}w.wtns`)) {
    writeFileSync(`${dir}input.json`, JSON.stringify({ a: "1", b: "2" }));
    execFileSync(`${PKG}../../node_modules/.bin/snarkjs`, ["wtns", "calculate", `${dir}chain.wasm`, `${dir}input.json`, `${dir}w.wtns`], { stdio: "ignore" });
  }
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const runs = Number(arg("--runs") ?? "3");
  const sizes = (arg("--sizes") ?? "12,14,16").split(",").map(Number);
  const sidecar = new SidecarClient({ binaryPath: process.env.ZKPROVER_BIN ?? `${BUILD_DIR}zkprover` });
  const info = await sidecar.start();
  console.log(`device: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; sidecar ${info.device}, ${info.threads} threads`);
  const rows: string[][] = [
    ["constraints", "snarkjs ms", "native ms", "speedup (wall)", "snarkjs CPU ms", "native CPU ms", "speedup (CPU)", "native msm ms", "native ntt ms"],
  ];
  try {
    for (const power of sizes) {
      const dir = ensureCircuit(power);
      const zkey = `${dir}chain.zkey`;
      const wtnsPath = `${dir}w.wtns`;
      const wtns = readFileSync(wtnsPath);
      const vkey: unknown = JSON.parse(readFileSync(`${dir}chain.vkey.json`, "utf8"));

      // snarkjs (warm-up proof first: the first proof in a process pays ~0.6 s of setup)
      await snarkjs.groth16.prove(zkey, wtnsPath);
      const sj: number[] = [];
      const sjCpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await snarkjs.groth16.prove(zkey, wtnsPath);
        sj.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        sjCpu.push((c.user + c.system) / 1000);
      }

      // native sidecar: key loaded once (kept resident), witness sent as bytes
      const sha = `bench-${power}`;
      const load = await sidecar.request("load", { sha256: sha, path: zkey }).reply;
      if (!load.ok) throw new Error(`load failed: ${load.message}`);
      const nat: number[] = [];
      const msm: number[] = [];
      const ntt: number[] = [];
      const natCpu: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const t0 = performance.now();
        const res = await sidecar.request("prove", { sha256: sha }, wtns).reply;
        const dt = performance.now() - t0;
        if (!res.ok) throw new Error(`native prove failed: ${res.message}`);
        if (i === 0) {
          const ok = await snarkjs.groth16.verify(vkey, res.publicSignals as string[], res.proof);
          if (!ok) throw new Error("native proof does not verify");
          continue; // warm-up
        }
        nat.push(dt);
        msm.push(Number(res.msm));
        ntt.push(Number(res.ntt));
        natCpu.push(Number(res.cpuMs));
      }
      const s = median(sj);
      const n = median(nat);
      const domain = load.domainSize as number;
      const sc = median(sjCpu);
      const nc = median(natCpu);
      rows.push([
        `2^${power} (domain ${domain})`,
        s.toFixed(0), n.toFixed(0), `${(s / n).toFixed(2)}x`,
        sc.toFixed(0), nc.toFixed(0), `${(sc / nc).toFixed(2)}x`,
        median(msm).toFixed(0), median(ntt).toFixed(0),
      ]);
      console.log(rows[rows.length - 1]!.join("  |  "));
    }
  } finally {
    await sidecar.stop();
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
  }
  console.log("");
  console.log("| " + rows[0]!.join(" | ") + " |");
  console.log("|" + rows[0]!.map(() => "---").join("|") + "|");
  for (const r of rows.slice(1)) console.log("| " + r.join(" | ") + " |");
}

await main();

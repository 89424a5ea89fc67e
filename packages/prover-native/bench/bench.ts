/**
 * Native sidecar vs snarkjs (WASM) Groth16 proving time on Poseidon-chain circuits at 2^12, 2^14, 2^16
 * constraints, side by side in one run. Circuits are built on first use into build/bench/ with the dev
 * powers of tau (default /work/shared/data/pot16_dev.ptau, or $ZKPOOL_PTAU16; INSECURE, bench only).
 *
 *   npm run bench -w @zkpool/prover-native
 *   node dist/bench/bench.js [--runs N] [--sizes 12,14] [--table-budget X[,Y...]] [--baseline PATH_TO_OLD_zkprover]
 *
 * Modes per size: snarkjs (warm process); native resident (key loaded once into the sidecar, fixed-base
 * tables built at load within the budget, N proofs); native one-shot (`zkprover prove`, a fresh process per
 * proof: key load + proof; GLV copies only, no shifted tables). Several --table-budget values give one
 * resident row each (the first is the headline row). With --baseline, the same two native modes for another binary (e.g. the
 * previous version) so before/after come out of one run. Also prints the witness scalar structure (0, 1,
 * small < 2^16, large) of the bench circuits and of the packages/circuits demo artifacts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { BUILD_DIR } from "../src/binary.js";
import { SidecarClient } from "../src/client.js";

const PKG = fileURLToPath(new URL("../../", import.meta.url));
const ROOT = `${PKG}../../`;
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
    execFileSync(`${ROOT}node_modules/.bin/snarkjs`, ["wtns", "calculate", `${dir}chain.wasm`, `${dir}input.json`, `${dir}w.wtns`], { stdio: "ignore" });
  }
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Fractions of witness values that are 0, 1, small (2 .. 2^16-1) and large, from a .wtns file. */
export function witnessStructure(wtns: Uint8Array): { n: number; zero: number; one: number; small: number; large: number } {
  const dv = new DataView(wtns.buffer, wtns.byteOffset, wtns.byteLength);
  let p = 12;
  const nSections = dv.getUint32(8, true);
  let n = 0;
  const out = { n: 0, zero: 0, one: 0, small: 0, large: 0 };
  for (let s = 0; s < nSections; s++) {
    const type = dv.getUint32(p, true);
    const size = Number(dv.getBigUint64(p + 4, true));
    p += 12;
    if (type === 1) n = dv.getUint32(p + 36, true);
    if (type === 2) {
      for (let i = 0; i < n; i++) {
        const o = p + i * 32;
        let high = 0;
        for (let b = 2; b < 32; b++) high |= wtns[o + b]!;
        const low = wtns[o]! | (wtns[o + 1]! << 8);
        if (high !== 0) out.large++;
        else if (low === 0) out.zero++;
        else if (low === 1) out.one++;
        else out.small++;
      }
    }
    p += size;
  }
  out.n = n;
  return out;
}

function pct(x: number, n: number): string {
  return `${((100 * x) / n).toFixed(1)}%`;
}

interface NativeResult {
  wall: number;
  cpu: number;
  msm: number;
  ntt: number;
  tableBytes?: number;
  tableBuildMs?: number;
  tables?: string;
}

async function runResident(bin: string, power: number, runs: number, budget: string | undefined, vkey: unknown): Promise<NativeResult> {
  const dir = ensureCircuit(power);
  const zkey = `${dir}chain.zkey`;
  const wtns = readFileSync(`${dir}w.wtns`);
  const sidecar = new SidecarClient({ binaryPath: bin });
  await sidecar.start();
  const r: NativeResult = { wall: 0, cpu: 0, msm: 0, ntt: 0 };
  try {
    // resident: key loaded once (kept resident, tables built at load), witness sent as bytes
    const sha = `bench-${power}`;
    const fields: Record<string, string> = { sha256: sha, path: zkey };
    if (budget !== undefined) fields.tableBudget = budget;
    const load = await sidecar.request("load", fields, undefined, 600_000).reply;
    if (!load.ok) throw new Error(`load failed: ${load.message}`);
    if (typeof load.tableBytes === "number") {
      r.tableBytes = load.tableBytes;
      r.tableBuildMs = Number(load.tableBuildMs);
      r.tables = String(load.tables);
    }
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
        if (!ok) throw new Error(`native proof (${bin}) does not verify`);
        continue; // warm-up
      }
      nat.push(dt);
      msm.push(Number(res.msm));
      ntt.push(Number(res.ntt));
      natCpu.push(Number(res.cpuMs));
    }
    r.wall = median(nat);
    r.cpu = median(natCpu);
    r.msm = median(msm);
    r.ntt = median(ntt);
  } finally {
    await sidecar.stop();
  }
  return r;
}

// one-shot: a fresh process per proof (zkey read + parse + proof), CPU from /usr/bin/time (user + sys)
async function runOneShot(bin: string, power: number, runs: number, vkey: unknown): Promise<{ wall: number; cpu: number }> {
  const dir = ensureCircuit(power);
  const tmp = mkdtempSync(`${tmpdir()}/zkbench-`);
  const ow: number[] = [];
  const oc: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = spawnSync("/usr/bin/time", ["-f", "TIME %U %S", bin, "prove", `${dir}chain.zkey`, `${dir}w.wtns`, `${tmp}/proof.json`, `${tmp}/public.json`], { encoding: "utf8" });
    ow.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`one-shot prove failed: ${p.stderr}`);
    const m = /TIME ([\d.]+) ([\d.]+)/.exec(p.stderr);
    oc.push(m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN);
    if (i === 0) {
      const proof: unknown = JSON.parse(readFileSync(`${tmp}/proof.json`, "utf8"));
      const pub = JSON.parse(readFileSync(`${tmp}/public.json`, "utf8")) as string[];
      if (!(await snarkjs.groth16.verify(vkey, pub, proof))) throw new Error(`one-shot proof (${bin}) does not verify`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return { wall: median(ow), cpu: median(oc) };
}

function demoWitnesses(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const art = `${ROOT}packages/circuits/artifacts/`;
  for (const name of ["range-check-32", "hash-chain-10", "merkle-10"]) {
    const metaPath = `${art}${name}/meta.json`;
    if (!existsSync(metaPath)) continue;
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { sampleInput: unknown; wasm: { file: string } };
    const dir = `${BUILD_DIR}bench/demo-${name}/`;
    const w = `${dir}w.wtns`;
    if (!existsSync(w)) {
      execFileSync("mkdir", ["-p", dir]);
      writeFileSync(`${dir}input.json`, JSON.stringify(meta.sampleInput));
      execFileSync(`${ROOT}node_modules/.bin/snarkjs`, ["wtns", "calculate", `${art}${name}/${meta.wasm.file}`, `${dir}input.json`, w], { stdio: "ignore" });
    }
    out.push({ name, path: w });
  }
  return out;
}

async function main(): Promise<void> {
  const runs = Number(arg("--runs") ?? "3");
  const sizes = (arg("--sizes") ?? "12,14,16").split(",").map(Number);
  // resident-mode table budgets (multiples of the key's G1 point bytes); the first is the headline row
  const budgets: (string | undefined)[] = arg("--table-budget")?.split(",") ?? [undefined];
  const baseline = arg("--baseline");
  const bin = process.env.ZKPROVER_BIN ?? `${BUILD_DIR}zkprover`;
  const probe = new SidecarClient({ binaryPath: bin });
  const info = await probe.start();
  await probe.stop();
  console.log(`device: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; sidecar ${info.device}, ${info.threads} threads`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const rows: string[][] = [
    ["constraints", "snarkjs ms", "native ms", "speedup (wall)", "snarkjs CPU ms", "native CPU ms", "speedup (CPU)", "native msm ms", "native ntt ms"],
  ];
  const extra: string[][] = [
    ["constraints", "binary", "resident wall ms", "resident CPU ms", "one-shot wall ms", "one-shot CPU ms", "table MiB", "table build ms", "MSMs with tables"],
  ];
  const wrows: string[][] = [["circuit", "witness values", "0", "1", "small (< 2^16)", "large"]];
  const addW = (name: string, path: string): void => {
    const s = witnessStructure(readFileSync(path));
    wrows.push([name, String(s.n), pct(s.zero, s.n), pct(s.one, s.n), pct(s.small, s.n), pct(s.large, s.n)]);
    console.log(`witness ${name}: ${wrows[wrows.length - 1]!.slice(1).join("  |  ")}`);
  };
  try {
    for (const d of demoWitnesses()) addW(d.name, d.path);
    for (const power of sizes) {
      const dir = ensureCircuit(power);
      addW(`bench 2^${power}`, `${dir}w.wtns`);
      const zkey = `${dir}chain.zkey`;
      const wtnsPath = `${dir}w.wtns`;
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
      const s = median(sj);
      const sc = median(sjCpu);



      const bins: [string, string][] = [["new", bin]];
      if (baseline) bins.push(["baseline", baseline]);
      for (const [label, b] of bins) {
        const one = await runOneShot(b, power, runs, vkey);
        // the baseline binary knows no tables: one resident run for it
        for (const budget of label === "new" ? budgets : [undefined]) {
          const n = await runResident(b, power, runs, budget, vkey);
          if (label === "new" && budget === budgets[0]) {
            rows.push([
              `2^${power} (domain ${2 ** power})`,
              s.toFixed(0), n.wall.toFixed(0), `${(s / n.wall).toFixed(2)}x`,
              sc.toFixed(0), n.cpu.toFixed(0), `${(sc / n.cpu).toFixed(2)}x`,
              n.msm.toFixed(0), n.ntt.toFixed(0),
            ]);
            console.log(rows[rows.length - 1]!.join("  |  "));
          }
          extra.push([
            `2^${power}`, label + (label === "new" ? ` (budget ${budget ?? "default"})` : ""),
            n.wall.toFixed(0), n.cpu.toFixed(0), one.wall.toFixed(0), one.cpu.toFixed(0),
            n.tableBytes === undefined ? "-" : (n.tableBytes / 2 ** 20).toFixed(1),
            n.tableBuildMs === undefined ? "-" : n.tableBuildMs.toFixed(0),
            n.tables ?? "-",
          ]);
          console.log(`modes ${extra[extra.length - 1]!.join("  |  ")}  (snarkjs ${s.toFixed(0)} ms wall, ${sc.toFixed(0)} ms CPU)`);
        }
      }
    }
  } finally {
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const table = (t: string[][]): void => {
    console.log("");
    console.log("| " + t[0]!.join(" | ") + " |");
    console.log("|" + t[0]!.map(() => "---").join("|") + "|");
    for (const r of t.slice(1)) console.log("| " + r.join(" | ") + " |");
  };
  table(rows);
  table(extra);
  table(wrows);
}

await main();

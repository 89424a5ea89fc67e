#!/usr/bin/env node
// Builds the native prover sidecar into packages/prover-native/build/.
//   build/zkprover       CPU build (g++ -O3 -march=native), always attempted
//   build/zkprover-cuda  CPU + CUDA build, only when nvcc is present (selects CUDA at runtime when a device exists)
// A machine without a compiler still installs: this prints why and exits 0; the module then reports itself
// unavailable and the node proves with the WASM module.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(pkg, "native");
const out = join(pkg, "build");
mkdirSync(out, { recursive: true });
const force = process.argv.includes("--force");

function has(cmd) {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}
function newestSource() {
  return Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
}
function upToDate(bin) {
  return !force && existsSync(bin) && statSync(bin).mtimeMs > newestSource();
}
function run(cmd, args) {
  console.log(`[prover-native] ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", cwd: src });
}

const cxx = process.env.CXX ?? "g++";
const unavailable = join(out, "UNAVAILABLE.txt");
if (!has(cxx)) {
  const msg =
    `[prover-native] no C++ compiler (${cxx}) found: the native prover is not built and the node will prove ` +
    `with the WASM module. Install one (Debian/Ubuntu: apt-get install g++) and run npm run build:native.`;
  console.warn(msg);
  writeFileSync(unavailable, msg + "\n");
  process.exit(0);
}
rmSync(unavailable, { force: true });

const cpuBin = join(out, "zkprover");
// -fno-tree-slp-vectorize: GCC's SLP pass packs the four 8-byte limb stores of a field element into one
// vector store (and copies elements with vector moves); the next multiplication then reads the limbs with
// 8-byte loads, which the CPU cannot forward from a vector store, a ~10-20 cycle stall per dependent
// operation (bench/fieldbench.cpp: Fq mul chain 22.0 -> 19.6 ns, G1 batch-affine add 148 -> 126 ns).
const common = ["-O3", "-std=c++17", "-pthread", "-Wall", "-Wno-unused-function", "-fno-tree-slp-vectorize"];
const march = process.env.ZKPROVER_MARCH ?? "native";
if (upToDate(cpuBin)) {
  console.log("[prover-native] build/zkprover is up to date");
} else {
  try {
    run(cxx, [...common, `-march=${march}`, "-o", cpuBin, "main.cpp", "gpu_stub.cpp"]);
  } catch {
    const msg = "[prover-native] the C++ build failed: the node will prove with the WASM module.";
    console.warn(msg);
    writeFileSync(unavailable, msg + "\n");
    process.exit(0);
  }
}

const nvcc = process.env.NVCC ?? (existsSync("/usr/local/cuda/bin/nvcc") ? "/usr/local/cuda/bin/nvcc" : "nvcc");
const cudaBin = join(out, "zkprover-cuda");
if (process.env.ZKPROVER_NO_CUDA === "1" || !has(nvcc)) {
  console.log("[prover-native] nvcc not found: CUDA build skipped (CPU only)");
} else if (upToDate(cudaBin)) {
  console.log("[prover-native] build/zkprover-cuda is up to date");
} else {
  const arch = process.env.ZKPROVER_CUDA_ARCH ?? "sm_90";
  try {
    run(nvcc, [
      "-O3", "-std=c++17", `-arch=${arch}`, "-Xcompiler", `-O3,-pthread,-march=${march},-fno-tree-slp-vectorize`,
      "-o", cudaBin, "main.cpp", "msm_cuda.cu",
    ]);
  } catch {
    console.warn("[prover-native] the CUDA build failed; the CPU build is used.");
  }
}

/** Compile a catalog circuit with circom2 (circom 2 as WASM, offline), cached by content hash. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { CircuitDefinition } from "../definitions.js";
import { mainSource } from "../definitions.js";
import { CircuitsError } from "../errors.js";
import { CIRCOM_DIR, packageDir, packageVersion } from "../paths.js";
import { loadSnarkjs } from "./lazy.js";
import type { Progress } from "./progress.js";

export interface CompiledCircuit {
  r1csPath: string;
  wasmPath: string;
  constraints: number;
  nPublic: number;
  compileKey: string;
}

/** Hash of everything the compile output depends on. */
export async function compileKeyOf(def: CircuitDefinition): Promise<string> {
  const h = createHash("sha256");
  h.update(mainSource(def));
  for (const f of (await readdir(CIRCOM_DIR)).filter((n) => n.endsWith(".circom")).sort()) {
    h.update(f).update(await readFile(join(CIRCOM_DIR, f)));
  }
  h.update(`circom2@${packageVersion("circom2")} circomlib@${packageVersion("circomlib")} --O2`);
  return h.digest("hex");
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr}\n${stdout}`.trim() || err.message, { cause: err }));
      else resolve(stdout);
    });
  });
}

export async function compileCircuit(
  def: CircuitDefinition,
  buildRoot: string,
  progress: Progress,
  force = false,
): Promise<CompiledCircuit> {
  const dir = join(buildRoot, def.name);
  const stampPath = join(dir, "compile.json");
  const compileKey = await compileKeyOf(def);
  const r1csPath = join(dir, "main.r1cs");
  const wasmPath = join(dir, "main_js", "main.wasm");
  if (!force) {
    try {
      const stamp = JSON.parse(await readFile(stampPath, "utf8")) as CompiledCircuit;
      if (stamp.compileKey === compileKey) {
        progress.line(`= ${def.name}: compiled circuit up to date`);
        return { ...stamp, r1csPath, wasmPath };
      }
    } catch {
      // no stamp: compile
    }
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "main.circom"), mainSource(def));
  // circom2 (WASI) only sees the working directory and its ancestors: run it from the folder that holds
  // both circomlib and the build folder, with relative paths.
  const circomlibParent = join(packageDir("circomlib"), "..");
  const cwd = commonAncestor([circomlibParent, dir, CIRCOM_DIR]);
  const cli = join(packageDir("circom2"), "cli.js");
  await progress.step(`${def.name}: circom2 compile`, async () => {
    try {
      await run(
        process.execPath,
        [
          cli,
          relative(cwd, join(dir, "main.circom")),
          "--r1cs",
          "--wasm",
          "--O2",
          "-l",
          relative(cwd, circomlibParent),
          "-l",
          relative(cwd, CIRCOM_DIR),
          "-o",
          relative(cwd, dir),
        ],
        cwd,
      );
    } catch (cause) {
      throw new CircuitsError(
        {
          code: "COMPILE_FAILED",
          circuit: def.name,
          detail: String((cause as Error).message).slice(0, 2000),
        },
        `circom2 failed to compile ${def.name}: ${String((cause as Error).message).slice(0, 400)}`,
        { cause },
      );
    }
  });
  const info = await (await loadSnarkjs()).r1cs.info(r1csPath);
  const compiled: CompiledCircuit = {
    r1csPath,
    wasmPath,
    constraints: info.nConstraints,
    nPublic: info.nPubInputs + info.nOutputs,
    compileKey,
  };
  await writeFile(stampPath, JSON.stringify(compiled, null, 2) + "\n");
  progress.line(`  ${def.name}: ${compiled.constraints} constraints, ${compiled.nPublic} public signals`);
  return compiled;
}

function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

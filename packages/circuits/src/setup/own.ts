/**
 * Setup of a user's own circuit (`zkpool circuit setup`): compile a .circom file from any path with circom2,
 * make Groth16 / PLONK / FFLONK keys from a powers of tau, export the verification keys and write the
 * circuit.json manifest. Nothing of circom's or snarkjs' raw output reaches the terminal: progress goes to
 * the `onProgress` callback, warnings to `warn`, failures are typed CircuitsErrors.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { SnarkjsLogger } from "snarkjs";
import type { ProofSystem } from "@zkpool/ump";
import { sha256File } from "@zkpool/ump";
import { encodeVerificationKey, type SnarkjsVerificationKey } from "@zkpool/protocol";
import { CircuitsError } from "../errors.js";
import { circuitIdOf, isProofSystem, PROOF_SYSTEMS } from "../ids.js";
import { MANIFEST_FILE, MANIFEST_FORMAT, readManifest } from "../manifest.js";
import type { CircuitManifest, ManifestSystem } from "../manifest.js";
import { entryIntact, fileEntry } from "../meta.js";
import { defaultCacheDir, packageDir, packageVersion } from "../paths.js";
import { formatDiagnostic, parseCircomDiagnostics, runCircom, stripAnsi } from "./circom.js";
import type { CircomDiagnostic } from "./circom.js";
import { loadSnarkjs } from "./lazy.js";
import { Progress } from "./progress.js";
import { makeLocalPtau } from "./ptau.js";
import { countPlonkGates, fflonkG1Needed, readMainSignals, readPtauInfo, readR1csHeader, requiredPower } from "./r1cs.js";
import type { MainSignals, PtauInfo, R1csHeader } from "./r1cs.js";

export type SetupStep = "compile" | "ptau" | "zkey" | "contribute" | "vkey";

/** A progress report. Steps are numbered 1..total; `total` may grow once the plan is known (after compile). */
export interface SetupProgressEvent {
  type: "start" | "update" | "done" | "fail";
  step: SetupStep;
  /** Human label: "compile sha.circom", "groth16 zkey", "ptau 2^10: prepare phase 2". */
  label: string;
  index: number;
  total: number;
  /** 0..1 within the step when snarkjs reports it (x/y in its debug messages); absent while unknown. */
  fraction?: number;
  /** The latest message of the tool running the step. */
  message?: string;
  /** On done / fail. */
  elapsedMs?: number;
  proofSystem?: ProofSystem;
}

export interface SetupCircuitOptions {
  /** Path of the .circom file (any folder; relative to the working directory). */
  circuit: string;
  /** Output folder. @default `<cwd>/build/<name>` */
  outDir?: string;
  /** Artifact base name. @default the file name without .circom */
  name?: string;
  /** @default ["groth16"] */
  systems?: ProofSystem[];
  /** A phase-2-prepared powers of tau (a public ceremony file for production). Exactly one of ptau, devPtau. */
  ptau?: string;
  /** Make (or reuse from cacheDir) a local powers of tau of the power needed: INSECURE, development only. */
  devPtau?: boolean;
  /** Extra include folders (circom -l), searched before circomlib. */
  includes?: string[];
  /** Where dev powers of tau are kept. @default defaultCacheDir() (`$ZKPOOL_CIRCUITS_CACHE`) */
  cacheDir?: string;
  onProgress?: (e: SetupProgressEvent) => void;
  /** Loud warnings (the dev powers of tau banner), one string per line. @default a boxed banner on stderr */
  warn?: (lines: string[]) => void;
  /** Leave snarkjs' BN254 worker threads running when done (the caller terminates them). @default false */
  keepCurve?: boolean;
}

export interface SetupCircuitResult {
  outDir: string;
  manifestPath: string;
  manifest: CircuitManifest;
  /** circom's warnings, one formatted diagnostic each (file:line:col: warning[CODE]: message). */
  compilerWarnings: string[];
  /** The powers of tau used. */
  ptau: { path: string; power: number; dev: boolean };
  /** Milliseconds per step label. */
  timings: Record<string, number>;
  totalMs: number;
}

/** The dev powers of tau banner (also used by the CLI). */
export function insecurePtauBanner(what: string): string[] {
  return [
    `WARNING: ${what}`,
    "This powers of tau is INSECURE: it was made on this machine, so whoever made it",
    "could know its toxic waste and forge proofs for every key derived from it.",
    "Use it for DEVELOPMENT ONLY; never register or pay for tasks on keys made from it.",
    "Production: pass a file from a public ceremony, e.g.",
    "  zkpool circuit setup <file.circom> --ptau powersOfTau28_hez_final_16.ptau",
  ];
}

/** Box lines as a loud multi-line banner. */
export function formatBanner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = "!".repeat(width);
  return `\n${bar}\n${lines.map((l) => `! ${l.padEnd(width - 4)} !`).join("\n")}\n${bar}\n`;
}

const defaultWarn = (lines: string[]): void => {
  process.stderr.write(formatBanner(lines) + "\n");
};

/** Runs steps, numbering them and turning snarkjs logger messages into progress events. */
class Reporter {
  total: number;
  private index = 0;
  readonly timings: Record<string, number> = {};

  constructor(
    total: number,
    private readonly emit: (e: SetupProgressEvent) => void,
  ) {
    this.total = total;
  }

  async step<T>(
    step: SetupStep,
    label: string,
    fn: (logger: SnarkjsLogger) => Promise<T>,
    proofSystem?: ProofSystem,
  ): Promise<T> {
    const index = ++this.index;
    if (index > this.total) this.total = index;
    const base = { step, label, index, total: this.total, ...(proofSystem !== undefined ? { proofSystem } : {}) };
    const start = Date.now();
    this.emit({ type: "start", ...base });
    let best: number | undefined;
    const seen = (m: unknown): void => {
      const message = String(m);
      const frac = /(\d+)\s*\/\s*(\d+)/.exec(message);
      // snarkjs counts each sub-phase from 0: keep the step's fraction from going back
      if (frac !== null && Number(frac[2]) > 0) best = Math.max(best ?? 0, Math.min(1, Number(frac[1]) / Number(frac[2])));
      this.emit({ type: "update", ...base, message, ...(best !== undefined ? { fraction: best } : {}) });
    };
    const logger: SnarkjsLogger = { debug: seen, info: seen, warn: seen, error: seen };
    try {
      const r = await fn(logger);
      const elapsedMs = Date.now() - start;
      this.timings[label] = elapsedMs;
      this.emit({ type: "done", ...base, elapsedMs });
      return r;
    } catch (err) {
      this.emit({ type: "fail", ...base, elapsedMs: Date.now() - start });
      throw err;
    }
  }
}

/** A Progress (what makeLocalPtau reports to) that forwards its steps to the Reporter. */
class ReporterProgress extends Progress {
  constructor(private readonly reporter: Reporter) {
    super({ quiet: true });
  }
  override line(): void {}
  override warn(): void {} // setupCircuit prints its own banner
  override step<T>(label: string, fn: (logger: SnarkjsLogger) => Promise<T>): Promise<T> {
    return this.reporter.step("ptau", label, fn);
  }
}


async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

const SYSTEM_NAME: Record<ProofSystem, string> = { groth16: "Groth16", plonk: "PLONK", fflonk: "FFLONK" };

function compileError(file: string, source: string, diags: CircomDiagnostic[], raw: string, crash?: string): CircuitsError {
  const errors = diags.filter((d) => d.severity === "error");
  for (const d of errors) {
    const what = /file\s+(\S+)\s+to be included/i.exec(d.message)?.[1];
    if (what === undefined) continue;
    // circom's own hint names its -l flag; ours is --include
    d.notes = d.notes.filter((n) => !/option -l/.test(n));
    if (d.file === undefined) {
      // point at the include statement when it is in the main file
      const lines = source.split("\n");
      const i = lines.findIndex((l) => l.includes(`"${what}"`) && /\binclude\b/.test(l));
      if (i >= 0) {
        d.file = file;
        d.line = i + 1;
        d.column = lines[i]!.indexOf("include") + 1;
      }
    }
  }
  const first = errors[0];
  const included = errors.find((d) => d.code === "P1014" || /to be included has not been found/i.test(d.message));
  const text = errors.length > 0 ? errors.map(formatDiagnostic).join("\n") : tail(stripAnsi(crash ?? raw), 20);
  const loc = first?.file !== undefined ? { file: first.file, line: first.line!, column: first.column! } : {};
  const code = first?.code !== undefined ? { circomCode: first.code } : {};
  if (included !== undefined) {
    const what = /file\s+(\S+)\s+to be included/i.exec(included.message)?.[1] ?? "an included file";
    return new CircuitsError(
      { code: "INCLUDE_NOT_FOUND", detail: what, ...loc, ...code },
      `circom cannot find ${what}, included by ${file}:\n${text}\n` +
        `Includes are looked up beside the including file, in each --include folder, and in circomlib ` +
        `("circomlib/circuits/poseidon.circom" or "poseidon.circom"); pass the folder that holds ${what} with --include <dir> (setupCircuit: includes).`,
    );
  }
  return new CircuitsError(
    { code: "COMPILE_FAILED", detail: text.slice(0, 4000), ...loc, ...code },
    `circom could not compile ${file}:\n${text}`,
  );
}

function tail(s: string, n: number): string {
  return s.trim().split("\n").slice(-n).join("\n");
}

/** Cached local dev powers of tau in `dir`, the smallest of at least `power`. */
async function cachedDevPtau(dir: string, power: number): Promise<{ path: string; power: number } | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const found = names
    .map((n) => /^pot(\d+)_local_dev\.ptau$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(dir, m[0]), power: Number(m[1]) }))
    .filter((f) => f.power >= power)
    .sort((a, b) => a.power - b.power);
  return found[0];
}

/** Compile a user's circuit, make its keys and write circuit.json. See SetupCircuitOptions. */
export async function setupCircuit(options: SetupCircuitOptions): Promise<SetupCircuitResult> {
  try {
    return await setupOwn(options);
  } finally {
    // end snarkjs' BN254 worker threads (if any were started) so the process can exit
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
    if (options.keepCurve !== true && g.curve_bn128) await g.curve_bn128.terminate();
  }
}

async function setupOwn(o: SetupCircuitOptions): Promise<SetupCircuitResult> {
  const t0 = Date.now();
  const snarkjs = await loadSnarkjs();
  const warn = o.warn ?? defaultWarn;
  // ------------------------------------------------------------ options
  if (typeof o.circuit !== "string" || o.circuit === "") {
    throw new CircuitsError({ code: "BAD_OPTIONS", detail: "circuit" }, "setupCircuit: pass the path of a .circom file as `circuit`");
  }
  const circuitPath = resolve(o.circuit);
  try {
    if (!(await stat(circuitPath)).isFile()) throw new Error("not a file");
  } catch {
    throw new CircuitsError(
      { code: "CIRCUIT_NOT_FOUND", detail: circuitPath },
      `no circuit file at ${circuitPath}: pass the path of your .circom file`,
    );
  }
  const systems: ProofSystem[] = [...new Set<ProofSystem>(o.systems ?? ["groth16"])];
  for (const s of systems) {
    if (!isProofSystem(s)) {
      throw new CircuitsError({ code: "BAD_OPTIONS", proofSystem: String(s) }, `unknown proof system "${String(s)}": use ${PROOF_SYSTEMS.join(", ")}`);
    }
  }
  if (systems.length === 0) throw new CircuitsError({ code: "BAD_OPTIONS", detail: "systems" }, "no proof system given: use groth16, plonk or fflonk");
  const dev = o.devPtau === true;
  if (dev === (o.ptau !== undefined)) {
    throw new CircuitsError(
      { code: "BAD_OPTIONS", detail: "ptau" },
      dev
        ? "pass either a powers of tau file (ptau) or devPtau, not both"
        : "no powers of tau: pass a phase-2-prepared ceremony file (ptau, e.g. powersOfTau28_hez_final_16.ptau) or devPtau: true (INSECURE, development only)",
    );
  }
  const includes = (o.includes ?? []).map((d) => resolve(d));
  for (const d of includes) {
    if (!(await isDir(d))) throw new CircuitsError({ code: "BAD_OPTIONS", detail: d }, `include folder ${d} does not exist`);
  }
  let userPtau: { path: string; info: PtauInfo } | undefined;
  if (o.ptau !== undefined) {
    const path = resolve(o.ptau);
    let info: PtauInfo;
    try {
      info = await readPtauInfo(path);
    } catch (cause) {
      throw new CircuitsError(
        { code: "PTAU_INVALID", detail: path },
        `cannot use the powers of tau ${path}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!info.prepared) {
      throw new CircuitsError(
        { code: "PTAU_INVALID", detail: path },
        `the powers of tau ${path} is not prepared for phase 2: run \`snarkjs powersoftau prepare phase2 ${basename(path)} <out.ptau>\` or use a *_final_* ceremony file`,
      );
    }
    userPtau = { path, info };
  }
  const name = o.name ?? basename(circuitPath, extname(circuitPath));
  if (!/^[\w.-]+$/.test(name)) {
    throw new CircuitsError({ code: "BAD_OPTIONS", detail: name }, `artifact name "${name}" must be letters, digits, ".", "_" or "-"`);
  }
  const outDir = resolve(o.outDir ?? join("build", name));
  const createdDir = await mkdir(outDir, { recursive: true });
  const perSystem = systems.length * 2 + (systems.includes("groth16") ? 1 : 0);
  const reporter = new Reporter(1 + perSystem, o.onProgress ?? (() => undefined));

  // ------------------------------------------------------------ compile
  const build = join(outDir, `.build-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(build);
  const flags = ["--O2"];
  const nodeModules = dirname(packageDir("circomlib"));
  const circomlibCircuits = join(packageDir("circomlib"), "circuits");
  const src = basename(circuitPath, extname(circuitPath));
  let compilerWarnings: string[] = [];
  let compiled = false;
  try {
    const args = [circuitPath, "--r1cs", "--wasm", "--sym", ...flags];
    for (const d of [...includes, nodeModules, circomlibCircuits]) args.push("-l", d);
    args.push("-o", build);
    const r = await reporter.step("compile", `compile ${basename(circuitPath)}`, () =>
      runCircom(args, [dirname(circuitPath), ...includes, nodeModules, build]),
    );
    const diags = parseCircomDiagnostics(`${r.stderr}\n${r.stdout}`);
    if (r.exitCode !== 0 || r.crash !== undefined) {
      throw compileError(circuitPath, await readFile(circuitPath, "utf8"), diags, `${r.stderr}\n${r.stdout}`, r.crash);
    }
    compilerWarnings = diags.filter((d) => d.severity === "warning").map(formatDiagnostic);
    compiled = true;
    await rename(join(build, `${src}.r1cs`), join(outDir, `${name}.r1cs`));
    await rename(join(build, `${src}.sym`), join(outDir, `${name}.sym`));
    await rename(join(build, `${src}_js`, `${src}.wasm`), join(outDir, `${name}.wasm`));
  } finally {
    await rm(build, { recursive: true, force: true });
    // a failed compile leaves no empty output folder behind
    if (!compiled && createdDir !== undefined) await rm(createdDir, { recursive: true, force: true });
  }
  const r1csPath = join(outDir, `${name}.r1cs`);
  let header: R1csHeader;
  let signals: MainSignals;
  let gates: number | undefined;
  try {
    header = await readR1csHeader(r1csPath);
    signals = await readMainSignals(join(outDir, `${name}.sym`), header);
    gates = systems.some((s) => s !== "groth16") ? await countPlonkGates(r1csPath, header) : undefined;
  } catch (cause) {
    throw new CircuitsError(
      { code: "SETUP_FAILED", detail: String(cause) },
      `cannot read circom's output for ${basename(circuitPath)} (${String((cause as Error)?.message ?? cause)}); please report this with the circuit`,
      { cause },
    );
  }
  const needed = Object.fromEntries(systems.map((s) => [s, requiredPower(s, header, gates)])) as Record<ProofSystem, number>;
  const maxNeeded = Math.max(...systems.map((s) => needed[s]));

  // ------------------------------------------------------------ powers of tau
  let ptau: { path: string; power: number; dev: boolean };
  if (userPtau !== undefined) {
    const { info, path } = userPtau;
    for (const s of systems) {
      const tooSmall = s === "fflonk" ? info.tauG1Points < fflonkG1Needed(Math.max(3, bitLen((gates ?? 0) + 1))) : info.power < needed[s];
      if (tooSmall) {
        throw new CircuitsError(
          { code: "PTAU_TOO_SMALL", proofSystem: s, powerNeeded: needed[s], powerGiven: info.power, detail: path },
          `the powers of tau ${path} has 2^${info.power} powers; ${SYSTEM_NAME[s]} for this circuit ` +
            `(${header.nConstraints} constraints${s !== "groth16" ? `, ${gates} PLONK gates` : ""}) needs power ${needed[s]} or more: ` +
            `pass a bigger ceremony file (e.g. powersOfTau28_hez_final_${Math.max(needed[s], 8)}.ptau), or --dev-ptau for development`,
        );
      }
    }
    ptau = { path, power: info.power, dev: false };
  } else {
    const dir = join(o.cacheDir ?? defaultCacheDir(), "ptau");
    const cached = await cachedDevPtau(dir, maxNeeded);
    if (cached !== undefined) {
      warn(insecurePtauBanner(`using the locally made DEV powers of tau ${cached.path} (2^${cached.power})`));
      ptau = { ...cached, dev: true };
    } else {
      warn(insecurePtauBanner(`making a LOCAL DEV powers of tau of 2^${maxNeeded} in ${dir}`));
      reporter.total += 4;
      const path = await makeLocalPtau(maxNeeded, dir, new ReporterProgress(reporter));
      ptau = { path, power: maxNeeded, dev: true };
    }
  }
  const ptauSha256 = await sha256File(ptau.path);

  // ------------------------------------------------------------ keys
  const wasm = await fileEntry(outDir, `${name}.wasm`);
  const old = await readManifest(outDir);
  const built: Partial<Record<ProofSystem, ManifestSystem>> = {};
  if (old !== undefined && old.wasm.sha256 === wasm.sha256) {
    // keep other proof systems' keys of the same circuit when their files are intact
    for (const [s, e] of Object.entries(old.systems) as Array<[ProofSystem, ManifestSystem]>) {
      if (!systems.includes(s) && (await entryIntact(outDir, e.zkey)) && (await entryIntact(outDir, e.vkey))) built[s] = e;
    }
  }
  for (const system of systems) {
    const zkeyFile = `${name}.${system}.zkey`;
    const vkeyJsonFile = `${name}.${system}.vkey.json`;
    const vkeyFile = `${name}.${system}.vkey`;
    const zkeyPath = join(outDir, zkeyFile);
    const tmp = `${zkeyPath}.tmp`;
    const tooSmall = (): CircuitsError =>
      new CircuitsError(
        { code: "PTAU_TOO_SMALL", proofSystem: system, powerNeeded: needed[system], powerGiven: ptau.power, detail: ptau.path },
        `${SYSTEM_NAME[system]}: the powers of tau ${ptau.path} (2^${ptau.power}) is too small for this circuit; it needs power ${needed[system]} or more`,
      );
    try {
      if (system === "groth16") {
        const ret = await reporter.step("zkey", "groth16 zkey", (l) => snarkjs.zKey.newZKey(r1csPath, ptau.path, `${tmp}0`, l), system);
        if (ret === -1) throw tooSmall();
        await reporter.step(
          "contribute",
          "groth16 phase-2 contribution",
          (l) => snarkjs.zKey.contribute(`${tmp}0`, tmp, "zkpool circuit setup", randomBytes(32).toString("hex"), l),
          system,
        );
      } else {
        const ret = await reporter.step("zkey", `${system} setup`, (l) => snarkjs[system].setup(r1csPath, ptau.path, tmp, l), system);
        if (ret === -1) throw tooSmall();
      }
      await rename(tmp, zkeyPath);
    } catch (cause) {
      if (cause instanceof CircuitsError) throw cause;
      if (/big enough|too big/i.test(String(cause))) throw tooSmall();
      throw new CircuitsError(
        { code: "SETUP_FAILED", proofSystem: system, detail: String(cause).slice(0, 2000) },
        `${SYSTEM_NAME[system]} key setup failed: ${(cause as Error)?.message ?? String(cause)}`,
        { cause },
      );
    } finally {
      await rm(tmp, { force: true });
      await rm(`${tmp}0`, { force: true });
    }
    const vkey = await reporter.step("vkey", `${system} verification key`, (l) => snarkjs.zKey.exportVerificationKey(zkeyPath, l), system);
    // the canonical key (SPEC §1.12) is the artifact the pool and the chain name; the JSON is for people and snarkjs
    await writeFile(join(outDir, vkeyJsonFile), JSON.stringify(vkey, null, 1) + "\n");
    await writeFile(join(outDir, vkeyFile), encodeVerificationKey(vkey as SnarkjsVerificationKey));
    const zkey = await fileEntry(outDir, zkeyFile);
    const vk = await fileEntry(outDir, vkeyFile);
    built[system] = {
      wasm,
      zkey,
      vkey: vk,
      circuitId: circuitIdOf(system, wasm.sha256, zkey.sha256, vk.sha256),
      requiredPower: needed[system],
      ptauSha256,
    };
  }

  // ------------------------------------------------------------ manifest
  const manifest: CircuitManifest = {
    format: MANIFEST_FORMAT,
    name,
    source: { path: circuitPath, sha256: await sha256File(circuitPath) },
    toolchain: {
      circom2: packageVersion("circom2"),
      circomlib: packageVersion("circomlib"),
      snarkjs: packageVersion("snarkjs"),
      flags,
    },
    constraints: header.nConstraints,
    wires: header.nWires,
    nPublic: header.nOutputs + header.nPubInputs,
    nOutputs: header.nOutputs,
    nPublicInputs: header.nPubInputs,
    nPrivateInputs: header.nPrvInputs,
    inputs: signals.inputs.map((s) => s.name),
    signals: { inputs: signals.inputs, outputs: signals.outputs },
    publicSignals: signals.publicSignals,
    wasm,
    r1cs: await fileEntry(outDir, `${name}.r1cs`),
    sym: await fileEntry(outDir, `${name}.sym`),
    ptau: { path: ptau.path, sha256: ptauSha256, power: ptau.power, dev: ptau.dev },
    systems: built,
    createdAt: new Date().toISOString(),
  };
  const manifestPath = join(outDir, MANIFEST_FILE);
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + "\n");
  await rename(`${manifestPath}.tmp`, manifestPath);
  return { outDir, manifestPath, manifest, compilerWarnings, ptau, timings: reporter.timings, totalMs: Date.now() - t0 };
}

function bitLen(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

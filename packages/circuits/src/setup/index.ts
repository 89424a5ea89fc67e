/**
 * Dev setup: compile each catalog circuit, make its zkey / verification key / Solidity verifier per proof
 * system, prove and verify the sample input as a self-check, and record content hashes in meta.json.
 * Every step is skipped while the hash of its inputs is unchanged.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeVerificationKey, parseVerificationKey, type SnarkjsVerificationKey } from "@zkpool/protocol";
import { sha256File } from "@zkpool/ump";
import type { ProofSystem } from "@zkpool/ump";
import { CIRCUITS, findDefinition } from "../definitions.js";
import type { CircuitDefinition } from "../definitions.js";
import { CircuitsError } from "../errors.js";
import { circuitIdOf, PROOF_SYSTEMS } from "../ids.js";
import { entryIntact, fileEntry, readMeta, writeMeta } from "../meta.js";
import type { CircuitMeta, SystemMeta } from "../meta.js";
import { defaultCacheDir, DEV_PTAU, packageDir, packageVersion } from "../paths.js";
import { compileCircuit } from "./compile.js";
import type { CompiledCircuit } from "./compile.js";
import { buildBn128, loadSnarkjs } from "./lazy.js";
import { makeLocalPtau, warnInsecurePtau } from "./ptau.js";
import { Progress } from "./progress.js";

export { Progress } from "./progress.js";
export { makeLocalPtau } from "./ptau.js";

export interface SetupOptions {
  /** Circuit names. @default every catalog circuit */
  circuits?: string[];
  /** @default ["groth16", "plonk", "fflonk"] */
  systems?: ProofSystem[];
  /** A phase-2-prepared powers of tau (a ceremony file in production). @default the committed 2^12 dev file, or a local one */
  ptau?: string;
  /** Power of a local powers of tau to make when none fits. @default estimated from the circuit */
  power?: number;
  /** Artifact root to write to. @default `<cacheDir>/artifacts` */
  outDir?: string;
  /** @default defaultCacheDir() */
  cacheDir?: string;
  /** Rebuild even when the inputs are unchanged. */
  force?: boolean;
  progress?: Progress;
}

export interface SetupResult {
  circuit: string;
  proofSystem: ProofSystem;
  status: "built" | "up-to-date";
  circuitId: string;
  constraints: number;
}

const GROTH16_BEACON = createHash("sha256").update("zkpool dev groth16 beacon v0").digest("hex");


function log2ceil(n: number): number {
  let p = 0;
  while (2 ** p < n) p++;
  return p;
}

/** Local ptau power estimate: PLONK gates run up to ~10x R1CS constraints (Poseidon); FFLONK needs ~9x SRS. */
function estimatedPower(compiled: CompiledCircuit, system: ProofSystem): number {
  const base = log2ceil(compiled.constraints + compiled.nPublic + 1);
  return base + (system === "groth16" ? 0 : system === "plonk" ? 4 : 7);
}

function isTooSmall(err: unknown): boolean {
  return /big enough|too big/i.test(String((err as Error)?.message ?? err));
}

async function templates(): Promise<Record<string, string>> {
  const dir = join(packageDir("snarkjs"), "templates");
  const out: Record<string, string> = {};
  for (const s of PROOF_SYSTEMS) out[s] = await readFile(join(dir, `verifier_${s}.sol.ejs`), "utf8");
  return out;
}

async function makeZkey(
  system: ProofSystem,
  r1cs: string,
  ptau: string,
  zkeyPath: string,
  label: string,
  progress: Progress,
): Promise<void> {
  const tmp = `${zkeyPath}.tmp`;
  const snarkjs = await loadSnarkjs();
  let ret: unknown;
  try {
    if (system === "groth16") {
      ret = await progress.step(`${label}: groth16 zkey`, (l) =>
        snarkjs.zKey.newZKey(r1cs, ptau, `${tmp}0`, l),
      );
      if (ret !== -1) {
        await progress.step(`${label}: groth16 dev beacon contribution`, (l) =>
          snarkjs.zKey.beacon(`${tmp}0`, tmp, "zkpool dev beacon (INSECURE)", GROTH16_BEACON, 10, l),
        );
      }
    } else {
      ret = await progress.step(`${label}: ${system} setup`, (l) =>
        snarkjs[system].setup(r1cs, ptau, tmp, l),
      );
    }
  } catch (cause) {
    await rm(tmp, { force: true });
    if (isTooSmall(cause)) ret = -1;
    else
      throw new CircuitsError(
        { code: "SETUP_FAILED", detail: String(cause) },
        `${label}: snarkjs setup failed: ${String(cause)}`,
        { cause },
      );
  } finally {
    await rm(`${tmp}0`, { force: true });
  }
  if (ret === -1) {
    await rm(tmp, { force: true });
    throw new CircuitsError(
      { code: "PTAU_TOO_SMALL", proofSystem: system, detail: ptau },
      `${label}: the powers of tau ${ptau} is too small for this circuit; pass a bigger one with --ptau, or --power N`,
    );
  }
  await rename(tmp, zkeyPath);
}

/**
 * Run the dev setup. Resolves with one result per (circuit, proof system). When done (or failed) it ends
 * the worker threads snarkjs started for the BN254 curve, so the process can exit.
 */
export async function runSetup(options: SetupOptions = {}): Promise<SetupResult[]> {
  try {
    return await setup(options);
  } finally {
    await (await buildBn128()).terminate();
  }
}

async function setup(options: SetupOptions): Promise<SetupResult[]> {
  const snarkjs = await loadSnarkjs();
  const progress = options.progress ?? new Progress();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const outRoot = options.outDir ?? join(cacheDir, "artifacts");
  const systems = options.systems ?? [...PROOF_SYSTEMS];
  const defs: CircuitDefinition[] = (options.circuits ?? CIRCUITS.map((c) => c.name)).map((name) => {
    const def = findDefinition(name);
    if (def === undefined) {
      throw new CircuitsError(
        { code: "UNKNOWN_CIRCUIT", circuit: name },
        `unknown circuit "${name}"; known: ${CIRCUITS.map((c) => c.name).join(", ")}`,
      );
    }
    return def;
  });
  const tpl = await templates();
  const ptauHashes = new Map<string, string>();
  const ptauSha = async (p: string): Promise<string> => {
    let h = ptauHashes.get(p);
    if (h === undefined) {
      h = await sha256File(p);
      ptauHashes.set(p, h);
    }
    return h;
  };
  let warnedDev = false;
  const results: SetupResult[] = [];

  for (const def of defs) {
    const compiled = await compileCircuit(def, join(cacheDir, "build"), progress, options.force);
    const dir = join(outRoot, def.name);
    await mkdir(dir, { recursive: true });
    let meta = await readMeta(outRoot, def.name);
    if (
      meta === undefined ||
      meta.compileKey !== compiled.compileKey ||
      options.force === true ||
      !(await entryIntact(dir, meta.wasm))
    ) {
      const wasmFile = `${def.name}.wasm`;
      await copyFile(compiled.wasmPath, join(dir, wasmFile));
      meta = {
        name: def.name,
        constraints: compiled.constraints,
        nPublic: compiled.nPublic,
        wasm: await fileEntry(dir, wasmFile),
        compileKey: compiled.compileKey,
        sampleInput: def.sampleInput,
        expectedPublicSignals: [],
        systems: {},
      } satisfies CircuitMeta;
      await writeMeta(outRoot, meta);
    }

    for (const system of systems) {
      const label = `${def.name} ${system}`;
      // Choose the powers of tau: the user's, else the committed dev file, else a local one.
      let ptau = options.ptau;
      let auto = false;
      if (ptau === undefined) {
        auto = true;
        if (
          options.power === undefined &&
          log2ceil(compiled.constraints + compiled.nPublic + 1) <= DEV_PTAU.power
        ) {
          ptau = DEV_PTAU.path;
          if (!warnedDev)
            warnInsecurePtau(
              progress,
              `no --ptau given: using the committed DEV powers of tau ${DEV_PTAU.path}`,
            );
          warnedDev = true;
        } else {
          ptau = await makeLocalPtau(
            options.power ?? estimatedPower(compiled, system),
            join(cacheDir, "ptau"),
            progress,
          );
        }
      }
      const snarkjsVersion = packageVersion("snarkjs");
      const keyOf = async (p: string): Promise<string> =>
        createHash("sha256")
          .update(
            JSON.stringify({
              system,
              compileKey: compiled.compileKey,
              ptau: await ptauSha(p),
              snarkjsVersion,
              beacon: GROTH16_BEACON,
            }),
          )
          .digest("hex");
      let setupKey = await keyOf(ptau);
      const old = await migrateVkey(dir, meta, system, outRoot);
      if (
        old !== undefined &&
        options.force !== true &&
        old.setupKey === setupKey &&
        (await entryIntact(dir, old.zkey)) &&
        (await entryIntact(dir, old.vkey)) &&
        (await entryIntact(dir, old.verifier))
      ) {
        progress.line(`= ${label}: up to date (${old.circuitId})`);
        results.push({
          circuit: def.name,
          proofSystem: system,
          status: "up-to-date",
          circuitId: old.circuitId,
          constraints: meta.constraints,
        });
        continue;
      }
      if (auto && ptau === DEV_PTAU.path && old !== undefined && options.force !== true) {
        // An earlier build with a bigger local ptau is still valid for an auto run: keep it when intact.
        if (
          (await entryIntact(dir, old.zkey)) &&
          (await entryIntact(dir, old.vkey)) &&
          (await entryIntact(dir, old.verifier))
        ) {
          progress.line(`= ${label}: up to date (${old.circuitId}, built from another powers of tau)`);
          results.push({
            circuit: def.name,
            proofSystem: system,
            status: "up-to-date",
            circuitId: old.circuitId,
            constraints: meta.constraints,
          });
          continue;
        }
      }

      const zkeyFile = `${system}.zkey`;
      try {
        await makeZkey(system, compiled.r1csPath, ptau, join(dir, zkeyFile), label, progress);
      } catch (err) {
        if (!(
          auto &&
          ptau === DEV_PTAU.path &&
          err instanceof CircuitsError &&
          err.code === "PTAU_TOO_SMALL"
        ))
          throw err;
        progress.line(`  ${label}: the committed 2^${DEV_PTAU.power} dev powers of tau is too small`);
        ptau = await makeLocalPtau(
          Math.max(DEV_PTAU.power + 1, estimatedPower(compiled, system)),
          join(cacheDir, "ptau"),
          progress,
        );
        setupKey = await keyOf(ptau);
        await makeZkey(system, compiled.r1csPath, ptau, join(dir, zkeyFile), label, progress);
      }
      const vkeyJsonFile = `${system}.vkey.json`;
      const verifierFile = `${system}_verifier.sol`;
      const vkey = await progress.step(`${label}: export verification key`, (l) =>
        snarkjs.zKey.exportVerificationKey(join(dir, zkeyFile), l),
      );
      await writeFile(join(dir, vkeyJsonFile), JSON.stringify(vkey, null, 1) + "\n");
      const vkeyFile = await writeCanonicalVkey(dir, system, vkey as SnarkjsVerificationKey);
      const sol = await progress.step(`${label}: export Solidity verifier`, (l) =>
        snarkjs.zKey.exportSolidityVerifier(join(dir, zkeyFile), tpl, l),
      );
      await writeFile(join(dir, verifierFile), sol);

      // Self-check: the sample input proves and verifies; record its public signals.
      const { proof, publicSignals } = await progress.step(`${label}: self-check proof`, (l) =>
        snarkjs[system].fullProve(def.sampleInput, join(dir, meta.wasm.file), join(dir, zkeyFile), l),
      );
      const ok = await snarkjs[system].verify(vkey, publicSignals, proof);
      if (!ok) {
        throw new CircuitsError(
          { code: "SETUP_FAILED", circuit: def.name, proofSystem: system },
          `${label}: the sample proof does not verify; the setup is broken`,
        );
      }
      if (
        meta.expectedPublicSignals.length > 0 &&
        JSON.stringify(meta.expectedPublicSignals) !== JSON.stringify(publicSignals)
      ) {
        throw new CircuitsError(
          { code: "SETUP_FAILED", circuit: def.name, proofSystem: system },
          `${label}: public signals differ between proof systems`,
        );
      }
      meta.expectedPublicSignals = publicSignals;
      const zkey = await fileEntry(dir, zkeyFile);
      const vk = await fileEntry(dir, vkeyFile);
      meta.systems[system] = {
        zkey,
        vkey: vk,
        verifier: await fileEntry(dir, verifierFile),
        circuitId: circuitIdOf(system, meta.wasm.sha256, zkey.sha256, vk.sha256),
        ptauSha256: await ptauSha(ptau),
        setupKey,
      };
      await writeMeta(outRoot, meta);
      progress.line(`  ${label}: circuitId ${meta.systems[system].circuitId}`);
      results.push({
        circuit: def.name,
        proofSystem: system,
        status: "built",
        circuitId: meta.systems[system].circuitId,
        constraints: meta.constraints,
      });
    }
  }
  return results;
}

/**
 * Writes `<system>.vkey`, the canonical verification key artifact (SPEC §1.12) whose sha256 is the circuit's
 * vkeySha256; returns its file name. The snarkjs `<system>.vkey.json` stays beside it for people and tools.
 */
export async function writeCanonicalVkey(dir: string, system: ProofSystem, vkey: SnarkjsVerificationKey): Promise<string> {
  const file = `${system}.vkey`;
  await writeFile(join(dir, file), encodeVerificationKey(vkey));
  return file;
}

/**
 * A build from before canonical keys recorded the snarkjs vkey.json as its key (and a circuit id over that file's
 * hash): write the canonical key from it, and record it and the circuit id it gives. Returns the system's meta.
 */
async function migrateVkey(dir: string, meta: CircuitMeta, system: ProofSystem, outRoot: string): Promise<SystemMeta | undefined> {
  const old = meta.systems[system];
  if (old === undefined || !old.vkey.file.endsWith(".json") || !(await entryIntact(dir, old.vkey))) return old;
  const vkey = parseVerificationKey(await readFile(join(dir, old.vkey.file)));
  const vk = await fileEntry(dir, await writeCanonicalVkey(dir, system, vkey));
  const migrated = { ...old, vkey: vk, circuitId: circuitIdOf(system, meta.wasm.sha256, old.zkey.sha256, vk.sha256) };
  meta.systems[system] = migrated;
  await writeMeta(outRoot, meta);
  return migrated;
}

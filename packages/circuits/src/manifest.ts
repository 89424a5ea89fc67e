/**
 * circuit.json: the manifest `setupCircuit` (`zkpool circuit setup`) writes beside a user's circuit artifacts,
 * and the lookup of a circuit's input names that the SDK uses to name a missing or unknown input field.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ProofSystem } from "@zkpool/ump";
import { sha256File } from "@zkpool/ump";
import type { FileEntry } from "./meta.js";
import type { SignalInfo } from "./setup/r1cs.js";
import { readMainSignals, readR1csHeader } from "./setup/r1cs.js";

export const MANIFEST_FILE = "circuit.json";
export const MANIFEST_FORMAT = "zkpool-circuit/1";

export interface ManifestSystem {
  /** The witness generator (the same file for every proof system). */
  wasm: FileEntry;
  zkey: FileEntry;
  /** The canonical verification key (SPEC §1.12; `<name>.<system>.vkey`); `<name>.<system>.vkey.json` is beside it. */
  vkey: FileEntry;
  /** SPEC §0.3 circuit id (keccak of proof system and the three hashes). */
  circuitId: string;
  /** Smallest powers of tau power this proof system needs for the circuit. */
  requiredPower: number;
  /** sha256 of the powers of tau file the key was made from. */
  ptauSha256: string;
}

export interface CircuitManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** The .circom file compiled, and its sha256 (the main file only, not its includes). */
  source: { path: string; sha256: string };
  toolchain: { circom2: string; circomlib: string; snarkjs: string; flags: string[] };
  constraints: number;
  wires: number;
  /** Public signals (outputs + public inputs). */
  nPublic: number;
  nOutputs: number;
  nPublicInputs: number;
  nPrivateInputs: number;
  /** Input signal base names of the main component, in witness order (`b` for `signal input b[2]`). */
  inputs: string[];
  /** Every input and output with its array dimensions and whether it is public. */
  signals: { inputs: SignalInfo[]; outputs: SignalInfo[] };
  /** Names of the public signals in snarkjs order (outputs first), one per element. */
  publicSignals: string[];
  wasm: FileEntry;
  r1cs: FileEntry;
  sym: FileEntry;
  ptau: { path: string; sha256: string; power: number; dev: boolean };
  systems: Partial<Record<ProofSystem, ManifestSystem>>;
  createdAt: string;
}

export async function readManifest(dir: string): Promise<CircuitManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")) as CircuitManifest;
    return m.format === MANIFEST_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

export interface InputNames {
  names: string[];
  /** The file the names came from. */
  source: string;
}

/**
 * The input names of the circuit whose witness generator is `wasmPath`, from the files beside it: a
 * circuit.json (`zkpool circuit setup`) whose wasm hash matches, a catalog meta.json (its sample input's
 * keys), or circom's .sym with the .r1cs (in the wasm's folder or its parent, as circom writes them).
 * Undefined when none is there (the wasm itself holds only hashes of the names).
 */
export async function inputNamesForWasm(wasmPath: string): Promise<InputNames | undefined> {
  const dir = dirname(wasmPath);
  const file = basename(wasmPath);
  let wasmSha: string | undefined;
  const sha = async (): Promise<string> => (wasmSha ??= await sha256File(wasmPath));
  for (const d of [dir, dirname(dir)]) {
    const m = await readManifest(d);
    if (m !== undefined && m.wasm.file === file && m.wasm.sha256 === (await sha())) {
      return { names: [...m.inputs], source: join(d, MANIFEST_FILE) };
    }
  }
  try {
    const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as {
      wasm?: { file?: string; sha256?: string };
      sampleInput?: Record<string, unknown>;
    };
    if (meta.wasm?.file === file && meta.sampleInput !== undefined && meta.wasm.sha256 === (await sha())) {
      return { names: Object.keys(meta.sampleInput), source: join(dir, "meta.json") };
    }
  } catch {
    // no catalog meta
  }
  const base = file.replace(/\.wasm$/, "");
  for (const d of [dir, dirname(dir)]) {
    try {
      const header = await readR1csHeader(join(d, `${base}.r1cs`));
      const s = await readMainSignals(join(d, `${base}.sym`), header);
      return { names: s.inputs.map((i) => i.name), source: join(d, `${base}.sym`) };
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fields the circuit needs that `input` lacks, and fields of `input` the circuit has no input for. */
export function compareInputFields(
  names: readonly string[],
  input: Record<string, unknown>,
): { missing: string[]; unknown: string[] } {
  const given = Object.keys(input);
  const known = new Set(names);
  return {
    missing: names.filter((n) => !Object.prototype.hasOwnProperty.call(input, n)),
    unknown: given.filter((k) => !known.has(k)),
  };
}

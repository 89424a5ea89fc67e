/** The meta.json kept beside each circuit's artifacts: content hashes, sizes, sample input. */
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "@zkpool/ump";
import type { CircuitInput, ProofSystem } from "@zkpool/ump";

export interface FileEntry {
  /** File name inside the circuit's folder. */
  file: string;
  /** sha256 of the file, lowercase hex. */
  sha256: string;
  bytes: number;
}

export interface SystemMeta {
  zkey: FileEntry;
  /** The canonical verification key (SPEC §1.12; `<system>.vkey`); its sha256 is the circuit's vkeySha256. */
  vkey: FileEntry;
  /** Solidity verifier exported by snarkjs. */
  verifier: FileEntry;
  circuitId: string;
  /** sha256 of the powers of tau file the zkey was made from. */
  ptauSha256: string;
  /** Hash of every input of the setup step; setup is skipped while it is unchanged. */
  setupKey: string;
}

export interface CircuitMeta {
  name: string;
  constraints: number;
  /** Public signals (outputs + public inputs). */
  nPublic: number;
  wasm: FileEntry;
  /** Hash of every input of the compile step. */
  compileKey: string;
  sampleInput: CircuitInput;
  /** Public signals of the sample input, decimal strings, in snarkjs order (outputs first). */
  expectedPublicSignals: string[];
  systems: Partial<Record<ProofSystem, SystemMeta>>;
}

export function metaPath(root: string, circuit: string): string {
  return join(root, circuit, "meta.json");
}

export async function readMeta(root: string, circuit: string): Promise<CircuitMeta | undefined> {
  try {
    return JSON.parse(await readFile(metaPath(root, circuit), "utf8")) as CircuitMeta;
  } catch {
    return undefined;
  }
}

export async function writeMeta(root: string, meta: CircuitMeta): Promise<void> {
  const path = metaPath(root, meta.name);
  await writeFile(`${path}.tmp`, JSON.stringify(meta, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
}

/** The entry of `dir/file`: its name, sha256 and size. */
export async function fileEntry(dir: string, file: string): Promise<FileEntry> {
  const path = join(dir, file);
  const [sha256, st] = await Promise.all([sha256File(path), stat(path)]);
  return { file, sha256, bytes: st.size };
}

/** Whether `dir/e.file` exists and still hashes to `e.sha256`. */
export async function entryIntact(dir: string, e: FileEntry): Promise<boolean> {
  try {
    return (await sha256File(join(dir, e.file))) === e.sha256;
  } catch {
    return false;
  }
}

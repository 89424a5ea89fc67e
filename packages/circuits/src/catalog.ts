/** The circuit catalog: find a circuit's artifacts for a proof system, checked against their hashes. */
import { join } from "node:path";
import { sha256File } from "@zkpool/ump";
import type { ArtifactRef, CircuitArtifacts, CircuitInput, ProofSystem } from "@zkpool/ump";
import { CIRCUITS, findDefinition } from "./definitions.js";
import { CircuitsError } from "./errors.js";
import { circuitIdOf } from "./ids.js";
import { readMeta } from "./meta.js";
import type { CircuitMeta, FileEntry, SystemMeta } from "./meta.js";
import { COMMITTED_DIR, defaultCacheDir } from "./paths.js";

/** A catalog circuit: the artifacts a prover module takes, plus what a requester or a test needs. */
export interface CatalogCircuit extends CircuitArtifacts {
  name: string;
  /** Public signals count (outputs + public inputs). */
  nPublic: number;
  /** Solidity verifier exported by snarkjs for this proof system. */
  verifier: ArtifactRef;
  sampleInput: CircuitInput;
  /** The sample input's public signals (decimal strings, snarkjs order). */
  expectedPublicSignals: string[];
}

export interface LoadCircuitOptions {
  /** Where on-demand builds live. @default defaultCacheDir() */
  cacheDir?: string;
  /** Re-hash every file against meta.json. @default true */
  verifyHashes?: boolean;
  /** Folders to search instead of the committed artifacts and the cache. @default artifactRoots(cacheDir) */
  roots?: string[];
}

/** Names of all catalog circuits. */
export function listCircuits(): string[] {
  return CIRCUITS.map((c) => c.name);
}

/** Folders searched for built artifacts, committed first. */
export function artifactRoots(cacheDir = defaultCacheDir()): string[] {
  return [COMMITTED_DIR, join(cacheDir, "artifacts")];
}

async function checkedRef(
  dir: string,
  entry: FileEntry,
  circuit: string,
  proofSystem: ProofSystem,
  verify: boolean,
): Promise<ArtifactRef> {
  const path = join(dir, entry.file);
  if (verify) {
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch (cause) {
      throw new CircuitsError(
        { code: "NOT_BUILT", circuit, proofSystem, detail: `missing ${path}` },
        `artifact ${path} is missing; run \`zkpool-circuits setup --circuit ${circuit} --system ${proofSystem}\``,
        { cause },
      );
    }
    if (actual !== entry.sha256) {
      throw new CircuitsError(
        {
          code: "INVALID_ARTIFACT",
          circuit,
          proofSystem,
          detail: `${path}: expected ${entry.sha256}, got ${actual}`,
        },
        `artifact ${path} does not match the hash in meta.json (corrupt or edited); rebuild it with ` +
          `\`zkpool-circuits setup --circuit ${circuit} --system ${proofSystem} --force\``,
      );
    }
  }
  return { sha256: entry.sha256, path };
}

/**
 * Load a circuit's artifacts for a proof system. Looks in the committed artifacts, then in the cache of
 * on-demand builds. Every file is re-hashed against meta.json (unless `verifyHashes: false`).
 * Throws CircuitsError UNKNOWN_CIRCUIT, NOT_BUILT or INVALID_ARTIFACT.
 */
export async function loadCircuit(
  name: string,
  proofSystem: ProofSystem,
  options: LoadCircuitOptions = {},
): Promise<CatalogCircuit> {
  if (findDefinition(name) === undefined) {
    throw new CircuitsError(
      { code: "UNKNOWN_CIRCUIT", circuit: name },
      `unknown circuit "${name}"; known: ${listCircuits().join(", ")}`,
    );
  }
  const verify = options.verifyHashes ?? true;
  for (const root of options.roots ?? artifactRoots(options.cacheDir)) {
    const meta: CircuitMeta | undefined = await readMeta(root, name);
    const sys: SystemMeta | undefined = meta?.systems[proofSystem];
    // a build from before canonical keys (SPEC §1.12) names another circuit id: `setup` migrates it
    if (meta === undefined || sys === undefined || sys.vkey.file.endsWith(".json")) continue;
    const dir = join(root, name);
    const [wasm, zkey, vkey, verifier] = await Promise.all([
      checkedRef(dir, meta.wasm, name, proofSystem, verify),
      checkedRef(dir, sys.zkey, name, proofSystem, verify),
      checkedRef(dir, sys.vkey, name, proofSystem, verify),
      checkedRef(dir, sys.verifier, name, proofSystem, verify),
    ]);
    const circuitId = circuitIdOf(proofSystem, wasm.sha256, zkey.sha256, vkey.sha256);
    if (circuitId !== sys.circuitId) {
      throw new CircuitsError(
        {
          code: "INVALID_ARTIFACT",
          circuit: name,
          proofSystem,
          detail: `circuitId ${sys.circuitId} != ${circuitId}`,
        },
        `meta.json of ${name} records a circuitId that does not match its artifacts; rebuild with --force`,
      );
    }
    return {
      name,
      circuitId,
      proofSystem,
      wasm,
      zkey,
      vkey,
      verifier,
      constraints: meta.constraints,
      nPublic: meta.nPublic,
      sampleInput: meta.sampleInput,
      expectedPublicSignals: meta.expectedPublicSignals,
    };
  }
  throw new CircuitsError(
    { code: "NOT_BUILT", circuit: name, proofSystem },
    `${name} has no ${proofSystem} artifacts yet; run \`zkpool-circuits setup --circuit ${name} --system ${proofSystem}\`` +
      ` (with --ptau <ceremony file> for circuits above 2^12)`,
  );
}

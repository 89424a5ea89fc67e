/**
 * A circuit's artifacts read from disk and hashed as the pool names them: the verification key in canonical
 * form (SPEC §1.12) and the circuit id the chain's registry derives from it (SPEC §0.3, §9.12).
 */
import { readFile } from "node:fs/promises";
import { loadCircuit } from "@zkpool/circuits";
import {
  circuitId as computeCircuitId, encodeVerificationKey, parseVerificationKey, sha256, type Hex, type SnarkjsVerificationKey,
} from "@zkpool/protocol";
import { SdkError, SdkErrorCode } from "./errors.js";
import type { CircuitArtifactPaths, CircuitParameters } from "./types.js";

const PROOF_SYSTEM_ID = { groth16: 1, plonk: 2, fflonk: 3 } as const;

export interface ReadCircuit {
  paths: CircuitArtifactPaths;
  wasm: Uint8Array;
  zkey: Uint8Array;
  vkey: SnarkjsVerificationKey;
  /** The canonical key artifact (what the pool serves and the chain stores). */
  vkeyBytes: Uint8Array;
  proofSystem: 1 | 2 | 3;
  wasmSha256: Hex;
  zkeySha256: Hex;
  vkeySha256: Hex;
  circuitId: Hex;
}

/** The artifact paths of a catalog circuit or of the caller's own files. */
export async function circuitPaths(p: CircuitParameters): Promise<CircuitArtifactPaths> {
  if ((p.circuit === undefined) === (p.artifacts === undefined)) {
    throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS }, "pass exactly one of circuit (a catalog name) or artifacts ({ wasm, zkey, vkey } paths)");
  }
  if (p.artifacts !== undefined) return p.artifacts;
  try {
    const c = await loadCircuit(p.circuit!, p.proofSystem ?? "groth16");
    return { wasm: c.wasm.path, zkey: c.zkey.path, vkey: c.vkey.path };
  } catch (cause) {
    throw new SdkError({ code: SdkErrorCode.UNKNOWN_CIRCUIT, reason: String(cause) }, `unknown circuit ${p.circuit}: ${(cause as Error).message}`, { cause });
  }
}

/** Reads and hashes a circuit's artifacts; the key may be snarkjs' vkey.json or the canonical key. */
export async function readCircuit(p: CircuitParameters): Promise<ReadCircuit> {
  const paths = await circuitPaths(p);
  let files: Buffer[];
  try {
    files = await Promise.all([readFile(paths.wasm), readFile(paths.zkey), readFile(paths.vkey)]);
  } catch (cause) {
    throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: "artifacts" }, `cannot read the circuit's artifacts: ${(cause as Error).message}`, { cause });
  }
  const [wasm, zkey, vkeyFile] = files as [Buffer, Buffer, Buffer];
  let vkey: SnarkjsVerificationKey;
  try {
    vkey = parseVerificationKey(vkeyFile);
  } catch (cause) {
    throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: "vkey" }, `${paths.vkey}: ${(cause as Error).message}`, { cause });
  }
  if (p.proofSystem !== undefined && p.proofSystem !== vkey.protocol) {
    throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: vkey.protocol },
      `the verification key is for ${vkey.protocol} but proofSystem is ${p.proofSystem}: pass groth16, plonk or fflonk artifacts whose key matches proofSystem`);
  }
  const proofSystem = PROOF_SYSTEM_ID[vkey.protocol];
  const vkeyBytes = encodeVerificationKey(vkey);
  const [wasmSha256, zkeySha256, vkeySha256] = [sha256(wasm), sha256(zkey), sha256(vkeyBytes)];
  const circuitId = computeCircuitId(proofSystem, wasmSha256, zkeySha256, vkeySha256).toLowerCase() as Hex;
  return { paths, wasm, zkey, vkey, vkeyBytes, proofSystem, wasmSha256, zkeySha256, vkeySha256, circuitId };
}

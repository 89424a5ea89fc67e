import { circuitId } from "@zkpool/protocol";
import type { ProofSystem } from "@zkpool/ump";

/** Wire codes of the proof systems (protocol/SPEC.md §0.3). */
export const PROOF_SYSTEM_CODE: Record<ProofSystem, number> = { groth16: 1, plonk: 2, fflonk: 3 };

export const PROOF_SYSTEMS: readonly ProofSystem[] = ["groth16", "plonk", "fflonk"];

export function isProofSystem(s: string): s is ProofSystem {
  return (PROOF_SYSTEMS as readonly string[]).includes(s);
}

/**
 * circuitId = keccak256(abi.encode(uint8 proofSystem, bytes32 wasmSha256, bytes32 zkeySha256, bytes32 vkeySha256))
 * (protocol/SPEC.md §0.3, computed by @zkpool/protocol). Hashes are lowercase hex without 0x, as in ArtifactRef.
 */
export function circuitIdOf(
  proofSystem: ProofSystem,
  wasmSha256: string,
  zkeySha256: string,
  vkeySha256: string,
): string {
  return circuitId(PROOF_SYSTEM_CODE[proofSystem], `0x${wasmSha256}`, `0x${zkeySha256}`, `0x${vkeySha256}`);
}

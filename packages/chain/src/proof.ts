/** Conversions from snarkjs proofs to the words the escrow forwards to the snarkjs Solidity verifiers. */
import { solidityPackedKeccak256 } from "ethers";
import { ChainError } from "./errors.js";
import { ProofSystem } from "./types.js";

/** Number of proof words the verifier of each proof system takes. */
export function proofWordCount(proofSystem: number): number {
  if (proofSystem === ProofSystem.Groth16) return 8;
  if (proofSystem === ProofSystem.Plonk || proofSystem === ProofSystem.Fflonk) return 24;
  throw new ChainError({ code: "CHAIN_UNSUPPORTED_PROOF_SYSTEM", proofSystem }, `proof system ${proofSystem} is not 1 (Groth16), 2 (PLONK) or 3 (FFLONK)`);
}

/** A snarkjs Groth16 proof object (decimal strings). */
export interface SnarkjsGroth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
}

/** Groth16 proof -> [pA, pB (G2 coordinates swapped as the verifier expects), pC], 8 words. */
export function groth16ProofWords(p: SnarkjsGroth16Proof): bigint[] {
  const w = (s: string | undefined): bigint => {
    if (s === undefined) throw new ChainError({ code: "CHAIN_BAD_PROOF" }, "Groth16 proof is missing a coordinate; pass the proof object snarkjs returned");
    return BigInt(s);
  };
  return [
    w(p.pi_a[0]), w(p.pi_a[1]),
    w(p.pi_b[0]?.[1]), w(p.pi_b[0]?.[0]), w(p.pi_b[1]?.[1]), w(p.pi_b[1]?.[0]),
    w(p.pi_c[0]), w(p.pi_c[1]),
  ];
}

/**
 * Parses the string returned by snarkjs `<system>.exportSolidityCallData(proof, publicSignals)` (any of the
 * three systems) into proof words and public signals.
 */
export function parseSolidityCallData(calldata: string, proofSystem: number): { proof: bigint[]; publicSignals: bigint[] } {
  const words = (calldata.match(/0x[0-9a-fA-F]+/g) ?? []).map((h) => BigInt(h));
  const n = proofWordCount(proofSystem);
  if (words.length < n)
    throw new ChainError({ code: "CHAIN_BAD_PROOF", words: words.length, expected: n }, `calldata has ${words.length} words, fewer than the ${n} proof words of proof system ${proofSystem}`);
  return { proof: words.slice(0, n), publicSignals: words.slice(n) };
}

/** SPEC 0.3 publicSignalsHash = keccak256(abi.encodePacked(uint256[] publicSignals)). */
export function publicSignalsHash(publicSignals: readonly bigint[]): string {
  return solidityPackedKeccak256(["uint256[]"], [publicSignals]);
}

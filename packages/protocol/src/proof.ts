/**
 * Canonical proof bytes (SPEC §1.9): the proof as the words its Solidity verifier takes, each a 32-byte
 * big-endian word. Groth16: 8 words (pA, pB, pC, G2 coordinates in the verifier's [x1, x0] order).
 * PLONK / FFLONK: the 24 words of snarkjs' Solidity calldata.
 */
import { bytesToUint, concatBytes, fromHex, toHex, word, type Hex } from "./bytes.js";
import { BN254_Q, PROOF_BYTES, type ProofSystem } from "./constants.js";
import { ProtocolError } from "./errors.js";

/** A Groth16 proof as snarkjs writes it (proof.json): decimal strings, projective with z = 1. */
export interface SnarkjsGroth16Proof {
  pi_a: readonly string[];
  pi_b: readonly (readonly string[])[];
  pi_c: readonly string[];
}

function bad(why: string): ProtocolError {
  return new ProtocolError({ code: "FIELD_INVALID", field: "proof" }, `invalid proof: ${why}`);
}

function coord(value: string | undefined): bigint {
  if (typeof value !== "string" || !/^[0-9]{1,78}$/.test(value)) throw bad("coordinates must be decimal strings");
  const v = BigInt(value);
  if (v >= BN254_Q) throw bad("coordinate is not below the BN254 base field modulus");
  return v;
}

/** Groth16 proof words in Solidity-verifier order: a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y. */
export function groth16ProofWords(p: SnarkjsGroth16Proof): bigint[] {
  const b0 = p.pi_b[0];
  const b1 = p.pi_b[1];
  if (b0 === undefined || b1 === undefined) throw bad("pi_b must hold two G2 coordinates");
  return [
    coord(p.pi_a[0]),
    coord(p.pi_a[1]),
    coord(b0[1]),
    coord(b0[0]),
    coord(b1[1]),
    coord(b1[0]),
    coord(p.pi_c[0]),
    coord(p.pi_c[1]),
  ];
}

/** Words back to the snarkjs JSON shape (z = 1). */
export function groth16ProofFromWords(words: readonly bigint[]): SnarkjsGroth16Proof & { protocol: "groth16"; curve: "bn128" } {
  if (words.length !== 8) throw bad("a Groth16 proof is 8 words");
  const s = words.map((w) => w.toString());
  return {
    pi_a: [s[0]!, s[1]!, "1"],
    pi_b: [
      [s[3]!, s[2]!],
      [s[5]!, s[4]!],
      ["1", "0"],
    ],
    pi_c: [s[6]!, s[7]!, "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

/** Words (each < q) to canonical proof bytes for a proof system. */
export function encodeProofWords(proofSystem: ProofSystem, words: readonly bigint[]): Hex {
  const expected = PROOF_BYTES[proofSystem] / 32;
  if (words.length !== expected) throw bad(`proof system ${proofSystem} takes ${expected} words, got ${words.length}`);
  for (const w of words) if (typeof w !== "bigint" || w < 0n || w >= BN254_Q) throw bad("word out of range [0, q)");
  return toHex(concatBytes(...words.map(word)));
}

/** Canonical proof bytes to words, checking the length for the proof system and every word < q. */
export function decodeProofWords(proofSystem: ProofSystem, proof: Hex): bigint[] {
  const bytes = fromHex(proof);
  if (bytes.byteLength !== PROOF_BYTES[proofSystem]) {
    throw bad(`proof system ${proofSystem} proofs are ${PROOF_BYTES[proofSystem]} bytes, got ${bytes.byteLength}`);
  }
  const out: bigint[] = [];
  for (let i = 0; i < bytes.byteLength; i += 32) {
    const w = bytesToUint(bytes.subarray(i, i + 32));
    if (w >= BN254_Q) throw bad(`word ${i / 32} is not below q`);
    out.push(w);
  }
  return out;
}

export function encodeGroth16Proof(p: SnarkjsGroth16Proof): Hex {
  return encodeProofWords(1, groth16ProofWords(p));
}

/**
 * Words from snarkjs' `exportSolidityCallData` output for PLONK / FFLONK: the first bracketed list of
 * 0x-prefixed words (the proof), before the public signals.
 */
export function proofWordsFromSolidityCalldata(calldata: string): bigint[] {
  const m = /\[([^\]]*)\]/.exec(calldata);
  if (m === null) throw bad("no [ ... ] list in the calldata");
  const items = m[1]!.split(",").map((x) => x.trim().replace(/^"|"$/g, ""));
  return items.map((x) => {
    if (!/^0x[0-9a-fA-F]{1,64}$/.test(x)) throw bad("calldata words must be 0x hex");
    return BigInt(x);
  });
}

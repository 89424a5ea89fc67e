/**
 * Canonical proof bytes (SPEC §1.9): the proof as the words its Solidity verifier takes, each a 32-byte
 * big-endian word. Groth16: 8 words (pA, pB, pC, G2 coordinates in the verifier's [x1, x0] order).
 * PLONK / FFLONK: the 24 words of snarkjs' Solidity calldata.
 */
import { bytesToUint, concatBytes, fromHex, toHex, word, type Hex } from "./bytes.js";
import { BN254_Q, BN254_R, PROOF_BYTES, type ProofSystem } from "./constants.js";
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

/** A PLONK proof as snarkjs writes it: G1 points as decimal strings (projective, z = 1; z = 0 is the point at infinity). */
export interface SnarkjsPlonkProof {
  A: readonly string[];
  B: readonly string[];
  C: readonly string[];
  Z: readonly string[];
  T1: readonly string[];
  T2: readonly string[];
  T3: readonly string[];
  Wxi: readonly string[];
  Wxiw: readonly string[];
  eval_a: string;
  eval_b: string;
  eval_c: string;
  eval_s1: string;
  eval_s2: string;
  eval_zw: string;
}

/** An FFLONK proof as snarkjs writes it: commitments under `polynomials`, field elements under `evaluations`. */
export interface SnarkjsFflonkProof {
  polynomials: { C1: readonly string[]; C2: readonly string[]; W1: readonly string[]; W2: readonly string[] };
  evaluations: Record<(typeof FFLONK_EVALUATIONS)[number], string>;
}

/** PLONK G1 commitments, then evaluations, in snarkjs' Solidity calldata order. */
const PLONK_POINTS = ["A", "B", "C", "Z", "T1", "T2", "T3", "Wxi", "Wxiw"] as const;
const PLONK_EVALUATIONS = ["eval_a", "eval_b", "eval_c", "eval_s1", "eval_s2", "eval_zw"] as const;
/** FFLONK G1 commitments, then evaluations, in snarkjs' Solidity calldata order. */
const FFLONK_POINTS = ["C1", "C2", "W1", "W2"] as const;
const FFLONK_EVALUATIONS = ["ql", "qr", "qm", "qo", "qc", "s1", "s2", "s3", "a", "b", "c", "z", "zw", "t1w", "t2w", "inv"] as const;

/**
 * A G1 point's two calldata words. snarkjs writes a point as [x, y, z] with z = 1, or [0, 1, 0] for the point
 * at infinity; its calldata carries x, y only (so infinity is (0, 1), which is not on the curve).
 */
function g1Words(p: readonly string[] | undefined, name: string): [bigint, bigint] {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) throw bad(`${name} must be a G1 point [x, y, z]`);
  const z = p.length === 3 ? coord(p[2] as string | undefined) : 1n;
  if (z !== 1n && z !== 0n) throw bad(`${name} must be in affine form (z = 1)`);
  const x = coord(p[0] as string | undefined);
  const y = coord(p[1] as string | undefined);
  if (z === 0n && (x !== 0n || y !== 1n)) throw bad(`${name}: the point at infinity is [0, 1, 0]`);
  return [x, y];
}

function g1FromWords(x: bigint, y: bigint): string[] {
  return x === 0n && y === 1n ? ["0", "1", "0"] : [x.toString(), y.toString(), "1"];
}

function scalarWord(v: string | undefined, name: string): bigint {
  if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v)) throw bad(`${name} must be a decimal string`);
  const w = BigInt(v);
  if (w >= BN254_R) throw bad(`${name} is not below the BN254 scalar field order`);
  return w;
}

function recordOf(p: unknown, what: string): Record<string, unknown> {
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw bad(`${what} must be an object`);
  return p as Record<string, unknown>;
}

/** PLONK proof words in snarkjs' Solidity calldata order (24 words). */
export function plonkProofWords(p: SnarkjsPlonkProof): bigint[] {
  const o = recordOf(p, "a PLONK proof");
  const out: bigint[] = [];
  for (const k of PLONK_POINTS) out.push(...g1Words(o[k] as string[] | undefined, k));
  for (const k of PLONK_EVALUATIONS) out.push(scalarWord(o[k] as string | undefined, k));
  return out;
}

/** 24 words back to the snarkjs PLONK JSON shape. */
export function plonkProofFromWords(words: readonly bigint[]): SnarkjsPlonkProof & { protocol: "plonk"; curve: "bn128" } {
  if (words.length !== 24) throw bad("a PLONK proof is 24 words");
  const out: Record<string, unknown> = {};
  PLONK_POINTS.forEach((k, i) => (out[k] = g1FromWords(words[2 * i]!, words[2 * i + 1]!)));
  PLONK_EVALUATIONS.forEach((k, i) => (out[k] = words[2 * PLONK_POINTS.length + i]!.toString()));
  return { ...(out as unknown as SnarkjsPlonkProof), protocol: "plonk", curve: "bn128" };
}

/** FFLONK proof words in snarkjs' Solidity calldata order (24 words). */
export function fflonkProofWords(p: SnarkjsFflonkProof): bigint[] {
  const o = recordOf(p, "an FFLONK proof");
  const polys = recordOf(o.polynomials, "polynomials");
  const evals = recordOf(o.evaluations, "evaluations");
  const out: bigint[] = [];
  for (const k of FFLONK_POINTS) out.push(...g1Words(polys[k] as string[] | undefined, k));
  for (const k of FFLONK_EVALUATIONS) out.push(scalarWord(evals[k] as string | undefined, k));
  return out;
}

/** 24 words back to the snarkjs FFLONK JSON shape. */
export function fflonkProofFromWords(words: readonly bigint[]): SnarkjsFflonkProof & { protocol: "fflonk"; curve: "bn128" } {
  if (words.length !== 24) throw bad("an FFLONK proof is 24 words");
  const polynomials: Record<string, string[]> = {};
  const evaluations: Record<string, string> = {};
  FFLONK_POINTS.forEach((k, i) => (polynomials[k] = g1FromWords(words[2 * i]!, words[2 * i + 1]!)));
  FFLONK_EVALUATIONS.forEach((k, i) => (evaluations[k] = words[2 * FFLONK_POINTS.length + i]!.toString()));
  return {
    polynomials: polynomials as unknown as SnarkjsFflonkProof["polynomials"],
    evaluations,
    protocol: "fflonk",
    curve: "bn128",
  };
}

/** Any snarkjs proof object (groth16, plonk or fflonk JSON). */
export type SnarkjsProof = SnarkjsGroth16Proof | SnarkjsPlonkProof | SnarkjsFflonkProof;

/** A snarkjs proof object (proof.json) of the given proof system to its proof words (SPEC §1.9). */
export function snarkjsProofWords(proofSystem: ProofSystem, proof: unknown): bigint[] {
  switch (proofSystem) {
    case 1:
      recordOf(proof, "a Groth16 proof");
      return groth16ProofWords(proof as SnarkjsGroth16Proof);
    case 2:
      return plonkProofWords(proof as SnarkjsPlonkProof);
    case 3:
      return fflonkProofWords(proof as SnarkjsFflonkProof);
    default:
      throw bad(`unknown proof system ${String(proofSystem)}`);
  }
}

/** Proof words back to the snarkjs proof object that snarkjs' `<system>.verify` takes. */
export function snarkjsProofFromWords(proofSystem: ProofSystem, words: readonly bigint[]): Record<string, unknown> {
  switch (proofSystem) {
    case 1:
      return groth16ProofFromWords(words) as unknown as Record<string, unknown>;
    case 2:
      return plonkProofFromWords(words) as unknown as Record<string, unknown>;
    case 3:
      return fflonkProofFromWords(words) as unknown as Record<string, unknown>;
    default:
      throw bad(`unknown proof system ${String(proofSystem)}`);
  }
}

/** A snarkjs proof object to canonical proof bytes (SPEC §1.9). */
export function encodeSnarkjsProof(proofSystem: ProofSystem, proof: unknown): Hex {
  return encodeProofWords(proofSystem, snarkjsProofWords(proofSystem, proof));
}

/** Canonical proof bytes to the snarkjs proof object (checks length and every word < q). */
export function decodeSnarkjsProof(proofSystem: ProofSystem, proof: Hex): Record<string, unknown> {
  return snarkjsProofFromWords(proofSystem, decodeProofWords(proofSystem, proof));
}

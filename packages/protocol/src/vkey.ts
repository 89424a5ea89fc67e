/**
 * Canonical verification keys (SPEC §1.12). The verification-key artifact of a circuit is one 32-byte header word
 * followed by the key's words, each a 32-byte big-endian integer; `vkeySha256` is the SHA-256 of those bytes.
 * The circuit registry on chain stores the same words and computes the same hash, so a circuit id is bound to
 * the key its proofs are checked against (SPEC §9.12).
 *
 * Header: "ZKVK" (4 bytes), format version 1 (1 byte), proof system code (1 byte), 26 zero bytes.
 * Words (G1 as x, y; G2 in the EVM precompile's order x1, x0, y1, y0; the point at infinity, which snarkjs writes
 * [0, 1, 0], as all-zero words, the precompiles' encoding of it):
 * - Groth16: nPublic, alpha(G1), beta(G2), gamma(G2), delta(G2), IC[0..nPublic](G1)
 * - PLONK:   nPublic, power, k1, k2, w, Qm, Ql, Qr, Qo, Qc, S1, S2, S3 (G1), X_2 (G2)
 * - FFLONK:  nPublic, power, k1, k2, w, w3, w4, w8, wr, C0 (G1), X_2 (G2)
 */
import { bytesToUint, concatBytes, word } from "./bytes.js";
import { BN254_Q, BN254_R, ProofSystem } from "./constants.js";
import { ProtocolError } from "./errors.js";

export const VKEY_MAGIC = Uint8Array.of(0x5a, 0x4b, 0x56, 0x4b); // "ZKVK"
export const VKEY_FORMAT_VERSION = 1;
/** Largest nPublic a canonical key may declare (keeps a key within the EVM code size limit). */
export const MAX_VKEY_PUBLIC = 256;

/** A verification key as snarkjs exports it (vkey.json): decimal strings, projective points with z = 1. */
export interface SnarkjsVerificationKey {
  protocol: "groth16" | "plonk" | "fflonk";
  curve: string;
  nPublic: number;
  [field: string]: unknown;
}

type G1 = readonly unknown[];

const SYSTEM_OF_PROTOCOL = { groth16: ProofSystem.Groth16, plonk: ProofSystem.Plonk, fflonk: ProofSystem.Fflonk } as const;
const PROTOCOL_OF_SYSTEM = { 1: "groth16", 2: "plonk", 3: "fflonk" } as const;

const PLONK_POINTS = ["Qm", "Ql", "Qr", "Qo", "Qc", "S1", "S2", "S3"] as const;
const FFLONK_SCALARS = ["w", "w3", "w4", "w8", "wr"] as const;

function bad(why: string): ProtocolError {
  return new ProtocolError({ code: "FIELD_INVALID", message: "VerificationKey", field: "vkey" }, `invalid verification key: ${why}`);
}

/** A JSON number: a decimal or 0x-hex string, or a safe non-negative integer (tools write all three). */
function jsonInt(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === "string" && (/^[0-9]{1,78}$/.test(v) || /^0x[0-9a-fA-F]{1,64}$/.test(v))) return BigInt(v);
  return undefined;
}

function num(v: unknown, what: string, limit: bigint): bigint {
  const n = jsonInt(v);
  if (n === undefined) throw bad(`${what} must be a decimal string`);
  if (n >= limit) throw bad(`${what} is not below the field modulus`);
  return n;
}

function small(v: unknown, what: string, max: number): bigint {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw bad(`${what} must be an integer in [0, ${max}]`);
  return BigInt(v);
}

function g1(p: unknown, what: string): bigint[] {
  const a = p as G1;
  if (!Array.isArray(a) || a.length !== 3) throw bad(`${what} must be an affine G1 point [x, y, "1"] or infinity [0, 1, 0]`);
  const z = jsonInt(a[2]);
  if (z === 0n && jsonInt(a[0]) === 0n && jsonInt(a[1]) === 1n) return [0n, 0n];
  if (z !== 1n) throw bad(`${what} must be an affine G1 point [x, y, "1"] or infinity [0, 1, 0]`);
  return [num(a[0], `${what}.x`, BN254_Q), num(a[1], `${what}.y`, BN254_Q)];
}

function g2(p: unknown, what: string): bigint[] {
  const rows: readonly unknown[] = Array.isArray(p) ? (p as unknown[]) : [];
  const pair = (i: number): readonly unknown[] | undefined => {
    const r: unknown = rows[i];
    return Array.isArray(r) && r.length === 2 ? (r as unknown[]) : undefined;
  };
  const [x, y, z] = [pair(0), pair(1), pair(2)];
  if (rows.length !== 3 || x === undefined || y === undefined || z === undefined || jsonInt(z[0]) !== 1n || jsonInt(z[1]) !== 0n)
    throw bad(`${what} must be an affine G2 point [[x0, x1], [y0, y1], ["1", "0"]]`);
  return [num(x[1], `${what}.x1`, BN254_Q), num(x[0], `${what}.x0`, BN254_Q), num(y[1], `${what}.y1`, BN254_Q), num(y[0], `${what}.y0`, BN254_Q)];
}

/** The header word of a canonical key of `proofSystem`. */
export function vkeyHeader(proofSystem: number): Uint8Array {
  const h = new Uint8Array(32);
  h.set(VKEY_MAGIC, 0);
  h[4] = VKEY_FORMAT_VERSION;
  h[5] = proofSystem;
  return h;
}

/** The key's words (without the header) from a snarkjs vkey.json object. */
export function verificationKeyWords(vk: SnarkjsVerificationKey): { proofSystem: ProofSystem; words: bigint[] } {
  if (typeof vk !== "object" || vk === null) throw bad("not a JSON object");
  const proofSystem = SYSTEM_OF_PROTOCOL[vk.protocol];
  if (proofSystem === undefined) throw bad(`protocol ${String(vk.protocol)} is not groth16, plonk or fflonk`);
  if (vk.curve !== "bn128") throw bad(`curve ${String(vk.curve)} is not bn128 (BN254)`);
  const nPublic = small(vk.nPublic, "nPublic", MAX_VKEY_PUBLIC);
  const words: bigint[] = [nPublic];
  if (proofSystem === ProofSystem.Groth16) {
    words.push(...g1(vk["vk_alpha_1"], "vk_alpha_1"), ...g2(vk["vk_beta_2"], "vk_beta_2"), ...g2(vk["vk_gamma_2"], "vk_gamma_2"), ...g2(vk["vk_delta_2"], "vk_delta_2"));
    const ic = vk["IC"];
    if (!Array.isArray(ic) || ic.length !== Number(nPublic) + 1) throw bad("IC must hold nPublic + 1 points");
    ic.forEach((p, i) => words.push(...g1(p, `IC[${i}]`)));
    return { proofSystem, words };
  }
  words.push(small(vk["power"], "power", 28), num(vk["k1"], "k1", BN254_R), num(vk["k2"], "k2", BN254_R));
  if (proofSystem === ProofSystem.Plonk) {
    words.push(num(vk["w"], "w", BN254_R));
    for (const name of PLONK_POINTS) words.push(...g1(vk[name], name));
  } else {
    for (const name of FFLONK_SCALARS) words.push(num(vk[name], name, BN254_R));
    words.push(...g1(vk["C0"], "C0"));
  }
  words.push(...g2(vk["X_2"], "X_2"));
  return { proofSystem, words };
}

/** Number of words (without the header) a key of `proofSystem` with `nPublic` inputs has. */
export function verificationKeyLength(proofSystem: number, nPublic: number): number {
  if (proofSystem === ProofSystem.Groth16) return 15 + 2 * (nPublic + 1);
  if (proofSystem === ProofSystem.Plonk) return 25;
  if (proofSystem === ProofSystem.Fflonk) return 15;
  throw bad(`proof system ${proofSystem} is unknown`);
}

/** The canonical key artifact bytes (header, then words) of a snarkjs vkey.json object. */
export function encodeVerificationKey(vk: SnarkjsVerificationKey): Uint8Array<ArrayBuffer> {
  const { proofSystem, words } = verificationKeyWords(vk);
  return concatBytes(vkeyHeader(proofSystem), ...words.map(word));
}

/** Whether `bytes` start with the canonical key header (as opposed to, say, snarkjs' JSON). */
export function isCanonicalVerificationKey(bytes: Uint8Array): boolean {
  return bytes.length >= 32 && VKEY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decodes canonical key bytes into the snarkjs vkey object its verifiers take. Throws ProtocolError on anything
 * that is not exactly a canonical key (wrong header, length, or values out of range).
 */
export function decodeVerificationKey(bytes: Uint8Array): SnarkjsVerificationKey {
  if (!isCanonicalVerificationKey(bytes)) throw bad("missing the ZKVK header");
  if (bytes.length % 32 !== 0 || bytes.length < 64) throw bad("length is not a whole number of words");
  if (bytes[4] !== VKEY_FORMAT_VERSION) throw bad(`format version ${bytes[4]} is not ${VKEY_FORMAT_VERSION}`);
  if (bytes.subarray(6, 32).some((b) => b !== 0)) throw bad("header padding must be zero");
  const protocol = PROTOCOL_OF_SYSTEM[bytes[5] as 1 | 2 | 3] as SnarkjsVerificationKey["protocol"] | undefined;
  if (protocol === undefined) throw bad(`proof system ${bytes[5]} is unknown`);
  const w: bigint[] = [];
  for (let i = 32; i < bytes.length; i += 32) w.push(bytesToUint(bytes.subarray(i, i + 32)));
  const nPublic = w[0]!;
  if (nPublic > BigInt(MAX_VKEY_PUBLIC)) throw bad(`nPublic ${nPublic} exceeds ${MAX_VKEY_PUBLIC}`);
  if (w.length !== verificationKeyLength(bytes[5]!, Number(nPublic))) throw bad(`${w.length} words is the wrong length for this key`);
  let at = 1;
  const s = (limit: bigint, what: string): string => {
    const v = w[at++]!;
    if (v >= limit) throw bad(`${what} is not below the field modulus`);
    return v.toString();
  };
  const p1 = (what: string): string[] => {
    const [x, y] = [s(BN254_Q, `${what}.x`), s(BN254_Q, `${what}.y`)];
    return x === "0" && y === "0" ? ["0", "1", "0"] : [x, y, "1"];
  };
  const p2 = (what: string): string[][] => {
    const [x1, x0, y1, y0] = [s(BN254_Q, what), s(BN254_Q, what), s(BN254_Q, what), s(BN254_Q, what)];
    return [[x0, x1], [y0, y1], ["1", "0"]];
  };
  const vk: SnarkjsVerificationKey = { protocol, curve: "bn128", nPublic: Number(nPublic) };
  if (protocol === "groth16") {
    vk["vk_alpha_1"] = p1("vk_alpha_1");
    vk["vk_beta_2"] = p2("vk_beta_2");
    vk["vk_gamma_2"] = p2("vk_gamma_2");
    vk["vk_delta_2"] = p2("vk_delta_2");
    vk["IC"] = Array.from({ length: Number(nPublic) + 1 }, (_, i) => p1(`IC[${i}]`));
    return vk;
  }
  const power = w[at++]!;
  if (power > 28n) throw bad("power must be at most 28");
  vk["power"] = Number(power);
  vk["k1"] = s(BN254_R, "k1");
  vk["k2"] = s(BN254_R, "k2");
  if (protocol === "plonk") {
    vk["w"] = s(BN254_R, "w");
    for (const name of PLONK_POINTS) vk[name] = p1(name);
  } else {
    for (const name of FFLONK_SCALARS) vk[name] = s(BN254_R, name);
    vk["C0"] = p1("C0");
  }
  vk["X_2"] = p2("X_2");
  return vk;
}

/**
 * The snarkjs vkey object from artifact bytes in either form: canonical (the wire artifact) or snarkjs' own
 * vkey.json text (what users and `snarkjs zkey export verificationkey` write).
 */
export function parseVerificationKey(bytes: Uint8Array): SnarkjsVerificationKey {
  if (isCanonicalVerificationKey(bytes)) return decodeVerificationKey(bytes);
  let vk: unknown;
  try {
    vk = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ProtocolError({ code: "MALFORMED", message: "VerificationKey", field: "vkey" },
      "invalid verification key: neither a canonical ZKVK key nor snarkjs vkey JSON", { cause });
  }
  return canonicalVerificationKey(vk as SnarkjsVerificationKey);
}

/** A snarkjs vkey object reduced to the fields the canonical form keeps (both forms then compare equal). */
export function canonicalVerificationKey(vk: SnarkjsVerificationKey): SnarkjsVerificationKey {
  return decodeVerificationKey(encodeVerificationKey(vk));
}

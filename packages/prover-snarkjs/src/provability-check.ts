/**
 * The parts of the provability check (SPEC §9.7) that need no snarkjs: the layout of a zkey and of a
 * witness file, and comparing a verification key with the one derived from the proving key. Pure functions
 * over bytes; the worker thread runs them (never the main thread: the files can be large).
 */
import type { ProofSystem } from "@zkpool/ump";

/** BN254 base field (G1/G2 coordinates) and scalar field (witness values, public signals). */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export const PROOF_SYSTEMS: Record<1 | 2 | 3, ProofSystem> = { 1: "groth16", 2: "plonk", 3: "fflonk" };
const PROTOCOL_IDS: Record<number, ProofSystem> = { 1: "groth16", 2: "plonk", 10: "fflonk" };
/** Sections a complete zkey of each system has (ids 1..n, each once): snarkjs zkey_constants/plonk/fflonk. */
const SECTION_COUNT: Record<ProofSystem, number> = { groth16: 10, plonk: 14, fflonk: 17 };

/** A check that fails with a reason the verdict carries. */
export class CheckFailure extends Error {}

interface Section {
  offset: number;
  size: number;
}

/** Parse the iden3 binary container ("zkey", "wtns", …): magic, version, sections that must tile the file. */
export function readSections(bytes: Uint8Array, magic: string, what: string): Map<number, Section[]> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12)
    throw new CheckFailure(`${what} is ${bytes.byteLength} bytes: too short for a header`);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic)
    throw new CheckFailure(`${what} does not start with "${magic}" (found ${JSON.stringify(found)})`);
  const nSections = dv.getUint32(8, true);
  const sections = new Map<number, Section[]>();
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > bytes.byteLength) {
      throw new CheckFailure(
        `${what} is truncated: section header ${i + 1} of ${nSections} lies past the end (${bytes.byteLength} bytes)`,
      );
    }
    const id = dv.getUint32(pos, true);
    const size = dv.getBigUint64(pos + 4, true);
    const offset = pos + 12;
    if (BigInt(offset) + size > BigInt(bytes.byteLength)) {
      throw new CheckFailure(
        `${what} is truncated: section ${id} needs ${size} bytes at offset ${offset}, the file has ${bytes.byteLength}`,
      );
    }
    const list = sections.get(id) ?? [];
    list.push({ offset, size: Number(size) });
    sections.set(id, list);
    pos = offset + Number(size);
  }
  if (pos !== bytes.byteLength) {
    throw new CheckFailure(`${what} has ${bytes.byteLength - pos} bytes after its last section`);
  }
  return sections;
}

function section(sections: Map<number, Section[]>, id: number, what: string): Section {
  const list = sections.get(id);
  if (list === undefined || list.length === 0) throw new CheckFailure(`${what} has no section ${id}`);
  if (list.length > 1) throw new CheckFailure(`${what} has section ${id} ${list.length} times`);
  return list[0]!;
}

function readLE(bytes: Uint8Array, offset: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

export interface ZkeyLayout {
  protocol: ProofSystem;
  nVars: number;
  nPublic: number;
  domainSize: number;
  /** Witness length the proving key expects (PLONK/FFLONK: nVars − nAdditions). */
  nWitness: number;
}

/**
 * Read a zkey's protocol and header and check its layout: sections tile the file, each section the protocol
 * needs is there once, the curve is BN254, and (Groth16) every point section has the size the header implies.
 * Throws CheckFailure (→ BAD_ZKEY).
 */
export function readZkeyLayout(bytes: Uint8Array): ZkeyLayout {
  const what = "the proving key (zkey)";
  const sections = readSections(bytes, "zkey", what);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s1 = section(sections, 1, what);
  if (s1.size !== 4) throw new CheckFailure(`${what}: section 1 is ${s1.size} bytes, expected 4`);
  const protocolId = dv.getUint32(s1.offset, true);
  const protocol = PROTOCOL_IDS[protocolId];
  if (protocol === undefined) throw new CheckFailure(`${what} has unknown protocol id ${protocolId}`);
  const count = SECTION_COUNT[protocol];
  for (let id = 1; id <= count; id++) section(sections, id, what);
  for (const id of sections.keys()) {
    if (id < 1 || id > count)
      throw new CheckFailure(`${what}: unexpected section ${id} in a ${protocol} key`);
  }
  const h = section(sections, 2, what);
  // n8q, q, n8r, r, nVars, nPublic, domainSize (+ nAdditions for PLONK/FFLONK)
  const fixed = 4 + 32 + 4 + 32 + 12 + (protocol === "groth16" ? 0 : 4);
  if (h.size < fixed) throw new CheckFailure(`${what}: header section is ${h.size} bytes, too short`);
  let p = h.offset;
  const n8q = dv.getUint32(p, true);
  if (n8q !== 32) throw new CheckFailure(`${what} is not over BN254 (base field of ${n8q} bytes)`);
  const q = readLE(bytes, p + 4, 32);
  p += 36;
  const n8r = dv.getUint32(p, true);
  const r = n8r === 32 ? readLE(bytes, p + 4, 32) : 0n;
  p += 4 + n8r;
  if (q !== BN254_Q || r !== BN254_R)
    throw new CheckFailure(`${what} is not over BN254 (other field moduli)`);
  const nVars = dv.getUint32(p, true);
  const nPublic = dv.getUint32(p + 4, true);
  const domainSize = dv.getUint32(p + 8, true);
  const nAdditions = protocol === "groth16" ? 0 : dv.getUint32(p + 12, true);
  if (domainSize === 0 || (domainSize & (domainSize - 1)) !== 0) {
    throw new CheckFailure(`${what}: domain size ${domainSize} is not a power of two`);
  }
  if (nPublic + 1 > nVars - nAdditions) {
    throw new CheckFailure(`${what}: ${nPublic} public signals do not fit in ${nVars - nAdditions} wires`);
  }
  if (protocol === "groth16") {
    const g1 = 64;
    const expect: [number, number, string][] = [
      [3, (nPublic + 1) * g1, "IC"],
      [5, nVars * g1, "A"],
      [6, nVars * g1, "B1"],
      [7, nVars * 2 * g1, "B2"],
      [8, (nVars - nPublic - 1) * g1, "C"],
      [9, domainSize * g1, "H"],
    ];
    for (const [id, size, name] of expect) {
      const got = section(sections, id, what).size;
      if (got !== size) {
        throw new CheckFailure(
          `${what}: section ${id} (${name}) is ${got} bytes, the header implies ${size}`,
        );
      }
    }
  }
  return { protocol, nVars, nPublic, domainSize, nWitness: nVars - nAdditions };
}

/** The first 1 + nPublic values of a witness file, with its prime and length. Throws CheckFailure (→ BAD_WASM). */
export function readWitnessHead(
  bytes: Uint8Array,
  count: number,
): { prime: bigint; nWitness: number; values: bigint[] } {
  const what = "the witness the circuit wasm computed";
  const sections = readSections(bytes, "wtns", what);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s1 = section(sections, 1, what);
  const n8 = s1.size >= 4 ? dv.getUint32(s1.offset, true) : 0;
  if (n8 === 0 || s1.size !== 4 + n8 + 4) throw new CheckFailure(`${what} has a malformed header`);
  const prime = readLE(bytes, s1.offset + 4, n8);
  const nWitness = dv.getUint32(s1.offset + 4 + n8, true);
  const s2 = section(sections, 2, what);
  if (s2.size !== nWitness * n8) throw new CheckFailure(`${what}: ${s2.size} bytes for ${nWitness} values`);
  const values: bigint[] = [];
  for (let i = 0; i < Math.min(count, nWitness); i++) values.push(readLE(bytes, s2.offset + i * n8, n8));
  return { prime, nWitness, values };
}

/** A JSON value with every integer, written as a number or a decimal/hex string, in one form (decimal string). */
function normalise(v: unknown): unknown {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v).toString();
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string" && /^(?:-?\d+|0x[0-9a-fA-F]+)$/.test(v.trim()))
    return BigInt(v.trim()).toString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = normalise((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Where two verification keys first differ (a JSON path), or undefined when they are equal. */
export function vkeyDifference(derived: unknown, given: unknown): string | undefined {
  const walk = (a: unknown, b: unknown, path: string): string | undefined => {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b)) return path;
      if (a.length !== b.length) return `${path} (length ${b.length}, expected ${a.length})`;
      for (let i = 0; i < a.length; i++) {
        const d = walk(a[i], b[i], `${path}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
      const ka = Object.keys(a);
      const kb = Object.keys(b);
      for (const k of ka) if (!(k in b)) return `${path}.${k} (missing)`;
      for (const k of kb) if (!(k in a)) return `${path}.${k} (unexpected)`;
      for (const k of ka) {
        const d = walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    return a === b ? undefined : path;
  };
  return walk(normalise(derived), normalise(given), "$");
}

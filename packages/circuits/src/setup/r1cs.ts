/**
 * Small readers for the circom / snarkjs binary files setupCircuit needs before it runs snarkjs: the r1cs
 * header and constraint shape (to know the powers of tau each proof system needs), the .sym file (the main
 * component's input and output signal names) and the powers of tau header.
 */
import { open, readFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { ProofSystem } from "@zkpool/ump";

interface Section {
  pos: number;
  size: number;
}

/** The section table of an iden3 binary file ("r1cs", "ptau", "zkey", "wtns"). */
async function sections(fh: FileHandle, magic: string): Promise<Map<number, Section[]>> {
  const head = Buffer.alloc(12);
  const { bytesRead } = await fh.read(head, 0, 12, 0);
  if (bytesRead < 12 || head.toString("latin1", 0, 4) !== magic) {
    throw new Error(`not a ${magic} file`);
  }
  const n = head.readUInt32LE(8);
  const size = (await fh.stat()).size;
  const out = new Map<number, Section[]>();
  let pos = 12;
  const buf = Buffer.alloc(12);
  for (let i = 0; i < n; i++) {
    if ((await fh.read(buf, 0, 12, pos)).bytesRead < 12) throw new Error(`truncated ${magic} file`);
    const type = buf.readUInt32LE(0);
    const len = Number(buf.readBigUInt64LE(4));
    pos += 12;
    if (pos + len > size) throw new Error(`truncated ${magic} file (section ${type})`);
    const list = out.get(type) ?? [];
    list.push({ pos, size: len });
    out.set(type, list);
    pos += len;
  }
  return out;
}

async function readAt(fh: FileHandle, s: Section, len = s.size): Promise<Buffer> {
  const b = Buffer.alloc(len);
  await fh.read(b, 0, len, s.pos);
  return b;
}

export interface R1csHeader {
  n8: number;
  prime: bigint;
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nLabels: number;
  nConstraints: number;
}

function leBig(b: Buffer, off: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]!);
  return v;
}

export async function readR1csHeader(path: string): Promise<R1csHeader> {
  const fh = await open(path, "r");
  try {
    const secs = await sections(fh, "r1cs");
    const h = secs.get(1)?.[0];
    if (h === undefined) throw new Error("r1cs file has no header");
    const b = await readAt(fh, h);
    const n8 = b.readUInt32LE(0);
    let o = 4 + n8;
    const u32 = (): number => {
      const v = b.readUInt32LE(o);
      o += 4;
      return v;
    };
    const prime = leBig(b, 4, n8);
    const nWires = u32();
    const nOutputs = u32();
    const nPubInputs = u32();
    const nPrvInputs = u32();
    const nLabels = Number(b.readBigUInt64LE(o));
    o += 8;
    const nConstraints = u32();
    return { n8, prime, nWires, nOutputs, nPubInputs, nPrvInputs, nLabels, nConstraints };
  } finally {
    await fh.close();
  }
}

/**
 * Number of PLONK gates snarkjs makes of this r1cs (plonk_setup / fflonk_setup: one per public signal, then per
 * constraint one gate plus one per linear-combination term above what a gate holds: 3 for a sum, 1 per factor
 * of a product). Reads the whole constraint section.
 */
export async function countPlonkGates(path: string, header: R1csHeader): Promise<number> {
  const buf = await readFile(path);
  const fh = await open(path, "r");
  let sec: Section | undefined;
  try {
    sec = (await sections(fh, "r1cs")).get(2)?.[0];
  } finally {
    await fh.close();
  }
  if (sec === undefined) throw new Error("r1cs file has no constraints section");
  const p = header.prime;
  const n8 = header.n8;
  let o = sec.pos;
  type Lc = Map<number, bigint>;
  const readLc = (): Lc => {
    const n = buf.readUInt32LE(o);
    o += 4;
    const lc: Lc = new Map();
    for (let i = 0; i < n; i++) {
      const w = buf.readUInt32LE(o);
      const c = leBig(buf, o + 4, n8);
      o += 4 + n8;
      if (c !== 0n) lc.set(w, ((lc.get(w) ?? 0n) + c) % p);
    }
    return lc;
  };
  const vars = (lc: Lc): number => {
    let n = 0;
    for (const [w, c] of lc) if (w !== 0 && c !== 0n) n++;
    return n;
  };
  const kind = (lc: Lc): "null" | "const" | "var" =>
    vars(lc) > 0 ? "var" : (lc.get(0) ?? 0n) !== 0n ? "const" : "null";
  // k·lc1 − lc2
  const join = (lc1: Lc, k: bigint, lc2: Lc): Lc => {
    const r: Lc = new Map();
    for (const [w, c] of lc1) r.set(w, (k * c) % p);
    for (const [w, c] of lc2) r.set(w, ((r.get(w) ?? 0n) - c + p) % p);
    return r;
  };
  const sum = (lc: Lc): number => Math.max(0, vars(lc) - 3) + 1;
  const over1 = (lc: Lc): number => Math.max(0, vars(lc) - 1);
  let gates = header.nOutputs + header.nPubInputs;
  for (let i = 0; i < header.nConstraints; i++) {
    const a = readLc();
    const b = readLc();
    const c = readLc();
    const ka = kind(a);
    const kb = kind(b);
    if (ka === "null" || kb === "null") gates += sum(c);
    else if (ka === "const") gates += sum(join(b, a.get(0)!, c));
    else if (kb === "const") gates += sum(join(a, b.get(0)!, c));
    else gates += over1(a) + over1(b) + over1(c) + 1;
  }
  return gates;
}

const bitLength = (n: number): number => (n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1);

/** Smallest powers of tau power snarkjs accepts for this circuit and proof system (its own formulas). */
export function requiredPower(system: ProofSystem, header: R1csHeader, plonkGates?: number): number {
  const nPublic = header.nOutputs + header.nPubInputs;
  if (system === "groth16") return bitLength(header.nConstraints + nPublic);
  if (plonkGates === undefined) throw new Error(`${system}: the PLONK gate count is needed`);
  if (system === "plonk") return Math.max(3, bitLength(plonkGates - 1));
  // fflonk: domain 2^c with c = max(3, log2(gates + 1) + 1); it reads 9·2^c + 18 G1 powers (2^(p+1) − 1 in a ptau)
  const c = Math.max(3, bitLength(plonkGates + 1));
  return fflonkPowerFor(c);
}

export function fflonkG1Needed(cirPower: number): number {
  return 9 * 2 ** cirPower + 18;
}

function fflonkPowerFor(cirPower: number): number {
  let p = 1;
  while (2 ** (p + 1) - 1 < fflonkG1Needed(cirPower)) p++;
  return p;
}

export interface PtauInfo {
  power: number;
  ceremonyPower: number;
  /** `prepare phase 2` was run (Lagrange sections present), as snarkjs' zkey setup needs. */
  prepared: boolean;
  /** G1 powers of tau the file holds (section 2). */
  tauG1Points: number;
}

export async function readPtauInfo(path: string): Promise<PtauInfo> {
  const fh = await open(path, "r");
  try {
    const secs = await sections(fh, "ptau");
    const h = secs.get(1)?.[0];
    if (h === undefined) throw new Error("ptau file has no header");
    const b = await readAt(fh, h);
    const n8 = b.readUInt32LE(0);
    const power = b.readUInt32LE(4 + n8);
    const ceremonyPower = b.readUInt32LE(8 + n8);
    const g1 = secs.get(2)?.[0]?.size ?? 0;
    return { power, ceremonyPower, prepared: secs.has(12), tauG1Points: Math.floor(g1 / (2 * n8)) };
  } finally {
    await fh.close();
  }
}

export interface SignalInfo {
  /** Base name, e.g. "b" for `signal input b[2]`. */
  name: string;
  /** Array dimensions ([] for a scalar). */
  dims: number[];
  public: boolean;
}

export interface MainSignals {
  inputs: SignalInfo[];
  outputs: SignalInfo[];
  /** Public signal names in snarkjs order (outputs, then public inputs), one per element: "h", "c", "v[0]". */
  publicSignals: string[];
}

/**
 * The main component's inputs and outputs from circom's .sym file (`label,wire,component,name` per line).
 * circom lays out the main component's signals first, in the r1cs wire order: outputs, public inputs,
 * private inputs, then intermediates; so the first nOutputs + nPubInputs + nPrvInputs labels named
 * `main.<name>` or `main.<name>[i]…` are the outputs and inputs, in that order, even those whose wire the
 * optimiser removed (wire -1: an input the constraints do not use still has to be given).
 */
export async function readMainSignals(symPath: string, header: R1csHeader): Promise<MainSignals> {
  const text = await readFile(symPath, "utf8");
  interface Label {
    label: number;
    wire: number;
    component: string;
    base: string;
    index: string;
  }
  const labels: Label[] = [];
  for (const line of text.split("\n")) {
    const parts = line.split(",");
    if (parts.length < 4) continue;
    const m = /^main\.([A-Za-z_$][\w$]*)((?:\[\d+\])*)$/.exec(parts.slice(3).join(",").trim());
    if (m === null) continue;
    labels.push({ label: Number(parts[0]), wire: Number(parts[1]), component: parts[2]!, base: m[1]!, index: m[2] ?? "" });
  }
  labels.sort((a, b) => a.label - b.label);
  const mainComponent = labels[0]?.component;
  const nOut = header.nOutputs;
  const nPub = header.nPubInputs;
  const io = labels.filter((l) => l.component === mainComponent).slice(0, nOut + nPub + header.nPrvInputs);
  if (io.length !== nOut + nPub + header.nPrvInputs) {
    throw new Error(`${symPath} does not match the r1cs: ${io.length} main signals for ${nOut + nPub + header.nPrvInputs} inputs and outputs`);
  }
  // wires of the kept signals increase (an unused input's wire is removed and the later ones move down)
  let last = 0;
  io.forEach((l, i) => {
    if (l.wire === -1) return;
    if (l.wire <= last || l.wire > i + 1) {
      throw new Error(`${symPath} does not match the r1cs: main.${l.base}${l.index} is wire ${l.wire}`);
    }
    last = l.wire;
  });
  const group = (ls: Label[], pub: (i: number) => boolean): SignalInfo[] => {
    const out = new Map<string, SignalInfo>();
    ls.forEach((l, i) => {
      const idx = [...l.index.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
      let info = out.get(l.base);
      if (info === undefined) {
        info = { name: l.base, dims: idx.map(() => 0), public: pub(i) };
        out.set(l.base, info);
      }
      const d = info.dims;
      idx.forEach((v, k) => (d[k] = Math.max(d[k] ?? 0, v + 1)));
    });
    return [...out.values()];
  };
  return {
    outputs: group(io.slice(0, nOut), () => true),
    inputs: group(io.slice(nOut), (i) => i < nPub),
    publicSignals: io.slice(0, nOut + nPub).map((l) => `${l.base}${l.index}`),
  };
}

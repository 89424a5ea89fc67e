/**
 * Decoder fuzzing (issue 12): feeds random and mutated inputs to every wire decoder of @zkpool/protocol
 * (`decode*` of src/codec) and checks that each one either returns a message or throws a typed error (a
 * ZkPoolError). Anything else (TypeError, RangeError, a hang) is a finding. Inputs the decoder accepts must
 * also re-encode to exactly the same bytes (canonical form, SPEC §1.10); a difference is a finding too.
 *
 * Seeds: the language-neutral vectors in protocol/vectors/ (messages, invalid encodings, certificates) and more
 * encodings made with the encoders from the dev fixtures (every vote and certificate kind, PLONK proofs, long
 * lists). Mutations: bit flips, byte sets, truncation, extension, insertion, deletion, protobuf field drops,
 * duplications, swaps and repeats, varint tweaks (non-minimal forms, huge lengths, wire type changes), splices of
 * two seeds, and purely random bytes.
 *
 * The decoders run in a worker; the main thread watches its progress and reports the input a hang is stuck on.
 *
 * Not here: the node's sync request parser (`parseSyncRequest`, @zkpool/node), which this package cannot import
 * (dependencies point one way). It is fuzzed the same way, 100,000 inputs against a model of its wire format, in
 * packages/node/test/sync-parse.test.ts.
 *
 * Run: `node packages/protocol/dist/bench/fuzz.js [--iterations N] [--seed S]` (N total, default 1,000,000).
 * Exit status 1 if there is any finding.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import * as codec from "../src/codec/index.js";
import {
  assembleCertificate,
  attesterSet,
  bidCommitment,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  encodeTask,
  encodeVote,
  fromHex,
  isZkPoolError,
  proofHash,
  signVote,
  taskId,
  ZkPoolError,
  type Hex,
  type UnsignedVote,
  type Vote,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  DOMAIN,
  devAddress,
  devAssignmentVote,
  devBidCommit,
  devBidReveal,
  devOperatorRecord,
  devProofSubmission,
  devTask,
  devWallet,
  hashOf,
} from "../test/fixtures.js";
import { Rng } from "./rng.js";

/* ---------------- the decoders under test ---------------- */

type Decode = (bytes: Uint8Array) => unknown;
/** Re-encodes what a decoder returned (the canonical round trip). */
type Encode = (msg: unknown) => Uint8Array;
type SeedKind = "Task" | "OperatorRecord" | "BidCommit" | "BidReveal" | "Vote" | "Certificate" | "ProofSubmission";

interface Target {
  name: string;
  decode: Decode;
  encode: Encode;
  /** Seed kinds that are valid input of this decoder. */
  kinds: SeedKind[];
}

const TARGETS: Target[] = [
  { name: "decodeTask", decode: codec.decodeTask, encode: (m) => encodeTask(m as never), kinds: ["Task"] },
  { name: "decodeOperatorRecord", decode: codec.decodeOperatorRecord, encode: (m) => encodeOperatorRecord(m as never), kinds: ["OperatorRecord"] },
  { name: "decodeBidCommit", decode: codec.decodeBidCommit, encode: (m) => encodeBidCommit(m as never), kinds: ["BidCommit"] },
  { name: "decodeBidReveal", decode: codec.decodeBidReveal, encode: (m) => encodeBidReveal(m as never), kinds: ["BidReveal"] },
  {
    name: "decodeBid",
    decode: codec.decodeBid,
    encode: (m) => {
      const b = m as codec.BidMessage;
      return b.kind === "commit" ? encodeBidCommit(b.commit) : encodeBidReveal(b.reveal);
    },
    kinds: ["BidCommit", "BidReveal"],
  },
  { name: "decodeVote", decode: codec.decodeVote, encode: (m) => encodeVote(m as never), kinds: ["Vote"] },
  { name: "decodeCertificate", decode: codec.decodeCertificate, encode: (m) => encodeCertificate(m as never), kinds: ["Certificate"] },
  { name: "decodeProofSubmission", decode: codec.decodeProofSubmission, encode: (m) => encodeProofSubmission(m as never), kinds: ["ProofSubmission"] },
];

/** Every `decode*` function the codec exports must be fuzzed: a new decoder cannot be skipped silently. */
function checkCoverage(): void {
  const exported = Object.entries(codec).filter(([k, v]) => k.startsWith("decode") && typeof v === "function").map(([k]) => k).sort();
  const covered = TARGETS.map((t) => t.name).sort();
  const missing = exported.filter((k) => !covered.includes(k));
  if (missing.length > 0) {
    console.error(`fuzz: decoders without a fuzz target: ${missing.join(", ")} (add them to TARGETS in bench/fuzz.ts)`);
    process.exit(1);
  }
}

/* ---------------- seeds ---------------- */

const VECTORS = fileURLToPath(new URL("../../../../protocol/vectors/", import.meta.url));

function vectorSeeds(): Array<[SeedKind, Uint8Array]> {
  const out: Array<[SeedKind, Uint8Array]> = [];
  const read = (f: string): unknown => JSON.parse(readFileSync(VECTORS + f, "utf8")) as unknown;
  const messages = read("messages.json") as { cases: Array<{ name: string; encoding: Hex }> };
  for (const c of messages.cases) out.push([c.name.split("/")[0] as SeedKind, fromHex(c.encoding)]);
  const invalid = read("invalid-encodings.json") as { cases: Array<{ message: SeedKind; encoding: Hex }> };
  for (const c of invalid.cases) out.push([c.message, fromHex(c.encoding)]);
  const certs = read("certificates.json") as { cases: Array<{ certificate: Hex }> };
  for (const c of certs.cases) out.push(["Certificate", fromHex(c.certificate)]);
  return out;
}

function encoderSeeds(): Array<[SeedKind, Uint8Array]> {
  const out: Array<[SeedKind, Uint8Array]> = [];
  const groth = encodeProofWords(1, DEV_PROOF_WORDS);
  const plonk = encodeProofWords(2, Array.from({ length: 24 }, (_, i) => BigInt(i + 1) * 0xabcdefn));
  for (const task of [devTask(), devTask({ proofSystem: 2, maxRounds: 1, penalty: 0n }), devTask({ proofSystem: 3, maxReward: (1n << 255n) + 1n, nonce: (1n << 64n) - 1n })]) {
    out.push(["Task", encodeTask(task)]);
    out.push(["BidCommit", encodeBidCommit(devBidCommit(1, task, 5n))]);
    out.push(["BidReveal", encodeBidReveal(devBidReveal(2, task, 10n ** 18n))]);
    out.push(["ProofSubmission", encodeProofSubmission(devProofSubmission(1, task, task.proofSystem === 1 ? groth : plonk))]);
    const id = taskId(task, DOMAIN);
    const bodies: Array<Omit<UnsignedVote, "attester">> = [
      { kind: "assignment", taskId: id, round: 0, prover: devAddress(1), price: 5n },
      { kind: "completion", taskId: id, round: 1, prover: devAddress(1), proofHash: proofHash(groth) },
      { kind: "default", taskId: id, round: 2, prover: devAddress(2) },
      { kind: "invalid", taskId: id, round: 0 },
      { kind: "nonReveal", taskId: id, round: 0, prover: devAddress(3), commitment: bidCommitment(id, devAddress(3), 7n, hashOf("s")) },
    ] as Array<Omit<UnsignedVote, "attester">>;
    const stakes = attesterSet([1, 2, 3, 4, 5].map((i) => [devAddress(i), BigInt(i)] as const));
    for (const body of bodies) {
      const votes: Vote[] = [1, 2, 3, 4, 5].map((i) => signVote({ ...body, attester: devAddress(i) } as UnsignedVote, devWallet(i), DOMAIN));
      out.push(["Vote", encodeVote(votes[0]!)]);
      const cert = assembleCertificate(votes[0]!, votes, stakes, DOMAIN);
      if (cert !== undefined) out.push(["Certificate", encodeCertificate(cert)]);
    }
    out.push(["Vote", encodeVote(devAssignmentVote(4, task, 2, 1n, 2))]);
  }
  out.push(["OperatorRecord", encodeOperatorRecord(devOperatorRecord(1))]);
  out.push(["OperatorRecord", encodeOperatorRecord(devOperatorRecord(2, { proofSystems: [3], moduleIds: ["a", "b.c", "d-e", "f_g"], capacity: 4096, seq: (1n << 64n) - 1n }))]);
  return out;
}

/* ---------------- randomness (deterministic per seed): bench/rng.ts ---------------- */

/* ---------------- protobuf-aware mutation ---------------- */

interface Field {
  start: number;
  /** End of the tag varint. */
  tagEnd: number;
  /** Start of the value (after the length varint for wire type 2). */
  valueStart: number;
  end: number;
  wire: number;
}

function readVarint(b: Uint8Array, at: number): { value: number; end: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = at; i < b.length && i < at + 10; i++) {
    value += (b[i]! & 0x7f) * mul;
    mul *= 128;
    if ((b[i]! & 0x80) === 0) return { value, end: i + 1 };
  }
  return undefined;
}

/** Top-level fields of a protobuf message, as far as they parse. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const tag = readVarint(b, at);
    if (tag === undefined) break;
    const wire = tag.value % 8;
    let valueStart = tag.end;
    let end: number;
    if (wire === 0) {
      const v = readVarint(b, tag.end);
      if (v === undefined) break;
      end = v.end;
    } else if (wire === 1) end = tag.end + 8;
    else if (wire === 5) end = tag.end + 4;
    else if (wire === 2) {
      const len = readVarint(b, tag.end);
      if (len === undefined) break;
      valueStart = len.end;
      end = len.end + len.value;
    } else break;
    if (end > b.length) break;
    out.push({ start: at, tagEnd: tag.end, valueStart, end, wire });
    at = end;
  }
  return out;
}

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const INTERESTING = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0f, 0x10, 0x1f, 0x20, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const BIG_VARINTS = [
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
  Uint8Array.from([0x80, 0x00]),
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x07]),
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x08]),
];

function mutateOnce(rng: Rng, input: Uint8Array, seeds: Uint8Array[]): Uint8Array {
  const b = input;
  const n = b.length;
  const fs = fields(b);
  switch (rng.int(16)) {
    case 0: { // bit flips
      const out = b.slice();
      for (let k = 1 + rng.int(4); k > 0 && n > 0; k--) out[rng.int(n)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1: { // byte set to an interesting or random value
      if (n === 0) return rng.bytes(1);
      const out = b.slice();
      out[rng.int(n)] = rng.int(2) === 0 ? rng.pick(INTERESTING) : rng.int(256);
      return out;
    }
    case 2: // truncation
      return b.slice(0, rng.int(n + 1));
    case 3: // extension with random bytes
      return cat(b, rng.bytes(1 + rng.int(32)));
    case 4: { // insertion
      const at = rng.int(n + 1);
      return cat(b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at));
    }
    case 5: { // deletion of a range
      const at = rng.int(n + 1);
      return cat(b.subarray(0, at), b.subarray(Math.min(n, at + 1 + rng.int(16))));
    }
    case 6: { // drop a field
      if (fs.length === 0) return b.slice(1);
      const f = rng.pick(fs);
      return cat(b.subarray(0, f.start), b.subarray(f.end));
    }
    case 7: { // duplicate a field (in place or at the end)
      if (fs.length === 0) return cat(b, b);
      const f = rng.pick(fs);
      const field = b.subarray(f.start, f.end);
      return rng.int(2) === 0 ? cat(b.subarray(0, f.end), field, b.subarray(f.end)) : cat(b, field);
    }
    case 8: { // swap two fields
      if (fs.length < 2) return b.slice();
      const i = rng.int(fs.length - 1);
      const [x, y] = [fs[i]!, fs[i + 1]!];
      return cat(b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.start, x.end), b.subarray(y.end));
    }
    case 9: { // repeat a field many times (repeated-field limits, sizes)
      if (fs.length === 0) return b.slice();
      const f = rng.pick(fs);
      const field = b.subarray(f.start, f.end);
      const times = 2 + rng.int(Math.max(2, Math.floor(4096 / Math.max(1, field.length))));
      return cat(b.subarray(0, f.end), ...Array.from({ length: times }, () => field), b.subarray(f.end));
    }
    case 10: { // non-minimal tag varint
      if (fs.length === 0) return b.slice();
      const f = rng.pick(fs);
      const tag = b.subarray(f.start, f.tagEnd).slice();
      tag[tag.length - 1]! |= 0x80;
      return cat(b.subarray(0, f.start), tag, Uint8Array.of(0x00), b.subarray(f.tagEnd));
    }
    case 11: { // change a field's wire type or number
      if (fs.length === 0) return b.slice();
      const f = rng.pick(fs);
      const out = b.slice();
      out[f.start] = rng.int(2) === 0 ? (out[f.start]! & ~7) | rng.int(8) : (out[f.start]! + 8 * (1 + rng.int(4))) & 0xff;
      return out;
    }
    case 12: { // tweak a length or varint value: +-1, or a huge / non-minimal varint
      if (fs.length === 0) return b.slice();
      const f = rng.pick(fs);
      if (f.wire !== 0 && f.wire !== 2) return b.slice();
      const vEnd = f.wire === 2 ? f.valueStart : f.end;
      const cur = readVarint(b, f.tagEnd)!;
      let enc: Uint8Array;
      if (rng.int(2) === 0) enc = rng.pick(BIG_VARINTS);
      else {
        let v = Math.max(0, cur.value + (rng.int(2) === 0 ? 1 : -1));
        const bytes: number[] = [];
        do {
          bytes.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
          v = Math.floor(v / 128);
        } while (v > 0);
        enc = Uint8Array.from(bytes);
      }
      return cat(b.subarray(0, f.tagEnd), enc, b.subarray(vEnd));
    }
    case 13: { // replace a field's payload with random bytes of the same length
      if (fs.length === 0) return rng.bytes(n);
      const f = rng.pick(fs);
      return cat(b.subarray(0, f.valueStart), rng.bytes(f.end - f.valueStart), b.subarray(f.end));
    }
    case 14: { // splice with another seed
      const other = rng.pick(seeds);
      return cat(b.subarray(0, rng.int(n + 1)), other.subarray(rng.int(other.length + 1)));
    }
    default: { // a field of another seed appended or swapped in
      const other = rng.pick(seeds);
      const ofs = fields(other);
      if (ofs.length === 0) return cat(b, other);
      const g = rng.pick(ofs);
      const field = other.subarray(g.start, g.end);
      if (fs.length === 0 || rng.int(2) === 0) return cat(b, field);
      const f = rng.pick(fs);
      return cat(b.subarray(0, f.start), field, b.subarray(f.end));
    }
  }
}

function generate(rng: Rng, own: Uint8Array[], all: Uint8Array[]): Uint8Array {
  const r = rng.int(100);
  if (r < 8) return rng.bytes(rng.int(rng.int(8) === 0 ? 1200 : 64));
  if (r < 10) return rng.bytes(rng.pick([255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 4096, 4097, 16 * 1024 + 1]));
  let b = rng.pick(r < 90 ? own : all);
  for (let k = 1 + (rng.int(3) === 0 ? rng.int(4) : 0); k > 0; k--) b = mutateOnce(rng, b, all);
  return b;
}

/* ---------------- the worker: run the decoders ---------------- */

interface Counts {
  ok: number;
  typed: number;
  untyped: number;
  roundtrip: number;
}

interface Finding {
  decoder: string;
  kind: "untyped" | "roundtrip" | "slow";
  error: string;
  input: string;
}

interface WorkerResult {
  counts: Record<string, Counts>;
  findings: Finding[];
  findingCount: number;
}

interface WorkerInput {
  iterations: number;
  seed: number;
  /** [0] progress counter, [1] decoder index of the current input, [2] its length; then its bytes (shared). */
  shared: SharedArrayBuffer;
}

const SHARED_BYTES = 1 << 20;
const SLOW_MS = 1000;
const MAX_FINDINGS_KEPT = 20;

const hex = (b: Uint8Array): string => Buffer.from(b.subarray(0, 512)).toString("hex") + (b.length > 512 ? `… (${b.length} bytes)` : "");
const describe = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}${err.stack !== undefined ? `\n      ${err.stack.split("\n").slice(1, 4).join("\n      ")}` : ""}` : String(err);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function runWorker(w: WorkerInput): WorkerResult {
  const rng = new Rng(w.seed);
  const seeds = [...vectorSeeds(), ...encoderSeeds()];
  const all = seeds.map(([, b]) => b);
  const own = TARGETS.map((t) => seeds.filter(([k]) => t.kinds.includes(k)).map(([, b]) => b));
  const meta = new Int32Array(w.shared, 0, 3);
  const buf = new Uint8Array(w.shared, 12);
  const counts: Record<string, Counts> = Object.fromEntries(TARGETS.map((t) => [t.name, { ok: 0, typed: 0, untyped: 0, roundtrip: 0 }]));
  const findings: Finding[] = [];
  let findingCount = 0;
  const record = (f: Finding): void => {
    findingCount++;
    if (findings.length < MAX_FINDINGS_KEPT) findings.push(f);
  };
  for (let i = 0; i < w.iterations; i++) {
    const ti = i % TARGETS.length;
    const t = TARGETS[ti]!;
    const input = generate(rng, own[ti]!, all);
    const c = counts[t.name]!;
    // what a hang would be stuck on
    meta[1] = ti;
    meta[2] = Math.min(input.length, buf.length);
    buf.set(input.subarray(0, buf.length));
    const t0 = performance.now();
    let msg: unknown;
    let failed = false;
    try {
      msg = t.decode(input);
    } catch (err) {
      failed = true;
      if (isZkPoolError(err) && err instanceof ZkPoolError) c.typed++;
      else {
        c.untyped++;
        record({ decoder: t.name, kind: "untyped", error: describe(err), input: hex(input) });
      }
    }
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) record({ decoder: t.name, kind: "slow", error: `took ${ms.toFixed(0)} ms`, input: hex(input) });
    if (!failed) {
      c.ok++;
      try {
        const again = t.encode(msg);
        if (!sameBytes(again, input)) throw new Error(`re-encodes to ${again.length} different bytes`);
      } catch (err) {
        c.roundtrip++;
        record({ decoder: t.name, kind: "roundtrip", error: describe(err), input: hex(input) });
      }
    }
    if ((i & 255) === 0) Atomics.store(meta, 0, i);
  }
  Atomics.store(meta, 0, w.iterations);
  return { counts, findings, findingCount };
}

/* ---------------- main: run the worker, watch it, report ---------------- */

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  checkCoverage();
  const iterations = Number(arg("--iterations") ?? 1_000_000);
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    console.error("fuzz: --iterations must be a positive integer");
    process.exit(2);
  }
  const seed = arg("--seed") !== undefined ? Number(arg("--seed")) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  const hangMs = Number(arg("--hang-ms") ?? 15_000);
  const shared = new SharedArrayBuffer(12 + SHARED_BYTES);
  const meta = new Int32Array(shared, 0, 3);
  console.log(`fuzz: seed ${seed} (rerun with --seed ${seed}), ${iterations} inputs over ${TARGETS.length} decoders`);
  const t0 = performance.now();
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { iterations, seed, shared } satisfies WorkerInput });
  let last = -1;
  let lastChange = Date.now();
  const result = await new Promise<WorkerResult | "hang">((resolve, reject) => {
    const watch = setInterval(() => {
      const now = Atomics.load(meta, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > hangMs) {
        clearInterval(watch);
        resolve("hang");
      }
    }, 500);
    worker.once("message", (r: WorkerResult) => {
      clearInterval(watch);
      resolve(r);
    });
    worker.once("error", (err) => {
      clearInterval(watch);
      reject(err);
    });
  });
  const wall = (performance.now() - t0) / 1000;
  if (result === "hang") {
    const t = TARGETS[Atomics.load(meta, 1)]!;
    const input = new Uint8Array(shared, 12, Atomics.load(meta, 2)).slice();
    console.log(`FINDING hang: ${t.name} made no progress for ${hangMs / 1000} s on input ${hex(input)}`);
    await worker.terminate();
    console.log(`fuzz: hang in ${t.name} after ~${last} inputs (wall ${wall.toFixed(1)} s)`);
    process.exit(1);
  }
  let untyped = 0;
  let roundtrip = 0;
  let total = 0;
  for (const t of TARGETS) {
    const c = result.counts[t.name]!;
    const n = c.ok + c.typed + c.untyped;
    total += n;
    untyped += c.untyped;
    roundtrip += c.roundtrip;
    console.log(`${t.name}: ${n} inputs, ok ${c.ok}, typed error ${c.typed}, untyped ${c.untyped}${c.roundtrip > 0 ? `, not canonical on re-encode ${c.roundtrip}` : ""}`);
  }
  for (const f of result.findings) console.log(`FINDING ${f.kind}: ${f.decoder}: ${f.error}\n    input ${f.input}`);
  if (result.findingCount > result.findings.length) console.log(`(${result.findingCount - result.findings.length} more findings not shown)`);
  console.log(`fuzz: ${total} inputs, ${TARGETS.length} decoders, ${untyped} untyped errors`);
  console.log(`fuzz: wall ${wall.toFixed(1)} s (${Math.round(total / wall)} inputs/s)${roundtrip > 0 ? `; ${roundtrip} accepted inputs do not re-encode to themselves` : ""}`);
  process.exit(result.findingCount > 0 ? 1 : 0);
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error("fuzz: failed:", err);
    process.exit(1);
  });
} else {
  parentPort!.postMessage(runWorker(workerData as WorkerInput));
}

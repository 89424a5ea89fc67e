/**
 * Canonical codecs for every wire message (SPEC §1). `decodeX(bytes)` returns a fully checked message or
 * throws a ProtocolError (TOO_LARGE before decoding; MALFORMED; NON_CANONICAL; FIELD_INVALID). `encodeX(msg)`
 * checks the same field rules, so anything it returns decodes back to an equal message.
 */
import { bytesEqual, bytesToUint, fromHex, isHex, type Hex } from "../bytes.js";
import {
  BN254_Q,
  BN254_R,
  LIMITS,
  MAX_MESSAGE_BYTES,
  MAX_TIMESTAMP,
  MAX_UINT256,
  MAX_UINT64,
  SECP256K1_N,
  type MessageName,
} from "../constants.js";
import { ProtocolError } from "../errors.js";
import { MAX_AUCTION_ROUNDS, rampRounds } from "../market/schedule.js";
import { zkpool } from "../generated/zkpool.js";
import type {
  BidCommit,
  BidReveal,
  Certificate,
  OperatorRecord,
  ProofSubmission,
  Task,
  TaskSchedule,
  StandingAsk,
  Unsigned,
  UnsignedVote,
  Vote,
  VoteBody,
  VoteKind,
} from "../types.js";
import {
  bigintIn,
  fieldError,
  fixedIn,
  fixedOut,
  numberIn,
  numRangeOut,
  optionalFixedOut,
  proofSystemOut,
  rangeOut,
  uint256In,
  uint256Out,
} from "./fields.js";

export { zkpool as wire } from "../generated/zkpool.js";

const ADDRESS = 20;
const B32 = 32;
const EIP712_SIG = 65;
const ED25519_SIG = 64;
const PEER_ID = 38;
/** Identity-multihash prefix of an Ed25519 libp2p peer id (SPEC §1.1). */
export const ED25519_PEER_ID_PREFIX = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

const MODULE_ID_RE = /^[a-z0-9._-]{1,64}$/;
const VERSION_RE = /^[\x20-\x7e]{1,64}$/;
const HALF_N = SECP256K1_N >> 1n;

/* ---------------- generic decode / encode ---------------- */

function decodeCanonical<W>(
  name: MessageName,
  codec: { decode(buf: Uint8Array, opts?: { limits?: Record<string, number> }): W; encode(obj: Partial<W>): Uint8Array },
  bytes: Uint8Array,
  limits: Record<string, number> | undefined,
  fixed64Fields: readonly (keyof W)[] = [],
): W {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtocolError({ code: "MALFORMED", message: name }, `${name}: expected a Uint8Array`);
  }
  const max = MAX_MESSAGE_BYTES[name];
  if (bytes.byteLength > max) {
    throw new ProtocolError(
      { code: "TOO_LARGE", message: name, limit: max, size: bytes.byteLength },
      `${name} is ${bytes.byteLength} bytes; the limit is ${max}`,
    );
  }
  let wire: W;
  try {
    wire = codec.decode(bytes, limits === undefined ? undefined : { limits });
  } catch (cause) {
    const tooMany = cause instanceof Error && cause.name === "MaxLengthError";
    throw new ProtocolError(
      { code: tooMany ? "TOO_LARGE" : "MALFORMED", message: name },
      tooMany
        ? `${name} has a repeated field over its element limit (SPEC §7): ${cause.message}`
        : `${name} is not a valid protobuf message: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  for (const f of fixed64Fields) {
    const v = wire[f];
    if (typeof v === "bigint") (wire[f] as bigint) = u64(v);
  }
  let again: Uint8Array;
  try {
    again = codec.encode(wire);
  } catch (cause) {
    throw new ProtocolError({ code: "NON_CANONICAL", message: name }, `${name} cannot be re-encoded`, { cause });
  }
  if (!bytesEqual(again, bytes)) {
    throw new ProtocolError(
      { code: "NON_CANONICAL", message: name },
      `${name} is not canonically encoded (field order, defaults, duplicates, unknown fields or varint form)`,
    );
  }
  return wire;
}

/* ---------------- shared field rules ---------------- */

/**
 * 64-bit fields are fixed64 on the wire (protons-runtime 7 mis-encodes uint64 varints in [2^31, 2^32)).
 * protons-runtime reads fixed64 as signed; map it back to the unsigned value.
 */
function u64(value: bigint): bigint {
  return value < 0n ? value + (1n << 64n) : value;
}

function eip712SigOut(name: MessageName, field: string, bytes: Uint8Array): Hex {
  const hex = fixedOut(name, field, bytes, EIP712_SIG);
  checkEip712SigBytes(name, field, bytes);
  return hex;
}

function eip712SigIn(name: MessageName, field: string, hex: unknown): Uint8Array<ArrayBuffer> {
  const bytes = fixedIn(name, field, hex, EIP712_SIG);
  checkEip712SigBytes(name, field, bytes);
  return bytes;
}

/** r in [1, n), s in [1, n/2] (low-s), v in {27, 28}: one encoding per signature (SPEC §1.1). */
function checkEip712SigBytes(name: MessageName, field: string, sig: Uint8Array): void {
  const r = bytesToUint(sig.subarray(0, 32));
  const s = bytesToUint(sig.subarray(32, 64));
  const v = sig[64];
  if (r === 0n || r >= SECP256K1_N) throw fieldError(name, field, "r out of range");
  if (s === 0n || s > HALF_N) throw fieldError(name, field, "s must be in [1, n/2] (low-s form)");
  if (v !== 27 && v !== 28) throw fieldError(name, field, "v must be 27 or 28");
}

function peerIdOut(name: MessageName, field: string, bytes: Uint8Array): Hex {
  const hex = fixedOut(name, field, bytes, PEER_ID);
  if (!bytesEqual(bytes.subarray(0, ED25519_PEER_ID_PREFIX.byteLength), ED25519_PEER_ID_PREFIX)) {
    throw fieldError(name, field, "not an Ed25519 libp2p peer id (identity multihash of the public key)");
  }
  return hex;
}

function peerIdIn(name: MessageName, field: string, hex: unknown): Uint8Array<ArrayBuffer> {
  const bytes = fixedIn(name, field, hex, PEER_ID);
  peerIdOut(name, field, bytes);
  return bytes;
}

function roundOut(name: MessageName, value: number): number {
  return numRangeOut(name, "round", value, 0, MAX_GLOBAL_ROUND);
}

function checkProofBytes(name: MessageName, proof: Uint8Array): void {
  const len = proof.byteLength;
  if (len === 0 || len % 32 !== 0 || len / 32 > LIMITS.maxProofWords) {
    throw fieldError(name, "proof", `must be 1..${LIMITS.maxProofWords} 32-byte words, got ${len} bytes`);
  }
  for (let i = 0; i < len; i += 32) {
    if (bytesToUint(proof.subarray(i, i + 32)) >= BN254_Q) {
      throw fieldError(name, "proof", `word ${i / 32} is not below the BN254 base field modulus`);
    }
  }
}

/* ---------------- OperatorRecord ---------------- */

/** The order of an operator record's standing asks (SPEC §1.3 field 10): by (circuitId as lowercase hex, proofSystem). */
export function standingAskKey(a: StandingAsk): string {
  return `${String(a.circuitId).toLowerCase()}/${a.proofSystem}`;
}

/** Standing asks in record order (SPEC §1.3): what an operator record must hold, strictly ascending. */
export function sortStandingAsks(asks: Iterable<StandingAsk>): StandingAsk[] {
  return [...asks].sort((x, y) => (standingAskKey(x) < standingAskKey(y) ? -1 : standingAskKey(x) > standingAskKey(y) ? 1 : 0));
}

function checkOperatorRecord(r: Omit<OperatorRecord, "operator" | "peerId" | "signature">): void {
  const N: MessageName = "OperatorRecord";
  if (!Array.isArray(r.proofSystems) || r.proofSystems.length < 1 || r.proofSystems.length > LIMITS.maxProofSystems) {
    throw fieldError(N, "proofSystems", `must list 1..${LIMITS.maxProofSystems} proof systems`);
  }
  r.proofSystems.forEach((p, i) => {
    proofSystemOut(N, "proofSystems", p);
    if (i > 0 && p <= r.proofSystems[i - 1]!) throw fieldError(N, "proofSystems", "must be strictly ascending");
  });
  if (!Array.isArray(r.moduleIds) || r.moduleIds.length > LIMITS.maxModuleIds) {
    throw fieldError(N, "moduleIds", `at most ${LIMITS.maxModuleIds} module ids`);
  }
  r.moduleIds.forEach((m, i) => {
    if (typeof m !== "string" || !MODULE_ID_RE.test(m)) throw fieldError(N, "moduleIds", `module id must match ${MODULE_ID_RE}`);
    if (i > 0 && m <= r.moduleIds[i - 1]!) throw fieldError(N, "moduleIds", "must be strictly ascending");
  });
  numberIn(N, "capacity", r.capacity, 1, LIMITS.maxCapacity);
  if (typeof r.softwareVersion !== "string" || !VERSION_RE.test(r.softwareVersion)) {
    throw fieldError(N, "softwareVersion", "must be 1..64 printable ASCII characters");
  }
  bigintIn(N, "seq", r.seq, 0n, MAX_UINT64);
  bigintIn(N, "issuedAt", r.issuedAt, 1n, MAX_TIMESTAMP);
  if (r.asks !== undefined) {
    if (!Array.isArray(r.asks) || r.asks.length === 0 || r.asks.length > LIMITS.maxAsks) {
      throw fieldError(N, "asks", `must be omitted or hold 1..${LIMITS.maxAsks} asks`);
    }
    let prev: string | undefined;
    r.asks.forEach((a, i) => {
      proofSystemOut(N, `asks[${i}].proofSystem`, a.proofSystem);
      bigintIn(N, `asks[${i}].price`, a.price, 1n, MAX_UINT256);
      const key = standingAskKey(a);
      if (prev !== undefined && key <= prev) throw fieldError(N, "asks", "must be strictly ascending by (circuitId, proofSystem)");
      prev = key;
    });
  }
}

function operatorRecordToWire(r: OperatorRecord | Unsigned<OperatorRecord>, signed: boolean): zkpool.OperatorRecord {
  const N: MessageName = "OperatorRecord";
  checkOperatorRecord(r);
  return {
    operator: fixedIn(N, "operator", r.operator, ADDRESS),
    peerId: peerIdIn(N, "peerId", r.peerId),
    proofSystems: [...r.proofSystems],
    moduleIds: [...r.moduleIds],
    capacity: r.capacity,
    softwareVersion: r.softwareVersion,
    seq: r.seq,
    issuedAt: r.issuedAt,
    signature: signed ? eip712SigIn(N, "signature", (r as OperatorRecord).signature) : new Uint8Array(0),
    asks: (r.asks ?? []).map((a, i) => ({
      circuitId: fixedIn(N, `asks[${i}].circuitId`, a.circuitId, B32),
      proofSystem: a.proofSystem,
      price: uint256In(N, `asks[${i}].price`, a.price),
    })),
  };
}

export function encodeOperatorRecord(r: OperatorRecord): Uint8Array {
  return zkpool.OperatorRecord.encode(operatorRecordToWire(r, true));
}

export function decodeOperatorRecord(bytes: Uint8Array): OperatorRecord {
  const N: MessageName = "OperatorRecord";
  const w = decodeCanonical(N, zkpool.OperatorRecord, bytes, {
    proofSystems: LIMITS.maxProofSystems,
    moduleIds: LIMITS.maxModuleIds,
    asks: LIMITS.maxAsks,
  }, ["seq", "issuedAt"]);
  const out: OperatorRecord = {
    operator: fixedOut(N, "operator", w.operator, ADDRESS),
    peerId: peerIdOut(N, "peerId", w.peerId),
    proofSystems: w.proofSystems.map((p) => proofSystemOut(N, "proofSystems", p)),
    moduleIds: w.moduleIds,
    capacity: w.capacity,
    softwareVersion: w.softwareVersion,
    seq: w.seq,
    issuedAt: (w.issuedAt),
    signature: eip712SigOut(N, "signature", w.signature),
  };
  if (w.asks.length > 0) {
    out.asks = w.asks.map((a, i) => ({
      circuitId: fixedOut(N, `asks[${i}].circuitId`, a.circuitId, B32),
      proofSystem: proofSystemOut(N, `asks[${i}].proofSystem`, a.proofSystem),
      price: uint256Out(N, `asks[${i}].price`, a.price),
    }));
  }
  checkOperatorRecord(out);
  return out;
}

/**
 * Largest round a vote, certificate or proof may name: the global round (SPEC §10.3) of the last proof round of the
 * last auction round, `MAX_AUCTION_ROUNDS * maxRounds - 1` (255). Whether it exists for a task is checked in §2.
 */
const MAX_GLOBAL_ROUND = MAX_AUCTION_ROUNDS * LIMITS.maxRounds - 1;

/* ---------------- Task ---------------- */

function checkTask(t: Unsigned<Task>): void {
  const N: MessageName = "Task";
  proofSystemOut(N, "proofSystem", t.proofSystem);
  bigintIn(N, "inputSize", t.inputSize, 1n, LIMITS.maxInputSize);
  bigintIn(N, "maxReward", t.maxReward, 1n, (1n << 256n) - 1n);
  bigintIn(N, "penalty", t.penalty, 0n, (1n << 256n) - 1n);
  bigintIn(N, "bidDeadline", t.bidDeadline, 1n, MAX_TIMESTAMP);
  bigintIn(N, "revealDeadline", t.revealDeadline, t.bidDeadline + 1n, t.bidDeadline + LIMITS.maxRevealWindow);
  numberIn(N, "proofWindow", t.proofWindow, 1, LIMITS.maxProofWindow);
  numberIn(N, "maxRounds", t.maxRounds, 1, LIMITS.maxRounds);
  bigintIn(N, "stakeEpoch", t.stakeEpoch, 0n, MAX_UINT64);
  bigintIn(N, "nonce", t.nonce, 0n, MAX_UINT64);
  if (t.schedule !== undefined) checkSchedule(t.schedule, t.maxReward);
}

/**
 * SPEC §10.3 schedule validity: `0 < startPrice < maxReward`, `priceStep > 0`, `rebidWindow` in 1..86400 and
 * at most MAX_AUCTION_ROUNDS auction rounds (a one-round ramp is spelled as no schedule).
 */
function checkSchedule(s: TaskSchedule, maxReward: bigint): void {
  const N: MessageName = "Task";
  if (s === null || typeof s !== "object") throw fieldError(N, "schedule", "expected an object or no schedule");
  bigintIn(N, "schedule.startPrice", s.startPrice, 1n, maxReward - 1n);
  bigintIn(N, "schedule.priceStep", s.priceStep, 1n, MAX_UINT256);
  numberIn(N, "schedule.rebidWindow", s.rebidWindow, 1, LIMITS.maxRebidWindow);
  if (rampRounds(s.startPrice, maxReward, s.priceStep) > BigInt(MAX_AUCTION_ROUNDS)) {
    throw fieldError(N, "schedule.priceStep", `too small: the ramp from startPrice to maxReward needs more than ${MAX_AUCTION_ROUNDS} auction rounds`);
  }
}

function taskToWire(t: Task | Unsigned<Task>, signed: boolean): zkpool.Task {
  const N: MessageName = "Task";
  checkTask(t);
  return {
    requester: fixedIn(N, "requester", t.requester, ADDRESS),
    proofSystem: t.proofSystem,
    wasmSha256: fixedIn(N, "wasmSha256", t.wasmSha256, B32),
    zkeySha256: fixedIn(N, "zkeySha256", t.zkeySha256, B32),
    vkeySha256: fixedIn(N, "vkeySha256", t.vkeySha256, B32),
    inputHash: fixedIn(N, "inputHash", t.inputHash, B32),
    inputSize: t.inputSize,
    publicSignalsHash: fixedIn(N, "publicSignalsHash", t.publicSignalsHash, B32),
    maxReward: uint256In(N, "maxReward", t.maxReward),
    penalty: uint256In(N, "penalty", t.penalty),
    bidDeadline: t.bidDeadline,
    revealDeadline: t.revealDeadline,
    proofWindow: t.proofWindow,
    maxRounds: t.maxRounds,
    stakeEpoch: t.stakeEpoch,
    nonce: t.nonce,
    signature: signed ? eip712SigIn(N, "signature", (t as Task).signature) : new Uint8Array(0),
    startPrice: t.schedule === undefined ? new Uint8Array(0) : uint256In(N, "schedule.startPrice", t.schedule.startPrice),
    priceStep: t.schedule === undefined ? new Uint8Array(0) : uint256In(N, "schedule.priceStep", t.schedule.priceStep),
    rebidWindow: t.schedule?.rebidWindow ?? 0,
  };
}

export function encodeTask(t: Task): Uint8Array {
  return zkpool.Task.encode(taskToWire(t, true));
}

export function decodeTask(bytes: Uint8Array): Task {
  const N: MessageName = "Task";
  const w = decodeCanonical(N, zkpool.Task, bytes, undefined, [
    "inputSize",
    "bidDeadline",
    "revealDeadline",
    "stakeEpoch",
    "nonce",
  ]);
  const t: Task = {
    requester: fixedOut(N, "requester", w.requester, ADDRESS),
    proofSystem: proofSystemOut(N, "proofSystem", w.proofSystem),
    wasmSha256: fixedOut(N, "wasmSha256", w.wasmSha256, B32),
    zkeySha256: fixedOut(N, "zkeySha256", w.zkeySha256, B32),
    vkeySha256: fixedOut(N, "vkeySha256", w.vkeySha256, B32),
    inputHash: fixedOut(N, "inputHash", w.inputHash, B32),
    inputSize: (w.inputSize),
    publicSignalsHash: fixedOut(N, "publicSignalsHash", w.publicSignalsHash, B32),
    maxReward: uint256Out(N, "maxReward", w.maxReward),
    penalty: uint256Out(N, "penalty", w.penalty),
    bidDeadline: (w.bidDeadline),
    revealDeadline: (w.revealDeadline),
    proofWindow: w.proofWindow,
    maxRounds: w.maxRounds,
    stakeEpoch: (w.stakeEpoch),
    nonce: (w.nonce),
    signature: eip712SigOut(N, "signature", w.signature),
  };
  // no schedule: all three fields absent; a schedule: all three present (checkTask checks their values)
  if (w.startPrice.byteLength !== 0 || w.priceStep.byteLength !== 0 || w.rebidWindow !== 0) {
    t.schedule = {
      startPrice: uint256Out(N, "schedule.startPrice", w.startPrice),
      priceStep: uint256Out(N, "schedule.priceStep", w.priceStep),
      rebidWindow: w.rebidWindow,
    };
  }
  checkTask(t);
  return t;
}

/* ---------------- BidCommit / BidReveal ---------------- */

/** A bid's auction round: absent means 0 (and 0 is encoded as absent, so the encoding stays canonical). */
function auctionRoundIn(N: MessageName, round: number | undefined): number {
  return round === undefined ? 0 : numberIn(N, "auctionRound", round, 0, MAX_AUCTION_ROUNDS - 1);
}

function auctionRoundOut(N: MessageName, round: number): { auctionRound?: number } {
  return round === 0 ? {} : { auctionRound: numRangeOut(N, "auctionRound", round, 1, MAX_AUCTION_ROUNDS - 1) };
}

function bidCommitToWire(c: BidCommit | Unsigned<BidCommit>, signed: boolean): zkpool.BidCommit {
  const N: MessageName = "BidCommit";
  return {
    taskId: fixedIn(N, "taskId", c.taskId, B32),
    prover: fixedIn(N, "prover", c.prover, ADDRESS),
    peerId: peerIdIn(N, "peerId", c.peerId),
    commitment: fixedIn(N, "commitment", c.commitment, B32),
    signature: signed ? fixedIn(N, "signature", (c as BidCommit).signature, ED25519_SIG) : new Uint8Array(0),
    auctionRound: auctionRoundIn(N, c.auctionRound),
  };
}

export function encodeBidCommit(c: BidCommit): Uint8Array {
  return zkpool.BidCommit.encode(bidCommitToWire(c, true));
}

export function decodeBidCommit(bytes: Uint8Array): BidCommit {
  const N: MessageName = "BidCommit";
  const w = decodeCanonical(N, zkpool.BidCommit, bytes, undefined);
  return {
    taskId: fixedOut(N, "taskId", w.taskId, B32),
    prover: fixedOut(N, "prover", w.prover, ADDRESS),
    peerId: peerIdOut(N, "peerId", w.peerId),
    commitment: fixedOut(N, "commitment", w.commitment, B32),
    ...auctionRoundOut(N, w.auctionRound),
    signature: fixedOut(N, "signature", w.signature, ED25519_SIG),
  };
}

function bidRevealToWire(r: BidReveal | Unsigned<BidReveal>, signed: boolean): zkpool.BidReveal {
  const N: MessageName = "BidReveal";
  return {
    taskId: fixedIn(N, "taskId", r.taskId, B32),
    prover: fixedIn(N, "prover", r.prover, ADDRESS),
    peerId: peerIdIn(N, "peerId", r.peerId),
    price: uint256In(N, "price", r.price),
    salt: fixedIn(N, "salt", r.salt, B32),
    signature: signed ? fixedIn(N, "signature", (r as BidReveal).signature, ED25519_SIG) : new Uint8Array(0),
    auctionRound: auctionRoundIn(N, r.auctionRound),
  };
}

export function encodeBidReveal(r: BidReveal): Uint8Array {
  return zkpool.BidReveal.encode(bidRevealToWire(r, true));
}

export function decodeBidReveal(bytes: Uint8Array): BidReveal {
  const N: MessageName = "BidReveal";
  const w = decodeCanonical(N, zkpool.BidReveal, bytes, undefined);
  return {
    taskId: fixedOut(N, "taskId", w.taskId, B32),
    prover: fixedOut(N, "prover", w.prover, ADDRESS),
    peerId: peerIdOut(N, "peerId", w.peerId),
    price: uint256Out(N, "price", w.price),
    salt: fixedOut(N, "salt", w.salt, B32),
    ...auctionRoundOut(N, w.auctionRound),
    signature: fixedOut(N, "signature", w.signature, ED25519_SIG),
  };
}

/* ---------------- Vote bodies (Vote, Certificate) ---------------- */

const KIND_TO_WIRE: Record<VoteKind, zkpool.VoteKind> = {
  assignment: zkpool.VoteKind.ASSIGNMENT,
  completion: zkpool.VoteKind.COMPLETION,
  default: zkpool.VoteKind.DEFAULT,
  invalid: zkpool.VoteKind.INVALID,
  nonReveal: zkpool.VoteKind.NON_REVEAL,
};

interface WireBody {
  kind: zkpool.VoteKind;
  taskId: Uint8Array<ArrayBuffer>;
  round: number;
  prover: Uint8Array<ArrayBuffer>;
  price: Uint8Array<ArrayBuffer>;
  proofHash: Uint8Array<ArrayBuffer>;
  commitment: Uint8Array<ArrayBuffer>;
}

const EMPTY = (): Uint8Array<ArrayBuffer> => new Uint8Array(0);

/**
 * Field presence per kind (SPEC §1.7): prover absent iff INVALID; price iff ASSIGNMENT; proofHash iff
 * COMPLETION; commitment iff NON_REVEAL; round 0 for INVALID and NON_REVEAL (their structs have no round).
 */
function bodyToWire(N: MessageName, b: VoteBody): WireBody {
  const kind = Object.hasOwn(KIND_TO_WIRE, b.kind) ? KIND_TO_WIRE[b.kind] : undefined;
  if (kind === undefined) throw fieldError(N, "kind", "must be assignment, completion, default, invalid or nonReveal");
  if (b.kind === "invalid" || b.kind === "nonReveal") numberIn(N, "round", b.round, 0, 0);
  else numberIn(N, "round", b.round, 0, MAX_GLOBAL_ROUND);
  return {
    kind,
    taskId: fixedIn(N, "taskId", b.taskId, B32),
    round: b.round,
    prover: b.kind === "invalid" ? EMPTY() : fixedIn(N, "prover", b.prover, ADDRESS),
    price: b.kind === "assignment" ? uint256In(N, "price", b.price) : EMPTY(),
    proofHash: b.kind === "completion" ? fixedIn(N, "proofHash", b.proofHash, B32) : EMPTY(),
    commitment: b.kind === "nonReveal" ? fixedIn(N, "commitment", b.commitment, B32) : EMPTY(),
  };
}

function bodyFromWire(N: MessageName, w: WireBody): VoteBody {
  const taskId = fixedOut(N, "taskId", w.taskId, B32);
  const round = roundOut(N, w.round);
  const prover = optionalFixedOut(N, "prover", w.prover, ADDRESS);
  const price = optionalFixedOut(N, "price", w.price, 32);
  const proofHash = optionalFixedOut(N, "proofHash", w.proofHash, B32);
  const commitment = optionalFixedOut(N, "commitment", w.commitment, B32);
  const name = String(w.kind);
  const absent = (field: string, value: unknown): void => {
    if (value !== undefined) throw fieldError(N, field, `must be absent for ${name}`);
  };
  const required = <T>(field: string, value: T | undefined): T => {
    if (value === undefined) throw fieldError(N, field, `required for ${name}`);
    return value;
  };
  switch (w.kind) {
    case zkpool.VoteKind.ASSIGNMENT:
      absent("proofHash", proofHash);
      absent("commitment", commitment);
      return { kind: "assignment", taskId, round, prover: required("prover", prover), price: BigInt(required("price", price)) };
    case zkpool.VoteKind.COMPLETION:
      absent("price", price);
      absent("commitment", commitment);
      return { kind: "completion", taskId, round, prover: required("prover", prover), proofHash: required("proofHash", proofHash) };
    case zkpool.VoteKind.DEFAULT:
      absent("price", price);
      absent("proofHash", proofHash);
      absent("commitment", commitment);
      return { kind: "default", taskId, round, prover: required("prover", prover) };
    case zkpool.VoteKind.INVALID:
      if (round !== 0) throw fieldError(N, "round", "must be 0 for INVALID");
      absent("prover", prover);
      absent("price", price);
      absent("proofHash", proofHash);
      absent("commitment", commitment);
      return { kind: "invalid", taskId, round: 0 };
    case zkpool.VoteKind.NON_REVEAL:
      if (round !== 0) throw fieldError(N, "round", "must be 0 for NON_REVEAL");
      absent("price", price);
      absent("proofHash", proofHash);
      return { kind: "nonReveal", taskId, round: 0, prover: required("prover", prover), commitment: required("commitment", commitment) };
    default:
      throw fieldError(N, "kind", "must be ASSIGNMENT, COMPLETION, DEFAULT, INVALID or NON_REVEAL");
  }
}

/** The body (signed struct) of a vote or certificate, without attester / signature fields. */
export function voteBodyOf(v: VoteBody): VoteBody {
  switch (v.kind) {
    case "assignment":
      return { kind: v.kind, taskId: v.taskId, round: v.round, prover: v.prover, price: v.price };
    case "completion":
      return { kind: v.kind, taskId: v.taskId, round: v.round, prover: v.prover, proofHash: v.proofHash };
    case "default":
      return { kind: v.kind, taskId: v.taskId, round: v.round, prover: v.prover };
    case "invalid":
      return { kind: v.kind, taskId: v.taskId, round: 0 };
    case "nonReveal":
      return { kind: v.kind, taskId: v.taskId, round: 0, prover: v.prover, commitment: v.commitment };
  }
}

/* ---------------- Vote ---------------- */

function voteToWire(v: Vote | UnsignedVote, signed: boolean): zkpool.Vote {
  const N: MessageName = "Vote";
  return {
    ...bodyToWire(N, v),
    attester: fixedIn(N, "attester", v.attester, ADDRESS),
    signature: signed ? eip712SigIn(N, "signature", (v as Vote).signature) : new Uint8Array(0),
  };
}

export function encodeVote(v: Vote): Uint8Array {
  return zkpool.Vote.encode(voteToWire(v, true));
}

export function decodeVote(bytes: Uint8Array): Vote {
  const N: MessageName = "Vote";
  const w = decodeCanonical(N, zkpool.Vote, bytes, undefined);
  return {
    ...bodyFromWire(N, w),
    attester: fixedOut(N, "attester", w.attester, ADDRESS),
    signature: eip712SigOut(N, "signature", w.signature),
  };
}

/* ---------------- Certificate ---------------- */

function certificateToWire(c: Certificate): zkpool.Certificate {
  const N: MessageName = "Certificate";
  if (!Array.isArray(c.attesters) || !Array.isArray(c.signatures)) throw fieldError(N, "attesters", "must be arrays");
  if (c.attesters.length < 1 || c.attesters.length > LIMITS.maxAttesters) {
    throw fieldError(N, "attesters", `must hold 1..${LIMITS.maxAttesters} attesters`);
  }
  if (c.signatures.length !== c.attesters.length) throw fieldError(N, "signatures", "one signature per attester");
  return {
    ...bodyToWire(N, c),
    attesters: c.attesters.map((a) => fixedIn(N, "attesters", a, ADDRESS)),
    signatures: c.signatures.map((s) => eip712SigIn(N, "signatures", s)),
  };
}

export function encodeCertificate(c: Certificate): Uint8Array {
  return zkpool.Certificate.encode(certificateToWire(c));
}

export function decodeCertificate(bytes: Uint8Array): Certificate {
  const N: MessageName = "Certificate";
  const w = decodeCanonical(N, zkpool.Certificate, bytes, {
    attesters: LIMITS.maxAttesters,
    signatures: LIMITS.maxAttesters,
  });
  if (w.attesters.length < 1) throw fieldError(N, "attesters", "at least one attester");
  if (w.signatures.length !== w.attesters.length) throw fieldError(N, "signatures", "one signature per attester");
  return {
    ...bodyFromWire(N, w),
    attesters: w.attesters.map((a) => fixedOut(N, "attesters", a, ADDRESS)),
    signatures: w.signatures.map((s) => eip712SigOut(N, "signatures", s)),
  };
}

/* ---------------- ProofSubmission ---------------- */

function proofSubmissionToWire(p: ProofSubmission | Unsigned<ProofSubmission>, signed: boolean): zkpool.ProofSubmission {
  const N: MessageName = "ProofSubmission";
  numberIn(N, "round", p.round, 0, MAX_GLOBAL_ROUND);
  if (!Array.isArray(p.publicSignals) || p.publicSignals.length > LIMITS.maxPublicSignals) {
    throw fieldError(N, "publicSignals", `at most ${LIMITS.maxPublicSignals} public signals`);
  }
  if (typeof p.proof !== "string" || !isHex(p.proof)) throw fieldError(N, "proof", "expected 0x-prefixed hex");
  const proof = fromHex(p.proof);
  checkProofBytes(N, proof);
  return {
    taskId: fixedIn(N, "taskId", p.taskId, B32),
    round: p.round,
    prover: fixedIn(N, "prover", p.prover, ADDRESS),
    peerId: peerIdIn(N, "peerId", p.peerId),
    proof,
    publicSignals: p.publicSignals.map((s) => {
      bigintIn(N, "publicSignals", s, 0n, BN254_R - 1n);
      return uint256In(N, "publicSignals", s);
    }),
    signature: signed ? fixedIn(N, "signature", (p as ProofSubmission).signature, ED25519_SIG) : new Uint8Array(0),
  };
}

export function encodeProofSubmission(p: ProofSubmission): Uint8Array {
  return zkpool.ProofSubmission.encode(proofSubmissionToWire(p, true));
}

export function decodeProofSubmission(bytes: Uint8Array): ProofSubmission {
  const N: MessageName = "ProofSubmission";
  const w = decodeCanonical(N, zkpool.ProofSubmission, bytes, { publicSignals: LIMITS.maxPublicSignals });
  checkProofBytes(N, w.proof);
  return {
    taskId: fixedOut(N, "taskId", w.taskId, B32),
    round: roundOut(N, w.round),
    prover: fixedOut(N, "prover", w.prover, ADDRESS),
    peerId: peerIdOut(N, "peerId", w.peerId),
    proof: fixedOut(N, "proof", w.proof, w.proof.byteLength),
    publicSignals: w.publicSignals.map((s) => rangeOut(N, "publicSignals", uint256Out(N, "publicSignals", s), 0n, BN254_R - 1n)),
    signature: fixedOut(N, "signature", w.signature, ED25519_SIG),
  };
}

/* ---------------- signing payloads (encoding with the signature field empty) ---------------- */

/** Canonical encoding of a message with its signature field empty: the Ed25519 signed content (SPEC §0.2). */
export const unsignedEncoding = {
  BidCommit: (c: BidCommit | Unsigned<BidCommit>): Uint8Array => zkpool.BidCommit.encode(bidCommitToWire(c, false)),
  BidReveal: (r: BidReveal | Unsigned<BidReveal>): Uint8Array => zkpool.BidReveal.encode(bidRevealToWire(r, false)),
  ProofSubmission: (p: ProofSubmission | Unsigned<ProofSubmission>): Uint8Array =>
    zkpool.ProofSubmission.encode(proofSubmissionToWire(p, false)),
  /** Used only to validate fields before EIP-712 signing. */
  Task: (t: Task | Unsigned<Task>): Uint8Array => zkpool.Task.encode(taskToWire(t, false)),
  OperatorRecord: (r: OperatorRecord | Unsigned<OperatorRecord>): Uint8Array =>
    zkpool.OperatorRecord.encode(operatorRecordToWire(r, false)),
  Vote: (v: Vote | UnsignedVote): Uint8Array => zkpool.Vote.encode(voteToWire(v, false)),
};

/* ---------------- the bids topic ---------------- */

export type BidMessage = { kind: "commit"; commit: BidCommit } | { kind: "reveal"; reveal: BidReveal };

/**
 * Decodes a message of the bids topic (SPEC §2.1), which carries both BidCommit and BidReveal. No byte string
 * is valid as both (field 5 is a 64-byte signature in a commit and a 32-byte salt in a reveal; a reveal has a
 * field 6), so the first decoder that accepts it decides. On failure the BidCommit error is thrown.
 */
export function decodeBid(bytes: Uint8Array): BidMessage {
  try {
    return { kind: "commit", commit: decodeBidCommit(bytes) };
  } catch (err) {
    try {
      return { kind: "reveal", reveal: decodeBidReveal(bytes) };
    } catch {
      throw err;
    }
  }
}

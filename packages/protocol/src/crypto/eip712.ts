/**
 * EIP-712 hashing, signing and verification (SPEC §0.2, §0.3, §1.2). The fixed structs are hashed by
 * hand (all fields are static ABI types, so hashStruct is keccak256 of 32-byte words); the test suite checks
 * every digest against ethers' TypedDataEncoder. OperatorRecord (dynamic fields) uses TypedDataEncoder.
 */
import { SigningKey, TypedDataEncoder, getBytes, keccak256, recoverAddress, type TypedDataField } from "ethers";
import { concatBytes, fromHex, isHex, toHex, utf8, word, wordOfBytes, type Hex } from "../bytes.js";
import { EIP712_NAME, MAX_UINT64, PROTOCOL_VERSION } from "../constants.js";
import { SigningError } from "../errors.js";
import { unsignedEncoding } from "../codec/index.js";
import { nativeSecp256k1 } from "./secp256k1.js";
import type {
  OperatorRecord,
  ProtocolDomain,
  Task,
  Unsigned,
  UnsignedVote,
  Vote,
  VoteBody,
} from "../types.js";

export const EIP712_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
export const TASK_TYPE =
  "Task(address requester,uint8 proofSystem,bytes32 circuitId,bytes32 inputHash,bytes32 publicSignalsHash,uint256 maxReward,uint256 penalty,uint64 bidDeadline,uint64 revealDeadline,uint32 proofWindow,uint8 maxRounds,uint64 stakeEpoch,uint64 nonce,uint256 startPrice,uint256 priceStep,uint32 rebidWindow)";
export const ASSIGNMENT_TYPE = "Assignment(bytes32 taskId,uint32 round,address prover,uint256 price)";
export const COMPLETION_TYPE = "Completion(bytes32 taskId,uint32 round,address prover,bytes32 proofHash)";
export const DEFAULT_TYPE = "Default(bytes32 taskId,uint32 round,address prover)";
/** v1 (SPEC §9.7). */
export const INVALID_TYPE = "Invalid(bytes32 taskId)";
/** v1 (SPEC §9.8). */
export const NON_REVEAL_TYPE = "NonReveal(bytes32 taskId,address prover,bytes32 commitment)";
export const OPERATOR_RECORD_TYPE =
  "OperatorRecord(address operator,bytes peerId,uint8[] proofSystems,string[] moduleIds,uint32 capacity,string softwareVersion,uint64 seq,uint64 issuedAt,Ask[] asks)Ask(bytes32 circuitId,uint8 proofSystem,uint256 price)";

const k = (b: Uint8Array): Uint8Array => getBytes(keccak256(b));
const typeHash = (t: string): Uint8Array => k(utf8(t));
const DOMAIN_TYPEHASH = typeHash(EIP712_DOMAIN_TYPE);
const TASK_TYPEHASH = typeHash(TASK_TYPE);
const ASSIGNMENT_TYPEHASH = typeHash(ASSIGNMENT_TYPE);
const COMPLETION_TYPEHASH = typeHash(COMPLETION_TYPE);
const DEFAULT_TYPEHASH = typeHash(DEFAULT_TYPE);
const INVALID_TYPEHASH = typeHash(INVALID_TYPE);
const NON_REVEAL_TYPEHASH = typeHash(NON_REVEAL_TYPE);

/** ethers-style type definitions of every struct (for external signers: wallets, hardware, JSON-RPC). */
export const EIP712_TYPES: Record<string, Record<string, TypedDataField[]>> = {
  Task: {
    Task: [
      { name: "requester", type: "address" },
      { name: "proofSystem", type: "uint8" },
      { name: "circuitId", type: "bytes32" },
      { name: "inputHash", type: "bytes32" },
      { name: "publicSignalsHash", type: "bytes32" },
      { name: "maxReward", type: "uint256" },
      { name: "penalty", type: "uint256" },
      { name: "bidDeadline", type: "uint64" },
      { name: "revealDeadline", type: "uint64" },
      { name: "proofWindow", type: "uint32" },
      { name: "maxRounds", type: "uint8" },
      { name: "stakeEpoch", type: "uint64" },
      { name: "nonce", type: "uint64" },
      { name: "startPrice", type: "uint256" },
      { name: "priceStep", type: "uint256" },
      { name: "rebidWindow", type: "uint32" },
    ],
  },
  Assignment: {
    Assignment: [
      { name: "taskId", type: "bytes32" },
      { name: "round", type: "uint32" },
      { name: "prover", type: "address" },
      { name: "price", type: "uint256" },
    ],
  },
  Completion: {
    Completion: [
      { name: "taskId", type: "bytes32" },
      { name: "round", type: "uint32" },
      { name: "prover", type: "address" },
      { name: "proofHash", type: "bytes32" },
    ],
  },
  Default: {
    Default: [
      { name: "taskId", type: "bytes32" },
      { name: "round", type: "uint32" },
      { name: "prover", type: "address" },
    ],
  },
  Invalid: {
    Invalid: [{ name: "taskId", type: "bytes32" }],
  },
  NonReveal: {
    NonReveal: [
      { name: "taskId", type: "bytes32" },
      { name: "prover", type: "address" },
      { name: "commitment", type: "bytes32" },
    ],
  },
  OperatorRecord: {
    OperatorRecord: [
      { name: "operator", type: "address" },
      { name: "peerId", type: "bytes" },
      { name: "proofSystems", type: "uint8[]" },
      { name: "moduleIds", type: "string[]" },
      { name: "capacity", type: "uint32" },
      { name: "softwareVersion", type: "string" },
      { name: "seq", type: "uint64" },
      { name: "issuedAt", type: "uint64" },
      { name: "asks", type: "Ask[]" },
    ],
    Ask: [
      { name: "circuitId", type: "bytes32" },
      { name: "proofSystem", type: "uint8" },
      { name: "price", type: "uint256" },
    ],
  },
};

/* ---------------- domain ---------------- */

export function checkDomain(domain: ProtocolDomain): void {
  if (typeof domain.chainId !== "bigint" || domain.chainId < 1n || domain.chainId > MAX_UINT64) {
    throw new SigningError({ code: "INVALID_DOMAIN", detail: "chainId" }, "chainId must be a bigint in [1, 2^64)");
  }
  if (!isHex(domain.escrow, 20)) {
    throw new SigningError({ code: "INVALID_DOMAIN", detail: "escrow" }, "escrow must be a 20-byte 0x hex address");
  }
}

/** The ethers TypedDataDomain for this protocol domain. */
export function eip712Domain(domain: ProtocolDomain): {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
} {
  checkDomain(domain);
  return { name: EIP712_NAME, version: PROTOCOL_VERSION, chainId: domain.chainId, verifyingContract: domain.escrow };
}

const separatorCache = new Map<string, Uint8Array>();

export function domainSeparator(domain: ProtocolDomain): Uint8Array {
  const key = `${domain.chainId}:${domain.escrow.toLowerCase()}`;
  let sep = separatorCache.get(key);
  if (sep === undefined) {
    checkDomain(domain);
    sep = k(
      concatBytes(
        DOMAIN_TYPEHASH,
        k(utf8(EIP712_NAME)),
        k(utf8(PROTOCOL_VERSION)),
        word(domain.chainId),
        wordOfBytes(fromHex(domain.escrow)),
      ),
    );
    if (separatorCache.size > 64) separatorCache.clear();
    separatorCache.set(key, sep);
  }
  return sep;
}

function digestOf(domain: ProtocolDomain, structHash: Uint8Array): Hex {
  return toHex(k(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator(domain), structHash)));
}

/* ---------------- struct hashes ---------------- */

/** keccak256(abi.encode(uint8 proofSystem, bytes32 wasm, bytes32 zkey, bytes32 vkey)) (SPEC §0.3). */
export function circuitId(proofSystem: number, wasmSha256: Hex, zkeySha256: Hex, vkeySha256: Hex): Hex {
  return toHex(
    k(concatBytes(word(BigInt(proofSystem)), fromHex(wasmSha256), fromHex(zkeySha256), fromHex(vkeySha256))),
  );
}

export function hashTaskStruct(t: Unsigned<Task>): Uint8Array {
  return k(
    concatBytes(
      TASK_TYPEHASH,
      wordOfBytes(fromHex(t.requester)),
      word(BigInt(t.proofSystem)),
      fromHex(circuitId(t.proofSystem, t.wasmSha256, t.zkeySha256, t.vkeySha256)),
      fromHex(t.inputHash),
      fromHex(t.publicSignalsHash),
      word(t.maxReward),
      word(t.penalty),
      word(t.bidDeadline),
      word(t.revealDeadline),
      word(BigInt(t.proofWindow)),
      word(BigInt(t.maxRounds)),
      word(t.stakeEpoch),
      word(t.nonce),
      word(t.schedule?.startPrice ?? 0n),
      word(t.schedule?.priceStep ?? 0n),
      word(BigInt(t.schedule?.rebidWindow ?? 0)),
    ),
  );
}

export function hashVoteBodyStruct(b: VoteBody): Uint8Array {
  if (b.kind === "invalid") return k(concatBytes(INVALID_TYPEHASH, fromHex(b.taskId)));
  if (b.kind === "nonReveal") {
    return k(concatBytes(NON_REVEAL_TYPEHASH, fromHex(b.taskId), wordOfBytes(fromHex(b.prover)), fromHex(b.commitment)));
  }
  const common = [fromHex(b.taskId), word(BigInt(b.round)), wordOfBytes(fromHex(b.prover))];
  switch (b.kind) {
    case "assignment":
      return k(concatBytes(ASSIGNMENT_TYPEHASH, ...common, word(b.price)));
    case "completion":
      return k(concatBytes(COMPLETION_TYPEHASH, ...common, fromHex(b.proofHash)));
    default:
      return k(concatBytes(DEFAULT_TYPEHASH, ...common));
  }
}

/** EIP-712 primary type of a vote kind (SPEC §0.3). */
export const VOTE_PRIMARY_TYPE = {
  assignment: "Assignment",
  completion: "Completion",
  default: "Default",
  invalid: "Invalid",
  nonReveal: "NonReveal",
} as const satisfies Record<VoteBody["kind"], string>;

/* ---------------- digests ---------------- */

/** taskId: the EIP-712 digest of the Task (SPEC §0.3). Validates the task's fields first. */
export function taskDigest(t: Task | Unsigned<Task>, domain: ProtocolDomain): Hex {
  unsignedEncoding.Task(t);
  return digestOf(domain, hashTaskStruct(t));
}

/** Alias: the task id is the task's EIP-712 digest. */
export const taskId = taskDigest;

export function voteBodyDigest(b: VoteBody, domain: ProtocolDomain): Hex {
  return digestOf(domain, hashVoteBodyStruct(b));
}

function operatorRecordValue(r: Unsigned<OperatorRecord>): Record<string, unknown> {
  return {
    operator: r.operator,
    peerId: r.peerId,
    proofSystems: r.proofSystems,
    moduleIds: r.moduleIds,
    capacity: r.capacity,
    softwareVersion: r.softwareVersion,
    seq: r.seq,
    issuedAt: r.issuedAt,
    asks: (r.asks ?? []).map((a) => ({ circuitId: a.circuitId, proofSystem: a.proofSystem, price: a.price })),
  };
}

export function operatorRecordDigest(r: OperatorRecord | Unsigned<OperatorRecord>, domain: ProtocolDomain): Hex {
  unsignedEncoding.OperatorRecord(r);
  return TypedDataEncoder.hash(eip712Domain(domain), EIP712_TYPES.OperatorRecord!, operatorRecordValue(r)) as Hex;
}

/* ---------------- typed data for external signers ---------------- */

export interface TypedData {
  domain: ReturnType<typeof eip712Domain>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  value: Record<string, unknown>;
}

export function taskTypedData(t: Task | Unsigned<Task>, domain: ProtocolDomain): TypedData {
  unsignedEncoding.Task(t);
  return {
    domain: eip712Domain(domain),
    types: EIP712_TYPES.Task!,
    primaryType: "Task",
    value: {
      requester: t.requester,
      proofSystem: t.proofSystem,
      circuitId: circuitId(t.proofSystem, t.wasmSha256, t.zkeySha256, t.vkeySha256),
      inputHash: t.inputHash,
      publicSignalsHash: t.publicSignalsHash,
      maxReward: t.maxReward,
      penalty: t.penalty,
      bidDeadline: t.bidDeadline,
      revealDeadline: t.revealDeadline,
      proofWindow: t.proofWindow,
      maxRounds: t.maxRounds,
      stakeEpoch: t.stakeEpoch,
      nonce: t.nonce,
      startPrice: t.schedule?.startPrice ?? 0n,
      priceStep: t.schedule?.priceStep ?? 0n,
      rebidWindow: t.schedule?.rebidWindow ?? 0,
    },
  };
}

export function voteTypedData(b: VoteBody, domain: ProtocolDomain): TypedData {
  const primaryType = VOTE_PRIMARY_TYPE[b.kind];
  let value: Record<string, unknown>;
  switch (b.kind) {
    case "invalid":
      value = { taskId: b.taskId };
      break;
    case "nonReveal":
      value = { taskId: b.taskId, prover: b.prover, commitment: b.commitment };
      break;
    default:
      value = { taskId: b.taskId, round: b.round, prover: b.prover };
      if (b.kind === "assignment") value.price = b.price;
      if (b.kind === "completion") value.proofHash = b.proofHash;
  }
  return { domain: eip712Domain(domain), types: EIP712_TYPES[primaryType]!, primaryType, value };
}

export function operatorRecordTypedData(r: OperatorRecord | Unsigned<OperatorRecord>, domain: ProtocolDomain): TypedData {
  unsignedEncoding.OperatorRecord(r);
  return {
    domain: eip712Domain(domain),
    types: EIP712_TYPES.OperatorRecord!,
    primaryType: "OperatorRecord",
    value: operatorRecordValue(r),
  };
}

/* ---------------- sign / recover ---------------- */

/** A secp256k1 key: an ethers SigningKey, or anything holding one (an ethers Wallet). */
export type Eip712Key = SigningKey | { readonly signingKey: SigningKey };

function signingKeyOf(key: Eip712Key): SigningKey {
  if (key instanceof SigningKey) return key;
  if (key !== null && typeof key === "object" && key.signingKey instanceof SigningKey) return key.signingKey;
  throw new SigningError({ code: "INVALID_KEY" }, "expected an ethers SigningKey or Wallet");
}

/** Address (lowercase) of a key. */
export function addressOf(key: Eip712Key): Hex {
  return computeAddressLower(signingKeyOf(key));
}

function computeAddressLower(sk: SigningKey): Hex {
  const pub = getBytes(sk.publicKey).subarray(1);
  return toHex(k(pub).subarray(12));
}

const secp = nativeSecp256k1;
/** What ethers' getBytes takes as hex: "0x" in either case (!), then an even number of hex digits in either case. */
const ETHERS_HEX = /^0x(?:[0-9a-f]{2})*$/i;
const N_HEX = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
const N = BigInt(`0x${N_HEX}`);
const isDigestHex = (d: unknown): d is string => typeof d === "string" && d.length === 66 && ETHERS_HEX.test(d);
/** Private-key bytes per SigningKey, so native signing does not re-parse hex on every call. */
const secretCache = new WeakMap<SigningKey, Uint8Array>();

function secretOf(sk: SigningKey): Uint8Array {
  let b = secretCache.get(sk);
  if (b === undefined) {
    b = fromHex(sk.privateKey);
    secretCache.set(sk, b);
  }
  return b;
}

/**
 * Sign a digest: 65 bytes r || s || v, low-s, v in {27, 28}. RFC 6979 deterministic nonces, so the bytes are
 * identical to ethers' `SigningKey.sign(digest).serialized` (lowercased), which is what ran here before; native
 * libsecp256k1 `ecdsaSign` does the work when its bindings load. Anything but a 32-byte hex digest goes to
 * ethers unchanged, so it throws (or accepts) exactly as before.
 */
export function signDigest(digest: Hex, key: Eip712Key): Hex {
  const sk = signingKeyOf(key);
  if (secp === undefined || !isDigestHex(digest)) return sk.sign(digest).serialized.toLowerCase() as Hex;
  let d = digest.slice(2).toLowerCase();
  // RFC 6979 (and ethers/noble) derive the nonce from the digest reduced mod n; this libsecp256k1 feeds the raw
  // 32 bytes to its nonce function. Reducing first gives the same nonce and the same s (which uses h mod n).
  if (d >= N_HEX) d = (BigInt(`0x${d}`) - N).toString(16).padStart(64, "0");
  const { signature, recid } = secp.ecdsaSign(Buffer.from(d, "hex"), secretOf(sk));
  return `${toHex(signature)}${recid === 1 ? "1c" : "1b"}`;
}

/**
 * Recover the signer (lowercase address) of a signature over a digest; undefined if invalid.
 *
 * Native libsecp256k1 `ecdsaRecover` does the work (ethers' pure-JS `recoverAddress` where the bindings do not
 * load). It accepts and rejects exactly what ethers v6 `recoverAddress` did before it (a property test holds
 * the two equal), namely:
 * - digest: hex of exactly 32 bytes, "0x"- or "0X"-prefixed, digits in either case; any value (taken mod n).
 * - signature: "0x"- or "0X"-prefixed even-length hex (digits in either case) of
 *   - 65 bytes r || s || v, with v = 27 or 0 (y parity 0), v = 28 or 1 (parity 1), or v >= 35 (EIP-155 style:
 *     odd v is parity 0, even v parity 1); v in 2..26 and 29..34 is rejected; or
 *   - 64 bytes r || yParityAndS (EIP-2098 compact): the top bit of byte 32 is the parity, the rest is s.
 * - 0 < r < n, and r must be the x-coordinate of a curve point;
 * - 0 < s < n and s < 2^255 (ethers refuses s with its top bit set). High s in (n/2, 2^255) is ACCEPTED: the
 *   signature is malleable (so are v and the 64/65-byte forms), so never key anything on signature bytes.
 * - the recovered key is not the point at infinity.
 * Everything else returns undefined. Inputs that are not strings (outside the Hex type) go to ethers unchanged.
 */
export function recoverSigner(digest: Hex, signature: Hex): Hex | undefined {
  if (secp === undefined || typeof digest !== "string" || typeof signature !== "string") {
    return recoverSignerEthers(digest, signature);
  }
  if (!isDigestHex(digest) || !ETHERS_HEX.test(signature)) return undefined;
  const sig = Buffer.from(signature.slice(2), "hex");
  let recid: number;
  if (sig.length === 65) {
    const v = sig[64]!;
    if (v === 0 || v === 27) recid = 0;
    else if (v === 1 || v === 28) recid = 1;
    else if (v >= 35) recid = (v & 1) ^ 1;
    else return undefined;
    if (sig[32]! >= 0x80) return undefined;
  } else if (sig.length === 64) {
    recid = sig[32]! >> 7;
    sig[32] = sig[32]! & 0x7f;
  } else {
    return undefined;
  }
  let pub: Uint8Array;
  try {
    // Rejects r or s zero or >= n, r not an x-coordinate, and a recovered point at infinity.
    pub = secp.ecdsaRecover(sig.subarray(0, 64), recid, Buffer.from(digest.slice(2), "hex"), false);
  } catch {
    return undefined;
  }
  return `0x${keccak256(pub.subarray(1)).slice(26)}`;
}

function recoverSignerEthers(digest: Hex, signature: Hex): Hex | undefined {
  try {
    return recoverAddress(digest, signature).toLowerCase() as Hex;
  } catch {
    return undefined;
  }
}

export function signTask(t: Unsigned<Task>, key: Eip712Key, domain: ProtocolDomain): Task {
  return { ...t, signature: signDigest(taskDigest(t, domain), key) };
}

/** True iff the task's signature is the requester's over its EIP-712 digest. */
export function verifyTaskSignature(t: Task, domain: ProtocolDomain): boolean {
  return recoverSigner(taskDigest(t, domain), t.signature) === t.requester.toLowerCase();
}

export function signOperatorRecord(r: Unsigned<OperatorRecord>, key: Eip712Key, domain: ProtocolDomain): OperatorRecord {
  return { ...r, signature: signDigest(operatorRecordDigest(r, domain), key) };
}

export function verifyOperatorRecordSignature(r: OperatorRecord, domain: ProtocolDomain): boolean {
  return recoverSigner(operatorRecordDigest(r, domain), r.signature) === r.operator.toLowerCase();
}

/** Signs a vote; the result keeps the caller's (narrowed) kind, e.g. an assignment stays an assignment. */
export function signVote<V extends UnsignedVote>(v: V, key: Eip712Key, domain: ProtocolDomain): V & Pick<Vote, "signature"> {
  unsignedEncoding.Vote(v);
  return { ...v, signature: signDigest(voteBodyDigest(v, domain), key) };
}

export function verifyVoteSignature(v: Vote, domain: ProtocolDomain): boolean {
  return recoverSigner(voteBodyDigest(v, domain), v.signature) === v.attester.toLowerCase();
}

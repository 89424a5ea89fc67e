/**
 * BLS aggregate certificates (draft SPEC §11.10, proposed): one vote body, a bitmap of the committee members
 * that signed it (bit i = member i in the committee's canonical ascending-address order) and ONE 96-byte
 * aggregate signature, checked with a single `fastAggregateVerify` whatever the number of signers. Signers sign
 * the body's EIP-712 digest (`voteBodyDigest`), the same 32 bytes they sign with secp256k1.
 */
import { aggregateSignatures, fastAggregateVerify, verify, type PublicKey } from "@chainsafe/blst";
import { fromHex, isHex, type Hex } from "../bytes.js";
import { sameBody, type CertificateExpectation } from "../certificate.js";
import { voteBodyOf } from "../codec/index.js";
import { committeeQuorum } from "../committee/committee.js";
import type { Committee, CommitteeMember } from "../committee/interface.js";
import { voteBodyDigest } from "../crypto/eip712.js";
import type { ProtocolDomain, UnsignedVote, VoteBody } from "../types.js";
import { BlsError, blsError, invalidBlsInput } from "./errors.js";
import { blsSign, canonicalOperator, decodeBlsSignature, isBlsKeyRegistry, type BlsKey, type BlsKeyRegistry } from "./keys.js";

/** A vote signed with the attester's registered BLS key over the body's EIP-712 digest. */
export type BlsVote = UnsignedVote & { blsSignature: Uint8Array };

/** A vote body with the committee signer bitmap and the aggregate of the signers' BLS signatures. */
export type BlsCertificate = VoteBody & {
  /** `ceil(m / 8)` bytes for a committee of `m` members; bit i is `bitmap[i >> 3] >> (i & 7) & 1` (LSB first). */
  signerBitmap: Uint8Array;
  /** 96-byte compressed G2 point: the sum of the signers' signatures. */
  aggregateSignature: Uint8Array;
};

export interface BlsCertificateCheck {
  signedWeight: bigint;
  totalWeight: bigint;
  quorum: bigint;
  /** The signers, lowercase, in committee order. */
  signers: string[];
}

function checkBody(body: VoteBody): void {
  const bad = (field: string, reason: string): BlsError =>
    blsError("MALFORMED", `the vote body's ${field} is malformed: ${reason}`, { field, reason });
  if (body === null || typeof body !== "object") throw bad("body", "expected an object");
  if (!["assignment", "completion", "default", "invalid", "nonReveal"].includes(body.kind)) throw bad("kind", "unknown kind");
  if (!isHex(body.taskId, 32)) throw bad("taskId", "expected 32-byte hex");
  const roundless = body.kind === "invalid" || body.kind === "nonReveal";
  if (!Number.isSafeInteger(body.round) || body.round < 0 || body.round > 0xffffffff || (roundless && body.round !== 0)) {
    throw bad("round", roundless ? "must be 0" : "expected a uint32");
  }
  if (body.kind !== "invalid" && !isHex(body.prover, 20)) throw bad("prover", "expected a 20-byte hex address");
  if (body.kind === "assignment" && (typeof body.price !== "bigint" || body.price < 0n || body.price >= 1n << 256n)) {
    throw bad("price", "expected a uint256 bigint");
  }
  if (body.kind === "completion" && !isHex(body.proofHash, 32)) throw bad("proofHash", "expected 32-byte hex");
  if (body.kind === "nonReveal" && !isHex(body.commitment, 32)) throw bad("commitment", "expected 32-byte hex");
}

/** The message a BLS vote signs: the 32-byte EIP-712 digest of the body (`voteBodyDigest`). */
export function blsVoteMessage(body: VoteBody, domain: ProtocolDomain): Uint8Array {
  checkBody(body);
  let digest: Hex;
  try {
    digest = voteBodyDigest(body, domain);
  } catch (err) {
    if (err instanceof BlsError) throw err;
    throw blsError("MALFORMED", `the vote body cannot be hashed: ${(err as Error).message}`, { field: "body" });
  }
  return fromHex(digest);
}

export function signBlsVote<V extends UnsignedVote>(vote: V, key: BlsKey, domain: ProtocolDomain): V & { blsSignature: Uint8Array } {
  return { ...vote, blsSignature: blsSign(key, blsVoteMessage(vote, domain)) };
}

/** True iff the vote's BLS signature verifies under its attester's registered key. Never throws. */
export function verifyBlsVote(vote: BlsVote, registry: BlsKeyRegistry, domain: ProtocolDomain): boolean {
  try {
    const pk = registry.pointOf(canonicalOperator(vote.attester, "attester"));
    if (pk === undefined) return false;
    return verify(blsVoteMessage(vote, domain), pk, decodeBlsSignature(vote.blsSignature), false, false);
  } catch {
    return false;
  }
}

/** The sum of BLS signatures (96 bytes each, each group-checked); `INVALID_INPUT` for none. */
export function aggregateBlsSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(signatures) || signatures.length === 0) throw invalidBlsInput("signatures", "expected a non-empty array");
  const sigs = signatures.map((s, i) => decodeBlsSignature(s, `signatures[${i}]`));
  return aggregateSignatures(sigs, false).toBytes(true);
}

function checkCommittee(committee: Committee): readonly CommitteeMember[] {
  const members: unknown = committee?.members;
  if (committee === null || typeof committee !== "object" || !Array.isArray(members) || typeof committee.totalWeight !== "bigint") {
    throw invalidBlsInput("committee", "expected a Committee from drawCommittee");
  }
  return committee.members;
}

/** The bitmap of `signers` (members of `committee`, any order/case; a non-member is `INVALID_INPUT`). */
export function blsSignerBitmap(committee: Committee, signers: Iterable<string>): Uint8Array {
  const members = checkCommittee(committee);
  const index = new Map<string, number>(members.map((m, i) => [m.attester, i]));
  const bitmap = new Uint8Array((members.length + 7) >> 3);
  for (const s of signers) {
    const a = canonicalOperator(s, "signers");
    const i = index.get(a);
    if (i === undefined) throw invalidBlsInput("signers", `${a} is not a member of the committee`);
    bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return bitmap;
}

/**
 * Assembles a BLS certificate for `body`: keeps the votes on exactly this body from committee members with a
 * registered key whose signature verifies (one per member, the first), and once they reach the committee quorum
 * returns the body, their bitmap and their aggregate signature; undefined below quorum. Bad votes are skipped.
 */
export function assembleBlsCertificate(
  body: VoteBody,
  votes: Iterable<BlsVote>,
  committee: Committee,
  registry: BlsKeyRegistry,
  domain: ProtocolDomain,
): BlsCertificate | undefined {
  const members = checkCommittee(committee);
  if (!isBlsKeyRegistry(registry)) throw invalidBlsInput("registry", "expected a BlsKeyRegistry");
  const message = blsVoteMessage(body, domain);
  const index = new Map<string, number>(members.map((m, i) => [m.attester, i]));
  const signatures = new Map<number, Uint8Array>();
  let signed = 0n;
  for (const v of votes) {
    if (v === null || typeof v !== "object" || !sameBody(v, body)) continue;
    const a = typeof v.attester === "string" ? v.attester.toLowerCase() : "";
    const i = index.get(a);
    if (i === undefined || signatures.has(i)) continue;
    const pk = registry.pointOf(a);
    if (pk === undefined) continue;
    try {
      if (!verify(message, pk, decodeBlsSignature(v.blsSignature), false, false)) continue;
    } catch {
      continue;
    }
    signatures.set(i, v.blsSignature);
    signed += members[i]!.weight;
  }
  if (signed < committeeQuorum(committee) || signatures.size === 0) return undefined;
  const order = [...signatures.keys()].sort((x, y) => x - y);
  const bitmap = new Uint8Array((members.length + 7) >> 3);
  for (const i of order) bitmap[i >> 3]! |= 1 << (i & 7);
  return {
    ...voteBodyOf(body),
    signerBitmap: bitmap,
    aggregateSignature: aggregateBlsSignatures(order.map((i) => signatures.get(i)!)),
  };
}

function checkExpectation(cert: VoteBody, expected: CertificateExpectation): void {
  if (expected.round !== undefined && cert.round !== expected.round) {
    throw blsError("WRONG_ROUND", `certificate is for round ${cert.round}, expected ${expected.round}`);
  }
  if (expected.maxRounds !== undefined && cert.round >= expected.maxRounds) {
    throw blsError("WRONG_ROUND", `round ${cert.round} is beyond the task's ${expected.maxRounds} rounds`);
  }
  const mismatch = (field: string): BlsError => blsError("MISMATCH", `certificate ${field} differs from the expected one`, { field });
  const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if (expected.kind !== undefined && cert.kind !== expected.kind) throw mismatch("kind");
  if (expected.taskId !== undefined && !eq(cert.taskId, expected.taskId)) throw mismatch("taskId");
  if (expected.prover !== undefined && (cert.kind === "invalid" || !eq(cert.prover, expected.prover))) throw mismatch("prover");
  if (expected.price !== undefined && (cert.kind !== "assignment" || cert.price !== expected.price)) throw mismatch("price");
  if (expected.proofHash !== undefined && (cert.kind !== "completion" || !eq(cert.proofHash, expected.proofHash))) {
    throw mismatch("proofHash");
  }
  if (expected.commitment !== undefined && (cert.kind !== "nonReveal" || !eq(cert.commitment, expected.commitment))) {
    throw mismatch("commitment");
  }
}

/**
 * Verifies a BLS certificate against the task's committee and the registered keys. Checks run in this order
 * and the first failure throws a `BlsError`:
 * 1. `MALFORMED` — not an object, the bitmap not `ceil(m/8)` bytes, the signature not 96 bytes;
 * 2. `WRONG_ROUND`, `MISMATCH` — against `expected` (as §5.3);
 * 3. `BIT_BEYOND_COMMITTEE` — a bit set at an index `>= m`;
 * 4. `NO_SIGNERS` — no bit set;
 * 5. `BELOW_QUORUM` — `Σ weight(signers) < committeeQuorum(committee)`;
 * 6. `SIGNER_WITHOUT_KEY` — a signer with no registered key;
 * 7. `BAD_SIGNATURE` — the aggregate is not a valid G2 point (infinity, off the subgroup, bad encoding), or
 *    `fastAggregateVerify(voteBodyDigest(body), signers' keys, aggregate)` fails: one pairing check.
 */
export function verifyBlsCertificate(
  cert: BlsCertificate,
  committee: Committee,
  registry: BlsKeyRegistry,
  domain: ProtocolDomain,
  expected: CertificateExpectation = {},
): BlsCertificateCheck {
  const members = checkCommittee(committee);
  if (!isBlsKeyRegistry(registry)) throw invalidBlsInput("registry", "expected a BlsKeyRegistry");
  if (cert === null || typeof cert !== "object") throw blsError("MALFORMED", "a certificate must be an object");
  const m = members.length;
  const bitmap = cert.signerBitmap;
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== (m + 7) >> 3) {
    throw blsError("MALFORMED", `the signer bitmap must be ${(m + 7) >> 3} bytes for a committee of ${m}`, {
      field: "signerBitmap",
    });
  }
  const sigBytes = cert.aggregateSignature;
  if (!(sigBytes instanceof Uint8Array) || sigBytes.length !== 96) {
    throw blsError("MALFORMED", "the aggregate signature must be 96 bytes", { field: "aggregateSignature" });
  }
  checkExpectation(cert, expected);
  if (m % 8 !== 0 && bitmap[bitmap.length - 1]! >> (m % 8) !== 0) {
    const last = bitmap[bitmap.length - 1]!;
    let bit = m % 8;
    while (((last >> bit) & 1) === 0) bit++;
    const index = (bitmap.length - 1) * 8 + bit;
    throw blsError("BIT_BEYOND_COMMITTEE", `bit ${index} is set but the committee has ${m} members`, { index });
  }
  const signerIdx: number[] = [];
  let signedWeight = 0n;
  for (let i = 0; i < m; i++) {
    if (((bitmap[i >> 3]! >> (i & 7)) & 1) === 1) {
      signerIdx.push(i);
      signedWeight += members[i]!.weight;
    }
  }
  if (signerIdx.length === 0) throw blsError("NO_SIGNERS", "the signer bitmap is empty");
  const quorum = committeeQuorum(committee);
  if (signedWeight < quorum) {
    throw blsError(
      "BELOW_QUORUM",
      `signers hold ${signedWeight} of ${committee.totalWeight} committee weight; ${quorum} (2/3) is required`,
      { signedWeight: signedWeight.toString(), totalWeight: committee.totalWeight.toString(), quorum: quorum.toString() },
    );
  }
  const signers = signerIdx.map((i) => members[i]!.attester);
  const pks: PublicKey[] = [];
  for (let k = 0; k < signerIdx.length; k++) {
    const pk = registry.pointOf(signers[k]!);
    if (pk === undefined) {
      throw blsError("SIGNER_WITHOUT_KEY", `committee member ${signers[k]} has no registered BLS key`, {
        index: signerIdx[k]!,
        attester: signers[k]!,
      });
    }
    pks.push(pk);
  }
  const message = blsVoteMessage(cert, domain);
  const sig = decodeBlsSignature(sigBytes, "aggregateSignature");
  let ok: boolean;
  try {
    ok = fastAggregateVerify(message, pks, sig, false);
  } catch (err) {
    throw blsError("BAD_SIGNATURE", `the aggregate signature cannot be checked: ${(err as Error).message}`);
  }
  if (!ok) throw blsError("BAD_SIGNATURE", "the aggregate signature does not verify for the signers and the body");
  return { signedWeight, totalWeight: committee.totalWeight, quorum, signers };
}

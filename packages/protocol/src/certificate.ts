/**
 * Certificates (SPEC §5): one signed struct plus the signatures of distinct attesters, strictly ascending by
 * address, whose stake at the task's snapshot is at least 2/3 of the total: 3 * signed >= 2 * total.
 */
import { isHex, type Hex } from "./bytes.js";
import { voteBodyOf } from "./codec/index.js";
import { recoverSigner, voteBodyDigest } from "./crypto/eip712.js";
import { CertificateError } from "./errors.js";
import type { Certificate, ProtocolDomain, RoundVoteBody, UnsignedVote, Vote, VoteBody } from "./types.js";

/** Attester stake at a task's stake snapshot. Every operator with stake > 0 is an attester. */
export interface AttesterSet {
  /** lowercase address -> stake (wei); only entries > 0. */
  readonly stakes: ReadonlyMap<Hex, bigint>;
  /** Sum of all stakes. */
  readonly total: bigint;
}

/** Builds a AttesterSet; addresses are lowercased, zero stakes dropped, duplicates rejected. */
export function attesterSet(entries: Iterable<readonly [string, bigint]> | Record<string, bigint>): AttesterSet {
  const it: Iterable<readonly [string, bigint]> =
    Symbol.iterator in entries ? (entries) : Object.entries(entries);
  const stakes = new Map<Hex, bigint>();
  let total = 0n;
  for (const [addr, stake] of it) {
    if (!isHex(addr, 20)) throw new TypeError(`attester set: ${addr} is not a 20-byte hex address`);
    if (typeof stake !== "bigint" || stake < 0n) throw new TypeError(`attester set: stake of ${addr} must be a bigint >= 0`);
    const a = addr.toLowerCase() as Hex;
    if (stakes.has(a)) throw new TypeError(`attester set: ${a} listed twice`);
    if (stake === 0n) continue;
    stakes.set(a, stake);
    total += stake;
  }
  return { stakes, total };
}

/** 3 * signed >= 2 * total, and total > 0. */
export function hasQuorum(signedStake: bigint, totalStake: bigint): boolean {
  return totalStake > 0n && 3n * signedStake >= 2n * totalStake;
}

/** True iff two bodies are the same struct (hence have the same EIP-712 digest under one domain). */
export function sameBody(a: VoteBody, b: VoteBody): boolean {
  if (a.kind !== b.kind || a.taskId.toLowerCase() !== b.taskId.toLowerCase() || a.round !== b.round) return false;
  if (a.kind === "invalid" || b.kind === "invalid") return true;
  if (a.prover.toLowerCase() !== b.prover.toLowerCase()) return false;
  if (a.kind === "assignment" && b.kind === "assignment") return a.price === b.price;
  if (a.kind === "completion" && b.kind === "completion") return a.proofHash.toLowerCase() === b.proofHash.toLowerCase();
  if (a.kind === "nonReveal" && b.kind === "nonReveal") return a.commitment.toLowerCase() === b.commitment.toLowerCase();
  return true;
}

/** True iff the body is one of the round structs (Assignment, Completion, Default). */
export function isRoundVote<B extends VoteBody>(b: B): b is Extract<B, RoundVoteBody> {
  return b.kind === "assignment" || b.kind === "completion" || b.kind === "default";
}

/**
 * The vote slot of a body, without the attester (SPEC §1.11, §9.9): `<taskId>/<round>/assignment` for an
 * Assignment and for an Invalid (which shares round 0's assignment slot), `<taskId>/<round>/outcome` for a
 * Completion or a Default, `<taskId>/nonReveal/<prover>` for a NonReveal. Lowercase.
 */
export function voteSlot(b: VoteBody): string {
  const id = b.taskId.toLowerCase();
  switch (b.kind) {
    case "assignment":
    case "invalid":
      return `${id}/${b.round}/assignment`;
    case "completion":
    case "default":
      return `${id}/${b.round}/outcome`;
    case "nonReveal":
      return `${id}/nonReveal/${b.prover.toLowerCase()}`;
  }
}

/**
 * Attester equivocation (SPEC §9.9): true iff the two votes are by the same attester, in the same slot of the
 * same (taskId, round), and are different structs (different digests): both Assignment, or Assignment and
 * Invalid in round 0, or both in {Completion, Default}. NonReveal votes never conflict: an honest attester
 * signs one per unrevealed commitment, and a prover that equivocated its commitment has two. Signatures are
 * not checked here (the caller has validated both votes).
 */
export function votesConflict(a: UnsignedVote, b: UnsignedVote): boolean {
  if (a.attester.toLowerCase() !== b.attester.toLowerCase()) return false;
  if (a.kind === "nonReveal" || b.kind === "nonReveal") return false;
  return voteSlot(a) === voteSlot(b) && !sameBody(a, b);
}

/** What the verifier expects the certificate to certify (any subset). */
export interface CertificateExpectation {
  kind?: VoteBody["kind"];
  taskId?: Hex;
  round?: number;
  /** For an Invalid certificate (no prover) any expected prover is a MISMATCH. */
  prover?: Hex;
  price?: bigint;
  proofHash?: Hex;
  /** v1: the NonReveal commitment. */
  commitment?: Hex;
  /** The task's maxRounds: a round >= maxRounds is WRONG_ROUND. */
  maxRounds?: number;
}

export interface CertificateCheck {
  signedStake: bigint;
  totalStake: bigint;
}

function fail(
  code: CertificateError["type"]["code"],
  message: string,
  extra: Omit<CertificateError["type"], "code"> = {},
): CertificateError {
  return new CertificateError({ code, ...extra }, message);
}

/**
 * Verifies a certificate against the stake table at the task's snapshot. Checks run in the order of SPEC §5.3
 * (cheap structure first, signatures last) and the first failure is thrown as a CertificateError:
 * MALFORMED, WRONG_ROUND, MISMATCH, DUPLICATE_SIGNER, UNSORTED_SIGNERS, SIGNER_WITHOUT_STAKE, BELOW_QUORUM,
 * BAD_SIGNATURE.
 */
export function verifyCertificate(
  cert: Certificate,
  stakes: AttesterSet,
  domain: ProtocolDomain,
  expected: CertificateExpectation = {},
): CertificateCheck {
  const n = cert.attesters.length;
  if (n === 0 || cert.signatures.length !== n) {
    throw fail("MALFORMED", "a certificate needs one signature per attester and at least one attester");
  }
  if (expected.round !== undefined && cert.round !== expected.round) {
    throw fail("WRONG_ROUND", `certificate is for round ${cert.round}, expected ${expected.round}`);
  }
  if (expected.maxRounds !== undefined && cert.round >= expected.maxRounds) {
    throw fail("WRONG_ROUND", `round ${cert.round} is beyond the task's ${expected.maxRounds} rounds`);
  }
  const mismatch = (field: string): CertificateError =>
    fail("MISMATCH", `certificate ${field} differs from the expected one`, { field });
  if (expected.kind !== undefined && cert.kind !== expected.kind) throw mismatch("kind");
  if (expected.taskId !== undefined && cert.taskId.toLowerCase() !== expected.taskId.toLowerCase()) throw mismatch("taskId");
  if (expected.prover !== undefined && (cert.kind === "invalid" || cert.prover.toLowerCase() !== expected.prover.toLowerCase())) {
    throw mismatch("prover");
  }
  if (expected.price !== undefined && (cert.kind !== "assignment" || cert.price !== expected.price)) throw mismatch("price");
  if (
    expected.proofHash !== undefined &&
    (cert.kind !== "completion" || cert.proofHash.toLowerCase() !== expected.proofHash.toLowerCase())
  ) {
    throw mismatch("proofHash");
  }
  if (
    expected.commitment !== undefined &&
    (cert.kind !== "nonReveal" || cert.commitment.toLowerCase() !== expected.commitment.toLowerCase())
  ) {
    throw mismatch("commitment");
  }
  const attesters = cert.attesters.map((a) => a.toLowerCase() as Hex);
  for (let i = 1; i < n; i++) {
    if (attesters[i] === attesters[i - 1]) {
      throw fail("DUPLICATE_SIGNER", `attester ${attesters[i]} signs twice`, { index: i, attester: attesters[i] });
    }
  }
  for (let i = 1; i < n; i++) {
    if (attesters[i]! < attesters[i - 1]!) {
      throw fail("UNSORTED_SIGNERS", "attesters must be in strictly ascending address order", { index: i });
    }
  }
  let signedStake = 0n;
  for (let i = 0; i < n; i++) {
    const stake = stakes.stakes.get(attesters[i]!) ?? 0n;
    if (stake === 0n) {
      throw fail("SIGNER_WITHOUT_STAKE", `attester ${attesters[i]} has no stake at the task's snapshot`, {
        index: i,
        attester: attesters[i],
      });
    }
    signedStake += stake;
  }
  if (!hasQuorum(signedStake, stakes.total)) {
    throw fail("BELOW_QUORUM", `signers hold ${signedStake} of ${stakes.total} stake; 2/3 is required`, {
      signedStake: signedStake.toString(),
      totalStake: stakes.total.toString(),
    });
  }
  const digest = voteBodyDigest(cert, domain);
  for (let i = 0; i < n; i++) {
    if (recoverSigner(digest, cert.signatures[i]!) !== attesters[i]) {
      throw fail("BAD_SIGNATURE", `signature ${i} is not ${attesters[i]}'s`, { index: i, attester: attesters[i] });
    }
  }
  return { signedStake, totalStake: stakes.total };
}

/**
 * Assembles a certificate for `body` from votes: keeps the votes on exactly this body from staked attesters
 * whose signatures verify (one per attester), sorts them by attester, and returns the certificate once they
 * reach quorum; undefined below quorum. Invalid votes are skipped, never trusted.
 */
export function assembleCertificate(
  body: VoteBody,
  votes: Iterable<Vote>,
  stakes: AttesterSet,
  domain: ProtocolDomain,
): Certificate | undefined {
  const digest = voteBodyDigest(body, domain);
  const byAttester = new Map<Hex, Hex>();
  let signedStake = 0n;
  for (const v of votes) {
    if (!sameBody(v, body)) continue;
    const attester = v.attester.toLowerCase() as Hex;
    if (byAttester.has(attester)) continue;
    const stake = stakes.stakes.get(attester) ?? 0n;
    if (stake === 0n) continue;
    if (recoverSigner(digest, v.signature) !== attester) continue;
    byAttester.set(attester, v.signature.toLowerCase() as Hex);
    signedStake += stake;
  }
  if (!hasQuorum(signedStake, stakes.total)) return undefined;
  const attesters = [...byAttester.keys()].sort();
  return {
    ...voteBodyOf(body),
    attesters,
    signatures: attesters.map((a) => byAttester.get(a)!),
  };
}

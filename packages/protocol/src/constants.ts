/** Protocol constants and limits (SPEC §0, §7). Every number here is normative for v0. */

export const PROTOCOL_VERSION = "1";
export const EIP712_NAME = "ZKPool";

/** Proof systems (SPEC §0.3). All over BN254. */
export const ProofSystem = { Groth16: 1, Plonk: 2, Fflonk: 3 } as const;
export type ProofSystem = (typeof ProofSystem)[keyof typeof ProofSystem];
export const PROOF_SYSTEMS: readonly ProofSystem[] = [1, 2, 3];

/** Clock-skew tolerance in seconds (SPEC §3.2). */
export const MAX_CLOCK_SKEW = 2n;
/** A task's bid deadline may lie at most this far in the future when first seen (seconds). */
export const MAX_TASK_HORIZON = 86_400n;
/** Votes are accepted until the final deadline plus this grace (seconds), so late certificates can form. */
export const VOTE_GRACE = 3_600n;
/** A standing ask (SPEC §10.6) counts for a quote while its record's issuedAt is at most this old (seconds). */
export const ASK_MAX_AGE = 1800n;
/** An operator record's issuedAt may be at most this old when first seen (seconds). */
export const MAX_RECORD_AGE = 30n * 86_400n;

/** BN254 base field modulus q (proof coordinates are < q). */
export const BN254_Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
/** BN254 scalar field order r (public signals are < r). */
export const BN254_R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
/** secp256k1 group order n. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT64 = (1n << 64n) - 1n;
/** Largest accepted timestamp (unix seconds, about year 36812): keeps deadline arithmetic far from 2^64. */
export const MAX_TIMESTAMP = 1n << 40n;

/** Field limits (SPEC §7). */
export const LIMITS = {
  /** OperatorRecord */
  maxProofSystems: 3,
  maxModuleIds: 32,
  maxModuleIdLength: 64,
  maxSoftwareVersionLength: 64,
  maxCapacity: 4096,
  maxAsks: 16,
  /** Task */
  maxInputSize: 1n << 30n, // 1 GiB
  maxProofWindow: 7 * 86_400,
  maxRounds: 16,
  maxRevealWindow: 86_400n, // revealDeadline - bidDeadline
  maxRebidWindow: 86_400, // schedule.rebidWindow, seconds (SPEC §10.3)
  /** Proofs */
  maxPublicSignals: 256,
  maxProofWords: 24,
  /** Certificates */
  maxAttesters: 1024,
} as const;

/** Whole-message byte limits, checked before decoding (SPEC §7). */
export const MAX_MESSAGE_BYTES = {
  OperatorRecord: 4096,
  Task: 1024,
  BidCommit: 256,
  BidReveal: 256,
  Vote: 512,
  Certificate: 96 * 1024,
  ProofSubmission: 16 * 1024,
} as const;

export type MessageName = keyof typeof MAX_MESSAGE_BYTES;

/** Proof byte lengths per proof system (SPEC §1.9). */
export const PROOF_BYTES: Record<ProofSystem, number> = { 1: 8 * 32, 2: 24 * 32, 3: 24 * 32 };

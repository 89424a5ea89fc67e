import { ZkPoolError } from "../errors.js";

/**
 * Why a BLS key, proof of possession or aggregate certificate is refused (draft SPEC §11.10, proposed). The
 * certificate checks run in the order listed in `verifyBlsCertificate`: cheap structure first, the pairing last.
 */
export type BlsErrorCode =
  | "INVALID_INPUT" // a malformed input: a caller bug (seed too short, bad address, not bytes)
  | "BAD_PUBLIC_KEY" // not a canonical 48-byte compressed G1 point, infinity, or outside the subgroup
  | "BAD_PROOF_OF_POSSESSION" // the registration's proof of possession does not verify (rogue key)
  | "DUPLICATE_KEY" // an operator registered twice, or two operators registered one public key
  | "MALFORMED" // certificate structure: bitmap or signature of the wrong type or length
  | "WRONG_ROUND" // round differs from the expected one, or round >= maxRounds
  | "MISMATCH" // kind, taskId, prover, price, proofHash or commitment differ from the expected ones
  | "BIT_BEYOND_COMMITTEE" // a bitmap bit set at an index >= the committee's member count
  | "NO_SIGNERS" // an all-zero bitmap
  | "BELOW_QUORUM" // the signers' committee weight is below the committee quorum
  | "SIGNER_WITHOUT_KEY" // a bit set for a member with no registered (proof-of-possession checked) key
  | "BAD_SIGNATURE"; // the aggregate signature is not a valid G2 point, or fastAggregateVerify fails

export interface BlsErrorType {
  [key: string]: string | number | boolean | undefined;
  code: BlsErrorCode;
  /** INVALID_INPUT / MALFORMED / MISMATCH: the offending input or field. */
  field?: string;
  /** What is wrong with it, in words. */
  reason?: string;
  /** Index of the offending committee member (bit index) or registration. */
  index?: number;
  attester?: string;
  /** BELOW_QUORUM: decimal strings. */
  signedWeight?: string;
  totalWeight?: string;
  quorum?: string;
}

export class BlsError extends ZkPoolError<BlsErrorType> {}

export function blsError(code: BlsErrorCode, message: string, extra: Omit<BlsErrorType, "code"> = {}): BlsError {
  return new BlsError({ code, ...extra }, message);
}

/** A malformed input (a caller bug). */
export function invalidBlsInput(field: string, reason: string): BlsError {
  return blsError("INVALID_INPUT", `Invalid BLS input ${field}: ${reason}.`, { field, reason });
}

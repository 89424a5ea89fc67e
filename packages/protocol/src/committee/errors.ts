import { ZkPoolError } from "../errors.js";

/**
 * Why a committee input or a committee certificate's signer list is refused (protocol/SPEC.md §11, proposed).
 * The signer checks run in the order of SPEC §5.3.
 */
export type CommitteeErrorCode =
  | "INVALID_INPUT" // a malformed input: a caller bug (bad address, byte length, size, stake)
  | "MALFORMED" // no signers
  | "DUPLICATE_SIGNER" // two equal adjacent signers
  | "UNSORTED_SIGNERS" // signers not strictly ascending
  | "NOT_IN_COMMITTEE" // a signer that holds no weight in the task's committee
  | "BELOW_QUORUM"; // 3 * signedWeight < 2 * totalWeight (or an empty committee)

export interface CommitteeErrorType {
  [key: string]: string | number | boolean | undefined;
  code: CommitteeErrorCode;
  /** INVALID_INPUT: the offending input, e.g. `beacon`, `size`, `stakes[0xab…]`, `signers[2]`. */
  field?: string;
  /** INVALID_INPUT: what is wrong with it, in words. */
  reason?: string;
  /** Index of the offending signer. */
  index?: number;
  attester?: string;
  /** BELOW_QUORUM: decimal strings. */
  signedWeight?: string;
  totalWeight?: string;
}

export class CommitteeError extends ZkPoolError<CommitteeErrorType> {}

/** A malformed input (a caller bug). */
export function invalidCommitteeInput(field: string, reason: string): CommitteeError {
  return new CommitteeError(
    { code: "INVALID_INPUT", field, reason },
    `Invalid committee input ${field}: ${reason}. Check the value passed to the committee rule.`,
  );
}

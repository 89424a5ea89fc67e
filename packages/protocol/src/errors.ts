/**
 * Typed errors shared by every ZKPool package.
 *
 * An error carries a machine-readable `type` object whose `code` names the failure and whose other fields
 * are plain data (strings, numbers, booleans) so the whole object survives worker / IPC / JSON boundaries
 * (Lodestar's LodestarError pattern). The message is short and tells a user what to do.
 */
export interface ErrorType {
  code: string;
  [key: string]: string | number | boolean | undefined;
}

export class ZkPoolError<T extends ErrorType = ErrorType> extends Error {
  readonly type: T;

  constructor(type: T, message?: string, options?: { cause?: unknown }) {
    super(message ?? type.code, options);
    this.type = type;
    this.name = new.target.name;
  }

  get code(): T["code"] {
    return this.type.code;
  }

  /** Plain-data form for logs and IPC. */
  toObject(): { name: string; message: string; type: T } {
    return { name: this.name, message: this.message, type: this.type };
  }
}

/** True when `err` is a ZkPoolError (optionally with the given code). */
export function isZkPoolError(err: unknown, code?: string): err is ZkPoolError {
  if (!(err instanceof ZkPoolError)) return false;
  const type: ErrorType = (err as ZkPoolError).type;
  return code === undefined || type.code === code;
}

/** Failure codes of the wire codecs (decode / encode / field checks). */
export type ProtocolErrorCode =
  | "MALFORMED" // not a well-formed protobuf message of the expected type
  | "NON_CANONICAL" // well formed, but re-encoding does not reproduce the input bytes
  | "TOO_LARGE" // message (or a field) exceeds its size limit; checked before decoding
  | "FIELD_INVALID"; // a field is missing, has the wrong length, or is out of range

/**
 * Thrown by every codec in @zkpool/protocol. Decoding arbitrary bytes either returns a valid message or
 * throws a ProtocolError; nothing else.
 */
export class ProtocolError extends ZkPoolError<{
  code: ProtocolErrorCode;
  message?: string; // the message type being decoded ("Task", "Vote", ...)
  field?: string;
  limit?: number;
  size?: number;
}> {}

/** Reasons a certificate fails verification (SPEC §5.3; checks run in that order). */
export type CertificateErrorCode =
  | "MALFORMED" // attesters/signatures length mismatch or empty
  | "MISMATCH" // kind, task, prover, price or proof hash differ from what the caller expects
  | "WRONG_ROUND" // round differs from the expected round or is >= the task's maxRounds
  | "DUPLICATE_SIGNER"
  | "UNSORTED_SIGNERS"
  | "SIGNER_WITHOUT_STAKE"
  | "BELOW_QUORUM"
  | "BAD_SIGNATURE";

export class CertificateError extends ZkPoolError<{
  code: CertificateErrorCode;
  index?: number;
  attester?: string;
  field?: string;
  signedStake?: string;
  totalStake?: string;
}> {}

/** Signing failures (bad key material, domain out of range). */
export class SigningError extends ZkPoolError<{ code: "INVALID_KEY" | "INVALID_DOMAIN"; detail?: string }> {}

// the errors entry only: worker threads load this without the whole protocol package (and ethers)
import { ZkPoolError } from "@zkpool/protocol/errors";

/** Every failure a prover module or the UMP runtime reports. */
export type UmpErrorCode =
  | "UNSUPPORTED" // no module serves this proof system / circuit
  | "INVALID_INPUT" // the circuit input does not satisfy the circuit (witness generation failed)
  | "INVALID_ARTIFACT" // an artifact is missing, corrupt, or its hash does not match
  | "PROOF_INVALID" // the module produced a proof that does not verify
  | "ABORTED" // cancelled through the AbortSignal
  | "TIMEOUT" // the module exceeded its time limit and was killed
  | "CRASHED" // the worker / sidecar process died
  | "OVER_CAPACITY" // accepting this job would exceed what the hardware can finish in time
  | "NOT_STARTED" // used before start() or after stop()
  | "DUPLICATE_MODULE" // a module with the same manifest id is already registered
  | "INTERNAL";

export type UmpErrorType = {
  code: UmpErrorCode;
  moduleId?: string;
  taskId?: string;
  detail?: string;
};

export class UmpError extends ZkPoolError<UmpErrorType> {}

/** True when `err` is a UmpError, optionally with one of the given codes. */
export function isUmpError(err: unknown, ...codes: UmpErrorCode[]): err is UmpError {
  return err instanceof UmpError && (codes.length === 0 || codes.includes(err.type.code));
}

/**
 * Normalize anything thrown by a module into a UmpError. A UmpError passes through unchanged; an object that
 * carries a UmpError's plain-data form (after crossing a worker / IPC boundary) is rebuilt; anything else
 * becomes `INTERNAL` with the original as `cause`.
 */
export function toUmpError(err: unknown, context: { moduleId?: string; taskId?: string } = {}): UmpError {
  if (err instanceof UmpError) return err;
  if (isPlainUmpError(err)) {
    return new UmpError({ ...context, ...err.type }, err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new UmpError(
    { code: "INTERNAL", ...context, detail: message },
    `prover module failed unexpectedly: ${message}`,
    { cause: err },
  );
}

const CODES: ReadonlySet<string> = new Set<UmpErrorCode>([
  "UNSUPPORTED",
  "INVALID_INPUT",
  "INVALID_ARTIFACT",
  "PROOF_INVALID",
  "ABORTED",
  "TIMEOUT",
  "CRASHED",
  "OVER_CAPACITY",
  "NOT_STARTED",
  "DUPLICATE_MODULE",
  "INTERNAL",
]);

/** The plain-data shape of `UmpError.toObject()`. */
export interface PlainUmpError {
  name?: string;
  message: string;
  type: UmpErrorType;
}

export function isPlainUmpError(value: unknown): value is PlainUmpError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { message?: unknown; type?: unknown };
  if (typeof v.message !== "string" || typeof v.type !== "object" || v.type === null) return false;
  const code = (v.type as { code?: unknown }).code;
  return typeof code === "string" && CODES.has(code);
}

import { ZkPoolError } from "@zkpool/protocol";

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
  | "INTERNAL";

export type UmpErrorType = {
  code: UmpErrorCode;
  moduleId?: string;
  taskId?: string;
  detail?: string;
};

export class UmpError extends ZkPoolError<UmpErrorType> {}

import { ZkPoolError } from "@zkpool/protocol";

export type CircuitsErrorCode =
  | "UNKNOWN_CIRCUIT" // no circuit of that name in the catalog
  | "NOT_BUILT" // the circuit / proof system has no artifacts yet: run the setup command
  | "INVALID_ARTIFACT" // an artifact's content does not match the hash recorded in its meta.json
  | "COMPILE_FAILED" // circom2 could not compile the circuit
  | "PTAU_TOO_SMALL" // the powers of tau file has too few powers for this circuit and proof system
  | "SETUP_FAILED"; // snarkjs setup, export or the self-check proof failed

export type CircuitsErrorType = {
  code: CircuitsErrorCode;
  circuit?: string;
  proofSystem?: string;
  detail?: string;
};

export class CircuitsError extends ZkPoolError<CircuitsErrorType> {}

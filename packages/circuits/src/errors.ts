import { ZkPoolError } from "@zkpool/protocol";

export type CircuitsErrorCode =
  | "UNKNOWN_CIRCUIT" // no circuit of that name in the catalog
  | "NOT_BUILT" // the circuit / proof system has no artifacts yet: run the setup command
  | "INVALID_ARTIFACT" // an artifact's content does not match the hash recorded in its meta.json
  | "COMPILE_FAILED" // circom2 could not compile the circuit
  | "PTAU_TOO_SMALL" // the powers of tau file has too few powers for this circuit and proof system
  | "SETUP_FAILED" // snarkjs setup, export or the self-check proof failed
  | "CIRCUIT_NOT_FOUND" // no .circom file at the path given to setupCircuit
  | "INCLUDE_NOT_FOUND" // circom could not find an included file (pass its folder as an include dir)
  | "PTAU_INVALID" // the powers of tau file is missing, unreadable, or not prepared for phase 2
  | "BAD_OPTIONS"; // setupCircuit options missing or contradictory

export type CircuitsErrorType = {
  code: CircuitsErrorCode;
  circuit?: string;
  proofSystem?: string;
  detail?: string;
  /** Source location of a compile error (the first one circom reported). */
  file?: string;
  line?: number;
  column?: number;
  /** circom's own error code, e.g. "P1008". */
  circomCode?: string;
  /** Powers of tau: the power needed and the power of the file given. */
  powerNeeded?: number;
  powerGiven?: number;
};

export class CircuitsError extends ZkPoolError<CircuitsErrorType> {}

/**
 * The `--proof-system` values (commands.ts re-exports them). A module of their own so that defining
 * the commands, as every `zkpool` invocation does, loads no SDK: the commands import their implementations when run.
 */
import { CliError, CliErrorCode } from "./errors.js";

export const PROOF_SYSTEMS = ["groth16", "plonk", "fflonk"] as const;
export type ProofSystemName = (typeof PROOF_SYSTEMS)[number];

/** `--proof-system` value, checked (CLI_BAD_USAGE listing the choices). */
export function parseProofSystem(v: string): ProofSystemName {
  const s = v.trim().toLowerCase();
  if (!(PROOF_SYSTEMS as readonly string[]).includes(s)) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "proof-system" }, `--proof-system must be one of ${PROOF_SYSTEMS.join(", ")} (got ${JSON.stringify(v)})`);
  }
  return s as ProofSystemName;
}

/**
 * snarkjs and ffjavascript load on first use, not when `@zkpool/circuits` is imported: a pool node imports the
 * package for its catalog (artifact paths, hashes, sample inputs) and never runs a setup, so it should not
 * carry the setup code (issue 17, a lean node). Types are imported as types only.
 */
import type * as Snarkjs from "snarkjs";

let snarkjs: Promise<typeof Snarkjs> | undefined;

/** The snarkjs module, imported once. */
export function loadSnarkjs(): Promise<typeof Snarkjs> {
  snarkjs ??= import("snarkjs");
  return snarkjs;
}

/** ffjavascript's BN254 curve (the one snarkjs caches and shares, with its worker threads). */
export async function buildBn128(): Promise<{ terminate(): Promise<void> }> {
  const ff = await import("ffjavascript");
  return ff.buildBn128();
}

/** Fixtures for the cross-package UMP tests: the committed demo circuits (small, no setup needed). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import type { ComplianceFixture } from "@zkpool/ump/compliance";
import type { ProofSystem } from "@zkpool/ump";

export async function rangeCheck(system: ProofSystem): Promise<CatalogCircuit> {
  return loadCircuit("range-check-32", system);
}

export async function merkle(): Promise<CatalogCircuit> {
  return loadCircuit("merkle-10", "groth16");
}

/** value below `lower`: the range check's constraints fail, so witness generation fails. */
export function rangeCheckInvalid(c: CatalogCircuit): Record<string, unknown> {
  return { ...c.sampleInput, value: "5" };
}

export async function complianceFixtures(): Promise<ComplianceFixture[]> {
  const m = await merkle();
  const out: ComplianceFixture[] = [];
  for (const system of ["groth16", "plonk", "fflonk"] as const) {
    const c = await rangeCheck(system);
    out.push({
      label: `range-check-32 ${system}`,
      circuit: c,
      validInput: c.sampleInput,
      invalidInput: rangeCheckInvalid(c),
      // groth16 on range-check-32 is too quick to cancel reliably; the merkle circuit is slower.
      ...(system === "groth16" ? { cancelTask: { circuit: m, input: m.sampleInput } } : {}),
    });
  }
  out.push({
    label: "merkle-10 groth16",
    circuit: m,
    validInput: m.sampleInput,
    invalidInput: { ...m.sampleInput, index: "5000" },
  });
  return out;
}

/** A temporary directory removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

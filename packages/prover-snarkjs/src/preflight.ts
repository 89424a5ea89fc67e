/**
 * Preflight estimates: time from a measured profile when one is installed, else a conservative default.
 * All results are integer ms / bytes.
 */
import type { ModuleProfile, ProofSystem } from "@zkpool/ump";

/**
 * Conservative defaults per proof system (ms = base + perMillion * constraints / 1e6), set ~1.5x above
 * snarkjs 0.7 Groth16 on a 2-core machine (2^12 0.6 s, 2^14 2.2 s, 2^16 6.9 s); PLONK ~7x, FFLONK ~10x.
 */
export const DEFAULT_COST: Record<ProofSystem, { baseMs: number; msPerMillion: number }> = {
  groth16: { baseMs: 800, msPerMillion: 160_000 },
  plonk: { baseMs: 1_500, msPerMillion: 1_100_000 },
  fflonk: { baseMs: 2_000, msPerMillion: 1_600_000 },
};

/** Peak memory model: the zkey held twice (file bytes + parsed points) plus a per-constraint term. */
export const BASE_MEMORY_BYTES = 256 * 1024 * 1024;

function nlogn(n: number): number {
  return n * Math.log2(Math.max(2, n));
}

/** Estimated proving time for `constraints` from a profile's samples (nearest sample, n·log n scaling). */
export function estimateFromProfile(profile: ModuleProfile, constraints: number): number | undefined {
  const samples = profile.samples.filter((s) => s.constraints > 0 && s.ms > 0);
  if (samples.length === 0) return undefined;
  let best = samples[0]!;
  for (const s of samples) {
    if (
      Math.abs(Math.log2(s.constraints / constraints)) < Math.abs(Math.log2(best.constraints / constraints))
    )
      best = s;
  }
  return Math.ceil((best.ms * nlogn(constraints)) / nlogn(best.constraints));
}

export function defaultEstimateMs(system: ProofSystem, constraints: number): number {
  const c = DEFAULT_COST[system];
  return Math.ceil(c.baseMs + (c.msPerMillion * constraints) / 1_000_000);
}

export function estimateMemoryBytes(
  system: ProofSystem,
  constraints: number,
  zkeyBytes: number | undefined,
): number {
  const perConstraint = system === "groth16" ? 2_048 : system === "plonk" ? 8_192 : 16_384;
  return BASE_MEMORY_BYTES + 2 * (zkeyBytes ?? 0) + perConstraint * constraints;
}

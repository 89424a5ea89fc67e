/**
 * Preflight estimates: time from a measured profile when one is installed, else a conservative default.
 * All results are integer ms / bytes.
 */
import type { ModuleProfile, ProofSystem } from "@zkpool/ump";

/**
 * Conservative defaults per proof system, set above snarkjs 0.7 on a busy 2-core machine (measured with
 * bench/prove.ts: Groth16 2^12 1.3 s, 2^14 2.8 s, 2^16 5.7 s; PLONK of a 25 MB zkey 10 s, of a 102 MB zkey
 * 38-52 s). PLONK and FFLONK cost follows their gate count, which can be ~10x the R1CS constraints
 * (Poseidon), so their estimate is also taken from the zkey size and the larger of the two wins.
 */
export const DEFAULT_COST: Record<
  ProofSystem,
  { baseMs: number; msPerMillion: number; msPerZkeyMiB: number }
> = {
  groth16: { baseMs: 800, msPerMillion: 160_000, msPerZkeyMiB: 250 },
  plonk: { baseMs: 1_500, msPerMillion: 1_100_000, msPerZkeyMiB: 700 },
  fflonk: { baseMs: 2_000, msPerMillion: 1_600_000, msPerZkeyMiB: 1_200 },
};

/** Peak memory model: a fixed base, the zkey held several times (file bytes, parsed points, FFT buffers), per constraint. */
export const BASE_MEMORY_BYTES = 384 * 1024 * 1024;

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

export function defaultEstimateMs(system: ProofSystem, constraints: number, zkeyBytes = 0): number {
  const c = DEFAULT_COST[system];
  const byConstraints = (c.msPerMillion * constraints) / 1_000_000;
  const byZkey = (c.msPerZkeyMiB * zkeyBytes) / 2 ** 20;
  return Math.ceil(c.baseMs + Math.max(byConstraints, byZkey));
}

export function estimateMemoryBytes(
  system: ProofSystem,
  constraints: number,
  zkeyBytes: number | undefined,
): number {
  const perConstraint = system === "groth16" ? 2_048 : system === "plonk" ? 8_192 : 16_384;
  return BASE_MEMORY_BYTES + 5 * (zkeyBytes ?? 0) + perConstraint * constraints;
}

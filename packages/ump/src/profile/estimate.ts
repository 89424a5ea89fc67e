/**
 * The preflight estimate model.
 *
 * A module's proving time on this hardware is modelled as a straight line in the circuit's constraint count,
 * `ms(c) = a + b * c`, fitted by least squares to the self-benchmark samples of one proof system (memory the
 * same way). All arithmetic is on bigints and the result is rounded up, so the same samples give the same
 * estimate on every machine and nothing is lost to float rounding:
 *
 *   n = #samples, Sx = Σc, Sy = Σms, Sxx = Σc², Sxy = Σc·ms, D = n·Sxx − Sx²
 *   ms(c) = ceil((Sy·Sxx − Sx·Sxy + c·(n·Sxy − Sx·Sy)) / D)
 *
 * Fallbacks:
 * - one sample, or all samples at one size (D = 0), or a fitted slope <= 0 (noise): scale proportionally
 *   from the largest sample, `ceil(ms_max * c / c_max)`;
 * - monotone floor: the estimate is never below a measured ms at a size <= c, and never below 1.
 */
import type { ModuleProfile } from "../interface.js";

export interface Sample {
  constraints: number;
  ms: number;
  memoryBytes: number;
}

export interface Estimate {
  ms: number;
  memoryBytes: number;
}

/** Estimate proving time and peak memory for `constraints` from a profile's samples; undefined without samples. */
export function estimateFromProfile(
  profile: Pick<ModuleProfile, "samples">,
  constraints: number,
): Estimate | undefined {
  const samples = profile.samples.filter(
    (s) => Number.isSafeInteger(s.constraints) && s.constraints > 0 && Number.isFinite(s.ms) && s.ms >= 0,
  );
  if (samples.length === 0) return undefined;
  const c = BigInt(Math.max(0, Math.ceil(constraints)));
  return {
    ms: fit(samples, c, (s) => s.ms),
    memoryBytes: fit(samples, c, (s) => s.memoryBytes),
  };
}

function fit(samples: Sample[], c: bigint, y: (s: Sample) => number): number {
  const pts = samples.map((s) => ({ x: BigInt(s.constraints), y: BigInt(Math.max(0, Math.ceil(y(s)))) }));
  const n = BigInt(pts.length);
  let sx = 0n,
    sy = 0n,
    sxx = 0n,
    sxy = 0n;
  for (const p of pts) {
    sx += p.x;
    sy += p.y;
    sxx += p.x * p.x;
    sxy += p.x * p.y;
  }
  const d = n * sxx - sx * sx;
  const slopeNum = n * sxy - sx * sy;
  let est: bigint;
  if (d === 0n || slopeNum <= 0n) {
    est = proportional(pts, c);
  } else {
    est = ceilDiv(sy * sxx - sx * sxy + c * slopeNum, d);
  }
  // Monotone floor: never below a measurement at a size <= c.
  for (const p of pts) if (p.x <= c && p.y > est) est = p.y;
  if (est < 1n) est = 1n;
  return bigToNumber(est);
}

function proportional(pts: { x: bigint; y: bigint }[], c: bigint): bigint {
  let top = pts[0]!;
  for (const p of pts) if (p.x > top.x || (p.x === top.x && p.y > top.y)) top = p;
  return ceilDiv(top.y * c, top.x);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b < 0n) {
    a = -a;
    b = -b;
  }
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

function bigToNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/**
 * The committee safety bound, exactly (draft SPEC §11.5): with `C` seats drawn with replacement by stake, the
 * adversary's seat count is Binomial(C, f) for its stake share `f`, however it splits its stake over addresses.
 * Every probability is an exact rational of bigints (no floats); `formatProbability` renders one in decimal.
 */
import { invalidCommitteeInput } from "./errors.js";

/** A non-negative rational `num / den`, `den > 0`, in lowest terms when returned from this module. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

export interface CommitteeFaultBound {
  seats: number;
  /** The adversary's share of the stake at the epoch. */
  adversary: Fraction;
  /** P(adversary seats > C/3): it can withhold every certificate of the task (liveness). */
  block: Fraction;
  /** P(adversary seats >= 2C/3): it can sign a certificate alone (safety). */
  forge: Fraction;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function reduceFraction(f: Fraction): Fraction {
  if (f.num === 0n) return { num: 0n, den: 1n };
  const g = gcd(f.num, f.den);
  return { num: f.num / g, den: f.den / g };
}

function checkShare(p: Fraction, field: string): Fraction {
  if (p === null || typeof p !== "object" || typeof p.num !== "bigint" || typeof p.den !== "bigint") {
    throw invalidCommitteeInput(field, "expected { num: bigint, den: bigint }");
  }
  if (p.den <= 0n || p.num < 0n || p.num > p.den)
    throw invalidCommitteeInput(field, "expected 0 <= num <= den, den > 0");
  return reduceFraction(p);
}

function checkSeats(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > 65_536)
    throw invalidCommitteeInput("seats", "expected an integer in [1, 65536]");
}

/** Least adversary seat count that blocks a committee of `n` seats: `3k > n`, i.e. `floor(n/3) + 1`. */
export function blockingSeats(n: number): number {
  return Math.floor(n / 3) + 1;
}

/** Least adversary seat count that forges alone in a committee of `n` seats: `3k >= 2n`, i.e. `ceil(2n/3)`. */
export function forgingSeats(n: number): number {
  return Math.floor((2 * n + 2) / 3);
}

/**
 * `P(X >= kMin)` for `X ~ Binomial(n, p)`, exactly: `Σ_{k>=kMin} C(n,k) a^k (d-a)^(n-k) / d^n` with `p = a/d`.
 */
export function binomialTail(n: number, p: Fraction, kMin: number): Fraction {
  checkSeats(n);
  const { num: a, den: d } = checkShare(p, "p");
  if (!Number.isSafeInteger(kMin)) throw invalidCommitteeInput("kMin", "expected an integer");
  if (kMin <= 0) return { num: 1n, den: 1n };
  if (kMin > n) return { num: 0n, den: 1n };
  const b = d - a;
  const N = BigInt(n);
  // Term k = C(n,k) a^k b^(n-k); walk k = kMin..n with C(n,k+1) = C(n,k) (n-k) / (k+1).
  let binom = 1n;
  for (let k = 0n; k < BigInt(kMin); k++) binom = (binom * (N - k)) / (k + 1n);
  let sum = 0n;
  let aPow = a ** BigInt(kMin);
  for (let k = BigInt(kMin); k <= N; k++) {
    sum += binom * aPow * b ** (N - k);
    binom = (binom * (N - k)) / (k + 1n);
    aPow *= a;
  }
  return reduceFraction({ num: sum, den: d ** N });
}

/** The exact blocking and forging probabilities of a sampled committee of `seats` seats. */
export function committeeFaultBound(seats: number, adversary: Fraction): CommitteeFaultBound {
  const f = checkShare(adversary, "adversary");
  return {
    seats,
    adversary: f,
    block: binomialTail(seats, f, blockingSeats(seats)),
    forge: binomialTail(seats, f, forgingSeats(seats)),
  };
}

/**
 * Liveness: the probability that a sampled committee of `seats` seats **cannot** certify when the members that
 * are honest and online hold the stake share `honestOnline`: their seats fall below the quorum `ceil(2C/3)`,
 * i.e. the others hold more than C/3: `binomialTail(C, 1 - honestOnline, floor(C/3) + 1)`.
 */
export function committeeLivenessFailure(seats: number, honestOnline: Fraction): Fraction {
  const h = checkShare(honestOnline, "honestOnline");
  return binomialTail(seats, { num: h.den - h.num, den: h.den }, blockingSeats(seats));
}

/**
 * `f` in decimal scientific notation with `digits` significant digits, rounded half up, e.g. `1.23e-12`,
 * `5.00e-1`; `0` for zero. Integer arithmetic only.
 */
export function formatProbability(f: Fraction, digits = 3): string {
  if (!Number.isSafeInteger(digits) || digits < 1)
    throw invalidCommitteeInput("digits", "expected an integer >= 1");
  const { num, den } = f;
  if (den <= 0n || num < 0n) throw invalidCommitteeInput("f", "expected num >= 0, den > 0");
  if (num === 0n) return "0";
  // e = floor(log10(num / den)).
  let e = num.toString().length - den.toString().length;
  const geq = (exp: number): boolean =>
    exp >= 0 ? num >= den * 10n ** BigInt(exp) : num * 10n ** BigInt(-exp) >= den;
  if (!geq(e)) e -= 1;
  const scale = digits - 1 - e;
  let m =
    scale >= 0
      ? (2n * num * 10n ** BigInt(scale) + den) / (2n * den)
      : (2n * num + den * 10n ** BigInt(-scale)) / (2n * den * 10n ** BigInt(-scale));
  if (m >= 10n ** BigInt(digits)) {
    m /= 10n;
    e += 1;
  }
  const s = m.toString();
  const mant = digits === 1 ? s : `${s[0]}.${s.slice(1)}`;
  return `${mant}e${e >= 0 ? "+" : "-"}${Math.abs(e)}`;
}

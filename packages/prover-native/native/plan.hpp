// GLV endomorphism, resident-key MSM plans (compacted bases, phi copies, fixed-base shifted tables) and the
// witness-structure split (zero scalars skipped, ones summed directly, the rest through the Pippenger).
//
// GLV on BN254: beta is a primitive cube root of unity in Fq, lambda one in Fr, and phi(x, y) = (beta x, y)
// equals [lambda] on G1; on G2 (x in Fq2) phi(x, y) = (beta^2 x, y) is [lambda] (checked by the tests). A scalar
// k < r splits as k = k1 + k2 lambda (mod r) with |k1|, |k2| < 2^127 using the reduced lattice basis
// v1 = (a1, b1), v2 = (a2, b2) of {(x, y): x + y lambda = 0 mod r} (constants from the extended Euclidean
// algorithm on (r, lambda); checked by the glv_check test command). An MSM over n points with 254-bit
// scalars becomes one over 2n points (P_i and phi(P_i)) with 127-bit scalars: half the windows.
//
// Fixed-base tables: with m copies Q_{i,t} = 2^(t c Wt) P_i (t < m, Wt = ceil(W / m)) the W windows of a
// scalar fold onto Wt bucket sets, so the bucket reductions and the final doublings shrink m-fold and the
// window can grow. Built at key load for resident keys within a memory budget.
#pragma once
#include <memory>
#include <mutex>

#include "msm.hpp"

namespace zkp {

namespace glv {
// plain integers, little-endian limbs
static const uint64_t BETA[4] = {0x5763473177fffffeULL, 0xd4f263f1acdb5c4fULL, 0x59e26bcea0d48bacULL, 0};
static const uint64_t LAMBDA[4] = {0x8b17ea66b99c90ddULL, 0x5bfc41088d8daaa7ULL, 0xb3c4d79d41a91758ULL, 0};
// basis: a1 = b2 = 0x89d3256894d213e3 (64 bits), b1 = -NB1 (127 bits), a2 (127 bits); a1 b2 - a2 b1 = r
static const uint64_t A1[4] = {0x89d3256894d213e3ULL, 0, 0, 0};
static const uint64_t NB1[4] = {0x8211bbeb7d4f1128ULL, 0x6f4d8248eeb859fcULL, 0, 0};
static const uint64_t A2[4] = {0x0be4e1541221250bULL, 0x6f4d8248eeb859fdULL, 0, 0};
static const uint64_t B2[4] = {0x89d3256894d213e3ULL, 0, 0, 0};
// g1 = floor(2^256 b2 / r), g2 = floor(2^256 (-b1) / r): c1 = (k g1) >> 256 ~ round(b2 k / r), c2 likewise
static const uint64_t G1C[4] = {0xd91d232ec7e0b3d7ULL, 0x2, 0, 0};
static const uint64_t G2C[4] = {0x7a7bd9d4391eb18dULL, 0x4ccef014a773d2cfULL, 0x2, 0};

inline const Fq& beta() {
  static const Fq b = Fq::from_plain(BETA);
  return b;
}
// On G2 (the twist over Fq2), (beta x, y) acts as lambda^2 on the order-r subgroup; (beta^2 x, y) is lambda.
inline const Fq& beta2() {
  static const Fq b = beta() * beta();
  return b;
}

// (a b) >> 256 and (a b) mod 2^256
inline void mul_wide(const uint64_t* a, const uint64_t* b, uint64_t* lo, uint64_t* hi) {
  uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      u128 x = (u128)a[i] * b[j] + t[i + j] + carry;
      t[i + j] = (uint64_t)x;
      carry = (uint64_t)(x >> 64);
    }
    t[i + 4] = carry;
  }
  if (lo) memcpy(lo, t, 32);
  if (hi) memcpy(hi, t + 4, 32);
}

struct Split {
  uint64_t m1[2], m2[2];  // magnitudes
  uint8_t neg1, neg2;
};

// k = k1 + k2 lambda (mod r) for a plain k < r; |k1|, |k2| < 2^127
inline Split split(const uint64_t* k) {
  uint64_t c1[4], c2[4], t[4], k1[4], k2[4];
  mul_wide(k, G1C, nullptr, c1);
  mul_wide(k, G2C, nullptr, c2);
  mul_wide(c1, A1, t, nullptr);
  u256_sub(k1, k, t);
  mul_wide(c2, A2, t, nullptr);
  u256_sub(k1, k1, t);
  mul_wide(c1, NB1, k2, nullptr);
  mul_wide(c2, B2, t, nullptr);
  u256_sub(k2, k2, t);
  Split s;
  const uint64_t zero[4] = {0, 0, 0, 0};
  s.neg1 = (uint8_t)(k1[3] >> 63);
  if (s.neg1) u256_sub(k1, zero, k1);
  s.neg2 = (uint8_t)(k2[3] >> 63);
  if (s.neg2) u256_sub(k2, zero, k2);
  if ((k1[2] | k1[3] | k2[2] | k2[3]) != 0 || (k1[1] >> 63) || (k2[1] >> 63))
    throw std::runtime_error("GLV decomposition out of range");
  s.m1[0] = k1[0];
  s.m1[1] = k1[1];
  s.m2[0] = k2[0];
  s.m2[1] = k2[1];
  return s;
}

inline Affine<Fq> phi(const Affine<Fq>& p) { return Affine<Fq>{p.x * beta(), p.y}; }
inline Affine<Fq2> phi(const Affine<Fq2>& p) { return Affine<Fq2>{Fq2{p.x.c0 * beta2(), p.x.c1 * beta2()}, p.y}; }
}  // namespace glv

// Scalar classes for the witness-structure paths.
enum ScalarClass : uint8_t { SC_ZERO = 0, SC_ONE = 1, SC_SMALL = 2, SC_LARGE = 3 };
static const uint64_t SMALL_LIMIT = 1u << 16;

inline uint8_t classify(const U256& k) {
  if (k.v[1] | k.v[2] | k.v[3]) return SC_LARGE;
  if (k.v[0] == 0) return SC_ZERO;
  if (k.v[0] == 1) return SC_ONE;
  return k.v[0] < SMALL_LIMIT ? SC_SMALL : SC_LARGE;
}

// The GLV split of N scalars plus their classes; digits for any window size are made from it.
struct GlvScalars {
  size_t N = 0;
  std::vector<glv::Split> s;
  std::vector<uint8_t> cls;
};

inline GlvScalars glv_split_all(const U256* k, size_t N, const Ctx& ctx, bool classifyToo = true) {
  GlvScalars g;
  g.N = N;
  g.s.resize(N);
  if (classifyToo) g.cls.resize(N);
  const size_t chunk = 1 << 13;
  parallel_for(ctx, (N + chunk - 1) / chunk, [&](size_t ci) {
    size_t end = std::min(N, (ci + 1) * chunk);
    for (size_t i = ci * chunk; i < end; i++) {
      g.s[i] = glv::split(k[i].v);
      if (classifyToo) g.cls[i] = classify(k[i]);
    }
  });
  ctx.check();
  return g;
}

// Signed c-bit digits of the 2N half scalars: row j < N is k1 of scalar j, row N + j is k2; the sign of the
// half scalar is folded into its digits. Row-major, d[row * W + w], W = ceil(128 / c): the accumulation reads
// all windows of a row together, and one row is one or two cache lines (window-major, every window of a row
// was a separate stream; the loads missed the cache).
inline Digits make_glv_digits(const GlvScalars& g, unsigned c, const Ctx& ctx) {
  Digits D;
  D.c = c;
  D.W = (128 + c - 1) / c;
  D.n = 2 * g.N;
  D.rowMajor = true;
  const unsigned W = D.W;
  const int64_t half = (int64_t)1 << (c - 1);
  const int64_t full = (int64_t)1 << c;
  const uint64_t mask = ((uint64_t)1 << c) - 1;
  D.d.resize((size_t)W * D.n);
  int32_t* digits = D.d.data();
  const size_t chunk = 1 << 13;
  const size_t N = g.N;
  parallel_for(ctx, (D.n + chunk - 1) / chunk, [&](size_t ci) {
    size_t end = std::min(D.n, (ci + 1) * chunk);
    for (size_t row = ci * chunk; row < end; row++) {
      const glv::Split& sp = g.s[row < N ? row : row - N];
      const uint64_t* s = row < N ? sp.m1 : sp.m2;
      const bool neg = row < N ? sp.neg1 : sp.neg2;
      int64_t carry = 0;
      for (unsigned w = 0; w < W; w++) {
        unsigned bit = w * c;
        uint64_t val = 0;
        if (bit < 128) {
          unsigned limb = bit / 64, off = bit % 64;
          val = s[limb] >> off;
          if (off + c > 64 && limb == 0) val |= s[1] << (64 - off);
          val &= mask;
        }
        int64_t d = (int64_t)val + carry;
        if (d > half) {
          d -= full;
          carry = 1;
        } else {
          carry = 0;
        }
        digits[row * W + w] = (int32_t)(neg ? -d : d);
      }
    }
  });
  ctx.check();
  return D;
}

// In-place affine doubling of every point, `times` times, with batched inversions (points of prime order r,
// none at infinity).
template <class F>
void batch_double(Affine<F>* p, size_t n, unsigned times, const Ctx& ctx) {
  const size_t chunk = 512;
  parallel_for(ctx, (n + chunk - 1) / chunk, [&](size_t ci) {
    size_t i0 = ci * chunk, i1 = std::min(n, i0 + chunk);
    size_t m = i1 - i0;
    std::vector<F> pref(m);
    for (unsigned s = 0; s < times; s++) {
      F acc = F::one();
      for (size_t k = 0; k < m; k++) {
        pref[k] = acc;
        acc = acc * p[i0 + k].y.dbl();
      }
      F inv = acc.inv();
      for (size_t k = m; k-- > 0;) {
        Affine<F>& q = p[i0 + k];
        F d = q.y.dbl();
        F di = inv * pref[k];
        inv = inv * d;
        F x2 = q.x.sqr();
        F lam = (x2.dbl() + x2) * di;
        F x3 = lam.sqr() - q.x.dbl();
        F y3 = lam * (q.x - x3) - q.y;
        q = Affine<F>{x3, y3};
      }
    }
  });
}

// Sum of affine points by pairwise batch-affine additions (the "scalar is 1" path).
template <class F>
Jac<F> sum_points(std::vector<Affine<F>> cur) {
  Jac<F> extra = Jac<F>::inf();
  std::vector<F> den, pref;
  std::vector<uint8_t> ok;
  while (cur.size() > 1) {
    size_t pairs = cur.size() / 2;
    den.resize(pairs);
    pref.resize(pairs);
    ok.assign(pairs, 1);
    F acc = F::one();
    for (size_t k = 0; k < pairs; k++) {
      const Affine<F>& a = cur[2 * k];
      const Affine<F>& b = cur[2 * k + 1];
      F dx = b.x - a.x;
      if (dx.is_zero() || a.is_inf() || b.is_inf()) {
        ok[k] = 0;
        extra = extra.add(Jac<F>::from_affine(a).add_mixed(b));
        dx = F::one();
      }
      den[k] = dx;
      pref[k] = acc;
      acc = acc * dx;
    }
    F inv = acc.inv();
    std::vector<Affine<F>> next;
    next.reserve(pairs + 1);
    std::vector<Affine<F>> res(pairs);
    for (size_t k = pairs; k-- > 0;) {
      F di = inv * pref[k];
      inv = inv * den[k];
      if (!ok[k]) continue;
      const Affine<F>& a = cur[2 * k];
      const Affine<F>& b = cur[2 * k + 1];
      F lam = (b.y - a.y) * di;
      F x3 = lam.sqr() - a.x - b.x;
      F y3 = lam * (a.x - x3) - a.y;
      res[k] = Affine<F>{x3, y3};
    }
    for (size_t k = 0; k < pairs; k++)
      if (ok[k]) next.push_back(res[k]);
    if (cur.size() & 1) next.push_back(cur.back());
    cur.swap(next);
  }
  if (cur.size() == 1) extra = extra.add_mixed(cur[0]);
  return extra;
}

// One MSM's bases for a key: the non-infinity points (idx: their positions), phi copies, and m shifted copies.
template <class F>
struct MsmPlan {
  std::string name;
  size_t n = 0;  // scalars the MSM takes (points in the key, infinity included)
  unsigned c = 0, W = 0, m = 1, Wt = 0;
  std::vector<uint32_t> idx;
  std::vector<Affine<F>> pts;  // [(t * 2 + e) * nc + i], e = 0: 2^(t c Wt) P, e = 1: phi of it
  double buildMs = 0;
  bool resident = false;
  size_t nc() const { return idx.size(); }
  const Affine<F>* base(unsigned t, unsigned e) const { return pts.data() + ((size_t)t * 2 + e) * nc(); }
  size_t bytes() const { return pts.size() * sizeof(Affine<F>) + idx.size() * 4; }
};

// Estimated cost, in batch-affine additions, of a GLV MSM over nc points with window c and m copies: the bucket
// additions, the bucket reduction (batch-affine running sums, msm_plan_run phase 2: two batch-affine additions
// per bucket plus the segments' combination, weighted 2.5; it was 5 when the reduction used Jacobian additions:
// measured at 2^16, 2.5 picks windows one bit larger and is ~5% faster at the default budget) and the final
// doublings.
inline double plan_cost(size_t nc, unsigned c, unsigned m) {
  unsigned W = (128 + c - 1) / c;
  unsigned Wt = (W + m - 1) / m;
  double half = (double)(1u << (c - 1));
  return 2.0 * (double)nc * W + Wt * half * 2.5 + Wt * c * 2.0;
}

inline unsigned plan_best_c(size_t nc, unsigned m, double* costOut = nullptr) {
  if (const char* e = getenv("ZKPROVER_MSM_C")) {
    int c = atoi(e);
    if (c >= 2 && c <= 20) {
      if (costOut) *costOut = plan_cost(nc, (unsigned)c, m);
      return (unsigned)c;
    }
  }
  unsigned best = 4;
  double bc = 1e300;
  for (unsigned c = 4; c <= 18; c++) {
    double k = plan_cost(nc, c, m);
    if (k < bc) {
      bc = k;
      best = c;
    }
  }
  if (costOut) *costOut = bc;
  return best;
}

template <class F>
std::vector<uint32_t> nonzero_points(const Affine<F>* pts, size_t n) {
  std::vector<uint32_t> idx;
  idx.reserve(n);
  for (size_t i = 0; i < n; i++)
    if (!pts[i].is_inf()) idx.push_back((uint32_t)i);
  return idx;
}

template <class F>
void build_plan(MsmPlan<F>& P, const Affine<F>* pts, size_t n, std::vector<uint32_t> idx, unsigned c, unsigned m,
                const Ctx& ctx) {
  double t0 = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  P.n = n;
  P.idx = std::move(idx);
  P.c = c;
  P.W = (128 + c - 1) / c;
  P.m = std::max(1u, std::min(m, P.W));
  P.Wt = (P.W + P.m - 1) / P.m;
  P.m = (P.W + P.Wt - 1) / P.Wt;  // drop empty copies
  const size_t nc = P.nc();
  P.pts.resize((size_t)P.m * 2 * nc);
  for (unsigned t = 0; t < P.m; t++) {
    Affine<F>* e0 = P.pts.data() + (size_t)t * 2 * nc;
    Affine<F>* e1 = e0 + nc;
    if (t == 0) {
      for (size_t i = 0; i < nc; i++) e0[i] = pts[P.idx[i]];
    } else {
      memcpy((void*)e0, (const void*)(e0 - 2 * nc), nc * sizeof(Affine<F>));
      batch_double(e0, nc, P.c * P.Wt, ctx);
    }
    const size_t chunk = 4096;
    parallel_for(ctx, (nc + chunk - 1) / chunk, [&](size_t ci) {
      size_t end = std::min(nc, (ci + 1) * chunk);
      for (size_t i = ci * chunk; i < end; i++) e1[i] = glv::phi(e0[i]);
    });
    ctx.check();
  }
  double t1 = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  P.buildMs = t1 - t0;
}

// sum_i k_{offset + idx[i]} P_idx[i] over the plan's points whose scalar class is large (act: positions in
// idx; null = all), with GLV digits D (D.c == P.c) of all the scalars.
template <class F>
Jac<F> msm_plan_run(const MsmPlan<F>& P, const Digits& D, size_t offset, const uint32_t* act, size_t nact,
                    const Ctx& ctx) {
  if (nact == 0) return Jac<F>::inf();
  if (D.c != P.c || !D.rowMajor || D.W != P.W) throw std::runtime_error("digits do not match the plan's window");
  const unsigned c = P.c, W = P.W, Wt = P.Wt, m = P.m;
  const int64_t half = (int64_t)1 << (c - 1);
  const size_t N = D.n / 2;
  const size_t nc = P.nc();
  const unsigned T = std::max<unsigned>(1, ctx.threads);
  // Phase 1, accumulation: tasks = groups of windows (one bucket set per group) x parts of the points (with
  // few windows, i.e. tables, the points are split so each task streams its own share of the copies).
  const size_t groups = std::min<size_t>(Wt, (size_t)T * 2);
  const size_t target = groups >= 2 ? (size_t)T * 2 : (size_t)T;
  size_t parts = (target + groups - 1) / groups;
  if (nact < 1024 || T == 1) parts = 1;
  const size_t tasks = groups * parts;
  std::vector<std::unique_ptr<AffineBuckets<F>>> sets(tasks);
  std::atomic<bool> stop{false};
  auto groupOf = [&](size_t k) {  // the group holding effective window k
    for (size_t g = 0; g < groups; g++)
      if (k < Wt * (g + 1) / groups) return g;
    return groups - 1;
  };
  parallel_for(ctx, tasks, [&](size_t task) {
    if (stop.load()) return;
    const size_t g = task % groups, part = task / groups;
    const size_t w0 = Wt * g / groups, w1 = Wt * (g + 1) / groups;
    const size_t gw = w1 - w0;
    const size_t p0 = nact * part / parts, p1 = nact * (part + 1) / parts;
    const size_t nb = (size_t)half * gw;
    size_t cap = std::max<size_t>(32, std::min<size_t>(nb / 4, 2048));
    sets[task].reset(new AffineBuckets<F>(nb, cap));
    AffineBuckets<F>& buckets = *sets[task];
    for (size_t ii = p0; ii < p1; ii++) {
      if (((ii - p0) & 2047) == 0 && ctx.cancelled()) {
        stop = true;
        return;
      }
      const size_t i = act ? act[ii] : ii;
      const size_t s = offset + P.idx[i];
      // the digit rows of a point a few points ahead: with the many interleaved point streams (copies x
      // phi) the hardware prefetchers lose the digit stream, and its loads missed the cache
      if (ii + 8 < p1) {
        const size_t s8 = offset + P.idx[act ? act[ii + 8] : ii + 8];
        __builtin_prefetch(&D.d[s8 * W]);
        __builtin_prefetch(&D.d[s8 * W + W - 1]);  // a row may straddle two cache lines
        __builtin_prefetch(&D.d[(N + s8) * W]);
        __builtin_prefetch(&D.d[(N + s8) * W + W - 1]);
      }
      for (unsigned e = 0; e < 2; e++) {
        const size_t row = e * N + s;
        for (unsigned t = 0; t < m; t++) {
          const Affine<F>& pt = P.pts[((size_t)t * 2 + e) * nc + i];
          for (size_t k = w0; k < w1; k++) {
            size_t w = (size_t)t * Wt + k;
            if (w >= W) break;
            int32_t d = D.d[row * W + w];
            if (d == 0) continue;
            size_t baseK = (size_t)half * (k - w0);
            if (d > 0) buckets.add_prefetched((uint32_t)(baseK + d - 1), &pt, false);
            else buckets.add_prefetched((uint32_t)(baseK - d - 1), &pt, true);
          }
        }
      }
    }
    buckets.finish();
  });
  ctx.check();
  if (stop.load()) throw Cancelled();
  // Phase 2, bucket reduction, batch-affine: W_k = sum_j (j+1) b_j per effective window k (summed over the
  // parts' bucket sets). The buckets are cut into segments of L; all segments step together, t = L-1 .. 0:
  // running_s += b_s[t], then sum_s += running_s, each step two batch-affine additions over all segments with
  // one inversion (instead of a mixed and a full Jacobian addition per bucket). Segment i of a window
  // (offset i L) contributes sum_s + i L running_s: W_k = sum_s sum_s + L sum_i i R_i (R_i: the parts'
  // running sums of segment i), the last sum by one more running sum over the segments.
  parallel_for(ctx, tasks, [&](size_t task) { sets[task]->fold_side(); });
  ctx.check();
  const size_t totalBuckets = parts * (size_t)Wt * (size_t)half;
  size_t L = std::min<size_t>(8, half);
  while (L < (size_t)half && totalBuckets / L > (size_t)1024 * T) L *= 2;
  const size_t segPerWin = (size_t)half / L;
  struct Seg {
    uint32_t task;
    uint32_t base;  // first bucket of the segment in the task's set
  };
  std::vector<Seg> segv;
  std::vector<size_t> segStart(tasks);
  for (size_t task = 0; task < tasks; task++) {
    segStart[task] = segv.size();
    const size_t g = task % groups;
    const size_t w0 = Wt * g / groups, w1 = Wt * (g + 1) / groups;
    for (size_t kk = w0; kk < w1; kk++)
      for (size_t si = 0; si < segPerWin; si++)
        segv.push_back(Seg{(uint32_t)task, (uint32_t)((size_t)half * (kk - w0) + si * L)});
  }
  const size_t nSeg = segv.size();
  std::vector<Affine<F>> segSum(nSeg), segRun(nSeg);  // (0, 0): infinity
  const size_t chunks = std::max<size_t>(1, std::min<size_t>(T, nSeg / 64));
  parallel_for(ctx, chunks, [&](size_t ch) {
    if (stop.load()) return;
    const size_t s0 = nSeg * ch / chunks, s1 = nSeg * (ch + 1) / chunks, S = s1 - s0;
    // buckets 0..S-1: running sums, S..2S-1: weighted sums; at most one addition per bucket and step
    AffineBuckets<F> R(2 * S, S);
    for (size_t t = L; t-- > 0;) {
      if ((t & 7) == 0 && ctx.cancelled()) {
        stop = true;
        return;
      }
      for (size_t s = s0; s < s1; s++) {
        const AffineBuckets<F>& B = *sets[segv[s].task];
        const size_t j = segv[s].base + t;
        if (t) __builtin_prefetch(&B.b[j - 1]);
        if (B.has[j]) R.add((uint32_t)(s - s0), B.b[j]);
      }
      R.flush();
      for (size_t s = 0; s < S; s++)
        if (R.has[s]) R.add((uint32_t)(S + s), R.b[s]);
      R.flush();
    }
    for (size_t s = 0; s < S; s++) {
      segRun[s0 + s] = R.has[s] ? R.b[s] : Affine<F>::inf();
      segSum[s0 + s] = R.has[S + s] ? R.b[S + s] : Affine<F>::inf();
    }
  });
  ctx.check();
  if (stop.load()) throw Cancelled();
  std::vector<Jac<F>> win(Wt, Jac<F>::inf());
  parallel_for(ctx, Wt, [&](size_t k) {
    const size_t g = groupOf(k);
    const size_t w0 = Wt * g / groups;
    Jac<F> sums = Jac<F>::inf(), run = Jac<F>::inf(), weighted = Jac<F>::inf();
    for (size_t si = segPerWin; si-- > 0;) {
      for (size_t pp = 0; pp < parts; pp++) {
        const size_t s = segStart[pp * groups + g] + (k - w0) * segPerWin + si;
        sums = sums.add_mixed(segSum[s]);
        run = run.add_mixed(segRun[s]);
      }
      if (si) weighted = weighted.add(run);
    }
    for (size_t l = L; l > 1; l >>= 1) weighted = weighted.dbl();  // L is a power of two
    win[k] = sums.add(weighted);
  });
  Jac<F> acc = Jac<F>::inf();
  for (int k = (int)Wt - 1; k >= 0; k--) {
    for (unsigned b = 0; b < c; b++) acc = acc.dbl();
    acc = acc.add(win[k]);
  }
  return acc;
}

struct StructStats {
  size_t zero = 0, one = 0, small = 0, large = 0;
};

// The whole MSM for one plan: zero scalars are skipped, ones are summed by batch-affine additions (in the
// Pippenger they would all land in one bucket and go through the Jacobian side bucket, ~2x the cost), the
// rest (small and large) go through the (table) Pippenger: a small scalar (< 2^16) has k2 = 0 and nonzero
// digits only in its low windows, so it costs ~1-2 bucket adds there. (A separate 8-bit-window bucket set for
// small scalars was measured: its fixed 510-bucket reduction made it dearer on the demo circuits.)
// cls / k: classes and plain values of all the scalars.
template <class F>
Jac<F> msm_plan(const MsmPlan<F>& P, const Digits& D, const U256* k, const uint8_t* cls, size_t offset,
                const Ctx& ctx, StructStats* st = nullptr) {
  (void)k;
  const size_t nc = P.nc();
  std::vector<uint32_t> act, onesIdx;
  act.reserve(nc);
  const Affine<F>* b0 = P.base(0, 0);
  // ZKPROVER_NO_STRUCT=1: every scalar through the Pippenger (comparisons only)
  static const bool noStruct = getenv("ZKPROVER_NO_STRUCT") && std::string(getenv("ZKPROVER_NO_STRUCT")) == "1";
  for (size_t i = 0; i < nc; i++) {
    size_t s = offset + P.idx[i];
    uint8_t c = cls[s];
    if (st) {
      if (c == SC_ZERO) st->zero++;
      else if (c == SC_ONE) st->one++;
      else if (c == SC_SMALL) st->small++;
      else st->large++;
    }
    if (noStruct) c = SC_LARGE;
    if (c == SC_ZERO) continue;
    if (c == SC_ONE) onesIdx.push_back((uint32_t)i);
    else act.push_back((uint32_t)i);
  }
  std::vector<Affine<F>> ones;
  if (onesIdx.size() >= 8) {
    ones.reserve(onesIdx.size());
    for (uint32_t i : onesIdx) ones.push_back(b0[i]);
  } else {
    act.insert(act.end(), onesIdx.begin(), onesIdx.end());
    std::sort(act.begin(), act.end());
  }
  Jac<F> r = msm_plan_run(P, D, offset, act.data(), act.size(), ctx);
  return r.add(sum_points(std::move(ones)));
}

}  // namespace zkp

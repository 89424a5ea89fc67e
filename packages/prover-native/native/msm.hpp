// Multi-threaded Pippenger multi-scalar multiplication (bucket method, signed windows) and the radix-2
// NTT over Fr, both written from the textbook algorithms.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "curve.hpp"

namespace zkp {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

struct Ctx {
  unsigned threads = 1;
  const std::atomic<bool>* cancel = nullptr;
  // steady_clock deadline in ms (0 = none); past it, cancelled() is true and *timedOut is set
  double deadlineMs = 0;
  std::atomic<bool>* timedOut = nullptr;
  bool cancelled() const {
    if (cancel && cancel->load(std::memory_order_relaxed)) return true;
    if (deadlineMs > 0 &&
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count() >
            deadlineMs) {
      if (timedOut) timedOut->store(true);
      return true;
    }
    return false;
  }
  void check() const {
    if (cancelled()) throw Cancelled();
  }
};

// Run f(i) for i in [0, n) on up to ctx.threads threads, the calling thread included (dynamic scheduling).
inline void parallel_for(const Ctx& ctx, size_t n, const std::function<void(size_t)>& f) {
  unsigned t = (unsigned)std::min<size_t>(ctx.threads, n);
  if (t <= 1) {
    for (size_t i = 0; i < n; i++) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto loop = [&]() {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      f(i);
    }
  };
  std::vector<std::thread> ts;
  for (unsigned k = 1; k < t; k++) ts.emplace_back(loop);
  loop();
  for (auto& th : ts) th.join();
}

inline unsigned msm_window_bits(size_t n) {
  if (const char* e = getenv("ZKPROVER_MSM_C")) {
    int c = atoi(e);
    if (c >= 2 && c <= 20) return (unsigned)c;
  }
  if (n < 32) return 3;
  // cost in field multiplications per window: ~6 per batch-affine bucket add plus one inversion
  // (~150 multiplications, binary GCD) per batch (a quarter of a window group's buckets, groups of ~W/4
  // windows on 2 threads), ~30 per bucket in the final running sum (2^(c-1) buckets with signed digits)
  unsigned best = 2;
  double bestCost = 1e300;
  for (unsigned c = 2; c <= 20; c++) {
    double windows = (255.0 + c - 1) / c;
    double half = (double)(1u << (c - 1));
    double cap = std::max(32.0, std::min(half * std::max(1.0, windows / 4) / 4, 2048.0));
    double cost = windows * ((6.0 + 150.0 / cap) * (double)n + 30.0 * half);
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

// Buckets of one window, accumulated in affine coordinates with batched inversions: each scheduled
// addition costs ~6 multiplications (vs ~11 for a mixed Jacobian addition). A point whose bucket is
// already scheduled in the current batch goes into a Jacobian side bucket instead (no stalls when many
// scalars share a digit, e.g. circom's 0/1 signals).
template <class F>
struct AffineBuckets {
  size_t nb;
  std::vector<Affine<F>> b;
  std::vector<uint8_t> has;
  std::vector<uint32_t> stamp;
  std::vector<Jac<F>> side;
  // batch
  std::vector<uint32_t> bi;
  std::vector<Affine<F>> pt;
  std::vector<uint8_t> isDbl;
  std::vector<F> den, pref;
  uint32_t batchId = 1;
  size_t cap;

  AffineBuckets(size_t nbuckets, size_t batchCap)
      : nb(nbuckets), b(nbuckets), has(nbuckets, 0), stamp(nbuckets, 0), side(nbuckets, Jac<F>::inf()), cap(batchCap) {
    bi.reserve(cap);
    pt.reserve(cap);
    isDbl.reserve(cap);
    den.resize(cap);
    pref.resize(cap);
  }

  void add(uint32_t k, const Affine<F>& p) {
    if (p.is_inf()) return;
    if (!has[k]) {
      b[k] = p;
      has[k] = 1;
      return;
    }
    if (stamp[k] == batchId) {
      side[k] = side[k].add_mixed(p);
      return;
    }
    F dx = p.x - b[k].x;
    uint8_t dbl = 0;
    if (dx.is_zero()) {
      if (p.y == b[k].y && !p.y.is_zero()) {
        dbl = 1;
        dx = p.y.dbl();
      } else {
        has[k] = 0;  // p == -bucket
        return;
      }
    }
    stamp[k] = batchId;
    den[bi.size()] = dx;
    bi.push_back(k);
    pt.push_back(p);
    isDbl.push_back(dbl);
    if (bi.size() == cap) flush();
  }

  // Deferred adds: the bucket's cache lines are prefetched when the add is queued and the add runs a few
  // queued adds later (the bucket arrays are MBs: without this the accumulation waits on L2/L3 misses).
  static const unsigned RING = 8;
  uint32_t rk[RING];
  const Affine<F>* rp[RING];
  uint8_t rneg[RING];
  unsigned rn = 0, rh = 0;
  void add_prefetched(uint32_t k, const Affine<F>* p, bool neg) {
    __builtin_prefetch(&b[k]);
    __builtin_prefetch(&stamp[k]);
    if (rn == RING) {
      run_one();
    }
    unsigned slot = (rh + rn) % RING;
    rk[slot] = k;
    rp[slot] = p;
    rneg[slot] = neg;
    rn++;
  }
  void run_one() {
    uint32_t k = rk[rh];
    const Affine<F>* p = rp[rh];
    bool neg = rneg[rh];
    rh = (rh + 1) % RING;
    rn--;
    if (neg) add(k, p->neg());
    else add(k, *p);
  }
  // queued adds, then the last batch
  void finish() {
    while (rn) run_one();
    flush();
  }

  void flush() {
    size_t m = bi.size();
    if (m == 0) {
      batchId++;
      return;
    }
    // Montgomery's batch inversion
    pref[0] = den[0];
    for (size_t i = 1; i < m; i++) pref[i] = pref[i - 1] * den[i];
    F inv = pref[m - 1].inv();
    for (size_t i = m - 1;; i--) {
      if (i >= 8) __builtin_prefetch(&b[bi[i - 8]]);
      F di = i ? inv * pref[i - 1] : inv;
      if (i) inv = inv * den[i];
      // apply
      uint32_t k = bi[i];
      const Affine<F>& q = b[k];
      const Affine<F>& p = pt[i];
      F lambda;
      if (isDbl[i]) {
        F x2 = q.x.sqr();
        lambda = (x2.dbl() + x2) * di;
      } else {
        lambda = (p.y - q.y) * di;
      }
      F x3 = lambda.sqr() - q.x - p.x;
      F y3 = lambda * (q.x - x3) - q.y;
      b[k] = Affine<F>{x3, y3};
      if (i == 0) break;
    }
    bi.clear();
    pt.clear();
    isDbl.clear();
    batchId++;
  }

  // sum_k (k+1) * bucket_k
  // sum_{k < len} (k+1) * bucket_{base+k}; call flush() first
  Jac<F> reduce_range(size_t base, size_t len, Jac<F>* total = nullptr) {
    Jac<F> running = Jac<F>::inf();
    Jac<F> sum = Jac<F>::inf();
    for (size_t j = len; j-- > 0;) {
      size_t k = base + j;
      if (has[k]) running = running.add_mixed(b[k]);
      running = running.add(side[k]);
      sum = sum.add(running);
    }
    if (total) *total = running;  // sum_k bucket_{base+k}
    return sum;
  }
};

// Signed c-bit window digits of n scalars, window-major: d[w * n + i] in [-2^(c-1), 2^(c-1)].
struct Digits {
  unsigned c = 0, W = 0;
  size_t n = 0;
  std::vector<int32_t> d;
};

inline Digits make_digits(const U256* scalars, size_t n, unsigned c, const Ctx& ctx) {
  Digits D;
  D.c = c;
  D.W = (255 + c - 1) / c;
  D.n = n;
  const unsigned W = D.W;
  const int64_t half = (int64_t)1 << (c - 1);
  const int64_t full = (int64_t)1 << c;
  const uint64_t mask = ((uint64_t)1 << c) - 1;
  D.d.resize((size_t)W * n);
  int32_t* digits = D.d.data();
  const size_t chunk = 1 << 14;
  size_t nChunks = (n + chunk - 1) / chunk;
  parallel_for(ctx, nChunks, [&](size_t ci) {
    size_t end = std::min(n, (ci + 1) * chunk);
    for (size_t i = ci * chunk; i < end; i++) {
      const uint64_t* s = scalars[i].v;
      int64_t carry = 0;
      for (unsigned w = 0; w < W; w++) {
        unsigned bit = w * c;
        uint64_t val = 0;
        if (bit < 256) {
          unsigned limb = bit / 64, off = bit % 64;
          val = s[limb] >> off;
          if (off + c > 64 && limb + 1 < 4) val |= s[limb + 1] << (64 - off);
          val &= mask;
        }
        int64_t d = (int64_t)val + carry;
        if (d > half) {
          d -= full;
          carry = 1;
        } else {
          carry = 0;
        }
        digits[(size_t)w * n + i] = (int32_t)d;
      }
    }
  });
  ctx.check();
  return D;
}

// sum_{i < count} digits-scalar[offset + i] * points[i], with digits made by make_digits (shared by MSMs
// over the same scalars: A, B1, B2 and, offset, C).
template <class F>
Jac<F> msm_digits(const Affine<F>* points, const Digits& D, size_t offset, size_t count, const Ctx& ctx) {
  if (count == 0) return Jac<F>::inf();
  const unsigned c = D.c;
  const unsigned W = D.W;
  const int64_t half = (int64_t)1 << (c - 1);
  const size_t n = count;
  std::vector<Jac<F>> windowSums(W, Jac<F>::inf());
  std::atomic<bool> stop{false};
  // Windows are processed in groups that share one bucket set (bucket ids are unique across the group's
  // windows), so batches can be large, and the batch inversion cheap, even with small windows.
  const size_t groups = std::min<size_t>(W, std::max<unsigned>(1, ctx.threads) * 2);
  parallel_for(ctx, groups, [&](size_t g) {
    if (stop.load()) return;
    const size_t w0 = W * g / groups, w1 = W * (g + 1) / groups;
    const size_t gw = w1 - w0;
    const size_t nb = (size_t)half * gw;
    size_t cap = std::max<size_t>(32, std::min<size_t>(nb / 4, 2048));
    AffineBuckets<F> buckets(nb, cap);
    std::vector<const int32_t*> dws(gw);
    for (size_t k = 0; k < gw; k++) dws[k] = &D.d[(w0 + k) * D.n + offset];
    for (size_t i = 0; i < n; i++) {
      if ((i & 4095) == 0 && ctx.cancelled()) {
        stop = true;
        return;
      }
      for (size_t k = 0; k < gw; k++) {
        int32_t d = dws[k][i];
        if (d == 0) continue;
        size_t baseK = (size_t)half * k;
        if (d > 0) {
          buckets.add((uint32_t)(baseK + d - 1), points[i]);
        } else {
          buckets.add((uint32_t)(baseK - d - 1), points[i].neg());
        }
      }
    }
    buckets.flush();
    for (size_t k = 0; k < gw; k++) windowSums[w0 + k] = buckets.reduce_range((size_t)half * k, (size_t)half);
  });
  ctx.check();
  if (stop.load()) throw Cancelled();

  Jac<F> acc = Jac<F>::inf();
  for (int w = (int)W - 1; w >= 0; w--) {
    for (unsigned k = 0; k < c; k++) acc = acc.dbl();
    acc = acc.add(windowSums[w]);
  }
  return acc;
}

// sum_i scalars[i] * points[i]. scalars: plain integers (< 2^254) as 4 LE u64 limbs each.
template <class F>
Jac<F> msm(const Affine<F>* points, const U256* scalars, size_t n, const Ctx& ctx) {
  if (n == 0) return Jac<F>::inf();
  Digits D = make_digits(scalars, n, msm_window_bits(n), ctx);
  return msm_digits(points, D, 0, n, ctx);
}

// ---- NTT over Fr ----

// A primitive 2^k-th root of unity, chosen as ffjavascript/snarkjs do: w_28 = 5^((r-1)/2^28), w_k = w_{k+1}^2.
inline Fr root_of_unity(unsigned k) {
  if (k > 28) throw std::runtime_error("domain too large for BN254 Fr (max 2^28)");
  uint64_t t[4];
  // (r - 1) >> 28
  uint64_t rm1[4] = {FrParams::P[0] - 1, FrParams::P[1], FrParams::P[2], FrParams::P[3]};
  for (int i = 0; i < 4; i++) {
    t[i] = (rm1[i] >> 28) | (i < 3 ? (rm1[i + 1] << 36) : 0);
  }
  Fr w = Fr::from_u64(5).pow(t);
  for (unsigned i = 28; i > k; i--) w = w.sqr();
  return w;
}

inline void bit_reverse(Fr* a, size_t n, unsigned logn) {
  for (size_t i = 0; i < n; i++) {
    size_t r = 0;
    for (unsigned b = 0; b < logn; b++) r |= ((i >> b) & 1) << (logn - 1 - b);
    if (i < r) std::swap(a[i], a[r]);
  }
}

// In-place forward NTT (natural order in and out): a[i] <- sum_j a[j] * w^(i*j).
// twiddles w^i, i < n/2, for the largest stage, reused with strides for smaller stages
inline std::vector<Fr> ntt_twiddles(unsigned logn, const Fr& w) {
  size_t n = (size_t)1 << logn;
  std::vector<Fr> tw(n / 2 > 0 ? n / 2 : 1);
  tw[0] = Fr::one();
  for (size_t i = 1; i < n / 2; i++) tw[i] = tw[i - 1] * w;
  return tw;
}

// tw: ntt_twiddles(logn, w) (e.g. kept with a resident key), or null to compute them here
inline void ntt(Fr* a, unsigned logn, const Fr& w, const Ctx& ctx, const Fr* twPre = nullptr) {
  size_t n = (size_t)1 << logn;
  bit_reverse(a, n, logn);
  std::vector<Fr> twOwn;
  if (!twPre) twOwn = ntt_twiddles(logn, w);
  const Fr* tw = twPre ? twPre : twOwn.data();
  for (unsigned s = 1; s <= logn; s++) {
    size_t m = (size_t)1 << s;
    size_t halfm = m >> 1;
    size_t stride = n / m;
    size_t groups = n / m;
    auto body = [&](size_t g) {
      size_t k = g * m;
      for (size_t j = 0; j < halfm; j++) {
        Fr t = tw[j * stride] * a[k + j + halfm];
        Fr u = a[k + j];
        a[k + j] = u + t;
        a[k + j + halfm] = u - t;
      }
    };
    if (groups >= 64 && ctx.threads > 1) {
      size_t blocks = std::min<size_t>(groups, ctx.threads * 4);
      parallel_for(ctx, blocks, [&](size_t b) {
        size_t g0 = groups * b / blocks, g1 = groups * (b + 1) / blocks;
        for (size_t g = g0; g < g1; g++) body(g);
      });
    } else if (halfm >= 64 && ctx.threads > 1) {
      // few big groups: split the butterflies of each group
      for (size_t g = 0; g < groups; g++) {
        size_t k = g * m;
        size_t blocks = ctx.threads * 4;
        parallel_for(ctx, blocks, [&](size_t b) {
          size_t j0 = halfm * b / blocks, j1 = halfm * (b + 1) / blocks;
          for (size_t j = j0; j < j1; j++) {
            Fr t = tw[j * stride] * a[k + j + halfm];
            Fr u = a[k + j];
            a[k + j] = u + t;
            a[k + j + halfm] = u - t;
          }
        });
      }
    } else {
      for (size_t g = 0; g < groups; g++) body(g);
    }
  }
}

}  // namespace zkp

// Multi-threaded Pippenger multi-scalar multiplication (bucket method, signed windows) and the radix-2
// NTT over Fr, both written from the textbook algorithms.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <type_traits>
#include <vector>

#include "curve.hpp"
#include "fq_avx512.hpp"

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
// already scheduled in the current batch is deferred to the next batch (a bounded list, only for points
// given by address: add_prefetched); when that list is full the batch runs early, and when that is not worth
// it (a small batch), or for the last deferred points, the point goes into a Jacobian side bucket (no stalls
// when many scalars share a digit, e.g. circom's 0/1 signals).
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
  // deferred points (bucket already in the batch): re-queued after the next flush
  struct Pending {
    uint32_t k;
    uint8_t neg;
    const Affine<F>* p;
  };
  std::vector<Pending> pend, pendCur;
  size_t pendCap;
  bool useIfma = true;  // where the CPU has AVX-512 IFMA (the self-test compares both paths)
  std::vector<uint32_t> sideKs;  // buckets whose Jacobian side bucket is in use

  AffineBuckets(size_t nbuckets, size_t batchCap)
      : nb(nbuckets), b(nbuckets), has(nbuckets, 0), stamp(nbuckets, 0), side(nbuckets, Jac<F>::inf()), cap(batchCap) {
    bi.reserve(cap);
    pt.reserve(cap);
    isDbl.reserve(cap);
    den.resize(cap);
    pref.resize(cap);
    // below cap, so re-queueing the deferred points after a flush cannot fill the new batch again
    pendCap = cap / 2;
    pend.reserve(pendCap);
    pendCur.reserve(pendCap);
  }

  // src / neg: where p comes from (p = neg ? -*src : *src) when the caller's array outlives the batch, so p
  // can be deferred by address; null: p is a temporary, a collision goes to the side bucket.
  ZKP_INLINE void add(uint32_t k, const Affine<F>& p, const Affine<F>* src = nullptr, bool neg = false) {
    if (p.is_inf()) return;
    if (!has[k]) {
      b[k] = p;
      has[k] = 1;
      return;
    }
    if (stamp[k] == batchId) {
      if (src) {
        if (pend.size() < pendCap) {
          pend.push_back(Pending{k, (uint8_t)neg, src});
          return;
        }
        // Deferred list full (digits concentrated on few buckets, e.g. the short top window of a GLV half
        // scalar, or repeated scalars): run the batch early, rather than a Jacobian side addition (~4x dearer
        // than a batch-affine one, even with the extra inversion of a batch of >= cap / 8).
        if (!inRequeue && bi.size() >= std::max<size_t>(32, cap / 8)) {
          flush_requeue();
          if (!has[k]) {
            b[k] = p;
            has[k] = 1;
            return;
          }
          if (stamp[k] != batchId) goto queue;
          if (pend.size() < pendCap) {
            pend.push_back(Pending{k, (uint8_t)neg, src});
            return;
          }
        }
      }
      if (side[k].is_inf()) sideKs.push_back(k);
      side[k] = side[k].add_mixed(p);
      return;
    }
  queue:
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
    if (bi.size() == cap) {
      flush();
      requeue(true);
    }
  }
  bool inRequeue = false;
  __attribute__((noinline)) void flush_requeue() {
    flush();
    requeue(true);
  }
  // The deferred points into the (new) batch; on a collision deferred again (allowDefer) or side-bucketed.
  // Called with an empty batch, after a flush: the <= cap / 2 deferred points cannot fill it, so requeue
  // never nests (the guard keeps it that way).
  void requeue(bool allowDefer) {
    if (pend.empty() || inRequeue) return;
    pendCur.swap(pend);
    inRequeue = true;
    for (const Pending& e : pendCur) {
      if (e.neg) add(e.k, e.p->neg(), allowDefer ? e.p : nullptr, true);
      else add(e.k, *e.p, allowDefer ? e.p : nullptr, false);
    }
    inRequeue = false;
    pendCur.clear();
  }

  // Deferred adds: the bucket's cache lines are prefetched when the add is queued and the add runs a few
  // queued adds later (the bucket arrays are MBs: without this the accumulation waits on L2/L3 misses).
  static const unsigned RING = 8;
  uint32_t rk[RING];
  const Affine<F>* rp[RING];
  uint8_t rneg[RING];
  unsigned rn = 0, rh = 0;
  ZKP_INLINE void add_prefetched(uint32_t k, const Affine<F>* p, bool neg) {
    const char* bk = (const char*)&b[k];
    const char* pk = (const char*)p;
    for (size_t off = 0; off < sizeof(Affine<F>); off += 64) {
      __builtin_prefetch(bk + off);
      __builtin_prefetch(pk + off);  // the point too: the plan's copies are many interleaved streams
    }
    __builtin_prefetch(bk + sizeof(Affine<F>) - 1);  // an element may straddle one more cache line
    __builtin_prefetch(pk + sizeof(Affine<F>) - 1);
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
  ZKP_INLINE void run_one() {
    uint32_t k = rk[rh];
    const Affine<F>* p = rp[rh];
    bool neg = rneg[rh];
    rh = (rh + 1) % RING;
    rn--;
    if (neg) add(k, p->neg(), p, true);
    else add(k, *p, p, false);
  }
  // queued adds, then the last batch, then the deferred points (a collision now goes to the side bucket)
  void finish() {
    while (rn) run_one();
    flush();
    requeue(false);
    flush();
  }

  // After finish(): the Jacobian side buckets (collisions that could not be deferred; rare) converted to affine
  // with one batch inversion and added into the affine buckets, so a bucket's value is b[k] alone (or
  // infinity when !has[k]).
  void fold_side() {
    std::vector<uint32_t> ks;
    ks.swap(sideKs);
    // a side bucket can return to infinity (P + -P) and be listed again later: unique, non-infinity ones
    std::sort(ks.begin(), ks.end());
    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
    ks.erase(std::remove_if(ks.begin(), ks.end(), [&](uint32_t k) { return side[k].is_inf(); }), ks.end());
    if (ks.empty()) return;
    const size_t n = ks.size();
    std::vector<F> pre(n);
    std::vector<Affine<F>> aff(n);
    F acc = F::one();
    for (size_t i = 0; i < n; i++) {
      pre[i] = acc;
      acc = acc * side[ks[i]].Z;  // Z != 0
    }
    F inv = acc.inv();
    for (size_t i = n; i-- > 0;) {
      const Jac<F>& q = side[ks[i]];
      F zi = inv * pre[i];
      inv = inv * q.Z;
      F zi2 = zi.sqr();
      aff[i] = Affine<F>{q.X * zi2, q.Y * zi2 * zi};
    }
    flush();
    for (size_t i = 0; i < n; i++) {
      side[ks[i]] = Jac<F>::inf();
      add(ks[i], aff[i]);  // each bucket once: no collision
    }
    flush();
  }

  // The affine addition of queued entry i (bucket bi[i] += pt[i]) given di = 1 / den[i]; two entries at a
  // time (apply2), their statements interleaved so the out-of-order core always has two independent
  // multiplication chains in its window (one entry's chain lambda -> lambda^2 -> y3 is latency-bound).
  ZKP_INLINE F slope_num(size_t i, const Affine<F>& q) const {
    if (isDbl[i]) {  // p == q: lambda = 3 x^2 / 2y (den[i] holds 2y)
      F x2 = q.x.sqr();
      return x2.dbl() + x2;
    }
    return pt[i].y - q.y;
  }
  ZKP_INLINE void apply1(size_t i, const F& di) {
    Affine<F>& q = b[bi[i]];
    const Affine<F>& p = pt[i];
    F lambda = slope_num(i, q) * di;
    F x3 = lambda.sqr() - q.x - p.x;
    F y3 = lambda * (q.x - x3) - q.y;
    q = Affine<F>{x3, y3};
  }
  ZKP_INLINE void apply2(size_t i, size_t j, const F& di, const F& dj) {
    if (sizeof(F) > 32) {  // Fq2: its multiplication is a call (see Fq2::operator*), pairing buys nothing
      apply1(i, di);
      apply1(j, dj);
      return;
    }
    // distinct buckets: a bucket is queued at most once per batch (stamp)
    Affine<F>& qi = b[bi[i]];
    Affine<F>& qj = b[bi[j]];
    const Affine<F>& pi = pt[i];
    const Affine<F>& pj = pt[j];
    F ni = slope_num(i, qi), nj = slope_num(j, qj);
    F li = ni * di, lj = nj * dj;
    F si = li.sqr(), sj = lj.sqr();
    F xi = si - qi.x - pi.x, xj = sj - qj.x - pj.x;
    F ti = qi.x - xi, tj = qj.x - xj;
    F yi = li * ti - qi.y, yj = lj * tj - qj.y;
    qi = Affine<F>{xi, yi};
    qj = Affine<F>{xj, yj};
  }

  void flush() {
    const size_t m = bi.size();
    if (m == 0) {
      batchId++;
      return;
    }
#ifdef ZKP_HAVE_IFMA
    if constexpr (v8::VT<F>::ok) {
      if (m >= 32 && useIfma && v8::enabled()) {
        flush_ifma();
        return;
      }
    }
#endif
    // Montgomery's batch inversion in two interleaved lanes (even and odd entries): pref[i] = den[i] *
    // pref[i - 2], so consecutive products are independent and two multiplications are in flight at once
    // instead of one serial chain. One inversion for both lanes: t = (E O)^-1, E^-1 = t O, O^-1 = t E.
    pref[0] = den[0];
    if (m > 1) pref[1] = den[1];
    size_t i = 2;
    for (; i + 1 < m; i += 2) {
      pref[i] = pref[i - 2] * den[i];
      pref[i + 1] = pref[i - 1] * den[i + 1];
    }
    if (i < m) pref[i] = pref[i - 2] * den[i];
    // invHi: running inverse of the lane of entry m - 1, invLo: of the lane of entry m - 2
    F invHi, invLo;
    if (m == 1) {
      invHi = pref[0].inv();
    } else {
      F t = (pref[m - 1] * pref[m - 2]).inv();
      invHi = t * pref[m - 2];
      invLo = t * pref[m - 1];
    }
    // backward, two entries (one per lane) per step: d_i = inv * pref[i - 2], inv *= den[i]
    size_t k = m - 1;
    while (k >= 1) {
      const size_t j = k - 1;
      if (k >= 9) {
        __builtin_prefetch(&b[bi[k - 8]]);
        __builtin_prefetch(&b[bi[k - 9]]);
      }
      F dk = k >= 2 ? invHi * pref[k - 2] : invHi;
      F dj = j >= 2 ? invLo * pref[j - 2] : invLo;
      if (k >= 2) invHi = invHi * den[k];
      if (j >= 2) invLo = invLo * den[j];
      apply2(k, j, dk, dj);
      if (k < 3) {
        k = (k == 2) ? 0 : SIZE_MAX;  // entry 0 left (in the lane of k), or done
        break;
      }
      k -= 2;
    }
    if (k == 0) apply1(0, invHi);
    bi.clear();
    pt.clear();
    isDbl.clear();
    batchId++;
  }

#ifdef ZKP_HAVE_IFMA
  // flush() with AVX-512 IFMA (fq_avx512.hpp), for G1 (Fq) and G2 (Fq2): the same batch inversion and affine
  // additions, eight entries per vector. Entry i is lane i % 8 of group i / 8; lane l runs its own
  // prefix-product chain over entries l, l + 8, ..., and the eight lane totals are inverted together (scalar,
  // one inversion). Second multiplication operands are in the shifted form (16 x, see fq_avx512.hpp);
  // padding lanes of the last group use den = 1 and are not stored back.
  typedef typename std::conditional<v8::VT<F>::ok, typename v8::VT<F>::T, v8::V5>::type VF;
  void flush_ifma() {
    using namespace v8;
    // per-thread buffers (not members: the struct has the same layout with and without IFMA)
    static thread_local std::vector<VF> vpref, vden;
    const uint64_t* P = K<FqParams>::P;
    const uint64_t* P16 = K<FqParams>::P16;
    const size_t m = bi.size();
    const size_t G = (m + 7) / 8;
    if (vpref.size() < G) {
      vpref.resize(G);
      vden.resize(G);
    }
    static const F oneF = F::one();
    static const Affine<F> dummy{F::one(), F::one()};
    const F* e[8];
    // forward: per-lane prefix products (lazy, < 2p), kept shifted for the backward pass
    VF acc;
    for (size_t g = 0; g < G; g++) {
      for (int l = 0; l < 8; l++) {
        const size_t i = 8 * g + l;
        e[l] = i < m ? &den[i] : &oneF;
      }
      VF ds;
      vload<4>(ds, e);
      vden[g] = ds;
      if (g) {
        acc = vmul<false>(acc, ds);
      } else {
        vload<0>(acc, e);
      }
      vpref[g] = vshl4(acc);
    }
    // the eight lane totals, inverted with one scalar inversion
    F lane[8], pre[8], linv[8];
    F* le[8];
    for (int l = 0; l < 8; l++) le[l] = &lane[l];
    vstore(le, vreduce(acc));
    pre[0] = lane[0];
    for (int l = 1; l < 8; l++) pre[l] = pre[l - 1] * lane[l];
    F t = pre[7].inv();
    for (int l = 7; l > 0; l--) {
      linv[l] = t * pre[l - 1];
      t = t * lane[l];
    }
    linv[0] = t;
    for (int l = 0; l < 8; l++) e[l] = &linv[l];
    VF vinv;
    vload<0>(vinv, e);
    // backward: d = inv * pref_{g-1}, inv *= den_g; then lambda = (py - qy) d, x3 = lambda^2 - qx - px,
    // y3 = lambda (qx - x3) - qy
    for (size_t g = G; g-- > 0;) {
      if (g >= 2) {
        for (int l = 0; l < 8; l++) {
          const char* bk = (const char*)&b[bi[8 * (g - 2) + l]];
          for (size_t off = 0; off < sizeof(Affine<F>); off += 64) __builtin_prefetch(bk + off);
          __builtin_prefetch(bk + sizeof(Affine<F>) - 1);
        }
      }
      const VF di = g ? vmul<false>(vinv, vpref[g - 1]) : vinv;
      if (g) vinv = vmul<false>(vinv, vden[g]);
      const F *qx[8], *qy[8], *px[8], *py[8];
      F *ox[8], *oy[8];
      bool anyDbl = false;
      for (int l = 0; l < 8; l++) {
        const size_t i = 8 * g + l;
        if (i < m) {
          Affine<F>& q = b[bi[i]];
          qx[l] = ox[l] = &q.x;
          qy[l] = oy[l] = &q.y;
          px[l] = &pt[i].x;
          py[l] = &pt[i].y;
          anyDbl |= isDbl[i] != 0;
        } else {
          qx[l] = qy[l] = px[l] = py[l] = &dummy.x;
          ox[l] = oy[l] = nullptr;
        }
      }
      if (anyDbl) {  // a doubling (p == bucket) in the group: this group's additions in scalar code
        F dl[8];
        F* de[8];
        for (int l = 0; l < 8; l++) de[l] = &dl[l];
        vstore(de, vreduce(di));
        for (int l = 0; l < 8; l++)
          if (8 * g + l < m) apply1(8 * g + l, dl[l]);
        continue;
      }
      VF QX, QY, QYs, PX, PYs;
      vload<0>(QX, qx);
      vload<0>(QY, qy);
      vload<4>(QYs, qy);
      vload<0>(PX, px);
      vload<4>(PYs, py);
      const VF lam = vmul<false>(di, vsub(PYs, QYs, P16));
      const VF lams = vshl4(lam);
      const VF X3 = vsub(vsub(vmul<true>(lam, lams), QX, P), PX, P);
      const VF Y3 = vsub(vmul<true>(vsub(QX, X3, P), lams), QY, P);
      vstore(ox, X3);
      vstore(oy, Y3);
    }
    bi.clear();
    pt.clear();
    isDbl.clear();
    batchId++;
  }
#endif

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

// Signed c-bit window digits of n scalars in [-2^(c-1), 2^(c-1)]: window-major d[w * n + i] (make_digits), or
// row-major d[i * W + w] (rowMajor: the GLV digits of plan.hpp).
struct Digits {
  unsigned c = 0, W = 0;
  size_t n = 0;
  bool rowMajor = false;
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

// Butterflies q in [q0, q1) of stage s (half size h = 2^(s-1); butterfly q is j = q mod h of the group
// q / h: indices lo = (q / h) 2h + j and lo + h, twiddle w^(j n / 2^s)):
// (a[lo], a[lo + h]) <- (u + t, u - t), t = w^(j stride) a[lo + h]. With IFMA, eight butterflies per step
// (fq_avx512.hpp, twiddles loaded in the shifted form; the lanes are consecutive butterflies, so the first
// stages, h < 8, vectorise across groups), the rest scalar.
inline void ntt_butterflies(Fr* a, unsigned s, size_t q0, size_t q1, const Fr* tw, size_t stride, bool vec) {
  const unsigned ls = s - 1;
  const size_t h = (size_t)1 << ls;
  size_t q = q0;
#ifdef ZKP_HAVE_IFMA
  if (vec) {
    using namespace v8;
    for (; q + 8 <= q1; q += 8) {
      const uint64_t *lo[8], *hi[8], *ws[8];
      uint64_t *olo[8], *ohi[8];
      if (h >= 8) {  // the eight butterflies are consecutive ones of one group
        const size_t j = q & (h - 1);
        Fr* base = a + (((q >> ls) << s) | j);
        for (int l = 0; l < 8; l++) {
          olo[l] = base[l].v;
          ohi[l] = base[l + h].v;
          ws[l] = tw[(j + l) * stride].v;
        }
      } else {
        for (int l = 0; l < 8; l++) {
          const size_t qq = q + l, j = qq & (h - 1), i = ((qq >> ls) << s) | j;
          olo[l] = a[i].v;
          ohi[l] = a[i + h].v;
          ws[l] = tw[j * stride].v;
        }
      }
      for (int l = 0; l < 8; l++) {
        lo[l] = olo[l];
        hi[l] = ohi[l];
      }
      const V5 u = load<0>(lo);
      const V5 t = mul<FrParams, true>(load<0>(hi), load<4>(ws));
      store(olo, add_mod<FrParams>(u, t));
      store(ohi, sub(u, t, K<FrParams>::P));
    }
  }
#else
  (void)vec;
#endif
  if (q == q1) return;
  // scalar: walk the groups and their butterflies directly
  size_t j = q & (h - 1);
  Fr* base = a + ((q >> ls) << s);
  for (; q < q1; q++) {
    Fr t = tw[j * stride] * base[j + h];
    Fr u = base[j];
    base[j] = u + t;
    base[j + h] = u - t;
    if (++j == h) {
      j = 0;
      base += 2 * h;
    }
  }
}

// tw: ntt_twiddles(logn, w) (e.g. kept with a resident key), or null to compute them here. vec: use the IFMA
// butterflies where the CPU has them (and ZKPROVER_NO_IFMA is not set); the self-test compares both.
inline void ntt(Fr* a, unsigned logn, const Fr& w, const Ctx& ctx, const Fr* twPre = nullptr, bool vec = true) {
  size_t n = (size_t)1 << logn;
  if (logn == 0) return;
  bit_reverse(a, n, logn);
  std::vector<Fr> twOwn;
  if (!twPre) twOwn = ntt_twiddles(logn, w);
  const Fr* tw = twPre ? twPre : twOwn.data();
#ifdef ZKP_HAVE_IFMA
  vec = vec && v8::enabled();
#endif
  // Stages 1..LB only combine elements inside aligned blocks of 2^LB (bit-reversed input, decimation in
  // time): run them block by block, each block (128 KiB) staying in the L2 cache, instead of streaming the
  // whole array through the cache once per stage.
  const unsigned LB = std::min(logn, 12u);
  const size_t half = n / 2;
  {
    const size_t bq = (size_t)1 << (LB - 1), nblocks = n >> LB;  // butterflies per block and stage
    auto block = [&](size_t bl) {
      for (unsigned s = 1; s <= LB; s++) ntt_butterflies(a, s, bl * bq, (bl + 1) * bq, tw, n >> s, vec);
    };
    if (nblocks > 1 && ctx.threads > 1) parallel_for(ctx, nblocks, block);
    else
      for (size_t bl = 0; bl < nblocks; bl++) block(bl);
  }
  // the remaining stages over the whole array, the butterflies split over the threads (multiples of 8)
  for (unsigned s = LB + 1; s <= logn; s++) {
    const size_t blocks = ctx.threads > 1 ? (size_t)ctx.threads * 4 : 1;
    parallel_for(ctx, blocks, [&](size_t b) {
      const size_t q0 = (half * b / blocks) & ~(size_t)7, q1 = b + 1 == blocks ? half : (half * (b + 1) / blocks) & ~(size_t)7;
      ntt_butterflies(a, s, q0, q1, tw, n >> s, vec);
    });
  }
}

}  // namespace zkp

// Field / curve micro-benchmark for the native prover: ns and TSC cycles per Fq / Fr / Fq2 operation, per G1 / G2
// mixed (Jacobian + affine) addition and doubling, and per batch-affine bucket addition (the MSM's inner
// operation), on one thread.
//
//   g++ -O3 -std=c++17 -march=native -pthread -fno-tree-slp-vectorize -I native -o build/fieldbench bench/fieldbench.cpp
//   build/fieldbench            (or: -I OTHER/native for another version of the headers, for before / after)
//
// Each figure is the minimum over REPS repetitions of thread CPU time (CLOCK_THREAD_CPUTIME_ID), divided by the
// operations timed: the minimum is the least disturbed run on a shared machine. Core cycles = ns x the core
// clock, measured first with a chain of dependent 1-cycle additions (the TSC runs at a fixed rate, not the core
// clock). "lat" = a dependent chain (each result feeds the next operation), "thr" = 4 independent chains
// interleaved (what the out-of-order core can overlap, closer to the MSM's batch loops). The batch-affine
// figures use the build's bucket code: with AVX-512 IFMA the vectorised flush, ZKPROVER_NO_IFMA=1 the scalar one.
#include <time.h>

#include <cstdio>
#include <random>
#include <vector>

#include "curve.hpp"
#include "msm.hpp"

using namespace zkp;

static double thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const int REPS = 9;
static volatile uint64_t sink;
static double coreGHz = 0;

// core clock: 10 dependent 1-cycle additions per iteration
static double measure_ghz() {
  double best = 0;
  for (int r = 0; r < 5; r++) {
    uint64_t x = 1;
    const long n = 20000000;
    double t0 = thread_ns();
    for (long i = 0; i < n; i += 10)
      asm volatile(
          "add %0,%0\n\tadd %0,%0\n\tadd %0,%0\n\tadd %0,%0\n\tadd %0,%0\n\t"
          "add %0,%0\n\tadd %0,%0\n\tadd %0,%0\n\tadd %0,%0\n\tadd %0,%0"
          : "+r"(x));
    double t1 = thread_ns();
    best = std::max(best, n / (t1 - t0));
    sink = x;
  }
  return best;
}

template <class F>
static F rnd(std::mt19937_64& g) {
  uint64_t t[4] = {g(), g(), g(), g() >> 3};  // < 2^253 < p
  return F::from_plain(t);
}

// time f() (which performs `ops` operations), REPS times, print min ns and min cycles per op
template <class Fn>
static void timeit(const char* name, size_t ops, Fn f) {
  double bestNs = 1e300;
  for (int r = 0; r < REPS; r++) {
    double t0 = thread_ns();
    f();
    double t1 = thread_ns();
    bestNs = std::min(bestNs, (t1 - t0) / ops);
  }
  printf("%-36s %9.2f ns %9.1f core cycles\n", name, bestNs, bestNs * coreGHz);
}

template <class F>
static void field_ops(const char* fname, std::mt19937_64& g) {
  const size_t N = 1 << 20;
  F a = rnd<F>(g), b = rnd<F>(g), c = rnd<F>(g), d = rnd<F>(g);
  const F y = rnd<F>(g);
  char name[64];
  snprintf(name, sizeof name, "%s mul (lat)", fname);
  timeit(name, N, [&] {
    F x = a;
    for (size_t i = 0; i < N; i++) x = x * y;
    sink = x.v[0];
  });
  snprintf(name, sizeof name, "%s mul (thr, 4 chains)", fname);
  timeit(name, 4 * N, [&] {
    F x0 = a, x1 = b, x2 = c, x3 = d;
    for (size_t i = 0; i < N; i++) {
      x0 = x0 * y;
      x1 = x1 * y;
      x2 = x2 * y;
      x3 = x3 * y;
    }
    sink = x0.v[0] ^ x1.v[0] ^ x2.v[0] ^ x3.v[0];
  });
  snprintf(name, sizeof name, "%s sqr (lat)", fname);
  timeit(name, N, [&] {
    F x = a;
    for (size_t i = 0; i < N; i++) x = x.sqr();
    sink = x.v[0];
  });
  snprintf(name, sizeof name, "%s sqr (thr, 4 chains)", fname);
  timeit(name, 4 * N, [&] {
    F x0 = a, x1 = b, x2 = c, x3 = d;
    for (size_t i = 0; i < N; i++) {
      x0 = x0.sqr();
      x1 = x1.sqr();
      x2 = x2.sqr();
      x3 = x3.sqr();
    }
    sink = x0.v[0] ^ x1.v[0] ^ x2.v[0] ^ x3.v[0];
  });
  snprintf(name, sizeof name, "%s add (lat)", fname);
  timeit(name, N, [&] {
    F x = a;
    for (size_t i = 0; i < N; i++) x = x + y;
    sink = x.v[0];
  });
  snprintf(name, sizeof name, "%s sub (lat)", fname);
  timeit(name, N, [&] {
    F x = a;
    for (size_t i = 0; i < N; i++) x = x - y;
    sink = x.v[0];
  });
  snprintf(name, sizeof name, "%s inv", fname);
  timeit(name, 4096, [&] {
    F x = a;
    for (size_t i = 0; i < 4096; i++) x = (x + y).inv();
    sink = x.v[0];
  });
}

static Fq2 rnd2(std::mt19937_64& g) { return Fq2{rnd<Fq>(g), rnd<Fq>(g)}; }

// n distinct affine points k*G, k = 1..n (the G1 / G2 generators), via Jacobian additions
template <class F>
static std::vector<Affine<F>> points(const Affine<F>& G, size_t n) {
  std::vector<Affine<F>> out(n);
  Jac<F> acc = Jac<F>::from_affine(G);
  for (size_t i = 0; i < n; i++) {
    out[i] = acc.to_affine();
    acc = acc.add_mixed(G);
  }
  return out;
}

// Batch-affine bucket accumulation as in the MSM: `adds` additions of the points into nb buckets
// (pseudo-random bucket ids), through AffineBuckets (prefetched deferred adds + batched inversions).
template <class F>
static void batch_affine(const char* name, const std::vector<Affine<F>>& pts, size_t nb, size_t adds) {
  std::vector<uint32_t> ids(adds);
  std::mt19937_64 g(7);
  for (size_t i = 0; i < adds; i++) ids[i] = (uint32_t)(g() % nb);
  timeit(name, adds, [&] {
    AffineBuckets<F> B(nb, std::min<size_t>(nb / 4, 2048));
    for (size_t i = 0; i < adds; i++) B.add_prefetched(ids[i], &pts[i % pts.size()], (i & 1) != 0);
    B.finish();
    sink = B.has[0];
  });
}

int main() {
  std::mt19937_64 g(12345);
  coreGHz = measure_ghz();
  printf("single thread; min over %d reps; core clock %.2f GHz\n", REPS, coreGHz);
  field_ops<Fq>("Fq", g);
  field_ops<Fr>("Fr", g);
#ifdef ZKP_HAVE_IFMA
  {
    // the 8-lane IFMA Montgomery product (fq_avx512.hpp), per field element: a dependent chain of vector
    // products, and 2 independent chains
    using namespace v8;
    Fq xs[8], ys[8];
    const uint64_t *ex[8], *ey[8];
    for (int l = 0; l < 8; l++) {
      xs[l] = rnd<Fq>(g);
      ys[l] = rnd<Fq>(g);
      ex[l] = xs[l].v;
      ey[l] = ys[l].v;
    }
    const V5 a = load<0>(ex), bs = load<4>(ey);
    const size_t N = 1 << 17;
    timeit("Fq mul, IFMA x8 (lat, per element)", 8 * N, [&] {
      V5 x = a;
      for (size_t i = 0; i < N; i++) x = mul<FqParams, false>(x, bs);
      sink = (uint64_t)_mm512_reduce_add_epi64(x.l[0]);
    });
    timeit("Fq mul, IFMA x8 (thr, per element)", 16 * N, [&] {
      V5 x = a, y = bs;
      for (size_t i = 0; i < N; i++) {
        x = mul<FqParams, false>(x, bs);
        y = mul<FqParams, false>(y, bs);
      }
      sink = (uint64_t)_mm512_reduce_add_epi64(x.l[0]) ^ (uint64_t)_mm512_reduce_add_epi64(y.l[0]);
    });
  }
#endif
  {
    const size_t N = 1 << 19;
    Fq2 a = rnd2(g), y = rnd2(g);
    timeit("Fq2 mul (lat)", N, [&] {
      Fq2 x = a;
      for (size_t i = 0; i < N; i++) x = x * y;
      sink = x.c0.v[0];
    });
    timeit("Fq2 sqr (lat)", N, [&] {
      Fq2 x = a;
      for (size_t i = 0; i < N; i++) x = x.sqr();
      sink = x.c0.v[0];
    });
  }
  const G1A g1{Fq::from_u64(1), Fq::from_u64(2)};
  const G2A g2{Fq2{Fq::from_dec("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
                   Fq::from_dec("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
               Fq2{Fq::from_dec("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
                   Fq::from_dec("4082367875863433681332203403145435568316851327593401208105741076214120093531")}};
  const size_t NP = 1 << 16;
  std::vector<G1A> p1 = points(g1, NP);
  std::vector<G2A> p2 = points(g2, NP / 4);
  {
    const size_t N = 1 << 18;
    timeit("G1 add_mixed (Jac + affine)", N, [&] {
      G1J acc = G1J::from_affine(p1[5]);
      for (size_t i = 0; i < N; i++) acc = acc.add_mixed(p1[i & (NP - 1)]);
      sink = acc.X.v[0];
    });
    timeit("G1 add (Jac + Jac)", N / 4, [&] {
      G1J acc = G1J::from_affine(p1[5]);
      G1J q = G1J::from_affine(p1[9]).dbl();
      for (size_t i = 0; i < N / 4; i++) acc = acc.add(q);
      sink = acc.X.v[0];
    });
    timeit("G1 dbl", N, [&] {
      G1J acc = G1J::from_affine(p1[5]);
      for (size_t i = 0; i < N; i++) acc = acc.dbl();
      sink = acc.X.v[0];
    });
    timeit("G2 add_mixed (Jac + affine)", N / 4, [&] {
      G2J acc = G2J::from_affine(p2[5]);
      for (size_t i = 0; i < N / 4; i++) acc = acc.add_mixed(p2[i & (NP / 4 - 1)]);
      sink = acc.X.c0.v[0];
    });
    timeit("G2 dbl", N / 4, [&] {
      G2J acc = G2J::from_affine(p2[5]);
      for (size_t i = 0; i < N / 4; i++) acc = acc.dbl();
      sink = acc.X.c0.v[0];
    });
  }
  batch_affine("G1 batch-affine add (4096 bkts)", p1, 4096, 1 << 19);
  batch_affine("G1 batch-affine add (65536 bkts)", p1, 65536, 1 << 19);
  batch_affine("G2 batch-affine add (4096 bkts)", p2, 4096, 1 << 17);
  {
    // the NTT butterfly over Fr
    const size_t logn = 16, n = (size_t)1 << logn;
    std::vector<Fr> a(n);
    for (auto& x : a) x = rnd<Fr>(g);
    Fr w = root_of_unity(logn);
    std::vector<Fr> tw = ntt_twiddles(logn, w);
    Ctx ctx;
    timeit("NTT 2^16 (per butterfly)", n / 2 * logn, [&] {
      ntt(a.data(), logn, w, ctx, tw.data());
      sink = a[0].v[0];
    });
  }
  return 0;
}

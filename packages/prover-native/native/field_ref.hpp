// Reference field arithmetic for the self-test (`zkprover selftest [N]`): deliberately simple code, no shortcuts,
// to check the optimised kernels of field.hpp against.
//  - ref_mont: schoolbook 512-bit product, then word-by-word Montgomery reduction with the carry propagated
//    through every higher word (no "no-carry" bound), then subtract p while >= p.
//  - ref_check_mont: an independent check of the Montgomery relation without Montgomery arithmetic:
//    r * 2^256 = a * b (mod p), with both sides reduced by bit-serial shift-and-subtract.
#pragma once
#include <array>
#include <random>
#include <vector>

#include "field.hpp"
#include "fq_avx512.hpp"

namespace zkp {
namespace ref {

// a >= b on n-limb integers
inline bool geq(const uint64_t* a, const uint64_t* b, int n) {
  for (int i = n - 1; i >= 0; i--)
    if (a[i] != b[i]) return a[i] > b[i];
  return true;
}
inline void sub(uint64_t* a, const uint64_t* b, int n) {  // a -= b (a >= b)
  uint64_t borrow = 0;
  for (int i = 0; i < n; i++) {
    u128 t = (u128)a[i] - b[i] - borrow;
    a[i] = (uint64_t)t;
    borrow = (uint64_t)(t >> 64) & 1;
  }
}

// a * b * 2^-256 mod p for any a, b < 2^256 (result fully reduced)
inline void mont(uint64_t* r, const uint64_t* a, const uint64_t* b, const uint64_t* p) {
  uint64_t t[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      u128 x = (u128)a[i] * b[j];
      // add x at word i + j with full carry propagation
      uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
      u128 s = (u128)t[i + j] + lo;
      t[i + j] = (uint64_t)s;
      uint64_t c = (uint64_t)(s >> 64);
      s = (u128)t[i + j + 1] + hi + c;
      t[i + j + 1] = (uint64_t)s;
      c = (uint64_t)(s >> 64);
      for (int k = i + j + 2; c && k < 9; k++) {
        s = (u128)t[k] + c;
        t[k] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
      }
    }
  const uint64_t inv = mont_inv(p[0]);
  uint64_t u[10] = {t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], 0};
  for (int i = 0; i < 4; i++) {
    uint64_t m = u[i] * inv;
    uint64_t c = 0;
    for (int j = 0; j < 4; j++) {
      u128 s = (u128)m * p[j] + u[i + j] + c;
      u[i + j] = (uint64_t)s;
      c = (uint64_t)(s >> 64);
    }
    for (int k = i + 4; c && k < 10; k++) {
      u128 s = (u128)u[k] + c;
      u[k] = (uint64_t)s;
      c = (uint64_t)(s >> 64);
    }
    if (u[i] != 0) throw std::runtime_error("reference REDC: low word not zero");
  }
  uint64_t out[6] = {u[4], u[5], u[6], u[7], u[8], u[9]};
  const uint64_t pp[6] = {p[0], p[1], p[2], p[3], 0, 0};
  while (geq(out, pp, 6)) sub(out, pp, 6);
  for (int i = 0; i < 4; i++) r[i] = out[i];
}

// x mod p for an n-limb x, bit-serial (shift in one bit, subtract p when >= p)
inline void mod_slow(uint64_t* r, const uint64_t* x, int n, const uint64_t* p) {
  uint64_t acc[5] = {0, 0, 0, 0, 0};
  const uint64_t pp[5] = {p[0], p[1], p[2], p[3], 0};
  for (int bit = 64 * n - 1; bit >= 0; bit--) {
    for (int i = 4; i > 0; i--) acc[i] = (acc[i] << 1) | (acc[i - 1] >> 63);
    acc[0] = (acc[0] << 1) | ((x[bit / 64] >> (bit % 64)) & 1);
    if (geq(acc, pp, 5)) sub(acc, pp, 5);
  }
  for (int i = 0; i < 4; i++) r[i] = acc[i];
}

// checks r * 2^256 = a * b (mod p) and r < p
inline bool check_mont(const uint64_t* r, const uint64_t* a, const uint64_t* b, const uint64_t* p) {
  if (geq(r, p, 4)) return false;
  uint64_t ab[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    uint64_t c = 0;
    for (int j = 0; j < 4; j++) {
      u128 s = (u128)a[i] * b[j] + ab[i + j] + c;
      ab[i + j] = (uint64_t)s;
      c = (uint64_t)(s >> 64);
    }
    ab[i + 4] = c;
  }
  uint64_t rR[8] = {0, 0, 0, 0, r[0], r[1], r[2], r[3]};
  uint64_t x[4], y[4];
  mod_slow(x, ab, 8, p);
  mod_slow(y, rR, 8, p);
  return memcmp(x, y, 32) == 0;
}

inline void add_mod(uint64_t* r, const uint64_t* a, const uint64_t* b, const uint64_t* p) {
  uint64_t t[5] = {0, 0, 0, 0, 0};
  uint64_t c = 0;
  for (int i = 0; i < 4; i++) {
    u128 s = (u128)a[i] + b[i] + c;
    t[i] = (uint64_t)s;
    c = (uint64_t)(s >> 64);
  }
  t[4] = c;
  const uint64_t pp[5] = {p[0], p[1], p[2], p[3], 0};
  while (geq(t, pp, 5)) sub(t, pp, 5);
  for (int i = 0; i < 4; i++) r[i] = t[i];
}
inline void sub_mod(uint64_t* r, const uint64_t* a, const uint64_t* b, const uint64_t* p) {
  uint64_t t[5] = {a[0], a[1], a[2], a[3], 0};
  const uint64_t bb[5] = {b[0], b[1], b[2], b[3], 0};
  if (!geq(t, bb, 5)) {  // a + p - b
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) {
      u128 s = (u128)t[i] + p[i] + c;
      t[i] = (uint64_t)s;
      c = (uint64_t)(s >> 64);
    }
    t[4] = c;
  }
  sub(t, bb, 5);
  for (int i = 0; i < 4; i++) r[i] = t[i];
}

}  // namespace ref

// Randomised comparison of the field kernels with the reference, `iters` random inputs per operation and
// field plus edge values (0, 1, 2, p-1, p-2, 2^64-1 in each limb position, R mod p, values with all bits set,
// and for the unreduced second operand values up to 2^256 - 1). Returns an empty string when all pass, else
// the first failure.
template <class PP>
std::string selftest_field(const char* name, size_t iters, uint64_t seed) {
  typedef Fp<PP> F;
  const uint64_t* p = PP::P;
  std::mt19937_64 g(seed);
  std::vector<std::array<uint64_t, 4>> edge;
  auto push = [&](uint64_t a, uint64_t b, uint64_t c, uint64_t d) { edge.push_back(std::array<uint64_t, 4>{{a, b, c, d}}); };
  push(0, 0, 0, 0);
  push(1, 0, 0, 0);
  push(2, 0, 0, 0);
  push(p[0] - 1, p[1], p[2], p[3]);
  push(p[0] - 2, p[1], p[2], p[3]);
  push(p[0], p[1], p[2] - 1, p[3]);
  push(~0ULL, ~0ULL, ~0ULL, p[3] - 1);
  for (int k = 0; k < 4; k++) {
    uint64_t w[4] = {0, 0, 0, 0};
    w[k] = k == 3 ? p[3] - 1 : ~0ULL;
    push(w[0], w[1], w[2], w[3]);
  }
  F one = F::one();
  push(one.v[0], one.v[1], one.v[2], one.v[3]);
  // unreduced second operands (mul_lazy) near 2^256
  std::vector<std::array<uint64_t, 4>> wide = edge;
  wide.push_back(std::array<uint64_t, 4>{{~0ULL, ~0ULL, ~0ULL, ~0ULL}});
  wide.push_back(std::array<uint64_t, 4>{{~0ULL - 1, ~0ULL, ~0ULL, ~0ULL}});
  wide.push_back(std::array<uint64_t, 4>{{0, 0, 0, 1ULL << 63}});
  wide.push_back(std::array<uint64_t, 4>{{p[0] * 2, (p[1] << 1) | (p[0] >> 63), (p[2] << 1) | (p[1] >> 63), (p[3] << 1) | (p[2] >> 63)}});
  auto rnd_below_p = [&](uint64_t* x) {
    for (;;) {
      x[0] = g();
      x[1] = g();
      x[2] = g();
      x[3] = g() & ((1ULL << 62) - 1);
      // mix in sparse values (many zero or all-one limbs) now and then
      uint64_t sel = g() & 15;
      if (sel == 0) x[1] = 0;
      if (sel == 1) x[0] = ~0ULL;
      if (sel == 2) x[2] = ~0ULL;
      if (!ref::geq(x, p, 4)) return;
    }
  };
  auto fail = [&](const char* op, const uint64_t* a, const uint64_t* b) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s %s mismatch: a=%016llx%016llx%016llx%016llx b=%016llx%016llx%016llx%016llx",
             name, op, (unsigned long long)a[3], (unsigned long long)a[2], (unsigned long long)a[1],
             (unsigned long long)a[0], (unsigned long long)b[3], (unsigned long long)b[2],
             (unsigned long long)b[1], (unsigned long long)b[0]);
    return std::string(buf);
  };
  const size_t ne = edge.size();
  for (size_t it = 0; it < iters + ne * ne; it++) {
    uint64_t a[4], b[4], w[4];
    if (it < ne * ne) {
      memcpy(a, edge[it / ne].data(), 32);
      memcpy(b, edge[it % ne].data(), 32);
    } else {
      rnd_below_p(a);
      rnd_below_p(b);
    }
    if (it < wide.size()) memcpy(w, wide[it].data(), 32);
    else {
      w[0] = g(), w[1] = g(), w[2] = g(), w[3] = g();
    }
    F x{{a[0], a[1], a[2], a[3]}}, y{{b[0], b[1], b[2], b[3]}};
    uint64_t want[4];
    ref::mont(want, a, b, p);
    // the reference itself against the slow, Montgomery-free check (every 64th input: it is slow)
    if (it % 64 == 0 && !ref::check_mont(want, a, b, p)) return fail("reference", a, b);
    if (memcmp((x * y).v, want, 32) != 0) return fail("mul", a, b);
    uint64_t port[4];
    mont_mul_portable<PP>(port, a, b);
    if (memcmp(port, want, 32) != 0) return fail("portable mul", a, b);
    ref::mont(want, a, a, p);
    if (memcmp(x.sqr().v, want, 32) != 0) return fail("sqr", a, a);
    ref::mont(want, a, w, p);
    if (memcmp(F::mul_lazy(x, w).v, want, 32) != 0) return fail("mul_lazy", a, w);
    ref::add_mod(want, a, b, p);
    if (memcmp((x + y).v, want, 32) != 0) return fail("add", a, b);
    ref::sub_mod(want, a, b, p);
    if (memcmp((x - y).v, want, 32) != 0) return fail("sub", a, b);
    // inverse: against the bitwise binary GCD, and x * x^-1 = 1 (every 8th input: they are slowish)
    if (it % 8 == 0 && !x.is_zero()) {
      F xi = x.inv();
      if (xi != x.inv_bitwise() || x * xi != F::one()) return fail("inv", a, a);
    }
    // REDC of a 512-bit T < p 2^256: T = a * b' + c (b' < 2^256 arbitrary would exceed the bound; use
    // a (< p) times w (< 2^256) plus b: < p 2^256)
    uint64_t T[8], r[4];
    mul_wide(T, a, w);
    {
      uint64_t c = 0;
      for (int i = 0; i < 8; i++) {
        u128 s = (u128)T[i] + (i < 4 ? b[i] : 0) + c;
        T[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
      }
    }
    if (!ref::geq(T + 4, p, 4)) {  // T < p 2^256 (skip the rare edge values above it)
      redc<PP>(r, T);
      // reference: T * 2^-256 mod p = ref::mont(T mod p, 1) ... computed via the slow modular check
      uint64_t tm[4], rR[8] = {0, 0, 0, 0, r[0], r[1], r[2], r[3]}, x2[4];
      if (it % 16 == 0) {
        ref::mod_slow(tm, T, 8, p);
        ref::mod_slow(x2, rR, 8, p);
        if (memcmp(tm, x2, 32) != 0 || ref::geq(r, p, 4)) return fail("redc", a, w);
      }
      uint64_t T2[8];
      mul_wide_portable(T2, a, w);
      uint64_t r2[4];
      {
        uint64_t c = 0;
        for (int i = 0; i < 8; i++) {
          u128 s = (u128)T2[i] + (i < 4 ? b[i] : 0) + c;
          T2[i] = (uint64_t)s;
          c = (uint64_t)(s >> 64);
        }
      }
      if (memcmp(T, T2, 64) != 0) return fail("mul_wide", a, w);
      redc_portable<PP>(r2, T2);
      if (memcmp(r, r2, 32) != 0) return fail("redc vs portable", a, w);
    }
  }
  return "";
}

// Fq2 mul / sqr (Karatsuba with lazy reduction) against the schoolbook formulas over the reference Fq.
inline std::string selftest_fq2(size_t iters, uint64_t seed) {
  std::mt19937_64 g(seed);
  const uint64_t* p = FqParams::P;
  auto rnd = [&](uint64_t* x, size_t it, int k) {
    // edge coordinates first: 0, 1, p-1 combinations
    static const int E = 4;
    if (it < (size_t)E * E * E * E) {
      int sel = (int)((it >> (2 * k)) & 3);
      const uint64_t vals[E][4] = {{0, 0, 0, 0}, {1, 0, 0, 0}, {p[0] - 1, p[1], p[2], p[3]}, {~0ULL, ~0ULL, ~0ULL, p[3] - 1}};
      memcpy(x, vals[sel], 32);
      return;
    }
    for (;;) {
      x[0] = g(), x[1] = g(), x[2] = g(), x[3] = g() & ((1ULL << 62) - 1);
      if (!ref::geq(x, p, 4)) return;
    }
  };
  for (size_t it = 0; it < iters + 256; it++) {
    uint64_t a0[4], a1[4], b0[4], b1[4];
    rnd(a0, it, 0);
    rnd(a1, it, 1);
    rnd(b0, it, 2);
    rnd(b1, it, 3);
    Fq2 a{Fq{{a0[0], a0[1], a0[2], a0[3]}}, Fq{{a1[0], a1[1], a1[2], a1[3]}}};
    Fq2 b{Fq{{b0[0], b0[1], b0[2], b0[3]}}, Fq{{b1[0], b1[1], b1[2], b1[3]}}};
    // schoolbook: (a0 b0 - a1 b1) + (a0 b1 + a1 b0) u
    uint64_t x[4], y[4], z[4], w[4], c0[4], c1[4];
    ref::mont(x, a0, b0, p);
    ref::mont(y, a1, b1, p);
    ref::mont(z, a0, b1, p);
    ref::mont(w, a1, b0, p);
    ref::sub_mod(c0, x, y, p);
    ref::add_mod(c1, z, w, p);
    Fq2 r = a * b;
    if (memcmp(r.c0.v, c0, 32) != 0 || memcmp(r.c1.v, c1, 32) != 0) return "Fq2 mul mismatch at input " + std::to_string(it);
    ref::mont(x, a0, a0, p);
    ref::mont(y, a1, a1, p);
    ref::mont(z, a0, a1, p);
    ref::sub_mod(c0, x, y, p);
    ref::add_mod(c1, z, z, p);
    Fq2 s = a.sqr();
    if (memcmp(s.c0.v, c0, 32) != 0 || memcmp(s.c1.v, c1, 32) != 0) return "Fq2 sqr mismatch at input " + std::to_string(it);
  }
  return "";
}

#ifdef ZKP_HAVE_IFMA
// The 8-lane IFMA kernels (fq_avx512.hpp) against the scalar ones: mul (lazy and canonical, shifted second
// operand), sub mod p and mod 16p, shl4, radix round trips; inputs below p and lazy ones below 2p.
template <class PP>
std::string selftest_ifma(const char* name, size_t iters, uint64_t seed) {
  using namespace v8;
  typedef Fp<PP> F;
  std::mt19937_64 g(seed);
  const uint64_t* p = PP::P;
  auto rnd = [&](uint64_t* x, size_t it, int k) {
    if (it < 4) {  // edge values: 0, 1, p - 1, all ones below p
      const uint64_t vals[4][4] = {{0, 0, 0, 0}, {1, 0, 0, 0}, {p[0] - 1, p[1], p[2], p[3]}, {~0ULL, ~0ULL, ~0ULL, p[3] - 1}};
      memcpy(x, vals[(it + k) & 3], 32);
      return;
    }
    for (;;) {
      x[0] = g(), x[1] = g(), x[2] = g(), x[3] = g() & ((1ULL << 62) - 1);
      if (!ref::geq(x, p, 4)) return;
    }
  };
  for (size_t it = 0; it < iters; it += 8) {
    alignas(64) uint64_t A[8][4], B[8][4], W[8][4];
    const uint64_t *ea[8], *eb[8];
    uint64_t* ew[8];
    for (int l = 0; l < 8; l++) {
      rnd(A[l], it + l, 0);
      rnd(B[l], it + l, 1);
      ea[l] = A[l];
      eb[l] = B[l];
      ew[l] = W[l];
    }
    const V5 a = load<0>(ea), bs = load<4>(eb), b = load<0>(eb);
    auto check = [&](const char* op, const V5& v, F (*want)(const F&, const F&)) -> std::string {
      store(ew, v);
      for (int l = 0; l < 8; l++) {
        F x{{A[l][0], A[l][1], A[l][2], A[l][3]}}, y{{B[l][0], B[l][1], B[l][2], B[l][3]}};
        F w = want(x, y);
        if (memcmp(W[l], w.v, 32) != 0) return std::string(name) + " ifma " + op + " mismatch at input " + std::to_string(it + l);
      }
      return "";
    };
    std::string err;
    if (!(err = check("roundtrip", a, [](const F& x, const F&) { return x; })).empty()) return err;
    if (!(err = check("mul", mul<PP, true>(a, bs), [](const F& x, const F& y) { return x * y; })).empty()) return err;
    if (!(err = check("lazy mul", reduce<PP>(mul<PP, false>(a, bs)), [](const F& x, const F& y) { return x * y; })).empty()) return err;
    // lazy inputs (< 2p): a lazy product as the first operand, its shifted form as the second
    const V5 l1 = mul<PP, false>(a, bs);
    if (!(err = check("lazy chain", mul<PP, true>(l1, shl4(l1)), [](const F& x, const F& y) { return (x * y).sqr(); })).empty()) return err;
    if (!(err = check("sub", sub(a, b, K<PP>::P), [](const F& x, const F& y) { return x - y; })).empty()) return err;
    // mod 16p on shifted values, then back to the plain form with a multiplication by one (shifted)
    const uint64_t* eone[8];
    static const F one = F::one();
    for (int l = 0; l < 8; l++) eone[l] = one.v;
    const V5 d16 = sub(load<4>(ea), bs, K<PP>::P16);
    if (!(err = check("sub16", mul<PP, true>(load<0>(eone), d16), [](const F& x, const F& y) { return x - y; })).empty()) return err;
    if (!(err = check("shl4", mul<PP, true>(a, shl4(b)), [](const F& x, const F& y) { return x * y; })).empty()) return err;
  }
  // Lazy operands at the extremes of their bounds: first operand A < 2p, second B = 16 x with x < 2p (the
  // flush multiplies values of this form). The lazy result must be below 2p and equal the scalar product.
  {
    std::vector<std::array<uint64_t, 4>> ext;
    auto addp = [&](const uint64_t* x, const uint64_t* y) {  // x + y (no overflow: < 2^256)
      std::array<uint64_t, 4> r;
      u256_add(r.data(), x, y);
      return r;
    };
    const uint64_t zero[4] = {0, 0, 0, 0}, one[4] = {1, 0, 0, 0}, two[4] = {2, 0, 0, 0};
    uint64_t pm1[4], pm2[4];
    u256_sub(pm1, p, one);
    u256_sub(pm2, p, two);
    ext.push_back(addp(zero, zero));
    ext.push_back(addp(one, zero));
    ext.push_back(addp(pm1, zero));                        // p - 1
    ext.push_back(addp(p, zero));                          // p
    ext.push_back(addp(p, one));                           // p + 1
    ext.push_back(addp(p, pm2));                           // 2p - 2
    ext.push_back(addp(p, pm1));                           // 2p - 1
    for (int r = 0; r < 9; r++) {
      uint64_t x[4];
      rnd(x, 100, 0);
      ext.push_back(r < 3 ? addp(x, zero) : addp(p, x));   // random below p and in [p, 2p)
    }
    auto modp = [&](const std::array<uint64_t, 4>& x) {
      F f{{x[0], x[1], x[2], x[3]}};
      if (ref::geq(f.v, p, 4)) u256_sub(f.v, f.v, p);
      return f;
    };
    const size_t ne = ext.size();
    for (size_t i = 0; i < ne; i++) {
      for (size_t j0 = 0; j0 < ne; j0 += 8) {
        const uint64_t *ea[8], *eb[8];
        alignas(64) uint64_t W[8][4];
        uint64_t* ew[8];
        for (int l = 0; l < 8; l++) {
          ea[l] = ext[i].data();
          eb[l] = ext[(j0 + l) % ne].data();
          ew[l] = W[l];
        }
        const V5 A = load<0>(ea), Bs = load<4>(eb);
        store(ew, mul<PP, false>(A, Bs));
        for (int l = 0; l < 8; l++) {
          const F want = modp(ext[i]) * modp(ext[(j0 + l) % ne]);
          uint64_t twop[4];
          u256_add(twop, p, p);
          F got{{W[l][0], W[l][1], W[l][2], W[l][3]}};
          if (!ref::geq(twop, got.v, 4) || ref::geq(got.v, twop, 4)) return std::string(name) + " ifma lazy bound exceeded";
          if (ref::geq(got.v, p, 4)) u256_sub(got.v, got.v, p);
          if (got != want) return std::string(name) + " ifma extreme-operand mul mismatch";
        }
      }
    }
  }
  return "";
}

// Fq2 vector multiplication (Karatsuba) with lazy components at their extremes (first operand < 2p, second in
// the shifted form 16 x, x < 2p) against the scalar Fq2 product.
inline std::string selftest_ifma_fq2(uint64_t seed) {
  using namespace v8;
  std::mt19937_64 g(seed);
  const uint64_t* p = FqParams::P;
  std::vector<std::array<uint64_t, 4>> ext;
  const uint64_t one[4] = {1, 0, 0, 0}, two[4] = {2, 0, 0, 0};
  uint64_t t[4];
  ext.push_back({{0, 0, 0, 0}});
  ext.push_back({{1, 0, 0, 0}});
  u256_sub(t, p, one);
  ext.push_back({{t[0], t[1], t[2], t[3]}});  // p - 1
  ext.push_back({{p[0], p[1], p[2], p[3]}});  // p
  u256_sub(t, p, two);
  u256_add(t, t, p);
  ext.push_back({{t[0], t[1], t[2], t[3]}});  // 2p - 2
  u256_add(t, t, one);
  ext.push_back({{t[0], t[1], t[2], t[3]}});  // 2p - 1
  for (int r = 0; r < 6; r++) {
    uint64_t x[4];
    for (;;) {
      x[0] = g(), x[1] = g(), x[2] = g(), x[3] = g() & ((1ULL << 62) - 1);
      if (!ref::geq(x, p, 4)) break;
    }
    if (r >= 2) u256_add(x, x, p);
    ext.push_back({{x[0], x[1], x[2], x[3]}});
  }
  auto modp = [&](const std::array<uint64_t, 4>& x) {
    Fq f{{x[0], x[1], x[2], x[3]}};
    if (ref::geq(f.v, p, 4)) u256_sub(f.v, f.v, p);
    return f;
  };
  // random lazy components, mostly in [p, 2p) (the bound violations of unreduced Karatsuba sums showed up
  // only with large operands, ~1 in 10^5 products), then every combination of the extremes
  for (size_t it = 0; it < 400000; it += 8) {
    alignas(64) uint64_t X[4][8][4];
    const uint64_t* e[4][8];
    Fq2 want[8];
    for (int l = 0; l < 8; l++) {
      for (int c = 0; c < 4; c++) {
        for (;;) {
          for (int k = 0; k < 4; k++) X[c][l][k] = g();
          X[c][l][3] &= (1ULL << 62) - 1;
          if (!ref::geq(X[c][l], p, 4)) break;
        }
        if (g() % 4 != 0) u256_add(X[c][l], X[c][l], p);
        e[c][l] = X[c][l];
      }
      auto m = [&](int c) {
        std::array<uint64_t, 4> x{{X[c][l][0], X[c][l][1], X[c][l][2], X[c][l][3]}};
        return modp(x);
      };
      want[l] = Fq2{m(0), m(1)} * Fq2{m(2), m(3)};
    }
    V52 A{load<0>(e[0]), load<0>(e[1])}, Bs{load<4>(e[2]), load<4>(e[3])};
    // the lazy product: each component below 2p (what the next multiplication relies on) and = want mod p
    const V52 lz = vmul<false>(A, Bs);
    alignas(64) uint64_t L0[8][4], L1[8][4];
    uint64_t *l0[8], *l1[8];
    for (int l = 0; l < 8; l++) l0[l] = L0[l], l1[l] = L1[l];
    store(l0, lz.c0);
    store(l1, lz.c1);
    uint64_t twop[4];
    u256_add(twop, p, p);
    for (int l = 0; l < 8; l++) {
      if (ref::geq(L0[l], twop, 4) || ref::geq(L1[l], twop, 4))
        return "Fq2 ifma lazy product not below 2p at random input " + std::to_string(it + l);
      std::array<uint64_t, 4> x0{{L0[l][0], L0[l][1], L0[l][2], L0[l][3]}}, x1{{L1[l][0], L1[l][1], L1[l][2], L1[l][3]}};
      if (modp(x0) != want[l].c0 || modp(x1) != want[l].c1)
        return "Fq2 ifma lazy-operand mul mismatch at random input " + std::to_string(it + l);
    }
    Fq2 got[8];
    Fq2* ge[8];
    for (int l = 0; l < 8; l++) ge[l] = &got[l];
    vstore(ge, vmul<true>(A, Bs));
    for (int l = 0; l < 8; l++)
      if (got[l] != want[l]) return "Fq2 ifma lazy-operand mul mismatch at random input " + std::to_string(it + l);
  }
  // chains of lazy products, as in the flush (x <- x * y, y <- y * shl4(x), lazy throughout), against the
  // scalar chain: a lazy result out of range is fed on and shows up here
  {
    uint64_t twop[4];
    u256_add(twop, p, p);
    alignas(64) uint64_t X[4][8][4];
    const uint64_t* e[4][8];
    Fq2 sx[8], sy[8];
    for (int l = 0; l < 8; l++)
      for (int c = 0; c < 4; c++) {
        for (;;) {
          for (int k = 0; k < 4; k++) X[c][l][k] = g();
          X[c][l][3] &= (1ULL << 62) - 1;
          if (!ref::geq(X[c][l], p, 4)) break;
        }
        e[c][l] = X[c][l];
      }
    for (int l = 0; l < 8; l++) {
      sx[l] = Fq2{Fq{{X[0][l][0], X[0][l][1], X[0][l][2], X[0][l][3]}}, Fq{{X[1][l][0], X[1][l][1], X[1][l][2], X[1][l][3]}}};
      sy[l] = Fq2{Fq{{X[2][l][0], X[2][l][1], X[2][l][2], X[2][l][3]}}, Fq{{X[3][l][0], X[3][l][1], X[3][l][2], X[3][l][3]}}};
    }
    V52 x{load<0>(e[0]), load<0>(e[1])}, y{load<0>(e[2]), load<0>(e[3])};
    for (int step = 0; step < 4000; step++) {
      const V52 ys = vshl4(y);
      x = vmul<false>(x, ys);
      y = vmul<false>(y, vshl4(x));
      for (int l = 0; l < 8; l++) {
        sx[l] = sx[l] * sy[l];
        sy[l] = sy[l] * sx[l];
      }
    }
    Fq2 gx[8], gy[8];
    Fq2 *px[8], *py[8];
    for (int l = 0; l < 8; l++) px[l] = &gx[l], py[l] = &gy[l];
    vstore(px, vreduce(x));
    vstore(py, vreduce(y));
    for (int l = 0; l < 8; l++)
      if (gx[l] != sx[l] || gy[l] != sy[l]) return "Fq2 ifma lazy chain mismatch";
  }
  const size_t ne = ext.size();
  for (size_t it = 0; it < ne * ne * ne; it += 8) {
    const uint64_t *a0[8], *a1[8], *b0[8], *b1[8];
    Fq2 want[8];
    for (int l = 0; l < 8; l++) {
      const size_t k = (it + l) % (ne * ne * ne);
      const size_t i = k % ne, j = (k / ne) % ne, q = k / (ne * ne);
      a0[l] = ext[i].data();
      a1[l] = ext[j].data();
      b0[l] = ext[q].data();
      b1[l] = ext[(i + j + q) % ne].data();
      want[l] = Fq2{modp(ext[i]), modp(ext[j])} * Fq2{modp(ext[q]), modp(ext[(i + j + q) % ne])};
    }
    V52 A{load<0>(a0), load<0>(a1)}, Bs{load<4>(b0), load<4>(b1)};
    Fq2 got[8];
    Fq2* ge[8];
    for (int l = 0; l < 8; l++) ge[l] = &got[l];
    vstore(ge, vmul<true>(A, Bs));
    for (int l = 0; l < 8; l++)
      if (got[l] != want[l]) return "Fq2 ifma extreme-operand mul mismatch at input " + std::to_string(it + l);
  }
  return "";
}
#endif

}  // namespace zkp

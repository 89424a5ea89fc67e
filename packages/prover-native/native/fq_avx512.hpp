// Eight Fq (or Fr) elements at a time with AVX-512 IFMA (VPMADD52LUQ / VPMADD52HUQ), for the batch-affine
// bucket additions of the MSM (msm.hpp, AffineBuckets<Fq>::flush_ifma).
//
// Why: on this machine (Zen 4) the scalar 4-limb Montgomery multiplication is bound by the one 64x64
// multiplier (36 MULX/IMUL, ~54 cycles per product in throughput). IFMA multiplies eight 52x52-bit pairs per
// instruction at one zmm instruction per cycle (measured: 1.03 cycles, latency 4), so a Montgomery product of
// eight elements in 5 x 52-bit limbs (105 IFMA) costs ~15 cycles per element.
//
// Representation (V5): element k of the vector is sum_j l[j][k] 2^(52 j), limbs normalised (< 2^52) on
// input to a multiplication. Values are the same Montgomery representatives as the scalar code (x R mod p,
// R = 2^256), so nothing has to be converted between the Montgomery domains, only the radix:
//  - the 5-limb Montgomery reduction divides by 2^260, not 2^256. The second operand of every vector
//    multiplication is therefore given pre-shifted by 4 bits ("shifted" form, the integer 16 b):
//    mont260(a, 16 b) = a 16 b / 2^260 = a b / 2^256, the scalar Montgomery product. The shift is free when an
//    operand comes from the 64-bit radix (to52<4>) and costs one limb shift (shl4) otherwise.
//  - results are "lazy" (< 2p, limbs normalised) or canonical (< p, one conditional subtraction). The output
//    of REDC is below A B / 2^260 + p: a lazy first operand A < 2p and a shifted second operand B = 16 b with
//    b < 2p keep it below 64 p^2 / 2^260 + p < 2p (64 p < 2^260, p < 2^254). Every multiplication must stay
//    within A B < 2^260 p (the self-test checks the extremes: A = 2p - 1, B = 16 (2p - 1)).
// Exactness: results are checked bit for bit against the scalar kernels (zkprover selftest, "ifma").
#pragma once
#include "field.hpp"

// Not in nvcc's own pass over msm_cuda.cu (its front end rejects vector types in host templates it checks for
// device use; that file only needs the key types, and the CPU paths are compiled from main.cpp by g++).
// Nor in -DZKP_COUNT_MULS builds, whose multiplication counts are the scalar kernels' (comparable across
// versions).
#if defined(__AVX512F__) && defined(__AVX512IFMA__) && defined(__AVX512VBMI2__) && !defined(ZKP_NO_ASM) && \
    !defined(ZKP_NO_IFMA) && !defined(__CUDACC__) && !defined(ZKP_COUNT_MULS)
#define ZKP_HAVE_IFMA 1
#include <immintrin.h>

#include <cstdlib>
#include <string>

namespace zkp {
namespace v8 {

struct alignas(64) V5 {
  __m512i l[5];
};

static const uint64_t M52 = (1ULL << 52) - 1;

// bits [lo, lo + 52) of (x << s), x a 256-bit integer (4 limbs); compile-time
constexpr uint64_t limb52(const uint64_t* x, int j, int s) {
  uint64_t r = 0;
  for (int b = 0; b < 52; b++) {
    int bit = 52 * j + b - s;
    if (bit >= 0 && bit < 256 && ((x[bit / 64] >> (bit % 64)) & 1)) r |= 1ULL << b;
  }
  return r;
}

template <class PP>
struct K {
  // p, 16 p in 52-bit limbs; -p^-1 mod 2^52
  static constexpr uint64_t P[5] = {limb52(PP::P, 0, 0), limb52(PP::P, 1, 0), limb52(PP::P, 2, 0),
                                    limb52(PP::P, 3, 0), limb52(PP::P, 4, 0)};
  static constexpr uint64_t P16[5] = {limb52(PP::P, 0, 4), limb52(PP::P, 1, 4), limb52(PP::P, 2, 4),
                                      limb52(PP::P, 3, 4), limb52(PP::P, 4, 4)};
  static constexpr uint64_t P2[5] = {limb52(PP::P, 0, 1), limb52(PP::P, 1, 1), limb52(PP::P, 2, 1),
                                     limb52(PP::P, 3, 1), limb52(PP::P, 4, 1)};
  static constexpr uint64_t P32[5] = {limb52(PP::P, 0, 5), limb52(PP::P, 1, 5), limb52(PP::P, 2, 5),
                                      limb52(PP::P, 3, 5), limb52(PP::P, 4, 5)};
  static constexpr uint64_t INV = MontConst<PP>::INV & M52;
};

ZKP_INLINE __m512i bc(uint64_t x) { return _mm512_set1_epi64((long long)x); }

// ---- radix conversion and transposition ----

// 64-bit limbs, limb-major (x[j] holds limb j of the eight elements) -> 52-bit limbs of (x << S), S = 0 or 4.
// VPSHRDQ (VBMI2) concatenates two limbs and shifts: (x[j+1]:x[j]) >> k.
template <int S>
ZKP_INLINE V5 to52(__m512i x0, __m512i x1, __m512i x2, __m512i x3) {
  const __m512i M = bc(M52);
  V5 r;
  if (S == 0) {
    r.l[0] = _mm512_and_si512(x0, M);
    r.l[1] = _mm512_and_si512(_mm512_shrdi_epi64(x0, x1, 52), M);
    r.l[2] = _mm512_and_si512(_mm512_shrdi_epi64(x1, x2, 40), M);
    r.l[3] = _mm512_and_si512(_mm512_shrdi_epi64(x2, x3, 28), M);
    r.l[4] = _mm512_srli_epi64(x3, 16);
  } else {  // bit k of the result = bit k - 4 of x
    r.l[0] = _mm512_and_si512(_mm512_slli_epi64(x0, 4), M);
    r.l[1] = _mm512_and_si512(_mm512_shrdi_epi64(x0, x1, 48), M);
    r.l[2] = _mm512_and_si512(_mm512_shrdi_epi64(x1, x2, 36), M);
    r.l[3] = _mm512_and_si512(_mm512_shrdi_epi64(x2, x3, 24), M);
    r.l[4] = _mm512_srli_epi64(x3, 12);
  }
  return r;
}
// normalised 52-bit limbs of a value < 2^256 -> 64-bit limbs
ZKP_INLINE void from52(const V5& a, __m512i& x0, __m512i& x1, __m512i& x2, __m512i& x3) {
  x0 = _mm512_or_si512(a.l[0], _mm512_slli_epi64(a.l[1], 52));
  x1 = _mm512_or_si512(_mm512_srli_epi64(a.l[1], 12), _mm512_slli_epi64(a.l[2], 40));
  x2 = _mm512_or_si512(_mm512_srli_epi64(a.l[2], 24), _mm512_slli_epi64(a.l[3], 28));
  x3 = _mm512_or_si512(_mm512_srli_epi64(a.l[3], 36), _mm512_slli_epi64(a.l[4], 16));
}

// Eight 32-byte elements (4 little-endian u64 limbs each) at e[0..7] -> limb-major x0..x3.
ZKP_INLINE void load8(const uint64_t* const* e, __m512i& x0, __m512i& x1, __m512i& x2, __m512i& x3) {
  __m512i z01 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)e[0])),
                                   _mm256_loadu_si256((const __m256i*)e[1]), 1);
  __m512i z23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)e[2])),
                                   _mm256_loadu_si256((const __m256i*)e[3]), 1);
  __m512i z45 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)e[4])),
                                   _mm256_loadu_si256((const __m256i*)e[5]), 1);
  __m512i z67 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)e[6])),
                                   _mm256_loadu_si256((const __m256i*)e[7]), 1);
  // per 128-bit lane: unpacklo takes qword 0 of both sources, unpackhi qword 1
  __m512i lo0 = _mm512_unpacklo_epi64(z01, z23);  // e0x0 e2x0 e0x2 e2x2 e1x0 e3x0 e1x2 e3x2
  __m512i hi0 = _mm512_unpackhi_epi64(z01, z23);  // the same with x1, x3
  __m512i lo1 = _mm512_unpacklo_epi64(z45, z67);
  __m512i hi1 = _mm512_unpackhi_epi64(z45, z67);
  const __m512i iA = _mm512_setr_epi64(0, 4, 1, 5, 8, 12, 9, 13);
  const __m512i iB = _mm512_setr_epi64(2, 6, 3, 7, 10, 14, 11, 15);
  x0 = _mm512_permutex2var_epi64(lo0, iA, lo1);
  x1 = _mm512_permutex2var_epi64(hi0, iA, hi1);
  x2 = _mm512_permutex2var_epi64(lo0, iB, lo1);
  x3 = _mm512_permutex2var_epi64(hi0, iB, hi1);
}
// limb-major x0..x3 -> eight 32-byte elements at e[k] (lanes with e[k] == null are skipped)
ZKP_INLINE void store8(uint64_t* const* e, __m512i x0, __m512i x1, __m512i x2, __m512i x3) {
  __m512i a = _mm512_unpacklo_epi64(x0, x1);  // x0_0 x1_0 | x0_2 x1_2 | x0_4 x1_4 | x0_6 x1_6
  __m512i b = _mm512_unpackhi_epi64(x0, x1);  // odd elements
  __m512i c = _mm512_unpacklo_epi64(x2, x3);
  __m512i d = _mm512_unpackhi_epi64(x2, x3);
  const __m512i i02 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i i46 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  __m512i e02 = _mm512_permutex2var_epi64(a, i02, c);
  __m512i e46 = _mm512_permutex2var_epi64(a, i46, c);
  __m512i e13 = _mm512_permutex2var_epi64(b, i02, d);
  __m512i e57 = _mm512_permutex2var_epi64(b, i46, d);
  if (e[0]) _mm256_storeu_si256((__m256i*)e[0], _mm512_castsi512_si256(e02));
  if (e[2]) _mm256_storeu_si256((__m256i*)e[2], _mm512_extracti64x4_epi64(e02, 1));
  if (e[4]) _mm256_storeu_si256((__m256i*)e[4], _mm512_castsi512_si256(e46));
  if (e[6]) _mm256_storeu_si256((__m256i*)e[6], _mm512_extracti64x4_epi64(e46, 1));
  if (e[1]) _mm256_storeu_si256((__m256i*)e[1], _mm512_castsi512_si256(e13));
  if (e[3]) _mm256_storeu_si256((__m256i*)e[3], _mm512_extracti64x4_epi64(e13, 1));
  if (e[5]) _mm256_storeu_si256((__m256i*)e[5], _mm512_castsi512_si256(e57));
  if (e[7]) _mm256_storeu_si256((__m256i*)e[7], _mm512_extracti64x4_epi64(e57, 1));
}

template <int S>
ZKP_INLINE V5 load(const uint64_t* const* e) {
  __m512i x0, x1, x2, x3;
  load8(e, x0, x1, x2, x3);
  return to52<S>(x0, x1, x2, x3);
}
// a: canonical (< p, normalised)
ZKP_INLINE void store(uint64_t* const* e, const V5& a) {
  __m512i x0, x1, x2, x3;
  from52(a, x0, x1, x2, x3);
  store8(e, x0, x1, x2, x3);
}

// ---- arithmetic ----

// carries of unnormalised non-negative limbs (the top limb keeps the rest)
ZKP_INLINE void normalize(__m512i& t0, __m512i& t1, __m512i& t2, __m512i& t3, __m512i& t4) {
  const __m512i M = bc(M52);
  t1 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
  t0 = _mm512_and_si512(t0, M);
  t2 = _mm512_add_epi64(t2, _mm512_srli_epi64(t1, 52));
  t1 = _mm512_and_si512(t1, M);
  t3 = _mm512_add_epi64(t3, _mm512_srli_epi64(t2, 52));
  t2 = _mm512_and_si512(t2, M);
  t4 = _mm512_add_epi64(t4, _mm512_srli_epi64(t3, 52));
  t3 = _mm512_and_si512(t3, M);
}

// x - m if x >= m (x < 2m, normalised), per lane: the subtraction with signed borrows, kept where it did not
// go negative.
ZKP_INLINE V5 cond_sub(const V5& x, const uint64_t* m) {
  const __m512i M = bc(M52);
  __m512i u0 = _mm512_sub_epi64(x.l[0], bc(m[0]));
  __m512i u1 = _mm512_add_epi64(_mm512_sub_epi64(x.l[1], bc(m[1])), _mm512_srai_epi64(u0, 52));
  __m512i u2 = _mm512_add_epi64(_mm512_sub_epi64(x.l[2], bc(m[2])), _mm512_srai_epi64(u1, 52));
  __m512i u3 = _mm512_add_epi64(_mm512_sub_epi64(x.l[3], bc(m[3])), _mm512_srai_epi64(u2, 52));
  __m512i u4 = _mm512_add_epi64(_mm512_sub_epi64(x.l[4], bc(m[4])), _mm512_srai_epi64(u3, 52));
  const __mmask8 neg = _mm512_movepi64_mask(u4);  // sign bit: x < m, keep x
  V5 r;
  r.l[0] = _mm512_mask_blend_epi64(neg, _mm512_and_si512(u0, M), x.l[0]);
  r.l[1] = _mm512_mask_blend_epi64(neg, _mm512_and_si512(u1, M), x.l[1]);
  r.l[2] = _mm512_mask_blend_epi64(neg, _mm512_and_si512(u2, M), x.l[2]);
  r.l[3] = _mm512_mask_blend_epi64(neg, _mm512_and_si512(u3, M), x.l[3]);
  r.l[4] = _mm512_mask_blend_epi64(neg, u4, x.l[4]);
  return r;
}

// a - b mod m for a, b in [0, m) (m = p, or 16 p for shifted operands: 16 ((x - y) mod p) = (16 x - 16 y) mod
// 16 p, so the shifted form is closed under subtraction)
ZKP_INLINE V5 sub(const V5& a, const V5& b, const uint64_t* m) {
  const __m512i M = bc(M52);
  __m512i d0 = _mm512_sub_epi64(a.l[0], b.l[0]);
  __m512i d1 = _mm512_add_epi64(_mm512_sub_epi64(a.l[1], b.l[1]), _mm512_srai_epi64(d0, 52));
  __m512i d2 = _mm512_add_epi64(_mm512_sub_epi64(a.l[2], b.l[2]), _mm512_srai_epi64(d1, 52));
  __m512i d3 = _mm512_add_epi64(_mm512_sub_epi64(a.l[3], b.l[3]), _mm512_srai_epi64(d2, 52));
  __m512i d4 = _mm512_add_epi64(_mm512_sub_epi64(a.l[4], b.l[4]), _mm512_srai_epi64(d3, 52));
  d0 = _mm512_and_si512(d0, M);
  d1 = _mm512_and_si512(d1, M);
  d2 = _mm512_and_si512(d2, M);
  d3 = _mm512_and_si512(d3, M);
  const __mmask8 neg = _mm512_movepi64_mask(d4);  // borrowed: add m back
  d0 = _mm512_mask_add_epi64(d0, neg, d0, bc(m[0]));
  d1 = _mm512_mask_add_epi64(d1, neg, d1, bc(m[1]));
  d2 = _mm512_mask_add_epi64(d2, neg, d2, bc(m[2]));
  d3 = _mm512_mask_add_epi64(d3, neg, d3, bc(m[3]));
  d4 = _mm512_mask_add_epi64(d4, neg, d4, bc(m[4]));
  normalize(d0, d1, d2, d3, d4);
  return V5{{d0, d1, d2, d3, d4}};
}

// 16 x (a value < 2^256 in normalised limbs -> the shifted form of the second multiplication operand)
ZKP_INLINE V5 shl4(const V5& x) {
  const __m512i M = bc(M52);
  V5 r;
  r.l[0] = _mm512_and_si512(_mm512_slli_epi64(x.l[0], 4), M);
  for (int j = 1; j < 5; j++)
    r.l[j] = _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi64(x.l[j], 4), M), _mm512_srli_epi64(x.l[j - 1], 48));
  return r;
}

// a * bs / 2^260 mod p per lane, bs = 16 b (shifted form): the scalar Montgomery product a b / 2^256.
// Operand-scanning Montgomery (5 rounds of t += a b_i, m = t0 (-p^-1) mod 2^52, t += m p, t >>= 52); the
// accumulators are 64-bit lanes holding sums of 52-bit halves (< 2^58), normalised at the end. CANON: one
// conditional subtraction for a result < p, else lazy (< 2p).
template <class PP, bool CANON>
ZKP_INLINE V5 mul(const V5& a, const V5& bs) {
  const __m512i Z = _mm512_setzero_si512();
  const __m512i INV = bc(K<PP>::INV);
  const __m512i P0 = bc(K<PP>::P[0]), P1 = bc(K<PP>::P[1]), P2 = bc(K<PP>::P[2]), P3 = bc(K<PP>::P[3]),
                P4 = bc(K<PP>::P[4]);
  __m512i t0 = Z, t1 = Z, t2 = Z, t3 = Z, t4 = Z, t5 = Z;
  for (int i = 0; i < 5; i++) {
    const __m512i bi = bs.l[i];
    t0 = _mm512_madd52lo_epu64(t0, a.l[0], bi);
    t1 = _mm512_madd52hi_epu64(t1, a.l[0], bi);
    t1 = _mm512_madd52lo_epu64(t1, a.l[1], bi);
    t2 = _mm512_madd52hi_epu64(t2, a.l[1], bi);
    t2 = _mm512_madd52lo_epu64(t2, a.l[2], bi);
    t3 = _mm512_madd52hi_epu64(t3, a.l[2], bi);
    t3 = _mm512_madd52lo_epu64(t3, a.l[3], bi);
    t4 = _mm512_madd52hi_epu64(t4, a.l[3], bi);
    t4 = _mm512_madd52lo_epu64(t4, a.l[4], bi);
    t5 = _mm512_madd52hi_epu64(t5, a.l[4], bi);
    // IFMA reads the low 52 bits of t0: m = (t0 mod 2^52) (-p^-1) mod 2^52
    const __m512i m = _mm512_madd52lo_epu64(Z, t0, INV);
    t0 = _mm512_madd52lo_epu64(t0, m, P0);  // now t0 = 0 mod 2^52
    t1 = _mm512_madd52hi_epu64(t1, m, P0);
    t1 = _mm512_madd52lo_epu64(t1, m, P1);
    t2 = _mm512_madd52hi_epu64(t2, m, P1);
    t2 = _mm512_madd52lo_epu64(t2, m, P2);
    t3 = _mm512_madd52hi_epu64(t3, m, P2);
    t3 = _mm512_madd52lo_epu64(t3, m, P3);
    t4 = _mm512_madd52hi_epu64(t4, m, P3);
    t4 = _mm512_madd52lo_epu64(t4, m, P4);
    t5 = _mm512_madd52hi_epu64(t5, m, P4);
    // divide by 2^52: the carry of t0 into t1, then shift the accumulators down
    t0 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
    t1 = t2;
    t2 = t3;
    t3 = t4;
    t4 = t5;
    t5 = Z;
  }
  normalize(t0, t1, t2, t3, t4);
  V5 r{{t0, t1, t2, t3, t4}};
  if (CANON) return cond_sub(r, K<PP>::P);
  return r;
}

// lazy (< 2p, normalised) -> canonical
template <class PP>
ZKP_INLINE V5 reduce(const V5& x) {
  return cond_sub(x, K<PP>::P);
}

// a + b without reduction (normalised limbs; the sum of two values < 2^255 stays below 2^256)
ZKP_INLINE V5 add_nr(const V5& a, const V5& b) {
  __m512i t0 = _mm512_add_epi64(a.l[0], b.l[0]), t1 = _mm512_add_epi64(a.l[1], b.l[1]),
          t2 = _mm512_add_epi64(a.l[2], b.l[2]), t3 = _mm512_add_epi64(a.l[3], b.l[3]),
          t4 = _mm512_add_epi64(a.l[4], b.l[4]);
  normalize(t0, t1, t2, t3, t4);
  return V5{{t0, t1, t2, t3, t4}};
}

// ---- the field types of the bucket code: Fq (V5) and Fq2 (V52: c0 + c1 u, u^2 = -1) ----

struct alignas(64) V52 {
  V5 c0, c1;
};
template <class F>
struct VT {
  static const bool ok = false;
};
template <>
struct VT<Fq> {
  static const bool ok = true;
  typedef V5 T;
};
template <>
struct VT<Fq2> {
  static const bool ok = true;
  typedef V52 T;
};

template <int S>
ZKP_INLINE void vload(V5& r, const Fq* const* e) {
  const uint64_t* p[8];
  for (int l = 0; l < 8; l++) p[l] = e[l]->v;
  r = load<S>(p);
}
template <int S>
ZKP_INLINE void vload(V52& r, const Fq2* const* e) {
  const uint64_t *p0[8], *p1[8];
  for (int l = 0; l < 8; l++) {
    p0[l] = e[l]->c0.v;
    p1[l] = e[l]->c1.v;
  }
  r.c0 = load<S>(p0);
  r.c1 = load<S>(p1);
}
// canonical values; null lanes are skipped
ZKP_INLINE void vstore(Fq* const* e, const V5& a) {
  uint64_t* p[8];
  for (int l = 0; l < 8; l++) p[l] = e[l] ? e[l]->v : nullptr;
  store(p, a);
}
ZKP_INLINE void vstore(Fq2* const* e, const V52& a) {
  uint64_t *p0[8], *p1[8];
  for (int l = 0; l < 8; l++) {
    p0[l] = e[l] ? e[l]->c0.v : nullptr;
    p1[l] = e[l] ? e[l]->c1.v : nullptr;
  }
  store(p0, a.c0);
  store(p1, a.c1);
}
template <bool CANON>
ZKP_INLINE V5 vmul(const V5& a, const V5& bs) {
  return mul<FqParams, CANON>(a, bs);
}
// Fq2 by Karatsuba: t0 = a0 b0, t1 = a1 b1, t2 = (a0 + a1)(b0 + b1); c0 = t0 - t1, c1 = t2 - t0 - t1.
// Operands: a's components lazy (< 2p), bs's shifted lazy (< 32p). The sums are brought back into the same
// ranges with one conditional subtraction each (a0 + a1 < 4p -> < 2p, subtracting 2p; the shifted
// 16 (b0 + b1) < 64p -> < 32p, subtracting 32p; both = 0 mod p): a product bound needs A B < 2^260 p, and
// unreduced sums (4p x 64p) would give results up to ~4p. The lazy products (< 2p) are combined modulo 2p, and
// reduced once at the end when CANON.
template <bool CANON>
ZKP_INLINE V52 vmul(const V52& a, const V52& bs) {
  const V5 t0 = mul<FqParams, false>(a.c0, bs.c0);
  const V5 t1 = mul<FqParams, false>(a.c1, bs.c1);
  const V5 sa = cond_sub(add_nr(a.c0, a.c1), K<FqParams>::P2);
  const V5 sb = cond_sub(add_nr(bs.c0, bs.c1), K<FqParams>::P32);
  const V5 t2 = mul<FqParams, false>(sa, sb);
  V52 r;
  r.c0 = sub(t0, t1, K<FqParams>::P2);
  r.c1 = sub(sub(t2, t0, K<FqParams>::P2), t1, K<FqParams>::P2);
  if (CANON) {
    r.c0 = reduce<FqParams>(r.c0);
    r.c1 = reduce<FqParams>(r.c1);
  }
  return r;
}
ZKP_INLINE V5 vsub(const V5& a, const V5& b, const uint64_t* m) { return sub(a, b, m); }
ZKP_INLINE V52 vsub(const V52& a, const V52& b, const uint64_t* m) { return V52{sub(a.c0, b.c0, m), sub(a.c1, b.c1, m)}; }
ZKP_INLINE V5 vshl4(const V5& a) { return shl4(a); }
ZKP_INLINE V52 vshl4(const V52& a) { return V52{shl4(a.c0), shl4(a.c1)}; }
ZKP_INLINE V5 vreduce(const V5& a) { return reduce<FqParams>(a); }
ZKP_INLINE V52 vreduce(const V52& a) { return V52{reduce<FqParams>(a.c0), reduce<FqParams>(a.c1)}; }

// a + b mod m for a, b in [0, m)
template <class PP>
ZKP_INLINE V5 add_mod(const V5& a, const V5& b) {
  return cond_sub(add_nr(a, b), K<PP>::P);
}

// Runtime switch for comparisons: ZKPROVER_NO_IFMA=1 keeps the scalar kernels.
inline bool enabled() {
  static const bool on = !(getenv("ZKPROVER_NO_IFMA") && std::string(getenv("ZKPROVER_NO_IFMA")) == "1");
  return on;
}

}  // namespace v8
}  // namespace zkp
#endif  // ZKP_HAVE_IFMA

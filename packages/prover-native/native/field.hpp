// BN254 prime fields in Montgomery form (4 x 64-bit limbs, R = 2^256), the quadratic extension Fq2,
// and 256-bit integer helpers. Written from the field definitions; the byte layout of an element
// (4 little-endian u64 limbs, Montgomery form) is the one snarkjs uses for zkey points.
#pragma once
#include <atomic>
#include <cstdint>
#if defined(__x86_64__)
// GCC 12 reports its own _mm512_undefined_epi32() (used inside the AVX-512 shift / insert intrinsics) as
// "used uninitialized" once they are inlined (a false positive fixed in later GCCs); silence it for the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif
#include <cstring>
#include <string>
#include <stdexcept>

namespace zkp {

typedef unsigned __int128 u128;

struct U256 {
  uint64_t v[4];
};

inline bool u256_is_zero(const uint64_t* a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

// a >= b
inline bool u256_geq(const uint64_t* a, const uint64_t* b) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

#if defined(__x86_64__)
// r = a - b, returns borrow
__attribute__((always_inline)) inline uint64_t u256_sub(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  unsigned long long t0, t1, t2, t3;
  unsigned char c = _subborrow_u64(0, a[0], b[0], &t0);
  c = _subborrow_u64(c, a[1], b[1], &t1);
  c = _subborrow_u64(c, a[2], b[2], &t2);
  c = _subborrow_u64(c, a[3], b[3], &t3);
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
  return c;
}
// r = a + b, returns carry
__attribute__((always_inline)) inline uint64_t u256_add(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  unsigned long long t0, t1, t2, t3;
  unsigned char c = _addcarry_u64(0, a[0], b[0], &t0);
  c = _addcarry_u64(c, a[1], b[1], &t1);
  c = _addcarry_u64(c, a[2], b[2], &t2);
  c = _addcarry_u64(c, a[3], b[3], &t3);
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
  return c;
}
#else
// r = a - b, returns borrow
inline uint64_t u256_sub(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 t = (u128)a[i] - b[i] - borrow;
    r[i] = (uint64_t)t;
    borrow = (uint64_t)(t >> 64) & 1;
  }
  return borrow;
}

// r = a + b, returns carry
inline uint64_t u256_add(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    u128 t = (u128)a[i] + b[i] + carry;
    r[i] = (uint64_t)t;
    carry = (uint64_t)(t >> 64);
  }
  return carry;
}
#endif

// r = a - b on 512-bit integers (8 limbs), returns the borrow
inline uint64_t u512_sub(uint64_t* r, const uint64_t* a, const uint64_t* b) {
#if defined(__x86_64__)
  unsigned char c = 0;
  for (int i = 0; i < 8; i++) {
    unsigned long long t;
    c = _subborrow_u64(c, a[i], b[i], &t);
    r[i] = t;
  }
  return c;
#else
  uint64_t borrow = 0;
  for (int i = 0; i < 8; i++) {
    u128 t = (u128)a[i] - b[i] - borrow;
    r[i] = (uint64_t)t;
    borrow = (uint64_t)(t >> 64) & 1;
  }
  return borrow;
#endif
}

// if r >= p (r < 2p, r < 2^256): r -= p, without branches
__attribute__((always_inline)) inline void u256_reduce_once(uint64_t* r, const uint64_t* p) {
  uint64_t t[4];
  uint64_t borrow = u256_sub(t, r, p);
  uint64_t keep = (uint64_t)0 - borrow;  // all ones when r < p
  for (int i = 0; i < 4; i++) r[i] = (r[i] & keep) | (t[i] & ~keep);
}

// Decimal string -> 256-bit integer (throws on junk or overflow).
inline U256 u256_from_dec(const std::string& s) {
  U256 r{{0, 0, 0, 0}};
  if (s.empty()) throw std::runtime_error("empty number");
  for (char ch : s) {
    if (ch < '0' || ch > '9') throw std::runtime_error("bad decimal digit");
    uint64_t carry = (uint64_t)(ch - '0');
    for (int i = 0; i < 4; i++) {
      u128 t = (u128)r.v[i] * 10 + carry;
      r.v[i] = (uint64_t)t;
      carry = (uint64_t)(t >> 64);
    }
    if (carry) throw std::runtime_error("number too large");
  }
  return r;
}

inline std::string u256_to_dec(const uint64_t* a) {
  uint64_t t[4] = {a[0], a[1], a[2], a[3]};
  if (u256_is_zero(t)) return "0";
  std::string out;
  while (!u256_is_zero(t)) {
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
      u128 cur = (rem << 64) | t[i];
      t[i] = (uint64_t)(cur / 10);
      rem = cur % 10;
    }
    out.push_back((char)('0' + (int)rem));
  }
  return std::string(out.rbegin(), out.rend());
}


struct FqParams {
  static constexpr uint64_t P[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL,
                                    0x30644e72e131a029ULL};
};
struct FrParams {
  static constexpr uint64_t P[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL,
                                    0x30644e72e131a029ULL};
};

// -p^{-1} mod 2^64 by Newton iteration.
constexpr uint64_t mont_inv(uint64_t p0) {
  uint64_t x = 1;
  for (int i = 0; i < 7; i++) x = x * (2 - p0 * x);
  return (uint64_t)0 - x;
}

// Per-modulus constants as objects in memory (the asm kernels read them as RIP-relative memory operands).
template <class PP>
struct MontConst {
  static constexpr uint64_t INV = mont_inv(PP::P[0]);
  // The shortcuts below need the top limb of p well below 2^64; for both BN254 moduli p < 2^254:
  //  - "no-carry" CIOS (the accumulator stays in 4 limbs + one word, no extra carry word): top limb of p
  //    < (2^64 - 1) / 2 - 1;
  //  - sums left unreduced (a + b < 2p, used as the *second* multiplication operand and in Fq2's
  //    Karatsuba) and 4p < 2^256 for the lazy reduction bounds.
  static_assert(PP::P[3] < 0x7FFFFFFFFFFFFFFEULL, "no-carry Montgomery needs p[3] < 2^63 - 1");
  static_assert(PP::P[3] < (1ULL << 62), "lazy reduction needs p < 2^254");
};

#define ZKP_INLINE __attribute__((always_inline)) inline

// ---------------------------------------------------------------------------------------------------------
// Montgomery kernels, x86-64 with BMI2 (MULX) and ADX (ADCX / ADOX: two independent carry chains, CF and OF).
//
// Multiplication operands are memory operands (the 8-9 registers the kernels need leave too few for the
// compiler to also hold the inputs in registers) and results come back in registers, so inlined chains of
// field operations keep values in registers or in plain 8-byte stack slots. (The previous kernel was a
// non-inlined call that wrote its result to memory; callers then copied the 32 bytes with vector loads, which
// the CPU cannot forward from four 8-byte stores: a ~15-20 cycle stall on every dependent multiplication. The
// build's -fno-tree-slp-vectorize keeps GCC from packing the four limb stores into one vector store.)
//
// Measured on this machine (AMD EPYC, Zen 4, 3.67 GHz core clock; bench/fieldbench.cpp, core cycles): a 4-limb
// multiplication is bound by the single 64x64 multiplier (MULX issues at ~1.33 cycles here: 36 MULX/IMUL ~ 48
// cycles) and its carry chains; this CIOS runs 56 cycles per product in throughput (4 independent chains) and
// 70 as a dependent chain (the previous non-inlined kernel: 57 and 96), the squaring 49 and 58 (57 and 96).
// The bulk of the MSM and the NTT runs on the 8-lane IFMA kernels instead (fq_avx512.hpp).
// ---------------------------------------------------------------------------------------------------------
#if defined(__x86_64__) && defined(__BMI2__) && defined(__ADX__) && !defined(ZKP_NO_ASM)
#define ZKP_HAVE_ADX 1

// One CIOS reduction round on the accumulator (t0..t3, A), A = the fifth word of t + a * b_i:
//   m = t0 * (-p^-1) mod 2^64;  (t0..t3) = (t + m p) / 2^64  (exact: t + m p = 0 mod 2^64).
// The low word of t0 + lo(m p0) is 0 by construction, only its carry is kept. Two carry chains: CF adds the
// shifted words and the high halves, OF the low halves. No carry leaves t3: the CIOS invariant keeps the
// accumulator below a + p < 2^255 (a < p, any b < 2^256), so the "no-carry" form (gnark-crypto's, valid for
// p[3] < 2^63 - 1) needs no sixth word.
#define ZKP_CIOS_RED                      \
  "movq %[t0], %%rdx\n\t"                 \
  "imulq %[inv], %%rdx\n\t"               \
  "xorl %k[ax], %k[ax]\n\t"               \
  "mulxq %[p0], %[ax], %[bp]\n\t"         \
  "adcxq %[t0], %[ax]\n\t"                \
  "movq %[bp], %[t0]\n\t"                 \
  "adcxq %[t1], %[t0]\n\t"                \
  "mulxq %[p1], %[ax], %[t1]\n\t"         \
  "adoxq %[ax], %[t0]\n\t"                \
  "adcxq %[t2], %[t1]\n\t"                \
  "mulxq %[p2], %[ax], %[t2]\n\t"         \
  "adoxq %[ax], %[t1]\n\t"                \
  "adcxq %[t3], %[t2]\n\t"                \
  "mulxq %[p3], %[ax], %[t3]\n\t"         \
  "adoxq %[ax], %[t2]\n\t"                \
  "movl $0, %k[ax]\n\t"                   \
  "adcxq %[ax], %[t3]\n\t"                \
  "adoxq %[A], %[t3]\n\t"

// (t0..t3, A) = t + a * b_i: low halves on the OF chain, high halves on the CF chain.
#define ZKP_CIOS_MULROW(bi)               \
  "movq %[" bi "], %%rdx\n\t"             \
  "xorl %k[ax], %k[ax]\n\t"               \
  "mulxq %[a0], %[ax], %[bp]\n\t"         \
  "adoxq %[ax], %[t0]\n\t"                \
  "adcxq %[bp], %[t1]\n\t"                \
  "mulxq %[a1], %[ax], %[bp]\n\t"         \
  "adoxq %[ax], %[t1]\n\t"                \
  "adcxq %[bp], %[t2]\n\t"                \
  "mulxq %[a2], %[ax], %[bp]\n\t"         \
  "adoxq %[ax], %[t2]\n\t"                \
  "adcxq %[bp], %[t3]\n\t"                \
  "mulxq %[a3], %[ax], %[A]\n\t"          \
  "adoxq %[ax], %[t3]\n\t"                \
  "movl $0, %k[ax]\n\t"                   \
  "adcxq %[ax], %[A]\n\t"                 \
  "adoxq %[ax], %[A]\n\t"

// t = t - p if t >= p (t < 2p): subtract into copies, keep them when there was no borrow.
#define ZKP_FINAL_SUB(t0, t1, t2, t3, s0, s1, s2, s3) \
  "movq %[" t0 "], %[" s0 "]\n\t"                      \
  "subq %[p0], %[" s0 "]\n\t"                          \
  "movq %[" t1 "], %[" s1 "]\n\t"                      \
  "sbbq %[p1], %[" s1 "]\n\t"                          \
  "movq %[" t2 "], %[" s2 "]\n\t"                      \
  "sbbq %[p2], %[" s2 "]\n\t"                          \
  "movq %[" t3 "], %[" s3 "]\n\t"                      \
  "sbbq %[p3], %[" s3 "]\n\t"                          \
  "cmovncq %[" s0 "], %[" t0 "]\n\t"                   \
  "cmovncq %[" s1 "], %[" t1 "]\n\t"                   \
  "cmovncq %[" s2 "], %[" t2 "]\n\t"                   \
  "cmovncq %[" s3 "], %[" t3 "]\n\t"

#define ZKP_P_OPERANDS(PP)                                                                                     \
  [p0] "m"(PP::P[0]), [p1] "m"(PP::P[1]), [p2] "m"(PP::P[2]), [p3] "m"(PP::P[3]), [inv] "m"(MontConst<PP>::INV)

// r = a * b * 2^-256 mod p, fully reduced, for a < p and any b < 2^256 (b may be an unreduced sum < 2p).
// 16 MULX for a * b, 16 MULX + 4 IMUL for the reduction, interleaved row by row (CIOS).
template <class PP>
ZKP_INLINE void mont_mul_adx(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  uint64_t t0, t1, t2, t3, A, ax, bp, dx;
  asm("movq %[b0], %%rdx\n\t"
      "xorl %k[ax], %k[ax]\n\t"
      "mulxq %[a0], %[t0], %[t1]\n\t"
      "mulxq %[a1], %[ax], %[t2]\n\t"
      "adoxq %[ax], %[t1]\n\t"
      "mulxq %[a2], %[ax], %[t3]\n\t"
      "adoxq %[ax], %[t2]\n\t"
      "mulxq %[a3], %[ax], %[A]\n\t"
      "adoxq %[ax], %[t3]\n\t"
      "movl $0, %k[ax]\n\t"
      "adoxq %[ax], %[A]\n\t"  //
      ZKP_CIOS_RED             //
      ZKP_CIOS_MULROW("b1")    //
      ZKP_CIOS_RED             //
      ZKP_CIOS_MULROW("b2")    //
      ZKP_CIOS_RED             //
      ZKP_CIOS_MULROW("b3")    //
      ZKP_CIOS_RED             //
      ZKP_FINAL_SUB("t0", "t1", "t2", "t3", "ax", "bp", "A", "dx")
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [A] "=&r"(A), [ax] "=&r"(ax),
        [bp] "=&r"(bp), [dx] "=&d"(dx)  // rdx: MULX's implicit operand, then the last scratch
      : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]), [b1] "m"(b[1]),
        [b2] "m"(b[2]), [b3] "m"(b[3]), ZKP_P_OPERANDS(PP)
      : "cc");
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
}

// Montgomery reduction of the low half of a 512-bit value, one round: (t0..t3) = (t + m p) / 2^64 for a
// 4-word t (no fifth word: t + m p < 2^256 + 2^64 p, so the quotient stays below 2^192 + p < 2^256).
#define ZKP_REDC_RED                      \
  "movq %[t0], %%rdx\n\t"                 \
  "imulq %[inv], %%rdx\n\t"               \
  "xorl %k[ax], %k[ax]\n\t"               \
  "mulxq %[p0], %[ax], %[bp]\n\t"         \
  "adcxq %[t0], %[ax]\n\t"                \
  "movq %[bp], %[t0]\n\t"                 \
  "adcxq %[t1], %[t0]\n\t"                \
  "mulxq %[p1], %[ax], %[t1]\n\t"         \
  "adoxq %[ax], %[t0]\n\t"                \
  "adcxq %[t2], %[t1]\n\t"                \
  "mulxq %[p2], %[ax], %[t2]\n\t"         \
  "adoxq %[ax], %[t1]\n\t"                \
  "adcxq %[t3], %[t2]\n\t"                \
  "mulxq %[p3], %[ax], %[t3]\n\t"         \
  "adoxq %[ax], %[t2]\n\t"                \
  "movl $0, %k[ax]\n\t"                   \
  "adcxq %[ax], %[t3]\n\t"                \
  "adoxq %[ax], %[t3]\n\t"

// REDC of T = (t0..t3, h0..h3) < p 2^256: (T + M p) / 2^256 with M from the low half only, computed as
// (T_low + M p) / 2^256 + T_high (exact), then one conditional subtraction (T < p 2^256 gives a result < 2p).
#define ZKP_REDC_TAIL                     \
  ZKP_REDC_RED ZKP_REDC_RED ZKP_REDC_RED ZKP_REDC_RED \
  "addq %[h0], %[t0]\n\t"                 \
  "adcq %[h1], %[t1]\n\t"                 \
  "adcq %[h2], %[t2]\n\t"                 \
  "adcq %[h3], %[t3]\n\t"                 \
  ZKP_FINAL_SUB("t0", "t1", "t2", "t3", "ax", "bp", "h0", "h1")

// r = a^2 * 2^-256 mod p (a < p): the 512-bit square with 10 MULX (6 cross products, doubled, plus 4 squares)
// instead of 16, then REDC (16 MULX + 4 IMUL). Same result as mont_mul_adx(a, a).
template <class PP>
ZKP_INLINE void mont_sqr_adx(uint64_t* r, const uint64_t* a) {
  uint64_t t0, t1, t2, t3, h0, h1, h2, h3, ax, bp;
  asm(  // cross products a_i a_j (i < j) into words 1..6: CF chain for row a0, OF chain for a1 a2
      "xorl %k[ax], %k[ax]\n\t"
      "movq %[a0], %%rdx\n\t"
      "mulxq %[a1], %[t1], %[t2]\n\t"
      "mulxq %[a2], %[ax], %[t3]\n\t"
      "adcxq %[ax], %[t2]\n\t"
      "mulxq %[a3], %[ax], %[h0]\n\t"
      "adcxq %[ax], %[t3]\n\t"
      "movq %[a1], %%rdx\n\t"
      "mulxq %[a3], %[ax], %[h1]\n\t"
      "adcxq %[ax], %[h0]\n\t"
      "movl $0, %k[ax]\n\t"
      "adcxq %[ax], %[h1]\n\t"
      "mulxq %[a2], %[ax], %[bp]\n\t"
      "adoxq %[ax], %[t3]\n\t"
      "adoxq %[bp], %[h0]\n\t"
      "movq %[a2], %%rdx\n\t"
      "mulxq %[a3], %[ax], %[h2]\n\t"
      "adoxq %[ax], %[h1]\n\t"
      "movl $0, %k[ax]\n\t"
      "adoxq %[ax], %[h2]\n\t"
      // double the cross products (CF chain: x + x) and add the squares a_i^2 (OF chain)
      "movq %[a0], %%rdx\n\t"
      "mulxq %%rdx, %[t0], %[bp]\n\t"
      "xorl %k[ax], %k[ax]\n\t"
      "adcxq %[t1], %[t1]\n\t"
      "adoxq %[bp], %[t1]\n\t"
      "movq %[a1], %%rdx\n\t"
      "mulxq %%rdx, %[ax], %[bp]\n\t"
      "adcxq %[t2], %[t2]\n\t"
      "adoxq %[ax], %[t2]\n\t"
      "adcxq %[t3], %[t3]\n\t"
      "adoxq %[bp], %[t3]\n\t"
      "movq %[a2], %%rdx\n\t"
      "mulxq %%rdx, %[ax], %[bp]\n\t"
      "adcxq %[h0], %[h0]\n\t"
      "adoxq %[ax], %[h0]\n\t"
      "adcxq %[h1], %[h1]\n\t"
      "adoxq %[bp], %[h1]\n\t"
      "movq %[a3], %%rdx\n\t"
      "mulxq %%rdx, %[ax], %[h3]\n\t"
      "adcxq %[h2], %[h2]\n\t"
      "adoxq %[ax], %[h2]\n\t"
      "movl $0, %k[ax]\n\t"
      "adcxq %[ax], %[h3]\n\t"
      "adoxq %[ax], %[h3]\n\t"  //
      ZKP_REDC_TAIL
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [h0] "=&r"(h0), [h1] "=&r"(h1),
        [h2] "=&r"(h2), [h3] "=&r"(h3), [ax] "=&r"(ax), [bp] "=&r"(bp)
      : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), ZKP_P_OPERANDS(PP)
      : "rdx", "cc");
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
}

// T = a * b, the full 512-bit product of two 4-word integers (any values).
ZKP_INLINE void mul_wide_adx(uint64_t* T, const uint64_t* a, const uint64_t* b) {
  uint64_t t0, t1, t2, t3, t4, t5, t6, t7;
  [[maybe_unused]] uint64_t ax, bp;  // asm scratch
  asm("movq %[b0], %%rdx\n\t"
      "xorl %k[ax], %k[ax]\n\t"
      "mulxq %[a0], %[t0], %[t1]\n\t"
      "mulxq %[a1], %[ax], %[t2]\n\t"
      "adcxq %[ax], %[t1]\n\t"
      "mulxq %[a2], %[ax], %[t3]\n\t"
      "adcxq %[ax], %[t2]\n\t"
      "mulxq %[a3], %[ax], %[t4]\n\t"
      "adcxq %[ax], %[t3]\n\t"
      "movl $0, %k[ax]\n\t"
      "adcxq %[ax], %[t4]\n\t"
#define ZKP_WIDE_ROW(bi, R0, R1, R2, R3, R4) \
  "movq %[" bi "], %%rdx\n\t"                \
  "xorl %k[ax], %k[ax]\n\t"                  \
  "mulxq %[a0], %[ax], %[bp]\n\t"            \
  "adoxq %[ax], %[" R0 "]\n\t"               \
  "adcxq %[bp], %[" R1 "]\n\t"               \
  "mulxq %[a1], %[ax], %[bp]\n\t"            \
  "adoxq %[ax], %[" R1 "]\n\t"               \
  "adcxq %[bp], %[" R2 "]\n\t"               \
  "mulxq %[a2], %[ax], %[bp]\n\t"            \
  "adoxq %[ax], %[" R2 "]\n\t"               \
  "adcxq %[bp], %[" R3 "]\n\t"               \
  "mulxq %[a3], %[ax], %[" R4 "]\n\t"        \
  "adoxq %[ax], %[" R3 "]\n\t"               \
  "movl $0, %k[ax]\n\t"                      \
  "adcxq %[ax], %[" R4 "]\n\t"               \
  "adoxq %[ax], %[" R4 "]\n\t"
      ZKP_WIDE_ROW("b1", "t1", "t2", "t3", "t4", "t5")  //
      ZKP_WIDE_ROW("b2", "t2", "t3", "t4", "t5", "t6")  //
      ZKP_WIDE_ROW("b3", "t3", "t4", "t5", "t6", "t7")
#undef ZKP_WIDE_ROW
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),
        [t6] "=&r"(t6), [t7] "=&r"(t7), [ax] "=&r"(ax), [bp] "=&r"(bp)
      : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]), [b1] "m"(b[1]),
        [b2] "m"(b[2]), [b3] "m"(b[3])
      : "rdx", "cc");
  T[0] = t0;
  T[1] = t1;
  T[2] = t2;
  T[3] = t3;
  T[4] = t4;
  T[5] = t5;
  T[6] = t6;
  T[7] = t7;
}

// r = T * 2^-256 mod p for a 512-bit T < p * 2^256, fully reduced.
template <class PP>
ZKP_INLINE void redc_adx(uint64_t* r, const uint64_t* T) {
  uint64_t t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], h0 = T[4], h1 = T[5], ax, bp;
  asm(ZKP_REDC_TAIL
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [h0] "+&r"(h0), [h1] "+&r"(h1),
        [ax] "=&r"(ax), [bp] "=&r"(bp)
      : [h2] "m"(T[6]), [h3] "m"(T[7]), ZKP_P_OPERANDS(PP)
      : "rdx", "cc");
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
}
#undef ZKP_CIOS_RED
#undef ZKP_CIOS_MULROW
#undef ZKP_REDC_RED
#endif  // ZKP_HAVE_ADX

#if defined(__x86_64__) && !defined(ZKP_NO_ASM)
#define ZKP_HAVE_ASM_ADD 1
// r = a + b mod p (a, b < p): a + b < 2p < 2^255 never carries out; then t - p into copies, kept when it did
// not borrow. One add chain, one subtract chain (pipelined) and 4 CMOV: ~6 cycles of latency.
template <class PP>
ZKP_INLINE void add_mod_asm(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3], s0, s1, s2, s3;
  asm("addq %[b0], %[t0]\n\t"
      "adcq %[b1], %[t1]\n\t"
      "adcq %[b2], %[t2]\n\t"
      "adcq %[b3], %[t3]\n\t"  //
      ZKP_FINAL_SUB("t0", "t1", "t2", "t3", "s0", "s1", "s2", "s3")
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [s0] "=&r"(s0), [s1] "=&r"(s1),
        [s2] "=&r"(s2), [s3] "=&r"(s3)
      : [b0] "rm"(b[0]), [b1] "rm"(b[1]), [b2] "rm"(b[2]), [b3] "rm"(b[3]), [p0] "m"(PP::P[0]),
        [p1] "m"(PP::P[1]), [p2] "m"(PP::P[2]), [p3] "m"(PP::P[3])
      : "cc");
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
}
// r = a - b mod p (a, b < p): both candidates are computed from the inputs, u = (a + p) - b (never
// negative, a + p < 2^255) and t = a - b, and t is replaced by u when t borrowed. The two chains are
// independent, so the latency is one chain plus a CMOV instead of subtract, mask, add.
template <class PP>
ZKP_INLINE void sub_mod_asm(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3], u0, u1, u2, u3;
  asm("movq %[t0], %[u0]\n\t"
      "addq %[p0], %[u0]\n\t"
      "movq %[t1], %[u1]\n\t"
      "adcq %[p1], %[u1]\n\t"
      "movq %[t2], %[u2]\n\t"
      "adcq %[p2], %[u2]\n\t"
      "movq %[t3], %[u3]\n\t"
      "adcq %[p3], %[u3]\n\t"
      "subq %[b0], %[u0]\n\t"
      "sbbq %[b1], %[u1]\n\t"
      "sbbq %[b2], %[u2]\n\t"
      "sbbq %[b3], %[u3]\n\t"
      "subq %[b0], %[t0]\n\t"
      "sbbq %[b1], %[t1]\n\t"
      "sbbq %[b2], %[t2]\n\t"
      "sbbq %[b3], %[t3]\n\t"
      "cmovcq %[u0], %[t0]\n\t"
      "cmovcq %[u1], %[t1]\n\t"
      "cmovcq %[u2], %[t2]\n\t"
      "cmovcq %[u3], %[t3]\n\t"
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [u0] "=&r"(u0), [u1] "=&r"(u1),
        [u2] "=&r"(u2), [u3] "=&r"(u3)
      : [b0] "rm"(b[0]), [b1] "rm"(b[1]), [b2] "rm"(b[2]), [b3] "rm"(b[3]), [p0] "m"(PP::P[0]),
        [p1] "m"(PP::P[1]), [p2] "m"(PP::P[2]), [p3] "m"(PP::P[3])
      : "cc");
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
}
#endif  // ZKP_HAVE_ASM_ADD
#undef ZKP_FINAL_SUB
#undef ZKP_P_OPERANDS

// ---- portable kernels (no BMI2/ADX, or -DZKP_NO_ASM): same results, same contracts ----

// CIOS with the same no-carry shortcut, in unsigned __int128.
template <class PP>
ZKP_INLINE void mont_mul_portable(uint64_t* r, const uint64_t* a, const uint64_t* b) {
  const uint64_t INV = MontConst<PP>::INV;
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  const uint64_t p0 = PP::P[0], p1 = PP::P[1], p2 = PP::P[2], p3 = PP::P[3];
  for (int i = 0; i < 4; i++) {
    const uint64_t bi = b[i];
    u128 x = (u128)a[0] * bi + t0;
    uint64_t A = (uint64_t)(x >> 64);
    t0 = (uint64_t)x;
    uint64_t m = t0 * INV;
    u128 y = (u128)m * p0 + t0;
    uint64_t C = (uint64_t)(y >> 64);
    x = (u128)a[1] * bi + t1 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * p1 + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t0 = (uint64_t)y;
    x = (u128)a[2] * bi + t2 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * p2 + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t1 = (uint64_t)y;
    x = (u128)a[3] * bi + t3 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * p3 + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t2 = (uint64_t)y;
    t3 = C + A;
  }
  r[0] = t0;
  r[1] = t1;
  r[2] = t2;
  r[3] = t3;
  u256_reduce_once(r, PP::P);
}

inline void mul_wide_portable(uint64_t* T, const uint64_t* a, const uint64_t* b) {
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
  memcpy(T, t, 64);
}

// REDC of T < p 2^256: (T_low + M p) / 2^256 + T_high, one conditional subtraction.
template <class PP>
inline void redc_portable(uint64_t* r, const uint64_t* T) {
  const uint64_t INV = MontConst<PP>::INV;
  uint64_t t[4] = {T[0], T[1], T[2], T[3]};
  for (int i = 0; i < 4; i++) {
    uint64_t m = t[0] * INV;
    u128 y = (u128)m * PP::P[0] + t[0];
    uint64_t c = (uint64_t)(y >> 64);
    for (int j = 1; j < 4; j++) {
      y = (u128)m * PP::P[j] + t[j] + c;
      t[j - 1] = (uint64_t)y;
      c = (uint64_t)(y >> 64);
    }
    t[3] = c;
  }
  u256_add(r, t, T + 4);
  u256_reduce_once(r, PP::P);
}

// ---- dispatch ----
template <class PP>
ZKP_INLINE void mont_mul(uint64_t* r, const uint64_t* a, const uint64_t* b) {
#ifdef ZKP_HAVE_ADX
  mont_mul_adx<PP>(r, a, b);
#else
  mont_mul_portable<PP>(r, a, b);
#endif
}
template <class PP>
ZKP_INLINE void mont_sqr(uint64_t* r, const uint64_t* a) {
#ifdef ZKP_HAVE_ADX
  mont_sqr_adx<PP>(r, a);
#else
  mont_mul_portable<PP>(r, a, a);
#endif
}
ZKP_INLINE void mul_wide(uint64_t* T, const uint64_t* a, const uint64_t* b) {
#ifdef ZKP_HAVE_ADX
  mul_wide_adx(T, a, b);
#else
  mul_wide_portable(T, a, b);
#endif
}
template <class PP>
ZKP_INLINE void redc(uint64_t* r, const uint64_t* T) {
#ifdef ZKP_HAVE_ADX
  redc_adx<PP>(r, T);
#else
  redc_portable<PP>(r, T);
#endif
}

#ifdef ZKP_COUNT_MULS
inline std::atomic<uint64_t>& mul_count() {
  static std::atomic<uint64_t> c{0};
  return c;
}
#define ZKP_COUNT_MUL() (mul_count()++)  // measurement builds only (g++ -DZKP_COUNT_MULS)
#else
#define ZKP_COUNT_MUL() ((void)0)
#endif

template <class PP>
struct Fp {
  uint64_t v[4];

  static constexpr uint64_t INV = MontConst<PP>::INV;
  static const Fp& R2() {
    static const Fp r2 = compute_r_pow(512);
    return r2;
  }
  static const Fp& one() {
    static const Fp o = compute_r_pow(256);
    return o;
  }
  static Fp zero() { return Fp{{0, 0, 0, 0}}; }

  // 2^k mod p as a raw integer (k >= 0), by doubling.
  static Fp compute_r_pow(int k) {
    Fp r{{1, 0, 0, 0}};
    for (int i = 0; i < k; i++) r = r + r;
    return r;
  }

  bool is_zero() const { return u256_is_zero(v); }
  bool operator==(const Fp& o) const {
    return v[0] == o.v[0] && v[1] == o.v[1] && v[2] == o.v[2] && v[3] == o.v[3];
  }
  bool operator!=(const Fp& o) const { return !(*this == o); }

  // p < 2^254, so a + b < 2^255 never carries out of 256 bits
  ZKP_INLINE friend Fp operator+(const Fp& a, const Fp& b) {
    Fp r;
#ifdef ZKP_HAVE_ASM_ADD
    add_mod_asm<PP>(r.v, a.v, b.v);
#else
    u256_add(r.v, a.v, b.v);
    u256_reduce_once(r.v, PP::P);
#endif
    return r;
  }
  ZKP_INLINE friend Fp operator-(const Fp& a, const Fp& b) {
    Fp r;
#ifdef ZKP_HAVE_ASM_ADD
    sub_mod_asm<PP>(r.v, a.v, b.v);
#else
    uint64_t borrow = u256_sub(r.v, a.v, b.v);
    uint64_t mask = (uint64_t)0 - borrow;
    const uint64_t pm[4] = {PP::P[0] & mask, PP::P[1] & mask, PP::P[2] & mask, PP::P[3] & mask};
    u256_add(r.v, r.v, pm);
#endif
    return r;
  }
  Fp neg() const {
    if (is_zero()) return *this;
    Fp r;
    u256_sub(r.v, PP::P, v);
    return r;
  }
  ZKP_INLINE Fp dbl() const { return *this + *this; }

  // Montgomery multiplication: a * b * 2^-256 mod p, fully reduced (see mont_mul_adx).
  ZKP_INLINE friend Fp operator*(const Fp& a, const Fp& b) {
    ZKP_COUNT_MUL();
    Fp r;
    mont_mul<PP>(r.v, a.v, b.v);
    return r;
  }
  // a^2: dedicated squaring (10 instead of 16 multiplications for the 512-bit product), same result as a * a.
  ZKP_INLINE Fp sqr() const {
    ZKP_COUNT_MUL();
    Fp r;
    mont_sqr<PP>(r.v, v);
    return r;
  }
  // a * b where b may be an unreduced sum (b < 2^256, e.g. x + y with x, y < p): the CIOS result is below
  // a + p, so one conditional subtraction reduces it fully as long as a itself is reduced.
  ZKP_INLINE static Fp mul_lazy(const Fp& a, const uint64_t* b) {
    ZKP_COUNT_MUL();
    Fp r;
    mont_mul<PP>(r.v, a.v, b);
    return r;
  }

  // plain integer (< p) -> Montgomery
  static Fp from_plain(const uint64_t* a) {
    Fp x{{a[0], a[1], a[2], a[3]}};
    return x * R2();
  }
  static Fp from_u64(uint64_t a) {
    uint64_t t[4] = {a, 0, 0, 0};
    return from_plain(t);
  }
  // Montgomery -> plain integer
  U256 to_plain() const {
    Fp o{{1, 0, 0, 0}};
    Fp r = *this * o;
    return U256{{r.v[0], r.v[1], r.v[2], r.v[3]}};
  }
  static Fp from_dec(const std::string& s) {
    U256 u = u256_from_dec(s);
    if (u256_geq(u.v, PP::P)) throw std::runtime_error("number not below the field modulus");
    return from_plain(u.v);
  }
  std::string to_dec() const {
    U256 u = to_plain();
    return u256_to_dec(u.v);
  }

  // this^e for a plain 256-bit exponent
  Fp pow(const uint64_t* e) const {
    Fp r = one();
    for (int i = 255; i >= 0; i--) {
      r = r.sqr();
      if ((e[i / 64] >> (i % 64)) & 1) r = r * *this;
    }
    return r;
  }
  // Inverse by the binary extended Euclidean algorithm on the Montgomery representative x = a*R:
  // x^-1 = a^-1 * R^-1, then one Montgomery product with R^3 gives a^-1 * R. inv(0) = 0.
  // Invariants x1 x = u, x2 x = w (mod p). Each step removes all factors of two at once: u >>= t with
  // t = ctz(u) (<= 63 per step), and x1 / 2^t mod p as (x1 + m p) / 2^t with m = x1 (-p^-1) mod 2^t (the
  // Montgomery trick: x1 + m p = 0 mod 2^t; the quotient is below 2p, one conditional subtraction). The
  // previous version (kept as inv_bitwise, the self-test's reference) halved one bit at a time: ~3x slower.
  Fp inv() const {
    if (is_zero()) return *this;
    static const Fp R3 = compute_r_pow(768);
    uint64_t u[4] = {v[0], v[1], v[2], v[3]};
    uint64_t w[4] = {PP::P[0], PP::P[1], PP::P[2], PP::P[3]};
    uint64_t x1[4] = {1, 0, 0, 0}, x2[4] = {0, 0, 0, 0};
    auto shr = [](uint64_t* a, unsigned t) {  // 0 < t < 64
      a[0] = (a[0] >> t) | (a[1] << (64 - t));
      a[1] = (a[1] >> t) | (a[2] << (64 - t));
      a[2] = (a[2] >> t) | (a[3] << (64 - t));
      a[3] >>= t;
    };
    auto div2k = [](uint64_t* x, unsigned t) {  // x = x / 2^t mod p, 0 < t < 64, x < p
      const uint64_t m = (x[0] * MontConst<PP>::INV) & ((~0ULL) >> (64 - t));
      uint64_t y[5];
      uint64_t c = 0;
      for (int i = 0; i < 4; i++) {
        u128 s = (u128)m * PP::P[i] + x[i] + c;
        y[i] = (uint64_t)s;
        c = (uint64_t)(s >> 64);
      }
      y[4] = c;
      for (int i = 0; i < 4; i++) x[i] = (y[i] >> t) | (y[i + 1] << (64 - t));
      u256_reduce_once(x, PP::P);
    };
    auto sub_mod = [](uint64_t* a, const uint64_t* b) {  // a = a - b mod p
      if (u256_sub(a, a, b)) u256_add(a, a, PP::P);
    };
    auto is_one = [](const uint64_t* a) { return a[0] == 1 && (a[1] | a[2] | a[3]) == 0; };
    for (;;) {
      while ((u[0] & 1) == 0) {
        const unsigned t = u[0] ? (unsigned)__builtin_ctzll(u[0]) : 63;
        shr(u, t);
        div2k(x1, t);
      }
      while ((w[0] & 1) == 0) {
        const unsigned t = w[0] ? (unsigned)__builtin_ctzll(w[0]) : 63;
        shr(w, t);
        div2k(x2, t);
      }
      if (is_one(u) || is_one(w)) break;
      if (u256_geq(u, w)) {
        u256_sub(u, u, w);
        sub_mod(x1, x2);
      } else {
        u256_sub(w, w, u);
        sub_mod(x2, x1);
      }
    }
    Fp r;
    const uint64_t* res = is_one(u) ? x1 : x2;
    for (int i = 0; i < 4; i++) r.v[i] = res[i];
    return r * R3;
  }
  Fp inv_bitwise() const {
    if (is_zero()) return *this;
    static const Fp R3 = compute_r_pow(768);
    uint64_t u[4] = {v[0], v[1], v[2], v[3]};
    uint64_t w[4] = {PP::P[0], PP::P[1], PP::P[2], PP::P[3]};
    uint64_t x1[4] = {1, 0, 0, 0}, x2[4] = {0, 0, 0, 0};
    auto is_one = [](const uint64_t* a) { return a[0] == 1 && (a[1] | a[2] | a[3]) == 0; };
    auto shr1 = [](uint64_t* a) {
      a[0] = (a[0] >> 1) | (a[1] << 63);
      a[1] = (a[1] >> 1) | (a[2] << 63);
      a[2] = (a[2] >> 1) | (a[3] << 63);
      a[3] >>= 1;
    };
    auto half_mod = [&](uint64_t* a) {  // a / 2 mod p
      if (a[0] & 1) u256_add(a, a, PP::P);  // a < p < 2^254: no carry out
      shr1(a);
    };
    auto sub_mod = [](uint64_t* a, const uint64_t* b) {  // a = a - b mod p
      if (u256_sub(a, a, b)) u256_add(a, a, PP::P);
    };
    while (!is_one(u) && !is_one(w)) {
      while ((u[0] & 1) == 0) {
        shr1(u);
        half_mod(x1);
      }
      while ((w[0] & 1) == 0) {
        shr1(w);
        half_mod(x2);
      }
      if (u256_geq(u, w)) {
        u256_sub(u, u, w);
        sub_mod(x1, x2);
      } else {
        u256_sub(w, w, u);
        sub_mod(x2, x1);
      }
    }
    Fp r;
    const uint64_t* res = is_one(u) ? x1 : x2;
    for (int i = 0; i < 4; i++) r.v[i] = res[i];
    return r * R3;
  }
};

typedef Fp<FqParams> Fq;
typedef Fp<FrParams> Fr;

// Fq2 = Fq[u] / (u^2 + 1)
struct Fq2 {
  Fq c0, c1;
  static Fq2 zero() { return Fq2{Fq::zero(), Fq::zero()}; }
  static Fq2 one() { return Fq2{Fq::one(), Fq::zero()}; }
  bool is_zero() const { return c0.is_zero() && c1.is_zero(); }
  bool operator==(const Fq2& o) const { return c0 == o.c0 && c1 == o.c1; }
  bool operator!=(const Fq2& o) const { return !(*this == o); }
  ZKP_INLINE friend Fq2 operator+(const Fq2& a, const Fq2& b) { return Fq2{a.c0 + b.c0, a.c1 + b.c1}; }
  ZKP_INLINE friend Fq2 operator-(const Fq2& a, const Fq2& b) { return Fq2{a.c0 - b.c0, a.c1 - b.c1}; }
  // Karatsuba with lazy reduction: the three 512-bit products a0 b0, a1 b1, (a0 + a1)(b0 + b1) are combined
  // before reducing, so two Montgomery reductions instead of three (and the sums a0 + a1, b0 + b1 < 2p stay
  // unreduced: their product < 4p^2 fits in 512 bits).
  //   c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 = a0 b1 + a1 b0, in [0, 2p^2) < p 2^256 (2p < 2^256);
  //   c0 = a0 b0 - a1 b1, in (-p^2, p^2): when negative, p 2^256 is added (p to the high half), giving a
  //        value in [0, p 2^256) with the same residue (p 2^256 = 0 mod p, and REDC divides by 2^256 exactly).
  // REDC of a value below p 2^256 is below 2p, reduced by one conditional subtraction.
  // Not inlined: ~90 multiplications' worth of code; inlined into the bucket loops it overflowed the
  // instruction cache (a 60 KB G2 flush), and a call costs a few cycles against ~130.
  __attribute__((noinline)) friend Fq2 operator*(const Fq2& a, const Fq2& b) {
    ZKP_COUNT_MUL();
    ZKP_COUNT_MUL();
    ZKP_COUNT_MUL();
    uint64_t sa[4], sb[4], t00[8], t11[8], t01[8], d0[8], d1[8];
    u256_add(sa, a.c0.v, a.c1.v);
    u256_add(sb, b.c0.v, b.c1.v);
    mul_wide(t00, a.c0.v, b.c0.v);
    mul_wide(t11, a.c1.v, b.c1.v);
    mul_wide(t01, sa, sb);
    // d0 = t00 - t11 (mod 2^512), + p 2^256 when it borrowed
    uint64_t borrow = u512_sub(d0, t00, t11);
    const uint64_t mask = (uint64_t)0 - borrow;
    const uint64_t pm[4] = {FqParams::P[0] & mask, FqParams::P[1] & mask, FqParams::P[2] & mask,
                            FqParams::P[3] & mask};
    u256_add(d0 + 4, d0 + 4, pm);
    // d1 = t01 - t00 - t11 (no borrow: the value is a0 b1 + a1 b0 >= 0)
    u512_sub(d1, t01, t00);
    u512_sub(d1, d1, t11);
    Fq2 r;
    redc<FqParams>(r.c0.v, d0);
    redc<FqParams>(r.c1.v, d1);
    return r;
  }
  // (c0 + c1 u)^2 = (c0 + c1)(c0 - c1) + 2 c0 c1 u; the sums c0 + c1 and c1 + c1 (< 2p) go unreduced into
  // the second operand of the multiplication (mul_lazy), the first operand being reduced.
  __attribute__((noinline)) Fq2 sqr() const {
    uint64_t s[4], d[4];
    u256_add(s, c0.v, c1.v);
    u256_add(d, c1.v, c1.v);
    return Fq2{Fq::mul_lazy(c0 - c1, s), Fq::mul_lazy(c0, d)};
  }
  Fq2 neg() const { return Fq2{c0.neg(), c1.neg()}; }
  ZKP_INLINE Fq2 dbl() const { return *this + *this; }
  Fq2 inv() const {
    Fq n = (c0.sqr() + c1.sqr()).inv();
    return Fq2{c0 * n, (c1 * n).neg()};
  }
};

}  // namespace zkp

// BN254 prime fields in Montgomery form (4 x 64-bit limbs, R = 2^256), the quadratic extension Fq2,
// and 256-bit integer helpers. Written from the field definitions; the byte layout of an element
// (4 little-endian u64 limbs, Montgomery form) is the one snarkjs uses for zkey points.
#pragma once
#include <atomic>
#include <cstdint>
#if defined(__x86_64__)
#include <immintrin.h>
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


#if defined(__x86_64__) && defined(__BMI2__) && defined(__ADX__) && !defined(ZKP_NO_ASM)
#define ZKP_HAVE_ASM_MUL 1
// 4-limb Montgomery product with MULX / ADCX / ADOX (two carry chains), same no-carry CIOS as below.
__attribute__((noinline)) inline void mont_mul_asm(uint64_t* o, const uint64_t* a, const uint64_t* b,
                                                        const uint64_t* p, uint64_t inv) {
  asm(
      "xorq %%r10, %%r10\n\t"
      "xorq %%r11, %%r11\n\t"
      "xorq %%r12, %%r12\n\t"
      "xorq %%r13, %%r13\n\t"
      "xorq %%r14, %%r14\n\t"
      "movq 0(%[b]), %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "mulxq 8(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "mulxq 16(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 24(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "adoxq %%r15, %%r14\n\t"
      "movq %%r10, %%rdx\n\t"
      "imulq %[inv], %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "mulxq 8(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "mulxq 16(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 24(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "adoxq %%r15, %%r14\n\t"
      "movq 8(%[b]), %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "mulxq 8(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 16(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 24(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "adoxq %%r15, %%r10\n\t"
      "movq %%r11, %%rdx\n\t"
      "imulq %[inv], %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "mulxq 8(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 16(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 24(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "adoxq %%r15, %%r10\n\t"
      "movq 16(%[b]), %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 8(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 16(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "mulxq 24(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "adoxq %%r15, %%r11\n\t"
      "movq %%r12, %%rdx\n\t"
      "imulq %[inv], %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r12\n\t"
      "adcxq %%r9, %%r13\n\t"
      "mulxq 8(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 16(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "mulxq 24(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "adoxq %%r15, %%r11\n\t"
      "movq 24(%[b]), %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 8(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "mulxq 16(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "mulxq 24(%[a]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "adoxq %%r15, %%r12\n\t"
      "movq %%r13, %%rdx\n\t"
      "imulq %[inv], %%rdx\n\t"
      "xorq %%r15, %%r15\n\t"
      "mulxq 0(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r13\n\t"
      "adcxq %%r9, %%r14\n\t"
      "mulxq 8(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r14\n\t"
      "adcxq %%r9, %%r10\n\t"
      "mulxq 16(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adcxq %%r9, %%r11\n\t"
      "mulxq 24(%[p]), %%r8, %%r9\n\t"
      "adoxq %%r8, %%r11\n\t"
      "adcxq %%r9, %%r12\n\t"
      "adoxq %%r15, %%r12\n\t"
      // conditional final subtraction: t - p, keep t when it borrowed
      "movq %%r14, %%rdx\n\t"
      "subq 0(%[p]), %%rdx\n\t"
      "movq %%r10, %%r8\n\t"
      "sbbq 8(%[p]), %%r8\n\t"
      "movq %%r11, %%r9\n\t"
      "sbbq 16(%[p]), %%r9\n\t"
      "movq %%r12, %%r15\n\t"
      "sbbq 24(%[p]), %%r15\n\t"
      "cmovcq %%r14, %%rdx\n\t"
      "cmovcq %%r10, %%r8\n\t"
      "cmovcq %%r11, %%r9\n\t"
      "cmovcq %%r12, %%r15\n\t"
      "movq %%rdx, %[o0]\n\t"
      "movq %%r8, %[o1]\n\t"
      "movq %%r9, %[o2]\n\t"
      "movq %%r15, %[o3]\n\t"
      : [o0] "=m"(o[0]), [o1] "=m"(o[1]), [o2] "=m"(o[2]), [o3] "=m"(o[3])
      : [a] "r"(a), [b] "r"(b), [p] "r"(p), [inv] "r"(inv), "m"(*(const uint64_t(*)[4])a),
        "m"(*(const uint64_t(*)[4])b), "m"(*(const uint64_t(*)[4])p)
      : "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc");
}
#endif

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

#ifdef ZKP_COUNT_MULS
inline std::atomic<uint64_t>& mul_count() {
  static std::atomic<uint64_t> c{0};
  return c;
}
#endif

template <class PP>
struct Fp {
  uint64_t v[4];

  static constexpr uint64_t INV = mont_inv(PP::P[0]);
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
  __attribute__((always_inline)) friend inline Fp operator+(const Fp& a, const Fp& b) {
    Fp r;
    u256_add(r.v, a.v, b.v);
    u256_reduce_once(r.v, PP::P);
    return r;
  }
  __attribute__((always_inline)) friend inline Fp operator-(const Fp& a, const Fp& b) {
    Fp r;
    uint64_t borrow = u256_sub(r.v, a.v, b.v);
    uint64_t mask = (uint64_t)0 - borrow;
    const uint64_t pm[4] = {PP::P[0] & mask, PP::P[1] & mask, PP::P[2] & mask, PP::P[3] & mask};
    u256_add(r.v, r.v, pm);
    return r;
  }
  Fp neg() const {
    if (is_zero()) return *this;
    Fp r;
    u256_sub(r.v, PP::P, v);
    return r;
  }
  Fp dbl() const { return *this + *this; }

  // Montgomery multiplication: a * b * 2^-256 mod p. CIOS with the "no-carry" shortcut, valid because the
  // top limb of both BN254 moduli is below 2^63 - 1 (intermediate values stay below 2p < 2^256).
  __attribute__((always_inline)) friend inline Fp operator*(const Fp& a, const Fp& b) {
#ifdef ZKP_COUNT_MULS
    mul_count()++;  // measurement builds only (g++ -DZKP_COUNT_MULS): field multiplications per proof
#endif
#ifdef ZKP_HAVE_ASM_MUL
    Fp r;
    mont_mul_asm(r.v, a.v, b.v, PP::P, INV);  // fully reduced
    return r;
#else
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    const uint64_t p0 = PP::P[0], p1 = PP::P[1], p2 = PP::P[2], p3 = PP::P[3];
#define ZKP_MONT_ROUND(bi)                                          \
    {                                                               \
      u128 x = (u128)a.v[0] * (bi) + t0;                            \
      uint64_t A = (uint64_t)(x >> 64);                             \
      t0 = (uint64_t)x;                                             \
      uint64_t m = t0 * INV;                                        \
      u128 y = (u128)m * p0 + t0;                                   \
      uint64_t C = (uint64_t)(y >> 64);                             \
      x = (u128)a.v[1] * (bi) + t1 + A;                             \
      A = (uint64_t)(x >> 64);                                      \
      y = (u128)m * p1 + (uint64_t)x + C;                           \
      C = (uint64_t)(y >> 64);                                      \
      t0 = (uint64_t)y;                                             \
      x = (u128)a.v[2] * (bi) + t2 + A;                             \
      A = (uint64_t)(x >> 64);                                      \
      y = (u128)m * p2 + (uint64_t)x + C;                           \
      C = (uint64_t)(y >> 64);                                      \
      t1 = (uint64_t)y;                                             \
      x = (u128)a.v[3] * (bi) + t3 + A;                             \
      A = (uint64_t)(x >> 64);                                      \
      y = (u128)m * p3 + (uint64_t)x + C;                           \
      C = (uint64_t)(y >> 64);                                      \
      t2 = (uint64_t)y;                                             \
      t3 = C + A;                                                   \
    }
    ZKP_MONT_ROUND(b.v[0])
    ZKP_MONT_ROUND(b.v[1])
    ZKP_MONT_ROUND(b.v[2])
    ZKP_MONT_ROUND(b.v[3])
#undef ZKP_MONT_ROUND
    Fp r{{t0, t1, t2, t3}};
    if (u256_geq(r.v, PP::P)) u256_sub(r.v, r.v, PP::P);
    return r;
#endif
  }
  Fp sqr() const { return *this * *this; }

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
  Fp inv() const {
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
  friend inline Fq2 operator+(const Fq2& a, const Fq2& b) { return Fq2{a.c0 + b.c0, a.c1 + b.c1}; }
  friend inline Fq2 operator-(const Fq2& a, const Fq2& b) { return Fq2{a.c0 - b.c0, a.c1 - b.c1}; }
  friend inline Fq2 operator*(const Fq2& a, const Fq2& b) {
    Fq t0 = a.c0 * b.c0;
    Fq t1 = a.c1 * b.c1;
    Fq t2 = (a.c0 + a.c1) * (b.c0 + b.c1);
    return Fq2{t0 - t1, t2 - t0 - t1};
  }
  Fq2 sqr() const {
    Fq t = c0 * c1;
    return Fq2{(c0 + c1) * (c0 - c1), t + t};
  }
  Fq2 neg() const { return Fq2{c0.neg(), c1.neg()}; }
  Fq2 dbl() const { return *this + *this; }
  Fq2 inv() const {
    Fq n = (c0.sqr() + c1.sqr()).inv();
    return Fq2{c0 * n, (c1 * n).neg()};
  }
};

}  // namespace zkp

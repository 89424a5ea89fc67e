// CUDA backend: BN254 G1 multi-scalar multiplication on the GPU with the proving key's G1 point sections
// (A, B1, C, H) resident in device memory between proofs. Built only when nvcc is present; the binary uses
// it only when a CUDA device exists at runtime (else gpu_backend() returns null and the CPU path runs).
//
// Algorithm (bucket method, c = 16-bit unsigned windows):
//   1. one thread per (point, window): key = window << 16 | digit, value = point index (digit 0 -> skipped)
//   2. radix sort (key, value) pairs (CUB), run-length encode keys -> buckets with their point ranges
//   3. one thread per non-empty bucket: sum its points (Jacobian + affine mixed additions)
//   4. per window, 256 threads each reduce a slice of buckets to sum(d * B_d) partials; partials summed
//   5. the host combines the window sums with doublings
// The G2 MSM and the NTT stay on the CPU in this version.
#include <cuda_runtime.h>
#include <cub/cub.cuh>

#include <mutex>
#include <string>
#include <vector>

#include "groth16.hpp"

namespace zkp {
namespace cuda {

__constant__ uint64_t QP[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL,
                               0x30644e72e131a029ULL};
__constant__ uint64_t QINV = 0x87d20782e4866389ULL;  // -q^{-1} mod 2^64
// R mod q (Montgomery one)
__constant__ uint64_t QONE[4] = {0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL,
                                 0x0e0a77c19a07df2fULL};

struct fq {
  uint64_t v[4];
};
struct aff {
  fq x, y;
};
struct jac {
  fq X, Y, Z;
};

__device__ __forceinline__ bool fq_is_zero(const fq& a) { return (a.v[0] | a.v[1] | a.v[2] | a.v[3]) == 0; }
__device__ __forceinline__ bool fq_eq(const fq& a, const fq& b) {
  return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
}
__device__ __forceinline__ bool geq_q(const uint64_t* r) {
  for (int i = 3; i >= 0; i--) {
    if (r[i] != QP[i]) return r[i] > QP[i];
  }
  return true;
}
__device__ __forceinline__ void sub_q(uint64_t* r) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t a = r[i];
    uint64_t d = a - QP[i] - borrow;
    borrow = (a < QP[i] + borrow) || (QP[i] + borrow < QP[i]) ? 1 : 0;
    r[i] = d;
  }
}
__device__ __forceinline__ fq fq_add(const fq& a, const fq& b) {
  fq r;
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t s = a.v[i] + carry;
    uint64_t c1 = s < carry;
    uint64_t t = s + b.v[i];
    uint64_t c2 = t < s;
    r.v[i] = t;
    carry = c1 | c2;
  }
  if (carry || geq_q(r.v)) sub_q(r.v);
  return r;
}
__device__ __forceinline__ fq fq_sub(const fq& a, const fq& b) {
  fq r;
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t ai = a.v[i], bi = b.v[i];
    uint64_t d = ai - bi - borrow;
    borrow = (ai < bi) || (ai == bi && borrow) ? 1 : 0;
    r.v[i] = d;
  }
  if (borrow) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
      uint64_t s = r.v[i] + QP[i];
      uint64_t c1 = s < r.v[i];
      uint64_t t = s + carry;
      uint64_t c2 = t < s;
      r.v[i] = t;
      carry = c1 | c2;
    }
  }
  return r;
}
__device__ __forceinline__ fq fq_dbl(const fq& a) { return fq_add(a, a); }
__device__ __forceinline__ fq fq_neg(const fq& a) {
  if (fq_is_zero(a)) return a;
  fq q;
  for (int i = 0; i < 4; i++) q.v[i] = QP[i];
  return fq_sub(q, a);
}

// hi:lo = a * b + c + d (never overflows 128 bits)
__device__ __forceinline__ void mac(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t& lo, uint64_t& hi) {
  uint64_t l = a * b;
  uint64_t h = __umul64hi(a, b);
  l += c;
  h += (l < c);
  l += d;
  h += (l < d);
  lo = l;
  hi = h;
}

// Montgomery product, CIOS with the no-carry shortcut (top limb of q < 2^63 - 1).
__device__ __forceinline__ fq fq_mul(const fq& a, const fq& b) {
  uint64_t t[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    uint64_t A, C, lo, m;
    mac(a.v[0], b.v[i], t[0], 0, lo, A);
    t[0] = lo;
    m = t[0] * QINV;
    mac(m, QP[0], t[0], 0, lo, C);
    for (int j = 1; j < 4; j++) {
      uint64_t x;
      mac(a.v[j], b.v[i], t[j], A, x, A);
      mac(m, QP[j], x, C, lo, C);
      t[j - 1] = lo;
    }
    t[3] = C + A;
  }
  fq r = {{t[0], t[1], t[2], t[3]}};
  if (geq_q(r.v)) sub_q(r.v);
  return r;
}
__device__ __forceinline__ fq fq_sqr(const fq& a) { return fq_mul(a, a); }

__device__ __forceinline__ jac jac_inf() {
  jac r;
  for (int i = 0; i < 4; i++) {
    r.X.v[i] = QONE[i];
    r.Y.v[i] = QONE[i];
    r.Z.v[i] = 0;
  }
  return r;
}
__device__ __forceinline__ bool jac_is_inf(const jac& p) { return fq_is_zero(p.Z); }

__device__ jac jac_dbl(const jac& p) {
  if (jac_is_inf(p)) return p;
  fq A = fq_sqr(p.X), B = fq_sqr(p.Y), C = fq_sqr(B);
  fq D = fq_dbl(fq_sub(fq_sub(fq_sqr(fq_add(p.X, B)), A), C));
  fq E = fq_add(fq_dbl(A), A);
  fq F = fq_sqr(E);
  jac r;
  r.X = fq_sub(F, fq_dbl(D));
  fq C8 = fq_dbl(fq_dbl(fq_dbl(C)));
  r.Y = fq_sub(fq_mul(E, fq_sub(D, r.X)), C8);
  r.Z = fq_dbl(fq_mul(p.Y, p.Z));
  return r;
}

__device__ jac jac_add_mixed(const jac& p, const aff& q) {
  if (fq_is_zero(q.x) && fq_is_zero(q.y)) return p;
  if (jac_is_inf(p)) {
    jac r;
    r.X = q.x;
    r.Y = q.y;
    for (int i = 0; i < 4; i++) r.Z.v[i] = QONE[i];
    return r;
  }
  fq Z1Z1 = fq_sqr(p.Z);
  fq U2 = fq_mul(q.x, Z1Z1);
  fq S2 = fq_mul(fq_mul(q.y, p.Z), Z1Z1);
  fq H = fq_sub(U2, p.X);
  fq r = fq_dbl(fq_sub(S2, p.Y));
  if (fq_is_zero(H)) {
    if (fq_is_zero(r)) {
      jac a;
      a.X = q.x;
      a.Y = q.y;
      for (int i = 0; i < 4; i++) a.Z.v[i] = QONE[i];
      return jac_dbl(a);
    }
    return jac_inf();
  }
  fq HH = fq_sqr(H);
  fq I = fq_dbl(fq_dbl(HH));
  fq J = fq_mul(H, I);
  fq V = fq_mul(p.X, I);
  jac o;
  o.X = fq_sub(fq_sub(fq_sqr(r), J), fq_dbl(V));
  o.Y = fq_sub(fq_mul(r, fq_sub(V, o.X)), fq_dbl(fq_mul(p.Y, J)));
  o.Z = fq_sub(fq_sub(fq_sqr(fq_add(p.Z, H)), Z1Z1), HH);
  return o;
}

__device__ jac jac_add(const jac& p, const jac& q) {
  if (jac_is_inf(q)) return p;
  if (jac_is_inf(p)) return q;
  fq Z1Z1 = fq_sqr(p.Z), Z2Z2 = fq_sqr(q.Z);
  fq U1 = fq_mul(p.X, Z2Z2), U2 = fq_mul(q.X, Z1Z1);
  fq S1 = fq_mul(fq_mul(p.Y, q.Z), Z2Z2);
  fq S2 = fq_mul(fq_mul(q.Y, p.Z), Z1Z1);
  fq H = fq_sub(U2, U1);
  fq r = fq_dbl(fq_sub(S2, S1));
  if (fq_is_zero(H)) {
    if (fq_is_zero(r)) return jac_dbl(p);
    return jac_inf();
  }
  fq I = fq_sqr(fq_dbl(H));
  fq J = fq_mul(H, I);
  fq V = fq_mul(U1, I);
  jac o;
  o.X = fq_sub(fq_sub(fq_sqr(r), J), fq_dbl(V));
  o.Y = fq_sub(fq_mul(r, fq_sub(V, o.X)), fq_dbl(fq_mul(S1, J)));
  o.Z = fq_mul(fq_sub(fq_sub(fq_sqr(fq_add(p.Z, q.Z)), Z1Z1), Z2Z2), H);
  return o;
}

__device__ jac jac_mul_small(const jac& p, uint32_t k) {
  jac r = jac_inf();
  for (int i = 31; i >= 0; i--) {
    r = jac_dbl(r);
    if ((k >> i) & 1) r = jac_add(r, p);
  }
  return r;
}

constexpr unsigned C = 16;
constexpr unsigned NB = 1u << C;        // buckets per window (digit 0 unused)
constexpr unsigned W = (254 + C - 1) / C;  // 16 windows
constexpr unsigned SLICES = 256;        // reduction threads per window

__global__ void k_digits(const uint64_t* scalars, uint32_t n, uint32_t* keys, uint32_t* vals) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const uint64_t* s = scalars + (size_t)i * 4;
  for (unsigned w = 0; w < W; w++) {
    unsigned bit = w * C;
    uint64_t v = (s[bit / 64] >> (bit % 64)) & (NB - 1);  // C = 16 divides 64: never straddles limbs
    keys[(size_t)w * n + i] = (w << C) | (uint32_t)v;
    vals[(size_t)w * n + i] = i;
  }
}

__global__ void k_accumulate(const aff* points, const uint32_t* sortedKeys, const uint32_t* sortedVals,
                             const uint32_t* uniqueKeys, const uint32_t* offsets, const uint32_t* counts,
                             const uint32_t* nRuns, jac* buckets) {
  uint32_t r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= *nRuns) return;
  uint32_t key = uniqueKeys[r];
  if ((key & (NB - 1)) == 0) return;  // digit 0
  jac acc = jac_inf();
  uint32_t off = offsets[r], cnt = counts[r];
  for (uint32_t k = 0; k < cnt; k++) acc = jac_add_mixed(acc, points[sortedVals[off + k]]);
  buckets[key] = acc;
  (void)sortedKeys;
}

__global__ void k_init_buckets(jac* buckets, size_t total) {
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < total) buckets[i] = jac_inf();
}

// partial[w * SLICES + j] = sum over d in slice j of d * B_{w,d}
__global__ void k_reduce(const jac* buckets, jac* partial) {
  unsigned w = blockIdx.x;
  unsigned j = threadIdx.x;
  const unsigned per = NB / SLICES;
  unsigned start = j * per;  // digits [start, start + per)
  const jac* B = buckets + (size_t)w * NB;
  jac running = jac_inf(), sum = jac_inf();
  for (int d = (int)(start + per) - 1; d >= (int)start; d--) {
    if (d == 0) break;
    running = jac_add(running, B[d]);
    sum = jac_add(sum, running);
  }
  // B_d was added into sum (d - max(start, 1) + 1) times; for start >= 1 add (start - 1) * running to weight
  // every bucket by d. Slice 0 (digits 1..per-1) already has weight d.
  if (start > 1) sum = jac_add(sum, jac_mul_small(running, start - 1));
  partial[(size_t)w * SLICES + j] = sum;
}

#define CK(x)                                                         \
  do {                                                                \
    cudaError_t e_ = (x);                                             \
    if (e_ != cudaSuccess) throw std::runtime_error(cudaGetErrorString(e_)); \
  } while (0)

struct DeviceKey {
  aff* sections[4] = {nullptr, nullptr, nullptr, nullptr};
  size_t counts[4] = {0, 0, 0, 0};
};

class CudaBackend : public GpuBackend {
 public:
  std::string devName;
  uint64_t total = 0;
  std::mutex mu;

  explicit CudaBackend(int dev) {
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, dev);
    devName = prop.name;
    total = prop.totalGlobalMem;
    cudaSetDevice(dev);
  }

  void* upload(const ZKey& zk) override {
    std::lock_guard<std::mutex> g(mu);
    auto* k = new DeviceKey();
    const G1A* src[4] = {zk.A, zk.B1, zk.C, zk.H};
    size_t cnt[4] = {zk.nVars, zk.nVars, (size_t)(zk.nVars - zk.nPublic - 1), zk.domainSize};
    try {
      for (int s = 0; s < 4; s++) {
        k->counts[s] = cnt[s];
        CK(cudaMalloc(&k->sections[s], cnt[s] * sizeof(aff) + 1));
        CK(cudaMemcpy(k->sections[s], src[s], cnt[s] * sizeof(aff), cudaMemcpyHostToDevice));
      }
    } catch (...) {
      release(k);
      return nullptr;  // not enough device memory: the CPU path proves this key
    }
    return k;
  }

  void release(void* handle) override {
    auto* k = (DeviceKey*)handle;
    if (!k) return;
    for (auto* p : k->sections)
      if (p) cudaFree(p);
    delete k;
  }

  bool msm_g1(void* handle, int which, const U256* scalars, size_t n, G1J& out) override {
    auto* k = (DeviceKey*)handle;
    if (!k || which < 0 || which > 3 || n != k->counts[which] || n == 0 || n > (1u << 26)) return false;
    std::lock_guard<std::mutex> g(mu);
    try {
      out = run(k->sections[which], scalars, n);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  G1J run(const aff* points, const U256* scalars, size_t n) {
    size_t m = (size_t)W * n;
    uint64_t* dS = nullptr;
    uint32_t *keys = nullptr, *vals = nullptr, *keys2 = nullptr, *vals2 = nullptr;
    uint32_t *uniq = nullptr, *counts = nullptr, *offsets = nullptr, *nRuns = nullptr;
    jac *buckets = nullptr, *partial = nullptr;
    void* tmp = nullptr;
    size_t tmpBytes = 0;
    auto cleanup = [&]() {
      for (void* p : {(void*)dS, (void*)keys, (void*)vals, (void*)keys2, (void*)vals2, (void*)uniq, (void*)counts,
                      (void*)offsets, (void*)nRuns, (void*)buckets, (void*)partial, tmp})
        if (p) cudaFree(p);
    };
    try {
      CK(cudaMalloc(&dS, n * 32));
      CK(cudaMemcpy(dS, scalars, n * 32, cudaMemcpyHostToDevice));
      CK(cudaMalloc(&keys, m * 4));
      CK(cudaMalloc(&vals, m * 4));
      CK(cudaMalloc(&keys2, m * 4));
      CK(cudaMalloc(&vals2, m * 4));
      CK(cudaMalloc(&uniq, m * 4));
      CK(cudaMalloc(&counts, m * 4));
      CK(cudaMalloc(&offsets, m * 4));
      CK(cudaMalloc(&nRuns, 4));
      CK(cudaMalloc(&buckets, (size_t)W * NB * sizeof(jac)));
      CK(cudaMalloc(&partial, (size_t)W * SLICES * sizeof(jac)));

      k_digits<<<(unsigned)((n + 255) / 256), 256>>>(dS, (uint32_t)n, keys, vals);
      size_t b1 = 0, b2 = 0, b3 = 0;
      const int endBit = (int)C + 4;  // W = 16 windows -> 4 bits of window index
      cub::DeviceRadixSort::SortPairs(nullptr, b1, keys, keys2, vals, vals2, (int)m, 0, endBit);
      cub::DeviceRunLengthEncode::Encode(nullptr, b2, keys2, uniq, counts, nRuns, (int)m);
      cub::DeviceScan::ExclusiveSum(nullptr, b3, counts, offsets, (int)m);
      tmpBytes = std::max(b1, std::max(b2, b3));
      CK(cudaMalloc(&tmp, tmpBytes));
      CK(cub::DeviceRadixSort::SortPairs(tmp, tmpBytes, keys, keys2, vals, vals2, (int)m, 0, endBit));
      CK(cub::DeviceRunLengthEncode::Encode(tmp, tmpBytes, keys2, uniq, counts, nRuns, (int)m));
      uint32_t runs = 0;
      CK(cudaMemcpy(&runs, nRuns, 4, cudaMemcpyDeviceToHost));
      CK(cub::DeviceScan::ExclusiveSum(tmp, tmpBytes, counts, offsets, (int)runs));

      size_t totalBuckets = (size_t)W * NB;
      k_init_buckets<<<(unsigned)((totalBuckets + 255) / 256), 256>>>(buckets, totalBuckets);
      k_accumulate<<<(runs + 127) / 128, 128>>>(points, keys2, vals2, uniq, offsets, counts, nRuns, buckets);
      k_reduce<<<W, SLICES>>>(buckets, partial);
      CK(cudaGetLastError());
      std::vector<jac> hp((size_t)W * SLICES);
      CK(cudaMemcpy(hp.data(), partial, hp.size() * sizeof(jac), cudaMemcpyDeviceToHost));
      cleanup();

      // host: window sums and the final combination
      G1J acc = G1J::inf();
      for (int w = (int)W - 1; w >= 0; w--) {
        for (unsigned b = 0; b < C; b++) acc = acc.dbl();
        for (unsigned j = 0; j < SLICES; j++) {
          const jac& p = hp[(size_t)w * SLICES + j];
          G1J q;
          memcpy(q.X.v, p.X.v, 32);
          memcpy(q.Y.v, p.Y.v, 32);
          memcpy(q.Z.v, p.Z.v, 32);
          acc = acc.add(q);
        }
      }
      return acc;
    } catch (...) {
      cleanup();
      throw;
    }
  }

  std::string name() const override { return devName; }
  uint64_t mem_total() const override { return total; }
  uint64_t mem_free() const override {
    size_t f = 0, t = 0;
    if (cudaMemGetInfo(&f, &t) != cudaSuccess) return 0;
    return f;
  }
};

}  // namespace cuda

GpuBackend* gpu_backend() {
  static GpuBackend* backend = []() -> GpuBackend* {
    if (getenv("ZKPROVER_NO_GPU")) return nullptr;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) return nullptr;
    return new cuda::CudaBackend(0);
  }();
  return backend;
}

}  // namespace zkp

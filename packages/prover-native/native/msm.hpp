// Multi-threaded Pippenger multi-scalar multiplication (bucket method, signed windows) and the radix-2
// NTT over Fr, both written from the textbook algorithms.
#pragma once
#include <algorithm>
#include <atomic>
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
  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void check() const {
    if (cancelled()) throw Cancelled();
  }
};

// Run f(i) for i in [0, n) on up to ctx.threads threads (dynamic scheduling).
inline void parallel_for(const Ctx& ctx, size_t n, const std::function<void(size_t)>& f) {
  unsigned t = (unsigned)std::min<size_t>(ctx.threads, n);
  if (t <= 1) {
    for (size_t i = 0; i < n; i++) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> ts;
  for (unsigned k = 0; k < t; k++) {
    ts.emplace_back([&]() {
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= n) return;
        f(i);
      }
    });
  }
  for (auto& th : ts) th.join();
}

inline unsigned msm_window_bits(size_t n) {
  if (n < 32) return 3;
  unsigned best = 2;
  double bestCost = 1e300;
  for (unsigned c = 2; c <= 20; c++) {
    double windows = (255.0 + c - 1) / c;
    double cost = windows * ((double)n + (double)(1u << c));
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

// sum_i scalars[i] * points[i]. scalars: plain integers (< 2^254) as 4 LE u64 limbs each.
template <class F>
Jac<F> msm(const Affine<F>* points, const U256* scalars, size_t n, const Ctx& ctx) {
  if (n == 0) return Jac<F>::inf();
  const unsigned c = msm_window_bits(n);
  const unsigned W = (255 + c - 1) / c;
  const int64_t half = (int64_t)1 << (c - 1);
  const int64_t full = (int64_t)1 << c;
  const uint64_t mask = ((uint64_t)1 << c) - 1;

  // signed digits, window-major: digits[w * n + i] in [-2^(c-1), 2^(c-1)]
  std::vector<int32_t> digits((size_t)W * n);
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

  std::vector<Jac<F>> windowSums(W, Jac<F>::inf());
  std::atomic<bool> stop{false};
  parallel_for(ctx, W, [&](size_t w) {
    if (stop.load()) return;
    std::vector<Jac<F>> buckets((size_t)half, Jac<F>::inf());
    const int32_t* dw = &digits[w * n];
    for (size_t i = 0; i < n; i++) {
      if ((i & 4095) == 0 && ctx.cancelled()) {
        stop = true;
        return;
      }
      int32_t d = dw[i];
      if (d == 0) continue;
      if (d > 0) {
        buckets[d - 1] = buckets[d - 1].add_mixed(points[i]);
      } else {
        buckets[-d - 1] = buckets[-d - 1].add_mixed(points[i].neg());
      }
    }
    Jac<F> running = Jac<F>::inf();
    Jac<F> sum = Jac<F>::inf();
    for (int64_t b = half - 1; b >= 0; b--) {
      running = running.add(buckets[b]);
      sum = sum.add(running);
    }
    windowSums[w] = sum;
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
inline void ntt(Fr* a, unsigned logn, const Fr& w, const Ctx& ctx) {
  size_t n = (size_t)1 << logn;
  bit_reverse(a, n, logn);
  // twiddles w^(n/2 stride) for the largest stage, reused with strides for smaller stages
  std::vector<Fr> tw(n / 2 > 0 ? n / 2 : 1);
  tw[0] = Fr::one();
  for (size_t i = 1; i < n / 2; i++) tw[i] = tw[i - 1] * w;
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

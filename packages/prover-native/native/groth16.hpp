// snarkjs binary files (zkey groth16, wtns) and the Groth16 prover.
//
// Binary container (iden3 "binfile"): 4-byte magic, u32 version, u32 section count, then sections of
// (u32 type, u64 byte size, bytes). All integers little-endian.
// zkey sections: 1 header (u32 protocol, 1 = groth16); 2 groth16 header (n8q, q, n8r, r, nVars, nPublic,
// domainSize, alpha1, beta1, beta2, gamma2, delta1, delta2); 3 IC; 4 coefficients (u32 count, then
// (u32 matrix, u32 constraint, u32 signal, Fr coef * R^2)); 5 A (G1 x nVars); 6 B1 (G1 x nVars);
// 7 B2 (G2 x nVars); 8 C (G1 x nVars - nPublic - 1); 9 H (G1 x domainSize).
// wtns sections: 1 (u32 n8, prime, u32 nWitness); 2 witness values (plain, n8 bytes each).
#pragma once
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "plan.hpp"

namespace zkp {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::vector<uint8_t> read_file(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) throw FileError("cannot open " + path);
  std::vector<uint8_t> buf;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    throw FileError("cannot seek " + path);
  }
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf.resize((size_t)sz);
  size_t got = sz > 0 ? fread(buf.data(), 1, (size_t)sz, f) : 0;
  fclose(f);
  if (got != (size_t)sz) throw FileError("short read " + path);
  return buf;
}

struct BinFile {
  std::vector<uint8_t> data;
  // or a read-only private mapping of the file (one-shot CLI: no copy, no zero-filled buffer)
  const uint8_t* mp = nullptr;
  size_t ml = 0;
  std::map<uint32_t, std::pair<size_t, size_t>> sections;  // type -> (offset, size)

  BinFile() = default;
  BinFile(const BinFile&) = delete;
  BinFile& operator=(const BinFile&) = delete;
  ~BinFile() {
    if (mp) munmap((void*)mp, ml);
  }
  const uint8_t* bytes() const { return mp ? mp : data.data(); }
  size_t len() const { return mp ? ml : data.size(); }

  void map(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) throw FileError("cannot open " + path);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0) {
      close(fd);
      data = read_file(path);  // empty or odd file: the reader reports it
      return;
    }
    void* p = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
      data = read_file(path);
      return;
    }
    mp = (const uint8_t*)p;
    ml = (size_t)st.st_size;
  }

  void parse(const char* magic) {
    if (len() < 12 || memcmp(bytes(), magic, 4) != 0) throw FileError(std::string("not a ") + magic + " file");
    uint32_t nSections = u32(8);
    size_t p = 12;
    for (uint32_t i = 0; i < nSections; i++) {
      if (p + 12 > len()) throw FileError("truncated section table");
      uint32_t type = u32(p);
      uint64_t size;
      memcpy(&size, bytes() + p + 4, 8);
      p += 12;
      if (size > len() || p + size > len()) throw FileError("truncated section");
      if (sections.count(type)) throw FileError("duplicate section");
      sections[type] = {p, (size_t)size};
      p += size;
    }
  }
  uint32_t u32(size_t off) const {
    uint32_t v;
    memcpy(&v, bytes() + off, 4);
    return v;
  }
  const uint8_t* sec(uint32_t type, size_t expectSize = (size_t)-1) const {
    auto it = sections.find(type);
    if (it == sections.end()) throw FileError("missing section " + std::to_string(type));
    if (expectSize != (size_t)-1 && it->second.second != expectSize)
      throw FileError("section " + std::to_string(type) + " has the wrong size");
    return bytes() + it->second.first;
  }
  size_t sec_size(uint32_t type) const { return sections.at(type).second; }
};

struct KeyPlans;

inline double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ZKey {
  BinFile f;
  uint32_t nVars = 0, nPublic = 0, domainSize = 0, logDomain = 0;
  G1A alpha1, beta1, delta1;
  G2A beta2, gamma2, delta2;
  const uint8_t* coefs = nullptr;
  uint32_t nCoefs = 0;
  const G1A* A = nullptr;
  const G1A* B1 = nullptr;
  const G2A* B2 = nullptr;
  const G1A* C = nullptr;
  const G1A* H = nullptr;
  // device-resident copy handle (CUDA builds)
  void* gpu = nullptr;
  // resident MSM plans (GLV copies, fixed-base tables); null = built per proof
  std::shared_ptr<KeyPlans> plans;

  ZKey() = default;
  ZKey(const ZKey&) = delete;
  ZKey& operator=(const ZKey&) = delete;
  ~ZKey();

  void load(const std::string& path, bool mapFile = false) {
    if (mapFile) f.map(path);
    else f.data = read_file(path);
    f.parse("zkey");
    const uint8_t* h1 = f.sec(1);
    if (f.sec_size(1) < 4 || f.u32(f.sections[1].first) != 1) throw FileError("zkey is not groth16");
    const uint8_t* h = f.sec(2);
    size_t hs = f.sec_size(2);
    (void)h1;
    size_t p = 0;
    auto rd32 = [&]() {
      if (p + 4 > hs) throw FileError("truncated zkey header");
      uint32_t v;
      memcpy(&v, h + p, 4);
      p += 4;
      return v;
    };
    uint32_t n8q = rd32();
    if (n8q != 32 || memcmp(h + p, FqParams::P, 32) != 0) throw FileError("zkey curve is not bn128");
    p += 32;
    uint32_t n8r = rd32();
    if (n8r != 32 || memcmp(h + p, FrParams::P, 32) != 0) throw FileError("zkey curve is not bn128");
    p += 32;
    nVars = rd32();
    nPublic = rd32();
    domainSize = rd32();
    if (hs < p + 64 * 3 + 128 * 3) throw FileError("truncated zkey header");
    memcpy(&alpha1, h + p, 64);
    p += 64;
    memcpy(&beta1, h + p, 64);
    p += 64;
    memcpy(&beta2, h + p, 128);
    p += 128;
    memcpy(&gamma2, h + p, 128);
    p += 128;
    memcpy(&delta1, h + p, 64);
    p += 64;
    memcpy(&delta2, h + p, 128);
    p += 128;
    logDomain = 0;
    while ((1u << logDomain) < domainSize) logDomain++;
    if ((1u << logDomain) != domainSize || logDomain > 27) throw FileError("bad domain size");
    coefs = f.sec(4);
    nCoefs = f.u32(f.sections[4].first);
    if (f.sec_size(4) != 4 + (size_t)nCoefs * 44) throw FileError("bad coefficient section");
    coefs += 4;
    A = (const G1A*)f.sec(5, (size_t)nVars * 64);
    B1 = (const G1A*)f.sec(6, (size_t)nVars * 64);
    B2 = (const G2A*)f.sec(7, (size_t)nVars * 128);
    C = (const G1A*)f.sec(8, (size_t)(nVars - nPublic - 1) * 64);
    H = (const G1A*)f.sec(9, (size_t)domainSize * 64);
    for (uint32_t i = 0; i < nCoefs; i++) {
      const uint8_t* e = coefs + (size_t)i * 44;
      uint32_t m, c, s;
      memcpy(&m, e, 4);
      memcpy(&c, e + 4, 4);
      memcpy(&s, e + 8, 4);
      if (m > 1 || c >= domainSize || s >= nVars) throw FileError("bad coefficient entry");
    }
  }
};

struct Witness {
  std::vector<U256> w;
};

inline Witness parse_wtns(BinFile& f) {
  f.parse("wtns");
  const uint8_t* h = f.sec(1);
  if (f.sec_size(1) < 40) throw FileError("truncated wtns header");
  uint32_t n8;
  memcpy(&n8, h, 4);
  if (n8 != 32 || memcmp(h + 4, FrParams::P, 32) != 0) throw FileError("witness is not over bn128 Fr");
  uint32_t nW;
  memcpy(&nW, h + 36, 4);
  const uint8_t* d = f.sec(2, (size_t)nW * 32);
  Witness w;
  w.w.resize(nW);
  memcpy(w.w.data(), d, (size_t)nW * 32);
  for (auto& x : w.w)
    if (u256_geq(x.v, FrParams::P)) throw FileError("witness value not reduced");
  return w;
}

struct Proof {
  G1A a;
  G2A b;
  G1A c;
  std::vector<std::string> publicSignals;
};

inline std::string g1_json(const G1A& p) {
  if (p.is_inf()) return "[\"0\",\"1\",\"0\"]";
  return "[\"" + p.x.to_dec() + "\",\"" + p.y.to_dec() + "\",\"1\"]";
}
inline std::string g2_json(const G2A& p) {
  if (p.is_inf()) return "[[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]";
  return "[[\"" + p.x.c0.to_dec() + "\",\"" + p.x.c1.to_dec() + "\"],[\"" + p.y.c0.to_dec() + "\",\"" +
         p.y.c1.to_dec() + "\"],[\"1\",\"0\"]]";
}
inline std::string proof_json(const Proof& pr) {
  return "{\"pi_a\":" + g1_json(pr.a) + ",\"pi_b\":" + g2_json(pr.b) + ",\"pi_c\":" + g1_json(pr.c) +
         ",\"protocol\":\"groth16\",\"curve\":\"bn128\"}";
}
inline std::string signals_json(const Proof& pr) {
  std::string s = "[";
  for (size_t i = 0; i < pr.publicSignals.size(); i++) {
    if (i) s += ",";
    s += "\"" + pr.publicSignals[i] + "\"";
  }
  return s + "]";
}

inline U256 random_scalar() {
  static thread_local std::random_device rd;
  U256 r;
  for (;;) {
    for (int i = 0; i < 4; i++) r.v[i] = ((uint64_t)rd() << 32) ^ rd();
    r.v[3] &= 0x3fffffffffffffffULL;
    if (!u256_geq(r.v, FrParams::P) && !u256_is_zero(r.v)) return r;
  }
}

// Hooks a CUDA build installs; null on CPU-only builds or when no device exists.
struct GpuBackend {
  virtual ~GpuBackend() {}
  virtual void* upload(const ZKey& zk) = 0;
  virtual void release(void* handle) = 0;
  // which: 0 A, 1 B1, 2 C, 3 H (G1). Returns false to fall back to the CPU.
  virtual bool msm_g1(void* handle, int which, const U256* scalars, size_t n, G1J& out) = 0;
  virtual std::string name() const = 0;
  virtual uint64_t mem_total() const = 0;
  virtual uint64_t mem_free() const = 0;
};
GpuBackend* gpu_backend();  // defined in gpu_stub.cpp or msm_cuda.cu

inline ZKey::~ZKey() {
  if (gpu && gpu_backend()) gpu_backend()->release(gpu);
}

// The MSM plans of a key. G1 plans share a memory budget (a multiple of the key's G1 point bytes, tables
// included): every MSM first gets its compacted + phi copy (GLV), then shifted copies go to the largest
// MSMs while the budget lasts (at most maxCopies copies each).
struct KeyPlans {
  MsmPlan<Fq> A, B1, C, H;
  MsmPlan<Fq2> B2;
  // NTT twiddles (w_n^i and w_n^-i, i < n/2) and the coset shift g^i / n, per key
  std::vector<Fr> twFwd, twInv, shift;
  double budget = 0;
  uint64_t budgetBytes = 0, keyG1Bytes = 0, tableBytes = 0;
  double buildMs = 0;
  bool hasA = false, hasB1 = false, hasC = false, hasH = false;

  std::string json() const {
    std::string s = "[";
    auto one = [&](const char* nm, bool has, size_t n, size_t nc, unsigned c, unsigned m, size_t bytes, double ms) {
      if (s.size() > 1) s += ",";
      s += std::string("{\"msm\":\"") + nm + "\",\"points\":" + std::to_string(n) + ",\"nonInfinity\":" +
           std::to_string(nc) + ",\"resident\":" + (has ? "true" : "false") + ",\"glv\":true,\"c\":" +
           std::to_string(c) + ",\"copies\":" + std::to_string(m) + ",\"tables\":" + (has && m > 1 ? "true" : "false") +
           ",\"bytes\":" + std::to_string(bytes) + ",\"buildMs\":" + std::to_string((long long)ms) + "}";
    };
    one("A", hasA, A.n, A.nc(), A.c, A.m, hasA ? A.bytes() : 0, A.buildMs);
    one("B1", hasB1, B1.n, B1.nc(), B1.c, B1.m, hasB1 ? B1.bytes() : 0, B1.buildMs);
    one("B2", true, B2.n, B2.nc(), B2.c, B2.m, B2.bytes(), B2.buildMs);  // G2
    one("C", hasC, C.n, C.nc(), C.c, C.m, hasC ? C.bytes() : 0, C.buildMs);
    one("H", hasH, H.n, H.nc(), H.c, H.m, hasH ? H.bytes() : 0, H.buildMs);
    return s + "]";
  }
  // "A:c13x2,B1:c10x1,..." (x copies; x1 = GLV copy only)
  std::string summary() const {
    auto f = [](const char* nm, bool has, unsigned c, unsigned m) {
      return std::string(nm) + ":" + (has ? "c" + std::to_string(c) + "x" + std::to_string(m) : std::string("none"));
    };
    return f("A", hasA, A.c, A.m) + " " + f("B1", hasB1, B1.c, B1.m) + " " + f("B2", true, B2.c, B2.m) + " " +
           f("C", hasC, C.c, C.m) + " " + f("H", hasH, H.c, H.m);
  }
};

inline std::shared_ptr<KeyPlans> build_key_plans(const ZKey& zk, double budget, unsigned maxCopies, const Ctx& ctx,
                                                  bool withTwiddles = true) {
  double t0 = now_ms();
  auto kp = std::make_shared<KeyPlans>();
  const size_t nC = zk.nVars - zk.nPublic - 1;
  kp->budget = budget;
  kp->keyG1Bytes = ((uint64_t)zk.nVars * 2 + nC + zk.domainSize) * 64;
  kp->budgetBytes = (uint64_t)(budget * (double)kp->keyG1Bytes);
  struct Item {
    MsmPlan<Fq>* plan;
    bool* has;
    const G1A* pts;
    size_t n;
    std::vector<uint32_t> idx;
    unsigned c = 0, m = 1;
  };
  std::vector<Item> items;
  items.push_back({&kp->A, &kp->hasA, zk.A, zk.nVars, nonzero_points(zk.A, zk.nVars)});
  items.push_back({&kp->B1, &kp->hasB1, zk.B1, zk.nVars, nonzero_points(zk.B1, zk.nVars)});
  items.push_back({&kp->C, &kp->hasC, zk.C, nC, nonzero_points(zk.C, nC)});
  items.push_back({&kp->H, &kp->hasH, zk.H, zk.domainSize, nonzero_points(zk.H, zk.domainSize)});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.idx.size() > b.idx.size(); });
  uint64_t (*bytesFor)(size_t, unsigned) = [](size_t nc, unsigned m) { return (uint64_t)nc * (uint64_t)(2 * m * 64 + 4); };
  // 1) GLV copies, largest first
  uint64_t used = 0;
  for (auto& it : items) {
    it.c = plan_best_c(it.idx.size(), 1);
    uint64_t b = bytesFor(it.idx.size(), 1);
    if (used + b <= kp->budgetBytes) {
      *it.has = true;
      used += b;
    }
  }
  // B2 (G2): its GLV copy is always built (outside the G1 budget); shifted copies come out of the budget
  std::vector<uint32_t> idx2 = nonzero_points(zk.B2, zk.nVars);
  const size_t nc2 = idx2.size();
  uint64_t (*bytesFor2)(size_t, unsigned) = [](size_t nc, unsigned m) { return (uint64_t)nc * (uint64_t)(2 * m * 128 + 4); };
  unsigned c2 = plan_best_c(nc2, 1), m2 = 1;
  // 2) shifted copies, largest MSM (by work: a G2 point counts 3) first
  auto upgrade = [&](size_t nc, uint64_t (*bytes)(size_t, unsigned), unsigned& cOut, unsigned& mOut) {
    double bestCost;
    unsigned bestC = plan_best_c(nc, 1, &bestCost), bestM = 1;
    for (unsigned m = 2; m <= maxCopies; m++) {
      uint64_t extra = bytes(nc, m) - bytes(nc, 1);
      if (used + extra > kp->budgetBytes) break;
      double cost;
      unsigned c = plan_best_c(nc, m, &cost);
      if (cost < bestCost * 0.98) {
        bestCost = cost;
        bestC = c;
        bestM = m;
      }
    }
    used += bytes(nc, bestM) - bytes(nc, 1);
    cOut = bestC;
    mOut = bestM;
  };
  bool b2done = false;
  for (auto& it : items) {
    if (!b2done && nc2 * 3 >= it.idx.size()) {
      upgrade(nc2, bytesFor2, c2, m2);
      b2done = true;
    }
    if (!*it.has) continue;
    upgrade(it.idx.size(), bytesFor, it.c, it.m);
  }
  if (!b2done) upgrade(nc2, bytesFor2, c2, m2);
  for (auto& it : items) {
    if (*it.has) {
      build_plan(*it.plan, it.pts, it.n, std::move(it.idx), it.c, it.m, ctx);
      it.plan->resident = true;
      kp->tableBytes += it.plan->bytes();
    } else {
      // no room: the plan is built per proof (GLV copy, no tables)
      it.plan->n = it.n;
      it.plan->c = it.c;
      it.plan->idx = std::move(it.idx);
    }
  }
  build_plan(kp->B2, zk.B2, zk.nVars, std::move(idx2), c2, m2, ctx);
  kp->B2.resident = true;
  kp->tableBytes += kp->B2.bytes();
  if (withTwiddles) {
    const Fr wn = root_of_unity(zk.logDomain);
    kp->twFwd = ntt_twiddles(zk.logDomain, wn);
    kp->twInv = ntt_twiddles(zk.logDomain, wn.inv());
    const Fr g = root_of_unity(zk.logDomain + 1);
    kp->shift.resize(zk.domainSize);
    kp->shift[0] = Fr::from_u64(zk.domainSize).inv();
    for (size_t i = 1; i < zk.domainSize; i++) kp->shift[i] = kp->shift[i - 1] * g;
    kp->tableBytes += (kp->twFwd.size() + kp->twInv.size() + kp->shift.size()) * sizeof(Fr);
  }
  kp->buildMs = now_ms() - t0;
  return kp;
}

struct Timings {
  double abc = 0, ntt = 0, msm = 0, total = 0;
  double msmCpu = 0;  // process CPU ms during the MSMs (all threads)
  // scalar classes over the A MSM's non-infinity points (witness structure)
  size_t zero = 0, one = 0, small = 0, large = 0;
};


inline Proof prove(const ZKey& zk, const Witness& wit, const Ctx& ctx, Timings* tm = nullptr) {
  double t0 = now_ms();
  if (wit.w.size() != zk.nVars)
    throw FileError("witness has " + std::to_string(wit.w.size()) + " values but the circuit has " +
                    std::to_string(zk.nVars));
  const size_t n = zk.domainSize;
  const U256* w = wit.w.data();

  // 1. A, B evaluations over the domain (Montgomery form): coef*R^2 (x) w_plain = coef*w*R.
  std::vector<Fr> a(n, Fr::zero()), b(n, Fr::zero()), cc(n);
  {
    Fr* outs[2] = {a.data(), b.data()};
    parallel_for(ctx, 2, [&](size_t mat) {
      for (uint32_t i = 0; i < zk.nCoefs; i++) {
        const uint8_t* e = zk.coefs + (size_t)i * 44;
        uint32_t m, c, s;
        memcpy(&m, e, 4);
        if (m != mat) continue;
        memcpy(&c, e + 4, 4);
        memcpy(&s, e + 8, 4);
        Fr coef;
        memcpy(coef.v, e + 12, 32);
        Fr ws{{w[s].v[0], w[s].v[1], w[s].v[2], w[s].v[3]}};
        outs[mat][c] = outs[mat][c] + coef * ws;
      }
    });
    for (size_t i = 0; i < n; i++) cc[i] = a[i] * b[i];
  }
  ctx.check();
  double t1 = now_ms();

  // 2. Coset evaluations: iFFT, multiply coefficient i by g^i / n (g = w_{2n}), FFT.
  const Fr wn = root_of_unity(zk.logDomain);
  const Fr wninv = wn.inv();
  const KeyPlans* kpn = zk.plans && !zk.plans->shift.empty() ? zk.plans.get() : nullptr;
  std::vector<Fr> shiftOwn, twFOwn, twIOwn;
  if (!kpn) {
    const Fr g = root_of_unity(zk.logDomain + 1);
    shiftOwn.resize(n);
    shiftOwn[0] = Fr::from_u64(n).inv();
    for (size_t i = 1; i < n; i++) shiftOwn[i] = shiftOwn[i - 1] * g;
    twFOwn = ntt_twiddles(zk.logDomain, wn);
    twIOwn = ntt_twiddles(zk.logDomain, wninv);
  }
  const Fr* shift = kpn ? kpn->shift.data() : shiftOwn.data();
  const Fr* twF = kpn ? kpn->twFwd.data() : twFOwn.data();
  const Fr* twI = kpn ? kpn->twInv.data() : twIOwn.data();
  Fr* polys[3] = {a.data(), b.data(), cc.data()};
  auto coset = [&](Fr* p, const Ctx& c) {
    ntt(p, zk.logDomain, wninv, c, twI);
    size_t parts = std::max<unsigned>(1, c.threads);
    parallel_for(c, parts, [&](size_t part) {
      size_t i0 = n * part / parts, i1 = n * (part + 1) / parts;
      for (size_t i = i0; i < i1; i++) p[i] = p[i] * shift[i];
    });
    ntt(p, zk.logDomain, wn, c, twF);
  };
  if (ctx.threads >= 3) {
    // one polynomial per thread group
    Ctx inner = ctx;
    inner.threads = ctx.threads / 3;
    parallel_for(ctx, 3, [&](size_t k) { coset(polys[k], inner); });
  } else {
    // 1-2 threads: polynomials one after the other, each NTT stage split over the threads
    for (Fr* p : polys) coset(p, ctx);
  }
  ctx.check();
  std::vector<U256> hs(n);
  parallel_for(ctx, 4, [&](size_t part) {
    size_t i0 = n * part / 4, i1 = n * (part + 1) / 4;
    for (size_t i = i0; i < i1; i++) hs[i] = (a[i] * b[i] - cc[i]).to_plain();
  });
  std::vector<Fr>().swap(a);
  std::vector<Fr>().swap(b);
  std::vector<Fr>().swap(cc);
  double t2 = now_ms();

  // 3. MSMs
  std::clock_t msmC0 = std::clock();
  GpuBackend* gb = zk.gpu ? gpu_backend() : nullptr;
  const size_t nC = zk.nVars - zk.nPublic - 1;
  G1J pA, pB1, pC, pH;
  G2J pB;
  static const bool noGlv = getenv("ZKPROVER_NO_GLV") && std::string(getenv("ZKPROVER_NO_GLV")) == "1";
  if (noGlv) {
    // the previous path: one digit decomposition of the witness serves A, B1, B2 and (offset) C
    Digits wd = make_digits(w, zk.nVars, msm_window_bits(zk.nVars), ctx);
    auto g1msm = [&](int which, const G1A* pts, size_t offset, size_t cnt) {
      G1J out;
      if (gb && gb->msm_g1(zk.gpu, which, w + offset, cnt, out)) return out;
      return msm_digits(pts, wd, offset, cnt, ctx);
    };
    pA = g1msm(0, zk.A, 0, zk.nVars);
    pB1 = g1msm(1, zk.B1, 0, zk.nVars);
    pB = msm_digits(zk.B2, wd, 0, zk.nVars, ctx);
    pC = g1msm(2, zk.C, zk.nPublic + 1, nC);
    std::vector<int32_t>().swap(wd.d);
    if (!(gb && gb->msm_g1(zk.gpu, 3, hs.data(), n, pH))) pH = msm(zk.H, hs.data(), n, ctx);
  } else {
    std::shared_ptr<KeyPlans> kp = zk.plans;
    if (!kp) kp = build_key_plans(zk, 0, 1, ctx, false);  // transient: every G1 plan is built below, per proof
    // GLV split of the witness once; digits per window size, shared by the MSMs that use it
    GlvScalars wg = glv_split_all(w, zk.nVars, ctx);
    std::map<unsigned, Digits> wdig;
    auto digitsFor = [&](unsigned c) -> const Digits& {
      auto it = wdig.find(c);
      if (it == wdig.end()) it = wdig.emplace(c, make_glv_digits(wg, c, ctx)).first;
      return it->second;
    };
    StructStats st;
    auto g1msm = [&](int which, const MsmPlan<Fq>& plan, bool has, const G1A* pts, size_t offset, size_t cnt) {
      G1J out;
      if (gb && gb->msm_g1(zk.gpu, which, w + offset, cnt, out)) return out;
      if (has) return msm_plan(plan, digitsFor(plan.c), w, wg.cls.data(), offset, ctx, which == 0 ? &st : nullptr);
      MsmPlan<Fq> tp;
      build_plan(tp, pts, cnt, plan.idx, plan.c, 1, ctx);
      return msm_plan(tp, digitsFor(tp.c), w, wg.cls.data(), offset, ctx, which == 0 ? &st : nullptr);
    };
#ifdef ZKP_COUNT_MULS
    auto mark = [](const char* what) {
      static uint64_t last = 0;
      uint64_t now = mul_count().load();
      fprintf(stderr, "  muls %s: %llu\n", what, (unsigned long long)(now - last));
      last = now;
    };
#else
    auto mark = [](const char*) {};
#endif
    mark("before MSMs");
    pA = g1msm(0, kp->A, kp->hasA, zk.A, 0, zk.nVars);
    mark("A");
    pB1 = g1msm(1, kp->B1, kp->hasB1, zk.B1, 0, zk.nVars);
    mark("B1");
    pB = msm_plan(kp->B2, digitsFor(kp->B2.c), w, wg.cls.data(), 0, ctx);
    mark("B2");
    pC = g1msm(2, kp->C, kp->hasC, zk.C, zk.nPublic + 1, nC);
    mark("C");
    wdig.clear();
    if (!(gb && gb->msm_g1(zk.gpu, 3, hs.data(), n, pH))) {
      GlvScalars hg = glv_split_all(hs.data(), n, ctx);
      if (kp->hasH) {
        pH = msm_plan(kp->H, make_glv_digits(hg, kp->H.c, ctx), hs.data(), hg.cls.data(), 0, ctx);
      } else {
        MsmPlan<Fq> tp;
        build_plan(tp, zk.H, n, kp->H.idx, kp->H.c, 1, ctx);
        pH = msm_plan(tp, make_glv_digits(hg, tp.c, ctx), hs.data(), hg.cls.data(), 0, ctx);
      }
    }
    mark("H");
    if (tm) {
      tm->zero = st.zero;
      tm->one = st.one;
      tm->small = st.small;
      tm->large = st.large;
    }
  }
  double t3 = now_ms();
  const double msmCpu = (double)(std::clock() - msmC0) * 1000.0 / CLOCKS_PER_SEC;

  // 4. Blinding
  U256 r = random_scalar(), s = random_scalar();
  Fr rs = Fr::from_plain(r.v) * Fr::from_plain(s.v);
  U256 nrs = rs.neg().to_plain();
  G1J delta1 = G1J::from_affine(zk.delta1);
  pA = pA.add_mixed(zk.alpha1).add(delta1.mul(r.v));
  pB = pB.add_mixed(zk.beta2).add(G2J::from_affine(zk.delta2).mul(s.v));
  pB1 = pB1.add_mixed(zk.beta1).add(delta1.mul(s.v));
  G1J c = pC.add(pH).add(pA.mul(s.v)).add(pB1.mul(r.v)).add(delta1.mul(nrs.v));

  Proof pr;
  pr.a = pA.to_affine();
  pr.b = pB.to_affine();
  pr.c = c.to_affine();
  for (uint32_t i = 1; i <= zk.nPublic; i++) pr.publicSignals.push_back(u256_to_dec(w[i].v));
  double t4 = now_ms();
  if (tm) {
    tm->abc = t1 - t0;
    tm->ntt = t2 - t1;
    tm->msm = t3 - t2;
    tm->msmCpu = msmCpu;
    tm->total = t4 - t0;
  }
  return pr;
}

}  // namespace zkp

// zkprover: the native Groth16 prover sidecar.
//
//   zkprover sidecar            framed protocol on stdin/stdout (see ../PROTOCOL.md)
//   zkprover prove ZKEY WTNS PROOF_JSON PUBLIC_JSON [--threads N] [--timings] [--table-budget X] [--max-copies N]
//   zkprover sidecar [--table-budget X] [--max-copies N]   (default budget: $ZKPROVER_TABLE_BUDGET or 2)
//   zkprover test               debug/test commands, one per line on stdin (see run_test_command)
//   zkprover info               one JSON line: version, device, threads, memory
#include <malloc.h>
#include <unistd.h>

#include <condition_variable>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>

#include "field_ref.hpp"
#include "groth16.hpp"

using namespace zkp;

static const char* VERSION = "0.1.0";

static unsigned default_threads() {
  unsigned t = std::thread::hardware_concurrency();
  return t ? t : 1;
}

static void meminfo(uint64_t& total, uint64_t& avail) {
  total = avail = 0;
  std::ifstream f("/proc/meminfo");
  std::string k;
  uint64_t v;
  std::string unit;
  while (f >> k >> v >> unit) {
    if (k == "MemTotal:") total = v * 1024;
    if (k == "MemAvailable:") avail = v * 1024;
  }
}

static std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += ch;
    } else if ((unsigned char)ch < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", ch);
      o += b;
    } else {
      o += ch;
    }
  }
  return o + "\"";
}

static std::string device_json() {
  uint64_t total, avail;
  meminfo(total, avail);
  GpuBackend* gb = gpu_backend();
  std::string s = "\"version\":" + jstr(VERSION) + ",\"device\":" + jstr(gb ? "cuda" : "cpu") +
                  ",\"threads\":" + std::to_string(default_threads()) + ",\"memTotal\":" + std::to_string(total) +
                  ",\"memAvailable\":" + std::to_string(avail);
  if (gb) {
    s += ",\"gpuName\":" + jstr(gb->name()) + ",\"gpuMemTotal\":" + std::to_string(gb->mem_total()) +
         ",\"gpuMemFree\":" + std::to_string(gb->mem_free());
  }
  return s;
}

// ---------------- minimal JSON (flat object of string / number / bool / null) ----------------
static std::map<std::string, std::string> parse_flat_json(const std::string& s) {
  std::map<std::string, std::string> out;
  size_t p = 0;
  auto ws = [&]() {
    while (p < s.size() && isspace((unsigned char)s[p])) p++;
  };
  auto str = [&]() {
    if (s[p] != '"') throw std::runtime_error("expected string");
    p++;
    std::string r;
    while (p < s.size() && s[p] != '"') {
      if (s[p] == '\\') {
        p++;
        if (p >= s.size()) break;
        char e = s[p];
        if (e == 'n') r += '\n';
        else if (e == 't') r += '\t';
        else if (e == 'u') {
          if (p + 4 >= s.size()) throw std::runtime_error("bad escape");
          r += (char)std::stoi(s.substr(p + 1, 4), nullptr, 16);
          p += 4;
        } else r += e;
        p++;
      } else {
        r += s[p++];
      }
    }
    if (p >= s.size()) throw std::runtime_error("unterminated string");
    p++;
    return r;
  };
  ws();
  if (p >= s.size() || s[p] != '{') throw std::runtime_error("expected object");
  p++;
  ws();
  if (p < s.size() && s[p] == '}') return out;
  for (;;) {
    ws();
    std::string k = str();
    ws();
    if (p >= s.size() || s[p] != ':') throw std::runtime_error("expected ':'");
    p++;
    ws();
    std::string v;
    if (p < s.size() && s[p] == '"') {
      v = str();
    } else {
      size_t q = p;
      while (p < s.size() && s[p] != ',' && s[p] != '}') p++;
      v = s.substr(q, p - q);
      while (!v.empty() && isspace((unsigned char)v.back())) v.pop_back();
    }
    out[k] = v;
    ws();
    if (p < s.size() && s[p] == ',') {
      p++;
      continue;
    }
    if (p < s.size() && s[p] == '}') break;
    throw std::runtime_error("expected ',' or '}'");
  }
  return out;
}

// ---------------- sidecar ----------------
struct Sidecar {
  std::mutex outMu;
  std::mutex keysMu;
  std::map<std::string, std::shared_ptr<ZKey>> keys;  // by sha256

  std::mutex jobMu;
  bool busy = false;
  std::string jobId;
  std::atomic<bool> cancel{false};
  std::atomic<bool> timedOut{false};
  std::thread worker;
  unsigned threads = default_threads();
  double tableBudget = 2.0;   // multiple of a key's G1 point bytes for its MSM plans (GLV copies + tables)
  unsigned maxCopies = 16;    // fixed-base shifted copies per MSM at most

  void send(const std::string& json) {
    std::lock_guard<std::mutex> g(outMu);
    uint32_t jl = (uint32_t)json.size();
    uint32_t total = jl + 4;
    fwrite(&total, 4, 1, stdout);
    fwrite(&jl, 4, 1, stdout);
    fwrite(json.data(), 1, json.size(), stdout);
    fflush(stdout);
  }
  void reply_err(const std::string& id, const std::string& code, const std::string& msg) {
    send("{\"id\":" + jstr(id) + ",\"ok\":false,\"code\":" + jstr(code) + ",\"message\":" + jstr(msg) + "}");
  }

  static bool read_exact(void* buf, size_t n) {
    uint8_t* b = (uint8_t*)buf;
    while (n) {
      ssize_t r = read(0, b, n);
      if (r <= 0) return false;
      b += r;
      n -= (size_t)r;
    }
    return true;
  }

  std::string tables_json() {
    std::lock_guard<std::mutex> g(keysMu);
    std::string s = "[";
    bool first = true;
    for (auto& kv : keys) {
      if (!kv.second->plans) continue;
      if (!first) s += ",";
      first = false;
      const KeyPlans& kp = *kv.second->plans;
      s += "{\"sha256\":" + jstr(kv.first) + ",\"tableBudget\":" + std::to_string(kp.budget) +
           ",\"tableBytes\":" + std::to_string(kp.tableBytes) + ",\"budgetBytes\":" + std::to_string(kp.budgetBytes) +
           ",\"keyG1Bytes\":" + std::to_string(kp.keyG1Bytes) + ",\"tableBuildMs\":" +
           std::to_string((long long)kp.buildMs) + ",\"msms\":" + kp.json() + "}";
    }
    return s + "]";
  }

  std::string keys_json() {
    std::lock_guard<std::mutex> g(keysMu);
    std::string s = "[";
    bool first = true;
    for (auto& kv : keys) {
      if (!first) s += ",";
      first = false;
      s += jstr(kv.first);
    }
    return s + "]";
  }

  void handle(const std::map<std::string, std::string>& m, std::vector<uint8_t>&& payload) {
    auto get = [&](const char* k) {
      auto it = m.find(k);
      return it == m.end() ? std::string() : it->second;
    };
    std::string id = get("id");
    std::string op = get("op");
    if (op == "info") {
      bool b;
      {
        std::lock_guard<std::mutex> g(jobMu);
        b = busy;
      }
      send("{\"id\":" + jstr(id) + ",\"ok\":true," + device_json() + ",\"busy\":" + (b ? "true" : "false") +
           ",\"keys\":" + keys_json() + ",\"tables\":" + tables_json() + "}");
    } else if (op == "load") {
      std::string sha = get("sha256"), path = get("path");
      if (sha.empty() || path.empty()) return reply_err(id, "BAD_REQUEST", "load needs sha256 and path");
      {
        std::lock_guard<std::mutex> g(keysMu);
        if (keys.count(sha)) {
          send("{\"id\":" + jstr(id) + ",\"ok\":true,\"cached\":true}");
          return;
        }
      }
      double budget = tableBudget;
      std::string tb = get("tableBudget");
      if (!tb.empty()) {
        try {
          budget = std::stod(tb);
        } catch (...) {
          return reply_err(id, "BAD_REQUEST", "bad tableBudget");
        }
        if (!(budget >= 0 && budget <= 64)) return reply_err(id, "BAD_REQUEST", "tableBudget must be in [0, 64]");
      }
      try {
        auto zk = std::make_shared<ZKey>();
        double t0 = now_ms();
        zk->load(path);
        GpuBackend* gb = gpu_backend();
        if (gb) zk->gpu = gb->upload(*zk);
        double t1 = now_ms();
        Ctx lctx;
        lctx.threads = threads;
        zk->plans = build_key_plans(*zk, budget, maxCopies, lctx);
        {
          std::lock_guard<std::mutex> g(keysMu);
          keys[sha] = zk;
        }
        send("{\"id\":" + jstr(id) + ",\"ok\":true,\"cached\":false,\"nVars\":" + std::to_string(zk->nVars) +
             ",\"nPublic\":" + std::to_string(zk->nPublic) + ",\"domainSize\":" + std::to_string(zk->domainSize) +
             ",\"loadMs\":" + std::to_string((long long)(t1 - t0)) +
             ",\"tableBudget\":" + std::to_string(budget) + ",\"tableBytes\":" + std::to_string(zk->plans->tableBytes) +
             ",\"keyG1Bytes\":" + std::to_string(zk->plans->keyG1Bytes) + ",\"tableBuildMs\":" +
             std::to_string((long long)zk->plans->buildMs) + ",\"tables\":" + jstr(zk->plans->summary()) +
             ",\"msms\":" + zk->plans->json() + "}");
      } catch (const std::exception& e) {
        reply_err(id, "BAD_KEY", e.what());
      }
    } else if (op == "unload") {
      std::string sha = get("sha256");
      std::shared_ptr<ZKey> zk;
      {
        std::lock_guard<std::mutex> g(keysMu);
        auto it = keys.find(sha);
        if (it != keys.end()) {
          zk = it->second;
          keys.erase(it);
        }
      }
      send("{\"id\":" + jstr(id) + ",\"ok\":true,\"removed\":" + (zk ? "true" : "false") + "}");
    } else if (op == "cancel") {
      std::string target = get("target");
      bool hit = false;
      {
        std::lock_guard<std::mutex> g(jobMu);
        if (busy && (target.empty() || target == jobId)) {
          cancel = true;
          hit = true;
        }
      }
      send("{\"id\":" + jstr(id) + ",\"ok\":true,\"cancelled\":" + (hit ? "true" : "false") + "}");
    } else if (op == "prove") {
      std::shared_ptr<ZKey> zk;
      {
        std::lock_guard<std::mutex> g(keysMu);
        auto it = keys.find(get("sha256"));
        if (it != keys.end()) zk = it->second;
      }
      if (!zk) return reply_err(id, "NO_KEY", "key not loaded; send load first");
      long long timeoutMs = 0;
      try {
        std::string t = get("timeoutMs");
        if (!t.empty()) timeoutMs = std::stoll(t);
      } catch (...) {
        return reply_err(id, "BAD_REQUEST", "bad timeoutMs");
      }
      std::string wpath = get("witnessPath");
      {
        std::lock_guard<std::mutex> g(jobMu);
        if (busy) return reply_err(id, "BUSY", "a proof is already running; retry when it finishes");
        busy = true;
        jobId = id;
        cancel = false;
        timedOut = false;
      }
      if (worker.joinable()) worker.join();
      worker = std::thread([this, id, zk, wpath, timeoutMs, payload = std::move(payload)]() mutable {
        run_job(id, zk, wpath, timeoutMs, std::move(payload));
      });
    } else {
      reply_err(id, "BAD_REQUEST", "unknown op " + op);
    }
  }

  void run_job(const std::string& id, std::shared_ptr<ZKey> zk, const std::string& wpath, long long timeoutMs,
               std::vector<uint8_t>&& payload) {
    std::string reply;
    try {
      BinFile wf;
      if (!wpath.empty()) wf.data = read_file(wpath);
      else wf.data = std::move(payload);
      Witness w = parse_wtns(wf);
      Ctx ctx;
      ctx.threads = threads;
      ctx.cancel = &cancel;
      ctx.timedOut = &timedOut;
      if (timeoutMs > 0) ctx.deadlineMs = now_ms() + (double)timeoutMs;
      Timings tm;
      std::clock_t c0 = std::clock();
      Proof pr = prove(*zk, w, ctx, &tm);
      double cpuMs = (double)(std::clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
      reply = "{\"id\":" + jstr(id) + ",\"ok\":true,\"proof\":" + proof_json(pr) +
              ",\"publicSignals\":" + signals_json(pr) + ",\"ms\":" + std::to_string((long long)tm.total) +
              ",\"msm\":" + std::to_string((long long)tm.msm) + ",\"ntt\":" + std::to_string((long long)tm.ntt) +
              ",\"cpuMs\":" + std::to_string((long long)cpuMs) + ",\"msmCpuMs\":" + std::to_string((long long)tm.msmCpu) +
              ",\"scalars\":{\"zero\":" + std::to_string(tm.zero) + ",\"one\":" + std::to_string(tm.one) +
              ",\"small\":" + std::to_string(tm.small) + ",\"large\":" + std::to_string(tm.large) + "}}";
    } catch (const Cancelled&) {
      reply = timedOut ? "{\"id\":" + jstr(id) + ",\"ok\":false,\"code\":\"TIMEOUT\",\"message\":\"proof exceeded " +
                             std::to_string(timeoutMs) + " ms\"}"
                       : "{\"id\":" + jstr(id) + ",\"ok\":false,\"code\":\"CANCELLED\",\"message\":\"cancelled\"}";
    } catch (const FileError& e) {
      reply = "{\"id\":" + jstr(id) + ",\"ok\":false,\"code\":\"BAD_WITNESS\",\"message\":" + jstr(e.what()) + "}";
    } catch (const std::exception& e) {
      reply = "{\"id\":" + jstr(id) + ",\"ok\":false,\"code\":\"INTERNAL\",\"message\":" + jstr(e.what()) + "}";
    }
    {
      std::lock_guard<std::mutex> g(jobMu);
      busy = false;
    }
    send(reply);
  }

  int run() {
    send("{\"id\":\"\",\"ok\":true,\"event\":\"ready\"," + device_json() + "}");
    for (;;) {
      uint32_t total;
      if (!read_exact(&total, 4)) break;
      if (total < 4 || total > (1u << 30)) {
        reply_err("", "BAD_FRAME", "frame length out of range");
        break;
      }
      std::vector<uint8_t> frame(total);
      if (!read_exact(frame.data(), total)) break;
      uint32_t jl;
      memcpy(&jl, frame.data(), 4);
      if (jl > total - 4) {
        reply_err("", "BAD_FRAME", "json length out of range");
        break;
      }
      std::string json((const char*)frame.data() + 4, jl);
      std::vector<uint8_t> payload(frame.begin() + 4 + jl, frame.end());
      std::map<std::string, std::string> m;
      try {
        m = parse_flat_json(json);
      } catch (const std::exception& e) {
        reply_err("", "BAD_REQUEST", std::string("bad json: ") + e.what());
        continue;
      }
      handle(m, std::move(payload));
    }
    // stdin closed: stop any running job and exit
    cancel = true;
    if (worker.joinable()) worker.join();
    return 0;
  }
};

// ---------------- test / debug commands ----------------
static G1A rd_g1(std::istream& in) {
  std::string x, y;
  in >> x >> y;
  return G1A{Fq::from_dec(x), Fq::from_dec(y)};
}
static Fq2 rd_fq2(std::istream& in) {
  std::string a, b;
  in >> a >> b;
  return Fq2{Fq::from_dec(a), Fq::from_dec(b)};
}
static G2A rd_g2(std::istream& in) {
  Fq2 x = rd_fq2(in);
  Fq2 y = rd_fq2(in);
  return G2A{x, y};
}
static U256 rd_scalar(std::istream& in) {
  std::string k;
  in >> k;
  return u256_from_dec(k);
}
static std::string w_g1(const G1J& p) {
  G1A a = p.to_affine();
  return a.x.to_dec() + " " + a.y.to_dec();
}
static std::string w_g2(const G2J& p) {
  G2A a = p.to_affine();
  return a.x.c0.to_dec() + " " + a.x.c1.to_dec() + " " + a.y.c0.to_dec() + " " + a.y.c1.to_dec();
}

template <class F>
static std::string field_op(const std::string& op, std::istream& in) {
  std::string a, b;
  in >> a;
  F x = F::from_dec(a);
  if (op == "inv") return x.inv().to_dec();
  if (op == "neg") return x.neg().to_dec();
  if (op == "sqr") return x.sqr().to_dec();
  in >> b;
  F y = F::from_dec(b);
  if (op == "mul") return (x * y).to_dec();
  if (op == "add") return (x + y).to_dec();
  if (op == "sub") return (x - y).to_dec();
  throw std::runtime_error("unknown field op " + op);
}

static std::string run_test_command(const std::string& line, unsigned threads) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  Ctx ctx;
  ctx.threads = threads;
  if (cmd == "fr_root") {
    unsigned k;
    in >> k;
    return root_of_unity(k).to_dec();
  }
  if (cmd.rfind("fq_", 0) == 0) return field_op<Fq>(cmd.substr(3), in);
  if (cmd.rfind("fr_", 0) == 0) return field_op<Fr>(cmd.substr(3), in);
  if (cmd == "fq2_mul" || cmd == "fq2_inv" || cmd == "fq2_sqr") {
    Fq2 a = rd_fq2(in);
    Fq2 r = cmd == "fq2_inv" ? a.inv() : cmd == "fq2_sqr" ? a.sqr() : a * rd_fq2(in);
    return r.c0.to_dec() + " " + r.c1.to_dec();
  }
  if (cmd == "g1_add") {
    G1A a = rd_g1(in), b = rd_g1(in);
    return w_g1(G1J::from_affine(a).add(G1J::from_affine(b)));
  }
  if (cmd == "g1_madd") {
    G1A a = rd_g1(in), b = rd_g1(in);
    return w_g1(G1J::from_affine(a).add_mixed(b));
  }
  if (cmd == "g1_dbl") return w_g1(G1J::from_affine(rd_g1(in)).dbl());
  if (cmd == "g1_mul") {
    G1A a = rd_g1(in);
    U256 k = rd_scalar(in);
    return w_g1(G1J::from_affine(a).mul(k.v));
  }
  if (cmd == "g2_add") {
    G2A a = rd_g2(in), b = rd_g2(in);
    return w_g2(G2J::from_affine(a).add(G2J::from_affine(b)));
  }
  if (cmd == "g2_madd") {
    G2A a = rd_g2(in), b = rd_g2(in);
    return w_g2(G2J::from_affine(a).add_mixed(b));
  }
  if (cmd == "g2_dbl") return w_g2(G2J::from_affine(rd_g2(in)).dbl());
  if (cmd == "g2_mul") {
    G2A a = rd_g2(in);
    U256 k = rd_scalar(in);
    return w_g2(G2J::from_affine(a).mul(k.v));
  }
  if (cmd == "glv_check") {
    // beta^3 = 1 in Fq, lambda^3 = 1 in Fr, both nontrivial; the basis vectors lie in the lattice
    Fq b = glv::beta();
    Fr l = Fr::from_plain(glv::LAMBDA);
    bool ok1 = b * b * b == Fq::one() && b != Fq::one();
    bool ok2 = l * l * l == Fr::one() && l != Fr::one();
    Fr a1 = Fr::from_plain(glv::A1), nb1 = Fr::from_plain(glv::NB1), a2 = Fr::from_plain(glv::A2),
       b2 = Fr::from_plain(glv::B2);
    bool ok3 = (a1 - nb1 * l).is_zero() && (a2 + b2 * l).is_zero();
    return std::string(ok1 ? "1" : "0") + " " + (ok2 ? "1" : "0") + " " + (ok3 ? "1" : "0") + " " + b.to_dec() +
           " " + l.to_dec();
  }
  if (cmd == "glv_split") {
    // k -> k1 k2 (signed decimal), k = k1 + k2 lambda mod r
    U256 k = rd_scalar(in);
    glv::Split sp = glv::split(k.v);
    uint64_t a[4] = {sp.m1[0], sp.m1[1], 0, 0}, b[4] = {sp.m2[0], sp.m2[1], 0, 0};
    return std::string(sp.neg1 ? "-" : "") + u256_to_dec(a) + " " + (sp.neg2 ? "-" : "") + u256_to_dec(b);
  }
  if (cmd == "g1_phi") return w_g1(G1J::from_affine(glv::phi(rd_g1(in))));
  if (cmd == "g2_phi") return w_g2(G2J::from_affine(glv::phi(rd_g2(in))));
  if (cmd == "g1_msm_plan" || cmd == "g2_msm_plan") {
    // g1_msm_plan C M n x1 y1 k1 ...: the GLV / table / witness-structure path with window C (0 = auto)
    // and M fixed-base copies
    unsigned c, m;
    size_t n;
    in >> c >> m >> n;
    std::vector<U256> sc(n);
    auto run = [&](auto& pts) {
      typedef typename std::decay<decltype(pts[0])>::type A;
      std::vector<uint32_t> idx = nonzero_points(pts.data(), n);
      unsigned cc = c ? c : plan_best_c(idx.size(), m);
      MsmPlan<decltype(A::x)> P;
      build_plan(P, pts.data(), n, std::move(idx), cc, m, ctx);
      GlvScalars g = glv_split_all(sc.data(), n, ctx);
      return msm_plan(P, make_glv_digits(g, P.c, ctx), sc.data(), g.cls.data(), 0, ctx);
    };
    if (cmd == "g1_msm_plan") {
      std::vector<G1A> pts(n);
      for (size_t i = 0; i < n; i++) {
        pts[i] = rd_g1(in);
        sc[i] = rd_scalar(in);
      }
      return w_g1(run(pts));
    }
    std::vector<G2A> pts(n);
    for (size_t i = 0; i < n; i++) {
      pts[i] = rd_g2(in);
      sc[i] = rd_scalar(in);
    }
    return w_g2(run(pts));
  }
  if (cmd == "g1_msm" || cmd == "g2_msm") {
    size_t n;
    in >> n;
    std::vector<U256> sc(n);
    if (cmd == "g1_msm") {
      std::vector<G1A> pts(n);
      for (size_t i = 0; i < n; i++) {
        pts[i] = rd_g1(in);
        sc[i] = rd_scalar(in);
      }
      return w_g1(msm(pts.data(), sc.data(), n, ctx));
    }
    std::vector<G2A> pts(n);
    for (size_t i = 0; i < n; i++) {
      pts[i] = rd_g2(in);
      sc[i] = rd_scalar(in);
    }
    return w_g2(msm(pts.data(), sc.data(), n, ctx));
  }
  throw std::runtime_error("unknown command " + cmd);
}

static int cmd_test() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    try {
      std::cout << run_test_command(line, default_threads()) << "\n";
    } catch (const std::exception& e) {
      std::cout << "ERR " << e.what() << "\n";
    }
    std::cout.flush();
  }
  return 0;
}

static int cmd_prove(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: zkprover prove ZKEY WTNS PROOF_JSON PUBLIC_JSON [--threads N] [--timings] [--table-budget X] [--max-copies N]\n");
    return 2;
  }
  unsigned threads = default_threads();
  bool timings = false;
  // one-shot: GLV copies (cheap), no shifted tables unless asked for (they pay off over many proofs)
  double budget = 2.0;
  unsigned maxCopies = 1;
  for (int i = 6; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = (unsigned)std::stoul(argv[++i]);
    if (a == "--timings") timings = true;
    if (a == "--table-budget" && i + 1 < argc) budget = atof(argv[++i]);
    if (a == "--max-copies" && i + 1 < argc) maxCopies = (unsigned)std::max(1, atoi(argv[++i]));
  }
  try {
    ZKey zk;
    double t0 = now_ms();
    zk.load(argv[2], true);
    GpuBackend* gb = gpu_backend();
    if (gb) zk.gpu = gb->upload(zk);
    Ctx ctx;
    ctx.threads = threads;
    zk.plans = build_key_plans(zk, budget, maxCopies, ctx);
    double t1 = now_ms();
    BinFile wf;
    wf.data = read_file(argv[3]);
    Witness w = parse_wtns(wf);
    Timings tm;
#ifdef ZKP_COUNT_MULS
    mul_count() = 0;  // the proof only, not the key load / plans
#endif
    Proof pr = prove(zk, w, ctx, &tm);
#ifdef ZKP_COUNT_MULS
    fprintf(stderr, "field multiplications: %llu\n", (unsigned long long)mul_count().load());
#endif
    std::ofstream(argv[4]) << proof_json(pr) << "\n";
    std::ofstream(argv[5]) << signals_json(pr) << "\n";
    if (timings)
      fprintf(stderr,
              "load %.1f ms (plans %.1f ms, %.1f MiB: %s), abc %.1f ms, ntt %.1f ms, msm %.1f ms (CPU %.1f ms), prove total %.1f ms\n",
              t1 - t0, zk.plans->buildMs, (double)zk.plans->tableBytes / 1048576.0, zk.plans->summary().c_str(), tm.abc,
              tm.ntt, tm.msm, tm.msmCpu, tm.total);
    return 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

// `zkprover selftest [N] [SEED]`: the field kernels (Fq, Fr: mul, sqr, mul_lazy, add, sub, 512-bit product,
// REDC; Fq2 mul and sqr) against the reference arithmetic of field_ref.hpp on N random inputs per field (default
// 100000) plus edge values. Prints one JSON line; exit status 0 when everything matched.
// Bucket accumulation in G1 and G2: the IFMA flush (where the CPU has it) against the scalar one on the same
// adds, bucket by bucket (random buckets, repeated points: doublings, P + (-P), deferred collisions).
template <class F>
static std::string selftest_buckets(const Affine<F>& gen, const char* name, size_t npts, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<Affine<F>> pts(npts);
  Jac<F> acc = Jac<F>::from_affine(gen);
  for (auto& p : pts) {
    p = acc.to_affine();
    acc = acc.add_mixed(gen);
  }
  for (size_t nb : {64, 1024, 8192}) {
    const size_t cap = std::max<size_t>(32, std::min<size_t>(nb / 4, 2048));
    AffineBuckets<F> A(nb, cap), B(nb, cap);
    B.useIfma = false;
    for (size_t it = 0; it < 30000; it++) {
      uint32_t k = (uint32_t)(g() % nb);
      size_t j = g() % pts.size();
      const uint64_t sel = g() % 16;
      bool neg = (g() & 1) != 0;
      A.add_prefetched(k, &pts[j], neg);
      B.add_prefetched(k, &pts[j], neg);
      if (sel == 0) {  // the same point again: a doubling when the bucket held just this point
        A.add_prefetched(k, &pts[j], neg);
        B.add_prefetched(k, &pts[j], neg);
      } else if (sel == 1) {  // and its negation: the bucket may cancel
        A.add_prefetched(k, &pts[j], !neg);
        B.add_prefetched(k, &pts[j], !neg);
      }
    }
    A.finish();
    B.finish();
    for (size_t k = 0; k < nb; k++) {
      if (A.has[k] != B.has[k] || (A.has[k] && (A.b[k].x != B.b[k].x || A.b[k].y != B.b[k].y)) ||
          A.side[k].X != B.side[k].X || A.side[k].Y != B.side[k].Y || A.side[k].Z != B.side[k].Z)
        return std::string(name) + " buckets: IFMA and scalar flush differ (" + std::to_string(nb) + " buckets, bucket " +
               std::to_string(k) + ")";
    }
  }
  return "";
}

// NTT: the IFMA butterflies against the scalar ones (sizes 2^3 .. 2^14, 1 and 2 threads).
static std::string selftest_ntt(uint64_t seed) {
  std::mt19937_64 g(seed);
  for (unsigned logn : {1u, 2u, 3u, 4u, 7u, 10u, 12u, 13u, 15u}) {
    const size_t n = (size_t)1 << logn;
    std::vector<Fr> x(n);
    for (auto& v : x) {
      uint64_t t[4] = {g(), g(), g(), g() >> 3};
      v = Fr::from_plain(t);
    }
    if (logn == 7) x[5] = Fr::zero(), x[6] = Fr::one();
    const Fr w = root_of_unity(logn);
    for (unsigned threads : {1u, 2u}) {
      Ctx ctx;
      ctx.threads = threads;
      std::vector<Fr> y = x, z = x;
      ntt(y.data(), logn, w, ctx, nullptr, true);
      ntt(z.data(), logn, w, ctx, nullptr, false);
      for (size_t i = 0; i < n; i++)
        if (y[i] != z[i]) return "ntt: IFMA and scalar butterflies differ (2^" + std::to_string(logn) + ", index " + std::to_string(i) + ")";
    }
  }
  return "";
}

static int cmd_selftest(int argc, char** argv) {
  size_t n = argc > 2 ? (size_t)std::stoull(argv[2]) : 100000;
  uint64_t seed = argc > 3 ? (uint64_t)std::stoull(argv[3]) : (uint64_t)time(nullptr);
  std::string err = selftest_field<FqParams>("Fq", n, seed);
  if (err.empty()) err = selftest_field<FrParams>("Fr", n, seed + 1);
  if (err.empty()) err = selftest_fq2(n / 4, seed + 2);
#ifdef ZKP_HAVE_IFMA
  if (err.empty()) err = selftest_ifma<FqParams>("Fq", n, seed + 3);
  if (err.empty()) err = selftest_ifma<FrParams>("Fr", n, seed + 4);
  if (err.empty()) err = selftest_ifma_fq2(seed + 8);
  if (err.empty()) err = selftest_buckets(G1A{Fq::from_u64(1), Fq::from_u64(2)}, "G1", 4096, seed + 5);
  if (err.empty())
    err = selftest_buckets(
        G2A{Fq2{Fq::from_dec("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
                Fq::from_dec("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
            Fq2{Fq::from_dec("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
                Fq::from_dec("4082367875863433681332203403145435568316851327593401208105741076214120093531")}},
        "G2", 1024, seed + 6);
  if (err.empty()) err = selftest_ntt(seed + 7);
  const char* kern = "adx+ifma";
#elif defined(ZKP_HAVE_ADX)
  const char* kern = "adx";
#else
  const char* kern = "portable";
#endif
  printf("{\"ok\":%s,\"inputs\":%zu,\"seed\":%llu,\"kernels\":\"%s\",\"error\":\"%s\"}\n", err.empty() ? "true" : "false", n,
         (unsigned long long)seed, kern, err.c_str());
  return err.empty() ? 0 : 1;
}

int main(int argc, char** argv) {
  // Keep freed blocks in the heap: a proof allocates the same large buffers (digits, buckets, polynomials)
  // each time, and mmap'd blocks would be unmapped and faulted in (zeroed by the kernel) again per proof.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::string mode = argc > 1 ? argv[1] : "sidecar";
  if (mode == "sidecar") {
    Sidecar sc;
    if (const char* e = getenv("ZKPROVER_TABLE_BUDGET")) sc.tableBudget = atof(e);
    for (int i = 2; i < argc; i++) {
      std::string a = argv[i];
      if (a == "--table-budget" && i + 1 < argc) sc.tableBudget = atof(argv[++i]);
      if (a == "--max-copies" && i + 1 < argc) sc.maxCopies = (unsigned)std::max(1, atoi(argv[++i]));
    }
    if (!(sc.tableBudget >= 0 && sc.tableBudget <= 64)) sc.tableBudget = 2.0;
    return sc.run();
  }
  if (mode == "test") return cmd_test();
  if (mode == "selftest") return cmd_selftest(argc, argv);
  if (mode == "prove") return cmd_prove(argc, argv);
  if (mode == "info") {
    printf("{%s}\n", device_json().c_str());
    return 0;
  }
  fprintf(stderr, "usage: zkprover [sidecar|prove|test|selftest|info]\n");
  return 2;
}

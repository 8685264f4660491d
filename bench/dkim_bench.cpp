// DKIM throughput beside the OpenSSL primitives it rests on, measured in the same binary so
// that the ratio shows how much the core adds (bench/; the README's performance targets):
//   sign/s    dkim::Signer over a ~2 KB message    vs  EVP RSA-2048 / Ed25519 sign of 32 bytes
//   verify/s  dkim::verify_message + MemoryResolver vs EVP RSA-2048 / Ed25519 verify
//   MB/s      dkim::BodyHasher, 1 MB in 64 KB chunks vs EVP_Digest SHA-256 of the same bytes
//             (BM_Dkim_BodyHashStreamed: with mail::BodyNormalizer before it, as parsed mail)
// The raw side is set up as `openssl speed` runs it (one context, reused). Each dnsauth
// benchmark carries `ratio_vs_openssl`: our rate over the raw rate (1.0: the core costs
// nothing beyond the primitive), measured paired so that load on a shared machine affects
// both sides alike (see paired_ratio). `allocs_per_msg` counts operator new calls per
// operation (OpenSSL's own mallocs are not counted). BM_Dkim_SignDigest, BM_Dkim_SignerFeed
// and BM_Dkim_DecodeKeyAndVerify take the per-message cost apart.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/base64.h"
#include "core/dkim/canonicalize.h"
#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"
#include "core/dkim/signer.h"
#include "core/dkim/verifier.h"
#include "core/dns/resolver.h"
#include "core/mail/line_ends.h"
#include "core/mail/message.h"

// ---- allocation counting: every operator new in the process --------------------------------
// GCC 12 cannot see that these replace the global operators and warns at every inlined
// delete; the pairing is right (malloc in new, free in delete).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::uint64_t> g_allocs{0};
}
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace dnsauth;

constexpr std::int64_t kNow = 1736846465;  // fixed t=, the core never reads the clock
constexpr std::size_t kBodyBytes = 1 << 20;
constexpr std::size_t kChunkBytes = 64 << 10;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "dkim_bench: %s\n", why.c_str());
  std::exit(2);
}

// ---- fixtures, built once -------------------------------------------------------------------

// Text lines of about 70 characters as people and mail clients write them: paragraphs with
// blank lines between, quoted replies, an indented (TAB) line now and then, some trailing
// spaces, a few double spaces after a full stop. Deterministic.
std::string realistic_body(std::size_t bytes, std::uint32_t seed) {
  static const char* words[] = {
      "the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on",
      "are", "as", "with", "his", "they", "at", "be", "this", "have", "from", "or", "one",
      "had", "by", "word", "but", "not", "what", "all", "were", "we", "when", "your", "can",
      "said", "there", "use", "an", "each", "which", "she", "do", "how", "their", "if",
      "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some",
      "quarterly", "figures", "release", "schedule", "meeting", "attached", "regards",
      "deployment", "signature", "message", "customer", "invoice", "Thursday", "review,",
      "please", "thanks.", "agreed.", "tomorrow", "numbers", "draft", "version", "2.4.1",
      "caf\xc3\xa9", "na\xc3\xafve", "\xe2\x82\xac" "120", "d\xc3\xa9j\xc3\xa0"};
  constexpr std::size_t nwords = sizeof words / sizeof words[0];
  std::mt19937 rng(seed);
  auto pct = [&](unsigned p) { return rng() % 100 < p; };
  std::string out;
  out.reserve(bytes + 128);
  bool quoting = false;
  while (out.size() < bytes) {
    if (pct(6)) {  // paragraph break
      out += "\r\n";
      quoting = pct(25);
      continue;
    }
    std::string line;
    if (quoting) line += "> ";
    if (pct(4)) line += '\t';
    std::size_t target = 58 + rng() % 18;
    while (line.size() < target) {
      if (!line.empty() && line.back() != '\t' && line != "> ") {
        line += (line.back() == '.' && pct(30)) ? "  " : " ";
      }
      line += words[rng() % nwords];
      if (pct(8)) line += '.';
    }
    if (pct(10)) line.append(1 + rng() % 3, ' ');  // trailing spaces
    if (pct(2)) line += '\t';                      // a trailing tab
    out += line;
    out += "\r\n";
  }
  out.resize(bytes);
  // Keep the body in CRLF form: never end on a lone CR.
  if (out.back() == '\r') out.back() = 'x';
  return out;
}

std::string message_2k() {
  std::string headers =
      "Received: from submit.example.net (submit.example.net [192.0.2.25])\r\n"
      "\tby mx1.example.com (Postfix) with ESMTPSA id 4Xk2pQ1abcz9sWx\r\n"
      "\tfor <bob@example.org>; Tue, 14 Jan 2025 10:21:07 +0100 (CET)\r\n"
      "From: Alice Example <alice@example.com>\r\n"
      "To: Bob Receiver <bob@example.org>, carol@example.org\r\n"
      "Cc: \"Dave D.\" <dave@example.net>\r\n"
      "Subject: Quarterly figures and the plan for the next release\r\n"
      "Date: Tue, 14 Jan 2025 10:21:05 +0100\r\n"
      "Message-ID: <20250114092105.12345.abcdef@example.com>\r\n"
      "In-Reply-To: <20250113170211.998.xyz@example.org>\r\n"
      "References: <20250110081500.1.abc@example.com>\r\n"
      " <20250113170211.998.xyz@example.org>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=\"utf-8\"; format=flowed\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Thunderbird/128.6.0\r\n"
      "Content-Language: en-GB\r\n"
      "\r\n";
  return headers + realistic_body(2048 - headers.size(), 7);
}

struct Keys {
  std::shared_ptr<const dkim::PrivateKey> rsa;
  std::shared_ptr<const dkim::PrivateKey> ed;
};

const Keys& keys() {
  static const Keys k = [] {
    auto rsa = dkim::PrivateKey::generate_rsa(2048);
    if (!rsa) die("RSA key generation: " + rsa.error().message());
    // RFC 8463 A.1's seed; any key would do, Ed25519 signing time does not depend on it.
    std::string seed = *decode_base64("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
    auto ed = dkim::PrivateKey::from_ed25519_seed(seed);
    if (!ed) die("Ed25519 key: " + ed.error().message());
    return Keys{std::make_shared<const dkim::PrivateKey>(std::move(*rsa)),
                std::make_shared<const dkim::PrivateKey>(std::move(*ed))};
  }();
  return k;
}

const mail::Message& message() {
  static const mail::Message m = [] {
    auto parsed = mail::parse_message(message_2k());
    if (!parsed) die("fixture message does not parse: " + parsed.error().message());
    return std::move(*parsed);
  }();
  return m;
}

std::vector<dkim::SignerSpec> specs_for(const std::shared_ptr<const dkim::PrivateKey>& key) {
  dkim::SignerSpec s;
  s.domain = "example.com";
  s.selector = key->type() == dkim::KeyType::rsa ? "s2026r" : "s2026e";
  s.key = key;
  return {s};  // relaxed/relaxed and the recommended header list, as the signer's default
}

// The message as a verifier receives it: the signature on top, the TXT record in "DNS".
struct SignedFixture {
  mail::Message msg;
  dns::MemoryResolver resolver;
};

SignedFixture& signed_fixture(const std::shared_ptr<const dkim::PrivateKey>& key) {
  static std::map<const dkim::PrivateKey*, std::unique_ptr<SignedFixture>> cache;
  auto& slot = cache[key.get()];
  if (slot) return *slot;
  slot = std::make_unique<SignedFixture>();
  auto sigs = dkim::sign_message(message(), specs_for(key), kNow);
  if (!sigs) die("signing the fixture: " + sigs.error().message());
  auto field = mail::HeaderField::from_raw(sigs->front().raw());
  if (!field) die("signature field does not parse: " + field.error().message());
  slot->msg = message();
  slot->msg.headers.insert(slot->msg.headers.begin(), std::move(*field));
  const auto spec = specs_for(key).front();
  std::string record = std::string("v=DKIM1; k=") + (key->type() == dkim::KeyType::rsa ? "rsa" : "ed25519") +
                       "; p=" + encode_base64(key->public_key_record_bytes());
  slot->resolver.add_txt(dkim::key_record_name(spec.selector, spec.domain), record);
  return *slot;
}

const std::string& body_1mb() {
  static const std::string b = realistic_body(kBodyBytes, 42);
  return b;
}

const std::string& digest32() {
  static const std::string d(32, '\x5a');
  return d;
}

// ---- the raw OpenSSL primitives, set up the way `openssl speed` runs them: one context,
// reused for every call. ---------------------------------------------------------------------

// One signing or one verifying context for a key; RSASSA-PKCS1-v1_5 with SHA-256 for RSA,
// PureEdDSA for Ed25519, as core/dkim/crypto.cpp uses them.
class RawContext {
 public:
  RawContext(const dkim::PrivateKey& key, bool signing) {
    int ok;
    if (key.type() == dkim::KeyType::rsa) {
      pctx_ = EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr);
      ok = pctx_ && (signing ? EVP_PKEY_sign_init(pctx_) : EVP_PKEY_verify_init(pctx_)) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(pctx_, RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(pctx_, dkim::sha256()) == 1;
    } else {
      mctx_ = EVP_MD_CTX_new();
      auto init = signing ? EVP_DigestSignInit_ex : EVP_DigestVerifyInit_ex;
      ok = init(mctx_, nullptr, nullptr, nullptr, nullptr, key.native(), nullptr) == 1;
    }
    if (!ok) die("EVP context set-up failed");
  }
  ~RawContext() {
    EVP_PKEY_CTX_free(pctx_);
    EVP_MD_CTX_free(mctx_);
  }
  RawContext(const RawContext&) = delete;
  RawContext& operator=(const RawContext&) = delete;

  // The signature of dgst in sig_ (resized); false on failure.
  bool sign(const std::string& dgst) {
    sig_.resize(512);
    auto* out = reinterpret_cast<unsigned char*>(sig_.data());
    const auto* in = reinterpret_cast<const unsigned char*>(dgst.data());
    size_t len = sig_.size();
    int ok = pctx_ ? EVP_PKEY_sign(pctx_, out, &len, in, dgst.size())
                   : EVP_DigestSign(mctx_, out, &len, in, dgst.size());
    sig_.resize(ok == 1 ? len : 0);
    return ok == 1;
  }
  bool verify(const std::string& dgst, const std::string& sig) {
    const auto* s = reinterpret_cast<const unsigned char*>(sig.data());
    const auto* in = reinterpret_cast<const unsigned char*>(dgst.data());
    return (pctx_ ? EVP_PKEY_verify(pctx_, s, sig.size(), in, dgst.size())
                  : EVP_DigestVerify(mctx_, s, sig.size(), in, dgst.size())) == 1;
  }
  const std::string& signature() const { return sig_; }

 private:
  EVP_PKEY_CTX* pctx_ = nullptr;  // RSA
  EVP_MD_CTX* mctx_ = nullptr;    // Ed25519
  std::string sig_;
};

// Verifies one fixed signature of digest32(), made with the same key.
struct RawVerifier {
  RawContext ctx;
  std::string sig;
  explicit RawVerifier(const dkim::PrivateKey& key) : ctx(key, false) {
    RawContext signer(key, true);
    if (!signer.sign(digest32())) die("raw sign for the verify fixture failed");
    sig = signer.signature();
  }
  bool verify() { return ctx.verify(digest32(), sig); }
};

// ---- ratio bookkeeping -----------------------------------------------------------------------

// Counts operator new calls over a benchmark's timed loop: from construction to stop().
class AllocMeter {
 public:
  AllocMeter() : start_(g_allocs.load(std::memory_order_relaxed)) {}
  void stop(const benchmark::State& state) {
    auto n = g_allocs.load(std::memory_order_relaxed) - start_;
    per_iteration_ = state.iterations() ? static_cast<double>(n) / static_cast<double>(state.iterations()) : 0;
  }
  double per_iteration() const { return per_iteration_; }

 private:
  std::uint64_t start_;
  double per_iteration_ = 0;
};

// Our rate over the raw rate for the same work per call, measured paired: one raw call, one
// of ours, alternately, each timed in thread CPU time, for `budget` CPU seconds. On a shared
// machine the cost of an operation drifts with what runs beside it; pairing exposes both sides
// to the same drift, which separate benchmark runs do not.
template <class Ours, class Raw>
double paired_ratio(Ours&& ours, Raw&& raw, double budget = 0.3) {
  double t_ours = 0, t_raw = 0;
  const double start = thread_cpu_seconds();
  double now = start;
  while (now - start < budget) {
    double a = thread_cpu_seconds();
    raw();
    double b = thread_cpu_seconds();
    ours();
    now = thread_cpu_seconds();
    t_raw += b - a;
    t_ours += now - b;
  }
  return t_ours > 0 ? t_raw / t_ours : 0;
}

// The timed loop over `ours` (false means it failed), then the counters: the paired ratio
// against `raw`, allocations per operation, operations per second.
template <class Ours, class Raw>
void run_against_raw(benchmark::State& state, Ours&& ours, Raw&& raw, const char* failure) {
  AllocMeter allocs;
  for (auto _ : state) {
    if (!ours()) {
      state.SkipWithError(failure);
      return;
    }
  }
  allocs.stop(state);
  state.counters["ratio_vs_openssl"] = paired_ratio(ours, raw);
  state.counters["allocs_per_msg"] = allocs.per_iteration();
  state.SetItemsProcessed(state.iterations());
}

const std::shared_ptr<const dkim::PrivateKey>& key_for(int which) {
  return which == 0 ? keys().rsa : keys().ed;
}

// ---- sign ------------------------------------------------------------------------------------

void BM_OpenSSL_Sign(benchmark::State& state, int which) {
  RawContext s(*key_for(which), true);
  for (auto _ : state) {
    if (!s.sign(digest32())) {
      state.SkipWithError("EVP sign failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// One message as the milter signs it: a Signer per message, every header, the body, finish.
bool sign_once(const std::vector<dkim::SignerSpec>& specs, const mail::Message& msg) {
  auto signer = dkim::Signer::create(specs);
  if (!signer) return false;
  for (const auto& h : msg.headers) signer->header(h);
  signer->body(msg.body);
  auto sigs = signer->finish(kNow);
  if (!sigs) return false;
  benchmark::DoNotOptimize(sigs->front().value.data());
  return true;
}

void BM_Dkim_Sign(benchmark::State& state, int which) {
  const auto specs = specs_for(key_for(which));
  const mail::Message& msg = message();
  RawContext raw(*key_for(which), true);
  run_against_raw(
      state, [&] { return sign_once(specs, msg); }, [&] { raw.sign(digest32()); }, "signing failed");
  state.counters["msg_bytes"] = static_cast<double>(msg.serialize().size());
}

// The core's own primitive call, PrivateKey::sign_digest, which sets up a fresh OpenSSL
// context for every signature: the difference from BM_OpenSSL_Sign is that set-up.
void BM_Dkim_SignDigest(benchmark::State& state, int which) {
  const auto& key = key_for(which);
  RawContext raw(*key, true);
  auto once = [&] {
    auto sig = key->sign_digest(digest32());
    benchmark::DoNotOptimize(sig);
    return sig.has_value();
  };
  run_against_raw(state, once, [&] { raw.sign(digest32()); }, "sign_digest failed");
}

// Everything the Signer does for a message except finish() (which signs): Signer::create,
// the header copies and the body hash of the 2 KB body. Shows the fixed cost per message.
void BM_Dkim_SignerFeed(benchmark::State& state) {
  const auto specs = specs_for(keys().rsa);
  const mail::Message& msg = message();
  AllocMeter allocs;
  for (auto _ : state) {
    auto signer = dkim::Signer::create(specs);
    for (const auto& h : msg.headers) signer->header(h);
    signer->body(msg.body);
    benchmark::DoNotOptimize(&*signer);
  }
  allocs.stop(state);
  state.counters["allocs_per_msg"] = allocs.per_iteration();
  state.SetItemsProcessed(state.iterations());
}

// ---- verify ----------------------------------------------------------------------------------

void BM_OpenSSL_Verify(benchmark::State& state, int which) {
  RawVerifier v(*key_for(which));
  for (auto _ : state) {
    if (!v.verify()) {
      state.SkipWithError("EVP verify failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// One signed 2 KB message: parse the signature, fetch and parse the key record (from memory),
// body hash, header hash, verify.
void BM_Dkim_Verify(benchmark::State& state, int which) {
  SignedFixture& fx = signed_fixture(key_for(which));
  dkim::VerifyOptions opt;
  opt.now = kNow;
  RawVerifier raw(*key_for(which));
  auto once = [&] {
    auto r = dkim::verify_message(fx.msg, fx.resolver, opt);
    return r.size() == 1 && r[0].status == dkim::Status::pass;
  };
  run_against_raw(state, once, [&] { raw.verify(); }, "the signed fixture does not verify");
}

// RFC 6376 5.4.2 header selection at scale: a message with N X-Filler fields and 8 Ed25519
// signatures whose h= lists every one of them, verified. Linear in N (Google Benchmark fits
// the complexity, "BigO"); selecting from the bottom for every h= name was quadratic (20,000
// fields took 9 s).
void BM_Dkim_VerifyLongHeaderLists(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  const auto& key = key_for(1);
  SignedFixture& base = signed_fixture(key);
  mail::Message msg = message();
  for (int i = 0; i < n; ++i) msg.headers.push_back(*mail::HeaderField::from_raw("X-Filler: " + std::to_string(i) + "\r\n"));
  dkim::SignerSpec spec = specs_for(key).front();
  spec.headers = dkim::HeaderPolicy{{"from", "x-filler"}, {}};
  auto sigs = dkim::sign_message(msg, std::vector<dkim::SignerSpec>(8, spec), kNow);
  if (!sigs) die("signing the long header list: " + sigs.error().message());
  for (auto f = sigs->rbegin(); f != sigs->rend(); ++f) msg.headers.insert(msg.headers.begin(), *mail::HeaderField::from_raw(f->raw()));
  dkim::VerifyOptions opt;
  opt.now = kNow;
  opt.max_signed_fields = 1000000;
  for (auto _ : state) {
    auto r = dkim::verify_message(msg, base.resolver, opt);
    if (r.size() != 8 || r[0].status != dkim::Status::pass) state.SkipWithError("the long header lists do not verify");
    benchmark::DoNotOptimize(r);
  }
  state.SetComplexityN(n);
}

// What verify_message does with the key for each signature: decode p= into an OpenSSL key
// (PublicKey::from_record_bytes), then verify_digest with a fresh context.
void BM_Dkim_DecodeKeyAndVerify(benchmark::State& state, int which) {
  const auto& key = key_for(which);
  const std::string p = key->public_key_record_bytes();
  RawVerifier raw(*key);
  auto once = [&] {
    auto pub = dkim::PublicKey::from_record_bytes(key->type(), p);
    return pub && pub->verify_digest(digest32(), raw.sig);
  };
  run_against_raw(state, once, [&] { raw.verify(); }, "decode or verify failed");
}

// ---- body canonicalization + hash ------------------------------------------------------------

void raw_sha256(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, dkim::sha256(), nullptr);
  benchmark::DoNotOptimize(out);
}

void BM_OpenSSL_SHA256(benchmark::State& state) {
  const std::string& body = body_1mb();
  for (auto _ : state) raw_sha256(body);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// The body as the milter's body callback delivers it, 64 KB chunks, into one BodyHasher. The
// hasher's contract is that no CRLF is split across chunks, so a cut that would fall between a
// CR and its LF is moved one byte on (mail::BodyNormalizer does that for real input; its cost
// is BM_Dkim_BodyHashStreamed's).
const std::vector<std::string_view>& body_1mb_chunks() {
  static const std::vector<std::string_view> chunks = [] {
    std::string_view all(body_1mb());
    std::vector<std::string_view> out;
    for (std::size_t off = 0; off < all.size();) {
      std::size_t end = std::min(all.size(), off + kChunkBytes);
      if (end < all.size() && all[end - 1] == '\r' && all[end] == '\n') ++end;
      out.push_back(all.substr(off, end - off));
      off = end;
    }
    return out;
  }();
  return chunks;
}

void BM_Dkim_BodyHash(benchmark::State& state, dkim::Canon canon) {
  const std::string& body = body_1mb();
  auto once = [&] {
    dkim::BodyHasher h(canon);
    for (std::string_view chunk : body_1mb_chunks()) h.update(chunk);
    auto digest = h.finish();
    benchmark::DoNotOptimize(digest.data());
  };
  for (auto _ : state) once();
  state.counters["ratio_vs_openssl"] = paired_ratio(once, [&] { raw_sha256(body); });
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// The whole body path of mail::MessageParser::body: plain 64 KB cuts, through the
// mail::BodyNormalizer (bare-LF scan, CRs at chunk ends held), into one BodyHasher.
void BM_Dkim_BodyHashStreamed(benchmark::State& state, dkim::Canon canon) {
  const std::string& body = body_1mb();
  auto once = [&] {
    std::string_view all(body);
    mail::BodyNormalizer n;
    dkim::BodyHasher h(canon);
    auto hash = [&h](std::string_view chunk) { h.update(chunk); };
    for (std::size_t off = 0; off < all.size(); off += kChunkBytes) n.feed(all.substr(off, kChunkBytes), hash);
    n.finish(hash);
    auto digest = h.finish();
    benchmark::DoNotOptimize(digest.data());
  };
  for (auto _ : state) once();
  state.counters["ratio_vs_openssl"] = paired_ratio(once, [&] { raw_sha256(body); });
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

BENCHMARK_CAPTURE(BM_OpenSSL_Sign, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_Sign, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OpenSSL_Sign, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_Sign, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_SignDigest, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_SignDigest, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Dkim_SignerFeed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OpenSSL_Verify, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_Verify, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OpenSSL_Verify, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_Verify, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_DecodeKeyAndVerify, rsa2048, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_DecodeKeyAndVerify, ed25519, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenSSL_SHA256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Dkim_VerifyLongHeaderLists)->RangeMultiplier(4)->Range(1000, 16000)->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dkim_BodyHash, simple, dkim::Canon::simple)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_BodyHash, relaxed, dkim::Canon::relaxed)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_BodyHashStreamed, simple, dkim::Canon::simple)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dkim_BodyHashStreamed, relaxed, dkim::Canon::relaxed)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

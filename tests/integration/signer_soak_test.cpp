// dnsauth-signer under load with faults, the short version of scripts/soak.sh: 1,000 messages
// at concurrency 16 from bench/milter_soak, 5 % of the sessions cut at a random stage, reloads
// every 0.2 s cycling a valid configuration, a broken one, a key change and another broken one;
// every answer right, the signer alive and stopping cleanly. And 1,000 reloads in a row, each
// a key change: the signer's RSS after the 1,000th within a small tolerance of the 100th (a
// key set that outlived its reload would show as a leak per reload).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/proc_stats.h"
#include "support/process.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test {
namespace {

namespace fs = std::filesystem;

// Both built in this tree; empty when it was configured without them.
#ifdef DNSAUTH_SIGNER_EXE
const fs::path kSigner = DNSAUTH_SIGNER_EXE;
#else
const fs::path kSigner;
#endif
#ifdef DNSAUTH_MILTER_SOAK_EXE
const fs::path kSoakClient = DNSAUTH_MILTER_SOAK_EXE;
#else
const fs::path kSoakClient;
#endif

#if defined(__SANITIZE_THREAD__)
// Under ThreadSanitizer (DNSAUTH_TSAN) the signer's RSS is mostly the sanitizer's shadow memory
// and access history, which grow with use: there the soak checks answers and races, not memory.
constexpr bool kMemoryMeasured = false;
#else
constexpr bool kMemoryMeasured = true;
#endif

// Key set A: the fixture's keys (r1 RSA, e1 Ed25519), on_mismatch = "accept". Key set B: new
// keys under the same selectors (a key change), on_mismatch = "reject". Each has a broken
// twin the signer must refuse to reload: A with a line that is not TOML, B with an RSA key
// file others can read.
class SignerSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kSigner.empty()) GTEST_SKIP() << "built without the tools";
    port_ = free_loopback_port();
    dir_.write_key("b-rsa.pem", *dkim::PrivateKey::generate_rsa(2048));
    dir_.write_key("b-ed.pem", *dkim::PrivateKey::generate_ed25519());
    dir_.write_key("b-rsa-open.pem", *dkim::PrivateKey::generate_rsa(2048), 0644);
    a_ = dir_.write_config(config("accept", "rsa.pem", "ed.pem"), "A.toml");
    broken_toml_ = dir_.write_config(config("accept", "rsa.pem", "ed.pem") + "this line is not TOML\n", "broken-toml.toml");
    b_ = dir_.write_config(config("reject", "b-rsa.pem", "b-ed.pem"), "B.toml");
    broken_key_ = dir_.write_config(config("reject", "b-rsa-open.pem", "b-ed.pem"), "broken-key.toml");
    live_ = dir_.write_config(config("accept", "rsa.pem", "ed.pem"));
  }
  void TearDown() override {
    if (proc_ && HasFailure()) std::cerr << "--- signer log (last 4 KB) ---\n" << tail(proc_->log(), 4096);
  }

  std::string config(const std::string& on_mismatch, const std::string& rsa, const std::string& ed) const {
    return "[signer]\nsocket = \"inet:" + std::to_string(port_) + "@127.0.0.1\"\nkey_dir = \"keys\"\nlog = \"stderr\"\n"
           "on_mismatch = \"" + on_mismatch + "\"\n\n[[domain]]\nname = \"example.com\"\nauth = \"domain\"\n"
           "  [[domain.selector]]\n  name = \"r1\"\n  key = \"" + rsa + "\"\n"
           "  [[domain.selector]]\n  name = \"e1\"\n  algorithm = \"ed25519-sha256\"\n  key = \"" + ed + "\"\n";
  }
  void start() { proc_ = std::make_unique<SignerProcess>(kSigner, live_, port_, log_file()); }
  fs::path log_file() const { return dir_.dir() / "signer.log"; }
  static std::string tail(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(s.size() - n) : s; }

  SignerDir dir_;
  int port_ = 0;
  fs::path a_, broken_toml_, b_, broken_key_, live_;
  std::unique_ptr<SignerProcess> proc_;
};

TEST_F(SignerSoak, ThousandMessagesWithDropsAndReloads) {
  if (kSoakClient.empty()) GTEST_SKIP() << "built without bench/milter_soak (DNSAUTH_BENCH=OFF)";
  start();
  auto r = run_process(kSoakClient, {"--milter", "inet:" + std::to_string(port_) + "@127.0.0.1",
                                    "--pid", std::to_string(proc_->pid()), "--config", live_.string(),
                                    "--signer-log", log_file().string(), "--cycle", a_.string(),
                                    "--cycle", broken_toml_.string(), "--cycle", b_.string(),
                                    "--cycle", broken_key_.string(), "--messages", "1000", "--concurrency", "16",
                                    "--drop", "0.05", "--reload-every", "0.2", "--warmup", "500",
                                    "--report-at", "250", "--rss-tolerance-kib", kMemoryMeasured ? "2048" : "100000000",
                                    "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["wrong"], 0) << r.out;
  EXPECT_EQ(j["log_mismatches"], 0) << r.out;
  EXPECT_EQ(j["errors"], 0) << r.out;
  EXPECT_EQ(j["crashed"], false);
  EXPECT_EQ(j["flat"], true) << r.out;
  EXPECT_GT(j["dropped"].get<int>(), 0) << r.out;
  EXPECT_EQ(j["completed"].get<int>() + j["dropped"].get<int>(), 1000) << r.out;
  // The reloads happened and did what each file says; both key sets signed.
  EXPECT_GE(j["reloads"]["applied"].get<int>(), 2) << r.out;
  EXPECT_GE(j["reloads"]["refused"].get<int>(), 2) << r.out;
  EXPECT_EQ(j["reloads"]["unexpected"], 0) << r.out;
  EXPECT_GT(j["signed_by"]["A"].get<int>(), 0) << r.out;
  EXPECT_GT(j["signed_by"]["B"].get<int>(), 0) << r.out;
  EXPECT_GT(j["rejected"].get<int>(), 0) << "B's on_mismatch = \"reject\" answered no message: " << r.out;
  std::cout << r.out;
  EXPECT_EQ(proc_->stop(), 0) << "the signer did not stop cleanly on SIGTERM";
  std::string log = proc_->log();
  EXPECT_EQ(log.find("ThreadSanitizer"), std::string::npos) << tail(log, 8192);
}

// Counts the lines holding `what` that the signer appends to its log, reading only what is new.
class LogCounter {
 public:
  explicit LogCounter(fs::path p) : path_(std::move(p)) {}
  // Waits until `count` such lines were seen; false after `timeout`.
  bool wait_for(const std::string& what, int count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (seen_ < count) {
      std::ifstream in(path_, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offset_));
      std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::size_t p = 0;
      for (std::size_t nl; (nl = chunk.find('\n', p)) != std::string::npos; p = nl + 1)
        if (std::string_view(chunk).substr(p, nl - p).find(what) != std::string_view::npos) ++seen_;
      offset_ += p;
      if (seen_ >= count) break;
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

 private:
  fs::path path_;
  std::uintmax_t offset_ = 0;
  int seen_ = 0;
};

TEST_F(SignerSoak, AThousandReloadsKeepRssFlat) {
  // Each reload swaps in a new key set (A and B alternately: every key parsed anew) and the
  // old one must be freed once no message holds it. RSS is read after the 100th reload, when
  // the allocator has reached its working size, and after the 1,000th.
  if (!kMemoryMeasured) GTEST_SKIP() << "RSS under ThreadSanitizer is mostly its own shadow memory";
  start();
  constexpr int kReloads = 1000;
  constexpr long kToleranceKib = 256;  // 900 reloads: a leak of 300 bytes per reload shows
  const std::string a = read_text(a_), b = read_text(b_);
  LogCounter reloaded(log_file());
  long rss_at_100 = 0, rss_at_1000 = 0, fds_at_100 = 0, fds_at_1000 = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= kReloads; ++i) {
    SignerDir::write_file(live_.string() + ".next", i % 2 ? b : a);
    fs::rename(live_.string() + ".next", live_);
    proc_->signal(SIGHUP);
    ASSERT_TRUE(reloaded.wait_for("reloaded ", i)) << "reload " << i << " was not logged";
    if (i == 100) {
      rss_at_100 = proc::status_field(proc_->pid(), "VmRSS:");
      fds_at_100 = proc::open_fds(proc_->pid());
    }
  }
  rss_at_1000 = proc::status_field(proc_->pid(), "VmRSS:");
  fds_at_1000 = proc::open_fds(proc_->pid());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << kReloads << " reloads in " << seconds << " s; RSS " << rss_at_100 << " KiB after 100, " << rss_at_1000
            << " KiB after " << kReloads << "; descriptors " << fds_at_100 << " and " << fds_at_1000 << "\n";
  RecordProperty("rss_kib_after_100", std::to_string(rss_at_100));
  RecordProperty("rss_kib_after_1000", std::to_string(rss_at_1000));
  EXPECT_GT(rss_at_100, 0);
  EXPECT_LE(rss_at_1000, rss_at_100 + kToleranceKib);
  EXPECT_EQ(fds_at_1000, fds_at_100);
  EXPECT_EQ(proc_->log().find("reload refused"), std::string::npos);
  EXPECT_EQ(proc_->stop(), 0) << "the signer did not stop cleanly on SIGTERM";
}

}  // namespace
}  // namespace dnsauth::test

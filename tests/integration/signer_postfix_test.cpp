// dnsauth-signer behind a real Postfix with Cyrus SASL, end to end: Postfix on
// loopback ports with its own config directory, logins from a sasldb file, submissions with
// swaks, and the messages read back from the delivered maildir. Signed when the login may use
// the From, unsigned when it may not or when unauthenticated, refused with on_mismatch =
// "reject"; the delivered signatures verify with dnsauth and with dkimpy; SIGHUPs during a
// submission run lose no message. Postfix and the milter are stopped even when a test fails.
// Needs root (Postfix must be started as root) and the Debian packages of scripts/setup.sh.
#include <gtest/gtest.h>
#include <grp.h>
#include <pwd.h>

#include <atomic>
#include <set>
#include <thread>

#include "support/signer_fixture.h"
#include "support/signer_process.h"
#include "support/test_support.h"

namespace dnsauth::test {
namespace {

namespace fs = std::filesystem;

const std::string kPassword = "s3cret-pass";

struct PostfixWorld {
  SignerDir keys;  // the signer's config and keys live here too
  fs::path root;   // Postfix's instance directory
  int submission_port = 0, open_port = 0, milter_port = 0;
  std::unique_ptr<SignerProcess> milter;
  bool postfix_started = false;
  std::string setup_error;

  fs::path etc() const { return root / "etc"; }
  fs::path maildir() const { return root / "mail" / "example.org" / "bob" / "new"; }
  std::string maillog() const { return read_text(root / "maillog"); }

  std::string signer_toml(const std::string& on_mismatch, const std::string& extra = "") const {
    return signer_config("socket = \"inet:" + std::to_string(milter_port) + "@127.0.0.1\"\non_mismatch = \"" + on_mismatch +
                             "\"\n" + extra,
                         "name = \"example.com\"\nauth = \"address\"\n");
  }

  void write(const fs::path& p, const std::string& text) const { SignerDir::write_file(p, text, 0644); }

  void run(const std::string& what, const std::vector<std::string>& argv, const std::string& input = {}) const {
    auto r = run_process(argv[0], std::vector<std::string>(argv.begin() + 1, argv.end()), input);
    if (r.status != 0) throw std::runtime_error(what + " failed (" + std::to_string(r.status) + "): " + r.out + r.err);
  }

  void start() {
    root = keys.dir() / "postfix";
    fs::create_directories(etc() / "sasl");
    fs::create_directories(root / "mail");
    fs::create_directories(root / "queue");  // postfix start creates what goes inside
    ::chmod((root / "queue").c_str(), 0755);
    ::chmod(keys.dir().c_str(), 0755);
    ::chmod(root.c_str(), 0755);
    const passwd* nobody = ::getpwnam("nobody");
    if (::chown((root / "mail").c_str(), nobody ? nobody->pw_uid : 65534, nobody ? nobody->pw_gid : 65534) != 0)
      throw std::runtime_error("chown mail dir failed");
    submission_port = free_port();
    open_port = free_port();
    milter_port = free_port();

    // The milter first: with milter_default_action = tempfail, Postfix refuses mail without it.
    auto config = keys.write_config(signer_toml("accept"));
#ifdef DNSAUTH_SIGNER_EXE
    milter = std::make_unique<SignerProcess>(DNSAUTH_SIGNER_EXE, config, milter_port, keys.dir() / "signer.log");
#else
    throw std::runtime_error("built without the tools");
#endif

    const std::string r = root.string();
    write(etc() / "main.cf",
          "compatibility_level = 3.6\n"
          "queue_directory = " + r + "/queue\n"
          "data_directory = " + r + "/data\n"
          "maillog_file = " + r + "/maillog\n"
          "maillog_file_prefixes = " + r + "\n"
          "myhostname = mx.dnsauth.test\n"
          "mydomain = dnsauth.test\n"
          "inet_interfaces = loopback-only\n"
          "inet_protocols = ipv4\n"
          "mynetworks = 127.0.0.0/8\n"
          "mydestination =\n"
          "alias_maps =\n"
          "alias_database =\n"
          "local_recipient_maps =\n"
          "default_transport = error:no mail leaves a test\n"
          "relay_transport = error:no mail leaves a test\n"
          "virtual_mailbox_domains = example.org\n"
          "virtual_mailbox_base = " + r + "/mail\n"
          "virtual_mailbox_maps = inline:{ {bob@example.org=example.org/bob/} }\n"
          "virtual_uid_maps = static:" + std::to_string(nobody ? nobody->pw_uid : 65534) + "\n"
          "virtual_gid_maps = static:" + std::to_string(nobody ? nobody->pw_gid : 65534) + "\n"
          "smtpd_sasl_type = cyrus\n"
          "smtpd_sasl_path = smtpd\n"
          "cyrus_sasl_config_path = " + r + "/etc/sasl\n"
          "smtpd_tls_auth_only = no\n"
          "smtpd_tls_security_level = none\n"
          "smtputf8_enable = no\n"
          "biff = no\n"
          "smtpd_milters = inet:127.0.0.1:" + std::to_string(milter_port) + "\n"
          "non_smtpd_milters = $smtpd_milters\n"
          "milter_default_action = tempfail\n"
          "milter_protocol = 6\n"
          "milter_macro_daemon_name = ORIGINATING\n");
    std::string smtpd = " inet n - n - - smtpd";
    write(etc() / "master.cf",
          "127.0.0.1:" + std::to_string(submission_port) + smtpd +
              "\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
              "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
              "127.0.0.1:" + std::to_string(open_port) + smtpd +
              "\n  -o smtpd_relay_restrictions=permit_mynetworks,reject\n"
              "  -o smtpd_recipient_restrictions=permit_mynetworks,reject\n"
              "cleanup unix n - n - 0 cleanup\n"
              "qmgr unix n - n 300 1 qmgr\n"
              "rewrite unix - - n - - trivial-rewrite\n"
              "bounce unix - - n - 0 bounce\n"
              "defer unix - - n - 0 bounce\n"
              "trace unix - - n - 0 bounce\n"
              "verify unix - - n - 1 verify\n"
              "flush unix n - n 1000? 0 flush\n"
              "proxymap unix - - n - - proxymap\n"
              "proxywrite unix - - n - 1 proxymap\n"
              "smtp unix - - n - - smtp\n"
              "relay unix - - n - - smtp\n"
              "showq unix n - n - - showq\n"
              "error unix - - n - - error\n"
              "retry unix - - n - - error\n"
              "discard unix - - n - - discard\n"
              "virtual unix - n n - - virtual\n"
              "anvil unix - - n - 1 anvil\n"
              "scache unix - - n - 1 scache\n"
              "postlog unix-dgram n - n - 1 postlogd\n");
    write(etc() / "sasl" / "smtpd.conf", "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: " +
                                           r + "/sasldb2\n");
    for (const char* user : {"alice", "mallory"})
      run("saslpasswd2", {"/usr/sbin/saslpasswd2", "-p", "-f", r + "/sasldb2", "-c", "-u", "example.com", user}, kPassword);
    // A 0600 sasldb gives "454 4.7.0 Temporary authentication failure": smtpd runs as postfix.
    const group* pg = ::getgrnam("postfix");
    if (!pg || ::chown((root / "sasldb2").c_str(), 0, pg->gr_gid) != 0) throw std::runtime_error("chown sasldb2 failed");
    ::chmod((root / "sasldb2").c_str(), 0640);

    postfix_started = true;  // from here on, stop() runs even if start fails half-way
    run("postfix start", {"/usr/sbin/postfix", "-c", etc().string(), "start"});
    for (int i = 0; i < 300 && !(port_open(submission_port) && port_open(open_port)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!port_open(submission_port)) throw std::runtime_error("Postfix does not listen:\n" + maillog());
  }

  void stop() {
    if (postfix_started) {
      run_process("/usr/sbin/postfix", {"-c", etc().string(), "stop"});
      postfix_started = false;
    }
    if (milter) {
      milter->stop();
      milter.reset();
    }
  }

  // swaks through the submission port (user non-empty) or the open one (user empty).
  ProcessResult submit(const std::string& user, const std::string& token, const std::string& from = "alice@example.com",
                       const std::vector<std::string>& added_fields = {}) const {
    std::vector<std::string> args = {"--server", "127.0.0.1:" + std::to_string(user.empty() ? open_port : submission_port),
                                     "--from", from, "--to", "bob@example.org", "--h-Subject", token,
                                     "--body", "Test message " + token + "\n\nwith a second paragraph.\n",
                                     "--timeout", "30"};
    for (const auto& f : added_fields) args.insert(args.end(), {"--add-header", f});
    if (!user.empty()) {
      args.insert(args.end(), {"--auth", "PLAIN", "--auth-user", user, "--auth-password", kPassword});
    }
    return run_process("/usr/bin/swaks", args);
  }

  // The delivered files whose text holds `token`, waiting up to `timeout` for `count` of them.
  std::vector<std::string> delivered(const std::string& token, std::size_t count = 1,
                                     std::chrono::seconds timeout = std::chrono::seconds(30)) const {
    auto end = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> found;
    do {
      found.clear();
      std::error_code ec;
      if (fs::exists(maildir(), ec)) {
        for (const auto& e : fs::directory_iterator(maildir(), ec)) {
          std::string text = read_text(e.path());
          if (text.find(token) != std::string::npos) found.push_back(text);
        }
      }
      if (found.size() >= count) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < end);
    return found;
  }
};

PostfixWorld* world = nullptr;

class SignerPostfix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world = new PostfixWorld();
    if (::geteuid() != 0 || !fs::exists("/usr/sbin/postfix") || !fs::exists("/usr/bin/swaks") ||
        !fs::exists("/usr/sbin/saslpasswd2")) {
      world->setup_error = "needs root, postfix, swaks and sasl2-bin (scripts/setup.sh)";
      return;
    }
    try {
      world->start();
    } catch (const std::exception& e) {
      world->setup_error = e.what();
      world->stop();
    }
  }
  static void TearDownTestSuite() {
    world->stop();
    delete world;
    world = nullptr;
  }
  void SetUp() override {
#ifndef DNSAUTH_SIGNER_EXE
    GTEST_SKIP() << "built without the tools";
#endif
    if (!world->setup_error.empty()) {
      if (world->setup_error.starts_with("needs root")) GTEST_SKIP() << world->setup_error;
      FAIL() << "fixture: " << world->setup_error;
    }
  }
  void TearDown() override {
    if (HasFailure() && world) {
      std::cerr << "--- Postfix maillog ---\n" << world->maillog() << "--- signer log ---\n"
                << (world->milter ? world->milter->log() : std::string()) << "\n";
    }
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  }
  static void expect_verifies(const std::string& message, const std::string& name) {
    auto resolver = SignerDir::resolver();
    auto v = verify_with_dnsauth(message, resolver);
    ASSERT_EQ(v.size(), 2u);
    for (const auto& s : v) EXPECT_EQ(s.status, dkim::Status::pass) << s.selector << ": " << s.reason();
    auto file = world->keys.dir() / (name + ".eml");
    SignerDir::write_file(file, message);
    EXPECT_EQ(verify_with_dkimpy(file), (std::vector<bool>{true, true}));
  }
};

TEST_F(SignerPostfix, SignedWhenTheLoginMayUseTheFrom) {
  auto r = world->submit("alice@example.com", "token-signed-1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto msgs = world->delivered("token-signed-1");
  ASSERT_EQ(msgs.size(), 1u);
  const std::string& m = msgs[0];
  EXPECT_EQ(count(m, "DKIM-Signature:"), 2u) << m;
  EXPECT_NE(m.find("DKIM-Signature: v=1; a=rsa-sha256;"), std::string::npos) << m;
  EXPECT_LT(m.find("DKIM-Signature: v=1; a=rsa-sha256;"), m.find("DKIM-Signature: v=1; a=ed25519-sha256;")) << m;
  expect_verifies(m, "signed-1");
  EXPECT_TRUE(world->milter->wait_for_log("login=alice@example.com decision=signed selectors=r1,e1"));
}

TEST_F(SignerPostfix, UnsignedWhenTheLoginMayNotUseTheFrom) {
  auto r = world->submit("mallory@example.com", "token-mismatch-1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto msgs = world->delivered("token-mismatch-1");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].find("DKIM-Signature:"), std::string::npos) << msgs[0];
  EXPECT_TRUE(world->milter->wait_for_log("login=mallory@example.com decision=skipped selectors=- reason=not_allowed"));
}

TEST_F(SignerPostfix, UnsignedWhenUnauthenticated) {
  auto r = world->submit("", "token-anon-1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto msgs = world->delivered("token-anon-1");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].find("DKIM-Signature:"), std::string::npos) << msgs[0];
  EXPECT_TRUE(world->milter->wait_for_log("login=- decision=skipped selectors=- reason=unauthenticated"));
}

TEST_F(SignerPostfix, RefusedWithOnMismatchReject) {
  int reloads = static_cast<int>(count(world->milter->log(), "reloaded "));
  world->keys.write_config(world->signer_toml("reject"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 1));
  auto r = world->submit("mallory@example.com", "token-reject-1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE((r.out + r.err).find("550 5.7.1 login mallory@example.com may not send as alice@example.com"),
            std::string::npos)
      << r.out << r.err;
  auto ok = world->submit("alice@example.com", "token-reject-ok");
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  ASSERT_EQ(world->delivered("token-reject-ok").size(), 1u);
  EXPECT_TRUE(world->delivered("token-reject-1", 1, std::chrono::seconds(2)).empty());
  EXPECT_NE(world->maillog().find("milter-reject: END-OF-MESSAGE"), std::string::npos) << world->maillog();
  // Back to accepting, for the other tests.
  world->keys.write_config(world->signer_toml("accept"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 2));
}

TEST_F(SignerPostfix, ForgedAuthenticationResultsAreDeletedBeforeDelivery) {
  // RFC 8601 5, through Postfix's own header editing: the fields claiming our authserv_id are
  // gone from the delivered message, signed or not; another ADMD's field is delivered.
  int reloads = static_cast<int>(count(world->milter->log(), "reloaded "));
  world->keys.write_config(world->signer_toml("accept", "authserv_id = \"mx.example.com\"\n"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 1));
  const std::vector<std::string> fields = {"Authentication-Results: mx.example.com; dkim=pass header.d=bank.example",
                                           "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org",
                                           "Authentication-Results: Mx.Example.Com; dmarc=pass header.from=bank.example"};
  for (const std::string user : {"alice@example.com", ""}) {
    std::string token = user.empty() ? "token-ar-anon" : "token-ar-signed";
    auto r = world->submit(user, token, "alice@example.com", fields);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto msgs = world->delivered(token);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].find("bank.example"), std::string::npos) << msgs[0];
    EXPECT_NE(msgs[0].find("Authentication-Results: mx.example.org;"), std::string::npos) << msgs[0];
    if (user.empty()) EXPECT_EQ(msgs[0].find("DKIM-Signature:"), std::string::npos) << msgs[0];
    else expect_verifies(msgs[0], "ar-signed");
  }
  EXPECT_EQ(count(world->milter->log(), " authres_removed=2"), 2u) << world->milter->log();
  world->keys.write_config(world->signer_toml("accept"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 2));
}

TEST_F(SignerPostfix, SimpleCanonicalizationSurvivesPostfixsHeaderHandling) {
  // simple/simple signs the DKIM-Signature field byte for byte as the milter hands it over
  // (LF folds, the leading space): what Postfix writes must be exactly that.
  int reloads = static_cast<int>(count(world->milter->log(), "reloaded "));
  world->keys.write_config(world->signer_toml("accept", "canonicalization = \"simple/simple\"\n"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 1));
  auto r = world->submit("alice@example.com", "token-simple-1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto msgs = world->delivered("token-simple-1");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("c=simple/simple;"), std::string::npos) << msgs[0];
  expect_verifies(msgs[0], "simple-1");
  world->keys.write_config(world->signer_toml("accept"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 2));
}

TEST_F(SignerPostfix, SighupsDuringASubmissionRunLoseNoMessage) {
  constexpr int kMessages = 24;
  std::atomic<bool> done{false};
  std::thread hupper([&] {
    while (!done) {
      world->milter->signal(SIGHUP);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  });
  std::vector<std::thread> senders;
  std::atomic<int> failures{0};
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < kMessages; i += 2) {
        auto r = world->submit("alice@example.com", "token-hup-" + std::to_string(i) + "-end");
        if (r.status != 0) failures++;
      }
    });
  }
  for (auto& s : senders) s.join();
  done = true;
  hupper.join();
  EXPECT_EQ(failures.load(), 0);
  auto msgs = world->delivered("token-hup-", kMessages);
  ASSERT_EQ(msgs.size(), static_cast<std::size_t>(kMessages));
  std::set<std::string> tokens;
  for (const auto& m : msgs) {
    auto p = m.find("token-hup-");
    tokens.insert(m.substr(p, m.find("-end", p) - p));
    EXPECT_EQ(count(m, "DKIM-Signature:"), 2u) << m;
  }
  EXPECT_EQ(tokens.size(), static_cast<std::size_t>(kMessages));
  expect_verifies(msgs[0], "hup-0");
  EXPECT_TRUE(world->milter->alive());
  EXPECT_GE(count(world->milter->log(), "reloaded "), 3u);
}

}  // namespace
}  // namespace dnsauth::test

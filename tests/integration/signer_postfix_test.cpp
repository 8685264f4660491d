// dnsauth-signer behind a real Postfix with Cyrus SASL, end to end: Postfix on
// loopback ports with its own config directory, logins from a sasldb file, submissions with
// swaks, and the messages read back from the delivered maildir. Signed when the login may use
// the From, unsigned when it may not or when unauthenticated, refused with on_mismatch =
// "reject"; the delivered signatures verify with dnsauth and with dkimpy; SIGHUPs during a
// submission run lose no message; a soak through Postfix's own queue with key changes, broken
// reloads and a restart of the signer delivers every message once, signed (scripts/
// soak-postfix.sh runs it with 2,000). Postfix and the milter are stopped even when a test fails.
// Needs root (Postfix must be started as root) and the Debian packages of scripts/setup.sh.
#include <gtest/gtest.h>
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
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
  std::uint16_t submission_port = 0, open_port = 0, milter_port = 0;
  // Mail handed in here (no milter, no login) is queued and relayed by Postfix's own smtp client,
  // logged in as alice, to the submission port: when the milter is down, that hop is deferred
  // and Postfix's queue retries it, as a satellite MTA or a queueing MUA would.
  std::uint16_t relay_port = 0;
  // Submission where Postfix itself enforces smtpd_sender_login_maps (reject_sender_login_mismatch)
  // with the very file the signer reads as its login_map.
  std::uint16_t login_map_port = 0;
  std::unique_ptr<SignerProcess> milter;
  bool postfix_started = false;
  std::string setup_error;

  fs::path etc() const { return root / "etc"; }
  fs::path maildir() const { return root / "mail" / "example.org" / "bob" / "new"; }
  std::string maillog() const { return read_text(root / "maillog"); }
  // The one sender login map: Postfix's smtpd_sender_login_maps and the signer's login_map.
  fs::path sender_login() const { return etc() / "sender_login"; }

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
    submission_port = free_loopback_port();
    open_port = free_loopback_port();
    milter_port = free_loopback_port();
    relay_port = free_loopback_port();
    login_map_port = free_loopback_port();

    // The milter first: with milter_default_action = tempfail, Postfix refuses mail without it.
    start_milter(keys.write_config(signer_toml("accept")));

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
          "milter_macro_daemon_name = ORIGINATING\n"
          // The relay hop: retried within seconds, logged in with PLAIN without TLS (loopback).
          "queue_run_delay = 1s\n"
          "minimal_backoff_time = 1s\n"
          "maximal_backoff_time = 2s\n"
          "relay_sasl_passwords = inline:{ {[127.0.0.1]:" + std::to_string(submission_port) + "=alice@example.com:" +
              kPassword + "} }\n");
    std::string smtpd = " inet n - n - - smtpd";
    write(etc() / "master.cf",
          "127.0.0.1:" + std::to_string(submission_port) + smtpd +
              "\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
              "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
              "127.0.0.1:" + std::to_string(login_map_port) + smtpd +
              "\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
              "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
              "  -o smtpd_sender_login_maps=cdb:" + sender_login().string() + "\n"
              "  -o smtpd_sender_restrictions=reject_sender_login_mismatch\n"
              "127.0.0.1:" + std::to_string(open_port) + smtpd +
              "\n  -o smtpd_relay_restrictions=permit_mynetworks,reject\n"
              "  -o smtpd_recipient_restrictions=permit_mynetworks,reject\n"
              "127.0.0.1:" + std::to_string(relay_port) + smtpd +
              "\n  -o smtpd_milters=\n  -o content_filter=submission-relay:[127.0.0.1]:" + std::to_string(submission_port) +
              "\n  -o smtpd_relay_restrictions=permit_mynetworks,reject\n"
              "  -o smtpd_recipient_restrictions=permit_mynetworks,reject\n"
              "submission-relay unix - - n - - smtp\n  -o smtp_sasl_auth_enable=yes\n"
              "  -o smtp_sasl_password_maps=$relay_sasl_passwords\n  -o smtp_sasl_security_options=noanonymous\n"
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

    // Who owns which sender address, as an ISP keeps it for Postfix: written once, compiled with
    // postmap, read by both.
    write(sender_login(), "# smtpd_sender_login_maps\n"
                          "alice@example.com    alice@example.com\n"
                          "shared@example.com   alice@example.com, mallory@example.com\n");
    run("postmap", {"/usr/sbin/postmap", "-c", etc().string(), "cdb:" + sender_login().string()});

    postfix_started = true;  // from here on, stop() runs even if start fails half-way
    run("postfix start", {"/usr/sbin/postfix", "-c", etc().string(), "start"});
    for (int i = 0; i < 300 && !(loopback_accepts(submission_port) && loopback_accepts(open_port) && loopback_accepts(relay_port) &&
                                 loopback_accepts(login_map_port));
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!loopback_accepts(submission_port)) throw std::runtime_error("Postfix does not listen:\n" + maillog());
  }

  // dnsauth-signer on milter_port, its log appended to signer.log.
  void start_milter(const fs::path& config) {
#ifdef DNSAUTH_SIGNER_EXE
    milter = std::make_unique<SignerProcess>(DNSAUTH_SIGNER_EXE, config, milter_port, keys.dir() / "signer.log");
#else
    (void)config;
    throw std::runtime_error("built without the tools");
#endif
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

  // swaks through the submission port (user non-empty) or the open one (user empty), or the
  // port given.
  ProcessResult submit(const std::string& user, const std::string& token, const std::string& from = "alice@example.com",
                       const std::vector<std::string>& added_fields = {}, int port = 0) const {
    if (port == 0) port = user.empty() ? open_port : submission_port;
    std::vector<std::string> args = {"--server", "127.0.0.1:" + std::to_string(port),
                                     "--from", from, "--to", "bob@example.org", "--h-Subject", token,
                                     "--body", "Test message " + token + "\n\nwith a second paragraph.\n",
                                     "--timeout", "30"};
    // Fields are added; a From replaces swaks' own (the envelope sender stays --from).
    for (const auto& f : added_fields) args.insert(args.end(), {f.starts_with("From:") ? "--header" : "--add-header", f});
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

// An ISP's one source of truth for who owns which address: Postfix refuses a MAIL FROM the
// login does not own (reject_sender_login_mismatch, postconf(5)), and the signer, reading the
// same cdb file as its login_map, signs only a header From the login owns. Postfix checks the
// envelope only; a login that owns its envelope sender but writes another owner's address into
// From gets through Postfix and is delivered unsigned.
TEST_F(SignerPostfix, TheLoginMapPostfixEnforcesIsTheOneTheSignerSignsBy) {
  int reloads = static_cast<int>(count(world->milter->log(), "reloaded "));
  world->keys.write_config(signer_config(
      "socket = \"inet:" + std::to_string(world->milter_port) + "@127.0.0.1\"\non_mismatch = \"accept\"\n"
          "login_map = \"cdb:" + world->sender_login().string() + "\"\n",
      "name = \"example.com\"\nauth = \"login-map\"\n"));
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 1));
  const int port = world->login_map_port;

  // alice owns alice@example.com: Postfix accepts, the signer signs.
  auto own = world->submit("alice@example.com", "token-loginmap-own", "alice@example.com", {}, port);
  ASSERT_EQ(own.status, 0) << own.out << own.err;
  auto msgs = world->delivered("token-loginmap-own");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(count(msgs[0], "DKIM-Signature:"), 2u) << msgs[0];
  expect_verifies(msgs[0], "loginmap-own");

  // mallory does not own alice@example.com: Postfix refuses the MAIL FROM; nothing reaches the signer.
  auto stolen = world->submit("mallory@example.com", "token-loginmap-stolen", "alice@example.com", {}, port);
  EXPECT_NE(stolen.status, 0);
  EXPECT_NE((stolen.out + stolen.err).find("Sender address rejected: not owned by user mallory@example.com"),
            std::string::npos)
      << stolen.out << stolen.err;

  // shared@example.com lists both: Postfix accepts mallory, the signer signs for her.
  auto shared = world->submit("mallory@example.com", "token-loginmap-shared", "shared@example.com", {}, port);
  ASSERT_EQ(shared.status, 0) << shared.out << shared.err;
  msgs = world->delivered("token-loginmap-shared");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(count(msgs[0], "DKIM-Signature:"), 2u) << msgs[0];
  EXPECT_TRUE(world->milter->wait_for_log("login=mallory@example.com decision=signed"));

  // mallory's envelope is hers to use, the header From is alice's: Postfix lets it through, the
  // signer does not sign it.
  auto header = world->submit("mallory@example.com", "token-loginmap-header", "shared@example.com",
                              {"From: Alice <alice@example.com>"}, port);
  ASSERT_EQ(header.status, 0) << header.out << header.err;
  msgs = world->delivered("token-loginmap-header");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].find("DKIM-Signature:"), std::string::npos) << msgs[0];
  EXPECT_NE(msgs[0].find("From: Alice <alice@example.com>"), std::string::npos) << msgs[0];
  EXPECT_TRUE(world->milter->wait_for_log("login=mallory@example.com decision=skipped selectors=- reason=not_allowed"));

  // Back to the address rule, for the other tests.
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

// How many messages the soak below sends: DNSAUTH_POSTFIX_SOAK_MESSAGES (scripts/soak-postfix.sh
// sets 2,000), else 100.
int soak_messages() {
  const char* e = std::getenv("DNSAUTH_POSTFIX_SOAK_MESSAGES");
  return e && std::atoi(e) > 0 ? std::atoi(e) : 100;
}

std::size_t files_in(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  return n;
}

TEST_F(SignerPostfix, SoakThroughPostfixsQueueWithReloadsAndARestart) {
  // Messages handed to Postfix on the relay port reach the signer through Postfix's smtp client
  // logged in as alice (SASL PLAIN) on the submission port. Meanwhile a SIGHUP every 0.5 s
  // cycles key set B (new keys for r1 and e1), a broken file, key set A, a broken file; half
  // way through the signer is stopped for 2 s and started again. With milter_default_action =
  // tempfail, Postfix defers what reaches it while the signer is down and its queue retries:
  // every message must be delivered exactly once, signed, its signatures verifying with A's
  // or B's keys.
  const int n = soak_messages();
  world->keys.write_key("b-rsa.pem", *dkim::PrivateKey::generate_rsa(2048));
  world->keys.write_key("b-ed.pem", *dkim::PrivateKey::generate_ed25519());
  const std::string a = world->signer_toml("accept");
  std::string b = a;
  for (const std::string key : {"rsa.pem", "ed.pem"}) {
    auto at = b.find("key = \"" + key + "\"");
    ASSERT_NE(at, std::string::npos) << b;
    b.replace(at, 7 + key.size() + 1, "key = \"b-" + key + "\"");
  }
  const std::string broken = a + "this line is not TOML\n";
  const std::string* cycle[] = {&b, &broken, &a, &broken};
  dns::MemoryResolver keys_a = SignerDir::resolver(), keys_b;
  {
    auto rsa = world->keys.key_path("b-rsa.pem"), ed = world->keys.key_path("b-ed.pem");
    keys_b.add_txt(dns_name("r1", "example.com"), key_record_for(*dkim::PrivateKey::from_pem(read_text(rsa))));
    keys_b.add_txt(dns_name("e1", "example.com"), key_record_for(*dkim::PrivateKey::from_pem(read_text(ed))));
  }
  const fs::path config = world->keys.dir() / "dnsauth.toml";
  auto write_config = [&](const std::string& text) {
    SignerDir::write_file(config.string() + ".next", text);
    fs::rename(config.string() + ".next", config);
  };
  const std::size_t deferred_before = count(world->maillog(), "status=deferred");

  std::mutex milter_mutex;  // the SIGHUPs pause while the signer restarts
  std::atomic<bool> done{false};
  std::atomic<int> hups{0};
  std::thread hupper([&] {
    for (int i = 0; !done; ++i) {
      {
        std::lock_guard lock(milter_mutex);
        write_config(*cycle[i % 4]);
        world->milter->signal(SIGHUP);
        ++hups;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult injected;
  std::thread injector([&] {
    // One SMTP session, a transaction per message (Debian's python3 and smtplib).
    injected = run_process("/usr/bin/python3",
                           {"-c",
                            "import smtplib, sys\n"
                            "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)\n"
                            "for i in range(int(sys.argv[2])):\n"
                            "    s.sendmail('alice@example.com', ['bob@example.org'],\n"
                            "        'From: Alice <alice@example.com>\\r\\nTo: bob@example.org\\r\\n'\n"
                            "        'Subject: soak-%d-end\\r\\nMessage-ID: <soak-%d@example.com>\\r\\n'\n"
                            "        'Date: Mon, 23 Nov 2026 10:00:00 +0000\\r\\n\\r\\nMessage %d of the soak.\\r\\n' % (i, i, i))\n"
                            "s.quit()\n",
                            std::to_string(world->relay_port), std::to_string(n)});
  });

  // The restart, once half the messages are delivered.
  const std::size_t half = files_in(world->maildir()) + static_cast<std::size_t>(n / 2);
  for (int i = 0; i < 1200 && files_in(world->maildir()) < half; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  double down_seconds = 0;
  {
    std::lock_guard lock(milter_mutex);
    auto down = std::chrono::steady_clock::now();
    EXPECT_EQ(world->milter->stop(), 0) << "the signer did not stop cleanly";
    std::this_thread::sleep_for(std::chrono::seconds(2));
    write_config(a);
    world->start_milter(config);
    down_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - down).count();
  }
  injector.join();
  ASSERT_EQ(injected.status, 0) << injected.out << injected.err;
  auto msgs = world->delivered("soak-", n, std::chrono::seconds(120 + n / 10));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  hupper.join();

  std::map<std::string, int> copies;
  int by_a = 0, by_b = 0, unsigned_ = 0, not_verifying = 0;
  for (const auto& m : msgs) {
    auto p = m.find("Subject: soak-");
    ASSERT_NE(p, std::string::npos) << m;
    ++copies[m.substr(p + 9, m.find("-end", p) - p - 9)];
    if (count(m, "DKIM-Signature:") == 0) {
      ++unsigned_;
      continue;
    }
    auto pass_with = [&](dns::MemoryResolver& r) {
      auto v = verify_with_dnsauth(m, r);
      return v.size() == 2 && std::all_of(v.begin(), v.end(), [](const auto& s) { return s.status == dkim::Status::pass; });
    };
    if (pass_with(keys_a)) ++by_a;
    else if (pass_with(keys_b)) ++by_b;
    else ++not_verifying;
  }
  int duplicates = 0;
  for (const auto& [token, c] : copies) duplicates += c - 1;
  // Why Postfix deferred: the reasons of this run's deferrals, counted.
  const std::string maillog = world->maillog();
  std::map<std::string, int> reasons;
  std::size_t deferred = 0, seen = 0;
  for (auto d = maillog.find("status=deferred"); d != std::string::npos; d = maillog.find("status=deferred", d + 1)) {
    if (seen++ < deferred_before) continue;
    ++deferred;
    ++reasons[maillog.substr(d + 16, maillog.find('\n', d) - d - 16)];
  }
  for (const auto& [why, c] : reasons) std::printf("postfix soak: %d deferred %s\n", c, why.c_str());
  std::printf("postfix soak: %d messages in %.1f s: %zu delivered (%zu distinct, %d duplicates), signed with A %d, "
              "with B %d, unsigned %d, not verifying %d; %d SIGHUPs, signer down %.1f s, %zu deliveries deferred "
              "and retried by Postfix\n",
              n, seconds, msgs.size(), copies.size(), duplicates, by_a, by_b, unsigned_, not_verifying, hups.load(),
              down_seconds, deferred);
  EXPECT_EQ(msgs.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(copies.size(), static_cast<std::size_t>(n)) << "some messages were not delivered";
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(unsigned_, 0);
  EXPECT_EQ(not_verifying, 0);
  EXPECT_GT(by_a + by_b, 0);
  EXPECT_GE(hups.load(), 2);
  EXPECT_TRUE(world->milter->alive());
  auto it = std::find_if(msgs.begin(), msgs.end(), [&](const std::string& m) {
    auto v = verify_with_dnsauth(m, keys_a);
    return !v.empty() && v[0].status == dkim::Status::pass;
  });
  if (it != msgs.end()) expect_verifies(*it, "soak-a");  // and dkimpy agrees

  // Back to A for the other tests.
  int reloads = static_cast<int>(count(world->milter->log(), "reloaded "));
  write_config(a);
  world->milter->signal(SIGHUP);
  ASSERT_TRUE(world->milter->wait_for_log("reloaded ", reloads + 1));
}

}  // namespace
}  // namespace dnsauth::test

// dnsauth-signer's command-line contract (docs/architecture.md): every exit status of --check-config
// (0, 2) and of sign (0 signed, 3 not signed with the reason on stderr, 2 error), usage errors,
// and signed output that dnsauth and dkimpy both verify.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/signer_fixture.h"
#include "support/test_support.h"

namespace dnsauth::test {
namespace {

const std::string kMessage =
    "From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: cli\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
    "Message-ID: <cli@example.com>\n\nHello from the command line.\n";

class SignerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(tool_path("dnsauth-signer"))) GTEST_SKIP() << "built without the tools";
    config_ = dir_.write_config(signer_config());
    message_ = dir_.dir() / "message.eml";
    SignerDir::write_file(message_, kMessage);
  }
  ProcessResult signer(const std::vector<std::string>& args, const std::string& input = {}) {
    return run_process(tool_path("dnsauth-signer"), args, input);
  }
  SignerDir dir_;
  std::filesystem::path config_, message_;
};

TEST_F(SignerCli, CheckConfigExitsZeroWhenEverythingLoads) {
  auto r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK (1 domains, 2 keys)"), std::string::npos) << r.out;
}

TEST_F(SignerCli, CheckConfigPrintsEveryFindingAndExitsTwo) {
  dir_.write_key("rsa.pem", shared_rsa_key(), 0644);
  SignerDir::write_file(dir_.key_path("ed.pem"), "garbage", 0600);
  auto r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("error: key file " + dir_.key_path("rsa.pem").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mode 0644"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: key file " + dir_.key_path("ed.pem").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 errors"), std::string::npos) << r.out;

  SignerDir::write_file(config_, "[signer]\nsocket = \"tcp:1\"\n");
  r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("dnsauth.toml:2:"), std::string::npos) << r.out;
}

TEST_F(SignerCli, CheckConfigWarningsStillExitZero) {
  SignerDir::write_file(config_, "[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n"
                                 "  [[domain.selector]]\n  name = \"r1\"\n  bits = 3072\n  key = \"rsa.pem\"\n");
  auto r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("warning: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2048-bit RSA key"), std::string::npos) << r.out;
}

// A configuration that cannot be read whole, or that gives the signer nothing to sign, is an
// error (exit 2), never "OK (0 domains, 0 keys)".
TEST_F(SignerCli, CheckConfigRefusesWhatSignsNothing) {
  struct Case {
    std::string name;
    std::filesystem::path config;
    std::string says;
  };
  auto empty = dir_.write_config("", "empty.toml");
  auto comments = dir_.write_config("# all commented out\n", "comments.toml");
  auto no_domain = dir_.write_config("[signer]\nkey_dir = \"keys\"\n", "no-domain.toml");
  auto no_selector = dir_.write_config("[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n", "no-selector.toml");
  std::filesystem::create_directories(dir_.dir() / "conf.d");
  for (const Case& c : {
           Case{"empty file", empty, "the configuration file is empty"},
           Case{"comments only", comments, "the configuration file is empty"},
           Case{"a directory", dir_.dir() / "conf.d", "it is a directory"},
           // Opens, then every read fails (EIO): the read error path, which root's
           // permissions cannot exercise.
           Case{"unreadable", "/proc/self/mem", "cannot read the configuration file: Input/output error"},
           Case{"missing", dir_.dir() / "absent.toml", "No such file or directory"},
           Case{"no domain", no_domain, "no [[domain]] is configured"},
           Case{"no selector", no_selector, "no [[domain.selector]] is configured"},
       }) {
    auto r = signer({"--config", c.config.string(), "--check-config"});
    EXPECT_EQ(r.status, 2) << c.name << ": " << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(c.says), std::string::npos) << c.name << ": " << r.out << r.err;
    EXPECT_EQ(r.out.find("OK ("), std::string::npos) << c.name << ": " << r.out;
  }
}

TEST_F(SignerCli, SignExitsZeroAndBothVerifiersAgree) {
  auto r = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", message_.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("DKIM-Signature: v=1; a=rsa-sha256;")) << r.out;
  EXPECT_TRUE(r.out.ends_with(kMessage)) << "the message follows unchanged";
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "LF input gets LF signature lines";
  EXPECT_NE(r.err.find("signed d=example.com s=r1,e1"), std::string::npos) << r.err;

  auto resolver = SignerDir::resolver();
  auto v = verify_with_dnsauth(r.out, resolver);
  ASSERT_EQ(v.size(), 2u);
  for (const auto& s : v) EXPECT_EQ(s.status, dkim::Status::pass) << s.selector << ": " << s.reason();
  auto signed_file = dir_.dir() / "signed.eml";
  SignerDir::write_file(signed_file, r.out);
  EXPECT_EQ(verify_with_dkimpy(signed_file), (std::vector<bool>{true, true}));

  // From stdin, CRLF in, CRLF out.
  std::string crlf = to_crlf(kMessage);
  auto s = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", "-"}, crlf);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_TRUE(s.out.ends_with(crlf));
  EXPECT_NE(s.out.find("\r\n\t"), std::string::npos);
  auto signed_crlf = dir_.dir() / "signed-crlf.eml";
  SignerDir::write_file(signed_crlf, s.out);
  EXPECT_EQ(verify_with_dkimpy(signed_crlf), (std::vector<bool>{true, true}));
}

TEST_F(SignerCli, SignLeavesOutAuthenticationResultsClaimingOurAuthservId) {
  // What the milter would delete (RFC 8601 5) is not in the offline output either.
  config_ = dir_.write_config(signer_config("authserv_id = \"mx.example.com\"\n"));
  const std::string forged = "Authentication-Results: mx.example.com;\n\tdkim=pass header.d=bank.example\n";
  const std::string foreign = "Authentication-Results: mx.example.org; none\n";
  auto r = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", "-"},
                  forged + foreign + kMessage);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(foreign + kMessage)) << r.out;
  EXPECT_EQ(r.out.find("bank.example"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("removed 1 Authentication-Results field(s) claiming authserv_id mx.example.com"),
            std::string::npos)
      << r.err;
  auto resolver = SignerDir::resolver();
  for (const auto& v : verify_with_dnsauth(r.out, resolver)) EXPECT_EQ(v.status, dkim::Status::pass) << v.reason();
}

TEST_F(SignerCli, SignExitsThreeWithTheReasonWhenNotSigned) {
  struct Case {
    std::string user;
    std::string config;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {"bob@example.net", signer_config(), "not signed (not_allowed): login bob@example.net may not send as alice@example.com"},
           {"", signer_config(), "not signed (unauthenticated)"},
           {"bob@example.com", signer_config("on_mismatch = \"reject\"\n", "name = \"example.com\"\nauth = \"address\"\n"),
            "the milter would reject: not_allowed"},
           {"alice@example.org", signer_config("", "name = \"example.org\"\n"), "not signed (domain_not_configured)"},
       }) {
    dir_.write_config(c.config);
    auto r = signer({"--config", config_.string(), "sign", "--auth-user", c.user, message_.string()});
    EXPECT_EQ(r.status, 3) << c.says << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(SignerCli, SignExitsTwoOnErrors) {
  auto missing = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", "/nonexistent/m.eml"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("/nonexistent/m.eml: cannot read: No such file or directory"), std::string::npos)
      << missing.err;
  auto folder = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", dir_.dir().string()});
  EXPECT_EQ(folder.status, 2);
  EXPECT_NE(folder.err.find(dir_.dir().string() + ": cannot read: it is a directory"), std::string::npos) << folder.err;

  auto bad = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", "-"},
                    "From: alice@example.com\nnot a header line\n\nbody\n");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("<stdin>: syntax error at byte"), std::string::npos) << bad.err;

  dir_.write_key("rsa.pem", shared_rsa_key(), 0640);
  auto perm = signer({"--config", config_.string(), "sign", "--auth-user", "alice@example.com", message_.string()});
  EXPECT_EQ(perm.status, 2);
  EXPECT_NE(perm.err.find("group- or world-accessible"), std::string::npos) << perm.err;
  EXPECT_TRUE(perm.out.empty());
}

TEST_F(SignerCli, UsageErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"--check-config"},
           {"--config", config_.string(), "sign"},
           {"--config", config_.string(), "sign", "--auth-user"},
           {"--config", config_.string(), "--check-config", "sign", "--auth-user", "a"},
           {"--config", config_.string(), "--bogus"},
           {"--config", config_.string(), "--log", "file"},
       }) {
    auto r = signer(args);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("usage: dnsauth-signer"), std::string::npos) << r.err;
  }
  auto help = signer({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--check-config"), std::string::npos);
}

TEST_F(SignerCli, RunRefusesToStartOnABadConfig) {
  dir_.write_key("ed.pem", shared_ed25519_key(), 0644);
  auto r = signer({"--config", config_.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(dir_.key_path("ed.pem").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not starting"), std::string::npos) << r.err;
}

// Started as root with a [signer] user, the signer would load keys that user cannot read and
// refuse its first reload; --check-config (the unit's ExecStartPre) and the start refuse them.
TEST_F(SignerCli, CheckConfigAndRunRefuseKeysTheSignersUserCannotRead) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  ::chmod(dir_.dir().c_str(), 0755);
  SignerDir::write_file(config_, signer_config("user = \"nobody\"\nsocket = \"inet:1@127.0.0.1\"\n"));
  auto r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("error: key file " + dir_.key_path("rsa.pem").string() + " for selector r1 of example.com"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("user 'nobody' cannot read it"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 errors"), std::string::npos) << r.out;
  r = signer({"--config", config_.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("user 'nobody' cannot read it"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not starting"), std::string::npos) << r.err;

  const passwd* pw = ::getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  for (const char* k : {"rsa.pem", "ed.pem"}) ASSERT_EQ(::chown(dir_.key_path(k).c_str(), pw->pw_uid, pw->pw_gid), 0);
  r = signer({"--config", config_.string(), "--check-config"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

}  // namespace
}  // namespace dnsauth::test

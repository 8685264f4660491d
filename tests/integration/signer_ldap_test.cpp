// dnsauth-signer with an ldap: login map (Postfix's ldap_table(5)) served by a real slapd, driven
// over the milter protocol: a login the directory lists as owner of the From gets signatures; a
// login it does not list is answered as on_mismatch says (reject here); with the server down the
// lookup fails and the message gets on_error's temporary failure, never a signature and never a
// "not an owner"; --check-config and the start line name the map.
#include <gtest/gtest.h>

#include "support/milter_client.h"
#include "support/process.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"
#include "support/slapd_fixture.h"

namespace dnsauth::test {
namespace {

namespace mc = dnsauth::milter_client;

const std::vector<std::pair<std::string, std::string>> kHeaders = {
    {"From", " Alice <alice@example.com>"}, {"To", " bob@example.org"}, {"Subject", " ldap login map"},
    {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"}, {"Message-ID", " <l1@example.com>"}};
const std::string kBody = "Hello,\r\n\r\nthe directory says who owns this address.\r\n";

const std::string kEntries =
    "dn: uid=alice,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice\nsn: A\n"
    "mail: alice@example.com\n\n";

class SignerLdap : public ::testing::Test {
 protected:
  void SetUp() override {
    if (built_signer().empty()) GTEST_SKIP() << "built without the tools";
    if (!SlapdServer::available()) GTEST_SKIP() << "slapd is not installed";
    slapd_ = std::make_unique<SlapdServer>(kEntries);
    port_ = free_loopback_port();
    SignerDir::write_file(dir_.dir() / "login.cf",
                          "server_host = " + slapd_->uri() + "\nsearch_base = dc=example,dc=test\n"
                          "query_filter = (mail=%s)\nresult_attribute = uid\ntimeout = 2\n");
    config_ = dir_.write_config(signer_config("socket = \"inet:" + std::to_string(port_) + "@127.0.0.1\"\n"
                                              "on_mismatch = \"reject\"\n"
                                              "login_map = \"ldap:login.cf\"\nlogin_map_cache_ttl = 0\n",
                                              "name = \"example.com\"\nauth = \"login-map\"\n"));
    proc_ = std::make_unique<SignerProcess>(built_signer(), config_, port_, dir_.dir() / "signer.log");
  }
  void TearDown() override {
    if (proc_) {
      EXPECT_EQ(proc_->stop(), 0) << "dnsauth-signer did not stop cleanly on SIGTERM:\n" << proc_->log();
      if (HasFailure()) std::cerr << "--- signer log ---\n" << proc_->log();
    }
  }
  mc::MessageResult send(const std::string& login) {
    return mc::send_as("inet:" + std::to_string(port_) + "@127.0.0.1", login, "4LDAP00001", kHeaders, kBody);
  }

  SignerDir dir_;
  std::unique_ptr<SlapdServer> slapd_;
  int port_ = 0;
  std::filesystem::path config_;
  std::unique_ptr<SignerProcess> proc_;
};

TEST_F(SignerLdap, TheOwnerTheDirectoryListsGetsSignatures) {
  auto r = send("alice");
  ASSERT_EQ(r.action, mc::reply::cont) << r.reply_text << proc_->log();
  EXPECT_EQ(r.edits.size(), 2u) << proc_->log();
  ASSERT_TRUE(proc_->wait_for_log("login=alice decision=signed")) << proc_->log();
  EXPECT_NE(proc_->log().find("login map ldap:login.cf: asked per lookup"), std::string::npos) << proc_->log();
}

TEST_F(SignerLdap, ALoginTheDirectoryDoesNotListIsRejectedAsOnMismatchSays) {
  auto r = send("mallory");
  EXPECT_EQ(r.action, mc::reply::replycode) << proc_->log();
  EXPECT_TRUE(r.reply_text.starts_with("550 5.7.1")) << r.reply_text;
  EXPECT_TRUE(r.edits.empty());
}

TEST_F(SignerLdap, WithTheServerDownTheMessageGetsOnErrorsTemporaryFailure) {
  slapd_->stop();
  auto began = std::chrono::steady_clock::now();
  auto r = send("alice");
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
  EXPECT_EQ(r.action, mc::reply::replycode) << proc_->log();
  EXPECT_TRUE(r.reply_text.starts_with("451 4.3.0")) << r.reply_text;
  EXPECT_TRUE(r.edits.empty());
  ASSERT_TRUE(proc_->wait_for_log("Can't contact LDAP server")) << proc_->log();
  // The server back: the next message is signed again, on a new connection.
  slapd_->start();
  EXPECT_EQ(send("alice").edits.size(), 2u) << proc_->log();
}

TEST_F(SignerLdap, CheckConfigNamesTheMapAndRefusesABadCfLine) {
  auto ok = run_process(built_signer(), {"--config", config_.string(), "--check-config"});
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("login map ldap:login.cf: asked per lookup"), std::string::npos) << ok.out;
  SignerDir::write_file(dir_.dir() / "login.cf", "search_base = dc=example,dc=test\nstart_tls = yes\n");
  auto bad = run_process(built_signer(), {"--config", config_.string(), "--check-config"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find((dir_.dir() / "login.cf").string() + ":2: 'start_tls' is not supported by dnsauth"),
            std::string::npos)
      << bad.out;
}

}  // namespace
}  // namespace dnsauth::test

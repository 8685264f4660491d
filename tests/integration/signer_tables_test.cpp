// dnsauth-signer configured only with OpenDKIM's KeyTable and SigningTable (refile:,
// MultipleSignatures) and a Postfix smtpd_sender_login_maps file (texthash:), driven over the
// milter protocol: a login the map lists for the From gets both signatures of the table, which
// verify; another login gets none (not_allowed); SIGHUP re-reads the tables; a malformed table
// line refuses the reload with FILE:LINE and keeps the tables loaded before.
#include <gtest/gtest.h>

#include <signal.h>

#include "support/milter_client.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test {
namespace {

namespace mc = dnsauth::milter_client;

const std::vector<std::pair<std::string, std::string>> kHeaders = {
    {"From", " Alice <alice@hosted.example>"}, {"To", " bob@example.org"}, {"Subject", " table test"},
    {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"}, {"Message-ID", " <t1@hosted.example>"}};
const std::string kBody = "Hello,\r\n\r\nsigned through the key and signing tables.\r\n";

// OpenDKIM's KeyTable (opendkim.conf(5) KeyTable): the two keys of SignerDir for hosted.example.
const std::string kKeyTable =
    "# name    domain:selector:key\n"
    "rsa       hosted.example:r1:./keys/rsa.pem\n"
    "ed        hosted.example:e1:./keys/ed.pem\n";
// refile: wildcards; with multiple_signatures both entries sign, RSA first.
const std::string kSigningTable = "*@hosted.example rsa\n*@hosted.example ed\n";
// Postfix's smtpd_sender_login_maps source text: the owner list of each address.
const std::string kLoginMap = "alice@hosted.example   alice, alice-alias\n";

// The signature fields the milter asked to insert, on top of the message, as the MTA adds them.
std::string delivered(const mc::MessageResult& r) {
  std::string out;
  for (const auto& e : r.edits) {
    std::string crlf;
    for (char c : e.value) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    out = e.name + ":" + crlf + "\r\n" + out;  // each insert at index 0 goes above the earlier
  }
  for (const auto& [n, v] : kHeaders) out += n + ":" + v + "\r\n";
  return out + "\r\n" + kBody;
}

class SignerTables : public ::testing::Test {
 protected:
  void SetUp() override {
    if (built_signer().empty()) GTEST_SKIP() << "built without the tools";
    port_ = free_loopback_port();
    SignerDir::write_file(dir_.dir() / "key.table", kKeyTable);
    SignerDir::write_file(dir_.dir() / "signing.table", kSigningTable);
    SignerDir::write_file(dir_.dir() / "sender_login", kLoginMap);
    config_ = dir_.write_config("[signer]\nsocket = \"inet:" + std::to_string(port_) +
                                "@127.0.0.1\"\nlog = \"stderr\"\n"
                                "key_table = \"file:key.table\"\n"
                                "signing_table = \"refile:signing.table\"\n"
                                "multiple_signatures = true\n"
                                "login_map = \"texthash:sender_login\"\n");
    proc_ = std::make_unique<SignerProcess>(built_signer(), config_, port_, dir_.dir() / "signer.log");
  }
  void TearDown() override {
    if (proc_) {
      EXPECT_EQ(proc_->stop(), 0) << "dnsauth-signer did not stop cleanly on SIGTERM:\n" << proc_->log();
      if (HasFailure()) std::cerr << "--- signer log ---\n" << proc_->log();
    }
  }
  mc::MessageResult send(const std::string& login) {
    return mc::send_as("inet:" + std::to_string(port_) + "@127.0.0.1", login, "4TABLE0001", kHeaders, kBody);
  }
  // The d= and s= of every signature that verifies against the keys published for hosted.example.
  std::vector<std::string> verified(const mc::MessageResult& r) {
    auto resolver = SignerDir::resolver({"hosted.example"});
    std::vector<std::string> out;
    for (const auto& s : verify_with_dnsauth(delivered(r), resolver)) {
      EXPECT_EQ(s.status, dkim::Status::pass) << s.selector << ": " << s.reason();
      if (s.status == dkim::Status::pass) out.push_back(s.domain + " " + s.selector);
    }
    return out;
  }

  SignerDir dir_;
  int port_ = 0;
  std::filesystem::path config_;
  std::unique_ptr<SignerProcess> proc_;
};

TEST_F(SignerTables, ALoginTheMapListsGetsEverySignatureOfTheTable) {
  auto r = send("alice");
  ASSERT_EQ(r.action, mc::reply::cont) << r.reply_text << proc_->log();
  ASSERT_EQ(r.edits.size(), 2u) << proc_->log();
  EXPECT_EQ(verified(r), (std::vector<std::string>{"hosted.example r1", "hosted.example e1"}));
  // Owner lists are compared case-insensitively, any of them may send.
  EXPECT_EQ(send("ALICE-alias").edits.size(), 2u);
  ASSERT_TRUE(proc_->wait_for_log("decision=signed", 2)) << proc_->log();
  EXPECT_NE(proc_->log().find("from_domain=hosted.example login=alice decision=signed selectors=r1,e1 reason=allowed"),
            std::string::npos)
      << proc_->log();
  // The start line counts what the tables hold.
  EXPECT_NE(proc_->log().find("key table " + (dir_.dir() / "key.table").string() + ": 2 entries"), std::string::npos)
      << proc_->log();
}

TEST_F(SignerTables, ALoginTheMapDoesNotListIsNotAllowed) {
  auto r = send("mallory");
  EXPECT_EQ(r.action, mc::reply::accept);
  EXPECT_TRUE(r.edits.empty());
  ASSERT_TRUE(proc_->wait_for_log("login=mallory decision=skipped selectors=- reason=not_allowed")) << proc_->log();
  EXPECT_NE(proc_->log().find("login map texthash:"), std::string::npos) << proc_->log();
}

TEST_F(SignerTables, SighupRereadsTheTables) {
  ASSERT_EQ(send("alice").edits.size(), 2u);
  // Only the Ed25519 key signs now, and bob owns the address as well.
  SignerDir::write_file(dir_.dir() / "signing.table", "*@hosted.example ed\n");
  SignerDir::write_file(dir_.dir() / "sender_login", "alice@hosted.example alice bob\n");
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reloaded ")) << proc_->log();
  // The reload line counts the entries as --check-config does.
  EXPECT_NE(proc_->log().find("signing table " + (dir_.dir() / "signing.table").string() + ": 1 entries; login map "
                              "texthash:sender_login: 1 entries"),
            std::string::npos)
      << proc_->log();
  auto r = send("bob");
  ASSERT_EQ(r.edits.size(), 1u) << proc_->log();
  EXPECT_EQ(verified(r), (std::vector<std::string>{"hosted.example e1"}));
}

TEST_F(SignerTables, AMalformedTableLineRefusesTheReloadWithFileAndLine) {
  // Line 4 has no domain:selector:key.
  SignerDir::write_file(dir_.dir() / "key.table", kKeyTable + "broken hosted.example\n");
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reload refused")) << proc_->log();
  EXPECT_NE(proc_->log().find((dir_.dir() / "key.table").string() + ":4: expected \"name domain:selector:/path/to/key\""),
            std::string::npos)
      << proc_->log();
  EXPECT_TRUE(proc_->alive());
  // The tables loaded before still sign.
  EXPECT_EQ(send("alice").edits.size(), 2u);
}

}  // namespace
}  // namespace dnsauth::test

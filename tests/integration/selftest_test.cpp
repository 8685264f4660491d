// dnsauth-validate selftest: the whole cycle — publish, sign through the signer's
// path, verify against what is published — offline against the generated zone files and live
// against nsd serving them; then broken zones, where selftest must fail and name the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/dkim/crypto.h"
#include "support/dkim_fixtures.h"
#include "support/nsd_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dnsauth::test::run_process;
using dnsauth::test::tool_path;

namespace {

class Selftest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnsauth-selftest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(dnsauth::test::data_dir() / ".." / ".." / "examples" / "dnsauth.toml", config());
    auto r = run_process(tool_path("dnsauth-publish"),
                         {"generate", "--config", config().string(), "--out", (dir_ / "zones").string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path config() const { return dir_ / "dnsauth.toml"; }
  fs::path zone(const std::string& domain) const { return dir_ / "zones" / (domain + ".zone"); }

  dnsauth::test::ProcessResult selftest(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"selftest", "--config", config().string(), "--now", "1795000000",
                                     "--zone", zone("example.net").string(), "--zone", zone("example.com").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(tool_path("dnsauth-validate"), args);
  }

  // Rewrites the zone file of `domain` line by line.
  void edit_zone(const std::string& domain, const std::function<std::string(const std::string&)>& edit) {
    std::string text = dnsauth::test::read_file(zone(domain)), out, line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
      std::string changed = edit(line);
      if (!changed.empty()) out += changed + "\n";
    }
    std::ofstream(zone(domain), std::ios::trunc) << out;
  }

  // The JSON check of that id and subject in that domain.
  static const nlohmann::json* find_check(const nlohmann::json& j, const std::string& domain,
                                          const std::string& id, const std::string& subject = {}) {
    for (const auto& d : j["domains"]) {
      if (d["domain"] != domain) continue;
      for (const auto& c : d["checks"])
        if (c["id"] == id && (subject.empty() || c["subject"] == subject)) return &c;
    }
    return nullptr;
  }

  fs::path dir_;
};

TEST_F(Selftest, GeneratedZonePassesEveryCheckOffline) {
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["failed"], 0);
  // Every scenario of the issue is there: key match and sign+verify per selector, SPF inside,
  // outside and per HELO name, the DMARC record and alignment, the lint.
  for (const auto& [domain, id, subject] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"example.net", "dkim-key", "s2026r"},        {"example.net", "dkim-key", "s2026e"},
           {"example.net", "dkim-sign-verify", "s2026r"}, {"example.net", "dkim-sign-verify", "s2026e"},
           {"example.net", "spf-pass", "192.0.2.1"},      {"example.net", "spf-pass", "2001:db8:25::1"},
           {"example.net", "spf-helo", "smtp.example.net 192.0.2.1"},
           {"example.net", "spf-outside", ""},            {"example.net", "dmarc-record", ""},
           {"example.net", "dmarc-aligned", ""},          {"example.net", "lint", ""},
           {"example.com", "dkim-sign-verify", "s2026r"}, {"example.com", "dmarc-aligned", ""}}) {
    const nlohmann::json* c = find_check(j, domain, id, subject);
    ASSERT_NE(c, nullptr) << domain << " " << id << " " << subject;
    EXPECT_TRUE((*c)["ok"].get<bool>()) << (*c)["detail"];
  }
  // The Authentication-Results line a receiver would write.
  const nlohmann::json* aligned = find_check(j, "example.net", "dmarc-aligned");
  std::string ar = (*aligned)["authentication_results"];
  EXPECT_NE(ar.find("dmarc=pass"), std::string::npos) << ar;
  EXPECT_NE(ar.find("header.from=example.net"), std::string::npos) << ar;
  // The map domain signs for an address of the domain itself, as a login its allow table
  // names (the auth = "map" of examples/dnsauth.toml).
  std::string detail = (*find_check(j, "example.com", "dkim-sign-verify", "s2026r"))["detail"];
  EXPECT_TRUE(std::regex_search(detail, std::regex("^From [a-z]+@example\\.com \\(login (alice|admin)@example\\.net\\)")))
      << detail;
}

TEST_F(Selftest, TextChecklistShowsEachScenarioAndItsAuthenticationResults) {
  auto r = selftest();
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS  dkim-sign-verify s2026e"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Authentication-Results: selftest; dkim=pass"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 0 failed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST_F(Selftest, PassesAgainstTheZoneServedByNsd) {
  if (!dnsauth::test::NsdServer::available()) GTEST_SKIP() << "nsd is not installed";
  auto full_zone = [&](const std::string& domain) {
    return "$ORIGIN " + domain + ".\n$TTL 3600\n@ SOA ns." + domain + ". hostmaster." + domain +
           ". 1 3600 600 86400 300\n@ NS ns." + domain + ".\nns A 127.0.0.1\n" +
           dnsauth::test::read_file(zone(domain));
  };
  dnsauth::test::NsdServer nsd({{"example.net", full_zone("example.net")}, {"example.com", full_zone("example.com")}});
  auto r = run_process(tool_path("dnsauth-validate"),
                       {"selftest", "--config", config().string(), "--resolver", nsd.address(), "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err << nsd.log();
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_GT(j["passed"].get<int>(), 15);
  EXPECT_NE(j["dns"].get<std::string>().find(nsd.address()), std::string::npos);
}

TEST_F(Selftest, StaleKeyAfterRotationFails) {
  // The key file is replaced (a new key) but the zone still publishes the old public key.
  auto key = dnsauth::dkim::PrivateKey::generate_rsa(2048);
  ASSERT_TRUE(key);
  fs::path file = dir_ / "keys" / "example.net.s2026r.pem";
  std::ofstream(file, std::ios::trunc) << key->to_pem();
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto* c = find_check(j, "example.net", "dkim-key", "s2026r");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find("different key"), std::string::npos) << (*c)["detail"];
  const auto* v = find_check(j, "example.net", "dkim-sign-verify", "s2026r");
  EXPECT_FALSE((*v)["ok"].get<bool>());
  EXPECT_NE((*v)["detail"].get<std::string>().find("signature did not verify"), std::string::npos) << (*v)["detail"];
  // The other selector is unaffected.
  EXPECT_TRUE((*find_check(j, "example.net", "dkim-sign-verify", "s2026e"))["ok"].get<bool>());
}

TEST_F(Selftest, MissingDmarcRecordFails) {
  edit_zone("example.net", [](const std::string& l) { return l.rfind("_dmarc.example.net.", 0) == 0 ? "" : l; });
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto* c = find_check(j, "example.net", "dmarc-record");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find("no DMARC record"), std::string::npos) << (*c)["detail"];
  // example.com keeps its own record and still passes.
  EXPECT_TRUE((*find_check(j, "example.com", "dmarc-aligned"))["ok"].get<bool>());
}

TEST_F(Selftest, SpfWithoutTheOutboundNetworkFails) {
  edit_zone("example.net", [](const std::string& l) {
    return l.rfind("example.net.", 0) == 0 && l.find("v=spf1") != std::string::npos
               ? std::regex_replace(l, std::regex("\"v=spf1[^\"]*\""), "\"v=spf1 -all\"")
               : l;
  });
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto* c = find_check(j, "example.net", "spf-pass", "192.0.2.1");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find("spf=fail"), std::string::npos) << (*c)["detail"];
  // Without an SPF pass, DMARC can only align through DKIM: the SPF side is reported.
  const auto* a = find_check(j, "example.net", "dmarc-aligned");
  EXPECT_FALSE((*a)["ok"].get<bool>());
  EXPECT_NE((*a)["detail"].get<std::string>().find("SPF not aligned"), std::string::npos) << (*a)["detail"];
}

TEST_F(Selftest, RevokedKeyFails) {
  edit_zone("example.net", [](const std::string& l) {
    return l.rfind("s2026e._domainkey.example.net.", 0) == 0
               ? std::regex_replace(l, std::regex("p=[A-Za-z0-9+/=]+"), "p=")
               : l;
  });
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto* c = find_check(j, "example.net", "dkim-key", "s2026e");
  EXPECT_NE((*c)["detail"].get<std::string>().find("revoked"), std::string::npos) << (*c)["detail"];
  const auto* v = find_check(j, "example.net", "dkim-sign-verify", "s2026e");
  EXPECT_FALSE((*v)["ok"].get<bool>());
  EXPECT_NE((*v)["detail"].get<std::string>().find("key revoked"), std::string::npos) << (*v)["detail"];
  const auto* lint = find_check(j, "example.net", "lint");
  EXPECT_FALSE((*lint)["ok"].get<bool>()) << (*lint)["detail"];
}

// A domain whose zone was not given publishes nothing the selftest can see: its lint check
// names the same rule dnsauth-publish lint reports (dns-domain-not-found), and it fails.
TEST_F(Selftest, ADomainOutsideTheZonesGivenFailsItsLintWithTheLintersRule) {
  auto r = run_process(tool_path("dnsauth-validate"), {"selftest", "--config", config().string(), "--now", "1795000000",
                                                       "--zone", zone("example.com").string(), "--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto* lint = find_check(j, "example.net", "lint");
  ASSERT_NE(lint, nullptr) << r.out;
  EXPECT_FALSE((*lint)["ok"].get<bool>());
  EXPECT_NE((*lint)["detail"].get<std::string>().find("dns-domain-not-found: example.net does not exist"), std::string::npos)
      << (*lint)["detail"];
  EXPECT_TRUE((*find_check(j, "example.com", "lint"))["ok"].get<bool>()) << r.out;
}

// auth = "login-map": the login map cannot be listed, so the selftest asks it about the
// addresses it can guess and signs as the first owner it lists; with none, it says which
// addresses it asked.
TEST_F(Selftest, LoginMapDomainSignsAsAnOwnerTheMapLists) {
  std::string toml = dnsauth::test::read_file(config());
  toml = std::regex_replace(toml, std::regex("auth = \"address\""), "auth = \"login-map\"");
  toml = std::regex_replace(toml, std::regex("\\[signer\\]\n"), "[signer]\nlogin_map = \"texthash:sender_login\"\n");
  std::ofstream(config(), std::ios::trunc) << toml;
  std::ofstream(dir_ / "sender_login") << "postmaster@example.net   admin, root\n";
  auto r = selftest({"--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  const nlohmann::json* c = find_check(j, "example.net", "dkim-sign-verify", "s2026e");
  ASSERT_NE(c, nullptr) << r.out;
  EXPECT_TRUE((*c)["ok"].get<bool>()) << (*c)["detail"];
  EXPECT_NE((*c)["detail"].get<std::string>().find("From postmaster@example.net (login admin)"), std::string::npos)
      << (*c)["detail"];

  std::ofstream(dir_ / "sender_login", std::ios::trunc) << "alice@example.net alice\n";
  r = selftest({"--json"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  c = find_check(j, "example.net", "dkim-sign-verify");
  ASSERT_NE(c, nullptr) << r.out;
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find(
                "lists no owner for selftest@example.net, postmaster@example.net (nor @example.net)"),
            std::string::npos)
      << (*c)["detail"];
}

// The domains of the key and signing tables: checked with a sender the login map lets send,
// or skipped with the reason when it lists none of the addresses the selftest can ask about.
TEST_F(Selftest, TableDomainsAreCheckedWithALoginMapOwnerOrSkipped) {
  std::ofstream(dir_ / "key.table") << "hosted hosted.example:s2026e:./keys/example.net.s2026e.pem\n"
                                       "other  other.example:s2026e:./keys/example.net.s2026e.pem\n";
  std::ofstream(dir_ / "signing.table") << "*@hosted.example hosted\n*@other.example other\n";
  // The signing table names info@hosted.example: one of the addresses asked about.
  std::ofstream(dir_ / "signing.table", std::ios::app) << "info@hosted.example hosted\n";
  std::ofstream(dir_ / "sender_login") << "info@hosted.example customer1\nalice@other.example alice\n";
  std::string toml = dnsauth::test::read_file(config());
  toml = std::regex_replace(toml, std::regex("\\[signer\\]\n"),
                            "[signer]\nkey_table = \"key.table\"\nsigning_table = \"refile:signing.table\"\n"
                            "login_map = \"texthash:sender_login\"\n");
  std::ofstream(config(), std::ios::trunc) << toml;
  // The customer's key record, the same key as example.net's s2026e.
  std::string zone_text = dnsauth::test::read_file(zone("example.net")), record;
  std::istringstream in(zone_text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("s2026e._domainkey.example.net.")) record = line;
  ASSERT_FALSE(record.empty()) << zone_text;
  std::ofstream(dir_ / "hosted.zone") << std::regex_replace(record, std::regex("example\\.net\\."), "hosted.example.") << "\n";

  auto r = selftest({"--json", "--zone", (dir_ / "hosted.zone").string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const std::string id : {"dkim-key", "dkim-sign-verify"}) {
    const nlohmann::json* c = find_check(j, "hosted.example", id, "s2026e");
    ASSERT_NE(c, nullptr) << id << r.out;
    EXPECT_TRUE((*c)["ok"].get<bool>()) << (*c)["detail"];
  }
  EXPECT_NE((*find_check(j, "hosted.example", "dkim-sign-verify"))["detail"].get<std::string>().find(
                "From info@hosted.example (login customer1), d=hosted.example s=s2026e: dkim=pass"),
            std::string::npos);
  ASSERT_EQ(j["skipped"].size(), 1u) << r.out;
  EXPECT_EQ(j["skipped"][0]["domain"], "other.example");
  EXPECT_NE(j["skipped"][0]["reason"].get<std::string>().find(
                "lists no owner for selftest@other.example, postmaster@other.example (nor @other.example)"),
            std::string::npos)
      << j["skipped"][0]["reason"];

  // The checklist names the skipped domain too; a wrong key for the customer fails.
  auto text = selftest({"--zone", (dir_ / "hosted.zone").string()});
  EXPECT_NE(text.out.find("other.example  [skipped]\n  SKIP  the login map"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 domains skipped"), std::string::npos) << text.out;
  std::ofstream(dir_ / "hosted.zone", std::ios::trunc)
      << "s2026e._domainkey.hosted.example. 3600 IN TXT \""
      << dnsauth::test::key_record_for(*dnsauth::dkim::PrivateKey::generate_ed25519()) << "\"\n";
  auto wrong = selftest({"--json", "--zone", (dir_ / "hosted.zone").string()});
  EXPECT_EQ(wrong.status, 1) << wrong.out;
  j = nlohmann::json::parse(wrong.out);
  const nlohmann::json* key = find_check(j, "hosted.example", "dkim-key", "s2026e");
  ASSERT_NE(key, nullptr);
  EXPECT_NE((*key)["detail"].get<std::string>().find("publishes a different key"), std::string::npos) << (*key)["detail"];
}

TEST_F(Selftest, UsageAndInputErrorsExitTwo) {
  auto none = run_process(tool_path("dnsauth-validate"), {"selftest", "--zone", zone("example.net").string()});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("--config"), std::string::npos) << none.err;

  auto stray = run_process(tool_path("dnsauth-validate"),
                           {"selftest", "--config", config().string(), "extra", "--zone", zone("example.net").string()});
  EXPECT_EQ(stray.status, 2);
  EXPECT_NE(stray.err.find("unexpected argument 'extra'"), std::string::npos) << stray.err;

  auto missing = run_process(tool_path("dnsauth-validate"),
                             {"selftest", "--config", (dir_ / "nope.toml").string(), "--zone", zone("example.net").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("nope.toml"), std::string::npos) << missing.err;

  std::ofstream(dir_ / "broken.zone") << "$ORIGIN example.net.\n@ IN TXT \"ok\"\nwww IN A 300.0.0.1\n";
  auto broken = run_process(tool_path("dnsauth-validate"),
                            {"selftest", "--config", config().string(), "--zone", (dir_ / "broken.zone").string()});
  EXPECT_EQ(broken.status, 2);
  EXPECT_NE(broken.err.find("broken.zone:3"), std::string::npos) << broken.err;

  auto help = run_process(tool_path("dnsauth-validate"), {"selftest", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--config"), std::string::npos);
}

}  // namespace

// Hosted customers whose DKIM selectors are delegated by CNAME to our zone ([signer]
// delegation_zone; core/records/delegation.h): dnsauth-publish generate writes the key records
// at the targets and the CNAME lines for each customer, and dnsauth-publish lint and
// dnsauth-validate selftest follow the customer's CNAME (RFC 6376 3.6.2.2; RFC 1034 3.6.2) with
// the same rules, against zone files and against NSD serving the customer's and our zone:
// good, missing CNAME, wrong target, wrong key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "core/dkim/crypto.h"
#include "publish_support.h"
#include "support/dkim_fixtures.h"
#include "support/nsd_fixture.h"

namespace dnsauth::test::publish {
namespace {

const std::string kSoa = "@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n";

class Delegation : public ::testing::Test {
 protected:
  void SetUp() override {
    // The keys of examples/dnsauth.toml, which the key table shares: s1 the Ed25519 key, s2 the RSA key.
    Ran first = ws_.generate();
    ASSERT_EQ(first.status, 0) << first.out << first.err;
    ws_.write("key.table", "cust-ed  customer.example:s1:./keys/example.net.s2026e.pem\n"
                           "cust-rsa customer.example:s2:./keys/example.com.s2026r.pem\n");
    ws_.write("signing.table", "*@customer.example cust-ed\n*@customer.example cust-rsa\n");
    ws_.write("sender_login", "@customer.example customer1\n");
    set_signer("delegation_zone = \"dkim.isp.example\"\n");
  }

  // The [signer] table of examples/dnsauth.toml with the tables, multiple_signatures and `more`.
  void set_signer(const std::string& more) {
    if (!fs::exists(ws_.dir() / "dnsauth.toml.orig")) ws_.write("dnsauth.toml.orig", read_file(ws_.config()));
    std::string toml = read_file(ws_.dir() / "dnsauth.toml.orig");
    toml = std::regex_replace(toml, std::regex("\\[signer\\]\n"),
                              "[signer]\nkey_table = \"key.table\"\nsigning_table = \"refile:signing.table\"\n"
                              "login_map = \"texthash:sender_login\"\nmultiple_signatures = true\n" + more);
    ws_.write("dnsauth.toml", toml);
  }

  // generate, then the customer's zone (with the CNAMEs generate handed out, edited by `edit`)
  // and ours (the generated fragment) as complete zones.
  void publish_zones(const std::function<std::string(std::string)>& edit = {}) {
    Ran r = ws_.generate();
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::string cnames = read_file(ws_.out() / "customer.example.cname.zone");
    customer_ = "$ORIGIN customer.example.\n" + kSoa + "@ 3600 IN TXT \"v=spf1 -all\"\n" +
                (edit ? edit(cnames) : cnames);
    isp_ = "$ORIGIN dkim.isp.example.\n" + kSoa + read_file(ws_.zone("dkim.isp.example"));
    ws_.write("customer.example.zone", customer_);
    ws_.write("dkim.isp.example.zone", isp_);
  }
  std::vector<std::string> zones() const {
    return {"--zone", (ws_.dir() / "customer.example.zone").string(), "--zone", (ws_.dir() / "dkim.isp.example.zone").string()};
  }

  Ran lint(std::vector<std::string> dns) const {
    std::vector<std::string> args{"lint", "--config", ws_.config().string(), "--domain", "customer.example", "--json"};
    args.insert(args.end(), dns.begin(), dns.end());
    return publish(args);
  }
  Ran selftest(std::vector<std::string> dns) const {
    std::vector<std::string> args{"selftest", "--config", ws_.config().string(), "--now", "1795000000", "--json"};
    args.insert(args.end(), dns.begin(), dns.end());
    return run_process(tool_path("dnsauth-validate").string(), args);
  }

  static const nlohmann::json* finding(const nlohmann::json& j, const std::string& rule) {
    for (const auto& f : j["findings"])
      if (f["rule"] == rule) return &f;
    return nullptr;
  }
  // The selftest's check of that id and subject for customer.example.
  static const nlohmann::json* check(const nlohmann::json& j, const std::string& id, const std::string& subject) {
    for (const auto& d : j["domains"])
      if (d["domain"] == "customer.example")
        for (const auto& c : d["checks"])
          if (c["id"] == id && c["subject"] == subject) return &c;
    return nullptr;
  }

  Workspace ws_;
  std::string customer_, isp_;
};

std::string public_key_of(const fs::path& pem) {
  auto key = dkim::PrivateKey::from_pem(read_file(pem));
  if (!key) throw std::runtime_error(key.error().message());
  return key_record_for(*key);
}

TEST_F(Delegation, GenerateWritesOurKeyRecordsAndTheCustomersCnameLines) {
  Ran r = ws_.generate();
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const std::string cname1 = "s1._domainkey.customer.example.\t3600\tIN\tCNAME\ts1.customer-example.dkim.isp.example.\n";
  const std::string cname2 = "s2._domainkey.customer.example.\t3600\tIN\tCNAME\ts2.customer-example.dkim.isp.example.\n";
  EXPECT_NE(r.out.find("dkim.isp.example: wrote " + ws_.zone("dkim.isp.example").string() + " (2 records)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("customer.example: selectors delegated to dkim.isp.example; hand to customer.example (" +
                       (ws_.out() / "customer.example.cname.zone").string() + "):\n  " + cname1 + "  " + cname2),
            std::string::npos)
      << r.out;
  std::string isp = read_file(ws_.zone("dkim.isp.example"));
  EXPECT_NE(isp.find("s1.customer-example.dkim.isp.example.\t3600\tIN\tTXT\t\"" +
                     public_key_of(ws_.keys() / "example.net.s2026e.pem") + "\""),
            std::string::npos)
      << isp;
  EXPECT_NE(isp.find("s2.customer-example.dkim.isp.example.\t3600\tIN\tTXT\t\"v=DKIM1; k=rsa; p="), std::string::npos);
  std::string customer = read_file(ws_.out() / "customer.example.cname.zone");
  EXPECT_NE(customer.find(cname1 + cname2), std::string::npos) << customer;
  // Nothing is written in the customer's name other than what it is handed.
  EXPECT_FALSE(fs::exists(ws_.zone("customer.example")));
}

TEST_F(Delegation, GenerateJsonListsWhatWasWrittenAndTheCnamesPerCustomer) {
  Ran r = ws_.generate({"--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["written"].size(), 3u) << r.out;  // example.net, example.com, dkim.isp.example
  EXPECT_EQ(j["written"][2]["zone"], "dkim.isp.example");
  EXPECT_EQ(j["written"][2]["records"], 2);
  EXPECT_EQ(j["delegation"]["zone"], "dkim.isp.example");
  EXPECT_EQ(j["delegation"]["target"], "{selector}.{domain_dashed}");
  ASSERT_EQ(j["delegation"]["customers"].size(), 1u);
  const auto& c = j["delegation"]["customers"][0];
  EXPECT_EQ(c["domain"], "customer.example");
  EXPECT_EQ(c["file"], (ws_.out() / "customer.example.cname.zone").string());
  ASSERT_EQ(c["cnames"].size(), 2u);
  EXPECT_EQ(c["cnames"][0], nlohmann::json::parse(R"({"selector": "s1", "name": "s1._domainkey.customer.example.",
      "type": "CNAME", "ttl": 3600, "target": "s1.customer-example.dkim.isp.example.",
      "zone_line": "s1._domainkey.customer.example.\t3600\tIN\tCNAME\ts1.customer-example.dkim.isp.example.\n"})"));
}

TEST_F(Delegation, GenerateForOneCustomerStillWritesTheWholeDelegationZone) {
  ws_.write("key.table", read_file(ws_.dir() / "key.table") + "shop shop.example:s1:./keys/example.net.s2026e.pem\n");
  Ran r = ws_.generate({"--domain", "shop.example"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(3 records)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hand to shop.example"), std::string::npos);
  EXPECT_EQ(r.out.find("hand to customer.example"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("example.net"), std::string::npos) << r.out;
  Ran unknown = ws_.generate({"--domain", "nobody.example"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("domain nobody.example is not in " + ws_.config().string() + " nor in its key table"),
            std::string::npos)
      << unknown.err;
}

TEST_F(Delegation, GenerateFollowsTheTargetPattern) {
  set_signer("delegation_zone = \"dkim.isp.example\"\ndelegation_target = \"{selector}._k.{domain}\"\n");
  Ran r = ws_.generate();
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("CNAME\ts1._k.customer.example.dkim.isp.example."), std::string::npos) << r.out;
  EXPECT_NE(read_file(ws_.zone("dkim.isp.example")).find("s1._k.customer.example.dkim.isp.example.\t3600\tIN\tTXT"),
            std::string::npos);
}

TEST_F(Delegation, ADelegationZoneThatIsAConfiguredDomainIsRefused) {
  set_signer("delegation_zone = \"example.net\"\n");
  Ran r = ws_.generate();
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("[signer] delegation_zone example.net is also a [[domain]] of "), std::string::npos) << r.err;
}

TEST_F(Delegation, WithoutDelegationGenerateWritesNothingForTheTableDomains) {
  set_signer("");
  Ran r = ws_.generate();
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("customer.example"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(ws_.zone("dkim.isp.example")));
  EXPECT_FALSE(fs::exists(ws_.out() / "customer.example.cname.zone"));
}

TEST_F(Delegation, LintWithZoneFilesGoodMissingWrongTargetWrongKey) {
  publish_zones();
  Ran good = lint(zones());
  auto j = nlohmann::json::parse(good.out);
  EXPECT_EQ(j["counts"]["error"], 0) << good.out << good.err;

  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s2\\._domainkey[^\n]*\n"), ""); });
  Ran missing = lint(zones());
  EXPECT_EQ(missing.status, 2) << missing.out;
  j = nlohmann::json::parse(missing.out);
  const nlohmann::json* f = finding(j, "dkim-delegation-missing");
  ASSERT_NE(f, nullptr) << missing.out;
  EXPECT_EQ((*f)["name"], "s2._domainkey.customer.example");
  EXPECT_NE((*f)["message"].get<std::string>().find("customer.example: selector s2 is delegated"), std::string::npos);

  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s2\\.customer-example\\.dkim\\.isp"), "s2.customer-example.dkim.other"); });
  Ran wrong = lint(zones());
  EXPECT_EQ(wrong.status, 2) << wrong.out;
  j = nlohmann::json::parse(wrong.out);
  f = finding(j, "dkim-delegation-wrong-target");
  ASSERT_NE(f, nullptr) << wrong.out;
  EXPECT_EQ((*f)["message"], "customer.example: s2._domainkey.customer.example is a CNAME to "
                             "s2.customer-example.dkim.other.example, expected s2.customer-example.dkim.isp.example");

  publish_zones();
  auto other = dkim::PrivateKey::generate_ed25519();
  ws_.write("dkim.isp.example.zone", std::regex_replace(isp_, std::regex("(s1\\.customer-example[^\"]*)\"[^\"]*\""),
                                                       "$1\"" + key_record_for(*other) + "\""));
  Ran key = lint(zones());
  EXPECT_EQ(key.status, 2) << key.out;
  j = nlohmann::json::parse(key.out);
  f = finding(j, "dkim-key-mismatch");
  ASSERT_NE(f, nullptr) << key.out;
  EXPECT_NE((*f)["message"].get<std::string>().find("customer.example: the key record at s1.customer-example.dkim.isp.example"),
            std::string::npos)
      << (*f)["message"];
}

TEST_F(Delegation, LintAndSelftestAgainstNsdServingTheCustomersZoneAndOurs) {
  if (!NsdServer::available()) GTEST_SKIP() << "nsd is not installed";
  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s2\\.customer-example\\.dkim\\.isp"), "s2.customer-example.dkim.other"); });
  std::string good_customer = "$ORIGIN customer.example.\n" + kSoa + read_file(ws_.out() / "customer.example.cname.zone");
  {
    NsdServer nsd({{"customer.example", good_customer}, {"dkim.isp.example", isp_}});
    Ran good = lint({"--resolver", nsd.address()});
    auto j = nlohmann::json::parse(good.out);
    EXPECT_EQ(j["counts"]["error"], 0) << good.out << good.err;
    Ran st = selftest({"--resolver", nsd.address()});
    j = nlohmann::json::parse(st.out);
    for (const std::string s : {"s1", "s2"}) {
      const nlohmann::json* c = check(j, "dkim-delegation", s);
      ASSERT_NE(c, nullptr) << st.out;
      EXPECT_TRUE((*c)["ok"].get<bool>()) << (*c)["detail"];
      const nlohmann::json* v = check(j, "dkim-sign-verify", s);
      ASSERT_NE(v, nullptr) << st.out;
      EXPECT_TRUE((*v)["ok"].get<bool>()) << (*v)["detail"];
    }
  }
  NsdServer nsd({{"customer.example", customer_}, {"dkim.isp.example", isp_}});
  Ran wrong = lint({"--resolver", nsd.address()});
  EXPECT_EQ(wrong.status, 2) << wrong.out;
  EXPECT_NE(finding(nlohmann::json::parse(wrong.out), "dkim-delegation-wrong-target"), nullptr) << wrong.out;
  Ran st = selftest({"--resolver", nsd.address()});
  EXPECT_EQ(st.status, 1) << st.out;
  const nlohmann::json report = nlohmann::json::parse(st.out);
  const nlohmann::json* c = check(report, "dkim-delegation", "s2");
  ASSERT_NE(c, nullptr) << st.out;
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find("dkim-delegation-wrong-target: customer.example: "), std::string::npos)
      << (*c)["detail"];
}

// A customer for whom the login map lists no sender cannot be signed for by the selftest, but
// its CNAMEs and our keys are checked all the same: good, then missing.
TEST_F(Delegation, SelftestChecksTheCnamesOfADomainItCannotSignFor) {
  ws_.write("sender_login", "@other.example someone\n");
  publish_zones();
  std::vector<std::string> z = zones();
  for (const std::string d : {"example.net", "example.com"}) z.insert(z.end(), {"--zone", ws_.zone(d).string()});
  Ran good = selftest(z);
  ASSERT_EQ(good.status, 0) << good.out << good.err;
  auto j = nlohmann::json::parse(good.out);
  for (const std::string s : {"s1", "s2"}) {
    const nlohmann::json* c = check(j, "dkim-delegation", s);
    ASSERT_NE(c, nullptr) << good.out;
    EXPECT_TRUE((*c)["ok"].get<bool>()) << (*c)["detail"];
  }
  EXPECT_EQ(check(j, "dkim-sign-verify", "s1"), nullptr);
  ASSERT_EQ(j["skipped"].size(), 1u) << good.out;
  EXPECT_EQ(j["skipped"][0]["domain"], "customer.example");
  EXPECT_NE(j["skipped"][0]["reason"].get<std::string>().find("dkim-sign-verify not run: "), std::string::npos)
      << j["skipped"][0]["reason"];

  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s1\\._domainkey[^\n]*\n"), ""); });
  Ran missing = selftest(z);
  EXPECT_EQ(missing.status, 1) << missing.out;
  auto failed = nlohmann::json::parse(missing.out);
  const nlohmann::json* c = check(failed, "dkim-delegation", "s1");
  ASSERT_NE(c, nullptr) << missing.out;
  EXPECT_FALSE((*c)["ok"].get<bool>());
  EXPECT_NE((*c)["detail"].get<std::string>().find("dkim-delegation-missing: customer.example: selector s1"), std::string::npos)
      << (*c)["detail"];
}

TEST_F(Delegation, SelftestWithZoneFilesGoodMissingWrongTargetWrongKey) {
  auto all_zones = [&] {
    std::vector<std::string> z = zones();
    for (const std::string d : {"example.net", "example.com"}) {
      z.push_back("--zone");
      z.push_back(ws_.zone(d).string());
    }
    return z;
  };
  publish_zones();
  Ran good = selftest(all_zones());
  ASSERT_EQ(good.status, 0) << good.out << good.err;
  auto j = nlohmann::json::parse(good.out);
  const nlohmann::json* c = check(j, "dkim-delegation", "s1");
  ASSERT_NE(c, nullptr) << good.out;
  EXPECT_EQ((*c)["detail"], "s1._domainkey.customer.example is a CNAME to s1.customer-example.dkim.isp.example, "
                            "whose key record matches example.net.s2026e.pem");
  c = check(j, "dkim-sign-verify", "s2");
  ASSERT_NE(c, nullptr);
  EXPECT_NE((*c)["detail"].get<std::string>().find("d=customer.example s=s2: dkim=pass"), std::string::npos) << (*c)["detail"];

  auto failed_detail = [&](const Ran& r, const std::string& id, const std::string& subject) {
    EXPECT_EQ(r.status, 1) << r.out;
    auto parsed = nlohmann::json::parse(r.out);
    const nlohmann::json* f = check(parsed, id, subject);
    if (!f) return std::string("no check ") + id + " " + subject;
    EXPECT_FALSE((*f)["ok"].get<bool>());
    return (*f)["detail"].get<std::string>();
  };
  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s1\\._domainkey[^\n]*\n"), ""); });
  Ran missing = selftest(all_zones());
  EXPECT_NE(failed_detail(missing, "dkim-delegation", "s1").find("dkim-delegation-missing: customer.example: selector s1"),
            std::string::npos);
  EXPECT_NE(failed_detail(missing, "dkim-sign-verify", "s1").find("dkim=permerror"), std::string::npos);

  publish_zones([](std::string cnames) { return std::regex_replace(cnames, std::regex("s1\\.customer-example\\.dkim\\.isp"), "s1.customer-example.dkim.other"); });
  EXPECT_NE(failed_detail(selftest(all_zones()), "dkim-delegation", "s1")
                .find("dkim-delegation-wrong-target: customer.example: s1._domainkey.customer.example is a CNAME to "
                      "s1.customer-example.dkim.other.example, expected s1.customer-example.dkim.isp.example"),
            std::string::npos);

  publish_zones();
  auto other = dkim::PrivateKey::generate_ed25519();
  ws_.write("dkim.isp.example.zone", std::regex_replace(isp_, std::regex("(s1\\.customer-example[^\"]*)\"[^\"]*\""),
                                                       "$1\"" + key_record_for(*other) + "\""));
  Ran key = selftest(all_zones());
  EXPECT_NE(failed_detail(key, "dkim-delegation", "s1").find("dkim-key-mismatch: p= is not the public half of the key "
                                                            "file of selector s1 (customer.example:"),
            std::string::npos);
  EXPECT_NE(failed_detail(key, "dkim-sign-verify", "s1").find("dkim=fail"), std::string::npos);
}

}  // namespace
}  // namespace dnsauth::test::publish

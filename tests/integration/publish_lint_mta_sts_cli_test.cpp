// dnsauth-publish lint for MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI: --record with
// --type mta-sts|tls-rpt|bimi, --mta-sts-policy FILE alone and against a zone's MX hosts, the
// new records in a zone checked by lint --domain, and the exit statuses (0 clean or info,
// 1 warnings, 2 errors or a file that cannot be read).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "publish_support.h"

namespace dnsauth::test::publish {
namespace {

const std::string kPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n";

std::string zone(const std::string& extra = "") {
  return "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
         "@ IN TXT \"v=spf1 mx -all\"\n@ IN MX 10 mail\n@ IN MX 20 backup.example.net.\nmail IN A 192.0.2.1\n"
         "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n" + extra;
}

TEST(PublishLintMtaSts, RecordTypes) {
  Ran sts = publish({"lint", "--record", "v=STSv1; id=20160831085700Z;", "--json"});
  EXPECT_EQ(sts.status, 0) << sts.out << sts.err;
  EXPECT_EQ(nlohmann::json::parse(sts.out)["findings"].size(), 0u);
  Ran bad = publish({"lint", "--record", "v=STSv1; id=2016-08-31", "--type", "mta-sts", "--json"});
  EXPECT_EQ(bad.status, 2) << bad.out;
  auto f = nlohmann::json::parse(bad.out)["findings"][0];
  EXPECT_EQ(f["rule"], "mta-sts-id-syntax");
  EXPECT_EQ(f["offset"], 16);
  EXPECT_EQ(f["protocol"], "mta-sts");
  Ran rpt = publish({"lint", "--record", "v=TLSRPTv1; rua=ftp://r.example/", "--type", "tls-rpt"});
  EXPECT_EQ(rpt.status, 2) << rpt.out;
  EXPECT_NE(rpt.out.find("tls-rpt-uri-scheme"), std::string::npos) << rpt.out;
  Ran bimi = publish({"lint", "--record", "v=BIMI1; l=https://images.example.com/logo.svg", "--type", "bimi"});
  EXPECT_EQ(bimi.status, 0) << bimi.out;  // a= missing: information only
  EXPECT_NE(bimi.out.find("bimi-evidence-missing"), std::string::npos) << bimi.out;
  Ran logo = publish({"lint", "--record", "v=BIMI1; l=https://images.example.com/logo.png; a=https://i.example/v.pem"});
  EXPECT_EQ(logo.status, 1) << logo.out;  // detected from v=BIMI1; not an SVG: a warning
}

TEST(PublishLintMtaSts, PolicyFileAloneExitStatuses) {
  Workspace ws;
  ws.write("clean.txt", kPolicy);
  Ran clean = publish({"lint", "--mta-sts-policy", (ws.dir() / "clean.txt").string()});
  EXPECT_EQ(clean.status, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("policy: clean"), std::string::npos) << clean.out;
  ws.write("lf.txt", "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 604800\n");
  Ran lf = publish({"lint", "--mta-sts-policy", (ws.dir() / "lf.txt").string()});
  EXPECT_EQ(lf.status, 1) << lf.out;
  EXPECT_NE(lf.out.find("mta-sts-policy-lf"), std::string::npos) << lf.out;
  EXPECT_NE(lf.out.find("mta-sts-policy-testing"), std::string::npos) << lf.out;
  ws.write("bad.txt", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com.\r\nmax_age: 604800\r\n");
  Ran bad = publish({"lint", "--mta-sts-policy", (ws.dir() / "bad.txt").string(), "--json"});
  EXPECT_EQ(bad.status, 2) << bad.out;
  auto f = nlohmann::json::parse(bad.out)["findings"][0];
  EXPECT_EQ(f["rule"], "mta-sts-policy-mx");
  EXPECT_EQ(f["name"], (ws.dir() / "bad.txt").string());
  EXPECT_EQ(f["record"], "mx: mail.example.com.");
  EXPECT_EQ(f["offset"], 4);
  // The human form puts a caret under the byte of the line at fault.
  Ran human = publish({"lint", "--mta-sts-policy", (ws.dir() / "bad.txt").string()});
  EXPECT_NE(human.out.find(std::string(10, ' ') + "mx: mail.example.com.\n" + std::string(14, ' ') + "^\n"),
            std::string::npos)
      << human.out;
}

TEST(PublishLintMtaSts, PolicyFileErrorsAndUsage) {
  Workspace ws;
  Ran missing = publish({"lint", "--mta-sts-policy", (ws.dir() / "absent.txt").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("--mta-sts-policy " + (ws.dir() / "absent.txt").string() + ": No such file or directory"),
            std::string::npos)
      << missing.err;
  Ran dir = publish({"lint", "--mta-sts-policy", ws.dir().string()});
  EXPECT_EQ(dir.status, 2);
  EXPECT_NE(dir.err.find("is a directory"), std::string::npos) << dir.err;
  ws.write("p.txt", kPolicy);
  Ran both = publish({"lint", "--mta-sts-policy", (ws.dir() / "p.txt").string(), "--record", "v=STSv1; id=1"});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--mta-sts-policy goes with"), std::string::npos) << both.err;
}

// RFC 8461 4.1 against the zone's MX hosts: backup.example.net is covered by no pattern.
TEST(PublishLintMtaSts, PolicyFileAgainstTheDomainsMxHosts) {
  Workspace ws;
  ws.write("example.com.zone", zone());
  ws.write("p.txt", kPolicy);
  Ran r = publish({"lint", "--mta-sts-policy", (ws.dir() / "p.txt").string(), "--domain", "example.com", "--zone",
                   (ws.dir() / "example.com.zone").string(), "--json"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u) << r.out;
  EXPECT_EQ(j["findings"][0]["rule"], "mta-sts-mx-uncovered");
  EXPECT_NE(j["findings"][0]["message"].get<std::string>().find("backup.example.net"), std::string::npos);
  ws.write("ok.txt", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n");
  Ran ok = publish({"lint", "--mta-sts-policy", (ws.dir() / "ok.txt").string(), "--domain", "example.com", "--zone",
                    (ws.dir() / "example.com.zone").string()});
  EXPECT_EQ(ok.status, 0) << ok.out;
}

// lint --domain checks the records the zone publishes, and nothing new for a zone without them.
TEST(PublishLintMtaSts, DomainLintChecksPublishedRecords) {
  Workspace ws;
  ws.write("plain.zone", zone());
  Ran plain = publish({"lint", "--zone", (ws.dir() / "plain.zone").string(), "--domain", "example.com", "--json"});
  auto plain_json = nlohmann::json::parse(plain.out);
  for (const auto& f : plain_json["findings"]) {
    std::string p = f["protocol"];
    EXPECT_TRUE(p != "mta-sts" && p != "tls-rpt" && p != "bimi") << f.dump();
  }
  ws.write("example.com.zone", zone("_mta-sts IN TXT \"v=STSv1; id=1\"\n_mta-sts IN TXT \"v=STSv1; id=2\"\n"
                                    "_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\"\n"
                                    "default._bimi IN TXT \"v=BIMI1; l=http://images.example.com/logo.svg\"\n"));
  Ran r = publish({"lint", "--zone", (ws.dir() / "example.com.zone").string(), "--domain", "example.com", "--json"});
  EXPECT_EQ(r.status, 2) << r.out;
  std::set<std::string> rules;
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["findings"]) rules.insert(f["rule"].get<std::string>());
  EXPECT_TRUE(rules.count("mta-sts-multiple-records")) << r.out;
  EXPECT_TRUE(rules.count("bimi-not-https")) << r.out;
  EXPECT_FALSE(rules.count("tls-rpt-syntax")) << r.out;
}

TEST(PublishLintMtaSts, RulesListsTheNewRules) {
  auto j = nlohmann::json::parse(publish({"rules", "--json"}).out);
  std::set<std::string> protocols;
  for (const auto& rule : j) protocols.insert(rule["protocol"].get<std::string>());
  EXPECT_TRUE(protocols.count("mta-sts") && protocols.count("tls-rpt") && protocols.count("bimi"));
  Ran text = publish({"rules"});
  EXPECT_NE(text.out.find("mta-sts-mx-uncovered-testing"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bimi-dmarc-not-enforced"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace dnsauth::test::publish

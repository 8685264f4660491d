// dnsauth-publish's command-line contract (docs/architecture.md): every exit status of every command
// (lint: 0 clean, 1 warnings only, 2 errors or usage error; generate, rotate, rules: 0 or 2),
// --help documenting every option, --json output that parses, error messages that name the
// problem in one line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "publish_support.h"

namespace dnsauth::test::publish {
namespace {

TEST(PublishCli, HelpDocumentsEveryCommandAndOptionAndExitsZero) {
  Ran r = publish({"--help"});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* word : {"generate", "rotate", "lint", "rules", "--config", "--out", "--format", "--domain",
                           "--selector", "--new", "--zone", "--resolver", "--record", "--type", "--json",
                           "Exit status", "0600"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  for (const char* cmd : {"generate", "rotate", "lint", "rules"}) {
    Ran one = publish({cmd, "--help"});
    EXPECT_EQ(one.status, 0) << cmd;
    EXPECT_NE(one.out.find(std::string("Usage: dnsauth-publish ") + cmd), std::string::npos) << one.out;
  }
}

TEST(PublishCli, UsageErrorsExitTwoWithOneClearLine) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "Usage"},
           {{"publish"}, "unknown command 'publish'"},
           {{"generate"}, "--config"},
           {{"generate", "--config", "x.toml"}, "--out"},
           {{"generate", "--config", "x.toml", "--out", "o", "--format", "bind"}, "--format must be zone, json or nsupdate"},
           {{"generate", "--config", "x.toml", "--out", "o", "extra"}, "unexpected argument 'extra'"},
           {{"lint"}, "give --domain DOMAIN or --record TEXT"},
           {{"lint", "--domain", "example.com", "--bogus"}, "--bogus"},
           {{"lint", "--record", "hello"}, "give --type spf|dkim|dmarc"},
           {{"lint", "--record", "v=spf1 -all", "--type", "txt"}, "--type must be spf, dkim or dmarc"},
           {{"lint", "--domain", "example.com", "--type", "spf"}, "--type applies to --record only"},
           {{"lint", "--record", "\"" + std::string(256, 'x') + "\""}, "--record: TXT rdata"},
           {{"rotate", "--config", "x.toml", "--out", "o"}, "--domain"},
       }) {
    Ran r = publish(c.args);
    std::string cmd;
    for (const auto& a : c.args) cmd += a + " ";
    EXPECT_EQ(r.status, 2) << cmd << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << cmd << ": " << r.err;
  }
}

TEST(PublishCli, InputErrorsExitTwo) {
  Workspace ws;
  ws.write("bad.toml", "[[domain]]\nname = \"example.com\"\ncolour = \"blue\"\n");
  Ran bad = publish({"generate", "--config", (ws.dir() / "bad.toml").string(), "--out", ws.out().string()});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad.toml:3"), std::string::npos) << bad.err;  // file:line
  EXPECT_NE(bad.err.find("colour"), std::string::npos) << bad.err;

  Ran missing = publish({"generate", "--config", (ws.dir() / "none.toml").string(), "--out", ws.out().string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("none.toml"), std::string::npos);

  Ran unknown = ws.generate({"--domain", "example.org"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("example.org is not in"), std::string::npos) << unknown.err;

  ws.write("broken.zone", "example.com. 3600 IN TXT \"ok\"\nthis is not a record\n");
  Ran zone = publish({"lint", "--zone", (ws.dir() / "broken.zone").string(), "--domain", "example.com"});
  EXPECT_EQ(zone.status, 2);
  EXPECT_NE(zone.err.find("broken.zone"), std::string::npos) << zone.err;

  Ran nofile = publish({"lint", "--zone", (ws.dir() / "absent.zone").string(), "--domain", "example.com"});
  EXPECT_EQ(nofile.status, 2);
  EXPECT_NE(nofile.err.find("cannot open zone file " + (ws.dir() / "absent.zone").string() + ": No such file or directory"),
            std::string::npos)
      << nofile.err;

  Ran badserver = publish({"lint", "--resolver", "not-an-address", "--domain", "example.com"});
  EXPECT_EQ(badserver.status, 2);

  ASSERT_EQ(ws.generate().status, 0);
  Ran notconfigured = publish({"lint", "--zone", ws.zone("example.com").string(), "--domain", "example.org",
                               "--config", ws.config().string()});
  EXPECT_EQ(notconfigured.status, 2);
  EXPECT_NE(notconfigured.err.find("example.org is not configured"), std::string::npos) << notconfigured.err;

  // A key file that cannot be read: named with the reason, and the published key not compared.
  fs::remove(ws.keys() / "example.com.s2026r.pem");
  Ran nokey = publish({"lint", "--zone", ws.zone("example.com").string(), "--domain", "example.com", "--config",
                       ws.config().string()});
  EXPECT_NE(nokey.err.find("cannot read key file " + (ws.keys() / "example.com.s2026r.pem").string() +
                           ": No such file or directory (published key not compared)"),
            std::string::npos)
      << nokey.err;
  fs::create_directories(ws.keys() / "example.com.s2026r.pem");
  Ran dirkey = publish({"lint", "--zone", ws.zone("example.com").string(), "--domain", "example.com", "--config",
                        ws.config().string()});
  EXPECT_NE(dirkey.err.find("example.com.s2026r.pem: it is a directory"), std::string::npos) << dirkey.err;

  // An unwritable output folder.
  ws.write("file-not-dir", "x");
  Ran out = publish({"generate", "--config", ws.config().string(), "--out", (ws.dir() / "file-not-dir").string()});
  EXPECT_EQ(out.status, 2);
}

// A misspelt --domain cannot pass: a name that is not a domain name is a usage error; one the
// zones given do not hold, or that exists nowhere, is the error dns-domain-not-found (exit 2),
// never "not checked" notes that exit 0.
TEST(PublishCli, LintRefusesADomainThatIsInvalidOrPublishesNothing) {
  Workspace ws;
  ws.write("t/isp.test.zone",
           "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
           "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
           "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@isp.test\"\n");
  std::string zone = (ws.dir() / "t/isp.test.zone").string();
  for (const char* bad : {"isp..test", ".isp.test", "isp.test..", "-isp.test", "isp test", "isp.test/x"}) {
    Ran r = publish({"lint", "--zone", zone, "--domain", bad});
    EXPECT_EQ(r.status, 2) << bad << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(std::string("--domain '") + bad + "' is not a valid domain name"), std::string::npos)
        << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  struct Case {
    std::string domain;
    std::string says;
  };
  for (const Case& c : {Case{"isp.tset", "isp.tset is outside every zone given"},
                        Case{"ips.test.", "ips.test is outside every zone given"},
                        Case{"typo.isp.test", "typo.isp.test does not exist (NXDOMAIN)"}}) {
    Ran r = publish({"lint", "--zone", zone, "--domain", c.domain, "--json"});
    EXPECT_EQ(r.status, 2) << c.domain << "\n" << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j["findings"].empty()) << r.out;
    EXPECT_EQ(j["findings"][0]["rule"], "dns-domain-not-found") << r.out;
    EXPECT_EQ(j["findings"][0]["severity"], "error") << r.out;
    EXPECT_NE(j["findings"][0]["message"].get<std::string>().find(c.says), std::string::npos) << r.out;
  }
  Ran ok = publish({"lint", "--zone", zone, "--domain", "ISP.test."});
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.find("dns-domain-not-found"), std::string::npos) << ok.out;
}

TEST(PublishCli, LintExitsZeroOneTwoForCleanWarningsErrors) {
  Workspace ws;
  ws.write("t/example.com.zone",
           "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
           "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
           "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n"
           "warn IN TXT \"v=spf1 ip4:192.0.2.1 ?all\"\n"
           "_dmarc.warn IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n"
           "err IN TXT \"v=spf1 ip4:192.0.2.1 +all\"\n"
           "_dmarc.err IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n"
           "info IN TXT \"v=spf1 -all\"\n"
           "_dmarc.info IN TXT \"v=DMARC1; p=none; rua=mailto:d@example.com\"\n");
  std::string zone = (ws.dir() / "t/example.com.zone").string();
  struct Case {
    std::string domain;
    int status;
    std::string rule;
  };
  for (const Case& c : std::vector<Case>{{"example.com", 0, ""},
                                         {"info.example.com", 0, "dmarc-p-none"},
                                         {"warn.example.com", 1, "spf-neutral-all"},
                                         {"err.example.com", 2, "spf-pass-all"}}) {
    Ran plain = publish({"lint", "--zone", zone, "--domain", c.domain, "--json"});
    EXPECT_EQ(plain.status, c.status) << c.domain << "\n" << plain.out << plain.err;
    auto j = nlohmann::json::parse(plain.out);
    EXPECT_EQ(j["exit_code"], c.status);
    if (!c.rule.empty()) {
      bool seen = false;
      for (const auto& f : j["findings"]) seen = seen || f["rule"] == c.rule;
      EXPECT_TRUE(seen) << c.domain << ": " << plain.out;
    }
    // A selector asked for but not published (dkim-missing) is an error whatever else holds.
    Ran missing = publish({"lint", "--zone", zone, "--domain", c.domain, "--selector", "none"});
    EXPECT_EQ(missing.status, 2) << c.domain << "\n" << missing.out;
  }
}

// --zone is read by the zone resolver the validator uses (core/dns/zone_resolver.h): RFC 1035
// 5.1 $INCLUDE is followed, the selectors are found in every file read, and a record that
// does not parse stops lint with FILE:LINE (exit 2) instead of being skipped.
TEST(PublishCli, LintReadsZoneFilesWithIncludesAndNamesTheLineOfAnError) {
  Workspace ws;
  const std::string head =
      "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
      "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
      "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n";
  ws.write("z/example.com.zone", head + "$INCLUDE keys.inc\n");
  // Owner names compare without case (RFC 4343): this is selector s1 of example.com.
  ws.write("z/keys.inc", "S1._DomainKey IN TXT \"v=DKIM1; k=ed25519; p=\"\n");
  const std::string zone = (ws.dir() / "z/example.com.zone").string();
  Ran r = publish({"lint", "--zone", zone, "--domain", "example.com", "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> seen;
  for (const auto& f : j["findings"]) seen.push_back(f["rule"].get<std::string>() + " " + f["name"].get<std::string>());
  EXPECT_EQ(seen, std::vector<std::string>{"dkim-revoked s1._domainkey.example.com"}) << r.out;

  ws.write("z/keys.inc", "s1._domainkey IN TXT \"v=DKIM1; k=ed25519; p=\"\ns2._domainkey IN BOGUS x\n");
  Ran included = publish({"lint", "--zone", zone, "--domain", "example.com"});
  EXPECT_EQ(included.status, 2) << included.out;
  EXPECT_NE(included.err.find("keys.inc:2: "), std::string::npos) << included.err;
  EXPECT_EQ(included.out, "");

  ws.write("z/example.com.zone", head + "mail IN A 192.0.2.300\n");
  Ran broken = publish({"lint", "--zone", zone, "--domain", "example.com"});
  EXPECT_EQ(broken.status, 2) << broken.out;
  EXPECT_NE(broken.err.find("example.com.zone:6: "), std::string::npos) << broken.err;
}

// A --zone or an $INCLUDE that names a directory, or an $INCLUDE without a file name, is an
// input error with FILE:LINE (exit 2), at once: a read that fails never reaches end of file,
// and reading on waited for it forever. The validator reads --zone the same way.
TEST(PublishCli, LintRefusesZoneFilesThatCannotBeRead) {
  Workspace ws;
  fs::create_directories(ws.dir() / "z" / "parts");
  ws.write("z/example.com.zone", "$TTL 300\n@ IN TXT \"v=spf1 -all\"\n$INCLUDE parts\n");
  ws.write("z/example.net.zone", "$TTL 300\n@ IN TXT \"v=spf1 -all\"\n$INCLUDE \"\"\n");
  struct Case {
    fs::path zone;
    std::string says;
  };
  for (const Case& c : {Case{ws.dir() / "z", (ws.dir() / "z").string() + " is a directory"},
                        Case{ws.dir() / "z/example.com.zone", "example.com.zone:3: $INCLUDE file " +
                                                                  (ws.dir() / "z/parts").string() + " is a directory"},
                        Case{ws.dir() / "z/example.net.zone", "example.net.zone:3: $INCLUDE needs a file name"}}) {
    Ran r = publish({"lint", "--zone", c.zone.string(), "--domain", "example.com"});
    EXPECT_EQ(r.status, 2) << c.zone << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  Ran validate = run_process(tool_path("dnsauth-validate"),
                             {"spf", "--ip", "192.0.2.1", "--mail-from", "a@example.com", "--zone", (ws.dir() / "z").string()});
  EXPECT_EQ(validate.status, 2) << validate.out << validate.err;
  EXPECT_NE(validate.err.find("is a directory"), std::string::npos) << validate.err;
}

TEST(PublishCli, LintRecordHumanOutputPointsAtTheError) {
  Ran r = publish({"lint", "--record", "v=spf1 ip4:192.0.2.1 bogus -all"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("spf-syntax"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[RFC 7208 4.6, 12]"), std::string::npos) << r.out;
  // The record, indented by 10, and a caret under byte 21 ('b').
  EXPECT_NE(r.out.find(std::string(10, ' ') + "v=spf1 ip4:192.0.2.1 bogus -all\n" + std::string(10 + 21, ' ') + "^\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("record: 1 error, 0 warnings, 0 info"), std::string::npos) << r.out;
}

TEST(PublishCli, LintRecordAcceptsZoneFileQuoting) {
  Ran r = publish({"lint", "--record", R"("v=spf1 ip4:192.0.2.1 " "-all")", "--json"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["findings"].size(), 0u);
  Ran dkim = publish({"lint", "--record", "v=DKIM1; k=rsa; p=", "--json"});
  EXPECT_EQ(dkim.status, 0) << dkim.out;  // revoked: information only
  EXPECT_EQ(nlohmann::json::parse(dkim.out)["findings"][0]["rule"], "dkim-revoked");
  Ran dmarc = publish({"lint", "--record", "v=DMARC1; p=reject", "--type", "dmarc"});
  EXPECT_EQ(dmarc.status, 1) << dmarc.out;  // no rua: a warning
}

TEST(PublishCli, LintJsonCarriesRuleSeverityRecordMessageOffsetAndRfc) {
  Ran r = publish({"lint", "--record", "v=DMARC1; p=reject; aspf=q; rua=mailto:d@example.com", "--json"});
  EXPECT_EQ(r.status, 2);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u) << r.out;
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["rule"], "dmarc-syntax");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["protocol"], "dmarc");
  EXPECT_EQ(f["record"], "v=DMARC1; p=reject; aspf=q; rua=mailto:d@example.com");
  EXPECT_EQ(f["offset"], 25);
  EXPECT_EQ(f["rfc"], "RFC 9989 4.7, 4.8");
  EXPECT_FALSE(f["message"].get<std::string>().empty());
  EXPECT_EQ(j["counts"]["error"], 1);
}

TEST(PublishCli, LintPrintsTheSpfLookupTree) {
  Workspace ws;
  std::string z = "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
                  "@ IN TXT \"v=spf1 include:a.example.com include:b.example.com -all\"\n"
                  "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n";
  std::string a = "a IN TXT \"v=spf1", b = "b IN TXT \"v=spf1";
  for (int i = 0; i < 5; ++i) {
    a += " a:h" + std::to_string(i) + ".example.com";
    b += " mx:h" + std::to_string(i) + ".example.com";
    z += "h" + std::to_string(i) + " IN A 192.0.2.1\nh" + std::to_string(i) + " IN MX 10 h0.example.com.\n";
  }
  ws.write("example.com.zone", z + a + " -all\"\n" + b + " -all\"\n");
  Ran r = publish({"lint", "--zone", (ws.dir() / "example.com.zone").string(), "--domain", "example.com"});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("spf-too-many-lookups"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("12 DNS-querying terms (limit 10)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  example.com: 2 (total 12)\n    include:a.example.com: 5\n    include:b.example.com: 5\n"),
            std::string::npos) << r.out;
  Ran j = publish({"lint", "--zone", (ws.dir() / "example.com.zone").string(), "--domain", "example.com", "--json"});
  auto tree = nlohmann::json::parse(j.out)["spf_tree"];
  EXPECT_EQ(tree["total"], 12);
  EXPECT_EQ(tree["children"][1]["via"], "include:b.example.com");
}

TEST(PublishCli, RulesListsTheWholeCatalog) {
  Ran r = publish({"rules", "--json"});
  EXPECT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j.size(), 40u);
  std::set<std::string> ids;
  for (const auto& rule : j) {
    ids.insert(rule["id"]);
    EXPECT_TRUE(rule["severity"] == "error" || rule["severity"] == "warning" || rule["severity"] == "info");
  }
  EXPECT_TRUE(ids.count("spf-too-many-lookups"));
  EXPECT_TRUE(ids.count("dkim-key-mismatch"));
  EXPECT_TRUE(ids.count("dmarc-external-unauthorized"));
  Ran text = publish({"rules"});
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("spf-type-99"), std::string::npos);
}

TEST(PublishCli, ReadmeListsEveryRule) {
  // The README's section on dnsauth-publish: its table lists every rule with its severity.
  std::string doc = read_file(fs::path(DNSAUTH_TEST_DATA_DIR).parent_path().parent_path() / "README.md");
  auto j = nlohmann::json::parse(publish({"rules", "--json"}).out);
  for (const auto& rule : j)
    EXPECT_NE(doc.find("| `" + rule["id"].get<std::string>() + "` | " + rule["severity"].get<std::string>() + " |"),
              std::string::npos)
        << rule["id"];
}

}  // namespace
}  // namespace dnsauth::test::publish

// dnsauth-validate spf, run as a program: every exit status (0 pass, 1 any other result, 2
// usage or input error), the text and JSON outputs, --help, and each source of DNS answers
// (--zone, --resolver against NSD, both together).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/nsd_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using dnsauth::test::ProcessResult;

const char* kZone = R"zone($TTL 300
@        IN SOA ns1 hostmaster 2026010101 3600 600 86400 300
@        IN NS  ns1
@        IN MX  10 mail
@        IN TXT "v=spf1 mx a:gone.example.com include:_spf.example.com -all exp=why.example.com"
ns1      IN A   127.0.0.1
mail     IN A   192.0.2.10
mail     IN TXT "v=spf1 a -all"
why      IN TXT "%{i} is not allowed to send as %{d} (asked at %{t} by %{r})"
_spf     IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"
soft     IN TXT "v=spf1 ~all"
neutral  IN TXT "v=spf1 ?all"
broken   IN TXT "v=spf1 ip4:192.0.2.300"
provider IN TXT "v=spf1 include:_spf.provider.test -all"
)zone";

class ValidateSpfCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnsauth-cli-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    zone_ = (dir_ / "example.com.zone").string();
    std::ofstream(zone_) << kZone;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProcessResult validate(std::vector<std::string> args) {
    return dnsauth::test::run_process(dnsauth::test::tool_path("dnsauth-validate"), args);
  }
  ProcessResult spf(const std::string& ip, const std::string& mail_from, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"spf", "--ip", ip, "--mail-from", mail_from, "--helo", "mail.example.com",
                                  "--zone", zone_, "--receiver", "mx.receiver.test", "--now", "1700000000"};
    args.insert(args.end(), more.begin(), more.end());
    return validate(args);
  }
  static nlohmann::json json(const ProcessResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out << r.err;
      return {};
    }
  }

  fs::path dir_;
  std::string zone_;
};

TEST_F(ValidateSpfCli, PassExitsZeroAndPrintsReceivedSpf) {
  ProcessResult r = spf("192.0.2.10", "alice@example.com");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("Received-SPF: pass (mx.receiver.test: domain of alice@example.com", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(";\n receiver=mx.receiver.test;"), std::string::npos) << r.out;  // folded, LF for a terminal
  EXPECT_NE(r.out.find("mechanism=mx;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nresult: pass\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(ValidateSpfCli, EveryOtherResultExitsOne) {
  struct Case {
    const char* ip;
    const char* mail_from;
    const char* result;
  };
  for (const Case& c : {Case{"203.0.113.1", "alice@example.com", "fail"},
                        Case{"203.0.113.1", "alice@soft.example.com", "softfail"},
                        Case{"203.0.113.1", "alice@neutral.example.com", "neutral"},
                        Case{"203.0.113.1", "alice@nothing.example.com", "none"},
                        Case{"203.0.113.1", "alice@broken.example.com", "permerror"}}) {
    ProcessResult r = spf(c.ip, c.mail_from);
    EXPECT_EQ(r.status, 1) << c.mail_from << ": " << r.out << r.err;
    EXPECT_EQ(r.out.rfind(std::string("Received-SPF: ") + c.result + " ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(std::string("\nresult: ") + c.result + "\n"), std::string::npos) << r.out;
  }
  // A fail carries the domain's explanation, with %{t} and %{r} from --now and --receiver.
  ProcessResult fail = spf("203.0.113.1", "alice@example.com");
  EXPECT_NE(fail.out.find("explanation: 203.0.113.1 is not allowed to send as example.com "
                          "(asked at 1700000000 by mx.receiver.test)"),
            std::string::npos)
      << fail.out;
  // A permerror says what is wrong and where.
  ProcessResult perm = spf("203.0.113.1", "alice@broken.example.com");
  EXPECT_NE(perm.out.find("problem: invalid SPF record at broken.example.com: syntax error at byte 11"),
            std::string::npos)
      << perm.out;
}

TEST_F(ValidateSpfCli, TemperrorFromAServerThatDoesNotAnswerExitsOne) {
  dnsauth::test::SilentUdpServer silent;
  ProcessResult r = validate({"spf", "--ip", "192.0.2.1", "--mail-from", "a@example.com", "--resolver",
                              silent.address(), "--timeout", "0.2", "--retries", "0"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("result: temperror"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("problem: DNS failure looking up TXT for example.com"), std::string::npos) << r.out;
}

TEST_F(ValidateSpfCli, JsonCarriesMechanismAndLookupCounts) {
  // mx (1 lookup), a:gone (2, void), include (3) matching through ip4 in _spf.
  ProcessResult r = spf("198.51.100.7", "alice@example.com", {"--json"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  auto j = json(r);
  EXPECT_EQ(j["result"], "pass");
  EXPECT_EQ(j["identity"], "mailfrom");
  EXPECT_EQ(j["mechanism"], "include:_spf.example.com");
  EXPECT_EQ(j["dns_lookups"], 3);
  EXPECT_EQ(j["void_lookups"], 1);
  EXPECT_EQ(j["domain"], "example.com");
  EXPECT_EQ(j["client_ip"], "198.51.100.7");
  EXPECT_EQ(j["authentication_results"], "spf=pass smtp.mailfrom=example.com");
  EXPECT_TRUE(j["problem"].is_null());
  EXPECT_EQ(j["received_spf"].get<std::string>().rfind("Received-SPF: pass (", 0), 0u);
  EXPECT_EQ(j["received_spf"].get<std::string>().find('\n'), std::string::npos);

  ProcessResult f = spf("203.0.113.1", "alice@example.com", {"--json"});
  EXPECT_EQ(f.status, 1);
  auto jf = json(f);
  EXPECT_EQ(jf["result"], "fail");
  EXPECT_EQ(jf["mechanism"], "-all");
  EXPECT_EQ(jf["dns_lookups"], 3);
  EXPECT_FALSE(jf["explanation"].is_null());
}

// --json names the cause (a stable machine name) beside the problem text, and the
// Authentication-Results resinfo gives the problem as its reason.
TEST_F(ValidateSpfCli, JsonNamesTheCause) {
  struct Case {
    const char* mail_from;
    const char* result;
    const char* cause;
  };
  for (const Case& c : {Case{"alice@nothing.example.com", "none", "domain_not_found"},
                        Case{"alice@broken.example.com", "permerror", "record_syntax"},
                        Case{"alice@provider.example.com", "permerror", "include_no_record"}}) {
    auto j = json(spf("203.0.113.1", c.mail_from, {"--json"}));
    EXPECT_EQ(j["result"], c.result) << c.mail_from;
    EXPECT_EQ(j["cause"], c.cause) << c.mail_from;
    ASSERT_TRUE(j["problem"].is_string()) << c.mail_from;
    EXPECT_EQ(j["authentication_results"].get<std::string>().find(std::string("spf=") + c.result + " reason=\"" +
                                                                  j["problem"].get<std::string>() + "\" smtp.mailfrom="),
              0u)
        << j["authentication_results"];
  }
  auto pass = json(spf("192.0.2.10", "alice@example.com", {"--json"}));
  EXPECT_TRUE(pass["cause"].is_null());
}

// RFC 8616 4: a U-label HELO name and MAIL FROM domain are checked as A-labels, and the
// fields write the A-labels, not '?' for each byte outside ASCII.
TEST_F(ValidateSpfCli, InternationalDomainsAreCheckedAndWrittenAsALabels) {
  std::ofstream(dir_ / "idn.zone") << "$ORIGIN xn--bcher-kva.example.\n$TTL 300\n"
                                      "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                                      "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                                      "mx IN TXT \"v=spf1 a -all\"\n"
                                      "mx IN A 192.0.2.1\n";
  const std::string helo = "mx.b\xC3\xBC" "cher.example";  // mx.bücher.example
  auto run = [&](const std::string& mail_from, std::vector<std::string> more) {
    std::vector<std::string> args{"spf", "--ip", "192.0.2.1", "--mail-from", mail_from, "--helo", helo,
                                  "--zone", (dir_ / "idn.zone").string(), "--receiver", "mx.receiver.test",
                                  "--now", "1700000000", "--json"};
    args.insert(args.end(), more.begin(), more.end());
    return validate(args);
  };
  ProcessResult r = run("alice@b\xC3\xBC" "cher.example", {});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  auto j = json(r);
  EXPECT_EQ(j["domain"], "xn--bcher-kva.example");
  EXPECT_EQ(j["authentication_results"], "spf=pass smtp.mailfrom=xn--bcher-kva.example");
  const std::string received = j["received_spf"];
  EXPECT_NE(received.find("envelope-from=\"alice@xn--bcher-kva.example\";"), std::string::npos) << received;
  EXPECT_NE(received.find("helo=mx.xn--bcher-kva.example;"), std::string::npos) << received;
  EXPECT_EQ(received.find('?'), std::string::npos) << received;
  auto h = json(run("alice@b\xC3\xBC" "cher.example", {"--identity", "helo"}));
  EXPECT_EQ(h["result"], "pass");
  EXPECT_EQ(h["authentication_results"], "spf=pass smtp.helo=mx.xn--bcher-kva.example");
}

TEST_F(ValidateSpfCli, NullSenderAndHeloIdentity) {
  ProcessResult null = spf("192.0.2.10", "", {"--json"});
  EXPECT_EQ(null.status, 0) << null.out << null.err;
  auto j = json(null);
  EXPECT_EQ(j["sender"], "postmaster@mail.example.com");
  EXPECT_EQ(j["identity"], "mailfrom");
  EXPECT_EQ(j["authentication_results"], "spf=pass smtp.helo=mail.example.com");
  ProcessResult helo = spf("192.0.2.99", "alice@example.com", {"--identity", "helo", "--json"});
  EXPECT_EQ(helo.status, 1);
  auto h = json(helo);
  EXPECT_EQ(h["identity"], "helo");
  EXPECT_EQ(h["result"], "fail");
  EXPECT_EQ(h["domain"], "mail.example.com");
}

TEST_F(ValidateSpfCli, UsageAndInputErrorsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::string bad_zone = (dir_ / "bad.zone").string();
  std::ofstream(bad_zone) << "$ORIGIN bad.test.\n@ IN TXT \"ok\"\nwww IN A 300.0.0.1\n";
  const Case cases[] = {
      {{}, "Usage: dnsauth-validate COMMAND"},
      {{"bogus"}, "unknown command 'bogus'"},
      {{"spf", "--mail-from", "a@example.com", "--zone", zone_}, "--ip is required"},
      {{"spf", "--ip", "192.0.2.1", "--zone", zone_}, "--mail-from is required"},
      {{"spf", "--ip", "192.0.2.300", "--mail-from", "a@example.com", "--zone", zone_}, "'192.0.2.300' is not an IPv4"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "", "--zone", zone_}, "give --helo"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--identity", "pra", "--zone", zone_}, "--identity must be"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--bogus"}, "unrecognised option '--bogus'"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "stray", "--zone", zone_}, "unexpected argument 'stray'"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--timeout", "0"}, "--timeout must be"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--time-limit", "-1", "--zone", zone_}, "--time-limit must be"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--resolver", "ns.example.com"}, "not an IPv4"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--zone", (dir_ / "missing.zone").string()},
       "cannot open zone file"},
      {{"spf", "--ip", "192.0.2.1", "--mail-from", "a@x.test", "--zone", bad_zone}, "bad.zone:3:"},
  };
  for (const auto& c : cases) {
    ProcessResult r = validate(c.args);
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    EXPECT_EQ(r.status, 2) << line << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << line << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << line;
  }
}

TEST_F(ValidateSpfCli, HelpDocumentsEveryOption) {
  ProcessResult top = validate({"--help"});
  EXPECT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("== spf"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("Exit status: 0"), std::string::npos) << top.out;
  ProcessResult r = validate({"spf", "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* option : {"--ip IP", "--mail-from ADDR", "--helo NAME", "--identity", "--receiver NAME",
                             "--now SECONDS", "--time-limit SECONDS", "--json", "--zone FILE", "--resolver ADDR[:PORT]",
                             "--timeout SECONDS", "--retries N", "--help"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from:\n" << r.out;
  std::string flat;  // the help is wrapped: compare with single spaces
  for (char c : r.out)
    if (!std::isspace(static_cast<unsigned char>(c)) || (!flat.empty() && flat.back() != ' ')) flat += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
  EXPECT_NE(flat.find("Exit 0 when the result is pass, 1 for any other result"), std::string::npos) << flat;
  EXPECT_NE(flat.find("2 for a usage or input error"), std::string::npos) << flat;
}

// --resolver against a real server, and --zone with --resolver answering the rest.
TEST_F(ValidateSpfCli, ResolverAndZonePlusResolver) {
  if (!dnsauth::test::NsdServer::available()) GTEST_SKIP() << "nsd is not installed";
  dnsauth::test::NsdServer nsd({{"example.com", std::string("$ORIGIN example.com.\n") + kZone},
                                {"provider.test", "$ORIGIN provider.test.\n$TTL 300\n"
                                                  "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                                                  "@ IN NS ns1\nns1 IN A 127.0.0.1\n"
                                                  "_spf IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n"}});
  ProcessResult live = validate({"spf", "--ip", "192.0.2.10", "--mail-from", "a@example.com", "--resolver",
                                 nsd.address(), "--json"});
  EXPECT_EQ(live.status, 0) << live.out << live.err;
  EXPECT_EQ(json(live)["dns"], nsd.address());
  // provider.example.com is only in the zone file; _spf.provider.test only on the server.
  ProcessResult both = validate({"spf", "--ip", "203.0.113.5", "--mail-from", "a@provider.example.com",
                                 "--zone", zone_, "--resolver", nsd.address(), "--json"});
  EXPECT_EQ(both.status, 0) << both.out << both.err;
  EXPECT_EQ(json(both)["mechanism"], "include:_spf.provider.test");
  // Without the server the name outside the zone does not exist: include of none, permerror.
  ProcessResult offline = spf("203.0.113.5", "a@provider.example.com");
  EXPECT_EQ(offline.status, 1);
  EXPECT_NE(offline.out.find("result: permerror"), std::string::npos) << offline.out;
}

}  // namespace

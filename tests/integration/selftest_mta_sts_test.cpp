// dnsauth-validate selftest of MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI: the records
// generated from the configuration, in the zone files, and the policy fetched over HTTPS from a
// real nginx (tests/support/nginx_fixture.h) with the fixture's CA, as a sending MTA fetches it
// (3.3). A good deployment passes every check; a policy that is not the configured one, a TXT
// id that is not the policy's, an MX host no pattern matches, and each way the fetch must
// refuse (media type, redirect, certificate) fail the check that names it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/nginx_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using dnsauth::test::NginxServer;
using dnsauth::test::run_process;
using dnsauth::test::tool_path;

namespace {

// example.com of examples/dnsauth.toml (DMARC p=quarantine) gets the three tables.
const std::string kPosture =
    "\n  [domain.mta_sts]\n  mode = \"enforce\"\n  mx = [\"mx1.example.com\", \"*.mx.example.com\"]\n  max_age = \"14d\"\n"
    "\n  [domain.tls_rpt]\n  rua = [\"mailto:tlsrpt@example.com\"]\n"
    "\n  [domain.bimi]\n  logo = \"https://example.com/bimi/logo.svg\"\n  evidence = \"https://example.com/bimi/vmc.pem\"\n";

// The zone beyond the generated records: the MX hosts and the policy host on loopback.
const std::string kMailHosts =
    "example.com.\t3600\tIN\tMX\t10 mx1.example.com.\n"
    "example.com.\t3600\tIN\tMX\t20 b.mx.example.com.\n"
    "mta-sts.example.com.\t3600\tIN\tA\t127.0.0.1\n";

const char* kPolicyPath = "/.well-known/mta-sts.txt";

class SelftestMtaSts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NginxServer::available()) GTEST_SKIP() << "nginx is not installed (scripts/setup.sh installs nginx-light)";
    dir_ = dnsauth::test::make_temp_dir("dnsauth-selftest-sts-");
    const std::string config_text =
        dnsauth::test::read_file(dnsauth::test::data_dir() / ".." / ".." / "examples" / "dnsauth.toml") + kPosture;
    dnsauth::test::write_file(config(), config_text);
    auto r = run_process(tool_path("dnsauth-publish"), {"generate", "--config", config().string(), "--out", out().string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    append_zone(kMailHosts);
  }
  void TearDown() override {
    nginx_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path config() const { return dir_ / "dnsauth.toml"; }
  fs::path out() const { return dir_ / "zones"; }
  fs::path zone() const { return out() / "example.com.zone"; }
  std::string generated_policy() const {
    return dnsauth::test::read_file(out() / "mta-sts.example.com" / ".well-known" / "mta-sts.txt");
  }
  void append_zone(const std::string& lines) const { std::ofstream(zone(), std::ios::app) << lines; }

  void serve(NginxServer::Location location, NginxServer::Certificate cert = NginxServer::Certificate::trusted) {
    nginx_ = std::make_unique<NginxServer>(
        std::vector<NginxServer::Site>{NginxServer::Site{"mta-sts.example.com", {std::move(location)}, cert}});
  }

  // selftest --json of both example domains' zones, the policy fetched from the fixture.
  nlohmann::json selftest(std::vector<std::string> extra = {}, int* status = nullptr) {
    std::vector<std::string> args = {"selftest", "--config", config().string(), "--now", "1795000000", "--zone",
                                     (out() / "example.net.zone").string(), "--zone", zone().string(), "--json"};
    if (nginx_) args.insert(args.end(), {"--ca-file", nginx_->ca_file().string(), "--https-port",
                                         std::to_string(nginx_->port()), "--https-timeout", "10"});
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_process(tool_path("dnsauth-validate"), args);
    if (status) *status = r.status;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }

  static nlohmann::json check(const nlohmann::json& j, const std::string& id) {
    for (const auto& d : j["domains"])
      if (d["domain"] == "example.com")
        for (const auto& c : d["checks"])
          if (c["id"] == id) return c;
    return nullptr;
  }
  static std::string detail(const nlohmann::json& j, const std::string& id) {
    auto c = check(j, id);
    return c.is_null() ? "(no " + id + " check)" : c["detail"].get<std::string>();
  }
  static bool ok(const nlohmann::json& j, const std::string& id) {
    auto c = check(j, id);
    return !c.is_null() && c["ok"].get<bool>();
  }

  fs::path dir_;
  std::unique_ptr<NginxServer> nginx_;
};

// RFC 8461 3.1-3.3 and 4.1, RFC 8460 3: everything as generated and served passes, and the
// policy was fetched once, for the policy host's name.
TEST_F(SelftestMtaSts, AGoodDeploymentPassesEveryCheck) {
  serve({kPolicyPath, 200, "text/plain", generated_policy()});
  int status = -1;
  auto j = selftest({}, &status);
  EXPECT_EQ(status, 0) << j.dump(2);
  EXPECT_EQ(j["failed"], 0) << j.dump(2);
  for (const char* id : {"mta-sts-record", "mta-sts-policy", "mta-sts-mx", "tls-rpt-record", "bimi-record", "lint"})
    EXPECT_TRUE(ok(j, id)) << id << ": " << detail(j, id);
  EXPECT_EQ(check(j, "mta-sts-policy")["subject"], "https://mta-sts.example.com/.well-known/mta-sts.txt");
  EXPECT_NE(detail(j, "mta-sts-policy").find("served as configured"), std::string::npos);
  auto requests = nginx_->requests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].host, "mta-sts.example.com");
  EXPECT_EQ(requests[0].uri, kPolicyPath);
}

// RFC 8461 3.1: senders fetch the policy again only when the TXT id changes; a policy served
// that is not the configured one, and a TXT id that is not the configured policy's, both fail.
TEST_F(SelftestMtaSts, APolicyOrIdThatIsNotTheConfiguredOneFails) {
  std::string testing = generated_policy();
  testing.replace(testing.find("mode: enforce"), 13, "mode: testing");
  serve({kPolicyPath, 200, "text/plain", testing});
  auto j = selftest();
  EXPECT_FALSE(ok(j, "mta-sts-policy"));
  EXPECT_NE(detail(j, "mta-sts-policy").find("not the configured one"), std::string::npos) << detail(j, "mta-sts-policy");
  EXPECT_TRUE(ok(j, "mta-sts-record")) << detail(j, "mta-sts-record");

  // The zone still announces an earlier policy.
  std::string text = dnsauth::test::read_file(zone());
  auto at = text.find("v=STSv1; id=");
  ASSERT_NE(at, std::string::npos);
  text.replace(at + 12, 20, "20260101000000000000");
  dnsauth::test::write_file(zone(), text);
  j = selftest();
  EXPECT_FALSE(ok(j, "mta-sts-record"));
  EXPECT_NE(detail(j, "mta-sts-record").find("id 20260101000000000000, but the configured policy's is"), std::string::npos)
      << detail(j, "mta-sts-record");
}

// RFC 8461 4.1: with mode enforce, mail to an MX host that matches no pattern fails delivery.
TEST_F(SelftestMtaSts, AnMxHostNoPatternMatchesFails) {
  append_zone("example.com.\t3600\tIN\tMX\t30 backup.example.org.\n");
  serve({kPolicyPath, 200, "text/plain", generated_policy()});
  int status = -1;
  auto j = selftest({}, &status);
  EXPECT_EQ(status, 1);
  EXPECT_FALSE(ok(j, "mta-sts-mx"));
  EXPECT_NE(detail(j, "mta-sts-mx").find("mta-sts-mx-uncovered"), std::string::npos) << detail(j, "mta-sts-mx");
  EXPECT_NE(detail(j, "mta-sts-mx").find("backup.example.org"), std::string::npos) << detail(j, "mta-sts-mx");
  EXPECT_TRUE(ok(j, "mta-sts-policy"));
}

// RFC 8461 3.2/3.3: the policy must come as text/plain, from a 200 answer, without a redirect,
// over TLS with a certificate valid for mta-sts.<domain>. Each refusal names the reason.
TEST_F(SelftestMtaSts, EachFetchTheRfcForbidsFailsThePolicyCheck) {
  struct Case {
    const char* name;
    NginxServer::Location location;
    NginxServer::Certificate certificate;
    const char* needle;
  };
  std::vector<Case> cases = {
      {"wrong Content-Type", {kPolicyPath, 200, "text/html", generated_policy()}, NginxServer::Certificate::trusted,
       "Content-Type is text/html"},
      {"redirect", {kPolicyPath, 301, "", "", "https://www.example.com/mta-sts.txt"}, NginxServer::Certificate::trusted,
       "redirect"},
      {"untrusted certificate", {kPolicyPath, 200, "text/plain", generated_policy()},
       NginxServer::Certificate::self_signed, "certificate"},
      {"certificate for another host", {kPolicyPath, 200, "text/plain", generated_policy()},
       NginxServer::Certificate::other_host, "mta-sts.example.com"},
  };
  for (auto& c : cases) {
    serve(c.location, c.certificate);
    auto j = selftest();
    EXPECT_FALSE(ok(j, "mta-sts-policy")) << c.name;
    EXPECT_NE(detail(j, "mta-sts-policy").find(c.needle), std::string::npos) << c.name << ": " << detail(j, "mta-sts-policy");
    // The MX hosts are still checked, against the configured policy.
    EXPECT_TRUE(ok(j, "mta-sts-mx")) << c.name << ": " << detail(j, "mta-sts-mx");
  }
}

TEST_F(SelftestMtaSts, APolicyHostWithoutAnAddressFailsAndNoHttpsSkipsTheFetch) {
  std::string text = dnsauth::test::read_file(zone());
  text.erase(text.find("mta-sts.example.com.\t3600\tIN\tA"));
  dnsauth::test::write_file(zone(), text);
  auto j = selftest();
  EXPECT_FALSE(ok(j, "mta-sts-policy"));
  EXPECT_NE(detail(j, "mta-sts-policy").find("mta-sts.example.com has no address"), std::string::npos)
      << detail(j, "mta-sts-policy");

  int status = -1;
  j = selftest({"--no-https"}, &status);
  EXPECT_EQ(status, 0) << j.dump(2);
  EXPECT_TRUE(check(j, "mta-sts-policy").is_null());
  EXPECT_NE(detail(j, "mta-sts-mx").find("the configured policy"), std::string::npos) << detail(j, "mta-sts-mx");
}

}  // namespace

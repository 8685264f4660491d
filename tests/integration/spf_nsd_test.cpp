// SPF through the ldns stub resolver against a real authoritative server (NSD on loopback),
// and against a server that never answers (temperror within the configured timeout).
#include <gtest/gtest.h>

#include <chrono>

#include "core/authres/results.h"
#include "core/dns/ldns_resolver.h"
#include "core/spf/check_host.h"
#include "support/nsd_fixture.h"

namespace {

using namespace dnsauth;
using dnsauth::test::NsdServer;

std::string zone_text() {
  std::string z = R"($ORIGIN example.com.
$TTL 300
@          IN SOA ns1 hostmaster 2026010101 3600 600 86400 300
           IN NS  ns1
           IN MX  10 mail
           IN TXT "v=spf1 mx include:_spf.example.com -all"
ns1        IN A   127.0.0.1
mail       IN A   192.0.2.10
mail       IN AAAA 2001:db8::10
_spf       IN TXT "v=spf1 ip4:198.51.100.0/24 " "exists:%{ir}.%{l1r-}.allow.example.com ~all"
*.alice.allow IN A 127.0.0.2
soft       IN TXT "v=spf1 ~all"
broken     IN TXT "v=spf1 a:"
redirect   IN TXT "v=spf1 redirect=example.com"
both       IN TXT "v=spf1 -all"
both       IN TXT "v=spf1 +all"
10.2.0.192.in-addr IN TXT "not spf"
)";
  // A TXT RRset larger than any UDP answer (over 4096 bytes even with EDNS0), for the TCP
  // fallback.
  for (int i = 0; i < 40; ++i)
    z += "big IN TXT \"record " + std::to_string(i) + " " + std::string(150, 'x') + "\"\n";
  z += "big IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n";
  return z;
}

class SpfNsd : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!NsdServer::available()) return;
    server_ = new NsdServer({{"example.com", zone_text()}});
  }
  static void TearDownTestSuite() {
    delete server_;  // stops nsd and removes its folder, whatever the tests did
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << NsdServer::kBinary << " is not installed (scripts/setup.sh installs it)";
    dns::LdnsOptions o;
    o.server = server_->address();
    o.timeout = std::chrono::milliseconds(2000);
    auto r = dns::LdnsResolver::create(o);
    ASSERT_TRUE(r) << r.error().message();
    resolver_ = std::move(*r);
  }
  spf::Verdict mail_from(const char* ip, const char* sender) {
    spf::Session s;
    s.client_ip = *dns::IpAddress::parse(ip);
    s.mail_from = sender;
    s.helo = "mail.example.com";
    return spf::verify_mail_from(*resolver_, s);
  }
  static NsdServer* server_;
  std::unique_ptr<dns::LdnsResolver> resolver_;
};
NsdServer* SpfNsd::server_ = nullptr;

TEST_F(SpfNsd, ResolverMapsAnswers) {
  auto txt = resolver_->query("_spf.example.com", dns::RRType::TXT);
  ASSERT_EQ(txt.status, dns::Status::ok) << txt.detail;
  EXPECT_EQ(txt.records, std::vector<std::string>{"v=spf1 ip4:198.51.100.0/24 exists:%{ir}.%{l1r-}.allow.example.com ~all"});
  EXPECT_EQ(txt.txt_parts[0].size(), 2u);
  auto mx = resolver_->query("EXAMPLE.COM", dns::RRType::MX);
  ASSERT_EQ(mx.status, dns::Status::ok);
  EXPECT_EQ(mx.mx.at(0).exchange, "mail.example.com");
  EXPECT_EQ(resolver_->query("mail.example.com", dns::RRType::AAAA).records, std::vector<std::string>{"2001:db8::10"});
  EXPECT_EQ(resolver_->query("mail.example.com", dns::RRType::TXT).status, dns::Status::nodata);
  EXPECT_EQ(resolver_->query("nothing.example.com", dns::RRType::A).status, dns::Status::nxdomain);
  EXPECT_EQ(resolver_->query("x.y.alice.allow.example.com", dns::RRType::A).records, std::vector<std::string>{"127.0.0.2"});
  // nsd refuses names outside its zones: REFUSED is a temporary failure, with the reason.
  auto refused = resolver_->query("example.org", dns::RRType::TXT);
  EXPECT_EQ(refused.status, dns::Status::tempfail);
  EXPECT_NE(refused.detail.find("REFUSED"), std::string::npos) << refused.detail;
  EXPECT_EQ(refused.rcode, 5) << "RFC 1035 4.1.1 RCODE 5, for callers that tell REFUSED apart (lint)";
  EXPECT_EQ(mx.rcode, 0);
}

TEST_F(SpfNsd, TruncatedAnswersAreAskedAgainOverTcp) {
  auto big = resolver_->query("big.example.com", dns::RRType::TXT);
  ASSERT_EQ(big.status, dns::Status::ok) << big.detail;
  EXPECT_EQ(big.records.size(), 41u);
  // Without the fallback the truncated answer is a temporary failure, never a partial RRset.
  dns::LdnsOptions o;
  o.server = server_->address();
  o.tcp_fallback = false;
  auto udp_only = dns::LdnsResolver::create(o);
  ASSERT_TRUE(udp_only);
  auto truncated = (*udp_only)->query("big.example.com", dns::RRType::TXT);
  EXPECT_EQ(truncated.status, dns::Status::tempfail);
  EXPECT_NE(truncated.detail.find("truncated"), std::string::npos) << truncated.detail;
  // And SPF sees the one SPF record among the 41.
  EXPECT_EQ(mail_from("203.0.113.5", "a@big.example.com").result, spf::Result::Pass);
}

TEST_F(SpfNsd, CheckHostOverRealDns) {
  struct Case {
    const char* ip;
    const char* sender;
    spf::Result result;
    const char* mechanism;
    spf::Cause cause = spf::Cause::none;
  };
  for (const Case& c : {Case{"192.0.2.10", "alice@example.com", spf::Result::Pass, "mx"},
                        Case{"2001:db8::10", "alice@example.com", spf::Result::Pass, "mx"},
                        Case{"198.51.100.7", "alice@example.com", spf::Result::Pass, "include:_spf.example.com"},
                        Case{"203.0.113.9", "alice@example.com", spf::Result::Pass, "include:_spf.example.com"},
                        Case{"192.0.2.99", "alice@soft.example.com", spf::Result::SoftFail, "~all"},
                        Case{"203.0.113.9", "bob@redirect.example.com", spf::Result::Fail, "-all"},
                        Case{"203.0.113.9", "alice@redirect.example.com", spf::Result::Pass, "include:_spf.example.com"},
                        Case{"192.0.2.99", "alice@broken.example.com", spf::Result::PermError, "", spf::Cause::record_syntax},
                        Case{"192.0.2.99", "alice@both.example.com", spf::Result::PermError, "", spf::Cause::several_records},
                        Case{"192.0.2.99", "alice@nothing.example.com", spf::Result::None, "", spf::Cause::domain_not_found}}) {
    spf::Verdict v = mail_from(c.ip, c.sender);
    EXPECT_EQ(v.result, c.result) << c.sender << " from " << c.ip << ": " << spf::to_string(v.result)
                                  << " " << v.problem();
    EXPECT_EQ(v.mechanism, c.mechanism) << c.sender << " from " << c.ip;
    EXPECT_EQ(spf::to_string(v.cause), spf::to_string(c.cause)) << c.sender << " from " << c.ip;
  }
  // exists: expanded to 9.113.0.203.alice.allow.example.com, a wildcard match.
  spf::Verdict v = mail_from("203.0.113.9", "alice@example.com");
  EXPECT_EQ(v.dns_lookups, 3u);  // mx, include, exists
  spf::Session s;
  s.client_ip = *dns::IpAddress::parse("203.0.113.9");
  s.mail_from = "alice@example.com";
  s.helo = "mail.example.com";
  EXPECT_EQ(authres::format_resinfo(authres::spf_resinfo(v, s)), "spf=pass smtp.mailfrom=example.com");
}

// A server that never answers: every lookup fails after retries x timeout, and check_host()
// gives temperror in about that time, not more.
TEST(SpfSilentServer, TemperrorWithinTheConfiguredTimeout) {
  test::SilentUdpServer silent;
  dns::LdnsOptions o;
  o.server = silent.address();
  o.timeout = std::chrono::milliseconds(300);
  o.retries = 1;  // two attempts
  auto r = dns::LdnsResolver::create(o);
  ASSERT_TRUE(r) << r.error().message();
  spf::Session s;
  s.client_ip = *dns::IpAddress::parse("192.0.2.1");
  s.mail_from = "alice@example.com";
  s.helo = "mail.example.com";
  auto start = std::chrono::steady_clock::now();
  spf::Verdict v = spf::verify_mail_from(**r, s);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(v.result, spf::Result::TempError);
  EXPECT_EQ(v.cause, spf::Cause::dns_error);
  EXPECT_NE(v.problem().find(silent.address()), std::string::npos) << v.problem();  // which server
  EXPECT_GE(elapsed.count(), 500) << "both attempts should have waited";
  EXPECT_LT(elapsed.count(), 1500) << "no more than the configured 2 x 300 ms (plus slack)";
  // The resolver stays usable: a second query waits again instead of failing at once, and
  // fails the same way.
  auto again = (*r)->query("example.com", dns::RRType::TXT);
  EXPECT_EQ(again.status, dns::Status::tempfail);
}

}  // namespace

// MemoryResolver (CNAMEs, tempfail), CachingResolver, and the ldns stub resolver's
// configuration errors (its network behaviour is tested against nsd in integration/).
#include <gtest/gtest.h>

#include "core/dns/ldns_resolver.h"
#include "core/dns/resolver.h"

namespace {

using namespace dnsauth::dns;
using dnsauth::Errc;

TEST(DnsMemoryResolver, CnameChainsAndLoops) {
  MemoryResolver dns;
  dns.add_cname("www.example.com", "Host.Example.com.");
  dns.add_cname("host.example.com", "real.example.com");
  dns.add_a("real.example.com", "192.0.2.1");
  dns.add_cname("loop1.example.com", "loop2.example.com");
  dns.add_cname("loop2.example.com", "loop1.example.com");
  dns.add_cname("dangling.example.com", "gone.example.com");
  EXPECT_EQ(dns.query("www.example.com", RRType::A).records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(dns.query("www.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(dns.query("www.example.com", RRType::CNAME).records, std::vector<std::string>{"host.example.com"});
  EXPECT_EQ(dns.query("loop1.example.com", RRType::A).status, Status::tempfail);
  EXPECT_EQ(dns.query("dangling.example.com", RRType::A).status, Status::nxdomain);
}

TEST(DnsMemoryResolver, StatusesAndTempfail) {
  MemoryResolver dns;
  dns.add_txt("example.com", "v=spf1 -all");
  dns.add_name("empty.example.com");
  dns.add_tempfail("down.example.com", "timeout");
  dns.add_tempfail("half.example.com", RRType::TXT);
  dns.add_a("half.example.com", "192.0.2.2");
  EXPECT_EQ(dns.query("EXAMPLE.COM.", RRType::TXT).status, Status::ok);
  EXPECT_EQ(dns.query("example.com", RRType::A).status, Status::nodata);
  EXPECT_EQ(dns.query("empty.example.com", RRType::A).status, Status::nodata);
  EXPECT_EQ(dns.query("nothing.example.com", RRType::A).status, Status::nxdomain);
  Answer down = dns.query("down.example.com", RRType::MX);
  EXPECT_EQ(down.status, Status::tempfail);
  EXPECT_EQ(down.detail, "timeout");
  EXPECT_EQ(dns.query("half.example.com", RRType::TXT).status, Status::tempfail);
  EXPECT_EQ(dns.query("half.example.com", RRType::A).status, Status::ok);
  EXPECT_EQ(dns.queries(), 7u);
}

TEST(DnsCachingResolver, AsksUpstreamOncePerNameAndType) {
  MemoryResolver dns;
  dns.add_a("a.example.com", "192.0.2.1");
  CachingResolver cache(dns);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cache.query("A.example.com.", RRType::A).status, Status::ok);
    EXPECT_EQ(cache.query("a.example.com", RRType::TXT).status, Status::nodata);
    EXPECT_EQ(cache.query("b.example.com", RRType::A).status, Status::nxdomain);
  }
  EXPECT_EQ(cache.upstream_queries(), 3u);
  EXPECT_EQ(dns.queries(), 3u);
}

TEST(DnsLdnsResolver, ConfigurationErrors) {
  LdnsOptions bad_server;
  bad_server.server = "not-an-address";
  auto r = LdnsResolver::create(bad_server);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(r.error().detail.rfind("server 'not-an-address': ", 0), 0u) << r.error().detail;
  bad_server.server = "127.0.0.1:65536";  // dns::parse_host_port's range
  EXPECT_FALSE(LdnsResolver::create(bad_server));

  LdnsOptions missing;
  missing.resolv_conf = "/nonexistent/resolv.conf";
  auto m = LdnsResolver::create(missing);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::io);
  EXPECT_NE(m.error().detail.find("/nonexistent/resolv.conf"), std::string::npos) << m.error().detail;

  LdnsOptions good;
  good.server = "127.0.0.1:5353";
  auto ok = LdnsResolver::create(good);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ((*ok)->description(), "127.0.0.1:5353");
  // A name that cannot exist in the DNS is answered without a query.
  Answer a = (*ok)->query(std::string(64, 'a') + ".example.com", RRType::A);
  EXPECT_EQ(a.status, Status::nxdomain);
  EXPECT_NE(a.detail.find("not a valid DNS name"), std::string::npos);
}

}  // namespace

// IP addresses: strict parsing (RFC 7208 5.6 ip4-network, RFC 4291 2.2), textual forms
// (RFC 5952, RFC 7208 7.3 "i"), reverse names (RFC 1035 3.5, RFC 3596 2.5), CIDR membership.
#include <gtest/gtest.h>

#include "core/dns/ip_address.h"

namespace {

using dnsauth::Errc;
using dnsauth::dns::IpAddress;

TEST(DnsIpAddress, ParsesStrictly) {
  for (const char* good : {"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "2001:db8::1",
                           "::ffff:192.0.2.1", "CAFE:BABE::1", "2001:db8:0:0:0:0:0:1"})
    EXPECT_TRUE(IpAddress::parse(good)) << good;
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4:25", "1.2.3.",
                          " 1.2.3.4", "a.b.c.d", ":::", "2001:db8::1::2", "2001:db8::g", "[::1]"}) {
    auto r = IpAddress::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().detail.find("'" + std::string(bad) + "'"), std::string::npos) << r.error().detail;
  }
  // Text from the wire (a report's <source_ip>) may hold a NUL: what follows it counts too, and
  // an address longer than any IPv6 text is refused before it is looked at.
  EXPECT_FALSE(IpAddress::parse(std::string_view("::1\0junk", 8)));
  EXPECT_FALSE(IpAddress::parse(std::string(47, ':')));
  EXPECT_TRUE(IpAddress::parse("0000:0000:0000:0000:0000:ffff:192.168.100.228"));  // 45, the longest
}

TEST(DnsIpAddress, TextualForms) {
  auto v6 = *IpAddress::parse("2001:DB8:0:0:0:0:0:CB01");
  EXPECT_EQ(v6.to_string(), "2001:db8::cb01");  // RFC 5952
  EXPECT_EQ(v6.dotted(), "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
  EXPECT_EQ(v6.reverse_name(), "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  auto v4 = *IpAddress::parse("192.0.2.3");
  EXPECT_EQ(v4.to_string(), "192.0.2.3");
  EXPECT_EQ(v4.dotted(), "192.0.2.3");
  EXPECT_EQ(v4.reverse_name(), "3.2.0.192.in-addr.arpa");
  EXPECT_EQ(v4.size(), 4u);
  EXPECT_EQ(v6.size(), 16u);
}

TEST(DnsIpAddress, Ipv4MappedAddresses) {
  auto mapped = *IpAddress::parse("::FFFF:192.0.2.1");
  EXPECT_TRUE(mapped.is_v4_mapped());
  EXPECT_TRUE(mapped.is_v6());
  IpAddress v4 = mapped.unmapped();
  EXPECT_TRUE(v4.is_v4());
  EXPECT_EQ(v4, *IpAddress::parse("192.0.2.1"));
  EXPECT_FALSE(IpAddress::parse("::192.0.2.1")->is_v4_mapped());  // IPv4-compatible is not mapped
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->unmapped(), *IpAddress::parse("2001:db8::1"));
}

TEST(DnsIpAddress, NetworkMembership) {
  struct Case {
    const char* ip;
    const char* network;
    unsigned prefix;
    bool in;
  };
  for (const Case& c : {Case{"192.0.2.200", "192.0.2.0", 24, true}, Case{"192.0.2.200", "192.0.2.0", 25, false},
                        Case{"192.0.2.129", "192.0.2.128", 25, true}, Case{"10.0.0.1", "192.0.2.1", 0, true},
                        Case{"192.0.2.1", "192.0.2.1", 32, true}, Case{"192.0.2.1", "192.0.2.0", 32, false},
                        Case{"192.0.2.1", "192.0.2.1", 99, true},  // clamped to 32
                        Case{"2001:db8:1::1", "2001:db8::", 32, true}, Case{"2001:db9::1", "2001:db8::", 32, false},
                        Case{"2001:db8::1", "2001:db8::", 127, true}, Case{"2001:db8::2", "2001:db8::", 127, false},
                        Case{"192.0.2.1", "::", 0, false}}) {  // families never mix
    EXPECT_EQ(IpAddress::parse(c.ip)->in_network(*IpAddress::parse(c.network), c.prefix), c.in)
        << c.ip << " in " << c.network << "/" << c.prefix;
  }
}

TEST(DnsNetwork, ParsesAnAddressWithAnOptionalPrefixLength) {
  // RFC 7208 5.6: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), at most 32; ip6 up to 128.
  struct Case {
    const char* text;
    bool v4;
    unsigned prefix;
  };
  for (const Case& c : {Case{"192.0.2.0/24", true, 24}, Case{"192.0.2.1", true, 32}, Case{"0.0.0.0/0", true, 0},
                        Case{"2001:db8::/32", false, 32}, Case{"2001:db8::1", false, 128},
                        Case{"::/128", false, 128}}) {
    auto n = dnsauth::dns::Network::parse(c.text);
    ASSERT_TRUE(n) << c.text << ": " << n.error().message();
    EXPECT_EQ(n->address.is_v4(), c.v4) << c.text;
    EXPECT_EQ(n->prefix, c.prefix) << c.text;
  }
  for (const char* bad : {"192.0.2.0/33", "192.0.2.0/", "192.0.2.0/024", "192.0.2.0/-1", "192.0.2.0/2a",
                          "2001:db8::/129", "2001:db8::/1280", "01.2.3.4/8", "/24", "192.0.2.0/24/8"}) {
    auto n = dnsauth::dns::Network::parse(bad);
    ASSERT_FALSE(n) << bad;
    EXPECT_EQ(n.error().code, Errc::invalid_argument) << bad;
    EXPECT_NE(n.error().detail.find('\''), std::string::npos) << "names the text: " << n.error().detail;
  }
}

TEST(DnsNetwork, ContainsAddressesOfItsFamilyOnly) {
  auto net = *dnsauth::dns::Network::parse("192.0.2.0/25");
  EXPECT_TRUE(net.contains(*IpAddress::parse("192.0.2.1")));
  EXPECT_TRUE(net.contains(*IpAddress::parse("192.0.2.127")));
  EXPECT_FALSE(net.contains(*IpAddress::parse("192.0.2.128")));
  EXPECT_FALSE(net.contains(*IpAddress::parse("::ffff:192.0.2.1")));  // an IPv6 address
  auto v6 = *dnsauth::dns::Network::parse("2001:db8::/32");
  EXPECT_TRUE(v6.contains(*IpAddress::parse("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.contains(*IpAddress::parse("2001:db9::1")));
  EXPECT_FALSE(v6.contains(*IpAddress::parse("192.0.2.1")));
}

}  // namespace

// dns::parse_host_port (core/dns/host_port.h): the one reading of "ADDR[:PORT]" that
// --resolver and the signer's stats_listen share. Ports are RFC 6335's 1 to 65535 (port 0 is
// reserved); an IPv6 address takes a port only in brackets (RFC 5952 6), so its own colons
// are never mistaken for one.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/dns/host_port.h"

namespace dnsauth::dns {
namespace {

TEST(DnsHostPort, AddressWithOrWithoutPort) {
  struct Good {
    const char* text;
    const char* address;
    std::uint16_t port;
  };
  for (const Good& g : {Good{"192.0.2.53", "192.0.2.53", 53}, Good{"127.0.0.1:5353", "127.0.0.1", 5353},
                        Good{"::1", "::1", 53}, Good{"2001:db8::53", "2001:db8::53", 53},
                        Good{"[2001:db8::53]:5300", "2001:db8::53", 5300}, Good{"[::1]", "::1", 53},
                        Good{"192.0.2.1:1", "192.0.2.1", 1}, Good{"192.0.2.1:65535", "192.0.2.1", 65535},
                        Good{"[2001:DB8:0:0::1]:8080", "2001:db8::1", 8080}}) {
    auto hp = parse_host_port(g.text, 53);
    ASSERT_TRUE(hp) << g.text << ": " << hp.error().message();
    EXPECT_EQ(hp->address.to_string(), g.address) << g.text;
    EXPECT_EQ(hp->port, g.port) << g.text;
  }
}

// Every error names the text and points at what is wrong in it.
TEST(DnsHostPort, ErrorsNameTheTextAndTheOffset) {
  struct Bad {
    const char* text;
    std::size_t offset;
    const char* says;
  };
  for (const Bad& b : {Bad{"", 0, ""}, Bad{"localhost", 0, ""}, Bad{"300.0.0.1:53", 0, ""},
                       Bad{"127.0.0.1:", 10, "empty port"}, Bad{"127.0.0.1:0", 10, "1 to 65535"},
                       Bad{"127.0.0.1:65536", 10, "1 to 65535"}, Bad{"127.0.0.1:99999999999", 10, "1 to 65535"},
                       Bad{"127.0.0.1:x", 10, "1 to 65535"}, Bad{"127.0.0.1:-1", 10, "1 to 65535"},
                       Bad{"[::1", 4, "missing ']'"}, Bad{"[::1]5353", 5, "expected ':PORT'"},
                       Bad{"[::1]:", 6, "empty port"}, Bad{"[nope]:53", 1, ""}, Bad{"[192.0.2.1:53", 13, "']'"}}) {
    auto hp = parse_host_port(b.text, 53);
    ASSERT_FALSE(hp) << b.text;
    EXPECT_EQ(hp.error().code, Errc::invalid_argument) << b.text;
    EXPECT_EQ(hp.error().detail.rfind("'" + std::string(b.text) + "': ", 0), 0u) << hp.error().detail;
    EXPECT_NE(hp.error().detail.find(b.says), std::string::npos) << hp.error().detail;
    EXPECT_EQ(hp.error().offset, b.offset) << b.text;
  }
}

// A listening address (the signer's stats_listen) must name its port: ADDR:PORT or
// [ADDR6]:PORT. A bare IPv6 address is all address, so "::1:8080" is not "::1" port 8080.
TEST(DnsHostPort, APortCanBeRequired) {
  auto v4 = parse_host_port("127.0.0.1:9100", kPortRequired);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->port, 9100);
  auto v6 = parse_host_port("[::1]:9100", kPortRequired);
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address.is_v6());
  EXPECT_EQ(v6->port, 9100);
  for (const char* bad : {"127.0.0.1", "[::1]", "::1:8080"}) {
    auto hp = parse_host_port(bad, kPortRequired);
    ASSERT_FALSE(hp) << bad;
    EXPECT_NE(hp.error().detail.find("no port"), std::string::npos) << hp.error().detail;
    EXPECT_EQ(hp.error().offset, std::string(bad).size()) << bad;
  }
  EXPECT_NE(parse_host_port("::1:8080", kPortRequired).error().detail.find("[ADDR6]:PORT"), std::string::npos);
}

// The port alone (libmilter's inet:PORT@HOST), by the same rule.
TEST(DnsHostPort, PortAlone) {
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("8891"), 8891);
  EXPECT_EQ(parse_port("65535"), 65535);
  for (const char* bad : {"", "0", "65536", "00", "-1", "+80", " 80", "80 ", "8o", "4294967377"}) {
    auto p = parse_port(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, Errc::invalid_argument);
  }
}

TEST(DnsHostPort, WrittenBackInTheFormItReads) {
  for (const char* text : {"192.0.2.53:53", "[2001:db8::53]:5353"}) {
    auto hp = parse_host_port(text, kPortRequired);
    ASSERT_TRUE(hp) << text;
    EXPECT_EQ(hp->to_string(), text);
    EXPECT_EQ(parse_host_port(hp->to_string(), kPortRequired)->port, hp->port);
  }
  EXPECT_EQ(parse_host_port("2001:db8::53", 53)->to_string(), "[2001:db8::53]:53");
}

}  // namespace
}  // namespace dnsauth::dns

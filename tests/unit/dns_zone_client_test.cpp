// dns::ZoneClient (core/dns/zone_client.h) without a real server: option checks, timeouts over
// UDP and TCP (a socket that never answers), what it refuses to send, and how it judges an
// answer's TSIG (RFC 8945 5.4) from a stand-in server that answers one datagram its own way.
// The exchanges with a real server are tests/integration/zone_client_knot_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/dns/zone_client.h"
#include "support/nsd_fixture.h"
#include "support/test_support.h"

namespace dnsauth::dns {
namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

TsigKey test_key() { return TsigKey{"test.key", "hmac-sha256", "3q2+7w8SzRtMAlHMkhzxCqfOTFb9T4Ti3LwG9lVBnYs="}; }

std::unique_ptr<ZoneClient> make(const std::string& server, int timeout_ms, unsigned retries,
                                 std::optional<TsigKey> key = test_key()) {
  ZoneClientOptions o;
  o.server = server;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  o.retries = retries;
  o.tsig = std::move(key);
  auto c = ZoneClient::create(o);
  EXPECT_TRUE(c) << c.error().message();
  return c ? std::move(*c) : nullptr;
}

Update small_update() {
  Update u;
  u.zone = "example.test";
  u.adds = {TxtData{"a.example.test", 300, {"v=DKIM1; p="}}};
  return u;
}

TEST(DnsZoneClient, CreateChecksServerAndKey) {
  ZoneClientOptions o;
  o.server = "ns1.example.test";  // an address, not a name
  auto bad = ZoneClient::create(o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);

  o.server = "127.0.0.1";
  auto plain = ZoneClient::create(o);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->server(), "127.0.0.1:53");  // RFC 1035 4.2: port 53 when none is given

  o.server = "[::1]:5353";
  o.tsig = test_key();
  auto v6 = ZoneClient::create(o);
  ASSERT_TRUE(v6) << v6.error().message();
  EXPECT_EQ((*v6)->server(), "[::1]:5353");

  o.tsig->algorithm = "hmac-sha3-256";  // no TSIG algorithm ldns knows
  auto unknown = ZoneClient::create(o);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::invalid_argument);
  EXPECT_NE(unknown.error().detail.find("'test.key' (hmac-sha3-256)"), std::string::npos) << unknown.error().detail;
  // ldns 1.8.3 signs with these three only (it misspells hmac-sha384 and lacks hmac-sha224).
  for (const char* algorithm : {"hmac-sha1", "hmac-sha256", "hmac-sha512"}) {
    o.tsig->algorithm = algorithm;
    EXPECT_TRUE(ZoneClient::create(o)) << algorithm;
  }
}

TEST(DnsZoneClient, StatusNames) {
  EXPECT_EQ(to_string(UpdateStatus::ok), "ok");
  EXPECT_EQ(to_string(UpdateStatus::prerequisite_failed), "prerequisite-failed");
  EXPECT_EQ(to_string(UpdateStatus::not_authoritative), "not-authoritative");
  EXPECT_EQ(to_string(UpdateStatus::tsig_failed), "tsig-failed");
  EXPECT_EQ(to_string(UpdateStatus::timeout), "timeout");
}

// No answer at all: the outcome says "timeout", not a server's refusal. An UPDATE is sent once
// and waits the time of all attempts: a copy sent again after the first was applied would fail
// its own prerequisites (RFC 2136 2.4); a query is asked once per attempt.
TEST(DnsZoneClient, SilentServerOverUdpTimesOutWithinTheConfiguredTime) {
  test::SilentUdpServer silent;
  auto c = make(silent.address(), 300, 1);
  auto start = Clock::now();
  auto r = c->update(small_update());
  auto took = Clock::now() - start;
  EXPECT_EQ(r.status, UpdateStatus::timeout) << r.detail;
  EXPECT_EQ(r.rcode, 0);
  EXPECT_NE(r.detail.find("no answer within 600 ms (an UPDATE is sent once)"), std::string::npos) << r.detail;
  EXPECT_GE(took, std::chrono::milliseconds(550));
  EXPECT_LT(took, std::chrono::milliseconds(1500));

  auto q = c->query("a.example.test", RRType::TXT);
  EXPECT_EQ(q.answer.status, Status::tempfail);
  EXPECT_FALSE(q.authoritative);
  auto soa = c->soa("example.test");
  ASSERT_FALSE(soa);
  EXPECT_EQ(soa.error().code, Errc::dns);
}

// A message over 512 octets goes over TCP (RFC 1035 4.2.1); a server that takes the
// connection and never answers is a timeout too.
TEST(DnsZoneClient, SilentServerOverTcpTimesOut) {
  test::SilentTcpServer silent;
  auto c = make(silent.address(), 300, 0);
  Update u = small_update();
  u.adds = {TxtData{"a.example.test", 300, {std::string(255, 'k'), std::string(255, 'k'), std::string(100, 'k')}}};
  auto start = Clock::now();
  auto r = c->update(u);
  auto took = Clock::now() - start;
  EXPECT_EQ(r.status, UpdateStatus::timeout) << r.detail;
  EXPECT_GE(took, std::chrono::milliseconds(280));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

// Nothing listening: the ICMP port-unreachable comes back at once; that is a failure, not a timeout.
TEST(DnsZoneClient, NothingListeningFailsAtOnce) {
  auto c = make("127.0.0.1:" + std::to_string(test::free_loopback_port()), 2000, 0);
  auto start = Clock::now();
  auto r = c->update(small_update());
  EXPECT_EQ(r.status, UpdateStatus::failed) << r.detail;
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
}

// resolv.conf(5): the first `nameserver` line names the system's resolver; comments, search
// and options lines are not nameservers. An IPv6 address comes back bracketed, as
// ZoneClientOptions::server reads it.
TEST(DnsZoneClient, SystemNameserverIsTheFirstNameserverOfResolvConf) {
  const auto dir = test::make_temp_dir("dnsauth-resolv-");
  auto first = [&](const std::string& text) {
    test::write_file(dir / "resolv.conf", text);
    return system_nameserver((dir / "resolv.conf").string());
  };
  auto v4 = first("# generated\nsearch example.com\noptions edns0 trust-ad\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n");
  ASSERT_TRUE(v4) << v4.error().message();
  EXPECT_EQ(*v4, "192.0.2.53");
  auto v6 = first("nameserver 2001:db8::53\nnameserver 192.0.2.53\n");
  ASSERT_TRUE(v6) << v6.error().message();
  EXPECT_EQ(*v6, "[2001:db8::53]");

  auto none = first("# no resolver here\nsearch example.com\n");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::io);
  EXPECT_NE(none.error().detail.find("names no nameserver"), std::string::npos) << none.error().detail;
  auto missing = system_nameserver((dir / "absent.conf").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("absent.conf"), std::string::npos) << missing.error().detail;
  std::filesystem::remove_all(dir);
}

// What cannot go on the wire is not sent (a silent server would turn it into a timeout).
TEST(DnsZoneClient, UnsendableUpdatesFailBeforeSending) {
  test::SilentUdpServer silent;
  auto c = make(silent.address(), 2000, 0);
  auto start = Clock::now();
  Update too_long = small_update();
  too_long.adds[0].strings = {std::string(256, 'x')};  // RFC 1035 3.3: one length octet
  auto r = c->update(too_long);
  EXPECT_EQ(r.status, UpdateStatus::failed);
  EXPECT_NE(r.detail.find("longer than 255"), std::string::npos) << r.detail;

  Update no_strings = small_update();
  no_strings.deletes = {TxtData{"a.example.test", 0, {}}};
  EXPECT_EQ(c->update(no_strings).status, UpdateStatus::failed);

  Update bad_owner = small_update();
  bad_owner.adds[0].owner = "a..example.test";
  EXPECT_EQ(c->update(bad_owner).status, UpdateStatus::failed);

  Update bad_zone = small_update();
  bad_zone.zone = std::string(64, 'z') + ".test";  // a label over 63 octets
  EXPECT_EQ(c->update(bad_zone).status, UpdateStatus::failed);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

// A stand-in server on 127.0.0.1: answers the first datagram with what `reply` makes of it.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<Bytes(const Bytes&)> reply) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
      throw std::runtime_error("cannot bind a UDP socket");
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this, reply = std::move(reply)] {
      Bytes buf(65535);
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n <= 0) return;
      buf.resize(static_cast<std::size_t>(n));
      Bytes out = reply(buf);
      ::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

constexpr std::uint8_t kQr = 0x80;

// RFC 8945 5.4: a NOERROR that is not signed proves nothing; the change is unconfirmed.
TEST(DnsZoneClient, UnsignedNoerrorToASignedUpdateIsTsigFailed) {
  OneShotServer server([](const Bytes& request) {
    Bytes header(request.begin(), request.begin() + 12);
    header[2] |= kQr;
    header[3] = 0;                                // RCODE NOERROR
    std::fill(header.begin() + 4, header.end(), 0);  // no sections, no TSIG
    return header;
  });
  auto r = make(server.address(), 2000, 0)->update(small_update());
  EXPECT_EQ(r.status, UpdateStatus::tsig_failed) << r.detail;
  EXPECT_EQ(r.rcode, 0);
  EXPECT_NE(r.detail.find("not signed"), std::string::npos) << r.detail;
}

// The request echoed back as an answer carries a TSIG, but one made over the request, not over
// the answer with the request's MAC (RFC 8945 4.3.1): it does not verify.
TEST(DnsZoneClient, AnswerWhoseTsigDoesNotVerifyIsTsigFailed) {
  OneShotServer server([](const Bytes& request) {
    Bytes echo = request;
    echo[2] |= kQr;
    return echo;
  });
  auto r = make(server.address(), 2000, 0)->update(small_update());
  EXPECT_EQ(r.status, UpdateStatus::tsig_failed) << r.detail;
  EXPECT_NE(r.detail.find("does not verify"), std::string::npos) << r.detail;
}

// Without a key the answer's RCODE is the outcome, and nothing is asked of its TSIG.
TEST(DnsZoneClient, UnsignedUpdateTakesTheRcode) {
  for (auto [rcode, status] : {std::pair{0, UpdateStatus::ok}, std::pair{5, UpdateStatus::refused},
                               std::pair{6, UpdateStatus::prerequisite_failed}, std::pair{2, UpdateStatus::failed}}) {
    OneShotServer server([rcode = rcode](const Bytes& request) {
      Bytes header(request.begin(), request.begin() + 12);
      header[2] |= kQr;
      header[3] = static_cast<std::uint8_t>(rcode);
      std::fill(header.begin() + 4, header.end(), 0);
      return header;
    });
    auto r = make(server.address(), 2000, 0, std::nullopt)->update(small_update());
    EXPECT_EQ(r.status, status) << rcode << ": " << r.detail;
    EXPECT_EQ(r.rcode, rcode);
  }
}

}  // namespace
}  // namespace dnsauth::dns

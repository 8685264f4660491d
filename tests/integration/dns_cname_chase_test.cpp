// The ldns stub resolver following a CNAME that the server's answer leaves unresolved (RFC 1034
// 3.6.2; RFC 6376 3.6.2.2: a DKIM selector delegated to a provider's zone). A server that holds
// both zones may follow the chain itself (NSD does, across every zone it serves); one that does
// not answers the CNAME alone, and the stub asks for its target, within
// LdnsResolver::kMaxCnameHops CNAMEs and never twice (a loop answers tempfail). Against a small
// server on loopback that answers every name with its own record only, and against NSD.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "core/dns/ldns_records.h"
#include "core/dns/ldns_resolver.h"
#include "support/nsd_fixture.h"

namespace {

using namespace dnsauth;
using dnsauth::test::NsdServer;

constexpr int kHops = dns::LdnsResolver::kMaxCnameHops;

// An authoritative server that never follows a CNAME: each name answers with the one record the
// test gave it (master-file text after the owner, "CNAME x.example." or "TXT \"...\""), a
// name without one NXDOMAIN. UDP on 127.0.0.1, served by a thread until destroyed.
class NoChaseServer {
 public:
  explicit NoChaseServer(std::map<std::string, std::string> records) : records_(std::move(records)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~NoChaseServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::size_t queries() const { return queries_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      std::uint8_t buf[4096];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      ldns_pkt* q = nullptr;
      if (n <= 0 || ldns_wire2pkt(&q, buf, static_cast<std::size_t>(n)) != LDNS_STATUS_OK) continue;
      ++queries_;
      ldns_pkt* r = answer(q);
      std::uint8_t* wire = nullptr;
      std::size_t size = 0;
      if (ldns_pkt2wire(&wire, r, &size) == LDNS_STATUS_OK)
        ::sendto(fd_, wire, size, 0, reinterpret_cast<sockaddr*>(&from), len);
      std::free(wire);
      ldns_pkt_free(r);
      ldns_pkt_free(q);
    }
  }
  ldns_pkt* answer(const ldns_pkt* q) {
    ldns_pkt* r = ldns_pkt_new();
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, true);
    ldns_pkt_set_aa(r, true);
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    std::string name = dns::detail::dname_to_string(ldns_rr_owner(question));
    auto it = records_.find(name);
    if (it == records_.end()) {
      ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
      return r;
    }
    ldns_rr* rr = nullptr;
    std::string text = name + ". 300 IN " + it->second;
    bool cname = it->second.starts_with("CNAME");
    if ((cname || ldns_rr_get_type(question) == LDNS_RR_TYPE_TXT) &&
        ldns_rr_new_frm_str(&rr, text.c_str(), 300, nullptr, nullptr) == LDNS_STATUS_OK)
      ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
    return r;
  }

  std::map<std::string, std::string> records_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> queries_{0};
};

std::unique_ptr<dns::LdnsResolver> resolver_for(const std::string& address) {
  dns::LdnsOptions o;
  o.server = address;
  o.timeout = std::chrono::milliseconds(2000);
  o.retries = 0;
  auto r = dns::LdnsResolver::create(o);
  if (!r) throw std::runtime_error(r.error().message());
  return std::move(*r);
}

// c0 -> c1 -> ... -> c<length>, which has a TXT record.
std::map<std::string, std::string> chain(int length) {
  std::map<std::string, std::string> m;
  for (int i = 0; i < length; ++i) m["c" + std::to_string(i) + ".example"] = "CNAME c" + std::to_string(i + 1) + ".example.";
  m["c" + std::to_string(length) + ".example"] = "TXT \"end of the chain\"";
  return m;
}

TEST(CnameChase, TheTargetOfACnameAnsweredAloneIsAskedForTheTxtRecord) {
  NoChaseServer server({{"sel._domainkey.customer.example", "CNAME sel.customer-example.dkim.isp.example."},
                        {"sel.customer-example.dkim.isp.example", "TXT \"v=DKIM1; k=ed25519; p=key\""}});
  auto resolver = resolver_for(server.address());
  dns::Answer a = resolver->query("sel._domainkey.customer.example", dns::RRType::TXT);
  ASSERT_EQ(a.status, dns::Status::ok) << a.detail;
  EXPECT_EQ(a.records, std::vector<std::string>{"v=DKIM1; k=ed25519; p=key"});
  EXPECT_EQ(server.queries(), 2u);
  // The CNAME itself, when that is what is asked for: not followed.
  dns::Answer c = resolver->query("sel._domainkey.customer.example", dns::RRType::CNAME);
  EXPECT_EQ(c.records, std::vector<std::string>{"sel.customer-example.dkim.isp.example"});
  EXPECT_EQ(server.queries(), 3u);
}

TEST(CnameChase, ATargetThatDoesNotExistAnswersNxdomain) {
  NoChaseServer server(std::map<std::string, std::string>{{"sel._domainkey.customer.example", "CNAME nothing.dkim.isp.example."}});
  EXPECT_EQ(resolver_for(server.address())->query("sel._domainkey.customer.example", dns::RRType::TXT).status,
            dns::Status::nxdomain);
}

TEST(CnameChase, ALoopIsATemporaryFailureAfterEachNameWasAskedOnce) {
  NoChaseServer server({{"a.example", "CNAME b.example."}, {"b.example", "CNAME a.example."}});
  dns::Answer a = resolver_for(server.address())->query("a.example", dns::RRType::TXT);
  EXPECT_EQ(a.status, dns::Status::tempfail);
  EXPECT_NE(a.detail.find("CNAME chain too long or looping at a.example"), std::string::npos) << a.detail;
  EXPECT_EQ(server.queries(), 2u);
}

TEST(CnameChase, AChainOfTheBoundIsFollowedOneMoreIsNot) {
  NoChaseServer within(chain(kHops));
  dns::Answer a = resolver_for(within.address())->query("c0.example", dns::RRType::TXT);
  ASSERT_EQ(a.status, dns::Status::ok) << a.detail;
  EXPECT_EQ(a.records, std::vector<std::string>{"end of the chain"});
  NoChaseServer beyond(chain(kHops + 1));
  dns::Answer b = resolver_for(beyond.address())->query("c0.example", dns::RRType::TXT);
  EXPECT_EQ(b.status, dns::Status::tempfail);
  EXPECT_NE(b.detail.find("CNAME chain too long or looping"), std::string::npos) << b.detail;
  // The (kHops + 1)th CNAME is read, its target never asked.
  EXPECT_EQ(beyond.queries(), static_cast<std::size_t>(kHops + 1));
}

const char* kSoa = "@ 300 IN SOA ns hostmaster 1 3600 600 86400 300\n";
const std::string kCustomer = std::string("$ORIGIN customer.example.\n") + kSoa +
                              "sel._domainkey 300 IN CNAME sel.customer-example.dkim.isp.example.\n"
                              "loop 300 IN CNAME loop.dkim.isp.example.\n";
const std::string kIsp = std::string("$ORIGIN dkim.isp.example.\n") + kSoa +
                         "sel.customer-example 300 IN TXT \"v=DKIM1; k=ed25519; p=key\"\n"
                         "loop 300 IN CNAME loop.customer.example.\n";

TEST(CnameChaseNsd, BothZonesOnOneServerTheSelectorReachesTheKey) {
  if (!NsdServer::available()) GTEST_SKIP() << NsdServer::kBinary << " is not installed";
  NsdServer nsd({{"customer.example", kCustomer}, {"dkim.isp.example", kIsp}});
  auto resolver = resolver_for(nsd.address());
  dns::Answer a = resolver->query("sel._domainkey.customer.example", dns::RRType::TXT);
  ASSERT_EQ(a.status, dns::Status::ok) << a.detail;
  EXPECT_EQ(a.records, std::vector<std::string>{"v=DKIM1; k=ed25519; p=key"});
  // NSD follows the loop across its zones for a while and gives up with the chain so far.
  dns::Answer loop = resolver->query("loop.customer.example", dns::RRType::TXT);
  EXPECT_EQ(loop.status, dns::Status::tempfail);
  EXPECT_NE(loop.detail.find("looping"), std::string::npos) << loop.detail;
}

TEST(CnameChaseNsd, TheCustomersServerAloneRefusesTheTarget) {
  if (!NsdServer::available()) GTEST_SKIP() << NsdServer::kBinary << " is not installed";
  NsdServer nsd({{"customer.example", kCustomer}});
  dns::Answer a = resolver_for(nsd.address())->query("sel._domainkey.customer.example", dns::RRType::TXT);
  // The linter reports this as a name not followed (records::detail::refused), not as a failure.
  EXPECT_EQ(a.status, dns::Status::tempfail);
  EXPECT_EQ(a.rcode, 5) << a.detail;  // REFUSED, RFC 1035 4.1.1
}

}  // namespace

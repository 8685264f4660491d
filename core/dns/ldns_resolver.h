// A stub resolver over ldns: sends real queries to the system's resolvers (resolv.conf) or
// to one named server, and maps what comes back onto Answer: NOERROR with records -> ok,
// NOERROR without -> nodata, NXDOMAIN -> nxdomain, every other RCODE, a timeout or a network
// error -> tempfail (RFC 7208 4.4 and 5: "RCODE other than 0 or 3, or the query times out").
// One instance is not thread-safe; give each thread (or each evaluation) its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/resolver.h"

namespace dnsauth::dns {

struct LdnsOptions {
  // "ADDR" or "ADDR:PORT" ("192.0.2.53:5353", "[2001:db8::53]:53", "::1"; port 53 when
  // absent), as dns::parse_host_port reads it; empty: the nameservers of resolv_conf.
  std::string server;
  std::string resolv_conf = "/etc/resolv.conf";
  std::chrono::milliseconds timeout{3000};  // per attempt
  unsigned retries = 2;                     // attempts after the first, per server
  bool tcp_fallback = true;                 // a truncated UDP answer is asked again over TCP
  std::uint16_t edns_udp_size = 1232;       // 0: no EDNS0 on the first attempt
  bool recursion_desired = true;
};

class LdnsResolver : public Resolver {
 public:
  // Errc::invalid_argument for a bad server address, Errc::io when resolv.conf cannot be read
  // or names no nameserver.
  static Result<std::unique_ptr<LdnsResolver>> create(const LdnsOptions& options = {});
  ~LdnsResolver() override;
  LdnsResolver(const LdnsResolver&) = delete;
  LdnsResolver& operator=(const LdnsResolver&) = delete;

  // A CNAME in the answer that does not lead to records of the type asked is followed by
  // asking for its target; a chain of more than kMaxCnameHops CNAMEs (those the server
  // followed included) or a loop answers tempfail.
  Answer query(std::string_view name, RRType type) override;
  static constexpr int kMaxCnameHops = 8;

  // "127.0.0.1:5353" or "resolv.conf (192.0.2.53, ...)", for messages.
  const std::string& description() const { return description_; }

 private:
  struct Impl;
  explicit LdnsResolver(std::unique_ptr<Impl> impl, std::string description);
  // One query: its answer, and in *chain the targets of the CNAMEs the answer section gives from
  // name on, in order, when it holds no record of the type (else left empty).
  Answer ask(std::string_view name, RRType type, std::vector<std::string>* chain);
  std::unique_ptr<Impl> impl_;
  std::string description_;
};

}  // namespace dnsauth::dns

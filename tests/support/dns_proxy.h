// A DNS relay on 127.0.0.1 in front of a real server (Knot, NSD), for what a test cannot
// arrange with the server alone:
//   - as_recursive: the answers look as a recursive resolver's do (AA cleared, RA set; RFC
//     1035 4.1.1), so the client's "system resolver" path meets answers from a cache, not
//     from the zone's own server;
//   - before_update: runs once, on the relay's thread, when the first UPDATE (RFC 2136 opcode 5)
//     arrives and before it is passed on: someone else changes the zone between the client's
//     read and its update, deterministically.
// Messages pass unchanged otherwise (TSIG-signed ones stay valid), over UDP and TCP on the same
// port (RFC 1035 4.2). One request at a time; the destructor stops the thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace dnsauth::test {

class DnsProxy {
 public:
  struct Options {
    bool as_recursive = false;
    std::function<void()> before_update;
  };

  // upstream: "127.0.0.1", port. Throws std::runtime_error when it cannot bind.
  DnsProxy(std::string upstream_ip, std::uint16_t upstream_port, Options options);
  ~DnsProxy();
  DnsProxy(const DnsProxy&) = delete;
  DnsProxy& operator=(const DnsProxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int updates_relayed() const { return updates_.load(); }
  int queries_relayed() const { return queries_.load(); }

 private:
  void run();
  std::vector<std::uint8_t> relay(std::vector<std::uint8_t> request, bool over_tcp);

  std::string upstream_ip_;
  std::uint16_t upstream_port_;
  Options options_;
  std::uint16_t port_ = 0;
  int udp_ = -1, tcp_ = -1, wake_[2] = {-1, -1};
  bool hook_ran_ = false;
  std::atomic<int> updates_{0}, queries_{0};
  std::thread thread_;
};

}  // namespace dnsauth::test

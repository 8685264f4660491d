#include "support/dns_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "support/nsd_fixture.h"

namespace dnsauth::test {

namespace {

constexpr int kUpstreamTimeoutMs = 10000;
constexpr std::uint8_t kOpcodeUpdate = 5;  // RFC 2136 1.3

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

bool read_exactly(int fd, std::uint8_t* into, std::size_t want) {
  for (std::size_t got = 0; got < want;) {
    if (!wait_readable(fd, kUpstreamTimeoutMs)) return false;
    ssize_t n = ::recv(fd, into + got, want - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const std::vector<std::uint8_t>& bytes) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// One TCP message: RFC 1035 4.2.2's two-octet length, then the message. Empty on failure.
std::vector<std::uint8_t> read_tcp_message(int fd) {
  std::uint8_t len[2];
  if (!read_exactly(fd, len, 2)) return {};
  std::vector<std::uint8_t> msg(static_cast<std::size_t>(len[0]) << 8 | len[1]);
  if (!read_exactly(fd, msg.data(), msg.size())) return {};
  return msg;
}

bool write_tcp_message(int fd, const std::vector<std::uint8_t>& msg) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(msg.size() >> 8), static_cast<std::uint8_t>(msg.size())};
  out.insert(out.end(), msg.begin(), msg.end());
  return write_all(fd, out);
}

}  // namespace

DnsProxy::DnsProxy(std::string upstream_ip, std::uint16_t upstream_port, Options options)
    : upstream_ip_(std::move(upstream_ip)), upstream_port_(upstream_port), options_(std::move(options)) {
  for (int attempt = 0; attempt < 50 && tcp_ < 0; ++attempt) {
    if (udp_ >= 0) ::close(udp_);
    udp_ = bound_socket(SOCK_DGRAM, "127.0.0.1", 0, &port_);
    if (udp_ >= 0) tcp_ = bound_socket(SOCK_STREAM, "127.0.0.1", port_, nullptr);
  }
  if (tcp_ < 0 || ::listen(tcp_, 8) != 0 || ::pipe(wake_) != 0) {
    if (udp_ >= 0) ::close(udp_);
    if (tcp_ >= 0) ::close(tcp_);
    throw std::runtime_error("DnsProxy: cannot bind UDP and TCP on one port of 127.0.0.1");
  }
  thread_ = std::thread([this] { run(); });
}

DnsProxy::~DnsProxy() {
  char c = 0;
  (void)!::write(wake_[1], &c, 1);
  thread_.join();
  for (int fd : {udp_, tcp_, wake_[0], wake_[1]}) ::close(fd);
}

void DnsProxy::run() {
  std::vector<std::uint8_t> buf(65535);
  for (;;) {
    pollfd fds[3] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents) return;
    if (fds[0].revents & POLLIN) {
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(udp_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 12) continue;
      auto reply = relay({buf.begin(), buf.begin() + n}, false);
      if (!reply.empty())
        ::sendto(udp_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
    if (fds[1].revents & POLLIN) {
      int client = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      // RFC 7766 6.2.1: several messages may come on one connection.
      for (auto request = read_tcp_message(client); request.size() >= 12; request = read_tcp_message(client)) {
        auto reply = relay(std::move(request), true);
        if (reply.empty() || !write_tcp_message(client, reply)) break;
      }
      ::close(client);
    }
  }
}

std::vector<std::uint8_t> DnsProxy::relay(std::vector<std::uint8_t> request, bool over_tcp) {
  const bool is_update = ((request[2] >> 3) & 0x0f) == kOpcodeUpdate;
  (is_update ? updates_ : queries_)++;
  if (is_update && options_.before_update && !hook_ran_) {
    hook_ran_ = true;
    options_.before_update();
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(upstream_port_);
  ::inet_pton(AF_INET, upstream_ip_.c_str(), &to.sin_addr);
  int fd = ::socket(AF_INET, (over_tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  std::vector<std::uint8_t> reply;
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    if (over_tcp) {
      if (write_tcp_message(fd, request)) reply = read_tcp_message(fd);
    } else if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()) &&
               wait_readable(fd, kUpstreamTimeoutMs)) {
      reply.resize(65535);
      ssize_t n = ::recv(fd, reply.data(), reply.size(), 0);
      reply.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    }
  }
  if (fd >= 0) ::close(fd);
  if (options_.as_recursive && reply.size() >= 12) {
    reply[2] &= static_cast<std::uint8_t>(~0x04);  // AA: from a cache, not the zone's server
    reply[3] |= 0x80;                              // RA: recursion available
  }
  return reply;
}

}  // namespace dnsauth::test

// A real authoritative server for integration tests: NSD (Debian's nsd) serving the zones a
// test gives it, on 127.0.0.1 and a free unprivileged port (UDP and TCP), from a private temp
// folder with its own nsd.conf. The constructor returns once the server answers; the
// destructor stops it and removes the folder, also when the test failed (and the child gets
// SIGKILL should the test process die first).
//
//   dnsauth::test::NsdServer nsd({{"example.com", "$ORIGIN example.com.\n@ SOA ...\n..."}});
//   LdnsOptions o; o.server = nsd.address();   // "127.0.0.1:PORT"
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dnsauth::test {

struct NsdZone {
  std::string name;  // "example.com"
  std::string text;  // the master file; it needs an SOA record
};

class NsdServer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nsd";
  static bool available();  // the nsd binary is installed

  // Throws std::runtime_error with nsd's own log when it does not start or answer within
  // startup_timeout_ms.
  explicit NsdServer(std::vector<NsdZone> zones, int startup_timeout_ms = 10000);
  ~NsdServer();
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& directory() const { return dir_; }
  std::string log() const;  // nsd.log so far

 private:
  void stop();
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A UDP socket bound to 127.0.0.1 that never answers: the "server that does not answer".
class SilentUdpServer {
 public:
  SilentUdpServer();
  ~SilentUdpServer();
  SilentUdpServer(const SilentUdpServer&) = delete;
  SilentUdpServer& operator=(const SilentUdpServer&) = delete;
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A TCP socket listening on 127.0.0.1 that never accepts nor answers: the kernel completes the
// handshake, the query is sent, and no reply comes.
class SilentTcpServer {
 public:
  SilentTcpServer();
  ~SilentTcpServer();
  SilentTcpServer(const SilentTcpServer&) = delete;
  SilentTcpServer& operator=(const SilentTcpServer&) = delete;
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port on 127.0.0.1 free for both UDP and TCP at the time of the call, for a server a test
// starts next; below the kernel's ephemeral range, where no outgoing connection takes it first.
std::uint16_t free_loopback_port();
// A port free for UDP and TCP on every one of these IPv4 addresses ("127.0.0.2": all of
// 127.0.0.0/8 is the loopback interface's).
std::uint16_t free_loopback_port(const std::vector<std::string>& addresses);
// A TCP connection to 127.0.0.1:port is accepted (a server under test is up).
bool loopback_accepts(std::uint16_t port);
// A socket of type (SOCK_DGRAM, SOCK_STREAM) bound to the IPv4 address and port (0: any free
// one, written to *bound_port); -1 when it cannot be bound.
int bound_socket(int type, const std::string& address, std::uint16_t port, std::uint16_t* bound_port);

}  // namespace dnsauth::test

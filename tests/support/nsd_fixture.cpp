#include "support/nsd_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/dns/ldns_resolver.h"
#include "support/process.h"
#include "support/test_support.h"

namespace dnsauth::test {

int bound_socket(int type, const std::string& address, std::uint16_t port, std::uint16_t* bound_port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (bound_port) *bound_port = ntohs(sa.sin_port);
  return fd;
}

bool loopback_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t free_loopback_port() { return free_loopback_port({"127.0.0.1"}); }

namespace {

// A port to try, below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range):
// a port bind(0) hands out lies in that range, and any outgoing connection of a test running
// beside can take it before the server the port is for binds it (Postfix's master once failed
// on "Address already in use" so). Random, so that two fixtures rarely try the same one; 0
// (bind(0) chooses) when the range leaves no room below it.
std::uint16_t candidate_port() {
  int ephemeral_low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> ephemeral_low;
  constexpr int kLowest = 10000;
  if (ephemeral_low - kLowest < 1000) return 0;
  static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  return static_cast<std::uint16_t>(std::uniform_int_distribution<int>(kLowest, ephemeral_low - 1)(random));
}

}  // namespace

std::uint16_t free_loopback_port(const std::vector<std::string>& addresses) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::uint16_t port = candidate_port();
    int first = bound_socket(SOCK_DGRAM, addresses.front(), port, &port);
    if (first < 0) continue;
    std::vector<int> held{first};
    bool free = true;
    for (const auto& address : addresses) {
      for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
        if (type == SOCK_DGRAM && address == addresses.front()) continue;
        int fd = bound_socket(type, address, port, nullptr);
        if (fd < 0) free = false;
        else held.push_back(fd);
      }
    }
    for (int fd : held) ::close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no port free on every address asked for");
}

bool NsdServer::available() { return ::access(kBinary, X_OK) == 0; }

NsdServer::NsdServer(std::vector<NsdZone> zones, int startup_timeout_ms) {
  if (zones.empty()) throw std::invalid_argument("NsdServer needs at least one zone");
  dir_ = make_temp_dir("dnsauth-nsd-");
  port_ = free_loopback_port();

  const std::string d = dir_.string();
  std::string conf =
      "server:\n"
      "  ip-address: 127.0.0.1\n"
      "  port: " + std::to_string(port_) + "\n"
      "  do-ip4: yes\n"
      "  do-ip6: no\n"
      "  username: \"\"\n"          // nsd runs as the test's user; no privilege drop
      "  chroot: \"\"\n"
      "  zonesdir: \"" + d + "\"\n"
      "  database: \"\"\n"
      "  zonelistfile: \"" + d + "/zone.list\"\n"
      "  pidfile: \"" + d + "/nsd.pid\"\n"
      "  xfrdfile: \"" + d + "/xfrd.state\"\n"
      "  xfrdir: \"" + d + "\"\n"
      "  logfile: \"" + d + "/nsd.log\"\n"
      "  server-count: 1\n"
      "  verbosity: 1\n"
      "  hide-version: yes\n"
      "remote-control:\n"
      "  control-enable: no\n";
  for (const auto& z : zones) {
    write_file(dir_ / (z.name + ".zone"), z.text);
    conf += "zone:\n  name: \"" + z.name + "\"\n  zonefile: \"" + z.name + ".zone\"\n";
  }
  write_file(dir_ / "nsd.conf", conf);

  pid_ = spawn_daemon(kBinary, {"-d", "-c", (dir_ / "nsd.conf").string()}, dir_ / "nsd.stderr");

  // Ready when it answers for the first zone (any answer but a failure).
  dns::LdnsOptions options;
  options.server = address();
  options.timeout = std::chrono::milliseconds(200);
  options.retries = 0;
  auto resolver = dns::LdnsResolver::create(options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms);
  while (true) {
    int status = 0;
    if (daemon_exited(pid_, &status)) {
      pid_ = -1;
      std::string why = "nsd exited during startup (status " + std::to_string(status) + "): " +
                        read_file_if_any(dir_ / "nsd.stderr") + log();
      std::filesystem::remove_all(dir_);
      throw std::runtime_error(why);
    }
    if (resolver && (*resolver)->query(zones.front().name, dns::RRType::TXT).status != dns::Status::tempfail)
      return;
    if (std::chrono::steady_clock::now() > deadline) {
      std::string why = "nsd did not answer on " + address() + " within " +
                        std::to_string(startup_timeout_ms) + " ms: " + read_file_if_any(dir_ / "nsd.stderr") + log();
      stop();
      throw std::runtime_error(why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

NsdServer::~NsdServer() { stop(); }

std::string NsdServer::log() const { return read_file_if_any(dir_ / "nsd.log"); }

void NsdServer::stop() {
  stop_daemon(pid_);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

SilentUdpServer::SilentUdpServer() {
  fd_ = bound_socket(SOCK_DGRAM, "127.0.0.1", 0, &port_);
  if (fd_ < 0) throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
}

SilentUdpServer::~SilentUdpServer() {
  if (fd_ >= 0) ::close(fd_);
}

SilentTcpServer::SilentTcpServer() {
  fd_ = bound_socket(SOCK_STREAM, "127.0.0.1", 0, &port_);
  if (fd_ < 0 || ::listen(fd_, 16) != 0) throw std::runtime_error("cannot listen on a TCP socket on 127.0.0.1");
}

SilentTcpServer::~SilentTcpServer() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dnsauth::test

#include "support/nsd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/dns/ldns_resolver.h"

namespace dnsauth::test {

namespace {

int bound_socket(int type, std::uint16_t port, std::uint16_t* bound_port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (bound_port) *bound_port = ntohs(sa.sin_port);
  return fd;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::uint16_t free_loopback_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::uint16_t port = 0;
    int udp = bound_socket(SOCK_DGRAM, 0, &port);
    if (udp < 0) continue;
    int tcp = bound_socket(SOCK_STREAM, port, nullptr);
    ::close(udp);
    if (tcp < 0) continue;
    ::close(tcp);
    return port;
  }
  throw std::runtime_error("no free port on 127.0.0.1");
}

bool NsdServer::available() { return ::access(kBinary, X_OK) == 0; }

NsdServer::NsdServer(std::vector<NsdZone> zones, int startup_timeout_ms) {
  if (zones.empty()) throw std::invalid_argument("NsdServer needs at least one zone");
  std::string templ = (std::filesystem::temp_directory_path() / "dnsauth-nsd-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for " + templ);
  dir_ = templ;
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

  std::string conf_path = (dir_ / "nsd.conf").string();
  std::string out_path = (dir_ / "nsd.stderr").string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Own process group, so the destructor can stop nsd and the workers it forks together;
    // and die with the test process if that goes first.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl(kBinary, "nsd", "-d", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);

  // Ready when it answers for the first zone (any answer but a failure).
  dns::LdnsOptions options;
  options.server = address();
  options.timeout = std::chrono::milliseconds(200);
  options.retries = 0;
  auto resolver = dns::LdnsResolver::create(options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms);
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string why = "nsd exited during startup (status " + std::to_string(status) + "): " +
                        read_all(dir_ / "nsd.stderr") + log();
      std::filesystem::remove_all(dir_);
      throw std::runtime_error(why);
    }
    if (resolver && (*resolver)->query(zones.front().name, dns::RRType::TXT).status != dns::Status::tempfail)
      return;
    if (std::chrono::steady_clock::now() > deadline) {
      std::string why = "nsd did not answer on " + address() + " within " +
                        std::to_string(startup_timeout_ms) + " ms: " + read_all(dir_ / "nsd.stderr") + log();
      stop();
      throw std::runtime_error(why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

NsdServer::~NsdServer() { stop(); }

std::string NsdServer::log() const { return read_all(dir_ / "nsd.log"); }

void NsdServer::stop() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);  // any worker still alive in the group
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

SilentUdpServer::SilentUdpServer() {
  fd_ = bound_socket(SOCK_DGRAM, 0, &port_);
  if (fd_ < 0) throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
}

SilentUdpServer::~SilentUdpServer() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dnsauth::test

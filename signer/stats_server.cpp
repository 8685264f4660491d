#include "signer/stats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/dns/host_port.h"
#include "signer/log.h"

namespace dnsauth::signer {

Result<std::unique_ptr<StatsServer>> StatsServer::bind(const std::string& listen, const Stats& stats) {
  auto where = dns::parse_host_port(listen, dns::kPortRequired);
  if (!where) return make_error(Errc::invalid_argument, "stats_listen: " + where.error().detail);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (where->address.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(where->port);
    std::memcpy(&v4->sin_addr, where->address.data(), 4);
    len = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(where->port);
    std::memcpy(&v6->sin6_addr, where->address.data(), 16);
    len = sizeof *v6;
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, "stats_listen " + listen + ": socket: " + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return make_error(Errc::io, "stats_listen " + listen + ": cannot listen: " + why);
  }
  return std::unique_ptr<StatsServer>(new StatsServer(fd, stats));
}

StatsServer::StatsServer(int fd, const Stats& stats) : listen_fd_(fd), stats_(stats) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

StatsServer::~StatsServer() {
  stop();
  ::close(listen_fd_);
  for (int fd : stop_pipe_)
    if (fd >= 0) ::close(fd);
}

void StatsServer::start() { thread_ = std::thread([this] { run(); }); }

void StatsServer::stop() {
  if (!thread_.joinable()) return;
  if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
  thread_.join();
}

void StatsServer::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, stop_pipe_[0] >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    try {
      serve(c);
    } catch (...) {
      // A failed scrape must never take the signer down.
    }
    ::close(c);
  }
}

void StatsServer::serve(int c) {
  timeval tv{2, 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req;
  char buf[1024];
  while (req.find("\r\n\r\n") == std::string::npos && req.find("\n\n") == std::string::npos && req.size() < 8192) {
    ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<std::size_t>(n));
  }
  std::string status = "404 Not Found", type = "text/plain; charset=utf-8", body = "not found; try /metrics\n";
  if (req.starts_with("GET /metrics ") || req.starts_with("GET /metrics?") || req.starts_with("GET / ")) {
    status = "200 OK";
    type = "text/plain; version=0.0.4; charset=utf-8";
    body = stats_.prometheus();
  }
  std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  const char* p = resp.data();
  std::size_t left = resp.size();
  while (left > 0) {
    ssize_t n = ::send(c, p, left, MSG_NOSIGNAL);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace dnsauth::signer

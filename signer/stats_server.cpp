#include "signer/stats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/dns/host_port.h"

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
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0 ||
      ::fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
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

struct StatsServer::Client {
  int fd = -1;
  std::chrono::steady_clock::time_point deadline;
  std::string request;
  std::string response;  // empty while the request is still coming
  std::size_t sent = 0;
};

void StatsServer::run() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  auto drop = [&clients](std::size_t i) {
    ::close(clients[i].fd);
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
  };
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    for (std::size_t i = clients.size(); i-- > 0;)
      if (clients[i].deadline <= now) drop(i);  // too slow: no answer
    int wait_ms = -1;
    for (const Client& c : clients) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now).count() + 1;
      if (wait_ms < 0 || left < wait_ms) wait_ms = static_cast<int>(left);
    }
    fds.assign({{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}});
    for (const Client& c : clients) fds.push_back({c.fd, static_cast<short>(c.response.empty() ? POLLIN : POLLOUT), 0});
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) break;
    // Clients first (their indexes match fds[2...]), then new ones.
    for (std::size_t i = clients.size(); i-- > 0;) {
      short ev = fds[i + 2].revents;
      if (!ev) continue;
      Client& c = clients[i];
      bool keep = true;
      try {
        keep = c.response.empty() ? read_request(c) : write_answer(c);
        if (keep && !c.response.empty() && c.sent == 0) keep = write_answer(c);
      } catch (...) {
        keep = false;  // a failed scrape must never take the signer down
      }
      if (!keep) drop(i);
    }
    if (fds[0].revents & POLLIN) accept_clients(clients);
  }
  for (const Client& c : clients) ::close(c.fd);
}

void StatsServer::accept_clients(std::vector<Client>& clients) {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // none left (EAGAIN), or a failed one: the next poll() tells
    if (clients.size() >= kMaxClients) {
      // The oldest has had the longest to finish; a flood of idle clients cannot lock out a
      // scrape for more than kClientTime.
      auto oldest = std::min_element(clients.begin(), clients.end(),
                                     [](const Client& a, const Client& b) { return a.deadline < b.deadline; });
      ::close(oldest->fd);
      clients.erase(oldest);
    }
    Client c;
    c.fd = fd;
    c.deadline = std::chrono::steady_clock::now() + kClientTime;
    clients.push_back(std::move(c));
  }
}

bool StatsServer::read_request(Client& c) {
  char buf[1024];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.request.append(buf, static_cast<std::size_t>(n));
    bool whole = c.request.find("\r\n\r\n") != std::string::npos || c.request.find("\n\n") != std::string::npos;
    if (whole || c.request.size() >= kMaxRequest) {
      c.response = answer(c.request);
      return true;
    }
  }
}

bool StatsServer::write_answer(Client& c) {
  while (c.sent < c.response.size()) {
    ssize_t n = ::send(c.fd, c.response.data() + c.sent, c.response.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.sent += static_cast<std::size_t>(n);
  }
  return false;  // all sent: close
}

std::string StatsServer::answer(const std::string& req) const {
  std::string status = "404 Not Found", type = "text/plain; charset=utf-8", body = "not found; try /metrics\n";
  if (req.starts_with("GET /metrics ") || req.starts_with("GET /metrics?") || req.starts_with("GET / ")) {
    status = "200 OK";
    type = "text/plain; version=0.0.4; charset=utf-8";
    body = stats_.prometheus();
  }
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace dnsauth::signer

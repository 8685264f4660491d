// A misbehaving MTA for the signer's tests: milter packets written byte for byte as the test
// says -- lengths that lie, strings without their NUL, unknown commands, stages out of order,
// a hang-up anywhere -- and what the milter does about it (answers, stays silent, or closes
// the connection). Beside it, what a process holds (threads, descriptors, memory), read from
// /proc, to show that abuse leaves nothing behind. The well-behaved MTA is milter_client.h.
// Header-only, shared test support; errors of the test's own making throw std::runtime_error.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dnsauth::milter_abuse {

// ---- packets: a 4-byte length in network order (the command byte counted), the command, data ----

inline std::string length(std::uint32_t n) {
  n = htonl(n);
  return std::string(reinterpret_cast<const char*>(&n), 4);
}

// A packet with its true length.
inline std::string packet(char command, std::string_view data = {}) {
  return length(static_cast<std::uint32_t>(data.size() + 1)) + command + std::string(data);
}

inline std::string word(std::uint32_t v) { return length(v); }

// Option negotiation as Postfix 3.7 offers it: protocol 6, every action, every step flag.
inline std::string optneg(std::uint32_t actions = 0x1ff, std::uint32_t protocol = 0x1fffff) {
  return packet('O', word(6) + word(actions) + word(protocol));
}

// 'D' macros for `stage` (a command byte), each name and value NUL-terminated.
inline std::string macros(char stage, const std::vector<std::pair<std::string, std::string>>& defs) {
  std::string d(1, stage);
  for (const auto& [name, value] : defs) {
    d += name;
    d += '\0';
    d += value;
    d += '\0';
  }
  return packet('D', d);
}

// MAIL with the macros the signer asks for: an authenticated sender.
inline std::string mail(const std::string& login = "alice@example.com", const std::string& from = "<alice@example.com>") {
  return macros('M', {{"i", "4ABUSE"}, {"{auth_type}", "PLAIN"}, {"{auth_authen}", login}}) +
         packet('M', from + std::string(1, '\0'));
}

inline std::string header(const std::string& name, const std::string& value) {
  return packet('L', name + std::string(1, '\0') + value + std::string(1, '\0'));
}

// A header section the signer signs (leading spaces kept: SMFIP_HDR_LEADSPC).
inline std::string headers() {
  return header("From", " Alice <alice@example.com>") + header("To", " bob@example.org") +
         header("Subject", " abuse test") + header("Date", " Mon, 23 Nov 2026 10:00:00 +0000") +
         header("Message-ID", " <abuse@example.com>");
}

inline std::string eoh() { return macros('N', {{"i", "4ABUSE"}}) + packet('N'); }
inline std::string body(std::string_view chunk = "Hello,\r\n\r\nabuse test.\r\n") { return packet('B', chunk); }
inline std::string eom() { return macros('E', {{"i", "4ABUSE"}}) + packet('E'); }
inline std::string abort_message() { return packet('A'); }
inline std::string quit() { return packet('Q'); }

// ---- one connection to the milter ----

class Peer {
 public:
  enum class Event { packet, closed, silent };
  struct Reply {
    Event event = Event::silent;
    char command = 0;
    std::string data;
  };

  explicit Peer(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::string why = std::strerror(errno);
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("abuse: cannot connect to port " + std::to_string(port) + ": " + why);
    }
  }
  ~Peer() { hang_up(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  Peer(Peer&& o) noexcept : fd_(std::exchange(o.fd_, -1)), in_(std::move(o.in_)) {}

  // Writes the bytes as they are. False when the milter has closed the connection already.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The milter's next packet, or that it closed the connection, or silence for `timeout_ms`.
  Reply next(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (in_.size() >= 4) {
        std::uint32_t len;
        std::memcpy(&len, in_.data(), 4);
        len = ntohl(len);
        if (len == 0) throw std::runtime_error("abuse: the milter sent a packet of length 0");
        if (in_.size() >= 4 + std::size_t{len}) {
          Reply r{Event::packet, in_[4], in_.substr(5, len - 1)};
          in_.erase(0, 4 + std::size_t{len});
          return r;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{fd_, POLLIN, 0};
      int pr = ::poll(&p, 1, static_cast<int>(left.count()));
      if (pr < 0 && errno == EINTR) continue;
      if (pr <= 0) return {};
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return {Event::closed, 0, {}};  // end of stream, or reset
      in_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Waits for the milter to close the connection, skipping what it sends before that.
  bool closed_within(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      Reply r = next(static_cast<int>(left.count()));
      if (r.event == Event::closed) return true;
      if (r.event == Event::silent) return false;
    }
  }

  // Option negotiation; the protocol flags the milter asked for.
  std::uint32_t negotiate() {
    if (!send(optneg())) throw std::runtime_error("abuse: the milter closed before negotiation");
    Reply r = next();
    if (r.event != Event::packet || r.command != 'O' || r.data.size() < 12) {
      throw std::runtime_error("abuse: no option negotiation reply");
    }
    std::uint32_t flags;
    std::memcpy(&flags, r.data.data() + 8, 4);
    return ntohl(flags);
  }

  // Ends the connection from our side, at whatever point it is.
  void hang_up() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string in_;
};

// ---- what a process holds ----

struct Usage {
  long threads = 0;
  long fds = 0;
  long rss_kib = 0;
};

inline Usage usage_of(pid_t pid) {
  Usage u;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Threads:")) u.threads = std::stol(line.substr(8));
    if (line.starts_with("VmRSS:")) u.rss_kib = std::stol(line.substr(6));
  }
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++u.fds;
    ::closedir(d);
  }
  return u;
}

}  // namespace dnsauth::milter_abuse

// The MTA connections the milter holds: a bound on their number ([signer] max_connections),
// the time each last sent a packet (for [signer] timeout), and a name for log lines. libmilter
// keeps none of this where we can reach it; signer/milter_io.cpp fills it in from the calls
// libmilter makes (accept, each packet read, close).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace dnsauth::signer {

class Connections {
 public:
  using Clock = std::chrono::steady_clock;

  Connections(std::size_t max_connections, std::chrono::milliseconds idle_timeout)
      : max_(max_connections), idle_timeout_(idle_timeout) {}

  // A connection accepted on `fd` from `peer` ("127.0.0.1:50000", "unix"). False when
  // max_connections are open already: the caller closes it at once.
  bool open(int fd, std::string peer, Clock::time_point now);
  // A packet arrived on `fd`.
  void activity(int fd, Clock::time_point now);
  // `fd` is about to be closed; nothing when it is not a connection of ours.
  void closed(int fd);
  // Calls `close_idle(fd)` for every connection without a packet for idle_timeout, once per
  // connection, under the lock that closed() takes: a descriptor handed out cannot be closed
  // and reused for another connection before `close_idle` returns. The number handed out.
  std::size_t close_idle(Clock::time_point now, const std::function<void(int)>& close_idle);
  // The same for every connection still open, idle or not (the end of a stop); the number.
  std::size_t close_all(const std::function<void(int)>& close);

  // "#12 (127.0.0.1:50000)" for log lines; "fd 7" for a descriptor that is not ours.
  std::string name(int fd) const;
  std::size_t size() const;
  std::size_t max() const noexcept { return max_; }
  std::chrono::milliseconds idle_timeout() const noexcept { return idle_timeout_; }

 private:
  struct Entry {
    std::uint64_t id = 0;
    std::string peer;
    Clock::time_point last;
    bool closing = false;  // handed to close_idle or close_all already
  };
  // Hands every connection `which` selects, and not handed out before, to `close`.
  std::size_t close_where(const std::function<bool(const Entry&)>& which, const std::function<void(int)>& close);
  const std::size_t max_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::unordered_map<int, Entry> open_;
  std::uint64_t next_id_ = 1;
};

}  // namespace dnsauth::signer

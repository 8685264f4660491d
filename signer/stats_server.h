// The optional HTTP listener for Prometheus ([signer] stats_listen = "127.0.0.1:9480"):
// GET /metrics answers the counters in text format; anything else is 404. Bound before the
// privilege drop, served from its own thread by one poll() loop over non-blocking sockets, so
// that no client can hold another up: up to kMaxClients at once (a new one beyond them takes
// the place of the oldest), each with kClientTime to send its request and take the answer,
// closed once that has passed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/common/error.h"
#include "signer/stats.h"

namespace dnsauth::signer {

class StatsServer {
 public:
  static constexpr std::size_t kMaxClients = 16;
  static constexpr std::chrono::milliseconds kClientTime{2000};
  static constexpr std::size_t kMaxRequest = 8192;

  // Errc::io naming the address when it cannot be bound.
  static Result<std::unique_ptr<StatsServer>> bind(const std::string& listen, const Stats& stats);
  ~StatsServer();
  StatsServer(const StatsServer&) = delete;
  StatsServer& operator=(const StatsServer&) = delete;

  void start();
  void stop();
  int fd() const noexcept { return listen_fd_; }

 private:
  struct Client;
  StatsServer(int fd, const Stats& stats);
  void run();
  void accept_clients(std::vector<Client>& clients);
  // Reads what the client sent, and once the request is whole, prepares the answer. False
  // when the client is done with (closed, or failed).
  bool read_request(Client& c);
  // Sends what it can of the answer; false once it is all sent or the client failed.
  static bool write_answer(Client& c);
  std::string answer(const std::string& request) const;

  int listen_fd_;
  int stop_pipe_[2] = {-1, -1};
  const Stats& stats_;
  std::thread thread_;
};

}  // namespace dnsauth::signer

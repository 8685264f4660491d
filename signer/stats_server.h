// The optional HTTP listener for Prometheus ([signer] stats_listen = "127.0.0.1:9480"):
// GET /metrics answers the counters in text format; anything else is 404. Bound before the
// privilege drop, served from its own thread, one short request at a time.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "core/common/error.h"
#include "signer/stats.h"

namespace dnsauth::signer {

class StatsServer {
 public:
  // Errc::io naming the address when it cannot be bound.
  static Result<std::unique_ptr<StatsServer>> bind(const std::string& listen, const Stats& stats);
  ~StatsServer();
  StatsServer(const StatsServer&) = delete;
  StatsServer& operator=(const StatsServer&) = delete;

  void start();
  void stop();
  int fd() const noexcept { return listen_fd_; }

 private:
  StatsServer(int fd, const Stats& stats);
  void run();
  void serve(int client);

  int listen_fd_;
  int stop_pipe_[2] = {-1, -1};
  const Stats& stats_;
  std::thread thread_;
};

}  // namespace dnsauth::signer

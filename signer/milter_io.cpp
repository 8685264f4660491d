#include "signer/milter_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>

#include "signer/drain.h"
#include "signer/log.h"
#include "signer/packet.h"
#include "signer/packet_reader.h"

extern "C" {
int __real_accept(int fd, struct sockaddr* addr, socklen_t* len);
int __real_close(int fd);
}

namespace dnsauth::signer::milter_io {

namespace {

// libmilter's internal "commands" that report a failed read (its libmilter.h): any value
// below ' ' (SMFIC_VALIDCMD) makes its engine end the connection.
constexpr char kTimeout = 1;   // SMFIC_TIMEOUT
constexpr char kRecvErr = 4;   // SMFIC_RECVERR
constexpr char kEof = 5;       // SMFIC_EOF
constexpr char kUnknErr = 6;   // SMFIC_UNKNERR
constexpr char kTooBig = 7;    // SMFIC_TOOBIG

std::atomic<Connections*> registry{nullptr};
std::atomic<Stats*> counters{nullptr};
// Held open so that, out of descriptors, one can be freed to accept and refuse a connection.
int reserve_fd = -1;

std::string peer_name(const sockaddr* a, socklen_t len) {
  if (!a || len == 0) return "unknown";
  char text[INET6_ADDRSTRLEN] = "";
  if (a->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(a);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (a->sa_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  if (a->sa_family == AF_UNIX) return "unix";
  return "family " + std::to_string(a->sa_family);
}

// At most one line a second about refused connections, with how many there were.
void note_refused(const char* why) {
  static std::atomic<std::int64_t> last_log{0};
  static std::atomic<std::uint64_t> since{0};
  if (Stats* s = counters.load()) s->record_connection_refused();
  std::uint64_t n = since.fetch_add(1) + 1;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
  std::int64_t last = last_log.load();
  if (now > last && last_log.compare_exchange_strong(last, now)) {
    since.fetch_sub(n);
    log::warning("refused " + std::to_string(n) + " MTA connection(s): " + why);
  }
}

void update_gauge() {
  Stats* s = counters.load();
  Connections* c = registry.load();
  if (s && c) s->set_connections(c->size());
}

// The MTA's packet could not be taken: one line naming the connection, then libmilter ends it.
char* refuse(int sd, char* cmd, char code, const std::string& what) {
  if (Stats* s = counters.load()) s->record_protocol_error();
  Connections* c = registry.load();
  log::warning("milter connection " + (c ? c->name(sd) : "fd " + std::to_string(sd)) + ": " + what +
               "; connection closed");
  *cmd = code;
  return nullptr;
}

char* read_command(int sd, struct timeval* timeout, char* cmd, size_t* rlen) {
  *cmd = 0;
  *rlen = 0;
  long long ms = timeout ? static_cast<long long>(timeout->tv_sec) * 1000 + timeout->tv_usec / 1000 : 0;
  int timeout_ms = static_cast<int>(std::clamp<long long>(ms, 1, 24LL * 3600 * 1000));
  packet::Packet p = packet::read(sd, timeout_ms);
  const std::string after = std::to_string((timeout_ms + 999) / 1000) + " s";
  switch (p.status) {
    case packet::ReadStatus::ok:
      break;
    case packet::ReadStatus::closed:
      *cmd = kEof;
      return nullptr;
    case packet::ReadStatus::idle: {
      if (Stats* s = counters.load()) s->record_idle_closed(1);
      Connections* c = registry.load();
      log::info("milter connection " + (c ? c->name(sd) : "fd " + std::to_string(sd)) + ": no packet for " + after +
                "; connection closed");
      *cmd = kTimeout;
      return nullptr;
    }
    case packet::ReadStatus::stalled:
      return refuse(sd, cmd, kTimeout, "packet incomplete after " + after + " (" + p.detail + ")");
    case packet::ReadStatus::truncated:
      return refuse(sd, cmd, kEof, "closed by the MTA inside a packet (" + p.detail + ")");
    case packet::ReadStatus::zero_length:
      return refuse(sd, cmd, kUnknErr, "packet of length 0");
    case packet::ReadStatus::too_long:
      return refuse(sd, cmd, kTooBig,
                    "packet with " + p.detail + ", over the protocol's " + std::to_string(packet::kMaxData));
    case packet::ReadStatus::error:
      return refuse(sd, cmd, kRecvErr, "read failed: " + p.detail);
  }
  if (Connections* c = registry.load()) c->activity(sd, std::chrono::steady_clock::now());
  std::string wrong = packet::check(p.command, std::string_view(p.data.get() ? p.data.get() : "", p.size));
  if (!wrong.empty()) return refuse(sd, cmd, kUnknErr, "malformed " + packet::describe(p.command) + " packet: " + wrong);
  *cmd = p.command;
  *rlen = p.size;
  return p.data.release();  // null for a packet without data, as libmilter's reader gives it
}

}  // namespace

void install(Connections* connections, Stats* stats) {
  if (reserve_fd < 0) reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  counters.store(stats);
  registry.store(connections);
  update_gauge();
}

void IdleCloser::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void IdleCloser::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void IdleCloser::run() {
  const auto timeout = connections_.idle_timeout();
  // Closed within a quarter of the timeout after it has passed (a second at most).
  const auto period = std::clamp<std::chrono::milliseconds>(timeout / 4, std::chrono::milliseconds(50),
                                                            std::chrono::milliseconds(1000));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, period);
    if (stopping_) break;
    // shutdown(), not close(): the descriptor stays libmilter's to close once it has seen the
    // end of the stream.
    std::size_t n = connections_.close_idle(std::chrono::steady_clock::now(), [](int fd) { ::shutdown(fd, SHUT_RDWR); });
    if (n == 0) continue;
    if (stats_) stats_->record_idle_closed(n);
    log::info("closed " + std::to_string(n) + " MTA connection(s) without a packet for " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s ([signer] timeout)");
  }
}

}  // namespace dnsauth::signer::milter_io

using namespace dnsauth::signer;

extern "C" char* __wrap_mi_rd_cmd(int sd, struct timeval* timeout, char* cmd, size_t* rlen, char*) {
  try {
    return milter_io::read_command(sd, timeout, cmd, rlen);
  } catch (...) {
    *cmd = milter_io::kUnknErr;
    *rlen = 0;
    return nullptr;
  }
}

extern "C" int __wrap_accept(int fd, struct sockaddr* addr, socklen_t* len) {
  using namespace milter_io;
  int c = __real_accept(fd, addr, len);
  if (c < 0) {
    int e = errno;
    if ((e == EMFILE || e == ENFILE) && reserve_fd >= 0) {
      // The connection waits in the backlog and the listener would spin on it: free the
      // reserved descriptor, take the connection and close it, hold the descriptor again.
      __real_close(reserve_fd);
      int shed = __real_accept(fd, nullptr, nullptr);
      if (shed >= 0) __real_close(shed);
      reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      note_refused("out of file descriptors (raise LimitNOFILE or lower [signer] max_connections)");
      errno = EINTR;  // the listener retries without counting a failure
      return -1;
    }
    // accept(2): these are the connection's problem or a passing shortage, not the listener's;
    // libmilter would stop the milter after 16 of them in a row.
    if (e == ECONNABORTED || e == EPROTO || e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN ||
        e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP || e == ENETUNREACH || e == ENOBUFS || e == ENOMEM ||
        e == EPERM) {
      if (e == ENOBUFS || e == ENOMEM) ::usleep(10000);
      errno = EINTR;
      return -1;
    }
    errno = e;
    return -1;
  }
  // A stop in progress (signer/drain.h): the MTA applies milter_default_action to this session
  // (tempfail) and retries the mail later, at the next signer. Not counted or logged as refused:
  // the stop's own log line says so, and the listener's wake-up connections end here too.
  if (drain::stopping()) {
    __real_close(c);
    errno = EINTR;
    return -1;
  }
  Connections* reg = registry.load();
  if (!reg) return c;
  if (!reg->open(c, peer_name(addr, len ? *len : 0), std::chrono::steady_clock::now())) {
    __real_close(c);
    note_refused(("[signer] max_connections (" + std::to_string(reg->max()) + ") are open").c_str());
    errno = EINTR;
    return -1;
  }
  update_gauge();
  return c;
}

extern "C" int __wrap_close(int fd) {
  using namespace milter_io;
  if (Connections* reg = registry.load()) {
    reg->closed(fd);
    update_gauge();
  }
  return __real_close(fd);
}

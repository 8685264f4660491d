#include "signer/run.h"

#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>

#include "ldap/table_opener.h"
#include "signer/connections.h"
#include "signer/drain.h"
#include "signer/listener.h"
#include "signer/log.h"
#include "signer/milter.h"
#include "signer/milter_io.h"
#include "signer/privileges.h"
#include "signer/reloader.h"
#include "signer/signals.h"
#include "signer/stats.h"
#include "signer/stats_server.h"

namespace dnsauth::signer {

namespace {

// Descriptors besides the MTA connections: the listeners, the log, the metrics clients, a key
// file being read on reload, libmilter's own pipes.
constexpr rlim_t kOtherDescriptors = 64;

// [signer] max_connections, within the descriptors this process may open: the soft limit is
// raised towards the hard one (systemd's default soft limit is 1024; the unit sets
// LimitNOFILE), and a bound the limit cannot hold is lowered to fit, so that the MTA
// connections never take the last descriptor.
std::size_t connection_bound(std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
  rlim_t need = static_cast<rlim_t>(wanted) + kOtherDescriptors;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rlim_t cur = rl.rlim_max == RLIM_INFINITY ? need : std::min(need, rl.rlim_max);
    if (cur > rl.rlim_cur) {
      rlimit raised{cur, rl.rlim_max};
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = cur;
    }
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return wanted;
  std::size_t fit = rl.rlim_cur > kOtherDescriptors ? static_cast<std::size_t>(rl.rlim_cur - kOtherDescriptors) : 1;
  log::warning("[signer] max_connections " + std::to_string(wanted) + " lowered to " + std::to_string(fit) +
               ": the descriptor limit is " + std::to_string(rl.rlim_cur) + " (raise LimitNOFILE)");
  return fit;
}

// [signer] stop_grace of the running signer, for the stop hook (a plain function).
std::atomic<std::int64_t> stop_grace_seconds{5};
// Set by the stop hook. A SIGTERM between the bind and the start of libmilter's listener loop
// makes smfi_main() fail: libmilter closes the listening socket on the signal, and its listener,
// starting after that, cannot open it again (the unix socket's file is still there, and a TCP
// port may be taken). That is a stop asked for, not a failure (systemd's `stop` right after
// `start` would otherwise leave the unit failed).
std::atomic<bool> stop_requested{false};

// On the signal thread, for SIGTERM and SIGINT, before libmilter sees the signal: the messages in
// flight finish first (signer/drain.h), then libmilter's listener is woken to see its stop.
void on_stop() {
  stop_requested.store(true);
  const auto grace = std::chrono::seconds(stop_grace_seconds.load());
  const auto began = std::chrono::steady_clock::now();
  std::size_t waiting = drain::in_progress();
  log::info("stopping: " + std::to_string(waiting) + " message(s) in progress, waiting up to " +
            std::to_string(grace.count()) + " s ([signer] stop_grace); new connections and messages get a temporary failure");
  std::size_t left = drain::drain(grace);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
  if (left > 0)
    log::warning("stopping: " + std::to_string(left) + " message(s) still in progress after " + std::to_string(grace.count()) +
                 " s ([signer] stop_grace): abandoned, the MTA applies milter_default_action and retries them");
  else if (waiting > 0)
    log::info("stopping: the messages in progress finished in " + std::to_string(ms) + " ms");
  listener::wake_after_stop();
}

}  // namespace

int run_milter(const Options& o) {
  signing::LoadResult loaded = signing::load_key_set(o.config, ldap::login_map_opener());
  for (const auto& f : loaded.findings) std::cerr << f.str() << "\n";
  if (!loaded.ok()) {
    std::cerr << "dnsauth-signer: not starting: " << o.config.string() << " has errors\n";
    return kExitError;
  }
  // libmilter's signal thread sigwait()s for these; every other thread must block them, or a
  // SIGTERM lands on one of ours and kills the process without libmilter's orderly stop.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&sigs, s);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  const signing::Settings settings = loaded.keys->config().signer;
  if (o.log.value_or(settings.log) == "syslog") log::open_syslog();
  else log::open_stderr();

  Stats stats;
  stats.record_start(std::chrono::duration_cast<std::chrono::seconds>(
                         loaded.keys->loaded_at().time_since_epoch()).count());
  // The store owns the first key set from here on: holding it here too would keep it alive
  // beside every later one (at ISP scale, 150 MB for the life of the process).
  const std::string loaded_summary = loaded.keys->summary();
  signing::KeyStore store(std::move(loaded.keys));

  std::unique_ptr<StatsServer> http;
  if (!settings.stats_listen.empty()) {
    auto s = StatsServer::bind(settings.stats_listen, stats);
    if (!s) {
      std::cerr << "dnsauth-signer: " << s.error().detail << "\n";
      return kExitError;
    }
    http = std::move(*s);
  }

  milter::Runtime runtime{&store, &stats};
  milter::set_runtime(&runtime);
  // Lives as long as the process: libmilter's detached workers may close connections after
  // smfi_main() has returned (signer/milter_io.h).
  auto* connections = new Connections(connection_bound(settings.max_connections),
                                      std::chrono::seconds(settings.timeout));
  milter_io::install(connections, &stats);
  milter_io::IdleCloser idle(*connections, &stats);
  smfiDesc desc = milter::description();
  std::string conn = settings.socket;
  if (smfi_setconn(conn.data()) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
      smfi_settimeout(static_cast<int>(settings.timeout)) != MI_SUCCESS) {
    std::cerr << "dnsauth-signer: libmilter refused socket " << conn << "\n";
    return kExitError;
  }
  ::umask(007);  // a unix socket for the MTA's group, not for everyone
  if (smfi_opensocket(true) != MI_SUCCESS) {
    std::cerr << "dnsauth-signer: cannot listen on " << conn << " (in use, or no permission?)\n";
    return kExitError;
  }
  listener::prepare(http ? http->fd() : -1);
  if (std::string e = drop_privileges(settings.user, conn); !e.empty()) {
    std::cerr << "dnsauth-signer: " << e << "\n";
    return kExitError;
  }

  Reloader reloader(store, stats, o.config, settings);
  reloader.start();
  idle.start();
  signals::set_hup_hook(&Reloader::on_sighup);
  stop_grace_seconds.store(settings.stop_grace);
  signals::set_stop_hook(&on_stop);
  if (http) http->start();

  log::info("started on " + conn + " with " + o.config.string() + ": " + loaded_summary + "; at most " +
            std::to_string(connections->max()) +
            " connections, closed after " + std::to_string(settings.timeout) + " s without a packet" +
            (settings.stats_listen.empty() ? "" : ", metrics on http://" + settings.stats_listen + "/metrics"));
  int r = smfi_main();
  signals::set_hup_hook(nullptr);
  signals::set_stop_hook(nullptr);
  // libmilter serves no connection any more. Those still open are shut down, so that the MTA
  // learns now, not when the process is gone, that a message in progress was abandoned; no
  // callback runs past this point (signer/drain.h).
  connections->close_all([](int fd) { ::shutdown(fd, SHUT_RDWR); });
  if (!drain::close(std::chrono::seconds(2))) log::warning("stopping: a milter callback is still running after 2 s");
  if (std::string e = listener::remove_unix_socket(); !e.empty())
    log::warning(e + (settings.user.empty() ? "" : " (its folder must be writable by user '" + settings.user + "')"));
  reloader.stop();
  idle.stop();
  if (http) http->stop();
  if (r == MI_SUCCESS) {
    log::info("stopped");
    return kExitOk;
  }
  if (stop_requested.load()) {
    log::info("stopped (the stop came while libmilter's listener was starting)");
    return kExitOk;
  }
  log::info("stopped after a libmilter failure");
  return kExitError;
}

}  // namespace dnsauth::signer

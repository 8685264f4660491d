#include "signer/run.h"

#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "signer/listener.h"
#include "signer/log.h"
#include "signer/milter.h"
#include "signer/privileges.h"
#include "signer/reloader.h"
#include "signer/signals.h"
#include "signer/stats.h"
#include "signer/stats_server.h"

namespace dnsauth::signer {

int run_milter(const Options& o) {
  signing::LoadResult loaded = signing::load_key_set(o.config);
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
  stats.record_reload(true, std::chrono::duration_cast<std::chrono::seconds>(
                                loaded.keys->loaded_at().time_since_epoch()).count());
  signing::KeyStore store(loaded.keys);

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
  smfiDesc desc = milter::description();
  std::string conn = settings.socket;
  if (smfi_setconn(conn.data()) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
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
  signals::set_hup_hook(&Reloader::on_sighup);
  signals::set_stop_hook(&listener::wake_after_stop);
  if (http) http->start();

  log::info("started on " + conn + " with " + o.config.string() + ": " +
            std::to_string(loaded.keys->config().domains().size()) + " domains, " +
            std::to_string(loaded.keys->key_count()) + " keys" +
            (settings.stats_listen.empty() ? "" : ", metrics on http://" + settings.stats_listen + "/metrics"));
  int r = smfi_main();
  signals::set_hup_hook(nullptr);
  signals::set_stop_hook(nullptr);
  reloader.stop();
  if (http) http->stop();
  log::info(r == MI_SUCCESS ? "stopped" : "stopped after a libmilter failure");
  return r == MI_SUCCESS ? kExitOk : kExitError;
}

}  // namespace dnsauth::signer

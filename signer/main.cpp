// dnsauth-signer (DESIGN.md "Command-line contract"):
//   dnsauth-signer --config FILE                  run the milter, in the foreground
//   dnsauth-signer --config FILE --check-config   validate config and keys, print findings, exit 0/2
//   dnsauth-signer --config FILE sign --auth-user USER [MSG|-]
//                  the milter's policy and signing path offline; exit 0 signed, 3 not signed, 2 error
#include <dirent.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "signer/key_store.h"
#include "signer/log.h"
#include "signer/milter.h"
#include "signer/signals.h"
#include "signer/signing_session.h"
#include "signer/stats.h"
#include "signer/stats_server.h"

namespace fs = std::filesystem;
using namespace dnsauth;
using namespace dnsauth::signer;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 2;
constexpr int kExitNotSigned = 3;

const char* kUsage =
    "usage: dnsauth-signer --config FILE [--log stderr|syslog]        run the milter (foreground)\n"
    "       dnsauth-signer --config FILE --check-config               validate config and keys\n"
    "       dnsauth-signer --config FILE sign --auth-user USER [MSG|-]  sign one message offline\n";

struct UsageError {
  std::string text;
};

struct Options {
  fs::path config;
  bool check = false;
  std::optional<std::string> log;
  bool sign = false;
  std::optional<std::string> auth_user;
  std::string message = "-";
  std::optional<std::int64_t> timestamp;  // sign: t= (tests); default now
};

Options parse_args(int argc, char** argv) {
  Options o;
  bool have_message = false;
  auto value = [&](int& i, std::string_view opt) -> std::string {
    if (i + 1 >= argc) throw UsageError{std::string(opt) + " needs a value"};
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" || a == "-c") o.config = value(i, a);
    else if (a.starts_with("--config=")) o.config = a.substr(9);
    else if (a == "--check-config") o.check = true;
    else if (a == "--log") o.log = value(i, a);
    else if (a == "--foreground") continue;  // always in the foreground (systemd Type=simple)
    else if (a == "sign" && !o.sign) o.sign = true;
    else if (o.sign && a == "--auth-user") o.auth_user = value(i, a);
    else if (o.sign && a == "--timestamp") {
      std::string t = value(i, a);
      if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) throw UsageError{"--timestamp needs seconds"};
      o.timestamp = std::stoll(t);
    } else if (a == "-h" || a == "--help") throw UsageError{""};
    else if (o.sign && !have_message && (a == "-" || !a.starts_with("-"))) {
      o.message = a;
      have_message = true;
    } else throw UsageError{"unknown argument '" + a + "'"};
  }
  if (o.config.empty()) throw UsageError{"--config FILE is required"};
  if (o.check && o.sign) throw UsageError{"--check-config and sign do not go together"};
  if (o.sign && !o.auth_user) throw UsageError{"sign needs --auth-user USER"};
  if (o.log && *o.log != "stderr" && *o.log != "syslog") throw UsageError{"--log is stderr or syslog"};
  return o;
}

void print_findings(const LoadResult& r, std::ostream& out) {
  for (const auto& f : r.findings) out << f.str() << "\n";
}

int check_config(const Options& o) {
  LoadResult r = load_key_set(o.config);
  print_findings(r, std::cout);
  std::size_t errors = 0;
  for (const auto& f : r.findings) errors += f.severity == Finding::Severity::error;
  if (!r.ok()) {
    std::cout << o.config.string() << ": " << errors << (errors == 1 ? " error" : " errors") << "\n";
    return kExitError;
  }
  std::cout << o.config.string() << ": OK (" << r.keys->config().domains.size() << " domains, " << r.keys->key_count()
            << " keys)\n";
  return kExitOk;
}

int sign(const Options& o) {
  std::string bytes;
  if (o.message == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(o.message, std::ios::binary);
    if (!in) {
      std::cerr << "dnsauth-signer: sign: " << o.message << ": cannot read: " << std::strerror(errno) << "\n";
      return kExitError;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  LoadResult r = load_key_set(o.config);
  print_findings(r, std::cerr);
  if (!r.ok()) {
    std::cerr << "dnsauth-signer: sign: the configuration has errors; nothing signed\n";
    return kExitError;
  }
  std::int64_t now = o.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  auto out = sign_offline(r.keys, *o.auth_user, bytes, now);
  std::string src = o.message == "-" ? "<stdin>" : o.message;
  if (!out) {
    std::cerr << "dnsauth-signer: sign: " << src << ": " << out.error().message() << "\n";
    return kExitError;
  }
  if (out->decision.action != Action::sign) {
    std::cerr << "dnsauth-signer: not signed (" << (out->decision.action == Action::reject ? "the milter would reject: " : "")
              << to_string(out->decision.reason) << "): " << out->decision.detail << "\n";
    return kExitNotSigned;
  }
  // The signatures in the message's own line-end style, then the message unchanged.
  auto lf = bytes.find('\n');
  bool crlf = lf == std::string::npos || (lf > 0 && bytes[lf - 1] == '\r');
  std::string head;
  for (const auto& s : out->signatures) {
    std::string raw = s.raw();
    if (!crlf) {
      std::string t;
      for (std::size_t i = 0; i < raw.size(); ++i)
        if (!(raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')) t += raw[i];
      raw = t;
    }
    head += raw;
  }
  std::cout.write(head.data(), static_cast<std::streamsize>(head.size()));
  // The message minus the Authentication-Results fields that claim our authserv_id, as the
  // milter's edits would leave it.
  std::size_t at = 0;
  for (const auto& [offset, length] : out->removed) {
    std::cout.write(bytes.data() + at, static_cast<std::streamsize>(offset - at));
    at = offset + length;
  }
  std::cout.write(bytes.data() + at, static_cast<std::streamsize>(bytes.size() - at));
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "dnsauth-signer: sign: cannot write the signed message\n";
    return kExitError;
  }
  std::cerr << "dnsauth-signer: signed d=" << out->decision.signing_domain << " s=";
  for (std::size_t i = 0; i < out->selectors.size(); ++i) std::cerr << (i ? "," : "") << out->selectors[i];
  std::cerr << "\n";
  if (!out->removed.empty()) {
    std::cerr << "dnsauth-signer: removed " << out->removed.size()
              << " Authentication-Results field(s) claiming authserv_id " << r.keys->config().signer.authserv_id << "\n";
  }
  return kExitOk;
}

// --- running the milter -------------------------------------------------------------------

std::set<int> open_fds() {
  std::set<int> fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int own = ::dirfd(d);
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.' && std::atoi(e->d_name) != own) fds.insert(std::atoi(e->d_name));
    ::closedir(d);
  }
  return fds;
}

// The milter's listening socket as found at start (for the stop wake-up below).
sockaddr_storage milter_address{};
socklen_t milter_address_len = 0;

// libmilter does not hand out its listening socket, so it is found among the process's
// listening sockets (all but `except`, the metrics one). It gets TCP_NODELAY: replies at end of
// message are several small writes (insert header, then continue), and with Nagle's algorithm
// the second waits for the MTA's delayed ACK, about 40 ms per message (Linux accepted sockets
// inherit the option from the listener). Its address is kept for the stop wake-up below.
void prepare_milter_listener(int except) {
  for (int fd : open_fds()) {
    if (fd == except) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) continue;
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    milter_address = ss;
    milter_address_len = sl;
  }
}

// A quick stop. libmilter's listener looks at its stop flag only between poll()s of 5 s, so
// a SIGTERM took up to 5 s to act (a slow `systemctl stop`/`restart`). After the signal
// thread has passed SIGTERM on, a few connections to our own socket wake the listener, which
// then sees the flag; a wake-up connection is an ordinary session that ends at once. It stops
// trying as soon as the listener is closed (connect fails).
void wake_listener_after_stop() {
  if (milter_address_len == 0) return;
  std::thread([] {
    for (int i = 0; i < 40; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      int fd = ::socket(milter_address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return;
      bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&milter_address), milter_address_len) == 0;
      ::close(fd);
      if (!ok) return;
    }
  }).detach();
}

std::string unix_socket_path(const std::string& socket) {
  for (const char* p : {"unix:", "local:"})
    if (socket.starts_with(p)) return socket.substr(std::strlen(p));
  return "";
}

// Drops root for `user` once the sockets are bound (issue 5). Empty string on success.
std::string drop_privileges(const std::string& user, const std::string& socket) {
  if (user.empty()) return "";
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return "user '" + user + "' does not exist";
  if (::geteuid() != 0) {
    if (::geteuid() == pw->pw_uid) return "";
    return "cannot switch to user '" + user + "': not running as root";
  }
  if (std::string path = unix_socket_path(socket); !path.empty()) {
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return "cannot give " + path + " to user '" + user + "': " + std::strerror(errno);
    }
  }
  if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
    return "cannot switch to user '" + user + "': " + std::strerror(errno);
  }
  if (::setuid(0) == 0) return "privileges could be regained after switching to '" + user + "'";
  return "";
}

struct Reloader {
  std::mutex mutex;
  std::condition_variable cv;
  unsigned pending = 0;
  bool stopping = false;
  std::thread thread;

  void request() {
    {
      std::lock_guard lock(mutex);
      ++pending;
    }
    cv.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    cv.notify_one();
    if (thread.joinable()) thread.join();
  }
};

std::atomic<Reloader*> reloader{nullptr};
void on_sighup() {
  if (Reloader* r = reloader.load()) r->request();
}

std::string time_text(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

void reload(KeyStore& store, Stats& stats, const fs::path& config, const config::SignerSettings& running) {
  auto old = store.current();
  LoadResult r = store.reload(config);
  for (const auto& f : r.findings)
    if (f.severity == Finding::Severity::warning) log::warning("reload: " + f.text);
  if (!r.ok()) {
    stats.record_reload(false, 0);
    log::error("reload refused, keeping the configuration loaded at " + time_text(old->loaded_at()) + ": " + r.errors());
    return;
  }
  stats.record_reload(true, std::chrono::duration_cast<std::chrono::seconds>(r.keys->loaded_at().time_since_epoch()).count());
  const auto& now = r.keys->config().signer;
  if (now.socket != running.socket || now.user != running.user || now.stats_listen != running.stats_listen ||
      now.log != running.log) {
    log::warning("reload: socket, user, stats_listen and log take effect only after a restart");
  }
  log::info("reloaded " + config.string() + ": " + std::to_string(r.keys->config().domains.size()) + " domains, " +
            std::to_string(r.keys->key_count()) + " keys");
}

int run(const Options& o) {
  LoadResult loaded = load_key_set(o.config);
  print_findings(loaded, std::cerr);
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
  const config::SignerSettings settings = loaded.keys->config().signer;
  if (o.log.value_or(settings.log) == "syslog") log::open_syslog();
  else log::open_stderr();

  Stats stats;
  stats.record_reload(true, std::chrono::duration_cast<std::chrono::seconds>(
                                loaded.keys->loaded_at().time_since_epoch()).count());
  KeyStore store(loaded.keys);

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
  prepare_milter_listener(http ? http->fd() : -1);
  if (std::string e = drop_privileges(settings.user, conn); !e.empty()) {
    std::cerr << "dnsauth-signer: " << e << "\n";
    return kExitError;
  }

  Reloader rl;
  reloader = &rl;
  rl.thread = std::thread([&] {
    std::unique_lock lock(rl.mutex);
    for (;;) {
      rl.cv.wait(lock, [&] { return rl.pending > 0 || rl.stopping; });
      if (rl.stopping) return;
      rl.pending = 0;
      lock.unlock();
      try {
        reload(store, stats, o.config, settings);
      } catch (const std::exception& e) {
        log::error(std::string("reload failed: ") + e.what());
      }
      lock.lock();
    }
  });
  signals::set_hup_hook(&on_sighup);
  signals::set_stop_hook(&wake_listener_after_stop);
  if (http) http->start();

  log::info("started on " + conn + " with " + o.config.string() + ": " +
            std::to_string(loaded.keys->config().domains.size()) + " domains, " +
            std::to_string(loaded.keys->key_count()) + " keys" +
            (settings.stats_listen.empty() ? "" : ", metrics on http://" + settings.stats_listen + "/metrics"));
  int r = smfi_main();
  signals::set_hup_hook(nullptr);
  signals::set_stop_hook(nullptr);
  reloader = nullptr;
  rl.stop();
  if (http) http->stop();
  log::info(r == MI_SUCCESS ? "stopped" : "stopped after a libmilter failure");
  return r == MI_SUCCESS ? kExitOk : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse_args(argc, argv);
    if (o.check) return check_config(o);
    if (o.sign) return sign(o);
    return run(o);
  } catch (const UsageError& e) {
    if (e.text.empty()) {  // --help
      std::cout << kUsage
                << "\nExit status: 0 ok (sign: signed), 2 error or usage error, 3 (sign) not signed, reason on stderr.\n";
      return kExitOk;
    }
    std::cerr << "dnsauth-signer: " << e.text << "\n" << kUsage;
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "dnsauth-signer: " << e.what() << "\n";
    return kExitError;
  }
}

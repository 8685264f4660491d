#include "signer/reloader.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <ctime>

#include "ldap/table_opener.h"
#include "signer/log.h"

namespace dnsauth::signer {

namespace {

std::atomic<Reloader*> active{nullptr};

std::string time_text(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

}  // namespace

Reloader::Reloader(signing::KeyStore& store, Stats& stats, std::filesystem::path config, signing::Settings running)
    : store_(store), stats_(stats), config_(std::move(config)), running_(std::move(running)) {}

Reloader::~Reloader() { stop(); }

void Reloader::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return pending_ > 0 || stopping_; });
      if (stopping_) return;
      pending_ = 0;
      lock.unlock();
      try {
        reload();
      } catch (const std::exception& e) {
        log::error(std::string("reload failed: ") + e.what());
      }
      // The replaced key set is gone (unless a message in flight still holds it). glibc keeps
      // the freed memory of a big set (100,000 table domains, a million-line login map) in
      // the arena of the thread that built it, while the next set is built in another: without
      // handing the free pages back, a signer would hold three sets' worth after two reloads.
      ::malloc_trim(0);
      lock.lock();
    }
  });
  active = this;
}

void Reloader::request() {
  {
    std::lock_guard lock(mutex_);
    ++pending_;
  }
  cv_.notify_one();
}

void Reloader::stop() {
  Reloader* self = this;
  active.compare_exchange_strong(self, nullptr);  // no SIGHUP reaches a stopping reloader
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Reloader::on_sighup() {
  if (Reloader* r = active.load()) r->request();
}

void Reloader::reload() {
  auto old = store_.current();
  signing::LoadResult r = store_.reload(config_, ldap::login_map_opener());
  for (const auto& f : r.findings)
    if (f.severity == signing::Finding::Severity::warning) log::warning("reload: " + f.text);
  if (!r.ok()) {
    stats_.record_reload(false, 0);
    log::error("reload refused, keeping the configuration loaded at " + time_text(old->loaded_at()) + ": " +
               r.errors());
    return;
  }
  stats_.record_reload(
      true, std::chrono::duration_cast<std::chrono::seconds>(r.keys->loaded_at().time_since_epoch()).count());
  const auto& now = r.keys->config().signer;
  if (now.socket != running_.socket || now.user != running_.user || now.stats_listen != running_.stats_listen ||
      now.log != running_.log || now.timeout != running_.timeout || now.max_connections != running_.max_connections) {
    log::warning("reload: socket, user, stats_listen, log, timeout and max_connections take effect only after a restart");
  }
  log::info("reloaded " + config_.string() + ": " + r.keys->summary());
}

}  // namespace dnsauth::signer

// Reloading on SIGHUP. The signal thread only asks (request() never blocks); a thread of its own
// loads the configuration and the keys and, when they are good, swaps them in (KeyStore), so
// messages in flight finish with the set they started with. Requests that arrive while a load
// runs are folded into one more load.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/signing/key_store.h"
#include "signer/stats.h"

namespace dnsauth::signer {

class Reloader {
 public:
  // `running`: the settings the process started with; those that need a restart are compared
  // against each reload and a warning is logged when they changed.
  Reloader(signing::KeyStore& store, Stats& stats, std::filesystem::path config, signing::Settings running);
  ~Reloader();  // stop()
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  void start();
  void request();
  // Waits for a load in progress, then ends the thread. Requests after stop() are ignored.
  void stop();

  // A plain function for signals::set_hup_hook: request() on the started Reloader, if any.
  static void on_sighup();

 private:
  void reload();

  signing::KeyStore& store_;
  Stats& stats_;
  std::filesystem::path config_;
  signing::Settings running_;
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned pending_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dnsauth::signer

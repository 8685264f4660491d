#include "signer/signals.h"

#include <cerrno>

#include <atomic>

namespace dnsauth::signer::signals {

namespace {
std::atomic<void (*)()> hup_hook{nullptr};
std::atomic<void (*)()> stop_hook{nullptr};
}

void set_hup_hook(void (*hook)()) { hup_hook.store(hook); }
void set_stop_hook(void (*hook)()) { stop_hook.store(hook); }

}  // namespace dnsauth::signer::signals

extern "C" int __wrap_sigwait(const sigset_t* set, int* sig) {
  for (;;) {
    int s = ::sigwaitinfo(set, nullptr);
    if (s < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (s == SIGHUP) {
      if (auto hook = dnsauth::signer::signals::hup_hook.load()) {
        hook();
        continue;
      }
    }
    if (s == SIGTERM || s == SIGINT) {
      if (auto hook = dnsauth::signer::signals::stop_hook.load()) hook();
    }
    *sig = s;
    return 0;
  }
}

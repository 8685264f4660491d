#include "signer/drain.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace dnsauth::signer::drain {

namespace {

std::atomic<bool> stopping_flag{false};
std::atomic<bool> closed{false};
std::mutex mutex;
std::condition_variable changed;
std::size_t messages = 0;   // under mutex
std::size_t callbacks = 0;  // under mutex

}  // namespace

bool stopping() noexcept { return stopping_flag.load(); }

void message_started() noexcept {
  std::lock_guard lock(mutex);
  ++messages;
}

void message_ended() noexcept {
  {
    std::lock_guard lock(mutex);
    if (messages > 0) --messages;
  }
  changed.notify_all();
}

std::size_t in_progress() noexcept {
  std::lock_guard lock(mutex);
  return messages;
}

std::size_t drain(std::chrono::milliseconds grace) {
  stopping_flag.store(true);
  std::unique_lock lock(mutex);
  changed.wait_for(lock, grace, [] { return messages == 0; });
  return messages;
}

Callback::Callback() noexcept {
  std::lock_guard lock(mutex);
  open_ = !closed.load(std::memory_order_relaxed);
  if (open_) ++callbacks;
}

Callback::~Callback() {
  if (!open_) return;
  {
    std::lock_guard lock(mutex);
    --callbacks;
  }
  changed.notify_all();
}

bool close(std::chrono::milliseconds bound) {
  std::unique_lock lock(mutex);
  closed.store(true, std::memory_order_relaxed);
  return changed.wait_for(lock, bound, [] { return callbacks == 0; });
}

}  // namespace dnsauth::signer::drain

#include "signer/connections.h"

namespace dnsauth::signer {

bool Connections::open(int fd, std::string peer, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (open_.size() >= max_) return false;
  open_[fd] = Entry{next_id_++, std::move(peer), now, false};
  return true;
}

void Connections::activity(int fd, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (auto it = open_.find(fd); it != open_.end()) it->second.last = now;
}

void Connections::closed(int fd) {
  std::lock_guard lock(mutex_);
  open_.erase(fd);
}

std::size_t Connections::close_idle(Clock::time_point now, const std::function<void(int)>& close_idle) {
  return close_where([&](const Entry& e) { return now - e.last >= idle_timeout_; }, close_idle);
}

std::size_t Connections::close_all(const std::function<void(int)>& close) {
  return close_where([](const Entry&) { return true; }, close);
}

std::size_t Connections::close_where(const std::function<bool(const Entry&)>& which,
                                     const std::function<void(int)>& close) {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& [fd, e] : open_) {
    if (e.closing || !which(e)) continue;
    e.closing = true;
    close(fd);
    ++n;
  }
  return n;
}

std::string Connections::name(int fd) const {
  std::lock_guard lock(mutex_);
  auto it = open_.find(fd);
  if (it == open_.end()) return "fd " + std::to_string(fd);
  return "#" + std::to_string(it->second.id) + " (" + it->second.peer + ")";
}

std::size_t Connections::size() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace dnsauth::signer

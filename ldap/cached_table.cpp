#include "ldap/cached_table.h"

#include <algorithm>

namespace dnsauth::ldap {

CachedTable::CachedTable(std::shared_ptr<const tables::LookupTable> table, std::chrono::seconds ttl,
                         std::size_t max_entries, Clock clock)
    : table_(std::move(table)), ttl_(ttl), max_entries_(std::max<std::size_t>(1, max_entries)),
      clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point CachedTable::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

std::size_t CachedTable::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

Result<std::optional<std::string>> CachedTable::find(std::string_view key) const {
  const std::string k(key);
  {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(k); it != index_.end()) {
      if (now() < it->second->expires) {
        lru_.splice(lru_.begin(), lru_, it->second);
        ++hits_;
        return it->second->value;
      }
      lru_.erase(it->second);
      index_.erase(it);
    }
  }
  auto answer = table_->find(key);
  if (!answer) return answer;  // a server failure is asked again next time
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(k); it != index_.end()) {  // another thread asked meanwhile
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{k, *answer, now() + ttl_});
  index_.emplace(k, lru_.begin());
  while (lru_.size() > max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return answer;
}

}  // namespace dnsauth::ldap

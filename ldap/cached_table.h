// A cache in front of a lookup table that asks a server (ldap_table.h): the answers, found and
// not found alike, kept for a time-to-live and up to a number of keys, the least recently used
// dropped first. An Error is never kept: the next lookup asks the server again. The signer
// builds a new table, and so a new cache, on every reload (SIGHUP).
//
// Thread-safe: one mutex guards the map, never held while the table behind it is asked, so that
// lookups of other keys (and hits) do not wait for a slow server. Two lookups of the same
// missing key at once both ask; the later answer is kept.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/tables/lookup_table.h"

namespace dnsauth::ldap {

class CachedTable final : public tables::LookupTable {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `ttl` above zero and `max_entries` at least one; `clock` for the tests (steady_clock::now
  // when empty).
  CachedTable(std::shared_ptr<const tables::LookupTable> table, std::chrono::seconds ttl, std::size_t max_entries,
              Clock clock = {});

  Result<std::optional<std::string>> find(std::string_view key) const override;
  const std::string& name() const noexcept override { return table_->name(); }
  std::size_t size() const noexcept override { return table_->size(); }

  const tables::LookupTable& table() const noexcept { return *table_; }
  std::size_t entries() const;  // keys held now
  std::size_t hits() const noexcept { return hits_.load(); }

 private:
  struct Entry {
    std::string key;
    std::optional<std::string> value;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::steady_clock::time_point now() const;

  std::shared_ptr<const tables::LookupTable> table_;
  std::chrono::seconds ttl_;
  std::size_t max_entries_;
  Clock clock_;
  mutable std::mutex mutex_;
  mutable std::list<Entry> lru_;  // most recently used first
  mutable std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  mutable std::atomic<std::size_t> hits_{0};
};

}  // namespace dnsauth::ldap

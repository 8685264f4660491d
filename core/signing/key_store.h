// The signer's keys: dnsauth.toml and every private key it names, loaded, checked and parsed once
// into an immutable KeySet. The milter takes a shared_ptr snapshot per message, so a
// reload (SIGHUP) swaps in a new set while messages in flight finish with the one they started
// with; a set that fails any check is never installed.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/dkim/signer.h"
#include "core/signing/settings.h"

namespace dnsauth::signing {

// One result of checking a configuration: an error refuses the whole set (the signer does not
// start, a reload keeps the old set); a warning is printed and logged only.
struct Finding {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  std::string text;  // "keys/example.com.s1.pem: group- or world-readable (mode 0644) ..."

  std::string str() const;  // "error: ..." / "warning: ..."
};

class KeySet {
 public:
  struct DomainKeys {
    std::string domain;
    std::vector<dkim::SignerSpec> specs;  // one per selector, in config order
  };

  const Config& config() const noexcept { return *config_; }
  // The signer specs of a configured domain (exact name, as in the config); nullptr when the
  // domain is not configured.
  const DomainKeys* domain(std::string_view name) const;
  std::size_t key_count() const noexcept { return key_count_; }
  std::chrono::system_clock::time_point loaded_at() const noexcept { return loaded_at_; }

 private:
  friend struct KeySetBuilder;
  std::shared_ptr<const Config> config_;
  std::vector<DomainKeys> domains_;
  std::size_t key_count_ = 0;
  std::chrono::system_clock::time_point loaded_at_;
};

struct LoadResult {
  std::shared_ptr<const KeySet> keys;  // null when any finding is an error
  std::vector<Finding> findings;       // every error and warning, in config order
  bool ok() const noexcept { return keys != nullptr; }
  std::string errors() const;          // the error findings joined with "; "
};

// The header policy and signature options the config asks for (headers, oversign, canon, x=).
dkim::HeaderPolicy header_policy(const Settings& s);

// Reads the config file, then checks and loads every key. Never throws; a config that does not
// parse is one error finding with its file:line. A config without any [[domain]], or without
// any [[domain.selector]] in all its domains, is an error: such a key set signs nothing.
LoadResult load_key_set(const std::filesystem::path& config_file);
// The same for an already parsed config (tests, --check-config after parse).
LoadResult build_key_set(Config cfg);

// The current KeySet, swapped atomically on reload.
class KeyStore {
 public:
  explicit KeyStore(std::shared_ptr<const KeySet> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const KeySet> current() const;
  // Loads `config_file` again. On success the new set replaces the old one; on failure the old
  // one stays and the findings say why. Warnings are returned either way.
  LoadResult reload(const std::filesystem::path& config_file);
  void install(std::shared_ptr<const KeySet> keys);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const KeySet> current_;
};

}  // namespace dnsauth::signing

// The signer's keys: dnsauth.toml and every private key it names, loaded, checked and parsed once
// into an immutable KeySet. The milter takes a shared_ptr snapshot per message, so a
// reload (SIGHUP) swaps in a new set while messages in flight finish with the one they started
// with; a set that fails any check is never installed.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/dkim/signer.h"
#include "core/signing/login_map.h"
#include "core/signing/policy.h"
#include "core/signing/settings.h"
#include "core/signing/signing_table.h"
#include "core/tables/lookup_table.h"

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
  // The key and signing tables and the login map, for signing::decide.
  Lookups lookups() const noexcept { return {tables_.get(), login_map_.get()}; }
  // The signer spec of SigningTables::keys()[i], d= empty when the KeyTable says "%" (the
  // session sets it per message). Made on demand from one template: at 100,000 KeyTable
  // entries a stored spec each (its header lists are some forty strings) would cost hundreds
  // of megabytes; the session copies a spec per message anyway.
  dkim::SignerSpec table_spec(std::size_t i) const;
  const SigningTables* tables() const noexcept { return tables_.get(); }
  const LoginMap* login_map() const noexcept { return login_map_.get(); }
  // "2 domains, 4 keys", then "; key table FILE: N entries, signing table FILE: N entries" and
  // "; login map TYPE:PATH: N entries" when configured ("asked per lookup" for a table served
  // over the network): what --check-config and the reload log line report.
  std::string summary() const;

 private:
  friend struct KeySetBuilder;
  std::shared_ptr<const Config> config_;
  std::vector<DomainKeys> domains_;
  std::shared_ptr<const SigningTables> tables_;
  dkim::SignerSpec table_template_;  // canonicalization, header lists, x= of every table entry
  std::vector<std::shared_ptr<const dkim::PrivateKey>> table_keys_;  // per KeyTable entry; shared
  std::shared_ptr<const LoginMap> login_map_;
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

// Opens [signer] login_map. The default opens the tables core reads from files
// (tables::open_file_table); a program may pass one that also knows tables served over the
// network, which core does not ask (ldap/table_opener.h), with the settings that shape such a
// table (login_map_cache_ttl, login_map_cache_size).
using TableOpener = std::function<Result<std::shared_ptr<const tables::LookupTable>>(
    std::string_view spec, const std::filesystem::path& base_dir, const Settings& settings)>;

// Reads the config file, then checks and loads every key, the key and signing tables and the
// login map. Never throws; a config that does not parse is one error finding with its
// file:line. A config without any [[domain]] or signing_table, or without any
// [[domain.selector]] in all its domains and no signing_table, is an error: such a key set signs
// nothing. A domain both in dnsauth.toml and in the tables is an error naming both places.
LoadResult load_key_set(const std::filesystem::path& config_file, const TableOpener& open_table = {});
// The same for an already parsed config (tests, --check-config after parse).
LoadResult build_key_set(Config cfg, const TableOpener& open_table = {});

// The current KeySet, swapped atomically on reload.
class KeyStore {
 public:
  explicit KeyStore(std::shared_ptr<const KeySet> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const KeySet> current() const;
  // Loads `config_file` again. On success the new set replaces the old one; on failure the old
  // one stays and the findings say why. Warnings are returned either way.
  LoadResult reload(const std::filesystem::path& config_file, const TableOpener& open_table = {});
  void install(std::shared_ptr<const KeySet> keys);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const KeySet> current_;
};

}  // namespace dnsauth::signing

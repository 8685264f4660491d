// OpenDKIM's KeyTable and SigningTable as the signer decides with them (opendkim.conf(5)
// KeyTable, SigningTable, MultipleSignatures): which KeyTable entries sign mail from an author
// address. The files are parsed by core/tables/opendkim_tables.h; keys are loaded and shared by
// the key store (key_store.h).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/error.h"
#include "core/tables/opendkim_tables.h"

namespace dnsauth::signing {

class SigningTables {
 public:
  // Reads [signer] key_table (PATH or file:PATH) and signing_table (file:PATH or refile:PATH),
  // relative paths against `base_dir`. Errc::io naming a file that cannot be read, Errc::syntax
  // with FILE:LINE for a malformed line or a SigningTable entry naming a key the KeyTable does
  // not define.
  static Result<SigningTables> load(std::string_view key_table, std::string_view signing_table,
                                    const std::filesystem::path& base_dir);
  // The same from text (tests, the fuzz target).
  static Result<SigningTables> parse(std::string_view key_table_text, std::string key_table_name,
                                     std::string_view signing_table_text, std::string signing_table_name,
                                     tables::DatasetKind kind, const std::filesystem::path& key_table_dir);

  // One signature to make: a KeyTable entry, its d= resolved for the author, and i=.
  struct Match {
    std::size_t key = 0;    // index into keys()
    std::string domain;     // d=: the KeyTable domain, or the author's domain for "%"
    std::string selector;   // s=
    std::string identity;   // i=, or empty (none, or one outside d=, which OpenDKIM leaves out too)
    int line = 0;           // the SigningTable line that matched
  };
  // The entries that sign mail from local@domain, in OpenDKIM's order: for file:, the keys
  // user@host, host, then for each parent domain user@.parent and .parent (from the closest),
  // user@*, * (case-insensitively); for refile:, the patterns in file order against user@host.
  // Only the first match unless `multiple` (MultipleSignatures); a second match with the d= and
  // s= of an earlier one is dropped. No match for an address with non-ASCII characters
  // (OpenDKIM opens the table ASCII-only). Errc::key when a key name "%" resolves to a name the
  // KeyTable does not have.
  Result<std::vector<Match>> match(std::string_view local, std::string_view domain, bool multiple) const;

  const std::vector<tables::KeyTableEntry>& keys() const noexcept { return keys_; }
  std::size_t signing_entries() const noexcept { return entries_.size(); }
  const std::string& key_table_name() const noexcept { return key_table_name_; }
  const std::string& signing_table_name() const noexcept { return signing_table_name_; }
  // "FILE:LINE" where the tables name `domain` itself: a KeyTable domain, the host of a
  // file: key, or the domain of a refile: pattern without wildcards there; nullopt when they do
  // not. A domain of dnsauth.toml must not also be one of the tables'.
  std::optional<std::string> where_named(std::string_view domain) const;
  // Every domain the tables name in where_named's sense (KeyTable domains, the hosts of
  // SigningTable keys without wildcards), lowercase, sorted, each once: the domains a selftest
  // can try. Domains reached only through wildcards or "%" are not in it.
  std::vector<std::string> named_domains() const;
  // The localparts that the SigningTable names for `domain` literally ("alice" of
  // "alice@example.com"), in table order, each once: senders the table may treat apart.
  std::vector<std::string> named_localparts(std::string_view domain) const;

 private:
  tables::DatasetKind kind_ = tables::DatasetKind::file;
  std::vector<tables::KeyTableEntry> keys_;
  std::vector<tables::SigningTableEntry> entries_;
  std::string key_table_name_, signing_table_name_;
  std::unordered_map<std::string, std::size_t> names_;  // KeyTable name -> index into keys_
  std::unordered_map<std::string, std::size_t> exact_;  // file: folded key -> index into entries_
  // refile: the patterns a lookup can find by name, in file order: "*@DOMAIN" under the domain
  // (by_domain_), a pattern without '*' under itself (by_address_; both folded); general_ holds
  // the others. 100,000 hosted domains are 100,000 "*@domain" patterns, and trying each in
  // turn took 5.8 ms a message.
  std::unordered_map<std::string, std::vector<std::size_t>> by_domain_, by_address_;
  std::vector<std::size_t> general_;
};

}  // namespace dnsauth::signing

// Postfix's ldap: lookup table (ldap_table(5)) through OpenLDAP's libldap: the login map of
// "[signer] login_map = \"ldap:/etc/postfix/FILE.cf\"". Outside core, since core never does
// network I/O (docs/architecture.md, "Layers"); the cf file is parsed by core
// (core/tables/ldap_table_config.h).
//
// A lookup answers as `postmap -q KEY ldap:FILE.cf` does: the key folded to lowercase and put
// into query_filter (RFC 4515 escaped), the values of the result attributes of every entry
// found, in the server's order, joined with "," (Postfix's db_common_expand); not found when no
// entry (or no result attribute value) matches, or when Postfix would not search at all.
//
// Every lookup returns within the cf file's `timeout`: one deadline covers waiting for a free
// connection, connecting (LDAP_OPT_NETWORK_TIMEOUT), binding and searching (ldap_result with the
// time left, and the search's own time limit). A server that is down, refuses the bind or stops
// answering is an Error (the signer answers as [signer] on_error says), never "not found".
//
// Connections: a pool of at most Options::max_connections, each used by one lookup at a time
// (libldap's handles are not to be shared by threads mid-operation); idle ones are kept open.
// A connection that failed in any way is closed and its place connects anew at the next lookup;
// a kept connection the server had closed (a restart) gets one immediate retry on a new one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/tables/ldap_table_config.h"
#include "core/tables/lookup_table.h"

namespace dnsauth::ldap {

class LdapTable final : public tables::LookupTable {
 public:
  struct Options {
    // Lookups that can ask the server at once; more wait (within their deadline) for a free one.
    std::size_t max_connections = 4;
  };

  // `name` is the table as configured ("ldap:/etc/postfix/sender_login.cf"). Does not connect:
  // the first lookup does.
  LdapTable(tables::LdapTableConfig config, std::string name);
  LdapTable(tables::LdapTableConfig config, std::string name, Options options);
  ~LdapTable() override;
  LdapTable(const LdapTable&) = delete;
  LdapTable& operator=(const LdapTable&) = delete;

  Result<std::optional<std::string>> find(std::string_view key) const override;
  const std::string& name() const noexcept override { return name_; }
  std::size_t size() const noexcept override { return 0; }  // unknown: the server holds it

  const tables::LdapTableConfig& config() const noexcept { return config_; }
  // How many searches were sent to the server, and how many connections were made (tests,
  // the benchmark).
  std::size_t searches() const noexcept { return searches_.load(); }
  std::size_t connects() const noexcept { return connects_.load(); }

 private:
  struct Connection;
  using Deadline = std::chrono::steady_clock::time_point;

  Result<Connection*> acquire(Deadline deadline) const;
  void release(Connection* c) const;
  Result<void> connect(Connection& c, Deadline deadline) const;
  // The joined values; `retry` set when the connection was found closed before any answer.
  Result<std::optional<std::string>> search(Connection& c, const std::string& filter, Deadline deadline,
                                            bool& retry) const;
  Error failure(const std::string& what) const;

  tables::LdapTableConfig config_;
  std::string name_;
  std::string uris_;  // server_host's URLs, space-separated, as ldap_initialize takes them
  std::vector<std::unique_ptr<Connection>> pool_;
  mutable std::mutex mutex_;
  mutable std::condition_variable freed_;
  mutable std::vector<Connection*> idle_;
  mutable std::atomic<std::size_t> searches_{0};
  mutable std::atomic<std::size_t> connects_{0};
};

}  // namespace dnsauth::ldap

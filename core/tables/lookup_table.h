// A key -> value lookup table, the interface of Postfix's dictionaries (dict(3) in Postfix's
// source) as the signer uses them: core implements the tables read from files
// (postfix_tables.h); tables that ask a server at lookup time (LDAP) implement it outside core,
// since core never does network I/O (docs/architecture.md, "Layers").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::tables {

class LookupTable {
 public:
  virtual ~LookupTable() = default;
  // The value stored under `key`, std::nullopt when there is none. An Error only when the table
  // cannot answer (a server down, a file that went bad): the caller must not read that as "not
  // found".
  virtual Result<std::optional<std::string>> find(std::string_view key) const = 0;
  // "texthash:/etc/postfix/sender_login" as configured, for messages.
  virtual const std::string& name() const noexcept = 0;
  // How many entries it holds, when the table knows (--check-config); 0 when it does not.
  virtual std::size_t size() const noexcept = 0;
};

}  // namespace dnsauth::tables

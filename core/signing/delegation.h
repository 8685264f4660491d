// The selectors of a key-table domain as the publisher, the linter and the selftest expect them:
// every KeyTable entry naming the domain, and, with [signer] delegation_zone, the CNAME target
// each is delegated to (core/records/delegation.h, the one rule naming it).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/records/lint.h"
#include "core/signing/settings.h"
#include "core/signing/signing_table.h"

namespace dnsauth::signing {

struct TableSelector {
  std::size_t key = 0;                 // index into SigningTables::keys()
  records::ExpectedSelector expected;  // name, delegated_to; the caller adds the key and its type
};

// The KeyTable entries whose domain is `domain` (not "%"), in table order, each selector once;
// expected.delegated_to set when settings.delegation is. Errc::syntax naming the domain and
// selector when a target is not a domain name.
Result<std::vector<TableSelector>> table_selectors(const Settings& settings, const SigningTables& tables,
                                                   std::string_view domain);

// Whether the selectors of key-table domains are delegated by CNAME.
inline bool delegates(const Settings& settings, const SigningTables* tables) {
  return settings.delegation.has_value() && tables != nullptr;
}

}  // namespace dnsauth::signing

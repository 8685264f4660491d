#include "core/signing/delegation.h"

#include <algorithm>

#include "core/records/delegation.h"

namespace dnsauth::signing {

Result<std::vector<TableSelector>> table_selectors(const Settings& settings, const SigningTables& tables,
                                                   std::string_view domain) {
  std::vector<TableSelector> out;
  const std::string wanted = dns::normalize_name(domain);
  const auto& keys = tables.keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].domain != wanted) continue;
    // Two entries for one selector publish at one name: the first is the one OpenDKIM signs with.
    if (std::any_of(out.begin(), out.end(), [&](const TableSelector& t) { return t.expected.name == keys[i].selector; }))
      continue;
    TableSelector t;
    t.key = i;
    t.expected.name = keys[i].selector;
    if (settings.delegation) {
      auto target = records::delegation_target(*settings.delegation, wanted, keys[i].selector);
      if (!target) return tl::unexpected(target.error());
      t.expected.delegated_to = std::move(*target);
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace dnsauth::signing

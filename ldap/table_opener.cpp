#include "ldap/table_opener.h"

#include "core/tables/ldap_table_config.h"
#include "core/tables/postfix_tables.h"
#include "ldap/cached_table.h"
#include "ldap/ldap_table.h"

namespace dnsauth::ldap {

Result<std::shared_ptr<const tables::LookupTable>> open_login_map(std::string_view spec,
                                                                  const std::filesystem::path& base_dir,
                                                                  const signing::Settings& settings) {
  if (!spec.starts_with("ldap:")) return tables::open_file_table(spec, base_dir);
  auto config = tables::read_ldap_table_config(base_dir / std::filesystem::path(spec.substr(5)));
  if (!config) return tl::unexpected(config.error());
  auto table = std::make_shared<const LdapTable>(std::move(*config), std::string(spec));
  if (settings.login_map_cache_ttl <= 0) return std::shared_ptr<const tables::LookupTable>(std::move(table));
  return std::shared_ptr<const tables::LookupTable>(std::make_shared<const CachedTable>(
      std::move(table), std::chrono::seconds(settings.login_map_cache_ttl), settings.login_map_cache_size));
}

signing::TableOpener login_map_opener() { return &open_login_map; }

}  // namespace dnsauth::ldap

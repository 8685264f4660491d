// The login map opener the programs pass to signing::load_key_set (core/signing/key_store.h
// TableOpener): "ldap:PATH" is Postfix's LDAP table (ldap_table.h) behind the cache of
// [signer] login_map_cache_ttl and login_map_cache_size (cached_table.h); every other TYPE:PATH
// is a file table core reads (tables::open_file_table).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/signing/key_store.h"
#include "core/signing/settings.h"
#include "core/tables/lookup_table.h"

namespace dnsauth::ldap {

// "ldap:PATH" with PATH relative to `base_dir` when not absolute; its cf file's mistakes as
// Errc::syntax naming FILE:LINE, an unreadable file as Errc::io. Does not connect.
Result<std::shared_ptr<const tables::LookupTable>> open_login_map(std::string_view spec,
                                                                  const std::filesystem::path& base_dir,
                                                                  const signing::Settings& settings);

// open_login_map as a signing::TableOpener.
signing::TableOpener login_map_opener();

}  // namespace dnsauth::ldap

// Editing dnsauth.toml in place for the key lifecycle: one [[domain.selector]] is renamed to its
// successor and given the successor's key file, and every other byte of the operator's file --
// comments, order, spacing -- stays as it was. The result is text; the caller checks it as the
// signer would (signing::load_config) before it replaces the file.
#pragma once

#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::config {

// Errc::invalid_argument when the domain or its selector `old_name` is not in the text, or when
// the selector's table cannot be edited in place (an inline table without `key`, a value that
// is not a plain quoted string); Errc::syntax for a file that does not parse (SOURCE:LINE:COL).
// A selector without `key` gets one after its name unless new_key is the default,
// "<domain>.<new_name>.pem".
Result<std::string> replace_selector(std::string_view text, std::string_view source, std::string_view domain,
                                     std::string_view old_name, std::string_view new_name, std::string_view new_key);

// A TOML basic string: "..." with '"', '\\' and control characters escaped (TOML 1.0 "String").
std::string toml_quote(std::string_view value);

}  // namespace dnsauth::config

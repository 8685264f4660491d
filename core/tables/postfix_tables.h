// The Postfix lookup tables the signer reads from files, with Postfix's lookup rules: keys folded
// to lowercase on both sides (DICT_FLAG_FOLD_FIX), whole-key matches only.
//   texthash:PATH  the source text (postfix_text.h), read into memory at load;
//   cdb:PATH       PATH.cdb as `postmap cdb:PATH` writes it (tinycdb), mapped at load: a later
//                  postmap renames a new file into place and leaves the mapped one intact.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/common/error.h"
#include "core/tables/lookup_table.h"

namespace dnsauth::tables {

// The TYPE:PATH forms this module opens.
bool is_file_table(std::string_view spec);

// Opens "texthash:PATH" or "cdb:PATH"; a relative PATH resolves against `base_dir`.
// Errc::io when the file cannot be read (naming it), Errc::syntax for a line of the source text
// (FILE:LINE) or a cdb file that is not one, Errc::unsupported for another TYPE.
Result<std::shared_ptr<const LookupTable>> open_file_table(std::string_view spec,
                                                           const std::filesystem::path& base_dir);

// A texthash table from text already read (tests and the fuzz target); `name` as in messages.
Result<std::shared_ptr<const LookupTable>> texthash_from_text(std::string_view text, std::string name);

}  // namespace dnsauth::tables

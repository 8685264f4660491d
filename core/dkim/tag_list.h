// RFC 6376 3.2: tag=value lists, shared by DKIM-Signature fields and key records
// (and, by the same grammar, DMARC records).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::dkim {

struct Tag {
  std::string_view name;   // case-sensitive (3.2: "Tags are case sensitive")
  std::string_view value;  // surrounding FWS removed, inner FWS kept
  std::size_t name_offset = 0;
  std::size_t value_offset = 0;  // where value starts in the input
  std::size_t value_end = 0;     // one past the end of the value, before trailing FWS
};

// Views point into `text`, which must outlive the result. Errors carry the byte offset:
// a tag without '=', an empty or invalid tag name, a duplicated tag (3.2: "Tags MUST NOT be
// duplicated ... MUST be treated as an error"), a value with bytes outside tval.
Result<std::vector<Tag>> parse_tag_list(std::string_view text);

// The first tag of that name, or nullptr.
const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name);

// Removes FWS (SP, HTAB, CR, LF) from a value, as base64 fields and h= lists need.
std::string strip_fws(std::string_view value);

}  // namespace dnsauth::dkim

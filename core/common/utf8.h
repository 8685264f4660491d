// UTF-8 well-formedness (RFC 3629 4): what the Postfix table reader and the DMARC aggregate
// report parser require of text before they keep it.
#pragma once

#include <cstddef>
#include <string_view>

namespace dnsauth::utf8 {

// The offset of the first byte that does not begin a well-formed sequence (an overlong form,
// a surrogate, a code point above U+10FFFF, a stray continuation byte, a sequence cut short),
// or std::string_view::npos when all of `s` is well-formed UTF-8.
std::size_t invalid_at(std::string_view s) noexcept;

inline bool valid(std::string_view s) noexcept { return invalid_at(s) == std::string_view::npos; }

}  // namespace dnsauth::utf8

// Base64 through OpenSSL's EVP encoder (no hand-written codec). DKIM's b=, bh= and p= may
// carry folding whitespace anywhere (RFC 6376 3.5); decode_base64 strips it first.
#pragma once

#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth {

std::string encode_base64(std::string_view bytes);
// Whitespace (SP, HTAB, CR, LF) is ignored; anything else outside the alphabet, or a bad
// length or padding, is an Errc::base64 error whose offset is the first bad character.
Result<std::string> decode_base64(std::string_view text);

}  // namespace dnsauth

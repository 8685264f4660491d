// URIs as the TXT records of RFC 8460 3 (TLS-RPT rua=) and of BIMI (draft-brand-indicators-
// for-message-identification-12 4.3: l=, a=) carry them: RFC 3986's URI, checked for its scheme
// and its characters, with the scheme and the host taken out for the rules that look at them
// ("mailto" or "https" only, https with a fully qualified host). Not a full RFC 3986 parser:
// the records' rules need no more, and a receiver fetches or mails what it is given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::uri {

struct Uri {
  std::string scheme;  // lowercase (RFC 3986 3.1: schemes are case-insensitive)
  std::string rest;    // after "scheme:"
  std::string host;    // https: the authority's host, lowercase; mailto: the address's domain
  std::string path;    // https: the path, without query and fragment
};

// RFC 3986 3: scheme ":" hier-part, the scheme ALPHA *(ALPHA / DIGIT / "+" / "-" / "."),
// every byte a URI character (2.2 reserved, 2.3 unreserved, "%" HEXDIG HEXDIG). Bytes in
// `must_encode` must be percent-encoded (RFC 8460 3: ",", "!" and ";"). Errc::syntax with the
// offset of the byte at fault, counted from the start of `text`.
Result<Uri> parse(std::string_view text, std::string_view must_encode = {});

}  // namespace dnsauth::uri

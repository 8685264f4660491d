// The Authentication-Results header field (RFC 8601): a value model, a parser that reads the
// full grammar of 2.2 (comments anywhere CFWS may be, quoted strings, method versions,
// reason=, ptype.property=pvalue), and a formatter whose output the parser reads back to the
// same values. Methods, results, ptypes and properties are kept as lowercase keywords, so
// registered (spf, dkim, dmarc, auth, iprev) and extension methods ("x-foo", RFC 5451's
// "sender-id=hardfail") read the same way.
//
// Format and parse are exact inverses on every value the parser returns: keywords of
// lowercase letters, digits, '-' and '_'; text (authserv-id, comment, reason, pvalue) without
// control characters other than HTAB, since a field can carry no others (CR and LF would end
// it; the rest is obsolete syntax a generator MUST NOT write, RFC 5322 4.1). The parser reads
// such a control character in a comment or a quoted-string as a space and drops the CRLF of a
// fold (RFC 5322 3.2.2); the formatter writes any value, normalized the same way: control
// characters other than HTAB as spaces, other characters of a keyword dropped, an empty
// keyword as "unknown". So parse(format_value(v)) == v for every v = parse(x), and
// format_value(parse(format_value(v))) == format_value(v) for every v (tests/fuzz/fuzz_authres).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/mail/message.h"

namespace dnsauth::authres {

// ptype "." property "=" pvalue (RFC 8601 2.2 propspec, 2.3).
struct Property {
  std::string ptype;     // lowercase: "smtp", "header", "body", "policy"
  std::string property;  // lowercase: "mailfrom", "helo", "auth", "d", "i", "b", "from", "dmarc"
  std::string value;     // its meaning: quotes removed, quoted-pairs resolved

  friend bool operator==(const Property&, const Property&) = default;
};

// One resinfo: method "=" result, an optional comment on the result, reason=, properties.
struct ResInfo {
  std::string method;                      // lowercase keyword
  std::optional<unsigned> method_version;  // "dkim/1=pass"
  std::string result;                      // lowercase keyword
  // The comment right after the result ("dkim=pass (good signature)"), without parentheses,
  // quoted-pairs resolved. Comments elsewhere are read and dropped (RFC 8601 2.2: CFWS).
  std::string comment;
  std::optional<std::string> reason;       // reasonspec (RFC 8601 2.2, 2.7)
  std::vector<Property> properties;        // in order

  // The first property with that ptype and property (case-insensitive), or nullptr.
  const Property* find(std::string_view ptype, std::string_view property) const;

  friend bool operator==(const ResInfo&, const ResInfo&) = default;
};

struct AuthenticationResults {
  std::string authserv_id;          // as written (RFC 8601 2.5), quotes removed
  std::optional<unsigned> version;  // authres-version; absent means 1 (2.2)
  std::vector<ResInfo> results;     // empty: "none" (no authentication was done, B.2)

  // Every resinfo of that method, in order.
  std::vector<const ResInfo*> find(std::string_view method) const;

  friend bool operator==(const AuthenticationResults&, const AuthenticationResults&) = default;
};

// Parses a field body (what follows "Authentication-Results:"), folded or not. Errc::syntax
// with the byte offset into `value` where the grammar breaks: no authserv-id, a missing ';' or
// '=', an empty result, an unterminated comment or quoted string, "none" mixed with results, a
// version that does not fit an unsigned.
// Lenient where real generators stray: a final ';' after the last resinfo, and pvalues written
// without quotes that hold '/', '=' or ':' (header.b=abc/def+=).
Result<AuthenticationResults> parse(std::string_view value);
// The same from a whole field; Errc::invalid_argument when the field has another name.
Result<AuthenticationResults> parse_field(const mail::HeaderField& field);

// RFC 8601 2.2: the field body on one line, as the parser reads it: "example.com; spf=pass
// smtp.mailfrom=example.net". Values become quoted strings when they are neither a MIME token
// nor [local-part] "@" domain (an empty authserv-id is ""); control characters other than HTAB
// (CR and LF included) become spaces, so no input can end the field early.
std::string format_value(const AuthenticationResults& results);
// One resinfo as format_value writes it ("dkim=pass header.d=example.com").
std::string format_resinfo(const ResInfo& resinfo);

struct FormatOptions {
  std::size_t width = 78;  // fold before a line would exceed this (RFC 5322 2.1.1 SHOULD)
};
// The whole field, ready to prepend: "Authentication-Results: example.com;\r\n\tdkim=pass ...;
// \r\n\tspf=pass ...\r\n" -- each resinfo on its own line, long ones folded between elements.
std::string format_field(const AuthenticationResults& results, const FormatOptions& options = {});

// RFC 2045 5.1 token: no SP, CTLs or tspecials (bytes above 0x7F allowed, RFC 6532).
bool is_token(std::string_view text) noexcept;
// `text` as a MIME value: itself when a token, else a quoted-string.
std::string quote_value(std::string_view text);

// RFC 8601 5: whether a field is an Authentication-Results field claiming this authserv-id
// (case-insensitive); such fields arriving from outside are forgeries to remove. A field that
// does not parse is compared on its first word.
bool claims_authserv_id(const mail::HeaderField& field, std::string_view authserv_id);

}  // namespace dnsauth::authres

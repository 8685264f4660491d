// SPF macros (RFC 7208 7): parsing a macro-string once, with the position of any syntax error,
// and expanding it for one evaluation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/ip_address.h"

namespace dnsauth::spf {

// Where a macro-string appears decides what it may contain (RFC 7208 7.1, 7.2).
enum class MacroUse {
  domain_spec,     // mechanism and redirect/exp targets: letters s l o d i p v h
  modifier_value,  // an unknown modifier's value: any macro letter
  explain_string,  // the TXT record an exp= points to: also c r t, and spaces
};

struct MacroToken {
  enum class Kind { literal, expand };
  Kind kind = Kind::literal;
  std::string literal;       // Kind::literal: the text, with %% %_ %- already resolved
  char letter = 0;           // Kind::expand: lowercase macro letter
  bool url_escape = false;   // the letter was uppercase (RFC 7208 7.3)
  unsigned keep = 0;         // rightmost parts to keep; 0: all
  bool reverse = false;
  std::string delimiters;    // empty: "."
  std::size_t offset = 0;    // of the token in the parsed text
};

struct MacroString {
  std::string text;  // as written
  std::vector<MacroToken> tokens;
  bool ends_in_macro = false;  // the last item is a macro-expand ("%{..}", "%%", "%_", "%-")
  bool has_letters(std::string_view letters) const;
};

// Errc::syntax with the offset (into text, plus base_offset) of the offending '%' or letter:
// "'%' must be followed by '{', '%', '_' or '-'", "macro letter 'c' is only allowed in
// explanation text", "unknown macro letter 'a'", "transformer digits must not be 0".
dnsauth::Result<MacroString> parse_macro_string(std::string_view text, MacroUse use,
                                       std::size_t base_offset = 0);

// A domain-spec (RFC 7208 7.1): a non-empty macro-string ending in a macro-expand or in
// "." toplabel ["."], the toplabel being letter-digit-hyphen and not all numeric.
dnsauth::Result<MacroString> parse_domain_spec(std::string_view text, std::size_t base_offset = 0);

// Everything a macro can expand to, for one check_host() evaluation.
struct MacroValues {
  std::string sender;        // s: local-part@domain (postmaster when the local-part was empty)
  std::string local_part;    // l
  std::string sender_domain; // o
  std::string domain;        // d: the <domain> being evaluated
  dns::IpAddress ip;         // i, c, v (already unmapped from IPv4-mapped IPv6)
  std::string helo;          // h
  std::string receiver = "unknown";  // r (explanations only)
  std::int64_t now = 0;              // t (explanations only)
  // p: the validated domain name of ip ("unknown" when there is none); asked only when a
  // %{p} is expanded, because it costs DNS queries.
  std::function<std::string()> validated_name;
};

// Asked between the macros of an expansion (RFC 7208 4.6.4 bounds the time of a whole
// check_host() evaluation, and a crafted record can make expansion long): once it says true,
// the expansion stops with Errc::limit. Empty: no limit.
using TimeIsUp = std::function<bool()>;

// The macro-string expanded for these values (7.3), in time linear in what it reads and writes.
// Errc::limit when time_is_up says so before a macro-expand; literal text costs no question.
dnsauth::Result<std::string> expand(const MacroString& macro, const MacroValues& values,
                                    const TimeIsUp& time_is_up = {});

// RFC 7208 7.3: a name longer than 253 characters loses labels on the left until it fits;
// a trailing dot is dropped. Linear in the name.
std::string to_target_name(std::string name);

// to_target_name(expand(domain_spec, values)), computed from the right: only the last 255
// characters of an expansion can reach the target name, so the macros to their left are not
// expanded at all, whatever their number or size. Errc::limit as for expand().
dnsauth::Result<std::string> expand_target_name(const MacroString& domain_spec, const MacroValues& values,
                                                const TimeIsUp& time_is_up = {});

}  // namespace dnsauth::spf

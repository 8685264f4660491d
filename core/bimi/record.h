// The BIMI Assertion Record at <selector>._bimi.<domain>
// (draft-brand-indicators-for-message-identification-12 4.3): v=BIMI1 first, l= the location
// of the Brand Indicator (an SVG, 4.3.2), a= the location of the evidence document (a mark
// certificate), lps= local-part selector prefixes (4.5) and avp= the avatar preference. An
// l= and a= both empty is a declination to publish (4.3.1).
//
// The record follows DKIM's tag=value syntax (4.3: "as defined in DKIM [RFC6376]"), with
// whitespace allowed around "=" and the values: a tag given twice makes the record invalid
// (RFC 6376 3.2), unknown tags are kept and ignored.
//
// The URIs' scheme is not a syntax rule here: an l= or a= that is a URI but not https parses,
// and Uri::https() says whether a receiver will use it (4.3 "MUST specify HTTPS"; 7.3 step 1:
// without an https l= Indicator Discovery fails). The linter reports it by its own rule.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/common/field_list.h"

namespace dnsauth::bimi {

struct Uri {
  std::string text;     // as written, surrounding whitespace removed
  std::string scheme;   // lowercase
  std::string host;     // lowercase
  std::string path;     // without query and fragment
  std::size_t offset = 0;  // in the record text

  // 4.3: "MUST contain a fully qualified domain name (FQDN) and MUST specify HTTPS".
  bool https() const noexcept { return scheme == "https" && !host.empty(); }
};

struct Record {
  std::optional<Uri> location;   // l=; nullopt when empty
  std::size_t location_offset = 0;  // of "l=" in the text
  bool evidence_present = false;    // a= is in the record (4.3: absent means empty)
  std::optional<Uri> evidence;      // a=; nullopt when absent or empty
  std::size_t evidence_offset = 0;
  std::optional<std::vector<std::string>> lps;  // 4.5 local-part prefixes, when lps= is given
  std::string avp = "brand";        // 4.3 "avp", as written when given
  std::vector<field_list::Field> extensions;  // tags outside the registry (ignored)

  // 4.3.1: both l= and a= empty.
  bool declined() const noexcept { return !location && !evidence; }
};

// One l= or a= value on its own (4.3 bimi-uri, without its FWS): a single URI (RFC 3986 3),
// "," percent-encoded. The record parser reads l= and a= with it, and core/config checks a
// configured logo and evidence with it, so that the record made from a config is one this
// parser reads. Errc::syntax with the offset in `text`; the result's offset is 0.
Result<Uri> parse_uri(std::string_view text);

// 7.2 steps 4 and 7: a record that starts with the v= tag of BIMI1 (v *WSP "=" *WSP "BIMI1",
// then ";", whitespace or the end).
bool is_bimi_record(std::string_view txt) noexcept;

// Parses one record (its TXT strings joined). Errc::syntax with the offset of the byte at
// fault: v=BIMI1 not first or not exact, a part that is not tag=value, a tag twice, l=
// missing, an l= or a= that is not a single URI (RFC 3986 3; a "," must be encoded), an lps=
// prefix that is not 1 to 63 letters, digits and '-'.
Result<Record> parse_record(std::string_view txt);

}  // namespace dnsauth::bimi

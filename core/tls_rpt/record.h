// The SMTP TLS Reporting policy record at _smtp._tls.<Policy Domain> (RFC 8460 3): the
// version, the rua= list of report destinations and extension fields (kept, ignored by
// reporters). The grammar is RFC 8460 3's ABNF, case-sensitive (RFC 7405 %s):
// "v=TLSRPTv1" first, then fields separated by *WSP ";" *WSP.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/common/field_list.h"

namespace dnsauth::tls_rpt {

// One URI of rua=.
struct ReportUri {
  std::string text;        // as written
  std::string scheme;      // lowercase
  std::size_t offset = 0;  // in the record text

  // RFC 8460 3 "rua": "Two URI schemes are supported: "mailto" and "https"": reporters send
  // to no other.
  bool supported() const noexcept { return scheme == "mailto" || scheme == "https"; }
};

struct Record {
  std::vector<ReportUri> rua;                 // in order
  std::size_t rua_offset = 0;                 // of "rua=" in the text
  std::vector<field_list::Field> extensions;  // tlsrpt-extension, in order
  // A second rua= (the grammar allows it; nothing says what it means): the first one is used,
  // as RFC 8461 3.2 rules for MTA-STS's repeated fields. Kept for the linter.
  std::vector<field_list::Field> ignored;
};

// One rua= entry on its own (RFC 8460 3 tlsrpt-uri): a URI (RFC 3986 3) with ",", "!" and ";"
// percent-encoded. The record parser reads each entry with it, and core/config checks a
// configured rua with it, so that the record made from a config is one this parser reads.
// Errc::syntax with the offset in `text`; the result's offset is 0.
Result<ReportUri> parse_uri(std::string_view text);

// RFC 8460 3: records "that do not begin with "v=TLSRPTv1;"" are discarded; this is that test
// (the exact bytes, then ";" or the end).
bool is_tlsrpt_record(std::string_view txt) noexcept;

// Parses one record (its TXT strings joined). Errc::syntax with the offset of the byte at
// fault: not "v=TLSRPTv1" first, a field that is not tlsrpt-ext-name "=" tlsrpt-ext-value,
// rua= missing, a rua entry that is not a URI (RFC 3986 3) or holds a ",",
// "!" or ";" not percent-encoded (RFC 8460 3). A URI of another scheme than mailto or https
// parses (the grammar allows any URI); ReportUri::supported() tells.
Result<Record> parse_record(std::string_view txt);

}  // namespace dnsauth::tls_rpt

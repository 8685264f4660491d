// The "name=value; name=value" lists of three DNS TXT records that share one shape: MTA-STS
// (RFC 8461 3.1 sts-text-record), SMTP TLS reporting (RFC 8460 3 tlsrpt-record) and the BIMI
// Assertion Record (draft-brand-indicators-for-message-identification-12 4.3 bimi-record).
// Each is a version field, then fields separated by *WSP ";" *WSP, with one optional
// separator at the end. What a field's name and value may hold is each protocol's own rule
// (core/mta_sts, core/tls_rpt, core/bimi); here only the list is split, with byte offsets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::field_list {

struct Field {
  std::string name;
  std::string value;             // WSP before the next ";" not included
  std::size_t offset = 0;        // of the name in the text
  std::size_t value_offset = 0;  // of the value
};

struct Syntax {
  // BIMI: "v" *WSP "=" *WSP value, and whitespace before the end of the record. RFC 8461 and
  // RFC 8460 allow neither ("id=" 1*32(ALPHA / DIGIT)).
  bool space_around_equals = false;
};

inline bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

// Splits the whole text. Errc::syntax with the offset of the byte at fault: an empty field
// (";;"), a field without "=", whitespace before the end that no ";" follows (unless the
// syntax allows it).
Result<std::vector<Field>> split(std::string_view text, Syntax syntax = {});

// RFC 8461 3.1, RFC 8460 3: a record among several is kept when it begins with the version
// field ("v=STSv1", "v=TLSRPTv1"; the exact bytes), then ";" (after WSP) or its end.
bool begins_with_version(std::string_view text, std::string_view version) noexcept;

// RFC 8461 3.1 sts-text-record, RFC 8460 3 tlsrpt-record: the exact version field first, then
// fields whose names are extension names (is_extension_name). The fields after the version.
// Errc::syntax with the offset of the byte at fault; the detail names `what` ("MTA-STS").
Result<std::vector<Field>> split_record(std::string_view text, std::string_view version);
// The same check for one field's value (is the value an extension value?): Errc::syntax at
// its bad byte.
Result<void> check_extension_value(const Field& field);

// A value that is a list (RFC 8460 3 rua: *WSP "," *WSP between URIs; BIMI lps=): the items,
// whitespace around them removed, each with its offset (`base` is the value's own offset).
struct Item {
  std::string_view text;
  std::size_t offset = 0;
};
std::vector<Item> split_list(std::string_view value, std::size_t base);

// RFC 8461 3.1 sts-ext-name, RFC 8460 3 tlsrpt-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT /
// "_" / "-" / ".").
bool is_extension_name(std::string_view name) noexcept;
// RFC 8461 3.1 sts-ext-value, RFC 8460 3 tlsrpt-ext-value: 1*(%x21-3A / %x3C / %x3E-7E), no
// "=", ";", SP or CTL. The index of the first byte that does not belong; npos when it is valid
// (an empty value: 0).
std::size_t bad_extension_value_byte(std::string_view value) noexcept;

}  // namespace dnsauth::field_list

// The MTA-STS TXT record at _mta-sts.<Policy Domain> (RFC 8461 3.1): the version, the policy
// "id" senders compare with the one they cached, and extension fields (kept, ignored by
// senders). The grammar is RFC 8461's ABNF, case-sensitive (RFC 7405 %s): "v=STSv1" first,
// then fields separated by *WSP ";" *WSP.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/common/field_list.h"

namespace dnsauth::mta_sts {

struct Record {
  std::string id;                            // 1*32(ALPHA / DIGIT)
  std::size_t id_offset = 0;                 // of "id=" in the text
  std::vector<field_list::Field> extensions; // sts-extension, in order
  // RFC 8461 3.2 (for the record as for the policy): a repeated field other than "mx" keeps
  // its first value; the later ones are ignored, and kept here for the linter.
  std::vector<field_list::Field> ignored;
};

// What a parse_record error is about, for the linter: the record's grammar or version
// (a record receivers discard), or its "id".
enum class Part { syntax, id };

// RFC 8461 3.1: a record "that does not begin with "v=STSv1;"" is discarded among several;
// this is that test (the exact bytes, then ";" or the end: a lone "v=STSv1" is no policy either,
// but it is an MTA-STS record that fails to parse).
bool is_sts_record(std::string_view txt) noexcept;

// Parses one record (its TXT strings joined). Errc::syntax with the offset of the byte at
// fault: not "v=STSv1" first, a field that is not sts-ext-name "=" sts-ext-value, "id" missing,
// empty, over 32 characters or not ALPHA / DIGIT. `part`, when given, says which.
Result<Record> parse_record(std::string_view txt, Part* part = nullptr);

}  // namespace dnsauth::mta_sts

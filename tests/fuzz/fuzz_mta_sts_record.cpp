// The MTA-STS TXT record (RFC 8461 3.1). Properties: a record that parses begins with
// "v=STSv1" (is_sts_record); its id is 1 to 32 letters and digits found at its offset; every
// extension's name and value are where the offsets say; an error points inside the text; the
// record written back from its parts parses to the same id and extensions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/ascii.h"
#include "core/mta_sts/record.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  mta_sts::Part part = mta_sts::Part::syntax;
  auto rec = mta_sts::parse_record(text, &part);
  if (!rec) {
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  FUZZ_CHECK(mta_sts::is_sts_record(text));
  FUZZ_CHECK(!rec->id.empty() && rec->id.size() <= 32);
  for (char c : rec->id) FUZZ_CHECK(ascii::is_alpha(c) || ascii::is_digit(c));
  FUZZ_CHECK(text.substr(rec->id_offset, 3 + rec->id.size()) == "id=" + rec->id);
  std::string written = "v=STSv1; id=" + rec->id;
  for (const auto& e : rec->extensions) {
    FUZZ_CHECK(text.substr(e.offset, e.name.size()) == e.name);
    FUZZ_CHECK(text.substr(e.value_offset, e.value.size()) == e.value);
    written += "; " + e.name + "=" + e.value;
  }
  auto again = mta_sts::parse_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK_MSG(again->id == rec->id && again->extensions.size() == rec->extensions.size(), written);
  return 0;
}

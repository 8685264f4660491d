// The BIMI Assertion Record (draft-brand-indicators-for-message-identification-12 4.3).
// Properties: a record that parses starts with the v= tag of BIMI1 (is_bimi_record); l= and a=
// are found at their offsets; an error points inside the text; the record written back from
// l=, a= and lps= parses to the same locations, the same https() verdicts and the same
// declination (4.3.1).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bimi/record.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto rec = bimi::parse_record(text);
  if (!rec) {
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  FUZZ_CHECK(bimi::is_bimi_record(text));
  std::string written = "v=BIMI1; l=";
  if (rec->location) {
    FUZZ_CHECK(text.substr(rec->location->offset, rec->location->text.size()) == rec->location->text);
    written += rec->location->text;
  }
  if (rec->evidence_present) written += "; a=" + (rec->evidence ? rec->evidence->text : "");
  if (rec->evidence) FUZZ_CHECK(text.substr(rec->evidence->offset, rec->evidence->text.size()) == rec->evidence->text);
  if (rec->lps) {
    written += "; lps=";
    for (std::size_t i = 0; i < rec->lps->size(); ++i) written += (i ? "," : "") + (*rec->lps)[i];
  }
  auto again = bimi::parse_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK(again->declined() == rec->declined());
  FUZZ_CHECK(again->location.has_value() == rec->location.has_value());
  if (rec->location) FUZZ_CHECK(again->location->https() == rec->location->https());
  FUZZ_CHECK(again->evidence.has_value() == rec->evidence.has_value());
  FUZZ_CHECK(again->lps == rec->lps);
  return 0;
}

// DMARC Policy Records (RFC 9989 4.7, 4.8; RFC 7489 6.3). Properties: only records starting
// with v=DMARC1 parse (4.7 "v"); every tag and problem points inside the text; the record
// written back by dmarc::to_string parses to the same policy (p, sp, np, psd, t, adkim,
// aspf, rua, ruf, fo, pct) and writes back the same text again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dmarc/record.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

std::vector<std::string> texts(const std::vector<dmarc::ReportUri>& uris) {
  std::vector<std::string> out;
  for (const auto& u : uris) out.push_back(u.text);
  return out;
}

bool same_tag(const dmarc::PolicyTag& a, const dmarc::PolicyTag& b) {
  return a.present == b.present && a.value == b.value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto rec = dmarc::parse_record(text);
  FUZZ_CHECK(rec.has_value() == dmarc::is_dmarc_record(text));
  if (!rec) {
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  for (const dmarc::Tag& t : rec->tags) {
    FUZZ_CHECK(t.offset <= size && t.value_offset <= size);
    FUZZ_CHECK(text.substr(t.value_offset, t.value.size()) == t.value);
  }
  for (const dmarc::Problem& p : rec->problems) FUZZ_CHECK(p.offset <= size);
  for (const auto& u : rec->rua) FUZZ_CHECK(!u.scheme.empty() && u.offset <= size);
  FUZZ_CHECK(rec->pct <= 100);

  std::string written = dmarc::to_string(*rec);
  auto again = dmarc::parse_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK_MSG(same_tag(again->p, rec->p), written);
  FUZZ_CHECK_MSG(same_tag(again->sp, rec->sp), written);
  FUZZ_CHECK_MSG(same_tag(again->np, rec->np), written);
  FUZZ_CHECK(again->psd == rec->psd);
  FUZZ_CHECK(again->testing == rec->testing);
  FUZZ_CHECK(again->adkim == rec->adkim);
  FUZZ_CHECK(again->aspf == rec->aspf);
  FUZZ_CHECK_MSG(texts(again->rua) == texts(rec->rua), written);
  FUZZ_CHECK_MSG(texts(again->ruf) == texts(rec->ruf), written);
  FUZZ_CHECK_MSG(again->fo.all_fail == rec->fo.all_fail && again->fo.any_fail == rec->fo.any_fail &&
                     again->fo.dkim == rec->fo.dkim && again->fo.spf == rec->fo.spf,
                 written);
  FUZZ_CHECK(again->pct == rec->pct && again->pct_present == rec->pct_present);
  FUZZ_CHECK_MSG(dmarc::to_string(*again) == written, written);
  return 0;
}

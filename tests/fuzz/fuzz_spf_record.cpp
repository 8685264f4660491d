// RFC 7208 4.5-6 SPF records. Properties: each term's text is where its offset says; the
// record written back from its terms (mechanisms as written, redirect=, exp=, unknown
// modifiers) parses to the same terms; only "v=spf1" records are parsed (4.5).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/ascii.h"
#include "core/spf/record.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

bool same(const spf::Mechanism& a, const spf::Mechanism& b) {
  return a.qualifier == b.qualifier && a.kind == b.kind && a.text == b.text &&
         a.cidr4 == b.cidr4 && a.cidr6 == b.cidr6 && a.network == b.network &&
         a.domain_spec.has_value() == b.domain_spec.has_value() &&
         (!a.domain_spec || a.domain_spec->text == b.domain_spec->text) &&
         a.queries_dns() == b.queries_dns();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  if (!spf::is_spf_record(text)) return 0;
  auto rec = spf::parse_record(text);
  if (!rec) {
    FUZZ_CHECK(rec.error().code == Errc::syntax);
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  std::string written = "v=spf1";
  for (const spf::Mechanism& m : rec->mechanisms) {
    FUZZ_CHECK(text.substr(m.offset, m.text.size()) == m.text);
    written += " " + m.text;
  }
  if (rec->redirect) written += " redirect=" + rec->redirect->text;
  if (rec->exp) written += " exp=" + rec->exp->text;
  for (const spf::Modifier& m : rec->unknown_modifiers) {
    FUZZ_CHECK(text.substr(m.offset, m.name.size()) == m.name ||
               ascii::iequals(text.substr(m.offset, m.name.size()), m.name));
    written += " " + m.name + "=" + m.value;
  }
  FUZZ_CHECK(spf::is_spf_record(written));
  auto again = spf::parse_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written + " -- " + (again ? "" : again.error().message()));
  FUZZ_CHECK(again->mechanisms.size() == rec->mechanisms.size());
  for (std::size_t i = 0; i < rec->mechanisms.size(); ++i)
    FUZZ_CHECK_MSG(same(again->mechanisms[i], rec->mechanisms[i]), written);
  FUZZ_CHECK(again->redirect.has_value() == rec->redirect.has_value());
  if (rec->redirect) FUZZ_CHECK(again->redirect->text == rec->redirect->text);
  FUZZ_CHECK(again->exp.has_value() == rec->exp.has_value());
  if (rec->exp) FUZZ_CHECK(again->exp->text == rec->exp->text);
  FUZZ_CHECK(again->unknown_modifiers.size() == rec->unknown_modifiers.size());
  for (std::size_t i = 0; i < rec->unknown_modifiers.size(); ++i) {
    FUZZ_CHECK(again->unknown_modifiers[i].name == rec->unknown_modifiers[i].name);
    FUZZ_CHECK(again->unknown_modifiers[i].value == rec->unknown_modifiers[i].value);
  }
  FUZZ_CHECK(again->has_all() == rec->has_all());
  return 0;
}

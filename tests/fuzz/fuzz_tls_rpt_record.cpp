// The SMTP TLS Reporting record (RFC 8460 3). Properties: a record that parses begins with
// "v=TLSRPTv1" (is_tlsrpt_record) and has at least one rua URI, each found at its offset with a
// lowercase scheme; an error points inside the text; the record written back from its URIs
// parses to the same URIs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/ascii.h"
#include "core/tls_rpt/record.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto rec = tls_rpt::parse_record(text);
  if (!rec) {
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  FUZZ_CHECK(tls_rpt::is_tlsrpt_record(text));
  FUZZ_CHECK(!rec->rua.empty());
  std::string written = "v=TLSRPTv1; rua=";
  for (std::size_t i = 0; i < rec->rua.size(); ++i) {
    const auto& u = rec->rua[i];
    FUZZ_CHECK(text.substr(u.offset, u.text.size()) == u.text);
    FUZZ_CHECK(!u.scheme.empty() && u.scheme == ascii::to_lower(u.scheme));
    written += (i ? "," : "") + u.text;
  }
  auto again = tls_rpt::parse_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK(again->rua.size() == rec->rua.size());
  for (std::size_t i = 0; i < rec->rua.size(); ++i)
    FUZZ_CHECK(again->rua[i].text == rec->rua[i].text && again->rua[i].supported() == rec->rua[i].supported());
  return 0;
}

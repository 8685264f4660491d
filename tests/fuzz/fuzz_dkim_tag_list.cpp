// RFC 6376 3.2 tag=value lists (DKIM-Signature fields, key records). Properties: every tag's
// name and value are where its offsets say in the input; the list written back as
// "name=value;" parses to the same names and values; no name appears twice (3.2: duplicates
// MUST be an error); values are trimmed of FWS.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "core/dkim/tag_list.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto tags = dkim::parse_tag_list(text);
  if (!tags) {
    fuzz::check_offset(tags.error(), size);
    return 0;
  }
  std::set<std::string_view> names;
  std::string written;
  for (const dkim::Tag& t : *tags) {
    FUZZ_CHECK(!t.name.empty());
    FUZZ_CHECK(names.insert(t.name).second);
    FUZZ_CHECK(text.substr(t.name_offset, t.name.size()) == t.name);
    FUZZ_CHECK(t.value_end >= t.value_offset && t.value_end <= size);
    FUZZ_CHECK(text.substr(t.value_offset, t.value_end - t.value_offset) == t.value);
    if (!t.value.empty()) {
      FUZZ_CHECK(t.value.front() != ' ' && t.value.front() != '\t');
      FUZZ_CHECK(t.value.back() != ' ' && t.value.back() != '\t');
    }
    FUZZ_CHECK(dkim::find_tag(*tags, t.name) == &t);
    written += std::string(t.name) + "=" + std::string(t.value) + ";";
  }
  auto again = dkim::parse_tag_list(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK(again->size() == tags->size());
  for (std::size_t i = 0; i < tags->size(); ++i) {
    FUZZ_CHECK((*again)[i].name == (*tags)[i].name);
    FUZZ_CHECK_MSG((*again)[i].value == (*tags)[i].value, written);
  }
  return 0;
}

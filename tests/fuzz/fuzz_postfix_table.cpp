// The Postfix lookup-table source text (tables::parse_postfix_text, texthash:) and the login
// map's keys over it. Properties: any text is a table or one Errc::syntax error naming
// "map:LINE"; every entry's key is found again (folded, as Postfix looks up), with its value;
// no key or value is empty or has whitespace at either end; an entry's line lies in the text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/signing/login_map.h"
#include "core/tables/postfix_tables.h"
#include "core/tables/postfix_text.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto entries = tables::parse_postfix_text(text, "map");
  if (!entries) {
    FUZZ_CHECK(entries.error().code == Errc::syntax);
    FUZZ_CHECK_MSG(entries.error().detail.rfind("map:", 0) == 0, entries.error().detail);
    return 0;
  }
  auto table = tables::texthash_from_text(text, "texthash:map");
  FUZZ_CHECK(table.has_value());
  FUZZ_CHECK((*table)->size() == entries->size());
  const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& e : *entries) {
    FUZZ_CHECK(!e.key.empty() && !e.value.empty());
    FUZZ_CHECK(e.line >= 1 && e.line <= lines);
    FUZZ_CHECK(e.value.front() != ' ' && e.value.back() != ' ');
    auto found = (*table)->find(e.key);
    FUZZ_CHECK(found.has_value() && found->has_value() && **found == e.value);
  }
  // The login map over it never fails on a file table, and its last key is always @domain.
  signing::LoginMap map(*table, {{"example.com"}, "+-"});
  mail::Mailbox from{"", entries->empty() ? "x" : entries->front().key.substr(0, 64), "example.com"};
  auto keys = map.keys(from);
  FUZZ_CHECK(!keys.empty() && keys.back() == "@example.com");
  FUZZ_CHECK(map.owners(from).has_value());
  return 0;
}

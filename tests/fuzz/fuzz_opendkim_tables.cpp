// OpenDKIM's KeyTable and SigningTable (tables::parse_key_table, parse_signing_table, and the
// lookup of signing::SigningTables). The input is split at the first NUL: KeyTable text, then
// SigningTable text (the first byte of the second part picks file: or refile:). Properties:
// each table is parsed or one Errc::syntax error naming "FILE:LINE"; every match names a
// KeyTable entry, with a d= and s= that are not empty and no (d=, s=) twice; with multiple
// signatures off there is at most one match, and it is the first of the multiple ones; a "%"
// key name the KeyTable lacks is Errc::key once reached (the first match: in both modes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/signing/signing_table.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto nul = text.find('\0');
  std::string_view keys = text.substr(0, nul);
  std::string_view signing = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
  auto kind = !signing.empty() && (signing.front() & 1) ? tables::DatasetKind::refile : tables::DatasetKind::file;
  if (!signing.empty()) signing.remove_prefix(1);
  auto t = signing::SigningTables::parse(keys, "KeyTable", signing, "SigningTable", kind, "/etc/opendkim");
  if (!t) {
    FUZZ_CHECK(t.error().code == Errc::syntax);
    const auto& d = t.error().detail;
    FUZZ_CHECK_MSG(d.rfind("KeyTable:", 0) == 0 || d.rfind("SigningTable:", 0) == 0, d);
    return 0;
  }
  for (const auto& [local, domain] : {std::pair{"alice", "example.com"}, std::pair{"bob", "sub.example.net"}}) {
    auto all = t->match(local, domain, true);
    auto first = t->match(local, domain, false);
    // A "%" entry naming a key the KeyTable lacks is an error when it is reached: the first
    // match is reached either way, later ones only with multiple signatures (as OpenDKIM's
    // dkimf_apply_signtable stops at the first entry unless MultipleSignatures).
    if (!first) FUZZ_CHECK(!all);
    for (const auto* r : {&all, &first})
      if (!*r) FUZZ_CHECK_MSG(r->error().code == Errc::key, r->error().detail);
    if (!all || !first) continue;
    FUZZ_CHECK(first->size() <= 1);
    if (!first->empty()) {
      FUZZ_CHECK(!all->empty() && (*all)[0].key == (*first)[0].key);
    }
    for (std::size_t i = 0; i < all->size(); ++i) {
      const auto& m = (*all)[i];
      FUZZ_CHECK(m.key < t->keys().size());
      FUZZ_CHECK(!m.domain.empty() && !m.selector.empty());
      for (std::size_t j = 0; j < i; ++j)
        FUZZ_CHECK(!((*all)[j].domain == m.domain && (*all)[j].selector == m.selector));
    }
  }
  return 0;
}

// OpenDKIM's KeyTable and SigningTable (tables::parse_key_table, parse_signing_table, and the
// lookup of signing::SigningTables). The input is split at the first NUL: KeyTable text, then
// SigningTable text (the first byte of the second part picks file: or refile:). Properties:
// each table is parsed or one Errc::syntax error naming "FILE:LINE"; every match names a
// KeyTable entry, with a d= and s= that are not empty and no (d=, s=) twice; with multiple
// signatures off there is at most one match, and it is the first of the multiple ones; a "%"
// key name the KeyTable lacks is Errc::key once reached (the first match: in both modes); for
// refile:, the matches are those of trying every pattern in file order (the lookup indexes
// "*@domain" and literal patterns), for fixed addresses and for addresses made from the
// table's own patterns.
#include <algorithm>
#include <vector>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/signing/signing_table.h"
#include "core/tables/opendkim_tables.h"
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
  std::vector<std::pair<std::string, std::string>> addresses{{"alice", "example.com"}, {"bob", "sub.example.net"}};
  std::vector<tables::SigningTableEntry> entries;
  if (auto e = tables::parse_signing_table(signing, "SigningTable", kind)) entries = std::move(*e);
  for (std::size_t i = 0; i < entries.size() && i < 8; ++i) {
    std::string a = entries[i].key;
    std::replace(a.begin(), a.end(), '*', 'x');
    auto at = a.rfind('@');
    // An author address has a localpart and a domain (the signer never asks with either empty).
    if (at != std::string::npos && at > 0 && at + 1 < a.size()) addresses.emplace_back(a.substr(0, at), a.substr(at + 1));
  }
  for (const auto& [local, domain] : addresses) {
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
    if (kind == tables::DatasetKind::refile) {
      std::vector<int> tried;  // the lines a pattern-by-pattern search matches, in file order
      const std::string address = local + "@" + domain;
      bool plain = std::all_of(address.begin(), address.end(), [](char c) { return static_cast<unsigned char>(c) < 128; });
      for (const auto& e : entries)
        if (plain && tables::wildcard_match(e.key, address)) tried.push_back(e.line);
      FUZZ_CHECK(first->empty() == tried.empty());
      if (!first->empty()) FUZZ_CHECK((*first)[0].line == tried[0]);
      std::size_t next = 0;  // every match is one of them, in their order (a repeated d=, s= is dropped)
      for (const auto& m : *all) {
        while (next < tried.size() && tried[next] != m.line) ++next;
        FUZZ_CHECK_MSG(next < tried.size(), "match at line " + std::to_string(m.line) + " for " + address);
        ++next;
      }
    }
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

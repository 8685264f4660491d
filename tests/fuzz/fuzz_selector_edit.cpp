// Renaming a selector in dnsauth.toml in place (config::replace_selector, the key lifecycle's
// edit). Input: one byte of options choosing the domain, the old and new selector names and the
// new key (the default one, a relative or an absolute path with characters TOML escapes), then
// the text. Properties: an error is Errc::syntax or invalid_argument naming the source; an
// edited text parses as TOML, and when the text was a configuration (config::parse_config) the
// edited one is too, with the new selector (and key) in the old one's place in that domain and
// every other selector of every domain as it was.
#include <cstddef>
#include <cstdint>
#include <string>
#include <toml++/toml.h>

#include "core/config/config.h"
#include "core/config/selector_edit.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return out;
}

bool same_selector(const config::Selector& a, const config::Selector& b) {
  return a.name == b.name && a.key == b.key && a.key_path == b.key_path && a.algorithm == b.algorithm &&
         a.bits == b.bits && a.testing == b.testing && a.hashes == b.hashes && a.notes == b.notes &&
         a.services == b.services;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t options = in.byte();
  const std::string_view text = in.rest();
  static constexpr std::string_view kDomains[] = {"example.com", "example.org", "EXAMPLE.com", "sub.example.net"};
  static constexpr std::string_view kOld[] = {"s1", "sel2025", "S1", "mail"};
  // New names no seed uses, so that the edit never makes a selector listed twice.
  static constexpr std::string_view kNew[] = {"rot2027", "Rot2028b", "n", "x-1.y"};
  const std::string_view domain = kDomains[options & 3];
  const std::string_view old_name = kOld[(options >> 2) & 3];
  const std::string_view new_name = kNew[(options >> 4) & 3];
  std::string new_key;
  switch (options >> 6) {
    case 0: new_key = lower(domain) + "." + lower(new_name) + ".pem"; break;  // the default
    case 1: new_key = "keys/" + std::string(new_name) + ".pem"; break;
    case 2: new_key = "/etc/dnsauth/a \"quoted\" \\ key\t.pem"; break;
    default: new_key = lower(domain) + "." + lower(new_name) + ".key"; break;
  }
  auto edited = config::replace_selector(text, "dnsauth.toml", domain, old_name, new_name, new_key);
  if (!edited) {
    const Error& e = edited.error();
    FUZZ_CHECK(e.code == Errc::syntax || e.code == Errc::invalid_argument);
    if (e.code == Errc::syntax) FUZZ_CHECK_MSG(e.detail.rfind("dnsauth.toml", 0) == 0, e.detail);
    fuzz::check_offset(e, text.size());
    return 0;
  }
  try {
    (void)toml::parse(std::string_view(*edited), std::string_view("edited.toml"));
  } catch (const toml::parse_error& e) {
    FUZZ_CHECK_MSG(false, std::string(e.description()) + "\n" + *edited);
  }
  const std::filesystem::path base = "/nonexistent/dnsauth-fuzz";
  auto before = config::parse_config(text, "dnsauth.toml", base);
  if (!before) return 0;
  auto after = config::parse_config(*edited, "dnsauth.toml", base);
  FUZZ_CHECK_MSG(after.has_value(), after ? *edited : after.error().detail + "\n" + *edited);
  FUZZ_CHECK(after->domains.size() == before->domains.size());
  for (std::size_t i = 0; i < before->domains.size(); ++i) {
    const config::Domain& b = before->domains[i];
    const config::Domain& a = after->domains[i];
    FUZZ_CHECK(a.name == b.name);
    FUZZ_CHECK_MSG(a.selectors.size() == b.selectors.size(), *edited);
    const bool this_domain = b.name == lower(domain);
    for (std::size_t k = 0; k < b.selectors.size(); ++k) {
      if (!(this_domain && b.selectors[k].name == lower(old_name))) {
        FUZZ_CHECK_MSG(same_selector(a.selectors[k], b.selectors[k]), *edited);
        continue;
      }
      config::Selector want = b.selectors[k];
      want.name = lower(new_name);
      want.key = new_key;
      std::filesystem::path k_path = new_key;
      want.key_path = k_path.is_absolute() ? k_path : (after->key_dir / k_path).lexically_normal();
      FUZZ_CHECK_MSG(same_selector(a.selectors[k], want), a.selectors[k].name + " " + a.selectors[k].key + "\n" + *edited);
    }
  }
  // The old selector is gone from that domain.
  if (const config::Domain* d = after->find_domain(lower(domain)))
    FUZZ_CHECK_MSG(d->find_selector(old_name) == nullptr, *edited);
  return 0;
}

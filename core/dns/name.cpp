#include "core/dns/name.h"

#include <idn2.h>

#include "core/common/ascii.h"

namespace dnsauth::dns {

bool is_domain_name(std::string_view name, NameSyntax syntax, bool final_dot) noexcept {
  if (final_dot && !name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : name) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c == '-' && label > 0) || (c == '_' && syntax == NameSyntax::dns);
      if (!ok || ++label > 63) return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool is_at_or_below(std::string_view name, std::string_view domain) noexcept {
  if (domain.empty()) return true;
  if (name.size() == domain.size()) return ascii::iequals(name, domain);
  return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
         ascii::iequals(name.substr(name.size() - domain.size()), domain);
}

bool is_below(std::string_view name, std::string_view domain) noexcept {
  return name.size() > domain.size() && is_at_or_below(name, domain);
}

Result<std::string> to_a_labels(std::string_view name) {
  if (ascii::is_ascii(name)) return ascii::to_lower(name);
  std::string in(name);
  char* out = nullptr;
  // UTS #46 maps some code points to ASCII that no host name may hold (U+FF0F FULLWIDTH SOLIDUS
  // to '/', U+037E GREEK QUESTION MARK to ';') and some to nothing (U+00AD SOFT HYPHEN, which
  // can leave an empty label). Its STD3 rules refuse the first kind, but libidn2 (2.3.3) given
  // IDN2_USE_STD3_ASCII_RULES deletes those code points instead ("a／b" becomes "ab"), a
  // silent rewrite of its own. So the mapping runs without that flag and the STD3 rules are
  // applied to its result: it must be a host name (RFC 1123 2.1 letters, digits, hyphens).
  int rc = idn2_to_ascii_8z(in.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) return make_error(Errc::syntax, "domain '" + in + "' is not a valid IDN: " + idn2_strerror(rc));
  std::string ace = ascii::to_lower(out);
  idn2_free(out);
  if (!is_domain_name(ace, NameSyntax::host))
    return make_error(Errc::syntax, "domain '" + in + "' is not a host name once mapped ('" + ace + "')");
  return ace;
}

}  // namespace dnsauth::dns

// Postfix's LDAP table configuration (tables::parse_ldap_table_config, ldap_table(5)) and the
// search filters built from it. Properties: any text is a configuration or one Errc::syntax
// error naming "cf:" (with its line); a configuration has a server URL of a known scheme, a
// search base, result attributes, version 2 or 3 and a timeout of 1 to 3600 s, and parses the
// same twice; a key put into a filter can add no filter syntax (RFC 4515 3: no '*', '(' or ')'
// of the key survives, every '\' starts a two-digit hex escape).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/tables/ldap_table_config.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

bool escaped_safely(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '*' || v[i] == '(' || v[i] == ')' || v[i] == '\0') return false;
    if (v[i] == '\\') {
      if (i + 2 >= v.size()) return false;
      if (!std::isxdigit(static_cast<unsigned char>(v[i + 1])) || !std::isxdigit(static_cast<unsigned char>(v[i + 2])))
        return false;
      i += 2;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto c = tables::parse_ldap_table_config(text, "cf");
  if (!c) {
    FUZZ_CHECK(c.error().code == Errc::syntax);
    FUZZ_CHECK_MSG(c.error().detail.rfind("cf:", 0) == 0, c.error().detail);
    return 0;
  }
  FUZZ_CHECK(!c->uris.empty());
  for (const auto& u : c->uris) {
    std::string scheme = u.substr(0, u.find("://"));
    for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    FUZZ_CHECK_MSG(u.find("://") != std::string::npos && (scheme == "ldap" || scheme == "ldaps" || scheme == "ldapi"), u);
  }
  FUZZ_CHECK(!c->search_base.empty() && !c->result_attributes.empty() && !c->query_filter.empty());
  FUZZ_CHECK(c->version == 2 || c->version == 3);
  FUZZ_CHECK(c->timeout.count() >= 1 && c->timeout.count() <= 3600);
  auto again = tables::parse_ldap_table_config(text, "cf");
  FUZZ_CHECK(again && again->uris == c->uris && again->query_filter == c->query_filter &&
             again->search_base == c->search_base && again->domains == c->domains);
  // The lines of the input as lookup keys, into a filter of the key alone.
  tables::LdapTableConfig probe = *c;
  probe.query_filter = "%s";
  std::size_t pos = 0;
  for (int n = 0; n < 8 && pos < text.size(); ++n) {
    auto nl = text.find('\n', pos);
    std::string_view key = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    FUZZ_CHECK(escaped_safely(tables::escape_filter_value(key)));
    if (auto f = tables::ldap_query_filter(probe, key)) FUZZ_CHECK_MSG(escaped_safely(*f), *f);
    // The configured filter: whatever it makes of the key, it is the template's own text around it.
    (void)tables::ldap_query_filter(*c, key);
  }
  return 0;
}

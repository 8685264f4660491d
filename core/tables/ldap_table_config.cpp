#include "core/tables/ldap_table_config.h"

#include <algorithm>
#include <array>
#include <map>
#include <variant>

#include "core/common/file.h"
#include "core/dns/name.h"
#include "core/mail/message.h"
#include "core/tables/postfix_text.h"

namespace dnsauth::tables {

namespace {

using mail::iequals;

// ldap_table(5) keys dnsauth does not implement, with the value that changes nothing (Postfix's
// default); nullptr when no value is harmless (the key asks for something dnsauth does not do).
struct Unsupported {
  std::string_view key;
  const char* harmless;
};
constexpr std::array<Unsupported, 27> kUnsupported{{
    {"result_format", "%s"},
    {"result_filter", "%s"},
    {"special_result_attribute", ""},
    {"terminal_result_attribute", ""},
    {"leaf_result_attribute", ""},
    {"recursion_limit", nullptr},  // no special result attributes, nothing to recurse into
    {"expansion_limit", "0"},
    {"size_limit", "0"},
    {"dereference", "0"},
    {"chase_referrals", "0"},
    {"debuglevel", "0"},
    {"sasl_mechs", ""},
    {"sasl_realm", ""},
    {"sasl_authz_id", ""},
    {"sasl_minssf", "0"},
    {"start_tls", "no"},
    {"tls_ca_cert_dir", nullptr},
    {"tls_ca_cert_file", nullptr},
    {"tls_cert", nullptr},
    {"tls_key", nullptr},
    {"tls_require_cert", "no"},
    {"tls_random_file", nullptr},
    {"tls_cipher_suite", nullptr},
    {"cache", nullptr},         // Postfix ignores these (ldap_table(5)); dnsauth caches on its
    {"cache_expiry", nullptr},  // own ([signer] login_map_cache_ttl, login_map_cache_size)
    {"cache_size", nullptr},
    {"lookup_wildcards", nullptr},
}};

constexpr std::array<std::string_view, 12> kSupported{
    "server_host", "server_port", "search_base", "query_filter", "result_attribute", "scope",
    "bind",        "bind_dn",     "bind_pw",     "version",      "timeout",          "domain"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Postfix's list syntax (mystrtok with CHARS_COMMA_SP): items separated by commas and whitespace.
std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ',' || is_space(s[i]))) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ',' && !is_space(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<long> parse_number(std::string_view s, long lo, long hi) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

struct Line {
  std::string name;
  std::string value;
  int line = 0;
};

// Logical lines (the main.cf reading of readllines), split at the first '='.
Result<std::vector<Line>> logical_lines(std::string_view text, const std::string& file) {
  std::vector<Line> out;
  std::string current;
  int current_line = 0;
  auto flush = [&]() -> Result<void> {
    if (current_line == 0) return {};
    auto eq = current.find('=');
    std::string_view name = trim(std::string_view(current).substr(0, eq));
    if (eq == std::string::npos || name.empty()) {
      return tl::unexpected(Error{Errc::syntax, file + ":" + std::to_string(current_line) +
                                                    ": expected \"name = value\""});
    }
    out.push_back({std::string(name), std::string(trim(std::string_view(current).substr(eq + 1))), current_line});
    current.clear();
    current_line = 0;
    return {};
  };
  int number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view content = trim(line);
    if (content.empty() || content.front() == '#') continue;
    if (is_space(line.front())) {
      if (current_line == 0) {
        return tl::unexpected(Error{Errc::syntax, file + ":" + std::to_string(number) +
                                                      ": a continuation line with no line before it"});
      }
      current += line;
      continue;
    }
    if (auto r = flush(); !r) return tl::unexpected(r.error());
    current = std::string(line);
    current_line = number;
  }
  if (auto r = flush(); !r) return tl::unexpected(r.error());
  return out;
}

// One server_host item as a URL libldap takes; an error text when it is not one.
std::variant<std::string, std::string> server_uri(std::string_view item, long port) {
  using R = std::variant<std::string, std::string>;
  if (auto scheme = item.find("://"); scheme != std::string_view::npos) {
    std::string s = mail::to_lower(item.substr(0, scheme));
    if (s != "ldap" && s != "ldaps" && s != "ldapi") {
      return R(std::in_place_index<1>, "'" + std::string(item) + "': only ldap://, ldaps:// and ldapi:// URLs");
    }
    // The port of ldap://host:port, checked here so that a typo is found at load.
    std::string_view rest = item.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    if (s != "ldapi") {
      auto close = rest.rfind(']');
      auto colon = rest.rfind(':');
      if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close) &&
          !parse_number(rest.substr(colon + 1), 1, 65535)) {
        return R(std::in_place_index<1>, "'" + std::string(item) + "': the port must be 1 to 65535");
      }
    }
    return R(std::in_place_index<0>, std::string(item));
  }
  std::string_view host = item;
  std::string port_text = std::to_string(port);
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return R(std::in_place_index<1>, "'" + std::string(item) + "': no ']'");
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':' || !parse_number(host.substr(close + 2), 1, 65535)) {
        return R(std::in_place_index<1>, "'" + std::string(item) + "': the port must be 1 to 65535");
      }
      port_text = std::string(host.substr(close + 2));
    }
    host = host.substr(0, close + 1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    if (!parse_number(host.substr(colon + 1), 1, 65535)) {
      return R(std::in_place_index<1>, "'" + std::string(item) + "': the port must be 1 to 65535");
    }
    port_text = std::string(host.substr(colon + 1));
    host = host.substr(0, colon);
  }
  if (host.empty() || host == "[]") return R(std::in_place_index<1>, "'" + std::string(item) + "': no host");
  return R(std::in_place_index<0>, "ldap://" + std::string(host) + ":" + port_text);
}

// The '%' expansions of query_filter (ldap_table(5)); an error text for any other.
std::string check_filter(std::string_view filter) {
  for (std::size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] != '%') continue;
    if (i + 1 == filter.size()) return "a '%' at the end";
    char c = filter[++i];
    if (std::string_view("sudSUD%123456789").find(c) == std::string_view::npos) {
      return std::string("'%") + c + "' is not one of %s %u %d %S %U %D %1..%9 %%";
    }
  }
  return "";
}

}  // namespace

Result<LdapTableConfig> parse_ldap_table_config(std::string_view text, std::string file) {
  auto lines = logical_lines(text, file);
  if (!lines) return tl::unexpected(lines.error());
  LdapTableConfig c;
  c.file = file;
  std::map<std::string, const Line*, std::less<>> given;
  auto fail = [&](const Line& l, const std::string& what) {
    return tl::unexpected(Error{Errc::syntax, file + ":" + std::to_string(l.line) + ": " + what});
  };
  for (const auto& l : *lines) {
    if (std::find(kSupported.begin(), kSupported.end(), l.name) == kSupported.end()) {
      auto u = std::find_if(kUnsupported.begin(), kUnsupported.end(), [&](const Unsupported& x) { return x.key == l.name; });
      if (u == kUnsupported.end()) return fail(l, "unknown key '" + l.name + "'");
      if (!u->harmless || !iequals(l.value, u->harmless)) {
        return fail(l, "'" + l.name + "' is not supported by dnsauth" +
                           (u->harmless ? std::string(" (only its default '") + u->harmless + "')" : std::string()));
      }
      continue;
    }
    if (auto seen = given.find(l.name); seen != given.end()) {
      return fail(l, "'" + l.name + "' is given twice (first at line " + std::to_string(seen->second->line) + ")");
    }
    given.emplace(l.name, &l);
  }
  auto value = [&](std::string_view key) -> const Line* {
    auto it = given.find(key);
    return it == given.end() ? nullptr : it->second;
  };

  long port = 389;
  if (const Line* l = value("server_port")) {
    auto p = parse_number(l->value, 1, 65535);
    if (!p) return fail(*l, "'server_port' must be 1 to 65535, not '" + l->value + "'");
    port = *p;
  }
  std::vector<std::string> hosts{"localhost"};
  if (const Line* l = value("server_host")) {
    hosts = split_list(l->value);
    if (hosts.empty()) return fail(*l, "'server_host' is empty");
  }
  for (const auto& h : hosts) {
    auto uri = server_uri(h, port);
    if (uri.index() == 1) return fail(*value("server_host"), "'server_host' " + std::get<1>(uri));
    c.uris.push_back(std::get<0>(uri));
  }
  const Line* base = value("search_base");
  if (!base) {
    return tl::unexpected(Error{Errc::syntax, file + ": 'search_base' is required (ldap_table(5) has no default)"});
  }
  if (base->value.empty()) return fail(*base, "'search_base' is empty");
  if (base->value.find('%') != std::string::npos) {
    return fail(*base, "'%' expansions in 'search_base' are not supported by dnsauth");
  }
  c.search_base = base->value;
  if (const Line* l = value("query_filter")) {
    if (l->value.empty()) return fail(*l, "'query_filter' is empty");
    if (auto e = check_filter(l->value); !e.empty()) return fail(*l, "'query_filter': " + e);
    c.query_filter = l->value;
  }
  if (const Line* l = value("result_attribute")) {
    c.result_attributes = split_list(l->value);
    if (c.result_attributes.empty()) return fail(*l, "'result_attribute' is empty");
  }
  if (const Line* l = value("scope")) {
    if (iequals(l->value, "sub")) c.scope = LdapTableConfig::Scope::sub;
    else if (iequals(l->value, "base")) c.scope = LdapTableConfig::Scope::base;
    else if (iequals(l->value, "one")) c.scope = LdapTableConfig::Scope::one;
    else return fail(*l, "'scope' must be sub, base or one, not '" + l->value + "'");
  }
  if (const Line* l = value("bind")) {
    if (iequals(l->value, "yes") || iequals(l->value, "simple")) c.bind = true;
    else if (iequals(l->value, "no") || iequals(l->value, "none")) c.bind = false;
    else if (iequals(l->value, "sasl")) return fail(*l, "'bind = sasl' is not supported by dnsauth");
    else return fail(*l, "'bind' must be yes, simple, no or none, not '" + l->value + "'");
  }
  if (const Line* l = value("bind_dn")) c.bind_dn = l->value;
  if (const Line* l = value("bind_pw")) c.bind_pw = l->value;
  if (const Line* l = value("version")) {
    auto v = parse_number(l->value, 2, 3);
    if (!v) return fail(*l, "'version' must be 2 or 3, not '" + l->value + "'");
    c.version = static_cast<int>(*v);
  }
  if (const Line* l = value("timeout")) {
    auto v = parse_number(l->value, 1, 3600);
    if (!v) return fail(*l, "'timeout' must be 1 to 3600 seconds, not '" + l->value + "'");
    c.timeout = std::chrono::seconds(*v);
  }
  if (const Line* l = value("domain")) {
    for (const auto& d : split_list(l->value)) {
      if (d.find('/') != std::string::npos || d.find(':') != std::string::npos) {
        return fail(*l, "'domain': files and type:table lists ('" + d + "') are not supported by dnsauth");
      }
      if (!dns::is_domain_name(d)) return fail(*l, "'domain': '" + d + "' is not a domain name");
      c.domains.push_back(mail::to_lower(d));
    }
    if (c.domains.empty()) return fail(*l, "'domain' is empty");
  }
  return c;
}

Result<LdapTableConfig> read_ldap_table_config(const std::filesystem::path& path) {
  auto text = read_whole_file(path);
  if (!text) return tl::unexpected(Error{Errc::io, path.string() + ": cannot read: " + text.error().detail});
  return parse_ldap_table_config(*text, path.string());
}

std::string escape_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::optional<std::string> ldap_query_filter(const LdapTableConfig& config, std::string_view key_in) {
  const std::string key = fold_key(key_in);
  const auto at = key.rfind('@');
  const bool has_at = at != std::string::npos;
  const std::string_view local = has_at ? std::string_view(key).substr(0, at) : std::string_view(key);
  const std::string_view domain = has_at ? std::string_view(key).substr(at + 1) : std::string_view();
  if (!config.domains.empty()) {
    // ldap_table(5) domain: "only fully qualified search keys with a *non-empty* localpart and a
    // matching domain are eligible for lookup".
    if (!has_at || local.empty()) return std::nullopt;
    if (std::find(config.domains.begin(), config.domains.end(), domain) == config.domains.end()) return std::nullopt;
  }
  // The labels of the domain, the most significant first, for %1..%9.
  std::vector<std::string_view> labels;
  for (std::string_view rest = domain; has_at && !rest.empty();) {
    auto dot = rest.rfind('.');
    labels.push_back(dot == std::string_view::npos ? rest : rest.substr(dot + 1));
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(0, dot);
  }
  std::string out;
  const std::string_view f = config.query_filter;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 == f.size()) {
      out += f[i];
      continue;
    }
    char c = f[++i];
    switch (c) {
      case '%': out += '%'; break;
      case 's': case 'S': out += escape_filter_value(key); break;
      case 'u': case 'U':
        if (local.empty()) return std::nullopt;
        out += escape_filter_value(local);
        break;
      case 'd': case 'D':
        if (!has_at || domain.empty()) return std::nullopt;
        out += escape_filter_value(domain);
        break;
      default: {
        auto n = static_cast<std::size_t>(c - '0');
        if (c < '1' || c > '9' || n > labels.size()) return std::nullopt;
        out += escape_filter_value(labels[n - 1]);
      }
    }
  }
  return out;
}

}  // namespace dnsauth::tables

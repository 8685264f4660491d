#include "core/config/config.h"
#include "core/config/document.h"

#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "core/bimi/record.h"
#include "core/common/file.h"
#include "core/common/uri.h"
#include "core/dns/ip_address.h"
#include "core/dns/name.h"
#include "core/mail/message.h"
#include "core/mta_sts/policy.h"
#include "core/tls_rpt/record.h"

namespace dnsauth::config {

namespace {

Selector read_selector(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[[domain.selector]] of " + domain;
  r.only_keys(t, where, {"name", "algorithm", "bits", "key", "testing", "hashes", "notes", "services"});
  Selector s;
  s.line = static_cast<int>(t.source().begin.line);
  s.name = mail::to_lower(r.string(t, "name", where));
  // RFC 6376 3.1: selectors are sub-domains (letters, digits, hyphens, dots for hierarchy).
  if (!dns::is_domain_name(s.name, dns::NameSyntax::dns)) r.fail(t.get("name"), "selector '" + s.name + "' is not a valid DNS label");
  std::string alg = r.opt_string(t, "algorithm").value_or("rsa-sha256");
  if (alg == "rsa-sha256") s.algorithm = dkim::Algorithm::rsa_sha256;
  else if (alg == "ed25519-sha256") s.algorithm = dkim::Algorithm::ed25519_sha256;
  else r.fail(t.get("algorithm"), "algorithm must be \"rsa-sha256\" or \"ed25519-sha256\", not \"" + alg + "\"");
  if (auto bits = r.opt_int(t, "bits")) {
    if (s.algorithm != dkim::Algorithm::rsa_sha256) r.fail(t.get("bits"), "'bits' applies to RSA keys only");
    if (*bits < 1024 || *bits > 4096) r.fail(t.get("bits"), "RSA keys must be 1024 to 4096 bits (RFC 8301 3.2)");
    s.bits = static_cast<unsigned>(*bits);
  }
  s.key = r.opt_string(t, "key").value_or(domain + "." + s.name + ".pem");
  if (s.key.empty()) r.fail(t.get("key"), "'key' must name a file");
  s.testing = r.opt_bool(t, "testing").value_or(false);
  s.hashes = r.strings(t, "hashes");
  for (const auto& h : s.hashes)
    if (h != "sha256") r.fail(t.get("hashes"), "only sha256 may be published in h= (RFC 8301 3.1)");
  s.notes = r.opt_string(t, "notes").value_or("");
  s.services = r.strings(t, "services");
  // RFC 6376 3.6.1 s=: a key for mail must allow "email" (or every service, "*").
  for (const auto& v : s.services)
    if (v != "email" && v != "*") r.fail(t.get("services"), "services may hold only \"email\" or \"*\", not \"" + v + "\"");
  return s;
}

Spf read_spf(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[domain.spf] of " + domain;
  r.only_keys(t, where, {"ip4", "ip6", "include", "helo", "all"});
  Spf s;
  s.ip4 = r.strings(t, "ip4");
  for (const auto& ip : s.ip4)
    if (auto n = dns::Network::parse(ip); !n || !n->address.is_v4()) r.fail(t.get("ip4"), "'" + ip + "' is not an IPv4 address or network");
  s.ip6 = r.strings(t, "ip6");
  for (const auto& ip : s.ip6)
    if (auto n = dns::Network::parse(ip); !n || !n->address.is_v6()) r.fail(t.get("ip6"), "'" + ip + "' is not an IPv6 address or network");
  s.include = r.strings(t, "include");
  for (auto& inc : s.include) {
    inc = mail::to_lower(inc);
    if (!dns::is_domain_name(inc, dns::NameSyntax::dns)) r.fail(t.get("include"), "include '" + inc + "' is not a domain name");
  }
  s.helo = r.strings(t, "helo");
  for (auto& h : s.helo) {
    h = mail::to_lower(h);
    if (!dns::is_domain_name(h, dns::NameSyntax::dns)) r.fail(t.get("helo"), "helo '" + h + "' is not a host name");
  }
  s.all = r.opt_string(t, "all").value_or("-");
  if (s.all != "-" && s.all != "~") r.fail(t.get("all"), "'all' must be \"-\" or \"~\"");
  return s;
}

Dmarc read_dmarc(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[domain.dmarc] of " + domain;
  r.only_keys(t, where, {"p", "sp", "np", "adkim", "aspf", "pct", "rua", "ruf", "fo", "testing", "psd",
                          "accept_reports_for"});
  Dmarc d;
  auto policy = [&](std::string_view key, const std::string& v) {
    if (v != "none" && v != "quarantine" && v != "reject") {
      r.fail(t.get(key), "'" + std::string(key) + "' must be \"none\", \"quarantine\" or \"reject\"");
    }
  };
  d.p = r.string(t, "p", where);
  policy("p", d.p);
  if ((d.sp = r.opt_string(t, "sp"))) policy("sp", *d.sp);
  if ((d.np = r.opt_string(t, "np"))) policy("np", *d.np);
  d.adkim = r.opt_string(t, "adkim").value_or("r");
  if (d.adkim != "r" && d.adkim != "s") r.fail(t.get("adkim"), "'adkim' must be \"r\" or \"s\"");
  d.aspf = r.opt_string(t, "aspf").value_or("r");
  if (d.aspf != "r" && d.aspf != "s") r.fail(t.get("aspf"), "'aspf' must be \"r\" or \"s\"");
  if (auto pct = r.opt_int(t, "pct")) {
    if (*pct < 0 || *pct > 100) r.fail(t.get("pct"), "'pct' must be 0 to 100");
    d.pct = static_cast<int>(*pct);
  }
  auto uris = [&](std::string_view key) {
    auto list = r.strings(t, key);
    for (const auto& u : list) {
      if (u.rfind("mailto:", 0) != 0 || u.find('@') == std::string::npos) {
        r.fail(t.get(key), "'" + std::string(key) + "' entries must be mailto: URIs, not '" + u + "'");
      }
    }
    return list;
  };
  d.rua = uris("rua");
  d.ruf = uris("ruf");
  d.fo = r.opt_string(t, "fo");
  d.testing = r.opt_bool(t, "testing");
  d.psd = r.opt_bool(t, "psd");
  d.accept_reports_for = r.strings(t, "accept_reports_for");
  for (auto& f : d.accept_reports_for) f = mail::to_lower(f);
  return d;
}

// RFC 8461 3.2 and 4.1: an "mx" pattern as the policy parser reads it, so that a configured
// policy always parses; and, stricter than the grammar, a name with a dot (a single label is
// no MX host on the Internet, and is most likely a typo).
bool valid_mx_pattern(std::string_view p) {
  return mta_sts::valid_mx_pattern(p) && p.find('.', p.rfind("*.", 0) == 0 ? 2 : 0) != std::string_view::npos;
}

MtaSts read_mta_sts(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[domain.mta_sts] of " + domain;
  r.only_keys(t, where, {"mode", "mx", "max_age"});
  MtaSts m;
  m.line = static_cast<int>(t.source().begin.line);
  m.mode = r.opt_string(t, "mode").value_or("testing");
  if (m.mode != "enforce" && m.mode != "testing" && m.mode != "none")
    r.fail(t.get("mode"), "'mode' must be \"enforce\", \"testing\" or \"none\" (RFC 8461 3.2)");
  m.mx = r.strings(t, "mx");
  for (auto& p : m.mx) {
    p = mail::to_lower(p);
    if (!valid_mx_pattern(p))
      r.fail(t.get("mx"), "mx '" + p + "' is not a host name or a \"*.\" pattern (RFC 8461 4.1)");
  }
  if (m.mx.empty() && m.mode != "none")
    r.fail_at(t.get("mx") ? t.get("mx")->source() : t.source(), where + ": 'mx' must list the domain's MX hosts (RFC 8461 3.2)");
  if (const toml::node* n = t.get("max_age")) {
    std::optional<std::int64_t> v;
    if (auto i = n->value<std::int64_t>()) v = *i;
    else if (auto s = n->value<std::string>()) v = parse_duration(*s);
    if (!v || *v < 0 || *v > 31557600)
      r.fail(n, "'max_age' must be 0 to 31557600 seconds (RFC 8461 3.2), or a duration such as \"7d\"");
    m.max_age = *v;
  }
  return m;
}

TlsRpt read_tls_rpt(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[domain.tls_rpt] of " + domain;
  r.only_keys(t, where, {"rua"});
  TlsRpt x;
  x.line = static_cast<int>(t.source().begin.line);
  x.rua = r.strings(t, "rua");
  if (x.rua.empty()) r.fail_at(t.get("rua") ? t.get("rua")->source() : t.source(), where + ": 'rua' must name at least one mailto: or https: URI (RFC 8460 3)");
  for (const auto& u : x.rua) {
    // The record's own rule (core/tls_rpt), so that the linter reads what publish writes; a
    // mailto: must name an address, an https: a host.
    auto uri = tls_rpt::parse_uri(u);
    if (!uri)
      r.fail(t.get("rua"), "'rua' entry '" + u + "' at byte " + std::to_string(uri.error().offset) + ": " +
                               uri.error().detail + " (RFC 8460 3 URIs; ',' '!' and ';' are encoded)");
    else if (!uri->supported() || uri::parse(u)->host.empty())
      r.fail(t.get("rua"), "'rua' entries must be mailto: addresses or https: URLs with a host, not '" + u + "'");
  }
  return x;
}

// BIMI's l= and a= as the record parser reads them (core/bimi), and https with a host (4.3);
// a ';' would end the tag in the record.
void check_bimi_url(const Reader& r, const toml::table& t, const char* key, const std::string& value, const char* tag) {
  auto uri = bimi::parse_uri(value);
  if (!uri)
    r.fail(t.get(key), std::string("'") + key + "' '" + value + "' at byte " + std::to_string(uri.error().offset) + ": " +
                           uri.error().detail + " (BIMI " + tag + " holds a URI; ',' is encoded)");
  else if (!uri->https() || value.find(';') != std::string::npos)
    r.fail(t.get(key), std::string("'") + key + "' must be an https: URL with a host and no ';' (BIMI " + tag + "), not '" +
                           value + "'");
}

Bimi read_bimi(const Reader& r, const toml::table& t, const std::string& domain) {
  std::string where = "[domain.bimi] of " + domain;
  r.only_keys(t, where, {"selector", "logo", "evidence"});
  Bimi b;
  b.line = static_cast<int>(t.source().begin.line);
  b.selector = mail::to_lower(r.opt_string(t, "selector").value_or("default"));
  if (!dns::is_domain_name(b.selector, dns::NameSyntax::dns))
    r.fail(t.get("selector"), "BIMI selector '" + b.selector + "' is not a valid DNS label");
  b.logo = r.string(t, "logo", where);
  check_bimi_url(r, t, "logo", b.logo, "l=");
  b.evidence = r.opt_string(t, "evidence").value_or("");
  if (!b.evidence.empty()) check_bimi_url(r, t, "evidence", b.evidence, "a=");
  return b;
}

Domain read_domain(const Reader& r, const toml::table& t) {
  r.only_keys(t, "[[domain]]", {"name", "auth", "allow", "ttl", "selector", "spf", "dmarc", "rotate_every", "keep_retired",
                                "mta_sts", "tls_rpt", "bimi"});
  Domain d;
  d.line = static_cast<int>(t.source().begin.line);
  d.name = mail::to_lower(r.string(t, "name", "[[domain]]"));
  while (!d.name.empty() && d.name.back() == '.') d.name.pop_back();
  if (!dns::is_domain_name(d.name, dns::NameSyntax::dns)) r.fail(t.get("name"), "'" + d.name + "' is not a domain name (use the A-label form for IDNs)");
  // auth and allow are the signer's: core/signing/settings.cpp reads them from this table.
  if (auto ttl = r.opt_int(t, "ttl")) {
    if (*ttl < 60 || *ttl > 604800) r.fail(t.get("ttl"), "'ttl' must be 60 to 604800 seconds");
    d.ttl = static_cast<std::uint32_t>(*ttl);
  }
  // Both are durations of days, as operators say them ("90d"); a day at least, so that a typo of
  // "90" (seconds) does not rotate every run.
  auto duration = [&](std::string_view key) -> std::optional<std::int64_t> {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::optional<std::int64_t> v;
    if (auto s = n->value<std::string>()) v = parse_duration(*s);
    if (!v || *v < 86400 || *v > 10LL * 365 * 86400)
      r.fail(n, "'" + std::string(key) + "' must be a duration of 1 day to 10 years, such as \"90d\" or \"2w\"");
    return v;
  };
  d.rotate_every = duration("rotate_every");
  if (auto k = duration("keep_retired")) d.keep_retired = *k;
  if (const toml::node* sel = t.get("selector")) {
    const toml::array* arr = sel->as_array();
    if (!arr) r.fail(sel, "'selector' must be an array of tables ([[domain.selector]])");
    for (const auto& e : *arr) {
      const toml::table* st = e.as_table();
      if (!st) r.fail(&e, "each [[domain.selector]] must be a table");
      d.selectors.push_back(read_selector(r, *st, d.name));
      for (std::size_t i = 0; i + 1 < d.selectors.size(); ++i)
        if (d.selectors[i].name == d.selectors.back().name) r.fail(&e, "selector '" + d.selectors.back().name + "' is listed twice");
    }
  }
  if (const toml::node* spf = t.get("spf")) {
    if (!spf->is_table()) r.fail(spf, "'spf' must be a table ([domain.spf])");
    d.spf = read_spf(r, *spf->as_table(), d.name);
  }
  if (const toml::node* dm = t.get("dmarc")) {
    if (!dm->is_table()) r.fail(dm, "'dmarc' must be a table ([domain.dmarc])");
    d.dmarc = read_dmarc(r, *dm->as_table(), d.name);
  }
  auto table = [&](std::string_view key) -> const toml::table* {
    const toml::node* n = t.get(key);
    if (n && !n->is_table()) r.fail(n, "'" + std::string(key) + "' must be a table ([domain." + std::string(key) + "])");
    return n ? n->as_table() : nullptr;
  };
  if (const toml::table* m = table("mta_sts")) d.mta_sts = read_mta_sts(r, *m, d.name);
  if (const toml::table* x = table("tls_rpt")) d.tls_rpt = read_tls_rpt(r, *x, d.name);
  if (const toml::table* b = table("bimi")) d.bimi = read_bimi(r, *b, d.name);
  return d;
}

// [signer] belongs to the signing library (core/signing/settings.cpp), apart from key_dir, which
// the publisher needs as well.
std::filesystem::path read_key_dir(const Reader& r, const toml::table* signer, const std::filesystem::path& base) {
  std::filesystem::path kd = signer ? r.opt_string(*signer, "key_dir").value_or("keys") : "keys";
  return kd.is_absolute() ? kd : (base / kd).lexically_normal();
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: unit = 0;
  }
  std::string_view digits = unit ? text.substr(0, text.size() - 1) : text;
  if (!unit) unit = 1;
  if (digits.empty()) return std::nullopt;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');  // at most 11 digits: no overflow
  }
  if (n == 0) return std::nullopt;
  return n * unit;
}

const Selector* Domain::find_selector(std::string_view selector) const {
  for (const auto& s : selectors)
    if (mail::iequals(s.name, selector)) return &s;
  return nullptr;
}

const Domain* Config::find_domain(std::string_view name) const {
  for (const auto& d : domains)
    if (mail::iequals(d.name, name)) return &d;
  return nullptr;
}

Result<Config> parse_config(std::string_view text, std::string_view source,
                            const std::filesystem::path& base_dir) {
  Reader r{std::string(source)};
  try {
    auto doc = std::make_shared<const Document>(parse_toml(text, source), std::string(source), base_dir);
    const toml::table& root = doc->root();
    r.only_keys(root, "the top level", {"signer", "domain"});
    Config c;
    c.file = std::string(source);
    const toml::node* s = root.get("signer");
    if (s && !s->is_table()) r.fail(s, "'signer' must be a table ([signer])");
    c.key_dir = read_key_dir(r, doc->signer_table(), base_dir);
    if (const toml::node* d = root.get("domain")) {
      const toml::array* arr = d->as_array();
      if (!arr) r.fail(d, "'domain' must be an array of tables ([[domain]])");
      for (const auto& e : *arr) {
        const toml::table* dt = e.as_table();
        if (!dt) r.fail(&e, "each [[domain]] must be a table");
        Domain dom = read_domain(r, *dt);
        if (c.find_domain(dom.name)) r.fail(dt, "domain " + dom.name + " is configured twice");
        c.domains.push_back(std::move(dom));
      }
    }
    for (auto& d : c.domains) {
      for (auto& sel : d.selectors) {
        std::filesystem::path k = sel.key;
        sel.key_path = k.is_absolute() ? k : (c.key_dir / k).lexically_normal();
      }
    }
    c.document = std::move(doc);
    return c;
  } catch (const toml::parse_error& e) {
    return tl::unexpected(toml_syntax_error(e, source));
  } catch (const ConfigError& e) {
    return make_error(Errc::syntax, e.message);
  }
}


Result<Config> load_config(const std::filesystem::path& file) {
  auto text = read_whole_file(file);
  if (!text) return make_error(Errc::io, file.string() + ": cannot read the configuration file: " + text.error().detail);
  std::filesystem::path base = std::filesystem::absolute(file).parent_path();
  auto c = parse_config(*text, file.string(), base);
  if (!c) return c;
  // Nothing at all (no [signer], no [[domain]]): a file emptied by mistake, or truncated, must
  // not pass for a deployment that signs and publishes nothing.
  if (c->document->root().empty())
    return make_error(Errc::syntax, file.string() + ": the configuration file is empty (no [signer], no [[domain]])");
  c->file = file;
  return c;
}

}  // namespace dnsauth::config

#include "core/config/config.h"


#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "core/dns/ip_address.h"
#include "core/dns/name.h"
#include "core/mail/message.h"

namespace dnsauth::config {

namespace {

// Thrown inside the loader only; load_config turns it into an Error. Keeps the many checks
// below readable (one line each) without threading Result through every field.
struct ConfigError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& what) const {
    fail_at(node ? node->source() : toml::source_region{}, what);
  }
  [[noreturn]] void fail_at(const toml::source_region& where, const std::string& what) const {
    std::ostringstream os;
    os << source_;
    if (where.begin.line) os << ":" << where.begin.line << ":" << where.begin.column;
    os << ": " << what;
    throw ConfigError{os.str()};
  }

  // Every key of `table` must be one of `allowed` (DESIGN.md: --check-config is strict).
  void only_keys(const toml::table& table, std::string_view where,
                 std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table) {
      (void)node;
      bool ok = false;
      for (auto a : allowed) ok = ok || key.str() == a;
      if (!ok) fail_at(key.source(), "unknown key '" + std::string(key.str()) + "' in " + std::string(where));
    }
  }

  std::string string(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (!n) fail(&t, std::string(where) + " needs '" + std::string(key) + "'");
    if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
    return n->as_string()->get();
  }
  std::optional<std::string> opt_string(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
    return n->as_string()->get();
  }
  std::optional<std::int64_t> opt_int(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(n, "'" + std::string(key) + "' must be an integer");
    return n->as_integer()->get();
  }
  std::optional<bool> opt_bool(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, "'" + std::string(key) + "' must be true or false");
    return n->as_boolean()->get();
  }
  std::optional<std::vector<std::string>> opt_strings(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const toml::array* a = n->as_array();
    if (!a) fail(n, "'" + std::string(key) + "' must be an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *a) {
      if (!e.is_string()) fail(&e, "'" + std::string(key) + "' must hold only strings");
      out.push_back(e.as_string()->get());
    }
    return out;
  }
  std::vector<std::string> strings(const toml::table& t, std::string_view key) const {
    return opt_strings(t, key).value_or(std::vector<std::string>{});
  }
  const toml::node* node(const toml::table& t, std::string_view key) const { return t.get(key); }

 private:
  std::string source_;
};

// auth = "map" keys (DESIGN.md): "*", "*@domain", "*@*.domain" or one login "user@domain".
bool valid_login_pattern(std::string_view k) {
  if (k == "*") return true;
  auto at = k.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = k.substr(0, at), domain = k.substr(at + 1);
  if (local != "*" && local.find('*') != std::string_view::npos) return false;
  if (domain.starts_with("*.")) domain.remove_prefix(2);
  return dns::is_domain_name(domain, dns::NameSyntax::dns);
}

// auth = "map" targets: "user@domain", "domain", "*@domain", "*.domain", "*@*.domain", where
// the domain is the configured one or below it (a map cannot grant another domain's name).
bool valid_allow_target(std::string_view t, std::string_view configured) {
  auto at = t.rfind('@');
  std::string_view local = at == std::string_view::npos ? "*" : t.substr(0, at);
  std::string domain = mail::to_lower(at == std::string_view::npos ? t : t.substr(at + 1));
  if (local.empty() || (local != "*" && local.find('*') != std::string_view::npos)) return false;
  bool wildcard = domain.starts_with("*.");
  if (wildcard) domain.erase(0, 2);
  if (!dns::is_domain_name(domain, dns::NameSyntax::dns)) return false;
  return dns::is_at_or_below(domain, configured);
}

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

Domain read_domain(const Reader& r, const toml::table& t) {
  r.only_keys(t, "[[domain]]", {"name", "auth", "allow", "ttl", "selector", "spf", "dmarc"});
  Domain d;
  d.line = static_cast<int>(t.source().begin.line);
  d.name = mail::to_lower(r.string(t, "name", "[[domain]]"));
  while (!d.name.empty() && d.name.back() == '.') d.name.pop_back();
  if (!dns::is_domain_name(d.name, dns::NameSyntax::dns)) r.fail(t.get("name"), "'" + d.name + "' is not a domain name (use the A-label form for IDNs)");
  std::string auth = r.opt_string(t, "auth").value_or("domain");
  if (auth == "address") d.auth = AuthMode::address;
  else if (auth == "domain") d.auth = AuthMode::domain;
  else if (auth == "map") d.auth = AuthMode::map;
  else r.fail(t.get("auth"), "'auth' must be \"address\", \"domain\" or \"map\"");
  if (const toml::node* allow = t.get("allow")) {
    if (d.auth != AuthMode::map) r.fail(allow, "'allow' is used only with auth = \"map\"");
    const toml::table* at = allow->as_table();
    if (!at) r.fail(allow, "'allow' must be a table of login = [addresses or domains]");
    for (const auto& [login, node] : *at) {
      const toml::array* arr = node.as_array();
      if (!arr) r.fail(&node, "allow entry '" + std::string(login.str()) + "' must be an array of strings");
      if (!valid_login_pattern(login.str())) {
        r.fail(&node, "allow key '" + std::string(login.str()) +
                          "' must be a login (\"user@domain\"), \"*@domain\", \"*@*.domain\" or \"*\"");
      }
      std::vector<std::string> targets;
      for (const auto& e : *arr) {
        if (!e.is_string()) r.fail(&e, "allow entry '" + std::string(login.str()) + "' must hold strings");
        std::string target = e.as_string()->get();
        if (!valid_allow_target(target, d.name)) {
          r.fail(&e, "allow target '" + target + "' must be an address, a domain or \"*.domain\" within " + d.name);
        }
        targets.push_back(std::move(target));
      }
      d.allow.emplace_back(std::string(login.str()), std::move(targets));
    }
  } else if (d.auth == AuthMode::map) {
    r.fail(&t, "domain " + d.name + " has auth = \"map\" but no 'allow' table");
  }
  if (auto ttl = r.opt_int(t, "ttl")) {
    if (*ttl < 60 || *ttl > 604800) r.fail(t.get("ttl"), "'ttl' must be 60 to 604800 seconds");
    d.ttl = static_cast<std::uint32_t>(*ttl);
  }
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
  return d;
}

SignerSettings read_signer(const Reader& r, const toml::table& t, const std::filesystem::path& base) {
  r.only_keys(t, "[signer]", {"socket", "user", "on_error", "on_mismatch", "key_dir", "canonicalization",
                               "headers", "oversign", "expire", "authserv_id", "log", "stats_listen"});
  SignerSettings s;
  s.socket = r.opt_string(t, "socket").value_or(s.socket);
  if (s.socket.rfind("inet:", 0) != 0 && s.socket.rfind("unix:", 0) != 0 && s.socket.rfind("inet6:", 0) != 0) {
    r.fail(t.get("socket"), "'socket' must be \"inet:PORT@ADDR\", \"inet6:PORT@ADDR\" or \"unix:PATH\"");
  }
  s.user = r.opt_string(t, "user").value_or("");
  std::string on_error = r.opt_string(t, "on_error").value_or("tempfail");
  if (on_error == "tempfail") s.on_error = OnError::tempfail;
  else if (on_error == "accept") s.on_error = OnError::accept;
  else r.fail(t.get("on_error"), "'on_error' must be \"tempfail\" or \"accept\"");
  std::string on_mismatch = r.opt_string(t, "on_mismatch").value_or("accept");
  if (on_mismatch == "accept") s.on_mismatch = OnMismatch::accept;
  else if (on_mismatch == "reject") s.on_mismatch = OnMismatch::reject;
  else r.fail(t.get("on_mismatch"), "'on_mismatch' must be \"accept\" or \"reject\"");
  std::filesystem::path kd = r.opt_string(t, "key_dir").value_or("keys");
  s.key_dir = kd.is_absolute() ? kd : (base / kd).lexically_normal();
  if (auto c = r.opt_string(t, "canonicalization")) {
    auto slash = c->find('/');
    auto one = [&](std::string_view v) {
      if (v == "simple") return dkim::Canon::simple;
      if (v == "relaxed") return dkim::Canon::relaxed;
      r.fail(t.get("canonicalization"), "'canonicalization' must be like \"relaxed/relaxed\"");
    };
    s.canon.header = one(std::string_view(*c).substr(0, slash));
    s.canon.body = slash == std::string::npos ? dkim::Canon::simple : one(std::string_view(*c).substr(slash + 1));
  }
  s.headers = r.opt_strings(t, "headers");
  s.oversign = r.opt_strings(t, "oversign");
  if (s.headers) {
    bool from = false;
    for (const auto& h : *s.headers) from = from || mail::iequals(h, "from");
    if (!from) r.fail(t.get("headers"), "'headers' must include From (RFC 6376 5.4)");
  }
  if (auto x = r.opt_int(t, "expire")) {
    if (*x < 3600) r.fail(t.get("expire"), "'expire' must be at least 3600 seconds (delivery can take hours)");
    s.expire = *x;
  }
  s.authserv_id = r.opt_string(t, "authserv_id").value_or("");
  s.log = r.opt_string(t, "log").value_or("syslog");
  if (s.log != "syslog" && s.log != "stderr") r.fail(t.get("log"), "'log' must be \"syslog\" or \"stderr\"");
  s.stats_listen = r.opt_string(t, "stats_listen").value_or("");
  return s;
}

}  // namespace

std::string_view to_string(AuthMode m) noexcept {
  switch (m) {
    case AuthMode::address: return "address";
    case AuthMode::domain: return "domain";
    case AuthMode::map: return "map";
  }
  return "?";
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
    toml::table root = toml::parse(text, source);
    r.only_keys(root, "the top level", {"signer", "domain"});
    Config c;
    c.file = std::string(source);
    if (const toml::node* s = root.get("signer")) {
      if (!s->is_table()) r.fail(s, "'signer' must be a table ([signer])");
      c.signer = read_signer(r, *s->as_table(), base_dir);
    } else {
      c.signer.key_dir = (base_dir / "keys").lexically_normal();
    }
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
      for (auto& s : d.selectors) {
        std::filesystem::path k = s.key;
        s.key_path = k.is_absolute() ? k : (c.signer.key_dir / k).lexically_normal();
      }
    }
    return c;
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    return make_error(Errc::syntax, os.str());
  } catch (const ConfigError& e) {
    return make_error(Errc::syntax, e.message);
  }
}

Result<Config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(Errc::io, file.string() + ": cannot read the configuration file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::filesystem::path base = std::filesystem::absolute(file).parent_path();
  auto c = parse_config(ss.str(), file.string(), base);
  if (c) c->file = file;
  return c;
}

}  // namespace dnsauth::config

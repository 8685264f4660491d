#include "core/signing/settings.h"

#include <pwd.h>

#include <stdexcept>

#include "core/config/document.h"
#include "core/dns/host_port.h"
#include "core/dns/name.h"
#include "core/mail/message.h"

namespace dnsauth::signing {

namespace {

using config::Reader;

// libmilter's forms (smfi_setconn(3)): inet:PORT[@HOST], inet6:PORT[@HOST], unix:PATH, local:PATH.
// Empty when the form is right, else what is wrong.
std::string check_socket(std::string_view s) {
  auto colon = s.find(':');
  std::string_view kind = s.substr(0, colon), rest = colon == std::string_view::npos ? "" : s.substr(colon + 1);
  if (kind == "unix" || kind == "local") {
    if (rest.empty() || rest.front() != '/') return "socket '" + std::string(s) + "': the path must be absolute";
    return "";
  }
  if (kind == "inet" || kind == "inet6") {
    auto at = rest.find('@');
    if (!dns::parse_port(rest.substr(0, at))) return "socket '" + std::string(s) + "': the port must be 1 to 65535";
    if (at != std::string_view::npos && at + 1 == rest.size()) return "socket '" + std::string(s) + "': empty host after '@'";
    return "";
  }
  return "socket '" + std::string(s) + "' must be inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH";
}

// ADDR:PORT or [ADDR6]:PORT, the port required.
std::string check_stats_listen(std::string_view s) {
  auto where = dns::parse_host_port(s, dns::kPortRequired);
  return where ? "" : "stats_listen: " + where.error().detail;
}

Settings read_settings(const Reader& r, const toml::table& t) {
  r.only_keys(t, "[signer]", {"socket", "user", "on_error", "on_mismatch", "key_dir", "canonicalization",
                               "headers", "oversign", "expire", "authserv_id", "log", "stats_listen",
                               "max_header_field_bytes", "max_header_fields", "max_header_bytes",
                               "timeout", "max_connections", "stop_grace", "key_table", "signing_table",
                               "multiple_signatures", "login_map", "login_map_local_domains",
                               "login_map_recipient_delimiter", "login_map_cache_ttl", "login_map_cache_size",
                               "delegation_zone", "delegation_target"});
  Settings s;
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
    if (*x < kMinExpire) r.fail(t.get("expire"), "'expire' must be at least 3600 seconds (delivery can take hours)");
    // x= is t= plus this: far beyond any use of a signature (RFC 6376 3.5 x= is meant to bound
    // replay), and small enough that the sum never leaves the integers x= is written with.
    if (*x > kMaxExpire) r.fail(t.get("expire"), "'expire' must be at most " + std::to_string(kMaxExpire) + " seconds (10 years)");
    s.expire = *x;
  }
  s.authserv_id = r.opt_string(t, "authserv_id").value_or("");
  s.log = r.opt_string(t, "log").value_or("syslog");
  if (s.log != "syslog" && s.log != "stderr") r.fail(t.get("log"), "'log' must be \"syslog\" or \"stderr\"");
  s.stats_listen = r.opt_string(t, "stats_listen").value_or("");
  // RFC 5322 2.1.1 allows lines of 998 characters; mail with more or longer fields than these
  // floors exists, and no bound above them is a reason to refuse a configuration, except that
  // they must nest.
  auto bound = [&](std::string_view key, std::size_t& value, std::int64_t floor, std::int64_t ceiling) {
    if (auto v = r.opt_int(t, key)) {
      if (*v < floor || *v > ceiling) {
        r.fail(t.get(key), "'" + std::string(key) + "' must be " + std::to_string(floor) + " to " + std::to_string(ceiling));
      }
      value = static_cast<std::size_t>(*v);
    }
  };
  auto& l = s.header_limits;
  bound("max_header_field_bytes", l.max_field_bytes, 1000, 16 * 1024 * 1024);
  bound("max_header_fields", l.max_fields, 100, 1000000);
  bound("max_header_bytes", l.max_header_bytes, 10000, 64 * 1024 * 1024);
  if (l.max_field_bytes > l.max_header_bytes) {
    r.fail(t.get("max_header_field_bytes"), "'max_header_field_bytes' must not exceed 'max_header_bytes'");
  }
  // The MTA connections: seconds without a packet before one is closed (a day at most, as
  // libmilter's own default is two hours), and how many may be open at once.
  if (auto v = r.opt_int(t, "timeout")) {
    if (*v < 1 || *v > 86400) r.fail(t.get("timeout"), "'timeout' must be 1 to 86400 seconds");
    s.timeout = *v;
  }
  bound("max_connections", s.max_connections, 1, 1000000);
  // How long a stop waits for the messages in flight (signer/drain.h): within systemd's default
  // TimeoutStopSec (90 s), which would otherwise kill the signer first.
  if (auto v = r.opt_int(t, "stop_grace")) {
    if (*v < 0 || *v > 60) r.fail(t.get("stop_grace"), "'stop_grace' must be 0 to 60 seconds");
    s.stop_grace = *v;
  }
  s.key_table = r.opt_string(t, "key_table").value_or("");
  s.signing_table = r.opt_string(t, "signing_table").value_or("");
  s.multiple_signatures = r.opt_bool(t, "multiple_signatures").value_or(false);
  if (s.key_table.empty() != s.signing_table.empty()) {
    const char* given = s.key_table.empty() ? "signing_table" : "key_table";
    r.fail(t.get(given), "'key_table' and 'signing_table' go together (OpenDKIM's KeyTable and SigningTable)");
  }
  if (t.get("multiple_signatures") && s.signing_table.empty()) {
    r.fail(t.get("multiple_signatures"), "'multiple_signatures' applies to a 'signing_table' only");
  }
  s.login_map = r.opt_string(t, "login_map").value_or("");
  if (!s.login_map.empty() && !s.login_map.starts_with("texthash:") && !s.login_map.starts_with("cdb:") &&
      !s.login_map.starts_with("ldap:")) {
    r.fail(t.get("login_map"), "'login_map' must be \"texthash:PATH\", \"cdb:PATH\" or \"ldap:PATH\"");
  }
  if (s.login_map == "texthash:" || s.login_map == "cdb:" || s.login_map == "ldap:") {
    r.fail(t.get("login_map"), "'login_map' names no file");
  }
  if (!s.signing_table.empty() && s.login_map.empty()) {
    r.fail(t.get("signing_table"), "a 'signing_table' needs a 'login_map': who may send as the table's domains");
  }
  for (const auto& d : r.opt_strings(t, "login_map_local_domains").value_or(std::vector<std::string>{})) {
    if (!dns::is_domain_name(d, dns::NameSyntax::host)) {
      r.fail(t.get("login_map_local_domains"), "'login_map_local_domains': '" + d + "' is not a domain name");
    }
    s.login_map_local_domains.push_back(mail::to_lower(d));
  }
  s.login_map_recipient_delimiter = r.opt_string(t, "login_map_recipient_delimiter").value_or("");
  for (char c : s.login_map_recipient_delimiter) {
    if (c == '@' || c == ' ' || c == '\t' || c == '"' || static_cast<unsigned char>(c) < 32) {
      r.fail(t.get("login_map_recipient_delimiter"), "'login_map_recipient_delimiter' holds a character "
                                                     "that cannot separate a localpart extension");
    }
  }
  if ((t.get("login_map_local_domains") || t.get("login_map_recipient_delimiter")) && s.login_map.empty()) {
    r.fail(t.get("login_map_local_domains") ? t.get("login_map_local_domains") : t.get("login_map_recipient_delimiter"),
           "'login_map_local_domains' and 'login_map_recipient_delimiter' apply to a 'login_map' only");
  }
  // The cache of an ldap: login map: a day at most, since an owner removed from the directory
  // keeps signing for as long as the answer is kept.
  if (auto v = r.opt_int(t, "login_map_cache_ttl")) {
    if (*v < 0 || *v > 86400) r.fail(t.get("login_map_cache_ttl"), "'login_map_cache_ttl' must be 0 to 86400 seconds");
    s.login_map_cache_ttl = *v;
  }
  bound("login_map_cache_size", s.login_map_cache_size, 1, 100000000);
  for (const char* key : {"login_map_cache_ttl", "login_map_cache_size"}) {
    if (t.get(key) && !s.login_map.starts_with("ldap:")) {
      r.fail(t.get(key), "'" + std::string(key) + "' applies to an ldap: 'login_map' only (files are read into memory)");
    }
  }
  // Selectors delegated by CNAME (core/records/delegation.h): the table domains' key records are
  // published under delegation_zone, at the names delegation_target gives.
  if (auto zone = r.opt_string(t, "delegation_zone")) {
    if (!dns::is_domain_name(*zone, dns::NameSyntax::host) || zone->find('.') == std::string::npos)
      r.fail(t.get("delegation_zone"), "'delegation_zone' must be a domain name (\"dkim.isp.example\")");
    if (s.key_table.empty())
      r.fail(t.get("delegation_zone"), "'delegation_zone' applies to the domains of a 'key_table' only");
    s.delegation = records::Delegation{mail::to_lower(*zone)};
  }
  if (auto target = r.opt_string(t, "delegation_target")) {
    if (!s.delegation) r.fail(t.get("delegation_target"), "'delegation_target' needs a 'delegation_zone'");
    if (auto problem = records::check_delegation_target(*target, s.delegation->zone); !problem.empty())
      r.fail(t.get("delegation_target"), "'delegation_target' \"" + *target + "\": " + problem);
    s.delegation->target = *target;
  }
  return s;
}

// auth = "map" keys: "*", "*@domain", "*@*.domain" or one login "user@domain".
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

DomainPolicy read_policy(const Reader& r, const toml::table& t, const std::string& name, const Settings& s) {
  DomainPolicy p;
  std::string auth = r.opt_string(t, "auth").value_or("domain");
  if (auth == "address") p.auth = AuthMode::address;
  else if (auth == "domain") p.auth = AuthMode::domain;
  else if (auth == "map") p.auth = AuthMode::map;
  else if (auth == "login-map") p.auth = AuthMode::login_map;
  else r.fail(t.get("auth"), "'auth' must be \"address\", \"domain\", \"map\" or \"login-map\"");
  if (p.auth == AuthMode::login_map && s.login_map.empty()) {
    r.fail(t.get("auth"), "domain " + name + " has auth = \"login-map\" but [signer] has no 'login_map'");
  }
  const toml::node* allow = t.get("allow");
  if (!allow) {
    if (p.auth == AuthMode::map) r.fail(&t, "domain " + name + " has auth = \"map\" but no 'allow' table");
    return p;
  }
  if (p.auth != AuthMode::map) r.fail(allow, "'allow' is used only with auth = \"map\"");
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
      if (!valid_allow_target(target, name)) {
        r.fail(&e, "allow target '" + target + "' must be an address, a domain or \"*.domain\" within " + name);
      }
      targets.push_back(std::move(target));
    }
    p.allow.emplace_back(std::string(login.str()), std::move(targets));
  }
  return p;
}

}  // namespace

std::string_view to_string(AuthMode m) noexcept {
  switch (m) {
    case AuthMode::address: return "address";
    case AuthMode::domain: return "domain";
    case AuthMode::map: return "map";
    case AuthMode::login_map: return "login-map";
  }
  return "?";
}

std::vector<std::string> check_settings(const Settings& s) {
  std::vector<std::string> problems;
  if (auto e = check_socket(s.socket); !e.empty()) problems.push_back(e);
  if (!s.stats_listen.empty())
    if (auto e = check_stats_listen(s.stats_listen); !e.empty()) problems.push_back(e);
  if (!s.user.empty() && !::getpwnam(s.user.c_str())) problems.push_back("user '" + s.user + "' does not exist");
  return problems;
}

const DomainPolicy& Config::policy(const config::Domain& domain) const {
  // Domain names are unique in a config (the loader refuses a second one).
  for (std::size_t i = 0; i < deployment.domains.size(); ++i)
    if (mail::iequals(deployment.domains[i].name, domain.name)) return policies.at(i);
  throw std::out_of_range("domain " + domain.name + " is not in " + deployment.file.string());
}

Result<Config> read_config(config::Config deployment) {
  if (!deployment.document) return make_error(Errc::invalid_argument, "the configuration was not read from a file");
  const config::Document& doc = *deployment.document;
  try {
    Config c;
    if (const toml::table* t = doc.signer_table()) c.signer = read_settings(doc.reader(), *t);
    const auto& tables = doc.domain_tables();
    for (std::size_t i = 0; i < deployment.domains.size(); ++i)
      c.policies.push_back(read_policy(doc.reader(), *tables.at(i), deployment.domains[i].name, c.signer));
    c.deployment = std::move(deployment);
    return c;
  } catch (const config::ConfigError& e) {
    return make_error(Errc::syntax, e.message);
  }
}

Result<Config> load_config(const std::filesystem::path& file) {
  return config::load_config(file).and_then(read_config);
}

Result<Config> parse_config(std::string_view text, std::string_view source, const std::filesystem::path& base_dir) {
  return config::parse_config(text, source, base_dir).and_then(read_config);
}

}  // namespace dnsauth::signing

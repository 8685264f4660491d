#include "core/signing/policy.h"

#include <algorithm>

#include "core/dkim/signature.h"
#include "core/dns/name.h"
#include "core/mail/message.h"

namespace dnsauth::signing {

namespace {

// One map key against the login.
bool key_matches(std::string_view key, const Login& login) {
  if (key == "*") return true;
  auto at = key.rfind('@');
  if (at == std::string_view::npos || login.domain.empty()) return false;
  std::string_view local = key.substr(0, at), domain = key.substr(at + 1);
  bool domain_ok = domain.starts_with("*.") ? dns::is_below(login.domain, domain.substr(2))
                                            : mail::iequals(login.domain, domain);
  return domain_ok && (local == "*" || local == login.local);
}

// One map target against the From mailbox.
bool target_matches(std::string_view target, const mail::Mailbox& from) {
  auto at = target.rfind('@');
  std::string_view local = at == std::string_view::npos ? "*" : target.substr(0, at);
  std::string_view domain = at == std::string_view::npos ? target : target.substr(at + 1);
  bool domain_ok = domain.starts_with("*.") ? dns::is_below(from.domain, domain.substr(2))
                                            : mail::iequals(from.domain, domain);
  return domain_ok && (local == "*" || local == from.local_part);
}

// Whether `text` uses, outside quoted strings, a character that only an angle-addr, a group or
// a list has (RFC 5322 3.4): what tells "<bob@example.com>" or "g: bob@example.com;" from the
// bare addr-spec that address-list parsing reads the same way.
bool list_syntax(std::string_view text) {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<' || c == '>' || c == ':' || c == ';' || c == ',') {
      return true;
    }
  }
  return false;
}

Decision make(Action a, Reason r, std::string detail) {
  Decision d;
  d.action = a;
  d.reason = r;
  d.detail = std::move(detail);
  return d;
}

}  // namespace

std::string_view to_string(Action a) noexcept {
  switch (a) {
    case Action::sign: return "sign";
    case Action::skip: return "skip";
    case Action::reject: return "reject";
  }
  return "?";
}

std::string_view to_string(Reason r) noexcept {
  switch (r) {
    case Reason::allowed: return "allowed";
    case Reason::unauthenticated: return "unauthenticated";
    case Reason::no_from: return "no_from";
    case Reason::several_from: return "several_from";
    case Reason::malformed_from: return "malformed_from";
    case Reason::domain_not_configured: return "domain_not_configured";
    case Reason::no_selectors: return "no_selectors";
    case Reason::not_allowed: return "not_allowed";
    case Reason::already_signed: return "already_signed";
    case Reason::lookup_failed: return "lookup_failed";
  }
  return "?";
}

Login parse_login(std::string_view text) {
  Login l;
  l.text = std::string(text);
  if (text.find('@') == std::string_view::npos) {
    l.local = std::string(text);
    return l;
  }
  // A login with '@' must be exactly one addr-spec (RFC 5322 3.4.1): then it gets the same
  // normalization as From (A-label domain, quotes resolved), so "alice@Bücher.example" matches
  // From "alice@xn--bcher-kva.example". Anything else ("bob@evil.example, x@isp.example", a
  // name-addr, a group) is not read some other way, say from its last '@': it matches nothing.
  auto list = mail::parse_address_list(text);
  bool one_addr_spec = list && list->size() == 1 && (*list)[0].display_name.empty() && !list_syntax(text);
  if (!one_addr_spec) {
    l.malformed = true;
    return l;
  }
  l.local = (*list)[0].local_part;
  l.domain = (*list)[0].domain;
  return l;
}

const config::Domain* covering_domain(const Config& cfg, std::string_view from_domain) {
  std::string_view d = from_domain;
  while (!d.empty()) {
    if (const config::Domain* found = cfg.find_domain(d)) return found;
    auto dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
  return nullptr;
}

bool login_may_use(const DomainPolicy& policy, const Login& login, const mail::Mailbox& from) {
  if (login.malformed) return false;
  switch (policy.auth) {
    case AuthMode::login_map:
      return false;  // needs the map: decide() asks it
    case AuthMode::address:
      // Local part exact (only the receiving host may interpret its case), domain not.
      return !login.domain.empty() && login.local == from.local_part &&
             mail::iequals(login.domain, from.domain);
    case AuthMode::domain:
      return !login.domain.empty() && mail::iequals(login.domain, from.domain);
    case AuthMode::map:
      for (const auto& [key, targets] : policy.allow) {
        if (!key_matches(key, login)) continue;
        for (const auto& t : targets)
          if (target_matches(t, from)) return true;
      }
      return false;
  }
  return false;
}

std::vector<ExistingSignature> existing_signatures(const std::vector<mail::HeaderField>& headers) {
  std::vector<ExistingSignature> out;
  for (const auto& f : headers) {
    if (!f.is("DKIM-Signature")) continue;
    if (auto sig = dkim::parse_signature(f.value())) out.push_back({sig->domain, sig->selector});
  }
  return out;
}

std::vector<std::string> signed_before(const Decision& d, const std::vector<ExistingSignature>& existing) {
  std::vector<std::string> out;
  if (d.action != Action::sign) return out;
  for (std::size_t i = 0; i < d.selectors.size(); ++i) {
    const std::string& domain = i < d.table.size() ? d.table[i].domain : d.signing_domain;
    bool named = std::any_of(existing.begin(), existing.end(), [&](const ExistingSignature& e) {
      return mail::iequals(e.domain, domain) && mail::iequals(e.selector, d.selectors[i]);
    });
    if (named) out.push_back(d.selectors[i]);
  }
  return out;
}

void drop_verified(Decision& d, const std::vector<std::string>& verified) {
  if (d.action != Action::sign || verified.empty()) return;
  std::string already;
  std::vector<std::string> left;
  std::vector<SigningTables::Match> table_left;
  for (std::size_t i = 0; i < d.selectors.size(); ++i) {
    auto& sel = d.selectors[i];
    if (std::find(verified.begin(), verified.end(), sel) != verified.end()) {
      already += (already.empty() ? "" : ",") + sel;
    } else {
      left.push_back(std::move(sel));
      if (i < d.table.size()) table_left.push_back(std::move(d.table[i]));
    }
  }
  d.selectors = std::move(left);
  d.table = std::move(table_left);
  if (!d.table.empty()) d.signing_domain = d.table.front().domain;
  if (already.empty()) return;
  const std::string what = "already signed with d=" + d.signing_domain + " s=" + already + " (verified)";
  if (d.selectors.empty()) {
    d.action = Action::skip;
    d.reason = Reason::already_signed;
    d.detail = what;
  } else {
    d.detail += "; " + what;
  }
}

namespace {

Action mismatch_action(const Config& cfg) {
  return cfg.signer.on_mismatch == OnMismatch::reject ? Action::reject : Action::skip;
}

// A From address no [[domain]] covers: the signing table says which keys sign it, the login map
// whether the login owns it.
Decision decide_from_tables(const Config& cfg, const Lookups& lookups, std::string_view login,
                            const mail::Mailbox& from) {
  auto matches = lookups.tables->match(from.local_part, from.domain, cfg.signer.multiple_signatures);
  if (!matches) return make(Action::skip, Reason::lookup_failed, matches.error().detail);
  if (matches->empty()) {
    return make(Action::skip, Reason::domain_not_configured,
                "From " + from.address() + " is neither in a [[domain]] nor in the signing table");
  }
  const std::string how = " (login map " + lookups.login_map->table().name() + ", signing table " +
                          lookups.tables->signing_table_name() + ":" + std::to_string(matches->front().line) + ")";
  auto owns = lookups.login_map->owns(login, from);
  if (!owns) return make(Action::skip, Reason::lookup_failed, owns.error().detail);
  if (!*owns) {
    return make(mismatch_action(cfg), Reason::not_allowed,
                "login " + std::string(login) + " may not send as " + from.address() + how);
  }
  Decision d = make(Action::sign, Reason::allowed, "login " + std::string(login) + " may send as " + from.address() + how);
  for (const auto& m : *matches) d.selectors.push_back(m.selector);
  d.signing_domain = matches->front().domain;
  d.table = std::move(*matches);
  return d;
}

}  // namespace

Decision decide(const Config& cfg, std::string_view login, const mail::AuthorDomain& author) {
  return decide(cfg, Lookups{}, login, author);
}

Decision decide(const Config& cfg, const Lookups& lookups, std::string_view login, const mail::AuthorDomain& author) {
  if (login.empty()) return make(Action::skip, Reason::unauthenticated, "the SMTP session did not authenticate");
  switch (author.count) {
    case mail::FromCount::none:
      return make(Action::skip, Reason::no_from, author.reason.empty() ? "no From field" : author.reason);
    case mail::FromCount::several:
      return make(Action::skip, Reason::several_from, author.reason);
    case mail::FromCount::malformed:
      return make(Action::skip, Reason::malformed_from, author.reason);
    case mail::FromCount::one:
      break;
  }
  const mail::Mailbox& from = author.mailboxes.front();
  const config::Domain* domain = covering_domain(cfg, from.domain);
  Decision d;
  if (!domain && lookups.tables && lookups.login_map) {
    d = decide_from_tables(cfg, lookups, login, from);
  } else if (!domain) {
    d = make(Action::skip, Reason::domain_not_configured, "From domain " + from.domain + " is not a signing domain");
  } else if (domain->selectors.empty()) {
    d = make(Action::skip, Reason::no_selectors, "domain " + domain->name + " has no selectors");
    d.signing_domain = domain->name;
  } else {
    const DomainPolicy& policy = cfg.policy(*domain);
    const std::string how = " (auth = " + std::string(to_string(policy.auth)) + " for " + domain->name + ")";
    bool may = false;
    if (policy.auth == AuthMode::login_map) {
      Result<bool> owns = lookups.login_map ? lookups.login_map->owns(login, from)
                                            : make_error(Errc::invalid_argument, "no login_map is loaded");
      if (!owns) {
        d = make(Action::skip, Reason::lookup_failed, owns.error().detail);
        d.from_domain = from.domain;
        d.from_address = from.address();
        d.signing_domain = domain->name;
        return d;
      }
      may = *owns;
    } else {
      may = login_may_use(policy, parse_login(login), from);
    }
    if (!may) {
      d = make(mismatch_action(cfg), Reason::not_allowed, "login " + std::string(login) + " may not send as " + from.address() + how);
    } else {
      d = make(Action::sign, Reason::allowed, "login " + std::string(login) + " may send as " + from.address() + how);
      for (const auto& sel : domain->selectors) d.selectors.push_back(sel.name);
    }
    d.signing_domain = domain->name;
  }
  d.from_domain = from.domain;
  d.from_address = from.address();
  return d;
}

}  // namespace dnsauth::signing

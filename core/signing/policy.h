// Who may sign as whom: the signer's policy, as a pure function of the loaded configuration, the
// SMTP login ({auth_authen}) and the message's From; and which selectors a message already
// carries a verified signature of, so that it is not signed twice. The
// milter, the offline `sign` command and the validator's selftest all decide through here, so
// what an operator tests offline is what the milter does.
#pragma once

#include <string>
#include <string_view>

#include <vector>

#include "core/mail/address.h"
#include "core/signing/login_map.h"
#include "core/signing/settings.h"
#include "core/signing/signing_table.h"

namespace dnsauth::signing {

enum class Action { sign, skip, reject };

// Why. The names (to_string) are the `reason` label of the Prometheus counters and the
// `reason=` field of the log line; keep them stable.
enum class Reason {
  allowed,                // sign: the login may use the From address
  unauthenticated,        // no {auth_authen}: the session did not log in
  no_from,                // no From field, or one holding only an empty group
  several_from,           // several From fields, or several mailboxes in one
  malformed_from,         // From is not an address-list
  domain_not_configured,  // the From domain (and its parents) is not a [[domain]]
  no_selectors,           // the domain is configured without any [[domain.selector]]
  not_allowed,            // the login may not use that From (skip, or reject with on_mismatch)
  already_signed,         // every selector's own earlier signature on the message verified
  lookup_failed,          // the login map or signing table could not answer: on_error decides
};
inline constexpr Reason kAllReasons[] = {
    Reason::allowed,       Reason::unauthenticated,       Reason::no_from,
    Reason::several_from,  Reason::malformed_from,        Reason::domain_not_configured,
    Reason::no_selectors,  Reason::not_allowed,           Reason::already_signed,
    Reason::lookup_failed};

std::string_view to_string(Action a) noexcept;
std::string_view to_string(Reason r) noexcept;

struct Decision {
  Action action = Action::skip;
  Reason reason = Reason::unauthenticated;
  std::string from_domain;     // the From domain when there is exactly one author
  std::string from_address;    // the From address when there is exactly one author
  std::string signing_domain;  // d=: the configured domain that covers from_domain
  std::vector<std::string> selectors;  // sign: the selectors to sign with, in config order
  // sign from the signing table: one entry per signature, in table order (selectors[i] is
  // table[i].selector; signing_domain the first d=). Empty for a [[domain]].
  std::vector<SigningTables::Match> table;
  std::string detail;          // one sentence for logs and the 550 text ("login ... may not ...")
};

// The login as the policy compares it: local part kept as written, domain lowercased and in
// A-label form. A login without '@' has an empty domain (it can then match only "*" map keys).
// A login with '@' that is not exactly one addr-spec (RFC 5322 3.4.1) -- a list, a name-addr,
// a group, a broken address -- is malformed and matches nothing, "*" included.
struct Login {
  std::string local;
  std::string domain;
  std::string text;  // as received
  bool malformed = false;
};
Login parse_login(std::string_view login);

// The configured domain that covers `from_domain`: the domain itself, else its closest
// configured parent (so that a map entry "*.example.com" can let a login use a subdomain
// address, signed with d=example.com). nullptr when none.
const config::Domain* covering_domain(const Config& cfg, std::string_view from_domain);

// Whether `login` may use `from` under the domain's auth mode. Map keys: "user@domain" (local
// part exact, domain case-insensitive), "*@domain", "*@*.domain", "*". Map targets:
// "user@domain", "domain" or "*@domain" (any address at that domain), "*.domain" or
// "*@*.domain" (any address at a subdomain).
bool login_may_use(const DomainPolicy& policy, const Login& login, const mail::Mailbox& from);

// The tables a decision may consult besides dnsauth.toml; null when not configured.
struct Lookups {
  const SigningTables* tables = nullptr;
  const LoginMap* login_map = nullptr;
};

// The whole decision: login (empty when the session did not authenticate) and the message's
// author. A From domain covered by a [[domain]] is decided by that domain's auth mode and signs
// with every selector of it; any other is looked up in the signing table ([signer]
// multiple_signatures: every match), and the login must own the From address in the login map
// (auth = "login-map" semantics). Signatures the message already carries are weighed later
// (below), once they are verified. A table that cannot answer gives skip / lookup_failed, which
// the session turns into an internal error (on_error), never a guess.
Decision decide(const Config& cfg, const Lookups& lookups, std::string_view login, const mail::AuthorDomain& author);
// The same without tables (a configuration of [[domain]] entries only).
Decision decide(const Config& cfg, std::string_view login, const mail::AuthorDomain& author);

// Already signed. A message may pass the signer twice (a content filter that re-injects it, a
// forwarding loop); a selector whose own earlier signature is on it need not sign again. A
// DKIM-Signature field is anybody's text, though: naming our d= and s= proves nothing, and a
// forged one must not keep a message from being signed. So a selector is only a candidate when
// a field names it, and signs no more only when that signature verifies against the selector's
// own key (signing::SigningSession does it with the keys it holds, without DNS).
//
// A DKIM-Signature the message carries when it reaches the signer (d= and s=).
struct ExistingSignature {
  std::string domain;
  std::string selector;
};
// The DKIM-Signature fields among `headers` that parse, in order.
std::vector<ExistingSignature> existing_signatures(const std::vector<mail::HeaderField>& headers);
// The selectors of a sign decision that a signature in `existing` names (d= the signing domain,
// or for a table decision that entry's d=; s= the selector; both case-insensitive), in the
// decision's order; none for other decisions.
std::vector<std::string> signed_before(const Decision& d, const std::vector<ExistingSignature>& existing);
// Leaves the selectors in `verified` (their earlier signature verified against their own key)
// out of a sign decision; when that leaves none, the decision becomes skip / already_signed.
void drop_verified(Decision& d, const std::vector<std::string>& verified);

}  // namespace dnsauth::signing

#include "validator/selftest.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "core/authres/results.h"
#include "core/authres/authres.h"
#include "core/dkim/key_record.h"
#include "core/dkim/verifier.h"
#include "core/dmarc/evaluate.h"
#include "core/dns/ip_address.h"
#include "core/mail/address.h"
#include "core/records/lint.h"
#include "core/spf/check_host.h"
#include "core/signing/delegation.h"
#include "core/signing/policy.h"
#include "core/signing/session.h"
#include "validator/selftest_posture.h"

namespace dnsauth::validator {

namespace {

using authres::ResInfo;

std::string ar_line(const std::string& authserv_id, std::vector<ResInfo> results) {
  authres::AuthenticationResults ar;
  ar.authserv_id = authserv_id;
  ar.results = std::move(results);
  return "Authentication-Results: " + authres::format_value(ar);
}

// " (<problem>)" for an SPF verdict that has one (none, temperror, permerror), else "".
std::string problem_note(const spf::Verdict& v) {
  return v.cause == spf::Cause::none ? "" : " (" + v.problem() + ")";
}

std::string rfc5322_date(std::int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// A login and From address that the domain's auth mode allows, found by asking the signer's
// own policy (signing::decide) about candidates built from the config, so the selftest can
// never believe in a permission the milter would not grant.
struct Sender {
  std::string login;
  std::string from;
  std::string why_not;  // when no candidate is allowed
};

std::string concrete(std::string pattern, const std::string& domain) {
  // "*@domain" -> "selftest@domain"; "*@*.domain" / "*.domain" -> a subdomain; "*" -> anyone.
  if (pattern == "*") return "selftest@selftest.invalid";
  auto at = pattern.find('@');
  std::string local = at == std::string::npos ? "selftest" : pattern.substr(0, at);
  std::string dom = at == std::string::npos ? pattern : pattern.substr(at + 1);
  if (local == "*") local = "selftest";
  if (dom.rfind("*.", 0) == 0) dom = "selftest." + dom.substr(2);
  if (dom.empty()) dom = domain;
  return local + "@" + dom;
}

signing::Decision decide_for(const signing::KeySet& keys, const std::string& login, const std::string& from) {
  mail::AuthorDomain author;
  if (auto list = mail::parse_address_list(from); list && list->size() == 1) {
    author.count = mail::FromCount::one;
    author.mailboxes = *list;
  } else {
    author.count = mail::FromCount::malformed;
  }
  return signing::decide(keys.config(), keys.lookups(), login, author);
}

// A table or login-map domain: the login map cannot be listed (a cdb or LDAP map only answers
// lookups), so the selftest asks it about the addresses it can guess: selftest@ and postmaster@
// the domain and the localparts the signing table names there; an owner of one of them (or of
// @domain, which Postfix's lookup falls back to) that the policy lets sign is the sender.
Sender login_map_sender(const signing::KeySet& keys, const std::string& domain, std::vector<std::string> locals) {
  const signing::LoginMap* map = keys.login_map();
  if (!map) return {{}, {}, "no [signer] login_map is loaded"};
  locals.insert(locals.begin(), {"selftest", "postmaster"});
  std::string tried, last;
  for (const auto& local : locals) {
    const mail::Mailbox box{"", local, domain};
    tried += (tried.empty() ? "" : ", ") + box.address();
    auto owners = map->owners(box);
    if (!owners) return {{}, {}, "the login map " + map->table().name() + " cannot answer: " + owners.error().detail};
    if (!*owners) continue;
    // The first login of the owner list (separated by commas and whitespace, as login_map.h).
    std::string_view list = **owners;
    auto begin = list.find_first_not_of(", \t\r\n");
    if (begin == std::string_view::npos) continue;
    std::string login(list.substr(begin, list.find_first_of(", \t\r\n", begin) - begin));
    signing::Decision dec = decide_for(keys, login, box.address());
    if (dec.action == signing::Action::sign && dec.signing_domain == domain) return {login, box.address(), {}};
    last = dec.detail;
  }
  if (!last.empty()) return {{}, {}, last};
  return {{}, {}, "the login map " + map->table().name() + " lists no owner for " + tried + " (nor @" + domain +
                      "), and the selftest cannot list the map's addresses: add an entry for selftest@" + domain +
                      " to test signing"};
}

Sender find_sender(const signing::KeySet& keys, const config::Domain& d) {
  const signing::Config& cfg = keys.config();
  if (cfg.policy(d).auth == signing::AuthMode::login_map) return login_map_sender(keys, d.name, {});
  std::vector<std::pair<std::string, std::string>> candidates;
  std::string self = "selftest@" + d.name;
  candidates.emplace_back(self, self);
  for (const auto& [login, targets] : cfg.policy(d).allow) {
    for (const auto& target : targets) candidates.emplace_back(concrete(login, d.name), concrete(target, d.name));
  }
  // Addresses in the domain itself first: a subdomain address would still be signed with this
  // d=, but would not prove strict alignment.
  std::stable_partition(candidates.begin(), candidates.end(), [&](const auto& c) {
    return mail::iequals(c.second.substr(c.second.rfind('@') + 1), d.name);
  });
  std::string last;
  for (const auto& [login, from] : candidates) {
    signing::Decision dec = decide_for(keys, login, from);
    if (dec.action == signing::Action::sign && dec.signing_domain == d.name) return {login, from, {}};
    if (dec.reason != signing::Reason::malformed_from) last = dec.detail;
  }
  return {{}, {}, last.empty() ? "no login in the config may send as " + d.name : last};
}

std::string synthetic_message(const std::string& from, const std::string& domain, std::int64_t now) {
  return "From: dnsauth selftest <" + from + ">\r\n"
         "To: postmaster@" + domain + "\r\n"
         "Subject: dnsauth selftest for " + domain + "\r\n"
         "Date: " + rfc5322_date(now) + "\r\n"
         "Message-ID: <selftest." + std::to_string(now) + "@" + domain + ">\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "This message was signed by dnsauth-validate selftest through the signer's own\r\n"
         "policy and signing path, and verified against the published records.\r\n";
}

// An address inside a configured network ("192.0.2.0/25" -> 192.0.2.1): the first host.
dns::IpAddress sample_address(const dns::Network& n) {
  const dns::IpAddress& ip = n.address;
  unsigned max = ip.is_v4() ? 32 : 128;
  if (n.prefix + 2 > max) return ip;  // /31, /32, /127, /128: the address as written
  std::array<std::uint8_t, 16> b{};
  std::copy(ip.data(), ip.data() + ip.size(), b.begin());
  for (unsigned bit = n.prefix; bit < max; ++bit) b[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  b[ip.size() - 1] |= 1;
  if (ip.is_v4()) return dns::IpAddress::v4({b[0], b[1], b[2], b[3]});
  return dns::IpAddress::v6(b);
}

bool inside_any(const dns::IpAddress& ip, const std::vector<std::string>& networks) {
  for (const auto& text : networks) {
    // The config loader has checked the syntax; an entry that does not parse is no network.
    if (auto n = dns::Network::parse(text); n && n->contains(ip)) return true;
  }
  return false;
}

// The key record of `selector` in `domain` exists, parses and publishes `key` (null: no key
// was loaded for it).
SelftestCheck key_check(const std::string& selector, const std::string& domain, const dkim::PrivateKey* key,
                        const std::filesystem::path& key_path, dns::Resolver& resolver) {
  SelftestCheck c{"dkim-key", selector, false, {}, {}};
  std::string name = dkim::key_record_name(selector, domain);
  dns::Answer a = resolver.query(name, dns::RRType::TXT);
  if (!a.ok()) {
    c.detail = "no key record at " + name + " (" + std::string(dns::to_string(a.status)) + ")";
    return c;
  }
  auto rec = dkim::parse_key_record(a.records.front());
  if (!rec) {
    c.detail = name + ": " + rec.error().message();
  } else if (rec->revoked()) {
    c.detail = name + ": the key is revoked (empty p=)";
  } else if (!rec->type()) {
    c.detail = name + ": unknown key type k=" + rec->key_type;
  } else {
    auto pub = dkim::PublicKey::from_record_bytes(*rec->type(), rec->public_key);
    if (!pub) {
      c.detail = name + ": " + pub.error().detail;
    } else if (!key || !pub->same_key(*key)) {
      c.detail = name + " publishes a different key than " + key_path.string() + " (stale record?)";
    } else {
      c.ok = true;
      c.detail = name + " matches " + key_path.filename().string();
    }
  }
  return c;
}

void check_dkim_keys(const config::Domain& d, const signing::KeySet::DomainKeys* keys, dns::Resolver& resolver,
                     DomainSelftest& out) {
  for (std::size_t i = 0; i < d.selectors.size(); ++i) {
    const auto& sel = d.selectors[i];
    const dkim::SignerSpec* spec = keys && i < keys->specs.size() ? &keys->specs[i] : nullptr;
    out.checks.push_back(key_check(sel.name, d.name, spec ? spec->key.get() : nullptr, sel.key_path, resolver));
  }
}

// Signs the synthetic message from `sender` through the signer's path and verifies every
// signature against what `resolver` publishes: one dkim-sign-verify check per signature, or one
// failed check saying why nothing was signed. The verdicts, for DMARC.
std::vector<dkim::SignatureResult> sign_and_verify(const std::shared_ptr<const signing::KeySet>& keys,
                                                   const Sender& sender, const std::string& domain,
                                                   dns::Resolver& resolver, const SelftestOptions& opt,
                                                   DomainSelftest& out, mail::AuthorDomain& author) {
  std::vector<dkim::SignatureResult> results;
  std::string msg = synthetic_message(sender.from, domain, opt.now);
  auto signed_msg = signing::sign_offline(keys, sender.login, msg, opt.now);
  if (!signed_msg || signed_msg->decision.action != signing::Action::sign) {
    out.checks.push_back({"dkim-sign-verify", sender.login, false,
                          signed_msg ? "the signer would not sign: " + signed_msg->decision.detail
                                     : "signing failed: " + signed_msg.error().message(),
                          {}});
    return results;
  }
  std::string full;
  for (const auto& f : signed_msg->signatures) full += f.raw();
  full += msg;
  auto parsed = mail::parse_message(full);
  author = mail::author_from(*parsed);
  dkim::VerifyOptions vo;
  vo.now = opt.now;
  results = dkim::verify_message(*parsed, resolver, vo);
  for (const auto& r : results) {
    bool aligned = r.domain == domain;
    SelftestCheck c{"dkim-sign-verify", r.selector, r.status == dkim::Status::pass && aligned, {},
                    ar_line(opt.authserv_id, {authres::dkim_resinfo(r)})};
    c.detail = "From " + sender.from + " (login " + sender.login + "), d=" + r.domain + " s=" + r.selector +
               ": dkim=" + std::string(dkim::to_string(r.status)) + (r.cause == dkim::Cause::none ? "" : " (" + r.reason() + ")") +
               (aligned ? "" : ", d= does not match the configured domain");
    out.checks.push_back(std::move(c));
  }
  return results;
}

// The selectors of a table domain delegated by CNAME: one dkim-delegation check per selector,
// by the linter's own rules (records::lint_dkim_keys): the CNAME at the customer's name, its
// target, and the key record found there against the loaded key.
void check_delegated_keys(const signing::KeySet& keys, const std::string& domain, dns::Resolver& resolver,
                          DomainSelftest& out) {
  auto selectors = signing::table_selectors(keys.config().signer, *keys.tables(), domain);
  if (!selectors) {
    out.checks.push_back({"dkim-delegation", "-", false, selectors.error().detail, {}});
    return;
  }
  records::LintOptions lo;
  for (auto& t : *selectors) {
    const dkim::SignerSpec spec = keys.table_spec(t.key);
    if (spec.key) {
      t.expected.private_key = *spec.key;
      t.expected.key_type = spec.key->type();
    }
    lo.expected_selectors.push_back(t.expected);
  }
  records::Report lint = records::lint_dkim_keys(resolver, domain, lo);
  for (const auto& t : *selectors) {
    const std::string name = dkim::key_record_name(t.expected.name, domain);
    std::string problems;
    for (const auto& f : lint.findings) {
      if (f.name != name && f.name != t.expected.delegated_to) continue;
      // A key record not looked up was not checked: that is no pass.
      if (f.severity() != records::Severity::error && f.id() != "dns-not-followed") continue;
      problems += (problems.empty() ? "" : "; ") + std::string(f.id()) + ": " + f.message;
    }
    const std::filesystem::path path = keys.tables()->keys().at(t.key).key_path;
    out.checks.push_back({"dkim-delegation", t.expected.name, problems.empty(),
                          problems.empty() ? name + " is a CNAME to " + t.expected.delegated_to +
                                                 ", whose key record matches " + path.filename().string()
                                           : problems,
                          {}});
  }
}

// A domain of the key and signing tables: the keys the signing table picks for a sender the
// login map lets sign are published, and the message signed with them verifies. The tables
// carry no SPF, DMARC or lint settings (those are [[domain]] keys); a domain without such a
// sender is skipped, with the reason. A delegated domain's CNAMEs and keys need no sender:
// they are checked all the same, and only the signing is skipped.
void check_table_domain(const std::shared_ptr<const signing::KeySet>& keys, const std::string& domain,
                        dns::Resolver& upstream, const SelftestOptions& opt, SelftestReport& report) {
  Sender sender = login_map_sender(*keys, domain, keys->tables()->named_localparts(domain));
  const bool delegated = signing::delegates(keys->config().signer, keys->tables());
  if (sender.login.empty() && !delegated) {
    report.skipped.push_back({domain, sender.why_not});
    return;
  }
  dns::CachingResolver resolver(upstream);
  DomainSelftest out;
  out.domain = domain;
  if (sender.login.empty()) {
    check_delegated_keys(*keys, domain, resolver, out);
    report.skipped.push_back({domain, "dkim-sign-verify not run: " + sender.why_not});
    report.domains.push_back(std::move(out));
    return;
  }
  if (delegated) {
    check_delegated_keys(*keys, domain, resolver, out);
  } else {
    signing::Decision dec = decide_for(*keys, sender.login, sender.from);
    for (const auto& m : dec.table) {
      const auto& k = keys->tables()->keys().at(m.key);
      out.checks.push_back(key_check(m.selector, m.domain, keys->table_spec(m.key).key.get(), k.key_path, resolver));
    }
  }
  mail::AuthorDomain author;
  sign_and_verify(keys, sender, domain, resolver, opt, out, author);
  report.domains.push_back(std::move(out));
}

}  // namespace

bool DomainSelftest::ok() const {
  for (const auto& c : checks)
    if (!c.ok) return false;
  return true;
}

std::size_t SelftestReport::passed() const {
  std::size_t n = 0;
  for (const auto& d : domains)
    for (const auto& c : d.checks) n += c.ok ? 1 : 0;
  return n;
}
std::size_t SelftestReport::failed() const {
  std::size_t n = 0;
  for (const auto& d : domains)
    for (const auto& c : d.checks) n += c.ok ? 0 : 1;
  return n;
}

SelftestReport run_selftest(std::shared_ptr<const signing::KeySet> keys, dns::Resolver& upstream,
                            const SelftestOptions& opt) {
  SelftestReport report;
  const signing::Config& cfg = keys->config();
  for (const auto& d : cfg.domains()) {
    dns::CachingResolver resolver(upstream);
    DomainSelftest out;
    out.domain = d.name;
    const auto* dk = keys->domain(d.name);

    // 1. Every selector's published key exists, parses and matches the private key file.
    check_dkim_keys(d, dk, resolver, out);

    // 2. A message from a user the auth mode allows, signed through the signer's own path,
    //    verifies against what is published, with d= aligned with From.
    std::vector<dkim::SignatureResult> dkim_results;
    mail::AuthorDomain author;
    Sender sender = find_sender(*keys, d);
    if (d.selectors.empty()) {
      out.checks.push_back({"dkim-sign-verify", "-", false, "the domain has no [[domain.selector]]", {}});
    } else if (sender.login.empty()) {
      out.checks.push_back({"dkim-sign-verify", "-", false, sender.why_not, {}});
    } else {
      dkim_results = sign_and_verify(keys, sender, d.name, resolver, opt, out, author);
    }

    // 3. SPF: every configured network passes for the domain's MAIL FROM and for each HELO
    //    name; an address outside them does not.
    std::optional<dmarc::SpfInput> spf_for_dmarc;
    std::optional<std::pair<spf::Verdict, spf::Session>> spf_pass;  // its resinfo for the DMARC line
    if (!d.spf) {
      out.checks.push_back({"spf-pass", "-", false, "no [domain.spf] in the config: nothing authorizes the outbound addresses", {}});
    } else {
      std::vector<std::string> nets = d.spf->ip4;
      nets.insert(nets.end(), d.spf->ip6.begin(), d.spf->ip6.end());
      if (nets.empty()) {
        out.checks.push_back({"spf-pass", "-", false, "[domain.spf] lists no ip4 or ip6 network to test", {}});
      }
      const std::string mail_from = "selftest@" + d.name;  // SPF checks the domain only
      for (const auto& n : nets) {
        auto net = dns::Network::parse(n);
        if (!net) continue;
        const dns::IpAddress ip = sample_address(*net);
        spf::Session s{ip, mail_from, d.spf->helo.empty() ? "selftest." + d.name : d.spf->helo.front(), "selftest", opt.now};
        spf::Verdict v = spf::verify_mail_from(resolver, s);
        bool ok = v.result == spf::Result::Pass;
        if (ok && !spf_for_dmarc) {
          spf_for_dmarc = dmarc::SpfInput{d.name, "pass"};
          spf_pass.emplace(v, s);
        }
        out.checks.push_back({"spf-pass", ip.to_string(), ok,
                              "MAIL FROM " + mail_from + " from " + ip.to_string() + " (" + n + "): spf=" +
                                  std::string(spf::to_string(v.result)) + problem_note(v),
                              ar_line(opt.authserv_id, {authres::spf_resinfo(v, s)})});
        for (const auto& helo : d.spf->helo) {
          spf::Session hs{ip, "", helo, "selftest", opt.now};
          spf::Verdict hv = spf::verify_helo(resolver, hs);
          out.checks.push_back({"spf-helo", helo + " " + ip.to_string(), hv.result == spf::Result::Pass,
                                "HELO " + helo + " from " + ip.to_string() + ": spf=" + std::string(spf::to_string(hv.result)) +
                                    problem_note(hv),
                                ar_line(opt.authserv_id, {authres::spf_resinfo(hv, hs)})});
        }
      }
      for (const char* candidate : {"192.0.2.1", "198.51.100.1", "203.0.113.1"}) {
        auto ip = dns::IpAddress::parse(candidate);
        if (inside_any(*ip, d.spf->ip4)) continue;
        spf::Session s{*ip, mail_from, "outside.invalid", "selftest", opt.now};
        spf::Verdict v = spf::verify_mail_from(resolver, s);
        out.checks.push_back({"spf-outside", candidate, v.result != spf::Result::Pass,
                              "MAIL FROM " + mail_from + " from " + std::string(candidate) + " (not configured): spf=" +
                                  std::string(spf::to_string(v.result)) +
                                  (v.result == spf::Result::Pass ? ": the record authorizes more than the config lists" : ""),
                              ar_line(opt.authserv_id, {authres::spf_resinfo(v, s)})});
        break;
      }
    }

    // 4. DMARC: the record exists and both identifiers align under its adkim/aspf.
    if (author.count != mail::FromCount::one) {
      author.count = mail::FromCount::one;
      author.mailboxes = {mail::Mailbox{"", "selftest", d.name}};
    }
    dmarc::Evaluation ev = dmarc::evaluate(author, dmarc::dkim_inputs(dkim_results), spf_for_dmarc, resolver);
    const dmarc::DomainResult* dr = ev.deciding();
    bool found = dr && dr->discovery.found();
    out.checks.push_back({"dmarc-record", "_dmarc." + d.name, found,
                          found ? "policy found at _dmarc." + dr->discovery.policy_domain
                                : "no DMARC record applies to " + d.name + (dr ? " (" + dr->discovery.reason() + ")" : ""),
                          {}});
    if (found) {
      bool ok = ev.status == dmarc::Status::pass && dr->spf_aligned && dr->dkim_aligned;
      std::string detail = "dmarc=" + std::string(dmarc::to_string(ev.status)) + "; SPF " +
                           (dr->spf_aligned ? "aligned" : "not aligned") + ", DKIM " +
                           (dr->dkim_aligned ? "aligned" : "not aligned");
      if (!ok) detail += " (" + ev.reason() + ")";
      std::vector<ResInfo> all;
      for (const auto& r : dkim_results) all.push_back(authres::dkim_resinfo(r));
      if (spf_pass) all.push_back(authres::spf_resinfo(spf_pass->first, spf_pass->second));
      for (auto& r : authres::dmarc_resinfos(ev)) all.push_back(std::move(r));
      out.checks.push_back({"dmarc-aligned", d.name, ok, detail, ar_line(opt.authserv_id, std::move(all))});
    }

    // 5. MTA-STS, TLS-RPT and BIMI as configured (validator/selftest_posture.h).
    check_posture(d, resolver, opt, out);

    // 6. The lint catalog reports no error.
    records::LintOptions lo = records::options_for(d);
    if (dk) {
      for (std::size_t i = 0; i < lo.expected_selectors.size() && i < dk->specs.size(); ++i) {
        lo.expected_selectors[i].private_key = *dk->specs[i].key;
      }
    }
    records::Report lint = records::lint_domain(resolver, d.name, lo);
    std::string errors;
    for (const auto& f : lint.findings) {
      if (f.severity() != records::Severity::error) continue;
      errors += (errors.empty() ? "" : "; ") + std::string(f.id()) + ": " + f.message;
    }
    out.checks.push_back({"lint", d.name, errors.empty(),
                          errors.empty() ? "no errors (" + std::to_string(lint.count(records::Severity::warning)) +
                                               " warnings; see dnsauth-publish lint)"
                                         : errors,
                          {}});
    report.domains.push_back(std::move(out));
  }
  if (const auto* tables = keys->tables()) {
    for (const auto& domain : tables->named_domains()) check_table_domain(keys, domain, upstream, opt, report);
  }
  return report;
}

}  // namespace dnsauth::validator

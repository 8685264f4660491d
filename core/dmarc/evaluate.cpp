#include "core/dmarc/evaluate.h"

#include <algorithm>

#include "core/common/ascii.h"

namespace dnsauth::dmarc {
namespace {

std::string lowercase(std::string_view s) { return ascii::to_lower(s); }

int rank(Policy p) noexcept {
  switch (p) {
    case Policy::none: return 0;
    case Policy::quarantine: return 1;
    case Policy::reject: return 2;
  }
  return 0;
}

// RFC 9989 4.7 "t" and RFC 7489 6.6.4: one level below the requested policy.
Policy one_level_down(Policy p) noexcept {
  return p == Policy::reject ? Policy::quarantine : Policy::none;
}

std::string summary(const AlignmentCheck& c) {
  std::string out(to_string(c.method));
  out += c.method == AlignmentCheck::Method::dkim ? " d=" + c.domain : " " + c.domain;
  out += " " + c.result;
  switch (c.outcome) {
    case AlignmentCheck::Outcome::aligned:
      out += ", aligned (" + std::string(c.mode == AlignmentMode::strict ? "strict" : "relaxed") + ")";
      break;
    case AlignmentCheck::Outcome::not_aligned:
      out += ", not aligned (" + std::string(c.mode == AlignmentMode::strict ? "strict" : "relaxed") +
             ")";
      break;
    case AlignmentCheck::Outcome::temperror:
      out += ", " + c.reason();
      break;
    case AlignmentCheck::Outcome::not_authenticated:
      break;
  }
  return out;
}

AlignmentCheck check(AlignmentCheck::Method method, std::string_view author, std::string domain,
                     std::string selector, std::string result, AlignmentMode mode,
                     PolicyFinder& finder) {
  AlignmentCheck c;
  c.method = method;
  c.domain = normalize_domain(domain);
  c.selector = std::move(selector);
  c.result = lowercase(result);
  c.mode = mode;
  const bool pass = c.result == "pass";
  // Only a pass authenticates (RFC 9989 4.4.1, 4.4.2). A temporary error matters when the
  // identifier would have aligned: then DMARC cannot conclude (RFC 7489 6.6.2).
  using Cause = AlignmentCheck::Cause;
  using Outcome = AlignmentCheck::Outcome;
  if (!pass && c.result != "temperror") {
    c.outcome = Outcome::not_authenticated;
    c.cause = Cause::not_passed;
    c.detail = std::string(to_string(method)) + " did not pass";
    return c;
  }
  if (c.domain.empty()) {
    c.outcome = Outcome::not_authenticated;
    c.cause = Cause::no_domain;
    return c;
  }
  std::optional<bool> a = aligned(author, c.domain, mode, finder, &c.organizational_domain);
  if (!a) {
    c.outcome = Outcome::temperror;
    c.cause = Cause::organizational_domain_temperror;
  } else if (!pass) {
    c.outcome = *a ? Outcome::temperror : Outcome::not_authenticated;
    c.cause = *a ? Cause::temperror_aligned : Cause::temperror_not_aligned;
  } else {
    c.outcome = *a ? Outcome::aligned : Outcome::not_aligned;
    c.cause = *a ? Cause::aligned : Cause::not_aligned;
  }
  return c;
}

}  // namespace

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::none: return "none";
    case Status::temperror: return "temperror";
    case Status::permerror: return "permerror";
  }
  return "none";
}

std::string_view to_string(AlignmentCheck::Method method) noexcept {
  return method == AlignmentCheck::Method::dkim ? "dkim" : "spf";
}

std::string_view to_string(AlignmentCheck::Outcome outcome) noexcept {
  switch (outcome) {
    case AlignmentCheck::Outcome::aligned: return "aligned";
    case AlignmentCheck::Outcome::not_aligned: return "not-aligned";
    case AlignmentCheck::Outcome::not_authenticated: return "not-authenticated";
    case AlignmentCheck::Outcome::temperror: return "temperror";
  }
  return "not-authenticated";
}

std::string_view to_string(AlignmentCheck::Cause cause) noexcept {
  switch (cause) {
    case AlignmentCheck::Cause::aligned: return "aligned";
    case AlignmentCheck::Cause::not_aligned: return "not_aligned";
    case AlignmentCheck::Cause::not_passed: return "not_passed";
    case AlignmentCheck::Cause::no_domain: return "no_domain";
    case AlignmentCheck::Cause::temperror_not_aligned: return "temperror_not_aligned";
    case AlignmentCheck::Cause::temperror_aligned: return "temperror_aligned";
    case AlignmentCheck::Cause::organizational_domain_temperror: return "organizational_domain_temperror";
  }
  return "?";
}

std::string_view describe(AlignmentCheck::Cause cause) noexcept {
  switch (cause) {
    case AlignmentCheck::Cause::aligned: return "aligned";
    case AlignmentCheck::Cause::not_aligned: return "not aligned";
    case AlignmentCheck::Cause::not_passed: return "did not pass";
    case AlignmentCheck::Cause::no_domain: return "no domain to align";
    case AlignmentCheck::Cause::temperror_not_aligned: return "temperror, not aligned anyway";
    case AlignmentCheck::Cause::temperror_aligned: return "temporary error on an aligned identifier";
    case AlignmentCheck::Cause::organizational_domain_temperror: return "Organizational Domain lookup failed";
  }
  return "";
}

std::string AlignmentCheck::reason() const {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

std::string DomainResult::reason() const {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

std::string Evaluation::reason() const {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

DkimInput dkim_input(const dkim::SignatureResult& s) {
  return DkimInput{s.domain, s.selector, std::string(dkim::to_string(s.status))};
}

std::vector<DkimInput> dkim_inputs(const std::vector<dkim::SignatureResult>& signatures) {
  std::vector<DkimInput> out;
  out.reserve(signatures.size());
  for (const auto& s : signatures) out.push_back(dkim_input(s));
  return out;
}

std::optional<bool> aligned(std::string_view author_in, std::string_view identifier_in,
                            AlignmentMode mode, PolicyFinder& finder, std::string* org_out) {
  std::string author = normalize_domain(author_in);
  std::string identifier = normalize_domain(identifier_in);
  if (author == identifier) return !author.empty();
  if (mode == AlignmentMode::strict) return false;
  // RFC 9989 4.10.2: the same Organizational Domain, found by tree walk (or, RFC 7489 3.2,
  // through the Public Suffix List).
  OrganizationalDomain org_author = finder.organizational_domain(author);
  if (org_author.temperror) return std::nullopt;
  OrganizationalDomain org_identifier = finder.organizational_domain(identifier);
  if (org_identifier.temperror) return std::nullopt;
  if (org_out) *org_out = org_identifier.domain;
  return org_author.domain == org_identifier.domain;
}

DomainResult evaluate_domain(std::string_view author_in, const std::vector<DkimInput>& dkim,
                             const std::optional<SpfInput>& spf, PolicyFinder& finder,
                             const EvaluateOptions& options) {
  DomainResult r;
  r.author_domain = normalize_domain(author_in);
  const std::string& author = r.author_domain;
  auto decide = [&r](Status status, Cause cause, std::string detail) {
    r.status = status;
    r.cause = cause;
    r.detail = std::move(detail);
    return r;
  };
  if (author.empty()) return decide(Status::none, Cause::no_author_domain, {});
  if (author.front() == '[')
    return decide(Status::none, Cause::invalid_author_domain,
                  "the Author Domain " + author + " is an address literal: no DMARC record can exist for it");

  // RFC 9989 5.3.2: does the DMARC mechanism apply?
  r.discovery = finder.discover(author);
  if (r.discovery.outcome == PolicyDiscovery::Outcome::temperror)
    return decide(Status::temperror, r.discovery.cause, r.discovery.reason());
  if (r.discovery.outcome == PolicyDiscovery::Outcome::none)
    return decide(Status::none, r.discovery.cause, r.discovery.reason());
  const Record& rec = r.discovery.record;
  const std::string where = "_dmarc." + r.discovery.policy_domain;

  // RFC 9989 4.10.1 / RFC 7489 6.6.3 step 6: an invalid p (7489: a missing one too), sp or np.
  // RFC 9989 4.7 "p": a record without p is read as p=none.
  const bool bis = options.mode == Mode::rfc9989;
  std::string invalid;
  if (rec.p.invalid()) invalid = "p is not valid";
  else if (!bis && !rec.p.present) invalid = "p is missing (required by RFC 7489 6.3)";
  else if (rec.sp.invalid()) invalid = "sp is not valid";
  else if (bis && rec.np.invalid()) invalid = "np is not valid";
  bool as_none = false;
  std::string policy_note;
  if (!invalid.empty()) {
    if (rec.rua.empty()) {
      return decide(Status::permerror, Cause::unusable_record,
                    "the record at " + where + " is unusable (" + invalid +
                        ") and has no valid rua: DMARC not applied (" +
                        (bis ? "RFC 9989 4.10.1" : "RFC 7489 6.6.3") + ")");
    }
    as_none = true;
    policy_note = "record at " + where + ": " + invalid + "; treated as p=none because rua is valid";
  }

  // RFC 9989 5.3.3 - 5.3.5: authenticated identifiers and their alignment.
  for (const DkimInput& d : dkim)
    r.checks.push_back(check(AlignmentCheck::Method::dkim, author, d.domain, d.selector, d.result,
                             rec.adkim, finder));
  if (spf)
    r.checks.push_back(check(AlignmentCheck::Method::spf, author, spf->domain, {}, spf->result,
                             rec.aspf, finder));
  bool temp = false;
  for (const AlignmentCheck& c : r.checks) {
    if (c.outcome == AlignmentCheck::Outcome::aligned) {
      (c.method == AlignmentCheck::Method::dkim ? r.dkim_aligned : r.spf_aligned) = true;
    }
    if (c.outcome == AlignmentCheck::Outcome::temperror) temp = true;
    if (!c.organizational_domain.empty() && r.organizational_domain.empty()) {
      OrganizationalDomain org = finder.organizational_domain(author);
      if (!org.temperror) r.organizational_domain = org.domain;
    }
  }
  if (r.dkim_aligned || r.spf_aligned) r.status = Status::pass;
  else if (temp) r.status = Status::temperror;  // RFC 7489 6.6.2, RFC 9989 5.3.6
  else r.status = Status::fail;

  // RFC 9989 4.10.1: p for the policy domain itself; sp for an existing subdomain, np for a
  // non-existent one (4.7 "np": absent np falls back to sp, then p). RFC 7489 6.3: sp or p.
  if (as_none) {
    r.requested = Policy::none;
    r.policy_tag = "p";
  } else if (!r.discovery.subdomain()) {
    r.requested = rec.p.value.value_or(Policy::none);
    r.policy_tag = "p";
  } else {
    bool use_np = false;
    if (bis && rec.np.value && r.status == Status::fail) {
      // RFC 9989 3.2.13: non-existent means NXDOMAIN (RFC 8020).
      dns::Answer a = finder.resolver().query(author, dns::RRType::A);
      if (a.status == dns::Status::tempfail) {
        return decide(Status::temperror, Cause::existence_temperror,
                      "cannot tell whether " + author + " exists (np=" + std::string(to_string(*rec.np.value)) +
                          " at " + where + "): DNS failure" + (a.detail.empty() ? "" : " (" + a.detail + ")"));
      }
      r.author_exists = a.status != dns::Status::nxdomain;
      use_np = !*r.author_exists;
    }
    if (use_np) {
      r.requested = *rec.np.value;
      r.policy_tag = "np";
    } else if (rec.sp.value) {
      r.requested = *rec.sp.value;
      r.policy_tag = "sp";
    } else {
      r.requested = rec.p.value.value_or(Policy::none);
      r.policy_tag = "p";
    }
  }

  std::string ids;
  for (const AlignmentCheck& c : r.checks) ids += (ids.empty() ? "" : "; ") + summary(c);
  if (ids.empty()) ids = "no SPF or DKIM result";

  std::string policy = std::string(r.policy_tag) + "=" + std::string(to_string(*r.requested)) +
                       " from " + where;
  if (r.discovery.psd_record) policy += " (Public Suffix Domain record)";
  if (r.author_exists.has_value() && !*r.author_exists) policy += " (" + author + " does not exist)";
  if (!policy_note.empty()) policy += "; " + policy_note;

  if (r.status == Status::pass)
    return decide(Status::pass, Cause::aligned_pass, "aligned pass for " + author + ": " + ids + "; " + policy);
  if (r.status == Status::temperror)
    return decide(Status::temperror, Cause::alignment_temperror,
                  "no aligned pass and a temporary error for " + author + ": " + ids + "; " + policy);

  // RFC 9989 5.3.6: apply the policy, with t=y one level down (4.7 "t"); RFC 7489 6.6.4:
  // pct sampling, the unselected message treated one level down.
  r.applied = *r.requested;
  std::string applied_note;
  if (bis) {
    if (rec.testing && r.applied != Policy::none) {
      r.testing = true;
      r.applied = one_level_down(r.applied);
      applied_note = "; t=y: " + std::string(to_string(r.applied)) + " applied";
    }
  } else if (rec.pct_present && rec.pct < 100 && r.applied != Policy::none) {
    if (options.random) {
      bool selected = (options.random() % 100) < rec.pct;
      r.sampled = selected;
      if (!selected) {
        r.applied = one_level_down(r.applied);
        applied_note = "; not sampled by pct=" + std::to_string(rec.pct) + ": " +
                       std::string(to_string(r.applied)) + " applied";
      } else {
        applied_note = "; sampled by pct=" + std::to_string(rec.pct);
      }
    } else {
      r.sampled = rec.pct > 0;
      if (rec.pct == 0) r.applied = one_level_down(r.applied);
      applied_note = "; pct=" + std::to_string(rec.pct) + " without a random source: " +
                     std::string(to_string(r.applied)) + " applied";
    }
  }
  return decide(Status::fail, Cause::no_aligned_pass,
                "no aligned pass for " + author + ": " + ids + "; " + policy + applied_note);
}

const DomainResult* Evaluation::deciding() const {
  for (const auto& d : domains)
    if (d.status == status && status == Status::fail) return &d;
  for (const auto& d : domains)
    if (d.status == status) return &d;
  return domains.empty() ? nullptr : &domains.front();
}

Evaluation evaluate(const mail::AuthorDomain& author, const std::vector<DkimInput>& dkim,
                    const std::optional<SpfInput>& spf, dns::Resolver& resolver,
                    const EvaluateOptions& options) {
  Evaluation e;
  PolicyFinder finder(resolver, DiscoveryOptions{options.mode, options.psl, options.max_walk_queries});
  auto finish = [&] {
    for (const RecordLookup* l : finder.lookups()) e.lookups.push_back(*l);
    return e;
  };

  // RFC 9989 5.3.1 / RFC 7489 6.6.1: exactly one Author Domain, or a clear verdict.
  auto permerror = [&](Cause cause, std::string detail) {
    e.status = Status::permerror;
    e.cause = cause;
    e.detail = std::move(detail);
    return finish();
  };
  if (author.count == mail::FromCount::none || author.count == mail::FromCount::malformed) {
    return permerror(Cause::no_author_domain,
                     "no Author Domain: " + (author.reason.empty() ? std::string("no From field") : author.reason) +
                         " (RFC 9989 5.3.1: DMARC validation is not possible)");
  }
  std::vector<std::string> domains;
  for (const mail::Mailbox& m : author.mailboxes) {
    std::string d = normalize_domain(m.domain);
    if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(d);
  }
  if (domains.empty()) return permerror(Cause::no_author_domain, "no Author Domain: the From field names no mailbox");
  if (domains.size() > options.max_author_domains) {
    return permerror(Cause::too_many_author_domains,
                     "From names " + std::to_string(domains.size()) + " domains, more than the " +
                         std::to_string(options.max_author_domains) +
                         " evaluated (RFC 9989 11.5); DMARC evaluation incomplete");
  }

  for (const std::string& d : domains) e.domains.push_back(evaluate_domain(d, dkim, spf, finder, options));

  // Several domains: the strictest outcome wins (RFC 7489 6.6.1 "apply the most strict policy
  // selected among the checks that fail").
  auto any = [&](Status s) {
    return std::any_of(e.domains.begin(), e.domains.end(),
                       [&](const DomainResult& d) { return d.status == s; });
  };
  if (any(Status::fail)) e.status = Status::fail;
  else if (any(Status::temperror)) e.status = Status::temperror;
  else if (any(Status::permerror)) e.status = Status::permerror;
  else if (any(Status::pass)) e.status = Status::pass;
  else e.status = Status::none;

  for (const DomainResult& d : e.domains) {
    if (d.status != Status::fail) continue;
    if (d.requested && rank(*d.requested) > rank(e.requested)) e.requested = *d.requested;
    if (rank(d.applied) > rank(e.applied)) e.applied = d.applied;
  }
  if (e.status != Status::fail) {
    const DomainResult* first = e.deciding();
    if (first && first->requested) e.requested = *first->requested;
  }

  const DomainResult* dec = e.deciding();
  e.cause = dec->cause;
  if (e.domains.size() == 1) {
    e.detail = dec->reason();
  } else {
    e.detail = (author.count == mail::FromCount::several && !author.reason.empty() ? author.reason + ", "
                                                                                    : std::string()) +
               std::to_string(e.domains.size()) + " Author Domains, each evaluated (RFC 7489 6.6.1):";
    for (const DomainResult& d : e.domains)
      e.detail += " [" + d.author_domain + ": " + std::string(to_string(d.status)) + "]";
    e.detail += "; " + dec->reason();
  }
  return finish();
}

}  // namespace dnsauth::dmarc

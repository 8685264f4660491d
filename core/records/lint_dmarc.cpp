// The DMARC half of the linter: the record at _dmarc.<domain> as core/dmarc parses it, policy
// discovery as RFC 9989 receivers do it (and where RFC 7489 receivers would see otherwise),
// and the external report destinations (RFC 9990 4, RFC 7489 7.1).
#include "core/dmarc/discovery.h"
#include "core/dmarc/record.h"
#include "core/mail/message.h"
#include "core/records/lint_detail.h"

namespace dnsauth::records::detail {

namespace {

int strength(dmarc::Policy p) {
  switch (p) {
    case dmarc::Policy::none: return 0;
    case dmarc::Policy::quarantine: return 1;
    case dmarc::Policy::reject: return 2;
  }
  return 0;
}

bool mentions_dmarc1(std::string_view text) {
  for (std::size_t i = 0; i + 8 <= text.size(); ++i)
    if (mail::iequals(text.substr(i, 8), "v=DMARC1")) return true;
  return false;
}

std::string policy_name(const dmarc::PolicyTag& tag) {
  return tag.value ? std::string(dmarc::to_string(*tag.value)) : std::string("?");
}

void check_problems(Context& ctx, const std::string& name, const dmarc::Record& rec) {
  using Kind = dmarc::Problem::Kind;
  for (const auto& pr : rec.problems) {
    switch (pr.kind) {
      case Kind::syntax:
      case Kind::duplicate_tag:
        ctx.add("dmarc-syntax", name, rec.text, pr.detail, pr.offset);
        break;
      case Kind::invalid_value:
        if (mail::iequals(pr.tag, "rua") || mail::iequals(pr.tag, "ruf"))
          ctx.add("dmarc-uri-invalid", name, rec.text, pr.detail, pr.offset);
        else if (!mail::iequals(pr.tag, "p"))  // an invalid p= is dmarc-p-missing's case
          ctx.add("dmarc-syntax", name, rec.text, pr.detail, pr.offset);
        break;
      case Kind::unknown_tag:
        ctx.add("dmarc-unknown-tag", name, rec.text, pr.detail, pr.offset);
        break;
      case Kind::ignored_tag:
        ctx.add("dmarc-ignored-tag", name, rec.text, pr.detail, pr.offset);
        break;
    }
  }
}

void check_policy(Context& ctx, const std::string& name, const dmarc::Record& rec) {
  const std::string& text = rec.text;
  if (!rec.p.value) {
    std::string what = rec.p.present ? "p=" + rec.find("p")->value + " is not none, quarantine or reject"
                                     : "p= is missing";
    ctx.add("dmarc-p-missing", name, text,
            what + (rec.rua.empty() ? ": receivers apply no DMARC at all"
                                    : ": receivers act as if p=none (rua is valid)"),
            rec.p.present ? rec.find("p")->value_offset : Error::no_offset);
  } else if (*rec.p.value == dmarc::Policy::none) {
    ctx.add("dmarc-p-none", name, text, "p=none: reports only; move to quarantine or reject when they are clean");
  }
  if (rec.testing) ctx.add("dmarc-testing", name, text, "t=y: remove it to enforce the policy", rec.find("t")->offset);
  for (std::string_view removed : {"pct", "rf", "ri"})
    if (const dmarc::Tag* t = rec.find(removed))
      ctx.add("dmarc-removed-tag", name, text,
              t->name + "=" + t->value + " is not part of RFC 9989 (only RFC 7489 readers use it)", t->offset);
  if (rec.pct_present && rec.pct < 100)
    ctx.add("dmarc-pct-partial", name, text,
            "pct=" + std::to_string(rec.pct) + ": RFC 7489 readers apply p=" + policy_name(rec.p) +
                " to " + std::to_string(rec.pct) + "% of failing mail; RFC 9989 readers to all of it (use t=y to test)",
            rec.find("pct")->offset);
  if (!rec.has("rua"))
    ctx.add("dmarc-rua-missing", name, text, "no rua=: add rua=mailto:<address> to receive aggregate reports");
  if (rec.p.value) {
    if (rec.sp.value && strength(*rec.sp.value) < strength(*rec.p.value))
      ctx.add("dmarc-sp-weaker", name, text, "sp=" + policy_name(rec.sp) + " is weaker than p=" + policy_name(rec.p),
              rec.find("sp")->offset);
    if (rec.np.value && strength(*rec.np.value) < strength(*rec.p.value))
      ctx.add("dmarc-np-weaker", name, text, "np=" + policy_name(rec.np) + " is weaker than p=" + policy_name(rec.p),
              rec.find("np")->offset);
  }
}

// Reports the lookups of `finder` that failed (through ctx.ask: cached, so not asked again).
void report_failures(Context& ctx, const dmarc::PolicyFinder& finder) {
  for (const auto* l : finder.lookups())
    if (l->tempfail()) ctx.ask(l->name, dns::RRType::TXT);
}

void check_destinations(Context& ctx, const std::string& name, const dmarc::Record& rec,
                        std::string_view domain) {
  dmarc::PolicyFinder finder(ctx.resolver());
  for (const auto& check : dmarc::check_report_destinations(finder, domain, rec)) {
    using St = dmarc::DestinationCheck::Status;
    switch (check.status) {
      case St::unauthorized:
      case St::name_too_long:
        if (!ctx.followable(check.query, check.tag + " destination " + check.uri.uri)) break;
        ctx.add("dmarc-external-unauthorized", name, rec.text,
                check.tag + "=" + check.uri.uri + ": " + check.query +
                    (check.status == St::name_too_long ? " is too long for the DNS"
                                                       : " publishes no v=DMARC1 record"),
                check.uri.offset);
        break;
      case St::temperror:
        // The destination's own query, or the tree walk deciding its Organizational Domain.
        if (!check.query.empty() && check.dns_status == dns::Status::tempfail) ctx.ask(check.query, dns::RRType::TXT);
        report_failures(ctx, finder);
        break;
      default:
        break;
    }
  }
}

}  // namespace

void lint_dmarc_text(Context& ctx, const std::string& name, const std::string& text,
                     std::string_view domain) {
  auto parsed = dmarc::parse_record(text);
  if (!parsed) {
    const Error& e = parsed.error();
    ctx.add(mentions_dmarc1(text) ? "dmarc-v-not-first" : "dmarc-syntax", name, text, e.message(), e.offset);
    return;
  }
  check_problems(ctx, name, *parsed);
  check_policy(ctx, name, *parsed);
  if (ctx.online() && !domain.empty()) check_destinations(ctx, name, *parsed, domain);
}

void lint_dmarc(Context& ctx, std::string_view domain_in) {
  const std::string domain(domain_in);
  const std::string name = "_dmarc." + domain;
  if (!ctx.followable(name, "the DMARC record")) return;

  dmarc::PolicyFinder finder(ctx.resolver());
  const dmarc::RecordLookup& own = finder.lookup(domain);
  if (own.tempfail()) {
    ctx.ask(name, dns::RRType::TXT);  // records the dns-tempfail finding
    return;
  }
  for (const auto& txt : own.txt)
    if (!dmarc::is_dmarc_record(txt) && mentions_dmarc1(txt)) lint_dmarc_text(ctx, name, txt, domain);
  if (own.dmarc_records > 1) {
    std::string all;
    for (const auto& txt : own.txt)
      if (dmarc::is_dmarc_record(txt)) all += (all.empty() ? "" : " | ") + txt;
    ctx.add("dmarc-multiple-records", name, all,
            std::to_string(own.dmarc_records) + " DMARC records at " + name + ": receivers discard all of them");
  } else if (own.record) {
    lint_dmarc_text(ctx, name, own.record->text, domain);
  }

  // RFC 9989 4.10.1 discovery, and what RFC 7489 6.6.3 readers find instead.
  dmarc::PolicyDiscovery found = finder.discover(domain);
  if (found.outcome == dmarc::PolicyDiscovery::Outcome::temperror) {
    report_failures(ctx, finder);
    return;
  }
  if (!found.found())
    ctx.add("dmarc-missing", name, "", "no DMARC policy for " + domain + ": " + found.reason());

  dmarc::PolicyFinder old(ctx.resolver(), {dmarc::Mode::rfc7489});
  dmarc::PolicyDiscovery found7489 = old.discover(domain);
  if (found7489.outcome != dmarc::PolicyDiscovery::Outcome::temperror &&
      (found.found() != found7489.found() ||
       (found.found() && found.policy_domain != found7489.policy_domain))) {
    auto where = [](const dmarc::PolicyDiscovery& d) {
      return d.found() ? "_dmarc." + d.policy_domain : std::string("no record");
    };
    ctx.add("dmarc-discovery-differs", name, "",
            "RFC 9989 readers apply " + where(found) + ", RFC 7489 readers " + where(found7489) +
                " (" + found7489.reason() + ")");
  }

  // Records that discovery for this domain never applies.
  for (const std::string& wrong : {domain, "dmarc." + domain}) {
    if (!ctx.followable(wrong, "a misplaced DMARC record")) continue;
    dns::Answer a = ctx.ask(wrong, dns::RRType::TXT);
    for (const auto& txt : a.records)
      if (dmarc::is_dmarc_record(txt))
        ctx.add("dmarc-unreachable", wrong, txt, "a DMARC record at " + wrong + " is never read; publish it at " + name);
  }
  if (!own.record && found.found()) {
    // The tree walk passed records that the policy does not come from (RFC 9989 4.10.1: only
    // the Author Domain's, the Organizational Domain's or the PSD's record applies).
    for (const auto* l : finder.tree_walk(domain, false))
      if (l->record && l->domain != found.policy_domain)
        ctx.add("dmarc-unreachable", l->name, l->record->text,
                l->name + " is on the tree walk from " + domain + " but not applied: the policy comes from _dmarc." +
                    found.policy_domain + " (psd=n at " + l->domain + " would make it the Organizational Domain)");
  }
  std::size_t labels = dmarc::count_labels(domain);
  if (labels > 8) {
    // RFC 9989 4.10 step 4: from 8 labels up the walk jumps to the last 7; names between are
    // never asked.
    for (std::size_t n = labels - 1; n > 7; --n) {
      std::string skipped(dmarc::last_labels(domain, n));
      const dmarc::RecordLookup& l = finder.lookup(skipped);
      if (l.record)
        ctx.add("dmarc-unreachable", l.name, l.record->text,
                "the tree walk from " + domain + " (" + std::to_string(labels) +
                    " labels) jumps to 7 labels and never asks " + l.name);
    }
  }
}

void lint_report_authorizations(Context& ctx, std::string_view domain) {
  for (const auto& reported : ctx.options().accept_reports_for) {
    std::string name = dns::normalize_name(reported) + "._report._dmarc." + std::string(domain);
    if (!ctx.followable(name, "the report authorization for " + reported)) continue;
    dns::Answer a = ctx.ask(name, dns::RRType::TXT);
    if (a.status == dns::Status::tempfail) continue;
    bool ok = false;
    for (const auto& txt : a.records) ok = ok || dmarc::is_dmarc_record(txt);
    if (!ok)
      ctx.add("dmarc-report-authorization-missing", name, "",
              domain.empty() ? name : std::string(domain) + " accepts reports about " + reported + " but " + name +
                                          " has no v=DMARC1 record");
  }
}

}  // namespace dnsauth::records::detail

// The BIMI half of the linter: the assertion record at <selector>._bimi.<domain>
// (draft-brand-indicators-for-message-identification-12 4.3) as core/bimi parses it, the
// fallback to the Organizational Domain's record (7.2 step 6), and the DMARC policy that must
// be at enforcement before a receiver shows the logo (7.1 steps 7 to 9).
#include <algorithm>

#include "core/bimi/record.h"
#include "core/common/ascii.h"
#include "core/dmarc/discovery.h"
#include "core/records/lint_detail.h"

namespace dnsauth::records::detail {

namespace {

// 4.3.2: only SVG (and SVGZ) indicators. The file's format shows only when it is fetched;
// the path's suffix is what a linter without HTTP can see.
bool looks_like_svg(const bimi::Uri& uri) {
  std::string path = ascii::to_lower(uri.path);
  return path.ends_with(".svg") || path.ends_with(".svgz");
}

// 7.1 steps 7-9 for one DMARC record: why it keeps BIMI from being used, or empty.
std::vector<std::string> not_enforced(const dmarc::Record& rec) {
  std::vector<std::string> why;
  if (!rec.p.value) why.emplace_back(rec.p.present ? "p= is invalid (read as none)" : "p= is missing");
  else if (*rec.p.value == dmarc::Policy::none) why.emplace_back("p=none");
  if (rec.sp.value && *rec.sp.value == dmarc::Policy::none) why.emplace_back("sp=none");
  // Step 9 names p=quarantine; RFC 7489 6.3 applies pct= to reject as well (a share of the
  // failing mail is only quarantined), and mailbox providers require pct=100 for both.
  if (rec.pct_present && rec.pct < 100 && rec.p.value && *rec.p.value != dmarc::Policy::none)
    why.emplace_back("pct=" + std::to_string(rec.pct));
  return why;
}

void check_dmarc(Context& ctx, const std::string& bimi_name, std::string_view domain_in) {
  const std::string domain(domain_in);
  // 7.1 step 4: the DMARC result "[RFC7489]": its discovery (6.6.3) and Organizational Domain.
  dmarc::PolicyFinder finder(ctx.resolver(), {dmarc::Mode::rfc7489});
  dmarc::PolicyDiscovery found = finder.discover(domain);
  if (found.outcome == dmarc::PolicyDiscovery::Outcome::temperror) {
    for (const auto* l : finder.lookups())
      if (l->tempfail()) ctx.ask(l->name, dns::RRType::TXT);  // the dns-tempfail finding
    return;
  }
  const std::string shown = bimi_name.empty() ? "the BIMI record" : bimi_name;
  if (!found.found()) {
    ctx.add("bimi-dmarc-not-enforced", "_dmarc." + domain, "",
            "no DMARC policy applies to " + domain + " (" + found.reason() + "): DMARC cannot pass, so " + shown +
                " is not used");
    return;
  }
  // Step 7-9: the Author Domain's record and the Author Organizational Domain's.
  std::vector<std::string> domains{found.policy_domain};
  dmarc::OrganizationalDomain org = finder.organizational_domain(domain);
  if (!org.temperror && !org.domain.empty() && org.domain != found.policy_domain) domains.push_back(org.domain);
  for (const auto& d : domains) {
    const dmarc::RecordLookup& l = finder.lookup(d);
    if (!l.record) continue;
    std::vector<std::string> why = not_enforced(*l.record);
    if (why.empty()) continue;
    std::string list;
    for (const auto& w : why) list += (list.empty() ? "" : ", ") + w;
    ctx.add("bimi-dmarc-not-enforced", l.name, l.record->text,
            list + " at " + l.name + ": DMARC is not at enforcement, so " + shown + " is not used (quarantine or reject, "
                   "no sp=none, pct=100)");
  }
}

std::optional<bool> lint_bimi_at(Context& ctx, const std::string& name, std::string_view domain) {
  return lint_versioned_txt(ctx, name, bimi::is_bimi_record, "BIMI1", "bimi-multiple-records", "BIMI",
                            [&](const std::string& text) { lint_bimi_text(ctx, name, text, domain); });
}

}  // namespace

void lint_bimi_text(Context& ctx, const std::string& name, const std::string& text, std::string_view domain) {
  auto rec = bimi::parse_record(text);
  if (!rec) {
    ctx.add("bimi-syntax", name, text, rec.error().message(), rec.error().offset);
    return;
  }
  if (rec->declined()) return;  // 4.3.1: an explicit refusal; nothing to show, nothing to check
  if (const auto& l = rec->location) {
    if (!l->https())
      ctx.add("bimi-not-https", name, text, "l=" + l->text + " is not an https: URL with a host name", l->offset);
    else if (!looks_like_svg(*l))
      ctx.add("bimi-logo-not-svg", name, text,
              "l=" + l->text + " does not end in .svg (the path " + (l->path.empty() ? "/" : l->path) +
                  "); the indicator must be an SVG Tiny PS file",
              l->offset);
  }
  if (const auto& a = rec->evidence) {
    if (!a->https())
      ctx.add("bimi-not-https", name, text, "a=" + a->text + " is not an https: URL with a host name", a->offset);
  } else {
    ctx.add("bimi-evidence-missing", name, text,
            rec->evidence_present ? "a= is empty: no mark certificate; many mailbox providers show no logo without one"
                                  : "no a= tag: no mark certificate; many mailbox providers show no logo without one",
            rec->evidence_present ? rec->evidence_offset : Error::no_offset);
  }
  if (ctx.online() && !domain.empty()) check_dmarc(ctx, name, domain);
}

void lint_bimi(Context& ctx, std::string_view domain_in) {
  const std::string domain(domain_in);
  const bool expected = !ctx.options().bimi_selector.empty();
  const std::string selector = expected ? ctx.options().bimi_selector : "default";
  const std::string name = selector + "._bimi." + domain;
  std::optional<bool> found = lint_bimi_at(ctx, name, domain);
  if (!found || *found || !expected) return;
  // 7.2 step 6: without a record at the Author Domain, receivers ask the Organizational Domain.
  dmarc::PolicyFinder finder(ctx.resolver(), {dmarc::Mode::rfc7489});
  const std::string org = finder.organizational_domain(domain).domain;
  if (!org.empty() && org != domain) {
    found = lint_bimi_at(ctx, selector + "._bimi." + org, domain);
    if (!found || *found) return;
  }
  ctx.add("bimi-missing", name, "",
          "no v=BIMI1 record at " + name + (org.empty() || org == domain ? "" : " nor at " + selector + "._bimi." + org) +
              ": the configuration gives " + domain + " the BIMI selector " + selector);
}

}  // namespace dnsauth::records::detail

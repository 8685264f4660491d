#include "core/records/lint.h"
#include "core/records/records.h"

#include <algorithm>

#include "core/bimi/record.h"
#include "core/common/ascii.h"
#include "core/mail/message.h"
#include "core/mta_sts/record.h"
#include "core/tls_rpt/record.h"
#include "core/records/lint_detail.h"

namespace dnsauth::records {

namespace {

using S = Severity;

// The catalog. Ids are a public interface (docs, --json consumers, the validator's
// selftest): add rules freely, never rename or reuse an id.
const std::vector<Rule> kRules = {
    // ---- DNS: what could not be checked ----
    {"dns-tempfail", S::error, "dns",
     "a DNS query failed (SERVFAIL, timeout, refused): the records behind it were not checked",
     "RFC 7208 4.4; RFC 6376 6.1.2"},
    {"dns-not-followed", S::info, "dns",
     "a name outside the zones given was not looked up (add its zone, or use --resolver)",
     "RFC 1035 5"},
    {"dns-domain-not-found", S::error, "dns",
     "the domain is outside every zone given, or neither it nor any name looked up below it exists: "
     "nothing was checked (a misspelt domain?)",
     "RFC 1034 4.3.2; RFC 8020 2"},

    // ---- SPF (RFC 7208) ----
    {"spf-missing", S::warning, "spf",
     "no SPF record at the domain or at a HELO name: receivers get \"none\"", "RFC 7208 4.5, 2.3"},
    {"spf-syntax", S::error, "spf", "the SPF record does not parse (the byte position is given): permerror",
     "RFC 7208 4.6, 12"},
    {"spf-multiple-records", S::error, "spf", "more than one v=spf1 TXT record at one name: permerror",
     "RFC 7208 4.5"},
    {"spf-too-many-lookups", S::error, "spf",
     "more than 10 DNS-querying terms counted through includes and redirects: permerror",
     "RFC 7208 4.6.4"},
    {"spf-void-lookups", S::error, "spf",
     "more than 2 lookups that answer NXDOMAIN or no records: permerror", "RFC 7208 4.6.4"},
    {"spf-include-loop", S::error, "spf",
     "an include or redirect leads back to a record already being evaluated", "RFC 7208 5.2, 4.6.4"},
    {"spf-target-missing", S::error, "spf",
     "an include or redirect target publishes no SPF record: permerror", "RFC 7208 5.2, 6.1"},
    {"spf-ptr", S::warning, "spf", "the ptr mechanism is used (SHOULD NOT: slow and unreliable)",
     "RFC 7208 5.5"},
    {"spf-pass-all", S::error, "spf", "+all (or a bare all) authorizes every host on the Internet",
     "RFC 7208 5.1"},
    {"spf-neutral-all", S::warning, "spf", "?all gives unauthorized hosts neutral, not fail",
     "RFC 7208 5.1, 8.2"},
    {"spf-no-all", S::warning, "spf",
     "neither an all mechanism nor redirect=: unmatched hosts get neutral", "RFC 7208 4.7"},
    {"spf-redirect-ignored", S::warning, "spf",
     "redirect= in a record that has an all mechanism is never used", "RFC 7208 6.1"},
    {"spf-exp-missing", S::warning, "spf", "exp= names a domain with no TXT record", "RFC 7208 6.2"},
    {"spf-record-too-long", S::warning, "spf",
     "the record is over 450 bytes: the answer may not fit a 512-byte UDP reply", "RFC 7208 3.4"},
    {"spf-string-too-long", S::error, "spf",
     "a character-string over 255 bytes: no DNS server can publish it", "RFC 7208 3.3; RFC 1035 3.3"},
    {"spf-type-99", S::warning, "spf",
     "an SPF (type 99) record is published: RFC 7208 removed the type, publish TXT only",
     "RFC 7208 3.1, 14.1"},

    // ---- DKIM (RFC 6376, RFC 8301, RFC 8463) ----
    {"dkim-missing", S::error, "dkim", "a selector has no key record at <selector>._domainkey.<domain>",
     "RFC 6376 3.6.2.1, 6.1.2"},
    {"dkim-syntax", S::error, "dkim", "the key record does not parse (the byte position is given)",
     "RFC 6376 3.6.1, 3.2"},
    {"dkim-multiple-records", S::warning, "dkim",
     "several TXT records at one selector: the result is undefined", "RFC 6376 3.6.2.2"},
    {"dkim-key-type-unknown", S::error, "dkim", "k= names a key type verifiers do not know",
     "RFC 6376 3.6.1; RFC 8463 4"},
    {"dkim-key-invalid", S::error, "dkim", "p= does not decode to a key of the type k= states",
     "RFC 6376 3.6.1; RFC 8463 4"},
    {"dkim-rsa-too-short", S::error, "dkim", "RSA key under 1024 bits: verifiers must not accept it",
     "RFC 8301 3.2"},
    {"dkim-rsa-short", S::warning, "dkim", "RSA key under 2048 bits", "RFC 8301 3.2"},
    {"dkim-testing", S::warning, "dkim", "t=y is left on: verifiers may treat failures as unsigned",
     "RFC 6376 3.6.1"},
    {"dkim-revoked", S::info, "dkim", "the key is revoked (empty p=)", "RFC 6376 3.6.1"},
    {"dkim-revoked-in-use", S::error, "dkim",
     "the config signs with a selector whose published key is revoked (empty p=)", "RFC 6376 3.6.1"},
    {"dkim-sha1-only", S::error, "dkim",
     "h= does not allow sha256 (sha1 only): no signature can verify", "RFC 8301 3.1"},
    {"dkim-not-email", S::error, "dkim", "s= does not include email or *: the key is not for mail",
     "RFC 6376 3.6.1"},
    {"dkim-key-mismatch", S::error, "dkim",
     "the published key is not the one in the private key file: signatures will fail",
     "RFC 6376 3.6.1, 6.1.3"},
    {"dkim-delegation-missing", S::error, "dkim",
     "a selector delegated by CNAME has no CNAME at <selector>._domainkey.<domain>: the customer has "
     "not published it",
     "RFC 6376 3.6.2.2; RFC 1034 3.6.2"},
    {"dkim-delegation-wrong-target", S::error, "dkim",
     "a selector delegated by CNAME points to another name than the delegation target",
     "RFC 6376 3.6.2.2; RFC 1034 3.6.2"},
    {"dkim-no-selectors", S::info, "dkim",
     "no selectors were given (selectors cannot be discovered): DKIM was not checked",
     "RFC 6376 3.1"},

    // ---- DMARC (RFC 9989; RFC 7489 where its readers differ; RFC 9990 reports) ----
    {"dmarc-missing", S::warning, "dmarc", "no DMARC policy record applies to the domain",
     "RFC 9989 4.10.1"},
    {"dmarc-syntax", S::error, "dmarc",
     "a part of the record is not a valid tag=value (the byte position is given): it is ignored",
     "RFC 9989 4.7, 4.8"},
    {"dmarc-v-not-first", S::error, "dmarc",
     "v=DMARC1 is not the first tag: the record is not a DMARC record", "RFC 9989 4.7; RFC 7489 6.4"},
    {"dmarc-multiple-records", S::error, "dmarc",
     "several DMARC records at one name: all are discarded", "RFC 9989 4.10; RFC 7489 6.6.3"},
    {"dmarc-p-missing", S::error, "dmarc",
     "no valid p= tag: p=none if rua is valid, otherwise no DMARC at all", "RFC 9989 4.10.1; RFC 7489 6.6.3"},
    {"dmarc-p-none", S::info, "dmarc", "p=none: monitoring only, nothing is enforced", "RFC 9989 3.2.12"},
    {"dmarc-testing", S::warning, "dmarc",
     "t=y is left on: receivers apply the next weaker policy", "RFC 9989 4.7"},
    {"dmarc-removed-tag", S::info, "dmarc",
     "pct, rf or ri is published: RFC 9989 removed it, only RFC 7489 readers use it",
     "RFC 9989 A.6, C"},
    {"dmarc-pct-partial", S::warning, "dmarc",
     "pct below 100: RFC 7489 readers apply the policy to that share only, RFC 9989 readers to all",
     "RFC 7489 6.3; RFC 9989 A.6"},
    {"dmarc-unknown-tag", S::warning, "dmarc", "a tag that is not in the DMARC registry: ignored",
     "RFC 9989 4.7"},
    {"dmarc-ignored-tag", S::info, "dmarc", "a tag without effect here (fo without ruf)", "RFC 9989 4.7"},
    {"dmarc-rua-missing", S::warning, "dmarc", "no rua=: nobody receives aggregate reports",
     "RFC 9989 4.7"},
    {"dmarc-uri-invalid", S::error, "dmarc", "a rua or ruf entry is not a valid report URI: it is ignored",
     "RFC 9989 4.7, 4.8"},
    {"dmarc-external-unauthorized", S::warning, "dmarc",
     "an external rua/ruf destination publishes no <domain>._report._dmarc.<host> record: no reports",
     "RFC 9990 4; RFC 7489 7.1"},
    {"dmarc-sp-weaker", S::warning, "dmarc", "sp= is weaker than p=: subdomains are less protected",
     "RFC 9989 4.7"},
    {"dmarc-np-weaker", S::warning, "dmarc",
     "np= is weaker than p=: non-existent subdomains are less protected", "RFC 9989 4.7"},
    {"dmarc-unreachable", S::warning, "dmarc",
     "a DMARC record is published where policy discovery never applies it", "RFC 9989 4.10, 4.10.1"},
    {"dmarc-discovery-differs", S::warning, "dmarc",
     "RFC 7489 readers find a different policy record (or none) than RFC 9989 readers",
     "RFC 7489 6.6.3; RFC 9989 4.10.1"},
    {"dmarc-report-authorization-missing", S::warning, "dmarc",
     "the config accepts reports for a domain, but <that>._report._dmarc.<this> is not published",
     "RFC 9990 4; RFC 7489 7.1"},

    // ---- MTA-STS (RFC 8461): the TXT record, the policy file, the MX hosts it covers ----
    {"mta-sts-missing", S::warning, "mta-sts",
     "the config gives the domain an MTA-STS policy, but _mta-sts.<domain> has no v=STSv1 record: senders never "
     "fetch the policy",
     "RFC 8461 3, 3.1"},
    {"mta-sts-syntax", S::error, "mta-sts",
     "the _mta-sts TXT record does not parse or does not begin with v=STSv1 (the byte position is given): no policy "
     "applies",
     "RFC 8461 3.1"},
    {"mta-sts-multiple-records", S::error, "mta-sts",
     "several v=STSv1 records at _mta-sts.<domain>: senders assume no policy", "RFC 8461 3.1"},
    {"mta-sts-id-syntax", S::error, "mta-sts",
     "id= is missing or not 1 to 32 letters and digits: the record is invalid", "RFC 8461 3.1"},
    {"mta-sts-policy-too-large", S::error, "mta-sts",
     "the policy file is over 64 KiB, the maximum size senders are told to read", "RFC 8461 3.3"},
    {"mta-sts-policy-syntax", S::error, "mta-sts",
     "a line of the policy file is not key: value (the line and byte are given): the policy is invalid",
     "RFC 8461 3.2"},
    {"mta-sts-policy-version", S::error, "mta-sts", "the policy has no version: STSv1 line", "RFC 8461 3.2"},
    {"mta-sts-policy-mode", S::error, "mta-sts",
     "the policy's mode is missing or not enforce, testing or none", "RFC 8461 3.2, 5"},
    {"mta-sts-policy-mx", S::error, "mta-sts",
     "no mx line (required unless mode is none), or an mx value that is not a host name or *.<domain>",
     "RFC 8461 3.2, 4.1"},
    {"mta-sts-policy-max-age", S::error, "mta-sts",
     "max_age is missing, not a number of seconds, or over 31557600", "RFC 8461 3.2"},
    {"mta-sts-policy-lf", S::warning, "mta-sts",
     "policy lines end in LF alone: the policy is CRLF-separated (receivers are told to accept LF too)",
     "RFC 8461 3.2"},
    {"mta-sts-policy-testing", S::info, "mta-sts",
     "mode: testing is left on: failures are reported (TLS-RPT), mail is still delivered", "RFC 8461 5"},
    {"mta-sts-policy-short-max-age", S::warning, "mta-sts",
     "max_age is under a week: the policy is fetched often and an attacker has more chances to block it",
     "RFC 8461 3.2, 10.2"},
    {"mta-sts-policy-covers-no-mx", S::error, "mta-sts",
     "the policy's mx patterns match none of the domain's MX hosts: with mode enforce no mail is delivered",
     "RFC 8461 4.1, 5"},
    {"mta-sts-mx-uncovered", S::error, "mta-sts",
     "mode enforce, and an MX host of the domain matches no mx pattern: senders will not deliver to it",
     "RFC 8461 4.1, 5"},
    {"mta-sts-mx-uncovered-testing", S::warning, "mta-sts",
     "mode testing, and an MX host of the domain matches no mx pattern: enforce would stop mail to it",
     "RFC 8461 4.1, 5"},
    {"mta-sts-mx-pattern-unused", S::info, "mta-sts",
     "an mx pattern matches none of the domain's MX hosts (a stale entry?)", "RFC 8461 4.1"},

    // ---- TLS-RPT (RFC 8460) ----
    {"tls-rpt-missing", S::warning, "tls-rpt",
     "the config gives the domain TLS reporting, but _smtp._tls.<domain> has no v=TLSRPTv1 record: no reports",
     "RFC 8460 3"},
    {"tls-rpt-syntax", S::error, "tls-rpt",
     "the _smtp._tls TXT record does not parse or does not begin with v=TLSRPTv1 (the byte position is given)",
     "RFC 8460 3"},
    {"tls-rpt-multiple-records", S::error, "tls-rpt",
     "several v=TLSRPTv1 records at _smtp._tls.<domain>: senders assume no TLS reporting", "RFC 8460 3"},
    {"tls-rpt-uri-scheme", S::error, "tls-rpt",
     "a rua URI is neither mailto: nor https:: reporters send nothing there", "RFC 8460 3"},

    // ---- BIMI (draft-brand-indicators-for-message-identification-12) ----
    {"bimi-missing", S::warning, "bimi",
     "the config gives the domain a BIMI selector, but neither <selector>._bimi.<domain> nor the Organizational "
     "Domain's name has a v=BIMI1 record",
     "draft-brand-indicators-for-message-identification-12 4.3, 7.2"},
    {"bimi-syntax", S::error, "bimi",
     "the BIMI assertion record does not parse or does not begin with v=BIMI1 (the byte position is given)",
     "draft-brand-indicators-for-message-identification-12 4.3"},
    {"bimi-multiple-records", S::error, "bimi",
     "several v=BIMI1 records at one name: BIMI processing is not performed",
     "draft-brand-indicators-for-message-identification-12 7.2"},
    {"bimi-not-https", S::error, "bimi",
     "l= or a= is not an https: URI with a host name: the indicator (or evidence) is not used",
     "draft-brand-indicators-for-message-identification-12 4.3, 7.3"},
    {"bimi-logo-not-svg", S::warning, "bimi",
     "l= does not end in .svg or .svgz (a heuristic on the URL's path: only SVG indicators are accepted)",
     "draft-brand-indicators-for-message-identification-12 4.3.2"},
    {"bimi-evidence-missing", S::info, "bimi",
     "no a= evidence document (mark certificate): many mailbox providers show no logo without one",
     "draft-brand-indicators-for-message-identification-12 4.3, 7.4"},
    {"bimi-dmarc-not-enforced", S::error, "bimi",
     "the domain's DMARC policy is not at enforcement (no record, p=none, sp=none, or pct below 100): receivers do "
     "not show the logo",
     "draft-brand-indicators-for-message-identification-12 7.1; RFC 7489 6.3"},
};

}  // namespace

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "?";
}

const std::vector<Rule>& rule_catalog() { return kRules; }

const Rule* find_rule(std::string_view id) noexcept {
  for (const auto& r : kRules)
    if (r.id == id) return &r;
  return nullptr;
}

std::string format_tree(const SpfTree& tree) {
  std::string out;
  auto walk = [&](const SpfTree& node, std::size_t depth, auto& self) -> void {
    out.append(depth * 2, ' ');
    out += !node.via.empty() ? node.via : node.domain.empty() ? "(record)" : node.domain;
    out += ": " + std::to_string(node.terms);
    if (!node.children.empty()) out += " (total " + std::to_string(node.total) + ")";
    if (node.void_lookups) out += ", " + std::to_string(node.void_lookups) + " void";
    if (!node.note.empty()) out += " [" + node.note + "]";
    out += '\n';
    for (const auto& c : node.children) self(c, depth + 1, self);
  };
  walk(tree, 0, walk);
  return out;
}

LintOptions options_for(const config::Domain& domain) {
  LintOptions o;
  for (const auto& s : domain.selectors)
    o.expected_selectors.push_back({s.name, dkim::key_type_of(s.algorithm), std::nullopt, {}});
  if (domain.spf) o.helo_names = domain.spf->helo;
  if (domain.dmarc) o.accept_reports_for = domain.dmarc->accept_reports_for;
  o.expect_mta_sts = domain.mta_sts.has_value();
  if (domain.mta_sts) {
    // The policy generate writes for the policy host: its mx patterns are checked against the
    // domain's MX hosts before it is served (RFC 8461 4.1).
    o.mta_sts_policy = mta_sts_policy(*domain.mta_sts);
    o.mta_sts_policy_source = "the configured policy (dnsauth.toml [domain.mta_sts])";
  }
  o.expect_tls_rpt = domain.tls_rpt.has_value();
  if (domain.bimi) o.bimi_selector = domain.bimi->selector;
  return o;
}

std::optional<Severity> Report::worst() const {
  std::optional<Severity> w;
  for (const auto& f : findings)
    if (!w || f.severity() > *w) w = f.severity();
  return w;
}

std::size_t Report::count(Severity severity) const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [&](const Finding& f) { return f.severity() == severity; }));
}

int Report::exit_code() const {
  auto w = worst();
  if (!w || *w == Severity::info) return 0;
  return *w == Severity::warning ? 1 : 2;
}

std::string_view to_string(RecordType type) noexcept {
  switch (type) {
    case RecordType::spf: return "spf";
    case RecordType::dkim: return "dkim";
    case RecordType::dmarc: return "dmarc";
    case RecordType::mta_sts: return "mta-sts";
    case RecordType::tls_rpt: return "tls-rpt";
    case RecordType::bimi: return "bimi";
  }
  return "?";
}

std::optional<RecordType> parse_record_type(std::string_view text) noexcept {
  if (text == "spf") return RecordType::spf;
  if (text == "dkim") return RecordType::dkim;
  if (text == "dmarc") return RecordType::dmarc;
  if (text == "mta-sts") return RecordType::mta_sts;
  if (text == "tls-rpt") return RecordType::tls_rpt;
  if (text == "bimi") return RecordType::bimi;
  return std::nullopt;
}

std::optional<RecordType> detect_record_type(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  // A version tag, then the end of the record or a separator ("v=spf10" is no SPF record).
  auto version = [&](std::string_view tag) {
    if (!detail::istarts_with(text, tag)) return false;
    std::string_view rest = text.substr(tag.size());
    return rest.empty() || rest.front() == ' ' || rest.front() == ';' || rest.front() == '\t';
  };
  if (version("v=spf1")) return RecordType::spf;
  if (version("v=dmarc1")) return RecordType::dmarc;
  if (version("v=stsv1")) return RecordType::mta_sts;
  if (version("v=tlsrptv1")) return RecordType::tls_rpt;
  if (version("v=bimi1")) return RecordType::bimi;
  if (version("v=dkim1") || text.rfind("p=", 0) == 0 || text.find(";p=") != std::string_view::npos ||
      text.find("; p=") != std::string_view::npos)
    return RecordType::dkim;
  return std::nullopt;
}

Report lint_domain(dns::Resolver& resolver, std::string_view domain, const LintOptions& options) {
  Report report;
  report.domain = dns::normalize_name(domain);
  detail::Context ctx(&resolver, options);
  // A domain the zones given do not hold: every record would be "not checked" (information),
  // which must not pass as clean, since it is most often a misspelt domain.
  if (options.in_scope && !options.in_scope(report.domain)) {
    ctx.add("dns-domain-not-found", report.domain, "",
            report.domain + " is outside every zone given: nothing was checked (a misspelt domain, or a zone missing?)");
    report.findings = ctx.take();
    return report;
  }
  report.spf_tree = detail::lint_spf(ctx, report.domain, nullptr, nullptr, false);
  for (const auto& helo : options.helo_names) detail::lint_spf(ctx, dns::normalize_name(helo), nullptr, nullptr, true);

  std::vector<std::string> done = detail::lint_selectors(ctx, report.domain);
  if (done.empty())
    ctx.add("dkim-no-selectors", "", "", "no selectors for " + report.domain +
                                                 " (give --selector or --config): DKIM not checked");

  detail::lint_dmarc(ctx, report.domain);
  detail::lint_report_authorizations(ctx, report.domain);
  detail::lint_mta_sts(ctx, report.domain);
  detail::lint_tls_rpt(ctx, report.domain);
  detail::lint_bimi(ctx, report.domain);
  // RFC 1034 4.3.2, RFC 8020 2: a name error says the name does not exist, and nothing below it.
  // The domain answering one, and every name asked below it as well (answers cached: no new
  // query), means it publishes nothing at all: a misspelt domain, or records never published.
  std::vector<std::string> asked{report.domain, "_dmarc." + report.domain, "_mta-sts." + report.domain,
                                 "_smtp._tls." + report.domain,
                                 (options.bimi_selector.empty() ? "default" : options.bimi_selector) + "._bimi." +
                                     report.domain};
  for (const auto& s : done) asked.push_back(s + "._domainkey." + report.domain);
  if (std::all_of(asked.begin(), asked.end(), [&](const std::string& n) {
        return ctx.ask(n, dns::RRType::TXT).status == dns::Status::nxdomain;
      })) {
    ctx.add("dns-domain-not-found", report.domain, "",
            report.domain + " does not exist (NXDOMAIN), nor " + asked[1] +
                (done.empty() ? "" : " or the selectors' key records") + ": nothing is published there (a misspelt domain?)");
    std::vector<Finding> findings = ctx.take();
    // First: the other findings follow from it.
    std::rotate(findings.begin(), findings.end() - 1, findings.end());
    report.findings = std::move(findings);
    return report;
  }
  report.findings = ctx.take();
  return report;
}

Report lint_dkim_keys(dns::Resolver& resolver, std::string_view domain, const LintOptions& options) {
  Report report;
  report.domain = dns::normalize_name(domain);
  detail::Context ctx(&resolver, options);
  detail::lint_selectors(ctx, report.domain);
  report.findings = ctx.take();
  return report;
}

Report lint_record(std::string_view text, RecordType type, dns::Resolver* resolver,
                   std::string_view domain, const LintOptions& options) {
  Report report;
  report.domain = dns::normalize_name(domain);
  detail::Context ctx(resolver && !report.domain.empty() ? resolver : nullptr, options);
  std::string record(text);
  switch (type) {
    case RecordType::spf:
      report.spf_tree = detail::lint_spf(ctx, report.domain, &record, nullptr, false);
      break;
    case RecordType::dkim:
      detail::lint_dkim_text(ctx, "", record, nullptr);
      break;
    case RecordType::dmarc:
      detail::lint_dmarc_text(ctx, report.domain.empty() ? "" : "_dmarc." + report.domain, record,
                              report.domain);
      break;
    case RecordType::mta_sts:
      detail::lint_mta_sts_text(ctx, report.domain.empty() ? "" : "_mta-sts." + report.domain, record);
      break;
    case RecordType::tls_rpt:
      detail::lint_tls_rpt_text(ctx, report.domain.empty() ? "" : "_smtp._tls." + report.domain, record);
      break;
    case RecordType::bimi:
      detail::lint_bimi_text(ctx, "", record, report.domain);
      break;
  }
  report.findings = ctx.take();
  return report;
}

Report lint_mta_sts_policy(std::string_view text, dns::Resolver* resolver, std::string_view domain,
                           const LintOptions& options) {
  Report report;
  report.domain = dns::normalize_name(domain);
  detail::Context ctx(resolver && !report.domain.empty() ? resolver : nullptr, options);
  std::string name = !options.mta_sts_policy_source.empty() ? options.mta_sts_policy_source
                     : report.domain.empty()                ? std::string()
                                                            : "https://mta-sts." + report.domain + "/.well-known/mta-sts.txt";
  detail::lint_mta_sts_policy_text(ctx, name, text, report.domain);
  report.findings = ctx.take();
  return report;
}

namespace detail {

std::vector<std::string> lint_selectors(Context& ctx, const std::string& domain) {
  std::vector<std::string> done;
  for (const auto& e : ctx.options().expected_selectors) {
    lint_dkim(ctx, e.name, domain, &e);
    done.push_back(e.name);
  }
  for (const auto& s : ctx.options().selectors) {
    if (std::find(done.begin(), done.end(), s) != done.end()) continue;
    lint_dkim(ctx, s, domain, nullptr);
    done.push_back(s);
  }
  return done;
}

std::optional<bool> lint_versioned_txt(Context& ctx, const std::string& name, bool (*is_version)(std::string_view) noexcept,
                                       std::string_view token, std::string_view multiple_rule, std::string_view what,
                                       const std::function<void(const std::string&)>& lint_text) {
  if (!ctx.followable(name, what)) return std::nullopt;
  dns::Answer a = ctx.ask(name, dns::RRType::TXT);
  if (a.status == dns::Status::tempfail) return std::nullopt;
  std::vector<std::string> found;
  for (const auto& txt : a.records) {
    if (is_version(txt)) found.push_back(txt);
    else if (std::search(txt.begin(), txt.end(), token.begin(), token.end(), [](char x, char y) {
               return ascii::lower(x) == ascii::lower(y);
             }) != txt.end())
      lint_text(txt);  // discarded by receivers: its syntax finding says why
  }
  if (found.size() > 1) {
    std::string all;
    for (const auto& txt : found) all += (all.empty() ? "" : " | ") + txt;
    ctx.add(multiple_rule, name, all,
            std::to_string(found.size()) + " " + std::string(what) + " records at " + name + ": receivers use none of them");
  } else if (found.size() == 1) {
    lint_text(found.front());
  }
  return !found.empty();
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && mail::iequals(text.substr(0, prefix.size()), prefix);
}

void Context::add(std::string_view rule_id, std::string name, std::string record, std::string message,
                  std::size_t offset) {
  const Rule* rule = find_rule(rule_id);
  // An unknown id is a bug in this module; fall back to a rule that cannot pass silently.
  if (!rule) {
    message = "internal: unknown lint rule '" + std::string(rule_id) + "': " + message;
    rule = find_rule("dns-tempfail");
  }
  findings_.push_back(Finding{rule, std::move(name), std::move(record), std::move(message), offset});
}

bool Context::followable(std::string_view name, std::string_view why) {
  if (!options_.in_scope || options_.in_scope(name)) return true;
  std::string key = "scope:" + std::string(name);
  if (reported_.insert(key).second)
    add("dns-not-followed", std::string(name), "",
        std::string(name) + " is outside the zones given: " + std::string(why) + " not checked");
  return false;
}

bool refused(const dns::Answer& answer) {
  constexpr int kRefused = 5;  // RFC 1035 4.1.1
  return answer.status == dns::Status::tempfail && answer.rcode == kRefused;
}

dns::Answer Context::ask(std::string_view name, dns::RRType type) {
  dns::Answer a = cache_->query(name, type);
  if (a.status != dns::Status::tempfail) return a;
  // An authoritative server given as --resolver refuses names outside its zones: those are
  // not checked, which is not a failure of what it does serve.
  if (refused(a)) {
    if (reported_.insert("scope:" + std::string(name)).second)
      add("dns-not-followed", std::string(name), "",
          "the server refused the query for " + std::string(name) + " (it serves no zone holding it): not checked");
    return a;
  }
  std::string key = std::string(dns::to_string(type)) + ":" + std::string(name);
  if (reported_.insert(key).second)
    add("dns-tempfail", std::string(name), "",
        std::string(dns::to_string(type)) + " query for " + std::string(name) + " failed" +
            (a.detail.empty() ? "" : ": " + a.detail));
  return a;
}

}  // namespace detail

}  // namespace dnsauth::records

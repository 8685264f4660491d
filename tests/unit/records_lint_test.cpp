// The lint catalog itself and what every rule shares: stable, unique ids with a severity, a
// summary and an RFC section; the DNS rules (dns-tempfail, dns-not-followed) with their
// triggering and clean cases; the report's exit status (docs/architecture.md: 0 clean, 1 warnings only,
// 2 errors); record-type detection; a configured domain's expectations.
#include <regex>

#include "core/config/config.h"
#include "core/dns/name.h"
#include "core/records/records.h"
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

const std::vector<RuleCase> kCases = {
    {"dns-tempfail", with({}, [](Scene& s) { s.dns.add_tempfail("_dmarc.example.com", "timeout"); }),
     clean_domain(), "_dmarc.example.com", "timeout"},
    {"dns-not-followed",
     with([](Publish& p) { p.spf = "v=spf1 include:_spf.example.net -all"; },
          [](Scene& s) {
            s.dns.add_txt("_spf.example.net", "v=spf1 -all");
            s.options.in_scope = [](std::string_view name) {
              return name == "example.com" || name.ends_with(".example.com");
            };
          }),
     with([](Publish& p) { p.spf = "v=spf1 include:_spf.example.net -all"; },
          [](Scene& s) {
            s.dns.add_txt("_spf.example.net", "v=spf1 -all");
            s.options.in_scope = [](std::string_view) { return true; };
          }),
     "_spf.example.net", "outside the zones given"},
    // A misspelt domain: nothing exists there, nor below it.
    {"dns-domain-not-found", [](Scene& s) { with({})(s); s.domain = "example.con"; }, clean_domain(), "example.con",
     "example.con does not exist (NXDOMAIN)"},
};

DNSAUTH_RULE_TESTS(DnsRule, kCases);

TEST(DnsRuleCatalog, EveryDnsRuleHasACase) { expect_catalog_covered("dns", kCases); }

// Zone files given without live DNS: a domain outside all of them is one error, not a list of
// "not checked" notes that exit 0.
TEST(DnsDomainNotFound, ADomainOutsideEveryZoneGivenIsOneError) {
  Scene s;
  with({})(s);
  s.options.in_scope = [](std::string_view name) { return dns::is_at_or_below(name, "example.com"); };
  Report r = lint_domain(s.dns, "Example.TSET.", s.options);
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.findings[0].id(), "dns-domain-not-found");
  EXPECT_EQ(r.findings[0].name, "example.tset");
  EXPECT_NE(r.findings[0].message.find("outside every zone given"), std::string::npos) << r.findings[0].message;
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(find(lint_domain(s.dns, "example.com", s.options), "dns-domain-not-found"), nullptr);
}

// RFC 1034 4.3.2: only a name error at the domain and at every name asked below it means there is
// nothing; a domain that publishes DMARC or one key record alone (no SPF, no record of its own:
// NXDOMAIN from a resolver that knows no empty non-terminals) exists.
TEST(DnsDomainNotFound, ADomainWithAnyRecordBelowItIsNotReported) {
  for (auto tweak : std::vector<std::function<void(Publish&)>>{
           [](Publish& p) { p.spf.reset(); p.dkim.reset(); },
           [](Publish& p) { p.spf.reset(); p.dmarc.reset(); },
       }) {
    Report r = run(with(tweak));
    EXPECT_EQ(find(r, "dns-domain-not-found"), nullptr) << describe(r);
  }
  // Nothing at all, with the selector from the config: reported first, the rest follows from it.
  Report r = run(with([](Publish& p) { p.spf.reset(); p.dkim.reset(); p.dmarc.reset(); }));
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].id(), "dns-domain-not-found") << describe(r);
  EXPECT_NE(r.findings[0].message.find("or the selectors' key records"), std::string::npos) << r.findings[0].message;
}

TEST(Catalog, IdsAreUniqueKebabCaseAndPrefixedWithTheirProtocol) {
  std::set<std::string_view> seen;
  const std::regex id("[a-z0-9]+(-[a-z0-9]+)+");
  for (const Rule& r : rule_catalog()) {
    EXPECT_TRUE(seen.insert(r.id).second) << r.id << " twice";
    EXPECT_TRUE(std::regex_match(std::string(r.id), id)) << r.id;
    EXPECT_EQ(r.id.substr(0, r.protocol.size() + 1), std::string(r.protocol) + "-") << r.id;
    EXPECT_FALSE(r.summary.empty()) << r.id;
    EXPECT_EQ(r.summary.find('\n'), std::string_view::npos) << r.id << ": one line";
    // An RFC, or for BIMI (not yet an RFC) the Internet-Draft by its name and revision.
    EXPECT_TRUE(r.rfc.rfind("RFC ", 0) == 0 || r.rfc.rfind("draft-brand-indicators-for-message-identification-12 ", 0) == 0)
        << r.id << ": " << r.rfc;
    EXPECT_EQ(find_rule(r.id), &r);
  }
  EXPECT_EQ(find_rule("no-such-rule"), nullptr);
  // Every protocol the linter covers has rules.
  for (std::string_view p : {"dns", "spf", "dkim", "dmarc", "mta-sts", "tls-rpt", "bimi"}) {
    bool any = false;
    for (const Rule& r : rule_catalog()) any = any || r.protocol == p;
    EXPECT_TRUE(any) << p;
  }
}

TEST(Catalog, TheIssuesRulesKeepTheirIds) {
  // Published ids: tools, docs and the validator rely on them. Renaming one breaks them.
  for (std::string_view id :
       {"spf-syntax", "spf-multiple-records", "spf-too-many-lookups", "spf-void-lookups", "spf-include-loop",
        "spf-ptr", "spf-pass-all", "spf-neutral-all", "spf-no-all", "spf-exp-missing", "spf-record-too-long",
        "spf-string-too-long", "spf-type-99", "dkim-syntax", "dkim-key-invalid", "dkim-rsa-too-short",
        "dkim-rsa-short", "dkim-testing", "dkim-revoked", "dkim-sha1-only", "dkim-missing", "dkim-key-mismatch",
        "dmarc-syntax", "dmarc-v-not-first", "dmarc-p-missing", "dmarc-p-none", "dmarc-testing",
        "dmarc-removed-tag", "dmarc-pct-partial", "dmarc-rua-missing", "dmarc-uri-invalid",
        "dmarc-external-unauthorized", "dmarc-sp-weaker", "dmarc-np-weaker", "dmarc-multiple-records",
        "dmarc-unreachable"})
    EXPECT_NE(find_rule(id), nullptr) << id;
}

Report with_findings(std::vector<std::string_view> ids) {
  Report r;
  for (auto id : ids) r.findings.push_back(Finding{find_rule(id), "example.com", "", "x"});
  return r;
}

TEST(ReportExitCode, CleanInfoWarningError) {
  EXPECT_EQ(with_findings({}).exit_code(), 0);
  EXPECT_FALSE(with_findings({}).worst());
  EXPECT_EQ(with_findings({"dmarc-p-none"}).exit_code(), 0);
  EXPECT_EQ(with_findings({"dmarc-p-none", "spf-ptr"}).exit_code(), 1);
  EXPECT_EQ(with_findings({"spf-ptr", "spf-syntax", "dmarc-p-none"}).exit_code(), 2);
  Report r = with_findings({"spf-ptr", "spf-syntax", "dmarc-p-none", "spf-no-all"});
  EXPECT_EQ(r.worst(), Severity::error);
  EXPECT_EQ(r.count(Severity::warning), 2u);
  EXPECT_EQ(r.count(Severity::error), 1u);
  EXPECT_EQ(r.count(Severity::info), 1u);
}

TEST(RecordType, DetectedFromTheVersionTagOrAKey) {
  EXPECT_EQ(detect_record_type("v=spf1 -all"), RecordType::spf);
  EXPECT_EQ(detect_record_type("  V=SPF1 -all"), RecordType::spf);
  EXPECT_EQ(detect_record_type("v=DMARC1; p=none"), RecordType::dmarc);
  EXPECT_EQ(detect_record_type("v=DKIM1; p="), RecordType::dkim);
  EXPECT_EQ(detect_record_type("k=rsa; p=AQI="), RecordType::dkim);
  EXPECT_EQ(detect_record_type("p=AQI="), RecordType::dkim);
  EXPECT_FALSE(detect_record_type("hello world"));
  EXPECT_FALSE(detect_record_type("v=spf10"));
  EXPECT_EQ(detect_record_type("v=STSv1; id=1"), RecordType::mta_sts);
  EXPECT_EQ(detect_record_type("v=TLSRPTv1; rua=mailto:a@example.com"), RecordType::tls_rpt);
  EXPECT_EQ(detect_record_type("v=BIMI1; l="), RecordType::bimi);
  EXPECT_FALSE(detect_record_type("v=STSv10; id=1"));
  for (RecordType t : {RecordType::mta_sts, RecordType::tls_rpt, RecordType::bimi})
    EXPECT_EQ(parse_record_type(to_string(t)), t);
  EXPECT_EQ(to_string(RecordType::mta_sts), "mta-sts");
  EXPECT_EQ(parse_record_type("dmarc"), RecordType::dmarc);
  EXPECT_FALSE(parse_record_type("DMARC"));
  EXPECT_EQ(to_string(RecordType::dkim), "dkim");
}

TEST(OptionsFor, TakesSelectorsHeloNamesAndReportDomainsFromTheConfig) {
  auto cfg = config::parse_config(R"(
[[domain]]
name = "example.com"
  [[domain.selector]]
  name = "r"
  [[domain.selector]]
  name = "e"
  algorithm = "ed25519-sha256"
  [domain.spf]
  helo = ["mx.example.com"]
  [domain.dmarc]
  p = "reject"
  accept_reports_for = ["example.org"]
)",
                                  "t.toml", "/tmp");
  ASSERT_TRUE(cfg) << cfg.error().detail;
  LintOptions o = options_for(cfg->domains.front());
  ASSERT_EQ(o.expected_selectors.size(), 2u);
  EXPECT_EQ(o.expected_selectors[0].name, "r");
  EXPECT_EQ(o.expected_selectors[0].key_type, dkim::KeyType::rsa);
  EXPECT_EQ(o.expected_selectors[1].key_type, dkim::KeyType::ed25519);
  EXPECT_FALSE(o.expected_selectors[1].private_key);
  EXPECT_EQ(o.helo_names, std::vector<std::string>{"mx.example.com"});
  EXPECT_EQ(o.accept_reports_for, std::vector<std::string>{"example.org"});
  EXPECT_FALSE(o.expect_mta_sts);
  EXPECT_FALSE(o.expect_tls_rpt);
  EXPECT_EQ(o.bimi_selector, "");
}

TEST(OptionsFor, ExpectsMtaStsTlsRptAndBimiAsTheConfigGivesThem) {
  auto cfg = config::parse_config(R"(
[[domain]]
name = "example.com"
  [[domain.selector]]
  name = "r"
  [domain.mta_sts]
  mode = "enforce"
  mx = ["mail.example.com"]
  [domain.tls_rpt]
  rua = ["mailto:tlsrpt@example.com"]
  [domain.bimi]
  selector = "brand"
  logo = "https://images.example.com/logo.svg"
)",
                                  "t.toml", "/tmp");
  ASSERT_TRUE(cfg) << cfg.error().detail;
  LintOptions o = options_for(cfg->domains.front());
  EXPECT_TRUE(o.expect_mta_sts);
  EXPECT_TRUE(o.expect_tls_rpt);
  EXPECT_EQ(o.bimi_selector, "brand");
  // The policy generate writes is checked with the domain (its mx against the MX hosts).
  ASSERT_TRUE(o.mta_sts_policy);
  EXPECT_EQ(*o.mta_sts_policy, mta_sts_policy(*cfg->domains.front().mta_sts));
  EXPECT_NE(o.mta_sts_policy_source.find("configured"), std::string::npos);
}

// RFC 8461 4.1: with the configuration's expectations, lint checks the configured policy's mx
// patterns against the MX hosts the zone publishes, before the policy is served.
TEST(OptionsFor, TheConfiguredPolicyIsCheckedAgainstTheZonesMxHosts) {
  auto cfg = config::parse_config(R"(
[[domain]]
name = "example.com"
  [domain.mta_sts]
  mode = "enforce"
  mx = ["mail.example.com"]
)",
                                  "t.toml", "/tmp");
  ASSERT_TRUE(cfg) << cfg.error().detail;
  dns::MemoryResolver r;
  r.add_txt("_mta-sts.example.com", records::mta_sts_record(*cfg->domains.front().mta_sts));
  r.add_mx("example.com", 10, "mail.example.com");
  r.add_mx("example.com", 20, "backup.example.net");
  Report rep = lint_domain(r, "example.com", options_for(cfg->domains.front()));
  const Finding* f = nullptr;
  for (const auto& x : rep.findings)
    if (x.id() == "mta-sts-mx-uncovered") f = &x;
  ASSERT_NE(f, nullptr) << "findings: " << rep.findings.size();
  EXPECT_NE(f->message.find("backup.example.net"), std::string::npos) << f->message;
  EXPECT_EQ(rep.exit_code(), 2);
}

TEST(LintDomain, FindingsComeInProtocolOrderAndEachOnce) {
  Report r = run(with(
      [](Publish& p) {
        p.spf = "v=spf1 ptr ?all";
        p.dkim = "v=DKIM1; k=rsa; t=y; p=" + p_of(rsa2048());
        p.dmarc = "v=DMARC1; p=none";
      },
      {}));
  std::vector<std::string> ids;
  for (const auto& f : r.findings) ids.emplace_back(f.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"spf-ptr", "spf-neutral-all", "dkim-testing", "dmarc-p-none",
                                           "dmarc-rua-missing"}));
  EXPECT_EQ(r.domain, "example.com");
}

TEST(LintDomain, ATempfailedNameIsReportedOncePerType) {
  Report r = run(with({}, [](Scene& s) { s.dns.add_tempfail("example.com"); }));
  std::size_t n = 0;
  for (const auto& f : r.findings) n += f.id() == "dns-tempfail" && f.name == "example.com";
  // TXT (SPF, and the misplaced-DMARC check: the same query, cached) and type 99 is not asked
  // after a failed TXT query.
  EXPECT_EQ(n, 1u) << describe(r);
  EXPECT_EQ(r.exit_code(), 2);
}

}  // namespace
}  // namespace dnsauth::records

// The DMARC lint rules (RFC 9989, RFC 7489 where its readers differ, RFC 9990 4 report
// destinations): every rule of the catalog with protocol "dmarc" has a triggering and a clean
// case; then the variants of the tree-walk rules.
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

Build dmarc(std::string record, Build extra = {}) {
  return with([record](Publish& p) { p.dmarc = record; }, std::move(extra));
}
const std::string kRua = "rua=mailto:dmarc@example.com";

// a.mail.example.com has no record of its own; `records` are published at _dmarc.<name>.
Build subdomain(std::vector<std::pair<std::string, std::string>> records) {
  return with(
      [](Publish& p) {
        p.domain = "a.mail.example.com";
        p.dmarc.reset();
      },
      [records](Scene& s) {
        for (const auto& [name, text] : records) s.dns.add_txt("_dmarc." + name, text);
      });
}

const std::vector<RuleCase> kCases = {
    {"dmarc-missing", with([](Publish& p) { p.dmarc.reset(); }), clean_domain(), "_dmarc.example.com"},
    {"dmarc-syntax", dmarc("v=DMARC1; p=reject; adkim=x; " + kRua), dmarc("v=DMARC1; p=reject; adkim=s; " + kRua),
     "_dmarc.example.com", "adkim"},
    {"dmarc-v-not-first", dmarc("p=reject; v=DMARC1; " + kRua), clean_domain(), "_dmarc.example.com"},
    {"dmarc-multiple-records",
     with({}, [](Scene& s) { s.dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:x@example.com"); }),
     with({}, [](Scene& s) { s.dns.add_txt("_dmarc.example.com", "some-other-token"); }), "_dmarc.example.com",
     "2 DMARC records"},
    {"dmarc-p-missing", dmarc("v=DMARC1; " + kRua), dmarc("v=DMARC1; p=quarantine; " + kRua), "_dmarc.example.com",
     "act as if p=none"},
    {"dmarc-p-none", dmarc("v=DMARC1; p=none; " + kRua), clean_domain(), "_dmarc.example.com"},
    {"dmarc-testing", dmarc("v=DMARC1; p=reject; t=y; " + kRua), dmarc("v=DMARC1; p=reject; t=n; " + kRua),
     "_dmarc.example.com"},
    {"dmarc-removed-tag", dmarc("v=DMARC1; p=reject; ri=3600; " + kRua), clean_domain(), "_dmarc.example.com",
     "ri=3600"},
    {"dmarc-pct-partial", dmarc("v=DMARC1; p=reject; pct=50; " + kRua), dmarc("v=DMARC1; p=reject; pct=100; " + kRua),
     "_dmarc.example.com", "pct=50"},
    {"dmarc-unknown-tag", dmarc("v=DMARC1; p=reject; foo=bar; " + kRua), clean_domain(), "_dmarc.example.com"},
    {"dmarc-ignored-tag", dmarc("v=DMARC1; p=reject; fo=1; " + kRua),
     dmarc("v=DMARC1; p=reject; fo=1; ruf=mailto:f@example.com; " + kRua), "_dmarc.example.com"},
    {"dmarc-rua-missing", dmarc("v=DMARC1; p=reject"), clean_domain(), "_dmarc.example.com"},
    {"dmarc-uri-invalid", dmarc("v=DMARC1; p=reject; rua=dmarc@example.com"),
     dmarc("v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:d2@example.com"), "_dmarc.example.com"},
    {"dmarc-external-unauthorized", dmarc("v=DMARC1; p=reject; rua=mailto:d@example.net"),
     dmarc("v=DMARC1; p=reject; rua=mailto:d@example.net",
           [](Scene& s) { s.dns.add_txt("example.com._report._dmarc.example.net", "v=DMARC1"); }),
     "_dmarc.example.com", "example.com._report._dmarc.example.net"},
    {"dmarc-sp-weaker", dmarc("v=DMARC1; p=reject; sp=none; " + kRua), dmarc("v=DMARC1; p=quarantine; sp=reject; " + kRua),
     "_dmarc.example.com", "sp=none"},
    {"dmarc-np-weaker", dmarc("v=DMARC1; p=reject; np=quarantine; " + kRua),
     dmarc("v=DMARC1; p=quarantine; np=reject; " + kRua), "_dmarc.example.com", "np=quarantine"},
    {"dmarc-unreachable", with({}, [](Scene& s) { s.dns.add_txt("example.com", "v=DMARC1; p=reject"); }),
     clean_domain(), "example.com"},
    // psd=n makes mail.example.com the Organizational Domain for RFC 9989 readers; RFC 7489
    // readers take example.com from the PSL and find nothing there.
    {"dmarc-discovery-differs", subdomain({{"mail.example.com", "v=DMARC1; p=reject; psd=n; " + kRua}}),
     subdomain({{"example.com", "v=DMARC1; p=reject; " + kRua}}), "_dmarc.a.mail.example.com",
     "RFC 9989 readers apply _dmarc.mail.example.com, RFC 7489 readers no record"},
    {"dmarc-report-authorization-missing",
     with({}, [](Scene& s) { s.options.accept_reports_for = {"example.org"}; }),
     with({},
          [](Scene& s) {
            s.options.accept_reports_for = {"example.org"};
            s.dns.add_txt("example.org._report._dmarc.example.com", "v=DMARC1");
          }),
     "example.org._report._dmarc.example.com"},
};

DNSAUTH_RULE_TESTS(DmarcRule, kCases);

TEST(DmarcRuleCatalog, EveryDmarcRuleHasACase) { expect_catalog_covered("dmarc", kCases); }

TEST(DmarcLint, MisspelledNameWithoutUnderscoreIsUnreachable) {
  Report r = run(with({}, [](Scene& s) { s.dns.add_txt("dmarc.example.com", "v=DMARC1; p=reject"); }));
  const Finding* f = find(r, "dmarc-unreachable");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "dmarc.example.com");
}

TEST(DmarcLint, RecordBetweenTheDomainAndItsOrganizationalDomainIsNotApplied) {
  // RFC 9989 4.10.2: without psd=n, the record with the fewest labels is the Organizational
  // Domain's, and 4.10.1 applies it, not the one at mail.example.com.
  Report r = run(subdomain({{"mail.example.com", "v=DMARC1; p=none; " + kRua}, {"example.com", "v=DMARC1; p=reject; " + kRua}}));
  const Finding* f = find(r, "dmarc-unreachable");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "_dmarc.mail.example.com");
  EXPECT_NE(f->message.find("_dmarc.example.com"), std::string::npos) << f->message;
  EXPECT_EQ(find(r, "dmarc-missing"), nullptr);
}

TEST(DmarcLint, TreeWalkShortcutSkipsNamesBetween8And7Labels) {
  // RFC 9989 4.10 step 4: a.b.c.d.e.f.g.h.example.com has 10 labels; the walk goes straight
  // to the last 7 (d.e.f.g.h.example.com), never asking the 9- and 8-label names.
  Report r = run(with(
      [](Publish& p) {
        p.domain = "a.b.c.d.e.f.g.h.example.com";
        p.dmarc.reset();
      },
      [](Scene& s) {
        s.dns.add_txt("_dmarc.c.d.e.f.g.h.example.com", "v=DMARC1; p=reject; " + kRua);
        s.dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; " + kRua);
      }));
  const Finding* f = find(r, "dmarc-unreachable");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "_dmarc.c.d.e.f.g.h.example.com");
  EXPECT_NE(f->message.find("10 labels"), std::string::npos) << f->message;
}

TEST(DmarcLint, InheritedPolicyIsClean) {
  Report r = run(subdomain({{"example.com", "v=DMARC1; p=reject; " + kRua}}));
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(DmarcLint, MissingPWithoutRuaMeansNoDmarcAtAll) {
  Report r = lint_record("v=DMARC1; sp=reject", RecordType::dmarc);
  const Finding* f = find(r, "dmarc-p-missing");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_NE(f->message.find("no DMARC at all"), std::string::npos) << f->message;
}

TEST(DmarcLint, InvalidPIsReportedOnceAtItsValue) {
  expect_offset("v=DMARC1; p=rejct; " + kRua, RecordType::dmarc, "dmarc-p-missing", 12);
  EXPECT_EQ(find(lint_record("v=DMARC1; p=rejct; " + kRua, RecordType::dmarc), "dmarc-syntax"), nullptr);
}

TEST(DmarcLint, ProblemsCarryTheirOffset) {
  expect_offset("v=DMARC1; p=reject; aspf=q", RecordType::dmarc, "dmarc-syntax", 25);
  expect_offset("v=DMARC1; p=reject; rua=mailto:d@example.com,nope", RecordType::dmarc, "dmarc-uri-invalid", 45);
  expect_offset("p=reject; v=DMARC1", RecordType::dmarc, "dmarc-v-not-first", 0);
}

TEST(DmarcLint, OfflineRecordDoesNotCheckDestinations) {
  Report r = lint_record("v=DMARC1; p=reject; rua=mailto:d@example.net", RecordType::dmarc, nullptr, "example.com");
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(DmarcLint, PNoneAloneIsInformationOnly) {
  Report r = run(dmarc("v=DMARC1; p=none; " + kRua));
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.exit_code(), 0);
}

}  // namespace
}  // namespace dnsauth::records

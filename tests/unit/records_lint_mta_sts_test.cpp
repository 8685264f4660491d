// The MTA-STS lint rules (RFC 8461): the TXT record at _mta-sts.<domain> (3.1), the policy
// file (3.2, 3.3) and its mx patterns against the domain's MX hosts (4.1); every rule of the
// catalog with protocol "mta-sts" has a triggering and a clean case. Then the policy linted by
// itself (lint_mta_sts_policy), the implicit MX of RFC 5321 5.1 and the record-level offsets.
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

const std::string kName = "_mta-sts.example.com";
const std::string kRecord = "v=STSv1; id=20260101T000000";

std::string policy(std::string mode = "enforce", std::vector<std::string> mx = {"mail.example.com"},
                   std::string max_age = "604800", std::string eol = "\r\n") {
  std::string p = "version: STSv1" + eol + "mode: " + mode + eol;
  for (const auto& m : mx) p += "mx: " + m + eol;
  return p + "max_age: " + max_age + eol;
}

// The clean domain, expected to have MTA-STS, publishing `records` at _mta-sts, MX hosts
// `mx` and the policy text given (nullopt: none checked).
Build sts(std::vector<std::string> records, std::optional<std::string> policy_text = std::nullopt,
          std::vector<std::string> mx = {"mail.example.com"}) {
  return with({}, [records, policy_text, mx](Scene& s) {
    s.options.expect_mta_sts = true;
    for (const auto& r : records) s.dns.add_txt(kName, r);
    std::uint16_t pref = 10;
    for (const auto& m : mx) s.dns.add_mx("example.com", pref += 10, m);
    s.options.mta_sts_policy = policy_text;
  });
}
Build with_policy(std::string text, std::vector<std::string> mx = {"mail.example.com"}) {
  return sts({kRecord}, std::move(text), std::move(mx));
}
const Build kClean = with_policy(policy());

std::string oversized() {
  std::string p = policy();
  while (p.size() <= 64 * 1024) p += "x-pad: " + std::string(200, 'p') + "\r\n";
  return p;
}

const std::string kUrl = "https://mta-sts.example.com/.well-known/mta-sts.txt";

const std::vector<RuleCase> kCases = {
    {"mta-sts-missing", sts({}), sts({kRecord}), kName, "no v=STSv1 record"},
    {"mta-sts-syntax", sts({"v=STSv1; id=1;; x=1"}), sts({kRecord}), kName},
    {"mta-sts-multiple-records", sts({kRecord, "v=STSv1; id=2"}), sts({kRecord, "google-site-verification=x"}), kName,
     "2 MTA-STS records"},
    {"mta-sts-id-syntax", sts({"v=STSv1; id=2026-01-01"}), sts({"v=STSv1; id=20260101"}), kName},
    {"mta-sts-policy-too-large", with_policy(oversized()), kClean, kUrl, "over the 65536"},
    {"mta-sts-policy-syntax", with_policy("version: STSv1\r\n\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n"),
     kClean, kUrl, "line 2: an empty line"},
    {"mta-sts-policy-version", with_policy("version: STSv2\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n"),
     kClean, kUrl, "line 1: version"},
    {"mta-sts-policy-mode", with_policy(policy("on")), kClean, kUrl, "line 2: mode: 'on'"},
    {"mta-sts-policy-mx", with_policy(policy("enforce", {"mail.example.com."})), kClean, kUrl, "no final dot"},
    {"mta-sts-policy-max-age", with_policy(policy("enforce", {"mail.example.com"}, "31557601")),
     with_policy(policy("enforce", {"mail.example.com"}, "31557600")), kUrl, "over 31557600"},
    {"mta-sts-policy-lf", with_policy(policy("enforce", {"mail.example.com"}, "604800", "\n")), kClean, kUrl,
     "lines 1, 2, 3, 4 end in LF alone"},
    {"mta-sts-policy-testing", with_policy(policy("testing")), kClean, kUrl, "line 2: mode: testing"},
    {"mta-sts-policy-short-max-age", with_policy(policy("enforce", {"mail.example.com"}, "86400")),
     // RFC 8461 8.3: mode none with a short max_age is how a policy is withdrawn.
     with_policy(policy("none", {}, "86400")), kUrl, "max_age 86400 is under a week"},
    {"mta-sts-policy-covers-no-mx", with_policy(policy("enforce", {"mx.example.net"})),
     with_policy(policy("enforce", {"*.example.com"})), kUrl, "match none of example.com's MX hosts mail.example.com"},
    {"mta-sts-mx-uncovered", with_policy(policy(), {"mail.example.com", "backup.example.org"}),
     with_policy(policy("enforce", {"mail.example.com", "backup.example.org"}), {"mail.example.com", "backup.example.org"}),
     kUrl, "the MX host backup.example.org"},
    {"mta-sts-mx-uncovered-testing", with_policy(policy("testing"), {"mail.example.com", "backup.example.org"}),
     with_policy(policy(), {"mail.example.com", "backup.example.org"}), kUrl, "mode enforce would stop mail to it"},
    {"mta-sts-mx-pattern-unused", with_policy(policy("enforce", {"mail.example.com", "old.example.com"})), kClean, kUrl,
     "mx old.example.com matches none"},
};

DNSAUTH_RULE_TESTS(MtaStsRule, kCases);

TEST(MtaStsRuleCatalog, EveryMtaStsRuleHasACase) { expect_catalog_covered("mta-sts", kCases); }

// A domain that neither expects MTA-STS nor publishes it gets no MTA-STS finding; one that
// publishes a record without the configuration asking for it has it checked all the same.
TEST(MtaStsLint, CheckedWhenExpectedOrPublished) {
  Report none = run(clean_domain());
  EXPECT_TRUE(none.findings.empty()) << describe(none);
  Report published = run(with({}, [](Scene& s) { s.dns.add_txt(kName, "v=STSv1; id=a-b"); }));
  ASSERT_NE(find(published, "mta-sts-id-syntax"), nullptr) << describe(published);
  Report clean = run(kClean);
  EXPECT_TRUE(clean.findings.empty()) << describe(clean);
}

// RFC 8461 3.1: a record that names STSv1 without beginning with "v=STSv1;" is discarded by
// senders: its syntax finding says why, and the expected record is missing as well.
TEST(MtaStsLint, ARecordNotBeginningWithTheVersionIsReported) {
  Report r = run(sts({" v=STSv1; id=1"}));
  EXPECT_NE(find(r, "mta-sts-syntax"), nullptr) << describe(r);
  EXPECT_NE(find(r, "mta-sts-missing"), nullptr) << describe(r);
}

// The findings point at the line at fault: its text is the record, the offset is in it.
TEST(MtaStsLint, PolicyFindingsCarryTheLineAndTheByteInIt) {
  Report r = lint_mta_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: *.*.example.com\r\nmax_age: 1\r\n");
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.findings[0].id(), "mta-sts-policy-mx");
  EXPECT_EQ(r.findings[0].record, "mx: *.*.example.com");
  EXPECT_EQ(r.findings[0].offset, 4u);
  EXPECT_EQ(r.findings[0].name, "");
  EXPECT_NE(r.findings[0].message.find("line 3"), std::string::npos) << r.findings[0].message;
  // A key that is missing is nowhere: no record, no offset.
  Report missing = lint_mta_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\n");
  ASSERT_EQ(missing.findings.size(), 1u) << describe(missing);
  EXPECT_EQ(missing.findings[0].id(), "mta-sts-policy-max-age");
  EXPECT_EQ(missing.findings[0].record, "");
  EXPECT_EQ(missing.findings[0].offset, Error::no_offset);
  EXPECT_EQ(missing.exit_code(), 2);
}

// lint_mta_sts_policy with a resolver and the domain checks the MX coverage, and names its
// findings by the source given or the policy's URL.
TEST(MtaStsLint, PolicyAloneWithTheDomainChecksItsMxHosts) {
  dns::MemoryResolver dns;
  dns.add_mx("example.com", 10, "mx1.example.com");
  dns.add_mx("example.com", 20, "mx2.example.net");
  const std::string text = policy("enforce", {"*.example.com"});
  Report offline = lint_mta_sts_policy(text);
  EXPECT_TRUE(offline.findings.empty()) << describe(offline);
  EXPECT_EQ(offline.exit_code(), 0);
  Report r = lint_mta_sts_policy(text, &dns, "Example.COM.");
  ASSERT_NE(find(r, "mta-sts-mx-uncovered"), nullptr) << describe(r);
  EXPECT_EQ(find(r, "mta-sts-mx-uncovered")->name, kUrl);
  EXPECT_EQ(r.domain, "example.com");
  EXPECT_EQ(r.exit_code(), 2);
  LintOptions o;
  o.mta_sts_policy_source = "policy.txt";
  Report named = lint_mta_sts_policy(text, &dns, "example.com", o);
  EXPECT_EQ(find(named, "mta-sts-mx-uncovered")->name, "policy.txt");
}

// RFC 5321 5.1: a domain without MX records receives mail at its own address (the implicit MX);
// RFC 7505: a null MX receives none, so there is nothing to cover.
TEST(MtaStsLint, ImplicitMxAndNullMx) {
  dns::MemoryResolver implicit;
  implicit.add_a("example.com", "192.0.2.1");
  Report covered = lint_mta_sts_policy(policy("enforce", {"example.com"}), &implicit, "example.com");
  EXPECT_TRUE(covered.findings.empty()) << describe(covered);
  Report uncovered = lint_mta_sts_policy(policy("enforce", {"mail.example.com"}), &implicit, "example.com");
  const Finding* f = find(uncovered, "mta-sts-policy-covers-no-mx");
  ASSERT_NE(f, nullptr) << describe(uncovered);
  EXPECT_NE(f->message.find("RFC 5321 5.1"), std::string::npos) << f->message;
  dns::MemoryResolver null_mx;
  null_mx.add_mx("example.com", 0, ".");
  Report none = lint_mta_sts_policy(policy("enforce", {"mail.example.com"}), &null_mx, "example.com");
  EXPECT_TRUE(none.findings.empty()) << describe(none);
}

TEST(MtaStsLint, MxLookupFailureIsDnsTempfail) {
  dns::MemoryResolver dns;
  dns.add_tempfail("example.com", dns::RRType::MX);
  Report r = lint_mta_sts_policy(policy(), &dns, "example.com");
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.findings[0].id(), "dns-tempfail");
}

// lint_record on one TXT record (dnsauth-publish lint --record ... --type mta-sts).
TEST(MtaStsLint, RecordOffsets) {
  expect_offset("v=STSv1; id=abc_def", RecordType::mta_sts, "mta-sts-id-syntax", 15);
  expect_offset("v=STSv2; id=1", RecordType::mta_sts, "mta-sts-syntax", 6);
  expect_offset("v=STSv1; id=1; ext=a b", RecordType::mta_sts, "mta-sts-syntax", 20);
  EXPECT_TRUE(lint_record(kRecord, RecordType::mta_sts).findings.empty());
  EXPECT_EQ(lint_record("v=STSv1; id=1", RecordType::mta_sts, nullptr, "example.com").findings.size(), 0u);
  Report named = lint_record("v=STSv1", RecordType::mta_sts, nullptr, "example.com");
  ASSERT_EQ(named.findings.size(), 1u);
  EXPECT_EQ(named.findings[0].name, kName);
}

}  // namespace
}  // namespace dnsauth::records

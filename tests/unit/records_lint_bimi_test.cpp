// The BIMI lint rules (draft-brand-indicators-for-message-identification-12): the assertion
// record at <selector>._bimi.<domain> (4.3), its fallback to the Organizational Domain (7.2)
// and the DMARC enforcement it needs (7.1); every rule of the catalog with protocol "bimi" has
// a triggering and a clean case. Then the declination to publish, the record-level offsets.
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

const std::string kName = "default._bimi.example.com";
const std::string kRecord = "v=BIMI1; l=https://images.example.com/logo.svg; a=https://images.example.com/vmc.pem";
const std::string kRua = "rua=mailto:dmarc@example.com";

Build bimi(std::vector<std::string> records, std::string dmarc = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com") {
  return with([dmarc](Publish& p) { p.dmarc = dmarc; },
              [records](Scene& s) {
                s.options.bimi_selector = "default";
                for (const auto& r : records) s.dns.add_txt(kName, r);
              });
}

const std::vector<RuleCase> kCases = {
    {"bimi-missing", bimi({}), bimi({kRecord}), kName, "no v=BIMI1 record at default._bimi.example.com"},
    {"bimi-syntax", bimi({"v=BIMI1; a=https://images.example.com/vmc.pem"}), bimi({kRecord}), kName, "l= is missing"},
    {"bimi-multiple-records", bimi({kRecord, "v=BIMI1; l=https://images.example.com/other.svg"}),
     bimi({kRecord, "v=DKIM1; p="}), kName, "2 BIMI records"},
    {"bimi-not-https", bimi({"v=BIMI1; l=http://images.example.com/logo.svg; a=https://images.example.com/vmc.pem"}),
     bimi({kRecord}), kName, "l=http://images.example.com/logo.svg"},
    {"bimi-logo-not-svg", bimi({"v=BIMI1; l=https://images.example.com/logo.png; a=https://images.example.com/vmc.pem"}),
     bimi({"v=BIMI1; l=https://images.example.com/logo.SVG?v=2; a=https://images.example.com/vmc.pem"}), kName,
     "does not end in .svg"},
    {"bimi-evidence-missing", bimi({"v=BIMI1; l=https://images.example.com/logo.svg"}), bimi({kRecord}), kName},
    {"bimi-dmarc-not-enforced", bimi({kRecord}, "v=DMARC1; p=none; " + kRua), bimi({kRecord}), "_dmarc.example.com",
     "p=none at _dmarc.example.com"},
};

DNSAUTH_RULE_TESTS(BimiRule, kCases);

TEST(BimiRuleCatalog, EveryBimiRuleHasACase) { expect_catalog_covered("bimi", kCases); }

// Draft 7.1 steps 7-9: p=none, sp=none and pct below 100 (RFC 7489 readers) keep the logo
// from showing; quarantine and reject at 100% do not; no DMARC record at all does too.
TEST(BimiLint, DmarcEnforcementVariants) {
  struct Case {
    std::optional<std::string> dmarc;
    std::string says;  // empty: not reported
  } cases[] = {
      {"v=DMARC1; p=quarantine; " + kRua, ""},
      {"v=DMARC1; p=reject; pct=100; " + kRua, ""},
      {"v=DMARC1; p=reject; sp=none; " + kRua, "sp=none"},
      {"v=DMARC1; p=quarantine; pct=50; " + kRua, "pct=50"},
      {"v=DMARC1; p=reject; pct=99; " + kRua, "pct=99"},
      {"v=DMARC1; " + kRua, "p= is missing"},
      {std::nullopt, "no DMARC policy applies to example.com"},
  };
  for (const auto& c : cases) {
    Report r = run(with([&](Publish& p) { p.dmarc = c.dmarc; },
                        [](Scene& s) {
                          s.options.bimi_selector = "default";
                          s.dns.add_txt(kName, kRecord);
                        }));
    const Finding* f = find(r, "bimi-dmarc-not-enforced");
    if (c.says.empty()) {
      EXPECT_EQ(f, nullptr) << (c.dmarc ? *c.dmarc : "none") << describe(r);
    } else {
      ASSERT_NE(f, nullptr) << (c.dmarc ? *c.dmarc : "none") << describe(r);
      EXPECT_NE(f->message.find(c.says), std::string::npos) << f->message;
    }
  }
}

// Draft 7.1 step 7: the Organizational Domain's policy counts for a subdomain with its own.
TEST(BimiLint, TheOrganizationalDomainsPolicyCountsToo) {
  Report r = run(with(
      [](Publish& p) {
        p.domain = "news.example.com";
        p.dmarc = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com";
      },
      [](Scene& s) {
        s.options.bimi_selector = "default";
        s.dns.add_txt("default._bimi.news.example.com", kRecord);
        s.dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:dmarc@example.com");
      }));
  const Finding* f = find(r, "bimi-dmarc-not-enforced");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "_dmarc.example.com");
}

// Draft 7.2 step 6: without a record at the Author Domain, receivers use the Organizational
// Domain's; that one is linted, and nothing is missing.
TEST(BimiLint, TheOrganizationalDomainsRecordServesASubdomain) {
  Report r = run(with([](Publish& p) { p.domain = "news.example.com"; },
                      [](Scene& s) {
                        s.options.bimi_selector = "default";
                        s.dns.add_txt("default._bimi.example.com", "v=BIMI1; l=https://images.example.com/logo.gif");
                        s.dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
                      }));
  EXPECT_EQ(find(r, "bimi-missing"), nullptr) << describe(r);
  const Finding* f = find(r, "bimi-logo-not-svg");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "default._bimi.example.com");
}

// Without a configured selector, default._bimi is checked when it holds a record; another
// selector is looked up only when configured.
TEST(BimiLint, SelectorFromTheOptionsOrDefault) {
  Report unexpected = run(with({}, [](Scene& s) { s.dns.add_txt(kName, "v=BIMI1; l=http://x.example/a.svg"); }));
  EXPECT_NE(find(unexpected, "bimi-not-https"), nullptr) << describe(unexpected);
  Report other = run(with({}, [](Scene& s) {
    s.options.bimi_selector = "brand";
    s.dns.add_txt("brand._bimi.example.com", kRecord);
  }));
  EXPECT_TRUE(other.findings.empty()) << describe(other);
}

// Draft 4.3.1: "v=BIMI1; l=; a=;" declines to publish: nothing to show, nothing reported.
TEST(BimiLint, DeclinationToPublishIsClean) {
  Report r = run(bimi({"v=BIMI1; l=; a=;"}));
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(BimiLint, RecordOffsets) {
  expect_offset("v=BIMI1; l=http://x.example/a.svg; a=https://x.example/v.pem", RecordType::bimi, "bimi-not-https", 11);
  expect_offset("v=BIMI1; l=https://x.example/a.svg; a=ftp://x.example/v.pem", RecordType::bimi, "bimi-not-https", 38);
  expect_offset("v=BIMI1; l=https://x.example/a.png; a=https://x.example/v.pem", RecordType::bimi, "bimi-logo-not-svg", 11);
  expect_offset("v=BIMI1; l=https://x.example/a.svg; a=", RecordType::bimi, "bimi-evidence-missing", 36);
  expect_offset("v=BIMI2; l=", RecordType::bimi, "bimi-syntax", 2);
  // Offline, the DMARC policy is not checked; online with the domain it is.
  EXPECT_TRUE(lint_record(kRecord, RecordType::bimi).findings.empty());
  dns::MemoryResolver dns;
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
  Report online = lint_record(kRecord, RecordType::bimi, &dns, "example.com");
  EXPECT_NE(find(online, "bimi-dmarc-not-enforced"), nullptr) << describe(online);
}

}  // namespace
}  // namespace dnsauth::records

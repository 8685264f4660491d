// The SPF lint rules (RFC 7208): every rule of the catalog with protocol "spf" has a
// triggering and a clean case, and the lookup tree counts terms through includes and
// redirects (4.6.4) exactly at the limit.
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

Build spf(std::string record, Build extra = {}) {
  return with([record](Publish& p) { p.spf = record; }, std::move(extra));
}

// n a: terms whose names have addresses (no void lookups).
std::string a_terms(int n, const std::string& prefix) {
  std::string out;
  for (int i = 0; i < n; ++i) out += " a:" + prefix + std::to_string(i) + ".example.com";
  return out;
}
void add_hosts(Scene& s, int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i) s.dns.add_a(prefix + std::to_string(i) + ".example.com", "192.0.2.1");
}

// example.com includes a and b; a has `na` DNS terms, b `nb`: total 2 + na + nb.
Build lookups(int na, int nb) {
  return spf("v=spf1 include:a.example.com include:b.example.com -all", [na, nb](Scene& s) {
    s.dns.add_txt("a.example.com", "v=spf1" + a_terms(na, "ha") + " -all");
    s.dns.add_txt("b.example.com", "v=spf1" + a_terms(nb, "hb") + " -all");
    add_hosts(s, na, "ha");
    add_hosts(s, nb, "hb");
  });
}

// An SPF record of ip4 terms only (no DNS), at most `bytes` long and at least bytes - 16.
std::string ip4_terms(std::size_t bytes) {
  std::string r = "v=spf1";
  for (int i = 0; r.size() + 16 + 5 <= bytes; ++i) r += " ip4:192.0.2." + std::to_string(i % 250 + 1);
  return r + " -all";
}

const std::vector<RuleCase> kCases = {
    {"spf-missing", with([](Publish& p) { p.spf.reset(); }), clean_domain(), "example.com"},
    {"spf-syntax", spf("v=spf1 ip4:192.0.2.300 -all"), spf("v=spf1 ip4:192.0.2.30 -all"), "example.com"},
    {"spf-multiple-records", spf("v=spf1 -all", [](Scene& s) { s.dns.add_txt("example.com", "v=spf1 ~all"); }),
     spf("v=spf1 -all", [](Scene& s) { s.dns.add_txt("example.com", "google-site-verification=abc"); }),
     "example.com", "2 v=spf1 records"},
    // 2 + 5 + 4 = 11 against 2 + 4 + 4 = 10: the limit itself is allowed (4.6.4 "MUST NOT exceed").
    {"spf-too-many-lookups", lookups(5, 4), lookups(4, 4), "example.com", "11 DNS-querying terms"},
    {"spf-void-lookups",
     spf("v=spf1 a:nx1.example.com a:nx2.example.com mx:nx3.example.com -all"),
     spf("v=spf1 a:nx1.example.com a:nx2.example.com mx:mail.example.com -all",
         [](Scene& s) { s.dns.add_mx("mail.example.com", 10, "mx.example.com"); }),
     "example.com", "3 void lookups"},
    {"spf-include-loop",
     spf("v=spf1 include:a.example.com -all",
         [](Scene& s) { s.dns.add_txt("a.example.com", "v=spf1 include:example.com -all"); }),
     spf("v=spf1 include:a.example.com -all",
         [](Scene& s) { s.dns.add_txt("a.example.com", "v=spf1 ip4:192.0.2.1 -all"); }),
     "a.example.com", "example.com -> a.example.com -> example.com"},
    {"spf-target-missing", spf("v=spf1 include:gone.example.com -all"),
     spf("v=spf1 include:here.example.com -all", [](Scene& s) { s.dns.add_txt("here.example.com", "v=spf1 -all"); }),
     "gone.example.com", "include:gone.example.com"},
    {"spf-ptr", spf("v=spf1 ptr -all"), spf("v=spf1 a -all", [](Scene& s) { s.dns.add_a("example.com", "192.0.2.1"); }),
     "example.com"},
    {"spf-pass-all", spf("v=spf1 ip4:192.0.2.0/24 all"), spf("v=spf1 ip4:192.0.2.0/24 -all"), "example.com", "'all'"},
    {"spf-neutral-all", spf("v=spf1 ip4:192.0.2.0/24 ?all"), spf("v=spf1 ip4:192.0.2.0/24 ~all"), "example.com"},
    {"spf-no-all", spf("v=spf1 ip4:192.0.2.0/24"),
     spf("v=spf1 ip4:192.0.2.0/24 redirect=_spf.example.com",
         [](Scene& s) { s.dns.add_txt("_spf.example.com", "v=spf1 -all"); }),
     "example.com"},
    {"spf-redirect-ignored",
     spf("v=spf1 -all redirect=_spf.example.com", [](Scene& s) { s.dns.add_txt("_spf.example.com", "v=spf1 -all"); }),
     spf("v=spf1 redirect=_spf.example.com", [](Scene& s) { s.dns.add_txt("_spf.example.com", "v=spf1 -all"); }),
     "example.com"},
    {"spf-exp-missing", spf("v=spf1 -all exp=why.example.com"),
     spf("v=spf1 -all exp=why.example.com",
         [](Scene& s) { s.dns.add_txt("why.example.com", "%{i} is not one of our servers"); }),
     "example.com", "why.example.com"},
    {"spf-record-too-long", spf(ip4_terms(470)), spf(ip4_terms(450)), "example.com"},
    {"spf-string-too-long",
     with([](Publish& p) { p.spf_parts = {ip4_terms(300)}; }),
     with([](Publish& p) {
       std::string r = ip4_terms(300);
       p.spf_parts = {r.substr(0, 255), r.substr(255)};
     }),
     "example.com", "bytes (at most 255)"},
    {"spf-type-99", with({}, [](Scene& s) { s.dns.add_record("example.com", dns::RRType::SPF, "v=spf1 -all"); }),
     clean_domain(), "example.com"},
};

DNSAUTH_RULE_TESTS(SpfRule, kCases);

TEST(SpfRuleCatalog, EverySpfRuleHasACase) { expect_catalog_covered("spf", kCases); }

TEST(SpfLint, CleanDomainHasNoFindingAtAll) {
  Report r = run(clean_domain());
  EXPECT_TRUE(r.findings.empty()) << describe(r);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(SpfLint, FindingsCarryTheByteOffsetOfTheirTerm) {
  expect_offset("v=spf1 ip4:192.0.2.0/24 foo:bar -all", RecordType::spf, "spf-syntax", 24);
  expect_offset("v=spf1 ip4:192.0.2.0/33 -all", RecordType::spf, "spf-syntax", 21);  // the length
  expect_offset("v=spf1 mx ptr:example.com -all", RecordType::spf, "spf-ptr", 10);
  expect_offset("v=spf1 mx ?all", RecordType::spf, "spf-neutral-all", 10);
}

TEST(SpfLint, TreeCountsEachRecordAndTheTotal) {
  Report r = run(lookups(5, 4));
  ASSERT_TRUE(r.spf_tree);
  const SpfTree& t = *r.spf_tree;
  EXPECT_EQ(t.terms, 2u);
  EXPECT_EQ(t.total, 11u);
  ASSERT_EQ(t.children.size(), 2u);
  EXPECT_EQ(t.children[0].via, "include:a.example.com");
  EXPECT_EQ(t.children[0].terms, 5u);
  EXPECT_EQ(t.children[1].total, 4u);
  EXPECT_EQ(format_tree(t),
            "example.com: 2 (total 11)\n  include:a.example.com: 5\n  include:b.example.com: 4\n");
}

TEST(SpfLint, RedirectCountsAsATermAndItsRecordIsThePolicy) {
  // RFC 7208 6.1: the redirect target's record decides, so its +all is this domain's +all.
  Report r = run(spf("v=spf1 redirect=_spf.example.com",
                     [](Scene& s) { s.dns.add_txt("_spf.example.com", "v=spf1 a:h.example.com +all"); }));
  ASSERT_TRUE(r.spf_tree);
  EXPECT_EQ(r.spf_tree->total, 2u);
  const Finding* f = find(r, "spf-pass-all");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "_spf.example.com");
}

TEST(SpfLint, IncludedRecordsAreCountedButTheirOwnPolicyIsNotJudged) {
  // An include only asks "does it pass?": the included record's ?all is its owner's business.
  Report r = run(spf("v=spf1 include:_spf.example.net -all",
                     [](Scene& s) { s.dns.add_txt("_spf.example.net", "v=spf1 ip4:198.51.100.0/24 ?all"); }));
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(SpfLint, MacroTargetsAreCountedButNotFollowed) {
  Report r = run(spf("v=spf1 exists:%{i}.bl.example.com include:%{d}.spf.example.com -all"));
  ASSERT_TRUE(r.spf_tree);
  EXPECT_EQ(r.spf_tree->total, 2u);
  ASSERT_EQ(r.spf_tree->children.size(), 1u);
  EXPECT_EQ(r.spf_tree->children[0].note, "macro, not followed");
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(SpfLint, HeloNamesWithoutARecordAreReported) {
  Report r = run(with({}, [](Scene& s) {
    s.options.helo_names = {"mx1.example.com", "mx2.example.com"};
    s.dns.add_txt("mx1.example.com", "v=spf1 a -all");
    s.dns.add_a("mx1.example.com", "192.0.2.1");
  }));
  const Finding* f = find(r, "spf-missing");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "mx2.example.com");
  EXPECT_EQ(r.findings.size(), 1u) << describe(r);
}

TEST(SpfLint, RecordTextAloneChecksTheRecordLevelRules) {
  Report r = lint_record("v=spf1 ptr include:_spf.example.net ?all", RecordType::spf);
  EXPECT_NE(find(r, "spf-ptr"), nullptr);
  EXPECT_NE(find(r, "spf-neutral-all"), nullptr);
  EXPECT_EQ(find(r, "spf-target-missing"), nullptr) << "nothing is looked up without a resolver";
  ASSERT_TRUE(r.spf_tree);
  EXPECT_EQ(r.spf_tree->total, 2u);
  EXPECT_EQ(r.spf_tree->children.at(0).note, "not followed (no resolver)");
}

TEST(SpfLint, RecordTextWithAResolverFollowsItsIncludes) {
  Scene s;
  s.dns.add_txt("_spf.example.net", "v=spf1" + a_terms(10, "h") + " -all");
  add_hosts(s, 10, "h");
  Report r = lint_record("v=spf1 include:_spf.example.net -all", RecordType::spf, &s.dns, "example.com");
  EXPECT_NE(find(r, "spf-too-many-lookups"), nullptr) << describe(r);
}

}  // namespace
}  // namespace dnsauth::records

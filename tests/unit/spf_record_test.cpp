// RFC 7208 4.5 (selecting records), 4.6.1 (term syntax), 5 (mechanism grammar), 6 (modifiers):
// what parses into what, and the offset and reason of every kind of syntax error.
#include <gtest/gtest.h>

#include <random>

#include "core/spf/record.h"

namespace {

using namespace dnsauth::spf;
using dnsauth::Errc;

// RFC 7208 4.5: "v=spf1" exactly, case-insensitive, ended by SP or the end.
TEST(SpfRecord, Section4_5VersionSelection) {
  struct Case {
    const char* text;
    bool spf;
  };
  for (const Case& c : {Case{"v=spf1", true}, Case{"v=spf1 -all", true}, Case{"V=SpF1 mx", true},
                        Case{"v=spf10", false}, Case{"v=spf1mx", false}, Case{"spf1 -all", false},
                        Case{" v=spf1 -all", false}, Case{"v=spf2.0/pra", false}, Case{"", false}})
    EXPECT_EQ(is_spf_record(c.text), c.spf) << c.text;
}

TEST(SpfRecord, Section5MechanismsParse) {
  auto r = parse_record(
      "v=spf1 +all -include:_spf.example.net ~a ?a:mail.example.com/24//64 mx/28 "
      "mx:%{d}//48 ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 "
      "exists:%{ir}.bl.example.org IP4:198.51.100.7");
  ASSERT_TRUE(r) << r.error().message();
  const auto& m = r->mechanisms;
  ASSERT_EQ(m.size(), 12u);
  EXPECT_EQ(m[0].kind, MechanismKind::all);
  EXPECT_EQ(m[0].qualifier, Qualifier::pass);
  EXPECT_EQ(m[1].kind, MechanismKind::include);
  EXPECT_EQ(m[1].qualifier, Qualifier::fail);
  EXPECT_EQ(m[1].domain_spec->text, "_spf.example.net");
  EXPECT_EQ(m[1].text, "-include:_spf.example.net");
  EXPECT_EQ(m[1].offset, 12u);
  EXPECT_EQ(m[2].qualifier, Qualifier::softfail);
  EXPECT_FALSE(m[2].domain_spec);
  EXPECT_EQ(m[3].qualifier, Qualifier::neutral);
  EXPECT_EQ(m[3].domain_spec->text, "mail.example.com");
  EXPECT_EQ(m[3].cidr4, 24u);
  EXPECT_EQ(m[3].cidr6, 64u);
  EXPECT_EQ(m[4].cidr4, 28u);
  EXPECT_FALSE(m[4].cidr6);
  EXPECT_EQ(m[5].domain_spec->text, "%{d}");
  EXPECT_FALSE(m[5].cidr4);
  EXPECT_EQ(m[5].cidr6, 48u);
  EXPECT_EQ(m[6].kind, MechanismKind::ptr);
  EXPECT_EQ(m[7].domain_spec->text, "example.org");
  EXPECT_EQ(m[8].network.to_string(), "192.0.2.0");
  EXPECT_EQ(m[8].cidr4, 24u);
  EXPECT_EQ(m[9].network.to_string(), "2001:db8::");
  EXPECT_EQ(m[9].cidr6, 32u);
  EXPECT_EQ(m[10].kind, MechanismKind::exists);
  EXPECT_EQ(m[11].kind, MechanismKind::ip4);  // names are case-insensitive (4.6.1)
  for (const auto& mech : m)
    EXPECT_EQ(mech.queries_dns(), mech.kind != MechanismKind::all && mech.kind != MechanismKind::ip4 &&
                                      mech.kind != MechanismKind::ip6);
}

// RFC 7208 6: redirect and exp, unknown modifiers kept aside, "all" disables redirect.
TEST(SpfRecord, Section6Modifiers) {
  auto r = parse_record("v=spf1 mx redirect=_spf.example.com exp=explain.%{d} moo.cow-far_out=man:dog/cat");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(r->redirect);
  EXPECT_EQ(r->redirect->text, "_spf.example.com");
  ASSERT_TRUE(r->exp);
  EXPECT_EQ(r->exp->text, "explain.%{d}");
  ASSERT_EQ(r->unknown_modifiers.size(), 1u);
  EXPECT_EQ(r->unknown_modifiers[0].name, "moo.cow-far_out");
  EXPECT_EQ(r->unknown_modifiers[0].value, "man:dog/cat");
  EXPECT_FALSE(r->has_all());
  auto with_all = parse_record("v=spf1 redirect=x.example.com ~all");
  ASSERT_TRUE(with_all);
  EXPECT_TRUE(with_all->has_all());
}

// Spaces: 1*SP between terms, trailing spaces allowed (4.5 record = version terms *SP).
TEST(SpfRecord, Section4_6_1Spacing) {
  auto r = parse_record("v=spf1  a   -all  ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mechanisms.size(), 2u);
  EXPECT_EQ(r->mechanisms[1].offset, 12u);
  auto empty = parse_record("v=spf1");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->mechanisms.empty());
}

struct BadRecord {
  const char* section;
  const char* text;
  std::size_t offset;
  const char* says;
};

TEST(SpfRecord, SyntaxErrorsNameSectionOffsetAndCause) {
  const BadRecord cases[] = {
      {"4.5", "v=spf10 -all", 0, "must begin with 'v=spf1'"},
      {"3.1", "v=spf1 a:\xC3\xA9.example.com", 9, "not US-ASCII"},
      {"4.6.1", "v=spf1 a\r-all", 8, "control character"},
      {"4.6.1", "v=spf1 ip4:192.0.2.5\tmx", 20, "control character"},
      {"4.6", "v=spf1 ip4:1.2.3.4 -all moo", 24, "unknown mechanism 'moo'"},
      {"4.6.1", "v=spf1 moo.cow/far_out=man:dog/cat", 7, "unknown mechanism 'moo.cow'"},
      {"4.6.1", "v=spf1 redirect:example.com", 7, "unknown mechanism 'redirect'"},
      {"A", "v=spf1 1up=foo", 7, "does not start with"},
      {"A", "v=spf1 =all", 7, "empty name"},
      {"4.6.1", "v=spf1 -exp=x.example.com", 7, "cannot have a qualifier"},
      {"5.1", "v=spf1 -all.", 8, "unknown mechanism 'all.'"},
      {"5.1", "v=spf1 -all:foobar", 11, "takes no argument"},
      {"5.1", "v=spf1 all/8", 10, "takes no argument"},
      {"5.2", "v=spf1 include", 14, "needs ':'"},
      {"5.2", "v=spf1 include:", 15, "empty domain-spec"},
      {"5.2", "v=spf1 include:a.example.com/24", 25, "top-level label"},
      {"5.3", "v=spf1 a:", 9, "empty domain-spec"},
      {"5.3", "v=spf1 a/33", 9, "exceeds 32"},
      {"5.3", "v=spf1 a//129", 10, "exceeds 128"},
      {"5.3", "v=spf1 a:foo-bar", 9, "must end in '.'"},
      {"5.3", "v=spf1 a:111.222.33.44", 20, "top-level label"},
      {"5.4", "v=spf1 mx:example.com:8080", 18, "top-level label"},
      {"5.5", "v=spf1 ptr/0", 10, "takes only ':'"},
      {"5.6", "v=spf1 ip4", 10, "needs ':'"},
      {"5.6", "v=spf1 ip4:1.2.3", 11, "not an IPv4 network"},
      {"5.6", "v=spf1 ip4:1.2.3.4:8080", 11, "not an IPv4 network"},
      {"5.6", "v=spf1 ip4:1.2.3.4/032", 19, "leading zero"},
      {"5.6", "v=spf1 ip4:1.2.3.4//32", 19, "not a number"},
      {"5.6", "v=spf1 ip4:2001:db8::1", 11, "not an IPv4 network"},
      {"5.6", "v=spf1 ip6::CAFE::BABE", 11, "not an IPv6 network"},
      {"5.6", "v=spf1 ip6:::1/129", 15, "exceeds 128"},
      {"5.7", "v=spf1 exists", 13, "needs ':'"},
      {"6", "v=spf1 exp=a.example.com exp=b.example.com", 25, "more than once"},
      {"6", "v=spf1 redirect=a.example.com redirect=a.example.com", 30, "more than once"},
      {"6.1", "v=spf1 redirect=", 16, "empty domain-spec"},
      {"6.2", "v=spf1 exp=", 11, "empty domain-spec"},
      {"6.2", "v=spf1 exp=%{r}.example.com", 13, "only allowed in explanation"},
      {"7.1", "v=spf1 -exists:%(ir).sbl.example.org", 15, "must be followed by"},
      {"A", "v=spf1 -all foo=%abc", 16, "must be followed by"},
  };
  for (const auto& c : cases) {
    auto r = parse_record(c.text);
    ASSERT_FALSE(r) << "RFC 7208 " << c.section << ": " << c.text;
    EXPECT_EQ(r.error().code, Errc::syntax);
    EXPECT_EQ(r.error().offset, c.offset) << c.text << ": " << r.error().message();
    EXPECT_NE(r.error().detail.find(c.says), std::string::npos)
        << "RFC 7208 " << c.section << ": " << c.text << ": " << r.error().message();
  }
}

// Arbitrary input never crashes the parser: it either parses, or fails with an offset inside
// the text. Records are built from fragments of SPF syntax, so most get deep into the grammar.
TEST(SpfRecord, ArbitraryInputParsesOrFailsInsideTheText) {
  const std::vector<std::string> pieces = {
      " ", "  ", "a", "mx", "ptr", "all", "include", "exists", "ip4", "ip6", "redirect", "exp", ":",
      "/", "//", "=", "+", "-", "~", "?", ".", "%", "%{", "}", "%{d}", "%{ir}", "%{l1r-}", "%%", "%_",
      "%-", "example.com", "192.0.2.1", "::1", "24", "128", "0", "33", std::string(1, '\0'), "\xff", "\t", "_spf",
      "xn--zckzah", "1", "999", "%{D25r+-.}", "foo=bar"};
  std::mt19937 rng(7208);
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = "v=spf1";
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      text += pieces[rng() % pieces.size()];
    }
    auto r = parse_record(text);
    if (r) {
      ++parsed;
      for (const auto& m : r->mechanisms) EXPECT_LT(m.offset, text.size()) << text;
    } else {
      EXPECT_EQ(r.error().code, Errc::syntax);
      EXPECT_LE(r.error().offset, text.size()) << text << ": " << r.error().message();
      EXPECT_FALSE(r.error().detail.empty());
    }
  }
  EXPECT_GT(parsed, 100u);  // the generator does reach valid records
}

}  // namespace

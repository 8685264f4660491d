// RFC 7208 7: macro syntax (7.1), letters (7.2), transformers and escaping (7.3), and every
// expansion example of 7.4.
#include <gtest/gtest.h>

#include "core/spf/macro.h"

namespace {

using namespace dnsauth::spf;
using dnsauth::Errc;
using dnsauth::dns::IpAddress;

MacroValues example_values(const char* ip) {
  // RFC 7208 7.4: sender strong-bad@email.example.com, PTR name mx.example.org.
  MacroValues v;
  v.sender = "strong-bad@email.example.com";
  v.local_part = "strong-bad";
  v.sender_domain = "email.example.com";
  v.domain = "email.example.com";
  v.ip = *IpAddress::parse(ip);
  v.helo = "mx.example.org";
  v.receiver = "receiver.example.net";
  v.now = 1700000000;
  v.validated_name = [] { return std::string("mx.example.org"); };
  return v;
}

std::string expand_text(std::string_view text, MacroUse use, const MacroValues& v) {
  auto m = parse_macro_string(text, use);
  EXPECT_TRUE(m) << text << ": " << (m ? "" : m.error().message());
  return m ? expand(*m, v).value() : std::string();
}

struct Example {
  const char* macro;
  const char* expansion;
};

// RFC 7208 7.4, first table (IPv4 192.0.2.3).
TEST(SpfMacro, Rfc7208Section7_4Letters) {
  const Example examples[] = {
      {"%{s}", "strong-bad@email.example.com"}, {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},            {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},           {"%{d2}", "example.com"},
      {"%{d1}", "com"},                         {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},              {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},                  {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},                 {"%{l1r-}", "strong"},
  };
  auto v = example_values("192.0.2.3");
  for (const auto& e : examples)
    EXPECT_EQ(expand_text(e.macro, MacroUse::domain_spec, v), e.expansion) << e.macro;
}

// RFC 7208 7.4, second table, and its IPv6 example (2001:db8::cb01).
TEST(SpfMacro, Rfc7208Section7_4MacroStrings) {
  const Example examples[] = {
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
  };
  auto v4 = example_values("192.0.2.3");
  for (const auto& e : examples)
    EXPECT_EQ(expand_text(e.macro, MacroUse::domain_spec, v4), e.expansion) << e.macro;
  auto v6 = example_values("2001:db8::cb01");
  EXPECT_EQ(expand_text("%{ir}.%{v}._spf.%{d2}", MacroUse::domain_spec, v6),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

// RFC 7208 7.2 and 7.3: the remaining letters, and the explanation-only ones.
TEST(SpfMacro, Rfc7208Section7_2RemainingLetters) {
  auto v4 = example_values("192.0.2.3");
  EXPECT_EQ(expand_text("%{i}", MacroUse::domain_spec, v4), "192.0.2.3");
  EXPECT_EQ(expand_text("%{v}", MacroUse::domain_spec, v4), "in-addr");
  EXPECT_EQ(expand_text("%{h}", MacroUse::domain_spec, v4), "mx.example.org");
  EXPECT_EQ(expand_text("%{p}", MacroUse::domain_spec, v4), "mx.example.org");
  EXPECT_EQ(expand_text("%{c} %{r} %{t}", MacroUse::explain_string, v4),
            "192.0.2.3 receiver.example.net 1700000000");
  auto v6 = example_values("2001:DB8::CB01");
  EXPECT_EQ(expand_text("%{c}", MacroUse::explain_string, v6), "2001:db8::cb01");
  EXPECT_EQ(expand_text("%{v}", MacroUse::domain_spec, v6), "ip6");
  v6.validated_name = nullptr;  // no way to validate: "unknown" (7.3)
  EXPECT_EQ(expand_text("%{p}", MacroUse::domain_spec, v6), "unknown");
}

// RFC 7208 7.1 special cases and 7.3 URL escaping of uppercase letters.
TEST(SpfMacro, Rfc7208Section7_3EscapesAndUppercase) {
  MacroValues v = example_values("192.0.2.3");
  v.local_part = "~jack&jill=up-a_b3.c";
  EXPECT_EQ(expand_text("a%%b%_c%-d", MacroUse::domain_spec, v), "a%b c%20d");
  EXPECT_EQ(expand_text("%{L}", MacroUse::domain_spec, v), "~jack%26jill%3Dup-a_b3.c");
  EXPECT_EQ(expand_text("%{l}", MacroUse::domain_spec, v), "~jack&jill=up-a_b3.c");
  v.local_part = "a b/c";
  EXPECT_EQ(expand_text("%{L}", MacroUse::domain_spec, v), "a%20b%2Fc");
}

// RFC 7208 7.3: several delimiters, empty parts kept, more digits than parts.
TEST(SpfMacro, Rfc7208Section7_3Transformers) {
  MacroValues v = example_values("192.0.2.3");
  v.local_part = "foo-bar+zip+quux";
  EXPECT_EQ(expand_text("%{l2r+-}", MacroUse::domain_spec, v), "bar.foo");
  EXPECT_EQ(expand_text("%{l+}", MacroUse::domain_spec, v), "foo-bar.zip.quux");
  v.local_part = "a..b";
  EXPECT_EQ(expand_text("%{lr}", MacroUse::domain_spec, v), "b..a");
  EXPECT_EQ(expand_text("%{d127}", MacroUse::domain_spec, v), "email.example.com");
  EXPECT_EQ(expand_text("%{D2R}", MacroUse::domain_spec, v), "example.email");
}

struct BadMacro {
  const char* text;
  MacroUse use;
  std::size_t offset;
  const char* says;
};

// RFC 7208 7.1 grammar and 7.3 ("A '%' character not followed by ... is a syntax error").
TEST(SpfMacro, SyntaxErrorsNameTheOffset) {
  const BadMacro cases[] = {
      {"%(ir).sbl.example.org", MacroUse::domain_spec, 0, "must be followed by"},
      {"foo%.bar", MacroUse::domain_spec, 3, "must be followed by"},
      {"foo%", MacroUse::domain_spec, 3, "at the end"},
      {"%{a}", MacroUse::domain_spec, 2, "unknown macro letter"},
      {"x%{c}", MacroUse::domain_spec, 3, "only allowed in explanation"},
      {"%{r}", MacroUse::modifier_value, 0, ""},  // allowed outside domain-specs
      {"%{d0}", MacroUse::domain_spec, 3, "must not be 0"},
      {"%{d2x}", MacroUse::domain_spec, 4, "expected '}'"},
      {"%{d", MacroUse::domain_spec, 0, "unterminated"},
      {"a b", MacroUse::domain_spec, 1, "not allowed"},
  };
  for (const auto& c : cases) {
    auto r = parse_macro_string(c.text, c.use);
    if (std::string_view(c.says).empty()) {
      EXPECT_TRUE(r) << c.text;
      continue;
    }
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, Errc::syntax) << c.text;
    EXPECT_EQ(r.error().offset, c.offset) << c.text << ": " << r.error().message();
    EXPECT_NE(r.error().detail.find(c.says), std::string::npos) << r.error().message();
  }
  // Spaces are part of explain-strings only (7.1 explain-string = *( macro-string / SP )).
  EXPECT_TRUE(parse_macro_string("a b", MacroUse::explain_string));
}

// RFC 7208 7.1: domain-spec = macro-string domain-end.
TEST(SpfMacro, DomainSpecEnd) {
  for (const char* good : {"example.com", "example.com.", "%{d}", "_spf.%{d2}", "%{d}%%",
                           "foo.xn--zckzah", "foo:bar/baz.example.com", "x.1-2"}) {
    auto r = parse_domain_spec(good);
    EXPECT_TRUE(r) << good << ": " << (r ? "" : r.error().message());
  }
  struct Bad {
    const char* text;
    std::size_t offset;
  };
  for (const Bad& bad : {Bad{"", 0}, Bad{"museum", 0}, Bad{"museum.", 0}, Bad{"abc.123", 4},
                         Bad{"example.-com", 8}, Bad{"example.com:8080", 8},
                         Bad{"ip5.example.com/24", 12}, Bad{"%{d}.", 4}}) {
    auto r = parse_domain_spec(bad.text);
    ASSERT_FALSE(r) << bad.text;
    EXPECT_EQ(r.error().offset, bad.offset) << bad.text << ": " << r.error().message();
  }
}

// RFC 7208 7.3: names over 253 characters lose labels on the left; a trailing dot goes.
TEST(SpfMacro, TargetNameTruncation) {
  EXPECT_EQ(to_target_name("example.com."), "example.com");
  std::string label(60, 'a');
  std::string longname = "x." + label + "." + label + "." + label + "." + label + ".example.com";
  ASSERT_GT(longname.size(), 253u);
  std::string t = to_target_name(longname);
  EXPECT_LE(t.size(), 253u);
  EXPECT_EQ(t, longname.substr(longname.size() - t.size()));
  EXPECT_EQ(t.front(), 'a');  // whole labels removed, not characters
  // One label too long to keep: nothing is left.
  EXPECT_EQ(to_target_name("x." + std::string(300, 'b')), "");
}

// The same cut, as one step rather than label by label: a name of four million characters and
// two million labels is cut at once.
TEST(SpfMacro, TargetNameTruncationIsLinear) {
  std::string huge;
  for (int i = 0; i < 2000000; ++i) huge += "a.";
  huge += "example.com.";
  std::string t = to_target_name(huge);
  EXPECT_EQ(t.size(), 253u);  // "a." labels end on a dot at every other character
  EXPECT_TRUE(t.ends_with(".a.example.com")) << t;
  EXPECT_EQ(t.front(), 'a');
}

// expand_target_name() is to_target_name(expand()) computed from the right, whatever the
// macros, escapes and dots.
TEST(SpfMacro, TargetNameFromTheRightIsTheTargetNameOfTheWholeExpansion) {
  auto v = example_values("192.0.2.3");
  std::string dotted;
  for (int i = 0; i < 70; ++i) dotted += "ab.";
  v.local_part = dotted + "c";
  v.sender = v.local_part + "@email.example.com";
  std::string many;
  for (int i = 0; i < 50; ++i) many += "%{l}";
  for (const std::string& spec : std::vector<std::string>{"%{d}", "%{ir}.%{v}._spf.%{d2}", "%{l}.example.com",
                           "%{l}%{l}.example.com", "%{L}.%{S}.example.com", many + ".example.com", many,
                           "x%{l}" + std::string(240, 'y') + ".example.com", "%{l}." + std::string(250, 'z') + ".com",
                           many + "%{d}.example.com."}) {
    auto m = parse_domain_spec(spec);
    ASSERT_TRUE(m) << spec;
    std::string whole = to_target_name(expand(*m, v).value());
    EXPECT_EQ(expand_target_name(*m, v).value(), whole) << spec;
  }
}

// The caller's time limit (RFC 7208 4.6.4) is asked before each macro-expand, not for literal
// text; once it says true the expansion ends with Errc::limit.
TEST(SpfMacro, ExpansionStopsWhenTheTimeIsUp) {
  auto v = example_values("192.0.2.3");
  auto m = parse_domain_spec("%{l}.%{d}.example.com");
  ASSERT_TRUE(m);
  int asked = 0;
  TimeIsUp after_one = [&asked] { return ++asked > 1; };
  auto r = expand(*m, v, after_one);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit);
  EXPECT_EQ(r.error().offset, 5u);  // the second macro, %{d}
  EXPECT_EQ(asked, 2);
  asked = 0;
  EXPECT_FALSE(expand_target_name(*m, v, after_one));
  auto literal = parse_domain_spec("_spf.example.com");
  ASSERT_TRUE(literal);
  asked = 5;
  EXPECT_EQ(expand(*literal, v, after_one).value(), "_spf.example.com");
  EXPECT_EQ(asked, 5);
}

}  // namespace

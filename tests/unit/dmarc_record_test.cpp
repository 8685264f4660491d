// DMARC Policy Records (RFC 9989 4.7, 4.8; RFC 7489 6.3, 6.4): every tag with its default,
// the v= gate, and the lenient handling of everything else with positions for the linter.
#include <gtest/gtest.h>

#include <string>

#include "core/dmarc/record.h"

namespace dnsauth::dmarc {
namespace {

Record parse_ok(std::string_view text) {
  auto r = parse_record(text);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message());
  return r ? *r : Record{};
}

const Problem* problem_for(const Record& r, std::string_view tag) {
  for (const auto& p : r.problems)
    if (p.tag == tag) return &p;
  return nullptr;
}

// RFC 9989 4.7 "v" and 4.10 step 2: which TXT records are DMARC records at all.
TEST(DmarcRecord, VersionTagGatesTheRecord) {
  struct Case {
    const char* text;
    bool is_dmarc;
  } cases[] = {
      {"v=DMARC1", true},
      {"v=DMARC1;", true},
      {"v=DMARC1; p=none", true},
      {"v = DMARC1 ; p=none", true},  // equals = *WSP "=" *WSP; dmarc-sep = *WSP ";" *WSP
      {"v=DMARC1\t;p=none", true},
      {" v=DMARC1; p=none", true},    // leading space tolerated
      {"v=dmarc1; p=none", false},    // %s"DMARC1": case-sensitive
      {"v=DMARC10; p=none", false},
      {"v=DMARC2; p=none", false},
      {"p=none; v=DMARC1", false},    // "MUST be the first tag"
      {"v=spf1 -all", false},
      {"", false},
      {"v=", false},
      {"DMARC1", false},
      {"x=DMARC1", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(is_dmarc_record(c.text), c.is_dmarc);
    EXPECT_EQ(parse_record(c.text).has_value(), c.is_dmarc);
  }
}

TEST(DmarcRecord, NotARecordIsAnErrorWithOffset) {
  auto r = parse_record("p=none; v=DMARC1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::syntax);
  EXPECT_EQ(r.error().offset, 0u);
  EXPECT_NE(r.error().detail.find("'p'"), std::string::npos);

  r = parse_record("v=DMARC2; p=none");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 2u);  // the value
  EXPECT_NE(r.error().detail.find("DMARC2"), std::string::npos);
}

// RFC 9989 4.7: the defaults of every tag.
TEST(DmarcRecord, DefaultsWhenOnlyVersionIsGiven) {
  Record r = parse_ok("v=DMARC1");
  EXPECT_FALSE(r.p.present);
  EXPECT_FALSE(r.sp.present);
  EXPECT_FALSE(r.np.present);
  EXPECT_EQ(r.psd, PsdFlag::unknown);  // "default is u"
  EXPECT_FALSE(r.testing);             // t: "default is n"
  EXPECT_EQ(r.adkim, AlignmentMode::relaxed);
  EXPECT_EQ(r.aspf, AlignmentMode::relaxed);
  EXPECT_TRUE(r.rua.empty());
  EXPECT_TRUE(r.ruf.empty());
  EXPECT_TRUE(r.fo.all_fail);  // fo: "default is 0"
  EXPECT_FALSE(r.fo.any_fail || r.fo.dkim || r.fo.spf);
  EXPECT_EQ(r.pct, 100u);      // RFC 7489 6.3 pct: default 100
  EXPECT_FALSE(r.pct_present);
  EXPECT_EQ(r.rf, std::vector<std::string>{"afrf"});  // RFC 7489 6.3 rf: default afrf
  EXPECT_EQ(r.ri, 86400u);     // RFC 7489 6.3 ri: default 86400
  EXPECT_TRUE(r.problems.empty());
}

TEST(DmarcRecord, EveryTagIsRead) {
  Record r = parse_ok(
      "v=DMARC1; p=quarantine; sp=reject; np=reject; psd=n; t=y; adkim=s; aspf=s; "
      "rua=mailto:agg@example.com; ruf=mailto:fail@example.com; fo=1:d:s; pct=50; rf=afrf; "
      "ri=3600");
  EXPECT_EQ(r.p.value, Policy::quarantine);
  EXPECT_EQ(r.sp.value, Policy::reject);
  EXPECT_EQ(r.np.value, Policy::reject);
  EXPECT_EQ(r.psd, PsdFlag::no);
  EXPECT_TRUE(r.testing);
  EXPECT_EQ(r.adkim, AlignmentMode::strict);
  EXPECT_EQ(r.aspf, AlignmentMode::strict);
  ASSERT_EQ(r.rua.size(), 1u);
  EXPECT_EQ(r.rua[0].host, "example.com");
  ASSERT_EQ(r.ruf.size(), 1u);
  EXPECT_EQ(r.ruf[0].uri, "mailto:fail@example.com");
  EXPECT_FALSE(r.fo.all_fail);
  EXPECT_TRUE(r.fo.any_fail && r.fo.dkim && r.fo.spf);
  EXPECT_EQ(r.pct, 50u);
  EXPECT_TRUE(r.pct_present);
  EXPECT_EQ(r.ri, 3600u);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().detail;
  EXPECT_EQ(to_string(r),
            "v=DMARC1; p=quarantine; sp=reject; np=reject; psd=n; t=y; adkim=s; aspf=s; "
            "rua=mailto:agg@example.com; ruf=mailto:fail@example.com; fo=1:d:s; pct=50");
}

// RFC 5234 2.3: quoted ABNF literals are case-insensitive; only v's value is %s.
TEST(DmarcRecord, LiteralValuesAreCaseInsensitive) {
  Record r = parse_ok("v=DMARC1; P=Reject; SP=NONE; adkim=S; psd=Y; t=N");
  EXPECT_EQ(r.p.value, Policy::reject);
  EXPECT_EQ(r.sp.value, Policy::none);
  EXPECT_EQ(r.adkim, AlignmentMode::strict);
  EXPECT_EQ(r.psd, PsdFlag::yes);
  EXPECT_FALSE(r.testing);
}

// RFC 7489 Appendix B.2 records, as published in its examples.
TEST(DmarcRecord, Rfc7489AppendixB2Records) {
  Record b21 = parse_ok("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
  EXPECT_EQ(b21.p.value, Policy::none);
  ASSERT_EQ(b21.rua.size(), 1u);
  EXPECT_EQ(b21.rua[0].scheme, "mailto");

  Record b24 = parse_ok(
      "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
      "mailto:tld-test@thirdparty.example.net!10m; pct=25");
  ASSERT_EQ(b24.rua.size(), 2u);
  EXPECT_EQ(b24.rua[1].uri, "mailto:tld-test@thirdparty.example.net");
  EXPECT_EQ(b24.rua[1].host, "thirdparty.example.net");
  EXPECT_EQ(b24.rua[1].max_bytes, std::uint64_t{10} << 20);  // 6.2: units are powers of two
  EXPECT_EQ(b24.pct, 25u);
}

// RFC 9989 4.8: "Syntax errors in the remainder of the record MUST be discarded in favor of
// default values (if any) or ignored outright" -- each kept as a Problem with its offset.
TEST(DmarcRecord, InvalidValuesKeepDefaultsAndAreReported) {
  struct Case {
    const char* text;
    const char* tag;
    Problem::Kind kind;
    std::size_t offset;
  } cases[] = {
      {"v=DMARC1; p=rejct", "p", Problem::Kind::invalid_value, 12},
      {"v=DMARC1; p=none; sp=maybe", "sp", Problem::Kind::invalid_value, 21},
      {"v=DMARC1; np=yes", "np", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; adkim=x", "adkim", Problem::Kind::invalid_value, 16},
      {"v=DMARC1; aspf=relaxed", "aspf", Problem::Kind::invalid_value, 15},
      {"v=DMARC1; psd=maybe", "psd", Problem::Kind::invalid_value, 14},
      {"v=DMARC1; t=1", "t", Problem::Kind::invalid_value, 12},
      {"v=DMARC1; pct=101", "pct", Problem::Kind::invalid_value, 14},
      {"v=DMARC1; pct=abc", "pct", Problem::Kind::invalid_value, 14},
      {"v=DMARC1; pct=0100", "pct", Problem::Kind::invalid_value, 14},  // 1*3DIGIT
      {"v=DMARC1; ri=-5", "ri", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; ri=99999999999", "ri", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; fo=0:1; ruf=mailto:a@example.com", "fo", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; fo=x; ruf=mailto:a@example.com", "fo", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; fo=d:d; ruf=mailto:a@example.com", "fo", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; rf=iodef", "rf", Problem::Kind::invalid_value, 13},
      {"v=DMARC1; rua=reports@example.com", "rua", Problem::Kind::invalid_value, 14},
      {"v=DMARC1; p=none; p=reject", "p", Problem::Kind::duplicate_tag, 18},
      {"v=DMARC1; foo=bar", "foo", Problem::Kind::unknown_tag, 10},
      {"v=DMARC1; fo=1", "fo", Problem::Kind::ignored_tag, 10},
      {"v=DMARC1; p=", "p", Problem::Kind::syntax, 11},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Record r = parse_ok(c.text);
    const Problem* p = problem_for(r, c.tag);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->kind, c.kind) << p->detail;
    EXPECT_EQ(p->offset, c.offset) << p->detail;
    EXPECT_FALSE(p->detail.empty());
  }
  // ... and the defaults hold.
  EXPECT_FALSE(parse_ok("v=DMARC1; p=rejct").p.value);
  EXPECT_TRUE(parse_ok("v=DMARC1; p=rejct").p.invalid());
  EXPECT_EQ(parse_ok("v=DMARC1; adkim=x").adkim, AlignmentMode::relaxed);
  EXPECT_EQ(parse_ok("v=DMARC1; pct=101").pct, 100u);
  EXPECT_TRUE(parse_ok("v=DMARC1; fo=0:1; ruf=mailto:a@example.com").fo.all_fail);
  EXPECT_EQ(parse_ok("v=DMARC1; p=none; p=reject").p.value, Policy::none);  // first wins
}

TEST(DmarcRecord, SyntaxJunkIsSkippedNotFatal) {
  Record r = parse_ok("v=DMARC1; garbage; p=reject;; 9x=1; ok=\x01; sp=none;");
  EXPECT_EQ(r.p.value, Policy::reject);
  EXPECT_EQ(r.sp.value, Policy::none);
  ASSERT_GE(r.problems.size(), 4u);
  EXPECT_EQ(r.problems[0].kind, Problem::Kind::syntax);
  EXPECT_EQ(r.problems[0].offset, 10u);  // "garbage"
  EXPECT_EQ(r.problems[1].kind, Problem::Kind::syntax);  // the empty tag between ";;"
  EXPECT_EQ(r.problems[2].kind, Problem::Kind::syntax);  // "9x" is not 1*ALPHA
  EXPECT_EQ(r.problems[3].kind, Problem::Kind::invalid_value);  // a control character
}

TEST(DmarcRecord, TagPositionsPointIntoTheText) {
  const std::string text = "v=DMARC1;  p = reject ; rua=mailto:a@example.com";
  Record r = parse_ok(text);
  ASSERT_EQ(r.tags.size(), 3u);
  EXPECT_EQ(r.tags[1].name, "p");
  EXPECT_EQ(r.tags[1].value, "reject");
  EXPECT_EQ(text.substr(r.tags[1].offset, 1), "p");
  EXPECT_EQ(text.substr(r.tags[1].value_offset, 6), "reject");
  EXPECT_EQ(text.substr(r.rua[0].offset, 7), "mailto:");
  EXPECT_EQ(r.find("RUA"), &r.tags[2]);
}

// A URI list keeps its good entries and reports the bad ones where they are.
TEST(DmarcRecord, UriListKeepsValidEntries) {
  const std::string text = "v=DMARC1; rua=mailto:a@example.com, bogus ,https://r.example.net/x";
  Record r = parse_ok(text);
  ASSERT_EQ(r.rua.size(), 2u);
  EXPECT_EQ(r.rua[1].scheme, "https");
  EXPECT_EQ(r.rua[1].host, "r.example.net");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(text.substr(r.problems[0].offset, 5), "bogus");
}

// RFC 9989 4.8 dmarc-uri (RFC 3986) and obs-dmarc-report-size.
TEST(DmarcReportUri, ValidAndInvalidUris) {
  struct Good {
    const char* text;
    const char* host;
    std::optional<std::uint64_t> size;
  } good[] = {
      {"mailto:dmarc@example.com", "example.com", std::nullopt},
      {"mailto:Dmarc@Example.COM", "example.com", std::nullopt},
      {"mailto:a@example.com!50", "example.com", 50},
      {"mailto:a@example.com!1k", "example.com", 1024},
      {"mailto:a@example.com!2G", "example.com", std::uint64_t{2} << 30},
      {"mailto:a@example.com?subject=dmarc%2C%21", "example.com", std::nullopt},
      {"https://user@reports.example.net:8443/dmarc", "reports.example.net", std::nullopt},
      {"https://[2001:db8::1]/r", "[2001:db8::1]", std::nullopt},
  };
  for (const auto& g : good) {
    SCOPED_TRACE(g.text);
    auto u = parse_report_uri(g.text);
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->host, g.host);
    EXPECT_EQ(u->max_bytes, g.size);
  }
  struct Bad {
    const char* text;
    std::size_t offset;
  } bad[] = {
      {"dmarc@example.com", 0},          // no scheme
      {"1mailto:a@example.com", 0},      // scheme starts with a letter
      {"mailto:example.com", 7},         // no address
      {"mailto:a@", 9},                  // no domain
      {"mailto:a@exa mple.com", 12},     // space
      {"mailto:a@example.com!x", 21},    // bad size
      {"mailto:a@example.com!", 21},
      {"mailto:a@example.com!99999999999999999999", 21},  // overflow
      {"mailto:a%2@example.com", 8},     // bad percent escape
      {"https:///path", 8},              // empty host
      {"", 0},
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(b.text);
    auto u = parse_report_uri(b.text);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, Errc::syntax);
    EXPECT_EQ(u.error().offset, b.offset) << u.error().detail;
  }
}

// Arbitrary bytes never crash the parser; the v= gate decides alone whether it is a record.
TEST(DmarcRecord, ArbitraryBytesNeverCrash) {
  std::string text = "v=DMARC1;";
  for (int i = 0; i < 2000; ++i) {
    text += static_cast<char>((i * 37 + 11) % 256);
    auto r = parse_record(text);
    EXPECT_TRUE(r.has_value());
  }
}

}  // namespace
}  // namespace dnsauth::dmarc

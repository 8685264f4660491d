// The BIMI Assertion Record (draft-brand-indicators-for-message-identification-12 4.3): v=BIMI1
// first, l= and a= (empty, or one URI), lps= (4.5), avp=, the declination to publish (4.3.1),
// and every error with its byte offset.
#include <gtest/gtest.h>

#include <string>

#include "core/bimi/record.h"

#include "syntax_error_cases.h"

namespace dnsauth::bimi {
namespace {

TEST(BimiRecord, Draft12Section4_3AssertionRecord) {
  auto r = parse_record("v=BIMI1; l=https://images.example.com/logo.svg; a=https://images.example.com/vmc.pem");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(r->location);
  EXPECT_TRUE(r->location->https());
  EXPECT_EQ(r->location->host, "images.example.com");
  EXPECT_EQ(r->location->path, "/logo.svg");
  EXPECT_EQ(r->location->offset, 11u);
  EXPECT_EQ(r->location_offset, 9u);
  ASSERT_TRUE(r->evidence);
  EXPECT_TRUE(r->evidence_present);
  EXPECT_EQ(r->avp, "brand");
  EXPECT_FALSE(r->declined());
  // bimi-version = "v" *WSP "=" *WSP "BIMI1"; bimi-sep = *WSP ";" *WSP; bimi-uri = [FWS] URI [FWS].
  auto spaced = parse_record("v = BIMI1 ;l = https://x.example/a.svg ; avp=personal;lps=news-,info ");
  ASSERT_TRUE(spaced) << spaced.error().message();
  EXPECT_EQ(spaced->location->text, "https://x.example/a.svg");
  EXPECT_FALSE(spaced->evidence_present);
  EXPECT_EQ(spaced->avp, "personal");
  ASSERT_TRUE(spaced->lps);
  EXPECT_EQ(*spaced->lps, (std::vector<std::string>{"news-", "info"}));
}

// 4.3.1: "If both the "l=" and "a=" tags are empty, it is an explicit refusal to participate".
TEST(BimiRecord, Draft12Section4_3_1DeclinationToPublish) {
  for (std::string_view text : {"v=BIMI1; l=; a=;", "v=BIMI1; l=", "v=BIMI1; l=; a=; lps=brand-indicators-;"}) {
    auto r = parse_record(text);
    ASSERT_TRUE(r) << text << ": " << r.error().message();
    EXPECT_TRUE(r->declined()) << text;
  }
}

// The scheme is the linter's rule, not a syntax error (4.3, 7.3 step 1).
TEST(BimiRecord, Draft12Section4_3AnHttpLocationParsesButIsNotHttps) {
  auto r = parse_record("v=BIMI1; l=http://x.example/a.svg");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->location->https());
  auto noHost = parse_record("v=BIMI1; l=https:/a.svg");
  ASSERT_TRUE(noHost);
  EXPECT_FALSE(noHost->location->https());
}

// 7.2 steps 4 and 7: records that do not start with the v= tag of BIMI1 are discarded.
TEST(BimiRecord, Draft12Section7_2IsBimiRecord) {
  EXPECT_TRUE(is_bimi_record("v=BIMI1; l="));
  EXPECT_TRUE(is_bimi_record("v =\tBIMI1"));
  EXPECT_FALSE(is_bimi_record("v=BIMI2; l="));
  EXPECT_FALSE(is_bimi_record("v=bimi1; l="));  // 4.3: "MUST match precisely"
  EXPECT_FALSE(is_bimi_record("v=BIMI10"));
  EXPECT_FALSE(is_bimi_record("l=; v=BIMI1"));
}

TEST(BimiRecord, Draft12Section4_3ErrorsPointAtTheByte) {
  testcase::expect_syntax_errors([](const std::string& t) { return parse_record(t); }, {
      {"", 0},
      {"v=BIMI2; l=", 2},
      {"l=; v=BIMI1", 0},
      {"v=BIMI1", 7},                                        // l= is required
      {"v=BIMI1; a=https://x.example/vmc.pem", 36},
      {"v=BIMI1; l=; l=", 13},                               // RFC 6376 3.2: a tag twice
      {"v=BIMI1; l=; v=BIMI1", 13},
      {"v=BIMI1; l=logo.svg", 19},                           // not a URI: no ":" after a scheme
      {"v=BIMI1; l=https://x.example/a,b.svg", 30},          // "," must be encoded
      {"v=BIMI1; l=; 9x=1", 13},                             // tag-name starts with ALPHA
      {"v=BIMI1; l=; lps=news_", 21},                        // 4.5 local-part-text
      {"v=BIMI1; l=; lps=a,,b", 19},
      {"v=BIMI1; l=;; a=", 12},
  });
}

}  // namespace
}  // namespace dnsauth::bimi

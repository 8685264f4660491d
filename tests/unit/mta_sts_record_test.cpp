// The MTA-STS TXT record (RFC 8461 3.1): the ABNF's version, id and extension fields, the
// separators, and every error with the byte it points at.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/mta_sts/record.h"

namespace dnsauth::mta_sts {
namespace {

// RFC 8461 3.1's example, and the grammar's variations of it.
TEST(MtaStsRecord, Rfc8461Section3_1ExampleAndValidForms) {
  auto r = parse_record("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->id, "20160831085700Z");
  EXPECT_EQ(r->id_offset, 9u);
  EXPECT_TRUE(r->extensions.empty());
  for (const std::string& ok : std::vector<std::string>{"v=STSv1;id=a", "v=STSv1 ;\tid=a", "v=STSv1; id=a; ", "v=STSv1; id=" + std::string(32, '9')})
    EXPECT_TRUE(parse_record(ok)) << ok;
}

// 3.1 sts-extension: kept in order; "unknown fields SHALL be ignored" (after the ABNF).
TEST(MtaStsRecord, Rfc8461Section3_1ExtensionsAreKept) {
  auto r = parse_record("v=STSv1; x-a.b_c=1:2/3; id=abc; Z9=@");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->extensions.size(), 2u);
  EXPECT_EQ(r->extensions[0].name, "x-a.b_c");
  EXPECT_EQ(r->extensions[0].value, "1:2/3");
  EXPECT_EQ(r->extensions[0].offset, 9u);
  EXPECT_EQ(r->extensions[1].name, "Z9");
  EXPECT_EQ(r->id, "abc");
}

// 3.2 (after the ABNF, for TXT records and policies): a repeated field keeps its first value.
TEST(MtaStsRecord, Rfc8461Section3_2ARepeatedIdKeepsTheFirst) {
  auto r = parse_record("v=STSv1; id=first; id=second");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "first");
  ASSERT_EQ(r->ignored.size(), 1u);
  EXPECT_EQ(r->ignored[0].value, "second");
}

// 3.1: "records that do not begin with "v=STSv1;" are discarded".
TEST(MtaStsRecord, Rfc8461Section3_1IsStsRecord) {
  EXPECT_TRUE(is_sts_record("v=STSv1; id=1"));
  EXPECT_TRUE(is_sts_record("v=STSv1 ;id=1"));
  EXPECT_TRUE(is_sts_record("v=STSv1"));
  EXPECT_FALSE(is_sts_record("v=STSv10; id=1"));
  EXPECT_FALSE(is_sts_record("v=stsv1; id=1"));  // %s: case-sensitive
  EXPECT_FALSE(is_sts_record(" v=STSv1; id=1"));
  EXPECT_FALSE(is_sts_record("v=spf1 -all"));
}

// Every error: its offset is the byte at fault, and which part it is about.
TEST(MtaStsRecord, Rfc8461Section3_1ErrorsPointAtTheByte) {
  struct Case {
    std::string text;
    std::size_t offset;
    Part part;
  } cases[] = {
      {"", 0, Part::syntax},
      {"v=STSv2; id=1", 6, Part::syntax},
      {"V=STSv1; id=1", 0, Part::syntax},
      {" v=STSv1; id=1", 0, Part::syntax},
      {"v=STSv1x; id=1", 7, Part::syntax},
      {"v=STSv1; id=1;; x=1", 14, Part::syntax},     // an empty field
      {"v=STSv1; id", 9, Part::syntax},              // not name=value
      {"v=STSv1; =1; id=1", 9, Part::syntax},
      {"v=STSv1; -x=1; id=1", 9, Part::syntax},      // sts-ext-name starts with ALPHA / DIGIT
      {"v=STSv1; x=a b; id=1", 12, Part::syntax},    // sts-ext-value: no SP
      {"v=STSv1; x=; id=1", 11, Part::syntax},       // 1*(...)
      {"v=STSv1; id=1 ", 13, Part::syntax},          // WSP belongs to a separator
      {"v=STSv1", 7, Part::id},                      // id is required
      {"v=STSv1; x=1", 12, Part::id},
      {"v=STSv1; id=", 12, Part::id},
      {"v=STSv1; id=2016-08-31", 16, Part::id},      // 1*32(ALPHA / DIGIT)
      {"v=STSv1; id=" + std::string(33, 'a'), 44, Part::id},
  };
  for (const auto& c : cases) {
    Part part = Part::syntax;
    auto r = parse_record(c.text, &part);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, Errc::syntax) << c.text;
    EXPECT_EQ(r.error().offset, c.offset) << c.text << ": " << r.error().detail;
    EXPECT_EQ(part, c.part) << c.text;
  }
}

}  // namespace
}  // namespace dnsauth::mta_sts

// The MTA-STS policy file (RFC 8461 3.2) and MX host validation (RFC 8461 4.1): the keys and
// their values, CRLF and LF line ends, repeated and unknown keys, the size limit of 3.3, and
// every error with its line and the byte it points at.
#include <gtest/gtest.h>

#include <string>

#include "core/mta_sts/policy.h"

namespace dnsauth::mta_sts {
namespace {

// RFC 8461 3.2's example policy, with the CRLF line ends it requires.
const std::string kExample =
    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\n"
    "max_age: 604800\r\n";

TEST(MtaStsPolicy, Rfc8461Section3_2Example) {
  auto p = parse_policy(kExample);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->mode, Mode::enforce);
  EXPECT_EQ(p->max_age, 604800u);
  ASSERT_EQ(p->mx.size(), 3u);
  EXPECT_EQ(p->mx[1].value, "*.example.net");
  EXPECT_EQ(p->mx[1].line, 4u);
  EXPECT_EQ(p->mx[1].offset, 53u);
  EXPECT_EQ(p->mx[1].value_offset, 57u);
  EXPECT_TRUE(p->lf_only_lines.empty());
  EXPECT_EQ(p->lines, 6u);
  EXPECT_EQ(p->max_age_field.line, 6u);
}

// 3.2 sts-policy-term = LF / CRLF: a bare LF parses, and the lines are noted; the last line
// needs no terminator; *WSP after a value and after the ":" are allowed.
TEST(MtaStsPolicy, Rfc8461Section3_2LineEndsAndWhitespace) {
  auto p = parse_policy("version: STSv1\nmode:testing\r\nmx: a.example\t \nmax_age:   86400");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->lf_only_lines, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(p->mode, Mode::testing);
  EXPECT_EQ(p->mx[0].value, "a.example");
  EXPECT_EQ(p->max_age, 86400u);
}

// 3.2: mx is "required at least once, except when mode is "none""; unknown keys are kept;
// all entries of a repeated non-mx key but the first are ignored.
TEST(MtaStsPolicy, Rfc8461Section3_2ModeNoneExtensionsAndRepeats) {
  auto p = parse_policy("version: STSv1\r\nmode: none\r\nmax_age: 0\r\nx-note: hello world \xc3\xa9\r\nmode: enforce\r\n");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->mode, Mode::none);
  EXPECT_TRUE(p->mx.empty());
  ASSERT_EQ(p->extensions.size(), 1u);
  EXPECT_EQ(p->extensions[0].value, "hello world \xc3\xa9");
  ASSERT_EQ(p->ignored.size(), 1u);
  EXPECT_EQ(p->ignored[0].value, "enforce");
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557600\n"));
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 0000000001\n"));  // 1*10 DIGIT
}

// Every error: the field it is about, "line N" in its detail, and the byte at fault.
TEST(MtaStsPolicy, Rfc8461Section3_2ErrorsNameTheLineAndTheByte) {
  const std::string head = "version: STSv1\r\nmode: enforce\r\n";  // 31 bytes
  const std::string tail = "max_age: 604800\r\n";
  struct Case {
    std::string text;
    Field field;
    std::size_t line;
    std::size_t offset;
  } cases[] = {
      {"", Field::version, 1, 0},
      {"mode: enforce\r\nmx: a.example\r\n" + tail, Field::version, 3, 47},
      {"version: STSv2\r\nmode: enforce\r\n", Field::version, 1, 9},
      {"version: stsv1\r\n", Field::version, 1, 9},                         // %s: case-sensitive
      {"version: STSv1\r\nmode: Enforce\r\n", Field::mode, 2, 22},
      {"version: STSv1\r\nmx: a.example\r\n" + tail, Field::mode, 3, 48},
      {head + "mx: a.example\r\n", Field::max_age, 3, 46},
      {head + "max_age: -1\r\nmx: a.example\r\n", Field::max_age, 3, 40},
      {head + "max_age: 31557601\r\nmx: a.example\r\n", Field::max_age, 3, 40},
      {head + "max_age: 12345678901\r\nmx: a.example\r\n", Field::max_age, 3, 50},
      {head + tail, Field::mx, 3, 48},                                      // no mx, mode enforce
      {head + "mx: mail.example.com.\r\n" + tail, Field::mx, 3, 35},        // no final dot
      {head + "mx: *mail.example.com\r\n" + tail, Field::mx, 3, 35},
      {head + "mx: mail.*.example.com\r\n" + tail, Field::mx, 3, 35},
      {head + "mx: *.*.example.com\r\n" + tail, Field::mx, 3, 35},
      {head + "\r\nmx: a.example\r\n" + tail, Field::syntax, 3, 31},        // an empty line
      {head + "mx a.example\r\n", Field::syntax, 3, 31},                    // no ":"
      {head + " mx: a.example\r\n", Field::syntax, 3, 31},                  // key starts with ALPHA / DIGIT
      {head + "mx:\r\n", Field::syntax, 3, 34},                             // empty value
      {head + "x: a\tb\r\n", Field::syntax, 3, 35},                         // a CTL in the value
      {head + "x: a\rb\r\n", Field::syntax, 3, 35},                         // a CR alone
  };
  for (const auto& c : cases) {
    Field field = Field::syntax;
    auto p = parse_policy(c.text, &field);
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(field, c.field) << c.text << ": " << p.error().detail;
    EXPECT_EQ(p.error().detail.rfind("line " + std::to_string(c.line) + ": ", 0), 0u) << c.text << ": " << p.error().detail;
    EXPECT_EQ(p.error().offset, c.offset) << c.text << ": " << p.error().detail;
  }
}

// 3.3: "a suggested maximum policy size is 64 kilobytes".
TEST(MtaStsPolicy, Rfc8461Section3_3SizeLimit) {
  std::string big = kExample;
  while (big.size() <= kMaxPolicySize) big += "x-pad: " + std::string(100, 'p') + "\r\n";
  Field field = Field::syntax;
  auto p = parse_policy(big, &field);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::limit);
  EXPECT_EQ(field, Field::size);
  EXPECT_EQ(kMaxPolicySize, 65536u);
}

// 4.1: "the mx pattern "*.example.com" matches "mail.example.com" but not "example.com" or
// "foo.bar.example.com"".
TEST(MtaStsPolicy, Rfc8461Section4_1MxHostValidation) {
  EXPECT_TRUE(mx_matches("*.example.com", "mail.example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "foo.bar.example.com"));
  EXPECT_TRUE(mx_matches("mail.example.com", "mail.example.com"));
  EXPECT_TRUE(mx_matches("Mail.Example.COM", "mail.example.com."));  // RFC 4343, trailing dot
  EXPECT_TRUE(mx_matches("*.example.com.", "MX1.EXAMPLE.COM"));
  EXPECT_FALSE(mx_matches("mail.example.com", "mail.example.net"));
  EXPECT_FALSE(mx_matches("mail.example.com", "a.mail.example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", ".example.com"));
  EXPECT_FALSE(mx_matches("", "example.com"));
  EXPECT_FALSE(mx_matches("*", "example.com"));
}

TEST(MtaStsPolicy, ModeNames) {
  EXPECT_EQ(parse_mode("enforce"), Mode::enforce);
  EXPECT_EQ(parse_mode("testing"), Mode::testing);
  EXPECT_EQ(parse_mode("none"), Mode::none);
  EXPECT_FALSE(parse_mode("NONE"));
  EXPECT_EQ(to_string(Mode::testing), "testing");
}

}  // namespace
}  // namespace dnsauth::mta_sts

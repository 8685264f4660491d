// RFC 6376 3.2: tag=value lists.
//   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  =  ALPHA *ALNUMPUNC
//   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//   VALCHAR   =  %x21-3A / %x3C-7E
#include <gtest/gtest.h>

#include <string>

#include "core/dkim/tag_list.h"
#include "support/dkim_fixtures.h"

namespace dnsauth::dkim {
namespace {

TEST(Rfc6376_3_2, NamesValuesAndOffsets) {
  const std::string_view text = "v=1; a=rsa-sha256;d=example.com";
  auto tags = parse_tag_list(text);
  ASSERT_TRUE(tags) << tags.error().message();
  ASSERT_EQ(tags->size(), 3u);
  EXPECT_EQ((*tags)[0].name, "v");
  EXPECT_EQ((*tags)[0].value, "1");
  EXPECT_EQ((*tags)[1].name, "a");
  EXPECT_EQ((*tags)[1].value, "rsa-sha256");
  EXPECT_EQ((*tags)[2].name, "d");
  EXPECT_EQ((*tags)[2].value, "example.com");
  EXPECT_EQ((*tags)[1].name_offset, text.find("a="));
  EXPECT_EQ((*tags)[1].value_offset, text.find("rsa-sha256"));
  EXPECT_EQ((*tags)[1].value_end, text.find(";d="));
  EXPECT_EQ((*tags)[2].value_end, text.size());
  // Views point into the input.
  EXPECT_EQ((*tags)[2].value.data(), text.data() + text.find("example.com"));
}

TEST(Rfc6376_3_2, TrailingSemicolonIsAllowed) {
  auto tags = parse_tag_list("k=rsa; p=abc;");
  ASSERT_TRUE(tags) << tags.error().message();
  EXPECT_EQ(tags->size(), 2u);
  auto with_space = parse_tag_list("k=rsa; p=abc; \r\n ");
  ASSERT_TRUE(with_space) << with_space.error().message();
  EXPECT_EQ(with_space->size(), 2u);
}

TEST(Rfc6376_3_2, WhitespaceAroundTagsIsNotPartOfTheValue) {
  // "any WSP after the "=" and any WSP before the terminating ";" is not part of the value"
  const std::string_view text = " \t a \t= \t 1 \t ;\r\n b\r\n =\r\n\t2\r\n ";
  auto tags = parse_tag_list(text);
  ASSERT_TRUE(tags) << tags.error().message();
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].name, "a");
  EXPECT_EQ((*tags)[0].value, "1");
  EXPECT_EQ((*tags)[0].name_offset, text.find('a'));
  EXPECT_EQ((*tags)[0].value_offset, text.find('1'));
  EXPECT_EQ((*tags)[0].value_end, text.find('1') + 1);
  EXPECT_EQ((*tags)[1].name, "b");
  EXPECT_EQ((*tags)[1].value, "2");
}

TEST(Rfc6376_3_2, WhitespaceInsideTheValueIsRetained) {
  // "WSP inside the value is significant"; FWS (folding) too, for h= and base64 values.
  auto tags = parse_tag_list("h=from : to :\r\n subject; b=abc\r\n\tdef");
  ASSERT_TRUE(tags) << tags.error().message();
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].value, "from : to :\r\n subject");
  EXPECT_EQ((*tags)[1].value, "abc\r\n\tdef");
  EXPECT_EQ(strip_fws((*tags)[0].value), "from:to:subject");
  EXPECT_EQ(strip_fws((*tags)[1].value), "abcdef");
}

TEST(Rfc6376_3_2, EmptyValueIsNotAnOmittedTag) {
  // "Tags that have an empty value are not the same as omitted tags."
  auto tags = parse_tag_list("v=DKIM1; p=; n=");
  ASSERT_TRUE(tags) << tags.error().message();
  const Tag* p = find_tag(*tags, "p");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->value, "");
  EXPECT_EQ(find_tag(*tags, "k"), nullptr);
  auto spaced = parse_tag_list("p= ;k=rsa");
  ASSERT_TRUE(spaced) << spaced.error().message();
  EXPECT_EQ((*spaced)[0].value, "");
}

TEST(Rfc6376_3_2, TagNamesAreCaseSensitive) {
  // "Tags MUST be interpreted in a case-sensitive manner": V and v are different tags, so
  // this is not a duplicate either.
  auto tags = parse_tag_list("V=2; v=1");
  ASSERT_TRUE(tags) << tags.error().message();
  ASSERT_EQ(tags->size(), 2u);
  ASSERT_NE(find_tag(*tags, "v"), nullptr);
  EXPECT_EQ(find_tag(*tags, "v")->value, "1");
  EXPECT_EQ(find_tag(*tags, "V")->value, "2");
}

TEST(Rfc6376_3_2, TagNamesMayHoldDigitsAndUnderscores) {
  auto tags = parse_tag_list("x1_y=a; Z_9=b");
  ASSERT_TRUE(tags) << tags.error().message();
  EXPECT_EQ((*tags)[0].name, "x1_y");
  EXPECT_EQ((*tags)[1].name, "Z_9");
}

TEST(Rfc6376_3_2, ValuesMayHoldAnyVisibleCharacterButSemicolon) {
  // VALCHAR = %x21-3A / %x3C-7E: '=' and ':' included (DKIM-quoted-printable, h= lists).
  auto tags = parse_tag_list("i=joe=40example.com; z=From:foo@a|To:bar=20baz");
  ASSERT_TRUE(tags) << tags.error().message();
  EXPECT_EQ((*tags)[0].value, "joe=40example.com");
  EXPECT_EQ((*tags)[1].value, "From:foo@a|To:bar=20baz");
}

// ---- malformed lists: a typed error at the right position ----
struct BadList {
  const char* name;
  std::string text;
  std::size_t first;  // the error's offset lies in [first, last]
  std::size_t last;
  friend void PrintTo(const BadList& c, std::ostream* os) { *os << c.name; }
};

class Rfc6376_3_2_Malformed : public ::testing::TestWithParam<BadList> {};

TEST_P(Rfc6376_3_2_Malformed, SyntaxErrorWithOffset) {
  const auto& c = GetParam();
  auto tags = parse_tag_list(c.text);
  ASSERT_FALSE(tags) << "parsed " << c.text;
  EXPECT_EQ(tags.error().code, Errc::syntax);
  EXPECT_FALSE(tags.error().detail.empty());
  EXPECT_GE(tags.error().offset, c.first) << tags.error().message();
  EXPECT_LE(tags.error().offset, c.last) << tags.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Rfc6376_3_2_Malformed,
    ::testing::Values(
        // "Tags with duplicate names MUST NOT occur ... the entire tag-list is invalid."
        BadList{"duplicate", "a=1; b=2; a=3", 10, 12},
        // tag-spec needs "=" (Mail::DKIM badkey_4: "k=rsa; t; p=...")
        BadList{"no_equals", "k=rsa; t; p=abc", 7, 8},
        BadList{"no_equals_at_end", "k=rsa; t", 7, 8},
        // tag-name = ALPHA *ALNUMPUNC
        BadList{"empty_name", "=1", 0, 0},
        BadList{"empty_name_after_ws", "a=1;  =2", 4, 6},
        BadList{"name_starts_with_digit", "a=1; 9x=2", 5, 6},
        BadList{"name_with_hyphen", "a=1; x-y=2", 5, 7},
        BadList{"name_with_dot", "a.b=1", 0, 1},
        // an empty tag-spec between two semicolons is not a tag-spec
        BadList{"empty_tag_spec", "a=1;;b=2", 3, 4},
        // VALCHAR excludes controls and SP inside a tval is only allowed as a WSP separator;
        // a control character is neither.
        BadList{"control_in_value", std::string("a=x\x01y"), 3, 3},
        BadList{"nul_in_value", std::string("a=x\0y", 5), 3, 3},
        // a bare CR or LF inside a value is not FWS
        BadList{"bare_lf_in_value", "a=x\ny", 3, 3},
        // a space in the name: "[FWS] tag-name [FWS] =" allows "a =", not "a b ="
        BadList{"two_words_before_equals", "a b=1", 1, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc6376_3_2_Robustness, EveryPrefixParsesOrFailsWithinTheInput) {
  const std::string text =
      " v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d=football.example.com;\r\n"
      " h=from : to :\r\n subject; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n b=abc";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto tags = parse_tag_list(std::string_view(text).substr(0, n));
    if (!tags) {
      EXPECT_TRUE(tags.error().offset == Error::no_offset || tags.error().offset <= n)
          << "prefix " << n << ": " << tags.error().message();
    } else {
      for (const auto& t : *tags) {
        EXPECT_LE(t.value_end, n);
        EXPECT_LE(t.value_offset, t.value_end);
      }
    }
  }
}

TEST(Rfc6376_3_2_Helpers, StripFwsRemovesSpTabCrLf) {
  EXPECT_EQ(strip_fws(" a b\tc\r\n d "), "abcd");
  EXPECT_EQ(strip_fws(""), "");
  EXPECT_EQ(strip_fws("x=y:z"), "x=y:z");
}

TEST(Rfc6376_3_2_Helpers, FindTagReturnsNullWhenAbsent) {
  auto tags = parse_tag_list("a=1");
  ASSERT_TRUE(tags);
  EXPECT_EQ(find_tag(*tags, "b"), nullptr);
  ASSERT_NE(find_tag(*tags, "a"), nullptr);
  EXPECT_EQ(find_tag(*tags, "a")->value, "1");
}

}  // namespace
}  // namespace dnsauth::dkim

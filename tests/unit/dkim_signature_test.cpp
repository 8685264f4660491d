// RFC 6376 3.5: the DKIM-Signature header field, parsed tag by tag; RFC 8463 3 for
// a=ed25519-sha256. Malformed values give a typed error that names the tag and its position.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "core/common/base64.h"
#include "core/dkim/signature.h"
#include "support/dkim_fixtures.h"

namespace dnsauth::dkim {
namespace {

// RFC 8463 Appendix A.3, the first (Ed25519) signature, as it is folded there.
constexpr std::string_view kRfc8463Ed25519 =
    " v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

// The smallest valid signature: the REQUIRED tags v, a, b, bh, d, h, s.
constexpr std::string_view kMinimal =
    "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";

std::string replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  auto pos = out.find(from);
  if (pos == std::string::npos) throw std::logic_error("fixture lacks " + std::string(from));
  out.replace(pos, from.size(), to);
  return out;
}

TEST(Rfc6376_3_5, ParsesTheRfc8463Example) {
  auto sig = parse_signature(kRfc8463Ed25519);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(sig->canon, (Canonicalization{Canon::relaxed, Canon::relaxed}));
  EXPECT_EQ(sig->domain, "football.example.com");
  EXPECT_EQ(sig->identity, "@football.example.com");
  EXPECT_EQ(sig->selector, "brisbane");
  ASSERT_TRUE(sig->timestamp);
  EXPECT_EQ(*sig->timestamp, 1528637909);
  EXPECT_FALSE(sig->expiration);
  EXPECT_FALSE(sig->length);
  EXPECT_EQ(sig->headers, (std::vector<std::string>{"from", "to", "subject", "date", "message-id",
                                                    "from", "subject", "date"}));
  // b= and bh= are base64 with FWS anywhere; FWS is ignored (3.5).
  EXPECT_EQ(sig->bh, *decode_base64("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="));
  EXPECT_EQ(sig->bh.size(), 32u);
  EXPECT_EQ(sig->b_text,
            "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
  EXPECT_EQ(sig->b.size(), 64u);  // an Ed25519 signature (RFC 8032 5.1.6)
  EXPECT_EQ(identity_domain(*sig), "football.example.com");
}

TEST(Rfc6376_3_5, MinimalSignatureAndDefaults) {
  auto sig = parse_signature(kMinimal);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->algorithm, Algorithm::rsa_sha256);
  // c=: "OPTIONAL, default is "simple/simple""
  EXPECT_EQ(sig->canon, (Canonicalization{Canon::simple, Canon::simple}));
  // i=: "default is an empty local-part followed by an "@" followed by the domain from d="
  EXPECT_EQ(sig->identity, "@example.com");
  EXPECT_EQ(identity_domain(*sig), "example.com");
  EXPECT_FALSE(sig->timestamp);
  EXPECT_FALSE(sig->expiration);
  EXPECT_FALSE(sig->length);
}

TEST(Rfc6376_3_5, CanonicalizationTag) {
  // "If only one algorithm is named, that algorithm is used for the header and "simple" is
  // used for the body."
  struct {
    const char* c;
    Canonicalization expect;
  } cases[] = {{"simple/simple", {Canon::simple, Canon::simple}},
               {"simple/relaxed", {Canon::simple, Canon::relaxed}},
               {"relaxed/simple", {Canon::relaxed, Canon::simple}},
               {"relaxed/relaxed", {Canon::relaxed, Canon::relaxed}},
               {"relaxed", {Canon::relaxed, Canon::simple}},
               {"simple", {Canon::simple, Canon::simple}}};
  for (const auto& c : cases) {
    auto sig = parse_signature(std::string(kMinimal) + "; c=" + c.c);
    ASSERT_TRUE(sig) << c.c << ": " << sig.error().message();
    EXPECT_EQ(sig->canon, c.expect) << c.c;
  }
}

TEST(Rfc6376_3_5, DomainAndSelectorAreLowercasedHeaderNamesToo) {
  // d= and s= name DNS labels (case-insensitive); h= "MUST be compared ... in a
  // case-insensitive manner". Mail::DKIM good_rfc4871_4 ("case-differing domain name").
  auto sig = parse_signature(
      "v=1; a=rsa-sha256; d=Example.COM; s=SeL; h=From : TO:\r\n\tSubject:from; bh=AAAA; b=AAAA");
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->domain, "example.com");
  EXPECT_EQ(sig->selector, "sel");
  EXPECT_EQ(sig->headers, (std::vector<std::string>{"from", "to", "subject", "from"}));
}

TEST(Rfc6376_3_5, IdentityIsDkimQuotedPrintable) {
  // 2.11 dkim-quoted-printable: "=XX" is a hex-encoded octet (Mail::DKIM good_qp_*).
  auto sig = parse_signature(std::string(kMinimal) + "; i=joe=3Dsmith@Mail.Example.com");
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->identity, "joe=smith@Mail.Example.com");
  // The domain part is after the last '@', lowercased.
  EXPECT_EQ(identity_domain(*sig), "mail.example.com");
}

TEST(Rfc6376_2_11, IdentityMayBeFoldedAnywhere) {
  // "FWS MAY be added at arbitrary locations in order to avoid excessively long lines; such
  // whitespace is NOT part of the value, and MUST be removed before decoding."
  auto sig = parse_signature(std::string(kMinimal) + "; i=someone.with.a.long\r\n .name@mail.exa\r\n\tmple.com");
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->identity, "someone.with.a.long.name@mail.example.com");
}

TEST(Rfc6376_3_5, TimestampExpirationAndLength) {
  auto sig = parse_signature(std::string(kMinimal) + "; t=1117574938; x=1118006938; l=1234");
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->timestamp, 1117574938);
  EXPECT_EQ(sig->expiration, 1118006938);
  EXPECT_EQ(sig->length, 1234u);
  // x= one second after t= is greater, as 3.5 requires (x= equal to t= is not: Malformed).
  auto next_second = parse_signature(std::string(kMinimal) + "; t=1000; x=1001");
  ASSERT_TRUE(next_second) << next_second.error().message();
  EXPECT_EQ(next_second->expiration, 1001);
}

TEST(Rfc6376_3_5, QueryMethods) {
  // q=: "default is "dns/txt""; "Unrecognized query mechanisms MUST be ignored".
  EXPECT_TRUE(parse_signature(std::string(kMinimal) + "; q=dns/txt"));
  EXPECT_TRUE(parse_signature(std::string(kMinimal) + "; q=http/well-known:dns/txt"));
  // Only unrecognized mechanisms: nothing to fetch the key with (Mail::DKIM ignore_5, _6).
  for (const char* q : {"http", "dns/special"}) {
    auto sig = parse_signature(std::string(kMinimal) + "; q=" + q);
    ASSERT_FALSE(sig) << q;
    EXPECT_EQ(sig.error().code, Errc::unsupported) << q;
  }
}

TEST(Rfc6376_3_5, UnknownTagsAreIgnored) {
  // "Unrecognized tags MUST be ignored" (Mail::DKIM good_rfc4871_3, "extra tags").
  auto sig = parse_signature(std::string(kMinimal) + "; foo=bar; z=From:a@b|To:c@d; X9=1");
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->domain, "example.com");
}

TEST(Rfc8463_3, AlgorithmNames) {
  EXPECT_EQ(parse_algorithm("rsa-sha256"), Algorithm::rsa_sha256);
  EXPECT_EQ(parse_algorithm("rsa-sha1"), Algorithm::rsa_sha1);
  EXPECT_EQ(parse_algorithm("ed25519-sha256"), Algorithm::ed25519_sha256);
  EXPECT_EQ(parse_algorithm("rsa-md5"), std::nullopt);
  EXPECT_EQ(parse_algorithm("RSA-SHA256"), std::nullopt);  // values are case-sensitive (3.2)
  EXPECT_EQ(key_type_of(Algorithm::ed25519_sha256), KeyType::ed25519);
  EXPECT_EQ(key_type_of(Algorithm::rsa_sha1), KeyType::rsa);
  EXPECT_EQ(to_string(Algorithm::ed25519_sha256), "ed25519-sha256");
  // rsa-sha1 parses (so the verifier can refuse it by name, RFC 8301 3.1).
  auto sha1 = parse_signature(replace(kMinimal, "rsa-sha256", "rsa-sha1"));
  ASSERT_TRUE(sha1) << sha1.error().message();
  EXPECT_EQ(sha1->algorithm, Algorithm::rsa_sha1);
}

// ---- malformed signatures: typed errors naming the tag ----
struct BadSig {
  const char* name;
  std::string value;
  Errc code;
  const char* detail_mentions;  // the tag the error is about
  friend void PrintTo(const BadSig& c, std::ostream* os) { *os << c.name; }
};

// The detail names the tag as a word of its own ("b" in "tag 'b' ..." or "b=", not in "bh").
bool mentions_tag(std::string_view detail, std::string_view tag) {
  auto is_word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
  for (auto pos = detail.find(tag); pos != std::string_view::npos; pos = detail.find(tag, pos + 1)) {
    bool before = pos == 0 || !is_word(detail[pos - 1]);
    bool after = pos + tag.size() == detail.size() || !is_word(detail[pos + tag.size()]);
    if (before && after) return true;
  }
  return false;
}

class Rfc6376_3_5_Malformed : public ::testing::TestWithParam<BadSig> {};

TEST_P(Rfc6376_3_5_Malformed, TypedErrorNamingTheTag) {
  const auto& c = GetParam();
  auto sig = parse_signature(c.value);
  ASSERT_FALSE(sig) << "parsed: " << c.value;
  EXPECT_EQ(sig.error().code, c.code) << sig.error().message();
  EXPECT_TRUE(mentions_tag(sig.error().detail, c.detail_mentions)) << sig.error().message();
}

std::string without(std::string_view tag) {
  // kMinimal with one "x=...;" removed
  std::string s(kMinimal);
  auto pos = s.find(std::string(tag) + "=");
  auto end = s.find(';', pos);
  s.erase(pos, end == std::string::npos ? std::string::npos : end + 2 - pos);
  while (!s.empty() && (s.back() == ' ' || s.back() == ';')) s.pop_back();
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Rfc6376_3_5_Malformed,
    ::testing::Values(
        // 6.1.1: "If any tag listed as "required" in Section 3.5 is omitted ... PERMFAIL"
        BadSig{"missing_v", without("v"), Errc::syntax, "v"},
        BadSig{"missing_a", without("a"), Errc::syntax, "a"},
        BadSig{"missing_b", without("b"), Errc::syntax, "b"},
        BadSig{"missing_bh", without("bh"), Errc::syntax, "bh"},
        BadSig{"missing_d", without("d"), Errc::syntax, "d"},
        BadSig{"missing_h", without("h"), Errc::syntax, "h"},
        BadSig{"missing_s", without("s"), Errc::syntax, "s"},
        // v=: "It MUST have the value "1"" (Mail::DKIM ignore_1, v=5). A version we do not
        // implement is Errc::unsupported (core/common/error.h: "unknown algorithm, version").
        BadSig{"version_5", replace(kMinimal, "v=1", "v=5"), Errc::unsupported, "v"},
        // Tags are case-sensitive: "V=1" is not v= (3.2).
        BadSig{"uppercase_V", replace(kMinimal, "v=1", "V=1"), Errc::syntax, "v"},
        // a=: unknown algorithms (Mail::DKIM ignore_2 rsa-md5, ignore_3 dsa-sha1)
        BadSig{"a_rsa_md5", replace(kMinimal, "rsa-sha256", "rsa-md5"), Errc::unsupported, "a"},
        BadSig{"a_dsa_sha1", replace(kMinimal, "rsa-sha256", "dsa-sha1"), Errc::unsupported, "a"},
        // c=: unknown canonicalization (Mail::DKIM ignore_4, c=future)
        BadSig{"c_future", std::string(kMinimal) + "; c=future", Errc::unsupported, "c"},
        BadSig{"c_future_body", std::string(kMinimal) + "; c=relaxed/future", Errc::unsupported, "c"},
        // h=: "This list MUST NOT be empty."
        BadSig{"h_empty", replace(kMinimal, "h=from", "h="), Errc::syntax, "h"},
        // d=: domain-name = sub-domain 1*("." sub-domain); "Verifiers MUST consider the
        // signature invalid" (dkimpy test.message.baddomain).
        BadSig{"d_not_a_domain", replace(kMinimal, "d=example.com", "d=legitimate.com(.attacker.com"),
               Errc::syntax, "d"},
        BadSig{"d_empty", replace(kMinimal, "d=example.com", "d="), Errc::syntax, "d"},
        BadSig{"s_empty", replace(kMinimal, "s=sel", "s="), Errc::syntax, "s"},
        // l=, t=, x=: unsigned decimal integers
        BadSig{"l_not_a_number", std::string(kMinimal) + "; l=12a", Errc::syntax, "l"},
        BadSig{"l_negative", std::string(kMinimal) + "; l=-1", Errc::syntax, "l"},
        BadSig{"t_not_a_number", std::string(kMinimal) + "; t=yesterday", Errc::syntax, "t"},
        BadSig{"x_not_a_number", std::string(kMinimal) + "; x=0x10", Errc::syntax, "x"},
        // x=: "MUST be greater than the value of the "t=" tag if both are present" -- an x=
        // before t=, or equal to it, is not.
        BadSig{"x_before_t", std::string(kMinimal) + "; t=1000; x=999", Errc::syntax, "x"},
        BadSig{"x_equal_to_t", std::string(kMinimal) + "; t=1000; x=1000", Errc::syntax, "x"},
        // i=: "[ Local-part ] "@" domain-name" — an '@' is required
        BadSig{"i_without_at", std::string(kMinimal) + "; i=example.com", Errc::syntax, "i"},
        // duplicate tags invalidate the list (3.2)
        BadSig{"duplicate_d", std::string(kMinimal) + "; d=evil.example", Errc::syntax, "d"},
        // b= / bh= are base64 (Errc::base64)
        BadSig{"b_bad_char", replace(kMinimal, "b=AAAA", "b=AA!A"), Errc::base64, "b"},
        BadSig{"bh_truncated", replace(kMinimal, "bh=AAAA", "bh=AAA"), Errc::base64, "bh"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Rfc6376_3_5_Malformed, LengthBeyondAnyIntegerIsRejectedOrSaturated) {
  // 3.5 l= note: "test for integer overflow when decoding the value". Either a syntax error or
  // a value that did not wrap around to something small.
  auto sig = parse_signature(std::string(kMinimal) + "; l=123456789012345678901234567890");
  if (sig) {
    ASSERT_TRUE(sig->length);
    EXPECT_GE(*sig->length, 1000000000000000000ull);
  } else {
    EXPECT_EQ(sig.error().code, Errc::syntax);
  }
}

TEST(Rfc6376_3_5_Malformed, Base64ErrorOffsetPointsAtTheBadCharacter) {
  // The offset is into the field value, where the bad character stands.
  const std::string value = replace(kRfc8463Ed25519, "Fa3bT3FY5", "Fa3b*3FY5");
  auto sig = parse_signature(value);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, Errc::base64);
  EXPECT_EQ(sig.error().offset, value.find('*')) << sig.error().message();
}

TEST(Rfc6376_3_5_Malformed, SyntaxErrorOffsetPointsIntoTheBadTag) {
  const std::string value = std::string(kMinimal) + "; l=12a";
  auto sig = parse_signature(value);
  ASSERT_FALSE(sig);
  EXPECT_GE(sig.error().offset, value.find("l=12a")) << sig.error().message();
  EXPECT_LE(sig.error().offset, value.size()) << sig.error().message();
}

TEST(Rfc6376_3_5_Robustness, EveryPrefixAndEveryByteFlipNeverCrashes) {
  const std::string value(kRfc8463Ed25519);
  for (std::size_t n = 0; n < value.size(); ++n) {
    auto sig = parse_signature(std::string_view(value).substr(0, n));
    if (!sig) {
      EXPECT_TRUE(sig.error().offset == Error::no_offset || sig.error().offset <= n)
          << "prefix " << n << ": " << sig.error().message();
    }
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    for (char c : {'\0', ';', '=', ' ', '\x80', '\xff', '@', ':'}) {
      std::string mutated = value;
      mutated[i] = c;
      auto sig = parse_signature(mutated);
      if (!sig) {
        EXPECT_TRUE(sig.error().offset == Error::no_offset || sig.error().offset <= mutated.size())
            << "byte " << i << ": " << sig.error().message();
      }
    }
  }
}

}  // namespace
}  // namespace dnsauth::dkim

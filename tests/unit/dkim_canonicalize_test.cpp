// RFC 6376 3.4: simple and relaxed canonicalization of header fields (3.4.1, 3.4.2) and of
// the body (3.4.3, 3.4.4), the examples of 3.4.5 byte for byte, and the streaming
// BodyHasher: a body split anywhere (and passed on as mail::MessageParser does, through a
// mail::BodyNormalizer) hashes the same, and l= (3.5) truncates what is hashed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dkim/canonicalize.h"
#include "support/dkim_fixtures.h"
#include "support/streamed_body.h"

namespace dnsauth::dkim {
namespace {

using test::digest_with;
using test::StreamedBodyHasher;

std::string header(Canon c, std::string_view raw) {
  std::string out;
  canonicalize_header(c, raw, out);
  return out;
}

std::string sha256(std::string_view s) { return digest_with(EVP_sha256(), s); }

// ---- 3.4.5 Example 1..3: the message, header fields A and B, then the body ----
// A: <SP> X <CRLF>
// B <SP> : <SP> Y <HTAB><CRLF>
//                 <HTAB> Z <SP><SP><CRLF>
// <CRLF>
// <SP> C <SP><CRLF>
// D <SP><HTAB><SP> E <CRLF>
// <CRLF>
// <CRLF>
constexpr std::string_view kFieldA = "A: X\r\n";
constexpr std::string_view kFieldB = "B : Y\t\r\n\tZ  \r\n";
constexpr std::string_view kBody = " C \r\nD \t E\r\n\r\n\r\n";

TEST(Rfc6376_3_4_5, Example1RelaxedHeaderAndRelaxedBody) {
  EXPECT_EQ(header(Canon::relaxed, kFieldA), "a:X\r\n");
  EXPECT_EQ(header(Canon::relaxed, kFieldB), "b:Y Z\r\n");
  EXPECT_EQ(canonicalize_body(Canon::relaxed, kBody), " C\r\nD E\r\n");
}

TEST(Rfc6376_3_4_5, Example2SimpleHeaderAndSimpleBody) {
  EXPECT_EQ(header(Canon::simple, kFieldA), "A: X\r\n");
  EXPECT_EQ(header(Canon::simple, kFieldB), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canonicalize_body(Canon::simple, kBody), " C \r\nD \t E\r\n");
}

TEST(Rfc6376_3_4_5, Example3RelaxedHeaderSimpleBody) {
  std::string h;
  canonicalize_header(Canon::relaxed, kFieldA, h);
  canonicalize_header(Canon::relaxed, kFieldB, h);  // appends
  EXPECT_EQ(h, "a:X\r\nb:Y Z\r\n");
  EXPECT_EQ(canonicalize_body(Canon::simple, kBody), " C \r\nD \t E\r\n");
}

TEST(Rfc6376_3_4_5, BodyHashesAreSha256OfTheCanonicalBody) {
  EXPECT_EQ(body_hash(Canon::relaxed, kBody), sha256(" C\r\nD E\r\n"));
  EXPECT_EQ(body_hash(Canon::simple, kBody), sha256(" C \r\nD \t E\r\n"));
}

// ---- 3.4.1 simple header: "MUST NOT change header fields in any way" ----
TEST(Rfc6376_3_4_1, SimpleHeaderKeepsCaseFoldingAndWhitespace) {
  constexpr std::string_view f = "SuBjEct :  Hello \t World  \r\n\t  again \r\n";
  EXPECT_EQ(header(Canon::simple, f), f);
  EXPECT_EQ(header(Canon::simple, "X-8bit: caf\xc3\xa9\r\n"), "X-8bit: caf\xc3\xa9\r\n");
}

// ---- 3.4.2 relaxed header: lowercase name, unfold, WSP runs -> SP, trim around colon/end ----
struct RelaxedHeaderCase {
  const char* raw;
  const char* canonical;
  friend void PrintTo(const RelaxedHeaderCase& c, std::ostream* os) { *os << c.raw; }
};

class Rfc6376_3_4_2 : public ::testing::TestWithParam<RelaxedHeaderCase> {};

TEST_P(Rfc6376_3_4_2, RelaxedHeader) {
  EXPECT_EQ(header(Canon::relaxed, GetParam().raw), GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Rfc6376_3_4_2,
    ::testing::Values(
        RelaxedHeaderCase{"SUBJECT: Hi\r\n", "subject:Hi\r\n"},
        // "Delete any WSP characters remaining before and after the colon"
        RelaxedHeaderCase{"Subject \t:\t  Hi\r\n", "subject:Hi\r\n"},
        // "Convert all sequences of one or more WSP characters to a single SP"
        RelaxedHeaderCase{"To: a \t\t b   c\r\n", "to:a b c\r\n"},
        // "Unfold all header field continuation lines" (the CRLF goes, the WSP becomes SP)
        RelaxedHeaderCase{"To: a,\r\n b,\r\n\t c\r\n", "to:a, b, c\r\n"},
        // "Delete all WSP characters at the end of each unfolded header field value"
        RelaxedHeaderCase{"X-Trail: v \t \r\n", "x-trail:v\r\n"},
        RelaxedHeaderCase{"X-Fold-End: v\r\n \r\n", "x-fold-end:v\r\n"},
        RelaxedHeaderCase{"X-Empty:\r\n", "x-empty:\r\n"},
        RelaxedHeaderCase{"X-Blank:   \r\n", "x-blank:\r\n"},
        // only the name is lowercased; the value keeps its case and its 8-bit bytes
        RelaxedHeaderCase{"X-Utf8: Caf\xc3\xa9  Cr\xc3\xa8me\r\n", "x-utf8:Caf\xc3\xa9 Cr\xc3\xa8me\r\n"},
        // 3.4.2 leaves characters other than WSP alone, colons in the value included
        RelaxedHeaderCase{"DKIM-Signature: h=from : to;\r\n b=\r\n", "dkim-signature:h=from : to; b=\r\n"},
        // "Unfold ... lines with terminators embedded in continued header field values (that
        // is, CRLF sequences followed by WSP) MUST be interpreted without the CRLF": only CRLF
        // goes; a bare CR or a bare LF is not a line end and stays in the value
        RelaxedHeaderCase{"Subject: a\rb\r\n", "subject:a\rb\r\n"},
        RelaxedHeaderCase{"Subject: a \r  b\r\n", "subject:a \r b\r\n"},
        RelaxedHeaderCase{"Subject: a\nb\r\n", "subject:a\nb\r\n"}));

// ---- 3.4.3 simple body ----
struct BodyCase {
  const char* name;
  std::string body;
  std::string simple;
  std::string relaxed;
  friend void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.name; }
};

std::vector<BodyCase> body_cases() {
  return {
      // 3.4.3: "If there is no body or no trailing CRLF on the message body, a CRLF is added."
      // 3.4.4: relaxed, empty body stays empty (the "not ... empty" condition of the rule).
      {"empty", "", "\r\n", ""},
      {"only_crlf", "\r\n", "\r\n", ""},
      // 3.4.3: "Ignores all empty lines at the end of the message body"
      {"trailing_blank_lines", "a\r\n\r\n\r\n\r\n", "a\r\n", "a\r\n"},
      {"only_blank_lines", "\r\n\r\n\r\n", "\r\n", ""},
      // Blank lines inside the body are content.
      {"inner_blank_lines", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
      // A whitespace-only line is not empty for simple; relaxed strips it to an empty line,
      // and a trailing one then goes with the other trailing empty lines.
      {"whitespace_only_trailing", "a\r\n \t \r\n\r\n", "a\r\n \t \r\n", "a\r\n"},
      {"whitespace_only_inner", "a\r\n  \r\nb\r\n", "a\r\n  \r\nb\r\n", "a\r\n\r\nb\r\n"},
      {"whitespace_only_body", " \t\r\n \r\n", " \t\r\n \r\n", ""},
      // No final CRLF: simple adds one (3.4.3), relaxed adds one to a non-empty body (3.4.4).
      {"no_final_crlf", "abc", "abc\r\n", "abc\r\n"},
      {"no_final_crlf_trailing_wsp", "abc \t", "abc \t\r\n", "abc\r\n"},
      {"no_final_crlf_after_blank", "a\r\n\r\nb", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},
      {"wsp_only_no_crlf", "  ", "  \r\n", ""},
      // 3.4.4: "Reduce all sequences of WSP within a line to a single SP character" and
      // "Ignore all whitespace at the end of lines"; leading WSP becomes one SP, not nothing.
      {"wsp_runs", "\t a \t b\t\r\n", "\t a \t b\t\r\n", " a b\r\n"},
      // Bytes are bytes: 8-bit content passes through both canonicalizations.
      {"eight_bit", "caf\xc3\xa9 \xff\r\n", "caf\xc3\xa9 \xff\r\n", "caf\xc3\xa9 \xff\r\n"},
  };
}

class BodyCanon : public ::testing::TestWithParam<BodyCase> {};

TEST_P(BodyCanon, Rfc6376_3_4_3_Simple) {
  EXPECT_EQ(canonicalize_body(Canon::simple, GetParam().body), GetParam().simple);
  EXPECT_EQ(body_hash(Canon::simple, GetParam().body), sha256(GetParam().simple));
}

TEST_P(BodyCanon, Rfc6376_3_4_4_Relaxed) {
  EXPECT_EQ(canonicalize_body(Canon::relaxed, GetParam().body), GetParam().relaxed);
  EXPECT_EQ(body_hash(Canon::relaxed, GetParam().body), sha256(GetParam().relaxed));
}

// Streaming: the body in two and in three pieces split at every position (between CR and
// LF, inside WSP runs, inside trailing blank lines) and byte by byte hashes the same.
TEST_P(BodyCanon, ChunkingInvariance) {
  const std::string& body = GetParam().body;
  for (Canon c : {Canon::simple, Canon::relaxed}) {
    const std::string expected = sha256(c == Canon::simple ? GetParam().simple : GetParam().relaxed);
    for (std::size_t i = 0; i <= body.size(); ++i) {
      for (std::size_t j = i; j <= body.size(); ++j) {
        StreamedBodyHasher h(c);
        h.update(std::string_view(body).substr(0, i));
        h.update(std::string_view(body).substr(i, j - i));
        h.update(std::string_view(body).substr(j));
        ASSERT_EQ(h.finish(), expected) << to_string(c) << " split at " << i << "," << j;
      }
    }
    StreamedBodyHasher bytewise(c);
    for (char ch : body) bytewise.update(std::string_view(&ch, 1));
    EXPECT_EQ(bytewise.finish(), expected) << to_string(c) << " byte by byte";
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc6376_3_4, BodyCanon, ::testing::ValuesIn(body_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// A body larger than the hasher's internal block, with WSP runs and CRLFs straddling any
// block boundary, split in many irregular chunk sizes.
TEST(BodyHasherStreaming, LargeBodyAnyChunkSize) {
  std::string body, relaxed;
  for (int i = 0; i < 3000; ++i) {
    body += "line " + std::to_string(i) + " \t  with   runs \t\r\n";
    relaxed += "line " + std::to_string(i) + " with runs\r\n";
    if (i % 97 == 0) {
      body += " \t \r\n\r\n";
      relaxed += "\r\n\r\n";
    }
  }
  body += "\r\n \r\n\t\r\n";  // trailing (relaxed: empty) lines are dropped
  ASSERT_EQ(canonicalize_body(Canon::relaxed, body), relaxed);
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u, 8191u, 8192u, 8193u, 65536u}) {
    StreamedBodyHasher h(Canon::relaxed);
    for (std::size_t i = 0; i < body.size(); i += chunk)
      h.update(std::string_view(body).substr(i, chunk));
    EXPECT_EQ(h.finish(), sha256(relaxed)) << "chunk size " << chunk;
  }
}

TEST(BodyHasherStreaming, CanonicalLengthCountsCanonicalBytes) {
  StreamedBodyHasher h(Canon::relaxed);
  h.update(" C \r\nD \t E\r\n\r");
  h.update("\n\r\n");
  h.finish();
  EXPECT_EQ(h.hasher().canonical_length(), std::string(" C\r\nD E\r\n").size());
}

// The hasher's contract (canonicalize.h): no CRLF split across chunks. So a chunk-final CR is a
// bare CR, content (RFC 5322 2.3), and "\r\n" may come as a chunk of its own, as
// mail::BodyNormalizer sends it; either way the hash is that of the body given whole.
TEST(BodyHasherContract, ChunkFinalCrIsBareAndCrlfMayComeAlone) {
  const std::vector<std::vector<std::string>> cases = {
      {"a \r", "b"},                 // WSP before a bare CR is inside the line
      {"a \r", "\r", "\r\n"},         // bare CRs, then a line end
      {"a  ", "\r\n", "\r\n", "b\r"},  // a line end alone ends the WSP run's line
      {"a\r\n", "\r\n", "\r", "\r\n"},
      {"\r"},
  };
  for (const auto& chunks : cases) {
    std::string whole;
    for (const auto& c : chunks) whole += c;
    for (Canon c : {Canon::simple, Canon::relaxed}) {
      BodyHasher h(c);
      for (const auto& chunk : chunks) h.update(chunk);
      EXPECT_EQ(h.finish(), body_hash(c, whole)) << to_string(c) << " " << whole;
    }
  }
}

// ---- l= (3.5): "Body length count ... the number of octets in the body of the email after
// canonicalization"; only that prefix is hashed. ----
TEST(Rfc6376_3_5_BodyLength, HashesOnlyThePrefix) {
  const std::string body = "Hello  world\r\nsecond line\r\n\r\n";
  const std::string canon_relaxed = "Hello world\r\nsecond line\r\n";
  const std::string canon_simple = "Hello  world\r\nsecond line\r\n";
  for (std::uint64_t l : {0u, 1u, 5u, 13u, 14u, 25u}) {
    EXPECT_EQ(body_hash(Canon::relaxed, body, l), sha256(canon_relaxed.substr(0, l))) << l;
    EXPECT_EQ(body_hash(Canon::simple, body, l), sha256(canon_simple.substr(0, l))) << l;
  }
}

TEST(Rfc6376_3_5_BodyLength, PrefixIsTheSameHoweverTheBodyIsChunked) {
  const std::string body = "ab  cd\r\n\r\nef\r\n";  // relaxed: "ab cd\r\n\r\nef\r\n"
  const std::string canonical = "ab cd\r\n\r\nef\r\n";
  for (std::uint64_t l = 0; l <= canonical.size(); ++l) {
    for (std::size_t split = 0; split <= body.size(); ++split) {
      StreamedBodyHasher h(Canon::relaxed, l);
      h.update(std::string_view(body).substr(0, split));
      h.update(std::string_view(body).substr(split));
      ASSERT_EQ(h.finish(), sha256(canonical.substr(0, l))) << "l=" << l << " split " << split;
    }
  }
}

TEST(Rfc6376_3_5_BodyLength, CanonicalLengthGoesPastTheLimit) {
  // The Verifier compares canonical_length() with l= to report "l= exceeds body".
  BodyHasher h(Canon::simple, 4);
  h.update("abcdef\r\nmore text\r\n");
  EXPECT_EQ(h.finish(), sha256("abcd"));
  EXPECT_EQ(h.canonical_length(), std::string("abcdef\r\nmore text\r\n").size());
  ASSERT_TRUE(h.length_limit().has_value());
  EXPECT_EQ(*h.length_limit(), 4u);

  BodyHasher shorter(Canon::simple, 100);  // l= longer than the body: all of it is hashed
  shorter.update("abc\r\n");
  EXPECT_EQ(shorter.finish(), sha256("abc\r\n"));
  EXPECT_EQ(shorter.canonical_length(), 5u);
}

TEST(Rfc6376_3_5_BodyLength, SimpleEmptyBodyCountsItsAddedCrlf) {
  // 3.4.3: the empty body canonicalizes to CRLF, so l=2 covers it and l=0 covers nothing.
  EXPECT_EQ(body_hash(Canon::simple, "", 2), sha256("\r\n"));
  EXPECT_EQ(body_hash(Canon::simple, "", 0), sha256(""));
}

}  // namespace
}  // namespace dnsauth::dkim

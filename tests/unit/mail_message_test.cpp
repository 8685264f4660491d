// RFC 5322 2.1-2.3 (lines, header fields, folding, body) as core/mail/message.h reads them,
// with the DKIM needs that shape the parser: raw header bytes kept verbatim (RFC 6376 3.4),
// local LF-only form converted to CRLF (RFC 6376 5.3), chunks of any size (the milter).
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/mail/message.h"
#include "support/test_support.h"

namespace dnsauth::mail {
namespace {

using test::to_crlf;

// Everything a MessageParser reports, in order, so chunked and whole parses can be compared.
struct Recording : MessageSink {
  std::vector<std::string> raw_headers;
  std::vector<std::string> past_limit;  // header_past_limit, raw
  std::string body_text;
  int ends_of_headers = 0;
  bool body_before_end_of_headers = false;

  void header(HeaderField f) override { raw_headers.push_back(f.raw()); }
  void header_past_limit(HeaderField f) override { past_limit.push_back(f.raw()); }
  void end_of_headers() override { ++ends_of_headers; }
  void body(std::string_view chunk) override {
    if (ends_of_headers == 0) body_before_end_of_headers = true;
    EXPECT_FALSE(chunk.empty()) << "the parser should not report empty body chunks";
    // MessageSink's contract (BodyNormalizer): a CRLF never arrives in two chunks.
    EXPECT_FALSE(!body_text.empty() && body_text.back() == '\r' && chunk.front() == '\n')
        << "a CRLF split across body chunks after \"" << body_text << "\"";
    body_text.append(chunk);
  }
  bool operator==(const Recording& o) const {
    return raw_headers == o.raw_headers && body_text == o.body_text && ends_of_headers == o.ends_of_headers;
  }
};

// Feeds `bytes` cut at each of `cuts` (ascending offsets) and finishes.
Result<void> feed_cut(Recording& sink, std::string_view bytes, std::vector<std::size_t> cuts,
                      ParserLimits limits = {}) {
  MessageParser p(sink, limits);
  std::size_t from = 0;
  cuts.push_back(bytes.size());
  for (std::size_t cut : cuts) {
    if (auto r = p.feed(bytes.substr(from, cut - from)); !r) return r;
    from = cut;
  }
  return p.finish();
}

Recording record(std::string_view bytes) {
  Recording sink;
  auto r = feed_cut(sink, bytes, {});
  EXPECT_TRUE(r) << r.error().message();
  return sink;
}

// --- HeaderField -------------------------------------------------------------------------

// RFC 5322 2.2: a header field is a name, a colon and a body; DKIM needs the raw bytes
// unchanged (RFC 6376 3.4), so raw() is exactly the input when it is already CRLF.
TEST(MailHeaderField, FromRawKeepsBytesAndSplitsNameAndValue) {
  struct Case {
    const char* section;
    std::string raw, name, value, unfolded;
  };
  const Case cases[] = {
      {"2.2 name: value", "Subject: Hello\r\n", "Subject", " Hello", "Hello"},
      {"4.5 obsolete: WSP before the colon, not part of the name", "Subject \t: x\r\n",
       "Subject", " x", "x"},
      {"2.2.3 folded: CRLF WSP kept in value, removed by unfolding (WSP stays)",
       "Subject: This\r\n is a test\r\n\tof folding\r\n", "Subject",
       " This\r\n is a test\r\n\tof folding", "This is a test\tof folding"},
      {"3.6.8 optional field, colon in value", "X-Time:12:00\r\n", "X-Time", "12:00", "12:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.section);
    auto f = HeaderField::from_raw(c.raw);
    ASSERT_TRUE(f) << f.error().message();
    EXPECT_EQ(f->raw(), c.raw);
    EXPECT_EQ(f->name(), c.name);
    EXPECT_EQ(f->value(), c.value);
    EXPECT_EQ(f->unfolded_value(), c.unfolded);
  }
}

// RFC 5322 1.2.2: field names compare case-insensitively.
TEST(MailHeaderField, IsComparesNamesCaseInsensitively) {
  auto f = HeaderField::from_raw("Subject : Hello\r\n");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(f->is("subject"));
  EXPECT_TRUE(f->is("SUBJECT"));
  EXPECT_FALSE(f->is("Subjec"));
  EXPECT_FALSE(f->is("Subject "));
}

// RFC 6376 5.3: LF-only lines are converted to CRLF and a missing final line end is added;
// RFC 5322 2.2.3: the unfolded value has no CRLF, and no WSP around it.
TEST(MailHeaderField, LineEndsNormalizedAndValueUnfolded) {
  struct Case {
    std::string in, raw, unfolded;
  };
  const Case cases[] = {
      {"A: b", "A: b\r\n", "b"},
      {"A: b\n", "A: b\r\n", "b"},
      {"A: b\r", "A: b\r\n", "b"},
      {"A: b\n c\n", "A: b\r\n c\r\n", "b c"},
      {"A: b\r\n c", "A: b\r\n c\r\n", "b c"},
      {"X:\r\n", "X:\r\n", ""},
      {"X:   \t \r\n", "X:   \t \r\n", ""},
      {"X:\r\n value\r\n", "X:\r\n value\r\n", "value"},
      {"X: a \r\n b \r\n", "X: a \r\n b \r\n", "a  b"},
      {"X:no-space\r\n", "X:no-space\r\n", "no-space"},
  };
  for (const auto& c : cases) {
    auto f = HeaderField::from_raw(c.in);
    ASSERT_TRUE(f) << c.in;
    EXPECT_EQ(f->raw(), c.raw) << c.in;
    EXPECT_EQ(f->unfolded_value(), c.unfolded) << c.in;
  }
}

// RFC 6532 3.3 allows UTF-8 in field bodies; legacy mail carries arbitrary 8-bit bytes, and
// DKIM signs them as they are.
TEST(MailHeaderField, EightBitValueBytesKept) {
  std::string raw = "Subject: caf\xC3\xA9 \xFF\x80\r\n";
  auto f = HeaderField::from_raw(raw);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->raw(), raw);
  EXPECT_EQ(f->unfolded_value(), "caf\xC3\xA9 \xFF\x80");
}

// RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII except colon.
TEST(MailHeaderField, MalformedNamesAreSyntaxErrorsWithOffset) {
  struct Case {
    std::string raw;
    std::size_t offset;
  };
  const Case cases[] = {
      {"no colon here\r\n", 0},
      {": empty name\r\n", 0},
      {" \t: only wsp\r\n", 0},
      {"Bad Name: x\r\n", 3},
      {"Caf\xC3\xA9: x\r\n", 3},
      {"Ctl\x01: x\r\n", 3},
  };
  for (const auto& c : cases) {
    auto f = HeaderField::from_raw(c.raw);
    ASSERT_FALSE(f) << c.raw;
    EXPECT_EQ(f.error().code, Errc::syntax) << c.raw;
    EXPECT_EQ(f.error().offset, c.offset) << c.raw;
  }
}

// A milter receives name and value apart (libmilter xxfi_header).
TEST(MailHeaderField, FromPartsJoinsNameAndValueVerbatim) {
  auto f = HeaderField::from_parts("DKIM-Signature", " v=1;\n\ta=rsa-sha256");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->raw(), "DKIM-Signature: v=1;\r\n\ta=rsa-sha256\r\n");
  EXPECT_EQ(f->name(), "DKIM-Signature");
  EXPECT_EQ(f->unfolded_value(), "v=1;\ta=rsa-sha256");

  auto no_lead = HeaderField::from_parts("X", "y");
  ASSERT_TRUE(no_lead);
  EXPECT_EQ(no_lead->raw(), "X:y\r\n");

  // A CR that ends the value is content, as in the field read whole (found by
  // fuzz_mail_message: the milter's path lost it).
  auto cr = HeaderField::from_parts("Message-ID", " <a@example.com>\r");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->value(), " <a@example.com>\r");
  EXPECT_EQ(cr->value(), HeaderField::from_raw("Message-ID: <a@example.com>\r\r\n")->value());

  auto bad = HeaderField::from_parts("", "y");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::syntax);
}

// RFC 5322 1.2.2: field names compare case-insensitively, ASCII only.
TEST(MailHeaderField, IequalsAndToLowerAreAsciiOnly) {
  EXPECT_TRUE(iequals("DKIM-Signature", "dkim-signature"));
  EXPECT_FALSE(iequals("From", "Fro"));
  EXPECT_FALSE(iequals("\xC3\x89", "\xC3\xA9"));  // É and é differ outside ASCII
  EXPECT_EQ(to_lower("MiXeD-Case \xC3\x89"), "mixed-case \xC3\x89");
}

// --- MessageParser: structure ------------------------------------------------------------

constexpr const char* kFolded =
    "Received: from x.example\r\n"
    "\tby y.example; Thu, 13 Feb 1969 23:32:54 -0330\r\n"
    "From: John Doe <jdoe@machine.example>\r\n"
    "Subject : Saying\r\n"
    "  Hello\r\n"
    "\r\n"
    "This is a message just to say hello.\r\n"
    "So, \"Hello\".\r\n";

// RFC 5322 2.1: header fields, an empty line, the body. Raw bytes are preserved exactly.
TEST(MailMessage, CrlfMessageRoundTripsByteForByte) {
  auto m = parse_message(kFolded);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 3u);
  EXPECT_EQ(m->headers[0].raw(),
            "Received: from x.example\r\n\tby y.example; Thu, 13 Feb 1969 23:32:54 -0330\r\n");
  EXPECT_EQ(m->headers[1].raw(), "From: John Doe <jdoe@machine.example>\r\n");
  EXPECT_EQ(m->headers[2].raw(), "Subject : Saying\r\n  Hello\r\n");
  EXPECT_EQ(m->headers[2].name(), "Subject");
  EXPECT_EQ(m->headers[2].unfolded_value(), "Saying  Hello");
  EXPECT_EQ(m->body, "This is a message just to say hello.\r\nSo, \"Hello\".\r\n");
  EXPECT_EQ(m->serialize(), kFolded);
}

// RFC 6376 5.3: a message in local LF-only form is converted to CRLF, headers and body.
TEST(MailMessage, LfOnlyInputNormalizedToCrlf) {
  std::string lf =
      "From: a@example.com\n"
      "Subject: folded\n"
      " line\n"
      "\n"
      "line one\n"
      "\n"
      "line three\n";
  auto m = parse_message(lf);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 2u);
  EXPECT_EQ(m->headers[0].raw(), "From: a@example.com\r\n");
  EXPECT_EQ(m->headers[1].raw(), "Subject: folded\r\n line\r\n");
  EXPECT_EQ(m->body, "line one\r\n\r\nline three\r\n");
  EXPECT_EQ(m->serialize(), to_crlf(lf));
}

TEST(MailMessage, MixedLineEndsAndBareCrInBody) {
  // A bare CR is not a line end (RFC 5322 2.3): it is passed through, not doubled.
  auto m = parse_message("A: 1\r\nB: 2\n\nx\ry\r\nz\n\r\n\r");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 2u);
  EXPECT_EQ(m->headers[0].raw(), "A: 1\r\n");
  EXPECT_EQ(m->headers[1].raw(), "B: 2\r\n");
  EXPECT_EQ(m->body, "x\ry\r\nz\r\n\r\n\r");
}

// RFC 5322 2.1: the body is optional; without the empty line there is no body at all.
TEST(MailMessage, MessageWithoutBody) {
  struct Case {
    std::string in;
    std::size_t headers;
    std::string last_raw;
  };
  const Case cases[] = {
      {"A: b\r\n\r\n", 1, "A: b\r\n"},
      {"A: b\r\nC: d\r\n", 2, "C: d\r\n"},
      {"A: b\r\nC: d", 2, "C: d\r\n"},
      {"A: b\r\nC: d\r\n e", 2, "C: d\r\n e\r\n"},
      {"A: b\nC: d\n", 2, "C: d\r\n"},
  };
  for (const auto& c : cases) {
    Recording r = record(c.in);
    ASSERT_EQ(r.raw_headers.size(), c.headers) << c.in;
    EXPECT_EQ(r.raw_headers.back(), c.last_raw) << c.in;
    EXPECT_EQ(r.body_text, "") << c.in;
    EXPECT_EQ(r.ends_of_headers, 1) << c.in;
  }
}

TEST(MailMessage, EmptyInputAndBodyOnlyInput) {
  Recording empty = record("");
  EXPECT_TRUE(empty.raw_headers.empty());
  EXPECT_EQ(empty.body_text, "");
  EXPECT_EQ(empty.ends_of_headers, 1);

  // A message may have no header fields at all before the empty line.
  Recording body_only = record("\r\nbody\r\n");
  EXPECT_TRUE(body_only.raw_headers.empty());
  EXPECT_EQ(body_only.body_text, "body\r\n");
}

TEST(MailMessage, BodyWithoutFinalLineEndIsKeptAsIs) {
  auto m = parse_message("A: b\r\n\r\nno final line end");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, "no final line end");
}

TEST(MailMessage, SinkSeesEndOfHeadersOnceAndBeforeBody) {
  Recording r = record(kFolded);
  EXPECT_EQ(r.ends_of_headers, 1);
  EXPECT_FALSE(r.body_before_end_of_headers);
  EXPECT_EQ(r.raw_headers.size(), 3u);
}

// RFC 5322 4.2 / A.6.3: folding lines made up entirely of white space are legal and belong
// to the field they follow.
TEST(MailMessage, WhitespaceOnlyContinuationLineBelongsToField) {
  auto m = parse_message("To    : Mary Smith\r\n  \r\n          <mary@example.net>\r\n\r\n");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_EQ(m->headers[0].raw(), "To    : Mary Smith\r\n  \r\n          <mary@example.net>\r\n");
  EXPECT_EQ(m->headers[0].name(), "To");
}

TEST(MailMessage, EightBitHeaderBytesKept) {
  std::string in = "Subject: \xE2\x9C\x93 ok \xFE\r\nFrom: \xC3\xA9@\xC3\xA9.example\r\n\r\n";
  auto m = parse_message(in);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 2u);
  EXPECT_EQ(m->headers[0].raw(), "Subject: \xE2\x9C\x93 ok \xFE\r\n");
  EXPECT_EQ(m->headers[1].unfolded_value(), "\xC3\xA9@\xC3\xA9.example");
  EXPECT_EQ(m->serialize(), in);
}

TEST(MailMessage, FieldsFindsEveryFieldOfANameInOrder) {
  auto m = parse_message("From: a@x\r\nTo: t@x\r\nfrom: b@x\r\nFROM : c@x\r\n\r\n");
  ASSERT_TRUE(m) << m.error().message();
  auto froms = m->fields("From");
  ASSERT_EQ(froms.size(), 3u);
  EXPECT_EQ(froms[0]->unfolded_value(), "a@x");
  EXPECT_EQ(froms[1]->unfolded_value(), "b@x");
  EXPECT_EQ(froms[2]->unfolded_value(), "c@x");
  EXPECT_TRUE(m->fields("Cc").empty());
}

// --- mbox separator ----------------------------------------------------------------------

// An mbox file's "From sender date" line comes before the message and is not part of it.
TEST(MailMessage, MboxFromLineSkipped) {
  auto m = parse_message(
      "From jdoe@machine.example Fri Nov 21 09:55:06 1997\nFrom: John <jdoe@machine.example>\n\nhi\n");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_EQ(m->headers[0].raw(), "From: John <jdoe@machine.example>\r\n");
  EXPECT_EQ(m->body, "hi\r\n");
}

TEST(MailMessage, MboxFromLineOnlySkippedWhenFirst) {
  // Later, "From jdoe..." is a header line whose name holds a space: malformed.
  auto m = parse_message("Subject: x\r\nFrom jdoe@example Fri Nov 21 09:55:06 1997\r\n\r\n");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::syntax);
  EXPECT_EQ(m.error().offset, 12u + 4u);  // the space after "From"
}

// RFC 5322 4.5.2 obs-from = "From" *WSP ":" mailbox-list CRLF (example A.6.3): a first line
// "From  : ..." is the From field, not an mbox separator.
TEST(MailMessage, ObsoleteFromWithWspBeforeColonIsNotMboxSeparator) {
  auto m = parse_message("From  : John Doe <jdoe@machine(comment).  example>\r\n\r\n");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_TRUE(m->headers[0].is("From"));
  EXPECT_EQ(m->headers[0].unfolded_value(), "John Doe <jdoe@machine(comment).  example>");
}

// --- errors ------------------------------------------------------------------------------

// RFC 5322 2.2: every header line is a field ("name:") or a continuation (starts with WSP).
TEST(MailMessage, MalformedHeaderLinesGiveSyntaxErrorAtTheirOffset) {
  struct Case {
    std::string in;
    std::size_t offset;
  };
  const Case cases[] = {
      {"A: b\r\nno colon\r\n\r\n", 6},
      {"A: b\nno colon\n\n", 5},
      {"A: b\r\nC: d\r\n e\r\nbroken", 16},
      {" leading continuation\r\n\r\n", 0},
      {"From x@y Mon Jan 1 00:00:00 2024\r\n continuation\r\n\r\n", 34},
      {"A: b\r\nBad Name: c\r\n\r\n", 9},
      {"A: b\r\n: no name\r\n\r\n", 6},
      {"A: b\r\nX\xC3\xA9: c\r\n\r\n", 7},
  };
  for (const auto& c : cases) {
    auto m = parse_message(c.in);
    ASSERT_FALSE(m) << c.in;
    EXPECT_EQ(m.error().code, Errc::syntax) << c.in;
    EXPECT_EQ(m.error().offset, c.offset) << c.in;
  }
}

TEST(MailMessage, ParserStaysFailedAfterAnError) {
  Recording sink;
  MessageParser p(sink);
  auto first = p.feed("A: b\r\nnope\r\n");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().offset, 6u);
  auto again = p.feed("C: d\r\n\r\n");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::syntax);
  EXPECT_FALSE(p.finish());
  EXPECT_EQ(sink.raw_headers, std::vector<std::string>{"A: b\r\n"});
}

// Lines in the body are never header lines, whatever they look like.
TEST(MailMessage, BodyLinesAreNotParsedAsHeaders) {
  auto m = parse_message("A: b\r\n\r\nno colon\r\n continuation-looking\r\nFrom x\r\n");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->body, "no colon\r\n continuation-looking\r\nFrom x\r\n");
}

// --- chunking invariance -----------------------------------------------------------------

// A chunk boundary may fall anywhere (message.h), including between CR and LF; the parse
// must not depend on where.
const std::vector<std::string>& chunking_corpus() {
  static const std::vector<std::string> corpus = {
      kFolded,
      "From jdoe@machine.example Fri Nov 21 09:55:06 1997\n"
      "From: a@example.com\n"
      "Subject: folded\n \n\tline\n"
      "\n"
      "body\n\nmore\r\nend",
      "A: 1\r\nB: 2\n\nx\ry\r\nz\n\r\n\r",
      "A: \xC3\xA9\r\r\nB:\r\n\r\n\r\n\r\n",
      "A: b\r\nC: d\r\n e",
      "\r\n\r\n\r\n",
  };
  return corpus;
}

TEST(MailMessageChunking, EverySingleSplitGivesTheSameParse) {
  for (const auto& msg : chunking_corpus()) {
    Recording whole = record(msg);
    for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
      Recording split;
      auto r = feed_cut(split, msg, {cut});
      ASSERT_TRUE(r) << "cut at " << cut << ": " << r.error().message();
      EXPECT_EQ(split.raw_headers, whole.raw_headers) << "cut at " << cut << " of " << msg;
      EXPECT_EQ(split.body_text, whole.body_text) << "cut at " << cut << " of " << msg;
      EXPECT_EQ(split.ends_of_headers, 1);
    }
  }
}

TEST(MailMessageChunking, EveryPairOfSplitsGivesTheSameParse) {
  for (const auto& msg : chunking_corpus()) {
    Recording whole = record(msg);
    for (std::size_t a = 0; a <= msg.size(); ++a) {
      for (std::size_t b = a; b <= msg.size(); ++b) {
        Recording split;
        ASSERT_TRUE(feed_cut(split, msg, {a, b}));
        ASSERT_TRUE(split == whole) << "cuts at " << a << "," << b << " of " << msg;
      }
    }
  }
}

TEST(MailMessageChunking, ByteAtATimeGivesTheSameParse) {
  for (const auto& msg : chunking_corpus()) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < msg.size(); ++i) cuts.push_back(i);
    Recording bytewise;
    ASSERT_TRUE(feed_cut(bytewise, msg, cuts));
    EXPECT_TRUE(bytewise == record(msg)) << msg;
  }
}

TEST(MailMessageChunking, ErrorOffsetDoesNotDependOnChunking) {
  const std::string msg = "A: b\r\nC: d\r\n e\r\nbroken\r\n\r\nbody";
  for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
    Recording sink;
    auto r = feed_cut(sink, msg, {cut});
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_EQ(r.error().offset, 16u) << "cut at " << cut;
    EXPECT_EQ(sink.raw_headers.size(), 2u) << "cut at " << cut;
  }
}

// --- limits --------------------------------------------------------------------------------

// Feeds every piece whatever the parser answers, as a caller that goes on past a limit does, and
// returns the errors it gave, in order.
std::vector<Error> feed_through(Recording& sink, std::string_view bytes, std::vector<std::size_t> cuts,
                                ParserLimits limits, std::optional<Limit>* exceeded = nullptr) {
  MessageParser p(sink, limits);
  std::vector<Error> errors;
  std::size_t from = 0;
  cuts.push_back(bytes.size());
  for (std::size_t cut : cuts) {
    if (auto r = p.feed(bytes.substr(from, cut - from)); !r) errors.push_back(r.error());
    from = cut;
  }
  if (auto r = p.finish(); !r) errors.push_back(r.error());
  if (exceeded) *exceeded = p.exceeded();
  return errors;
}

// A header field of exactly `size` bytes with its CRLF: "X: vvv...\r\n".
std::string field_of(std::size_t size, char name = 'X') {
  return std::string(1, name) + ": " + std::string(size - 5, 'v') + "\r\n";
}

ParserLimits small_limits() { return ParserLimits{.max_field_bytes = 32, .max_fields = 3, .max_header_bytes = 64}; }

TEST(MailMessageLimits, DefaultsAre64KiBPerField1000FieldsAnd1MiB) {
  const ParserLimits d;
  EXPECT_EQ(d.max_field_bytes, 64u * 1024);
  EXPECT_EQ(d.max_fields, 1000u);
  EXPECT_EQ(d.max_header_bytes, 1024u * 1024);
  // The default parser, at the field limit and one byte over it.
  auto at = parse_message(field_of(64 * 1024) + "\r\nbody");
  ASSERT_TRUE(at) << at.error().message();
  EXPECT_EQ(at->headers.at(0).raw().size(), 64u * 1024);
  auto over = parse_message("A: b\r\n" + field_of(64 * 1024 + 1) + "\r\nbody");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit);
  EXPECT_EQ(over.error().offset, 6u + 64 * 1024);
  EXPECT_NE(over.error().detail.find("max_field_bytes"), std::string::npos) << over.error().detail;
}

// max_field_bytes counts a field as given: its lines, continuation lines and line ends.
TEST(MailMessageLimits, FieldAtTheLimitPassesAndOneByteOverFailsWhereverTheInputIsCut) {
  struct Case {
    std::string in;
    std::optional<std::size_t> error_at;  // the first byte past the limit
  };
  const Case cases[] = {
      {"A: b\r\n" + field_of(32) + "\r\nbody", std::nullopt},
      {"A: b\r\n" + field_of(33) + "\r\nbody", 6 + 32},
      {"A: b\n" + std::string("X: ") + std::string(28, 'v') + "\n\nbody", std::nullopt},  // 32 with LF
      {"A: b\n" + std::string("X: ") + std::string(29, 'v') + "\n\nbody", 5 + 32},
      // RFC 5322 2.2.3: continuation lines are part of their field.
      {"A: b\r\nX: 123456789012\r\n 234567890123\r\n\r\n", std::nullopt},  // 17 + 15 = 32
      {"A: b\r\nX: 123456789012\r\n 2345678901234\r\n\r\n", 6 + 32},
      // The field's last line has no line end: the end of the input ends it.
      {"A: b\r\n" + std::string("X: ") + std::string(29, 'v'), std::nullopt},
      {"A: b\r\n" + std::string("X: ") + std::string(30, 'v'), 6 + 32},
  };
  for (const auto& c : cases) {
    for (std::size_t cut = 0; cut <= c.in.size(); ++cut) {
      Recording sink;
      std::optional<Limit> exceeded;
      auto errors = feed_through(sink, c.in, {cut}, small_limits(), &exceeded);
      SCOPED_TRACE(c.in + " cut at " + std::to_string(cut));
      if (!c.error_at) {
        EXPECT_TRUE(errors.empty()) << errors.front().message();
        EXPECT_EQ(exceeded, std::nullopt);
        EXPECT_EQ(sink.raw_headers.size(), 2u);
        continue;
      }
      ASSERT_EQ(errors.size(), 1u);
      EXPECT_EQ(errors[0].code, Errc::limit);
      EXPECT_EQ(errors[0].offset, *c.error_at);
      EXPECT_EQ(exceeded, Limit::field_bytes);
      EXPECT_TRUE(sink.past_limit.empty()) << "a field over max_field_bytes is never passed on";
      EXPECT_EQ(sink.ends_of_headers, 1);
    }
  }
}

// One line can cross max_header_bytes before max_field_bytes: the limit its bytes cross first
// is the one reported, whether the line comes whole or in pieces (found by fuzz_mail_message),
// and a syntax error after a limit in the same feed() does not hide the limit.
TEST(MailMessageLimits, TheLimitCrossedFirstInTheBytesIsReportedHoweverTheInputIsCut) {
  const ParserLimits limits{.max_field_bytes = 40, .max_fields = 10, .max_header_bytes = 20};
  const std::string over_both = "X: " + std::string(50, 'v') + "\r\nno colon here\r\n\r\nbody";
  for (std::size_t cut = 0; cut <= over_both.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Recording sink;
    std::optional<Limit> exceeded;
    auto errors = feed_through(sink, over_both, {cut}, limits, &exceeded);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].code, Errc::limit);
    EXPECT_EQ(errors[0].offset, 20u) << errors[0].message();
    EXPECT_EQ(exceeded, Limit::header_bytes);
  }
}

// A header line whose LF never comes is not gathered without end: the feed() that passes the
// limit fails, and what follows is skipped, not kept, up to the field's end.
TEST(MailMessageLimits, LineWithoutLfPastTheFieldLimitFailsAtOnce) {
  Recording sink;
  MessageParser p(sink, small_limits());
  ASSERT_TRUE(p.feed("A: b\r\nX: "));
  ASSERT_TRUE(p.feed(std::string(29, 'v')));  // 32 bytes: at the limit
  auto over = p.feed("v");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit);
  EXPECT_EQ(over.error().offset, 6u + 32);
  EXPECT_EQ(p.exceeded(), Limit::field_bytes);
  const std::string megabyte(1 << 20, 'v');
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(p.feed(megabyte)) << "reported once, then skipped";
  ASSERT_TRUE(p.feed("\r\n continued\r\nFrom: a@example.com\r\n\r\nbody\n"));
  ASSERT_TRUE(p.finish());
  EXPECT_EQ(sink.raw_headers, std::vector<std::string>{"A: b\r\n"});
  EXPECT_EQ(sink.past_limit, std::vector<std::string>{"From: a@example.com\r\n"});
  EXPECT_EQ(sink.ends_of_headers, 1);
  EXPECT_EQ(sink.body_text, "body\r\n");
}

TEST(MailMessageLimits, FieldCountAtTheLimitPassesAndOneMoreFails) {
  const std::string three = "A: 1\r\nB: 2\r\nC: 3\r\n";
  for (std::size_t cut = 0; cut <= three.size() + 8; ++cut) {
    Recording at;
    std::string in = three + "\r\nx";
    EXPECT_TRUE(feed_through(at, in, {std::min(cut, in.size())}, small_limits()).empty());
    EXPECT_EQ(at.raw_headers.size(), 3u);

    Recording over;
    in = three + "D: 4\r\n\r\nx";
    std::optional<Limit> exceeded;
    auto errors = feed_through(over, in, {std::min(cut, in.size())}, small_limits(), &exceeded);
    ASSERT_EQ(errors.size(), 1u) << "cut at " << cut;
    EXPECT_EQ(errors[0].code, Errc::limit);
    EXPECT_EQ(errors[0].offset, three.size()) << "the fourth field's first byte";
    EXPECT_NE(errors[0].detail.find("max_fields"), std::string::npos) << errors[0].detail;
    EXPECT_EQ(exceeded, Limit::fields);
    EXPECT_EQ(over.raw_headers.size(), 3u);
    EXPECT_EQ(over.past_limit, std::vector<std::string>{"D: 4\r\n"});
  }
}

// max_header_bytes: the fields as given; the blank line that ends the section is not counted.
TEST(MailMessageLimits, HeaderBytesAtTheLimitPassAndOneMoreFails) {
  ParserLimits limits = small_limits();
  limits.max_fields = 100;
  const std::string at = field_of(32, 'A') + field_of(32, 'B');  // 64
  const std::string over = field_of(32, 'A') + field_of(16, 'B') + field_of(17, 'C');  // 65
  for (bool within : {true, false}) {
    const std::string in = (within ? at : over) + "\r\nbody";
    for (std::size_t cut = 0; cut <= in.size(); ++cut) {
      Recording sink;
      std::optional<Limit> exceeded;
      auto errors = feed_through(sink, in, {cut}, limits, &exceeded);
      SCOPED_TRACE("cut at " + std::to_string(cut));
      if (within) {
        EXPECT_TRUE(errors.empty()) << errors.front().message();
        EXPECT_EQ(sink.raw_headers.size(), 2u);
      } else {
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0].code, Errc::limit);
        EXPECT_EQ(errors[0].offset, 64u);
        EXPECT_EQ(exceeded, Limit::header_bytes);
        EXPECT_EQ(sink.raw_headers.size(), 2u);
        EXPECT_EQ(sink.past_limit, std::vector<std::string>{field_of(17, 'C')}) << "the field that crossed it";
      }
      EXPECT_EQ(sink.body_text, "body");
    }
  }
}

// After a limit the parser goes on without keeping anything: a milter still learns From (for
// its decision) from MessageSink::header_past_limit, and the body still comes.
TEST(MailMessageLimits, AfterALimitLaterFieldsArePassedAsPastLimitAndTheBodyStillComes) {
  const std::string in = "A: 1\r\nB: 2\r\nC: 3\r\nFrom: a@example.com\r\nD: " + std::string(100, 'v') +
                         "\r\n  more\r\nTo: b@example.org\r\n\r\nbody\n";
  Recording sink;
  std::optional<Limit> exceeded;
  auto errors = feed_through(sink, in, {}, small_limits(), &exceeded);
  ASSERT_EQ(errors.size(), 1u) << "only the first limit is reported";
  EXPECT_EQ(errors[0].offset, 18u);
  EXPECT_EQ(exceeded, Limit::fields);
  EXPECT_EQ(sink.raw_headers, (std::vector<std::string>{"A: 1\r\n", "B: 2\r\n", "C: 3\r\n"}));
  // D is longer than max_field_bytes: skipped, continuation line and all.
  EXPECT_EQ(sink.past_limit, (std::vector<std::string>{"From: a@example.com\r\n", "To: b@example.org\r\n"}));
  EXPECT_EQ(sink.ends_of_headers, 1);
  EXPECT_EQ(sink.body_text, "body\r\n");
}

// The same limits for header fields that arrive already split, as a milter gets them (counted as
// name ":" value CRLF); a field over max_field_bytes is not even built.
TEST(MailMessageLimits, PreSplitFieldsMeetTheSameLimits) {
  struct Step {
    std::string name, value;
    bool ok;
    std::size_t error_at = 0;
  };
  struct Case {
    const char* what;
    std::vector<Step> steps;
    std::optional<Limit> exceeded;
    std::size_t header_calls, past_limit_calls;
  };
  const std::string v27 = " " + std::string(27, 'v');  // "X:" + " vvv..." + CRLF = 32
  const Case cases[] = {
      {"field at max_field_bytes", {{"X", v27, true}}, std::nullopt, 1, 0},
      {"field one byte over", {{"A", " 1", true}, {"X", v27 + "v", false, 6 + 32}, {"From", " a@x", true}},
       Limit::field_bytes, 1, 1},
      {"max_fields", {{"A", " 1", true}, {"B", " 2", true}, {"C", " 3", true}, {"D", " 4", false, 18}, {"E", " 5", true}},
       Limit::fields, 3, 2},
      {"max_header_bytes at", {{"A", v27, true}, {"B", v27, true}}, std::nullopt, 2, 0},
      {"max_header_bytes over", {{"A", v27, true}, {"B", v27, true}, {"C", " 3", false, 64}, {"D", " 4", true}},
       Limit::header_bytes, 2, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Recording sink;
    MessageParser p(sink, small_limits());
    for (const auto& step : c.steps) {
      auto r = p.field(step.name, step.value);
      EXPECT_EQ(r.has_value(), step.ok) << step.name;
      if (!r) {
        EXPECT_EQ(r.error().code, Errc::limit);
        EXPECT_EQ(r.error().offset, step.error_at);
      }
    }
    ASSERT_TRUE(p.end_of_headers());
    ASSERT_TRUE(p.body("body\r\n"));
    ASSERT_TRUE(p.finish());
    EXPECT_EQ(p.exceeded(), c.exceeded);
    EXPECT_EQ(sink.raw_headers.size(), c.header_calls);
    EXPECT_EQ(sink.past_limit.size(), c.past_limit_calls);
    EXPECT_EQ(sink.body_text, "body\r\n");
  }
}

// --- the milter's path: fields, end of headers and body chunks given apart ---------------------

// What a milter is handed (libmilter xxfi_header/xxfi_eoh/xxfi_body) parses as the same bytes fed
// whole: the same fields, and the body in CRLF form however it is cut (RFC 6376 5.3).
TEST(MailMessageMilterPath, SplitFieldsAndBodyChunksGiveTheParseOfTheWholeMessage) {
  const std::string body = "line one\nline two \r\n\r\nbare\rcr\r\n\n";
  const std::string whole = "From: a@example.com\r\nSubject: folded\r\n\tline\r\n\r\n" + body;
  Recording fed = record(whole);
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    Recording sink;
    MessageParser p(sink);
    ASSERT_TRUE(p.field("From", " a@example.com"));
    ASSERT_TRUE(p.field("Subject", " folded\n\tline"));  // the MTA's LF form
    ASSERT_TRUE(p.end_of_headers());
    ASSERT_TRUE(p.body(std::string_view(body).substr(0, cut)));
    ASSERT_TRUE(p.body(std::string_view(body).substr(cut)));
    ASSERT_TRUE(p.finish());
    EXPECT_TRUE(sink == fed) << "cut at " << cut;
  }
}

TEST(MailMessageMilterPath, CallsOutOfOrderAreInvalidArguments) {
  Recording sink;
  MessageParser p(sink);
  auto early = p.body("x");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::invalid_argument);
  ASSERT_TRUE(p.field("A", " b"));
  ASSERT_TRUE(p.end_of_headers());
  auto late = p.field("C", " d");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::invalid_argument);
  auto twice = p.end_of_headers();
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, Errc::invalid_argument);
  EXPECT_TRUE(p.body("x"));
  EXPECT_TRUE(p.finish());
  EXPECT_EQ(sink.raw_headers, std::vector<std::string>{"A: b\r\n"});
  EXPECT_EQ(sink.body_text, "x");
}

}  // namespace
}  // namespace dnsauth::mail

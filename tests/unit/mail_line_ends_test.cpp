// Line ends as core/mail/line_ends.h converts them: RFC 6376 5.3 (a message in local LF form is
// made CRLF before signing or verifying) for a body streamed in chunks, with the guarantee the
// body hasher relies on (a CRLF never split across chunks, so a chunk-final CR is a bare CR,
// RFC 5322 2.3), clean chunks passed on without a copy; and CRLF text the core built, put back in
// a file's or an MTA's LF form.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/mail/line_ends.h"
#include "support/test_support.h"

namespace dnsauth::mail {
namespace {

std::string shown(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '\r' ? std::string("\\r") : c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

// Every chunk the normalizer emits, in order.
struct Emitted {
  std::vector<std::string> chunks;
  std::vector<const char*> data;  // where each emitted view pointed
  void operator()(std::string_view c) {
    chunks.emplace_back(c);
    data.push_back(c.data());
  }
  std::string joined() const {
    std::string all;
    for (const auto& c : chunks) all += c;
    return all;
  }
};

Emitted normalize(std::string_view in, std::vector<std::size_t> cuts) {
  BodyNormalizer n;
  Emitted out;
  std::size_t from = 0;
  cuts.push_back(in.size());
  for (std::size_t cut : cuts) {
    n.feed(in.substr(from, cut - from), [&](std::string_view c) { out(c); });
    from = cut;
  }
  n.finish([&](std::string_view c) { out(c); });
  return out;
}

// What the receiver may rely on: no empty chunk, and no CRLF whose CR ends one chunk and whose LF
// starts the next.
void expect_contract(const Emitted& e, const std::string& context) {
  for (std::size_t i = 0; i < e.chunks.size(); ++i) {
    EXPECT_FALSE(e.chunks[i].empty()) << context;
    if (i > 0 && !e.chunks[i].empty() && !e.chunks[i - 1].empty()) {
      EXPECT_FALSE(e.chunks[i - 1].back() == '\r' && e.chunks[i].front() == '\n')
          << "CRLF split between chunks " << i - 1 << " and " << i << ": " << context;
    }
  }
}

const std::vector<std::string>& inputs() {
  static const std::vector<std::string> all = {
      "line one\nline two\n\nend\n",        // LF only (a local file)
      "line one\r\nline two\r\n\r\nend\r\n",  // CRLF (the wire)
      "a\rb\r\rc\r",                          // bare CRs, one at the very end
      "mixed\r\nlf\nbare\rcr\r\n\n\r\r\n",    // all of them
      "\n\r\n\r\n\n",                         // line ends only
      "\r",
      "",
  };
  return all;
}

// RFC 6376 5.3 with the chunk boundary at every place, and at every pair of places: the same CRLF
// text, and never a CRLF split across two emitted chunks.
TEST(MailBodyNormalizer, EverySplitGivesTheCrlfFormAndNeverSplitsACrlf) {
  for (const auto& in : inputs()) {
    const std::string want = test::to_crlf(in);
    for (std::size_t a = 0; a <= in.size(); ++a) {
      for (std::size_t b = a; b <= in.size(); ++b) {
        const std::string context = "\"" + shown(in) + "\" cut at " + std::to_string(a) + "," + std::to_string(b);
        Emitted e = normalize(in, {a, b});
        EXPECT_EQ(shown(e.joined()), shown(want)) << context;
        expect_contract(e, context);
      }
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
    Emitted bytewise = normalize(in, every);
    EXPECT_EQ(shown(bytewise.joined()), shown(want)) << shown(in) << " byte by byte";
    expect_contract(bytewise, shown(in) + " byte by byte");
  }
}

// A chunk already in CRLF form (what an MTA hands a milter) is passed on where it lies.
TEST(MailBodyNormalizer, CleanChunksPassThroughWithoutACopy) {
  const std::string chunk = "Hello,\r\n\r\nbare\rcr is content\r\nend";
  BodyNormalizer n;
  Emitted e;
  n.feed(chunk, [&](std::string_view c) { e(c); });
  ASSERT_EQ(e.chunks.size(), 1u);
  EXPECT_EQ(e.data[0], chunk.data());
  EXPECT_EQ(e.chunks[0], chunk);

  // Its final CR waits for the next byte; the rest is still not copied.
  const std::string ends_in_cr = "line\r\nnext\r";
  e = {};
  n.feed(ends_in_cr, [&](std::string_view c) { e(c); });
  ASSERT_EQ(e.chunks.size(), 1u);
  EXPECT_EQ(e.data[0], ends_in_cr.data());
  EXPECT_EQ(e.chunks[0], "line\r\nnext");
  EXPECT_TRUE(n.holding_cr());

  // The LF that completes it: "\r\n" on its own, then the chunk after the LF, in place.
  const std::string starts_with_lf = "\nmore\r\n";
  e = {};
  n.feed(starts_with_lf, [&](std::string_view c) { e(c); });
  ASSERT_EQ(e.chunks.size(), 2u);
  EXPECT_EQ(e.chunks[0], "\r\n");
  EXPECT_EQ(e.chunks[1], "more\r\n");
  EXPECT_EQ(e.data[1], starts_with_lf.data() + 1);
  EXPECT_FALSE(n.holding_cr());
}

// RFC 5322 2.3: a CR not followed by LF is no line end; it stays a bare CR, emitted alone once
// the next byte shows it, or at finish().
TEST(MailBodyNormalizer, HeldCrNotFollowedByLfStaysABareCr) {
  BodyNormalizer n;
  Emitted e;
  auto emit = [&](std::string_view c) { e(c); };
  n.feed("a\r", emit);
  n.feed("b\r", emit);
  n.finish(emit);
  EXPECT_EQ(e.chunks, (std::vector<std::string>{"a", "\r", "b", "\r"}));
  EXPECT_FALSE(n.holding_cr());
}

// A chunk with a bare LF is the one case that is copied.
TEST(MailBodyNormalizer, BareLfChunkIsCopiedWithCrInserted) {
  BodyNormalizer n;
  Emitted e;
  const std::string chunk = "\nx\ny\r\n";
  n.feed(chunk, [&](std::string_view c) { e(c); });
  ASSERT_EQ(e.chunks.size(), 1u);
  EXPECT_NE(e.data[0], chunk.data());
  EXPECT_EQ(e.chunks[0], "\r\nx\r\ny\r\n");
}

// The scan goes a block of bytes at a time: a bare LF is found wherever it falls in a long chunk,
// at a block's first byte as well (its CR would be the last byte of the block before).
TEST(MailBodyNormalizer, BareLfFoundAtEveryPlaceOfALongChunk) {
  std::string clean;
  while (clean.size() < 300) clean += "abc\r\n";
  Emitted whole = normalize(clean, {});
  ASSERT_EQ(whole.chunks.size(), 1u);
  EXPECT_EQ(whole.data[0], clean.data());
  for (std::size_t i = 0; i < clean.size(); ++i) {
    if (clean[i] != '\r') continue;
    std::string one_bare = clean;
    one_bare.erase(i, 1);
    EXPECT_EQ(normalize(one_bare, {}).joined(), clean) << "bare LF at " << i;
  }
}

TEST(MailLineEnds, AppendCrlfFormMakesEveryBareLfCrlf) {
  for (const auto& in : inputs()) {
    std::string out = "kept:";
    append_crlf_form(out, in);
    EXPECT_EQ(shown(out), shown("kept:" + test::to_crlf(in)));
  }
}

// The offline signer writes its DKIM-Signature in the message's own form: judged by the first
// line end.
TEST(MailLineEnds, LineEndOfJudgesByTheFirstLineEnd) {
  EXPECT_EQ(line_end_of("From: a\r\nTo: b\n"), LineEnd::crlf);
  EXPECT_EQ(line_end_of("From: a\nTo: b\r\n"), LineEnd::lf);
  EXPECT_EQ(line_end_of("\n"), LineEnd::lf);
  EXPECT_EQ(line_end_of("no line end"), LineEnd::crlf);
  EXPECT_EQ(line_end_of(""), LineEnd::crlf);
}

// CRLF text the core built (folded header fields) in a file's or an MTA's form: each CRLF one
// LF, nothing else touched.
TEST(MailLineEnds, WithLineEndTurnsEachCrlfIntoTheLocalForm) {
  const std::string field = "DKIM-Signature: v=1;\r\n\ta=rsa-sha256; b=\r\n\tabc\r\n";
  EXPECT_EQ(with_line_end(field, LineEnd::lf), "DKIM-Signature: v=1;\n\ta=rsa-sha256; b=\n\tabc\n");
  EXPECT_EQ(with_line_end(field, LineEnd::crlf), field);
  EXPECT_EQ(shown(with_line_end("a\rb\nc\r\r\nd\r", LineEnd::lf)), shown("a\rb\nc\r\nd\r"));
  EXPECT_EQ(with_line_end("", LineEnd::lf), "");
}

}  // namespace
}  // namespace dnsauth::mail

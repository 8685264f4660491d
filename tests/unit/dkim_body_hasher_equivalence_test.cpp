// RFC 6376 3.4.3 and 3.4.4: the streaming BodyHasher (vector scan, spans hashed in place,
// state carried across chunks) against a reference canonicalizer written line by line from
// the RFC text, on edge cases and on random bodies split into random chunks. The canonical
// bytes, their SHA-256 and canonical_length() must agree, with and without l=. A body split
// anywhere goes split -> mail::BodyNormalizer -> hasher, as mail::MessageParser sends it, and
// must hash as the whole body made CRLF form (RFC 6376 5.3) does; fed straight to the hasher
// (one chunk, or cuts that never split a CRLF: the hasher's contract) bare CR and bare LF are
// content.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/canonicalize.h"
#include "support/streamed_body.h"
#include "support/test_support.h"

namespace dnsauth::dkim {
namespace {

// ---- the reference: whole body in memory, one line at a time -------------------------------

// The body's lines, split at CRLF. A final piece without CRLF is a line too (both algorithms
// add the missing CRLF); bare CR and bare LF are ordinary line content.
std::vector<std::string> lines_of(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t crlf = body.find("\r\n", start);
    if (crlf == std::string_view::npos) {
      lines.emplace_back(body.substr(start));
      break;
    }
    lines.emplace_back(body.substr(start, crlf - start));
    start = crlf + 2;
  }
  return lines;
}

bool wsp(char c) { return c == ' ' || c == '\t'; }

std::string reference(Canon canon, std::string_view body) {
  std::vector<std::string> lines = lines_of(body);
  if (canon == Canon::relaxed) {
    for (auto& line : lines) {
      // 3.4.4: "Ignore all whitespace at the end of lines" and "Reduce all sequences of WSP
      // within a line to a single SP character".
      while (!line.empty() && wsp(line.back())) line.pop_back();
      std::string reduced;
      for (std::size_t i = 0; i < line.size(); ++i) {
        if (wsp(line[i])) {
          if (i == 0 || !wsp(line[i - 1])) reduced += ' ';
        } else {
          reduced += line[i];
        }
      }
      line = reduced;
    }
  }
  // 3.4.3 and 3.4.4: "Ignore all empty lines at the end of the message body".
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& line : lines) out += line + "\r\n";
  // 3.4.3: "If there is no body or no trailing CRLF on the message body, a CRLF is added";
  // relaxed leaves an empty body empty (3.4.4 adds a CRLF only to a non-empty body).
  if (out.empty() && canon == Canon::simple) out = "\r\n";
  return out;
}

std::string sha256(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

// ---- driving the BodyHasher -------------------------------------------------------------------

struct Outcome {
  std::string tapped;  // the bytes hashed
  std::string digest;
  std::uint64_t length = 0;
};

// Feeds body in the pieces that `cuts` (sorted offsets) mark, through a normalizer or, when
// `direct`, straight to the hasher.
Outcome run(Canon canon, std::string_view body, const std::vector<std::size_t>& cuts, bool direct,
            std::optional<std::uint64_t> limit = std::nullopt) {
  Outcome o;
  test::StreamedBodyHasher streamed(canon, limit);
  BodyHasher& h = streamed.hasher();
  h.tap(&o.tapped);
  auto feed = [&](std::string_view piece) { direct ? h.update(piece) : streamed.update(piece); };
  std::size_t prev = 0;
  for (std::size_t c : cuts) {
    feed(body.substr(prev, c - prev));
    prev = c;
  }
  feed(body.substr(prev));
  o.digest = direct ? h.finish() : streamed.finish();
  o.length = h.canonical_length();
  return o;
}

// The cuts moved so that none falls between a CR and its LF: what the hasher may be given.
std::vector<std::size_t> within_contract(std::string_view body, std::vector<std::size_t> cuts) {
  for (auto& c : cuts)
    if (c > 0 && c < body.size() && body[c - 1] == '\r' && body[c] == '\n') ++c;
  return cuts;
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
  }
  return out;
}

// Checks one body fed in one piece, in the given pieces, and (when short) byte by byte: through
// the normalizer, and straight to the hasher with the cuts kept off CRLFs.
void expect_equivalent(Canon canon, std::string_view body, const std::vector<std::size_t>& cuts,
                       std::optional<std::uint64_t> limit = std::nullopt) {
  std::vector<std::vector<std::size_t>> splits = {{}, cuts};
  if (body.size() <= 300) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < body.size(); ++i) every.push_back(i);
    splits.push_back(every);
  }
  for (bool direct : {false, true}) {
    const std::string want = reference(canon, direct ? std::string(body) : test::to_crlf(body));
    const std::string hashed =
        limit ? want.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(*limit, want.size()))) : want;
    for (const auto& given : splits) {
      const std::vector<std::size_t> split = direct ? within_contract(body, given) : given;
      Outcome got = run(canon, body, split, direct, limit);
      std::string cut_list;
      for (auto c : split) cut_list += " " + std::to_string(c);
      SCOPED_TRACE("canon=" + std::string(to_string(canon)) + (direct ? " direct" : " normalized") + " body=\"" +
                   printable(body.substr(0, 400)) +
                   (body.size() > 400 ? "...\" (" + std::to_string(body.size()) + " bytes)" : "\"") +
                   " cuts:" + cut_list.substr(0, 200) + (limit ? " l=" + std::to_string(*limit) : std::string()));
      ASSERT_EQ(printable(got.tapped), printable(hashed));
      ASSERT_EQ(got.digest, sha256(hashed));
      ASSERT_EQ(got.length, want.size());
    }
  }
}

// ---- edge cases -------------------------------------------------------------------------------

TEST(BodyHasherEquivalence, EdgeCasesInEveryCanonAndSplit) {
  const std::vector<std::string> bodies = {
      "",
      "\r\n",
      "\r\n\r\n\r\n",
      "x",
      "x\r\n",
      " \t \r\n",
      "a  b\t\tc \t\r\n",
      "a \r\n\r\n \r\n\t\r\n",           // whitespace-only lines at the end are empty lines
      "\r\n\r\nx",                          // leading empty lines stay
      " C \r\nD \t E\r\n\r\n\r\n",          // RFC 6376 3.4.5
      "a\rb\nc\r\r\n",                      // bare CR and LF are content
      "a \rb",                              // WSP before a bare CR is inside the line
      "a \r",                               // ends in a bare CR
      "a\t\n",                              // WSP before a bare LF: inside the line (direct) or
                                            // at its end (made CRLF by the normalizer)
      "trailing  ",                         // no CRLF at the end, WSP before it
      std::string(100, '\n'),
      std::string(70, ' ') + "\r\n" + std::string(70, '\t') + "x",
      "x" + [] {
        std::string s;
        for (int i = 0; i < 100; ++i) s += "\r\n";  // more pending empty lines than one batch
        return s;
      }() + "y\r\n",
  };
  for (const auto& body : bodies) {
    std::vector<std::size_t> middle;
    if (body.size() > 1) middle.push_back(body.size() / 2);
    for (Canon c : {Canon::simple, Canon::relaxed}) expect_equivalent(c, body, middle);
  }
}

TEST(BodyHasherEquivalence, StateCarriedAcrossChunkEdges) {
  struct Case {
    std::vector<std::string> chunks;
  };
  const std::vector<Case> cases = {
      {{"a ", " b\r\n"}},         // one WSP run split in two: one SP
      {{"a \t", "\t", " ", "b"}},  // ... in several
      {{"a  ", "\r\n"}},          // a run that ends the line, found out in the next chunk
      {{"a \r", "\nb"}},          // CR | LF after WSP (the normalizer keeps them together)
      {{"a\r", "b"}},             // CR | not LF: the CR is content
      {{"a\r\n", "\r\n", "\r\n"}},  // trailing empty lines, one per chunk
      {{"a\r\n\r\n", " \r\n", "b"}},  // empty lines that turn out not to be trailing
      {{"  ", "  ", "x"}},        // leading whitespace, reduced to one SP
  };
  for (const auto& c : cases) {
    std::string body;
    std::vector<std::size_t> cuts;
    for (const auto& ch : c.chunks) {
      body += ch;
      cuts.push_back(body.size());
    }
    cuts.pop_back();
    for (Canon canon : {Canon::simple, Canon::relaxed}) expect_equivalent(canon, body, cuts);
  }
}

// ---- random bodies ----------------------------------------------------------------------------

// Bodies that stress different paths: whitespace and line ends packed together, text with
// long untouched spans (the vector scan), arbitrary bytes, and bodies past the hasher's
// 8 KB block.
std::string random_body(std::mt19937_64& rng, int kind, std::size_t len) {
  std::string b;
  while (b.size() < len) {
    unsigned r = static_cast<unsigned>(rng() % 100);
    switch (kind) {
      case 0: b += " \t\r\nab\xc3"[r % 7]; break;
      case 1:
        if (r < 2) b += "\r\n";
        else if (r < 3) b += "  ";
        else if (r < 4) b += '\t';
        else if (r < 16) b += ' ';
        else b += static_cast<char>('a' + r % 26);
        break;
      case 2: b += static_cast<char>(rng() & 0xff); break;
      default:
        if (r < 10) b += "\r\n";
        else if (r < 25) b += ' ';
        else if (r < 30) b += '\t';
        else if (r < 32) b += '\r';
        else if (r < 34) b += '\n';
        else b += 'x';
    }
  }
  b.resize(len);
  return b;
}

TEST(BodyHasherEquivalence, RandomBodiesInRandomChunks) {
  std::mt19937_64 rng(20260101);
  for (int i = 0; i < 4000; ++i) {
    int kind = static_cast<int>(rng() % 4);
    std::size_t len = i % 50 == 0 ? 8000 + rng() % 40000 : rng() % (i % 5 == 0 ? 2000 : 80);
    std::string body = random_body(rng, kind, len);
    std::vector<std::size_t> cuts;
    for (std::size_t n = rng() % 8; n > 0; --n) cuts.push_back(static_cast<std::size_t>(rng() % (body.size() + 1)));
    std::sort(cuts.begin(), cuts.end());
    for (Canon c : {Canon::simple, Canon::relaxed}) {
      std::optional<std::uint64_t> limit;
      if (rng() % 4 == 0) limit = rng() % (body.size() + 8);
      expect_equivalent(c, body, cuts, limit);
      if (HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace dnsauth::dkim

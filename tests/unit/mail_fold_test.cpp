// RFC 5322 2.1.1 (lines SHOULD be at most 78 characters) and 2.2.3 (folding: CRLF before
// WSP, and unfolding removes the CRLF) for the fields we write: mail::FieldFolder, which the
// DKIM-Signature, Received-SPF and Authentication-Results writers share.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/mail/fold.h"

namespace dnsauth::mail {
namespace {

std::vector<std::string> lines_of(const std::string& field) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t end = field.find("\r\n", start);
    lines.push_back(field.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) return lines;
    start = end + 2;
  }
}

// 2.2.3: "Unfolding is accomplished by simply removing any CRLF that is immediately followed
// by WSP."
std::string unfold(std::string s) {
  for (std::size_t p; (p = s.find("\r\n")) != std::string::npos;) s.erase(p, 2);
  return s;
}

TEST(MailFold, WordsShareALineUntilTheNextWouldPass78) {
  FieldFolder f("X-Test");
  std::string joined = "X-Test:";
  for (int i = 0; i < 30; ++i) {
    std::string w = "word" + std::to_string(i) + ";";
    f.word(w);
    joined += " " + w;
  }
  auto lines = lines_of(f.field());
  ASSERT_GT(lines.size(), 2u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 78u) << lines[i];
    if (i > 0) {
      EXPECT_EQ(lines[i].front(), '\t') << "continuation lines start with WSP";
    }
    // Folded only where the next word would not fit: the line and the next word pass 78.
    if (i + 1 < lines.size()) {
      std::string next_word = lines[i + 1].substr(1, lines[i + 1].find(' ') - 1);
      EXPECT_GT(lines[i].size() + 1 + next_word.size(), 78u) << lines[i];
    }
  }
  // Each fold stands where a space was: unfolded, the WSP of the fold is that space.
  std::string unfolded = unfold(f.field());
  std::replace(unfolded.begin(), unfolded.end(), '\t', ' ');
  EXPECT_EQ(unfolded, joined);
}

TEST(MailFold, ValueIsWhatFollowsTheColon) {
  FieldFolder f("DKIM-Signature");
  f.word("v=1;");
  f.word("a=rsa-sha256;");
  EXPECT_EQ(f.field(), "DKIM-Signature: v=1; a=rsa-sha256;");
  EXPECT_EQ(f.value(), " v=1; a=rsa-sha256;");
  EXPECT_EQ(f.column(), f.field().size());
}

TEST(MailFold, TheStyleChoosesTheContinuationWspAndItsWidth) {
  FieldFolder sp("Received-SPF", FoldStyle{.wsp = ' '});
  FieldFolder tab8("Authentication-Results", FoldStyle{.width = 78, .wsp = '\t', .wsp_columns = 8});
  for (FieldFolder* f : {&sp, &tab8}) {
    f->append(" x;");
    f->fold();
    f->append(std::string(69, 'a'));
    f->word("b");  // 1 + 69 + 1 + 1 = 72 characters fit; 8 + 69 + 2 = 79 columns do not
  }
  EXPECT_EQ(sp.field(), "Received-SPF: x;\r\n " + std::string(69, 'a') + " b");
  EXPECT_EQ(tab8.field(), "Authentication-Results: x;\r\n\t" + std::string(69, 'a') + "\r\n\tb");
  FieldFolder narrow("X", FoldStyle{.width = 10});
  narrow.word("aaaa");
  narrow.word("bbbb");
  EXPECT_EQ(narrow.field(), "X: aaaa\r\n\tbbbb");
}

// An item of a list goes right after its separator, or at the start of a new line.
TEST(MailFold, GluedItemsFoldAfterTheSeparator) {
  FieldFolder f("DKIM-Signature");
  f.word("h=from:");
  std::string list = "h=from:";
  for (int i = 0; i < 12; ++i) {
    std::string item = "header-name-" + std::to_string(i) + (i == 11 ? ";" : ":");
    f.glue(item);
    list += item;
  }
  for (const auto& line : lines_of(f.field())) EXPECT_LE(line.size(), 78u) << line;
  std::string unfolded = unfold(f.field());
  unfolded.erase(std::remove(unfolded.begin(), unfolded.end(), '\t'), unfolded.end());
  EXPECT_EQ(unfolded, "DKIM-Signature: " + list);
}

// RFC 6376 3.5: whitespace in b= and bh= is ignored, so base64 fills every line to 78.
TEST(MailFold, BreakableTextFillsLinesAndGoesOnWhereItStopped) {
  const std::string b64(200, 'Q');
  FieldFolder f("DKIM-Signature");
  f.word("v=1;");
  f.breakable("bh=", "AbCd;");  // fits on the line: kept whole after a space
  EXPECT_EQ(f.field(), "DKIM-Signature: v=1; bh=AbCd;");
  f.breakable("b=", "");
  const std::string before = f.field();
  f.fill(b64);
  ASSERT_EQ(f.field().substr(0, before.size()), before) << "fill goes on after what is there";
  auto lines = lines_of(f.field());
  ASSERT_EQ(lines.size(), 3u);  // 32 + 46, 1 + 77, 1 + 77
  EXPECT_EQ(lines[2].size(), 78u);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 78u) << lines[i];
  std::string unfolded = unfold(f.field());
  unfolded.erase(std::remove(unfolded.begin(), unfolded.end(), '\t'), unfolded.end());
  EXPECT_EQ(unfolded, "DKIM-Signature: v=1; bh=AbCd; b=" + b64);
}

TEST(MailFold, BreakableTextStartsOnANewLineWhenThatLineHoldsItWhole) {
  FieldFolder f("DKIM-Signature");
  f.word(std::string(50, 'x') + ";");
  f.breakable("bh=", std::string(44, 'A') + ";");
  EXPECT_EQ(f.field(), "DKIM-Signature: " + std::string(50, 'x') + ";\r\n\tbh=" + std::string(44, 'A') + ";");
  // Too long for any line: started right here when "b=" and 4 characters fit.
  FieldFolder g("DKIM-Signature");
  g.word(std::string(50, 'x') + ";");
  g.breakable("b=", std::string(100, 'B'));
  EXPECT_EQ(lines_of(g.field()).front(), "DKIM-Signature: " + std::string(50, 'x') + "; b=" + std::string(8, 'B'));
}

// 3.2.2 / 2.2.3: a fold never leaves a line of WSP alone, which would unfold to nothing.
TEST(MailFold, NoLineHoldsOnlyWsp) {
  FieldFolder f("Received-SPF", FoldStyle{.wsp = ' '});
  f.word(std::string(90, 'a'));  // longer than any line: a line of its own
  f.fold();
  f.fold();                      // the second finds an empty line: nothing
  f.word(std::string(90, 'b'));  // after the space that separates words
  EXPECT_EQ(f.field(), "Received-SPF:\r\n " + std::string(90, 'a') + "\r\n  " + std::string(90, 'b'));
  for (const auto& line : lines_of(f.field()))
    EXPECT_NE(line.find_first_not_of(" \t"), std::string::npos) << "a WSP-only line";
}

}  // namespace
}  // namespace dnsauth::mail

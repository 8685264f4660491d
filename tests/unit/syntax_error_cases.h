// Shared by the record parser tests (tls_rpt_record_test.cpp, bimi_record_test.cpp): a table
// of texts that do not parse, each with the byte its Errc::syntax error must point at.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace dnsauth::testcase {

struct SyntaxErrorCase {
  std::string text;
  std::size_t offset;
};

// parse(text) fails with Errc::syntax at the case's offset, for every case.
template <class Parse>
void expect_syntax_errors(Parse parse, const std::vector<SyntaxErrorCase>& cases) {
  for (const auto& c : cases) {
    auto r = parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, Errc::syntax) << c.text;
    EXPECT_EQ(r.error().offset, c.offset) << c.text << ": " << r.error().detail;
  }
}

}  // namespace dnsauth::testcase

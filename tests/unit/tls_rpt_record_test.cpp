// The SMTP TLS Reporting policy record (RFC 8460 3): the version, rua= with its URIs (mailto
// and https the schemes reporters use), extensions, and every error with its byte offset.
#include <gtest/gtest.h>

#include <string>

#include "core/tls_rpt/record.h"

#include "syntax_error_cases.h"

namespace dnsauth::tls_rpt {
namespace {

// RFC 8460 3.1.1 and 3.1.2, the example records.
TEST(TlsRptRecord, Rfc8460Section3_1Examples) {
  auto mail = parse_record("v=TLSRPTv1;rua=mailto:reports@example.com");
  ASSERT_TRUE(mail) << mail.error().message();
  ASSERT_EQ(mail->rua.size(), 1u);
  EXPECT_EQ(mail->rua[0].scheme, "mailto");
  EXPECT_EQ(mail->rua[0].offset, 15u);
  EXPECT_TRUE(mail->rua[0].supported());
  auto https = parse_record("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt");
  ASSERT_TRUE(https) << https.error().message();
  EXPECT_EQ(https->rua[0].text, "https://reporting.example.com/v1/tlsrpt");
  EXPECT_EQ(https->rua_offset, 12u);
}

// 3 tlsrpt-rua: URIs separated by *WSP "," *WSP; any URI parses, only mailto and https are
// used ("Two URI schemes are supported").
TEST(TlsRptRecord, Rfc8460Section3ListOfUrisAndTheirSchemes) {
  auto r = parse_record("v=TLSRPTv1; rua=mailto:a@example.com , HTTPS://r.example/x?a=b,ftp://r.example/; x-ext=1;");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->rua.size(), 3u);
  EXPECT_EQ(r->rua[1].scheme, "https");
  EXPECT_EQ(r->rua[1].offset, 39u);
  EXPECT_TRUE(r->rua[1].supported());
  EXPECT_EQ(r->rua[2].scheme, "ftp");
  EXPECT_FALSE(r->rua[2].supported());
  ASSERT_EQ(r->extensions.size(), 1u);
  EXPECT_EQ(r->extensions[0].name, "x-ext");
}

// 3: "records that do not begin with "v=TLSRPTv1;" are discarded".
TEST(TlsRptRecord, Rfc8460Section3IsTlsRptRecord) {
  EXPECT_TRUE(is_tlsrpt_record("v=TLSRPTv1; rua=mailto:a@example.com"));
  EXPECT_TRUE(is_tlsrpt_record("v=TLSRPTv1"));
  EXPECT_FALSE(is_tlsrpt_record("v=TLSRPTv10; rua=mailto:a@example.com"));
  EXPECT_FALSE(is_tlsrpt_record("v=tlsrptv1; rua=mailto:a@example.com"));
  EXPECT_FALSE(is_tlsrpt_record("rua=mailto:a@example.com; v=TLSRPTv1"));
}

TEST(TlsRptRecord, Rfc8460Section3ASecondRuaIsKeptAside) {
  auto r = parse_record("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->rua.size(), 1u);
  EXPECT_EQ(r->rua[0].text, "mailto:a@example.com");
  ASSERT_EQ(r->ignored.size(), 1u);
}

TEST(TlsRptRecord, Rfc8460Section3ErrorsPointAtTheByte) {
  testcase::expect_syntax_errors([](const std::string& t) { return parse_record(t); }, {
      {"", 0},
      {"v=TLSRPTv2; rua=mailto:a@example.com", 9},
      {"rua=mailto:a@example.com; v=TLSRPTv1", 0},
      {"v=TLSRPTv1", 10},                                      // rua is required
      {"v=TLSRPTv1; x=1", 15},
      {"v=TLSRPTv1; rua=", 16},                                // an empty URI
      {"v=TLSRPTv1; rua=mailto:a@example.com,", 37},
      {"v=TLSRPTv1; rua=reports@example.com", 23},             // no scheme: not a URI
      {"v=TLSRPTv1; rua=mailto:a@example.com!10m", 36},        // "!" must be encoded
      {"v=TLSRPTv1; rua=https://r.example/a b", 35},           // SP is no URI character
      {"v=TLSRPTv1; rua=https://r.example/%zz", 34},
      {"v=TLSRPTv1; rua=mailto:a@example.com; x y=1", 38},     // tlsrpt-ext-name
      {"v=TLSRPTv1; rua=mailto:a@example.com; x=\x01", 40},    // tlsrpt-ext-value
  });
}

}  // namespace
}  // namespace dnsauth::tls_rpt

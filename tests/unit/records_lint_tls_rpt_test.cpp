// The TLS-RPT lint rules (RFC 8460 3): the record at _smtp._tls.<domain>; every rule of the
// catalog with protocol "tls-rpt" has a triggering and a clean case; then the record-level
// offsets.
#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

const std::string kName = "_smtp._tls.example.com";
const std::string kRecord = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt";

Build tlsrpt(std::vector<std::string> records) {
  return with({}, [records](Scene& s) {
    s.options.expect_tls_rpt = true;
    for (const auto& r : records) s.dns.add_txt(kName, r);
  });
}

const std::vector<RuleCase> kCases = {
    {"tls-rpt-missing", tlsrpt({}), tlsrpt({kRecord}), kName, "no v=TLSRPTv1 record"},
    {"tls-rpt-syntax", tlsrpt({"v=TLSRPTv1; rua=tlsrpt@example.com"}), tlsrpt({kRecord}), kName},
    {"tls-rpt-multiple-records", tlsrpt({kRecord, "v=TLSRPTv1; rua=mailto:other@example.com"}),
     tlsrpt({kRecord, "v=spf1 -all"}), kName, "2 TLS-RPT records"},
    {"tls-rpt-uri-scheme", tlsrpt({"v=TLSRPTv1; rua=mailto:a@example.com,ftp://reports.example.com/"}),
     tlsrpt({kRecord}), kName, "the scheme ftp:"},
};

DNSAUTH_RULE_TESTS(TlsRptRule, kCases);

TEST(TlsRptRuleCatalog, EveryTlsRptRuleHasACase) { expect_catalog_covered("tls-rpt", kCases); }

// Published without the configuration expecting it: checked; neither: nothing said.
TEST(TlsRptLint, CheckedWhenExpectedOrPublished) {
  Report r = run(with({}, [](Scene& s) { s.dns.add_txt(kName, "v=TLSRPTv1"); }));
  EXPECT_NE(find(r, "tls-rpt-syntax"), nullptr) << describe(r);
  EXPECT_TRUE(run(tlsrpt({kRecord})).findings.empty());
}

TEST(TlsRptLint, RecordOffsets) {
  expect_offset("v=TLSRPTv1; rua=mailto:a@example.com,gopher://x.example/", RecordType::tls_rpt, "tls-rpt-uri-scheme", 37);
  expect_offset("v=TLSRPTv1; rua=mailto:a@example.com!10m", RecordType::tls_rpt, "tls-rpt-syntax", 36);
  expect_offset("v=TLSRPTv1", RecordType::tls_rpt, "tls-rpt-syntax", 10);
  EXPECT_TRUE(lint_record(kRecord, RecordType::tls_rpt).findings.empty());
}

}  // namespace
}  // namespace dnsauth::records

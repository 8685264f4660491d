// The DMARC aggregate report reader (core/dmarc_report/parser.h): RFC 7489 7.2 and Appendix C
// (no namespace or http://dmarc.org/dmarc-xml/0.1), the DMARCbis aggregate reporting schema
// (urn:ietf:params:xml:ns:dmarc-2.0, dmarc-xml-0.2.xsd) and the interim dmarc.org 0.2
// namespace; real receivers' reports (mail-auth's samples with their expected parses,
// OpenDMARC's 2012 reports); and hostile documents: DTDs, entity bombs, deep nesting, huge
// values, too many records, bytes that are not UTF-8, every required element left out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/dmarc_report/parser.h"
#include "support/test_support.h"

namespace dnsauth::dmarc_report {
namespace {

std::string data(const std::string& path) { return test::read_file(test::conformance_dir() / "dmarc" / path); }

// text with `from` (which must be there) replaced by `to`, once.
std::string with(std::string text, std::string_view from, std::string_view to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no '" << from << "' in the test document";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A small RFC 7489 Appendix C report with every element the model keeps, two records.
const std::string kReport = R"(<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>Receiver Example</org_name>
    <email>dmarc@receiver.example</email>
    <extra_contact_info>https://receiver.example/dmarc</extra_contact_info>
    <report_id>r-1</report_id>
    <date_range>
      <begin>1700000000</begin>
      <end>1700086399</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain>
    <adkim>r</adkim>
    <aspf>s</aspf>
    <p>reject</p>
    <sp>quarantine</sp>
    <pct>50</pct>
    <fo>1:d</fo>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.1</source_ip>
      <count>7</count>
      <policy_evaluated>
        <disposition>none</disposition>
        <dkim>pass</dkim>
        <spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <selector>s1</selector>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>bounce.example.com</domain>
        <scope>mfrom</scope>
        <result>pass</result>
      </spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>2001:db8::25</source_ip>
      <count>3</count>
      <policy_evaluated>
        <disposition>reject</disposition>
        <dkim>fail</dkim>
        <spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <spf>
        <domain>example.com</domain>
        <result>fail</result>
      </spf>
    </auth_results>
  </record>
</feedback>
)";

// What a visitor saw, in order: "header", then one entry per record.
class Recorder : public Visitor {
 public:
  bool header(const Header& h) override {
    calls.push_back("header");
    header_seen = h;
    return header_answer;
  }
  bool record(const Record& r) override {
    calls.push_back("record " + std::string(r.source_ip));
    records.push_back(r);
    return records.size() < stop_after;
  }

  bool header_answer = true;
  std::size_t stop_after = SIZE_MAX;
  std::vector<std::string> calls;
  Header header_seen;
  std::vector<Record> records;
};

Error parse_error(std::string xml, ParseLimits limits = {}) {
  auto r = parse_report(std::move(xml), limits);
  EXPECT_FALSE(r) << "parsed, but an error was expected";
  return r ? Error{} : r.error();
}

// --- mail-auth's expected parses (stalwart-mail-auth/dmarc-feedback/NNN.json) ---------------
// mail-auth names enumerated values as Rust variants ("Quarantine", "MailFrom") and writes an
// absent value as "Unspecified" or null; the model keeps the lowercase text as sent and ""
// for absent. These maps translate the model into mail-auth's words; a value outside a map is
// a test failure, so nothing is compared by accident.
std::string variant(const std::map<std::string, std::string>& names, std::string_view value, const char* what) {
  auto it = names.find(std::string(value));
  if (it == names.end()) {
    ADD_FAILURE() << what << ": no mail-auth name for '" << value << "'";
    return "?";
  }
  return it->second;
}

const std::map<std::string, std::string> kAlignment = {{"", "Unspecified"}, {"r", "Relaxed"}, {"s", "Strict"}};
const std::map<std::string, std::string> kPolicy = {
    {"", "Unspecified"}, {"none", "None"}, {"quarantine", "Quarantine"}, {"reject", "Reject"}};
const std::map<std::string, std::string> kDisposition = {
    {"", "Unspecified"}, {"none", "None"}, {"pass", "Pass"}, {"quarantine", "Quarantine"}, {"reject", "Reject"}};
const std::map<std::string, std::string> kAligned = {{"", "Unspecified"}, {"pass", "Pass"}, {"fail", "Fail"}};
const std::map<std::string, std::string> kDkimResult = {
    {"none", "None"}, {"pass", "Pass"}, {"fail", "Fail"}, {"policy", "Policy"},
    {"neutral", "Neutral"}, {"temperror", "TempError"}, {"permerror", "PermError"}};
const std::map<std::string, std::string> kSpfResult = {
    {"none", "None"}, {"pass", "Pass"}, {"fail", "Fail"}, {"softfail", "SoftFail"},
    {"neutral", "Neutral"}, {"temperror", "TempError"}, {"permerror", "PermError"}};
const std::map<std::string, std::string> kScope = {{"", "Unspecified"}, {"helo", "Helo"}, {"mfrom", "MailFrom"}};
const std::map<std::string, std::string> kDiscovery = {{"", "Unspecified"}, {"psl", "Psl"}, {"treewalk", "Treewalk"}};
// mail-auth keeps the DMARCbis PolicyOverrideType enumeration (dmarc-xml-0.2.xsd: local_policy,
// mailing_list, other, policy_test_mode, trusted_forwarder) and reads any other value, such as
// RFC 7489's sampled_out, as Other (its test dmarc_report_rfc7489_backwards_compat); the model
// keeps "sampled_out" as sent.
std::string override_variant(std::string_view type) {
  static const std::map<std::string, std::string> names = {
      {"local_policy", "LocalPolicy"}, {"mailing_list", "MailingList"}, {"other", "Other"},
      {"policy_test_mode", "PolicyTestMode"}, {"trusted_forwarder", "TrustedForwarder"}};
  auto it = names.find(std::string(type));
  return it == names.end() ? "Other" : it->second;
}

nlohmann::json text_or_null(std::string_view s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

// The whole parsed report in mail-auth's JSON shape, every field of the model.
nlohmann::json as_mail_auth_json(const Report& report) {
  const Header& h = report.header;
  nlohmann::json j;
  j["version"] = h.version.empty() ? 0.0 : std::stod(std::string(h.version));
  j["report_metadata"] = {{"org_name", h.org_name}, {"email", h.email},
                          {"extra_contact_info", text_or_null(h.extra_contact_info)},
                          {"report_id", h.report_id}, {"date_range", {{"begin", h.begin}, {"end", h.end}}},
                          {"error", h.errors}, {"generator", text_or_null(h.generator)}};
  j["policy_published"] = {{"domain", h.domain}, {"version_published", nullptr},
                           {"adkim", variant(kAlignment, h.adkim, "adkim")},
                           {"aspf", variant(kAlignment, h.aspf, "aspf")}, {"p", variant(kPolicy, h.p, "p")},
                           {"sp", variant(kPolicy, h.sp, "sp")}, {"np", variant(kPolicy, h.np, "np")},
                           {"testing", h.testing == "y"},
                           {"discovery_method", variant(kDiscovery, h.discovery_method, "discovery_method")},
                           {"fo", text_or_null(h.fo)}};
  j["record"] = nlohmann::json::array();
  for (const Record& r : report.records) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& reason : r.reasons)
      reasons.push_back({{"type_", override_variant(reason.type)}, {"comment", text_or_null(reason.comment)}});
    nlohmann::json dkim = nlohmann::json::array();
    for (const auto& d : r.dkim_results)
      dkim.push_back({{"domain", d.domain}, {"selector", d.selector},
                      {"result", variant(kDkimResult, d.result, "dkim result")},
                      {"human_result", text_or_null(d.human_result)}});
    nlohmann::json spf = nlohmann::json::array();
    for (const auto& s : r.spf_results)
      spf.push_back({{"domain", s.domain}, {"scope", variant(kScope, s.scope, "scope")},
                     {"result", variant(kSpfResult, s.result, "spf result")},
                     {"human_result", text_or_null(s.human_result)}});
    j["record"].push_back(
        {{"row", {{"source_ip", r.source_ip}, {"count", r.count},
                  {"policy_evaluated", {{"disposition", variant(kDisposition, r.disposition, "disposition")},
                                        {"dkim", variant(kAligned, r.dkim, "dkim")},
                                        {"spf", variant(kAligned, r.spf, "spf")},
                                        {"reason", reasons}}}}},
         {"identifiers", {{"envelope_to", text_or_null(r.envelope_to)}, {"envelope_from", r.envelope_from},
                          {"header_from", r.header_from}}},
         {"auth_results", {{"dkim", dkim}, {"spf", spf}}}});
  }
  return j;
}

// The expected parse, adjusted where mail-auth's model differs from ours (each one said):
nlohmann::json as_compared(nlohmann::json expected, nlohmann::json& ours) {
  // - <extension> content is skipped by design (parser.h); mail-auth keeps the extensions'
  //   names. They are checked to be there, then left out.
  EXPECT_TRUE(expected.contains("extensions"));
  expected.erase("extensions");
  for (auto& record : expected["record"]) {
    EXPECT_TRUE(record.contains("extensions"));
    record.erase("extensions");
  }
  // - mail-auth's older expected files (001-003) predate DMARCbis np, discovery_method and
  //   generator: where the file has no such key, ours must be the absent value.
  auto absent = [&](nlohmann::json& object, nlohmann::json& mine, const char* key, const nlohmann::json& none) {
    if (object.contains(key)) return;
    EXPECT_EQ(mine[key], none) << key;
    mine.erase(key);
  };
  absent(expected["policy_published"], ours["policy_published"], "np", "Unspecified");
  absent(expected["policy_published"], ours["policy_published"], "discovery_method", "Unspecified");
  absent(expected["report_metadata"], ours["report_metadata"], "generator", nullptr);
  return expected;
}

// RFC 7489 Appendix C and DMARCbis samples as mail-auth reads them: 001 the DMARCbis draft's
// sample without a namespace (version 2.0, unknown elements, extensions), 002 google.com,
// 003 Fastmail (reasons, several DKIM results, tab indentation), 004 the DMARCbis namespace,
// 005 a legacy reporter (pct, sampled_out). Every field of both sides is compared.
TEST(DmarcReportParser, MailAuthSamplesMatchTheirExpectedParseFieldByField) {
  // pct is not in mail-auth's model: the XML's value, per file.
  const std::map<std::string, std::optional<int>> pct = {
      {"001", std::nullopt}, {"002", 100}, {"003", 100}, {"004", std::nullopt}, {"005", 100}};
  for (const auto& [name, expected_pct] : pct) {
    SCOPED_TRACE(name);
    auto report = parse_report(data("stalwart-mail-auth/dmarc-feedback/" + name + ".xml"));
    ASSERT_TRUE(report) << report.error().message();
    nlohmann::json ours = as_mail_auth_json(*report);
    nlohmann::json expected = as_compared(
        nlohmann::json::parse(data("stalwart-mail-auth/dmarc-feedback/" + name + ".json")), ours);
    EXPECT_EQ(ours, expected) << nlohmann::json::diff(expected, ours).dump(1);
    EXPECT_EQ(report->header.pct, expected_pct);
    EXPECT_EQ(report->header.schema, name == "004" ? Schema::dmarcbis : Schema::rfc7489);
  }
}

// --- the DMARCbis draft's samples (ietf-wg-dmarc) ------------------------------------------

// DMARCbis aggregate reporting, the draft's sample (dmarc-xml-0.2.xml): the 2.0 namespace,
// <generator>, np, testing, discovery_method, and the disposition "pass" DMARCbis adds.
TEST(DmarcReportParser, DmarcbisSampleReport) {
  auto report = parse_report(data("ietf-wg-dmarc/dmarc-xml-0.2.xml"));
  ASSERT_TRUE(report) << report.error().message();
  const Header& h = report->header;
  EXPECT_EQ(h.schema, Schema::dmarcbis);
  EXPECT_EQ(to_string(h.schema), "dmarcbis");
  EXPECT_EQ(h.version, "1.0");
  EXPECT_EQ(h.org_name, "Sample Reporter");
  EXPECT_EQ(h.email, "report_sender@example-reporter.com");
  EXPECT_EQ(h.extra_contact_info, "...");
  EXPECT_EQ(h.report_id, "3v98abbp8ya9n3va8yr8oa3ya");
  EXPECT_EQ(h.begin, 302832000);
  EXPECT_EQ(h.end, 302918399);
  EXPECT_EQ(h.generator, "Example DMARC Aggregate Reporter v1.2");
  EXPECT_TRUE(h.errors.empty());
  EXPECT_EQ(h.domain, "example.com");
  EXPECT_EQ(h.p, "quarantine");
  EXPECT_EQ(h.sp, "none");
  EXPECT_EQ(h.np, "none");
  EXPECT_EQ(h.testing, "n");
  EXPECT_EQ(h.discovery_method, "treewalk");
  EXPECT_EQ(h.adkim, "");
  EXPECT_FALSE(h.pct.has_value());
  ASSERT_EQ(report->records.size(), 1u);
  const Record& r = report->records[0];
  EXPECT_EQ(r.source_ip, "192.0.2.123");
  EXPECT_EQ(r.count, 123u);
  EXPECT_EQ(r.disposition, "pass");
  EXPECT_EQ(r.dkim, "pass");
  EXPECT_EQ(r.spf, "fail");
  EXPECT_TRUE(r.dmarc_pass());
  EXPECT_EQ(r.envelope_from, "example.com");
  EXPECT_EQ(r.header_from, "example.com");
  ASSERT_EQ(r.dkim_results.size(), 1u);
  EXPECT_EQ(r.dkim_results[0].domain, "example.com");
  EXPECT_EQ(r.dkim_results[0].selector, "abc123");
  EXPECT_EQ(r.dkim_results[0].result, "pass");
  ASSERT_EQ(r.spf_results.size(), 1u);
  EXPECT_EQ(r.spf_results[0].domain, "example.com");
  EXPECT_EQ(r.spf_results[0].scope, "");
  EXPECT_EQ(r.spf_results[0].result, "fail");
}

// The draft's extensibility sample (dmarc-xmlalt-0.2.xml): the dmarc.org 0.2 namespace, an
// <extension> between policy_published and the records, an unknown <added> in the record.
// DMARCbis: unknown elements are skipped.
TEST(DmarcReportParser, DmarcOrg02SampleWithExtensionsAndUnknownElements) {
  auto report = parse_report(data("ietf-wg-dmarc/dmarc-xmlalt-0.2.xml"));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->header.schema, Schema::dmarc_org_0_2);
  EXPECT_EQ(to_string(report->header.schema), "dmarc.org-0.2");
  EXPECT_EQ(report->header.version, "2.0");
  EXPECT_EQ(report->header.begin, 161212415);
  EXPECT_EQ(report->header.end, 161221511);
  EXPECT_EQ(report->header.p, "quarantine");
  EXPECT_EQ(report->header.testing, "n");
  ASSERT_EQ(report->records.size(), 1u);
  const Record& r = report->records[0];
  EXPECT_EQ(r.source_ip, "192.0.2.123");
  EXPECT_EQ(r.count, 123u);
  EXPECT_EQ(r.disposition, "quarantine");
  EXPECT_EQ(r.envelope_from, "example.com");
  ASSERT_EQ(r.dkim_results.size(), 1u);
  EXPECT_EQ(r.dkim_results[0].selector, "abc123");
  ASSERT_EQ(r.spf_results.size(), 1u);
  EXPECT_EQ(r.spf_results[0].result, "fail");
}

// --- OpenDMARC's 2012 reports ---------------------------------------------------------------

struct RealReport {
  const char* file;
  const char* org_name;
};

// The number of records, the sum of their counts and the number of <auth_results><dkim>
// entries, counted in the text itself (not by the parser), against what the visitor was given.
TEST(DmarcReportParser, OpenDmarcReportsRecordsAndCountsAgreeWithTheText) {
  for (RealReport report : {RealReport{"good.com_example.com_1337270400_1337356799.xml", "126.com"},
                            RealReport{"yeah.net_example.com_1337270400_1337356799.20120518.xml", "yeah.net"},
                            RealReport{"163.com_example.com_1337270400_1337356799.20120518163.xml", "163.com"}}) {
    SCOPED_TRACE(report.file);
    std::string text = data(std::string("opendmarc-aggregate-reports/") + report.file);
    std::size_t records = occurrences(text, "<record>");
    std::uint64_t sum = 0;
    for (std::size_t at = text.find("<count>"); at != std::string::npos; at = text.find("<count>", at + 1))
      sum += std::stoull(text.substr(at + 7, text.find("</count>", at) - at - 7));
    std::size_t dkim_entries = occurrences(text, "<dkim>\n");  // auth_results' <dkim> has children
    // Some header_from values are "pages.example.com, example.com" (kept as sent).
    std::size_t plain_from = occurrences(text, "<header_from>example.com</header_from>");

    Recorder seen;
    Parser parser;
    auto stats = parser.parse(text, seen);
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->records, records);
    EXPECT_FALSE(stats->stopped);
    ASSERT_EQ(seen.records.size(), records);
    std::uint64_t counted = 0;
    std::size_t dkims = 0, from = 0;
    for (const Record& r : seen.records) {
      counted += r.count;
      dkims += r.dkim_results.size();
      from += r.header_from == "example.com";
    }
    EXPECT_EQ(counted, sum);
    EXPECT_EQ(dkims, dkim_entries);
    EXPECT_EQ(from, plain_from);
    // <begin>1337270400.0</begin>: these reports write the seconds with a fraction of zero.
    EXPECT_EQ(seen.header_seen.begin, 1337270400);
    EXPECT_EQ(seen.header_seen.end, 1337356799);
    EXPECT_EQ(seen.header_seen.org_name, report.org_name);
    EXPECT_EQ(seen.header_seen.p, "reject");
    EXPECT_EQ(seen.header_seen.pct, 100);
  }
}

TEST(DmarcReportParser, OpenDmarcGoodComSpotValues) {
  auto report = parse_report(data("opendmarc-aggregate-reports/good.com_example.com_1337270400_1337356799.xml"));
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->records.size(), 754u);
  EXPECT_EQ(report->header.report_id, "aggr_report_example.com_20120518_126.com");
  const Record& first = report->records.front();
  EXPECT_EQ(first.source_ip, "116.233.121.204");
  EXPECT_EQ(first.count, 27u);
  EXPECT_EQ(first.disposition, "reject");
  EXPECT_FALSE(first.dmarc_pass());
  EXPECT_TRUE(first.dkim_results.empty());
  ASSERT_EQ(first.spf_results.size(), 1u);
  EXPECT_EQ(first.spf_results[0].result, "fail");
  const Record& second = report->records[1];
  ASSERT_EQ(second.dkim_results.size(), 1u);
  EXPECT_EQ(second.dkim_results[0].result, "neutral");
  EXPECT_EQ(second.dkim_results[0].human_result, "sigature verify error: message body does not hash to bh value");
  const Record& last = report->records.back();
  EXPECT_EQ(last.source_ip, "202.65.196.163");
  EXPECT_EQ(last.count, 8u);
  EXPECT_EQ(last.disposition, "none");
  EXPECT_TRUE(last.dmarc_pass());
  EXPECT_EQ(last.dkim_results[0].human_result, "verify result: all signatures verified");
}

// bad.com (AOL, declared windows-1252) is not well-formed: "<header_from>example.com<foo
// </header_from>" on its line 6. The error points into that line, at the broken tag.
TEST(DmarcReportParser, OpenDmarcBadComIsRefusedAtTheBrokenTag) {
  std::string text = data("opendmarc-aggregate-reports/bad.com_example.com_1337140800_1337227200.xml");
  std::size_t foo = text.find("<foo");
  ASSERT_NE(foo, std::string::npos);
  Error e = parse_error(text);
  EXPECT_EQ(e.code, Errc::syntax);
  EXPECT_NE(e.detail.find("not well-formed XML"), std::string::npos) << e.detail;
  ASSERT_NE(e.offset, Error::no_offset);
  EXPECT_GE(e.offset, foo);
  EXPECT_LE(e.offset, foo + 6);  // in "<foo</": pugixml stops at the end tag that does not match
  EXPECT_EQ(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(e.offset), '\n'), 5);
}

// --- the visitor --------------------------------------------------------------------------

// parser.h: the header once, before the first record, then every record in document order.
TEST(DmarcReportParser, VisitorSeesTheHeaderThenEveryRecordInOrder) {
  std::string xml = kReport;
  Recorder seen;
  Parser parser;
  auto stats = parser.parse(xml, seen);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(seen.calls, (std::vector<std::string>{"header", "record 192.0.2.1", "record 2001:db8::25"}));
  EXPECT_EQ(stats->records, 2u);
  EXPECT_FALSE(stats->stopped);
  const Header& h = seen.header_seen;
  EXPECT_EQ(h.schema, Schema::rfc7489);
  EXPECT_EQ(h.version, "");
  EXPECT_EQ(h.org_name, "Receiver Example");
  EXPECT_EQ(h.email, "dmarc@receiver.example");
  EXPECT_EQ(h.extra_contact_info, "https://receiver.example/dmarc");
  EXPECT_EQ(h.report_id, "r-1");
  EXPECT_EQ(h.begin, 1700000000);
  EXPECT_EQ(h.end, 1700086399);
  EXPECT_EQ(h.domain, "example.com");
  EXPECT_EQ(h.adkim, "r");
  EXPECT_EQ(h.aspf, "s");
  EXPECT_EQ(h.p, "reject");
  EXPECT_EQ(h.sp, "quarantine");
  EXPECT_EQ(h.np, "");
  EXPECT_EQ(h.pct, 50);
  EXPECT_EQ(h.fo, "1:d");
  const Record& r = seen.records[0];
  EXPECT_EQ(r.count, 7u);
  EXPECT_EQ(r.spf_results[0].domain, "bounce.example.com");
  EXPECT_EQ(r.spf_results[0].scope, "mfrom");
  EXPECT_EQ(r.dkim_results[0].selector, "s1");
  EXPECT_TRUE(r.dmarc_pass());
  EXPECT_EQ(seen.records[1].disposition, "reject");
}

// A duplicate report: the store answers false to the header, and no record is read.
TEST(DmarcReportParser, VisitorStoppingAtTheHeaderSeesNoRecord) {
  std::string xml = kReport;
  Recorder seen;
  seen.header_answer = false;
  Parser parser;
  auto stats = parser.parse(xml, seen);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_TRUE(stats->stopped);
  EXPECT_EQ(stats->records, 0u);
  EXPECT_EQ(seen.calls, std::vector<std::string>{"header"});
}

TEST(DmarcReportParser, VisitorStoppingAtARecordEndsTheParse) {
  std::string xml = kReport;
  Recorder seen;
  seen.stop_after = 1;
  Parser parser;
  auto stats = parser.parse(xml, seen);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_TRUE(stats->stopped);
  EXPECT_EQ(stats->records, 1u);
  EXPECT_EQ(seen.calls, (std::vector<std::string>{"header", "record 192.0.2.1"}));
}

// A report without records (a receiver that saw no mail still reports) has a header.
TEST(DmarcReportParser, ReportWithoutRecordsStillHasItsHeader) {
  std::string xml = kReport.substr(0, kReport.find("  <record>")) + "</feedback>";
  Recorder seen;
  Parser parser;
  auto stats = parser.parse(xml, seen);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->records, 0u);
  EXPECT_EQ(seen.calls, std::vector<std::string>{"header"});
  EXPECT_EQ(seen.header_seen.report_id, "r-1");
}

// RFC 7489 C orders report_metadata and policy_published before the records. A document that
// puts them after a record still gives the visitor its header first: the tree is whole before
// the walk begins.
TEST(DmarcReportParser, HeaderElementsAfterARecordStillComeFirst) {
  std::size_t records = kReport.find("  <record>");
  std::size_t end = kReport.find("</feedback>");
  std::string xml = "<feedback>\n" + kReport.substr(records, end - records) +
                    kReport.substr(kReport.find("  <report_metadata>"), records - kReport.find("  <report_metadata>")) +
                    "</feedback>";
  Recorder seen;
  Parser parser;
  auto stats = parser.parse(xml, seen);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(seen.calls, (std::vector<std::string>{"header", "record 192.0.2.1", "record 2001:db8::25"}));
  EXPECT_EQ(seen.header_seen.org_name, "Receiver Example");
}

// One Parser reused for several documents (parser.h): nothing of one document leaks into the
// next, and a record with fewer auth results than the one before it has only its own.
TEST(DmarcReportParser, ParserReusedAcrossDocumentsAndRecords) {
  std::string two_dkim = with(kReport, "      <spf>\n        <domain>bounce",
                              "      <dkim><domain>other.example</domain><result>fail</result></dkim>\n"
                              "      <spf>\n        <domain>bounce");
  Parser parser;
  for (int round = 0; round < 3; ++round) {
    std::string xml = two_dkim;
    Recorder seen;
    auto stats = parser.parse(xml, seen);
    ASSERT_TRUE(stats) << stats.error().message();
    ASSERT_EQ(seen.records.size(), 2u);
    ASSERT_EQ(seen.records[0].dkim_results.size(), 2u);
    EXPECT_EQ(seen.records[0].dkim_results[1].domain, "other.example");
    EXPECT_EQ(seen.records[0].dkim_results[1].selector, "");
    EXPECT_TRUE(seen.records[1].dkim_results.empty());
    ASSERT_EQ(seen.records[1].spf_results.size(), 1u);
    EXPECT_EQ(seen.records[1].spf_results[0].scope, "");
    EXPECT_EQ(seen.records[1].spf_results[0].domain, "example.com");
    // A failing document in between leaves the parser usable.
    std::string bad = "<feedback>";
    EXPECT_FALSE(parser.parse(bad, seen));
  }
}

// --- values --------------------------------------------------------------------------------

// Enumerated values (RFC 7489 C's xs:enumeration types) are trimmed and lowercased, and a
// value outside the enumeration is kept as sent; domain names are lowercased (RFC 4343).
TEST(DmarcReportParser, EnumeratedValuesAndDomainsAreTrimmedAndLowercased) {
  std::string xml = with(kReport, "<disposition>none</disposition>", "<disposition>\n  Quarantine \n</disposition>");
  xml = with(xml, "<p>reject</p>", "<p> REJECT</p>");
  xml = with(xml, "<header_from>example.com</header_from>", "<header_from> Mail.EXAMPLE.com </header_from>");
  xml = with(xml, "<scope>mfrom</scope>", "<scope>MailFrom-ish</scope>");
  xml = with(xml, "<selector>s1</selector>", "<selector>Sel-1</selector>");
  xml = with(xml, "<org_name>Receiver Example</org_name>", "<org_name>  Receiver Example\t</org_name>");
  auto report = parse_report(xml);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->records[0].disposition, "quarantine");
  EXPECT_EQ(report->header.p, "reject");
  EXPECT_EQ(report->records[0].header_from, "mail.example.com");
  EXPECT_EQ(report->records[0].spf_results[0].scope, "mailfrom-ish");
  EXPECT_EQ(report->records[0].dkim_results[0].selector, "Sel-1");  // not an enumeration: as sent
  EXPECT_EQ(report->header.org_name, "Receiver Example");
}

// RFC 7489 C "IPAddress" says which address, not how it is spelled: an IPv6 source is kept in
// RFC 5952's form (lowercase, the longest run of zeros compressed) and an IPv4-mapped one as
// IPv4, so that the records of receivers that spell one sender differently add up. A dotted
// quad has one spelling already (no leading zeros) and is kept as it is.
TEST(DmarcReportParser, SourceIpIsOneTextPerAddress) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"2001:DB8:0:0::25", "2001:db8::25"},
      {"2001:0db8:0000:0000:0000:0000:0000:0025", "2001:db8::25"},
      {" 2001:db8::25\n", "2001:db8::25"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"::ffff:192.0.2.7", "192.0.2.7"},
      {"::FFFF:c000:0207", "192.0.2.7"},
      {"2001:db8::25", "2001:db8::25"},
      {"192.0.2.1", "192.0.2.1"},
  };
  for (const auto& [sent, kept] : cases) {
    std::string xml = with(kReport, "<source_ip>2001:db8::25</source_ip>", "<source_ip>" + sent + "</source_ip>");
    auto report = parse_report(xml);
    ASSERT_TRUE(report) << sent << ": " << report.error().message();
    ASSERT_EQ(report->records.size(), 2u);
    EXPECT_EQ(report->records[1].source_ip, kept) << sent;
  }
}

// RFC 7489 C: <reason> and <error> repeat; auth_results' <dkim> and <spf> are kept in order.
TEST(DmarcReportParser, RepeatedReasonsErrorsAndAuthResultsKeptInOrder) {
  std::string xml = with(kReport, "</date_range>",
                         "</date_range>\n    <error>first problem</error>\n    <error>second problem</error>");
  xml = with(xml, "<spf>fail</spf>\n      </policy_evaluated>",
             "<spf>fail</spf>\n<reason><type>forwarded</type></reason>"
             "<reason><type>local_policy</type><comment>arc</comment></reason>\n      </policy_evaluated>");
  xml = with(xml, "</dkim>\n      <spf>",
             "</dkim>\n<dkim><domain>b.example</domain><selector>s2</selector><result>fail</result>"
             "<human_result>bad sig</human_result></dkim>\n      <spf>");
  xml = with(xml, "</spf>\n    </auth_results>",
             "</spf>\n<spf><domain>helo.example</domain><scope>helo</scope><result>softfail</result></spf>"
             "\n    </auth_results>");
  auto report = parse_report(xml);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->header.errors, (std::vector<std::string_view>{"first problem", "second problem"}));
  const Record& r = report->records[0];
  ASSERT_EQ(r.reasons.size(), 2u);
  EXPECT_EQ(r.reasons[0].type, "forwarded");
  EXPECT_EQ(r.reasons[0].comment, "");
  EXPECT_EQ(r.reasons[1].type, "local_policy");
  EXPECT_EQ(r.reasons[1].comment, "arc");
  ASSERT_EQ(r.dkim_results.size(), 2u);
  EXPECT_EQ(r.dkim_results[0].domain, "example.com");
  EXPECT_EQ(r.dkim_results[1].domain, "b.example");
  EXPECT_EQ(r.dkim_results[1].human_result, "bad sig");
  ASSERT_EQ(r.spf_results.size(), 2u);
  EXPECT_EQ(r.spf_results[0].domain, "bounce.example.com");
  EXPECT_EQ(r.spf_results[1].domain, "helo.example");
  EXPECT_EQ(r.spf_results[1].scope, "helo");
  EXPECT_EQ(r.spf_results[1].result, "softfail");
}

// XML 1.0 2.4 and 4.6: the predefined entities and character references are decoded; a value
// in a CDATA section, or split by a comment, reads as one text.
TEST(DmarcReportParser, EscapesCdataAndCommentsInText) {
  std::string xml = with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>A &amp; B &#x263A; &#67;</org_name>");
  xml = with(xml, "<report_id>r-1</report_id>", "<report_id><![CDATA[ <r-1> ]]></report_id>");
  xml = with(xml, "<count>7</count>", "<count>1<!-- a comment -->2</count>");
  auto report = parse_report(xml);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->header.org_name, "A & B \xE2\x98\xBA C");
  EXPECT_EQ(report->header.report_id, "<r-1>");
  EXPECT_EQ(report->records[0].count, 12u);
}

// XML 1.0 2.2: U+0000 is not a character. pugixml would decode "&#0;" into a NUL byte that
// ends the value early ("ab&#0;cd" read as "ab"); the reference is refused instead. Other
// references outside Unicode's scalar values decode to bytes that are not UTF-8.
TEST(DmarcReportParser, CharacterReferencesThatAreNotCharacters) {
  for (std::string_view ref : {"&#0;", "&#x0;", "&#x0000;", "&#00;"}) {
    std::string xml = with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>ab" + std::string(ref) + "cd</org_name>");
    Error e = parse_error(xml);
    EXPECT_EQ(e.code, Errc::syntax) << ref;
    EXPECT_EQ(e.offset, xml.find(ref)) << ref;
    EXPECT_NE(e.detail.find("U+0000"), std::string::npos) << e.detail;
  }
  for (std::string_view ref : {"&#xD800;", "&#x110000;", "&#99999999999;"}) {
    Error e = parse_error(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>a" + std::string(ref) + "b</org_name>"));
    EXPECT_EQ(e.detail, "<report_metadata><org_name>: text is not UTF-8") << ref;
  }
  auto ten = parse_report(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>a&#10;b&#x10;</org_name>"));
  ASSERT_TRUE(ten) << ten.error().message();
  EXPECT_EQ(ten->header.org_name, "a\nb\x10");
}

// The root's namespace picks the schema (report.h Schema): a prefixed root with its xmlns:
// declaration (AOL's ns1:feedback) works as well as a default namespace. Element names are
// compared without their prefix.
TEST(DmarcReportParser, SchemaFromTheRootNamespace) {
  struct Case {
    std::string root_open, root_close;
    Schema schema;
  };
  for (const Case& c : std::vector<Case>{
           {"<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.1\">", "</feedback>", Schema::rfc7489},
           {"<ns1:feedback xmlns:ns1='http://dmarc.org/dmarc-xml/0.1' xmlns:xsi='x'>", "</ns1:feedback>", Schema::rfc7489},
           {"<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.2\">", "</feedback>", Schema::dmarc_org_0_2},
           {"<d:feedback xmlns:d=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "</d:feedback>", Schema::dmarcbis},
           {"<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "</feedback>", Schema::dmarcbis}}) {
    SCOPED_TRACE(c.root_open);
    std::string xml = with(with(kReport, "<feedback>", c.root_open), "</feedback>", c.root_close);
    xml = with(xml, "<count>7</count>", "<x:count xmlns:x='urn:other'>7</x:count>");
    auto report = parse_report(xml);
    ASSERT_TRUE(report) << report.error().message();
    EXPECT_EQ(report->header.schema, c.schema);
    EXPECT_EQ(report->records[0].count, 7u);
  }
}

TEST(DmarcReportParser, UnknownNamespaceOrRootIsUnsupported) {
  Error ns = parse_error(with(kReport, "<feedback>", "<feedback xmlns=\"urn:example:dmarc-9\">"));
  EXPECT_EQ(ns.code, Errc::unsupported);
  EXPECT_NE(ns.detail.find("'urn:example:dmarc-9'"), std::string::npos) << ns.detail;
  EXPECT_EQ(ns.offset, kReport.find("<feedback>") + 1);
  Error root = parse_error("<?xml version=\"1.0\"?>\n<report><org_name>x</org_name></report>");
  EXPECT_EQ(root.code, Errc::unsupported);
  EXPECT_NE(root.detail.find("'report' is not <feedback>"), std::string::npos) << root.detail;
  EXPECT_EQ(root.offset, 23u);
}

// --- required elements and bad values ------------------------------------------------------

struct Missing {
  std::string element;  // removed from kReport (its first occurrence)
  std::string detail;   // the error's detail
  std::string parent;   // the error points at this element's name
};

// RFC 7489 C marks these minOccurs="1"; without one the report (or the record) means nothing.
TEST(DmarcReportParser, EveryRequiredElementMissingIsNamed) {
  for (const Missing& m : std::vector<Missing>{
           {"<org_name>Receiver Example</org_name>", "<report_metadata><org_name> is missing", "<report_metadata>"},
           {"<report_id>r-1</report_id>", "<report_metadata><report_id> is missing", "<report_metadata>"},
           {"<begin>1700000000</begin>", "<report_metadata><date_range><begin> is missing", "<date_range>"},
           {"<end>1700086399</end>", "<report_metadata><date_range><end> is missing", "<date_range>"},
           {"<date_range>\n      <begin>1700000000</begin>\n      <end>1700086399</end>\n    </date_range>",
            "<report_metadata><date_range> is missing", "<report_metadata>"},
           {"<domain>example.com</domain>", "<policy_published><domain> is missing", "<policy_published>"},
           {"<source_ip>192.0.2.1</source_ip>", "record 1: <row><source_ip> is missing", "<row>"},
           {"<count>7</count>", "record 1: <row><count> is missing", "<row>"},
           {"<disposition>none</disposition>", "record 1: <row><policy_evaluated><disposition> is missing",
            "<policy_evaluated>"},
           {"<dkim>pass</dkim>", "record 1: <row><policy_evaluated><dkim> is missing", "<policy_evaluated>"},
           {"<spf>fail</spf>", "record 1: <row><policy_evaluated><spf> is missing", "<policy_evaluated>"},
           {"<header_from>example.com</header_from>", "record 1: <identifiers><header_from> is missing",
            "<identifiers>"}}) {
    SCOPED_TRACE(m.element);
    std::string xml = with(kReport, m.element, "");
    Error e = parse_error(xml);
    EXPECT_EQ(e.code, Errc::syntax);
    EXPECT_EQ(e.detail, m.detail);
    EXPECT_EQ(e.offset, xml.find(m.parent) + 1);
  }
  // Whole blocks.
  auto whole = [&](std::string_view open, std::string_view close) {
    std::size_t from = kReport.find(open);
    std::size_t to = kReport.find(close, from) + close.size();
    return kReport.substr(0, from) + kReport.substr(to);
  };
  EXPECT_EQ(parse_error(whole("<report_metadata>", "</report_metadata>")).detail, "<report_metadata> is missing");
  EXPECT_EQ(parse_error(whole("<policy_published>", "</policy_published>")).detail, "<policy_published> is missing");
  EXPECT_EQ(parse_error(whole("<row>", "</row>")).detail, "record 1: <row> is missing");
  EXPECT_EQ(parse_error(whole("<identifiers>", "</identifiers>")).detail, "record 1: <identifiers> is missing");
  EXPECT_EQ(parse_error(whole("<policy_evaluated>", "</policy_evaluated>")).detail,
            "record 1: <row><policy_evaluated> is missing");
  // Present but empty is no better (bad.com's first record has <disposition></disposition>).
  Error empty = parse_error(with(kReport, "<disposition>none</disposition>", "<disposition> </disposition>"));
  EXPECT_EQ(empty.detail, "record 1: <row><policy_evaluated><disposition> is empty");
  // auth_results is optional here: the row's counts stand without it.
  EXPECT_TRUE(parse_report(whole("<auth_results>", "</auth_results>")));
}

struct BadValue {
  std::string from, to;
  std::string detail;
};

TEST(DmarcReportParser, BadValuesNameTheRecordTheElementAndTheValue) {
  for (const BadValue& b : std::vector<BadValue>{
           // xs:integer counts: decimal digits, no sign, at most 2^64-1.
           {"<count>7</count>", "<count>x1</count>", "record 1: <row><count>: 'x1' is not a number"},
           {"<count>7</count>", "<count>-7</count>", "record 1: <row><count>: '-7' is not a number"},
           {"<count>7</count>", "<count>+7</count>", "record 1: <row><count>: '+7' is not a number"},
           {"<count>7</count>", "<count>7.0</count>", "record 1: <row><count>: '7.0' is not a number"},
           {"<count>7</count>", "<count></count>", "record 1: <row><count>: '' is not a number"},
           {"<count>7</count>", "<count>18446744073709551616</count>",
            "record 1: <row><count>: '18446744073709551616' is too large"},
           {"<count>3</count>", "<count>0x3</count>", "record 2: <row><count>: '0x3' is not a number"},
           // RFC 7489 C IPAddress.
           {"<source_ip>192.0.2.1</source_ip>", "<source_ip>108r.166.27.220</source_ip>",
            "record 1: <row><source_ip>: '108r.166.27.220' is not an IP address"},
           {"<source_ip>192.0.2.1</source_ip>", "<source_ip>192.0.2.1/24</source_ip>",
            "record 1: <row><source_ip>: '192.0.2.1/24' is not an IP address"},
           {"<source_ip>2001:db8::25</source_ip>", "<source_ip>2001:db8:::25</source_ip>",
            "record 2: <row><source_ip>: '2001:db8:::25' is not an IP address"},
           // DateRangeType: seconds; a fraction other than zero is not an integer.
           {"<begin>1700000000</begin>", "<begin>1700000000.5</begin>",
            "<report_metadata><date_range><begin>: '1700000000.5' is not a number of seconds"},
           {"<end>1700086399</end>", "<end>yesterday</end>",
            "<report_metadata><date_range><end>: 'yesterday' is not a number of seconds"},
           {"<end>1700086399</end>", "<end>1600000000</end>",
            "<report_metadata><date_range>: begin 1700000000 is after end 1600000000"},
           // RFC 7489 6.3 pct: 0 to 100.
           {"<pct>50</pct>", "<pct>150</pct>", "<policy_published><pct>: '150' is not a percentage from 0 to 100"},
           {"<pct>50</pct>", "<pct>half</pct>", "<policy_published><pct>: 'half' is not a percentage from 0 to 100"},
           // maxOccurs="1": a second one is not a guess.
           {"<count>7</count>", "<count>7</count><count>8</count>", "record 1: <row><count> appears twice"},
           {"<org_name>Receiver Example</org_name>", "<org_name>A</org_name><org_name>B</org_name>",
            "<report_metadata><org_name> appears twice"},
       }) {
    SCOPED_TRACE(b.to);
    std::string xml = with(kReport, b.from, b.to);
    Error e = parse_error(xml);
    EXPECT_EQ(e.code, Errc::syntax);
    EXPECT_EQ(e.detail, b.detail);
    // The offset is the element's name, in the changed part of the document.
    ASSERT_NE(e.offset, Error::no_offset);
    std::size_t changed = xml.find(b.to);
    EXPECT_GE(e.offset, changed < 200 ? 0 : changed - 200) << e.detail;
    EXPECT_LE(e.offset, changed + b.to.size()) << e.detail;
  }
}

TEST(DmarcReportParser, CountAtTheTopOfItsRange) {
  auto report = parse_report(with(kReport, "<count>7</count>", "<count>18446744073709551615</count>"));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->records[0].count, UINT64_MAX);
  auto zeros = parse_report(with(kReport, "<count>7</count>", "<count>007</count>"));
  ASSERT_TRUE(zeros) << zeros.error().message();
  EXPECT_EQ(zeros->records[0].count, 7u);
}

// --- hostile documents ---------------------------------------------------------------------

// XXE: an external entity would read a local file or fetch a URL. No DTD is processed.
TEST(DmarcReportParser, DoctypeWithAnExternalEntityIsRefused) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n" +
                    with(kReport.substr(kReport.find("<feedback>")), "<org_name>Receiver Example</org_name>",
                         "<org_name>&xxe;</org_name>");
  Error e = parse_error(xml);
  EXPECT_EQ(e.code, Errc::unsupported);
  EXPECT_EQ(e.detail, "<!DOCTYPE>: DTDs are not processed");
  EXPECT_GE(e.offset, xml.find("<!DOCTYPE"));
  EXPECT_LT(e.offset, xml.find("<feedback>"));
}

// The billion laughs: ten entities each ten times the one before.
TEST(DmarcReportParser, BillionLaughsIsRefused) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    xml += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) xml += i == 1 ? "&lol;" : "&lol" + std::to_string(i - 1) + ";";
    xml += "\">\n";
  }
  xml += "]>\n" + with(kReport.substr(kReport.find("<feedback>")), "<org_name>Receiver Example</org_name>",
                       "<org_name>&lol9;</org_name>");
  Error e = parse_error(xml);
  EXPECT_EQ(e.code, Errc::unsupported);
  EXPECT_EQ(e.detail, "<!DOCTYPE>: DTDs are not processed");
}

// Without a DTD an entity other than the five predefined ones has no definition: pugixml
// leaves "&foo;" in the text as written (it never expands anything), and so does the model.
TEST(DmarcReportParser, UndefinedEntityIsLeftAsWritten) {
  auto report = parse_report(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>R &foo; &lol9;</org_name>"));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->header.org_name, "R &foo; &lol9;");
}

std::string nested(std::size_t depth) {
  std::string out;
  out.reserve(depth * 7);
  for (std::size_t i = 0; i < depth; ++i) out += "<a>";
  for (std::size_t i = 0; i < depth; ++i) out += "</a>";
  return out;
}

// 100k nested elements in an unknown element: the depth walk does not recurse (nor does
// pugixml's parser or its document teardown), so neither this nor the ASan build's smaller
// stack overflows; max_depth refuses the document.
TEST(DmarcReportParser, DeepNestingIsALimitNotAStackOverflow) {
  struct Place {
    std::string_view after;  // the nesting goes right after this text
    std::size_t depth;       // of the element it goes into: feedback 1, record 2, count 4
  };
  for (Place place : {Place{"</report_metadata>", 1}, Place{"</identifiers>", 2}, Place{"<count>7", 4}}) {
    SCOPED_TRACE(place.after);
    std::string xml = with(kReport, place.after, std::string(place.after) + nested(100'000));
    Error e = parse_error(xml);
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_EQ(e.detail, "elements nested deeper than max_depth (32)");
    // The first <a> is at depth place.depth + 1; the one at depth 33 is refused (its name).
    EXPECT_EQ(e.offset, xml.find("<a>") + 3 * (33 - (place.depth + 1)) + 1);
  }
  // Within the limit, unknown nested content is skipped.
  auto shallow = parse_report(with(kReport, "</identifiers>", "</identifiers>" + nested(20)));
  ASSERT_TRUE(shallow) << shallow.error().message();
  ParseLimits tight;
  tight.max_depth = 4;  // feedback, record, row, policy_evaluated: the deepest element is 5
  Error e = parse_error(kReport, tight);
  EXPECT_EQ(e.code, Errc::limit);
  EXPECT_EQ(e.offset, kReport.find("<disposition>") + 1);
}

TEST(DmarcReportParser, MegabyteTextValueIsALimit) {
  std::string xml = with(kReport, "<header_from>example.com</header_from>",
                         "<header_from>" + std::string(1 << 20, 'a') + ".example</header_from>");
  Error e = parse_error(xml);
  EXPECT_EQ(e.code, Errc::limit);
  EXPECT_EQ(e.detail, "record 1: <identifiers><header_from>: text longer than max_text_bytes (8192)");
  EXPECT_EQ(e.offset, xml.find("<header_from>") + 1);
  // Exactly at the limit is fine.
  ParseLimits limits;
  limits.max_text_bytes = 32;
  const std::string bytes32 = "0123456789abcdef0123456789abcdef";
  auto at = parse_report(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>" + bytes32 + "</org_name>"), limits);
  ASSERT_TRUE(at) << at.error().message();
  Error over = parse_error(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>" + bytes32 + "g</org_name>"), limits);
  EXPECT_EQ(over.detail, "<report_metadata><org_name>: text longer than max_text_bytes (32)");
  // A value in pieces counts whole.
  Error pieces = parse_error(with(kReport, "<org_name>Receiver Example</org_name>",
                                  "<org_name>0123456789abcdef<![CDATA[0123456789abcdefg]]></org_name>"), limits);
  EXPECT_EQ(pieces.code, Errc::limit);
}

// The records before the limit were visited (parser.h: the caller rolls back).
TEST(DmarcReportParser, TooManyRecordsIsALimit) {
  ParseLimits limits;
  limits.max_records = 1;
  std::string xml = kReport;
  Recorder seen;
  Parser parser(limits);
  auto stats = parser.parse(xml, seen);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code, Errc::limit);
  EXPECT_EQ(stats.error().detail, "record 2: <record>: more than max_records (1)");
  EXPECT_EQ(stats.error().offset, kReport.rfind("<record>") + 1);
  EXPECT_EQ(seen.calls, (std::vector<std::string>{"header", "record 192.0.2.1"}));
  limits.max_records = 2;
  EXPECT_TRUE(parse_report(kReport, limits));
}

TEST(DmarcReportParser, DocumentLargerThanTheLimitIsNotParsed) {
  ParseLimits limits;
  limits.max_document_bytes = kReport.size() - 1;
  Error e = parse_error(kReport, limits);
  EXPECT_EQ(e.code, Errc::limit);
  EXPECT_NE(e.detail.find("max_document_bytes"), std::string::npos) << e.detail;
  limits.max_document_bytes = kReport.size();
  EXPECT_TRUE(parse_report(kReport, limits));
}

// Text must be UTF-8. pugixml converts what it knows (a BOM, UTF-16, an ISO-8859-1 declaration)
// and reads anything else as UTF-8: a windows-1252 declaration (as AOL's bad.com report has)
// with a byte above 0x7F that is not UTF-8 is refused at that byte.
TEST(DmarcReportParser, TextThatIsNotUtf8IsRefusedAtTheByte) {
  std::string xml = with(kReport, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                         "<?xml version=\"1.0\" encoding=\"windows-1252\"?>");
  xml = with(xml, "<org_name>Receiver Example</org_name>", "<org_name>Receiver Caf\xE9</org_name>");
  Error e = parse_error(xml);
  EXPECT_EQ(e.code, Errc::syntax);
  EXPECT_EQ(e.detail, "<report_metadata><org_name>: text is not UTF-8");
  EXPECT_EQ(e.offset, xml.find('\xE9'));
  // In a record, after escapes were decoded in place before it.
  std::string in_record = with(kReport, "<header_from>example.com</header_from>",
                               "<header_from>a&amp;b\xC3\x28.example</header_from>");
  Error r = parse_error(in_record);
  EXPECT_EQ(r.detail, "record 1: <identifiers><header_from>: text is not UTF-8");
  EXPECT_GE(r.offset, in_record.find("<header_from>"));
  EXPECT_LE(r.offset, in_record.find('\xC3'));
  // An overlong form and a surrogate are not UTF-8 either (RFC 3629 3).
  EXPECT_EQ(parse_error(with(kReport, "r-1", "r-\xC0\xAF")).detail, "<report_metadata><report_id>: text is not UTF-8");
  EXPECT_EQ(parse_error(with(kReport, "r-1", "r-\xED\xA0\x80")).detail, "<report_metadata><report_id>: text is not UTF-8");
  // Well-formed UTF-8 is kept.
  auto good = parse_report(with(kReport, "<org_name>Receiver Example</org_name>", "<org_name>Caf\xC3\xA9 \xF0\x9F\x93\xA7</org_name>"));
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->header.org_name, "Caf\xC3\xA9 \xF0\x9F\x93\xA7");
}

TEST(DmarcReportParser, DeclaredLatin1AndUtf16AreConverted) {
  std::string latin1 = with(kReport, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
  latin1 = with(latin1, "<org_name>Receiver Example</org_name>", "<org_name>Caf\xE9</org_name>");
  auto l = parse_report(latin1);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->header.org_name, "Caf\xC3\xA9");
  std::string utf16 = "\xFF\xFE";  // UTF-16LE with its byte order mark, ASCII only
  for (char c : with(kReport, "encoding=\"UTF-8\"", "encoding=\"UTF-16\"")) {
    utf16 += c;
    utf16 += '\0';
  }
  auto u = parse_report(utf16);
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->records.size(), 2u);
  EXPECT_EQ(u->records[1].source_ip, "2001:db8::25");
}

// A document cut anywhere before its end tag is not well-formed: every prefix is refused
// with an offset inside it, none is read as a shorter report.
TEST(DmarcReportParser, TruncatedDocumentIsRefusedWherePugixmlStopped) {
  std::size_t end = kReport.find("</feedback>");
  for (std::size_t cut = 0; cut < end + 10; ++cut) {
    auto r = parse_report(kReport.substr(0, cut));
    ASSERT_FALSE(r) << "cut at " << cut;
    EXPECT_EQ(r.error().code, Errc::syntax) << cut;
    EXPECT_LE(r.error().offset, cut) << cut;
  }
  EXPECT_TRUE(parse_report(kReport.substr(0, end + 11)));
}

TEST(DmarcReportParser, NotWellFormedDocuments) {
  for (std::string xml : {std::string(), std::string("   "), std::string("not xml"),
                          std::string("<feedback><report_metadata></feedback>"),
                          std::string("<feedback/><feedback/>"), kReport + "<feedback/>",
                          with(kReport, "<count>7</count>", "<count>7</count\0>"),
                          with(kReport, "<count>7</count>", std::string("<count>7\0</count>", 17))}) {
    SCOPED_TRACE(xml.substr(0, 40));
    auto r = parse_report(xml);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::syntax) << r.error().message();
    EXPECT_TRUE(r.error().offset == Error::no_offset || r.error().offset <= xml.size()) << r.error().message();
  }
}

}  // namespace
}  // namespace dnsauth::dmarc_report

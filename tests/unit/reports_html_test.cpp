// reports::render_html (reports/html.h) on summaries built by hand: every text from a report is
// escaped wherever it lands (headings, tables, chart labels, titles and attributes), the page
// fetches and runs nothing, the daily chart keeps a day without reports as a gap, the sources
// table stops at its limit and says how much it left out, and an empty summary says so.
#include "reports/html.h"

#include <gtest/gtest.h>

#include <regex>

namespace dnsauth::reports {
namespace {

constexpr std::int64_t kDay1 = 1772323200;  // 2026-03-01

Counts counts(std::uint64_t pass, std::uint64_t fail) {
  return Counts{pass + fail, pass, fail, pass, pass / 2};
}

SourceRow source(std::string ip, std::uint64_t pass, std::uint64_t fail) {
  SourceRow s;
  s.ip = std::move(ip);
  s.counts = counts(pass, fail);
  s.dispositions.none = pass + fail;
  return s;
}

Summary sample() {
  Summary s;
  s.domain = "example.com";
  s.reports = 3;
  s.first_report = kDay1;
  s.last_report = kDay1 + 2 * 86400;
  s.totals = counts(150, 30);
  s.sources = {source("192.0.2.10", 150, 0), source("198.51.100.7", 0, 30)};
  s.sources[1].auth = {AuthSeen{"dkim", "evil.example", "<img src=x onerror=alert(1)>", "fail", 30}};
  s.organizations = {OrganizationRow{"<script>alert(\"org\")</script>", 3, counts(150, 30)}};
  s.days = {DayRow{kDay1, "2026-03-01", counts(100, 10)}, DayRow{kDay1 + 2 * 86400, "2026-03-03", counts(50, 20)}};
  s.policies = {PolicySeen{"example.com", "none", "", std::nullopt, "", 3, kDay1 + 2 * 86400}};
  return s;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportHtml, WhatReportsSayIsEscapedEverywhere) {
  const std::string page = render_html(sample(), HtmlOptions{});
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  // The organization: the alignment chart's label, its bars' titles and data-org, the table.
  EXPECT_GE(occurrences(page, "&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt;"), 5u);
  EXPECT_NE(page.find("data-org=\"&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(page.find("evil.example s=&lt;img src=x onerror=alert(1)&gt; fail 30"), std::string::npos);
  EXPECT_EQ(html_escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
}

TEST(ReportHtml, NothingIsFetchedAndNothingRuns) {
  const std::string page = render_html(sample(), HtmlOptions{});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("content=\"default-src 'none'; style-src 'unsafe-inline'\""), std::string::npos);
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(<[^>]*\s(src|href)\s*=)", std::regex::icase)));
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
}

TEST(ReportHtml, TheDailyChartHasABarPerDayWithMailAndAGapForADayWithout) {
  const std::string page = render_html(sample(), HtmlOptions{});
  EXPECT_EQ(occurrences(page, "data-series=\"pass\" data-day="), 2u);
  EXPECT_EQ(occurrences(page, "data-series=\"fail\" data-day="), 2u);
  EXPECT_NE(page.find("data-series=\"pass\" data-day=\"2026-03-03\" data-value=\"50\""), std::string::npos);
  EXPECT_EQ(page.find("data-day=\"2026-03-02\""), std::string::npos);
  EXPECT_NE(page.find(">03-02</text>"), std::string::npos) << "the empty day keeps its place on the axis";
  // Top failing sources: only the one that failed.
  EXPECT_EQ(occurrences(page, "data-series=\"fail\" data-source="), 1u);
  EXPECT_NE(page.find("data-source=\"198.51.100.7\" data-value=\"30\""), std::string::npos);
  // Alignment by receiver: three bars per organization.
  for (const char* series : {"dkim-aligned", "spf-aligned", "dmarc-pass"})
    EXPECT_EQ(occurrences(page, std::string("data-series=\"") + series + "\""), 1u) << series;
}

TEST(ReportHtml, TheSourcesTableStopsAtItsLimitAndSaysWhatItLeftOut) {
  Summary s = sample();
  s.sources.push_back(source("203.0.113.9", 0, 7));
  HtmlOptions options;
  options.table_sources = 2;
  const std::string page = render_html(s, options);
  EXPECT_NE(page.find("<td class=\"ip\">192.0.2.10</td>"), std::string::npos);
  EXPECT_NE(page.find("<td class=\"ip\">198.51.100.7</td>"), std::string::npos);
  EXPECT_EQ(page.find("<td class=\"ip\">203.0.113.9</td>"), std::string::npos);
  EXPECT_NE(page.find("The 2 sources with the most messages; 1 more sent 7 messages"), std::string::npos);
}

TEST(ReportHtml, AnEmptySummarySaysThereAreNoReports) {
  Summary s;
  s.domain = "example.com";
  const std::string page = render_html(s, HtmlOptions{});
  EXPECT_NE(page.find("No reports in this period."), std::string::npos);
  EXPECT_EQ(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace dnsauth::reports

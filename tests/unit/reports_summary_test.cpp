// reports::summarize (reports/summary.h) on a generated data set with known totals: every number
// is computed here from the generated rows (reports_dataset.h), independently of SQL, and
// compared with the summary -- totals, dispositions, per source (with the raw DKIM/SPF results),
// per organization, per UTC day, the policies seen -- and the rules of what counts: header_from
// the domain or a subdomain (not a name that merely ends alike), a report by the day its range
// begins, --since/--until as whole UTC days, counts in 64 bits.
#include "reports/summary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "reports/store.h"
#include "support/test_support.h"
#include "reports_dataset.h"

namespace dnsauth::reports {
namespace {

namespace fs = std::filesystem;
using testdata::DataSet;
using testdata::Row;

struct Expected {
  std::set<std::size_t> reports;
  Counts totals;
  Dispositions dispositions;
  std::map<std::string, Counts> sources;
  std::map<std::string, Dispositions> source_dispositions;
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::uint64_t> auth;
  std::map<std::string, std::pair<std::set<std::size_t>, Counts>> orgs;
  std::map<std::string, Counts> days;
};

void add(Counts& c, const Row& r) {
  c.messages += r.count;
  if (r.dmarc_pass()) c.dmarc_pass += r.count;
  else c.dmarc_fail += r.count;
  if (r.dkim == "pass") c.dkim_aligned += r.count;
  if (r.spf == "pass") c.spf_aligned += r.count;
}

void add(Dispositions& d, const Row& r) {
  if (r.disposition == "none") d.none += r.count;
  else if (r.disposition == "quarantine") d.quarantine += r.count;
  else if (r.disposition == "reject") d.reject += r.count;
  else if (r.disposition == "pass") d.pass += r.count;
  else d.other += r.count;
}

Expected expect(const DataSet& data, std::int64_t since = INT64_MIN, std::int64_t until = INT64_MAX) {
  Expected e;
  for (const Row& r : data.rows) {
    if (!testdata::counted(data, r, since, until)) continue;
    const testdata::Report& rep = data.reports[r.report];
    e.reports.insert(r.report);
    add(e.totals, r);
    add(e.dispositions, r);
    add(e.sources[r.ip], r);
    add(e.source_dispositions[r.ip], r);
    std::set<std::tuple<std::string, std::string, std::string, std::string>> once;
    for (const auto& a : r.auth)
      if (once.insert({a.kind, a.domain, a.selector, a.result}).second)
        e.auth[{r.ip, a.kind, a.domain, a.selector, a.result}] += r.count;
    e.orgs[rep.org].first.insert(r.report);
    add(e.orgs[rep.org].second, r);
    add(e.days[format_day(rep.begin)], r);
  }
  return e;
}

void expect_counts(const Counts& got, const Counts& want, const std::string& what) {
  EXPECT_EQ(got.messages, want.messages) << what;
  EXPECT_EQ(got.dmarc_pass, want.dmarc_pass) << what;
  EXPECT_EQ(got.dmarc_fail, want.dmarc_fail) << what;
  EXPECT_EQ(got.dkim_aligned, want.dkim_aligned) << what;
  EXPECT_EQ(got.spf_aligned, want.spf_aligned) << what;
}

void expect_dispositions(const Dispositions& got, const Dispositions& want, const std::string& what) {
  EXPECT_EQ(std::tie(got.none, got.quarantine, got.reject, got.pass, got.other),
            std::tie(want.none, want.quarantine, want.reject, want.pass, want.other))
      << what;
}

class ReportSummary : public testdata::DatabaseTest {
 protected:
  Summary summary(std::string_view domain, Period period = {}) {
    auto s = summarize(db(), domain, period);
    EXPECT_TRUE(s) << s.error().message();
    return s ? *s : Summary{};
  }
  void expect_matches(const Summary& s, const Expected& e) {
    EXPECT_EQ(s.reports, e.reports.size());
    expect_counts(s.totals, e.totals, "totals");
    expect_dispositions(s.dispositions, e.dispositions, "totals");

    ASSERT_EQ(s.sources.size(), e.sources.size());
    std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::uint64_t> auth;
    for (std::size_t i = 0; i < s.sources.size(); ++i) {
      const SourceRow& src = s.sources[i];
      ASSERT_TRUE(e.sources.count(src.ip)) << src.ip;
      expect_counts(src.counts, e.sources.at(src.ip), src.ip);
      expect_dispositions(src.dispositions, e.source_dispositions.at(src.ip), src.ip);
      if (i > 0) {
        EXPECT_GE(s.sources[i - 1].counts.messages, src.counts.messages) << "sources by messages";
      }
      for (const auto& a : src.auth) auth[{src.ip, a.kind, a.domain, a.selector, a.result}] += a.messages;
    }
    EXPECT_EQ(auth, e.auth);

    ASSERT_EQ(s.organizations.size(), e.orgs.size());
    for (const auto& o : s.organizations) {
      ASSERT_TRUE(e.orgs.count(o.name)) << o.name;
      EXPECT_EQ(o.reports, e.orgs.at(o.name).first.size()) << o.name;
      expect_counts(o.counts, e.orgs.at(o.name).second, o.name);
    }

    ASSERT_EQ(s.days.size(), e.days.size());
    auto want = e.days.begin();
    for (const auto& d : s.days) {
      EXPECT_EQ(d.day, want->first);
      EXPECT_EQ(d.start % 86400, 0);
      expect_counts(d.counts, want->second, d.day);
      ++want;
    }
  }
};

TEST_F(ReportSummary, TotalsSourcesOrganizationsAndDaysAddUpToTheGeneratedCounts) {
  const DataSet data = testdata::generate();
  load(data);
  const Summary s = summary("example.com");
  const Expected e = expect(data);
  // The data set is what it claims: 42 reports of example.com (40, the old one and the one about
  // shop.example.com's own record), 5 receivers, 11 days, every kind of source.
  ASSERT_EQ(e.reports.size(), 42u);
  ASSERT_EQ(e.orgs.size(), 5u);
  ASSERT_EQ(e.days.size(), 11u);
  ASSERT_GT(e.totals.dmarc_fail, 0u);
  expect_matches(s, e);
  EXPECT_EQ(s.domain, "example.com");
  EXPECT_EQ(s.first_report, testdata::kOldDay);
  EXPECT_EQ(s.last_report, testdata::kFirstDay + 9 * testdata::kDay + 180);
  EXPECT_EQ(s.days.front().day, "2026-01-15");
  EXPECT_EQ(s.days.back().day, "2026-03-10");
}

TEST_F(ReportSummary, ASubdomainCountsAndANameThatOnlyEndsAlikeDoesNot) {
  const DataSet data = testdata::generate();
  load(data);
  const Summary s = summary("EXAMPLE.com.");  // case and a trailing dot do not matter
  std::uint64_t news = 0, lookalike = 0;
  for (const Row& r : data.rows) {
    if (r.header_from == "news.example.com") news += r.count;
    if (r.header_from == "notexample.com") lookalike += r.count;
  }
  ASSERT_GT(news, 0u);
  ASSERT_GT(lookalike, 0u);
  const auto source = std::find_if(s.sources.begin(), s.sources.end(), [](const SourceRow& r) { return r.ip == "192.0.2.11"; });
  ASSERT_NE(source, s.sources.end());
  EXPECT_EQ(source->counts.messages, news);
  // notexample.com's and example.net's reports are not counted; shop.example.com's (a subdomain
  // with its own record) and the rows whose From named two domains are.
  expect_matches(s, expect(data));
  EXPECT_TRUE(std::any_of(s.sources.begin(), s.sources.end(), [](const SourceRow& r) { return r.ip == "192.0.2.12"; }));
  std::uint64_t two_domains = 0;
  for (const Row& r : data.rows)
    if (r.header_from == "pages.example.com, example.com") two_domains += r.count;
  ASSERT_GT(two_domains, 0u);
  EXPECT_EQ(s.sources.front().ip, "192.0.2.10");
  EXPECT_EQ(s.sources.front().counts.messages, expect(data).sources.at("192.0.2.10").messages);
  // Asked about the subdomain itself, only its own records.
  const Summary sub = summary("news.example.com");
  EXPECT_EQ(sub.totals.messages, news);
  ASSERT_EQ(sub.sources.size(), 1u);
  EXPECT_EQ(sub.sources[0].ip, "192.0.2.11");
}

TEST_F(ReportSummary, SinceAndUntilAreWholeUtcDaysOnTheDayARangeBegins) {
  const DataSet data = testdata::generate();
  load(data);
  auto period = parse_period(std::string("2026-03-03"), std::string("2026-03-05"));
  ASSERT_TRUE(period) << period.error().detail;
  EXPECT_EQ(*period->since, testdata::kFirstDay + 2 * testdata::kDay);
  EXPECT_EQ(*period->until, testdata::kFirstDay + 5 * testdata::kDay - 1);
  const Summary s = summary("example.com", *period);
  const Expected e = expect(data, *period->since, *period->until);
  EXPECT_EQ(e.reports.size(), 13u);  // four a day, and shop.example.com's of 2026-03-05
  expect_matches(s, e);
  ASSERT_EQ(s.days.size(), 3u);
  EXPECT_EQ(s.days.front().day, "2026-03-03");

  // Only a lower bound; only an upper bound.
  auto from = parse_period(std::string("2026-03-10"), std::nullopt);
  ASSERT_TRUE(from);
  expect_matches(summary("example.com", *from), expect(data, *from->since));
  auto to = parse_period(std::nullopt, std::string("2026-01-15"));
  ASSERT_TRUE(to);
  const Summary old = summary("example.com", *to);
  EXPECT_EQ(old.reports, 1u);
  expect_matches(old, expect(data, INT64_MIN, *to->until));
}

TEST_F(ReportSummary, PoliciesSeenAreListedNewestFirst) {
  DataSet data = testdata::generate();
  data.reports[39].p = "quarantine";  // the newest report saw another record
  data.reports[39].pct = 50;
  load(data);
  const Summary s = summary("example.com");
  ASSERT_EQ(s.policies.size(), 3u);
  EXPECT_EQ(s.policies[0].p, "quarantine");
  EXPECT_EQ(s.policies[0].pct, 50);
  EXPECT_EQ(s.policies[0].reports, 1u);
  EXPECT_EQ(s.policies[1].domain, "example.com");
  EXPECT_EQ(s.policies[1].p, "none");
  EXPECT_FALSE(s.policies[1].pct);
  EXPECT_EQ(s.policies[1].reports, 40u);
  EXPECT_EQ(s.policies[2].domain, "shop.example.com");
  EXPECT_EQ(s.policies[2].reports, 1u);
}

TEST_F(ReportSummary, AnEmptyDatabaseAndAnUnknownDomainHaveNoReports) {
  Summary empty = summary("example.com");
  EXPECT_EQ(empty.reports, 0u);
  EXPECT_EQ(empty.totals.messages, 0u);
  EXPECT_TRUE(empty.sources.empty());
  EXPECT_TRUE(empty.days.empty());
  EXPECT_FALSE(empty.first_report);

  load(testdata::generate());
  Summary unknown = summary("unknown.example");
  EXPECT_EQ(unknown.reports, 0u);
  EXPECT_TRUE(unknown.organizations.empty());
  // A period without reports is empty too.
  auto period = parse_period(std::string("2027-01-01"), std::nullopt);
  ASSERT_TRUE(period);
  EXPECT_EQ(summary("example.com", *period).reports, 0u);
  EXPECT_FALSE(summarize(db(), "", {}));
}

TEST_F(ReportSummary, CountsAreSixtyFourBit) {
  DataSet data;
  data.reports.push_back(testdata::report("big.example", "b1", testdata::kFirstDay));
  for (std::uint64_t c : {5'000'000'000ull, 4'000'000'000ull}) {
    Row r;
    r.ip = "192.0.2.10";
    r.count = c;
    r.dkim = "pass";
    data.rows.push_back(r);
  }
  load(data);
  const Summary s = summary("example.com");
  EXPECT_EQ(s.totals.messages, 9'000'000'000ull);
  EXPECT_EQ(s.totals.dmarc_pass, 9'000'000'000ull);
  ASSERT_EQ(s.days.size(), 1u);
  EXPECT_EQ(s.days[0].counts.dkim_aligned, 9'000'000'000ull);
}

TEST(ReportDays, ParseAndFormatUtcDays) {
  EXPECT_EQ(parse_day("1970-01-01"), 0);
  EXPECT_EQ(parse_day("2026-03-01"), testdata::kFirstDay);
  EXPECT_EQ(parse_day("2024-02-29"), 1709164800);
  EXPECT_EQ(format_day(1709164800 + 86399), "2024-02-29");
  EXPECT_EQ(format_day(0), "1970-01-01");
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(day_start(testdata::kFirstDay + 5000), testdata::kFirstDay);
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01",
                          "2026-01-32", "", "2026-01-01T00:00"})
    EXPECT_FALSE(parse_day(bad)) << bad;
  EXPECT_FALSE(parse_period(std::string("2026-03-05"), std::string("2026-03-04")));
  EXPECT_TRUE(parse_period(std::string("2026-03-05"), std::string("2026-03-05")));
}

}  // namespace
}  // namespace dnsauth::reports

// reports::advise (reports/advise.h): the next DMARC policy step, every failing source in its
// class with its volume, the config change that fixes each class, and the verdict -- on the
// generated data set (reports_dataset.h), whose rows say which class each was made to be, so the
// expected volumes, shares and texts are computed here from the rows, not by SQL.
#include "reports/advise.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "core/config/config.h"
#include "reports/store.h"
#include "reports_dataset.h"
#include "support/test_support.h"

namespace dnsauth::reports {
namespace {

namespace fs = std::filesystem;
using testdata::DataSet;
using testdata::Row;

// advise's default period for the data set: the 30 UTC days ending with 2026-03-10, the day of
// the newest report; the report of 2026-01-15 is outside.
constexpr std::int64_t kWindowStart = testdata::kFirstDay + 9 * testdata::kDay - 29 * testdata::kDay;
constexpr std::int64_t kWindowEnd = testdata::kFirstDay + 10 * testdata::kDay - 1;

struct Expected {
  std::uint64_t messages = 0, spoofing = 0, failing_legitimate = 0;
  std::set<std::string> failing_ips;
  std::map<std::string, std::uint64_t> classes;                                      // class -> messages
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::uint64_t>> sources;  // (ip, detail)
};

Expected expect(const DataSet& data, std::int64_t since = kWindowStart, std::int64_t until = kWindowEnd,
                bool subdomains = true) {
  Expected e;
  for (const Row& r : data.rows) {
    if (!testdata::counted(data, r, since, until, subdomains)) continue;
    e.messages += r.count;
    if (r.cls.empty()) continue;
    EXPECT_FALSE(r.dmarc_pass()) << r.ip;
    e.classes[r.cls] += r.count;
    e.sources[r.cls][{r.ip, r.detail}] += r.count;
    if (r.cls == "spoofing") {
      e.spoofing += r.count;
    } else {
      e.failing_legitimate += r.count;
      e.failing_ips.insert(r.ip);
    }
  }
  return e;
}

config::Domain domain_of(std::string_view toml) {
  auto c = config::parse_config(toml, "dnsauth.toml", "/etc/dnsauth");
  EXPECT_TRUE(c) << c.error().message();
  if (!c || c->domains.empty()) return {};
  return c->domains.front();
}

std::string with(std::string toml, std::string_view from, std::string_view to) {
  auto at = toml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) toml.replace(at, from.size(), to);
  return toml;
}

class ReportAdvise : public testdata::DatabaseTest {
 protected:
  Advice advice(const config::Domain& domain, AdviseOptions options = {}) {
    auto a = advise(db(), domain, options);
    EXPECT_TRUE(a) << a.error().message();
    return a ? *a : Advice{};
  }
  static const ClassResult* find(const Advice& a, SourceClass cls) {
    for (const auto& c : a.classes)
      if (c.cls == cls) return &c;
    return nullptr;
  }
  static void expect_classes(const Advice& a, const Expected& e) {
    std::map<std::string, std::uint64_t> classes;
    std::map<std::string, std::map<std::pair<std::string, std::string>, std::uint64_t>> sources;
    for (std::size_t i = 0; i < a.classes.size(); ++i) {
      const ClassResult& c = a.classes[i];
      if (i > 0) {
        EXPECT_LT(a.classes[i - 1].cls, c.cls) << "classes in SourceClass order, once each";
      }
      classes[std::string(to_string(c.cls))] = c.messages;
      std::uint64_t sum = 0;
      for (std::size_t k = 0; k < c.sources.size(); ++k) {
        const FailingSource& s = c.sources[k];
        sources[std::string(to_string(c.cls))][{s.ip, s.detail}] += s.messages;
        sum += s.messages;
        if (k > 0) {
          EXPECT_GE(c.sources[k - 1].messages, s.messages) << "sources by messages";
        }
      }
      EXPECT_EQ(sum, c.messages) << to_string(c.cls);
    }
    EXPECT_EQ(classes, e.classes);
    EXPECT_EQ(sources, e.sources);
  }
};

TEST_F(ReportAdvise, EveryFailingSourceIsInTheClassItWasMadeForWithItsVolume) {
  const DataSet data = testdata::generate();
  load(data);
  const Advice a = advice(domain_of(testdata::kConfig));
  const Expected e = expect(data);
  ASSERT_EQ(e.classes.size(), 8u) << "the data set has a source of every class";

  EXPECT_EQ(a.domain, "example.com");
  EXPECT_EQ(a.period.since, kWindowStart);
  EXPECT_EQ(a.period.until, kWindowEnd);
  EXPECT_TRUE(a.subdomains);
  EXPECT_EQ(a.reports, 41u);  // shop.example.com's too
  EXPECT_EQ(a.totals.messages, e.messages);
  expect_classes(a, e);

  EXPECT_EQ(a.legitimate, e.messages - e.spoofing);
  EXPECT_EQ(a.legitimate_failing, e.failing_legitimate);
  EXPECT_EQ(a.legitimate_failing_sources, e.failing_ips.size());
  const double share = 100.0 * static_cast<double>(e.failing_legitimate) / static_cast<double>(e.messages - e.spoofing);
  EXPECT_NEAR(a.failing_share, share, 1e-9);
  ASSERT_GT(share, 0.5);
}

TEST_F(ReportAdvise, TheVerdictWeighsLegitimateFailingMailAgainstTheThreshold) {
  const DataSet data = testdata::generate();
  load(data);
  const config::Domain domain = domain_of(testdata::kConfig);
  const Expected e = expect(data);
  const double share = 100.0 * static_cast<double>(e.failing_legitimate) / static_cast<double>(e.messages - e.spoofing);
  const std::string failing = format_percent(share) + " of legitimate mail (" + std::to_string(e.failing_legitimate) +
                              " messages from " + std::to_string(e.failing_ips.size()) + " sources)";

  const Advice strict = advice(domain);
  EXPECT_EQ(strict.current, (PolicyStep{"none", std::nullopt, std::nullopt}));
  ASSERT_TRUE(strict.next);
  EXPECT_EQ(strict.next->p, "quarantine");
  EXPECT_EQ(strict.verdict, Verdict::not_yet);
  EXPECT_EQ(strict.threshold, 0.5);
  EXPECT_EQ(strict.recommendation, "not yet: " + failing +
                                       " fails DMARC and would be quarantined at p=quarantine, more than the "
                                       "threshold of 0.5%; fix the classes above first");
  EXPECT_EQ(strict.step_change, "[domain.dmarc]\np = \"quarantine\"\n");

  // Just above the share: safe. Just below: not yet.
  AdviseOptions options;
  options.threshold = share + 0.001;
  const Advice safe = advice(domain, options);
  EXPECT_EQ(safe.verdict, Verdict::safe);
  EXPECT_EQ(safe.recommendation, "safe to move to p=quarantine: " + failing + " would be quarantined");
  options.threshold = share - 0.001;
  EXPECT_EQ(advice(domain, options).verdict, Verdict::not_yet);
}

TEST_F(ReportAdvise, EachClassCarriesTheConfigChangeThatFixesIt) {
  load(testdata::generate());
  const Advice a = advice(domain_of(testdata::kConfig));
  auto change = [&](SourceClass cls) {
    const ClassResult* c = find(a, cls);
    EXPECT_NE(c, nullptr) << to_string(cls);
    return c ? c->config_change : std::string("(missing)");
  };
  // Our hosts: the configured networks kept, the new addresses added, per family.
  EXPECT_EQ(change(SourceClass::ours_missing_from_spf),
            "[domain.spf]\nip4 = [\"192.0.2.0/24\", \"198.51.100.7\"]\nip6 = [\"2001:db8:1::/48\", \"2001:db8:2::25\"]\n");
  EXPECT_EQ(change(SourceClass::unknown_selector), "[[domain.selector]]\nname = \"legacy\"\n");
  EXPECT_EQ(change(SourceClass::not_aligned), "[domain.dmarc]\naspf = \"r\"\n");
  // The third parties' SPF domains (the ESP's bounce domain and the CRM's), for a MAIL FROM at
  // our domain; the forwarder's SRS domain and the mailing list's are not third parties.
  EXPECT_EQ(change(SourceClass::third_party), "[domain.spf]\ninclude = [\"bounces.esp.example\", \"mailer.crm.example\"]\n");
  // No config change fixes these; they say what does.
  EXPECT_EQ(change(SourceClass::spf_not_published), "");
  EXPECT_EQ(change(SourceClass::key_mismatch), "");
  EXPECT_EQ(change(SourceClass::forwarder), "");
  EXPECT_EQ(change(SourceClass::spoofing), "");
  EXPECT_NE(find(a, SourceClass::key_mismatch)->fix.find("s=ed2026"), std::string::npos);
  EXPECT_NE(find(a, SourceClass::key_mismatch)->fix.find("dnsauth-validate selftest"), std::string::npos);
  EXPECT_NE(find(a, SourceClass::spf_not_published)->fix.find("dnsauth-publish generate"), std::string::npos);
  EXPECT_NE(find(a, SourceClass::forwarder)->fix.find("ARC"), std::string::npos);
  EXPECT_NE(find(a, SourceClass::third_party)->fix.find("d=esp.example"), std::string::npos);
}

TEST_F(ReportAdvise, AHostIsOursOnlyWhenItSignsWithOurSelectorForTwoReceivers) {
  // 198.51.100.7 signs with s2026 in the reports of one receiver only: it may be a forwarder that
  // kept our signature intact, so its unsigned mail is not taken for ours.
  DataSet data;
  for (const char* org : {"a.example", "b.example"})
    data.reports.push_back(testdata::report(org, org, testdata::kFirstDay));
  Row passing;
  passing.ip = "198.51.100.7";
  passing.count = 10;
  passing.dkim = "pass";
  passing.auth = {{"dkim", "example.com", "s2026", "pass"}};
  Row unsigned_mail;
  unsigned_mail.ip = "198.51.100.7";
  unsigned_mail.count = 3;
  unsigned_mail.auth = {{"spf", "example.com", "", "fail"}};
  data.rows = {passing, unsigned_mail};
  load(data);
  const config::Domain domain = domain_of(testdata::kConfig);
  Advice one = advice(domain);
  ASSERT_EQ(one.classes.size(), 1u);
  EXPECT_EQ(one.classes[0].cls, SourceClass::spoofing);

  // The same host signing for a second receiver is ours.
  DataSet second;
  second.reports.push_back(data.reports[1]);
  second.rows = {passing};
  second.rows[0].report = 0;
  ASSERT_TRUE(sqlite::exec(db(), "DELETE FROM reports WHERE org_name = 'b.example'"));
  load(second);
  Advice two = advice(domain);
  ASSERT_EQ(two.classes.size(), 1u);
  EXPECT_EQ(two.classes[0].cls, SourceClass::ours_missing_from_spf);
  EXPECT_EQ(two.classes[0].messages, 3u);
  EXPECT_EQ(two.verdict, Verdict::not_yet);  // 3 of 23 legitimate messages fail
}

TEST_F(ReportAdvise, AnExplicitPeriodReplacesTheLastThirtyDays) {
  const DataSet data = testdata::generate();
  load(data);
  AdviseOptions options;
  auto period = parse_period(std::string("2026-01-01"), std::string("2026-03-10"));
  ASSERT_TRUE(period);
  options.period = *period;
  const Advice a = advice(domain_of(testdata::kConfig), options);
  const Expected e = expect(data, *period->since, *period->until);
  EXPECT_EQ(a.reports, 42u);  // the old report too
  EXPECT_EQ(a.totals.messages, e.messages);
  expect_classes(a, e);
}

TEST_F(ReportAdvise, WithSpSubdomainsAreLeftOut) {
  const DataSet data = testdata::generate();
  load(data);
  const Advice a = advice(domain_of(with(testdata::kConfig, "aspf = \"s\"", "aspf = \"s\"\n  sp = \"none\"")));
  EXPECT_FALSE(a.subdomains);
  EXPECT_EQ(a.totals.messages, expect(data, kWindowStart, kWindowEnd, false).messages);
  EXPECT_LT(a.totals.messages, expect(data).messages);
}

TEST_F(ReportAdvise, AtRejectThereIsNothingToDo) {
  load(testdata::generate());
  const Advice a = advice(domain_of(with(testdata::kConfig, "p = \"none\"", "p = \"reject\"")));
  EXPECT_FALSE(a.next);
  EXPECT_EQ(a.verdict, Verdict::nothing_to_do);
  EXPECT_EQ(a.recommendation.rfind("already at p=reject", 0), 0u) << a.recommendation;
  EXPECT_EQ(a.step_change, "");
  EXPECT_FALSE(a.classes.empty());  // the failing sources are still listed
}

TEST_F(ReportAdvise, ThePolicyTheReceiversSawIsComparedWithTheConfig) {
  DataSet data = testdata::generate();
  data.reports[39].p = "quarantine";  // the newest report of the window
  load(data);
  const config::Domain none = domain_of(testdata::kConfig);
  Advice a = advice(none);
  ASSERT_TRUE(a.published);
  EXPECT_EQ(a.published->org_name, data.reports[39].org);
  EXPECT_EQ(a.published->step.p, "quarantine");
  EXPECT_TRUE(a.published_differs);
  Advice b = advice(domain_of(with(testdata::kConfig, "p = \"none\"", "p = \"quarantine\"")));
  EXPECT_FALSE(b.published_differs);
  ASSERT_TRUE(b.next);
  EXPECT_EQ(b.next->p, "reject");
  EXPECT_EQ(b.step_change, "[domain.dmarc]\np = \"reject\"\n");
}

TEST_F(ReportAdvise, NoReportsIsSaid) {
  const config::Domain domain = domain_of(testdata::kConfig);
  const Advice empty = advice(domain);
  EXPECT_EQ(empty.verdict, Verdict::no_reports);
  EXPECT_EQ(empty.reports, 0u);
  EXPECT_EQ(empty.recommendation, "no reports for example.com in the period: nothing to judge the next step by");

  load(testdata::generate());
  const Advice other = advice(domain_of(with(testdata::kConfig, "name = \"example.com\"", "name = \"unknown.example\"")));
  EXPECT_EQ(other.verdict, Verdict::no_reports);
}

TEST_F(ReportAdvise, WithoutADmarcRecordTheStepIsToPublishPNone) {
  std::string toml = testdata::kConfig;
  toml.erase(toml.find("  [domain.dmarc]"));
  const Advice a = advice(domain_of(toml));  // no reports either: p=none needs none
  EXPECT_EQ(a.current.describe(), "no DMARC record");
  ASSERT_TRUE(a.next);
  EXPECT_EQ(a.next->p, "none");
  EXPECT_EQ(a.verdict, Verdict::safe);
  EXPECT_EQ(a.step_change, "[domain.dmarc]\np = \"none\"\nrua = [\"mailto:dmarc-reports@example.com\"]\n");
}

TEST(PolicyLadder, NoneQuarantineRejectWithPctAndTestingStepsWhereTheConfigUsesThem) {
  using S = PolicyStep;
  const std::optional<int> no_pct;
  const std::optional<bool> no_t;
  struct Case {
    S from;
    std::optional<S> to;
  } cases[] = {
      {S{"", no_pct, no_t}, S{"none", no_pct, no_t}},
      {S{"none", no_pct, no_t}, S{"quarantine", no_pct, no_t}},
      {S{"quarantine", no_pct, no_t}, S{"reject", no_pct, no_t}},
      {S{"reject", no_pct, no_t}, std::nullopt},
      // RFC 7489 pct=: 25, 50, 100 at each of quarantine and reject.
      {S{"none", 100, no_t}, S{"quarantine", 25, no_t}},
      {S{"quarantine", 10, no_t}, S{"quarantine", 25, no_t}},
      {S{"quarantine", 25, no_t}, S{"quarantine", 50, no_t}},
      {S{"quarantine", 50, no_t}, S{"quarantine", 100, no_t}},
      {S{"quarantine", 100, no_t}, S{"reject", 25, no_t}},
      {S{"reject", 60, no_t}, S{"reject", 100, no_t}},
      {S{"reject", 100, no_t}, std::nullopt},
      // RFC 9989 t=y: each enforcing step first in testing.
      {S{"none", no_pct, false}, S{"quarantine", no_pct, true}},
      {S{"quarantine", no_pct, true}, S{"quarantine", no_pct, false}},
      {S{"quarantine", no_pct, false}, S{"reject", no_pct, true}},
      {S{"reject", no_pct, true}, S{"reject", no_pct, false}},
      {S{"reject", no_pct, false}, std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(next_step(c.from), c.to) << c.from.describe();
  EXPECT_EQ((S{"quarantine", 25, true}).describe(), "p=quarantine pct=25 t=y");
  EXPECT_EQ((S{"", no_pct, no_t}).describe(), "no DMARC record");
  EXPECT_EQ(format_percent(0), "0%");
  EXPECT_EQ(format_percent(0.042), "0.04%");
  EXPECT_EQ(format_percent(0.3), "0.3%");
  EXPECT_EQ(format_percent(12.4), "12%");
}

}  // namespace
}  // namespace dnsauth::reports

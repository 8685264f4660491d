// A generated DMARC aggregate report data set with known totals, for the tests of reports
// summary, advise and html: 40 reports from 5 organizations over 10 days (2026-03-01 to
// 2026-03-10), one older report (2026-01-15) and one report about another domain, with sources of
// every class that `reports advise` tells apart. Counts come from a seeded PRNG; each row says
// which class it was made to be, so that a test computes every expected number from the rows
// themselves, never by asking the database. The rows are written with plain SQL into the tables
// of reports/schema.sql (the store's own ingest needs the report parser, tested on its own).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "reports/sqlite_util.h"
#include "reports/store.h"
#include "support/test_support.h"

namespace dnsauth::reports::testdata {

inline constexpr const char* kDomain = "example.com";
inline constexpr std::int64_t kFirstDay = 1772323200;  // 2026-03-01T00:00:00Z
inline constexpr std::int64_t kOldDay = 1768435200;    // 2026-01-15T00:00:00Z
inline constexpr std::int64_t kDay = 86400;

// The domain's dnsauth.toml: two selectors (ed2026's published key is wrong in the data), our
// networks, p=none with strict SPF alignment.
inline constexpr const char* kConfig = R"toml(
[[domain]]
name = "example.com"

  [[domain.selector]]
  name = "s2026"

  [[domain.selector]]
  name = "ed2026"
  algorithm = "ed25519-sha256"

  [domain.spf]
  ip4 = ["192.0.2.0/24"]
  ip6 = ["2001:db8:1::/48"]

  [domain.dmarc]
  p = "none"
  aspf = "s"
  rua = ["mailto:dmarc@example.com"]
)toml";

struct Auth {
  std::string kind, domain, selector, result;
};

struct Row {
  std::size_t report = 0;  // index into DataSet::reports
  std::string ip;
  std::uint64_t count = 0;
  std::string disposition = "none";
  std::string dkim = "fail", spf = "fail";  // policy_evaluated
  std::string reasons;
  std::string header_from = kDomain;
  std::vector<Auth> auth;
  // What advise must make of a failing row: its class and detail ("" for a passing row).
  std::string cls, detail;

  bool dmarc_pass() const { return dkim == "pass" || spf == "pass"; }
};

struct Report {
  std::string org, id;
  std::int64_t begin = 0, end = 0;
  std::string domain = kDomain, p = "none";
  std::optional<int> pct;
  std::string testing;
};

// A report of example.com (p=none) from org whose range begins at begin and lasts a day.
inline Report report(std::string org, std::string id, std::int64_t begin) {
  Report r;
  r.org = std::move(org);
  r.id = std::move(id);
  r.begin = begin;
  r.end = begin + 86400 - 1;
  return r;
}

struct DataSet {
  std::vector<Report> reports;
  std::vector<Row> rows;
};

inline const std::vector<std::string>& organizations() {
  static const std::vector<std::string> orgs = {"google.com", "Outlook.com", "Yahoo! Inc.", "mail.ru",
                                                "Receiver <b>&</b> Co"};
  return orgs;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  DataSet make() {
    for (std::size_t i = 0; i < 40; ++i) {
      const std::size_t org = i % 5;
      const std::int64_t day = static_cast<std::int64_t>(i / 4);
      const std::int64_t begin = kFirstDay + day * kDay + 60 * static_cast<std::int64_t>(i % 4);
      data_.reports.push_back(report(organizations()[org], "r" + std::to_string(i), begin));
      rows_of(i, org, day);
    }
    // An old report, outside advise's default 30 days and inside summary's unbounded period.
    data_.reports.push_back(report(organizations()[0], "old", kOldDay));
    add(row(40, "192.0.2.10", between(100, 200), "pass", "pass", {dkim_pass("s2026"), spf_ours("pass")}));
    add(row(40, "185.220.101.1", between(10, 50), "fail", "fail", {spf_ours("fail")}, "spoofing"));
    // Reports about other domains: not example.com's, though one ends alike.
    for (const char* other : {"example.net", "notexample.com"}) {
      data_.reports.push_back(report(organizations()[1], other, kFirstDay + 5 * kDay));
      data_.reports.back().domain = other;
      Row r = row(data_.reports.size() - 1, "192.0.2.10", between(1, 99), "pass", "pass",
                  {Auth{"dkim", other, "s1", "pass"}});
      r.header_from = other;
      add(r);
    }
    // A subdomain with a DMARC record of its own: its reports are about its policy.
    data_.reports.push_back(report(organizations()[2], "shop", kFirstDay + 4 * kDay + 300));
    data_.reports.back().domain = "shop.example.com";
    {
      Row r = row(data_.reports.size() - 1, "192.0.2.12", between(10, 99), "pass", "pass",
                  {Auth{"dkim", "shop.example.com", "s2026", "pass"}, Auth{"spf", "shop.example.com", "", "pass"}});
      r.header_from = "shop.example.com";
      add(r);
    }
    return std::move(data_);
  }

 private:
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }
  bool chance(unsigned percent) { return rng_() % 100 < percent; }

  static Auth dkim_pass(const std::string& selector) { return Auth{"dkim", kDomain, selector, "pass"}; }
  static Auth dkim_fail(const std::string& selector) { return Auth{"dkim", kDomain, selector, "fail"}; }
  static Auth spf_ours(const std::string& result) { return Auth{"spf", kDomain, "", result}; }

  static Row row(std::size_t report, std::string ip, std::uint64_t count, std::string dkim, std::string spf,
                 std::vector<Auth> auth, std::string cls = "", std::string detail = "") {
    Row r;
    r.report = report;
    r.ip = std::move(ip);
    r.count = count;
    r.dkim = std::move(dkim);
    r.spf = std::move(spf);
    r.auth = std::move(auth);
    r.cls = std::move(cls);
    r.detail = std::move(detail);
    return r;
  }
  void add(Row r) { data_.rows.push_back(std::move(r)); }

  void rows_of(std::size_t i, std::size_t org, std::int64_t day) {
    // Our outbound host, in [domain.spf]: everything passes.
    add(row(i, "192.0.2.10", between(200, 400), "pass", "pass", {dkim_pass("s2026"), spf_ours("pass")}));
    // A subdomain's mail (no sp=: it follows p=), passing.
    {
      Row r = row(i, "192.0.2.11", between(20, 80), "pass", "pass",
                  {dkim_pass("s2026"), Auth{"spf", "news.example.com", "", "pass"}});
      r.header_from = "news.example.com";
      add(r);
    }
    // Unsigned mail from an address of [domain.spf] whose SPF fails: the record is not published.
    if (i % 2 == 0)
      add(row(i, "192.0.2.30", between(1, 30), "fail", "fail", {spf_ours("fail")}, "spf_not_published",
              "spf example.com fail"));
    // Our hosts missing from SPF: they sign with s2026 for three (two) receivers.
    if (org <= 2) {
      add(row(i, "198.51.100.7", between(50, 150), "pass", "fail", {dkim_pass("s2026"), spf_ours("softfail")}));
      if (day % 2 == 0)
        add(row(i, "198.51.100.7", between(1, 20), "fail", "fail", {spf_ours("softfail")}, "ours_missing_from_spf",
                "signs for 3 receivers"));
    }
    if (org == 0 || org == 3) {
      add(row(i, "2001:db8:2::25", between(10, 40), "pass", "fail", {dkim_pass("s2026"), spf_ours("fail")}));
      if (day % 2 == 1)
        add(row(i, "2001:db8:2::25", between(1, 10), "fail", "fail", {spf_ours("fail")}, "ours_missing_from_spf",
                "signs for 2 receivers"));
    }
    // Forwarders the receivers name.
    if (org == 1) {
      Row r = row(i, "203.0.113.50", between(5, 25), "fail", "fail", {dkim_fail("s2026"), spf_ours("fail")},
                  "forwarder", "forwarded");
      r.reasons = "forwarded";
      add(r);
    }
    if (org == 4) {
      Row r = row(i, "203.0.113.60", between(5, 25), "fail", "fail", {Auth{"spf", "list.example.org", "", "pass"}},
                  "forwarder", "mailing_list");
      r.reasons = "mailing_list: list.example.org";
      add(r);
    }
    // A forwarder that rewrites the envelope (SRS) and breaks our signature, for one receiver.
    if (org == 0)
      add(row(i, "203.0.113.70", between(3, 15), "fail", "fail",
              {dkim_fail("s2026"), Auth{"spf", "forwarder.example", "", "pass"}}, "forwarder",
              "s=s2026 broken in transit"));
    // ed2026 fails everywhere: its published key does not match.
    if (org == 2)
      add(row(i, "198.51.100.99", between(10, 60), "fail", "fail", {dkim_fail("ed2026"), spf_ours("fail")},
              "key_mismatch", "s=ed2026"));
    // A selector of our domain that the config does not have.
    if (org == 1 || org == 3)
      add(row(i, "198.51.100.150", between(2, 12), "fail", "fail",
              {Auth{"dkim", kDomain, "legacy", "permerror"}, spf_ours("fail")}, "unknown_selector", "s=legacy"));
    // Our address, a MAIL FROM under a subdomain: SPF passes, but aspf=s finds it not aligned.
    if (org == 2 || org == 4)
      add(row(i, "192.0.2.40", between(5, 30), "fail", "fail", {Auth{"spf", "bounce.example.com", "", "pass"}},
              "not_aligned", "spf bounce.example.com"));
    // Third parties: an ESP signing and bouncing with its own domains; a CRM with SPF only.
    add(row(i, "209.85.220.41", between(30, 120), "fail", "fail",
            {Auth{"dkim", "esp.example", "k1", "pass"}, Auth{"spf", "bounces.esp.example", "", "pass"}}, "third_party",
            "d=esp.example"));
    if (org <= 1)
      add(row(i, "40.92.0.5", between(5, 40), "fail", "fail", {Auth{"spf", "mailer.crm.example", "", "pass"}},
              "third_party", "spf mailer.crm.example"));
    // Spoofing: nothing passes, and nothing of ours or of a known party appears.
    if (chance(70)) {
      Row r = row(i, "185.220.101.1", between(1, 300), "fail", "fail", {spf_ours("fail")}, "spoofing");
      if (org == 3) r.disposition = "quarantine";
      add(r);
    }
    if (org == 3)
      add(row(i, "2001:db8:bad::1", between(1, 50), "fail", "fail",
              {Auth{"dkim", "spoof.example", "x", "fail"}, spf_ours("fail")}, "spoofing"));
    // A From with two addresses (RFC 7489 6.6.1): receivers write both domains; the report,
    // about example.com's policy, makes it example.com's.
    {
      Row r = row(i, "192.0.2.10", between(1, 9), "pass", "pass", {dkim_pass("s2026"), spf_ours("pass")});
      r.header_from = "pages.example.com, example.com";
      add(r);
    }
  }

  std::mt19937_64 rng_;
  DataSet data_;
};

inline DataSet generate(std::uint64_t seed = 18) { return Generator(seed).make(); }

// Writes the data set into an open report database (reports/schema.sql).
inline void insert(sqlite3* db, const DataSet& data) {
  auto report = sqlite::Statement::prepare(
      db, "INSERT INTO reports (org_name, report_id, schema, date_begin, date_end, domain, p, pct, testing, source, "
          "ingested_at) VALUES (?1, ?2, 'rfc7489', ?3, ?4, ?5, ?6, ?7, ?8, 'generated', 0)");
  auto record = sqlite::Statement::prepare(
      db, "INSERT INTO records (report, source_ip, count, disposition, dkim, spf, reasons, header_from) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  auto auth = sqlite::Statement::prepare(
      db, "INSERT INTO auth_results (record, ordinal, kind, domain, selector, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  ASSERT_TRUE(report && record && auth);
  ASSERT_TRUE(sqlite::exec(db, "BEGIN"));
  std::vector<std::int64_t> ids;
  for (const auto& r : data.reports) {
    report->bind(1, r.org).bind(2, r.id).bind(3, r.begin).bind(4, r.end).bind(5, r.domain).bind(6, r.p).bind(8, r.testing);
    if (r.pct) report->bind(7, std::int64_t{*r.pct});
    else report->bind_null(7);
    auto done = report->step();
    ASSERT_TRUE(done) << done.error().detail;
    report->reset();
    auto id = sqlite::query_int(db, "SELECT last_insert_rowid()");
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  for (const auto& row : data.rows) {
    record->bind(1, ids[row.report]).bind(2, row.ip).bind(3, static_cast<std::int64_t>(row.count))
        .bind(4, row.disposition).bind(5, row.dkim).bind(6, row.spf).bind(7, row.reasons).bind(8, row.header_from);
    auto done = record->step();
    ASSERT_TRUE(done) << done.error().detail;
    record->reset();
    auto id = sqlite::query_int(db, "SELECT last_insert_rowid()");
    ASSERT_TRUE(id);
    for (std::size_t k = 0; k < row.auth.size(); ++k) {
      const Auth& a = row.auth[k];
      auth->bind(1, *id).bind(2, static_cast<std::int64_t>(k)).bind(3, a.kind).bind(4, a.domain).bind(5, a.selector)
          .bind(6, a.result);
      auto stored = auth->step();
      ASSERT_TRUE(stored) << stored.error().detail;
      auth->reset();
    }
  }
  ASSERT_TRUE(sqlite::exec(db, "COMMIT"));
}

// A test with a fresh, empty report database of its own.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("dnsauth-reports-");
    auto store = Store::open((dir_ / "reports.db").string());
    ASSERT_TRUE(store) << store.error().message();
    store_.emplace(std::move(*store));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void load(const DataSet& data) { ASSERT_NO_FATAL_FAILURE(insert(store_->db(), data)); }
  sqlite3* db() const { return store_->db(); }

  std::filesystem::path dir_;
  std::optional<Store> store_;
};

// The row counts for example.com when its report begins in [since, until]: its report is about
// example.com's policy or its header_from is example.com -- or, with subdomains, either is a
// subdomain; without, a header_from below example.com does not count.
inline bool counted(const DataSet& data, const Row& row, std::int64_t since = INT64_MIN,
                    std::int64_t until = INT64_MAX, bool subdomains = true) {
  const Report& r = data.reports[row.report];
  auto below = [](const std::string& name) { return name.ends_with(".example.com"); };
  const bool ours = r.domain == kDomain || row.header_from == kDomain ||
                    (subdomains && (below(r.domain) || below(row.header_from)));
  return ours && !(!subdomains && below(row.header_from)) && r.begin >= since && r.begin <= until;
}

// The reports that have a counted row.
inline std::size_t counted_reports(const DataSet& data, std::int64_t since = INT64_MIN, std::int64_t until = INT64_MAX) {
  std::vector<bool> seen(data.reports.size());
  for (const Row& row : data.rows)
    if (counted(data, row, since, until)) seen[row.report] = true;
  return static_cast<std::size_t>(std::count(seen.begin(), seen.end(), true));
}

}  // namespace dnsauth::reports::testdata

#include "reports/summary.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/common/ascii.h"
#include "reports/query.h"

namespace dnsauth::reports {

namespace {

using sqlite::Statement;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

Counts read_counts(const Statement& s, int first) {
  Counts c;
  c.messages = detail::count(s, first);
  c.dmarc_pass = detail::count(s, first + 1);
  c.dkim_aligned = detail::count(s, first + 2);
  c.spf_aligned = detail::count(s, first + 3);
  c.dmarc_fail = c.messages - c.dmarc_pass;
  return c;
}

// The dispositions as SQL columns over c, in the order of Dispositions.
constexpr const char* kDispositionColumns =
    " SUM(CASE WHEN c.disposition = 'none' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.disposition = 'quarantine' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.disposition = 'reject' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.disposition = 'pass' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.disposition NOT IN ('none', 'quarantine', 'reject', 'pass') THEN c.count ELSE 0 END) ";

Dispositions read_dispositions(const Statement& s, int first) {
  return Dispositions{detail::count(s, first), detail::count(s, first + 1), detail::count(s, first + 2), detail::count(s, first + 3), detail::count(s, first + 4)};
}

// One raw result of one source (an index into Summary::sources).
struct AuthKey {
  std::size_t source = 0;
  std::string kind, domain, selector, result;
  friend bool operator==(const AuthKey&, const AuthKey&) = default;
};
struct AuthKeyHash {
  std::size_t operator()(const AuthKey& k) const noexcept {
    std::size_t h = std::hash<std::size_t>()(k.source);
    for (const std::string* s : {&k.kind, &k.domain, &k.selector, &k.result})
      h = h * 1000003u ^ std::hash<std::string>()(*s);
    return h;
  }
};

void add(Counts& to, const Counts& c) {
  to.messages += c.messages;
  to.dmarc_pass += c.dmarc_pass;
  to.dmarc_fail += c.dmarc_fail;
  to.dkim_aligned += c.dkim_aligned;
  to.spf_aligned += c.spf_aligned;
}

void add(Dispositions& to, const Dispositions& d) {
  to.none += d.none;
  to.quarantine += d.quarantine;
  to.reject += d.reject;
  to.pass += d.pass;
  to.other += d.other;
}

// Totals, organizations, days and policies: each report's counts from one pass over the records
// (GROUP BY report), then added up here -- a few rows per report instead of four more passes.
Result<void> read_reports(const detail::Scope& q, Summary& out) {
  auto s = q.prepare(std::string("SELECT r.id, r.org_name, r.date_begin, r.domain, r.p, r.sp, r.pct, r.testing, x.*") +
                     " FROM (SELECT c.report," + detail::kCountColumns + "," + kDispositionColumns +
                     detail::records_of_domain() + " GROUP BY c.report) x JOIN reports r ON r.id = x.report");
  if (!s) return tl::unexpected(s.error());
  std::map<std::string, OrganizationRow> orgs;
  std::map<std::int64_t, DayRow> days;
  std::map<std::tuple<std::string, std::string, std::string, std::optional<std::int64_t>, std::string>, PolicySeen>
      policies;
  constexpr int kCounts = 9;  // x.report is column 8
  auto rows = detail::each_row(*s, [&](const Statement& row) {
    const Counts counts = read_counts(row, kCounts);
    const Dispositions dispositions = read_dispositions(row, kCounts + detail::kCountColumnCount);
    const std::int64_t begin = row.int64(2);
    ++out.reports;
    if (!out.first_report || begin < *out.first_report) out.first_report = begin;
    if (!out.last_report || begin > *out.last_report) out.last_report = begin;
    add(out.totals, counts);
    add(out.dispositions, dispositions);
    OrganizationRow& org = orgs[row.text(1)];
    org.name = row.text(1);
    ++org.reports;
    add(org.counts, counts);
    DayRow& day = days[day_start(begin)];
    day.start = day_start(begin);
    add(day.counts, counts);
    std::optional<std::int64_t> pct;
    if (!row.is_null(6)) pct = row.int64(6);
    PolicySeen& p = policies[{row.text(3), row.text(4), row.text(5), pct, row.text(7)}];
    if (p.reports++ == 0) p = PolicySeen{row.text(3), row.text(4), row.text(5), pct, row.text(7), 1, begin};
    p.last_seen = std::max(p.last_seen, begin);
  });
  if (!rows) return rows;
  for (auto& [name, org] : orgs) out.organizations.push_back(std::move(org));
  std::stable_sort(out.organizations.begin(), out.organizations.end(),
                   [](const OrganizationRow& a, const OrganizationRow& b) { return a.counts.messages > b.counts.messages; });
  for (auto& [start, day] : days) {
    day.day = format_day(start);
    out.days.push_back(std::move(day));
  }
  for (auto& [key, p] : policies) out.policies.push_back(std::move(p));
  std::stable_sort(out.policies.begin(), out.policies.end(), [](const PolicySeen& a, const PolicySeen& b) {
    return std::tie(b.last_seen, b.reports) < std::tie(a.last_seen, a.reports);
  });
  return {};
}

Result<void> read_sources(const detail::Scope& q, Summary& out) {
  auto s = q.prepare(std::string("SELECT c.source_ip,") + detail::kCountColumns + "," + kDispositionColumns +
                     detail::records_of_domain() + " GROUP BY c.source_ip ORDER BY 2 DESC, c.source_ip");
  if (!s) return tl::unexpected(s.error());
  auto rows = detail::each_row(*s, [&](const Statement& row) {
    out.sources.push_back(SourceRow{row.text(0), read_counts(row, 1),
                                    read_dispositions(row, 1 + detail::kCountColumnCount), {}});
  });
  if (!rows) return rows;
  // The raw results of each source, added up here in one pass rather than by a GROUP BY: on
  // millions of results, SQLite's sort on five text columns took four times as long. A record
  // that lists the same result twice (two signatures with one d= and s=) counts its messages
  // once: the results come ordered by record, and a record's are compared with each other.
  auto a = q.prepare("SELECT a.record, c.source_ip, c.count, a.kind, a.domain, a.selector, a.result" +
                     detail::records_of_domain(" JOIN auth_results a ON a.record = c.id") + " ORDER BY a.record");
  if (!a) return tl::unexpected(a.error());
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < out.sources.size(); ++i) index.emplace(out.sources[i].ip, i);
  std::unordered_map<AuthKey, std::uint64_t, AuthKeyHash> sums;
  std::optional<std::int64_t> record;
  std::vector<AuthKey> seen;  // the current record's results
  rows = detail::each_row(*a, [&](const Statement& row) {
    if (row.int64(0) != record) record = row.int64(0), seen.clear();
    // Both queries read the same records, so every source is there.
    auto at = index.find(row.text(1));
    if (at == index.end()) return;
    AuthKey key{at->second, row.text(3), row.text(4), row.text(5), row.text(6)};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) return;
    sums[key] += detail::count(row, 2);
    seen.push_back(std::move(key));
  });
  if (!rows) return rows;
  for (auto& [key, messages] : sums)
    out.sources[key.source].auth.push_back(AuthSeen{key.kind, key.domain, key.selector, key.result, messages});
  for (auto& source : out.sources)
    std::sort(source.auth.begin(), source.auth.end(), [](const AuthSeen& x, const AuthSeen& y) {
      return std::tie(x.kind, y.messages, x.domain, x.selector, x.result) <
             std::tie(y.kind, x.messages, y.domain, y.selector, y.result);
    });
  return {};
}

}  // namespace

std::int64_t day_start(std::int64_t t) { return floor_div(t, kSecondsPerDay) * kSecondsPerDay; }

Result<std::int64_t> parse_day(std::string_view text) {
  auto bad = [&] {
    return make_error(Errc::invalid_argument, "'" + std::string(text) + "' is not a day (YYYY-MM-DD)");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!ascii::is_digit(text[i])) return bad();
  auto number = [&](std::size_t from, std::size_t n) {
    unsigned v = 0;
    for (std::size_t i = from; i < from + n; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
    return v;
  };
  const std::int64_t y = number(0, 4);
  const unsigned m = number(5, 2), d = number(8, 2);
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return bad();
  return days_from_civil(y, m, d) * kSecondsPerDay;
}

std::string format_day(std::int64_t t) {
  // H. Hinnant's civil_from_days.
  const std::int64_t z = floor_div(t, kSecondsPerDay) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

Result<Period> parse_period(const std::optional<std::string>& since, const std::optional<std::string>& until) {
  Period p;
  if (since) {
    auto d = parse_day(*since);
    if (!d) return tl::unexpected(d.error());
    p.since = *d;
  }
  if (until) {
    auto d = parse_day(*until);
    if (!d) return tl::unexpected(d.error());
    p.until = *d + kSecondsPerDay - 1;
  }
  if (p.since && p.until && *p.since > *p.until)
    return make_error(Errc::invalid_argument, "the period ends (" + *until + ") before it begins (" + *since + ")");
  return p;
}

std::string dispositions_text(const Dispositions& d) {
  std::string out;
  const std::pair<const char*, std::uint64_t> all[] = {
      {"none", d.none}, {"quarantine", d.quarantine}, {"reject", d.reject}, {"pass", d.pass}, {"other", d.other}};
  for (const auto& [name, n] : all)
    if (n) out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(n);
  return out.empty() ? "-" : out;
}

std::string auth_text(const SourceRow& source, std::string_view kind) {
  std::string out;
  for (const auto& a : source.auth) {
    if (a.kind != kind) continue;
    out += (out.empty() ? "" : "; ") + a.domain + (a.selector.empty() ? "" : " s=" + a.selector) + " " + a.result +
           " " + std::to_string(a.messages);
  }
  return out.empty() ? "-" : out;
}

Result<Summary> summarize(sqlite3* db, std::string_view domain, const Period& period) {
  auto name = detail::normalize_domain(domain);
  if (!name) return tl::unexpected(name.error());
  Summary out;
  out.domain = *name;
  out.period = period;
  const detail::Scope q{db, out.domain, period.since.value_or(std::numeric_limits<std::int64_t>::min()),
                        period.until.value_or(std::numeric_limits<std::int64_t>::max()), true};
  for (auto read : {read_reports, read_sources})
    if (auto r = read(q, out); !r) return tl::unexpected(r.error());
  return out;
}

}  // namespace dnsauth::reports

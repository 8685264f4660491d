#include "reports/summary.h"

#include <cstdio>
#include <limits>
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

Result<void> read_totals(const detail::Scope& q, Summary& out) {
  auto s = q.prepare(std::string("SELECT COUNT(DISTINCT r.id), MIN(r.date_begin), MAX(r.date_begin),") +
                     detail::kCountColumns + "," + kDispositionColumns + detail::records_of_domain());
  if (!s) return tl::unexpected(s.error());
  auto row = s->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return {};
  out.reports = detail::count(*s, 0);
  if (!s->is_null(1)) out.first_report = s->int64(1), out.last_report = s->int64(2);
  out.totals = read_counts(*s, 3);
  out.dispositions = read_dispositions(*s, 3 + detail::kCountColumnCount);
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
  // The raw results of each source. A record that lists the same result twice (two signatures
  // with one d= and s=) counts its messages once: the NOT EXISTS keeps the first of equals.
  auto a = q.prepare(
      "SELECT c.source_ip, a.kind, a.domain, a.selector, a.result, SUM(c.count)" +
      detail::records_of_domain(
          " JOIN auth_results a ON a.record = c.id AND NOT EXISTS (SELECT 1 FROM auth_results b"
          " WHERE b.record = a.record AND b.ordinal < a.ordinal AND b.kind = a.kind AND b.domain = a.domain"
          " AND b.selector = a.selector AND b.result = a.result)") +
      " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 6 DESC, 3, 4, 5");
  if (!a) return tl::unexpected(a.error());
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < out.sources.size(); ++i) index.emplace(out.sources[i].ip, i);
  return detail::each_row(*a, [&](const Statement& row) {
    // Both queries group the same records, so every source is there.
    if (auto at = index.find(row.text(0)); at != index.end())
      out.sources[at->second].auth.push_back(
          AuthSeen{row.text(1), row.text(2), row.text(3), row.text(4), detail::count(row, 5)});
  });
}

Result<void> read_organizations(const detail::Scope& q, Summary& out) {
  auto s = q.prepare(std::string("SELECT r.org_name, COUNT(DISTINCT r.id),") + detail::kCountColumns +
                     detail::records_of_domain() + " GROUP BY r.org_name ORDER BY 3 DESC, r.org_name");
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    out.organizations.push_back(OrganizationRow{row.text(0), detail::count(row, 1), read_counts(row, 2)});
  });
}

Result<void> read_days(const detail::Scope& q, Summary& out) {
  // The day of date_begin, floored (a date before 1970 is no report's, but stays well defined).
  auto s = q.prepare(std::string("SELECT r.date_begin - (((r.date_begin % 86400) + 86400) % 86400) AS day,") +
                     detail::kCountColumns + detail::records_of_domain() + " GROUP BY day ORDER BY day");
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    out.days.push_back(DayRow{row.int64(0), format_day(row.int64(0)), read_counts(row, 1)});
  });
}

Result<void> read_policies(const detail::Scope& q, Summary& out) {
  auto s = q.prepare(std::string("SELECT r.domain, r.p, r.sp, r.pct, r.testing, COUNT(DISTINCT r.id), MAX(r.date_begin)") +
                     detail::records_of_domain() + " GROUP BY 1, 2, 3, 4, 5 ORDER BY 7 DESC, 6 DESC, 1, 2");
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    PolicySeen p{row.text(0), row.text(1), row.text(2), std::nullopt, row.text(4), detail::count(row, 5), row.int64(6)};
    if (!row.is_null(3)) p.pct = row.int64(3);
    out.policies.push_back(std::move(p));
  });
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
  for (auto read : {read_totals, read_sources, read_organizations, read_days, read_policies})
    if (auto r = read(q, out); !r) return tl::unexpected(r.error());
  return out;
}

}  // namespace dnsauth::reports

// Private to reports/: what the read-only answers (summary.cpp, advise.cpp) share -- the one
// rule that says which records belong to a domain and a period, written once as SQL so that
// summary, advise and html count the same messages, and reading sums of counts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "reports/sqlite_util.h"

namespace dnsauth::reports::detail {

// The FROM and WHERE of every question: the records of the reports whose date range begins in
// [?2, ?3] that belong to the domain ?1 -- their report is about its policy (policy_published
// domain ?1) or their header_from is ?1 -- and, when ?4 is 1, those of its subdomains the same
// way; when ?4 is 0, a record whose header_from is a subdomain is left out even in a report
// about ?1 (it follows sp=). Records are aliased c, their reports r; `join` adds more tables
// (auth_results a, say). ?1 must be lowercase, as the store keeps domains.
std::string records_of_domain(std::string_view join = {});

// The counts every answer gives, as SQL columns over c (records) in this order: messages, DMARC
// pass (either aligned identifier passed, RFC 7489 6.6.2), DKIM aligned, SPF aligned.
inline constexpr const char* kCountColumns =
    " SUM(c.count),"
    " SUM(CASE WHEN c.dkim = 'pass' OR c.spf = 'pass' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.dkim = 'pass' THEN c.count ELSE 0 END),"
    " SUM(CASE WHEN c.spf = 'pass' THEN c.count ELSE 0 END) ";
inline constexpr int kCountColumnCount = 4;

// A sum of counts (NULL for no rows reads 0; never negative).
std::uint64_t count(const sqlite::Statement& row, int column);

// The records a question is about: the domain (lowercase), the bounds on date_begin, and
// whether subdomains count.
struct Scope {
  sqlite3* db = nullptr;
  std::string domain;
  std::int64_t since = 0, until = 0;
  bool subdomains = true;

  // sql (built on records_of_domain) prepared, with ?1 to ?4 bound.
  Result<sqlite::Statement> prepare(const std::string& sql) const;
};

// Calls f(statement) for each row; the first error of SQLite ends it.
template <class F>
Result<void> each_row(sqlite::Statement& statement, F&& f) {
  while (true) {
    auto row = statement.step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    f(statement);
  }
}

// The domain as the store keeps header_from (lowercase, no trailing dot); Errc::invalid_argument
// for an empty name.
Result<std::string> normalize_domain(std::string_view domain);

}  // namespace dnsauth::reports::detail

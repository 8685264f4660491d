#include "reports/query.h"

#include "core/common/ascii.h"

namespace dnsauth::reports::detail {

std::string records_of_domain(std::string_view join) {
  std::string sql = " FROM records c JOIN reports r ON r.id = c.report ";
  sql += join;
  sql +=
      " WHERE (c.header_from = ?1 OR (?4 = 1 AND substr(c.header_from, -length(?1) - 1) = '.' || ?1))"
      " AND r.date_begin BETWEEN ?2 AND ?3 ";
  return sql;
}

std::uint64_t count(const sqlite::Statement& row, int column) {
  const std::int64_t v = row.int64(column);
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

Result<sqlite::Statement> Scope::prepare(const std::string& sql) const {
  auto s = sqlite::Statement::prepare(db, sql);
  // The domain is bound without a copy: it lives in this Scope, which outlives the statement.
  if (s) s->bind(1, domain).bind(2, since).bind(3, until).bind(4, std::int64_t{subdomains ? 1 : 0});
  return s;
}

Result<std::string> normalize_domain(std::string_view domain) {
  std::string d = ascii::to_lower(domain);
  if (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty()) return make_error(Errc::invalid_argument, "the domain is empty");
  return d;
}

}  // namespace dnsauth::reports::detail

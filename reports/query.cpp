#include "reports/query.h"

#include "core/common/ascii.h"

namespace dnsauth::reports::detail {

std::string records_of_domain(std::string_view join) {
  std::string sql = " FROM records c JOIN reports r ON r.id = c.report ";
  sql += join;
  // A header_from that lists several domains ("a.example.com, example.com": a From with several
  // addresses, RFC 7489 6.6.1) is no domain's subdomain; it counts with its report.
  const std::string sub_from = "substr(c.header_from, -length(?1) - 1) = '.' || ?1";
  const std::string sub_policy = "substr(r.domain, -length(?1) - 1) = '.' || ?1";
  sql += " WHERE (r.domain = ?1 OR c.header_from = ?1 OR (?4 = 1 AND (" + sub_policy + " OR " + sub_from +
         "))) AND NOT (?4 = 0 AND " + sub_from + ") AND r.date_begin BETWEEN ?2 AND ?3 ";
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

// The DMARC aggregate report database: one SQLite file in WAL mode (reports/schema.sql, the
// README's "Report database"). Ingest is idempotent: a report is identified by its
// organization and report id (RFC 7489 7.2.1.1: report_id is "unique per Mail Receiver"),
// stored once, and each document is stored in one transaction, all of its records or nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/common/error.h"
#include "core/dmarc_report/parser.h"

struct sqlite3;

namespace dnsauth::reports {

class Store {
 public:
  // Opens (and creates, with its folder's permissions) the database at path and brings its
  // schema up to date. Errc::io naming the path when SQLite cannot open or write it;
  // Errc::unsupported when the file is a database of a newer schema version.
  static Result<Store> open(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  enum class Outcome { stored, duplicate };
  struct Ingested {
    Outcome outcome = Outcome::stored;
    std::string org_name, report_id, domain;
    std::size_t records = 0;      // stored (0 for a duplicate)
    std::uint64_t messages = 0;   // the records' counts summed
  };

  // Parses the report document `xml` (modified in place by the parser) and stores it, in one
  // transaction; `source` says where it came from (a path, "path!member") and `now` is the
  // ingest time. A report already stored is a duplicate: its parse stops at the header and
  // nothing is written. A parse error rolls back every record of that document and is
  // returned as is; nothing is recorded as rejected (the caller does that, with the source).
  Result<Ingested> ingest(std::string& xml, const std::string& source, std::int64_t now);

  // Records an input that was not stored and why (the same source and reason once).
  Result<void> reject(const std::string& source, const std::string& reason, std::int64_t now);

  // The open connection, for the read-only queries of summary, advise and html.
  sqlite3* db() const noexcept;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsauth::reports

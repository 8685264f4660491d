// The DMARC aggregate report database: one SQLite file in WAL mode (reports/schema.sql, the
// README's "Report database"). Ingest is idempotent: a report is identified by its
// organization and report id (RFC 7489 7.2.1.1: report_id is "unique per Mail Receiver"),
// stored once, and each document is stored whole or not at all (a savepoint of its own).
//
// Commits come in batches: ingest() opens a transaction and commits it after kBatchDocuments
// documents or once kBatchTime has passed, whichever comes first; commit() commits what is
// left, and so does the destructor. A commit rewrites the last page of every table and index
// in the WAL, which per document was more than the document's own rows (bench/README.md,
// "Report ingest"). Readers (summary, html: WAL) see a batch once it is committed; another
// ingest waits for the write lock at most that long. A crash loses at most the open batch,
// which the next run ingests again (ingest is idempotent).
#pragma once

#include <chrono>
#include <cstddef>
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

  static constexpr std::size_t kBatchDocuments = 16;
  static constexpr std::chrono::milliseconds kBatchTime{250};

  // Parses the report document `xml` (modified in place by the parser) and stores it, whole or
  // not at all, in the open batch; `source` says where it came from (a path, "path!member")
  // and `now` is the ingest time. A report already stored is a duplicate: its parse stops at
  // the header and nothing is written. A parse error takes back every record of that document
  // and is returned as is; nothing is recorded as rejected (the caller does that, with the
  // source). Errc::io when the database fails: the whole open batch is rolled back, and the
  // error says how many stored reports that took back.
  Result<Ingested> ingest(std::string& xml, const std::string& source, std::int64_t now);

  // Commits the open batch, if any (the command does at its end). Errc::io as for ingest().
  Result<void> commit();

  // Records an input that was not stored and why (the same source and reason once).
  Result<void> reject(const std::string& source, const std::string& reason, std::int64_t now);

  // The open connection, for the read-only queries of summary, advise and html.
  sqlite3* db() const noexcept;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  // Rolls the open batch back after a database failure: e with the path and what was lost.
  tl::unexpected<Error> abandon(const Error& e);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsauth::reports

#include "reports/store.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "reports/schema.h"
#include "reports/sqlite_util.h"

namespace dnsauth::reports {

namespace {

// The newest schema this code knows (schema.sql's PRAGMA user_version).
constexpr int kSchemaVersion = 1;

std::string join_lines(const std::vector<std::string_view>& lines) {
  std::string out;
  for (const auto& l : lines) (out += out.empty() ? "" : "\n") += l;
  return out;
}

std::string reasons_text(const std::vector<dmarc_report::PolicyOverride>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += '\n';
    out += r.type;
    if (!r.comment.empty()) (out += ": ") += r.comment;
  }
  return out;
}

// A multi-row INSERT: rows are buffered and written kRows at a time by one statement; what is
// left at the end of a document goes out in halving batches (32, 16, ..., 1 rows), one
// statement each. SQLite's cost is per statement step more than per row, so this makes the
// store about twice as fast as one INSERT per row (bench/README.md, "Report ingest"). Texts
// are the parser's views (core/dmarc_report/report.h), valid until the document's rows are
// all written (Store::ingest flushes before the next parse): neither kept nor bound is a copy.
//
// Binding is a third of SQLite's cost here, and most values are the same as the one already
// bound at that place of the statement (SQLite keeps bindings across runs): the document's
// report id, ordinal 0, "pass", "" for what a receiver left out. Such a value is not bound
// again: an integer when it is equal, a text when it is one of the schema's enumerated values
// and empty text, which are bound from static storage (constant()) so that the pointer says
// it is the same. A view into a document is always bound anew: its memory may hold another
// document by the next run.
class BatchInsert {
 public:
  static constexpr int kRows = 64;

  // head: "INSERT INTO table (a, b, c)"; row: one row's values, "(?, ?, 'x')", with
  // `parameters` question marks (constants in it cost no binding).
  Result<void> prepare(sqlite3* db, std::string_view head, std::string_view row, int parameters) {
    columns_ = parameters;
    cells_.assign(static_cast<std::size_t>(kRows * parameters), Cell{});
    statements_.clear();
    bound_.clear();
    for (int rows = kRows; rows >= 1; rows /= 2) {
      std::string sql(head);
      sql += " VALUES ";
      for (int r = 0; r < rows; ++r) (sql += r ? ", " : "") += row;
      auto st = sqlite::Statement::prepare(db, sql);
      if (!st) return tl::unexpected(st.error());
      statements_.push_back(std::move(*st));
      bound_.emplace_back(static_cast<std::size_t>(rows * parameters));
    }
    return {};
  }

  // The rows to come get the rowids next, next + 1, ... from SQLite (the table's INTEGER
  // PRIMARY KEY is left out of the INSERT: appending at the end of the table, SQLite skips
  // the search an explicit key costs). Each write checks that they did; rows of other tables
  // refer to them by these ids before they are written.
  void expect_rowids(std::int64_t next) { next_rowid_ = next; }

  BatchInsert& text(std::string_view v) {
    Cell& c = cells_[used_++];
    c.is_text = true;
    const std::string_view* k = constant(v);
    c.constant = k != nullptr;
    c.text = k ? *k : v;
    return *this;
  }
  BatchInsert& integer(std::int64_t v) {
    Cell& c = cells_[used_++];
    c.is_text = false;
    c.integer = v;
    return *this;
  }

  // After the row's last column: writes the buffer when it holds kRows rows.
  Result<void> end_row() {
    if (used_ < cells_.size()) return {};
    auto done = write(0, kRows, 0);
    used_ = 0;
    return done;
  }

  // Writes the rows still buffered.
  Result<void> flush() {
    std::size_t left = used_ / static_cast<std::size_t>(columns_);
    std::size_t first = 0;
    used_ = 0;
    std::size_t index = 0;
    for (int rows = kRows; rows >= 1; rows /= 2, ++index)
      while (left >= static_cast<std::size_t>(rows)) {
        if (auto done = write(index, rows, first); !done) return done;
        first += static_cast<std::size_t>(rows * columns_);
        left -= static_cast<std::size_t>(rows);
      }
    return {};
  }

  void clear() noexcept { used_ = 0; }
  void release() noexcept {
    statements_.clear();
    bound_.clear();
  }

 private:
  struct Cell {
    bool is_text = false;
    bool constant = false;  // text from constant()'s static storage
    std::string_view text;
    std::int64_t integer = 0;
  };
  // What a statement's parameter holds now.
  struct Bound {
    enum class Kind { none, text, integer } kind = Kind::none;
    const char* text = nullptr;  // compared, never read: only a constant's is ever equal
    std::size_t size = 0;
    std::int64_t integer = 0;
  };

  // The schema's enumerated values (RFC 7489 C: disposition, aligned and raw results, SPF
  // scope) and "": the static copy of v, or nullptr when v is none of them.
  static const std::string_view* constant(std::string_view v) {
    static constexpr std::string_view kValues[] = {"",       "none",       "pass",    "fail",
                                                   "reject", "quarantine", "policy",  "neutral",
                                                   "helo",   "mfrom",      "softfail", "temperror",
                                                   "permerror"};
    if (v.size() > 10) return nullptr;
    for (const std::string_view& k : kValues)
      if (k.size() == v.size() && (v.empty() || (k[0] == v[0] && k == v))) return &k;
    return nullptr;
  }

  Result<void> write(std::size_t index, int rows, std::size_t first) {
    sqlite::Statement& st = statements_[index];
    std::vector<Bound>& bound = bound_[index];
    const int n = rows * columns_;
    for (int i = 0; i < n; ++i) {
      const Cell& c = cells_[first + static_cast<std::size_t>(i)];
      Bound& b = bound[static_cast<std::size_t>(i)];
      if (c.is_text) {
        if (c.constant && b.kind == Bound::Kind::text && b.text == c.text.data() && b.size == c.text.size()) continue;
        st.bind(i + 1, c.text);
        b = Bound{Bound::Kind::text, c.text.data(), c.text.size(), 0};
      } else {
        if (b.kind == Bound::Kind::integer && b.integer == c.integer) continue;
        st.bind(i + 1, c.integer);
        b = Bound{Bound::Kind::integer, nullptr, 0, c.integer};
      }
    }
    auto done = st.step();
    st.reset();
    if (!done) return tl::unexpected(done.error());
    if (next_rowid_) {
      *next_rowid_ += rows;
      if (const std::int64_t last = sqlite3_last_insert_rowid(sqlite3_db_handle(st.get())); last != *next_rowid_ - 1)
        return make_error(Errc::io, "rows were stored with ids " + std::to_string(last - rows + 1) + ".." +
                                        std::to_string(last) + ", expected " + std::to_string(*next_rowid_ - rows) +
                                        ".." + std::to_string(*next_rowid_ - 1));
    }
    return {};
  }

  int columns_ = 0;
  std::vector<Cell> cells_;
  std::size_t used_ = 0;
  std::vector<sqlite::Statement> statements_;  // for kRows, kRows / 2, ..., 1 rows
  std::vector<std::vector<Bound>> bound_;      // for each of statements_, each parameter
  std::optional<std::int64_t> next_rowid_;
};

}  // namespace

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  dmarc_report::Parser parser;
  // Prepared once, reused for every document (docs/architecture.md: nothing per message that
  // can be done once).
  sqlite::Statement find_report, insert_report, next_record_id, insert_rejected;
  BatchInsert records, dkim_results, spf_results;
  // The open transaction (Store::ingest), if any: how many documents it holds and since when.
  bool in_transaction = false;
  std::size_t documents = 0;
  std::chrono::steady_clock::time_point opened;

  ~Impl() {
    // What was ingested is kept: each document in it is whole (its savepoint was released).
    if (in_transaction) sqlite::exec(db, "COMMIT");
    // Statements first: sqlite3_close refuses a connection with statements left.
    find_report = {};
    insert_report = {};
    next_record_id = {};
    insert_rejected = {};
    records.release();
    dkim_results.release();
    spf_results.release();
    if (db) sqlite3_close(db);
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

sqlite3* Store::db() const noexcept { return impl_->db; }

Result<Store> Store::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = impl->db ? sqlite3_errmsg(impl->db) : "out of memory";
    return make_error(Errc::io, path + ": cannot open the report database: " + why);
  }
  sqlite3* db = impl->db;
  // Another ingest (cron and a person at once) holds the write lock for one document at a
  // time: wait for it rather than fail.
  sqlite3_busy_timeout(db, 30000);
  auto version = sqlite::query_int(db, "PRAGMA user_version");
  if (!version) return make_error(Errc::io, path + ": " + version.error().detail);
  if (*version > kSchemaVersion)
    return make_error(Errc::unsupported, path + ": the report database has schema version " +
                                             std::to_string(*version) + "; this dnsauth knows version " +
                                             std::to_string(kSchemaVersion) + " (a newer dnsauth wrote it)");
  // WAL: readers (summary, html) never block an ingest and an ingest never blocks them;
  // synchronous NORMAL syncs at checkpoints, not at every commit (durable across application
  // crashes; a power loss may lose the last commits, which a re-run ingests again).
  // 16 KiB pages (a new database only; SQLite's default is 4 KiB): fewer pages to split and
  // write per report, about 7% of an ingest's CPU.
  // An 8 MiB page cache and savepoints in memory: a batch of documents (store.h) stays in the
  // cache until its commit instead of spilling to the WAL halfway.
  // Foreign keys stay unenforced (SQLite's default): the store writes a report, its records
  // and their auth_results in one batch with ids it assigns itself, and auth_results rows may
  // be written before the records they refer to.
  for (const char* sql : {"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                          "PRAGMA cache_size = -8192", "PRAGMA temp_store = MEMORY"})
    if (auto r = sqlite::exec(db, sql); !r) return make_error(Errc::io, path + ": " + r.error().detail);
  if (auto r = sqlite::exec(db, kSchemaSql); !r)
    return make_error(Errc::io, path + ": cannot create the schema: " + r.error().detail);

  struct {
    sqlite::Statement* into;
    const char* sql;
  } const statements[] = {
      {&impl->find_report, "SELECT 1 FROM reports WHERE org_name = ?1 AND report_id = ?2"},
      {&impl->insert_report,
       "INSERT INTO reports (org_name, report_id, email, extra_contact_info, generator, schema, version, "
       "date_begin, date_end, domain, adkim, aspf, p, sp, np, pct, fo, testing, errors, source, ingested_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"},
      // Records get their ids from the store (the rows of one document are written in
      // batches, their auth_results refer to them before they are written).
      {&impl->next_record_id, "SELECT coalesce(max(id), 0) + 1 FROM records"},
      {&impl->insert_rejected, "INSERT OR IGNORE INTO rejected (source, reason, seen_at) VALUES (?1, ?2, ?3)"},
  };
  for (const auto& s : statements) {
    auto st = sqlite::Statement::prepare(db, s.sql);
    if (!st) return make_error(Errc::io, path + ": " + st.error().detail);
    *s.into = std::move(*st);
  }
  // The store's own ids for records (see BatchInsert::expect_rowids); auth_results rows by
  // kind, so that the kind and the other kind's column are constants rather than bindings.
  const char* auth_head = "INSERT INTO auth_results (record, ordinal, kind, domain, selector, scope, result, human_result)";
  for (auto [batch, head, row, parameters] :
       {std::tuple{&impl->records,
                   "INSERT INTO records (report, source_ip, count, disposition, dkim, spf, reasons, header_from, "
                   "envelope_from, envelope_to)",
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 10},
        std::tuple{&impl->dkim_results, auth_head, "(?, ?, 'dkim', ?, ?, '', ?, ?)", 6},
        std::tuple{&impl->spf_results, auth_head, "(?, ?, 'spf', ?, '', ?, ?, ?)", 6}})
    if (auto r = batch->prepare(db, head, row, parameters); !r)
      return make_error(Errc::io, path + ": " + r.error().detail);
  return Store(std::move(impl));
}

namespace {

// Writes what the parser reads, inside the transaction Store::ingest opened.
class Writer final : public dmarc_report::Visitor {
 public:
  Writer(sqlite3* db, sqlite::Statement& find, sqlite::Statement& report, sqlite::Statement& next_id,
         BatchInsert& records, BatchInsert& dkim, BatchInsert& spf, const std::string& source, std::int64_t now)
      : db_(db), find_(find), report_(report), next_id_(next_id), records_(records), dkim_(dkim), spf_(spf),
        source_(source), now_(now) {
    records_.clear();
    dkim_.clear();
    spf_.clear();
  }

  bool header(const dmarc_report::Header& h) override {
    out.org_name = h.org_name;
    out.report_id = h.report_id;
    out.domain = h.domain;
    find_.bind(1, h.org_name).bind(2, h.report_id);
    auto seen = find_.step();
    find_.reset();
    if (!seen) return fail(seen.error());
    if (*seen) {
      out.outcome = Store::Outcome::duplicate;
      return false;
    }
    report_.bind(1, h.org_name).bind(2, h.report_id).bind(3, h.email).bind(4, h.extra_contact_info);
    report_.bind(5, h.generator).bind(6, dmarc_report::to_string(h.schema)).bind(7, h.version);
    report_.bind(8, h.begin).bind(9, h.end).bind(10, h.domain).bind(11, h.adkim).bind(12, h.aspf);
    report_.bind(13, h.p).bind(14, h.sp).bind(15, h.np);
    if (h.pct)
      report_.bind(16, std::int64_t{*h.pct});
    else
      report_.bind_null(16);
    const std::string errors = join_lines(h.errors);
    report_.bind(17, h.fo).bind(18, h.testing).bind(19, errors).bind(20, source_).bind(21, now_);
    auto done = report_.step();
    report_.reset();
    if (!done) return fail(done.error());
    report_rowid_ = sqlite3_last_insert_rowid(db_);
    auto next = next_id_.step();
    if (!next || !*next) {
      next_id_.reset();
      return fail(next ? Error{Errc::io, "no next record id"} : next.error());
    }
    record_id_ = next_id_.int64(0);
    next_id_.reset();
    records_.expect_rowids(record_id_);
    return true;
  }

  // The rows still buffered, at the end of the document.
  bool flush() {
    for (BatchInsert* batch : {&records_, &dkim_, &spf_})
      if (auto r = batch->flush(); !r) return fail(r.error());
    return true;
  }

  bool record(const dmarc_report::Record& r) override {
    // SQLite integers are signed 64-bit: a count beyond that is no count a receiver saw.
    if (r.count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return fail(Error{Errc::limit, "record " + std::to_string(out.records + 1) + ": count " +
                                         std::to_string(r.count) + " is beyond 2^63-1"});
    const std::string reasons = reasons_text(r.reasons);
    const std::int64_t id = record_id_++;
    records_.integer(report_rowid_).text(r.source_ip).integer(static_cast<std::int64_t>(r.count));
    records_.text(r.disposition).text(r.dkim).text(r.spf).text(reasons).text(r.header_from);
    records_.text(r.envelope_from).text(r.envelope_to);
    if (auto done = records_.end_row(); !done) return fail(done.error());
    // ordinal: the report's order, its <dkim> results first (as the parser keeps them).
    std::int64_t ordinal = 0;
    for (const auto& d : r.dkim_results) {
      dkim_.integer(id).integer(ordinal++).text(d.domain).text(d.selector).text(d.result).text(d.human_result);
      if (auto done = dkim_.end_row(); !done) return fail(done.error());
    }
    for (const auto& f : r.spf_results) {
      spf_.integer(id).integer(ordinal++).text(f.domain).text(f.scope).text(f.result).text(f.human_result);
      if (auto done = spf_.end_row(); !done) return fail(done.error());
    }
    ++out.records;
    out.messages += r.count;
    return true;
  }

  Store::Ingested out;
  std::optional<Error> error;  // a database failure that stopped the parse

 private:
  bool fail(Error e) {
    error = std::move(e);
    return false;
  }

  sqlite3* db_;
  sqlite::Statement &find_, &report_, &next_id_;
  BatchInsert &records_, &dkim_, &spf_;
  const std::string& source_;
  std::int64_t now_;
  std::int64_t report_rowid_ = 0;
  std::int64_t record_id_ = 0;
};

}  // namespace

Result<Store::Ingested> Store::ingest(std::string& xml, const std::string& source, std::int64_t now) {
  Impl& s = *impl_;
  // The batch (store.h). IMMEDIATE: the write lock from the start, so that the duplicate check
  // and the insert see the same database even with a second ingest waiting.
  if (!s.in_transaction) {
    if (auto r = sqlite::exec(s.db, "BEGIN IMMEDIATE"); !r)
      return make_error(Errc::io, s.path + ": " + r.error().detail);
    s.in_transaction = true;
    s.documents = 0;
    s.opened = std::chrono::steady_clock::now();
  }
  // The document, all or nothing inside the batch.
  if (auto r = sqlite::exec(s.db, "SAVEPOINT document"); !r) return abandon(r.error());
  Writer writer(s.db, s.find_report, s.insert_report, s.next_record_id, s.records, s.dkim_results, s.spf_results,
                source, now);
  auto parsed = s.parser.parse(xml, writer);
  const bool keep = parsed && !writer.error && writer.out.outcome == Outcome::stored && writer.flush();
  if (!keep) {
    if (auto r = sqlite::exec(s.db, "ROLLBACK TO document; RELEASE document"); !r) return abandon(r.error());
    if (writer.error && writer.error->code == Errc::io) return abandon(*writer.error);
    if (!parsed) return tl::unexpected(parsed.error());
    if (writer.error) return tl::unexpected(*writer.error);
    writer.out.records = 0;
    writer.out.messages = 0;
    return writer.out;
  }
  if (auto r = sqlite::exec(s.db, "RELEASE document"); !r) return abandon(r.error());
  ++s.documents;
  if (s.documents >= kBatchDocuments || std::chrono::steady_clock::now() - s.opened >= kBatchTime)
    if (auto r = commit(); !r) return tl::unexpected(r.error());
  return writer.out;
}

Result<void> Store::commit() {
  Impl& s = *impl_;
  if (!s.in_transaction) return {};
  if (auto r = sqlite::exec(s.db, "COMMIT"); !r) return abandon(r.error());
  s.in_transaction = false;
  return {};
}

tl::unexpected<Error> Store::abandon(const Error& e) {
  Impl& s = *impl_;
  const std::size_t lost = s.in_transaction ? s.documents : 0;
  if (s.in_transaction) sqlite::exec(s.db, "ROLLBACK");
  s.in_transaction = false;
  std::string detail = s.path + ": " + e.detail;
  if (lost > 0)
    detail += " (the last " + std::to_string(lost) + " stored reports were rolled back with it; ingest them again)";
  return tl::unexpected(Error{Errc::io, std::move(detail)});
}

Result<void> Store::reject(const std::string& source, const std::string& reason, std::int64_t now) {
  auto& st = impl_->insert_rejected;
  st.bind(1, source).bind(2, reason).bind(3, now);
  auto done = st.step();
  st.reset();
  if (!done) return make_error(Errc::io, impl_->path + ": " + done.error().detail);
  return {};
}

}  // namespace dnsauth::reports

// A thin RAII layer over SQLite's C API for the report database: prepared statements that
// finalize themselves, binding that chains, and errors as values with SQLite's message. Only
// what reports/ needs; SQL stays SQL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/common/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dnsauth::reports::sqlite {

// Runs SQL without results (one or more statements). Errc::io with SQLite's message.
Result<void> exec(sqlite3* db, const char* sql);

// The first column of the first row of a query returning an integer.
Result<std::int64_t> query_int(sqlite3* db, const char* sql);

class Statement {
 public:
  Statement() = default;
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Text is bound without a copy (SQLITE_STATIC): it must live until step() and reset().
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  // true: a row is there to read; false: done. Errc::io with SQLite's message.
  Result<bool> step();
  // Ready to run again. The bindings stay: a statement run many times rebinds every parameter
  // (clearing them too cost 1% of an ingest).
  void reset();

  std::int64_t int64(int column) const;
  std::string text(int column) const;  // "" for NULL
  bool is_null(int column) const;

  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace dnsauth::reports::sqlite

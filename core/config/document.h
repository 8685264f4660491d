// The parsed dnsauth.toml as a document, for the layers that read tables of their own: the shared
// model (config.h) reads [[domain]] and its records; the signing library (core/signing/settings.h)
// reads [signer] and each domain's signing policy from the same document, with the same strict
// Reader, so every table of the file is validated exactly once and in one place.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>

#include "core/common/error.h"
#include <vector>

namespace dnsauth::config {

// Thrown by Reader::fail inside a loader; the loader's entry point turns it into an Error.
// Keeps the many one-line checks of a loader readable without threading Result through each.
struct ConfigError {
  std::string message;  // "file:line:col: what"
};

// "SOURCE:LINE:COL: description", the one form every TOML file's syntax errors are reported in.
Error toml_syntax_error(const toml::parse_error& e, std::string_view source);

// toml::parse of text, but a NUL byte is refused first as a syntax error at its place: no TOML
// document may hold one (TOML 1.0: no control character but tab), and toml++ asserts on one in
// builds with assertions instead of reporting it. Throws toml::parse_error as toml::parse does.
toml::table parse_toml(std::string_view text, std::string_view source);

// Typed, strict access to TOML tables: every failure names file:line:column and the key.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  const std::string& source() const noexcept { return source_; }

  [[noreturn]] void fail(const toml::node* node, const std::string& what) const;
  [[noreturn]] void fail_at(const toml::source_region& where, const std::string& what) const;

  // Every key of `table` must be one of `allowed` (--check-config is strict: a typo is an error).
  void only_keys(const toml::table& table, std::string_view where,
                 std::initializer_list<std::string_view> allowed) const;

  std::string string(const toml::table& t, std::string_view key, std::string_view where) const;
  std::optional<std::string> opt_string(const toml::table& t, std::string_view key) const;
  std::optional<std::int64_t> opt_int(const toml::table& t, std::string_view key) const;
  std::optional<bool> opt_bool(const toml::table& t, std::string_view key) const;
  std::optional<std::vector<std::string>> opt_strings(const toml::table& t, std::string_view key) const;
  std::vector<std::string> strings(const toml::table& t, std::string_view key) const;

 private:
  std::string source_;
};

// The parsed file. `domain_tables()[i]` is the table of Config::domains[i].
class Document {
 public:
  Document(toml::table root, std::string source, std::filesystem::path base_dir);

  const toml::table& root() const noexcept { return root_; }
  const Reader& reader() const noexcept { return reader_; }
  // The folder relative paths resolve against (the config file's folder).
  const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
  // [signer], or nullptr when the file has none.
  const toml::table* signer_table() const;
  const std::vector<const toml::table*>& domain_tables() const noexcept { return domains_; }

 private:
  toml::table root_;
  Reader reader_;
  std::filesystem::path base_dir_;
  std::vector<const toml::table*> domains_;
};

}  // namespace dnsauth::config

#include "core/config/document.h"

#include <sstream>

namespace dnsauth::config {

Error toml_syntax_error(const toml::parse_error& e, std::string_view source) {
  std::ostringstream os;
  os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
  return Error{Errc::syntax, os.str()};
}

toml::table parse_toml(std::string_view text, std::string_view source) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    toml::source_position at{1, 1};
    for (std::size_t i = 0; i < nul; ++i) {
      if (text[i] == '\n') {
        ++at.line;
        at.column = 1;
      } else {
        ++at.column;
      }
    }
    throw toml::parse_error("a NUL byte is not allowed in a TOML document", at,
                            std::make_shared<const std::string>(source));
  }
  return toml::parse(text, source);
}

void Reader::fail(const toml::node* node, const std::string& what) const {
  fail_at(node ? node->source() : toml::source_region{}, what);
}

void Reader::fail_at(const toml::source_region& where, const std::string& what) const {
  std::ostringstream os;
  os << source_;
  if (where.begin.line) os << ":" << where.begin.line << ":" << where.begin.column;
  os << ": " << what;
  throw ConfigError{os.str()};
}

void Reader::only_keys(const toml::table& table, std::string_view where,
                       std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, node] : table) {
    (void)node;
    bool ok = false;
    for (auto a : allowed) ok = ok || key.str() == a;
    if (!ok) fail_at(key.source(), "unknown key '" + std::string(key.str()) + "' in " + std::string(where));
  }
}

std::string Reader::string(const toml::table& t, std::string_view key, std::string_view where) const {
  const toml::node* n = t.get(key);
  if (!n) fail(&t, std::string(where) + " needs '" + std::string(key) + "'");
  if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
  return n->as_string()->get();
}

std::optional<std::string> Reader::opt_string(const toml::table& t, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) fail(n, "'" + std::string(key) + "' must be a string");
  return n->as_string()->get();
}

std::optional<std::int64_t> Reader::opt_int(const toml::table& t, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) fail(n, "'" + std::string(key) + "' must be an integer");
  return n->as_integer()->get();
}

std::optional<bool> Reader::opt_bool(const toml::table& t, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) fail(n, "'" + std::string(key) + "' must be true or false");
  return n->as_boolean()->get();
}

std::optional<std::vector<std::string>> Reader::opt_strings(const toml::table& t, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) fail(n, "'" + std::string(key) + "' must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *a) {
    if (!e.is_string()) fail(&e, "'" + std::string(key) + "' must hold only strings");
    out.push_back(e.as_string()->get());
  }
  return out;
}

std::vector<std::string> Reader::strings(const toml::table& t, std::string_view key) const {
  return opt_strings(t, key).value_or(std::vector<std::string>{});
}

Document::Document(toml::table root, std::string source, std::filesystem::path base_dir)
    : root_(std::move(root)), reader_(std::move(source)), base_dir_(std::move(base_dir)) {
  if (const toml::array* arr = root_.get_as<toml::array>("domain"))
    for (const auto& e : *arr)
      if (const toml::table* t = e.as_table()) domains_.push_back(t);
}

const toml::table* Document::signer_table() const { return root_.get_as<toml::table>("signer"); }

}  // namespace dnsauth::config

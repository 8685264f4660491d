#include "core/tables/postfix_text.h"

#include <cstdint>
#include <unordered_map>

#include "core/common/utf8.h"

namespace dnsauth::tables {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string where(std::string_view source, int line) { return std::string(source) + ":" + std::to_string(line); }

// One logical line: the key ends at the first whitespace outside quotes (dict_thash), '\'
// protects one character; the value is the rest, trimmed.
Result<void> parse_logical(std::string_view logical, int line, std::string_view source,
                           const TextEntryVisitor& entry) {
  if (is_space(logical.front())) {
    return make_error(Errc::syntax, where(source, line) + ": a logical line must not start with whitespace "
                                    "(Postfix ignores it)");
  }
  if (!utf8::valid(logical)) return make_error(Errc::syntax, where(source, line) + ": not UTF-8 (Postfix ignores the line)");
  bool quoted = false;
  std::size_t end = 0;
  for (; end < logical.size(); ++end) {
    char c = logical[end];
    if (c == '\\') {
      if (++end == logical.size()) break;
    } else if (is_space(c)) {
      if (!quoted) break;
    } else if (c == '"') {
      quoted = !quoted;
    }
  }
  if (quoted) return make_error(Errc::syntax, where(source, line) + ": unbalanced '\"' (Postfix ignores the line)");
  std::string_view key = logical.substr(0, std::min(end, logical.size()));
  std::size_t v = std::min(end + 1, logical.size());
  while (v < logical.size() && is_space(logical[v])) ++v;
  std::size_t ve = logical.size();
  while (ve > v && is_space(logical[ve - 1])) --ve;
  std::string_view value = logical.substr(v, ve - v);
  if (key.empty() || value.empty()) {
    return make_error(Errc::syntax, where(source, line) + ": expected \"key whitespace value\" (Postfix ignores the line)");
  }
  return entry(key, value, line);
}

}  // namespace

std::string fold_key(std::string_view key) {
  std::string out(key);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Error duplicate_key_error(std::string_view source, std::string_view key, int line, int first_line) {
  return Error{Errc::syntax, where(source, line) + ": duplicate key \"" + std::string(key) + "\" (first at line " +
                                 std::to_string(first_line) + "); Postfix's smtpd fails the whole table"};
}

Result<void> for_each_postfix_entry(std::string_view text, std::string_view source, const TextEntryVisitor& entry) {
  // Postfix readllines(): comment and blank lines dropped (also between a line and its
  // continuation), a line starting with whitespace continues the one before: its line break
  // goes, its indentation stays. A logical line of one physical line is used in place.
  std::string joined;
  std::string_view current;
  bool have = false, is_joined = false;
  int current_line = 0, lineno = 0;
  auto flush = [&]() -> Result<void> {
    if (!have) return {};
    have = false;
    return parse_logical(is_joined ? std::string_view(joined) : current, current_line, source, entry);
  };
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string_view phys = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    std::size_t first = 0;
    while (first < phys.size() && is_space(phys[first])) ++first;
    if (first == phys.size() || phys[first] == '#') continue;
    if (first > 0 && have) {
      if (!is_joined) joined.assign(current);
      is_joined = true;
      joined.append(phys);
      continue;
    }
    if (auto r = flush(); !r) return r;
    current = phys;
    current_line = lineno;
    have = true;
    is_joined = false;
  }
  return flush();
}

Result<std::vector<TextEntry>> parse_postfix_text(std::string_view text, std::string_view source) {
  std::vector<TextEntry> entries;
  std::unordered_map<std::string, int> seen;  // folded key -> line
  auto r = for_each_postfix_entry(text, source, [&](std::string_view key, std::string_view value, int line) -> Result<void> {
    auto [it, inserted] = seen.emplace(fold_key(key), line);
    if (!inserted) return tl::unexpected(duplicate_key_error(source, key, line, it->second));
    entries.push_back({std::string(key), std::string(value), line});
    return {};
  });
  if (!r) return tl::unexpected(r.error());
  return entries;
}

}  // namespace dnsauth::tables

#include "core/tables/postfix_text.h"

#include <cstdint>
#include <unordered_map>

namespace dnsauth::tables {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string where(std::string_view source, int line) { return std::string(source) + ":" + std::to_string(line); }

// RFC 3629 4: well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s) {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t more = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (more == 4 || s.size() - i <= more) return false;
    std::uint32_t cp = more == 0 ? c : c & (0x3Fu >> more);
    for (std::size_t k = 1; k <= more; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += more + 1;
  }
  return true;
}

struct LogicalLine {
  std::string text;
  int line = 0;
};

// Postfix readllines(): comment and blank lines dropped, continuation lines joined.
std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  int lineno = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view phys = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    std::size_t first = 0;
    while (first < phys.size() && is_space(phys[first])) ++first;
    if (first == phys.size() || phys[first] == '#') continue;  // blank or comment: skipped, even mid-entry
    if (first > 0 && !out.empty()) {
      out.back().text.append(phys);  // continuation: the line break goes, the indentation stays
      continue;
    }
    out.push_back({std::string(phys), lineno});
  }
  return out;
}

}  // namespace

std::string fold_key(std::string_view key) {
  std::string out(key);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Result<std::vector<TextEntry>> parse_postfix_text(std::string_view text, std::string_view source) {
  std::vector<TextEntry> entries;
  std::unordered_map<std::string, int> seen;  // folded key -> line
  for (auto& [logical, line] : logical_lines(text)) {
    if (is_space(logical.front())) {
      return make_error(Errc::syntax, where(source, line) + ": a logical line must not start with whitespace "
                                      "(Postfix ignores it)");
    }
    if (!valid_utf8(logical)) {
      return make_error(Errc::syntax, where(source, line) + ": not UTF-8 (Postfix ignores the line)");
    }
    // dict_thash: the key ends at the first whitespace outside quotes; '\' protects one character.
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
    std::string key = logical.substr(0, std::min(end, logical.size()));
    std::size_t v = std::min(end + 1, logical.size());
    while (v < logical.size() && is_space(logical[v])) ++v;
    std::size_t ve = logical.size();
    while (ve > v && is_space(logical[ve - 1])) --ve;
    std::string value = logical.substr(v, ve - v);
    if (key.empty() || value.empty()) {
      return make_error(Errc::syntax, where(source, line) + ": expected \"key whitespace value\" (Postfix ignores the line)");
    }
    auto [it, inserted] = seen.emplace(fold_key(key), line);
    if (!inserted) {
      return make_error(Errc::syntax, where(source, line) + ": duplicate key \"" + key + "\" (first at line " +
                                          std::to_string(it->second) + "); Postfix's smtpd fails the whole table");
    }
    entries.push_back({std::move(key), std::move(value), line});
  }
  return entries;
}

}  // namespace dnsauth::tables

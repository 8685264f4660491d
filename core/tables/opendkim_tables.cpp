#include "core/tables/opendkim_tables.h"

#include <unordered_map>

#include "core/dns/name.h"
#include "core/tables/postfix_text.h"

namespace dnsauth::tables {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string at(std::string_view source, int line) { return std::string(source) + ":" + std::to_string(line) + ": "; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// OpenDKIM's dkimf_db_datasplit: the fields of a value, separated by ':', the last one taking
// the rest of the value (colons included).
std::vector<std::string_view> split_fields(std::string_view value, std::size_t fields) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < fields) {
    auto colon = value.find(':');
    if (colon == std::string_view::npos) break;
    out.push_back(value.substr(0, colon));
    value.remove_prefix(colon + 1);
  }
  out.push_back(value);
  return out;
}

}  // namespace

Result<DatasetSpec> parse_dataset_spec(std::string_view spec, const std::filesystem::path& base_dir,
                                       bool allow_refile, bool allow_bare) {
  DatasetSpec out;
  std::string_view path;
  if (spec.starts_with("file:")) {
    path = spec.substr(5);
  } else if (spec.starts_with("refile:") && allow_refile) {
    out.kind = DatasetKind::refile;
    path = spec.substr(7);
  } else if (allow_bare && spec.find(':') == std::string_view::npos) {
    path = spec;
  } else {
    std::string forms = allow_bare ? "PATH or file:PATH" : allow_refile ? "file:PATH or refile:PATH" : "file:PATH";
    return make_error(Errc::syntax, "'" + std::string(spec) + "' must be " + forms);
  }
  if (path.empty()) return make_error(Errc::syntax, "'" + std::string(spec) + "' names no file");
  out.path = base_dir / std::filesystem::path(path);
  return out;
}

std::vector<DatasetEntry> parse_dataset(std::string_view text) {
  std::vector<DatasetEntry> out;
  int lineno = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++lineno;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::size_t gap = 0;
    while (gap < line.size() && !is_space(line[gap])) ++gap;
    out.push_back({std::string(line.substr(0, gap)), std::string(trim(line.substr(gap))), lineno});
  }
  return out;
}

Result<std::vector<KeyTableEntry>> parse_key_table(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& key_table_dir) {
  std::vector<KeyTableEntry> out;
  std::unordered_map<std::string, int> names;
  auto dataset = parse_dataset(text);
  out.reserve(dataset.size());
  names.reserve(dataset.size());  // a table of 100,000 lines, indexed without rehashing
  for (auto& e : dataset) {
    const std::string where = at(source, e.line);
    const auto fields = split_fields(e.value, 3);
    if (e.value.empty() || fields.size() < 3) {
      return make_error(Errc::syntax, where + "expected \"name domain:selector:/path/to/key\"");
    }
    KeyTableEntry k;
    k.name = e.key;
    k.line = e.line;
    k.domain = fold_key(fields[0]);
    k.selector = fold_key(fields[1]);
    std::string_view key = fields[2];
    if (k.domain != "%" && !dns::is_domain_name(k.domain, dns::NameSyntax::host)) {
      return make_error(Errc::syntax, where + "domain '" + std::string(fields[0]) + "' is neither a domain name nor \"%\"");
    }
    if (!dns::is_domain_name(k.selector, dns::NameSyntax::dns)) {
      return make_error(Errc::syntax, where + "selector '" + std::string(fields[1]) + "' is not a DKIM selector (RFC 6376 3.1)");
    }
    // opendkim.conf(5) KeyTable: a path starts with "/", "./" or "../"; anything else is key data.
    if (!key.starts_with("/") && !key.starts_with("./") && !key.starts_with("../")) {
      return make_error(Errc::syntax, where + "the key must be a file (\"/...\", \"./...\" or \"../...\"): a key written into "
                                              "the table is not supported; move it to a file of mode 0600");
    }
    if (key.find('%') != std::string_view::npos) {
      return make_error(Errc::syntax, where + "a '%' in the key path is not supported: keys are read when the "
                                              "configuration is loaded, not per message");
    }
    k.key_path = key.starts_with("/") ? std::string(key) : (key_table_dir / std::filesystem::path(key)).string();
    auto [it, fresh] = names.emplace(k.name, e.line);
    if (!fresh) {
      return make_error(Errc::syntax, where + "key name '" + k.name + "' is also defined at line " +
                                              std::to_string(it->second) + " (OpenDKIM would use the first only)");
    }
    out.push_back(std::move(k));
  }
  return out;
}

Result<std::vector<SigningTableEntry>> parse_signing_table(std::string_view text, std::string_view source,
                                                           DatasetKind kind) {
  std::vector<SigningTableEntry> out;
  std::unordered_map<std::string, int> keys;
  auto dataset = parse_dataset(text);
  out.reserve(dataset.size());
  if (kind == DatasetKind::file) keys.reserve(dataset.size());
  for (auto& e : dataset) {
    const std::string where = at(source, e.line);
    const auto fields = split_fields(e.value, 2);
    if (e.value.empty() || fields[0].empty()) {
      return make_error(Errc::syntax, where + "expected \"" + (kind == DatasetKind::refile ? "pattern" : "address") +
                                              " keyname[:signer]\"");
    }
    if (kind == DatasetKind::refile) {
      // dkimf_mkregexp: '*' becomes ".*", '.' and '+' are escaped, the rest is copied into a
      // POSIX extended regular expression as it is.
      constexpr std::string_view kOperators = "^$()[]{}|?\\";
      if (auto bad = e.key.find_first_of(kOperators); bad != std::string::npos) {
        return make_error(Errc::syntax, where + "'" + e.key.substr(bad, 1) + "' in pattern '" + e.key +
                                                "': OpenDKIM would read it as a regular expression operator; "
                                                "only '*' is a wildcard");
      }
    } else {
      auto [it, fresh] = keys.emplace(fold_key(e.key), e.line);
      if (!fresh) {
        return make_error(Errc::syntax, where + "'" + e.key + "' is also a key at line " + std::to_string(it->second) +
                                                " (OpenDKIM would use the first only; several signatures for one "
                                                "address need refile: patterns)");
      }
    }
    SigningTableEntry s;
    s.key = e.key;
    s.key_name = std::string(fields[0]);
    if (fields.size() > 1) s.identity = std::string(fields[1]);
    s.line = e.line;
    out.push_back(std::move(s));
  }
  return out;
}

bool wildcard_match(std::string_view p, std::string_view t) noexcept {
  // Greedy matching with backtracking to the last '*': linear in practice, O(p * t) at worst.
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, resume = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      resume = ti;
    } else if (pi < p.size() && lower(p[pi]) == lower(t[ti])) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace dnsauth::tables

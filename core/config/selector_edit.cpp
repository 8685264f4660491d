#include "core/config/selector_edit.h"

#include <cstdio>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "core/common/ascii.h"
#include "core/config/document.h"

namespace dnsauth::config {

namespace {

// Byte offsets of the lines' starts, for toml++'s 1-based line:column positions.
std::vector<std::size_t> line_starts(std::string_view text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  return starts;
}

struct Span {
  std::size_t begin = 0, end = 0;  // [begin, end) in bytes
};

// The bytes of a string value: toml++ reports its region from the opening quote to just past the
// closing one. Only a one-line quoted string on a line of ASCII before it is edited (columns
// count characters, not bytes); anything else is refused rather than guessed at.
Result<Span> value_span(std::string_view text, const std::vector<std::size_t>& starts, const toml::node& n,
                        std::string_view what) {
  const auto& r = n.source();
  auto refuse = [&] {
    return make_error(Errc::invalid_argument, "cannot edit " + std::string(what) + " at line " +
                                                  std::to_string(r.begin.line) +
                                                  " in place: write it as a one-line quoted string");
  };
  if (r.begin.line == 0 || r.begin.line != r.end.line || r.begin.line > starts.size()) return refuse();
  const std::size_t line = starts[r.begin.line - 1];
  Span s{line + r.begin.column - 1, line + r.end.column - 1};
  for (std::size_t i = line; i < s.begin && i < text.size(); ++i)
    if (static_cast<unsigned char>(text[i]) >= 0x80) return refuse();
  if (s.end > text.size() || s.end < s.begin + 2) return refuse();
  const char q = text[s.begin];
  if ((q != '"' && q != '\'') || text[s.end - 1] != q) return refuse();
  if (text.substr(s.begin, 3) == std::string(3, q)) return refuse();  // multi-line string
  return s;
}

}  // namespace

std::string toml_quote(std::string_view value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Result<std::string> replace_selector(std::string_view text, std::string_view source, std::string_view domain,
                                     std::string_view old_name, std::string_view new_name, std::string_view new_key) {
  toml::table root;
  try {
    root = parse_toml(text, source);
  } catch (const toml::parse_error& e) {
    return tl::unexpected(toml_syntax_error(e, source));
  }
  const toml::table* sel = nullptr;
  bool domain_found = false;
  if (const toml::array* domains = root["domain"].as_array()) {
    for (const auto& d : *domains) {
      const toml::table* dt = d.as_table();
      if (!dt || !ascii::iequals((*dt)["name"].value_or(std::string_view{}), domain)) continue;
      domain_found = true;
      if (const toml::array* sels = (*dt)["selector"].as_array())
        for (const auto& s : *sels)
          if (const toml::table* st = s.as_table();
              st && ascii::iequals((*st)["name"].value_or(std::string_view{}), old_name))
            sel = st;
    }
  }
  if (!sel)
    return make_error(Errc::invalid_argument,
                      std::string(source) + ": " +
                          (domain_found ? "domain " + std::string(domain) + " has no [[domain.selector]] named " + std::string(old_name)
                                        : "no [[domain]] named " + std::string(domain)));
  const auto starts = line_starts(text);
  auto name_span = value_span(text, starts, *sel->get("name"), "the name of selector " + std::string(old_name));
  if (!name_span) return tl::unexpected(name_span.error());
  std::string out(text);
  const toml::node* key = sel->get("key");
  std::optional<Span> key_span;
  if (key) {
    auto k = value_span(text, starts, *key, "the key of selector " + std::string(old_name));
    if (!k) return tl::unexpected(k.error());
    key_span = *k;
  }
  // The default key as config::parse_config derives it: from the lowercased names.
  const bool key_default = new_key == ascii::to_lower(domain) + "." + ascii::to_lower(new_name) + ".pem";
  // Edit from the back, so that the earlier span's offsets still hold.
  if (key_span && key_span->begin > name_span->begin) {
    out.replace(key_span->begin, key_span->end - key_span->begin, toml_quote(new_key));
    out.replace(name_span->begin, name_span->end - name_span->begin, toml_quote(new_name));
  } else if (key_span) {
    out.replace(name_span->begin, name_span->end - name_span->begin, toml_quote(new_name));
    out.replace(key_span->begin, key_span->end - key_span->begin, toml_quote(new_key));
  } else {
    if (!key_default) {
      if (sel->is_inline())
        return make_error(Errc::invalid_argument, std::string(source) + ": selector " + std::string(old_name) +
                                                      " is an inline table without 'key': give it one to rotate it");
      // A line of its own after the name's line, indented as that line is.
      std::size_t line_begin = starts[sel->get("name")->source().begin.line - 1];
      std::size_t line_end = out.find('\n', name_span->end);
      std::string indent;
      for (std::size_t i = line_begin; i < out.size() && (out[i] == ' ' || out[i] == '\t'); ++i) indent += out[i];
      std::string line = indent + "key = " + toml_quote(new_key) + "\n";
      if (line_end == std::string::npos) out += "\n" + line;
      else out.insert(line_end + 1, line);
    }
    out.replace(name_span->begin, name_span->end - name_span->begin, toml_quote(new_name));
  }
  return out;
}

}  // namespace dnsauth::config

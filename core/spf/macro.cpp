#include "core/spf/macro.h"

#include <algorithm>

#include "core/common/ascii.h"

namespace dnsauth::spf {

namespace {

using ascii::is_alpha;
using ascii::is_digit;
using ascii::lower;
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

constexpr std::string_view kDelimiters = ".-+,/_=";

std::string quoted(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  const char* hex = "0123456789ABCDEF";
  auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

// RFC 7208 7.1 toplabel = ( *alphanum ALPHA *alphanum ) /
//                         ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view s) {
  if (s.empty()) return false;
  bool alpha = false, dash = false;
  for (char c : s) {
    if (c == '-') dash = true;
    else if (is_alpha(c)) alpha = true;
    else if (!is_digit(c)) return false;
  }
  if (!dash) return alpha;
  return is_alnum(s.front()) && is_alnum(s.back());
}

void url_escape(std::string& out, std::string_view value) {
  // RFC 3986 2.3 unreserved characters stay; every other byte becomes %XX.
  const char* hex = "0123456789ABCDEF";
  for (char c : value) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
}

std::string letter_value(char letter, const MacroValues& v) {
  switch (letter) {
    case 's': return v.sender;
    case 'l': return v.local_part;
    case 'o': return v.sender_domain;
    case 'd': return v.domain;
    case 'i': return v.ip.dotted();
    case 'p': return v.validated_name ? v.validated_name() : std::string("unknown");
    case 'v': return v.ip.is_v4() ? "in-addr" : "ip6";
    case 'h': return v.helo;
    case 'c': return v.ip.to_string();
    case 'r': return v.receiver.empty() ? std::string("unknown") : v.receiver;
    case 't': return std::to_string(v.now);
  }
  return {};
}

// RFC 7208 7.3: split on the delimiters, optionally reverse, keep the rightmost parts,
// rejoin with ".".
std::string transform(const std::string& value, const MacroToken& t) {
  if (t.keep == 0 && !t.reverse && t.delimiters.empty()) return value;
  std::string_view delims = t.delimiters.empty() ? std::string_view(".") : t.delimiters;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
      parts.emplace_back(value.data() + start, i - start);
      start = i + 1;
    }
  }
  if (t.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (t.keep != 0 && t.keep < parts.size()) first = parts.size() - t.keep;
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i != first) out.push_back('.');
    out.append(parts[i]);
  }
  return out;
}

}  // namespace

bool MacroString::has_letters(std::string_view letters) const {
  for (const auto& t : tokens)
    if (t.kind == MacroToken::Kind::expand && letters.find(t.letter) != std::string_view::npos)
      return true;
  return false;
}

dnsauth::Result<MacroString> parse_macro_string(std::string_view text, MacroUse use,
                                       std::size_t base_offset) {
  MacroString out;
  out.text = std::string(text);
  auto add_literal = [&](std::string_view s, std::size_t at) {
    if (!out.tokens.empty() && out.tokens.back().kind == MacroToken::Kind::literal) {
      out.tokens.back().literal.append(s);
    } else {
      MacroToken t;
      t.literal = std::string(s);
      t.offset = at;
      out.tokens.push_back(std::move(t));
    }
  };
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    std::size_t at = base_offset + i;
    if (c != '%') {
      // macro-literal = %x21-24 / %x26-7E; explain-string also allows SP.
      bool ok = (c >= 0x21 && c <= 0x7e) || (c == ' ' && use == MacroUse::explain_string);
      if (!ok) return make_error(Errc::syntax, quoted(c) + " is not allowed in a macro-string", at);
      add_literal(text.substr(i, 1), at);
      out.ends_in_macro = false;
      ++i;
      continue;
    }
    if (i + 1 >= text.size())
      return make_error(Errc::syntax, "'%' at the end; write '%%' for a literal '%'", at);
    char next = text[i + 1];
    if (next == '%' || next == '_' || next == '-') {
      add_literal(next == '%' ? "%" : next == '_' ? " " : "%20", at);
      out.ends_in_macro = true;
      i += 2;
      continue;
    }
    if (next != '{')
      return make_error(Errc::syntax,
                        "'%' must be followed by '{', '%', '_' or '-', not " + quoted(next), at);
    // "%{" macro-letter transformers *delimiter "}"
    std::size_t j = i + 2;
    if (j >= text.size()) return make_error(Errc::syntax, "unterminated macro '%{'", at);
    MacroToken t;
    t.kind = MacroToken::Kind::expand;
    t.offset = at;
    char raw = text[j];
    t.letter = lower(raw);
    t.url_escape = raw >= 'A' && raw <= 'Z';
    if (std::string_view("slodipvhcrt").find(t.letter) == std::string_view::npos || !is_alpha(raw))
      return make_error(Errc::syntax, "unknown macro letter " + quoted(raw), base_offset + j);
    if (use == MacroUse::domain_spec && std::string_view("crt").find(t.letter) != std::string_view::npos)
      return make_error(Errc::syntax,
                        "macro letter " + quoted(raw) + " is only allowed in explanation text",
                        base_offset + j);
    ++j;
    std::size_t digits_at = j;
    unsigned long keep = 0;
    while (j < text.size() && is_digit(text[j])) {
      keep = std::min<unsigned long>(keep * 10 + static_cast<unsigned long>(text[j] - '0'), 1000000);
      ++j;
    }
    if (j > digits_at) {
      // RFC 7208 7.3: "If a DIGIT is specified, the value MUST be nonzero."
      if (keep == 0) return make_error(Errc::syntax, "transformer digits must not be 0", base_offset + digits_at);
      t.keep = static_cast<unsigned>(keep);
    }
    if (j < text.size() && (text[j] == 'r' || text[j] == 'R')) {
      t.reverse = true;
      ++j;
    }
    while (j < text.size() && kDelimiters.find(text[j]) != std::string_view::npos) {
      t.delimiters.push_back(text[j]);
      ++j;
    }
    if (j >= text.size()) return make_error(Errc::syntax, "unterminated macro '%{'", at);
    if (text[j] != '}')
      return make_error(Errc::syntax,
                        "expected '}' to close the macro, found " + quoted(text[j]),
                        base_offset + j);
    out.tokens.push_back(std::move(t));
    out.ends_in_macro = true;
    i = j + 1;
  }
  return out;
}

dnsauth::Result<MacroString> parse_domain_spec(std::string_view text, std::size_t base_offset) {
  if (text.empty()) return make_error(Errc::syntax, "empty domain-spec", base_offset);
  auto ms = parse_macro_string(text, MacroUse::domain_spec, base_offset);
  if (!ms) return ms;
  // domain-end = ( "." toplabel [ "." ] ) / macro-expand; "%%", "%_" and "%-" are
  // macro-expands in the grammar too.
  if (ms->ends_in_macro) return ms;
  // The written text after the last macro must hold "." toplabel [ "." ].
  std::size_t last_macro_end = 0;
  for (std::size_t k = 0; k + 1 < text.size(); ++k)
    if (text[k] == '%') {
      std::size_t close = text[k + 1] == '{' ? text.find('}', k) : k + 1;
      last_macro_end = close + 1;
      k = close;
    }
  std::string_view literal = text.substr(last_macro_end);
  std::size_t literal_at = base_offset + last_macro_end;
  if (!literal.empty() && literal.back() == '.') literal.remove_suffix(1);
  std::size_t dot = literal.rfind('.');
  if (dot == std::string_view::npos)
    return make_error(Errc::syntax,
                      "domain-spec '" + std::string(text) +
                          "' must end in '.' and a top-level label, or in a macro",
                      literal_at);
  std::string_view top = literal.substr(dot + 1);
  if (!is_toplabel(top))
    return make_error(Errc::syntax,
                      "'" + std::string(top) + "' in domain-spec '" + std::string(text) +
                          "' is not a valid top-level label (letters, digits, inner hyphens; "
                          "not all digits)",
                      literal_at + dot + 1);
  return ms;
}

namespace {

// RFC 7208 7.3 names hold at most 253 characters, and one trailing dot is dropped first: the
// target name depends on the last 255 characters of an expansion only (see to_target_name).
constexpr std::size_t kTargetWindow = 255;

dnsauth::Result<void> expand_token(const MacroToken& t, const MacroValues& values, const TimeIsUp& time_is_up,
                                   std::string& out) {
  if (t.kind == MacroToken::Kind::literal) {
    out += t.literal;
    return {};
  }
  if (time_is_up && time_is_up())
    return make_error(Errc::limit, "the time limit for this evaluation was exceeded while expanding macros",
                      t.offset);
  std::string value = transform(letter_value(t.letter, values), t);
  if (t.url_escape) url_escape(out, value);
  else out += value;
  return {};
}

}  // namespace

dnsauth::Result<std::string> expand(const MacroString& macro, const MacroValues& values,
                                    const TimeIsUp& time_is_up) {
  std::string out;
  for (const auto& t : macro.tokens)
    if (auto r = expand_token(t, values, time_is_up, out); !r) return tl::unexpected(r.error());
  return out;
}

std::string to_target_name(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.size() <= 253) return name;
  // Removing labels one by one until at most 253 characters remain keeps everything after
  // the first dot that leaves no more than 253: the first dot at or after size - 254.
  std::size_t dot = name.find('.', name.size() - 254);
  if (dot == std::string::npos) return {};
  return name.substr(dot + 1);
}

dnsauth::Result<std::string> expand_target_name(const MacroString& domain_spec, const MacroValues& values,
                                                const TimeIsUp& time_is_up) {
  // Pieces from the last token leftwards, until they hold more than the window. Any suffix of
  // the full expansion at least kTargetWindow long gives the same target name as the whole:
  // the name is cut at the first dot within its last 254 characters.
  std::vector<std::string> pieces;
  std::size_t size = 0;
  for (auto t = domain_spec.tokens.rbegin(); t != domain_spec.tokens.rend() && size <= kTargetWindow; ++t) {
    std::string piece;
    if (auto r = expand_token(*t, values, time_is_up, piece); !r) return tl::unexpected(r.error());
    size += piece.size();
    pieces.push_back(std::move(piece));
  }
  std::string tail;
  tail.reserve(size);
  for (auto p = pieces.rbegin(); p != pieces.rend(); ++p) tail += *p;
  return to_target_name(std::move(tail));
}

}  // namespace dnsauth::spf

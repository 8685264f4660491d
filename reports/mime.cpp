#include "reports/mime.h"

#include <algorithm>
#include <map>

#include "core/common/ascii.h"
#include "core/common/base64.h"

namespace dnsauth::reports::mime {

namespace {

constexpr auto npos = std::string_view::npos;

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 5322 3.2.2: folding whitespace and comments, which may nest and hold quoted pairs.
void skip_cfws(std::string_view s, std::size_t& i) {
  for (;;) {
    while (i < s.size() && is_wsp(s[i])) ++i;
    if (i >= s.size() || s[i] != '(') return;
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i++];
      if (c == '\\' && i < s.size()) {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        break;
      }
    }
  }
}

// RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && std::string_view("()<>@,;:\\\"/[]?=").find(c) == npos;
}

void skip_past_semicolon(std::string_view s, std::size_t& i) {
  bool quoted = false;
  for (; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == ';') {
      return;
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = ascii::lower(c);
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// An escape character and two hex digits (either case) is that byte: "%XX" in RFC 2231 4,
// "=XX" in quoted-printable (RFC 2045 6.7 rule (2)). Anything else stays as written.
std::string decode_hex_escapes(std::string_view s, char escape) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == escape && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// RFC 2231 4: an extended value begins charset "'" language "'"; the bytes are kept as they are.
std::string extended_value(std::string_view s, bool first_segment) {
  if (first_segment) {
    const auto q1 = s.find('\'');
    const auto q2 = q1 == npos ? npos : s.find('\'', q1 + 1);
    if (q2 != npos) s.remove_prefix(q2 + 1);
  }
  return decode_hex_escapes(s, '%');
}

struct RawParam {
  std::string name;  // lowercase, with its RFC 2231 "*" and section number
  std::string value;
};

// RFC 2231 3 and 4: "name*0", "name*1*", ... joined in order (up to the first missing section);
// "name*" decoded; either wins over "name".
std::vector<std::pair<std::string, std::string>> assemble(const std::vector<RawParam>& raw) {
  struct Parts {
    std::optional<std::string> plain, extended;
    std::map<unsigned, std::pair<std::string, bool>> sections;
  };
  std::vector<std::string> order;
  std::map<std::string, Parts> by_name;
  for (const auto& p : raw) {
    std::string base = p.name;
    std::optional<unsigned> section;
    bool extended = false;
    if (!base.empty() && base.back() == '*') {
      extended = true;
      base.pop_back();
    }
    if (const auto star = base.find('*'); star != std::string::npos) {
      const std::string digits = base.substr(star + 1);
      if (digits.empty() || digits.size() > 4 || !std::all_of(digits.begin(), digits.end(), ascii::is_digit)) continue;
      section = static_cast<unsigned>(std::stoul(digits));
      base.resize(star);
    }
    if (!by_name.count(base)) order.push_back(base);
    Parts& parts = by_name[base];
    if (section) {
      parts.sections.emplace(*section, std::make_pair(p.value, extended));
    } else if (extended) {
      if (!parts.extended) parts.extended = extended_value(p.value, true);
    } else if (!parts.plain) {
      parts.plain = p.value;
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& name : order) {
    const Parts& parts = by_name[name];
    if (!parts.sections.empty() && parts.sections.begin()->first == 0) {
      std::string joined;
      unsigned next = 0;
      for (const auto& [n, piece] : parts.sections) {
        if (n != next++) break;
        joined += piece.second ? extended_value(piece.first, n == 0) : piece.first;
      }
      out.emplace_back(name, std::move(joined));
    } else if (parts.extended) {
      out.emplace_back(name, *parts.extended);
    } else if (parts.plain) {
      out.emplace_back(name, *parts.plain);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> FieldValue::param(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (ascii::iequals(n, name)) return v;
  return std::nullopt;
}

Result<FieldValue> parse_field_value(std::string_view s) {
  FieldValue out;
  std::size_t i = 0;
  skip_cfws(s, i);
  const std::size_t start = i;
  while (i < s.size() && s[i] != ';' && s[i] != '(' && !is_wsp(s[i])) ++i;
  out.value = ascii::to_lower(s.substr(start, i - start));
  // "text / plain" with spaces around the slash is allowed (RFC 2045 5.1 allows CFWS there).
  skip_cfws(s, i);
  if (i < s.size() && s[i] == '/' && out.value.find('/') == std::string::npos) {
    ++i;
    skip_cfws(s, i);
    const std::size_t sub = i;
    while (i < s.size() && s[i] != ';' && s[i] != '(' && !is_wsp(s[i])) ++i;
    out.value += "/" + ascii::to_lower(s.substr(sub, i - sub));
  }
  if (out.value.empty()) return make_error(Errc::syntax, "no value before the parameters", start);

  std::vector<RawParam> raw;
  while (true) {
    skip_cfws(s, i);
    if (i >= s.size()) break;
    if (s[i] != ';') {  // junk after a value: up to the next parameter
      skip_past_semicolon(s, i);
      continue;
    }
    ++i;
    skip_cfws(s, i);
    const std::size_t name_start = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    std::string name = ascii::to_lower(s.substr(name_start, i - name_start));
    skip_cfws(s, i);
    if (name.empty() || i >= s.size() || s[i] != '=') {
      skip_past_semicolon(s, i);
      continue;
    }
    ++i;
    skip_cfws(s, i);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i];
      }
      if (i < s.size()) ++i;  // the closing quote (an unterminated string runs to the end)
    } else {
      // Up to the next ";", or a comment after whitespace ("us-ascii (a comment)").
      const std::size_t value_start = i;
      while (i < s.size() && s[i] != ';' && !(s[i] == '(' && i > value_start && is_wsp(s[i - 1]))) ++i;
      value = std::string(trim(s.substr(value_start, i - value_start)));
    }
    raw.push_back({std::move(name), std::move(value)});
  }
  out.params = assemble(raw);
  return out;
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    const bool has_break = eol != npos;
    std::string_view line = text.substr(pos, (has_break ? eol : text.size()) - pos);
    pos = has_break ? eol + 1 : text.size();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Rule (3): whitespace at the end of an encoded line was added in transport.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    // Rule (5): "=" at the end of a line is a soft line break.
    const bool soft = !line.empty() && line.back() == '=';
    if (soft) line.remove_suffix(1);
    out += decode_hex_escapes(line, '=');
    if (has_break && !soft) out += "\r\n";
  }
  return out;
}

Result<std::string> decode_transfer_encoding(std::string_view body, std::string_view mechanism) {
  const std::string m = ascii::to_lower(trim(mechanism));
  if (m.empty() || m == "7bit" || m == "8bit" || m == "binary") return std::string(body);
  if (m == "base64") return decode_base64(body);
  if (m == "quoted-printable") return decode_quoted_printable(body);
  return make_error(Errc::unsupported, "Content-Transfer-Encoding '" + m + "' is not supported");
}

namespace {

const mail::HeaderField* first_field(const std::vector<mail::HeaderField>& headers, std::string_view name) {
  for (const auto& f : headers)
    if (f.is(name)) return &f;
  return nullptr;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii::iequals(s.substr(s.size() - suffix.size()), suffix);
}

// RFC 7489 7.2.1.1 names application/gzip and text/xml; the rest are what receivers send.
bool is_report_type(std::string_view type) {
  static constexpr std::string_view types[] = {"application/gzip",  "application/x-gzip",
                                               "application/zip",   "application/x-zip-compressed",
                                               "application/x-zip", "text/xml",
                                               "application/xml"};
  return std::find(std::begin(types), std::end(types), type) != std::end(types);
}

// RFC 7489 7.2.1.1: extension = "xml" / "gzip"; receivers also write .gz, .xml.gz and .zip.
bool has_report_extension(std::string_view filename) {
  return ends_with_ci(filename, ".xml") || ends_with_ci(filename, ".gz") || ends_with_ci(filename, ".gzip") ||
         ends_with_ci(filename, ".zip");
}

bool looks_compressed(std::string_view bytes) {
  return bytes.starts_with("\x1f\x8b") || bytes.starts_with(std::string_view("PK\x03\x04", 4));
}

class Walker {
 public:
  explicit Walker(const MimeLimits& limits) : limits_(limits) {}

  // One entity (RFC 2045 2.4): a header section and a body. number is its IMAP part number
  // ("" for the message itself).
  void entity(const std::vector<mail::HeaderField>& headers, std::string_view body, const std::string& number,
              std::size_t depth, bool in_digest) {
    FieldValue type{in_digest ? "message/rfc822" : "text/plain", {}};
    // RFC 2045 5.2: no Content-Type, or one that does not parse, is text/plain (message/rfc822
    // inside multipart/digest, RFC 2046 5.1.5).
    if (const auto* f = first_field(headers, "Content-Type"))
      if (auto parsed = parse_field_value(f->unfolded_value()); parsed && parsed->value.find('/') != std::string::npos)
        type = std::move(*parsed);
    const std::string where = number.empty() ? "the message" : "part " + number;

    if (type.value.starts_with("multipart/")) {
      if (depth >= limits_.max_depth) {
        problem("MIME parts nested deeper than " + std::to_string(limits_.max_depth) + " (" + where + " not read)");
        return;
      }
      const auto boundary = type.param("boundary");
      if (!boundary || boundary->empty()) {
        problem(where + " is " + type.value + " without a boundary parameter (RFC 2046 5.1.1)");
        return;
      }
      std::size_t k = 0;
      for (std::string_view part : split_multipart(body, *boundary)) {
        if (stopped_) return;
        if (++parts_ > limits_.max_parts) {
          problem("more than " + std::to_string(limits_.max_parts) + " MIME parts: the rest were not read");
          stopped_ = true;
          return;
        }
        const std::string child = number.empty() ? std::to_string(++k) : number + "." + std::to_string(++k);
        auto parsed = mail::parse_message(part);
        if (!parsed) {
          problem("part " + child + ": its header does not parse: " + parsed.error().message());
          continue;
        }
        entity(parsed->headers, parsed->body, child, depth + 1, type.value == "multipart/digest");
      }
      return;
    }

    if (type.value == "message/rfc822") {
      if (depth >= limits_.max_depth) {
        problem("MIME parts nested deeper than " + std::to_string(limits_.max_depth) + " (" + where + " not read)");
        return;
      }
      auto decoded = decode_transfer_encoding(body, transfer_encoding(headers));
      if (!decoded) {  // RFC 2046 5.2.1 allows 7bit, 8bit and binary only; others are undone if they can be
        problem(where + ": " + decoded.error().message());
        return;
      }
      auto inner = mail::parse_message(*decoded);
      if (!inner) {
        problem(where + ": the enclosed message does not parse: " + inner.error().message());
        return;
      }
      entity(inner->headers, inner->body, number.empty() ? "1" : number, depth + 1, false);
      return;
    }

    std::string filename;
    if (const auto* f = first_field(headers, "Content-Disposition"))
      if (auto d = parse_field_value(f->unfolded_value()))
        filename = d->param("filename").value_or("");
    if (filename.empty()) filename = type.param("name").value_or("");

    const bool octet_stream = type.value == "application/octet-stream";
    if (!is_report_type(type.value) && !octet_stream) return;
    Attachment a;
    a.name = filename.empty() ? "part " + (number.empty() ? std::string("1") : number) : filename;
    a.content_type = type.value;
    auto decoded = decode_transfer_encoding(body, transfer_encoding(headers));
    if (octet_stream && !has_report_extension(filename) && !(decoded && looks_compressed(*decoded))) return;
    if (decoded) {
      a.bytes = std::move(*decoded);
    } else {
      a.problem = decoded.error().message();
    }
    walk_.attachments.push_back(std::move(a));
  }

  Walk take() { return std::move(walk_); }

 private:
  static std::string transfer_encoding(const std::vector<mail::HeaderField>& headers) {
    const auto* f = first_field(headers, "Content-Transfer-Encoding");
    if (!f) return {};
    std::string v = f->unfolded_value();
    std::size_t i = 0;
    skip_cfws(v, i);
    std::size_t end = i;
    while (end < v.size() && !is_wsp(v[end]) && v[end] != '(') ++end;
    return v.substr(i, end - i);
  }

  // RFC 2046 5.1.1: a delimiter is "--" boundary at the start of a line, then optional
  // whitespace; the close delimiter adds "--". The CRLF before a delimiter belongs to it. The
  // preamble and the epilogue are not parts; a body that never closes ends its last part.
  static std::vector<std::string_view> split_multipart(std::string_view body, const std::string& boundary) {
    const std::string dash = "--" + boundary;
    std::vector<std::string_view> parts;
    bool in_part = false;
    std::size_t part_start = 0;
    std::size_t line = 0;
    while (line < body.size()) {
      const std::size_t eol = body.find("\r\n", line);
      const std::size_t end = eol == npos ? body.size() : eol;
      std::string_view text = body.substr(line, end - line);
      if (text.starts_with(dash)) {
        std::string_view rest = text.substr(dash.size());
        const bool close = rest.starts_with("--");
        if (close) rest.remove_prefix(2);
        if (trim(rest).empty()) {
          if (in_part) parts.push_back(body.substr(part_start, line > part_start ? line - 2 - part_start : 0));
          if (close) return parts;
          in_part = true;
          part_start = eol == npos ? body.size() : eol + 2;
        }
      }
      if (eol == npos) break;
      line = eol + 2;
    }
    if (in_part) parts.push_back(body.substr(part_start));
    return parts;
  }

  void problem(std::string text) { walk_.problems.push_back(std::move(text)); }

  const MimeLimits& limits_;
  Walk walk_;
  std::size_t parts_ = 0;
  bool stopped_ = false;
};

}  // namespace

Walk find_report_parts(const mail::Message& message, const MimeLimits& limits) {
  Walker walker(limits);
  walker.entity(message.headers, message.body, "", 0, false);
  return walker.take();
}

}  // namespace dnsauth::reports::mime

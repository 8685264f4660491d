// Authentication-Results (RFC 8601 2.2): the parser, and the formatter as its exact inverse.
// Properties:
//   - format(parse(x)): whatever parses, formatted on one line (format_value) or folded
//     (format_field), parses back to the same value, and formatting that gives the same text;
//   - parse(format(v)): any value at all, built from the input, formats to a field that
//     parses -- to v itself when v is one the parser can return (keywords lowercase keyword
//     characters, text without control characters other than HTAB), else to v with those
//     normalized as authres.h says (other keyword characters dropped, "unknown" for an
//     empty keyword, control characters as spaces);
//   - a formatted field never holds a line end but its folds (no field injection).
// Input: byte 0 picks the part; the parse part reads the rest as a field body, the format
// part splits it at NUL into authserv-id, then per resinfo: method, result, comment,
// reason, properties (ptype, property, value separated by 0x01).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/authres/authres.h"
#include "core/common/ascii.h"
#include "core/mail/message.h"
#include "fuzz_support.h"

using namespace dnsauth;
using authres::AuthenticationResults;

namespace {

bool is_keyword_char(char c) { return ascii::is_alpha(c) || ascii::is_digit(c) || c == '-' || c == '_'; }
bool is_ctl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

// What the parser can return: the value domain on which format and parse are exact inverses.
bool in_domain_keyword(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!is_keyword_char(c) || c != ascii::lower(c)) return false;
  return true;
}
bool in_domain_text(const std::string& t) {
  for (char c : t)
    if (is_ctl(c)) return false;
  return true;
}
bool in_domain(const AuthenticationResults& v) {
  if (!in_domain_text(v.authserv_id)) return false;
  for (const auto& r : v.results) {
    if (!in_domain_keyword(r.method) || !in_domain_keyword(r.result)) return false;
    if (!in_domain_text(r.comment) || (r.reason && !in_domain_text(*r.reason))) return false;
    for (const auto& p : r.properties)
      if (!in_domain_keyword(p.ptype) || !in_domain_keyword(p.property) || !in_domain_text(p.value))
        return false;
  }
  return true;
}

// The normalization authres.h documents for values outside that domain.
std::string keyword(const std::string& k) {
  std::string out;
  for (char c : k)
    if (is_keyword_char(c)) out += ascii::lower(c);
  return out.empty() ? "unknown" : out;
}
std::string text(std::string t) {
  for (char& c : t)
    if (is_ctl(c)) c = ' ';
  return t;
}
AuthenticationResults normalize(AuthenticationResults v) {
  v.authserv_id = text(v.authserv_id);
  for (auto& r : v.results) {
    r.method = keyword(r.method);
    r.result = keyword(r.result);
    r.comment = text(r.comment);
    if (r.reason) r.reason = text(*r.reason);
    for (auto& p : r.properties) {
      p.ptype = keyword(p.ptype);
      p.property = keyword(p.property);
      p.value = text(p.value);
    }
  }
  return v;
}

// The field's only line ends are folds (CRLF + WSP), and it ends in one CRLF.
void check_no_injection(const std::string& field) {
  FUZZ_CHECK(field.size() >= 2 && field.substr(field.size() - 2) == "\r\n");
  for (std::size_t i = 0; i + 2 < field.size(); ++i) {
    if (field[i] == '\n') FUZZ_CHECK(i > 0 && field[i - 1] == '\r');
    if (field[i] == '\r') FUZZ_CHECK(field[i + 1] == '\n' && (field[i + 2] == ' ' || field[i + 2] == '\t'));
  }
}

// format and parse, both ways, for a value of the domain: back to itself.
void check_round_trip(const AuthenticationResults& v) {
  std::string line = authres::format_value(v);
  FUZZ_CHECK(line.find_first_of("\r\n") == std::string::npos);
  auto parsed = authres::parse(line);
  FUZZ_CHECK_MSG(parsed.has_value(), line + " -- " + (parsed ? "" : parsed.error().message()));
  FUZZ_CHECK_MSG(*parsed == v, line + " -> " + authres::format_value(*parsed));
  FUZZ_CHECK(authres::format_value(*parsed) == line);

  std::string field = authres::format_field(v);
  check_no_injection(field);
  auto hf = mail::HeaderField::from_raw(field);
  FUZZ_CHECK_MSG(hf.has_value(), field);
  auto folded = authres::parse_field(*hf);
  FUZZ_CHECK_MSG(folded.has_value(), field + " -- " + (folded ? "" : folded.error().message()));
  FUZZ_CHECK_MSG(*folded == v, field);
  FUZZ_CHECK(authres::claims_authserv_id(*hf, v.authserv_id));
}

void parse_part(std::string_view input) {
  auto parsed = authres::parse(input);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == Errc::syntax);
    fuzz::check_offset(parsed.error(), input.size());
    return;
  }
  FUZZ_CHECK_MSG(in_domain(*parsed), authres::format_value(*parsed));
  check_round_trip(*parsed);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

void format_part(std::string_view input, std::uint8_t options) {
  std::vector<std::string> p = split(input, '\0');
  AuthenticationResults v;
  v.authserv_id = p[0];
  if (options & 2) v.version = static_cast<unsigned>(p.size() * 2654435761u);
  for (std::size_t i = 1; i + 5 <= p.size(); i += 5) {
    authres::ResInfo r;
    r.method = p[i];
    r.result = p[i + 1];
    r.comment = p[i + 2];
    if (!p[i + 3].empty() || (options & 4)) r.reason = p[i + 3];
    if (options & 8) r.method_version = static_cast<unsigned>(p[i + 3].size()) * 4000000000u;
    if (!p[i + 4].empty()) {
      std::vector<std::string> f = split(p[i + 4], '\x01');
      for (std::size_t k = 0; k + 3 <= f.size(); k += 3) r.properties.push_back({f[k], f[k + 1], f[k + 2]});
    }
    v.results.push_back(std::move(r));
  }
  AuthenticationResults expected = normalize(v);
  FUZZ_CHECK(in_domain(expected));
  FUZZ_CHECK(authres::format_value(expected) == authres::format_value(v));
  FUZZ_CHECK(authres::format_field(expected) == authres::format_field(v));
  check_no_injection(authres::format_field(v));
  check_round_trip(expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  std::uint8_t options = in.byte();
  if (options & 1) format_part(in.rest(), options);
  else parse_part(in.rest());
  return 0;
}

#include "core/authres/authres.h"

#include <limits>

#include "core/common/ascii.h"
#include "core/mail/fold.h"

namespace dnsauth::authres {
namespace {

using ascii::iequals;
using ascii::is_alpha;
using ascii::is_digit;
using ascii::lower;
std::string lowercase(std::string_view s) { return ascii::to_lower(s); }
bool is_fws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 5.1 tspecials.
bool is_tspecial(char c) noexcept {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return true;
    default:
      return false;
  }
}

bool is_token_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;  // UTF-8 (RFC 6532)
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

// Keyword (RFC 5321 4.1.2) loosened to what registries hold: letters, digits, '-', '_'.
bool is_keyword_char(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

// RFC 5322 3.2.3 atext
bool is_atext(char c) noexcept {
  if (is_alpha(c) || is_digit(c)) return true;
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// RFC 6376 3.5 domain-name: sub-domain 1*("." sub-domain), letters, digits, hyphens (and
// U-labels, RFC 8616). A single label is accepted too (local authserv names).
bool is_domain_name(std::string_view s) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || u >= 0x80)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// The text a field may carry in a comment or a quoted-string: VCHAR, WSP and UTF-8 (RFC 5322
// 3.2.3, 3.2.4, RFC 6532 3.2). Any other control character is obsolete syntax (RFC 5322 4.1:
// obs-ctext, obs-qtext, obs-qp), which a generator MUST NOT write, and CR or LF would end the
// field: the formatter writes each as a space and the parser reads each as a space, so that
// every value the parser returns formats back to itself.
bool is_text_ctl(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}
char text_char(char c) noexcept { return is_text_ctl(c) ? ' ' : c; }

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = text_char(c);
  return out;
}

std::string quoted_string(std::string_view text) {
  std::string out = "\"";
  for (char c : sanitize(text)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string comment_text(std::string_view text) {
  std::string out = "(";
  for (char c : sanitize(text)) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  out += ')';
  return out;
}

// pvalue (RFC 8601 2.2): value / [ [ local-part ] "@" ] domain-name
std::string format_pvalue(std::string_view text) {
  if (!text.empty() && is_token(text)) return std::string(text);
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    std::string_view local = text.substr(0, at);
    std::string_view domain = text.substr(at + 1);
    if ((local.empty() || is_dot_atom(local)) && is_domain_name(domain)) return std::string(text);
  }
  return quoted_string(text);
}

std::string format_keyword(std::string_view text) {
  std::string out;
  for (char c : text)
    if (is_keyword_char(c)) out += lower(c);
  return out.empty() ? std::string("unknown") : out;
}

// ---- Parser -----------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<AuthenticationResults> run() {
    AuthenticationResults ar;
    if (auto r = cfws(); !r) return tl::unexpected(r.error());
    if (eof()) return fail("no authserv-id");
    auto id = value("authserv-id");
    if (!id) return tl::unexpected(id.error());
    ar.authserv_id = std::move(*id);
    if (auto r = cfws(); !r) return tl::unexpected(r.error());
    if (!eof() && is_digit(peek())) {
      auto v = number("authres-version");
      if (!v) return tl::unexpected(v.error());
      ar.version = *v;
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
    }
    if (eof()) return fail("expected ';' after the authserv-id (\"; none\" when nothing was checked)");

    while (!eof()) {
      if (peek() != ';') return fail(std::string("expected ';' before the next result, found '") + peek() + "'");
      ++pos_;
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (eof()) {
        // Not in the grammar, but common: a ';' after the last resinfo.
        if (ar.results.empty()) return fail("expected a method or \"none\" after ';'");
        break;
      }
      std::size_t method_at = pos_;
      std::string method = keyword();
      if (method.empty()) return fail("expected a method name (\"dkim\", \"spf\", ...)");
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (method == "none" && (eof() || peek() == ';')) {
        // no-result (2.2): "none" alone, never with results.
        if (!ar.results.empty()) return fail_at(method_at, "\"none\" cannot follow results");
        if (!eof()) return fail("nothing may follow \"none\"");
        return ar;
      }
      ResInfo ri;
      ri.method = std::move(method);
      if (!eof() && peek() == '/') {
        ++pos_;
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        auto v = number("method-version");
        if (!v) return tl::unexpected(v.error());
        ri.method_version = *v;
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
      }
      if (eof() || peek() != '=') return fail("expected '=' after the method \"" + ri.method + "\"");
      ++pos_;
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      ri.result = keyword();
      if (ri.result.empty()) return fail("expected a result after \"" + ri.method + "=\"");
      {
        std::vector<std::string> comments;
        if (auto r = cfws(&comments); !r) return tl::unexpected(r.error());
        if (!comments.empty()) ri.comment = comments.front();
      }
      while (!eof() && peek() != ';') {
        std::size_t word_at = pos_;
        std::string word = keyword();
        if (word.empty())
          return fail(std::string("unexpected '") + peek() + "' in the result for \"" + ri.method + "\"");
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        if (word == "reason" && !eof() && peek() == '=') {
          if (ri.reason) return fail_at(word_at, "reason= given twice");
          if (!ri.properties.empty()) return fail_at(word_at, "reason= must come before the properties");
          ++pos_;
          if (auto r = cfws(); !r) return tl::unexpected(r.error());
          auto v = value("reason");
          if (!v) return tl::unexpected(v.error());
          ri.reason = std::move(*v);
          if (auto r = cfws(); !r) return tl::unexpected(r.error());
          continue;
        }
        Property p;
        p.ptype = std::move(word);
        if (eof() || peek() != '.')
          return fail("expected '.' after \"" + p.ptype + "\" (ptype.property=value)");
        ++pos_;
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        p.property = keyword();
        if (p.property.empty()) return fail("expected a property name after \"" + p.ptype + ".\"");
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        if (eof() || peek() != '=')
          return fail("expected '=' after \"" + p.ptype + "." + p.property + "\"");
        ++pos_;
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        auto v = pvalue();
        if (!v) return tl::unexpected(v.error());
        p.value = std::move(*v);
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        ri.properties.push_back(std::move(p));
      }
      ar.results.push_back(std::move(ri));
    }
    if (ar.results.empty()) return fail("expected \"; none\" or at least one result");
    return ar;
  }

 private:
  bool eof() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  tl::unexpected<Error> fail(std::string detail) const { return fail_at(pos_, std::move(detail)); }
  tl::unexpected<Error> fail_at(std::size_t at, std::string detail) const {
    return make_error(Errc::syntax, std::move(detail), at);
  }

  // RFC 5322 3.2.2, 3.2.4: the CRLF of a fold inside a comment or a quoted-string is not part
  // of its text (unfolding removes it, the WSP after it stays); a bare CR or LF is read the same.
  static bool is_fold(char c) noexcept { return c == '\r' || c == '\n'; }

  // CFWS (RFC 5322 3.2.2): whitespace, line folds and nested comments. Comment texts are
  // collected when asked for.
  Result<void> cfws(std::vector<std::string>* comments = nullptr) {
    while (!eof()) {
      char c = peek();
      if (is_fws(c)) {
        ++pos_;
        continue;
      }
      if (c != '(') break;
      std::size_t start = pos_;
      int depth = 0;
      std::string text;
      while (true) {
        if (eof()) return fail_at(start, "unterminated comment");
        char d = s_[pos_++];
        if (d == '\\') {
          if (eof()) return fail_at(start, "unterminated comment");
          d = s_[pos_++];
          if (!is_fold(d)) text += text_char(d);
          continue;
        }
        if (d == '(') {
          if (depth++ > 0) text += d;
          continue;
        }
        if (d == ')') {
          if (--depth == 0) break;
          text += d;
          continue;
        }
        if (!is_fold(d)) text += text_char(d);
      }
      if (comments) comments->push_back(std::move(text));
    }
    return {};
  }

  std::string keyword() {
    std::size_t start = pos_;
    while (!eof() && is_keyword_char(peek())) ++pos_;
    return lowercase(s_.substr(start, pos_ - start));
  }

  Result<unsigned> number(const char* what) {
    std::size_t start = pos_;
    unsigned long long v = 0;
    while (!eof() && is_digit(peek())) {
      v = v * 10 + static_cast<unsigned>(peek() - '0');
      // Any number the model holds (and so the formatter writes) reads back.
      if (v > std::numeric_limits<unsigned>::max()) return fail_at(start, std::string(what) + " is too large");
      ++pos_;
    }
    if (pos_ == start) return fail(std::string("expected digits for the ") + what);
    return static_cast<unsigned>(v);
  }

  Result<std::string> quoted() {
    std::size_t start = pos_;
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (eof()) return fail_at(start, "unterminated quoted string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (eof()) return fail_at(start, "unterminated quoted string");
        c = s_[pos_++];
      }
      if (!is_fold(c)) out += text_char(c);
    }
  }

  // value (RFC 2045 5.1): token / quoted-string
  Result<std::string> value(const char* what) {
    if (eof()) return fail(std::string("expected a value for ") + what);
    if (peek() == '"') return quoted();
    std::size_t start = pos_;
    while (!eof() && is_token_char(peek())) ++pos_;
    if (pos_ == start) return fail(std::string("expected a value for ") + what);
    return std::string(s_.substr(start, pos_ - start));
  }

  // pvalue: value / [ [ local-part ] "@" ] domain-name. Read up to whitespace, ';' or '(' so
  // unquoted values with '/' or '=' (base64 in header.b) are taken as their generators meant.
  Result<std::string> pvalue() {
    std::string out;
    if (!eof() && peek() == '"') {
      auto q = quoted();
      if (!q) return q;
      out = std::move(*q);
      if (eof() || peek() != '@') return out;  // a quoted value, or a quoted local-part below
    }
    std::size_t start = pos_;
    while (!eof()) {
      char c = peek();
      auto u = static_cast<unsigned char>(c);
      if (is_fws(c) || c == ';' || c == '(' || c == '"' || u < 0x20 || u == 0x7f) break;
      ++pos_;
    }
    out += s_.substr(start, pos_ - start);
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const Property* ResInfo::find(std::string_view ptype, std::string_view property) const {
  for (const Property& p : properties)
    if (iequals(p.ptype, ptype) && iequals(p.property, property)) return &p;
  return nullptr;
}

std::vector<const ResInfo*> AuthenticationResults::find(std::string_view method) const {
  std::vector<const ResInfo*> out;
  for (const ResInfo& r : results)
    if (iequals(r.method, method)) out.push_back(&r);
  return out;
}

Result<AuthenticationResults> parse(std::string_view value) { return Parser(value).run(); }

Result<AuthenticationResults> parse_field(const mail::HeaderField& field) {
  if (!field.is("Authentication-Results"))
    return make_error(Errc::invalid_argument,
                      "not an Authentication-Results field: " + std::string(field.name()));
  return parse(field.value());
}

bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text)
    if (!is_token_char(c)) return false;
  return true;
}

std::string quote_value(std::string_view text) {
  if (is_token(text)) return std::string(text);
  return quoted_string(text);
}

std::string format_resinfo(const ResInfo& r) {
  std::string out = format_keyword(r.method);
  if (r.method_version) out += "/" + std::to_string(*r.method_version);
  out += "=" + format_keyword(r.result);
  if (!r.comment.empty()) out += " " + comment_text(r.comment);
  if (r.reason) out += " reason=" + quote_value(*r.reason);
  for (const Property& p : r.properties)
    out += " " + format_keyword(p.ptype) + "." + format_keyword(p.property) + "=" +
           format_pvalue(p.value);
  return out;
}

namespace {

std::string format_head(const AuthenticationResults& ar) {
  std::string out = quote_value(ar.authserv_id);  // an empty one as "" (it reads back empty)
  if (ar.version) out += " " + std::to_string(*ar.version);
  return out;
}

// The elements of one resinfo, each to stay on one line.
std::vector<std::string> elements(const ResInfo& r) {
  std::vector<std::string> out;
  std::string head = format_keyword(r.method);
  if (r.method_version) head += "/" + std::to_string(*r.method_version);
  head += "=" + format_keyword(r.result);
  out.push_back(std::move(head));
  if (!r.comment.empty()) out.push_back(comment_text(r.comment));
  if (r.reason) out.push_back("reason=" + quote_value(*r.reason));
  for (const Property& p : r.properties)
    out.push_back(format_keyword(p.ptype) + "." + format_keyword(p.property) + "=" +
                  format_pvalue(p.value));
  return out;
}

}  // namespace

std::string format_value(const AuthenticationResults& ar) {
  std::string out = format_head(ar);
  if (ar.results.empty()) return out + "; none";
  for (const ResInfo& r : ar.results) out += "; " + format_resinfo(r);
  return out;
}

std::string format_field(const AuthenticationResults& ar, const FormatOptions& options) {
  // Each resinfo on a line of its own, its elements folded between them; the tab counts as
  // the 8 columns a reader sees.
  mail::FieldFolder field("Authentication-Results",
                          mail::FoldStyle{.width = options.width, .wsp = '\t', .wsp_columns = 8});
  field.append(" " + format_head(ar));
  if (ar.results.empty()) field.append("; none");
  for (const ResInfo& r : ar.results) {
    field.append(";");
    field.fold();
    bool first = true;
    for (const std::string& e : elements(r)) {
      if (first) field.append(e);
      else field.word(e);
      first = false;
    }
  }
  return field.field() + "\r\n";
}

bool claims_authserv_id(const mail::HeaderField& field, std::string_view authserv_id) {
  if (!field.is("Authentication-Results")) return false;
  if (auto ar = parse_field(field)) return iequals(ar->authserv_id, authserv_id);
  // Unparseable: compare the first word, so a broken forgery is still recognised.
  std::string v = field.unfolded_value();
  std::size_t start = v.find_first_not_of(" \t");
  if (start == std::string::npos) return false;
  std::size_t end = v.find_first_of(" \t;(", start);
  std::string_view first = std::string_view(v).substr(start, end == std::string::npos ? end : end - start);
  if (first.size() >= 2 && first.front() == '"' && first.back() == '"')
    first = first.substr(1, first.size() - 2);
  return iequals(first, authserv_id);
}

}  // namespace dnsauth::authres

#include "core/dmarc/record.h"

#include <algorithm>
#include <limits>

#include "core/common/ascii.h"
#include "core/dns/name.h"
#include "core/mail/message.h"

namespace dnsauth::dmarc {
namespace {

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
using ascii::is_alpha;
using ascii::is_digit;
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
using ascii::iequals;
using ascii::lower;
std::string lowercase(std::string_view s) { return ascii::to_lower(s); }

// [begin, end) of s with SP/HTAB removed on both sides.
std::pair<std::size_t, std::size_t> trim(std::string_view s, std::size_t begin, std::size_t end) {
  while (begin < end && is_wsp(s[begin])) ++begin;
  while (end > begin && is_wsp(s[end - 1])) --end;
  return {begin, end};
}

// RFC 3986 characters a DMARC URI may hold unencoded: unreserved, gen-delims and sub-delims,
// except ',' and '!' which RFC 9989 4.8 requires to be percent-encoded (they are the list
// separator and the obsolete size marker), and ';' which ends the tag.
bool is_uri_char(char c) noexcept {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                          // unreserved
    case ':': case '/': case '?': case '#': case '[': case ']': case '@':  // gen-delims
    case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case '=':
      return true;
    default:
      return false;
  }
}

// 'x' for printable characters, 0xNN for the others.
std::string describe(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  static const char* hex = "0123456789ABCDEF";
  return std::string("0x") + hex[u >> 4] + hex[u & 15];
}

std::optional<std::uint64_t> parse_unsigned(std::string_view digits, std::uint64_t max) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    if (v > (max - static_cast<std::uint64_t>(c - '0')) / 10) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

std::string_view to_string(Policy policy) noexcept {
  switch (policy) {
    case Policy::none: return "none";
    case Policy::quarantine: return "quarantine";
    case Policy::reject: return "reject";
  }
  return "none";
}

std::optional<Policy> parse_policy(std::string_view text) noexcept {
  if (iequals(text, "none")) return Policy::none;
  if (iequals(text, "quarantine")) return Policy::quarantine;
  if (iequals(text, "reject")) return Policy::reject;
  return std::nullopt;
}

std::string_view to_string(AlignmentMode mode) noexcept {
  return mode == AlignmentMode::strict ? "s" : "r";
}

std::string_view to_string(PsdFlag flag) noexcept {
  switch (flag) {
    case PsdFlag::yes: return "y";
    case PsdFlag::no: return "n";
    case PsdFlag::unknown: return "u";
  }
  return "u";
}

std::string_view to_string(Problem::Kind kind) noexcept {
  switch (kind) {
    case Problem::Kind::syntax: return "syntax";
    case Problem::Kind::invalid_value: return "invalid-value";
    case Problem::Kind::duplicate_tag: return "duplicate-tag";
    case Problem::Kind::unknown_tag: return "unknown-tag";
    case Problem::Kind::ignored_tag: return "ignored-tag";
  }
  return "syntax";
}

Result<ReportUri> parse_report_uri(std::string_view text) {
  ReportUri out;
  out.text = std::string(text);
  if (text.empty()) return make_error(Errc::syntax, "empty report URI", 0);

  // RFC 7489 6.2 / RFC 9989 4.8 obs-dmarc-report-size: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ]
  std::string_view uri = text;
  if (auto bang = text.find('!'); bang != std::string_view::npos) {
    std::string_view size = text.substr(bang + 1);
    unsigned shift = 0;
    if (!size.empty()) {
      switch (lower(size.back())) {
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        case 't': shift = 40; break;
        default: break;
      }
      if (shift != 0) size.remove_suffix(1);
    }
    auto count = parse_unsigned(size, std::numeric_limits<std::uint64_t>::max() >> shift);
    if (!count)
      return make_error(Errc::syntax,
                        "size limit after '!' must be digits with an optional k, m, g or t "
                        "(a '!' inside the URI must be written %21)",
                        bang + 1);
    out.max_bytes = *count << shift;
    uri = text.substr(0, bang);
  }

  // RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return make_error(Errc::syntax, "'" + std::string(uri) + "' is not a URI (no scheme)", 0);
  if (!is_alpha(uri[0])) return make_error(Errc::syntax, "URI scheme must start with a letter", 0);
  for (std::size_t i = 1; i < colon; ++i) {
    char c = uri[i];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
      return make_error(Errc::syntax, "invalid character in URI scheme", i);
  }
  for (std::size_t i = colon + 1; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == '%') {
      if (i + 2 >= uri.size() || !is_hex(uri[i + 1]) || !is_hex(uri[i + 2]))
        return make_error(Errc::syntax, "'%' must start a percent-encoded octet (%HH)", i);
      i += 2;
      continue;
    }
    if (c == ',')
      return make_error(Errc::syntax, "a comma inside a report URI must be written %2C", i);
    if (!is_uri_char(c))
      return make_error(Errc::syntax, "character " + describe(c) + " is not allowed in a URI", i);
  }
  out.uri = std::string(uri);
  out.scheme = lowercase(uri.substr(0, colon));
  std::string_view rest = uri.substr(colon + 1);

  if (out.scheme == "mailto") {
    // RFC 6068 2: mailto:addr-spec[?hfields]; DMARC needs a host to verify (RFC 7489 7.1).
    std::string_view addr = rest.substr(0, rest.find('?'));
    std::size_t at = addr.rfind('@');
    if (at == std::string_view::npos || at == 0)
      return make_error(Errc::syntax, "mailto: URI has no address (local-part@domain)", colon + 1);
    std::string_view host = addr.substr(at + 1);
    // Report hosts are looked up, not mailed: underscores allowed, a final dot too.
    if (!dns::is_domain_name(host, dns::NameSyntax::dns, true))
      return make_error(Errc::syntax, "mailto: address has no valid domain after '@'",
                        colon + 1 + at + 1);
    out.host = lowercase(host);
    if (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
  } else if (rest.substr(0, 2) == "//") {
    // RFC 3986 3.2: authority = [ userinfo "@" ] host [ ":" port ]
    std::string_view authority = rest.substr(2);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host;
    if (!authority.empty() && authority.front() == '[') {
      auto close = authority.find(']');
      if (close == std::string_view::npos)
        return make_error(Errc::syntax, "unterminated IP literal in URI host", colon + 3);
      host = authority.substr(0, close + 1);
    } else {
      host = authority.substr(0, authority.find(':'));
    }
    if (host.empty()) return make_error(Errc::syntax, "URI has an empty host", colon + 3);
    out.host = lowercase(host);
  }
  return out;
}

const Tag* Record::find(std::string_view name) const {
  for (const Tag& t : tags)
    if (iequals(t.name, name)) return &t;
  return nullptr;
}

bool is_dmarc_record(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (i >= text.size() || (text[i] != 'v' && text[i] != 'V')) return false;
  ++i;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (i >= text.size() || text[i] != '=') return false;
  ++i;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (text.substr(i, 6) != "DMARC1") return false;  // %s"DMARC1": case-sensitive
  i += 6;
  while (i < text.size() && is_wsp(text[i])) ++i;
  return i == text.size() || text[i] == ';';
}

namespace {

struct Parser {
  std::string_view text;
  Record& rec;

  void problem(Problem::Kind kind, std::string tag, std::string detail, std::size_t offset) {
    rec.problems.push_back(Problem{kind, std::move(tag), std::move(detail), offset});
  }

  void invalid(const Tag& tag, std::string why, std::size_t offset) {
    problem(Problem::Kind::invalid_value, lowercase(tag.name),
            lowercase(tag.name) + ": " + std::move(why), offset);
  }

  void policy_tag(const Tag& tag, PolicyTag& out) {
    out.present = true;
    out.value = parse_policy(tag.value);
    if (!out.value)
      invalid(tag, "'" + tag.value + "' is not none, quarantine or reject", tag.value_offset);
  }

  void uri_list(const Tag& tag, std::vector<ReportUri>& out) {
    // RFC 9989 4.8: dmarc-urilist = dmarc-uri *(*WSP "," *WSP dmarc-uri)
    std::string_view v = tag.value;
    std::size_t start = 0;
    while (true) {
      std::size_t comma = v.find(',', start);
      std::size_t end = comma == std::string_view::npos ? v.size() : comma;
      auto [b, e] = trim(v, start, end);
      std::size_t at = tag.value_offset + b;
      if (b == e) {
        invalid(tag, "empty entry in the URI list", at);
      } else {
        auto uri = parse_report_uri(v.substr(b, e - b));
        if (uri) {
          uri->offset = at;
          out.push_back(std::move(*uri));
        } else {
          std::size_t off = uri.error().offset == Error::no_offset ? at : at + uri.error().offset;
          invalid(tag, "'" + std::string(v.substr(b, e - b)) + "': " + uri.error().detail, off);
        }
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }

  void failure_options(const Tag& tag) {
    // RFC 9989 4.8 dmarc-fo: "0" and "1" are mutually exclusive, "d" and "s" at most once.
    // RFC 7489 6.4 also allows WSP around the colons.
    FailureOptions fo{false, false, false, false};
    std::string_view v = tag.value;
    std::size_t start = 0;
    bool ok = true;
    std::string why;
    while (ok) {
      std::size_t colon = v.find(':', start);
      std::size_t end = colon == std::string_view::npos ? v.size() : colon;
      auto [b, e] = trim(v, start, end);
      std::string_view item = v.substr(b, e - b);
      bool* flag = nullptr;
      if (item == "0") flag = &fo.all_fail;
      else if (item == "1") flag = &fo.any_fail;
      else if (item == "d" || item == "D") flag = &fo.dkim;
      else if (item == "s" || item == "S") flag = &fo.spf;
      if (!flag) {
        ok = false;
        why = "'" + std::string(item) + "' is not 0, 1, d or s";
      } else if (*flag) {
        ok = false;
        why = "'" + std::string(item) + "' is given twice";
      } else {
        *flag = true;
      }
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (ok && fo.all_fail && fo.any_fail) {
      ok = false;
      why = "0 and 1 are mutually exclusive";
    }
    if (ok && !fo.all_fail && !fo.any_fail && !fo.dkim && !fo.spf) ok = false;
    if (!ok) {
      invalid(tag, why + "; the default fo=0 applies", tag.value_offset);
      return;
    }
    rec.fo = fo;
  }

  void tag(const Tag& t, const std::string& name) {
    const std::string& v = t.value;
    if (name == "p") {
      policy_tag(t, rec.p);
    } else if (name == "sp") {
      policy_tag(t, rec.sp);
    } else if (name == "np") {
      policy_tag(t, rec.np);
    } else if (name == "psd") {
      if (iequals(v, "y")) rec.psd = PsdFlag::yes;
      else if (iequals(v, "n")) rec.psd = PsdFlag::no;
      else if (iequals(v, "u")) rec.psd = PsdFlag::unknown;
      else invalid(t, "'" + v + "' is not y, n or u", t.value_offset);
    } else if (name == "t") {
      if (iequals(v, "y")) rec.testing = true;
      else if (iequals(v, "n")) rec.testing = false;
      else invalid(t, "'" + v + "' is not y or n", t.value_offset);
    } else if (name == "adkim" || name == "aspf") {
      AlignmentMode& mode = name == "adkim" ? rec.adkim : rec.aspf;
      if (iequals(v, "r")) mode = AlignmentMode::relaxed;
      else if (iequals(v, "s")) mode = AlignmentMode::strict;
      else invalid(t, "'" + v + "' is not r or s", t.value_offset);
    } else if (name == "rua") {
      uri_list(t, rec.rua);
    } else if (name == "ruf") {
      uri_list(t, rec.ruf);
    } else if (name == "fo") {
      failure_options(t);
    } else if (name == "pct") {
      // RFC 7489 6.3: an integer between 0 and 100 inclusive (6.4: 1*3DIGIT)
      auto n = v.size() <= 3 ? parse_unsigned(v, 999) : std::nullopt;
      if (!n || *n > 100) {
        invalid(t, "'" + v + "' is not an integer from 0 to 100; the default 100 applies",
                t.value_offset);
      } else {
        rec.pct = static_cast<unsigned>(*n);
        rec.pct_present = true;
      }
    } else if (name == "rf") {
      // RFC 7489 6.3: registered formats only; unknown ones SHOULD be ignored.
      std::vector<std::string> formats;
      std::size_t start = 0;
      while (true) {
        std::size_t colon = v.find(':', start);
        std::size_t end = colon == std::string::npos ? v.size() : colon;
        auto [b, e] = trim(v, start, end);
        std::string f = lowercase(std::string_view(v).substr(b, e - b));
        if (f == "afrf")
          formats.push_back(f);
        else
          invalid(t, "report format '" + f + "' is not registered (only afrf)", t.value_offset + b);
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
      if (!formats.empty()) rec.rf = std::move(formats);
    } else if (name == "ri") {
      // RFC 7489 6.3: a 32-bit unsigned integer
      auto n = parse_unsigned(v, std::numeric_limits<std::uint32_t>::max());
      if (!n)
        invalid(t, "'" + v + "' is not a 32-bit unsigned integer; the default 86400 applies",
                t.value_offset);
      else
        rec.ri = static_cast<std::uint32_t>(*n);
    } else {
      problem(Problem::Kind::unknown_tag, name, "unknown tag '" + t.name + "' ignored", t.offset);
    }
  }
};

}  // namespace

Result<Record> parse_record(std::string_view text) {
  Record rec;
  rec.text = std::string(text);
  Parser parser{text, rec};
  std::vector<std::string> seen;

  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t semi = text.find(';', start);
    std::size_t end = semi == std::string_view::npos ? text.size() : semi;
    auto [b, e] = trim(text, start, end);
    bool last = semi == std::string_view::npos;

    if (first) {
      // RFC 9989 4.7 "v": first, present, exactly DMARC1 -- or the record is ignored.
      std::size_t eq = text.find('=', b);
      if (b == e || eq == std::string_view::npos || eq >= e)
        return make_error(Errc::syntax, "a DMARC record must start with v=DMARC1", b);
      auto [nb, ne] = trim(text, b, eq);
      if (!iequals(text.substr(nb, ne - nb), "v"))
        return make_error(Errc::syntax,
                          "the first tag must be v=DMARC1, not '" +
                              std::string(text.substr(nb, ne - nb)) + "'",
                          nb);
      auto [vb, ve] = trim(text, eq + 1, e);
      if (text.substr(vb, ve - vb) != "DMARC1")
        return make_error(Errc::syntax,
                          "version must be DMARC1 (case-sensitive), not '" +
                              std::string(text.substr(vb, ve - vb)) + "'",
                          vb);
      rec.tags.push_back(Tag{std::string(text.substr(nb, ne - nb)), "DMARC1", nb, vb});
      seen.push_back("v");
      first = false;
    } else if (b == e) {
      // A trailing separator is allowed (dmarc-record ends in [dmarc-sep]); an empty tag
      // between two separators is not in the grammar, and is ignored.
      if (!last)
        parser.problem(Problem::Kind::syntax, "", "empty tag between two ';'", b);
    } else {
      std::size_t eq = text.find('=', b);
      if (eq == std::string_view::npos || eq >= e) {
        parser.problem(Problem::Kind::syntax, "",
                       "'" + std::string(text.substr(b, e - b)) + "' is not tag=value; ignored",
                       b);
      } else {
        auto [nb, ne] = trim(text, b, eq);
        auto [vb, ve] = trim(text, eq + 1, e);
        std::string_view name = text.substr(nb, ne - nb);
        std::string_view value = text.substr(vb, ve - vb);
        bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), is_alpha);
        std::size_t bad = std::string_view::npos;
        for (std::size_t i = 0; i < value.size(); ++i) {
          auto c = static_cast<unsigned char>(value[i]);
          if (c < 0x20 || c > 0x7e) {
            bad = i;
            break;
          }
        }
        if (!name_ok) {
          parser.problem(Problem::Kind::syntax, "",
                         "tag name '" + std::string(name) + "' must be letters only; ignored", nb);
        } else if (value.empty()) {
          parser.problem(Problem::Kind::syntax, lowercase(name),
                         "tag '" + std::string(name) + "' has no value; ignored", eq);
        } else if (bad != std::string_view::npos) {
          parser.problem(Problem::Kind::invalid_value, lowercase(name),
                         lowercase(name) + ": a value may hold printable ASCII only; tag ignored",
                         vb + bad);
        } else {
          Tag tag{std::string(name), std::string(value), nb, vb};
          std::string lname = lowercase(name);
          rec.tags.push_back(tag);
          if (std::find(seen.begin(), seen.end(), lname) != seen.end()) {
            parser.problem(Problem::Kind::duplicate_tag, lname,
                           "tag '" + lname + "' given again; the first one is used", nb);
          } else {
            seen.push_back(lname);
            parser.tag(tag, lname);
          }
        }
      }
    }
    if (last) break;
    start = semi + 1;
  }

  if (rec.has("fo") && rec.ruf.empty()) {
    const Tag* fo = rec.find("fo");
    parser.problem(Problem::Kind::ignored_tag, "fo",
                   "fo has no effect without a valid ruf (RFC 9989 4.7)", fo->offset);
  }
  return rec;
}

std::string to_string(const Record& r) {
  std::string out = "v=DMARC1";
  auto add = [&](std::string_view name, std::string_view value) {
    out += "; ";
    out += name;
    out += '=';
    out += value;
  };
  auto policy = [&](std::string_view name, const PolicyTag& tag) {
    if (tag.value) add(name, to_string(*tag.value));
    else if (tag.present) add(name, "(invalid)");
  };
  policy("p", r.p);
  policy("sp", r.sp);
  policy("np", r.np);
  if (r.psd != PsdFlag::unknown) add("psd", to_string(r.psd));
  if (r.testing) add("t", "y");
  if (r.adkim != AlignmentMode::relaxed) add("adkim", "s");
  if (r.aspf != AlignmentMode::relaxed) add("aspf", "s");
  auto uris = [&](std::string_view name, const std::vector<ReportUri>& list) {
    if (list.empty()) return;
    std::string v;
    for (const auto& u : list) {
      if (!v.empty()) v += ',';
      v += u.text;
    }
    add(name, v);
  };
  uris("rua", r.rua);
  uris("ruf", r.ruf);
  if (!(r.fo.all_fail && !r.fo.any_fail && !r.fo.dkim && !r.fo.spf)) {
    std::string v;
    auto flag = [&](bool on, char c) {
      if (!on) return;
      if (!v.empty()) v += ':';
      v += c;
    };
    flag(r.fo.all_fail, '0');
    flag(r.fo.any_fail, '1');
    flag(r.fo.dkim, 'd');
    flag(r.fo.spf, 's');
    add("fo", v);
  }
  if (r.pct_present) add("pct", std::to_string(r.pct));
  return out;
}

}  // namespace dnsauth::dmarc

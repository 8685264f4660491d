#include "core/spf/record.h"

#include <array>

#include "core/common/ascii.h"

namespace dnsauth::spf {

namespace {

using ascii::iequals;
using ascii::is_alpha;
using ascii::is_digit;
using ascii::lower;
using ascii::to_lower;

struct Named {
  std::string_view name;
  MechanismKind kind;
};
constexpr std::array<Named, 8> kMechanisms{{{"all", MechanismKind::all},
                                            {"include", MechanismKind::include},
                                            {"a", MechanismKind::a},
                                            {"mx", MechanismKind::mx},
                                            {"ptr", MechanismKind::ptr},
                                            {"ip4", MechanismKind::ip4},
                                            {"ip6", MechanismKind::ip6},
                                            {"exists", MechanismKind::exists}}};

// RFC 7208 5.6: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), at most 32;
//               ip6-cidr-length = "/" ("0" / %x31-39 0*2DIGIT), at most 128.
dnsauth::Result<unsigned> parse_cidr(std::string_view digits, unsigned max, std::size_t at) {
  std::string what = "CIDR length '/" + std::string(digits) + "'";
  if (digits.empty()) return make_error(Errc::syntax, "empty CIDR length after '/'", at);
  for (char c : digits)
    if (!is_digit(c)) return make_error(Errc::syntax, what + " is not a number", at);
  if (digits.size() > 1 && digits[0] == '0')
    return make_error(Errc::syntax, what + " has a leading zero", at);
  if (digits.size() > 3) return make_error(Errc::syntax, what + " exceeds " + std::to_string(max), at);
  unsigned v = 0;
  for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
  if (v > max) return make_error(Errc::syntax, what + " exceeds " + std::to_string(max), at);
  return v;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// a and mx: [ ":" domain-spec ] [ dual-cidr-length ], the CIDR lengths taken from the end
// (a domain-spec may itself contain '/', RFC 7208 7.1 macro-literal).
dnsauth::Result<void> parse_a_or_mx(Mechanism& m, std::string_view rest, std::size_t at) {
  std::size_t end = rest.size();
  std::size_t slash = rest.rfind('/');
  if (slash != std::string_view::npos && slash > 0 && rest[slash - 1] == '/' &&
      all_digits(rest.substr(slash + 1))) {
    auto v = parse_cidr(rest.substr(slash + 1), 128, at + slash + 1);
    if (!v) return tl::unexpected(v.error());
    m.cidr6 = *v;
    end = slash - 1;
  }
  slash = rest.substr(0, end).rfind('/');
  if (slash != std::string_view::npos && all_digits(rest.substr(slash + 1, end - slash - 1))) {
    auto v = parse_cidr(rest.substr(slash + 1, end - slash - 1), 32, at + slash + 1);
    if (!v) return tl::unexpected(v.error());
    m.cidr4 = *v;
    end = slash;
  }
  std::string_view head = rest.substr(0, end);
  if (head.empty()) return {};
  if (head.front() != ':')
    return make_error(Errc::syntax,
                      "expected ':' domain-spec or '/' CIDR length after '" +
                          std::string(to_string(m.kind)) + "'",
                      at);
  auto spec = parse_domain_spec(head.substr(1), at + 1);
  if (!spec) return tl::unexpected(spec.error());
  m.domain_spec = std::move(*spec);
  return {};
}

dnsauth::Result<void> parse_ip(Mechanism& m, std::string_view rest, std::size_t at) {
  bool v4 = m.kind == MechanismKind::ip4;
  std::string name(to_string(m.kind));
  if (rest.empty() || rest.front() != ':')
    return make_error(Errc::syntax, "'" + name + "' needs ':' and a network", at);
  std::string_view net = rest.substr(1);
  std::size_t slash = net.find('/');
  std::string_view addr = net.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto v = parse_cidr(net.substr(slash + 1), v4 ? 32 : 128, at + 1 + slash + 1);
    if (!v) return tl::unexpected(v.error());
    (v4 ? m.cidr4 : m.cidr6) = *v;
  }
  auto ip = dns::IpAddress::parse(addr);
  if (!ip || ip->is_v4() != v4) {
    // RFC 7208 5.6: "It is not permitted to omit parts of the IP address".
    return make_error(Errc::syntax,
                      "'" + std::string(addr) + "' is not an " + (v4 ? "IPv4" : "IPv6") +
                          " network for " + name,
                      at + 1);
  }
  m.network = *ip;
  return {};
}

dnsauth::Result<Mechanism> parse_mechanism(std::string_view term, std::size_t at, std::size_t name_start,
                                  std::size_t name_end) {
  Mechanism m;
  m.text = std::string(term);
  m.offset = at;
  if (name_start == 1) m.qualifier = static_cast<Qualifier>(term[0]);
  std::string_view name = term.substr(name_start, name_end - name_start);
  bool known = false;
  for (const auto& n : kMechanisms)
    if (iequals(n.name, name)) {
      m.kind = n.kind;
      known = true;
    }
  if (!known)
    return make_error(Errc::syntax, "unknown mechanism '" + std::string(name) + "'", at + name_start);
  std::string_view rest = term.substr(name_end);
  std::size_t rest_at = at + name_end;
  switch (m.kind) {
    case MechanismKind::all:
      if (!rest.empty())
        return make_error(Errc::syntax, "'all' takes no argument", rest_at);
      break;
    case MechanismKind::include:
    case MechanismKind::exists: {
      if (rest.empty() || rest.front() != ':')
        return make_error(Errc::syntax,
                          "'" + std::string(to_string(m.kind)) + "' needs ':' and a domain-spec",
                          rest_at);
      auto spec = parse_domain_spec(rest.substr(1), rest_at + 1);
      if (!spec) return tl::unexpected(spec.error());
      m.domain_spec = std::move(*spec);
      break;
    }
    case MechanismKind::ptr:
      if (!rest.empty()) {
        if (rest.front() != ':')
          return make_error(Errc::syntax, "'ptr' takes only ':' domain-spec", rest_at);
        auto spec = parse_domain_spec(rest.substr(1), rest_at + 1);
        if (!spec) return tl::unexpected(spec.error());
        m.domain_spec = std::move(*spec);
      }
      break;
    case MechanismKind::a:
    case MechanismKind::mx:
      if (auto r = parse_a_or_mx(m, rest, rest_at); !r) return tl::unexpected(r.error());
      break;
    case MechanismKind::ip4:
    case MechanismKind::ip6:
      if (auto r = parse_ip(m, rest, rest_at); !r) return tl::unexpected(r.error());
      break;
  }
  return m;
}

dnsauth::Result<void> parse_term(Record& record, std::string_view term, std::size_t at) {
  std::size_t i = 0;
  bool qualified = false;
  if (term[0] == '+' || term[0] == '-' || term[0] == '~' || term[0] == '?') {
    qualified = true;
    i = 1;
  }
  // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
  std::size_t name_start = i;
  if (i < term.size() && is_alpha(term[i])) {
    ++i;
    while (i < term.size() && (is_alpha(term[i]) || is_digit(term[i]) || term[i] == '-' ||
                               term[i] == '_' || term[i] == '.'))
      ++i;
  }
  std::size_t name_end = i;
  if (name_start == name_end) {
    if (i < term.size() && term[i] == '=')
      return make_error(Errc::syntax, "modifier with an empty name", at + i);
    return make_error(Errc::syntax,
                      "term '" + std::string(term) + "' does not start with a mechanism or modifier name",
                      at + i);
  }
  if (i < term.size() && term[i] == '=') {
    // RFC 7208 4.6.1: modifier = name "=" ...; qualifiers belong to mechanisms only.
    if (qualified)
      return make_error(Errc::syntax, "a modifier cannot have a qualifier", at);
    std::string name = to_lower(term.substr(name_start, name_end - name_start));
    std::string_view value = term.substr(i + 1);
    std::size_t value_at = at + i + 1;
    if (name == "redirect" || name == "exp") {
      auto& slot = name == "redirect" ? record.redirect : record.exp;
      // RFC 7208 6: "These two modifiers MUST NOT appear in a record more than once each."
      if (slot) return make_error(Errc::syntax, "'" + name + "=' appears more than once", at);
      auto spec = parse_domain_spec(value, value_at);
      if (!spec) {
        Error e = spec.error();
        e.detail = name + "=: " + e.detail;
        return tl::unexpected(e);
      }
      slot = std::move(*spec);
    } else {
      auto ms = parse_macro_string(value, MacroUse::modifier_value, value_at);
      if (!ms) {
        Error e = ms.error();
        e.detail = "modifier '" + name + "': " + e.detail;
        return tl::unexpected(e);
      }
      record.unknown_modifiers.push_back({name, std::string(value), at});
    }
    return {};
  }
  auto m = parse_mechanism(term, at, name_start, name_end);
  if (!m) return tl::unexpected(m.error());
  record.mechanisms.push_back(std::move(*m));
  return {};
}

}  // namespace

std::string_view to_string(MechanismKind kind) noexcept {
  for (const auto& n : kMechanisms)
    if (n.kind == kind) return n.name;
  return "?";
}

bool Mechanism::queries_dns() const noexcept {
  switch (kind) {
    case MechanismKind::include:
    case MechanismKind::a:
    case MechanismKind::mx:
    case MechanismKind::ptr:
    case MechanismKind::exists: return true;
    default: return false;
  }
}

bool Record::has_all() const noexcept {
  for (const auto& m : mechanisms)
    if (m.kind == MechanismKind::all) return true;
  return false;
}

bool is_spf_record(std::string_view text) noexcept {
  if (text.size() < 6 || !iequals(text.substr(0, 6), "v=spf1")) return false;
  return text.size() == 6 || text[6] == ' ';
}

dnsauth::Result<Record> parse_record(std::string_view text) {
  if (!is_spf_record(text))
    return make_error(Errc::syntax, "not an SPF record: it must begin with 'v=spf1'", 0);
  // RFC 7208 3.1 and 4.6.1: US-ASCII, terms separated by SP only (no tabs, CR, LF, NUL).
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e) {
      const char* hex = "0123456789ABCDEF";
      return make_error(Errc::syntax,
                        std::string("byte 0x") + hex[c >> 4] + hex[c & 15] +
                            (c > 0x7e ? " is not US-ASCII" : " is a control character") +
                            " (only printable ASCII and spaces may appear)",
                        i);
    }
  }
  Record record;
  std::size_t i = 6;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;  // record = version terms *SP
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (auto r = parse_term(record, text.substr(start, i - start), start); !r)
      return tl::unexpected(r.error());
  }
  return record;
}

}  // namespace dnsauth::spf

#include "core/mta_sts/policy.h"

#include "core/common/ascii.h"
#include "core/common/field_list.h"
#include "core/dns/name.h"

namespace dnsauth::mta_sts {

namespace {

std::string at_line(std::size_t line, std::string_view what) { return "line " + std::to_string(line) + ": " + std::string(what); }

// RFC 8461 3.2 sts-policy-vchar: %x21-7E or UTF-8 (bytes from 0x80 are taken as UTF-8 here;
// the policy is text/plain, and an mx value must be an A-label anyway).
bool is_policy_vchar(char c) noexcept {
  auto b = static_cast<unsigned char>(c);
  return (b >= 0x21 && b <= 0x7E) || b >= 0x80;
}

// RFC 8461 3.2 sts-policy-ext-name (the same rule as the TXT record's sts-ext-name).
bool is_key(std::string_view key) noexcept { return field_list::is_extension_name(key); }

struct Parser {
  std::string_view text;
  Field* field;
  Policy policy;
  bool have_version = false, have_mode = false, have_max_age = false;

  tl::unexpected<Error> fail(Field which, std::size_t line, std::string_view what, std::size_t offset) {
    if (field) *field = which;
    return make_error(Errc::syntax, at_line(line, what), offset);
  }

  // One field of `line` (its terminator removed) that starts at byte `start` of the text.
  Result<void> line(std::string_view l, std::size_t number, std::size_t start) {
    if (l.empty()) return fail(Field::syntax, number, "an empty line (every line is key: value)", start);
    std::size_t colon = l.find(':');
    std::string_view key = l.substr(0, colon);
    if (colon == std::string_view::npos)
      return fail(Field::syntax, number, "'" + std::string(l) + "' is not key: value", start);
    if (!is_key(key))
      return fail(Field::syntax, number,
                  "'" + std::string(key) + "' is not a key (a letter or digit, then up to 31 of letters, digits, '_', '-', '.')",
                  start);
    std::size_t v = colon + 1;
    while (v < l.size() && field_list::is_wsp(l[v])) ++v;
    std::size_t end = l.size();
    while (end > v && field_list::is_wsp(l[end - 1])) --end;
    std::string_view value = l.substr(v, end - v);
    if (value.empty()) return fail(Field::syntax, number, std::string(key) + ": the value is empty", start + v);
    // RFC 8461 3.2 sts-policy-ext-value: vchar [*(%x20 / vchar) vchar], no CTL anywhere.
    for (std::size_t i = 0; i < value.size(); ++i)
      if (!is_policy_vchar(value[i]) && value[i] != ' ')
        return fail(Field::syntax, number,
                    std::string(key) + ": a control character in the value" +
                        (value[i] == '\r' ? " (a CR not followed by LF)" : value[i] == '\t' ? " (a tab)" : ""),
                    start + v + i);
    PolicyField f{std::string(key), std::string(value), number, start, start + v};
    return known(std::move(f));
  }

  Result<void> known(PolicyField f) {
    const std::size_t n = f.line;
    if (f.name == "mx") {
      // RFC 8461 3.2 sts-policy-mx-value = ["*."] Domain (RFC 5321 4.1.2: no final dot).
      if (!valid_mx_pattern(f.value))
        return fail(Field::mx, n,
                    "mx: '" + f.value + "' is not a host name or *.<domain>" +
                        (f.value.ends_with(".") ? " (no final dot)" : f.value.find('*') != std::string::npos
                                                                       ? " (only a whole leftmost *. label)"
                                                                       : ""),
                    f.value_offset);
      policy.mx.push_back(std::move(f));
      return {};
    }
    bool* have = f.name == "version" ? &have_version : f.name == "mode" ? &have_mode
               : f.name == "max_age" ? &have_max_age : nullptr;
    if (!have) {
      policy.extensions.push_back(std::move(f));
      return {};
    }
    if (*have) {  // RFC 8461 3.2: all entries but the first are ignored
      policy.ignored.push_back(std::move(f));
      return {};
    }
    *have = true;
    if (f.name == "version") {
      if (f.value != "STSv1")
        return fail(Field::version, n, "version: '" + f.value + "' is not STSv1 (case-sensitive)", f.value_offset);
    } else if (f.name == "mode") {
      auto mode = parse_mode(f.value);
      if (!mode)
        return fail(Field::mode, n, "mode: '" + f.value + "' is not enforce, testing or none (case-sensitive)",
                    f.value_offset);
      policy.mode = *mode;
      policy.mode_field = std::move(f);
    } else {
      // RFC 8461 3.2 sts-policy-max-age-value = 1*10(DIGIT), at most 31557600.
      for (std::size_t i = 0; i < f.value.size(); ++i)
        if (!ascii::is_digit(f.value[i]))
          return fail(Field::max_age, n, "max_age: '" + f.value + "' is not a number of seconds", f.value_offset + i);
      if (f.value.size() > 10)
        return fail(Field::max_age, n, "max_age: more than 10 digits", f.value_offset + 10);
      std::uint64_t v = std::stoull(f.value);
      if (v > kMaxMaxAge)
        return fail(Field::max_age, n, "max_age: " + f.value + " is over 31557600 (a year)", f.value_offset);
      policy.max_age = v;
      policy.max_age_field = std::move(f);
    }
    return {};
  }

  Result<Policy> run() {
    if (field) *field = Field::syntax;
    if (text.size() > kMaxPolicySize) {
      if (field) *field = Field::size;
      return make_error(Errc::limit,
                        "line 1: the policy is " + std::to_string(text.size()) + " bytes, over the 65536 that senders read",
                        kMaxPolicySize);
    }
    std::size_t start = 0, number = 0;
    while (start < text.size()) {
      ++number;
      std::size_t lf = text.find('\n', start);
      std::size_t end = lf == std::string_view::npos ? text.size() : lf;
      std::size_t content_end = end;
      if (lf != std::string_view::npos) {
        if (end > start && text[end - 1] == '\r') --content_end;
        else policy.lf_only_lines.push_back(number);
      }
      if (auto ok = line(text.substr(start, content_end - start), number, start); !ok) return tl::unexpected(ok.error());
      start = lf == std::string_view::npos ? text.size() : lf + 1;
    }
    policy.lines = number;
    const std::size_t last = number == 0 ? 1 : number;
    if (!have_version) return fail(Field::version, last, "version: STSv1 is missing", text.size());
    if (!have_mode) return fail(Field::mode, last, "mode: is missing", text.size());
    if (!have_max_age) return fail(Field::max_age, last, "max_age: is missing", text.size());
    if (policy.mx.empty() && policy.mode != Mode::none)
      return fail(Field::mx, last, "no mx: line (required unless mode is none)", text.size());
    return std::move(policy);
  }
};

std::string_view strip_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string_view to_string(Mode mode) noexcept {
  switch (mode) {
    case Mode::enforce: return "enforce";
    case Mode::testing: return "testing";
    case Mode::none: return "none";
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view text) noexcept {
  if (text == "enforce") return Mode::enforce;
  if (text == "testing") return Mode::testing;
  if (text == "none") return Mode::none;
  return std::nullopt;
}

bool valid_mx_pattern(std::string_view pattern) noexcept {
  if (pattern.substr(0, 2) == "*.") pattern.remove_prefix(2);
  return dns::is_domain_name(pattern, dns::NameSyntax::host, false);
}

Result<Policy> parse_policy(std::string_view text, Field* field) { return Parser{text, field, {}}.run(); }

bool mx_matches(std::string_view pattern, std::string_view host) noexcept {
  pattern = strip_dot(pattern);
  host = strip_dot(host);
  if (pattern.empty() || host.empty()) return false;
  if (pattern.substr(0, 2) == "*.") {
    // RFC 8461 4.1: the wildcard stands for the entire leftmost label, and only one.
    std::size_t dot = host.find('.');
    if (dot == 0 || dot == std::string_view::npos) return false;
    return ascii::iequals(host.substr(dot + 1), pattern.substr(2));
  }
  return ascii::iequals(pattern, host);
}

}  // namespace dnsauth::mta_sts

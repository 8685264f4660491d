// RFC 7208 7 macro-strings: parsing and expansion. Properties: token offsets lie in the text;
// the tokens written back as a macro-string (%% %_ for literals, %{...} for macros) parse to
// tokens that expand to the same text; expansion is deterministic, and a URL-escaped macro
// (uppercase letter, 7.3) expands to unreserved characters and %XX only.
// Input: byte 0 picks the use (domain-spec, modifier value, explain-string); then lines: the
// macro-string, then sender, helo, ip, the validated name for %{p}.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/ascii.h"
#include "core/spf/macro.h"
#include "fuzz_support.h"

using namespace dnsauth;
using spf::MacroToken;

namespace {

std::string write(const spf::MacroString& m) {
  std::string out;
  for (const MacroToken& t : m.tokens) {
    if (t.kind == MacroToken::Kind::literal) {
      for (char c : t.literal) {
        if (c == '%') out += "%%";
        else if (c == ' ') out += "%_";
        else out += c;
      }
      continue;
    }
    out += "%{";
    out += t.url_escape ? static_cast<char>(t.letter - 'a' + 'A') : t.letter;
    if (t.keep) out += std::to_string(t.keep);
    if (t.reverse) out += 'r';
    out += t.delimiters;
    out += '}';
  }
  return out;
}

bool unreserved_or_escape(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (ascii::is_alpha(c) || ascii::is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') continue;
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Expanding a long macro-string of long values costs its product; the inputs that matter
  // are short (a DNS name is at most 253 characters).
  if (size > 2048) return 0;
  fuzz::Input in(data, size);
  auto use = static_cast<spf::MacroUse>(in.byte() % 3);
  std::vector<std::string_view> lines = fuzz::split_lines(in.rest());
  lines.resize(5);
  std::string_view text = lines[0];

  auto macro = spf::parse_macro_string(text, use);
  if (!macro) {
    fuzz::check_offset(macro.error(), text.size());
    return 0;
  }
  FUZZ_CHECK(macro->text == text);
  for (const MacroToken& t : macro->tokens) FUZZ_CHECK(t.offset <= text.size());

  spf::MacroValues values;
  values.sender = std::string(lines[1]);
  std::size_t at = lines[1].rfind('@');
  values.local_part = std::string(lines[1].substr(0, at == std::string_view::npos ? 0 : at));
  values.sender_domain = std::string(at == std::string_view::npos ? lines[1] : lines[1].substr(at + 1));
  values.domain = values.sender_domain;
  values.helo = std::string(lines[2]);
  if (auto ip = dns::IpAddress::parse(lines[3])) values.ip = *ip;
  values.now = 1700000000;
  std::string validated(lines[4]);
  values.validated_name = [&] { return validated; };

  // Without a deadline an expansion always has a value.
  auto first = spf::expand(*macro, values);
  FUZZ_CHECK(first.has_value());
  const std::string& expanded = *first;
  FUZZ_CHECK(spf::expand(*macro, values).value() == expanded);

  std::string written = write(*macro);
  auto again = spf::parse_macro_string(written, use);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK_MSG(spf::expand(*again, values).value() == expanded, written);
  FUZZ_CHECK(again->has_letters("slodipvhcrt") == macro->has_letters("slodipvhcrt"));
  // "%%", "%_" and "%-" are kept as literal text ("%", " ", "%20") and write() spells that
  // text back its own way ("%%", "%_", "%%20"), so whether the string ends in a macro-expand
  // survives the round trip only when its last token is a %{...}.
  if (!macro->tokens.empty() && macro->tokens.back().kind == MacroToken::Kind::expand)
    FUZZ_CHECK(again->ends_in_macro && macro->ends_in_macro);

  // Each macro alone: an uppercase letter URL-escapes what it expands to.
  for (const MacroToken& t : macro->tokens) {
    if (t.kind != MacroToken::Kind::expand || !t.url_escape) continue;
    spf::MacroString one;
    one.tokens.push_back(t);
    FUZZ_CHECK(unreserved_or_escape(spf::expand(one, values).value()));
  }

  // RFC 7208 7.3: a target name is at most 253 characters; computed from the right without
  // expanding what cannot reach it, it is the same name.
  std::string target = spf::to_target_name(expanded);
  FUZZ_CHECK(target.size() <= 253);
  // One trailing dot goes (a name written fully qualified); of "..", one stays: such a name
  // has an empty label either way.
  FUZZ_CHECK(target.empty() || target.back() != '.' || expanded.size() > 253 || expanded.ends_with(".."));
  auto from_right = spf::expand_target_name(*macro, values);
  FUZZ_CHECK(from_right.has_value());
  FUZZ_CHECK_MSG(*from_right == target, expanded);
  return 0;
}

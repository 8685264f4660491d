#include "core/dkim/tag_list.h"

#include "core/common/ascii.h"

namespace dnsauth::dkim {

namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 6376 3.2 / RFC 5322 3.2.2: FWS is WSP, or CRLF followed by WSP. Returns how many bytes
// of FWS start at i (0 when none): a bare CR or LF, or a CRLF not followed by WSP, is not FWS.
std::size_t fws_at(std::string_view text, std::size_t i) {
  if (i >= text.size()) return 0;
  if (text[i] == ' ' || text[i] == '\t') return 1;
  if (text[i] == '\r' && i + 2 < text.size() && text[i + 1] == '\n' &&
      (text[i + 2] == ' ' || text[i + 2] == '\t')) {
    return 3;
  }
  return 0;
}

// Only whitespace and line ends remain: the end of a field or of a record read from a file.
bool at_trailing_space(std::string_view text, std::size_t i) {
  return text.find_first_not_of(" \t\r\n", i) == std::string_view::npos;
}

std::size_t skip_fws(std::string_view text, std::size_t i) {
  while (std::size_t k = fws_at(text, i)) i += k;
  return i;
}
using ascii::is_alpha;
using ascii::is_digit;

// RFC 6376 3.2: tval = 1*VALCHAR; VALCHAR = %x21-3A / %x3C-7E (printable, not ';').
// Bytes >= 0x80 are accepted too: key records' n= and real-world z= carry UTF-8, and
// refusing the whole record for a note would be harsher than any verifier in the field.
bool is_valchar(unsigned char c) { return (c >= 0x21 && c <= 0x7e && c != ';') || c >= 0x80; }

}  // namespace

Result<std::vector<Tag>> parse_tag_list(std::string_view text) {
  std::vector<Tag> tags;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (true) {
    i = skip_fws(text, i);
    // 3.2: a trailing ';' (empty tag-spec) is allowed; so is the CRLF ending a record's text.
    if (at_trailing_space(text, i)) break;
    if (text[i] == ';') {
      // An empty tag-spec between two semicolons is not in the grammar.
      return make_error(Errc::syntax, "empty tag (two ';' in a row)", i);
    }
    Tag tag;
    tag.name_offset = i;
    if (!is_alpha(text[i])) return make_error(Errc::syntax, "tag name must start with a letter", i);
    std::size_t start = i;
    while (i < n && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '_')) ++i;
    tag.name = text.substr(start, i - start);
    i = skip_fws(text, i);
    if (i == n || text[i] != '=') {
      return make_error(Errc::syntax, "tag '" + std::string(tag.name) + "' has no '='", i);
    }
    ++i;
    i = skip_fws(text, i);
    tag.value_offset = i;
    std::size_t last = i;  // one past the last non-FWS byte of the value
    while (i < n && text[i] != ';') {
      if (std::size_t k = fws_at(text, i)) {
        i += k;
        continue;
      }
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (!is_valchar(c)) {
        if (at_trailing_space(text, i)) break;
        return make_error(Errc::syntax,
                          "invalid byte in value of tag '" + std::string(tag.name) + "'", i);
      }
      last = i + 1;
      ++i;
    }
    tag.value_end = last;
    tag.value = text.substr(tag.value_offset, last - tag.value_offset);
    for (const auto& t : tags) {
      if (t.name == tag.name) {
        return make_error(Errc::syntax, "tag '" + std::string(tag.name) + "' is duplicated",
                          tag.name_offset);
      }
    }
    tags.push_back(tag);
    if (i == n) break;
    ++i;  // the ';'
  }
  return tags;
}

const Tag* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const auto& t : tags)
    if (t.name == name) return &t;
  return nullptr;
}

std::string strip_fws(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (!is_fws(c)) out.push_back(c);
  return out;
}

}  // namespace dnsauth::dkim

#include "core/dkim/tag_list.h"

namespace dnsauth::dkim {

namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

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
    while (i < n && is_fws(text[i])) ++i;
    if (i == n) break;  // 3.2: a trailing ';' (empty tag-spec) is allowed
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
    while (i < n && is_fws(text[i])) ++i;
    if (i == n || text[i] != '=') {
      return make_error(Errc::syntax, "tag '" + std::string(tag.name) + "' has no '='", i);
    }
    ++i;
    while (i < n && is_fws(text[i])) ++i;
    tag.value_offset = i;
    std::size_t last = i;  // one past the last non-FWS byte of the value
    while (i < n && text[i] != ';') {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (!is_fws(static_cast<char>(c))) {
        if (!is_valchar(c)) {
          return make_error(Errc::syntax,
                            "invalid byte in value of tag '" + std::string(tag.name) + "'", i);
        }
        last = i + 1;
      }
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

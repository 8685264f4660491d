#include "core/common/field_list.h"

#include "core/common/ascii.h"

namespace dnsauth::field_list {

Result<std::vector<Field>> split(std::string_view text, Syntax syntax) {
  std::vector<Field> fields;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_wsp = [&] {
    while (i < n && is_wsp(text[i])) ++i;
  };
  while (true) {
    if (syntax.space_around_equals) skip_wsp();
    const std::size_t start = i;
    while (i < n && text[i] != '=' && text[i] != ';') ++i;
    if (i == start) {
      if (i < n && text[i] == ';') return make_error(Errc::syntax, "an empty field between two ';'", i);
      if (i == n) return make_error(Errc::syntax, "a field is missing at the end", i);
      return make_error(Errc::syntax, "a field without a name before '='", i);
    }
    if (i == n || text[i] == ';')
      return make_error(Errc::syntax, "'" + std::string(text.substr(start, i - start)) + "' is not name=value", start);
    Field f;
    std::string_view name = text.substr(start, i - start);
    if (syntax.space_around_equals)
      while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    f.name = std::string(name);
    f.offset = start;
    ++i;  // '='
    if (syntax.space_around_equals) skip_wsp();
    f.value_offset = i;
    while (i < n && text[i] != ';') ++i;
    std::string_view value = text.substr(f.value_offset, i - f.value_offset);
    std::size_t trimmed = value.size();
    while (trimmed > 0 && is_wsp(value[trimmed - 1])) --trimmed;
    // RFC 8461 3.1, RFC 8460 3: WSP belongs to the separator; without a ";" after it, it is
    // text where the record should have ended.
    if (i == n && trimmed < value.size() && !syntax.space_around_equals)
      return make_error(Errc::syntax, "whitespace at the end of the record without a ';'", f.value_offset + trimmed);
    f.value = std::string(value.substr(0, trimmed));
    fields.push_back(std::move(f));
    if (i == n) return fields;
    ++i;  // ';'
    skip_wsp();
    if (i == n) return fields;  // the optional separator at the end
  }
}

bool begins_with_version(std::string_view text, std::string_view version) noexcept {
  if (text.substr(0, version.size()) != version) return false;
  std::string_view rest = text.substr(version.size());
  while (!rest.empty() && is_wsp(rest.front())) rest.remove_prefix(1);
  return rest.empty() || rest.front() == ';';
}

Result<std::vector<Field>> split_record(std::string_view text, std::string_view version) {
  for (std::size_t i = 0; i < version.size(); ++i)
    if (i >= text.size() || text[i] != version[i])
      return make_error(Errc::syntax, "the record must begin with " + std::string(version) + " (case-sensitive)", i);
  auto fields = split(text);
  if (!fields) return fields;
  if ((*fields)[0].offset + (*fields)[0].name.size() + 1 + (*fields)[0].value.size() != version.size())
    return make_error(Errc::syntax, "the version must be exactly " + std::string(version.substr(version.find('=') + 1)),
                      version.size());
  fields->erase(fields->begin());
  for (const Field& f : *fields)
    if (!is_extension_name(f.name))
      return make_error(Errc::syntax,
                        "'" + f.name + "' is not a field name (a letter or digit, then up to 31 of letters, digits, "
                        "'_', '-', '.')",
                        f.offset);
  return fields;
}

Result<void> check_extension_value(const Field& field) {
  if (std::size_t bad = bad_extension_value_byte(field.value); bad != std::string_view::npos)
    return make_error(Errc::syntax,
                      field.name + "=: a value is not empty and holds no '=', ';', space or control character",
                      field.value_offset + bad);
  return {};
}

std::vector<Item> split_list(std::string_view value, std::size_t base) {
  std::vector<Item> out;
  std::size_t i = 0;
  while (true) {
    std::size_t end = value.find(',', i);
    std::string_view item = value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    std::size_t lead = 0;
    while (lead < item.size() && is_wsp(item[lead])) ++lead;
    std::size_t len = item.size();
    while (len > lead && is_wsp(item[len - 1])) --len;
    out.push_back(Item{item.substr(lead, len - lead), base + i + lead});
    if (end == std::string_view::npos) return out;
    i = end + 1;
  }
}

bool is_extension_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 32) return false;
  if (!ascii::is_alpha(name[0]) && !ascii::is_digit(name[0])) return false;
  for (char c : name.substr(1))
    if (!ascii::is_alpha(c) && !ascii::is_digit(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

std::size_t bad_extension_value_byte(std::string_view value) noexcept {
  if (value.empty()) return 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x21 || c > 0x7E || c == '=' || c == ';') return i;
  }
  return std::string_view::npos;
}

}  // namespace dnsauth::field_list

#include "core/bimi/record.h"

#include <set>

#include "core/common/ascii.h"
#include "core/common/uri.h"

namespace dnsauth::bimi {

namespace {

constexpr field_list::Syntax kSyntax{.space_around_equals = true};

// RFC 6376 3.2 tag-name = ALPHA *ALNUMPUNC (ALPHA / DIGIT / "_").
bool is_tag_name(std::string_view name) noexcept {
  if (name.empty() || !ascii::is_alpha(name[0])) return false;
  for (char c : name)
    if (!ascii::is_alpha(c) && !ascii::is_digit(c) && c != '_') return false;
  return true;
}

// 4.3 bimi-uri = [FWS] URI [FWS]: empty, or a single URI, commas encoded.
Result<std::optional<Uri>> read_uri(const field_list::Field& f) {
  if (f.value.empty()) return std::optional<Uri>{};
  auto u = parse_uri(f.value);
  if (!u) return make_error(Errc::syntax, f.name + "=: " + u.error().detail, f.value_offset + u.error().offset);
  u->offset = f.value_offset;
  return std::optional<Uri>{std::move(*u)};
}

// 4.5 local-part-prefix-list: prefixes of 1 to 63 ALPHA / DIGIT / "-", separated by ",".
Result<std::vector<std::string>> read_lps(const field_list::Field& f) {
  std::vector<std::string> out;
  if (f.value.empty()) return out;
  for (const field_list::Item& item : field_list::split_list(f.value, f.value_offset)) {
    if (item.text.empty() || item.text.size() > 63)
      return make_error(Errc::syntax, "lps=: a prefix is 1 to 63 letters, digits and '-'", item.offset);
    for (std::size_t k = 0; k < item.text.size(); ++k)
      if (!ascii::is_alpha(item.text[k]) && !ascii::is_digit(item.text[k]) && item.text[k] != '-')
        return make_error(Errc::syntax, "lps=: a prefix is 1 to 63 letters, digits and '-'", item.offset + k);
    out.emplace_back(item.text);
  }
  return out;
}

}  // namespace

Result<Uri> parse_uri(std::string_view text) {
  auto u = uri::parse(text, ",");
  if (!u) return tl::unexpected(u.error());
  return Uri{std::string(text), u->scheme, u->host, u->path, 0};
}

bool is_bimi_record(std::string_view txt) noexcept {
  if (txt.empty() || txt[0] != 'v') return false;
  std::size_t i = 1;
  while (i < txt.size() && field_list::is_wsp(txt[i])) ++i;
  if (i == txt.size() || txt[i] != '=') return false;
  ++i;
  while (i < txt.size() && field_list::is_wsp(txt[i])) ++i;
  if (txt.substr(i, 5) != "BIMI1") return false;
  i += 5;
  return i == txt.size() || txt[i] == ';' || field_list::is_wsp(txt[i]);
}

Result<Record> parse_record(std::string_view txt) {
  // 4.3 "v": "It MUST be the first tag", and its value "MUST match precisely".
  if (!is_bimi_record(txt)) {
    std::size_t at = 0;
    if (!txt.empty() && txt[0] == 'v') {
      at = txt.find('=');
      at = at == std::string_view::npos ? txt.size() : txt.find_first_not_of(" \t", at + 1);
      if (at == std::string_view::npos) at = txt.size();
    }
    return make_error(Errc::syntax, "the record must begin with v=BIMI1 (exactly)", at);
  }
  auto fields = field_list::split(txt, kSyntax);
  if (!fields) return tl::unexpected(fields.error());
  Record rec;
  bool have_l = false;
  std::set<std::string> seen;
  for (std::size_t k = 1; k < fields->size(); ++k) {
    field_list::Field& f = (*fields)[k];
    if (!is_tag_name(f.name))
      return make_error(Errc::syntax, "'" + f.name + "' is not a tag name (a letter, then letters, digits, '_')", f.offset);
    // RFC 6376 3.2: "if a tag name does occur more than once, the entire tag-list is invalid".
    if (!seen.insert(f.name).second || f.name == "v")
      return make_error(Errc::syntax, f.name + "= is given twice", f.offset);
    if (f.name == "l") {
      auto u = read_uri(f);
      if (!u) return tl::unexpected(u.error());
      rec.location = std::move(*u);
      rec.location_offset = f.offset;
      have_l = true;
    } else if (f.name == "a") {
      auto u = read_uri(f);
      if (!u) return tl::unexpected(u.error());
      rec.evidence = std::move(*u);
      rec.evidence_present = true;
      rec.evidence_offset = f.offset;
    } else if (f.name == "lps") {
      auto l = read_lps(f);
      if (!l) return tl::unexpected(l.error());
      rec.lps = std::move(*l);
    } else if (f.name == "avp") {
      // 4.3 "avp": other values "MUST be ignored"; kept as written for the caller.
      rec.avp = f.value;
    } else {
      rec.extensions.push_back(std::move(f));
    }
  }
  if (!have_l) return make_error(Errc::syntax, "l= is missing (4.3: required; empty declines to publish)", txt.size());
  return rec;
}

}  // namespace dnsauth::bimi

#include "core/dkim/header_hash.h"

#include "core/dkim/canonicalize.h"
#include "core/dkim/crypto.h"
#include "core/dkim/tag_list.h"

namespace dnsauth::dkim {

HeaderIndex::HeaderIndex(const std::vector<mail::HeaderField>& headers) {
  for (std::size_t i = 0; i < headers.size(); ++i) by_name_[mail::to_lower(headers[i].name())].push_back(i);
}

const std::vector<std::size_t>& HeaderIndex::positions(std::string_view name) const {
  static const std::vector<std::size_t> none;
  auto it = by_name_.find(mail::to_lower(name));
  return it == by_name_.end() ? none : it->second;
}

std::vector<std::size_t> select_fields(const HeaderIndex& index, std::size_t skip,
                                       const std::vector<std::string>& h_list) {
  // Fields of a name are taken strictly bottom up, so what is taken of each name is a count.
  std::unordered_map<const std::vector<std::size_t>*, std::size_t> taken;
  std::vector<std::size_t> out;
  out.reserve(h_list.size());
  for (const auto& name : h_list) {
    const auto& at = index.positions(name);
    if (at.empty()) continue;
    std::size_t& used = taken[&at];
    while (used < at.size() && at[at.size() - 1 - used] == skip) ++used;
    if (used == at.size()) continue;
    out.push_back(at[at.size() - 1 - used]);
    ++used;
  }
  return out;
}

std::string header_hash(Canon canon, const std::vector<mail::HeaderField>& headers,
                        const HeaderIndex& index, std::size_t skip,
                        const std::vector<std::string>& h_list, std::string_view signature_field) {
  std::string data;
  data.reserve(1024);
  for (std::size_t i : select_fields(index, skip, h_list)) canonicalize_header(canon, headers[i].raw(), data);
  std::string sig;
  canonicalize_header(canon, signature_field, sig);
  if (sig.size() >= 2 && sig.compare(sig.size() - 2, 2, "\r\n") == 0) sig.resize(sig.size() - 2);
  data += sig;
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string remove_b_value(const mail::HeaderField& field) {
  std::string_view value = field.value();
  auto tags = parse_tag_list(value);
  if (!tags) return field.raw();
  const Tag* b = find_tag(*tags, "b");
  if (!b) return field.raw();
  // From just after '=' to the ';' ending the tag (or the end of the value).
  std::size_t eq = value.rfind('=', b->value_offset);
  std::size_t end = value.find(';', b->value_end);
  if (end == std::string_view::npos) end = value.size();
  std::size_t base = static_cast<std::size_t>(value.data() - field.raw().data());
  std::string out = field.raw();
  out.erase(base + eq + 1, end - eq - 1);
  return out;
}

}  // namespace dnsauth::dkim

#include "core/dkim/header_hash.h"

#include "core/dkim/canonicalize.h"
#include "core/dkim/crypto.h"
#include "core/dkim/tag_list.h"

namespace dnsauth::dkim {

std::string header_hash(Canon canon, const std::vector<mail::HeaderField>& headers,
                        std::size_t skip, const std::vector<std::string>& h_list,
                        std::string_view signature_field) {
  std::vector<bool> used(headers.size(), false);
  std::string data;
  data.reserve(1024);
  for (const auto& name : h_list) {
    for (std::size_t i = headers.size(); i-- > 0;) {
      if (used[i] || i == skip || !headers[i].is(name)) continue;
      used[i] = true;
      canonicalize_header(canon, headers[i].raw(), data);
      break;
    }
  }
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

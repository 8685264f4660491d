#include "core/dkim/key_record.h"

#include "core/common/base64.h"
#include "core/dkim/tag_list.h"
#include "core/dns/name.h"

namespace dnsauth::dkim {

namespace {

std::vector<std::string> split_colon_list(std::string_view value) {
  std::vector<std::string> out;
  std::string v = strip_fws(value);
  std::size_t start = 0;
  while (true) {
    auto colon = v.find(':', start);
    out.push_back(v.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

constexpr std::string_view kKeyLabel = "_domainkey";  // RFC 6376 3.6.2.1

}  // namespace

std::string key_record_name(std::string_view selector, std::string_view domain) {
  std::string name;
  name.reserve(selector.size() + kKeyLabel.size() + domain.size() + 2);
  name.append(selector).append(".").append(kKeyLabel).append(".").append(domain);
  return name;
}

std::optional<std::string> selector_of_key_record_name(std::string_view name, std::string_view domain) {
  const std::string parent = std::string(kKeyLabel) + "." + std::string(domain);
  if (!dns::is_below(name, parent)) return std::nullopt;
  return std::string(name.substr(0, name.size() - parent.size() - 1));
}

bool KeyRecord::allows_hash(std::string_view hash) const {
  if (hashes.empty()) return true;
  for (const auto& h : hashes)
    if (h == hash) return true;
  return false;
}

bool KeyRecord::allows_email() const {
  if (services.empty()) return true;
  for (const auto& s : services)
    if (s == "*" || s == "email") return true;
  return false;
}

std::optional<KeyType> KeyRecord::type() const {
  if (key_type == "rsa") return KeyType::rsa;
  if (key_type == "ed25519") return KeyType::ed25519;
  return std::nullopt;
}

Result<KeyRecord> parse_key_record(std::string_view txt) {
  auto tags = parse_tag_list(txt);
  if (!tags) return tl::unexpected(tags.error());
  KeyRecord rec;
  bool have_p = false;
  for (std::size_t idx = 0; idx < tags->size(); ++idx) {
    const Tag& tag = (*tags)[idx];
    const std::string_view name = tag.name;
    if (name == "v") {
      // 3.6.1: "If specified, this tag MUST be set to "DKIM1" ... MUST be the first tag".
      if (idx != 0) return make_error(Errc::syntax, "tag v= must be the first tag", tag.name_offset);
      if (tag.value != "DKIM1") {
        return make_error(Errc::unsupported, "tag v=: version must be DKIM1", tag.value_offset);
      }
    } else if (name == "h") {
      rec.hashes = split_colon_list(tag.value);
    } else if (name == "k") {
      rec.key_type = strip_fws(tag.value);
    } else if (name == "n") {
      rec.notes = std::string(tag.value);
    } else if (name == "p") {
      have_p = true;
      auto p = decode_base64(tag.value);
      if (!p) {
        Error e = p.error();
        e.detail = "tag p=: " + e.detail;
        e.offset = tag.value_offset + (e.offset == Error::no_offset ? 0 : e.offset);
        return tl::unexpected(e);
      }
      rec.public_key = std::move(*p);
    } else if (name == "s") {
      rec.services = split_colon_list(tag.value);
    } else if (name == "t") {
      for (const auto& flag : split_colon_list(tag.value)) {
        if (flag == "y") rec.testing = true;
        if (flag == "s") rec.strict_identity = true;
        // 3.6.1: unrecognized flags MUST be ignored.
      }
    }
    // 3.6.1: unrecognized tags MUST be ignored.
  }
  if (!have_p) return make_error(Errc::syntax, "required tag p= is missing");
  return rec;
}

}  // namespace dnsauth::dkim

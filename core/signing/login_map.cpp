#include "core/signing/login_map.h"

#include "core/mail/message.h"

namespace dnsauth::signing {

namespace {

// Postfix is_822_dot_string.
bool dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  constexpr std::string_view kSpecials = "()<>@,;:\\\"[]";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '.' && i + 1 < s.size() && s[i + 1] == '.') return false;
    if (c == ' ' || c < 32 || c == 127 || kSpecials.find(static_cast<char>(c)) != std::string_view::npos) return false;
  }
  return true;
}

// Postfix split_addr_internal: the localpart up to the first delimiter, or nullopt when it is
// not split.
std::optional<std::string> strip_extension(std::string_view local, std::string_view delimiters) {
  if (delimiters.empty()) return std::nullopt;
  if (mail::iequals(local, "postmaster") || mail::iequals(local, "mailer-daemon") ||
      mail::iequals(local, "double-bounce")) {
    return std::nullopt;
  }
  if (delimiters.find('-') != std::string_view::npos) {
    if (local.size() >= 6 && mail::iequals(local.substr(0, 6), "owner-")) return std::nullopt;
    if (local.size() > 8 && mail::iequals(local.substr(local.size() - 8), "-request")) return std::nullopt;
  }
  auto cut = local.find_first_of(delimiters);
  if (cut == 0 || cut == std::string_view::npos) return std::nullopt;
  return std::string(local.substr(0, cut));
}

bool is_owner_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string quote_local_part(std::string_view local) {
  if (dot_string(local)) return std::string(local);
  std::string out = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\' || c == '\r') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> LoginMap::keys(const mail::Mailbox& from) const {
  std::vector<std::string> out;
  // find_addr with the legacy query form: external (quoted) first, then internal if different.
  auto both = [&](std::string_view local, std::string_view suffix) {
    std::string quoted = quote_local_part(local) + std::string(suffix);
    std::string plain = std::string(local) + std::string(suffix);
    out.push_back(quoted);
    if (plain != quoted) out.push_back(plain);
  };
  const std::string at_domain = "@" + from.domain;
  auto bare = strip_extension(from.local_part, options_.recipient_delimiter);
  both(from.local_part, at_domain);
  if (bare) both(*bare, at_domain);
  bool local_domain = false;
  for (const auto& d : options_.local_domains) local_domain = local_domain || mail::iequals(d, from.domain);
  if (local_domain) {
    both(from.local_part, "");
    if (bare) both(*bare, "");
  }
  out.push_back(at_domain);
  return out;
}

Result<std::optional<std::string>> LoginMap::owners(const mail::Mailbox& from) const {
  for (const auto& key : keys(from)) {
    auto found = table_->find(key);
    if (!found || *found) return found;
  }
  return std::optional<std::string>();
}

Result<bool> LoginMap::owns(std::string_view login, const mail::Mailbox& from) const {
  auto list = owners(from);
  if (!list) return tl::unexpected(list.error());
  if (!*list) return false;
  std::string_view rest = **list;
  while (!rest.empty()) {
    while (!rest.empty() && is_owner_separator(rest.front())) rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && !is_owner_separator(rest[n])) ++n;
    if (n > 0 && mail::iequals(rest.substr(0, n), login)) return true;
    rest.remove_prefix(n);
  }
  return false;
}

}  // namespace dnsauth::signing

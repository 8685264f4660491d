// ASCII letters and digits, and ASCII case folding, the only folding the protocols here use: header field names (RFC 5322
// 1.2.2), domain names (RFC 4343), tag names and values that are case-insensitive. Bytes above
// 0x7F are compared as they are.
#pragma once

#include <string>
#include <string_view>

namespace dnsauth::ascii {

inline bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Every byte below 0x80 (no UTF-8 in it).
inline bool is_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

inline char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

}  // namespace dnsauth::ascii

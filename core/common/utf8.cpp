#include "core/common/utf8.h"

#include <cstdint>
#include <cstring>

namespace dnsauth::utf8 {

std::size_t invalid_at(std::string_view s) noexcept {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < s.size();) {
    // Eight ASCII bytes at a time: none has its high bit set.
    if (s.size() - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {  // ASCII, the common case: one byte
      ++i;
      continue;
    }
    std::size_t more = (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (more == 4 || s.size() - i <= more) return i;
    std::uint32_t cp = c & (0x3Fu >> more);
    for (std::size_t k = 1; k <= more; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += more + 1;
  }
  return std::string_view::npos;
}

}  // namespace dnsauth::utf8

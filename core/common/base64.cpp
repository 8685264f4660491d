#include "core/common/base64.h"

#include <openssl/evp.h>

namespace dnsauth {

std::string encode_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> decode_base64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
    if (c == '=') {
      ++pad;
    } else if (!alpha || pad > 0) {
      return make_error(Errc::base64,
                        pad > 0 ? "data after '=' padding" : "character outside the base64 alphabet",
                        i);
    }
    compact.push_back(static_cast<char>(c));
  }
  if (pad > 2) return make_error(Errc::base64, "more than two '=' padding characters");
  if (compact.size() % 4 != 0) {
    return make_error(Errc::base64, "length is not a multiple of 4 (truncated value?)");
  }
  std::string out(compact.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0) return make_error(Errc::base64, "does not decode");
  // EVP_DecodeBlock counts padding bytes as zero output; drop them.
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace dnsauth

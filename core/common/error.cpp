#include "core/common/error.h"

namespace dnsauth {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::syntax: return "syntax error";
    case Errc::base64: return "base64 error";
    case Errc::key: return "key error";
    case Errc::unsupported: return "unsupported";
    case Errc::limit: return "limit exceeded";
    case Errc::io: return "I/O error";
    case Errc::dns: return "DNS error";
    case Errc::crypto: return "crypto error";
    case Errc::invalid_argument: return "invalid argument";
  }
  return "error";
}

std::string Error::message() const {
  std::string out(to_string(code));
  if (offset != no_offset) out += " at byte " + std::to_string(offset);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

}  // namespace dnsauth

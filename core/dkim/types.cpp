#include "core/dkim/types.h"

namespace dnsauth::dkim {

std::string_view to_string(Algorithm a) noexcept {
  switch (a) {
    case Algorithm::rsa_sha256: return "rsa-sha256";
    case Algorithm::rsa_sha1: return "rsa-sha1";
    case Algorithm::ed25519_sha256: return "ed25519-sha256";
  }
  return "?";
}

std::string_view to_string(KeyType k) noexcept { return k == KeyType::rsa ? "rsa" : "ed25519"; }
std::string_view to_string(Canon c) noexcept { return c == Canon::simple ? "simple" : "relaxed"; }

std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept {
  // RFC 6376 3.5: a= values compare as written (lowercase in every registration).
  if (text == "rsa-sha256") return Algorithm::rsa_sha256;
  if (text == "rsa-sha1") return Algorithm::rsa_sha1;
  if (text == "ed25519-sha256") return Algorithm::ed25519_sha256;
  return std::nullopt;
}

KeyType key_type_of(Algorithm a) noexcept {
  return a == Algorithm::ed25519_sha256 ? KeyType::ed25519 : KeyType::rsa;
}

}  // namespace dnsauth::dkim

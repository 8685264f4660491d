// The vocabulary shared by the DKIM modules: algorithms, key types, canonicalizations.
#pragma once

#include <optional>
#include <string_view>

namespace dnsauth::dkim {

// RFC 6376 3.3 and RFC 8463 3. rsa-sha1 is parsed so that it can be refused (RFC 8301 3.1).
enum class Algorithm { rsa_sha256, rsa_sha1, ed25519_sha256 };
enum class KeyType { rsa, ed25519 };
// RFC 6376 3.4.
enum class Canon { simple, relaxed };

struct Canonicalization {
  Canon header = Canon::simple;
  Canon body = Canon::simple;
  bool operator==(const Canonicalization&) const = default;
};

std::string_view to_string(Algorithm a) noexcept;
std::string_view to_string(KeyType k) noexcept;
std::string_view to_string(Canon c) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept;
KeyType key_type_of(Algorithm a) noexcept;

}  // namespace dnsauth::dkim

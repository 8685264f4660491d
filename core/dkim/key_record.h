// RFC 6376 3.6.1: the DKIM key record published at <selector>._domainkey.<domain>,
// with RFC 8463's ed25519 key type (p= is the raw 32-byte public key).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/types.h"

namespace dnsauth::dkim {

struct KeyRecord {
  std::vector<std::string> hashes;    // h=, empty means every hash is allowed
  std::string key_type = "rsa";       // k= as written (unknown types kept so the caller can say so)
  std::string notes;                  // n=
  std::string public_key;             // p=, decoded; empty means revoked (3.6.1)
  std::vector<std::string> services;  // s=, default "*"
  bool testing = false;               // t=y
  bool strict_identity = false;       // t=s: i= domain must equal d=

  bool revoked() const { return public_key.empty(); }
  bool allows_hash(std::string_view hash) const;        // "sha256"
  bool allows_email() const;                             // s= is * or contains email
  std::optional<KeyType> type() const;                   // nullopt for unknown k=
};

// RFC 6376 3.6.2.1: where the key record of `selector` for `domain` is published,
// "<selector>._domainkey.<domain>" (3.1: a selector may have several labels, "a.b").
std::string key_record_name(std::string_view selector, std::string_view domain);
// The other way: the selector whose key record `name` is for `domain` ("s1" for
// "s1._domainkey.example.com", labels compared without case), nullopt for any other name.
std::optional<std::string> selector_of_key_record_name(std::string_view name, std::string_view domain);

// Errc::syntax for a bad tag list or a v= that is not the first tag (3.6.1), Errc::unsupported
// for a v= other than DKIM1, Errc::base64 for p=. Unknown tags are ignored, as 3.6.1 requires.
Result<KeyRecord> parse_key_record(std::string_view txt);

}  // namespace dnsauth::dkim

// RFC 6376 3.5: the DKIM-Signature header field, parsed into its tags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/types.h"

namespace dnsauth::dkim {

struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;  // a=
  std::string b;                      // b=, decoded signature bytes
  std::string b_text;                 // b= as written without FWS (for header.b)
  std::string bh;                     // bh=, decoded body hash
  Canonicalization canon;             // c=, default simple/simple
  std::string domain;                 // d=, lowercased
  std::vector<std::string> headers;   // h=, lowercased, in order, repeats kept
  std::string identity;               // i=, as written after qp decoding; default "@" + d
  std::optional<std::uint64_t> length;  // l=
  std::string selector;               // s=, lowercased
  std::optional<std::int64_t> timestamp;   // t=
  std::optional<std::int64_t> expiration;  // x=
};

// Parses the value of a DKIM-Signature field (everything after the colon). Errors say which
// tag is wrong and where: Errc::syntax (missing required tag, bad value), Errc::unsupported
// (v= not 1, unknown a= or c=, q= without dns/txt), Errc::base64 (b=, bh=).
// Semantic checks that need the message or the key (h= must contain From, i= within d=,
// expiry) belong to the Verifier.
Result<Signature> parse_signature(std::string_view field_value);

// The identity's domain part (after the last '@'), lowercased.
std::string identity_domain(const Signature& sig);

}  // namespace dnsauth::dkim

// Selectors delegated by CNAME (RFC 6376 3.6.2.2: the key record is found by a TXT query, and
// RFC 1034 3.6.2: a resolver follows a CNAME to its target): a hosted customer publishes
// "<selector>._domainkey.<customer>. CNAME <target>." and the provider publishes the key record
// at <target>, in a zone of its own ([signer] delegation_zone). The one rule that names the
// target of (domain, selector), used by dnsauth-publish generate and lint and by
// dnsauth-validate selftest alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::records {

// The default [signer] delegation_target: "s1" of "customer.example" under "dkim.isp.example"
// is "s1.customer-example.dkim.isp.example".
inline constexpr std::string_view kDefaultDelegationTarget = "{selector}.{domain_dashed}";

// The TTL of a delegated selector's records, ours and the customer's CNAME: the key and signing
// tables carry none, and this is a [[domain]]'s default.
inline constexpr std::uint32_t kDelegationTtl = 3600;

struct Delegation {
  std::string zone;                                            // "dkim.isp.example", lowercase
  std::string target = std::string(kDefaultDelegationTarget);  // pattern, relative to zone
};

// Whether `pattern` can name targets: only the placeholders {selector}, {domain} (the domain
// as is, "customer.example") and {domain_dashed} (its dots as dashes, "customer-example");
// {selector} and one of the domain placeholders are required, so that no two keys share a
// target; and a sample expansion under `zone` is a domain name. Empty when it can, else what
// is wrong.
std::string check_delegation_target(std::string_view pattern, std::string_view zone);

// The CNAME target for `selector` of `domain`: the pattern expanded (lowercase), then
// ".<zone>". Errc::syntax naming the domain and selector when the result is not a domain name
// (a label over 63 or a name over 253 characters).
Result<std::string> delegation_target(const Delegation& delegation, std::string_view domain,
                                      std::string_view selector);

// The customer's side: "<selector>._domainkey.<domain>. <ttl> IN CNAME <target>." with a newline.
struct CnameRecord {
  std::string owner;   // lowercase, no trailing dot
  std::uint32_t ttl = kDelegationTtl;
  std::string target;  // lowercase, no trailing dot
};

}  // namespace dnsauth::records

// Domain names as text: the one syntax check and the one "at or below" relation that the
// modules share (DKIM d= and i=, the configuration's names and map targets, DMARC report
// hosts, the zone-file resolver, the publisher's zone fragments, the signer's "*.domain"
// map entries), so none of them keeps a slightly different copy.
#pragma once

#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::dns {

enum class NameSyntax {
  // RFC 1035 2.3.1 preferred syntax as RFC 1123 2.1 and RFC 5321 4.1.2 use it: labels of
  // letters, digits and hyphens, not starting or ending with a hyphen. Host and mail domains
  // (DKIM d=, RFC 6376 3.5), A-labels for IDNs.
  host,
  // The same with '_' allowed anywhere in a label: names that are looked up rather than mailed
  // (RFC 8552 underscored leaves such as _spf or _dmarc, selectors, report hosts).
  dns,
};

// Labels of 1 to 63 characters, at most 253 in all (RFC 1035 2.3.4, without the final dot),
// letters of either case; one final dot is accepted when `final_dot` is true.
bool is_domain_name(std::string_view name, NameSyntax syntax = NameSyntax::host, bool final_dot = false) noexcept;

// `name` is `domain` or a name below it, at a label boundary ("a.b.example.com" is below
// "example.com", "badexample.com" is not), ASCII case-insensitively (RFC 4343 2: "Example.COM"
// and "example.com" are one name). Every name is at or below the root (an empty `domain`).
bool is_at_or_below(std::string_view name, std::string_view domain) noexcept;
// The same without `domain` itself: "mail.example.com" is below "example.com", "example.com"
// is not (a "*.example.com" pattern). Every name but the root is below the root.
bool is_below(std::string_view name, std::string_view domain) noexcept;

// A domain name as DNS holds it: U-labels become A-labels (RFC 5890 2.3.2.1: a U-label is
// compared and looked up as its A-label; IDNA2008 with UTS #46 nontransitional mapping, as
// browsers and current MTAs do, "ß" stays "ß", and the STD3 rules), everything lowercased.
// ASCII names are only lowercased. Errc::syntax naming the name when it is not a valid IDN, or
// when the mapped name is not a host name (NameSyntax::host): no mapping yields '/', ';', '_'
// or an empty label.
Result<std::string> to_a_labels(std::string_view name);

}  // namespace dnsauth::dns

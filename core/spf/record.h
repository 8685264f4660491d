// SPF records (RFC 7208 4.5, 4.6.1, 5, 6): recognising a v=spf1 record and parsing it into
// its terms, with the byte position of any syntax error. A record that does not parse is a
// permerror as a whole (4.6: "if there are any syntax errors anywhere in the record").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/ip_address.h"
#include "core/spf/macro.h"

namespace dnsauth::spf {

// RFC 7208 4.6.2
enum class Qualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };

enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };
std::string_view to_string(MechanismKind kind) noexcept;

struct Mechanism {
  Qualifier qualifier = Qualifier::pass;
  MechanismKind kind = MechanismKind::all;
  std::optional<MacroString> domain_spec;  // include, exists: always; a, mx, ptr: when given
  dns::IpAddress network;                  // ip4, ip6
  std::optional<unsigned> cidr4;           // ip4; a and mx: ip4-cidr-length
  std::optional<unsigned> cidr6;           // ip6; a and mx: ip6-cidr-length
  std::string text;                        // the term as written, e.g. "-ip4:192.0.2.0/24"
  std::size_t offset = 0;                  // of the term in the record

  // Terms that cost a DNS lookup and count towards the limit of 4.6.4.
  bool queries_dns() const noexcept;
};

struct Modifier {
  std::string name;   // lowercase
  std::string value;  // as written
  std::size_t offset = 0;
};

struct Record {
  std::vector<Mechanism> mechanisms;  // in order
  std::optional<MacroString> redirect;
  std::optional<MacroString> exp;
  std::vector<Modifier> unknown_modifiers;  // ignored by evaluation (RFC 7208 6)

  // RFC 7208 6.1: a redirect is ignored when the record has an "all" mechanism anywhere.
  bool has_all() const noexcept;
};

// RFC 7208 4.5: the record begins with "v=spf1" (case-insensitive) followed by a space or
// its end. "v=spf10" is not an SPF record.
bool is_spf_record(std::string_view text) noexcept;

// Parses a record that passed is_spf_record(). Errc::syntax with the byte offset into text:
// characters outside printable ASCII (3.1), unknown mechanisms, modifiers with bad names,
// mechanism arguments that do not follow section 5's grammar, invalid CIDR lengths, macro
// errors (7.1), exp= or redirect= twice (6).
dnsauth::Result<Record> parse_record(std::string_view text);

}  // namespace dnsauth::spf

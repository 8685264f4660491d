// An IP address with a port, as a command line or the configuration names a server to ask or
// an address to listen on: "ADDR", "ADDR:PORT", "[ADDR6]:PORT", "[ADDR6]", or a bare IPv6
// address, whose colons are all its own (RFC 5952 6: a port goes after an IPv6 address only
// in brackets). The DNS resolvers (--resolver) and the signer's stats_listen use this one form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "core/dns/ip_address.h"

namespace dnsauth::dns {

struct HostPort {
  IpAddress address;
  std::uint16_t port = 0;

  // "192.0.2.53:5353", "[2001:db8::53]:53": the form parse_host_port reads back.
  std::string to_string() const;
};

// A port alone, a decimal number from 1 to 65535 (port 0 is reserved, RFC 6335 6), as
// libmilter's "inet:PORT@HOST" writes it too. Errc::invalid_argument naming the text.
Result<std::uint16_t> parse_port(std::string_view text);

// parse_host_port's default_port when the text must name a port.
inline constexpr std::uint16_t kPortRequired = 0;

// The address (IpAddress::parse: no host names) and the port, a decimal number from 1 to
// 65535; default_port when the text names none, or an error when that is kPortRequired.
// Errc::invalid_argument naming the text, with the offset of what is wrong in it.
Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port);

}  // namespace dnsauth::dns

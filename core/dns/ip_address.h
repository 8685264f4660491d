// IPv4 and IPv6 addresses as SPF and the resolvers need them: strict parsing, network
// membership for CIDR lengths (RFC 7208 5.6), the reverse-mapping name (RFC 1035 3.5,
// RFC 3596 2.5) and the textual forms of RFC 7208 7.3 (dotted quad, RFC 5952).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::dns {

class IpAddress {
 public:
  enum class Family { v4, v6 };

  IpAddress() = default;
  // "192.0.2.1" (four decimal octets, no leading zeros) or any RFC 4291 2.2 form
  // ("2001:db8::1", "::ffff:192.0.2.1"). Errc::invalid_argument naming the text otherwise.
  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::array<std::uint8_t, 4> octets);
  static IpAddress v6(std::array<std::uint8_t, 16> octets);

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::v4; }
  bool is_v6() const noexcept { return family_ == Family::v6; }
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2)
  bool is_v4_mapped() const noexcept;
  // The IPv4 address inside an IPv4-mapped address; any other address unchanged.
  IpAddress unmapped() const;

  // 4 or 16 bytes in network order.
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }

  // Dotted quad, or RFC 5952 (lowercase, longest zero run compressed).
  std::string to_string() const;
  // "1.2.0.192.in-addr.arpa" or the 32 nibbles ".ip6.arpa", lowercase, no trailing dot.
  std::string reverse_name() const;
  // "192.0.2.1", or the 32 nibbles dot-separated for IPv6 (RFC 7208 7.3 "i" macro).
  std::string dotted() const;

  // The first prefix_length bits are equal (same family only; prefix_length is clamped).
  bool in_network(const IpAddress& network, unsigned prefix_length) const noexcept;

  friend bool operator==(const IpAddress& a, const IpAddress& b) noexcept {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
  }

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

// An address and a prefix length as SPF's ip4/ip6 mechanisms and the configuration write them:
// "192.0.2.0/24", "2001:db8::/32", or an address alone (all of its bits).
struct Network {
  IpAddress address;
  unsigned prefix = 0;

  // Errc::invalid_argument naming the text: an address IpAddress::parse refuses, or a length
  // that is not a decimal number of at most 32 (IPv4) or 128 (IPv6) without leading zeros
  // (RFC 7208 5.6 ip4-cidr-length).
  static Result<Network> parse(std::string_view text);
  // The same family and the first `prefix` bits equal.
  bool contains(const IpAddress& ip) const noexcept {
    return ip.family() == address.family() && ip.in_network(address, prefix);
  }
};

}  // namespace dnsauth::dns

#include "core/dns/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace dnsauth::dns {

namespace {

const char kHex[] = "0123456789abcdef";

// RFC 7208 5.6 qnum: decimal 0-255 without leading zeros.
bool parse_qnum(std::string_view s, std::uint8_t& out) {
  if (s.empty() || s.size() > 3) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 255) return false;
  out = static_cast<std::uint8_t>(v);
  return true;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    std::array<std::uint8_t, 4> octets{};
    std::size_t start = 0;
    for (int i = 0; i < 4; ++i) {
      std::size_t dot = text.find('.', start);
      if ((i < 3) != (dot != std::string_view::npos))
        return make_error(Errc::invalid_argument,
                          "'" + std::string(text) + "' is not an IPv4 address (four octets a.b.c.d)");
      std::string_view part = text.substr(start, i < 3 ? dot - start : std::string_view::npos);
      if (!parse_qnum(part, octets[i]))
        return make_error(Errc::invalid_argument, "'" + std::string(text) +
                                                      "' is not an IPv4 address (octet '" +
                                                      std::string(part) + "')");
      start = dot + 1;
    }
    return v4(octets);
  }
  // inet_pton implements RFC 4291 2.2 exactly, including the embedded dotted quad. It wants a
  // C string: copied on the stack (aggregate reports parse one per record).
  std::array<char, INET6_ADDRSTRLEN + 1> copy{};
  std::array<std::uint8_t, 16> octets{};
  // A NUL inside would end the C string early: "::1\0x" is not ::1.
  bool ok = text.size() <= INET6_ADDRSTRLEN && text.find('\0') == std::string_view::npos;
  if (ok) {
    std::memcpy(copy.data(), text.data(), text.size());
    ok = inet_pton(AF_INET6, copy.data(), octets.data()) == 1;
  }
  if (!ok) return make_error(Errc::invalid_argument, "'" + std::string(text) + "' is not an IPv6 address");
  return v6(octets);
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> octets) {
  IpAddress a;
  a.family_ = Family::v4;
  std::memcpy(a.bytes_.data(), octets.data(), 4);
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> octets) {
  IpAddress a;
  a.family_ = Family::v6;
  a.bytes_ = octets;
  return a;
}

bool IpAddress::is_v4_mapped() const noexcept {
  if (!is_v6()) return false;
  for (int i = 0; i < 10; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

IpAddress IpAddress::unmapped() const {
  if (!is_v4_mapped()) return *this;
  return v4({bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::dotted() const {
  if (is_v4()) return to_string();
  std::string out;
  out.reserve(63);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i) out.push_back('.');
    out.push_back(kHex[bytes_[i] >> 4]);
    out.push_back('.');
    out.push_back(kHex[bytes_[i] & 0xf]);
  }
  return out;
}

std::string IpAddress::reverse_name() const {
  std::string out;
  if (is_v4()) {
    for (int i = 3; i >= 0; --i) out += std::to_string(bytes_[i]) + ".";
    return out + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i) {
    out.push_back(kHex[bytes_[i] & 0xf]);
    out.push_back('.');
    out.push_back(kHex[bytes_[i] >> 4]);
    out.push_back('.');
  }
  return out + "ip6.arpa";
}

bool IpAddress::in_network(const IpAddress& network, unsigned prefix_length) const noexcept {
  if (family_ != network.family_) return false;
  unsigned bits = static_cast<unsigned>(size()) * 8;
  if (prefix_length > bits) prefix_length = bits;
  unsigned full = prefix_length / 8, rest = prefix_length % 8;
  if (std::memcmp(bytes_.data(), network.bytes_.data(), full) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (bytes_[full] & mask) == (network.bytes_[full] & mask);
}

Result<Network> Network::parse(std::string_view text) {
  auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return tl::unexpected(ip.error());
  Network n{*ip, ip->is_v4() ? 32u : 128u};
  if (slash == std::string_view::npos) return n;
  std::string_view len = text.substr(slash + 1);
  bool digits = !len.empty() && len.size() <= 3 && len.find_first_not_of("0123456789") == std::string_view::npos &&
                (len.size() == 1 || len.front() != '0');
  unsigned value = 0;
  for (char c : digits ? len : std::string_view()) value = value * 10 + static_cast<unsigned>(c - '0');
  if (!digits || value > n.prefix) {
    return make_error(Errc::invalid_argument, "'" + std::string(text) + "': the prefix length must be 0 to " +
                                                  std::to_string(n.prefix));
  }
  n.prefix = value;
  return n;
}

}  // namespace dnsauth::dns

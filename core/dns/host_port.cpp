#include "core/dns/host_port.h"

#include <algorithm>

namespace dnsauth::dns {

namespace {

tl::unexpected<Error> bad(std::string_view text, const std::string& what, std::size_t offset) {
  return make_error(Errc::invalid_argument, "'" + std::string(text) + "': " + what, offset);
}

}  // namespace

std::string HostPort::to_string() const {
  std::string port_text = ":" + std::to_string(port);
  return address.is_v6() ? "[" + address.to_string() + "]" + port_text : address.to_string() + port_text;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "empty port", 0);
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || value > 65535) {
      value = 0;
      break;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return make_error(Errc::invalid_argument, "port '" + std::string(text) + "' is not a number from 1 to 65535", 0);
  return static_cast<std::uint16_t>(value);
}

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
  std::string_view addr = text;
  std::size_t addr_at = 0, port_at = std::string_view::npos;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad(text, "missing ']'", text.size());
    addr = text.substr(1, close - 1);
    addr_at = 1;
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad(text, "expected ':PORT' after ']'", close + 1);
      port_at = close + 2;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    // One colon separates a port; more are a bare IPv6 address's own.
    port_at = text.find(':') + 1;
    addr = text.substr(0, port_at - 1);
  }
  auto ip = IpAddress::parse(addr);
  if (!ip) return bad(text, ip.error().detail, addr_at);
  HostPort out{*ip, default_port};
  if (port_at == std::string_view::npos) {
    if (default_port != kPortRequired) return out;
    return bad(text, ip->is_v6() ? "no port: write [ADDR6]:PORT" : "no port: write ADDR:PORT", text.size());
  }
  auto port = parse_port(text.substr(port_at));
  if (!port) return bad(text, port.error().detail, port_at);
  out.port = *port;
  return out;
}

}  // namespace dnsauth::dns

#include "signer/packet.h"

#include <algorithm>
#include <cstdio>

namespace dnsauth::signer::packet {

namespace {

// libmilter/mfdef.h: the size of the option negotiation's three 32-bit words (MILTER_OPTLEN).
constexpr std::size_t kOptionLength = 12;

std::size_t nuls(std::string_view s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\0')); }

// The strings a packet carries must each end in a NUL, so the data must end in one.
bool terminated(std::string_view data) { return !data.empty() && data.back() == '\0'; }

std::string one_string(std::string_view what, std::string_view data) {
  if (!terminated(data)) return what.empty() ? "no NUL terminator" : std::string(what) + " without its NUL terminator";
  if (nuls(data) != 1) return std::string(what) + " holds a NUL inside";
  return "";
}

// 'D': the command the macros belong to, then name NUL value NUL pairs (libmilter's
// st_macros takes every string in pairs and smfi_getsymval steps two at a time, so an odd
// count makes it step past the end of the list). The command byte may be any: Postfix sends
// macros before each header ('L', its milter_end_of_header_macros) and libmilter keeps those of
// the stages it knows and reads past the others, but it splits every list into strings first.
std::string check_macros(std::string_view data) {
  if (data.empty()) return "macro packet without the command it belongs to";
  std::string_view list = data.substr(1);
  if (list.empty()) return "";  // an empty list: nothing defined
  if (!terminated(list)) return "macro value without its NUL terminator";
  if (nuls(list) % 2 != 0) return "macro name without a value";
  for (std::size_t at = 0; at < list.size();) {
    std::size_t name_end = list.find('\0', at);
    if (name_end == at) return "macro with an empty name";
    at = list.find('\0', name_end + 1) + 1;  // past the value's NUL
  }
  return "";
}

// 'C': host NUL, family, then for a known family a port (2 bytes) and the address NUL.
std::string check_connect(std::string_view data) {
  std::size_t host_end = data.find('\0');
  if (host_end == std::string_view::npos) return "host name without its NUL terminator";
  if (host_end + 1 >= data.size()) return "no address family";
  char family = data[host_end + 1];
  std::string_view rest = data.substr(host_end + 2);
  if (family == 'U') return rest.empty() ? "" : "data after the unknown address family";
  if (family != '4' && family != '6' && family != 'L') return "unknown address family " + describe(family);
  if (rest.size() < 2) return "no port";
  return one_string("address", rest.substr(2));
}

}  // namespace

std::string describe(char command) {
  const char* name = nullptr;
  switch (command) {
    case 'A': name = "abort"; break;
    case 'B': name = "body"; break;
    case 'C': name = "connect"; break;
    case 'D': name = "macros"; break;
    case 'E': name = "end of message"; break;
    case 'H': name = "HELO"; break;
    case 'K': name = "quit, new connection follows"; break;
    case 'L': name = "header"; break;
    case 'M': name = "MAIL"; break;
    case 'N': name = "end of headers"; break;
    case 'O': name = "option negotiation"; break;
    case 'Q': name = "quit"; break;
    case 'R': name = "RCPT"; break;
    case 'T': name = "DATA"; break;
    case 'U': name = "unknown SMTP command"; break;
    default: break;
  }
  auto byte = static_cast<unsigned char>(command);
  if (byte < 0x20 || byte > 0x7e) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", byte);
    return hex;
  }
  return std::string("'") + command + "' (" + (name ? name : "unknown") + ")";
}

std::string check(char command, std::string_view data) {
  if (data.size() > kMaxData) {
    return std::to_string(data.size()) + " bytes of data, over the protocol's " + std::to_string(kMaxData);
  }
  switch (command) {
    case 'O':
      if (data.size() != kOptionLength) return std::to_string(data.size()) + " bytes instead of 12";
      return "";
    case 'D':
      return check_macros(data);
    case 'C':
      return check_connect(data);
    case 'H':
      return one_string("HELO name", data);
    case 'U':
      return one_string("command", data);
    case 'M':
    case 'R':
      return terminated(data) ? "" : data.empty() ? "no address" : "argument without its NUL terminator";
    case 'L': {
      if (!terminated(data) || nuls(data) != 2) return "not a name and a value, each NUL-terminated";
      if (data.front() == '\0') return "empty header field name";
      return "";
    }
    case 'B':
      return data.empty() ? "empty body chunk" : "";
    case 'E':
      return "";
    case 'A':
    case 'N':
    case 'T':
    case 'Q':
    case 'K':
      return data.empty() ? "" : std::to_string(data.size()) + " bytes of data where none belong";
    default:
      return "unknown command";
  }
}

}  // namespace dnsauth::signer::packet

#include "core/common/uri.h"

#include "core/common/ascii.h"

namespace dnsauth::uri {

namespace {

bool is_hex(char c) noexcept {
  return ascii::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 2.2 reserved and 2.3 unreserved characters ("%" is checked on its own).
bool is_uri_char(char c) noexcept {
  if (ascii::is_alpha(c) || ascii::is_digit(c)) return true;
  return std::string_view("-._~:/?#[]@!$&'()*+,;=").find(c) != std::string_view::npos;
}

}  // namespace

Result<Uri> parse(std::string_view text, std::string_view must_encode) {
  if (text.empty()) return make_error(Errc::syntax, "an empty URI", 0);
  if (!ascii::is_alpha(text[0])) return make_error(Errc::syntax, "a URI starts with its scheme (a letter)", 0);
  std::size_t colon = 1;
  while (colon < text.size() && (ascii::is_alpha(text[colon]) || ascii::is_digit(text[colon]) ||
                                 text[colon] == '+' || text[colon] == '-' || text[colon] == '.'))
    ++colon;
  if (colon == text.size() || text[colon] != ':')
    return make_error(Errc::syntax, "'" + std::string(text) + "' is not a URI (scheme \":\" ...)", colon);
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2]))
        return make_error(Errc::syntax, "'%' not followed by two hexadecimal digits", i);
      i += 2;
      continue;
    }
    if (!is_uri_char(c)) return make_error(Errc::syntax, "a byte a URI cannot hold (encode it as %XX)", i);
    if (must_encode.find(c) != std::string_view::npos)
      return make_error(Errc::syntax, std::string("'") + c + "' must be percent-encoded in this URI", i);
  }
  Uri u;
  u.scheme = ascii::to_lower(text.substr(0, colon));
  u.rest = std::string(text.substr(colon + 1));
  std::string_view rest = u.rest;
  if (rest.substr(0, 2) == "//") {
    // RFC 3986 3.2: authority = [ userinfo "@" ] host [ ":" port ], up to "/", "?" or "#".
    rest.remove_prefix(2);
    std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (!authority.empty() && authority.front() != '[')
      if (std::size_t port = authority.find(':'); port != std::string_view::npos) authority = authority.substr(0, port);
    u.host = ascii::to_lower(authority);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    u.path = std::string(rest.substr(0, rest.find_first_of("?#")));
  } else if (u.scheme == "mailto") {
    // RFC 6068 2: the addresses before "?"; the domain of the last "@".
    std::string_view to = rest.substr(0, rest.find('?'));
    if (std::size_t at = to.rfind('@'); at != std::string_view::npos) u.host = ascii::to_lower(to.substr(at + 1));
  }
  return u;
}

}  // namespace dnsauth::uri

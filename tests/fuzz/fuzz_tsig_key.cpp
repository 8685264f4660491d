// TSIG key files (dns::parse_tsig_key: BIND's key statement, Knot's YAML key section,
// dnssec-keygen's K*.private), with or without a key name to pick. Input: one byte of options
// (bit 0: a name is given, the text up to the first NUL; bit 1: the source is named as
// dnssec-keygen names its files), then the text. Properties: a key has a non-empty lowercase
// name without a trailing dot (the one asked for, when one is), one of the algorithms
// core/dns/tsig_key.h lists, and a secret that decodes as base64 to at least one byte; an
// error is Errc::syntax, unsupported or invalid_argument, its detail starting with the source;
// the same twice.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/base64.h"
#include "core/dns/tsig_key.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t options = in.byte();
  std::string_view text = in.rest();
  std::string_view name;
  if (options & 1) {
    std::size_t nul = text.find('\0');
    name = text.substr(0, nul);
    text = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
  }
  const std::string_view source = (options & 2) ? "/etc/dnsauth/Ktsig-key.example.+163+01234.private" : "fuzz.key";
  auto key = dns::parse_tsig_key(text, source, name);
  if (!key) {
    const Error& e = key.error();
    FUZZ_CHECK(e.code == Errc::syntax || e.code == Errc::unsupported || e.code == Errc::invalid_argument);
    FUZZ_CHECK_MSG(e.detail.rfind(source, 0) == 0, e.detail);
    fuzz::check_offset(e, text.size());
    return 0;
  }
  FUZZ_CHECK(!key->name.empty());
  FUZZ_CHECK_MSG(key->name.back() != '.', key->name);
  for (char c : key->name) FUZZ_CHECK_MSG(!(c >= 'A' && c <= 'Z'), key->name);
  if (!name.empty()) {
    std::string wanted;
    for (char c : name) wanted.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    if (!wanted.empty() && wanted.back() == '.') wanted.pop_back();
    FUZZ_CHECK_MSG(key->name == wanted, key->name);
  }
  bool known = false;
  for (const char* a : {"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"})
    known = known || key->algorithm == a;
  FUZZ_CHECK_MSG(known, key->algorithm);
  auto secret = decode_base64(key->secret);
  FUZZ_CHECK(secret.has_value() && !secret->empty());
  auto again = dns::parse_tsig_key(text, source, name);
  FUZZ_CHECK(again && again->name == key->name && again->algorithm == key->algorithm &&
             again->secret == key->secret);
  return 0;
}

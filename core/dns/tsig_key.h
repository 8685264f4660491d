// TSIG keys (RFC 8945) as operators keep them, read from the files their tools write:
//   BIND's `key "name" { algorithm hmac-sha256; secret "base64"; };` (tsig-keygen, ddns-confgen,
//   and what `nsupdate -k` reads), possibly among other statements of a named.conf fragment;
//   Knot's YAML `key:` section (`- id: name` / `algorithm:` / `secret:`, as `keymgr -t` prints);
//   dnssec-keygen's K<name>+<alg>+<id>.private (`Algorithm: 163 (HMAC_SHA256)`, `Key: ...`).
// The secret is kept as its base64 text, for ldns; it is never printed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace dnsauth::dns {

struct TsigKey {
  std::string name;       // the key's domain name, lowercase, no trailing dot
  std::string algorithm;  // "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"
  std::string secret;     // base64, as in the file (checked to decode to at least one byte)
};

// Errc::syntax "FILE:LINE: ..." when the text holds no key, or a key without a name,
// algorithm or secret, or a secret that is not base64; Errc::unsupported naming the algorithm
// when it is not one of the above (hmac-md5 included: RFC 8945 6 says not to use it).
// With more than one key in the file, `name` picks one (Errc::invalid_argument when absent,
// or when the file has several keys and no name is given). Only the key picked must be usable:
// a named.conf may keep other keys (an old hmac-md5 one) for other peers. The format is told
// by the text: a `Private-key-format:` line is dnssec-keygen's (the name then comes from
// `source`, the file's name), a `key:` line at the margin is Knot's, anything else BIND's.
Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view source, std::string_view name = {});
Result<TsigKey> load_tsig_key(const std::filesystem::path& file, std::string_view name = {});

}  // namespace dnsauth::dns

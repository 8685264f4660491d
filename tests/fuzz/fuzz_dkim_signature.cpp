// RFC 6376 3.5 DKIM-Signature field values. Properties: what parses has every required tag's
// meaning (d= and s= lowercase, h= non-empty names, i= with an '@', x= after t=), and the
// signature written back as a tag list (b=/bh= in base64, i= in dkim-quoted-printable, 2.11)
// parses to the same values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/ascii.h"
#include "core/common/base64.h"
#include "core/dkim/signature.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

// RFC 6376 2.11: every byte outside the safe set as =XX.
std::string quoted_printable(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f && c != ';' && c != '=') {
      out += c;
    } else {
      out += '=';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string write(const dkim::Signature& s) {
  std::string h;
  for (const std::string& name : s.headers) h += (h.empty() ? "" : ":") + name;
  std::string out = "v=1; a=" + std::string(dkim::to_string(s.algorithm)) + "; c=" +
                    std::string(dkim::to_string(s.canon.header)) + "/" +
                    std::string(dkim::to_string(s.canon.body)) + "; d=" + s.domain + "; s=" +
                    s.selector + "; h=" + h + "; i=" + quoted_printable(s.identity);
  if (s.length) out += "; l=" + std::to_string(*s.length);
  if (s.timestamp) out += "; t=" + std::to_string(*s.timestamp);
  if (s.expiration) out += "; x=" + std::to_string(*s.expiration);
  out += "; bh=" + encode_base64(s.bh) + "; b=" + encode_base64(s.b);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto sig = dkim::parse_signature(text);
  if (!sig) return 0;
  FUZZ_CHECK(!sig->domain.empty() && !sig->selector.empty() && !sig->b.empty());
  FUZZ_CHECK(sig->domain == ascii::to_lower(sig->domain));
  FUZZ_CHECK(sig->selector == ascii::to_lower(sig->selector));
  FUZZ_CHECK(!sig->headers.empty());
  for (const std::string& h : sig->headers) FUZZ_CHECK(!h.empty() && h == ascii::to_lower(h));
  FUZZ_CHECK(sig->identity.find('@') != std::string::npos);
  if (sig->timestamp && sig->expiration) FUZZ_CHECK(*sig->expiration > *sig->timestamp);

  std::string written = write(*sig);
  auto again = dkim::parse_signature(written);
  FUZZ_CHECK_MSG(again.has_value(), written + " -- " + (again ? "" : again.error().message()));
  FUZZ_CHECK(again->algorithm == sig->algorithm);
  FUZZ_CHECK(again->b == sig->b);
  FUZZ_CHECK(again->bh == sig->bh);
  FUZZ_CHECK(again->canon == sig->canon);
  FUZZ_CHECK(again->domain == sig->domain);
  FUZZ_CHECK(again->headers == sig->headers);
  FUZZ_CHECK_MSG(again->identity == sig->identity, written);
  FUZZ_CHECK(again->length == sig->length);
  FUZZ_CHECK_MSG(again->selector == sig->selector, written);
  FUZZ_CHECK(again->timestamp == sig->timestamp);
  FUZZ_CHECK(again->expiration == sig->expiration);
  FUZZ_CHECK(dkim::identity_domain(*again) == dkim::identity_domain(*sig));
  return 0;
}

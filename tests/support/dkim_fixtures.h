// Helpers shared by the DKIM test suites: key records for generated keys, signing and
// verifying whole messages, and an independent "raw" signer that writes signatures the
// Signer refuses to produce (rsa-sha1, RSA-512, h= without From, i= outside d=, expired x=,
// l=), straight from RFC 6376 3.7 with OpenSSL, so the Verifier can be tested against them.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/base64.h"
#include "core/common/error.h"
#include "core/dkim/canonicalize.h"
#include "core/dkim/crypto.h"
#include "core/dkim/signer.h"
#include "core/dkim/types.h"
#include "core/dkim/verifier.h"
#include "core/dns/resolver.h"
#include "core/mail/message.h"

namespace dnsauth {
// gtest prints these by name in failure messages (found by ADL).
inline void PrintTo(Errc c, std::ostream* os) { *os << to_string(c); }
namespace dkim {
inline void PrintTo(Status s, std::ostream* os) { *os << to_string(s); }
}  // namespace dkim
}  // namespace dnsauth

namespace dnsauth::test {

inline mail::Message parse_or_throw(std::string_view raw) {
  auto msg = mail::parse_message(raw);
  if (!msg) throw std::runtime_error("parse_message: " + msg.error().message());
  return std::move(*msg);
}

// "v=DKIM1; k=rsa; p=<base64>" for the key, as the publisher would write it (RFC 6376 3.6.1,
// RFC 8463 4 for k=ed25519).
inline std::string key_record_for(const dkim::PrivateKey& key) {
  return std::string("v=DKIM1; k=") + (key.type() == dkim::KeyType::rsa ? "rsa" : "ed25519") +
         "; p=" + encode_base64(key.public_key_record_bytes());
}

inline std::string dns_name(std::string_view selector, std::string_view domain) {
  return std::string(selector) + "._domainkey." + std::string(domain);
}

inline dkim::SignerSpec make_spec(std::string domain, std::string selector,
                                  const std::shared_ptr<const dkim::PrivateKey>& key,
                                  dkim::Canonicalization canon = {dkim::Canon::relaxed,
                                                                  dkim::Canon::relaxed}) {
  dkim::SignerSpec spec;
  spec.domain = std::move(domain);
  spec.selector = std::move(selector);
  spec.key = key;
  spec.canon = canon;
  return spec;
}

// Signs with sign_message and returns the message with the new fields on top (RFC 6376 5.6:
// the signer prepends the DKIM-Signature). Throws when signing fails.
inline std::string sign_raw(std::string_view raw, std::vector<dkim::SignerSpec> specs,
                            std::int64_t now) {
  auto msg = parse_or_throw(raw);
  auto fields = dkim::sign_message(msg, std::move(specs), now);
  if (!fields) throw std::runtime_error("sign_message: " + fields.error().message());
  std::string out;
  for (const auto& f : *fields) out += f.raw();
  return out + msg.serialize();
}

inline std::vector<dkim::SignatureResult> verify_raw(std::string_view raw, dns::Resolver& resolver,
                                                     std::int64_t now,
                                                     std::size_t max_signatures = 8) {
  auto msg = parse_or_throw(raw);
  dkim::VerifyOptions options;
  options.now = now;
  options.max_signatures = max_signatures;
  return dkim::verify_message(msg, resolver, options);
}

// ---- an independent signer, RFC 6376 3.7 / 5.4 / 3.5, for signatures Signer will not make ----

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

inline PkeyPtr pkey_from_pem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!k) throw std::runtime_error("PEM_read_bio_PrivateKey failed");
  return PkeyPtr(k, &EVP_PKEY_free);
}

inline PkeyPtr generate_pkey(const char* type, unsigned rsa_bits = 0) {
  EVP_PKEY* k = rsa_bits ? EVP_RSA_gen(rsa_bits) : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  if (!k) throw std::runtime_error("key generation failed");
  return PkeyPtr(k, &EVP_PKEY_free);
}

// p= bytes: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463 4).
inline std::string public_record_bytes(EVP_PKEY* k) {
  if (EVP_PKEY_get_id(k) == EVP_PKEY_ED25519) {
    unsigned char raw[32];
    std::size_t n = sizeof raw;
    EVP_PKEY_get_raw_public_key(k, raw, &n);
    return std::string(reinterpret_cast<char*>(raw), n);
  }
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

inline std::string digest_with(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

struct RawSignature {
  std::string tags;               // "v=1; a=rsa-sha256; d=example.com; s=sel; t=..." (no h/bh/b)
  std::vector<std::string> h;     // written as h=a:b:c
  dkim::Canonicalization canon{dkim::Canon::relaxed, dkim::Canon::relaxed};
  const EVP_MD* md = EVP_sha256();   // EVP_sha1() for rsa-sha1
  std::optional<std::size_t> l;      // l= in canonical body bytes
};

// Header fields chosen for h= from the bottom up, one instance per listed name (RFC 6376
// 5.4.2); a name with no instance left contributes nothing (the null string).
inline std::string signed_header_data(const mail::Message& msg, const std::vector<std::string>& h,
                                      dkim::Canon canon) {
  std::map<std::string, std::size_t> used;
  std::string data;
  for (const auto& name : h) {
    std::size_t skip = used[mail::to_lower(name)]++;
    for (std::size_t i = msg.headers.size(); i-- > 0;) {
      if (!msg.headers[i].is(name)) continue;
      if (skip-- == 0) {
        dkim::canonicalize_header(canon, msg.headers[i].raw(), data);
        break;
      }
    }
  }
  return data;
}

// Returns the whole DKIM-Signature field (with CRLF) for `msg` signed by `key`.
inline std::string raw_sign(const mail::Message& msg, const RawSignature& spec, EVP_PKEY* key) {
  std::string body = dkim::canonicalize_body(spec.canon.body, msg.body);
  if (spec.l) body.resize(std::min(body.size(), *spec.l));
  std::string value = " " + spec.tags + ";";
  if (spec.l) value += " l=" + std::to_string(*spec.l) + ";";
  value += " h=";
  for (std::size_t i = 0; i < spec.h.size(); ++i) value += (i ? ":" : "") + spec.h[i];
  value += "; bh=" + encode_base64(digest_with(spec.md, body)) + "; b=";
  std::string data = signed_header_data(msg, spec.h, spec.canon.header);
  std::string self;
  dkim::canonicalize_header(spec.canon.header, "DKIM-Signature:" + value + "\r\n", self);
  data += self.substr(0, self.size() - 2);  // 3.7: the field itself, without its final CRLF

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(EVP_PKEY_get_size(key), '\0');
  std::size_t n = sig.size();
  bool ed = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
  // RFC 8463 3: Ed25519 signs the SHA-256 digest of the data (PureEdDSA over 32 bytes).
  std::string input = ed ? digest_with(EVP_sha256(), data) : data;
  bool ok = EVP_DigestSignInit(ctx, nullptr, ed ? nullptr : spec.md, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("raw_sign: OpenSSL signing failed");
  sig.resize(n);
  return "DKIM-Signature:" + value + encode_base64(sig) + "\r\n";
}

}  // namespace dnsauth::test

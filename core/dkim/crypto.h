// The keys and the one hash DKIM needs, on OpenSSL 3. Algorithm objects (SHA-256) are fetched
// once per process and reused; EVP_PKEY objects are parsed once and shared by every message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "core/dkim/types.h"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;

namespace dnsauth::dkim {

// The process-wide SHA-256 implementation, fetched once.
const EVP_MD* sha256();

// An incremental SHA-256, reusable after finish() (reset()).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  std::string finish();  // 32 bytes; the object must be reset() before reuse
  void reset();

 private:
  EVP_MD_CTX* ctx_;
};

class PrivateKey {
 public:
  // PEM: PKCS#8 ("PRIVATE KEY"), traditional RSA ("RSA PRIVATE KEY"). Errc::key with a clear
  // reason for anything else: not PEM, encrypted, an EC key, RSA outside 1024..4096 bits.
  static Result<PrivateKey> from_pem(std::string_view pem);
  // Raw 32-byte Ed25519 seed (RFC 8032 private key), as RFC 8463 A.1 gives it.
  static Result<PrivateKey> from_ed25519_seed(std::string_view seed);
  // Fresh keys for the publisher.
  static Result<PrivateKey> generate_rsa(unsigned bits);
  static Result<PrivateKey> generate_ed25519();

  KeyType type() const noexcept { return type_; }
  unsigned bits() const noexcept { return bits_; }
  // The p= bytes of the matching key record: SubjectPublicKeyInfo DER for RSA, the raw
  // 32-byte key for Ed25519 (RFC 8463 4).
  std::string public_key_record_bytes() const;
  // PKCS#8 PEM, for writing key files.
  std::string to_pem() const;

  // Signs the SHA-256 digest of the header data: RSASSA-PKCS1-v1_5 with SHA-256 for RSA,
  // PureEdDSA over the 32 digest bytes for Ed25519 (RFC 8463 3).
  Result<std::string> sign_digest(std::string_view digest) const;

  EVP_PKEY* native() const noexcept { return pkey_.get(); }

 private:
  // Every constructor ends in ready(): it builds the signing context that sign_digest()
  // duplicates, so a key that cannot sign is refused when loaded, not at the first message.
  static Result<PrivateKey> ready(PrivateKey k);

  std::shared_ptr<EVP_PKEY> pkey_;
  std::shared_ptr<EVP_PKEY_CTX> sign_pkey_;  // RSA: sign_init'ed, PKCS#1 v1.5, SHA-256
  std::shared_ptr<EVP_MD_CTX> sign_md_;      // Ed25519: DigestSignInit'ed
  KeyType type_ = KeyType::rsa;
  unsigned bits_ = 0;
};

class PublicKey {
 public:
  // p= bytes as published: for RSA either SubjectPublicKeyInfo or a bare RSAPublicKey
  // (both are seen in the field); for Ed25519 the raw 32 bytes.
  static Result<PublicKey> from_record_bytes(KeyType type, std::string_view bytes);

  KeyType type() const noexcept { return type_; }
  unsigned bits() const noexcept { return bits_; }
  // True when `signature` is valid for the SHA-256 `digest` (same scheme as sign_digest).
  // There is no rsa-sha1 path: RFC 8301 3.1 forbids treating such signatures as valid.
  bool verify_digest(std::string_view digest, std::string_view signature) const;
  // True when both hold the same public key.
  bool same_key(const PrivateKey& priv) const;

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  KeyType type_ = KeyType::rsa;
  unsigned bits_ = 0;
};

}  // namespace dnsauth::dkim

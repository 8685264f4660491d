#include "core/dkim/crypto.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

namespace dnsauth::dkim {

namespace {

// Takes OpenSSL's reason for the last failure and clears the thread's error queue, so one
// bad key cannot leave errors behind that confuse the next message's checks.
std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

struct PkeyCtx {
  EVP_PKEY_CTX* p;
  explicit PkeyCtx(EVP_PKEY* key) : p(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)) {}
  ~PkeyCtx() { EVP_PKEY_CTX_free(p); }
};
struct MdCtx {
  EVP_MD_CTX* p = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(p); }
};

// ---- RSA public keys from p= without OpenSSL 3.0's decoder framework ----
// d2i_PUBKEY goes through the provider decoders: about 150-280 µs per key on this project's
// machines, several times the RSA verification itself (about 25 µs). The two shapes DKIM keys
// come in are read here with OpenSSL's ASN.1 primitives and the key is made from (n, e) with
// EVP_PKEY_fromdata (about 5 µs). Anything else goes the d2i_PUBKEY way, which also gives the
// error text.

// A definite-length SEQUENCE header at p within `avail` bytes: p moves to its contents.
bool enter_sequence(const unsigned char*& p, long avail, long& content_length) {
  const unsigned char* q = p;
  long length = 0;
  int tag = 0, cls = 0;
  int r = ASN1_get_object(&q, &length, &tag, &cls, avail);
  if ((r & 0x80) || (r & 0x01) || !(r & V_ASN1_CONSTRUCTED) || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL)
    return false;
  content_length = length;
  p = q;
  return true;
}

BIGNUM* positive_bignum(const ASN1_INTEGER* i) {
  if (!i || ASN1_STRING_type(i) != V_ASN1_INTEGER) return nullptr;  // V_ASN1_NEG_INTEGER: no key
  return ASN1_INTEGER_to_BN(i, nullptr);
}

// RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER },
// exactly `length` bytes. Null when the bytes are anything else; then `unusable` says whether
// they had that shape but a negative or zero number (no key, and no other reading either).
EVP_PKEY* rsa_from_rsa_public_key(const unsigned char* p, long length, bool& unusable) {
  const unsigned char* end = p + length;
  long body = 0;
  if (!enter_sequence(p, length, body) || p + body != end) return nullptr;
  std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> n(d2i_ASN1_INTEGER(nullptr, &p, end - p),
                                                                ASN1_INTEGER_free);
  std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> e(
      n ? d2i_ASN1_INTEGER(nullptr, &p, end - p) : nullptr, ASN1_INTEGER_free);
  if (!e || p != end) return nullptr;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(positive_bignum(n.get()), BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(positive_bignum(e.get()), BN_free);
  if (!bn_n || !bn_e || BN_is_zero(bn_n.get()) || BN_is_zero(bn_e.get())) {
    unusable = true;
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return nullptr;
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                                 EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return key;
}

// RFC 5280 4.1.2.7 SubjectPublicKeyInfo with the rsaEncryption algorithm (RFC 8017 A.1,
// parameters NULL or absent) around an RSAPublicKey, exactly `length` bytes.
EVP_PKEY* rsa_from_spki(const unsigned char* p, long length, bool& unusable) {
  const unsigned char* end = p + length;
  long body = 0;
  if (!enter_sequence(p, length, body) || p + body != end) return nullptr;
  std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> alg(d2i_X509_ALGOR(nullptr, &p, end - p), X509_ALGOR_free);
  if (!alg) return nullptr;
  const ASN1_OBJECT* oid = nullptr;
  int param_type = 0;
  X509_ALGOR_get0(&oid, &param_type, nullptr, alg.get());
  if (OBJ_obj2nid(oid) != NID_rsaEncryption || (param_type != V_ASN1_NULL && param_type != V_ASN1_UNDEF)) return nullptr;
  std::unique_ptr<ASN1_BIT_STRING, decltype(&ASN1_BIT_STRING_free)> bits(d2i_ASN1_BIT_STRING(nullptr, &p, end - p),
                                                                        ASN1_BIT_STRING_free);
  if (!bits || p != end) return nullptr;
  if ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) && (bits->flags & 0x07)) return nullptr;  // not whole bytes
  return rsa_from_rsa_public_key(ASN1_STRING_get0_data(bits.get()), ASN1_STRING_length(bits.get()), unusable);
}

constexpr unsigned kMinRsaBits = 1024;  // RFC 8301 3.2 (signers MUST use at least 1024)
constexpr unsigned kMaxRsaBits = 4096;  // RFC 8301 3.2: verifiers need not handle more

}  // namespace

const EVP_MD* sha256() {
  // Fetched once per process (OpenSSL 3 provider lookup is not free); thread-safe static init.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }
Sha256::Sha256(Sha256&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
Sha256& Sha256::operator=(Sha256&& o) noexcept {
  std::swap(ctx_, o.ctx_);
  return *this;
}
void Sha256::update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
std::string Sha256::finish() {
  std::string out(32, '\0');
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len);
  out.resize(len);
  return out;
}
void Sha256::reset() { EVP_DigestInit_ex2(ctx_, sha256(), nullptr); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return make_error(Errc::key, "not a PEM file (no -----BEGIN line)");
  }
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return make_error(Errc::key, "the private key is encrypted; a signer needs an unencrypted key");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  // The callback refuses to prompt for a passphrase.
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  if (!raw) return make_error(Errc::key, "PEM does not hold a private key: " + openssl_reason());
  PrivateKey k;
  k.pkey_ = own(raw);
  k.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
  if (EVP_PKEY_is_a(raw, "RSA")) {
    k.type_ = KeyType::rsa;
    if (k.bits_ < kMinRsaBits || k.bits_ > kMaxRsaBits) {
      return make_error(Errc::key, "RSA key of " + std::to_string(k.bits_) +
                                       " bits; DKIM needs 1024 to 4096 (RFC 8301 3.2)");
    }
  } else if (EVP_PKEY_is_a(raw, "ED25519")) {
    k.type_ = KeyType::ed25519;
  } else {
    return make_error(Errc::key, std::string("key type ") + EVP_PKEY_get0_type_name(raw) +
                                     " cannot sign DKIM; use RSA or Ed25519");
  }
  return ready(std::move(k));
}

Result<PrivateKey> PrivateKey::from_ed25519_seed(std::string_view seed) {
  if (seed.size() != 32) {
    return make_error(Errc::key, "an Ed25519 private key is 32 bytes, got " + std::to_string(seed.size()));
  }
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key_ex(
      nullptr, "ED25519", nullptr, reinterpret_cast<const unsigned char*>(seed.data()), 32);
  if (!raw) return make_error(Errc::key, openssl_reason());
  PrivateKey k;
  k.pkey_ = own(raw);
  k.type_ = KeyType::ed25519;
  k.bits_ = 256;
  return ready(std::move(k));
}

Result<PrivateKey> PrivateKey::generate_rsa(unsigned bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return make_error(Errc::key, "RSA key size " + std::to_string(bits) + " outside 1024..4096");
  }
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (!raw) return make_error(Errc::crypto, "RSA key generation failed: " + openssl_reason());
  PrivateKey k;
  k.pkey_ = own(raw);
  k.type_ = KeyType::rsa;
  k.bits_ = bits;
  return ready(std::move(k));
}

Result<PrivateKey> PrivateKey::generate_ed25519() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) return make_error(Errc::crypto, "Ed25519 key generation failed: " + openssl_reason());
  PrivateKey k;
  k.pkey_ = own(raw);
  k.type_ = KeyType::ed25519;
  k.bits_ = 256;
  return ready(std::move(k));
}

std::string PrivateKey::public_key_record_bytes() const {
  if (type_ == KeyType::ed25519) {
    std::string out(32, '\0');
    size_t len = out.size();
    EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<unsigned char*>(out.data()), &len);
    out.resize(len);
    return out;
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string PrivateKey::to_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

Result<PrivateKey> PrivateKey::ready(PrivateKey k) {
  // Set up once per key: the context fetches the signature algorithm from the provider and
  // exports the key to it, which is most of what a fresh context costs. Each signature then
  // works on a duplicate (cheap: reference counts), since one context is not safe to share
  // between the milter's threads.
  if (k.type_ == KeyType::ed25519) {
    std::shared_ptr<EVP_MD_CTX> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, k.pkey_.get(), nullptr) != 1) {
      return make_error(Errc::crypto, "Ed25519 signing set-up failed: " + openssl_reason());
    }
    k.sign_md_ = std::move(md);
    return k;
  }
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.pkey_.get(), nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), sha256()) != 1) {
    return make_error(Errc::crypto, "RSA signing set-up failed: " + openssl_reason());
  }
  k.sign_pkey_ = std::move(ctx);
  return k;
}

Result<std::string> PrivateKey::sign_digest(std::string_view digest) const {
  const auto* dig = reinterpret_cast<const unsigned char*>(digest.data());
  if (!sign_md_ && !sign_pkey_) return make_error(Errc::crypto, "the key was not set up for signing");
  if (type_ == KeyType::ed25519) {
    MdCtx md;
    std::string sig(64, '\0');
    size_t len = sig.size();
    if (!md.p || EVP_MD_CTX_copy_ex(md.p, sign_md_.get()) != 1 ||
        EVP_DigestSign(md.p, reinterpret_cast<unsigned char*>(sig.data()), &len, dig, digest.size()) != 1) {
      return make_error(Errc::crypto, "Ed25519 signing failed: " + openssl_reason());
    }
    sig.resize(len);
    return sig;
  }
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_dup(sign_pkey_.get()),
                                                                 EVP_PKEY_CTX_free);
  // RSASSA-PKCS1-v1_5 output is exactly the modulus size.
  std::string sig(static_cast<std::size_t>(EVP_PKEY_get_size(pkey_.get())), '\0');
  size_t len = sig.size();
  if (!ctx || EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, dig, digest.size()) != 1) {
    return make_error(Errc::crypto, "RSA signing failed: " + openssl_reason());
  }
  sig.resize(len);
  return sig;
}

Result<PublicKey> PublicKey::from_record_bytes(KeyType type, std::string_view bytes) {
  PublicKey k;
  k.type_ = type;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (type == KeyType::ed25519) {
    // RFC 8463 4: p= is the bare 32-byte public key, not a SubjectPublicKeyInfo.
    if (bytes.size() != 32) {
      return make_error(Errc::key, "Ed25519 key record holds " + std::to_string(bytes.size()) +
                                       " bytes, expected the raw 32-byte key (RFC 8463 4)");
    }
    EVP_PKEY* raw = EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, p, 32);
    if (!raw) return make_error(Errc::key, "Ed25519 public key rejected: " + openssl_reason());
    k.pkey_ = own(raw);
    k.bits_ = 256;
    return k;
  }
  // RFC 6376 3.6.1 says SubjectPublicKeyInfo; bare RSAPublicKey records exist in the field and
  // every major verifier accepts them, so both are tried. All bytes must be consumed.
  const long size = static_cast<long>(bytes.size());
  bool unusable = false;
  EVP_PKEY* raw = rsa_from_spki(p, size, unusable);
  if (!raw && !unusable) raw = rsa_from_rsa_public_key(p, size, unusable);
  if (unusable) return make_error(Errc::key, "p= holds an RSA key with a negative or zero modulus or exponent");
  if (raw) {
    k.pkey_ = own(raw);
    k.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
    return k;
  }
  ERR_clear_error();
  const unsigned char* cur = p;
  raw = d2i_PUBKEY(nullptr, &cur, size);
  if (!raw || cur != p + bytes.size()) {
    if (raw) EVP_PKEY_free(raw);
    ERR_clear_error();
    cur = p;
    raw = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cur, static_cast<long>(bytes.size()));
    if (!raw || cur != p + bytes.size()) {
      if (raw) EVP_PKEY_free(raw);
      return make_error(Errc::key, "p= is neither a SubjectPublicKeyInfo nor an RSAPublicKey: " +
                                       openssl_reason());
    }
  }
  k.pkey_ = own(raw);
  if (!EVP_PKEY_is_a(raw, "RSA")) {
    return make_error(Errc::key, std::string("p= holds a ") + EVP_PKEY_get0_type_name(raw) +
                                     " key where k= says rsa");
  }
  k.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
  return k;
}

bool PublicKey::verify_digest(std::string_view digest, std::string_view signature) const {
  const auto* dig = reinterpret_cast<const unsigned char*>(digest.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  bool ok;
  if (type_ == KeyType::ed25519) {
    MdCtx md;
    ok = EVP_DigestVerifyInit_ex(md.p, nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) == 1 &&
         EVP_DigestVerify(md.p, sig, signature.size(), dig, digest.size()) == 1;
  } else {
    PkeyCtx ctx(pkey_.get());
    ok = ctx.p && EVP_PKEY_verify_init(ctx.p) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.p, RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.p, sha256()) == 1 &&
         EVP_PKEY_verify(ctx.p, sig, signature.size(), dig, digest.size()) == 1;
  }
  if (!ok) ERR_clear_error();
  return ok;
}

bool PublicKey::same_key(const PrivateKey& priv) const {
  return pkey_ && priv.native() && EVP_PKEY_eq(pkey_.get(), priv.native()) == 1;
}

}  // namespace dnsauth::dkim

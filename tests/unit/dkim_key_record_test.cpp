// RFC 6376 3.6.1: key records (v=, h=, k=, n=, p=, s=, t=), RFC 8463 4 (k=ed25519, raw
// 32-byte p=), and the key objects built from them and from PEM files: PrivateKey::from_pem
// (PKCS#8 and traditional RSA accepted; EC, encrypted, garbage, RSA outside 1024..4096
// refused with Errc::key) and PublicKey::from_record_bytes (SubjectPublicKeyInfo and bare
// RSAPublicKey, RFC 6376 3.6.1 k=rsa).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"
#include "support/dkim_fixtures.h"
#include "core/mail/message.h"
#include "support/test_support.h"

namespace dnsauth::dkim {
namespace {

using test::conformance_dir;
using test::data_dir;
using test::read_file;

std::string dkimpy(const std::string& name) {
  return read_file(conformance_dir() / "dkim/dkimpy/data" / name);
}
std::string our_key(const std::string& name) { return read_file(data_dir() / "dkim/keys" / name); }

// RFC 8463 A.2
constexpr std::string_view kBrisbane =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
// The p= of dkimpy's test.txt (the RSA-1024 key of RFC 8463 A.1), SubjectPublicKeyInfo.
constexpr std::string_view kRsaP =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/"
    "byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/"
    "K4w3QIDAQAB";

std::string rsa_record(std::string_view tags_before_p) {
  return std::string(tags_before_p) + "p=" + std::string(kRsaP);
}

// ---- 3.6.1 parsing ----

// RFC 6376 3.6.2.1: "<selector>._domainkey.<domain>"; 3.1: a selector may have several labels.
TEST(Rfc6376_3_6_2_1, KeyRecordNameAndBack) {
  EXPECT_EQ(key_record_name("s2026r", "example.com"), "s2026r._domainkey.example.com");
  EXPECT_EQ(key_record_name("july.2005", "mail.example.com"), "july.2005._domainkey.mail.example.com");
  EXPECT_EQ(selector_of_key_record_name("s2026r._domainkey.example.com", "example.com"), "s2026r");
  EXPECT_EQ(selector_of_key_record_name("july.2005._DomainKey.Example.COM", "example.com"), "july.2005");
  EXPECT_EQ(selector_of_key_record_name(key_record_name("a.b", "example.org"), "example.org"), "a.b");
  // Another domain's key, the _domainkey node itself, a name elsewhere: no selector.
  EXPECT_EQ(selector_of_key_record_name("s1._domainkey.sub.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(selector_of_key_record_name("_domainkey.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(selector_of_key_record_name("s1.x_domainkey.example.com", "example.com"), std::nullopt);
  EXPECT_EQ(selector_of_key_record_name("_dmarc.example.com", "example.com"), std::nullopt);
}

TEST(Rfc6376_3_6_1, Rfc8463Ed25519Record) {
  auto rec = parse_key_record(kBrisbane);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->key_type, "ed25519");
  EXPECT_EQ(rec->type(), KeyType::ed25519);
  EXPECT_EQ(rec->public_key, *decode_base64("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));
  EXPECT_EQ(rec->public_key.size(), 32u);
  EXPECT_FALSE(rec->revoked());
  EXPECT_FALSE(rec->testing);
  EXPECT_FALSE(rec->strict_identity);
}

TEST(Rfc6376_3_6_1, DefaultsWhenTagsAreOmitted) {
  // Only p= is REQUIRED. v= defaults to DKIM1, k= to "rsa", h= to every hash, s= to "*",
  // t= to no flags.
  auto rec = parse_key_record(rsa_record(""));
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->key_type, "rsa");
  EXPECT_EQ(rec->type(), KeyType::rsa);
  EXPECT_TRUE(rec->allows_hash("sha256"));
  EXPECT_TRUE(rec->allows_email());
  EXPECT_FALSE(rec->testing);
  EXPECT_FALSE(rec->strict_identity);
  EXPECT_EQ(rec->public_key, *decode_base64(kRsaP));
}

TEST(Rfc6376_3_6_1, VersionMustBeDkim1AndFirst) {
  EXPECT_TRUE(parse_key_record(rsa_record("v=DKIM1; ")));
  EXPECT_TRUE(parse_key_record(rsa_record(" v = DKIM1 ;")));
  // "Records beginning with a "v=" tag with any other value MUST be discarded." "DKIM1" is
  // not "DKIM1.0" (string comparison). Mail::DKIM badkey_3 (v=DKIM3); dkimpy badversion.txt
  // ("v=DKIM1:" makes the value "DKIM1: g=*"). Another version is Errc::unsupported
  // (core/common/error.h: "well-formed but not something we implement (... version)").
  for (const char* bad : {"v=DKIM3; ", "v=DKIM1.0; ", "v=dkim1; ", "v=; ", "v=DKIM1: g=*; "}) {
    auto rec = parse_key_record(rsa_record(bad));
    ASSERT_FALSE(rec) << bad;
    EXPECT_EQ(rec.error().code, Errc::unsupported) << bad;
  }
  // "This tag MUST be the first tag in the record."
  auto late = parse_key_record(rsa_record("k=rsa; v=DKIM1; "));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, Errc::syntax);
  EXPECT_EQ(late.error().offset, std::string("k=rsa; ").size()) << late.error().message();
}

TEST(Rfc6376_3_6_1, EmptyPMeansRevoked) {
  // "An empty value means that this public key has been revoked." (Mail::DKIM badkey_2)
  for (const char* text : {"v=DKIM1; p=", "k=rsa; t=y; p=", "v=DKIM1; p= ;", "p=;k=rsa"}) {
    auto rec = parse_key_record(text);
    ASSERT_TRUE(rec) << text << ": " << rec.error().message();
    EXPECT_TRUE(rec->revoked()) << text;
  }
}

TEST(Rfc6376_3_6_1, MissingPIsAnError) {
  // "p= Public-key data (base64; REQUIRED)" — an absent p= is not a revoked key.
  // (Mail::DKIM badkey5_ed25519: the record is the empty string.)
  for (const char* text : {"v=DKIM1; k=rsa", "k=ed25519; t=y"}) {
    auto rec = parse_key_record(text);
    ASSERT_FALSE(rec) << text;
    EXPECT_EQ(rec.error().code, Errc::syntax) << text;
  }
}

TEST(Rfc6376_3_6_1, HashAlgorithms) {
  // "h= ... defaults to allowing all algorithms"; "Unrecognized algorithms MUST be ignored."
  auto both = parse_key_record(rsa_record("h=sha1:sha256; "));
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->allows_hash("sha256"));
  EXPECT_TRUE(both->allows_hash("sha1"));
  auto spaced = parse_key_record(rsa_record("h=sha512 : sha256; "));
  ASSERT_TRUE(spaced) << spaced.error().message();
  EXPECT_TRUE(spaced->allows_hash("sha256"));
  // Mail::DKIM badkey_7 (h=bad) and badkey_11 (h=sha1 with an rsa-sha256 signature).
  for (const char* h : {"h=sha1; ", "h=bad; ", "h=md5:sha1; "}) {
    auto rec = parse_key_record(rsa_record(h));
    ASSERT_TRUE(rec) << h << rec.error().message();
    EXPECT_FALSE(rec->allows_hash("sha256")) << h;
  }
}

TEST(Rfc6376_3_6_1, KeyTypes) {
  // "k= ... default is "rsa""; "Unrecognized key types MUST be ignored" — kept as written so
  // the verifier can say which (Mail::DKIM badkey_5, k=foobar).
  auto unknown = parse_key_record(rsa_record("k=foobar; "));
  ASSERT_TRUE(unknown) << unknown.error().message();
  EXPECT_EQ(unknown->key_type, "foobar");
  EXPECT_EQ(unknown->type(), std::nullopt);
  auto ed = parse_key_record("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->type(), KeyType::ed25519);
  // dkimpy badk.txt: "k=ed25519-sha256" is an algorithm name, not a key type.
  auto alg_name = parse_key_record(rsa_record("k=ed25519-sha256; "));
  ASSERT_TRUE(alg_name) << alg_name.error().message();
  EXPECT_EQ(alg_name->type(), std::nullopt);
}

TEST(Rfc6376_3_6_1, ServiceTypes) {
  // "Verifiers for a given service type MUST ignore this record if the appropriate type is
  // not listed." (Mail::DKIM goodkey_1 s=email, goodkey_2 s=email:web:fine, badkey_6 s=chat;
  // dkimpy test_tlsrpt.txt s=tlsrpt, RFC 8460 3)
  struct {
    const char* s;
    bool email;
  } cases[] = {{"s=*; ", true},       {"s=email; ", true}, {"s=email:web:fine; ", true},
               {"s=web : email; ", true}, {"s=chat; ", false}, {"s=tlsrpt; ", false}};
  for (const auto& c : cases) {
    auto rec = parse_key_record(rsa_record(c.s));
    ASSERT_TRUE(rec) << c.s << rec.error().message();
    EXPECT_EQ(rec->allows_email(), c.email) << c.s;
  }
}

TEST(Rfc6376_3_6_1, Flags) {
  struct {
    const char* t;
    bool testing, strict;
  } cases[] = {{"t=y; ", true, false},
               {"t=s; ", false, true},
               {"t=y:s; ", true, true},
               {"t = s : y ; ", true, true},
               // "Unrecognized flags MUST be ignored." (Mail::DKIM test2: "t = y:n:extra")
               {"t=y:n:extra; ", true, false},
               {"t=n; ", false, false}};
  for (const auto& c : cases) {
    auto rec = parse_key_record(rsa_record(c.t));
    ASSERT_TRUE(rec) << c.t << rec.error().message();
    EXPECT_EQ(rec->testing, c.testing) << c.t;
    EXPECT_EQ(rec->strict_identity, c.strict) << c.t;
  }
}

TEST(Rfc6376_3_6_1, NotesAndUnknownTags) {
  // "Other tags MAY be present and MUST be ignored" (Mail::DKIM FAKE_DNS test2: "x1 = extra",
  // g= from RFC 4871).
  auto rec = parse_key_record(rsa_record("v=DKIM1; g=*; x1 = extra ; n=send%20comments; "));
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->notes, "send%20comments");
  EXPECT_FALSE(rec->revoked());
}

TEST(Rfc6376_3_6_1, PublicKeyMayBeFolded) {
  // "A base64string is permitted to include whitespace (FWS) at arbitrary places"
  std::string folded = "v=DKIM1; p=" + std::string(kRsaP.substr(0, 40)) + " \t" +
                       std::string(kRsaP.substr(40, 50)) + "\r\n " + std::string(kRsaP.substr(90));
  auto rec = parse_key_record(folded);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->public_key, *decode_base64(kRsaP));
}

TEST(Rfc6376_3_6_1, BadBase64InPIsATypedErrorAtItsPosition) {
  const std::string text = "v=DKIM1; k=rsa; p=MIGfMA0G*SqGSIb3";
  auto rec = parse_key_record(text);
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error().code, Errc::base64);
  EXPECT_EQ(rec.error().offset, text.find('*')) << rec.error().message();
}

TEST(Rfc6376_3_6_1, MalformedTagListIsASyntaxError) {
  // Mail::DKIM badkey_4: "k=rsa; t; p=..." (a tag without '=')
  const std::string text = rsa_record("k=rsa; t; ");
  auto rec = parse_key_record(text);
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error().code, Errc::syntax);
  EXPECT_GE(rec.error().offset, 7u);
  EXPECT_LE(rec.error().offset, 8u);
  // Duplicate tags (3.2)
  auto dup = parse_key_record("v=DKIM1; p=; p=AAAA");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::syntax);
  // The empty string is not a key record (Mail::DKIM badkey5_ed25519).
  EXPECT_FALSE(parse_key_record(""));
}

TEST(Rfc6376_3_6_1, EveryPrefixAndByteFlipNeverCrashes) {
  const std::string text = rsa_record("v=DKIM1; k=rsa; h=sha256; s=email; t=y:s; ");
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto rec = parse_key_record(std::string_view(text).substr(0, n));
    if (!rec) {
      EXPECT_TRUE(rec.error().offset == Error::no_offset || rec.error().offset <= n);
    }
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (char c : {'\0', ';', '=', '\xff', '*'}) {
      std::string m = text;
      m[i] = c;
      auto rec = parse_key_record(m);
      if (!rec) {
        EXPECT_TRUE(rec.error().offset == Error::no_offset || rec.error().offset <= m.size());
      }
    }
  }
}

// ---- public keys from p= bytes ----

TEST(PublicKeyFromRecord, RsaSubjectPublicKeyInfoAndBareRsaPublicKey) {
  // dkimpy 1024_testkey_wo_markers.pub.txt (SPKI) and .pub.rsa.txt (RSAPublicKey, the form
  // 3.6.1 literally names) hold the same key; both must load and match the private key.
  auto priv = PrivateKey::from_pem(dkimpy("1024_testkey.key"));
  ASSERT_TRUE(priv) << priv.error().message();
  for (const char* file : {"1024_testkey_wo_markers.pub.txt", "1024_testkey_wo_markers.pub.rsa.txt"}) {
    auto rec = parse_key_record(dkimpy(file));
    ASSERT_TRUE(rec) << file << ": " << rec.error().message();
    auto pub = PublicKey::from_record_bytes(KeyType::rsa, rec->public_key);
    ASSERT_TRUE(pub) << file << ": " << pub.error().message();
    EXPECT_EQ(pub->type(), KeyType::rsa);
    EXPECT_EQ(pub->bits(), 1024u) << file;
    EXPECT_TRUE(pub->same_key(*priv)) << file;
  }
}

TEST(PublicKeyFromRecord, MalformedRsaKeyIsAKeyError) {
  // dkimpy test_bad.txt: the DER is cut short.
  auto rec = parse_key_record(dkimpy("test_bad.txt"));
  ASSERT_TRUE(rec) << rec.error().message();
  auto pub = PublicKey::from_record_bytes(KeyType::rsa, rec->public_key);
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().code, Errc::key);
  EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::rsa, "not a key at all"));
  EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::rsa, ""));
}

// OpenSSL's own decoder (d2i_PUBKEY), the oracle for the tests below.
std::shared_ptr<EVP_PKEY> openssl_decoded(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::shared_ptr<EVP_PKEY>(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())), EVP_PKEY_free);
}

TEST(PublicKeyFromRecord, RsaKeysLoadAsOpenSslsOwnDecoderLoadsThem) {
  // p= is read without OpenSSL 3's decoder framework (crypto.cpp: it costs several RSA
  // verifications per key); d2i_PUBKEY is the oracle: the same key for every size, from the
  // SubjectPublicKeyInfo and from the bare RSAPublicKey (RFC 8017 A.1.1) inside it.
  for (unsigned bits : {1024u, 2048u, 4096u}) {
    auto priv = PrivateKey::generate_rsa(bits);
    ASSERT_TRUE(priv) << priv.error().message();
    const std::string spki = priv->public_key_record_bytes();
    auto oracle = openssl_decoded(spki);
    ASSERT_TRUE(oracle);
    unsigned char* pkcs1 = nullptr;
    int len = i2d_PublicKey(oracle.get(), &pkcs1);
    ASSERT_GT(len, 0);
    const std::string bare(reinterpret_cast<char*>(pkcs1), static_cast<std::size_t>(len));
    OPENSSL_free(pkcs1);
    for (const std::string& der : {spki, bare}) {
      auto pub = PublicKey::from_record_bytes(KeyType::rsa, der);
      ASSERT_TRUE(pub) << bits << ": " << pub.error().message();
      EXPECT_EQ(pub->bits(), bits);
      EXPECT_TRUE(pub->same_key(*priv)) << bits;
      // One byte more, or one less, is no key (all bytes must be consumed).
      EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::rsa, der + '\0')) << bits;
      EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::rsa, der.substr(0, der.size() - 1))) << bits;
    }
  }
}

TEST(PublicKeyFromRecord, EveryPrefixAndByteFlipOfTheDerIsSafe) {
  // p= is attacker-controlled DNS data: any prefix or one changed byte of a real key either
  // fails with Errc::key or gives an RSA key; never a crash (the sanitizer build runs this).
  auto rec = parse_key_record(dkimpy("1024_testkey_wo_markers.pub.txt"));
  ASSERT_TRUE(rec);
  const std::string der = rec->public_key;
  auto check = [](const std::string& bytes) {
    auto pub = PublicKey::from_record_bytes(KeyType::rsa, bytes);
    if (pub) EXPECT_EQ(pub->type(), KeyType::rsa);
    else EXPECT_EQ(pub.error().code, Errc::key);
  };
  for (std::size_t n = 0; n < der.size(); ++n) check(der.substr(0, n));
  for (std::size_t i = 0; i < der.size(); ++i)
    for (unsigned char c : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string m = der;
      m[i] = static_cast<char>(c);
      check(m);
    }
}

TEST(PublicKeyFromRecord, OtherKeysInASubjectPublicKeyInfoAreNamed) {
  // An EC or Ed25519 SubjectPublicKeyInfo where k=rsa: refused with the type it holds.
  for (const char* type : {"EC", "ED25519"}) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> k(
        std::string_view(type) == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
        EVP_PKEY_free);
    ASSERT_TRUE(k);
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(k.get(), &der);
    ASSERT_GT(len, 0);
    std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    auto pub = PublicKey::from_record_bytes(KeyType::rsa, bytes);
    ASSERT_FALSE(pub) << type;
    EXPECT_EQ(pub.error().code, Errc::key);
    EXPECT_NE(pub.error().message().find(type), std::string::npos) << pub.error().message();
  }
  // The RSAPublicKey shape with no usable key in it: a negative (DER 0xff is -1) or zero
  // modulus, a zero exponent.
  for (std::string bad : {std::string("\x30\x06\x02\x01\xff\x02\x01\x03", 8), std::string("\x30\x06\x02\x01\x00\x02\x01\x03", 8),
                          std::string("\x30\x06\x02\x01\x07\x02\x01\x00", 8)}) {
    auto pub = PublicKey::from_record_bytes(KeyType::rsa, bad);
    ASSERT_FALSE(pub) << "a key of " << pub->bits() << " bits";
    EXPECT_NE(pub.error().message().find("negative or zero"), std::string::npos) << pub.error().message();
  }
}

TEST(PublicKeyFromRecord, Ed25519IsTheRaw32Bytes) {
  // RFC 8463 4: "the public key ... is the base64 encoding of the raw 32-byte key".
  auto rec = parse_key_record(kBrisbane);
  ASSERT_TRUE(rec);
  auto pub = PublicKey::from_record_bytes(KeyType::ed25519, rec->public_key);
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(pub->type(), KeyType::ed25519);
  // 31 bytes (Mail::DKIM badkey1_ed25519 "key has invalid length") and a SubjectPublicKeyInfo
  // wrapper (Mail::DKIM FAKE_DNS invalid._domainkey.wander.science) are not raw keys.
  EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::ed25519, rec->public_key.substr(0, 31)));
  auto spki = decode_base64("MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=");
  ASSERT_TRUE(spki);
  auto wrapped = PublicKey::from_record_bytes(KeyType::ed25519, *spki);
  ASSERT_FALSE(wrapped);
  EXPECT_EQ(wrapped.error().code, Errc::key);
  // An RSA key offered as Ed25519 (dkimpy badk.txt) is refused.
  EXPECT_FALSE(PublicKey::from_record_bytes(KeyType::ed25519, *decode_base64(kRsaP)));
}

// ---- private keys from PEM ----

TEST(PrivateKeyFromPem, TraditionalRsaPem) {
  // "-----BEGIN RSA PRIVATE KEY-----" (PKCS#1), dkimpy test.private and 2048_testkey.key
  auto k1024 = PrivateKey::from_pem(dkimpy("test.private"));
  ASSERT_TRUE(k1024) << k1024.error().message();
  EXPECT_EQ(k1024->type(), KeyType::rsa);
  EXPECT_EQ(k1024->bits(), 1024u);
  // Its public half is dkimpy test.txt.
  auto rec = parse_key_record(dkimpy("test.txt"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(k1024->public_key_record_bytes(), rec->public_key);

  auto k2048 = PrivateKey::from_pem(dkimpy("2048_testkey.key"));
  ASSERT_TRUE(k2048) << k2048.error().message();
  EXPECT_EQ(k2048->bits(), 2048u);
}

TEST(PrivateKeyFromPem, Pkcs8RsaPem) {
  // "-----BEGIN PRIVATE KEY-----", dkimpy 2048_testkey_PKCS8.key with its .pub.txt record.
  auto key = PrivateKey::from_pem(dkimpy("2048_testkey_PKCS8.key"));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->type(), KeyType::rsa);
  EXPECT_EQ(key->bits(), 2048u);
  auto rec = parse_key_record(dkimpy("2048_testkey_PKCS8.key.pub.txt"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(key->public_key_record_bytes(), rec->public_key);
}

TEST(PrivateKeyFromPem, Pkcs8Ed25519Pem) {
  auto key = PrivateKey::from_pem(our_key("ed25519_pkcs8.pem"));
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->type(), KeyType::ed25519);
  EXPECT_EQ(key->public_key_record_bytes().size(), 32u);  // RFC 8463 4: raw key in p=
  // A PEM round trip keeps the key.
  auto again = PrivateKey::from_pem(key->to_pem());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->public_key_record_bytes(), key->public_key_record_bytes());
}

struct RefusedPem {
  const char* name;
  std::string pem;
  const char* mentions;  // the clear reason names what is wrong
  friend void PrintTo(const RefusedPem& c, std::ostream* os) { *os << c.name; }
};

class PrivateKeyRefused : public ::testing::TestWithParam<RefusedPem> {};

TEST_P(PrivateKeyRefused, KeyErrorWithAClearReason) {
  auto key = PrivateKey::from_pem(GetParam().pem);
  ASSERT_FALSE(key) << GetParam().name;
  EXPECT_EQ(key.error().code, Errc::key);
  // Upper-case words ("EC") as written; lower-case ones in any case.
  const std::string& d = key.error().detail;
  EXPECT_TRUE(d.find(GetParam().mentions) != std::string::npos ||
              mail::to_lower(d).find(GetParam().mentions) != std::string::npos)
      << key.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PrivateKeyRefused,
    ::testing::Values(
        // DKIM keys are RSA (RFC 6376 3.3) or Ed25519 (RFC 8463); P-256 is neither.
        RefusedPem{"ec_p256", our_key("ec_p256.pem"), "EC"},
        // RFC 8301 3.2: Signers MUST use RSA keys of at least 1024 bits.
        RefusedPem{"rsa512", our_key("rsa512.pem"), "512"},
        // The project's bound is 1024..4096 bits: RFC 8301 3.2 only obliges verifiers to handle
        // "keys ranging from 1024 bits to 4096 bits", so a larger key may not verify anywhere.
        RefusedPem{"rsa8192", our_key("rsa8192.pem"), "8192"},
        RefusedPem{"encrypted", our_key("rsa1024_encrypted.pem"), "encrypted"},
        RefusedPem{"garbage", "this is not a key\n", "pem"},
        RefusedPem{"empty", "", ""},
        RefusedPem{"truncated", dkimpy("2048_testkey.key").substr(0, 400), ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PrivateKeyFromSeed, Rfc8463A1Ed25519Seed) {
  // RFC 8463 A.1: the seed nWGxne/9...; A.2: its public key 11qYAYKx...
  auto seed = decode_base64(read_file(conformance_dir() / "dkim/rfc8463-example/ed25519.private.b64"));
  ASSERT_TRUE(seed);
  auto key = PrivateKey::from_ed25519_seed(*seed);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->type(), KeyType::ed25519);
  EXPECT_EQ(key->public_key_record_bytes(), *decode_base64("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));
  auto short_seed = PrivateKey::from_ed25519_seed(seed->substr(0, 31));
  ASSERT_FALSE(short_seed);
  EXPECT_EQ(short_seed.error().code, Errc::key);
}

TEST(PrivateKeyGenerate, SizesWithinTheAllowedRange) {
  auto rsa = PrivateKey::generate_rsa(1024);
  ASSERT_TRUE(rsa) << rsa.error().message();
  EXPECT_EQ(rsa->bits(), 1024u);
  EXPECT_EQ(rsa->type(), KeyType::rsa);
  auto pub = PublicKey::from_record_bytes(KeyType::rsa, rsa->public_key_record_bytes());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->same_key(*rsa));
  EXPECT_FALSE(PrivateKey::generate_rsa(512));  // RFC 8301 3.2
  auto ed = PrivateKey::generate_ed25519();
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->type(), KeyType::ed25519);
  auto other = PrivateKey::generate_ed25519();
  ASSERT_TRUE(other);
  EXPECT_NE(ed->public_key_record_bytes(), other->public_key_record_bytes());
}

}  // namespace
}  // namespace dnsauth::dkim

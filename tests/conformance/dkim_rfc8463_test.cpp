// RFC 8463 Appendix A: the example message with an Ed25519-SHA256 and an RSA-SHA256
// signature (../shared/conformance/dkim/rfc8463-example/). Both signature algorithms are
// deterministic (RFC 8032 5.1.6; RSASSA-PKCS1-v1_5), so signing the same header data with
// the A.1 keys must give the A.3 b= values byte for byte; and both A.3 signatures verify with
// the A.2 records.
#include <gtest/gtest.h>

#include <string>

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "core/dkim/signature.h"
#include "core/dkim/signer.h"
#include "core/dkim/verifier.h"
#include "support/dkim_fixtures.h"
#include "support/test_support.h"

namespace dnsauth::dkim {
namespace {

using test::conformance_dir;
using test::parse_or_throw;
using test::read_file;

constexpr std::int64_t kSigned = 1528637909;  // t= of both A.3 signatures

std::filesystem::path example(const char* name) { return conformance_dir() / "dkim/rfc8463-example" / name; }

// A.2 as a zone file: `name. IN TXT ( "..." "..." )`; the strings of one record are joined
// (RFC 6376 3.6.2.2).
dns::MemoryResolver resolver_from_zone(const std::string& zone) {
  dns::MemoryResolver r;
  std::size_t pos = 0;
  while ((pos = zone.find(" IN TXT", pos)) != std::string::npos) {
    std::size_t line = zone.rfind('\n', pos);
    std::string name = zone.substr(line == std::string::npos ? 0 : line + 1,
                                   pos - (line == std::string::npos ? 0 : line + 1));
    std::size_t close = zone.find(')', pos);
    std::vector<std::string> parts;
    for (std::size_t q = zone.find('"', pos); q < close; q = zone.find('"', q + 1)) {
      std::size_t end = zone.find('"', q + 1);
      parts.push_back(zone.substr(q + 1, end - q - 1));
      q = end;
    }
    r.add_txt_parts(name, parts);
    pos = close;
  }
  return r;
}

struct Example {
  mail::Message msg = parse_or_throw(read_file(example("signed.eml")));
  dns::MemoryResolver resolver = resolver_from_zone(read_file(example("dns.zone")));
};

// The header hash input for signature field `index` (3.7): the h= fields bottom-up, then the
// signature field itself with the b= value removed and without its final CRLF.
std::string header_hash_input(const mail::Message& msg, std::size_t index, const Signature& sig) {
  std::string data = test::signed_header_data(msg, sig.headers, sig.canon.header);
  std::string self = msg.headers[index].raw();
  std::size_t b = self.rfind("b=");  // b= is the last tag of both A.3 signatures
  self = self.substr(0, b + 2) + "\r\n";
  std::string canon;
  canonicalize_header(sig.canon.header, self, canon);
  return data + canon.substr(0, canon.size() - 2);
}

TEST(Rfc8463_AppendixA, TheExampleHasTwoSignatures) {
  Example ex;
  ASSERT_EQ(ex.msg.fields("DKIM-Signature").size(), 2u);
  auto ed = parse_signature(ex.msg.headers[0].value());
  auto rsa = parse_signature(ex.msg.headers[1].value());
  ASSERT_TRUE(ed) << ed.error().message();
  ASSERT_TRUE(rsa) << rsa.error().message();
  EXPECT_EQ(ed->algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(rsa->algorithm, Algorithm::rsa_sha256);
  // Both cover the same relaxed body: bh= of A.3.
  EXPECT_EQ(encode_base64(body_hash(Canon::relaxed, ex.msg.body)), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

TEST(Rfc8463_AppendixA, Ed25519SignatureReproducedByteForByte) {
  // A.1: the Ed25519 private key is the RFC 8032 7.1 Test 1 seed.
  Example ex;
  auto seed = decode_base64(read_file(example("ed25519.private.b64")));
  ASSERT_TRUE(seed) << seed.error().message();
  auto key = PrivateKey::from_ed25519_seed(*seed);
  ASSERT_TRUE(key) << key.error().message();
  auto sig = parse_signature(ex.msg.headers[0].value());
  ASSERT_TRUE(sig);
  Sha256 sha;
  sha.update(header_hash_input(ex.msg, 0, *sig));
  auto b = key->sign_digest(sha.finish());
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(encode_base64(*b),
            "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
}

TEST(Rfc8463_AppendixA, RsaSignatureReproducedByteForByte) {
  // A.1: the RSA key (dkimpy's test.private); RSASSA-PKCS1-v1_5 is deterministic too.
  Example ex;
  auto key = PrivateKey::from_pem(read_file(example("rsa.private.pem")));
  ASSERT_TRUE(key) << key.error().message();
  auto sig = parse_signature(ex.msg.headers[1].value());
  ASSERT_TRUE(sig);
  Sha256 sha;
  sha.update(header_hash_input(ex.msg, 1, *sig));
  auto b = key->sign_digest(sha.finish());
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(encode_base64(*b),
            "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=");
}

TEST(Rfc8463_AppendixA, PublishedKeysMatchThePrivateKeys) {
  Example ex;
  auto seed = decode_base64(read_file(example("ed25519.private.b64")));
  auto ed = PrivateKey::from_ed25519_seed(*seed);
  ASSERT_TRUE(ed);
  auto ed_txt = ex.resolver.query("brisbane._domainkey.football.example.com", dns::RRType::TXT);
  ASSERT_TRUE(ed_txt.ok());
  EXPECT_EQ("v=DKIM1; k=ed25519; p=" + encode_base64(ed->public_key_record_bytes()), ed_txt.records.at(0));
  auto rsa = PrivateKey::from_pem(read_file(example("rsa.private.pem")));
  ASSERT_TRUE(rsa);
  auto rsa_txt = ex.resolver.query("test._domainkey.football.example.com", dns::RRType::TXT);
  ASSERT_TRUE(rsa_txt.ok());
  EXPECT_EQ("v=DKIM1; k=rsa; p=" + encode_base64(rsa->public_key_record_bytes()), rsa_txt.records.at(0));
}

TEST(Rfc8463_AppendixA, BothSignaturesVerify) {
  Example ex;
  VerifyOptions opt;
  opt.now = kSigned + 86400;
  auto results = verify_message(ex.msg, ex.resolver, opt);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[0].selector, "brisbane");
  EXPECT_EQ(results[0].domain, "football.example.com");
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
  EXPECT_EQ(results[1].algorithm, "rsa-sha256");
  EXPECT_EQ(results[1].selector, "test");
  EXPECT_EQ(results[1].key_bits, 1024u);
  // "The signatures are independent of each other, so either signature would be valid if the
  // other were not present."
  for (std::size_t drop : {0u, 1u}) {
    mail::Message one = ex.msg;
    one.headers.erase(one.headers.begin() + static_cast<std::ptrdiff_t>(drop));
    auto r = verify_message(one, ex.resolver, opt);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, Status::pass) << r[0].reason();
  }
}

TEST(Rfc8463_AppendixA, VerifiesWhenStreamedInSmallChunks) {
  const std::string raw = read_file(example("signed.eml"));
  Example ex;
  for (std::size_t chunk : {1u, 2u, 3u, 13u, 64u}) {
    Verifier v(ex.resolver, VerifyOptions{.now = kSigned});
    mail::MessageParser parser(v);
    for (std::size_t i = 0; i < raw.size(); i += chunk) ASSERT_TRUE(parser.feed(std::string_view(raw).substr(i, chunk)));
    ASSERT_TRUE(parser.finish());
    auto results = v.finish();
    ASSERT_EQ(results.size(), 2u) << chunk;
    EXPECT_EQ(results[0].status, Status::pass) << chunk << ": " << results[0].reason();
    EXPECT_EQ(results[1].status, Status::pass) << chunk << ": " << results[1].reason();
  }
}

TEST(Rfc8463_AppendixA, TamperingBreaksBothSignatures) {
  Example ex;
  VerifyOptions opt;
  opt.now = kSigned;
  mail::Message body = ex.msg;
  body.body.replace(body.body.find("hungry"), 6, "thirsty");
  for (const auto& r : verify_message(body, ex.resolver, opt)) {
    EXPECT_EQ(r.status, Status::fail) << r.algorithm;
    EXPECT_EQ(r.cause, Cause::body_hash_mismatch) << r.reason();
  }
  mail::Message header = ex.msg;
  auto subject = mail::HeaderField::from_raw("Subject: Is lunch ready?\r\n");
  ASSERT_TRUE(subject);
  for (auto& h : header.headers)
    if (h.is("Subject")) h = *subject;
  for (const auto& r : verify_message(header, ex.resolver, opt)) {
    EXPECT_EQ(r.status, Status::fail) << r.algorithm;
    EXPECT_EQ(r.cause, Cause::signature_mismatch) << r.reason();
  }
}

TEST(Rfc8463_AppendixA, OurSignerWithTheExampleKeysMatchesTheBodyHashAndVerifies) {
  // The Signer writes its own tag order and folding, so its b= differs from A.3; what must
  // agree is bh= (the same relaxed body) and that the result verifies with the A.2 records.
  Example ex;
  mail::Message unsigned_msg = ex.msg;
  unsigned_msg.headers.erase(unsigned_msg.headers.begin(), unsigned_msg.headers.begin() + 2);
  auto seed = decode_base64(read_file(example("ed25519.private.b64")));
  auto ed = PrivateKey::from_ed25519_seed(*seed);
  auto rsa = PrivateKey::from_pem(read_file(example("rsa.private.pem")));
  ASSERT_TRUE(ed && rsa);
  HeaderPolicy policy{{"to", "message-id"}, {"from", "subject", "date"}};
  SignerSpec ed_spec{"football.example.com", "brisbane", std::make_shared<const PrivateKey>(*ed),
                     {Canon::relaxed, Canon::relaxed}, policy, std::nullopt, std::nullopt};
  SignerSpec rsa_spec{"football.example.com", "test", std::make_shared<const PrivateKey>(*rsa),
                      {Canon::relaxed, Canon::relaxed}, policy, std::nullopt, std::nullopt};
  auto fields = sign_message(unsigned_msg, {ed_spec, rsa_spec}, kSigned);
  ASSERT_TRUE(fields) << fields.error().message();
  ASSERT_EQ(fields->size(), 2u);
  std::string raw;
  for (const auto& f : *fields) {
    auto sig = parse_signature(f.value);
    ASSERT_TRUE(sig) << sig.error().message();
    EXPECT_EQ(encode_base64(sig->bh), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    EXPECT_EQ(sig->timestamp, kSigned);
    raw += f.raw();
  }
  auto results = test::verify_raw(raw + unsigned_msg.serialize(), ex.resolver, kSigned);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
}

}  // namespace
}  // namespace dnsauth::dkim

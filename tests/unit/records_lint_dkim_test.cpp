// The DKIM lint rules (RFC 6376 3.6.1, RFC 8301, RFC 8463): every rule of the catalog with
// protocol "dkim" has a triggering and a clean case.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "records_lint_fixture.h"

namespace dnsauth::records {
namespace {

using namespace lintcase;  // NOLINT(google-build-using-namespace)

// A 512-bit RSA public key (SubjectPublicKeyInfo, base64): too short for DKIM, so the
// core's key generator refuses to make one; OpenSSL still does.
std::string rsa512_p() {
  static const std::string p = [] {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(512));
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(k, &der);
    std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    return encode_base64(bytes);
  }();
  return p;
}
std::string rsa1024_p() {
  static const std::string p = p_of(*dkim::PrivateKey::generate_rsa(1024));
  return p;
}
std::string ed25519_p() {
  static const std::string p = p_of(*dkim::PrivateKey::generate_ed25519());
  return p;
}

Build key(std::string record, bool expected = true) {
  return with([record, expected](Publish& p) {
    p.dkim = record;
    p.expect_selector = expected;
  });
}
const std::string kGood = "v=DKIM1; k=rsa; p=" + p_of(rsa2048());

// example.com's selector delegated by CNAME to a provider's zone (core/records/delegation.h):
// the key at kTarget, the CNAME (when given) at sel._domainkey.example.com pointing to `to`.
const std::string kTarget = "sel.example-com.dkim.isp.example";
Build delegated(std::optional<std::string> to) {
  return with([](Publish& p) { p.dkim.reset(); p.expect_selector = false; }, [to](Scene& s) {
    s.dns.add_txt(kTarget, kGood);
    if (to) s.dns.add_cname("sel._domainkey.example.com", *to);
    s.options.expected_selectors.push_back({"sel", dkim::KeyType::rsa, rsa2048(), kTarget});
  });
}

const std::vector<RuleCase> kCases = {
    {"dkim-missing", with([](Publish& p) { p.dkim.reset(); }), clean_domain(), "sel._domainkey.example.com",
     "selector sel"},
    {"dkim-syntax", key("v=DKIM1; k=rsa; p"), key(kGood), "sel._domainkey.example.com"},
    {"dkim-multiple-records",
     with({}, [](Scene& s) { s.dns.add_txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=" + p_of(rsa2048())); }),
     clean_domain(), "sel._domainkey.example.com", "2 TXT records"},
    {"dkim-key-type-unknown", key("v=DKIM1; k=dsa; p=" + p_of(rsa2048())), key(kGood), "sel._domainkey.example.com",
     "k=dsa"},
    // RFC 8463 4: an ed25519 p= is the bare 32-byte key, not an RSA SubjectPublicKeyInfo.
    {"dkim-key-invalid", key("v=DKIM1; k=ed25519; p=" + p_of(rsa2048()), false),
     key("v=DKIM1; k=ed25519; p=" + ed25519_p(), false), "sel._domainkey.example.com"},
    {"dkim-rsa-too-short", key("v=DKIM1; k=rsa; p=" + rsa512_p(), false), key(kGood, false), "",
     "512 bits"},
    {"dkim-rsa-short", key("v=DKIM1; k=rsa; p=" + rsa1024_p(), false), key(kGood, false), "", "1024 bits"},
    {"dkim-testing", key("v=DKIM1; k=rsa; t=y; p=" + p_of(rsa2048())),
     key("v=DKIM1; k=rsa; t=s; p=" + p_of(rsa2048())), "sel._domainkey.example.com"},
    {"dkim-revoked", key("v=DKIM1; k=rsa; p=", false), key(kGood, false), "sel._domainkey.example.com"},
    {"dkim-revoked-in-use", key("v=DKIM1; k=rsa; p=", true), key(kGood, true), "sel._domainkey.example.com",
     "selector sel is in the config"},
    {"dkim-sha1-only", key("v=DKIM1; k=rsa; h=sha1; p=" + p_of(rsa2048())),
     key("v=DKIM1; k=rsa; h=sha1:sha256; p=" + p_of(rsa2048())), "sel._domainkey.example.com", "h=sha1"},
    {"dkim-not-email", key("v=DKIM1; k=rsa; s=tlsrpt; p=" + p_of(rsa2048())),
     key("v=DKIM1; k=rsa; s=email:tlsrpt; p=" + p_of(rsa2048())), "sel._domainkey.example.com"},
    {"dkim-key-mismatch", key("v=DKIM1; k=rsa; p=" + p_of(other_rsa2048())), key(kGood),
     "sel._domainkey.example.com", "not the public half of the key file"},
    {"dkim-delegation-missing", delegated(std::nullopt), delegated(kTarget), "sel._domainkey.example.com",
     "example.com: selector sel is delegated, but sel._domainkey.example.com has no CNAME"},
    {"dkim-delegation-wrong-target", delegated("sel.example-com.other.example"), delegated(kTarget),
     "sel._domainkey.example.com", "is a CNAME to sel.example-com.other.example, expected " + kTarget},
    {"dkim-no-selectors",
     [](Scene& s) {
       s.dns.add_txt("example.com", "v=spf1 -all");
       s.dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com");
     },
     clean_domain(), ""},
};

DNSAUTH_RULE_TESTS(DkimRule, kCases);

TEST(DkimRuleCatalog, EveryDkimRuleHasACase) { expect_catalog_covered("dkim", kCases); }

TEST(DkimLint, TheConfigsKeyTypeMustMatchTheRecords) {
  Report r = run(with({}, [](Scene& s) {
    s.options.expected_selectors.push_back({"ed", dkim::KeyType::ed25519, std::nullopt, {}});
    s.dns.add_txt("ed._domainkey.example.com", "v=DKIM1; k=rsa; p=" + p_of(rsa2048()));
  }));
  const Finding* f = find(r, "dkim-key-mismatch");
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->name, "ed._domainkey.example.com");
  EXPECT_NE(f->message.find("ed25519"), std::string::npos) << f->message;
}

TEST(DkimLint, WithoutTheKeyFileTheKeyIsNotCompared) {
  Report r = run(with({}, [](Scene& s) {
    s.options.expected_selectors.push_back({"nofile", dkim::KeyType::rsa, std::nullopt, {}});
    s.dns.add_txt("nofile._domainkey.example.com", "v=DKIM1; k=rsa; p=" + p_of(other_rsa2048()));
  }));
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(DkimLint, ErrorsCarryTheirOffset) {
  expect_offset("v=DKIM1; k=rsa; =x; p=AQI=", RecordType::dkim, "dkim-syntax", 16);
  // Bad base64 is an invalid key, pointing at the first bad character.
  expect_offset("v=DKIM1; p=AQ!I", RecordType::dkim, "dkim-key-invalid", 13);
}

TEST(DkimLint, SelectorsGivenAndConfiguredAreEachCheckedOnce) {
  Report r = run(with({}, [](Scene& s) { s.options.selectors = {"sel", "sel", "old"}; }));
  std::size_t missing = 0;
  for (const auto& f : r.findings) missing += f.id() == "dkim-missing";
  EXPECT_EQ(missing, 1u) << describe(r);
  EXPECT_EQ(find(r, "dkim-missing")->name, "old._domainkey.example.com");
}

TEST(DkimLint, Ed25519RecordIsClean) {
  Report r = lint_record("v=DKIM1; k=ed25519; p=" + ed25519_p(), RecordType::dkim);
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

}  // namespace
}  // namespace dnsauth::records

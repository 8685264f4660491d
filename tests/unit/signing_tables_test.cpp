// The signer with OpenDKIM's KeyTable and SigningTable and a Postfix login map: domains signed
// beside dnsauth.toml's, a key file shared by many entries parsed once, a domain in both places
// refused, and a table domain signed with both its keys (MultipleSignatures).
#include <gtest/gtest.h>

#include "core/dkim/signature.h"
#include "core/signing/key_store.h"
#include "core/signing/session.h"
#include "support/signer_fixture.h"

namespace dnsauth::signing {
namespace {

using test::SignerDir;
using test::signer_config;

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += f.str() + "\n";
  return s;
}

// KeyTable, refile: SigningTable and texthash login map for hosted.example and every customer
// domain under it ("%"), with the RSA and the Ed25519 key shared by all entries.
void write_tables(const SignerDir& d, const std::string& extra_keys = "") {
  SignerDir::write_file(d.dir() / "KeyTable",
                        "hosted-rsa   hosted.example:r1:" + d.key_path("rsa.pem").string() + "\n"
                        "hosted-ed    hosted.example:e1:" + d.key_path("ed.pem").string() + "\n"
                        "cust-rsa     %:r1:" + d.key_path("rsa.pem").string() + "\n"
                        "cust-ed      %:e1:" + d.key_path("ed.pem").string() + "\n" + extra_keys);
  SignerDir::write_file(d.dir() / "SigningTable",
                        "*@hosted.example        hosted-rsa\n"
                        "*@hosted.example        hosted-ed\n"
                        "*@*.customers.example   cust-rsa\n"
                        "*@*.customers.example   cust-ed\n");
  SignerDir::write_file(d.dir() / "sender_login",
                        "@hosted.example              ops\n"
                        "alice@shop.customers.example alice, shop-admin\n");
}

const std::string kTables =
    "key_table = \"file:KeyTable\"\nsigning_table = \"refile:SigningTable\"\n"
    "login_map = \"texthash:sender_login\"\nmultiple_signatures = true\n";

std::string sign(const std::shared_ptr<const KeySet>& keys, const std::string& login, const std::string& from) {
  std::string msg = "From: " + from + "\r\nTo: x@example.org\r\nSubject: t\r\n\r\nbody\r\n";
  auto r = sign_offline(keys, login, msg, 1700000000);
  if (!r) return "error: " + r.error().detail;
  std::string out = std::string(to_string(r->decision.action)) + "/" + std::string(to_string(r->decision.reason));
  for (const auto& f : r->signatures) {
    auto sig = dkim::parse_signature(f.value);
    out += sig ? " " + sig->domain + ":" + sig->selector : " unparsable";
  }
  return out;
}

TEST(SignerTables, TableDomainsSignWithEveryMatchingKeyBesideTheTomlDomains) {
  SignerDir d;
  write_tables(d);
  LoadResult r = load_key_set(d.write_config(signer_config(kTables)));
  ASSERT_TRUE(r.ok()) << all(r);
  // Two key files, parsed once each, whatever the number of selectors and entries naming them.
  EXPECT_EQ(r.keys->tables()->keys().size(), 4u);
  EXPECT_EQ(r.keys->table_spec(0).key, r.keys->table_spec(2).key);
  EXPECT_EQ(r.keys->table_spec(0).key, r.keys->domain("example.com")->specs[0].key);
  EXPECT_EQ(sign(r.keys, "ops", "a@hosted.example"), "sign/allowed hosted.example:r1 hosted.example:e1");
  EXPECT_EQ(sign(r.keys, "shop-admin", "alice@shop.customers.example"),
            "sign/allowed shop.customers.example:r1 shop.customers.example:e1");
  EXPECT_EQ(sign(r.keys, "ops", "alice@shop.customers.example"), "skip/not_allowed");
  EXPECT_EQ(sign(r.keys, "bob", "bob@shop.customers.example"), "skip/not_allowed");  // no owner: nobody's
  EXPECT_EQ(sign(r.keys, "x", "x@elsewhere.example"), "skip/domain_not_configured");
  // The [[domain]] of dnsauth.toml is decided as before.
  EXPECT_EQ(sign(r.keys, "u@example.com", "u@example.com"), "sign/allowed example.com:r1 example.com:e1");
}

TEST(SignerTables, WithoutMultipleSignaturesTheFirstMatchSigns) {
  SignerDir d;
  write_tables(d);
  std::string cfg = kTables;
  cfg.replace(cfg.find("multiple_signatures = true"), 26, "multiple_signatures = false");
  LoadResult r = load_key_set(d.write_config(signer_config(cfg)));
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(sign(r.keys, "ops", "a@hosted.example"), "sign/allowed hosted.example:r1");
}

// A file: SigningTable through the key store: whole-key lookups in OpenDKIM's order
// (user@host, host, user@.parent, .parent, user@*, *), the first hit unless
// multiple_signatures, then every hit in that order.
TEST(SignerTables, FileSigningTableLooksUpAddressFormsInOpenDkimsOrder) {
  SignerDir d;
  write_tables(d);
  SignerDir::write_file(d.dir() / "SigningTable",
                        "# address forms, not patterns\n"
                        "alice@hosted.example   hosted-ed\n"
                        "hosted.example         hosted-rsa\n"
                        "bob@.customers.example cust-ed\n"
                        ".customers.example     cust-rsa\n");
  SignerDir::write_file(d.dir() / "sender_login",
                        "@hosted.example ops\n@shop.customers.example shop\n@deep.shop.customers.example shop\n");
  std::string cfg = kTables;
  cfg.replace(cfg.find("refile:"), 7, "file:");
  for (bool multiple : {false, true}) {
    std::string c = cfg;
    if (!multiple) c.replace(c.find("multiple_signatures = true"), 26, "multiple_signatures = false");
    LoadResult r = load_key_set(d.write_config(signer_config(c)));
    ASSERT_TRUE(r.ok()) << all(r);
    EXPECT_EQ(r.keys->tables()->signing_entries(), 4u);
    if (!multiple) {
      EXPECT_EQ(sign(r.keys, "ops", "alice@hosted.example"), "sign/allowed hosted.example:e1");
      EXPECT_EQ(sign(r.keys, "ops", "Bob@Hosted.Example"), "sign/allowed hosted.example:r1");  // case-insensitive
      EXPECT_EQ(sign(r.keys, "shop", "bob@shop.customers.example"), "sign/allowed shop.customers.example:e1");
      EXPECT_EQ(sign(r.keys, "shop", "carol@deep.shop.customers.example"), "sign/allowed deep.shop.customers.example:r1");
    } else {
      EXPECT_EQ(sign(r.keys, "ops", "alice@hosted.example"), "sign/allowed hosted.example:e1 hosted.example:r1");
      EXPECT_EQ(sign(r.keys, "ops", "bob@hosted.example"), "sign/allowed hosted.example:r1");
      EXPECT_EQ(sign(r.keys, "shop", "bob@shop.customers.example"),
                "sign/allowed shop.customers.example:e1 shop.customers.example:r1");
    }
    // A whole-key table: "customers.example" itself is not ".customers.example", and a
    // subdomain of hosted.example is not hosted.example.
    EXPECT_EQ(sign(r.keys, "ops", "a@customers.example"), "skip/domain_not_configured");
    EXPECT_EQ(sign(r.keys, "ops", "a@sub.hosted.example"), "skip/domain_not_configured");
  }
  // A file: key given twice is refused with both lines, as OpenDKIM would use the first only.
  SignerDir::write_file(d.dir() / "SigningTable", "hosted.example hosted-rsa\nHOSTED.example hosted-ed\n");
  LoadResult r = load_key_set(d.write_config(signer_config(cfg)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find((d.dir() / "SigningTable").string() + ":2: 'HOSTED.example' is also a key at line 1"),
            std::string::npos)
      << all(r);
}

TEST(SignerTables, AuthLoginMapForATomlDomain) {
  SignerDir d;
  write_tables(d);
  LoadResult r = load_key_set(d.write_config(signer_config(kTables, "name = \"example.com\"\nauth = \"login-map\"\n")));
  ASSERT_TRUE(r.ok()) << all(r);
  SignerDir::write_file(d.dir() / "sender_login", "@example.com ops\n");
  r = load_key_set(d.dir() / "dnsauth.toml");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(sign(r.keys, "ops", "anyone@example.com"), "sign/allowed example.com:r1 example.com:e1");
  EXPECT_EQ(sign(r.keys, "anyone@example.com", "anyone@example.com"), "skip/not_allowed");
}

TEST(SignerTables, ADomainInBothPlacesIsAnErrorNamingBoth) {
  SignerDir d;
  write_tables(d);
  LoadResult r = load_key_set(d.write_config(signer_config(kTables, "name = \"hosted.example\"\n")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("domain hosted.example is both a [[domain]] (" + (d.dir() / "dnsauth.toml").string() + ":"),
            std::string::npos) << all(r);
  EXPECT_NE(all(r).find("and in the tables (" + (d.dir() / "KeyTable").string() + ":1)"), std::string::npos) << all(r);
}

TEST(SignerTables, KeyProblemsNameTheTableLine) {
  SignerDir d;
  d.write_key("open.pem", test::shared_rsa_key(), 0644);
  write_tables(d, "open  open.example:o:" + d.key_path("open.pem").string() + "\n");
  LoadResult r = load_key_set(d.write_config(signer_config(kTables)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all(r).find("for KeyTable entry open (" + (d.dir() / "KeyTable").string() + ":5) is group- or world-accessible"),
            std::string::npos) << all(r);
}

TEST(SignerTables, ConfigErrors) {
  SignerDir d;
  write_tables(d);
  auto error = [&](const std::string& extra, const std::string& domain = "name = \"example.com\"\n") {
    LoadResult r = load_key_set(d.write_config(signer_config(extra, domain)));
    return r.ok() ? std::string() : all(r);
  };
  EXPECT_NE(error("key_table = \"KeyTable\"\n").find("'key_table' and 'signing_table' go together"), std::string::npos);
  EXPECT_NE(error("key_table = \"KeyTable\"\nsigning_table = \"refile:SigningTable\"\n")
                .find("a 'signing_table' needs a 'login_map'"),
            std::string::npos);
  EXPECT_NE(error("login_map = \"hash:/etc/postfix/x\"\n").find("'login_map' must be"), std::string::npos);
  EXPECT_NE(error("", "name = \"example.com\"\nauth = \"login-map\"\n").find("but [signer] has no 'login_map'"),
            std::string::npos);
  EXPECT_NE(error("login_map = \"texthash:missing\"\n").find("login_map: " + (d.dir() / "missing").string()),
            std::string::npos);
  SignerDir::write_file(d.dir() / "SigningTable", "*@x.example nosuch\n");
  EXPECT_NE(error(kTables).find("SigningTable:1: key name 'nosuch' is not in the KeyTable"), std::string::npos);
}

}  // namespace
}  // namespace dnsauth::signing

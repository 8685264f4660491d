// Key-table domains whose selectors are delegated by CNAME ([signer] delegation_zone,
// delegation_target; core/records/delegation.h): the settings, read as strictly as every other
// (file:line:column), the selectors the tools expect of a table domain, and a delegated domain
// signed with d=<customer> s=<selector> whose signature verifies through the customer's CNAME
// (RFC 6376 3.6.2.2; RFC 1034 3.6.2) with dnsauth's verifier and with dkimpy.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dkim/signature.h"
#include "core/dns/zone_resolver.h"
#include "core/signing/delegation.h"
#include "core/signing/key_store.h"
#include "core/signing/session.h"
#include "support/signer_fixture.h"

namespace dnsauth::signing {
namespace {

using test::SignerDir;
using test::signer_config;

Result<Config> parse(std::string_view text) { return parse_config(text, "test.toml", "/etc/dnsauth"); }

const std::string kTables =
    "key_table = \"file:KeyTable\"\nsigning_table = \"refile:SigningTable\"\n"
    "login_map = \"texthash:sender_login\"\n";

TEST(DelegationSettings, ZoneAndDefaultTarget) {
  auto c = parse("[signer]\n" + kTables + "delegation_zone = \"DKIM.isp.example\"\n");
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_TRUE(c->signer.delegation);
  EXPECT_EQ(c->signer.delegation->zone, "dkim.isp.example");
  EXPECT_EQ(c->signer.delegation->target, "{selector}.{domain_dashed}");
  auto off = parse("[signer]\n" + kTables);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->signer.delegation);
}

TEST(DelegationSettings, TargetPattern) {
  auto c = parse("[signer]\n" + kTables + "delegation_zone = \"dkim.isp.example\"\ndelegation_target = \"{selector}.{domain}\"\n");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->signer.delegation->target, "{selector}.{domain}");
}

TEST(DelegationSettings, MistakesNameFileLineAndColumn) {
  struct Case {
    std::string text, error;
  };
  const std::vector<Case> cases = {
      {"delegation_zone = \"dkim..isp.example\"\n",
       "test.toml:5:19: 'delegation_zone' must be a domain name (\"dkim.isp.example\")"},
      {"delegation_zone = \"example\"\n", "test.toml:5:19: 'delegation_zone' must be a domain name"},
      {"delegation_zone = 5\n", "test.toml:5:19:"},
      {"delegation_zone = \"dkim.isp.example\"\ndelegation_target = \"{domain_dashed}\"\n",
       "test.toml:6:21: 'delegation_target' \"{domain_dashed}\": it must contain {selector}"},
      {"delegation_zone = \"dkim.isp.example\"\ndelegation_target = \"{selector}\"\n",
       "test.toml:6:21: 'delegation_target' \"{selector}\": it must contain {domain} or {domain_dashed}"},
      {"delegation_zone = \"dkim.isp.example\"\ndelegation_target = \"{selector}.{customer}\"\n",
       "test.toml:6:21: 'delegation_target' \"{selector}.{customer}\": unknown placeholder {customer}"},
      {"delegation_target = \"{selector}.{domain}\"\n", "test.toml:5:21: 'delegation_target' needs a 'delegation_zone'"},
  };
  for (const auto& c : cases) {
    auto r = parse("[signer]\n" + kTables + c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().detail.find(c.error), std::string::npos) << r.error().detail;
  }
  auto no_tables = parse("[signer]\ndelegation_zone = \"dkim.isp.example\"\n");
  ASSERT_FALSE(no_tables);
  EXPECT_NE(no_tables.error().detail.find("test.toml:2:19: 'delegation_zone' applies to the domains of a 'key_table' only"),
            std::string::npos)
      << no_tables.error().detail;
}

// hosted.example and customer.example in the KeyTable, a "%" entry, and a login map.
void write_tables(const SignerDir& d) {
  SignerDir::write_file(d.dir() / "KeyTable",
                        "cust-ed   customer.example:e1:" + d.key_path("ed.pem").string() + "\n"
                        "cust-rsa  customer.example:r1:" + d.key_path("rsa.pem").string() + "\n"
                        "cust-dup  customer.example:e1:" + d.key_path("rsa.pem").string() + "\n"
                        "other     other.example:e1:" + d.key_path("ed.pem").string() + "\n"
                        "any       %:e1:" + d.key_path("ed.pem").string() + "\n");
  SignerDir::write_file(d.dir() / "SigningTable",
                        "*@customer.example cust-ed\n*@customer.example cust-rsa\n*@other.example other\n");
  SignerDir::write_file(d.dir() / "sender_login", "@customer.example shop\n");
}

const std::string kDelegated = kTables + "multiple_signatures = true\ndelegation_zone = \"dkim.isp.example\"\n";

TEST(DelegationSelectors, EveryKeyTableSelectorOfTheDomainOnceWithItsTarget) {
  SignerDir d;
  write_tables(d);
  LoadResult r = load_key_set(d.write_config(signer_config(kDelegated)));
  ASSERT_TRUE(r.ok()) << r.errors();
  auto sel = table_selectors(r.keys->config().signer, *r.keys->tables(), "Customer.Example");
  ASSERT_TRUE(sel) << sel.error().detail;
  ASSERT_EQ(sel->size(), 2u);  // e1 once: the first entry is the one OpenDKIM signs with
  EXPECT_EQ((*sel)[0].key, 0u);
  EXPECT_EQ((*sel)[0].expected.name, "e1");
  EXPECT_EQ((*sel)[0].expected.delegated_to, "e1.customer-example.dkim.isp.example");
  EXPECT_EQ((*sel)[1].expected.name, "r1");
  EXPECT_EQ((*sel)[1].expected.delegated_to, "r1.customer-example.dkim.isp.example");
  // Without delegation_zone the same selectors, expected at their own names.
  LoadResult plain = load_key_set(d.write_config(signer_config(kTables + "multiple_signatures = true\n")));
  ASSERT_TRUE(plain.ok()) << plain.errors();
  auto own = table_selectors(plain.keys->config().signer, *plain.keys->tables(), "customer.example");
  ASSERT_TRUE(own);
  ASSERT_EQ(own->size(), 2u);
  EXPECT_EQ((*own)[0].expected.delegated_to, "");
}

// The customer's zone with the CNAMEs, ours with the keys at the targets.
dns::ZoneResolver delegated_zones() {
  dns::ZoneResolver z;
  EXPECT_TRUE(z.load_text("$ORIGIN customer.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
                          "e1._domainkey 3600 IN CNAME e1.customer-example.dkim.isp.example.\n"
                          "r1._domainkey 3600 IN CNAME r1.customer-example.dkim.isp.example.\n",
                          "customer.example.zone"));
  std::string isp = "$ORIGIN dkim.isp.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n";
  isp += "e1.customer-example 3600 IN TXT \"" + test::key_record_for(test::shared_ed25519_key()) + "\"\n";
  // An RSA key record is longer than one character-string: split as a zone file holds it.
  std::string rsa = test::key_record_for(test::shared_rsa_key());
  isp += "r1.customer-example 3600 IN TXT \"" + rsa.substr(0, 200) + "\" \"" + rsa.substr(200) + "\"\n";
  EXPECT_TRUE(z.load_text(isp, "dkim.isp.example.zone"));
  return z;
}

TEST(DelegationSigning, SignsWithTheCustomersDomainAndVerifiesThroughTheCname) {
  SignerDir d;
  write_tables(d);
  LoadResult r = load_key_set(d.write_config(signer_config(kDelegated)));
  ASSERT_TRUE(r.ok()) << r.errors();
  std::string msg = "From: a@customer.example\r\nTo: x@example.org\r\nSubject: t\r\n\r\nbody\r\n";
  auto s = sign_offline(r.keys, "shop", msg, 1700000000);
  ASSERT_TRUE(s) << s.error().detail;
  ASSERT_EQ(s->signatures.size(), 2u) << s->decision.detail;
  std::string signed_msg;
  for (const auto& f : s->signatures) {
    auto sig = dkim::parse_signature(f.value);
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->domain, "customer.example");  // d= is the customer, not the delegation zone
    signed_msg += f.raw();
  }
  signed_msg += msg;

  dns::ZoneResolver zones = delegated_zones();
  auto results = test::verify_with_dnsauth(signed_msg, zones);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& v : results) {
    EXPECT_EQ(v.status, dkim::Status::pass) << v.selector << ": " << v.reason();
    EXPECT_EQ(v.domain, "customer.example");
  }
  // Without the customer's CNAMEs, nothing verifies: the keys are only at the targets.
  dns::ZoneResolver isp_only;
  ASSERT_TRUE(isp_only.load_text("$ORIGIN dkim.isp.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
                                 "e1.customer-example 3600 IN TXT \"" +
                                     test::key_record_for(test::shared_ed25519_key()) + "\"\n",
                                 "dkim.isp.example.zone"));
  for (const auto& v : test::verify_with_dnsauth(signed_msg, isp_only)) EXPECT_NE(v.status, dkim::Status::pass);

  // dkimpy, asking through a resolver that follows the CNAME as a recursive one does.
  const std::filesystem::path file = d.dir() / "signed.eml";
  std::ofstream(file, std::ios::binary) << signed_msg;
  std::string script =
      "import dkim, sys\n"
      "cname = {b'e1._domainkey.customer.example.': b'e1.customer-example.dkim.isp.example.',\n"
      "         b'r1._domainkey.customer.example.': b'r1.customer-example.dkim.isp.example.'}\n"
      "txt = {b'e1.customer-example.dkim.isp.example.': b'" + test::key_record_for(test::shared_ed25519_key()) + "',\n"
      "       b'r1.customer-example.dkim.isp.example.': b'" + test::key_record_for(test::shared_rsa_key()) + "'}\n"
      "def dns(name, timeout=5):\n"
      "    name = name if name.endswith(b'.') else name + b'.'\n"
      "    return txt.get(cname.get(name, name))\n"
      "m = open(sys.argv[1], 'rb').read()\n"
      "d = dkim.DKIM(m)\n"
      "print(d.verify(idx=0, dnsfunc=dns), d.verify(idx=1, dnsfunc=dns))\n";
  auto py = test::run_process("/usr/bin/python3", {"-c", script, file.string()});
  ASSERT_EQ(py.status, 0) << py.err;
  EXPECT_EQ(py.out, "True True\n") << py.err;
}

}  // namespace
}  // namespace dnsauth::signing

// Selectors delegated by CNAME (core/records/delegation.h): the one rule naming the target of a
// customer's selector, the CNAME line handed to the customer, and the linter's checks of the
// delegation (RFC 6376 3.6.2.2: the key record is found by a TXT query, which follows the CNAME
// as RFC 1034 3.6.2 has it) against zone files and records in memory: good, missing CNAME,
// wrong target, wrong key.
#include <gtest/gtest.h>

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "core/dns/zone_resolver.h"
#include "core/records/delegation.h"
#include "core/records/lint.h"
#include "core/records/zone_format.h"

namespace dnsauth::records {
namespace {

const dkim::PrivateKey& key() {
  static const dkim::PrivateKey k = *dkim::PrivateKey::generate_ed25519();
  return k;
}
const dkim::PrivateKey& other_key() {
  static const dkim::PrivateKey k = *dkim::PrivateKey::generate_ed25519();
  return k;
}
std::string record_of(const dkim::PrivateKey& k) {
  return "v=DKIM1; k=ed25519; p=" + encode_base64(k.public_key_record_bytes());
}

const Delegation kIsp{"dkim.isp.example"};

TEST(DelegationTarget, DefaultIsSelectorThenDomainWithDashesUnderTheZone) {
  EXPECT_EQ(*delegation_target(kIsp, "customer.example", "sel"), "sel.customer-example.dkim.isp.example");
  // Names are compared without case (RFC 4343): the target is written in lowercase.
  EXPECT_EQ(*delegation_target(kIsp, "Shop.Customer.EXAMPLE.", "S2026"), "s2026.shop-customer-example.dkim.isp.example");
}

TEST(DelegationTarget, PatternPlaceholdersAreSelectorDomainAndDomainDashed) {
  Delegation dotted{"dkim.isp.example", "{selector}._k.{domain}"};
  EXPECT_EQ(*delegation_target(dotted, "customer.example", "sel"), "sel._k.customer.example.dkim.isp.example");
  Delegation dashed{"dkim.isp.example", "{domain_dashed}-{selector}"};
  EXPECT_EQ(*delegation_target(dashed, "customer.example", "sel"), "customer-example-sel.dkim.isp.example");
}

TEST(DelegationTarget, PatternMustNameSelectorAndDomainAndMakeADomainName) {
  EXPECT_EQ(check_delegation_target("{selector}.{domain_dashed}", "dkim.isp.example"), "");
  EXPECT_EQ(check_delegation_target("{selector}.{domain}", "dkim.isp.example"), "");
  EXPECT_EQ(check_delegation_target("{domain}", "dkim.isp.example"), "it must contain {selector}");
  EXPECT_EQ(check_delegation_target("{selector}", "dkim.isp.example"), "it must contain {domain} or {domain_dashed}");
  EXPECT_NE(check_delegation_target("{selector}.{host}", "dkim.isp.example").find("unknown placeholder {host}"),
            std::string::npos);
  EXPECT_NE(check_delegation_target("{selector.{domain}", "dkim.isp.example").find("unknown placeholder"),
            std::string::npos);
  EXPECT_EQ(check_delegation_target("{selector}}.{domain}", "dkim.isp.example"), "a '}' without its '{'");
  EXPECT_EQ(check_delegation_target("{selector}.{domain", "dkim.isp.example"), "a '{' without its '}'");
  EXPECT_NE(check_delegation_target("{selector}..{domain}", "dkim.isp.example").find("does not make a domain name"),
            std::string::npos);
}

TEST(DelegationTarget, ATargetThatIsNoDomainNameIsAnErrorNamingDomainAndSelector) {
  // A label of the dashed form over 63 characters (RFC 1035 2.3.4).
  std::string domain = std::string(40, 'a') + "." + std::string(40, 'b') + ".example";
  auto t = delegation_target(kIsp, domain, "sel");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::syntax);
  EXPECT_NE(t.error().detail.find("selector sel of " + domain), std::string::npos) << t.error().detail;
}

TEST(DelegationCname, MasterLineIsAbsoluteOwnerTtlInCnameTarget) {
  auto line = to_master_line(CnameRecord{"sel._domainkey.customer.example", 3600, "sel.customer-example.dkim.isp.example"});
  ASSERT_TRUE(line) << line.error().detail;
  EXPECT_EQ(*line, "sel._domainkey.customer.example.\t3600\tIN\tCNAME\tsel.customer-example.dkim.isp.example.\n");
  EXPECT_FALSE(to_master_line(CnameRecord{"sel..customer.example", 3600, "x.example"}));
}

// The customer's zone and ours, as master files: the customer publishes `cname` (a master-file
// line, or nothing) and we publish `ours` at the default target.
struct Zones {
  dns::ZoneResolver dns;
  Zones(const std::string& cname, const std::string& ours) {
    EXPECT_TRUE(dns.load_text("$ORIGIN customer.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
                              "@ 3600 IN TXT \"v=spf1 -all\"\n" + cname + "\n",
                              "customer.example.zone"));
    EXPECT_TRUE(dns.load_text("$ORIGIN dkim.isp.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
                              "sel.customer-example 3600 IN TXT \"" + ours + "\"\n",
                              "dkim.isp.example.zone"));
  }
};

LintOptions delegated(const dkim::PrivateKey& k) {
  LintOptions o;
  ExpectedSelector e{"sel", k.type(), k, *delegation_target(kIsp, "customer.example", "sel")};
  o.expected_selectors.push_back(e);
  return o;
}

std::string ids(const Report& r) {
  std::string out;
  for (const auto& f : r.findings) out += std::string(f.id()) + ": " + f.message + "\n";
  return out;
}
const Finding* find(const Report& r, std::string_view id) {
  for (const auto& f : r.findings)
    if (f.id() == id) return &f;
  return nullptr;
}

const std::string kGoodCname = "sel._domainkey 3600 IN CNAME sel.customer-example.dkim.isp.example.";

TEST(DelegationLint, GoodCnameToTheTargetWithTheKeyIsClean) {
  Zones z(kGoodCname, record_of(key()));
  Report r = lint_dkim_keys(z.dns, "customer.example", delegated(key()));
  EXPECT_TRUE(r.findings.empty()) << ids(r);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(DelegationLint, MissingCnameIsAnErrorNamingTheDomainAndTheLineToPublish) {
  Zones z("", record_of(key()));
  Report r = lint_dkim_keys(z.dns, "customer.example", delegated(key()));
  const Finding* f = find(r, "dkim-delegation-missing");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->name, "sel._domainkey.customer.example");
  EXPECT_NE(f->message.find("customer.example: selector sel is delegated, but sel._domainkey.customer.example has no "
                            "CNAME (nxdomain); it must be \"sel._domainkey.customer.example. CNAME "
                            "sel.customer-example.dkim.isp.example.\""),
            std::string::npos)
      << f->message;
  EXPECT_EQ(r.exit_code(), 2);
}

TEST(DelegationLint, AKeyPublishedByTheCustomerItselfIsStillAMissingDelegation) {
  Zones z("sel._domainkey 3600 IN TXT \"" + record_of(key()) + "\"", record_of(key()));
  Report r = lint_dkim_keys(z.dns, "customer.example", delegated(key()));
  ASSERT_NE(find(r, "dkim-delegation-missing"), nullptr) << ids(r);
  EXPECT_NE(find(r, "dkim-delegation-missing")->message.find("(nodata)"), std::string::npos);
}

TEST(DelegationLint, WrongTargetIsAnErrorNamingTheDomainTheFoundAndTheExpectedTarget) {
  Zones z("sel._domainkey 3600 IN CNAME sel.customer-example.dkim.other.example.", record_of(key()));
  Report r = lint_dkim_keys(z.dns, "customer.example", delegated(key()));
  const Finding* f = find(r, "dkim-delegation-wrong-target");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->message,
            "customer.example: sel._domainkey.customer.example is a CNAME to sel.customer-example.dkim.other.example, "
            "expected sel.customer-example.dkim.isp.example");
  EXPECT_EQ(f->record, "sel.customer-example.dkim.other.example");
  EXPECT_EQ(r.exit_code(), 2);
}

TEST(DelegationLint, WrongKeyAtTheTargetIsAKeyMismatchNamingTheDomain) {
  Zones z(kGoodCname, record_of(other_key()));
  Report r = lint_dkim_keys(z.dns, "customer.example", delegated(key()));
  const Finding* f = find(r, "dkim-key-mismatch");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->name, "sel._domainkey.customer.example");
  EXPECT_NE(f->message.find("(customer.example: the key record at sel.customer-example.dkim.isp.example, through "
                            "the CNAME at sel._domainkey.customer.example)"),
            std::string::npos)
      << f->message;
  EXPECT_EQ(find(r, "dkim-delegation-missing"), nullptr);
  EXPECT_EQ(find(r, "dkim-delegation-wrong-target"), nullptr);
}

TEST(DelegationLint, NoKeyAtTheTargetIsDkimMissingThroughTheCname) {
  dns::MemoryResolver m;
  m.add_cname("sel._domainkey.customer.example", "sel.customer-example.dkim.isp.example");
  Report r = lint_dkim_keys(m, "customer.example", delegated(key()));
  const Finding* f = find(r, "dkim-missing");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_NE(f->message.find("customer.example: the key record at sel.customer-example.dkim.isp.example"),
            std::string::npos)
      << f->message;
}

TEST(DelegationLint, ATargetOutsideTheZonesGivenIsNotFollowedNotFailed) {
  Zones z(kGoodCname, record_of(key()));
  LintOptions o = delegated(key());
  o.in_scope = [](std::string_view name) { return name == "customer.example" || name.ends_with(".customer.example"); };
  Report r = lint_dkim_keys(z.dns, "customer.example", o);
  ASSERT_NE(find(r, "dns-not-followed"), nullptr) << ids(r);
  EXPECT_EQ(find(r, "dns-not-followed")->name, "sel.customer-example.dkim.isp.example");
  EXPECT_EQ(r.exit_code(), 0) << ids(r);
}

TEST(DelegationLint, LintDomainChecksTheDelegationByTheSameRules) {
  Zones z("sel._domainkey 3600 IN CNAME sel.customer-example.dkim.other.example.", record_of(key()));
  Report r = lint_domain(z.dns, "customer.example", delegated(key()));
  EXPECT_NE(find(r, "dkim-delegation-wrong-target"), nullptr) << ids(r);
}

}  // namespace
}  // namespace dnsauth::records

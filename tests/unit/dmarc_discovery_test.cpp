// DMARC policy discovery and Organizational Domains: the RFC 9989 4.10 DNS Tree Walk with its
// Appendix B.4 examples, the RFC 7489 3.2 / 6.6.3 Public Suffix List method, the two compared
// on the same zones, and the external report destination check (RFC 9990 4, RFC 7489 7.1).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dmarc/discovery.h"
#include "core/dns/resolver.h"

namespace dnsauth::dmarc {
// Readable causes in failure messages.
void PrintTo(Cause c, std::ostream* os) { *os << to_string(c); }

namespace {

using Names = std::vector<std::string>;

// The names a MemoryResolver was asked, in order, recorded by a wrapper.
class Recording : public dns::Resolver {
 public:
  explicit Recording(dns::Resolver& inner) : inner_(inner) {}
  dns::Answer query(std::string_view name, dns::RRType type) override {
    asked.emplace_back(name);
    return inner_.query(name, type);
  }
  Names asked;

 private:
  dns::Resolver& inner_;
};

std::string org(PolicyFinder& f, std::string_view domain) {
  auto o = f.organizational_domain(domain);
  EXPECT_FALSE(o.temperror) << o.reason;
  return o.domain;
}

// ---- RFC 9989 4.10: which names the walk asks -----------------------------------------------

TEST(DmarcTreeWalk, TargetsFollowSection4_10) {
  // The section's own illustration: eight queries, jumping from 13 labels to 7.
  EXPECT_EQ(PolicyFinder::walk_targets("a.b.c.d.e.f.g.h.i.j.mail.example.com"),
            (Names{"a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com",
                   "h.i.j.mail.example.com", "i.j.mail.example.com", "j.mail.example.com",
                   "mail.example.com", "example.com", "com"}));
  EXPECT_EQ(PolicyFinder::walk_targets("a.mail.example.com"),
            (Names{"a.mail.example.com", "mail.example.com", "example.com", "com"}));
  // 4.10.1: policy discovery starts at the parent.
  EXPECT_EQ(PolicyFinder::walk_targets("a.mail.example.com", 8, false),
            (Names{"mail.example.com", "example.com", "com"}));
  EXPECT_EQ(PolicyFinder::walk_targets("com"), (Names{"com"}));
  EXPECT_EQ(PolicyFinder::walk_targets("com", 8, false), Names{});
  EXPECT_EQ(PolicyFinder::walk_targets(""), Names{});
  EXPECT_EQ(PolicyFinder::walk_targets("Example.COM."), (Names{"example.com", "com"}));
}

TEST(DmarcTreeWalk, NeverMoreThanEightQueries) {
  for (std::size_t labels = 1; labels <= 40; ++labels) {
    std::string name = "com";
    for (std::size_t i = 1; i < labels; ++i) name = "l" + std::to_string(i) + "." + name;
    Names t = PolicyFinder::walk_targets(name);
    SCOPED_TRACE(name);
    EXPECT_EQ(t.size(), std::min<std::size_t>(labels, 8));
    EXPECT_EQ(t.front(), name);
    EXPECT_EQ(t.back(), "com");
    // "If x < 8, remove the left-most label"; 8 labels is x >= 8: down to 7, the same thing.
    if (labels == 8 || labels == 9) {
      EXPECT_EQ(count_labels(t[1]), 7u);  // 9 labels: the 8-label name is skipped
    }
  }
}

// ---- RFC 9989 Appendix B.4 ------------------------------------------------------------------

// B.4.1: records at example.com and signing.example.com, none at com.
TEST(DmarcTreeWalk, AppendixB4_1SimpleExample) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  mem.add_txt("_dmarc.signing.example.com", "v=DMARC1; p=none");
  Recording rec(mem);
  PolicyFinder f(rec);
  EXPECT_EQ(org(f, "example.com"), "example.com");
  EXPECT_EQ(rec.asked, (Names{"_dmarc.example.com", "_dmarc.com"}));
  EXPECT_EQ(org(f, "signing.example.com"), "example.com");  // the fewest labels
  EXPECT_EQ(rec.asked, (Names{"_dmarc.example.com", "_dmarc.com", "_dmarc.signing.example.com"}));

  PolicyDiscovery d = f.discover("example.com");
  ASSERT_TRUE(d.found());
  EXPECT_EQ(d.policy_domain, "example.com");
  EXPECT_FALSE(d.subdomain());
}

// B.4.2: the deep tree walk skips intermediate names and finds example.com.
TEST(DmarcTreeWalk, AppendixB4_2DeepExample) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine");
  mem.add_txt("_dmarc.signing.example.com", "v=DMARC1; p=none");
  Recording rec(mem);
  PolicyFinder f(rec);
  const std::string author = "a.b.c.d.e.f.g.h.i.j.k.example.com";
  PolicyDiscovery d = f.discover(author);
  ASSERT_TRUE(d.found()) << d.reason();
  EXPECT_EQ(d.policy_domain, "example.com");
  EXPECT_EQ(d.cause, Cause::record_at_organizational_domain);
  EXPECT_TRUE(d.subdomain());
  EXPECT_EQ(rec.asked,
            (Names{"_dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com", "_dmarc.g.h.i.j.k.example.com",
                   "_dmarc.h.i.j.k.example.com", "_dmarc.i.j.k.example.com",
                   "_dmarc.j.k.example.com", "_dmarc.k.example.com", "_dmarc.example.com",
                   "_dmarc.com"}));
  EXPECT_EQ(org(f, author), "example.com");
  EXPECT_EQ(org(f, "signing.example.com"), "example.com");
  EXPECT_EQ(rec.asked.size(), 9u);  // signing.example.com was the only new name
}

// B.4.3: a PSD record (psd=y) at bank.example stops the walk; the Organizational Domain is
// the name one label below it.
TEST(DmarcTreeWalk, AppendixB4_3PsdExample) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.bank.example", "v=DMARC1; p=reject; psd=y");
  mem.add_txt("_dmarc.giant.bank.example", "v=DMARC1; p=quarantine");
  Recording rec(mem);
  PolicyFinder f(rec);
  EXPECT_EQ(org(f, "giant.bank.example"), "giant.bank.example");
  EXPECT_EQ(rec.asked, (Names{"_dmarc.giant.bank.example", "_dmarc.bank.example"}));  // stopped
  EXPECT_EQ(org(f, "mail.giant.bank.example"), "giant.bank.example");
  EXPECT_EQ(org(f, "mail.mega.bank.example"), "mega.bank.example");

  PolicyDiscovery d = f.discover("giant.bank.example");
  ASSERT_TRUE(d.found());
  EXPECT_EQ(d.policy_domain, "giant.bank.example");
  EXPECT_EQ(d.cause, Cause::record_at_author_domain);
  EXPECT_FALSE(d.psd_record);

  // A domain under bank.example without a record of its own gets the PSD's policy.
  d = f.discover("mail.mega.bank.example");
  ASSERT_TRUE(d.found()) << d.reason();
  EXPECT_EQ(d.policy_domain, "bank.example");
  EXPECT_EQ(d.cause, Cause::record_at_public_suffix_domain);
  EXPECT_TRUE(d.psd_record);
  EXPECT_TRUE(d.subdomain());
}

// 4.10.2 rule 1 and the last examples of the section.
TEST(DmarcTreeWalk, Section4_10_2Examples) {
  {
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.mail.example.com", "v=DMARC1; p=none");
    mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
    PolicyFinder f(mem);
    EXPECT_EQ(org(f, "a.mail.example.com"), "example.com");
  }
  {
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n");
    mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
    Recording rec(mem);
    PolicyFinder f(rec);
    EXPECT_EQ(org(f, "a.mail.example.com"), "mail.example.com");
    EXPECT_EQ(rec.asked, (Names{"_dmarc.a.mail.example.com", "_dmarc.mail.example.com"}));
  }
  {
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.com", "v=DMARC1; p=none; psd=y");
    PolicyFinder f(mem);
    EXPECT_EQ(org(f, "a.mail.example.com"), "example.com");
    EXPECT_EQ(org(f, "com"), "com");  // psd=y at the start itself: rule 3, the domain
  }
  {
    dns::MemoryResolver mem;  // no records at all: the domain is its own
    PolicyFinder f(mem);
    EXPECT_EQ(org(f, "a.mail.example.com"), "a.mail.example.com");
  }
}

// RFC 9989 4.10 step 2: several DMARC records at one name are all discarded, and the walk
// goes on; RFC 7489 6.6.3 step 5 ends discovery instead.
TEST(DmarcDiscovery, SeveralRecordsAtTheAuthorDomain) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.sub.example.com", "v=DMARC1; p=none");
  mem.add_txt("_dmarc.sub.example.com", "v=DMARC1; p=reject");
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine");

  PolicyFinder bis(mem, {Mode::rfc9989});
  PolicyDiscovery d = bis.discover("sub.example.com");
  ASSERT_TRUE(d.found()) << d.reason();
  EXPECT_EQ(d.policy_domain, "example.com");
  EXPECT_EQ(bis.lookup("sub.example.com").dmarc_records, 2u);
  EXPECT_NE(bis.lookup("sub.example.com").summary().find("2 DMARC records, all discarded"),
            std::string::npos);

  PolicyFinder old(mem, {Mode::rfc7489});
  d = old.discover("sub.example.com");
  EXPECT_EQ(d.outcome, PolicyDiscovery::Outcome::none);
  EXPECT_EQ(d.cause, Cause::several_records);
}

TEST(DmarcDiscovery, OtherTxtRecordsAreIgnored) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "google-site-verification=abc");
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  mem.add_txt("_dmarc.example.com", "v=spf1 -all");
  PolicyFinder f(mem);
  PolicyDiscovery d = f.discover("example.com");
  ASSERT_TRUE(d.found());
  EXPECT_EQ(d.record.p.value, Policy::reject);
}

TEST(DmarcDiscovery, TemporaryFailureIsTemperror) {
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    SCOPED_TRACE(std::string(to_string(mode)));
    dns::MemoryResolver mem;
    mem.add_tempfail("_dmarc.example.com", "timeout");
    PolicyFinder f(mem, {mode});
    PolicyDiscovery d = f.discover("mail.example.com");
    EXPECT_EQ(d.outcome, PolicyDiscovery::Outcome::temperror);
    EXPECT_EQ(d.cause, Cause::dns_temperror);
    EXPECT_NE(d.reason().find("timeout"), std::string::npos) << d.reason();  // the resolver's words
  }
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
  mem.add_tempfail("_dmarc.com");
  PolicyFinder f(mem);
  auto o = f.organizational_domain("example.com");
  EXPECT_TRUE(o.temperror);
  EXPECT_TRUE(o.domain.empty());
}

TEST(DmarcDiscovery, NoRecordAnywhere) {
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    dns::MemoryResolver mem;
    PolicyFinder f(mem, {mode});
    PolicyDiscovery d = f.discover("www.example.co.uk");
    EXPECT_EQ(d.outcome, PolicyDiscovery::Outcome::none);
    EXPECT_EQ(d.cause, Cause::no_record);
    PolicyDiscovery literal = f.discover("[192.0.2.1]");
    EXPECT_EQ(literal.outcome, PolicyDiscovery::Outcome::none);
    EXPECT_EQ(literal.cause, Cause::invalid_author_domain);
  }
}

// RFC 7489 3.2 / RFC 9989 3.2: the Author Domain is a domain name. A string that is not one
// (empty labels, a NUL, bytes no label holds) is never walked, even when a record exists at a
// name it ends with: a NUL made the in-memory and ldns resolvers ask for a shorter name.
TEST(DmarcDiscovery, AnAuthorDomainThatIsNoDomainNameIsNeverWalked) {
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.example.org", "v=DMARC1; p=reject");
    PolicyFinder f(mem, {mode});
    for (std::string bad : {std::string("x.z..y.example.org"), std::string("a.example.org\0", 14),
                            std::string("mail.;.example.org"), std::string("a b.example.org")}) {
      PolicyDiscovery d = f.discover(bad);
      EXPECT_EQ(d.outcome, PolicyDiscovery::Outcome::none) << bad;
      EXPECT_EQ(d.cause, Cause::invalid_author_domain) << bad;
    }
    EXPECT_TRUE(f.lookups().empty());
    EXPECT_EQ(f.discover("_x.example.org").outcome, PolicyDiscovery::Outcome::found);
  }
}

// Each _dmarc name is asked once per finder, and every answer is kept.
TEST(DmarcDiscovery, LookupsAreCachedAndKept) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  PolicyFinder f(mem);
  f.discover("a.example.com");
  f.discover("b.example.com");
  f.organizational_domain("a.example.com");
  Names names;
  for (const RecordLookup* l : f.lookups()) names.push_back(l->name);
  EXPECT_EQ(names, (Names{"_dmarc.a.example.com", "_dmarc.example.com", "_dmarc.com",
                          "_dmarc.b.example.com"}));
  EXPECT_EQ(mem.queries(), 4u);
  EXPECT_EQ(f.lookup("example.com").summary(), "_dmarc.example.com: v=DMARC1; p=reject");
  EXPECT_EQ(f.lookup("a.example.com").summary(), "_dmarc.a.example.com: NXDOMAIN");
}

// ---- RFC 7489 3.2: the Public Suffix List ----------------------------------------------------

TEST(DmarcPsl, OrganizationalDomainsFromDebiansList) {
  const PublicSuffixList& psl = PublicSuffixList::system();
  EXPECT_GT(psl.suffix_count(), 1000u) << psl.source();
  struct Case {
    const char* domain;
    const char* org;
  } cases[] = {
      {"a.b.c.d.example.com", "example.com"},  // the section's own example
      {"example.com", "example.com"},
      {"mail.example.co.uk", "example.co.uk"},
      {"co.uk", "co.uk"},                      // a public suffix is its own
      {"com", "com"},
      {"foo.blogspot.com", "foo.blogspot.com"},        // the private section counts
      {"www.foo.blogspot.com", "foo.blogspot.com"},
      {"a.b.example", "b.example"},                    // unlisted TLD: the "*" rule
      {"MAIL.Example.COM.", "example.com"},
  };
  for (const auto& c : cases) EXPECT_EQ(psl.organizational_domain(c.domain), c.org) << c.domain;
  EXPECT_TRUE(psl.is_public_suffix("co.uk"));
  EXPECT_FALSE(psl.is_public_suffix("example.co.uk"));
}

TEST(DmarcPsl, LoadFileErrors) {
  auto missing = PublicSuffixList::load_file("/nonexistent/psl.dat");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io);
}

// RFC 7489 6.6.3: the Author Domain, then the Organizational Domain -- two queries at most.
TEST(DmarcPsl, DiscoveryAsksAuthorThenOrganizationalDomain) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.co.uk", "v=DMARC1; p=reject; sp=quarantine");
  Recording rec(mem);
  PolicyFinder f(rec, {Mode::rfc7489});
  PolicyDiscovery d = f.discover("a.b.c.example.co.uk");
  ASSERT_TRUE(d.found());
  EXPECT_EQ(d.policy_domain, "example.co.uk");
  EXPECT_TRUE(d.subdomain());
  EXPECT_EQ(rec.asked, (Names{"_dmarc.a.b.c.example.co.uk", "_dmarc.example.co.uk"}));
}

// ---- The two methods on the same zones ----------------------------------------------------

struct CompareCase {
  const char* what;
  std::vector<std::pair<const char*, const char*>> records;  // domain, TXT
  const char* domain;
  const char* tree_walk_org;
  const char* psl_org;
};

TEST(DmarcOrganizationalDomain, TreeWalkAndPslCompared) {
  const CompareCase cases[] = {
      {"co.uk: both find the registered name",
       {{"example.co.uk", "v=DMARC1; p=reject"}}, "mail.example.co.uk", "example.co.uk",
       "example.co.uk"},
      {"co.uk: a record at the suffix makes the tree walk climb past the registered name",
       {{"example.co.uk", "v=DMARC1; p=reject"}, {"co.uk", "v=DMARC1; p=none"}},
       "mail.example.co.uk", "co.uk", "example.co.uk"},
      {"co.uk: with psd=y the suffix is recognised as one",
       {{"example.co.uk", "v=DMARC1; p=reject"}, {"co.uk", "v=DMARC1; p=none; psd=y"}},
       "mail.example.co.uk", "example.co.uk", "example.co.uk"},
      {"private-section suffix: the PSL separates blogs, a record at blogspot.com joins them",
       {{"blogspot.com", "v=DMARC1; p=none"}}, "foo.blogspot.com", "blogspot.com",
       "foo.blogspot.com"},
      {"private-section suffix with psd=y: the two agree",
       {{"blogspot.com", "v=DMARC1; p=none; psd=y"}}, "www.foo.blogspot.com", "foo.blogspot.com",
       "foo.blogspot.com"},
      {"psd=y parent under an unlisted TLD",
       {{"bank.example", "v=DMARC1; p=reject; psd=y"}, {"giant.bank.example", "v=DMARC1; p=none"}},
       "mail.giant.bank.example", "giant.bank.example", "bank.example"},
      {"psd=n splits one registered domain into two organizations",
       {{"example.com", "v=DMARC1; p=reject"}, {"dept.example.com", "v=DMARC1; p=none; psd=n"}},
       "a.dept.example.com", "dept.example.com", "example.com"},
      {"deeper than the label cap: the walk jumps to 7 labels",
       {{"example.com", "v=DMARC1; p=reject"}}, "a.b.c.d.e.f.g.h.i.j.example.com", "example.com",
       "example.com"},
      {"deeper than the cap with the only record on a skipped name: not found",
       {{"c.d.e.f.g.h.i.j.example.com", "v=DMARC1; p=reject"}},
       "a.b.c.d.e.f.g.h.i.j.example.com", "a.b.c.d.e.f.g.h.i.j.example.com", "example.com"},
      {"no records: the tree walk has nothing to climb to",
       {}, "mail.example.org", "mail.example.org", "example.org"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    dns::MemoryResolver mem;
    for (const auto& [domain, txt] : c.records) mem.add_txt(std::string("_dmarc.") + domain, txt);
    PolicyFinder walk(mem, {Mode::rfc9989});
    PolicyFinder psl(mem, {Mode::rfc7489});
    EXPECT_EQ(org(walk, c.domain), c.tree_walk_org);
    EXPECT_EQ(org(psl, c.domain), c.psl_org);
  }
}

// ---- External report destinations ------------------------------------------------------------

TEST(DmarcReportDestination, SameOrganizationNeedsNoCheck) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:agg@reports.example.com");
  PolicyFinder f(mem);
  auto rec = parse_record("v=DMARC1; p=none; rua=mailto:agg@reports.example.com");
  ASSERT_TRUE(rec);
  auto checks = check_report_destinations(f, "example.com", *rec);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].status, DestinationCheck::Status::same_organization) << checks[0].reason;
  EXPECT_TRUE(checks[0].query.empty());
}

// RFC 7489 7.1's example: blue.example.com reporting to red.example.net. `consent` is what
// the destination publishes at blue.example.com._report._dmarc.red.example.net ("" for
// nothing, "!tempfail" for a DNS failure).
DestinationCheck check_blue_to_red(const std::string& consent, std::string_view tag = "rua",
                                   Mode mode = Mode::rfc9989) {
  static const Record rec = *parse_record(
      "v=DMARC1; p=none; rua=mailto:reports@red.example.net; ruf=mailto:f@red.example.net");
  dns::MemoryResolver mem;
  const char* name = "blue.example.com._report._dmarc.red.example.net";
  if (consent == "!tempfail") mem.add_tempfail(name);
  else if (!consent.empty()) mem.add_txt(name, consent);
  PolicyFinder f(mem, {mode});
  return check_report_destination(f, "blue.example.com", tag == "ruf" ? rec.ruf[0] : rec.rua[0], tag);
}

TEST(DmarcReportDestination, ExternalDestinationMustConsent) {
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    SCOPED_TRACE(std::string(to_string(mode)));
    DestinationCheck none = check_blue_to_red("", "rua", mode);
    EXPECT_EQ(none.status, DestinationCheck::Status::unauthorized);
    EXPECT_EQ(none.query, "blue.example.com._report._dmarc.red.example.net");
    EXPECT_EQ(none.dns_status, dns::Status::nxdomain);
    for (const char* tag : {"rua", "ruf"}) {
      DestinationCheck yes = check_blue_to_red("v=DMARC1", tag, mode);
      EXPECT_EQ(yes.tag, tag);
      EXPECT_EQ(yes.status, DestinationCheck::Status::authorized) << yes.reason;
      EXPECT_TRUE(yes.overrides.empty());
    }
  }
  // A wildcard consent (RFC 7489 7.1: "*._report._dmarc.example.com") looks the same to us:
  // the resolver expands it. An override on the same host replaces the URI.
  DestinationCheck over = check_blue_to_red("v=DMARC1; rua=mailto:other@red.example.net");
  EXPECT_EQ(over.status, DestinationCheck::Status::authorized);
  ASSERT_EQ(over.overrides.size(), 1u);
  EXPECT_EQ(over.overrides[0].uri, "mailto:other@red.example.net");
  // An override to another host: "MUST NOT generate a report to either".
  DestinationCheck away = check_blue_to_red("v=DMARC1; rua=mailto:x@green.example.org");
  EXPECT_EQ(away.status, DestinationCheck::Status::unauthorized);
  EXPECT_NE(away.reason.find("another host"), std::string::npos);
  EXPECT_EQ(check_blue_to_red("!tempfail").status, DestinationCheck::Status::temperror);
  // A TXT that is not v=DMARC1 does not consent.
  DestinationCheck other = check_blue_to_red("yes please");
  EXPECT_EQ(other.status, DestinationCheck::Status::unauthorized);
  EXPECT_EQ(other.txt.size(), 1u);
}

TEST(DmarcReportDestination, NameTooLongAndNoHost) {
  dns::MemoryResolver mem;
  PolicyFinder f(mem);
  std::string long_domain;
  for (int i = 0; i < 4; ++i) long_domain += std::string(60, 'a' + i) + ".";
  long_domain += "com";
  auto uri = parse_report_uri("mailto:r@reports.example.net");
  ASSERT_TRUE(uri);
  auto c = check_report_destination(f, long_domain, *uri, "rua");
  EXPECT_EQ(c.status, DestinationCheck::Status::name_too_long);
  EXPECT_EQ(mem.queries() > 0, true);  // the tree walks ran, the _report query did not
  auto urn = parse_report_uri("urn:example:reports");
  ASSERT_TRUE(urn);
  EXPECT_EQ(check_report_destination(f, "example.com", *urn, "rua").status,
            DestinationCheck::Status::no_host);
}

TEST(DmarcMode, NamesParse) {
  EXPECT_EQ(parse_mode("rfc9989"), Mode::rfc9989);
  EXPECT_EQ(parse_mode("7489"), Mode::rfc7489);
  EXPECT_FALSE(parse_mode("dmarcbis"));
  EXPECT_EQ(to_string(Mode::rfc7489), "rfc7489");
}

}  // namespace
}  // namespace dnsauth::dmarc

// check_host() and the two identities, section by section of RFC 7208, on a MemoryResolver.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "core/dns/resolver.h"
#include "core/spf/check_host.h"

namespace dnsauth::spf {
// Readable results and causes in failure messages.
void PrintTo(Result r, std::ostream* os) { *os << to_string(r); }
void PrintTo(Cause c, std::ostream* os) { *os << to_string(c); }
}  // namespace dnsauth::spf

namespace {

using namespace dnsauth::spf;
using dnsauth::dns::IpAddress;
using dnsauth::dns::MemoryResolver;
using dnsauth::dns::RRType;

Request request(const char* ip, const char* sender) {
  Request r;
  r.client_ip = *IpAddress::parse(ip);
  r.sender = sender;
  r.domain = std::string(sender).substr(std::string(sender).rfind('@') + 1);
  r.helo = "mail.example.org";
  return r;
}

Verdict check(MemoryResolver& dns, const char* ip, const char* sender, const Options& o = {}) {
  return check_host(dns, request(ip, sender), o);
}

MemoryResolver hosts() {
  MemoryResolver dns;
  dns.add_a("mail.example.com", "192.0.2.10");
  dns.add_a("mail.example.com", "192.0.2.11");
  dns.add_aaaa("mail.example.com", "2001:db8::10");
  dns.add_mx("example.com", 10, "mail.example.com");
  dns.add_mx("example.com", 20, "backup.example.com");
  dns.add_a("backup.example.com", "198.51.100.20");
  dns.add_ptr("10.2.0.192.in-addr.arpa", "mail.example.com");
  dns.add_ptr("99.2.0.192.in-addr.arpa", "forged.example.com");  // does not validate
  dns.add_a("forged.example.com", "203.0.113.1");
  dns.add_a("exists.example.com", "127.0.0.2");
  return dns;
}

Verdict check_record(const char* record, const char* ip, MemoryResolver dns = hosts()) {
  dns.add_txt("case.example.com", record);
  return check(dns, ip, "user@case.example.com");
}

// RFC 7208 4.6.2 qualifiers and 5.1 "all"; 4.7 default result.
TEST(SpfCheckHost, Section4_6_2QualifiersAnd4_7Default) {
  struct Q {
    const char* record;
    Result result;
    const char* mechanism;
  };
  for (const Q& q : {Q{"v=spf1 all", Result::Pass, "all"}, Q{"v=spf1 +all", Result::Pass, "+all"},
                     Q{"v=spf1 -all", Result::Fail, "-all"}, Q{"v=spf1 ~all", Result::SoftFail, "~all"},
                     Q{"v=spf1 ?all", Result::Neutral, "?all"}, Q{"v=spf1", Result::Neutral, "default"},
                     Q{"v=spf1 ip4:203.0.113.0/24", Result::Neutral, "default"}}) {
    Verdict v = check_record(q.record, "192.0.2.10");
    EXPECT_EQ(v.result, q.result) << q.record;
    EXPECT_EQ(v.mechanism, q.mechanism) << q.record;
  }
}

// RFC 7208 5.3 (a), 5.4 (mx), 5.6 (ip4, ip6), with dual CIDR lengths.
TEST(SpfCheckHost, Section5DesignatedSenderMechanisms) {
  struct M {
    const char* section;
    const char* record;
    const char* ip;
    Result result;
  };
  const M rows[] = {
      {"5.3", "v=spf1 a:mail.example.com -all", "192.0.2.11", Result::Pass},
      {"5.3", "v=spf1 a:mail.example.com -all", "192.0.2.12", Result::Fail},
      {"5.3", "v=spf1 a:mail.example.com/24 -all", "192.0.2.99", Result::Pass},
      {"5.3", "v=spf1 a:mail.example.com -all", "2001:db8::10", Result::Pass},
      {"5.3", "v=spf1 a:mail.example.com//64 -all", "2001:db8::ffff", Result::Pass},
      {"5.3", "v=spf1 a:mail.example.com/24 -all", "2001:db8::ffff", Result::Fail},
      {"5.3", "v=spf1 a:nowhere.example.com -all", "192.0.2.10", Result::Fail},
      {"5.4", "v=spf1 mx:example.com -all", "198.51.100.20", Result::Pass},
      {"5.4", "v=spf1 mx:example.com/16 -all", "198.51.1.1", Result::Pass},
      {"5.4/4", "v=spf1 mx:mail.example.com -all", "192.0.2.10", Result::Fail},  // no implicit MX
      {"5.6", "v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.200", Result::Pass},
      {"5.6", "v=spf1 ip4:192.0.2.0/25 -all", "192.0.2.200", Result::Fail},
      {"5.6", "v=spf1 ip4:0.0.0.0/0 -all", "2001:db8::1", Result::Fail},
      {"5.6", "v=spf1 ip6:2001:db8::/32 -all", "2001:db8:1::1", Result::Pass},
      {"5.6", "v=spf1 ip6:::/0 -all", "192.0.2.1", Result::Fail},
      // 5 "IPv4-mapped IPv6 ... MUST still be considered an IPv4 address"
      {"5", "v=spf1 ip4:192.0.2.0/24 -all", "::ffff:192.0.2.1", Result::Pass},
      {"5", "v=spf1 ip6:::ffff:0:0/96 -all", "::ffff:192.0.2.1", Result::Fail},
      {"5.7", "v=spf1 exists:exists.example.com -all", "2001:db8::99", Result::Pass},
      {"5.7", "v=spf1 exists:missing.example.com -all", "192.0.2.1", Result::Fail},
  };
  for (const auto& row : rows) {
    Verdict v = check_record(row.record, row.ip);
    EXPECT_EQ(v.result, row.result) << "RFC 7208 " << row.section << ": " << row.record << " from "
                                    << row.ip << ": " << to_string(v.result) << " " << v.problem();
  }
}

// RFC 7208 5.5: validated names only; the target or a subdomain of it matches.
TEST(SpfCheckHost, Section5_5Ptr) {
  EXPECT_EQ(check_record("v=spf1 ptr:example.com -all", "192.0.2.10").result, Result::Pass);
  EXPECT_EQ(check_record("v=spf1 ptr:mail.example.com -all", "192.0.2.10").result, Result::Pass);
  EXPECT_EQ(check_record("v=spf1 ptr:ample.com -all", "192.0.2.10").result, Result::Fail);
  EXPECT_EQ(check_record("v=spf1 ptr:example.com -all", "192.0.2.99").result, Result::Fail);
  // A PTR lookup that fails makes the mechanism not match (5.5), not a temperror.
  MemoryResolver dns = hosts();
  dns.add_tempfail("10.2.0.192.in-addr.arpa", RRType::PTR);
  EXPECT_EQ(check_record("v=spf1 ptr:example.com -all", "192.0.2.10", dns).result, Result::Fail);
  // ... and neither does an A lookup failing for one of the names: that name is skipped.
  MemoryResolver dns2 = hosts();
  dns2.add_ptr("10.2.0.192.in-addr.arpa", "broken.example.net");
  dns2.add_tempfail("broken.example.net");
  EXPECT_EQ(check_record("v=spf1 ptr:example.com -all", "192.0.2.10", dns2).result, Result::Pass);
}

// RFC 7208 5.2: the include table, row by row.
TEST(SpfCheckHost, Section5_2IncludeResults) {
  struct Inc {
    const char* included;  // record at inc.example.net, or null for none, "TEMP" for a failure
    Result result;         // of "v=spf1 include:inc.example.net -all"
    Cause cause = Cause::none;
  };
  for (const Inc& row : {Inc{"v=spf1 +all", Result::Pass}, Inc{"v=spf1 -all", Result::Fail},
                         Inc{"v=spf1 ~all", Result::Fail}, Inc{"v=spf1 ?all", Result::Fail},
                         Inc{"TEMP", Result::TempError, Cause::dns_error},
                         Inc{"v=spf1 bogus", Result::PermError, Cause::record_syntax},
                         Inc{nullptr, Result::PermError, Cause::include_no_record}}) {
    MemoryResolver dns = hosts();
    if (row.included == nullptr) dns.add_name("inc.example.net");
    else if (std::string_view(row.included) == "TEMP") dns.add_tempfail("inc.example.net");
    else dns.add_txt("inc.example.net", row.included);
    Verdict v = check_record("v=spf1 include:inc.example.net -all", "192.0.2.1", dns);
    EXPECT_EQ(v.result, row.result) << (row.included ? row.included : "no record") << ": " << v.problem();
    EXPECT_EQ(v.cause, row.cause) << v.problem();
    if (row.result != Result::Fail) {
      EXPECT_EQ(v.mechanism, "include:inc.example.net");
    }
  }
}

// RFC 7208 4.3 initial processing, 4.4 lookup failures, 4.5 record selection.
TEST(SpfCheckHost, Sections4_3To4_5) {
  MemoryResolver dns;
  dns.add_txt("two.example.com", "v=spf1 -all");
  dns.add_txt("two.example.com", "v=spf1 +all");
  dns.add_txt("other.example.com", "google-site-verification=abc");
  dns.add_txt("other.example.com", "v=spf1 -all");
  dns.add_tempfail("temp.example.com");
  dns.add_txt("spf10.example.com", "v=spf10 +all");
  struct S {
    const char* section;
    const char* sender;
    Result result;
    Cause cause;
  };
  for (const S& s : {S{"4.3", "u@nowhere.example.com", Result::None, Cause::domain_not_found},
                     S{"4.3", "u@localhost", Result::None, Cause::invalid_domain},
                     S{"4.3", "u@a..example.com", Result::None, Cause::invalid_domain},
                     S{"4.3", "u@[192.0.2.1]", Result::None, Cause::invalid_domain},
                     S{"4.4", "u@temp.example.com", Result::TempError, Cause::dns_error},
                     S{"4.5", "u@two.example.com", Result::PermError, Cause::several_records},
                     S{"4.5", "u@other.example.com", Result::Fail, Cause::none},
                     S{"4.5", "u@spf10.example.com", Result::None, Cause::no_record}}) {
    Verdict v = check(dns, "192.0.2.1", s.sender);
    EXPECT_EQ(v.result, s.result) << "RFC 7208 " << s.section << ": " << s.sender << ": " << v.problem();
    EXPECT_EQ(v.cause, s.cause) << "RFC 7208 " << s.section << ": " << s.sender << ": " << v.problem();
  }
}

// RFC 7208 4.6: a syntax error anywhere is a permerror naming the record and position.
TEST(SpfCheckHost, Section4_6SyntaxErrorIsPermerror) {
  Verdict v = check_record("v=spf1 +all moo", "192.0.2.1");
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_EQ(v.cause, Cause::record_syntax);
  EXPECT_NE(v.problem().find("case.example.com"), std::string::npos) << v.problem();
  EXPECT_NE(v.problem().find("byte 12"), std::string::npos) << v.problem();
  EXPECT_NE(v.problem().find("'moo'"), std::string::npos) << v.problem();
}

// RFC 7208 4.6.4: ten DNS-querying terms over the whole evaluation, includes included.
TEST(SpfCheckHost, Section4_6_4TermLimit) {
  MemoryResolver dns = hosts();
  dns.add_txt("inc.example.net", "v=spf1 a:mail.example.com a:mail.example.com ?all");
  // 1 (a) + 1 (include) + 2 inside + 6 = 10 terms: allowed.
  dns.add_txt("ten.example.com",
              "v=spf1 a:mail.example.com include:inc.example.net a:mail.example.com "
              "a:mail.example.com a:mail.example.com a:mail.example.com a:mail.example.com "
              "a:backup.example.com -all");
  Verdict ten = check(dns, "203.0.113.9", "u@ten.example.com");
  EXPECT_EQ(ten.result, Result::Fail) << ten.problem();
  EXPECT_EQ(ten.dns_lookups, 10u);
  // An eleventh is a permerror, at the term that exceeded the limit.
  dns.add_txt("eleven.example.com",
              "v=spf1 a:mail.example.com include:inc.example.net a:mail.example.com "
              "a:mail.example.com a:mail.example.com a:mail.example.com a:mail.example.com "
              "a:backup.example.com mx:example.com -all");
  Verdict eleven = check(dns, "203.0.113.9", "u@eleven.example.com");
  EXPECT_EQ(eleven.result, Result::PermError);
  EXPECT_EQ(eleven.dns_lookups, 10u);
  EXPECT_EQ(eleven.cause, Cause::dns_lookup_limit);
  EXPECT_EQ(eleven.mechanism, "mx:example.com");
  // ip4, ip6, all and exp do not count.
  dns.add_txt("free.example.com",
              "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 "
              "ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 "
              "ip6:2001:db8::1 -all exp=explain.example.com");
  Verdict free = check(dns, "203.0.113.9", "u@free.example.com");
  EXPECT_EQ(free.result, Result::Fail);
  EXPECT_EQ(free.dns_lookups, 0u);
  // A custom limit applies as configured.
  Options three;
  three.max_dns_terms = 3;
  EXPECT_EQ(check(dns, "203.0.113.9", "u@ten.example.com", three).result, Result::PermError);
}

// RFC 7208 4.6.4: more than two void lookups is a permerror; exp= lookups do not count.
TEST(SpfCheckHost, Section4_6_4VoidLookups) {
  MemoryResolver dns = hosts();
  dns.add_name("empty.example.com");  // NODATA counts as void as well as NXDOMAIN
  dns.add_txt("two.example.com", "v=spf1 a:gone1.example.com a:empty.example.com -all exp=gone3.example.com");
  Verdict two = check(dns, "192.0.2.1", "u@two.example.com");
  EXPECT_EQ(two.result, Result::Fail) << two.problem();
  EXPECT_EQ(two.void_lookups, 2u);
  dns.add_txt("three.example.com", "v=spf1 a:gone1.example.com mx:gone2.example.com exists:gone3.example.com -all");
  Verdict three = check(dns, "192.0.2.1", "u@three.example.com");
  EXPECT_EQ(three.result, Result::PermError);
  EXPECT_EQ(three.void_lookups, 3u);
  EXPECT_EQ(three.cause, Cause::void_lookup_limit);
  EXPECT_EQ(three.mechanism, "exists:gone3.example.com");
}

// RFC 7208 4.6.4: more than ten MX names is a permerror; PTR names past ten are ignored.
TEST(SpfCheckHost, Section4_6_4MxAndPtrNames) {
  MemoryResolver dns = hosts();
  for (int i = 0; i < 11; ++i) dns.add_mx("many.example.com", static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".example.com");
  dns.add_a("mx10.example.com", "192.0.2.77");
  dns.add_txt("case.example.com", "v=spf1 mx:many.example.com -all");
  Verdict mx = check(dns, "192.0.2.77", "u@case.example.com");
  EXPECT_EQ(mx.result, Result::PermError);
  EXPECT_EQ(mx.cause, Cause::mx_name_limit);
  EXPECT_EQ(mx.mechanism, "mx:many.example.com");

  MemoryResolver ptr = hosts();
  for (int i = 0; i < 11; ++i) {
    std::string name = "h" + std::to_string(i) + ".example.net";
    ptr.add_ptr("7.113.0.203.in-addr.arpa", name);
    ptr.add_a(name, "203.0.113.7");
  }
  ptr.add_txt("case.example.com", "v=spf1 ptr:h10.example.net ptr:h9.example.net -all");
  Verdict p = check(ptr, "203.0.113.7", "u@case.example.com");
  EXPECT_EQ(p.result, Result::Pass);
  EXPECT_EQ(p.mechanism, "ptr:h9.example.net");  // the eleventh name was never validated
}

// RFC 7208 5 and 5.4: a DNS error in a mechanism is a temperror; an MX host lookup failing
// decides only if no other host matches.
TEST(SpfCheckHost, Section5DnsErrors) {
  MemoryResolver dns = hosts();
  dns.add_tempfail("down.example.com");
  EXPECT_EQ(check_record("v=spf1 a:down.example.com -all", "192.0.2.1", dns).result, Result::TempError);
  EXPECT_EQ(check_record("v=spf1 exists:down.example.com -all", "192.0.2.1", dns).result, Result::TempError);
  dns.add_mx("mixed.example.com", 10, "down.example.com");
  dns.add_mx("mixed.example.com", 20, "mail.example.com");
  EXPECT_EQ(check_record("v=spf1 mx:mixed.example.com -all", "192.0.2.10", dns).result, Result::Pass);
  Verdict v = check_record("v=spf1 mx:mixed.example.com -all", "192.0.2.1", dns);
  EXPECT_EQ(v.result, Result::TempError);
  EXPECT_EQ(v.cause, Cause::dns_error);
  EXPECT_NE(v.problem().find("down.example.com"), std::string::npos) << v.problem();  // which host
}

// RFC 7208 6.1: redirect, ignored beside "all", none becomes permerror.
TEST(SpfCheckHost, Section6_1Redirect) {
  MemoryResolver dns = hosts();
  dns.add_txt("_spf.example.com", "v=spf1 a:mail.example.com -all");
  dns.add_txt("r.example.com", "v=spf1 redirect=_spf.example.com");
  Verdict pass = check(dns, "192.0.2.10", "u@r.example.com");
  EXPECT_EQ(pass.result, Result::Pass);
  EXPECT_EQ(pass.mechanism, "a:mail.example.com");
  EXPECT_EQ(pass.dns_lookups, 2u);
  dns.add_txt("r2.example.com", "v=spf1 redirect=_spf.example.com ?all");
  EXPECT_EQ(check(dns, "192.0.2.99", "u@r2.example.com").result, Result::Neutral);
  dns.add_txt("r3.example.com", "v=spf1 redirect=nothing.example.com");
  Verdict none = check(dns, "192.0.2.10", "u@r3.example.com");
  EXPECT_EQ(none.result, Result::PermError);
  EXPECT_EQ(none.cause, Cause::redirect_no_record);
  EXPECT_EQ(none.mechanism, "redirect=nothing.example.com");
  // 6.1: redirect changes <domain>, so a bare "a" is the target's address.
  dns.add_a("_spf2.example.com", "198.51.100.5");
  dns.add_txt("_spf2.example.com", "v=spf1 a -all");
  dns.add_txt("r4.example.com", "v=spf1 redirect=_spf2.example.com");
  EXPECT_EQ(check(dns, "198.51.100.5", "u@r4.example.com").result, Result::Pass);
}

// RFC 7208 6.2: explanations for fail only, from the record that failed.
TEST(SpfCheckHost, Section6_2Explanation) {
  MemoryResolver dns = hosts();
  dns.add_txt("explain.example.com", "%{i} is not one of %{d}'s designated mail servers.");
  dns.add_txt("e.example.com", "v=spf1 -all exp=explain.%{d2}");
  Request r = request("192.0.2.1", "u@e.example.com");
  Verdict v = check_host(dns, r);
  EXPECT_EQ(v.result, Result::Fail);
  EXPECT_EQ(v.explanation, "192.0.2.1 is not one of e.example.com's designated mail servers.");

  // No usable exp=: the default explanation, expanded; none for other results.
  dns.add_txt("twice.example.com", "one");
  dns.add_txt("twice.example.com", "two");
  dns.add_txt("d.example.com", "v=spf1 -all exp=twice.example.com");
  Verdict d = check(dns, "192.0.2.1", "u@d.example.com");
  EXPECT_EQ(d.explanation, "d.example.com does not designate 192.0.2.1 as permitted sender");
  Options quiet;
  quiet.default_explanation.clear();
  EXPECT_EQ(check(dns, "192.0.2.1", "u@d.example.com", quiet).explanation, "");
  dns.add_txt("soft.example.com", "v=spf1 ~all exp=explain.example.com");
  EXPECT_EQ(check(dns, "192.0.2.1", "u@soft.example.com").explanation, "");

  // 7.2: c, r and t are for explanations; t is the time passed in.
  dns.add_txt("t.example.com", "at %{t} %{r} refused %{c}");
  dns.add_txt("time.example.com", "v=spf1 -all exp=t.example.com");
  Request tr = request("2001:db8::1", "u@time.example.com");
  tr.now = 1234567890;
  tr.receiver = "mx.receiver.example";
  EXPECT_EQ(check_host(dns, tr).explanation, "at 1234567890 mx.receiver.example refused 2001:db8::1");

  // 6.2: US-ASCII only, even when a macro brings in the sender's UTF-8 local-part.
  dns.add_txt("who.example.com", "%{l} may not send here");
  dns.add_txt("utf8.example.com", "v=spf1 -all exp=who.example.com");
  EXPECT_EQ(check(dns, "192.0.2.1", "j\xC3\xB6rg@utf8.example.com").explanation, "j??rg may not send here");
}

// RFC 7208 4.3: an empty local-part is postmaster; RFC 7208 2.3/2.4: the identities.
TEST(SpfCheckHost, IdentitiesMailFromAndHelo) {
  MemoryResolver dns = hosts();
  dns.add_txt("example.com", "v=spf1 mx -all exp=explain.example.com");
  dns.add_txt("explain.example.com", "%{s} via %{h}");
  dns.add_txt("mail.example.com", "v=spf1 a -all");
  Session s;
  s.client_ip = *IpAddress::parse("198.51.100.99");
  s.helo = "mail.example.com";

  s.mail_from = "<@example.com>";
  Verdict empty_local = verify_mail_from(dns, s);
  EXPECT_EQ(empty_local.sender, "postmaster@example.com");
  EXPECT_EQ(empty_local.explanation, "postmaster@example.com via mail.example.com");

  s.mail_from = "Alice@Example.COM";
  Verdict v = verify_mail_from(dns, s);
  EXPECT_EQ(v.identity, Identity::mailfrom);
  EXPECT_EQ(v.domain, "Example.COM");
  EXPECT_EQ(v.result, Result::Fail);

  s.mail_from = "<>";  // null reverse-path: postmaster@HELO, identity still mailfrom
  s.client_ip = *IpAddress::parse("192.0.2.10");
  Verdict null = verify_mail_from(dns, s);
  EXPECT_EQ(null.identity, Identity::mailfrom);
  EXPECT_EQ(null.sender, "postmaster@mail.example.com");
  EXPECT_EQ(null.result, Result::Pass);

  Verdict helo = verify_helo(dns, s);
  EXPECT_EQ(helo.identity, Identity::helo);
  EXPECT_EQ(helo.domain, "mail.example.com");
  EXPECT_EQ(helo.result, Result::Pass);

  s.helo = "[192.0.2.10]";
  EXPECT_EQ(verify_helo(dns, s).result, Result::None);
  s.helo.clear();
  Verdict nothing = verify_mail_from(dns, s);
  EXPECT_EQ(nothing.result, Result::None);
  EXPECT_EQ(nothing.cause, Cause::nothing_to_check);
  EXPECT_EQ(verify_helo(dns, s).cause, Cause::nothing_to_check);
}

// RFC 8616 4: "All U-labels MUST be converted to A-labels before being used for an SPF
// validation", in the names looked up and in the macros; the verdict names the A-labels.
TEST(SpfCheckHost, Rfc8616_4ULabelsAreCheckedAsALabels) {
  MemoryResolver dns;
  dns.add_txt("xn--bcher-kva.example", "v=spf1 a:%{h} -all");
  dns.add_a("mx.xn--bcher-kva.example", "192.0.2.1");
  dns.add_txt("mx.xn--bcher-kva.example", "v=spf1 a -all");
  Session s;
  s.client_ip = *IpAddress::parse("192.0.2.1");
  s.mail_from = "j\xC3\xB6rg@b\xC3\xBC" "cher.example";  // jörg@bücher.example
  s.helo = "mx.b\xC3\xBC" "cher.example";
  Verdict v = verify_mail_from(dns, s);
  EXPECT_EQ(v.result, Result::Pass) << v.problem();
  EXPECT_EQ(v.domain, "xn--bcher-kva.example");
  EXPECT_EQ(v.sender, "j\xC3\xB6rg@xn--bcher-kva.example");  // a local-part has no A-label form
  EXPECT_EQ(v.mechanism, "a:%{h}");
  Verdict helo = verify_helo(dns, s);
  EXPECT_EQ(helo.result, Result::Pass) << helo.problem();
  EXPECT_EQ(helo.domain, "mx.xn--bcher-kva.example");
  s.mail_from = "<>";
  EXPECT_EQ(verify_mail_from(dns, s).sender, "postmaster@mx.xn--bcher-kva.example");
  // A name that is not a valid IDN is evaluated as given: 4.3 makes it none.
  s.mail_from = "a@bad\xFF.example";
  Verdict bad = verify_mail_from(dns, s);
  EXPECT_EQ(bad.result, Result::None);
  EXPECT_EQ(bad.cause, Cause::invalid_domain);
  EXPECT_EQ(to_a_labels("Example.COM"), "Example.COM");  // ASCII stays as written
  // Nor is a name whose mapping is no host name (UTS #46 STD3 rules): U+FF0F would have been
  // looked up as "bad/.example", U+037E as "bad;.example".
  for (const char* name : {"bad\xEF\xBC\x8F.example", "bad\xCD\xBE.example", "a.\xC2\xAD.example"}) {
    EXPECT_EQ(to_a_labels(name), name);
    s.mail_from = std::string("a@") + name;
    Verdict refused = verify_mail_from(dns, s);
    EXPECT_EQ(refused.result, Result::None) << name;
    EXPECT_EQ(refused.cause, Cause::invalid_domain) << name;
  }
}

// check_host() asks each name once per evaluation, however often the record repeats it.
TEST(SpfCheckHost, AnswersAreCachedPerEvaluation) {
  MemoryResolver dns = hosts();
  dns.add_txt("case.example.com",
              "v=spf1 a:mail.example.com a:mail.example.com mx:example.com mx:example.com -all");
  Verdict v = check(dns, "203.0.113.1", "u@case.example.com");
  EXPECT_EQ(v.result, Result::Fail);
  EXPECT_EQ(v.dns_lookups, 4u);
  // TXT case, A mail, MX example.com, A backup: four distinct questions.
  EXPECT_EQ(v.dns_queries, 4u);
  EXPECT_EQ(dns.queries(), 4u);
}

// RFC 7208 4.6.4: past the caller's time limit the evaluation stops with temperror.
TEST(SpfCheckHost, Section4_6_4TimeLimit) {
  MemoryResolver dns = hosts();
  dns.add_txt("inc.example.net", "v=spf1 a:mail.example.com ?all");
  dns.add_txt("case.example.com", "v=spf1 include:inc.example.net mx:example.com -all");
  Options limited;
  int asked = 0;
  limited.time_is_up = [&asked] { return ++asked > 3; };  // time runs out at the fourth query
  Verdict v = check(dns, "198.51.100.20", "u@case.example.com", limited);
  EXPECT_EQ(v.result, Result::TempError);
  EXPECT_EQ(v.cause, Cause::time_limit) << v.problem();
  EXPECT_EQ(dns.queries(), 3u);
  // Without the limit the same evaluation passes (mx matches backup.example.com).
  EXPECT_EQ(check(dns, "198.51.100.20", "u@case.example.com").result, Result::Pass);
}

// RFC 7208 4.6.4 bounds the whole evaluation, and macro expansion (7.3) is part of it: the limit
// is asked before each macro a record makes us expand, not only before DNS queries.
TEST(SpfCheckHost, Section4_6_4TimeLimitDuringMacroExpansion) {
  MemoryResolver dns = hosts();
  dns.add_txt("case.example.com", "v=spf1 a:%{l}.example.com -all");
  Options limited;
  int asked = 0;
  limited.time_is_up = [&asked] { return ++asked > 1; };  // the TXT query, then out of time
  Verdict v = check(dns, "192.0.2.10", "mail@case.example.com", limited);
  EXPECT_EQ(v.result, Result::TempError);
  EXPECT_EQ(v.cause, Cause::time_limit) << v.problem();
  EXPECT_NE(v.detail.find("while expanding 'a:%{l}.example.com' in case.example.com"), std::string::npos) << v.detail;
  EXPECT_EQ(dns.queries(), 1u);
  EXPECT_EQ(asked, 2);
  // redirect= targets are expanded under the same limit.
  dns.add_txt("redirect.example.com", "v=spf1 redirect=%{d}.example.net");
  asked = 0;
  v = check(dns, "192.0.2.10", "u@redirect.example.com", limited);
  EXPECT_EQ(v.result, Result::TempError);
  EXPECT_EQ(v.cause, Cause::time_limit) << v.problem();
  EXPECT_EQ(v.mechanism, "redirect=%{d}.example.net");
  // Without the limit the first record passes (mail.example.com is 192.0.2.10).
  EXPECT_EQ(check(dns, "192.0.2.10", "mail@case.example.com").result, Result::Pass);
}

// RFC 7208 7.3 keeps at most the rightmost 253 characters of an expansion: a record that
// repeats a long, many-labelled macro thousands of times costs no more than one of them (it
// took over a minute when the name was cut one label at a time).
TEST(SpfCheckHost, Section7_3HugeExpansionsStayCheap) {
  std::string local;
  for (int i = 0; i < 100; ++i) local += "a.";
  local += "a";  // 201 characters, 100 dots
  std::string record = "v=spf1";
  for (int term = 0; term < 9; ++term) {
    record += " a:";
    for (int i = 0; i < 3000; ++i) record += "%{l}";
    record += ".example.com";
  }
  record += " -all";
  MemoryResolver dns;
  dns.add_txt("case.example.com", record);
  std::string sender = local + "@case.example.com";
  Verdict v = check(dns, "192.0.2.10", sender.c_str());
  // Every a: names the same target (its last 253 characters, cut at a label): the first lookup
  // is void, the second too, and the third is over the limit of two (4.6.4).
  EXPECT_EQ(v.result, Result::PermError);
  EXPECT_EQ(v.cause, Cause::void_lookup_limit) << v.problem();
  EXPECT_EQ(dns.queries(), 2u);  // the TXT record and one A question, cached after
}

TEST(SpfCheckHost, ResultNames) {
  for (Result r : {Result::None, Result::Neutral, Result::Pass, Result::Fail, Result::SoftFail,
                   Result::TempError, Result::PermError})
    EXPECT_EQ(parse_result(to_string(r)), r);
  EXPECT_EQ(to_string(Result::SoftFail), "softfail");
  EXPECT_EQ(parse_result("PermError"), Result::PermError);
  EXPECT_FALSE(parse_result("unknown"));
}

// Random policies over a small web of domains: every evaluation ends in one of the seven
// results within the limits of 4.6.4, whatever loops and errors the records contain.
TEST(SpfCheckHost, RandomPoliciesStayWithinTheLimits) {
  const std::vector<std::string> terms = {
      "a", "mx", "ptr", "all", "-all", "~all", "?all", "include:d0.test", "include:d1.test",
      "include:d2.test", "redirect=d1.test", "redirect=d3.test", "exists:%{ir}.d2.test",
      "a:%{l}.d0.test", "mx:d1.test/24", "ip4:192.0.2.0/24", "ip6:2001:db8::/32", "exp=d2.test",
      "a:gone.test", "exists:%{d}.gone.test", "ptr:d0.test", "a//64", "bogus", "include:down.test"};
  std::mt19937 rng(4408);
  int seen[7] = {};
  for (int round = 0; round < 300; ++round) {
    MemoryResolver dns;
    for (int d = 0; d < 4; ++d) {
      std::string name = "d" + std::to_string(d) + ".test";
      std::string record = "v=spf1";
      for (int k = static_cast<int>(rng() % 6); k > 0; --k) record += " " + terms[rng() % terms.size()];
      dns.add_txt(name, record);
      dns.add_a(name, "192.0.2." + std::to_string(rng() % 4));
      dns.add_aaaa(name, "2001:db8::" + std::to_string(rng() % 4));
      dns.add_mx(name, 10, "d" + std::to_string(rng() % 4) + ".test");
    }
    dns.add_ptr("1.2.0.192.in-addr.arpa", "d0.test");
    dns.add_tempfail("down.test");
    for (const char* ip : {"192.0.2.1", "2001:db8::2", "198.51.100.1"}) {
      Verdict v = check(dns, ip, "user@d0.test");
      ASSERT_LE(static_cast<int>(v.result), static_cast<int>(Result::PermError));
      ++seen[static_cast<int>(v.result)];
      EXPECT_LE(v.dns_lookups, 10u);
      EXPECT_LE(v.void_lookups, 3u);
      // A cause, and words for it, exactly for the results that report a problem.
      bool problem = v.result == Result::TempError || v.result == Result::PermError || v.result == Result::None;
      EXPECT_EQ(v.cause != Cause::none, problem) << to_string(v.result) << ": " << to_string(v.cause);
      EXPECT_EQ(!v.problem().empty(), problem) << v.problem();
    }
  }
  for (Result r : {Result::Neutral, Result::Pass, Result::Fail, Result::PermError, Result::TempError})
    EXPECT_GT(seen[static_cast<int>(r)], 0) << to_string(r) << " never came up: the generator is too narrow";
}

}  // namespace

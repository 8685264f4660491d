// Domain names as text (core/dns/name.h): the syntax every module checks names with (RFC 1035
// 2.3.1 and 2.3.4, RFC 1123 2.1, RFC 5321 4.1.2; '_' for looked-up names, RFC 8552) and the
// "at or below" relation (DKIM i= within d=, RFC 6376 3.5; map targets; zone apexes).
#include <gtest/gtest.h>

#include <string>

#include "core/dns/name.h"

namespace {

using dnsauth::dns::is_at_or_below;
using dnsauth::dns::is_below;
using dnsauth::dns::is_domain_name;
using dnsauth::dns::NameSyntax;

TEST(DnsName, HostSyntaxIsLettersDigitsAndInnerHyphens) {
  for (const char* good : {"example.com", "EXAMPLE.com", "a", "3com.example", "xn--bcher-kva.example",
                           "a-b.c-d.example", "1.2.3.4.in-addr.arpa"})
    EXPECT_TRUE(is_domain_name(good)) << good;
  for (const char* bad : {"", ".", "example..com", ".example.com", "example.com.", "-a.example", "a-.example",
                          "ex ample.com", "ex_ample.com", "_dmarc.example.com", "exämple.com", "a.b-"})
    EXPECT_FALSE(is_domain_name(bad)) << bad;
}

TEST(DnsName, DnsSyntaxAlsoAllowsUnderscores) {
  for (const char* good : {"_spf.example.com", "_dmarc.example.com", "s_1._domainkey.example.com", "example.com"})
    EXPECT_TRUE(is_domain_name(good, NameSyntax::dns)) << good;
  for (const char* bad : {"-_x.example", "a..b", "a b"}) EXPECT_FALSE(is_domain_name(bad, NameSyntax::dns)) << bad;
}

TEST(DnsName, LengthsAreThoseOfRfc1035) {
  const std::string label63(63, 'a'), label64(64, 'a');
  EXPECT_TRUE(is_domain_name(label63 + ".example"));
  EXPECT_FALSE(is_domain_name(label64 + ".example"));
  std::string name;  // 253 characters: four labels of 62 and one of 1, with four dots
  for (int i = 0; i < 4; ++i) name += std::string(62, 'b') + ".";
  name += "c";
  ASSERT_EQ(name.size(), 253u);
  EXPECT_TRUE(is_domain_name(name));
  EXPECT_FALSE(is_domain_name("d" + name));
}

TEST(DnsName, AFinalDotOnlyWhenAskedFor) {
  EXPECT_FALSE(is_domain_name("example.com."));
  EXPECT_TRUE(is_domain_name("example.com.", NameSyntax::host, true));
  EXPECT_FALSE(is_domain_name("example.com..", NameSyntax::host, true));
  EXPECT_FALSE(is_domain_name(".", NameSyntax::host, true));
}

// At or below a domain at a label boundary, and strictly below it (a "*.example.com" entry
// of the signer's map covers only the names below). RFC 4343 2: names compare without ASCII
// case, whichever side carries it; the publisher sorts records into a domain's zone fragment
// by this relation, so "_DMARC.Example.COM" goes into example.com's zone.
TEST(DnsName, AtOrBelowAndBelowFollowLabelBoundariesWithoutCase) {
  struct Case {
    const char* name;
    const char* domain;
    bool at_or_below;
    bool below;
  };
  for (const Case& c : {Case{"example.com", "example.com", true, false},
                        Case{"Example.COM", "example.com", true, false},
                        Case{"Mail.EXAMPLE.com", "example.COM", true, true},
                        Case{"a.b.example.com", "example.com", true, true},
                        Case{"_DMARC.Example.COM", "example.com", true, true},
                        Case{"s1._domainkey.example.com", "EXAMPLE.COM", true, true},
                        Case{"badexample.com", "example.com", false, false},
                        Case{"BadExample.com", "example.com", false, false},
                        Case{"_dmarc.Example.NET", "example.com", false, false},
                        Case{"example.com", "mail.example.com", false, false},
                        Case{"com", "example.com", false, false},
                        Case{"", "example.com", false, false},
                        Case{"example.com", "", true, true},  // the root
                        Case{"", "", true, false}}) {
    EXPECT_EQ(is_at_or_below(c.name, c.domain), c.at_or_below) << c.name << " / " << c.domain;
    EXPECT_EQ(is_below(c.name, c.domain), c.below) << c.name << " / " << c.domain;
  }
}

// RFC 5890 2.3.2.1 with UTS #46 and its STD3 rules: U-labels become A-labels, and what comes
// out is a host name or an error -- never a name with '/', ';' or an empty label that the
// mapping made from a code point that looks harmless.
TEST(DnsName, ToALabelsGivesHostNamesOnly) {
  using dnsauth::dns::to_a_labels;
  EXPECT_EQ(to_a_labels("B\xC3\x9C" "cher.Example").value(), "xn--bcher-kva.example");
  EXPECT_EQ(to_a_labels("Example.COM").value(), "example.com");
  // U+00AD SOFT HYPHEN is mapped to nothing: inside a label that is harmless...
  EXPECT_EQ(to_a_labels("b\xC3\xBC\xC2\xAD" "cher.example").value(), "xn--bcher-kva.example");
  for (const char* bad : {
           "a.\xC2\xAD.example.com",            // ...a label of it alone would be empty
           "\xC2\xAD.example.com",
           "evil.com\xEF\xBC\x8F.example.com",   // U+FF0F FULLWIDTH SOLIDUS, '/' without STD3
           "evil.com\xCD\xBE.example.com",        // U+037E GREEK QUESTION MARK, ';' without STD3
           "b\xC3\xBC" "cher_x.example",         // '_' is no host name character
       }) {
    auto r = to_a_labels(bad);
    EXPECT_FALSE(r) << bad << " -> " << (r ? *r : "");
    if (!r) {
      EXPECT_EQ(r.error().code, dnsauth::Errc::syntax);
      EXPECT_NE(r.error().detail.find(bad), std::string::npos) << r.error().detail;
    }
  }
}

}  // namespace

// RFC 7208 9.1 (Received-SPF), built from verdicts of a real evaluation. (The spf= result of
// Authentication-Results is tested with the other builders, tests/unit/authres_header_test.cpp.)
#include <gtest/gtest.h>

#include "core/authres/results.h"
#include "core/dns/resolver.h"
#include "core/spf/received_spf.h"

namespace {

using namespace dnsauth::spf;
using dnsauth::dns::IpAddress;
using dnsauth::dns::MemoryResolver;

struct Fixture {
  MemoryResolver dns;
  Session session;
  Fixture() {
    dns.add_txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
    dns.add_txt("mx.example.net", "v=spf1 a -all");
    dns.add_a("mx.example.net", "192.0.2.1");
    session.client_ip = *IpAddress::parse("192.0.2.1");
    session.mail_from = "myname@example.com";
    session.helo = "mx.example.net";
    session.receiver = "mybox.example.org";
  }
};

// Unfolds a field (RFC 5322 2.2.3) so tests can look at its content.
std::string unfold(std::string s) {
  for (std::size_t p; (p = s.find("\r\n")) != std::string::npos;) s.erase(p, 2);
  return s;
}

TEST(SpfReceivedSpf, Section9_1PassCarriesKeyValuePairs) {
  Fixture f;
  Verdict v = verify_mail_from(f.dns, f.session);
  ASSERT_EQ(v.result, Result::Pass);
  std::string field = received_spf(v, f.session);
  EXPECT_EQ(unfold(field),
            "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates "
            "192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
            "envelope-from=\"myname@example.com\"; helo=mx.example.net; "
            "receiver=mybox.example.org; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";");
}

// 9.1: the result names of 2.6, one comment per result, and "problem" for errors.
TEST(SpfReceivedSpf, Section9_1EveryResult) {
  Fixture f;
  f.dns.add_txt("soft.example.com", "v=spf1 ~all");
  f.dns.add_txt("neutral.example.com", "v=spf1");
  f.dns.add_txt("broken.example.com", "v=spf1 a:");
  f.dns.add_tempfail("temp.example.com");
  f.dns.add_name("none.example.com");
  struct Case {
    const char* mail_from;
    const char* ip;
    const char* starts;
    const char* contains;
  };
  for (const Case& c :
       {Case{"a@example.com", "198.51.100.1", "Received-SPF: fail (", "does not designate 198.51.100.1"},
        Case{"a@soft.example.com", "192.0.2.1", "Received-SPF: softfail (", "mechanism=~all;"},
        Case{"a@neutral.example.com", "192.0.2.1", "Received-SPF: neutral (", "mechanism=default;"},
        Case{"a@none.example.com", "192.0.2.1", "Received-SPF: none (", "problem=\"no SPF record"},
        Case{"a@temp.example.com", "192.0.2.1", "Received-SPF: temperror (", "problem=\"DNS failure"},
        Case{"a@broken.example.com", "192.0.2.1", "Received-SPF: permerror (",
             "problem=\"invalid SPF record at broken.example.com: syntax error at byte 9"}}) {
    f.session.mail_from = c.mail_from;
    f.session.client_ip = *IpAddress::parse(c.ip);
    std::string field = unfold(received_spf(verify_mail_from(f.dns, f.session), f.session));
    EXPECT_EQ(field.rfind(c.starts, 0), 0u) << field;
    EXPECT_NE(field.find(c.contains), std::string::npos) << field;
  }
}

// 9.1: "MUST make sure that the Received-SPF header field does not contain invalid
// characters, is not excessively long ..., and does not contain malicious data".
TEST(SpfReceivedSpf, Section9_1SanitisedAndFolded) {
  Fixture f;
  f.session.helo = "evil\r\nX-Injected: yes (\"quoted\") and a long tail that must be folded somewhere";
  f.session.mail_from = "a\"b\\c@example.com";
  Verdict v = verify_mail_from(f.dns, f.session);
  std::string field = received_spf(v, f.session);
  // Every line break is a fold followed by a space, and no line passes 78 characters.
  std::size_t start = 0;
  while (true) {
    std::size_t end = field.find("\r\n", start);
    std::string line = field.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(line.size(), 78u) << line;
    if (start > 0) {
      EXPECT_EQ(line.front(), ' ');
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  std::string flat = unfold(field);
  EXPECT_EQ(flat.find('\r'), std::string::npos);
  EXPECT_EQ(flat.find('\n'), std::string::npos);
  EXPECT_NE(flat.find("helo=\"evil??X-Injected: yes (\\\"quoted\\\") and a long tail that must be folded somewhere\";"), std::string::npos) << flat;
  EXPECT_NE(flat.find("envelope-from=\"a\\\"b\\\\c@example.com\";"), std::string::npos) << flat;
  // In the comment, parentheses from the sender are escaped.
  f.session.mail_from = "x(y)@example.com";
  std::string c = unfold(received_spf(verify_mail_from(f.dns, f.session), f.session));
  EXPECT_NE(c.find("domain of x\\(y\\)@example.com"), std::string::npos) << c;
}

TEST(SpfReceivedSpf, HeloIdentityAndNullSender) {
  Fixture f;
  Verdict helo = verify_helo(f.dns, f.session);
  std::string field = unfold(received_spf(helo, f.session));
  EXPECT_NE(field.find("identity=helo;"), std::string::npos) << field;
  EXPECT_EQ(field.find("envelope-from="), std::string::npos) << field;
  EXPECT_NE(field.find("HELO name mx.example.net designates"), std::string::npos) << field;
  f.session.mail_from = "<>";
  std::string null = unfold(received_spf(verify_mail_from(f.dns, f.session), f.session));
  EXPECT_NE(null.find("identity=mailfrom;"), std::string::npos) << null;
  EXPECT_EQ(null.find("envelope-from="), std::string::npos) << null;
}

// RFC 8616 4: SPF checks U-labels as A-labels, and the field names what was checked: the
// HELO name and the MAIL FROM domain as A-labels, nothing replaced by '?'.
TEST(SpfReceivedSpf, InternationalDomainsAreWrittenAsALabels) {
  Fixture f;
  f.dns.add_txt("xn--bcher-kva.example", "v=spf1 ip4:192.0.2.0/24 -all");
  f.session.mail_from = "alice@b\xC3\xBC" "cher.example";  // alice@bücher.example
  f.session.helo = "mx.b\xC3\xBC" "cher.example";
  std::string field = unfold(received_spf(verify_mail_from(f.dns, f.session), f.session));
  EXPECT_EQ(field,
            "Received-SPF: pass (mybox.example.org: domain of alice@xn--bcher-kva.example designates "
            "192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
            "envelope-from=\"alice@xn--bcher-kva.example\"; helo=mx.xn--bcher-kva.example; "
            "receiver=mybox.example.org; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";");
  std::string helo = unfold(received_spf(verify_helo(f.dns, f.session), f.session));
  EXPECT_NE(helo.find("(mybox.example.org: HELO name mx.xn--bcher-kva.example does not designate"),
            std::string::npos) << helo;
  EXPECT_EQ(helo.find('?'), std::string::npos) << helo;
  // The reverse-path's angle brackets stay as given; only its domain is converted.
  f.session.mail_from = "<alice@b\xC3\xBC" "cher.example>";
  std::string bracketed = unfold(received_spf(verify_mail_from(f.dns, f.session), f.session));
  EXPECT_NE(bracketed.find("envelope-from=\"<alice@xn--bcher-kva.example>\";"), std::string::npos) << bracketed;
}

// RFC 5321 4.1.1.2: Reverse-path = Path / "<>"; RFC 7208 2.4: a null one is checked as
// postmaster@<HELO>. The check, the Received-SPF field and the resinfo read the session's
// mail_from by one rule (is_null_reverse_path), so they never disagree about what was checked.
TEST(SpfReceivedSpf, NullReversePathIsReadOneWay) {
  struct Case {
    const char* mail_from;
    bool null;
  };
  for (const Case& c : {Case{"", true}, Case{"<>", true}, Case{" <> ", true}, Case{"\t<>", true},
                        Case{"  ", true}, Case{"<<>>", false}, Case{"<", false}, Case{">", false},
                        Case{"<myname@example.com>", false}, Case{"myname@example.com", false}}) {
    SCOPED_TRACE(std::string("mail_from '") + c.mail_from + "'");
    EXPECT_EQ(is_null_reverse_path(c.mail_from), c.null);
    Fixture f;
    f.session.mail_from = c.mail_from;
    Verdict v = verify_mail_from(f.dns, f.session);
    EXPECT_EQ(v.sender == "postmaster@mx.example.net", c.null) << v.sender;
    std::string field = unfold(received_spf(v, f.session));
    EXPECT_EQ(field.find("envelope-from=") == std::string::npos, c.null) << field;
    EXPECT_EQ(dnsauth::authres::spf_resinfo(v, f.session).find("smtp", "helo") != nullptr, c.null);
  }
}

}  // namespace

// Authentication-Results (RFC 8601): one table of cases drives both directions -- each value
// formats to its text, and the text parses back to the value (2.2). Parse-only cases cover
// what a generator may write but we never do: every example of Appendix B (comments
// everywhere, folding, B.7), the RFC 8601 B.5 seed, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/authres/authres.h"
#include "core/authres/results.h"
#include "core/dns/resolver.h"
#include "core/mail/message.h"
#include "core/spf/check_host.h"
#include "support/test_support.h"

namespace dnsauth::authres {
namespace {

using Props = std::vector<Property>;

ResInfo res(std::string method, std::string result, Props props = {},
            std::optional<std::string> reason = std::nullopt, std::string comment = {},
            std::optional<unsigned> version = std::nullopt) {
  ResInfo r;
  r.method = std::move(method);
  r.result = std::move(result);
  r.properties = std::move(props);
  r.reason = std::move(reason);
  r.comment = std::move(comment);
  r.method_version = version;
  return r;
}

AuthenticationResults ar(std::string id, std::vector<ResInfo> results,
                         std::optional<unsigned> version = std::nullopt) {
  return AuthenticationResults{std::move(id), version, std::move(results)};
}

struct Case {
  const char* section;
  std::string text;  // the field body, as format_value() writes it
  AuthenticationResults value;
};

// Round-trip cases: format(value) == text and parse(text) == value.
const std::vector<Case>& round_trip_cases() {
  static const std::vector<Case> cases = {
      {"RFC 8601 B.2", "example.org 1; none", ar("example.org", {}, 1)},
      {"RFC 8601 B.3", "example.com; spf=pass smtp.mailfrom=example.net",
       ar("example.com", {res("spf", "pass", {{"smtp", "mailfrom", "example.net"}})})},
      {"RFC 8601 B.4 (first field)",
       "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass "
       "smtp.mailfrom=example.net",
       ar("example.com",
          {res("auth", "pass", {{"smtp", "auth", "sender@example.net"}}, std::nullopt, "cram-md5"),
           res("spf", "pass", {{"smtp", "mailfrom", "example.net"}})})},
      {"RFC 8601 B.4 (second field): a policy ptype with an address",
       "example.com; iprev=pass policy.iprev=192.0.2.200",
       ar("example.com", {res("iprev", "pass", {{"policy", "iprev", "192.0.2.200"}})})},
      {"RFC 8601 B.5 (first field)", "example.com; dkim=pass (good signature) header.d=example.com",
       ar("example.com",
          {res("dkim", "pass", {{"header", "d", "example.com"}}, std::nullopt, "good signature")})},
      {"RFC 8601 B.6: reason= as a quoted string, header.i with an empty local-part",
       "example.com; dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; "
       "dkim=fail reason=\"bad signature\" header.i=@newyork.example.com",
       ar("example.com",
          {res("dkim", "pass", {{"header", "i", "@mail-router.example.net"}}, "good signature"),
           res("dkim", "fail", {{"header", "i", "@newyork.example.com"}}, "bad signature")})},
      {"2.2 method-version", "mx.example.org; dkim/1=pass header.d=example.org",
       ar("mx.example.org", {res("dkim", "pass", {{"header", "d", "example.org"}}, std::nullopt, {}, 1)})},
      {"2.2 reason as a token", "mx.example.org; spf=permerror reason=syntax smtp.helo=mx.example.net",
       ar("mx.example.org",
          {res("spf", "permerror", {{"smtp", "helo", "mx.example.net"}}, "syntax")})},
      {"2.2 resinfo without properties", "mx.example.org; dmarc=none",
       ar("mx.example.org", {res("dmarc", "none")})},
      {"RFC 7489 11.2 / RFC 9989 9.1: dmarc with header.from and policy.dmarc",
       "mx.example.org; dmarc=fail (p=reject dis=reject) header.from=example.com "
       "policy.dmarc=reject",
       ar("mx.example.org",
          {res("dmarc", "fail", {{"header", "from", "example.com"}, {"policy", "dmarc", "reject"}},
               std::nullopt, "p=reject dis=reject")})},
      {"RFC 6008: header.b holding base64 is quoted",
       "mx.example.org; dkim=pass (2048-bit key) header.d=example.com header.i=@example.com "
       "header.s=s1 header.a=rsa-sha256 header.b=\"ab/+cd12\"",
       ar("mx.example.org",
          {res("dkim", "pass",
               {{"header", "d", "example.com"},
                {"header", "i", "@example.com"},
                {"header", "s", "s1"},
                {"header", "a", "rsa-sha256"},
                {"header", "b", "ab/+cd12"}},
               std::nullopt, "2048-bit key")})},
      {"2.2 quoted local-part and quoted reason with quotes and backslashes",
       "mx.example.org; spf=fail reason=\"said \\\"no\\\" \\\\ twice\" "
       "smtp.mailfrom=\"john doe@example.com\"",
       ar("mx.example.org",
          {res("spf", "fail", {{"smtp", "mailfrom", "john doe@example.com"}}, "said \"no\" \\ twice")})},
      {"2.5 a quoted authserv-id", "\"mx example\"; auth=pass smtp.auth=alice",
       ar("mx example", {res("auth", "pass", {{"smtp", "auth", "alice"}})})},
      {"comment with parentheses inside is escaped",
       "mx.example.org; dkim=fail (key \\(old\\) revoked) header.d=example.com",
       ar("mx.example.org",
          {res("dkim", "fail", {{"header", "d", "example.com"}}, std::nullopt, "key (old) revoked")})},
      {"an empty pvalue is a quoted empty string", "mx.example.org; spf=none smtp.mailfrom=\"\"",
       ar("mx.example.org", {res("spf", "none", {{"smtp", "mailfrom", ""}})})},
      {"RFC 6532: UTF-8 in a quoted value", "mx.example.org; dmarc=fail reason=\"d\xC3\xA9j\xC3\xA0 vu\"",
       ar("mx.example.org", {res("dmarc", "fail", {}, "d\xC3\xA9j\xC3\xA0 vu")})},
      {"RFC 5322 3.2.4: HTAB is text in a quoted string and a comment",
       "mx.example.org; spf=fail (a\tb) reason=\"c\td\"",
       ar("mx.example.org", {res("spf", "fail", {}, "c\td", "a\tb")})},
      {"2.2 an empty authserv-id is an empty quoted-string (a value, RFC 2045 5.1)", "\"\"; none",
       ar("", {})},
      {"2.2 authres-version and method-version up to the largest unsigned",
       "example.org 4294967295; dkim/4294967295=pass", ar("example.org", {res("dkim", "pass", {}, std::nullopt, {}, 4294967295u)}, 4294967295u)},
  };
  return cases;
}

TEST(AuthresTable, FormatsEveryCase) {
  for (const Case& c : round_trip_cases()) {
    SCOPED_TRACE(c.section);
    EXPECT_EQ(format_value(c.value), c.text);
  }
}

TEST(AuthresTable, ParsesEveryCase) {
  for (const Case& c : round_trip_cases()) {
    SCOPED_TRACE(c.section);
    auto parsed = parse(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, c.value) << format_value(*parsed);
  }
}

// The folded field of format_field reads back the same, with every line within 78 columns.
TEST(AuthresTable, FoldedFieldParsesBack) {
  for (const Case& c : round_trip_cases()) {
    SCOPED_TRACE(c.section);
    std::string field = format_field(c.value);
    ASSERT_EQ(field.substr(0, 24), "Authentication-Results: ");
    ASSERT_EQ(field.substr(field.size() - 2), "\r\n");
    auto hf = mail::HeaderField::from_raw(field);
    ASSERT_TRUE(hf) << hf.error().message();
    auto parsed = parse_field(*hf);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, c.value);
    std::size_t start = 0;
    while (start < field.size()) {
      std::size_t end = field.find("\r\n", start);
      std::string line = field.substr(start, end - start);
      std::size_t width = line.size() + (line.starts_with("\t") ? 7 : 0);
      if (line.find(' ') != std::string::npos || line.find('\t') != std::string::npos) {
        EXPECT_LE(width, 78u) << line;
      }
      start = end + 2;
    }
  }
}

// ---- Parse-only: what others write -----------------------------------------------------------

TEST(AuthresParse, AppendixBAsPrintedWithFolding) {
  const Case cases[] = {
      {"B.4 second field, folded", " example.com; iprev=pass\r\n          policy.iprev=192.0.2.200",
       ar("example.com", {res("iprev", "pass", {{"policy", "iprev", "192.0.2.200"}})})},
      {"B.5 second field, folded",
       " example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.com;\r\n"
       "          spf=fail smtp.mailfrom=example.com",
       ar("example.com",
          {res("auth", "pass", {{"smtp", "auth", "sender@example.com"}}, std::nullopt, "cram-md5"),
           res("spf", "fail", {{"smtp", "mailfrom", "example.com"}})})},
      {"B.6 second field", " example.net;\r\n      dkim=pass (good signature) header.i=@newyork.example.com",
       ar("example.net",
          {res("dkim", "pass", {{"header", "i", "@newyork.example.com"}}, std::nullopt,
               "good signature")})},
      // B.7: "A Very Comment-Heavy but Perfectly Legal Example"
      {"B.7",
       " foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I like it) / 1 (One yay) = (wait "
       "for it) fail\r\n      policy (A dot can go here) . (like that) expired\r\n      (this "
       "surprised me) = (as I wasn't expecting it) 1362471462",
       ar("foo.example.net",
          {res("dkim", "fail", {{"policy", "expired", "1362471462"}}, std::nullopt, {}, 1)}, 1)},
      {"case-insensitive keywords are lowercased", "Example.COM; SPF=Pass SMTP.MailFrom=a@Example.NET",
       ar("Example.COM", {res("spf", "pass", {{"smtp", "mailfrom", "a@Example.NET"}})})},
      {"a final ';' is tolerated", "example.com; spf=pass smtp.mailfrom=example.net;",
       ar("example.com", {res("spf", "pass", {{"smtp", "mailfrom", "example.net"}})})},
      {"unquoted base64 in header.b as generators write it",
       "example.com; dkim=pass header.d=example.com header.b=Ab/+9x=",
       ar("example.com",
          {res("dkim", "pass", {{"header", "d", "example.com"}, {"header", "b", "Ab/+9x="}})})},
      {"nested comments", "example.com (a (b) c); spf=pass (x (y)) smtp.mailfrom=example.net",
       ar("example.com", {res("spf", "pass", {{"smtp", "mailfrom", "example.net"}}, std::nullopt, "x (y)")})},
      {"extension methods and results (RFC 5451's sender-id)",
       "example.com; sender-id=hardfail header.from=example.com; x-foo=bar",
       ar("example.com",
          {res("sender-id", "hardfail", {{"header", "from", "example.com"}}), res("x-foo", "bar")})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.section);
    auto parsed = parse(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, c.value) << format_value(*parsed);
  }
}

// The seed 000: RFC 8601 B.5 as an older translation prints it (two MTAs, two fields), read
// as a message through our own header parser.
TEST(AuthresParse, SeedB5TwoMtas) {
  std::string seed = test::read_file(test::conformance_dir().parent_path() / "seeds" /
                                     "000_6494989009efb0b1.txt");
  // The page indents the example with no-break spaces (U+00A0): back to plain spaces.
  for (std::size_t p; (p = seed.find("\xC2\xA0")) != std::string::npos;) seed.replace(p, 2, " ");
  std::size_t start = seed.find("        Authentication-Results:");
  std::size_t end = seed.find("Hello!  Goodbye!", start);
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  // Strip the 8-column indentation of the printed example to get the message back.
  std::string message;
  std::size_t pos = start;
  while (pos < end) {
    std::size_t nl = seed.find('\n', pos);
    std::string line = seed.substr(pos, nl - pos);
    message += (line.size() >= 8 ? line.substr(8) : std::string()) + "\n";
    pos = nl + 1;
  }
  auto msg = mail::parse_message(test::to_crlf(message));
  ASSERT_TRUE(msg) << msg.error().message();
  auto fields = msg->fields("Authentication-Results");
  ASSERT_EQ(fields.size(), 2u);

  auto first = parse_field(*fields[0]);  // added last, by auth-checker.example.com
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, ar("example.com",
                       {res("sender-id", "hardfail", {{"header", "from", "example.com"}}),
                        res("dkim", "pass", {{"header", "i", "sender@example.com"}}, std::nullopt,
                            "good signature")}));
  auto second = parse_field(*fields[1]);  // by mail-router.example.com
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(*second, ar("example.com",
                        {res("auth", "pass", {{"smtp", "auth", "sender@example.com"}}, std::nullopt,
                             "cram-md5"),
                         res("spf", "hardfail", {{"smtp", "mailfrom", "example.com"}})}));
  ASSERT_EQ(second->find("spf").size(), 1u);
  EXPECT_EQ(second->find("spf")[0]->find("SMTP", "MailFrom")->value, "example.com");
}

// RFC 5322 3.2.2 and 3.2.4: a fold inside a comment or a quoted-string unfolds to its WSP (the
// CRLF is not part of the text); control characters other than HTAB (obs-ctext, obs-qtext and
// obs-qp, RFC 5322 4.1) read as spaces, as the formatter writes them, so what was read formats
// back to a field that reads the same.
TEST(AuthresParse, FoldsAndControlCharactersInText) {
  auto parsed = parse("mx.example.org; dkim=fail (key\r\n\told\x01) reason=\"a\r\n b\\\x02" "c\x7f\"");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->results.size(), 1u);
  EXPECT_EQ(parsed->results[0].comment, "key\told ");
  EXPECT_EQ(parsed->results[0].reason, "a b c ");
  std::string again = format_value(*parsed);
  EXPECT_EQ(again, "mx.example.org; dkim=fail (key\told ) reason=\"a b c \"");
  EXPECT_EQ(*parse(again), *parsed);
}

TEST(AuthresParse, ErrorsCarryTheOffset) {
  struct Bad {
    const char* text;
    std::size_t offset;
    const char* says;
  } cases[] = {
      {"", 0, "authserv-id"},
      {"   ", 3, "authserv-id"},
      {"example.com", 11, "';'"},
      {"example.com spf=pass", 12, "';'"},
      {"example.com;", 12, "method"},
      {"example.com; =pass", 13, "method"},
      {"example.com; spf", 16, "'='"},
      {"example.com; spf=", 17, "result"},
      {"example.com; spf=pass smtp", 26, "'.'"},
      {"example.com; spf=pass smtp.=x", 27, "property"},
      {"example.com; spf=pass smtp.mailfrom", 35, "'='"},
      {"example.com; spf=pass (unterminated", 22, "comment"},
      {"example.com; spf=pass reason=\"open", 29, "quoted"},
      {"example.com; spf=pass reason=", 29, "reason"},
      {"example.com; spf=pass reason=a reason=b", 31, "twice"},
      {"example.com; spf=pass smtp.mailfrom=a reason=b", 38, "before"},
      {"example.com; none; spf=pass", 17, "nothing may follow"},
      {"example.com; spf=pass; none", 23, "cannot follow"},
      {"example.com; dkim/=pass", 18, "method-version"},
      {"example.com; spf=pass @", 22, "unexpected"},
      {"example.com 4294967296; none", 12, "too large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse(c.text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::syntax);
    EXPECT_EQ(r.error().offset, c.offset) << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.says), std::string::npos) << r.error().detail;
  }
  auto other = mail::HeaderField::from_raw("Subject: example.com; none");
  ASSERT_TRUE(other);
  EXPECT_EQ(parse_field(*other).error().code, Errc::invalid_argument);
}

TEST(AuthresParse, ArbitraryBytesNeverCrash) {
  std::string text = "example.com; dkim=pass header.d=";
  // Whatever the bytes, the parser answers (no crash, no hang), an error points inside the
  // input, and whatever it accepts formats to a field that parses back to the same values.
  for (int i = 0; i < 3000; ++i) {
    text += static_cast<char>((i * 131 + 7) % 256);
    for (const std::string& input : {text, text.substr(text.size() / 2)}) {
      auto r = parse(input);
      if (!r) {
        if (r.error().offset != dnsauth::Error::no_offset) {
          EXPECT_LE(r.error().offset, input.size());
        }
        continue;
      }
      auto again = parse(format_value(*r));
      ASSERT_TRUE(again) << format_value(*r);
      EXPECT_EQ(again->authserv_id, r->authserv_id);
      EXPECT_EQ(again->results.size(), r->results.size());
    }
  }
}

// ---- Formatting guards -------------------------------------------------------------------

// Attacker-chosen values (d=, MAIL FROM, reasons) cannot end the field or start another.
TEST(AuthresFormat, ControlCharactersCannotBreakTheField) {
  AuthenticationResults v =
      ar("mx.example.org",
         {res("dkim", "fail", {{"header", "d", "evil.example\r\nX-Injected: yes"}},
              "bad\r\nBcc: victim@example.com", "c\r\nd")});
  std::string field = format_field(v);
  EXPECT_EQ(field.find("\r\nX-Injected"), std::string::npos);
  EXPECT_EQ(field.find("\r\nBcc"), std::string::npos);
  auto parsed = parse(format_value(v));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->results[0].properties[0].value, "evil.example  X-Injected: yes");
  EXPECT_EQ(parsed->results[0].reason, "bad  Bcc: victim@example.com");
  // Keywords keep only keyword characters.
  EXPECT_EQ(format_value(ar("x", {res("sp f;", "pa=ss")})), "x; spf=pass");
}

TEST(AuthresFormat, LongResultsFoldBetweenElements) {
  AuthenticationResults v = ar(
      "mx.example.org",
      {res("dkim", "pass",
           {{"header", "d", "a-rather-long-signing-domain.example.com"},
            {"header", "i", "@a-rather-long-signing-domain.example.com"},
            {"header", "s", "selector2026"},
            {"header", "a", "rsa-sha256"},
            {"header", "b", "AbCdEfGh"}},
           std::nullopt, "2048-bit key")});
  std::string field = format_field(v);
  EXPECT_EQ(field.substr(0, 40), "Authentication-Results: mx.example.org;\r");
  EXPECT_GE(std::count(field.begin(), field.end(), '\n'), 3);
  auto hf = mail::HeaderField::from_raw(field);
  ASSERT_TRUE(hf);
  EXPECT_EQ(*parse_field(*hf), v);
}

// RFC 8601 5: fields claiming our authserv-id are recognised, broken ones included.
TEST(AuthresFormat, ClaimsAuthservId) {
  auto field = [](const char* raw) { return *mail::HeaderField::from_raw(raw); };
  EXPECT_TRUE(claims_authserv_id(field("Authentication-Results: MX.example.org; spf=pass\r\n"),
                                 "mx.example.org"));
  EXPECT_FALSE(claims_authserv_id(field("Authentication-Results: other.example; spf=pass\r\n"),
                                  "mx.example.org"));
  EXPECT_TRUE(claims_authserv_id(field("Authentication-Results: mx.example.org; spf=\r\n"),
                                 "mx.example.org"));
  EXPECT_FALSE(claims_authserv_id(field("Received: mx.example.org; x\r\n"), "mx.example.org"));
}

// ---- Builders for our own verdicts ---------------------------------------------------------

TEST(AuthresResults, DkimResinfo) {
  dkim::SignatureResult s;
  s.status = dkim::Status::fail;
  s.cause = dkim::Cause::body_hash_mismatch;  // reason= renders from the cause
  s.domain = "example.com";
  s.selector = "s1";
  s.identity = "@example.com";
  s.algorithm = "rsa-sha256";
  s.b_prefix = "AbC/+123";
  s.key_bits = 2048;
  EXPECT_EQ(format_resinfo(dkim_resinfo(s)),
            "dkim=fail (2048-bit key) reason=\"body hash did not verify\" header.d=example.com "
            "header.i=@example.com header.s=s1 header.a=rsa-sha256 header.b=\"AbC/+123\"");
  s.status = dkim::Status::pass;
  s.cause = dkim::Cause::none;
  EXPECT_FALSE(dkim_resinfo(s).reason.has_value());
}

TEST(AuthresResults, DmarcResinfo) {
  dmarc::DomainResult d;
  d.status = dmarc::Status::fail;
  d.author_domain = "example.com";
  d.requested = dmarc::Policy::reject;
  d.policy_tag = "p";
  d.applied = dmarc::Policy::quarantine;
  d.testing = true;
  EXPECT_EQ(format_resinfo(dmarc_resinfo(d)),
            "dmarc=fail (p=reject dis=quarantine t=y) header.from=example.com "
            "policy.dmarc=quarantine");
  d.status = dmarc::Status::pass;
  d.applied = dmarc::Policy::none;
  d.testing = false;
  EXPECT_EQ(format_resinfo(dmarc_resinfo(d)), "dmarc=pass (p=reject dis=none) header.from=example.com");

  dmarc::Evaluation e;
  e.status = dmarc::Status::permerror;
  e.cause = dmarc::Cause::no_author_domain;
  e.detail = "no Author Domain: no From field";
  auto list = dmarc_resinfos(e);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(format_resinfo(list[0]), "dmarc=permerror reason=\"no Author Domain: no From field\"");
}

// RFC 8601 2.7.2 / RFC 7208 9.2: "spf=pass smtp.mailfrom=example.net", built from verdicts of
// a real evaluation.
struct SpfFixture {
  dns::MemoryResolver dns;
  spf::Session session;
  SpfFixture() {
    dns.add_txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
    dns.add_txt("mx.example.net", "v=spf1 a -all");
    dns.add_a("mx.example.net", "192.0.2.1");
    session.client_ip = *dns::IpAddress::parse("192.0.2.1");
    session.mail_from = "myname@example.com";
    session.helo = "mx.example.net";
    session.receiver = "mybox.example.org";
  }
  std::string mail_from() { return format_resinfo(spf_resinfo(spf::verify_mail_from(dns, session), session)); }
  std::string helo() { return format_resinfo(spf_resinfo(spf::verify_helo(dns, session), session)); }
};

TEST(AuthresResults, SpfResinfoNamesTheIdentityChecked) {
  SpfFixture f;
  EXPECT_EQ(f.mail_from(), "spf=pass smtp.mailfrom=example.com");
  f.session.client_ip = *dns::IpAddress::parse("198.51.100.1");
  EXPECT_EQ(f.mail_from(), "spf=fail smtp.mailfrom=example.com");
  EXPECT_EQ(f.helo(), "spf=fail smtp.helo=mx.example.net");
  // RFC 7208 2.4: a null reverse-path checks postmaster@<HELO>, so the HELO name is what passed.
  f.session.mail_from = "<>";
  f.session.client_ip = *dns::IpAddress::parse("192.0.2.1");
  EXPECT_EQ(f.mail_from(), "spf=pass smtp.helo=mx.example.net");
}

TEST(AuthresResults, SpfResinfoGivesTheProblemAsReason) {
  SpfFixture f;
  f.dns.add_name("none.example.com");
  f.dns.add_tempfail("temp.example.com");
  f.session.mail_from = "a@none.example.com";
  EXPECT_EQ(f.mail_from(), "spf=none reason=\"no SPF record at none.example.com\" smtp.mailfrom=none.example.com");
  f.session.mail_from = "a@temp.example.com";
  auto temp = spf_resinfo(spf::verify_mail_from(f.dns, f.session), f.session);
  EXPECT_EQ(temp.result, "temperror");
  ASSERT_TRUE(temp.reason);
  EXPECT_EQ(temp.reason->rfind("DNS failure looking up TXT for temp.example.com", 0), 0u) << *temp.reason;
}

TEST(AuthresResults, SpfResinfoWritesInternationalDomainsAsALabels) {
  // RFC 8616 4: SPF checked the A-labels; they are what the property reports, never a lossy
  // rendering of the U-labels the client sent.
  SpfFixture f;
  f.dns.add_txt("xn--bcher-kva.example", "v=spf1 ip4:192.0.2.0/24 -all");
  f.dns.add_txt("mx.xn--bcher-kva.example", "v=spf1 ip4:192.0.2.0/24 -all");
  f.session.mail_from = "j\xC3\xB6rg@b\xC3\xBC" "cher.example";  // jörg@bücher.example
  f.session.helo = "mx.b\xC3\xBC" "cher.example";
  EXPECT_EQ(f.mail_from(), "spf=pass smtp.mailfrom=xn--bcher-kva.example");
  EXPECT_EQ(f.helo(), "spf=pass smtp.helo=mx.xn--bcher-kva.example");
  f.session.mail_from = "";
  EXPECT_EQ(f.mail_from(), "spf=pass smtp.helo=mx.xn--bcher-kva.example");
}

}  // namespace
}  // namespace dnsauth::authres

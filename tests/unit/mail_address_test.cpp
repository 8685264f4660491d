// RFC 5322 3.4 (address specification), 4.4 (obsolete addressing) and RFC 6532 3.2 (UTF-8)
// as core/mail/address.h reads them, with the RFC's own Appendix A examples, and the author
// selection DKIM signing and DMARC build on (RFC 7489 6.6.1).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/mail/address.h"
#include "core/mail/message.h"

namespace dnsauth::mail {
namespace {

using namespace std::string_literals;

struct Expected {
  std::string display_name, local_part, domain;
};

struct ParseCase {
  const char* section;  // where the RFC allows the form
  std::string input;
  std::vector<Expected> mailboxes;
};

void expect_parses(const ParseCase& c) {
  SCOPED_TRACE(std::string(c.section) + ": " + c.input);
  auto list = parse_address_list(c.input);
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), c.mailboxes.size());
  for (std::size_t i = 0; i < c.mailboxes.size(); ++i) {
    EXPECT_EQ((*list)[i].display_name, c.mailboxes[i].display_name) << "mailbox " << i;
    EXPECT_EQ((*list)[i].local_part, c.mailboxes[i].local_part) << "mailbox " << i;
    EXPECT_EQ((*list)[i].domain, c.mailboxes[i].domain) << "mailbox " << i;
  }
}

struct ErrorCase {
  const char* what;
  std::string input;
  std::size_t offset;
};

void expect_error(const ErrorCase& c) {
  SCOPED_TRACE(std::string(c.what) + ": " + c.input);
  auto list = parse_address_list(c.input);
  ASSERT_FALSE(list) << "parsed into " << list->size() << " mailboxes";
  EXPECT_EQ(list.error().code, Errc::syntax);
  EXPECT_EQ(list.error().offset, c.offset) << list.error().message();
  EXPECT_FALSE(list.error().detail.empty());
}

// --- RFC 5322 3.4: mailbox, name-addr, angle-addr, addr-spec -----------------------------

TEST(MailAddress, Rfc5322_3_4_Mailboxes) {
  const ParseCase cases[] = {
      {"3.4.1 addr-spec", "jdoe@example.org", {{"", "jdoe", "example.org"}}},
      {"3.4.1 dot-atom local-part", "john.q.public@example.com",
       {{"", "john.q.public", "example.com"}}},
      {"3.4 angle-addr without display-name", "<boss@nil.test>", {{"", "boss", "nil.test"}}},
      {"3.4 name-addr", "John Doe <jdoe@machine.example>",
       {{"John Doe", "jdoe", "machine.example"}}},
      {"3.4 name-addr, no space before '<'", "Mary Smith<mary@x.test>",
       {{"Mary Smith", "mary", "x.test"}}},
      {"3.2.3 '?' is atext (A.1.2)", "Who? <one@y.test>", {{"Who?", "one", "y.test"}}},
      {"3.2.5 phrase of words, runs of WSP as one", "  John \t  Doe   <jdoe@example.org>  ",
       {{"John Doe", "jdoe", "example.org"}}},
      {"3.2.3 atext specials in local-part", "a!#$%&'*+-/=?^_`{|}~z@example.org",
       {{"", "a!#$%&'*+-/=?^_`{|}~z", "example.org"}}},
      {"3.4.1 domain is case-insensitive", "Jdoe@Example.ORG", {{"", "Jdoe", "example.org"}}},
      {"3.4.1 single-label domain", "root@localhost", {{"", "root", "localhost"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 5322 3.2.4: quoted-strings, with quoted-pairs (3.2.1), in display-names and local-parts.
TEST(MailAddress, Rfc5322_3_2_4_QuotedStrings) {
  const ParseCase cases[] = {
      {"A.1.2 quoted display-name with '.'", "\"Joe Q. Public\" <john.q.public@example.com>",
       {{"Joe Q. Public", "john.q.public", "example.com"}}},
      {"A.1.2 quoted-pairs and specials in display-name",
       "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
       {{"Giant; \"Big\" Box", "sysservices", "example.net"}}},
      {"3.4.1 quoted local-part", "\"john doe\"@example.org", {{"", "john doe", "example.org"}}},
      {"3.2.1 quoted-pair in local-part", "\"a\\\"b\\\\c\"@example.org",
       {{"", "a\"b\\c", "example.org"}}},
      {"3.4.1 quoted local-part equivalent to dot-atom", "\"jdoe\"@example.org",
       {{"", "jdoe", "example.org"}}},
      {"3.4.1 empty quoted local-part", "\"\"@example.org", {{"", "", "example.org"}}},
      {"3.4.1 specials inside quotes", "\"a@b,c<d>\"@example.org",
       {{"", "a@b,c<d>", "example.org"}}},
      {"3.2.5 phrase mixing atoms and quoted-strings", "Joe \"the Q.\" Public <q@example.com>",
       {{"Joe the Q. Public", "q", "example.com"}}},
      {"3.2.4 FWS inside quotes is kept", "\"  spaced  \" <s@example.com>",
       {{"  spaced  ", "s", "example.com"}}},
      {"3.2.4 CRLF of folding inside quotes removed", "\"a\r\n b\" <s@example.com>",
       {{"a b", "s", "example.com"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 5322 3.2.2: comments, nested, with quoted-pairs, and CFWS between any two tokens.
TEST(MailAddress, Rfc5322_3_2_2_CommentsAndCfws) {
  const ParseCase cases[] = {
      {"A.5 From: comments everywhere, quoted-pair ')' inside one",
       "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
       {{"Pete", "pete", "silly.test"}}},
      {"3.2.2 nested comments", "(a (b (c) d) e) x@example.org (f (g))",
       {{"", "x", "example.org"}}},
      {"3.2.2 comment between display-name words becomes one space",
       "John(middle)Doe <j@example.org>", {{"John Doe", "j", "example.org"}}},
      {"3.2.2 comment as the only display text", "(John Doe) <jdoe@example.org>",
       {{"", "jdoe", "example.org"}}},
      {"3.2.2 CFWS inside angle brackets", "< (c) jdoe (c) @ (c) example.org (c) >",
       {{"", "jdoe", "example.org"}}},
      {"3.2.2 folding CRLF WSP in a value that was not unfolded",
       "John\r\n Doe\r\n\t<jdoe@example.org>", {{"John Doe", "jdoe", "example.org"}}},
      {"3.2.2 CRLF WSP inside a comment", "x@example.org (a\r\n b)", {{"", "x", "example.org"}}},
      {"3.2.2 comment with 8-bit text (RFC 6532 ctext)", "x@example.org (caf\xC3\xA9)",
       {{"", "x", "example.org"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 5322 3.4.1 domain-literal: an address literal, kept as written.
TEST(MailAddress, Rfc5322_3_4_1_DomainLiterals) {
  const ParseCase cases[] = {
      {"IPv4 literal", "postmaster@[192.0.2.1]", {{"", "postmaster", "[192.0.2.1]"}}},
      {"IPv6 literal, case kept", "<x@[IPv6:2001:DB8::1]>", {{"", "x", "[IPv6:2001:DB8::1]"}}},
      {"CFWS around the literal", "x@ (c) [192.0.2.1] (c)", {{"", "x", "[192.0.2.1]"}}},
      {"4.4 obs-dtext quoted-pair", "x@[a\\]b]", {{"", "x", "[a\\]b]"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 5322 3.4: several addresses, and groups whose members are the group's mailboxes.
TEST(MailAddress, Rfc5322_3_4_AddressListsAndGroups) {
  const ParseCase cases[] = {
      {"A.1.2 To: several forms", "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
       {{"Mary Smith", "mary", "x.test"}, {"", "jdoe", "example.org"}, {"Who?", "one", "y.test"}}},
      {"A.1.2 Cc: quoted display-name holding ';'",
       "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
       {{"", "boss", "nil.test"}, {"Giant; \"Big\" Box", "sysservices", "example.net"}}},
      {"A.1.3 To: a group",
       "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
       {{"Ed Jones", "c", "a.test"}, {"", "joe", "where.test"}, {"John", "jdoe", "one.test"}}},
      {"A.1.3 Cc: an empty group", "Undisclosed recipients:;", {}},
      {"A.5 To: a group with comments and FWS",
       "A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org, "
       "John <jdoe@one.test> (my dear friend); (the end of the group)",
       {{"Chris Jones", "c", "public.example"},
        {"", "joe", "example.org"},
        {"John", "jdoe", "one.test"}}},
      {"A.5 Cc: an empty group with nested comments",
       "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", {}},
      {"3.4 group beside mailboxes", "a@x.test, G: b@y.test;, c@z.test",
       {{"", "a", "x.test"}, {"", "b", "y.test"}, {"", "c", "z.test"}}},
      {"3.4 group-list of CFWS only", "G: (nobody) ;", {}},
      {"3.4 two groups", "G1: a@x.test;, G2: b@y.test;",
       {{"", "a", "x.test"}, {"", "b", "y.test"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 5322 4.4: obsolete addressing a receiver must accept.
TEST(MailAddress, Rfc5322_4_4_ObsoleteAddressing) {
  const ParseCase cases[] = {
      {"A.6.1 obs-phrase: unquoted '.' in display-name",
       "Joe Q. Public <john.q.public@example.com>",
       {{"Joe Q. Public", "john.q.public", "example.com"}}},
      {"A.6.1 obs-route", "Mary Smith <@node.test:mary@example.net>",
       {{"Mary Smith", "mary", "example.net"}}},
      {"4.4 obs-route with several domains and empty elements",
       "<,@a.test, ,@b.test,:x@example.net>", {{"", "x", "example.net"}}},
      {"4.4 obs-route with CFWS", "< @ a.test (c) , @b.test : x@example.net >",
       {{"", "x", "example.net"}}},
      {"A.6.1 obs-addr-list empty elements and obs-local-part with spaces",
       "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
       {{"Mary Smith", "mary", "example.net"}, {"", "jdoe", "test.example"}}},
      {"4.4 obs-local-part: CFWS around dots", "john . q (c) . public@example.com",
       {{"", "john.q.public", "example.com"}}},
      {"4.4 obs-local-part: quoted and atom words mixed", "\"john q\".public@example.com",
       {{"", "john q.public", "example.com"}}},
      {"A.6.3 obs-domain: CFWS around dots", "John Doe <jdoe@machine(comment).  example>",
       {{"John Doe", "jdoe", "machine.example"}}},
      {"A.6.3 CFWS around '@'", "<1234   @   local(blah)  .machine .example>",
       {{"", "1234", "local.machine.example"}}},
      {"4.4 obs-addr-list leading and trailing commas", " , ,a@x.test, ,", {{"", "a", "x.test"}}},
      {"4.4 obs-group-list", "G: , ,;", {}},
      {"4.4 obs-mbox-list in a group", "G: ,a@x.test,,b@y.test,;",
       {{"", "a", "x.test"}, {"", "b", "y.test"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// RFC 6532 3.2: UTF-8 in atext, qtext and dtext; RFC 5890 2.3.2.1: a U-label domain is
// compared as its A-label.
TEST(MailAddress, Rfc6532_Utf8AndIdn) {
  const ParseCase cases[] = {
      {"U-label domain to A-label", "user@b\xC3\xBC" "cher.example",
       {{"", "user", "xn--bcher-kva.example"}}},
      {"uppercase U-label mapped (UTS #46)", "user@B\xC3\x9C" "CHER.Example",
       {{"", "user", "xn--bcher-kva.example"}}},
      {"A-label kept, lowercased", "user@XN--BCHER-KVA.example",
       {{"", "user", "xn--bcher-kva.example"}}},
      {"nontransitional: sharp s kept", "user@fa\xC3\x9F.example",
       {{"", "user", "xn--fa-hia.example"}}},
      {"UTF-8 local-part kept as written", "J\xC3\xB6rg@example.org",
       {{"", "J\xC3\xB6rg", "example.org"}}},
      {"UTF-8 display-name and both parts",
       "\xE7\x94\xB0\xE4\xB8\xAD <\xE7\x94\xB0\xE4\xB8\xAD@\xE4\xBE\x8B\xE3\x81\x88.jp>",
       {{"\xE7\x94\xB0\xE4\xB8\xAD", "\xE7\x94\xB0\xE4\xB8\xAD", "xn--r8jz45g.jp"}}},
      {"UTF-8 in quoted display-name", "\"M\xC3\xBCller, J.\" <j@example.de>",
       {{"M\xC3\xBCller, J.", "j", "example.de"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

TEST(MailAddress, Rfc6532_InvalidIdnIsASyntaxErrorNamingTheDomain) {
  const std::string inputs[] = {
      "user@\xFF\xFE.example",          // not UTF-8
      "user@a\xE2\x80\x8D" "b.example",  // ZWJ outside CONTEXTJ context (RFC 5892)
      // UTS #46 maps these to what no host name holds: refused (STD3 rules), not read as
      // "a..example.com", "a/b.example.com" or "a;b.example.com"
      "user@a.\xC2\xAD.example.com",       // U+00AD SOFT HYPHEN: an empty label
      "user@a\xEF\xBC\x8F" "b.example.com",  // U+FF0F FULLWIDTH SOLIDUS
      "user@a\xCD\xBE" "b.example.com",     // U+037E GREEK QUESTION MARK
  };
  for (const auto& in : inputs) {
    auto list = parse_address_list(in);
    ASSERT_FALSE(list) << in;
    EXPECT_EQ(list.error().code, Errc::syntax) << in;
    EXPECT_EQ(list.error().offset, 5u) << in;  // where the domain starts
    EXPECT_NE(list.error().detail.find(in.substr(5)), std::string::npos) << list.error().detail;
  }
}

// RFC 5322 3.4.1: quoted and unquoted forms are equivalent; a local part that is not a
// dot-atom has to be quoted to be written again.
TEST(MailAddress, Rfc5322_3_4_1_AddressReQuotesOnlyWhenNeeded) {
  struct Case {
    std::string input, address;
  };
  const Case cases[] = {
      {"John <JDoe@Example.ORG>", "JDoe@example.org"},
      {"\"jdoe\"@example.org", "jdoe@example.org"},
      {"john . q@example.org", "john.q@example.org"},
      {"\"john doe\"@example.org", "\"john doe\"@example.org"},
      {"\"a\\\"b\\\\c\"@example.org", "\"a\\\"b\\\\c\"@example.org"},
      {"\"a..b\"@example.org", "\"a..b\"@example.org"},
      // RFC 5322 4.1 obs-qp: NUL and CR only as quoted-pairs, so written back as such
      {"\"a\\\0b\\\rc\"@example.org"s, "\"a\\\0b\\\rc\"@example.org"s},
      {"\".a\"@example.org", "\".a\"@example.org"},
      {"\"\"@example.org", "\"\"@example.org"},
      {"user@b\xC3\xBC" "cher.example", "user@xn--bcher-kva.example"},
      {"x@[192.0.2.1]", "x@[192.0.2.1]"},
  };
  for (const auto& c : cases) {
    auto list = parse_address_list(c.input);
    ASSERT_TRUE(list) << c.input << ": " << list.error().message();
    ASSERT_EQ(list->size(), 1u) << c.input;
    EXPECT_EQ(list->front().address(), c.address) << c.input;
    // What address() writes parses back to the same mailbox.
    auto again = parse_address_list(list->front().address());
    ASSERT_TRUE(again) << list->front().address();
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ(again->front().local_part, list->front().local_part) << c.input;
    EXPECT_EQ(again->front().domain, list->front().domain) << c.input;
  }
}

// --- malformed input: Errc::syntax at the byte where the grammar breaks -------------------

TEST(MailAddress, MalformedInputGivesSyntaxErrorWithOffset) {
  const ErrorCase cases[] = {
      {"empty", "", 0},
      {"only CFWS", "  (comment) ", 12},
      {"only commas (4.4 obs-addr-list needs one address)", " , ,", 4},
      {"unterminated quoted-string, at its opening quote", "a@x.test, \"John <j@example.org>", 10},
      {"unterminated quoted local-part", "\"jdoe@example.org", 0},
      {"quoted-pair at end of input", "\"jdoe\\", 0},
      {"unterminated comment, at its opening paren", "j@example.org (the (end)", 14},
      {"unterminated angle-addr, at '<'", "John <j@example.org", 5},
      {"angle-addr closed by something else", "John <j@example.org;", 19},
      {"empty angle-addr", "John <>", 6},
      {"missing '@'", "jdoe", 4},
      {"missing '@' in angle-addr", "John <jdoe>", 10},
      {"missing '@' after display-name words", "John Doe", 8},
      {"missing local-part", "@example.org", 0},
      {"missing domain", "jdoe@", 5},
      {"missing domain before '>'", "<jdoe@>", 6},
      {"empty domain label", "jdoe@example..org", 13},
      {"trailing dot in domain", "jdoe@example.org.", 17},
      {"leading dot in domain", "jdoe@.example.org", 5},
      {"3.4.1: words without dots are not a local-part", "John Doe@example.org", 0},
      {"3.4.1: leading dot in local-part", ".jdoe@example.org", 0},
      {"3.4.1: double dot in local-part", "j..doe@example.org", 0},
      {"3.4.1: trailing dot in local-part", "<jdoe.@example.org>", 1},
      {"address followed by junk", "a@example.org b@example.org", 14},
      {"two mailboxes without a comma", "<a@example.org> <b@example.org>", 16},
      {"two groups without a comma", "G1: a@x.test; G2: b@y.test;", 14},
      {"';' outside a group", "a@example.org;", 13},
      {"unterminated group, at its ':'", "G: a@example.org", 1},
      {"unterminated group after ','", "G: a@example.org,", 1},
      {"group in a group", "G: H: a@example.org;;", 4},
      {"group without display-name", ": a@example.org;", 0},
      {"junk in a group", "G: a@example.org b@example.org;", 17},
      {"unterminated domain-literal", "x@[192.0.2.1", 2},
      {"'[' inside domain-literal", "x@[1[2]", 4},
      {"obs-route without ':'", "<@a.test x@example.org>", 9},
      {"obs-route of only commas", "<,,:x@example.org>", 3},
      {"bare CR", "a@example.org\r b@example.org", 13},
      {"bare LF", "John\nDoe <j@example.org>", 4},
      {"NUL in quoted-string", std::string("\"a\0b\"@x.test", 11), 2},
      {"NUL in comment", std::string("x@x.test (a\0)", 13), 11},
      {"unexpected special", "John [Doe] <j@example.org>", 5},
      {"'>' without '<'", "j@example.org>", 13},
  };
  for (const auto& c : cases) expect_error(c);
}

// --- author_from: RFC 5322 3.6.2 From, RFC 7489 6.6.1 one author domain -------------------

struct AuthorCase {
  const char* section;
  std::string headers;
  FromCount count;
  std::vector<std::string> addresses;  // Mailbox::address() of every mailbox, in order
  std::string reason;                  // a part of the reason; the reason is empty for `one`
};

TEST(MailAuthorFrom, CountsAuthorsAcrossEveryFromField) {
  const AuthorCase cases[] = {
      {"3.6.2 one From, one mailbox", "From: John Doe <JDoe@Machine.Example>\r\nTo: m@x.test\r\n",
       FromCount::one, {"JDoe@machine.example"}, ""},
      {"A.5 folded From with comments, unfolded first",
       "From: Pete(A nice \\) chap)\r\n <pete(his account)@silly.test(his host)>\r\n",
       FromCount::one, {"pete@silly.test"}, ""},
      {"A.6.3 obs-from: WSP before the colon",
       "From  : John Doe <jdoe@machine(comment).  example>\r\n", FromCount::one,
       {"jdoe@machine.example"}, ""},
      {"RFC 6532: IDN author domain as its A-label",
       "From: J\xC3\xB6rg <j@b\xC3\xBC" "cher.example>\r\n", FromCount::one,
       {"j@xn--bcher-kva.example"}, ""},
      {"3.6: From is required", "To: m@example.net\r\n", FromCount::none, {}, "no From field"},
      {"RFC 6854: an empty group names no author", "From: Undisclosed recipients:;\r\n",
       FromCount::none, {}, "no mailbox"},
      {"3.6.2 several authors in one From (RFC 7489 6.6.1: no single author domain)",
       "From: a@one.example, B <b@two.example>\r\n", FromCount::several,
       {"a@one.example", "b@two.example"}, "From field holds 2 mailboxes"},
      {"RFC 6854: a group of authors", "From: Team: a@one.example, b@one.example;\r\n",
       FromCount::several, {"a@one.example", "b@one.example"}, "2 mailboxes"},
      {"3.6: a second From field (a classic DMARC bypass)",
       "From: a@good.example\r\nSubject: x\r\nfrom: a@evil.example\r\n", FromCount::several,
       {"a@good.example", "a@evil.example"}, "2 From fields"},
      {"3.6: a second From field that does not parse is still a second one",
       "From: a@good.example\r\nFrom: <oops\r\n", FromCount::several, {"a@good.example"},
       "2 From fields"},
      {"3.4: a From that is not an address-list, with the parse error's offset",
       "From: John <jdoe@example.org\r\n", FromCount::malformed, {}, "From field: syntax error at byte 5"},
      {"3.6.2: From needs at least one mailbox", "From:\r\n", FromCount::malformed, {},
       "From field"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.section) + ": " + c.headers);
    auto m = parse_message(c.headers + "\r\nbody\r\n");
    ASSERT_TRUE(m) << m.error().message();
    AuthorDomain a = author_from(*m);
    EXPECT_EQ(a.count, c.count);
    std::vector<std::string> addresses;
    for (const auto& mb : a.mailboxes) addresses.push_back(mb.address());
    EXPECT_EQ(addresses, c.addresses);
    EXPECT_NE(a.reason.find(c.reason), std::string::npos) << a.reason;
    EXPECT_EQ(a.reason.empty(), c.count == FromCount::one) << a.reason;
  }
}

// --- robustness: no input may crash the parser or take it off the end of the buffer ---------

// Every prefix of every valid example either parses or fails with an offset inside the input.
TEST(MailAddressRobustness, EveryTruncationOfTheExamplesFailsCleanly) {
  const std::string examples[] = {
      "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
      "A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org, "
      "John <jdoe@one.test> (my dear friend); (the end of the group)",
      "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
      "\"Giant; \\\"Big\\\" Box\" <sysservices@[192.0.2.1]>, user@b\xC3\xBC" "cher.example",
  };
  for (const auto& ex : examples) {
    for (std::size_t n = 0; n <= ex.size(); ++n) {
      std::string prefix = ex.substr(0, n);
      auto list = parse_address_list(prefix);
      if (!list) {
        EXPECT_EQ(list.error().code, Errc::syntax) << prefix;
        EXPECT_LE(list.error().offset, prefix.size()) << prefix;
      }
    }
    EXPECT_TRUE(parse_address_list(ex)) << ex;
  }
}

// Random bytes drawn mostly from the grammar's own delimiters, so that deep nesting, stray
// quotes and half-closed constructs come up often. Fixed seed: a failure can be replayed.
TEST(MailAddressRobustness, RandomInputNeverCrashes) {
  std::mt19937 rng(5322);
  const std::string alphabet = "()<>@,;:\\\".[] \t\r\nabcxyz-\xC3\xBC\xFF";
  std::size_t parsed = 0, failed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string input(rng() % 64, '\0');
    for (char& c : input) {
      c = (rng() % 8 == 0) ? static_cast<char>(rng() % 256)
                           : alphabet[rng() % alphabet.size()];
    }
    auto list = parse_address_list(input);
    if (list) {
      ++parsed;
      for (const auto& m : *list) EXPECT_FALSE(m.domain.empty()) << input;
    } else {
      ++failed;
      EXPECT_EQ(list.error().code, Errc::syntax);
      EXPECT_LE(list.error().offset, input.size()) << input;
    }
  }
  EXPECT_GT(failed, 0u);
  EXPECT_EQ(parsed + failed, 20000u);
}

// Comments nest without recursion, so depth is bounded only by the input's length.
TEST(MailAddressRobustness, DeeplyNestedCommentsDoNotExhaustTheStack) {
  const std::size_t depth = 1'000'000;
  std::string input = "x@example.org " + std::string(depth, '(') + std::string(depth, ')');
  auto list = parse_address_list(input);
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(list->size(), 1u);

  auto open = parse_address_list("x@example.org " + std::string(depth, '('));
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().offset, 14u);
}

TEST(MailAddressRobustness, ManyAddressesParse) {
  std::string input;
  for (int i = 0; i < 10000; ++i) input += "u" + std::to_string(i) + "@example.org, ";
  auto list = parse_address_list(input);
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), 10000u);
  EXPECT_EQ(list->back().local_part, "u9999");
}

}  // namespace
}  // namespace dnsauth::mail

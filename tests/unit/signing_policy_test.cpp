// The signer's policy: who may sign as whom, for every auth mode, and every reason
// a message is left unsigned or refused.
#include <gtest/gtest.h>

#include "core/config/config.h"
#include "core/mail/address.h"
#include "core/signing/policy.h"

namespace dnsauth::signing {
namespace {

Config parse(const std::string& toml) {
  auto c = parse_config(toml, "test.toml", "/tmp");
  if (!c) throw std::runtime_error(c.error().message());
  return *c;
}

// A message with these From fields (values as written after "From:").
mail::AuthorDomain author(std::vector<std::string> froms) {
  mail::Message m;
  for (const auto& f : froms) m.headers.push_back(*mail::HeaderField::from_parts("From", " " + f));
  return mail::author_from(m);
}

const char* kSelector = "  [[domain.selector]]\n  name = \"s1\"\n";

Config with_domain(const std::string& body, const std::string& signer = "") {
  return parse("[signer]\n" + signer + "\n[[domain]]\n" + body + kSelector);
}

struct Case {
  std::string login;
  std::string from;
  Action action;
  Reason reason;
};

// Every case decided as expected; otherwise each one that was not, with its detail.
::testing::AssertionResult check(const Config& cfg, const std::vector<Case>& cases) {
  std::string wrong;
  for (const auto& c : cases) {
    Decision d = decide(cfg, c.login, author({c.from}));
    if (d.action != c.action || d.reason != c.reason)
      wrong += "\n  " + c.login + " as " + c.from + ": got " + std::string(to_string(d.action)) + "/" +
               std::string(to_string(d.reason)) + " (" + d.detail + "), expected " + std::string(to_string(c.action)) +
               "/" + std::string(to_string(c.reason));
  }
  if (wrong.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "decisions that differ:" << wrong;
}

TEST(SignerPolicy, AddressModeNeedsTheLoginToBeTheFromAddress) {
  auto cfg = with_domain("name = \"example.com\"\nauth = \"address\"\n");
  EXPECT_TRUE(check(cfg, {
                 {"alice@example.com", "alice@example.com", Action::sign, Reason::allowed},
                 {"alice@example.com", "Alice <alice@example.com>", Action::sign, Reason::allowed},
                 // The domain compares case-insensitively, the local part exactly.
                 {"alice@EXAMPLE.com", "alice@example.COM", Action::sign, Reason::allowed},
                 {"Alice@example.com", "alice@example.com", Action::skip, Reason::not_allowed},
                 {"bob@example.com", "alice@example.com", Action::skip, Reason::not_allowed},
                 {"alice", "alice@example.com", Action::skip, Reason::not_allowed},
                 {"alice@example.net", "alice@example.com", Action::skip, Reason::not_allowed},
             }));
}

TEST(SignerPolicy, DomainModeNeedsTheLoginsDomainToBeTheFromDomain) {
  auto cfg = with_domain("name = \"example.com\"\nauth = \"domain\"\n");
  EXPECT_TRUE(check(cfg, {
                 {"bob@example.com", "alice@example.com", Action::sign, Reason::allowed},
                 {"bob@Example.Com", "info@example.com", Action::sign, Reason::allowed},
                 {"bob@example.net", "alice@example.com", Action::skip, Reason::not_allowed},
                 {"bob@sub.example.com", "alice@example.com", Action::skip, Reason::not_allowed},
                 {"bob", "alice@example.com", Action::skip, Reason::not_allowed},
             }));
}

TEST(SignerPolicy, MapModeAllowsListedAddressesDomainsAndSubdomains) {
  auto cfg = with_domain(
      "name = \"example.com\"\nauth = \"map\"\n"
      "allow = { \"alice@example.net\" = [\"alice@example.com\", \"info@example.com\"],"
      " \"admin@example.net\" = [\"*.example.com\", \"example.com\"],"
      " \"*@staff.example.net\" = [\"news@example.com\"],"
      " \"*@*.partners.example\" = [\"*@partners.example.com\"],"
      " \"*\" = [\"noreply@example.com\"] }\n");
  EXPECT_TRUE(check(cfg, {
                 {"alice@example.net", "alice@example.com", Action::sign, Reason::allowed},
                 {"alice@example.net", "info@example.com", Action::sign, Reason::allowed},
                 {"alice@EXAMPLE.NET", "info@example.com", Action::sign, Reason::allowed},
                 {"alice@example.net", "bob@example.com", Action::skip, Reason::not_allowed},
                 {"admin@example.net", "anyone@example.com", Action::sign, Reason::allowed},
                 // "*.example.com": any address at a subdomain, signed with d=example.com.
                 {"admin@example.net", "ops@mail.example.com", Action::sign, Reason::allowed},
                 {"alice@example.net", "alice@mail.example.com", Action::skip, Reason::not_allowed},
                 {"carol@staff.example.net", "news@example.com", Action::sign, Reason::allowed},
                 {"carol@example.net", "news@example.com", Action::skip, Reason::not_allowed},
                 {"dave@eu.partners.example", "dave@partners.example.com", Action::sign, Reason::allowed},
                 {"dave@partners.example", "dave@partners.example.com", Action::skip, Reason::not_allowed},
                 // "*" matches every login, including one without a domain.
                 {"mallory", "noreply@example.com", Action::sign, Reason::allowed},
                 {"mallory", "info@example.com", Action::skip, Reason::not_allowed},
             }));
  Decision d = decide(cfg, "admin@example.net", author({"ops@mail.example.com"}));
  EXPECT_EQ(d.signing_domain, "example.com");
  EXPECT_EQ(d.from_domain, "mail.example.com");
}

// A login with '@' is compared as one addr-spec (RFC 5322 3.4.1) or not at all: a list, a
// name-addr or a group is not read from its last '@', so "bob@evil.example, x@example.com"
// cannot sign as example.com, under any auth mode, nor match the "*" key.
TEST(SignerPolicy, ALoginThatIsNotOneAddressMatchesNothing) {
  auto domain = with_domain("name = \"example.com\"\nauth = \"domain\"\n");
  auto address = with_domain("name = \"example.com\"\nauth = \"address\"\n");
  auto map = with_domain("name = \"example.com\"\nauth = \"map\"\nallow = { \"*\" = [\"example.com\"] }\n");
  for (const char* login : {"bob@evil.example, alice@example.com", "alice@example.com, alice@example.com",
                            "Alice <alice@example.com>", "<alice@example.com>", "g: alice@example.com;",
                            "alice@example.com@example.com", "alice@", "@example.com", "alice@example..com"}) {
    for (const Config* cfg : {&domain, &address, &map}) {
      EXPECT_TRUE(check(*cfg, {{login, "alice@example.com", Action::skip, Reason::not_allowed}})) << login;
    }
    EXPECT_TRUE(parse_login(login).malformed) << login;
  }
  // One addr-spec is read as From is, quoted local parts (with their commas) included; a login
  // without '@' is still a plain user name for the "*" key.
  EXPECT_TRUE(check(address, {{"\"a,b\"@Example.com", "\"a,b\"@example.com", Action::sign, Reason::allowed},
                              {" alice@example.com ", "alice@example.com", Action::sign, Reason::allowed}}));
  EXPECT_TRUE(check(map, {{"mallory", "alice@example.com", Action::sign, Reason::allowed}}));
  EXPECT_FALSE(parse_login("mallory").malformed);
  Login bob = parse_login("bob@Example.COM");
  EXPECT_FALSE(bob.malformed);
  EXPECT_EQ(bob.local, "bob");
  EXPECT_EQ(bob.domain, "example.com");
}

// A From domain is a host name or the From is malformed: UTS #46 without its STD3 rules made
// "bank.example／.example.com" (U+FF0F) into "bank.example/.example.com", below example.com,
// and a "*.example.com" map entry let it be signed.
TEST(SignerPolicy, AFromDomainThatMapsToNoHostNameIsMalformed) {
  auto cfg = with_domain("name = \"example.com\"\nauth = \"map\"\nallow = { \"*\" = [\"*.example.com\"] }\n");
  EXPECT_TRUE(check(cfg, {
                 {"alice@example.net", "ceo@mail.example.com", Action::sign, Reason::allowed},
                 {"alice@example.net", "ceo@bank.example\xEF\xBC\x8F.example.com", Action::skip, Reason::malformed_from},
                 {"alice@example.net", "ceo@bank.example\xCD\xBE.example.com", Action::skip, Reason::malformed_from},
                 {"alice@example.net", "ceo@bank.example.\xC2\xAD.example.com", Action::skip, Reason::malformed_from},
             }));
}

TEST(SignerPolicy, AnIdnLoginMatchesTheALabelFromDomain) {
  auto cfg = with_domain("name = \"xn--bcher-kva.example\"\nauth = \"address\"\n");
  EXPECT_TRUE(check(cfg, {{"alice@bücher.example", "alice@xn--bcher-kva.example", Action::sign, Reason::allowed},
              {"alice@xn--bcher-kva.example", "alice@bücher.example", Action::sign, Reason::allowed}}));
}

TEST(SignerPolicy, EverySkipReason) {
  auto cfg = parse(
      "[signer]\n[[domain]]\nname = \"example.com\"\nauth = \"domain\"\n" + std::string(kSelector) +
      "[[domain]]\nname = \"nokeys.example\"\nauth = \"domain\"\n");
  struct SkipCase {
    std::string login;
    std::vector<std::string> froms;
    Reason reason;
  };
  for (const auto& c : std::vector<SkipCase>{
           {"", {"alice@example.com"}, Reason::unauthenticated},
           {"alice@example.com", {}, Reason::no_from},
           {"alice@example.com", {"undisclosed-recipients:;"}, Reason::no_from},
           {"alice@example.com", {"alice@example.com", "alice@example.com"}, Reason::several_from},
           {"alice@example.com", {"alice@example.com, bob@example.com"}, Reason::several_from},
           {"alice@example.com", {"alice@@example.com"}, Reason::malformed_from},
           {"alice@example.com", {"alice@example.org"}, Reason::domain_not_configured},
           {"alice@example.com", {"alice@[192.0.2.1]"}, Reason::domain_not_configured},
           {"alice@nokeys.example", {"alice@nokeys.example"}, Reason::no_selectors},
           {"bob@example.net", {"alice@example.com"}, Reason::not_allowed},
       }) {
    mail::Message m;
    for (const auto& f : c.froms) m.headers.push_back(*mail::HeaderField::from_parts("From", " " + f));
    Decision d = decide(cfg, c.login, mail::author_from(m));
    EXPECT_EQ(d.action, Action::skip) << to_string(c.reason) << ": " << d.detail;
    EXPECT_EQ(d.reason, c.reason) << to_string(c.reason) << " got " << to_string(d.reason) << ": " << d.detail;
    EXPECT_FALSE(d.detail.empty());
  }
}

TEST(SignerPolicy, OnMismatchRejectRefusesOnlyTheMismatch) {
  auto cfg = with_domain("name = \"example.com\"\nauth = \"address\"\n", "on_mismatch = \"reject\"\n");
  Decision d = decide(cfg, "bob@example.com", author({"alice@example.com"}));
  EXPECT_EQ(d.action, Action::reject);
  EXPECT_EQ(d.reason, Reason::not_allowed);
  EXPECT_NE(d.detail.find("bob@example.com may not send as alice@example.com"), std::string::npos) << d.detail;
  // Everything else is still accepted: no login, other domains, no From.
  EXPECT_EQ(decide(cfg, "", author({"alice@example.com"})).action, Action::skip);
  EXPECT_EQ(decide(cfg, "bob@example.com", author({"bob@example.org"})).action, Action::skip);
  EXPECT_EQ(decide(cfg, "bob@example.com", author({})).action, Action::skip);
  EXPECT_EQ(decide(cfg, "alice@example.com", author({"alice@example.com"})).action, Action::sign);
}

TEST(SignerPolicy, ReasonNamesAreStable) {
  // They are Prometheus labels and log fields.
  EXPECT_EQ(to_string(Reason::unauthenticated), "unauthenticated");
  EXPECT_EQ(to_string(Reason::domain_not_configured), "domain_not_configured");
  EXPECT_EQ(to_string(Reason::already_signed), "already_signed");
  EXPECT_EQ(to_string(Action::reject), "reject");
}

TEST(SignerPolicy, MapEntriesAreCheckedWhenTheConfigLoads) {
  struct Bad {
    std::string allow;
    std::string says;
  };
  for (const auto& b : std::vector<Bad>{
           {"{ \"alice\" = [\"alice@example.com\"] }", "allow key 'alice'"},
           {"{ \"al*ce@example.net\" = [\"alice@example.com\"] }", "allow key 'al*ce@example.net'"},
           {"{ \"alice@example.net\" = [\"alice@example.org\"] }", "allow target 'alice@example.org'"},
           {"{ \"alice@example.net\" = [\"*.example.org\"] }", "allow target '*.example.org'"},
           {"{ \"alice@example.net\" = [\"a*@example.com\"] }", "allow target 'a*@example.com'"},
       }) {
    auto c = parse_config("[[domain]]\nname = \"example.com\"\nauth = \"map\"\nallow = " + b.allow + "\n",
                                  "test.toml", "/tmp");
    ASSERT_FALSE(c) << b.allow;
    EXPECT_NE(c.error().detail.find(b.says), std::string::npos) << c.error().detail;
    EXPECT_NE(c.error().detail.find("test.toml:4:"), std::string::npos) << c.error().detail;
  }
}

}  // namespace
}  // namespace dnsauth::signing

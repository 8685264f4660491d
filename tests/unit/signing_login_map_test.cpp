// Who owns a sender address: Postfix's smtpd_sender_login_maps (postconf(5): user@domain, then
// user for the local domains, then @domain; access(5) "EMAIL ADDRESS EXTENSION"; mail_addr_find's
// quoted-then-unquoted forms), and the owner list compared with the login.
#include <gtest/gtest.h>

#include "core/signing/login_map.h"
#include "core/tables/postfix_tables.h"

namespace dnsauth::signing {
namespace {

mail::Mailbox box(std::string local, std::string domain) { return {"", std::move(local), std::move(domain)}; }

LoginMap map(std::string_view text, LoginMapOptions o = {}) {
  auto t = tables::texthash_from_text(text, "texthash:test");
  if (!t) throw std::runtime_error(t.error().detail);
  return LoginMap(*t, std::move(o));
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

TEST(LoginMap, KeysInPostfixOrder) {
  LoginMap plain = map("x y\n");
  EXPECT_EQ(joined(plain.keys(box("alice", "example.com"))), "alice@example.com | @example.com");
  LoginMap full = map("x y\n", {{"example.com"}, "+"});
  EXPECT_EQ(joined(full.keys(box("alice+news", "example.com"))),
            "alice+news@example.com | alice@example.com | alice+news | alice | @example.com");
  EXPECT_EQ(joined(full.keys(box("alice+news", "example.net"))),
            "alice+news@example.net | alice@example.net | @example.net");
  // Quoted form first, then the unquoted one.
  EXPECT_EQ(joined(plain.keys(box("john doe", "example.com"))), "\"john doe\"@example.com | john doe@example.com | @example.com");
  // Never split: postmaster, a leading delimiter; owner-* and *-request when '-' is a delimiter.
  LoginMap dash = map("x y\n", {{}, "+-"});
  EXPECT_EQ(joined(dash.keys(box("postmaster", "example.com"))), "postmaster@example.com | @example.com");
  EXPECT_EQ(joined(dash.keys(box("+x", "example.com"))), "+x@example.com | @example.com");
  EXPECT_EQ(joined(dash.keys(box("owner-list", "example.com"))), "owner-list@example.com | @example.com");
  EXPECT_EQ(joined(dash.keys(box("list-request", "example.com"))), "list-request@example.com | @example.com");
  EXPECT_EQ(joined(dash.keys(box("a-b+c", "example.com"))), "a-b+c@example.com | a@example.com | @example.com");
}

TEST(LoginMap, TheFirstKeyFoundDecidesAndTheLoginMustBeListed) {
  LoginMap m = map("alice@example.com   alice, Alice@Example.com\n"
                   "@example.com        admin  postmaster-login\n"
                   "bob                 bob-local\n",
                   {{"example.com"}, "+"});
  EXPECT_TRUE(*m.owns("alice", box("alice", "example.com")));
  EXPECT_TRUE(*m.owns("ALICE@example.COM", box("alice", "example.com")));  // case-insensitive
  EXPECT_TRUE(*m.owns("alice", box("alice+x", "example.com")));             // via alice@example.com
  // The full address has owners: @example.com is not consulted for it.
  EXPECT_FALSE(*m.owns("admin", box("alice", "example.com")));
  EXPECT_TRUE(*m.owns("admin", box("carol", "example.com")));
  EXPECT_TRUE(*m.owns("postmaster-login", box("carol", "example.com")));
  EXPECT_TRUE(*m.owns("bob-local", box("bob", "example.com")));  // the localpart, for a local domain
  EXPECT_FALSE(*m.owns("ali", box("alice", "example.com")));      // whole names only
  // Owned by nobody: a mismatch, as reject_sender_login_mismatch has it.
  EXPECT_FALSE(*m.owns("alice", box("alice", "example.org")));
  EXPECT_EQ(m.owners(box("alice", "example.org"))->has_value(), false);
}

TEST(LoginMap, QuoteLocalPartAsPostfixDoes) {
  EXPECT_EQ(quote_local_part("a.b"), "a.b");
  EXPECT_EQ(quote_local_part("a..b"), "\"a..b\"");
  EXPECT_EQ(quote_local_part(".a"), "\".a\"");
  EXPECT_EQ(quote_local_part("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_local_part("j\xc3\xb6rg"), "j\xc3\xb6rg");  // 8-bit passes (QUOTE_FLAG_8BITCLEAN)
}

}  // namespace
}  // namespace dnsauth::signing

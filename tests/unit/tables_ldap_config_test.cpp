// Postfix's LDAP table configuration (ldap_table(5)): the cf file read as main.cf is read, the
// keys dnsauth implements with Postfix's defaults, every other key refused with FILE:LINE, and
// the search filter of a lookup key (ldap_table(5) query_filter; RFC 4515 3 escaping).
#include <gtest/gtest.h>

#include "core/tables/ldap_table_config.h"

namespace dnsauth::tables {
namespace {

LdapTableConfig parse_ok(std::string_view text) {
  auto c = parse_ldap_table_config(text, "/etc/postfix/login.cf");
  EXPECT_TRUE(c) << c.error().detail;
  return c ? *c : LdapTableConfig{};
}

std::string error_of(std::string_view text) {
  auto c = parse_ldap_table_config(text, "/etc/postfix/login.cf");
  EXPECT_FALSE(c) << "expected an error for:\n" << text;
  return c ? std::string() : c.error().detail;
}

TEST(LdapTableConfig, DefaultsAreLdapTable5s) {
  auto c = parse_ok("search_base = dc=example,dc=test\n");
  EXPECT_EQ(c.uris, std::vector<std::string>{"ldap://localhost:389"});
  EXPECT_EQ(c.search_base, "dc=example,dc=test");
  EXPECT_EQ(c.query_filter, "mailacceptinggeneralid=%s");
  EXPECT_EQ(c.result_attributes, std::vector<std::string>{"maildrop"});
  EXPECT_EQ(c.scope, LdapTableConfig::Scope::sub);
  EXPECT_TRUE(c.bind);  // bind = yes with an empty bind_dn: an anonymous simple bind
  EXPECT_EQ(c.bind_dn, "");
  EXPECT_EQ(c.version, 3);  // Postfix 3's default
  EXPECT_EQ(c.timeout, std::chrono::seconds(10));
  EXPECT_TRUE(c.domains.empty());
}

TEST(LdapTableConfig, EveryServerHostForm) {
  auto c = parse_ok(
      "server_host = ldap1.example.com, ldap2.example.com:1444\n"
      "   ldap://ldap3.example.com:1555 ldaps://ldap4.example.com\n"
      "   ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi [2001:db8::1]:636 [2001:db8::2]\n"
      "server_port = 778\n"
      "search_base = dc=example,dc=test\n");
  EXPECT_EQ(c.uris, (std::vector<std::string>{"ldap://ldap1.example.com:778", "ldap://ldap2.example.com:1444",
                                              "ldap://ldap3.example.com:1555", "ldaps://ldap4.example.com",
                                              "ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi", "ldap://[2001:db8::1]:636",
                                              "ldap://[2001:db8::2]:778"}));
}

TEST(LdapTableConfig, EverySupportedKey) {
  auto c = parse_ok(
      "# the login map\n"
      "\n"
      "server_host = 127.0.0.1:3890\n"
      "search_base = ou=people, dc=example, dc=test\n"
      "query_filter = (&(objectClass=inetOrgPerson)\n"
      "    (mail=%s))\n"
      "   # a comment between a line and its continuation\n"
      "result_attribute = uid, mailLogin\n"
      "scope = one\n"
      "bind = yes\n"
      "bind_dn = cn=postfix,dc=example,dc=test\n"
      "bind_pw = pass word  \n"
      "version = 2\n"
      "timeout = 3\n"
      "domain = Example.com, example.net\n");
  EXPECT_EQ(c.search_base, "ou=people, dc=example, dc=test");
  EXPECT_EQ(c.query_filter, "(&(objectClass=inetOrgPerson)    (mail=%s))");  // line break dropped
  EXPECT_EQ(c.result_attributes, (std::vector<std::string>{"uid", "mailLogin"}));
  EXPECT_EQ(c.scope, LdapTableConfig::Scope::one);
  EXPECT_EQ(c.bind_dn, "cn=postfix,dc=example,dc=test");
  EXPECT_EQ(c.bind_pw, "pass word");
  EXPECT_EQ(c.version, 2);
  EXPECT_EQ(c.timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.domains, (std::vector<std::string>{"example.com", "example.net"}));
  EXPECT_FALSE(parse_ok("search_base = o=x\nbind = no\n").bind);
  EXPECT_FALSE(parse_ok("search_base = o=x\nbind = none\n").bind);
  EXPECT_TRUE(parse_ok("search_base = o=x\nbind = simple\n").bind);
  EXPECT_EQ(parse_ok("search_base = o=x\nscope = base\n").scope, LdapTableConfig::Scope::base);
  EXPECT_EQ(parse_ok("search_base = o=x\r\nscope = sub\r\n").scope, LdapTableConfig::Scope::sub);
}

TEST(LdapTableConfig, DocumentedKeysAtTheirDefaultChangeNothing) {
  auto c = parse_ok("search_base = o=x\nresult_format = %s\nsize_limit = 0\nexpansion_limit = 0\n"
                    "dereference = 0\nchase_referrals = 0\ndebuglevel = 0\nstart_tls = no\n");
  EXPECT_EQ(c.search_base, "o=x");
}

TEST(LdapTableConfig, DocumentedKeysDnsauthDoesNotImplementAreRefusedWithFileLine) {
  EXPECT_EQ(error_of("search_base = o=x\nstart_tls = yes\n"),
            "/etc/postfix/login.cf:2: 'start_tls' is not supported by dnsauth (only its default 'no')");
  EXPECT_EQ(error_of("search_base = o=x\n\nspecial_result_attribute = member\n"),
            "/etc/postfix/login.cf:3: 'special_result_attribute' is not supported by dnsauth (only its default '')");
  EXPECT_EQ(error_of("tls_ca_cert_file = /etc/ssl/ca.pem\nsearch_base = o=x\n"),
            "/etc/postfix/login.cf:1: 'tls_ca_cert_file' is not supported by dnsauth");
  EXPECT_EQ(error_of("search_base = o=x\ncache = yes\n"), "/etc/postfix/login.cf:2: 'cache' is not supported by dnsauth");
  EXPECT_EQ(error_of("search_base = o=x\nbind = sasl\n"), "/etc/postfix/login.cf:2: 'bind = sasl' is not supported by dnsauth");
  EXPECT_EQ(error_of("search_base = o=%d\n"),
            "/etc/postfix/login.cf:1: '%' expansions in 'search_base' are not supported by dnsauth");
  EXPECT_EQ(error_of("search_base = o=x\ndomain = hash:/etc/postfix/domains\n"),
            "/etc/postfix/login.cf:2: 'domain': files and type:table lists ('hash:/etc/postfix/domains') are not "
            "supported by dnsauth");
}

TEST(LdapTableConfig, EachMalformedLineNamesFileAndLine) {
  EXPECT_EQ(error_of("search_base = o=x\nserach_base = o=y\n"), "/etc/postfix/login.cf:2: unknown key 'serach_base'");
  EXPECT_EQ(error_of("search_base = o=x\njust words\n"), "/etc/postfix/login.cf:2: expected \"name = value\"");
  EXPECT_EQ(error_of("search_base = o=x\n= value\n"), "/etc/postfix/login.cf:2: expected \"name = value\"");
  EXPECT_EQ(error_of("  search_base = o=x\n"), "/etc/postfix/login.cf:1: a continuation line with no line before it");
  EXPECT_EQ(error_of("search_base = o=x\nserver_port = ldap\n"),
            "/etc/postfix/login.cf:2: 'server_port' must be 1 to 65535, not 'ldap'");
  EXPECT_EQ(error_of("search_base = o=x\nserver_port = 70000\n"),
            "/etc/postfix/login.cf:2: 'server_port' must be 1 to 65535, not '70000'");
  EXPECT_EQ(error_of("search_base = o=x\nserver_host = ldap.example.com:x389\n"),
            "/etc/postfix/login.cf:2: 'server_host' 'ldap.example.com:x389': the port must be 1 to 65535");
  EXPECT_EQ(error_of("search_base = o=x\nserver_host = ldap://h:0\n"),
            "/etc/postfix/login.cf:2: 'server_host' 'ldap://h:0': the port must be 1 to 65535");
  EXPECT_EQ(error_of("search_base = o=x\nserver_host = http://h\n"),
            "/etc/postfix/login.cf:2: 'server_host' 'http://h': only ldap://, ldaps:// and ldapi:// URLs");
  EXPECT_EQ(error_of("search_base = o=x\nserver_host = [::1\n"), "/etc/postfix/login.cf:2: 'server_host' '[::1': no ']'");
  EXPECT_EQ(error_of("search_base = o=x\nserver_host =\n"), "/etc/postfix/login.cf:2: 'server_host' is empty");
  EXPECT_EQ(error_of("search_base = o=x\nversion = 4\n"), "/etc/postfix/login.cf:2: 'version' must be 2 or 3, not '4'");
  EXPECT_EQ(error_of("search_base = o=x\ntimeout = 0\n"),
            "/etc/postfix/login.cf:2: 'timeout' must be 1 to 3600 seconds, not '0'");
  EXPECT_EQ(error_of("search_base = o=x\ntimeout = 5s\n"),
            "/etc/postfix/login.cf:2: 'timeout' must be 1 to 3600 seconds, not '5s'");
  EXPECT_EQ(error_of("# no base\nsearch_base =\n"), "/etc/postfix/login.cf:2: 'search_base' is empty");
  EXPECT_EQ(error_of("server_host = h\n"), "/etc/postfix/login.cf: 'search_base' is required (ldap_table(5) has no default)");
  EXPECT_EQ(error_of("search_base = o=x\nscope = subtree\n"),
            "/etc/postfix/login.cf:2: 'scope' must be sub, base or one, not 'subtree'");
  EXPECT_EQ(error_of("search_base = o=x\nbind = maybe\n"),
            "/etc/postfix/login.cf:2: 'bind' must be yes, simple, no or none, not 'maybe'");
  EXPECT_EQ(error_of("search_base = o=x\nquery_filter = (mail=%x)\n"),
            "/etc/postfix/login.cf:2: 'query_filter': '%x' is not one of %s %u %d %S %U %D %1..%9 %%");
  EXPECT_EQ(error_of("search_base = o=x\nquery_filter = (mail=%\n"), "/etc/postfix/login.cf:2: 'query_filter': a '%' at the end");
  EXPECT_EQ(error_of("search_base = o=x\nquery_filter =\n"), "/etc/postfix/login.cf:2: 'query_filter' is empty");
  EXPECT_EQ(error_of("search_base = o=x\nresult_attribute = ,\n"), "/etc/postfix/login.cf:2: 'result_attribute' is empty");
  EXPECT_EQ(error_of("search_base = o=x\ndomain = not a..domain\n"),
            "/etc/postfix/login.cf:2: 'domain': 'a..domain' is not a domain name");
  EXPECT_EQ(error_of("search_base = o=x\n# again\nsearch_base = o=y\n"),
            "/etc/postfix/login.cf:3: 'search_base' is given twice (first at line 1)");
}

TEST(LdapTableConfig, AnUnreadableFileIsAnIoErrorNamingIt) {
  auto c = read_ldap_table_config("/nonexistent/login.cf");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::io);
  EXPECT_EQ(c.error().detail, "/nonexistent/login.cf: cannot read: No such file or directory");
}

// RFC 4515 3: "*", "(", ")", "\" and NUL in an assertion value are written as "\" and two hex
// digits; Postfix's rfc2254_quote escapes exactly these.
TEST(LdapQueryFilter, ValuesAreEscapedAsRfc4515Section3Says) {
  EXPECT_EQ(escape_filter_value("a*b(c)\\d@example.com"), "a\\2ab\\28c\\29\\5cd@example.com");
  EXPECT_EQ(escape_filter_value(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(escape_filter_value("plain.user+tag@example.com"), "plain.user+tag@example.com");
}

TEST(LdapQueryFilter, ExpansionsOfLdapTable5) {
  LdapTableConfig c;
  c.query_filter = "(|(mail=%s)(&(uid=%u)(dc=%d))(x=%S%U%D)(c=%1.%2.%3)(p=100%%))";
  EXPECT_EQ(ldap_query_filter(c, "Alice@Mail.Example.COM"),
            "(|(mail=alice@mail.example.com)(&(uid=alice)(dc=mail.example.com))"
            "(x=alice@mail.example.comalicemail.example.com)(c=com.example.mail)(p=100%))");
  c.query_filter = "(mail=%s)";
  EXPECT_EQ(ldap_query_filter(c, "a*)(uid=*"), "(mail=a\\2a\\29\\28uid=\\2a)");
  EXPECT_EQ(ldap_query_filter(c, "@example.com"), "(mail=@example.com)");
  EXPECT_EQ(ldap_query_filter(c, "alice"), "(mail=alice)");
}

TEST(LdapQueryFilter, PostfixSkipsTheSearchWhenTheKeyLacksAPartTheFilterNeeds) {
  LdapTableConfig c;
  c.query_filter = "(uid=%u)";
  EXPECT_EQ(ldap_query_filter(c, "@example.com"), std::nullopt);  // empty localpart
  EXPECT_EQ(ldap_query_filter(c, "alice"), "(uid=alice)");        // %u of a bare key: the key
  c.query_filter = "(dc=%d)";
  EXPECT_EQ(ldap_query_filter(c, "alice"), std::nullopt);  // no domain
  EXPECT_EQ(ldap_query_filter(c, "@example.com"), "(dc=example.com)");
  c.query_filter = "(dc=%3)";
  EXPECT_EQ(ldap_query_filter(c, "a@example.com"), std::nullopt);  // two labels only
  EXPECT_EQ(ldap_query_filter(c, "a@b.example.com"), "(dc=b)");
}

TEST(LdapQueryFilter, DomainLimitsTheKeysToUserAtAListedDomain) {
  LdapTableConfig c;
  c.query_filter = "(mail=%s)";
  c.domains = {"example.com"};
  EXPECT_EQ(ldap_query_filter(c, "alice@EXAMPLE.com"), "(mail=alice@example.com)");
  EXPECT_EQ(ldap_query_filter(c, "alice@sub.example.com"), std::nullopt);
  EXPECT_EQ(ldap_query_filter(c, "alice@example.org"), std::nullopt);
  EXPECT_EQ(ldap_query_filter(c, "@example.com"), std::nullopt);
  EXPECT_EQ(ldap_query_filter(c, "alice"), std::nullopt);
}

}  // namespace
}  // namespace dnsauth::tables

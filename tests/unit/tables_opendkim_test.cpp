// OpenDKIM's KeyTable and SigningTable (opendkim.conf(5) KeyTable, SigningTable,
// MultipleSignatures; opendkim(8) "DATA SETS" file: and refile:): every documented form, the
// malformed lines (FILE:LINE), and the order in which OpenDKIM looks an author up.
#include <gtest/gtest.h>

#include "core/signing/signing_table.h"
#include "core/tables/opendkim_tables.h"

namespace dnsauth::signing {
namespace {

using tables::DatasetKind;

const char* kKeys =
    "# KeyTable\n"
    "rsa     example.com:r1:/etc/dkim/rsa.pem\n"
    "ed      example.com:e1:/etc/dkim/ed.pem   # comment after the value\n"
    "\n"
    "any     %:hosted:/etc/dkim/hosted.pem\n"
    "sub     sub.example.com:s:./keys/sub.pem\n"
    "user    example.com:u:/etc/dkim/u.pem\n"
    "parent  example.com:p:/etc/dkim/p.pem\n"
    "star    example.com:st:/etc/dkim/st.pem\n"
    "all     example.com:all:/etc/dkim/all.pem\n";

SigningTables tables(std::string_view signing, DatasetKind kind, std::string_view keys = kKeys) {
  auto t = SigningTables::parse(keys, "KeyTable", signing, "SigningTable", kind, "/etc/opendkim");
  if (!t) throw std::runtime_error(t.error().detail);
  return *t;
}

std::string key_error(std::string_view text) {
  auto r = tables::parse_key_table(text, "KeyTable", "/etc/opendkim");
  return r ? std::string() : r.error().detail;
}
std::string signing_error(std::string_view text, DatasetKind kind) {
  auto r = tables::parse_signing_table(text, "SigningTable", kind);
  return r ? std::string() : r.error().detail;
}

// "s=..." of each match, in order.
std::string selectors(const SigningTables& t, std::string_view local, std::string_view domain, bool multiple) {
  auto m = t.match(local, domain, multiple);
  if (!m) return "error: " + m.error().detail;
  std::string out;
  for (const auto& x : *m) out += (out.empty() ? "" : ",") + x.domain + "/" + x.selector;
  return out;
}

TEST(OpenDkimKeyTable, NameDomainSelectorPath) {
  auto k = tables::parse_key_table(kKeys, "KeyTable", "/etc/opendkim");
  ASSERT_TRUE(k) << k.error().detail;
  ASSERT_EQ(k->size(), 8u);
  EXPECT_EQ((*k)[0].name, "rsa");
  EXPECT_EQ((*k)[0].domain, "example.com");
  EXPECT_EQ((*k)[0].selector, "r1");
  EXPECT_EQ((*k)[0].key_path, "/etc/dkim/rsa.pem");
  EXPECT_EQ((*k)[1].key_path, "/etc/dkim/ed.pem");  // the comment is cut off
  EXPECT_EQ((*k)[1].line, 3);
  EXPECT_EQ((*k)[2].domain, "%");
  EXPECT_EQ((*k)[3].key_path, "/etc/opendkim/./keys/sub.pem");  // "./" is a path, relative to the table
}

TEST(OpenDkimKeyTable, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(key_error("a example.com:s:/k\nb\n"), "KeyTable:2: expected \"name domain:selector:/path/to/key\"");
  EXPECT_EQ(key_error("b example.com:/k\n"), "KeyTable:1: expected \"name domain:selector:/path/to/key\"");
  EXPECT_EQ(key_error("b exa_mple.com:s:/k\n"), "KeyTable:1: domain 'exa_mple.com' is neither a domain name nor \"%\"");
  EXPECT_EQ(key_error("b example.com:s..x:/k\n"), "KeyTable:1: selector 's..x' is not a DKIM selector (RFC 6376 3.1)");
  EXPECT_NE(key_error("b example.com:s:MIIEvQIBADANBgkq\n").find("KeyTable:1: the key must be a file"), std::string::npos);
  EXPECT_NE(key_error("b %:s:/keys/%.pem\n").find("KeyTable:1: a '%' in the key path is not supported"),
            std::string::npos);
  EXPECT_EQ(key_error("a example.com:s:/k\n\na example.net:s:/k\n"),
            "KeyTable:3: key name 'a' is also defined at line 1 (OpenDKIM would use the first only)");
}

TEST(OpenDkimSigningTable, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(signing_error("example.com rsa\nexample.net\n", DatasetKind::file),
            "SigningTable:2: expected \"address keyname[:signer]\"");
  EXPECT_EQ(signing_error("*@example.com\n", DatasetKind::refile), "SigningTable:1: expected \"pattern keyname[:signer]\"");
  EXPECT_NE(signing_error("user?@example.com rsa\n", DatasetKind::refile)
                .find("SigningTable:1: '?' in pattern 'user?@example.com': OpenDKIM would read it as a regular "
                      "expression operator"),
            std::string::npos);
  EXPECT_NE(signing_error("example.com rsa\nEXAMPLE.com ed\n", DatasetKind::file)
                .find("SigningTable:2: 'EXAMPLE.com' is also a key at line 1"),
            std::string::npos);
  auto unknown = SigningTables::parse(kKeys, "KeyTable", "example.com nosuch\n", "SigningTable", DatasetKind::file, "/");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().detail, "SigningTable:1: key name 'nosuch' is not in the KeyTable KeyTable");
}

// opendkim.conf(5) SigningTable: "the full user@host is checked first, then simply host, then
// user@.domain (with all superdomains checked in sequence ...), then .domain, then user@*, and
// finally *"; only the first match unless MultipleSignatures.
TEST(OpenDkimSigningTable, FileKeysAreTriedInOpenDkimsOrder) {
  auto t = tables("*                     all\n"
                  "bob@*                 star\n"
                  ".example.com          parent\n"
                  "bob@.example.com      user\n"
                  "sub.example.com       sub\n"
                  "Bob@Sub.Example.com   rsa\n",
                  DatasetKind::file);
  EXPECT_EQ(selectors(t, "bob", "sub.example.com", false), "example.com/r1");
  EXPECT_EQ(selectors(t, "bob", "sub.example.com", true),
            "example.com/r1,sub.example.com/s,example.com/u,example.com/p,example.com/st,example.com/all");
  EXPECT_EQ(selectors(t, "carol", "sub.example.com", false), "sub.example.com/s");
  EXPECT_EQ(selectors(t, "bob", "deep.sub.example.com", false), "example.com/u");  // user@.example.com
  EXPECT_EQ(selectors(t, "carol", "deep.sub.example.com", false), "example.com/p");
  EXPECT_EQ(selectors(t, "bob", "example.org", false), "example.com/st");
  EXPECT_EQ(selectors(t, "carol", "example.org", false), "example.com/all");
  EXPECT_EQ(selectors(t, "bøb", "example.org", false), "");  // ASCII only, as OpenDKIM opens it
}

TEST(OpenDkimSigningTable, RefilePatternsInFileOrderFirstOrAll) {
  auto t = tables("*@example.com      rsa\n"
                  "*@example.com      ed\n"
                  "alice@*            user\n"
                  "*@*.hosted.example any\n",
                  DatasetKind::refile);
  EXPECT_EQ(selectors(t, "bob", "example.com", false), "example.com/r1");
  EXPECT_EQ(selectors(t, "bob", "EXAMPLE.com", true), "example.com/r1,example.com/e1");  // REG_ICASE
  EXPECT_EQ(selectors(t, "alice", "example.com", true), "example.com/r1,example.com/e1,example.com/u");
  EXPECT_EQ(selectors(t, "x", "shop.hosted.example", false), "shop.hosted.example/hosted");  // "%" is the From domain
  EXPECT_EQ(selectors(t, "x", "hosted.example", false), "");
  EXPECT_EQ(selectors(t, "x", "example.com.evil", false), "");  // anchored at both ends
}

// refile: patterns are tried in file order, however the lookup finds them ("*@domain" and
// patterns without '*' by name, the others one by one): interleaved forms keep their order,
// and "*@domain" matches only that domain, not a parent or a localpart holding '@'.
TEST(OpenDkimSigningTable, RefileFileOrderHoldsAcrossEveryPatternForm) {
  auto t = tables("star@*             star\n"        // general
                  "*@EXAMPLE.com      rsa\n"         // by domain, any case
                  "alice@example.com  user\n"        // literal
                  "al*@example.com    parent\n"      // general
                  "*@example.com      ed\n"          // by domain again
                  "*@x@example.com    all\n"         // '@' in the tail: general
                  "@example.com       any\n",        // literal: the address "@example.com" only
                  DatasetKind::refile);
  EXPECT_EQ(selectors(t, "alice", "example.com", true), "example.com/r1,example.com/u,example.com/p,example.com/e1");
  EXPECT_EQ(selectors(t, "alice", "example.com", false), "example.com/r1");
  EXPECT_EQ(selectors(t, "star", "example.com", false), "example.com/st");
  EXPECT_EQ(selectors(t, "bob", "Example.COM", true), "example.com/r1,example.com/e1");
  EXPECT_EQ(selectors(t, "bob", "sub.example.com", true), "");
  EXPECT_EQ(selectors(t, "\"a@x\"", "example.com", true), "example.com/r1,example.com/e1");
  EXPECT_EQ(selectors(t, "a@x", "example.com", true), "example.com/r1,example.com/e1,example.com/all");
}

// 100,000 hosted domains as "*@domain" lines: each author finds its own domain's entry.
TEST(OpenDkimSigningTable, RefileWithManyDomainPatternsFindsEachDomainsEntry) {
  std::string keys, signing;
  for (int i = 0; i < 100000; ++i) {
    keys += "k" + std::to_string(i) + " d" + std::to_string(i) + ".example:s" + std::to_string(i % 7) + ":/k/rsa.pem\n";
    signing += "*@d" + std::to_string(i) + ".example k" + std::to_string(i) + "\n";
  }
  auto t = tables(signing, DatasetKind::refile, keys);
  for (int i : {0, 1, 4242, 99999}) {
    std::string d = "d" + std::to_string(i) + ".example";
    EXPECT_EQ(selectors(t, "user", d, true), d + "/s" + std::to_string(i % 7));
  }
  EXPECT_EQ(selectors(t, "user", "d100000.example", true), "");
}

TEST(OpenDkimSigningTable, PercentKeyNameAndSignerIdentity) {
  auto t = tables("*@example.com   %:%\n"           // key named by the From domain, i=@example.com
                  "*@example.net   rsa:bob@%\n",    // i= outside d=example.com: left out
                  DatasetKind::refile,
                  "example.com example.com:r1:/k1\nrsa example.com:r1:/k1\n");
  auto m = t.match("alice", "example.com", false);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].identity, "example.com");
  auto other = t.match("alice", "example.net", false);
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)[0].identity, "");
  auto t2 = tables("*@* %\n", DatasetKind::refile, "example.com example.com:r1:/k1\n");
  auto unknown = t2.match("alice", "example.org", false);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::key);
}

TEST(OpenDkimSigningTable, WhereTheTablesNameADomain) {
  auto t = tables("bob@sub.example.com rsa\n*@shop.example *\n*@*.x.example rsa\n", DatasetKind::refile,
                  "rsa example.com:r1:/k\n* %:s:/k\n");
  EXPECT_EQ(t.where_named("example.com"), "KeyTable:1");
  EXPECT_EQ(t.where_named("sub.example.com"), "SigningTable:1");
  EXPECT_EQ(t.where_named("shop.example"), "SigningTable:2");
  EXPECT_EQ(t.where_named("x.example"), std::nullopt);
  EXPECT_EQ(t.where_named("example.org"), std::nullopt);
}

TEST(OpenDkimDataSet, SpecForms) {
  auto bare = tables::parse_dataset_spec("keytable", "/etc/dnsauth", false, true);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/etc/dnsauth/keytable");
  auto file = tables::parse_dataset_spec("file:/etc/opendkim/KeyTable", "/x", false, true);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path, "/etc/opendkim/KeyTable");
  auto re = tables::parse_dataset_spec("refile:/etc/opendkim/SigningTable", "/x", true, false);
  ASSERT_TRUE(re);
  EXPECT_EQ(re->kind, DatasetKind::refile);
  EXPECT_FALSE(tables::parse_dataset_spec("refile:/k", "/x", false, true));
  EXPECT_FALSE(tables::parse_dataset_spec("/etc/opendkim/SigningTable", "/x", true, false));
  EXPECT_FALSE(tables::parse_dataset_spec("db:/k.db", "/x", true, false));
}

TEST(OpenDkimDataSet, WildcardMatch) {
  EXPECT_TRUE(tables::wildcard_match("*", ""));
  EXPECT_TRUE(tables::wildcard_match("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(tables::wildcard_match("a*b*c", "abbc"));
  EXPECT_FALSE(tables::wildcard_match("a*b*c", "abcx"));
  EXPECT_TRUE(tables::wildcard_match("*@Example.com", "bob@example.COM"));
  EXPECT_FALSE(tables::wildcard_match("a.b", "axb"));  // '.' is itself (OpenDKIM escapes it)
}

}  // namespace
}  // namespace dnsauth::signing

// dns::parse_tsig_key (core/dns/tsig_key.h): TSIG keys (RFC 8945) as the tools operators use
// write them: BIND's key statement (tsig-keygen, ddns-confgen), Knot's YAML key section
// (keymgr -t) and dnssec-keygen's K*.private file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/dns/tsig_key.h"
#include "support/test_support.h"

namespace dnsauth::dns {
namespace {

constexpr const char* kSecret = "3q2+7w8SzRtMAlHMkhzxCqfOTFb9T4Ti3LwG9lVBnYs=";

TEST(DnsTsigKey, BindKeyStatementAsTsigKeygenWritesIt) {
  auto key = parse_tsig_key(std::string("key \"Update.Example.COM.\" {\n\talgorithm hmac-sha256;\n\tsecret \"") +
                                kSecret + "\";\n};\n",
                            "k.conf");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->name, "update.example.com");  // lowercase, no trailing dot
  EXPECT_EQ(key->algorithm, "hmac-sha256");
  EXPECT_EQ(key->secret, kSecret);
}

// A named.conf fragment (tests/data/tsig/named-ddns.conf): other statements (with braces of
// their own) and the three comment forms named.conf knows stand around the key; a ';' or '}'
// inside a comment is not a token. Kept in a file, as operators have it, so that no tool
// reading this source takes the "//" of the fragment for a comment of the test's.
TEST(DnsTsigKey, BindKeyAmongOtherStatementsAndComments) {
  const std::string text = test::read_file(test::data_dir() / "tsig" / "named-ddns.conf");
  ASSERT_NE(text.find("// another"), std::string::npos) << "the fragment keeps its comments";
  auto key = parse_tsig_key(text, "named.conf");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->name, "ddns-key");
  EXPECT_EQ(key->algorithm, "hmac-sha512");
  EXPECT_EQ(key->secret, kSecret);
}

TEST(DnsTsigKey, KnotYamlKeySection) {
  std::string text = std::string(
                         "# keymgr -t output\n"
                         "server:\n    listen: 127.0.0.1@53\n"
                         "key:\n"
                         "  - id: first.key.\n"
                         "    algorithm: hmac-sha384\n"
                         "    secret: ") +
                     kSecret +
                     "\n"
                     "  - id: \"second\"\n"
                     "    algorithm: hmac-sha1   # old\n"
                     "    secret: 'c2Vjb25k'\n"
                     "acl:\n  - id: update\n    key: second\n";
  auto first = parse_tsig_key(text, "knot.conf", "First.Key");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->name, "first.key");
  EXPECT_EQ(first->algorithm, "hmac-sha384");
  EXPECT_EQ(first->secret, kSecret);
  auto second = parse_tsig_key(text, "knot.conf", "second.");
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->name, "second");
  EXPECT_EQ(second->algorithm, "hmac-sha1");
  EXPECT_EQ(second->secret, "c2Vjb25k");  // the acl section's `- id:` is not a key
}

// dnssec-keygen -a HMAC-SHA256 -n HOST name: the name is in the file's name only.
TEST(DnsTsigKey, DnssecKeygenPrivateFileTakesItsNameFromTheFileName) {
  std::string text = std::string("Private-key-format: v1.3\nAlgorithm: 163 (HMAC_SHA256)\nKey: ") + kSecret +
                     "\nBits: AAA=\nCreated: 20260101000000\n";
  auto key = parse_tsig_key(text, "/etc/keys/Kupdate.example.+163+01234.private");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->name, "update.example");
  EXPECT_EQ(key->algorithm, "hmac-sha256");
  EXPECT_EQ(key->secret, kSecret);

  auto unnamed = parse_tsig_key(text, "/etc/keys/update.private");
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error().code, Errc::syntax);
  EXPECT_NE(unnamed.error().detail.find("K<name>.+<alg>+<id>.private"), std::string::npos);
}

TEST(DnsTsigKey, SeveralKeysNeedANameThatExists) {
  std::string text = std::string("key \"a\" { algorithm hmac-sha256; secret \"") + kSecret +
                     "\"; };\nkey \"b\" { algorithm hmac-sha256; secret \"YmJi\"; };\n";
  auto none = parse_tsig_key(text, "keys.conf");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
  auto b = parse_tsig_key(text, "keys.conf", "b");
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->secret, "YmJi");
  auto c = parse_tsig_key(text, "keys.conf", "c");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::invalid_argument);
  EXPECT_NE(c.error().detail.find("no key named 'c' (it has a, b)"), std::string::npos) << c.error().detail;
}

// Only the key picked must be usable: a named.conf may keep an old hmac-md5 key for another peer.
TEST(DnsTsigKey, AnotherKeysFaultsDoNotMatter) {
  std::string text = std::string("key \"old\" { algorithm hmac-md5; secret \"!!\"; };\nkey \"new\" { algorithm hmac-sha256; secret \"") +
                     kSecret + "\"; };\n";
  EXPECT_TRUE(parse_tsig_key(text, "named.conf", "new"));
  EXPECT_FALSE(parse_tsig_key(text, "named.conf", "old"));
}

// Errors are "FILE:LINE: ..." at the line of the fault.
TEST(DnsTsigKey, MissingSecretNamesFileAndLine) {
  auto key = parse_tsig_key("\n\nkey \"k\" {\n  algorithm hmac-sha256;\n};\n", "k.conf");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, Errc::syntax);
  EXPECT_EQ(key.error().detail, "k.conf:3: key 'k' has no secret");

  auto knot = parse_tsig_key("key:\n  - id: k\n    algorithm: hmac-sha256\n", "knot.conf");
  ASSERT_FALSE(knot);
  EXPECT_EQ(knot.error().detail, "knot.conf:2: key 'k' has no secret");
}

// RFC 1035 3.1: no label is empty. Only the one trailing dot of an absolute name is dropped, so
// "a.." or "." is not read as a key named "a." or "".
TEST(DnsTsigKey, KeyNameWithAnEmptyLabel) {
  for (std::string name : {"tsig.example..", ".", "..tsig.example", "tsig..example"}) {
    auto key = parse_tsig_key("key \"" + name + "\" {\n algorithm hmac-sha256;\n secret \"" + kSecret + "\";\n};\n",
                              "k.conf");
    ASSERT_FALSE(key) << name;
    EXPECT_EQ(key.error().code, Errc::syntax);
    EXPECT_EQ(key.error().detail, "k.conf:1: key name '" + name + "' has an empty label");
  }
  auto knot = parse_tsig_key(std::string("key:\n  - id: a..\n    algorithm: hmac-sha256\n    secret: ") + kSecret + "\n",
                             "knot.conf");
  ASSERT_FALSE(knot);
  EXPECT_EQ(knot.error().detail, "knot.conf:2: key name 'a..' has an empty label");
}

TEST(DnsTsigKey, MissingAlgorithmIsASyntaxError) {
  auto key = parse_tsig_key(std::string("key \"k\" { secret \"") + kSecret + "\"; };", "k.conf");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, Errc::syntax);
  EXPECT_EQ(key.error().detail, "k.conf:1: key 'k' has no algorithm");
}

TEST(DnsTsigKey, SecretThatIsNotBase64) {
  auto key = parse_tsig_key("key \"k\" {\n algorithm hmac-sha256;\n secret \"not*base64\";\n};\n", "k.conf");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, Errc::syntax);
  EXPECT_EQ(key.error().detail, "k.conf:3: the secret of key 'k' is not base64");

  auto private_file = parse_tsig_key("Private-key-format: v1.3\nAlgorithm: 165 (HMAC_SHA512)\nKey: %%%%\n",
                                     "Kk.+165+00001.private");
  ASSERT_FALSE(private_file);
  EXPECT_EQ(private_file.error().detail, "Kk.+165+00001.private:3: the secret of key 'k' is not base64");
}

// RFC 8945 6: HMAC-MD5 is listed as one that must not be used.
TEST(DnsTsigKey, HmacMd5IsRefused) {
  for (const char* text : {"key k { algorithm hmac-md5; secret \"YWJj\"; };",
                           "key k { algorithm HMAC-MD5.SIG-ALG.REG.INT; secret \"YWJj\"; };",
                           "key:\n  - id: k\n    algorithm: hmac-md5\n    secret: YWJj\n"}) {
    auto key = parse_tsig_key(text, "k.conf");
    ASSERT_FALSE(key) << text;
    EXPECT_EQ(key.error().code, Errc::unsupported) << text;
    EXPECT_NE(key.error().detail.find("HMAC-MD5"), std::string::npos) << key.error().detail;
  }
  auto private_file = parse_tsig_key("Private-key-format: v1.3\nAlgorithm: 157 (HMAC_MD5)\nKey: YWJj\n",
                                     "Kk.+157+00001.private");
  ASSERT_FALSE(private_file);
  EXPECT_EQ(private_file.error().code, Errc::unsupported);
}

TEST(DnsTsigKey, UnknownAlgorithmIsNamed) {
  auto key = parse_tsig_key("key k {\n algorithm gss-tsig;\n secret \"YWJj\";\n};", "k.conf");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, Errc::unsupported);
  EXPECT_EQ(key.error().detail.rfind("k.conf:2: key 'k': TSIG algorithm 'gss-tsig' is not supported", 0), 0u)
      << key.error().detail;
}

TEST(DnsTsigKey, NoKeyOrBrokenSyntax) {
  auto empty = parse_tsig_key("options { };\n// nothing\n", "named.conf");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::syntax);
  EXPECT_EQ(empty.error().detail, "named.conf:1: no TSIG key in the file");

  auto open = parse_tsig_key("key k {\n algorithm hmac-sha256;\n secret \"YWJj\";\n", "k.conf");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, Errc::syntax);

  auto quote = parse_tsig_key("key k { algorithm hmac-sha256;\n secret \"YWJj; };\n", "k.conf");
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().detail, "k.conf:2: unterminated quoted string");
}

TEST(DnsTsigKey, LoadReadsTheFileAndNamesItInErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-tsig-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "Kload.me.+163+11111.private")
        << "Private-key-format: v1.3\nAlgorithm: 163 (HMAC_SHA256)\nKey: " << kSecret << "\n";
  }
  auto key = load_tsig_key(dir / "Kload.me.+163+11111.private");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->name, "load.me");
  auto missing = load_tsig_key(dir / "absent.key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io);
  EXPECT_NE(missing.error().detail.find("absent.key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dnsauth::dns

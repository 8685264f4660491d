// Postfix lookup tables as the signer reads them: the source text as postmap(1) "INPUT FILE
// FORMAT" and dict_thash read it, texthash: in memory and cdb: as `postmap cdb:FILE` writes it,
// and Postfix's own `postmap -q KEY TYPE:FILE` as the oracle over a generated corpus of keys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/signing/login_map.h"
#include "core/tables/postfix_tables.h"
#include "core/tables/postfix_text.h"
#include "support/process.h"

namespace dnsauth::tables {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse_postfix_text(text, "maps/login");
  return r ? std::string() : r.error().detail;
}

TEST(PostfixText, KeyWhitespaceValueWithCommentsBlankLinesAndContinuations) {
  auto r = parse_postfix_text(
      "# comment\n"
      "\n"
      "alice@example.com   alice, bob\n"
      "   carol\n"          // continuation: the line break goes, the indentation stays
      "  # a comment between a line and its continuation\n"
      "\tdave\n"
      "@example.com admin # not a comment: '#' counts only at the start of a line\n"
      "\"john doe\"@example.com  jd\n"  // quotes keep the space inside the key
      "a\\ b@example.com   esc\n",      // so does a backslash
      "maps/login");
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].key, "alice@example.com");
  EXPECT_EQ((*r)[0].value, "alice, bob   carol\tdave");
  EXPECT_EQ((*r)[0].line, 3);
  EXPECT_EQ((*r)[1].value, "admin # not a comment: '#' counts only at the start of a line");
  EXPECT_EQ((*r)[2].key, "\"john doe\"@example.com");
  EXPECT_EQ((*r)[3].key, "a\\ b@example.com");
  EXPECT_EQ((*r)[3].line, 9);
}

TEST(PostfixText, WhatPostfixSkipsWithAWarningIsAnErrorNamingFileAndLine) {
  EXPECT_EQ(error_of("a@x v\nlonely\n"), "maps/login:2: expected \"key whitespace value\" (Postfix ignores the line)");
  EXPECT_EQ(error_of("  a@x v\n"), "maps/login:1: a logical line must not start with whitespace (Postfix ignores it)");
  EXPECT_EQ(error_of("a@x v\n\"b@x v\n"), "maps/login:2: unbalanced '\"' (Postfix ignores the line)");
  EXPECT_EQ(error_of("a@x v\nb@x \xff\n"), "maps/login:2: not UTF-8 (Postfix ignores the line)");
  // A duplicate fails the whole table in smtpd (no DUP_* flag), folded case included.
  EXPECT_EQ(error_of("a@x v\n\nA@X w\n"),
            "maps/login:3: duplicate key \"A@X\" (first at line 1); Postfix's smtpd fails the whole table");
}

TEST(PostfixTables, TexthashFoldsKeysOnBothSides) {
  auto t = texthash_from_text("Alice@Example.COM alice\n", "texthash:mem");
  ASSERT_TRUE(t);
  EXPECT_EQ(**(*t)->find("alice@example.com"), "alice");
  EXPECT_EQ(**(*t)->find("ALICE@EXAMPLE.COM"), "alice");
  EXPECT_FALSE(*(*t)->find("alice@example.net"));
  EXPECT_EQ((*t)->size(), 1u);
}

// The texthash table indexes the text in place; an entry joined from continuation lines is not
// one piece of the text, and a duplicate is found by the index, with the parser's message.
TEST(PostfixTables, TexthashAnswersJoinedEntriesAndRefusesDuplicatesAsTheParserDoes) {
  auto t = texthash_from_text("Alice@Example.COM   alice,\n  bob\n# between\nCarol@x carol\nlong@x\n\tdave\n",
                              "texthash:maps/login");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ((*t)->size(), 3u);
  EXPECT_EQ(**(*t)->find("alice@example.com"), "alice,  bob");
  EXPECT_EQ(**(*t)->find("CAROL@X"), "carol");
  EXPECT_EQ(**(*t)->find("long@x"), "dave");
  EXPECT_FALSE(*(*t)->find("long@x\tdave"));

  auto dup = texthash_from_text("a@x v\n\nA@X w\n", "texthash:maps/login");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().detail, error_of("a@x v\n\nA@X w\n"));
  auto dup_joined = texthash_from_text("a@x\n v\nb@x w\nA@x\n  u\n", "texthash:maps/login");
  ASSERT_FALSE(dup_joined);
  EXPECT_EQ(dup_joined.error().detail, "maps/login:4: duplicate key \"A@x\" (first at line 1); Postfix's smtpd fails the whole table");
}

// Many entries: every key is found with its own value, and keys that differ only in case or by
// one character are told apart (the index probes past collisions).
TEST(PostfixTables, TexthashFindsEveryKeyOfALargeTable) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "User" + std::to_string(i) + "@Host" + std::to_string(i % 97) + ".example login" + std::to_string(i) + "\n";
  auto t = texthash_from_text(text, "texthash:big");
  ASSERT_TRUE(t) << t.error().detail;
  ASSERT_EQ((*t)->size(), 20000u);
  for (int i = 0; i < 20000; ++i) {
    auto v = (*t)->find("user" + std::to_string(i) + "@host" + std::to_string(i % 97) + ".EXAMPLE");
    ASSERT_TRUE(v && *v) << i;
    ASSERT_EQ(**v, "login" + std::to_string(i));
    ASSERT_FALSE(*(*t)->find("user" + std::to_string(i) + "@host" + std::to_string((i + 1) % 97) + ".example"));
  }
}

TEST(PostfixTables, UnknownTypesAndMissingFilesAreErrors) {
  auto ldap = open_file_table("ldap:/etc/postfix/x.cf", "/");
  ASSERT_FALSE(ldap);
  EXPECT_EQ(ldap.error().code, Errc::unsupported);
  auto missing = open_file_table("texthash:/nonexistent/map", "/");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail, "/nonexistent/map: No such file or directory");
  auto no_cdb = open_file_table("cdb:/nonexistent/map", "/");
  ASSERT_FALSE(no_cdb);
  EXPECT_EQ(no_cdb.error().detail, "/nonexistent/map.cdb: No such file or directory");
}

// A folder with the map and a main.cf of its own, so postmap needs no system configuration.
class PostmapOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists("/usr/sbin/postmap")) GTEST_SKIP() << "postmap is not installed";
    std::string tmpl = (std::filesystem::temp_directory_path() / "dnsauth-postmap-XXXXXX").string();
    ASSERT_TRUE(::mkdtemp(tmpl.data()));
    dir_ = tmpl;
    std::ofstream(dir_ / "main.cf") << "compatibility_level = 3.6\n";
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // postmap -q KEY TYPE:FILE: the value, or nullopt when not found (exit 1).
  std::optional<std::string> postmap_q(const std::string& type, const std::string& key) {
    auto r = test::run_process("/usr/sbin/postmap", {"-c", dir_.string(), "-q", key, type + ":" + (dir_ / "map").string()});
    if (r.status == 1) return std::nullopt;
    EXPECT_EQ(r.status, 0) << r.err;
    if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
  std::filesystem::path dir_;
};

// A corpus in all the forms the source text allows, with keys in mixed case.
std::string corpus_text(std::vector<std::string>& probes) {
  std::mt19937 rng(20261204);
  const std::vector<std::string> locals{"alice", "Bob", "c.d", "e+tag", "\"john doe\"", "x_y-z", "MiXeD"};
  const std::vector<std::string> domains{"example.com", "Example.NET", "sub.example.org", "xn--bcher-kva.example"};
  std::string text = "# generated corpus\n\n";
  int n = 0;
  for (const auto& d : domains) {
    text += "@" + d + "\tpostmaster-" + std::to_string(n++) + "\n";
    probes.push_back("@" + d);
    for (const auto& l : locals) {
      std::string key = l + "@" + d;
      std::string value = "login" + std::to_string(n++);
      switch (rng() % 4) {
        case 0: text += key + " " + value + "\n"; break;
        case 1: text += key + "\t\t" + value + ", other\n  continued\n"; break;
        case 2: text += key + "   " + value + "\n# interleaved comment\n\tmore, and more   \n"; break;
        default: text += key + " " + value + " # trailing text\n"; break;
      }
      probes.push_back(key);
      std::string upper = key;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      probes.push_back(upper);
      probes.push_back("nobody-" + key);
    }
  }
  text += "localonly bare-localpart\n";
  probes.push_back("localonly");
  probes.push_back("LocalOnly");
  probes.push_back("@");
  return text;
}

TEST_F(PostmapOracle, TexthashAnswersEveryKeyAsPostmapDoes) {
  std::vector<std::string> probes;
  std::string text = corpus_text(probes);
  std::ofstream(dir_ / "map") << text;
  auto table = open_file_table("texthash:map", dir_);
  ASSERT_TRUE(table) << table.error().detail;
  for (const auto& key : probes) {
    auto ours = (*table)->find(key);
    ASSERT_TRUE(ours);
    EXPECT_EQ(*ours, postmap_q("texthash", key)) << key;
  }
}

TEST_F(PostmapOracle, CdbWrittenByPostmapAnswersEveryKeyAsPostmapDoes) {
  std::vector<std::string> probes;
  std::string text = corpus_text(probes);
  std::ofstream(dir_ / "map") << text;
  auto made = test::run_process("/usr/sbin/postmap", {"-c", dir_.string(), "cdb:" + (dir_ / "map").string()});
  if (made.status != 0 && made.err.find("unsupported dictionary type") != std::string::npos) {
    GTEST_SKIP() << "postfix-cdb is not installed";
  }
  ASSERT_EQ(made.status, 0) << made.err;
  auto table = open_file_table("cdb:" + (dir_ / "map").string(), "/");
  ASSERT_TRUE(table) << table.error().detail;
  auto texthash = open_file_table("texthash:map", dir_);
  ASSERT_TRUE(texthash);
  EXPECT_EQ((*table)->size(), (*texthash)->size());
  for (const auto& key : probes) {
    auto ours = (*table)->find(key);
    ASSERT_TRUE(ours);
    EXPECT_EQ(*ours, postmap_q("cdb", key)) << key;
  }
}

// login_map_local_domains ($mydestination) and login_map_recipient_delimiter
// ($recipient_delimiter): the owners of each From are what `postmap -q` answers for the first
// of the keys postconf(5) smtpd_sender_login_maps and access(5) "EMAIL ADDRESS EXTENSION" list
// for it: user+ext@domain, user@domain, for a local domain user+ext and user, then @domain.
// Postfix never splits postmaster, nor owner-* and *-request with '-' a delimiter.
TEST_F(PostmapOracle, LoginMapLocalDomainsAndDelimiterAnswerAsPostmapForTheDocumentedKeys) {
  std::ofstream(dir_ / "map") << "alice@example.com   alice-full\n"
                                 "bob@example.com     bob-full\n"
                                 "bob                 bob-local\n"
                                 "carol               carol-local\n"
                                 "owner-list          owner-local\n"
                                 "owner               owner-split\n"
                                 "list                list-split\n"
                                 "postmaster          pm-local\n"
                                 "@example.com        catch-all\n"
                                 "@example.net        net-catch-all\n";
  auto table = open_file_table("texthash:map", dir_);
  ASSERT_TRUE(table) << table.error().detail;
  signing::LoginMap map(*table, {{"example.com"}, "+-"});
  struct Probe {
    std::string local, domain;
    std::vector<std::string> keys;  // postconf(5)'s order for this address and these parameters
  };
  const std::vector<Probe> probes{
      {"alice+news", "example.com", {"alice+news@example.com", "alice@example.com"}},
      {"alice-news", "example.com", {"alice-news@example.com", "alice@example.com"}},
      {"Bob+x", "Example.COM", {"Bob+x@Example.COM", "Bob@Example.COM", "Bob+x", "Bob"}},
      {"carol+x", "example.com", {"carol+x@example.com", "carol@example.com", "carol+x", "carol"}},
      {"carol+x", "example.net", {"carol+x@example.net", "carol@example.net", "@example.net"}},
      {"carol", "example.org", {"carol@example.org", "@example.org"}},
      {"erin+y", "example.com", {"erin+y@example.com", "erin@example.com", "erin+y", "erin", "@example.com"}},
      {"owner-list", "example.com", {"owner-list@example.com", "owner-list"}},
      {"list-request", "example.com", {"list-request@example.com", "list-request", "@example.com"}},
      {"postmaster", "example.com", {"postmaster@example.com", "postmaster"}},
      {"+x", "example.com", {"+x@example.com", "+x", "@example.com"}},
  };
  for (const auto& p : probes) {
    std::optional<std::string> oracle;
    for (const auto& key : p.keys) {
      if ((oracle = postmap_q("texthash", key))) break;
    }
    auto ours = map.owners({"", p.local, p.domain});
    ASSERT_TRUE(ours) << ours.error().detail;
    EXPECT_EQ(*ours, oracle) << p.local << "@" << p.domain;
  }
  // Without the local domain and the delimiter, the localpart alone and the stripped forms are
  // not keys: only the whole address and @domain.
  signing::LoginMap bare(*table, {});
  EXPECT_EQ(*bare.owners({"", "carol", "example.com"}), postmap_q("texthash", "@example.com"));
  EXPECT_EQ(*bare.owners({"", "alice+news", "example.com"}), postmap_q("texthash", "@example.com"));
  EXPECT_EQ(*bare.owners({"", "alice", "example.com"}), postmap_q("texthash", "alice@example.com"));
}

TEST_F(PostmapOracle, AFileThatIsNotACdbIsRefused) {
  std::ofstream(dir_ / "map.cdb") << "not a cdb";
  auto table = open_file_table("cdb:map", dir_);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, Errc::syntax);
}

}  // namespace
}  // namespace dnsauth::tables

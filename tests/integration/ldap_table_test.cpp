// Postfix's ldap: lookup table (ldap_table(5)) against a real slapd: every answer compared with
// `postmap -q KEY ldap:FILE.cf`, Postfix's own LDAP client, over keys with one and many values,
// @domain, unknown keys and RFC 4515 special characters; a simple bind with bind_dn/bind_pw; the
// cache counted by the server's searches; a server stopped, frozen (SIGSTOP) or restarted: an
// Error within the timeout, never "not found" and never a stuck lookup, then answers again.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/tables/ldap_table_config.h"
#include "ldap/cached_table.h"
#include "ldap/ldap_table.h"
#include "support/process.h"
#include "support/slapd_fixture.h"
#include "support/test_support.h"

namespace dnsauth::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Logins (uid) and the sender addresses (mail) they own.
const std::string kEntries =
    "dn: uid=alice,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: alice\nuid: alice-alias\ncn: Alice\nsn: A\n"
    "mail: alice@hosted.example\n\n"
    "dn: uid=bob,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: bob\ncn: Bob\nsn: B\n"
    "mail: shared@hosted.example\nmail: bob@hosted.example\n\n"
    "dn: uid=carol,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: carol\ncn: Carol\nsn: C\n"
    "mail: shared@hosted.example\n\n"
    "dn: cn=catchall,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: postmaster-team\ncn: catchall\nsn: D\n"
    "mail: @hosted.example\n\n"
    "dn: uid=special,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: special\ncn: Special\nsn: E\n"
    "mail: a*b(c)\\d@hosted.example\n\n"
    "dn: uid=star,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: star\ncn: Star\nsn: F\n"
    "mail: *\n\n";

class LdapTable : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SlapdServer::available()) GTEST_SKIP() << "slapd is not installed";
    slapd_ = std::make_unique<SlapdServer>(kEntries);
    write(slapd_->directory() / "main.cf", "");  // postmap -c: Postfix's parameters, all defaults
  }
  void TearDown() override {
    if (HasFailure() && slapd_) std::cerr << "--- slapd log ---\n" << slapd_->log();
  }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  // A cf file in the server's folder: server_host and search_base, then `extra`.
  std::filesystem::path cf(const std::string& name, const std::string& extra) {
    auto p = slapd_->directory() / name;
    write(p, "server_host = 127.0.0.1:" + std::to_string(slapd_->port()) + "\nsearch_base = dc=example,dc=test\n" + extra);
    return p;
  }
  std::shared_ptr<ldap::LdapTable> open(const std::filesystem::path& file) {
    auto c = tables::read_ldap_table_config(file);
    EXPECT_TRUE(c) << c.error().detail;
    return std::make_shared<ldap::LdapTable>(*c, "ldap:" + file.string());
  }
  // What Postfix answers: the value, std::nullopt for "not found", "ERROR" for a table error.
  std::string postmap(const std::filesystem::path& file, const std::string& key) {
    auto r = run_process("/usr/sbin/postmap", {"-c", slapd_->directory().string(), "-q", key, "ldap:" + file.string()});
    if (r.status == 0) {
      while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
      return r.out;
    }
    return r.status == 1 ? "(not found)" : "ERROR: " + r.err;
  }
  static std::string ours(const ldap::LdapTable& t, const std::string& key) {
    auto r = t.find(key);
    if (!r) return "ERROR: " + r.error().detail;
    return *r ? **r : "(not found)";
  }
  std::unique_ptr<SlapdServer> slapd_;
};

const std::vector<std::string> kKeys = {
    "alice@hosted.example", "ALICE@Hosted.EXAMPLE", "shared@hosted.example", "bob@hosted.example",
    "@hosted.example",      "nobody@hosted.example", "nobody@other.example", "a*b(c)\\d@hosted.example",
    "*",                    "*@hosted.example",      "alice",                "alice*",
    "bob)(uid=*",           "\\2a",                  "@other.example"};

TEST_F(LdapTable, EveryAnswerIsPostmapsOverTheKeys) {
  if (::access("/usr/sbin/postmap", X_OK) != 0) GTEST_SKIP() << "postfix is not installed";
  auto file = cf("login.cf", "query_filter = (mail=%s)\nresult_attribute = uid\n");
  auto table = open(file);
  for (const auto& key : kKeys) EXPECT_EQ(ours(*table, key), postmap(file, key)) << "key " << key;
  // What the oracle said, so that a postmap that answers nothing cannot pass the test.
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
  EXPECT_EQ(ours(*table, "@hosted.example"), "postmaster-team");
  EXPECT_EQ(ours(*table, "a*b(c)\\d@hosted.example"), "special");
  EXPECT_EQ(ours(*table, "*"), "star");  // the entry whose mail is "*", not every entry
  EXPECT_EQ(ours(*table, "nobody@hosted.example"), "(not found)");
  auto both = ours(*table, "shared@hosted.example");
  EXPECT_TRUE(both == "bob,carol" || both == "carol,bob") << both;
}

TEST_F(LdapTable, LocalpartDomainAndDomainListAsPostmap) {
  if (::access("/usr/sbin/postmap", X_OK) != 0) GTEST_SKIP() << "postfix is not installed";
  auto parts = cf("parts.cf", "query_filter = (|(uid=%u)(mail=%u@%d))\nresult_attribute = uid mail\n");
  auto domain = cf("domain.cf", "query_filter = (mail=%s)\nresult_attribute = uid\ndomain = hosted.example\n");
  auto labels = cf("labels.cf", "query_filter = (mail=%u@%2.%1)\nresult_attribute = uid\n");
  for (const auto& file : {parts, domain, labels}) {
    auto table = open(file);
    for (const auto& key : kKeys) EXPECT_EQ(ours(*table, key), postmap(file, key)) << file << " key " << key;
  }
  EXPECT_EQ(ours(*open(parts), "@hosted.example"), "(not found)");  // %u of an empty localpart: no search
  EXPECT_EQ(ours(*open(domain), "@hosted.example"), "(not found)");
  EXPECT_EQ(ours(*open(parts), "alice"), "(not found)");  // %d of a key without '@': no search
  EXPECT_NE(ours(*open(parts), "alice@hosted.example").find("alice-alias"), std::string::npos);
  EXPECT_EQ(ours(*open(labels), "bob@hosted.example"), "bob");
}

TEST_F(LdapTable, BindsWithBindDnAndAWrongPasswordIsAnError) {
  auto good = open(cf("bind.cf", std::string("query_filter = (mail=%s)\nresult_attribute = uid\nbind_dn = ") +
                                     SlapdServer::kRootDn + "\nbind_pw = " + SlapdServer::kRootPassword + "\n"));
  EXPECT_EQ(ours(*good, "alice@hosted.example"), "alice,alice-alias");
  auto bad = open(cf("badbind.cf", std::string("query_filter = (mail=%s)\nresult_attribute = uid\nbind_dn = ") +
                                       SlapdServer::kRootDn + "\nbind_pw = wrong\n"));
  auto r = bad->find("alice@hosted.example");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("Invalid credentials"), std::string::npos) << r.error().detail;
  auto none = open(cf("nobind.cf", "query_filter = (mail=%s)\nresult_attribute = uid\nbind = no\nversion = 3\n"));
  EXPECT_EQ(ours(*none, "alice@hosted.example"), "alice,alice-alias");
}

TEST_F(LdapTable, TheCacheAnswersWhatItHoldsWhileTheServerIsDown) {
  auto table = open(cf("cache.cf", "query_filter = (mail=%s)\nresult_attribute = uid\n"));
  ldap::CachedTable cache(table, 300s, 100);
  EXPECT_EQ(**cache.find("alice@hosted.example"), "alice,alice-alias");
  EXPECT_EQ(*cache.find("nobody@hosted.example"), std::nullopt);
  EXPECT_EQ(table->searches(), 2u);
  slapd_->stop();
  EXPECT_EQ(**cache.find("alice@hosted.example"), "alice,alice-alias");  // a hit
  EXPECT_EQ(*cache.find("nobody@hosted.example"), std::nullopt);         // a negative hit
  EXPECT_EQ(table->searches(), 2u);
  EXPECT_FALSE(cache.find("bob@hosted.example"));  // not held: asked, and the server is down
  EXPECT_FALSE(cache.find("bob@hosted.example"));  // the failure was not kept
  EXPECT_EQ(cache.entries(), 2u);
}

TEST_F(LdapTable, TheCacheExpiresAndStaysWithinItsSize) {
  auto table = open(cf("cache.cf", "query_filter = (mail=%s)\nresult_attribute = uid\n"));
  auto now = Clock::now();
  ldap::CachedTable cache(table, 60s, 2, [&] { return now; });
  (void)cache.find("alice@hosted.example");
  (void)cache.find("bob@hosted.example");
  (void)cache.find("alice@hosted.example");
  EXPECT_EQ(table->searches(), 2u);
  (void)cache.find("shared@hosted.example");  // drops bob, the least recently used
  EXPECT_EQ(cache.entries(), 2u);
  (void)cache.find("bob@hosted.example");
  EXPECT_EQ(table->searches(), 4u);
  now += 61s;
  (void)cache.find("bob@hosted.example");
  EXPECT_EQ(table->searches(), 5u);
}

TEST_F(LdapTable, AStoppedServerIsAnErrorWithinTheTimeout) {
  auto table = open(cf("down.cf", "query_filter = (mail=%s)\nresult_attribute = uid\ntimeout = 2\n"));
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
  slapd_->stop();
  for (int i = 0; i < 2; ++i) {  // the kept connection, then a new one
    auto began = Clock::now();
    auto r = table->find("alice@hosted.example");
    EXPECT_FALSE(r) << "a server that is down must not answer \"not found\"";
    if (!r) {
      EXPECT_NE(r.error().detail.find("Can't contact LDAP server"), std::string::npos) << r.error().detail;
    }
    EXPECT_LT(Clock::now() - began, 2s + 3s);
  }
}

TEST_F(LdapTable, AFrozenServerIsAnErrorWithinTheTimeout) {
  auto table = open(cf("frozen.cf", "query_filter = (mail=%s)\nresult_attribute = uid\ntimeout = 2\n"));
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
  slapd_->pause();
  // The kept connection (the search gets no answer), then a new one (the bind gets none).
  for (int i = 0; i < 2; ++i) {
    auto began = Clock::now();
    auto r = table->find("bob@hosted.example");
    auto took = Clock::now() - began;
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_NE(r.error().detail.find("no answer within the timeout (2 s)"), std::string::npos) << r.error().detail;
    }
    EXPECT_GE(took, 1900ms);
    EXPECT_LT(took, 2s + 3s);
  }
  // Lookups at once share the one deadline each: none waits behind another beyond its timeout.
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  auto began = Clock::now();
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { errors += table->find("carol@hosted.example") ? 0 : 1; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 8);
  EXPECT_LT(Clock::now() - began, 2s + 3s);
  slapd_->resume();
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
}

TEST_F(LdapTable, ARestartedServerAnswersAgain) {
  auto table = open(cf("restart.cf", "query_filter = (mail=%s)\nresult_attribute = uid\ntimeout = 2\n"));
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
  EXPECT_EQ(table->connects(), 1u);
  // Restarted between two lookups: the kept connection is found closed and the lookup retried
  // at once on a new one.
  slapd_->stop();
  slapd_->start();
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
  EXPECT_EQ(table->connects(), 2u);
  // Down for a lookup (an Error), then back: the next lookup connects again.
  slapd_->stop();
  EXPECT_FALSE(table->find("alice@hosted.example"));
  slapd_->start();
  EXPECT_EQ(ours(*table, "alice@hosted.example"), "alice,alice-alias");
}

TEST_F(LdapTable, ThreadsShareTheBoundedPool) {
  auto table = open(cf("threads.cf", "query_filter = (mail=%s)\nresult_attribute = uid\n"));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = table->find((i + t) % 2 ? "alice@hosted.example" : "nobody@hosted.example");
        bool ok = r && ((i + t) % 2 ? *r == std::optional<std::string>("alice,alice-alias") : !*r);
        if (!ok) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(table->connects(), 4u);  // ldap::LdapTable::Options::max_connections
  EXPECT_EQ(table->searches(), 400u);
}

}  // namespace
}  // namespace dnsauth::test

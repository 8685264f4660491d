// The cache in front of an ldap: login map (ldap/cached_table.h) and its [signer] settings:
// answers found and not found are kept for the TTL, at most login_map_cache_size keys (the least
// recently used dropped first), a server failure is never kept. The table behind it counts what
// it was asked; the clock is the test's.
#include <gtest/gtest.h>

#include <map>

#include "core/signing/settings.h"
#include "ldap/cached_table.h"

namespace dnsauth::ldap {
namespace {

using namespace std::chrono_literals;

class CountingTable : public tables::LookupTable {
 public:
  Result<std::optional<std::string>> find(std::string_view key) const override {
    ++asked[std::string(key)];
    if (failing) return tl::unexpected(Error{Errc::io, "ldap:test.cf: server down"});
    if (key == "alice@example.com") return std::optional<std::string>("alice");
    return std::optional<std::string>();
  }
  const std::string& name() const noexcept override { return name_; }
  std::size_t size() const noexcept override { return 0; }
  mutable std::map<std::string, int> asked;
  bool failing = false;

 private:
  std::string name_ = "ldap:test.cf";
};

struct Fixture {
  std::shared_ptr<CountingTable> table = std::make_shared<CountingTable>();
  std::chrono::steady_clock::time_point now{};
  CachedTable cache(std::chrono::seconds ttl, std::size_t size) {
    return CachedTable(table, ttl, size, [this] { return now; });
  }
};

TEST(LdapCachedTable, AnswersFoundAndNotFoundAreKeptForTheTtl) {
  Fixture f;
  auto cache = f.cache(300s, 10);
  EXPECT_EQ(*cache.find("alice@example.com"), "alice");
  EXPECT_EQ(*cache.find("nobody@example.com"), std::nullopt);
  f.now += 299s;
  EXPECT_EQ(*cache.find("alice@example.com"), "alice");
  EXPECT_EQ(*cache.find("nobody@example.com"), std::nullopt);
  EXPECT_EQ(f.table->asked["alice@example.com"], 1);
  EXPECT_EQ(f.table->asked["nobody@example.com"], 1);
  EXPECT_EQ(cache.hits(), 2u);
  f.now += 1s;  // expired: asked again
  EXPECT_EQ(*cache.find("alice@example.com"), "alice");
  EXPECT_EQ(f.table->asked["alice@example.com"], 2);
}

TEST(LdapCachedTable, AFailureIsNeverKept) {
  Fixture f;
  auto cache = f.cache(300s, 10);
  f.table->failing = true;
  EXPECT_FALSE(cache.find("alice@example.com"));
  EXPECT_FALSE(cache.find("alice@example.com"));
  EXPECT_EQ(f.table->asked["alice@example.com"], 2);
  EXPECT_EQ(cache.entries(), 0u);
  f.table->failing = false;
  EXPECT_EQ(*cache.find("alice@example.com"), "alice");
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(LdapCachedTable, TheLeastRecentlyUsedKeyGoesFirstPastTheSize) {
  Fixture f;
  auto cache = f.cache(300s, 2);
  (void)cache.find("a@example.com");
  (void)cache.find("b@example.com");
  (void)cache.find("a@example.com");  // a is now the most recently used
  (void)cache.find("c@example.com");  // drops b
  EXPECT_EQ(cache.entries(), 2u);
  (void)cache.find("a@example.com");
  (void)cache.find("c@example.com");
  EXPECT_EQ(f.table->asked["a@example.com"], 1);
  EXPECT_EQ(f.table->asked["c@example.com"], 1);
  (void)cache.find("b@example.com");
  EXPECT_EQ(f.table->asked["b@example.com"], 2);
}

TEST(LdapCachedTable, ItIsTheTableBehindItForMessages) {
  Fixture f;
  auto cache = f.cache(1s, 1);
  EXPECT_EQ(cache.name(), "ldap:test.cf");
  EXPECT_EQ(&cache.table(), f.table.get());
}

signing::Settings settings_of(std::string_view signer) {
  auto c = signing::parse_config("[signer]\n" + std::string(signer) + "[[domain]]\nname = \"example.com\"\n", "test.toml",
                                 "/etc/dnsauth");
  EXPECT_TRUE(c) << c.error().detail;
  return c ? c->signer : signing::Settings{};
}

std::string settings_error(std::string_view signer) {
  auto c = signing::parse_config("[signer]\n" + std::string(signer), "test.toml", "/etc/dnsauth");
  EXPECT_FALSE(c);
  return c ? std::string() : c.error().detail;
}

TEST(LdapCacheSettings, DefaultsAndBounds) {
  auto s = settings_of("login_map = \"ldap:/etc/postfix/login.cf\"\n");
  EXPECT_EQ(s.login_map, "ldap:/etc/postfix/login.cf");
  EXPECT_EQ(s.login_map_cache_ttl, 300);
  EXPECT_EQ(s.login_map_cache_size, 100000u);
  s = settings_of("login_map = \"ldap:login.cf\"\nlogin_map_cache_ttl = 0\nlogin_map_cache_size = 1\n");
  EXPECT_EQ(s.login_map_cache_ttl, 0);
  EXPECT_EQ(s.login_map_cache_size, 1u);
  EXPECT_EQ(settings_error("login_map = \"ldap:login.cf\"\nlogin_map_cache_ttl = -1\n"),
            "test.toml:3:23: 'login_map_cache_ttl' must be 0 to 86400 seconds");
  EXPECT_EQ(settings_error("login_map = \"ldap:login.cf\"\nlogin_map_cache_size = 0\n"),
            "test.toml:3:24: 'login_map_cache_size' must be 1 to 100000000");
  EXPECT_EQ(settings_error("login_map = \"texthash:login\"\nlogin_map_cache_ttl = 60\n"),
            "test.toml:3:23: 'login_map_cache_ttl' applies to an ldap: 'login_map' only (files are read into memory)");
  EXPECT_EQ(settings_error("login_map = \"ldap:\"\n"), "test.toml:2:13: 'login_map' names no file");
  EXPECT_EQ(settings_error("login_map = \"hash:/etc/postfix/login\"\n"),
            "test.toml:2:13: 'login_map' must be \"texthash:PATH\", \"cdb:PATH\" or \"ldap:PATH\"");
}

}  // namespace
}  // namespace dnsauth::ldap

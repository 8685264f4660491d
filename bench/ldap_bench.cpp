// What an ldap: login map adds per lookup (README "LDAP login maps"): a real slapd on loopback
// (tests/support/slapd_fixture.h) holding USERS entries, asked through ldap::LdapTable behind
// ldap::CachedTable as the signer asks it. Not a Google Benchmark suite: it prints the p50 and
// p99 of single lookups, which is what a message waits for.
//   cache miss   every key new to the cache: one search on a kept connection
//   cache hit    every key already held
//   no cache     login_map_cache_ttl = 0: the table alone (the miss without the cache's work)
//
//   build/bench/ldap_bench [LOOKUPS] [USERS]      defaults 20000 and 2000
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/tables/ldap_table_config.h"
#include "ldap/cached_table.h"
#include "ldap/ldap_table.h"
#include "support/slapd_fixture.h"

using namespace dnsauth;
using Clock = std::chrono::steady_clock;

namespace {

std::string user(int i) { return "user" + std::to_string(i) + "@hosted.example"; }

void report(const char* what, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  std::printf("%-12s lookups=%zu p50=%.1f us p99=%.1f us max=%.1f us\n", what, us.size(), at(0.5), at(0.99), us.back());
}

template <class F>
std::vector<double> timed(int n, F&& lookup) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    lookup(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  const int lookups = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int users = argc > 2 ? std::atoi(argv[2]) : 2000;
  if (!test::SlapdServer::available()) {
    std::fprintf(stderr, "ldap_bench: slapd is not installed (scripts/setup.sh)\n");
    return 2;
  }
  std::string ldif;
  for (int i = 0; i < users; ++i) {
    ldif += "dn: uid=user" + std::to_string(i) + ",dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: user" +
            std::to_string(i) + "\ncn: U\nsn: U\nmail: " + user(i) + "\n\n";
  }
  test::SlapdServer slapd(ldif, 30000);
  auto config = tables::parse_ldap_table_config("server_host = " + slapd.uri() +
                                                    "\nsearch_base = dc=example,dc=test\nquery_filter = (mail=%s)\n"
                                                    "result_attribute = uid\n",
                                                "bench.cf");
  if (!config) {
    std::fprintf(stderr, "ldap_bench: %s\n", config.error().detail.c_str());
    return 2;
  }
  auto table = std::make_shared<ldap::LdapTable>(*config, "ldap:bench.cf");
  if (!table->find(user(0))) return 2;  // connected and bound before timing
  auto check = [](const auto& r) {
    if (!r || !*r) {
      std::fprintf(stderr, "ldap_bench: lookup failed\n");
      std::exit(2);
    }
  };
  auto none = timed(lookups, [&](int i) { check(table->find(user(i % users))); });
  // Misses: a cache large enough that nothing is dropped, every key asked once per round, each
  // round on a new cache.
  std::vector<double> miss;
  for (int round = 0; static_cast<int>(miss.size()) < lookups; ++round) {
    ldap::CachedTable cache(table, std::chrono::seconds(300), static_cast<std::size_t>(users));
    auto us = timed(std::min(users, lookups - static_cast<int>(miss.size())), [&](int i) { check(cache.find(user(i))); });
    miss.insert(miss.end(), us.begin(), us.end());
  }
  ldap::CachedTable cache(table, std::chrono::seconds(300), static_cast<std::size_t>(users));
  for (int i = 0; i < users; ++i) check(cache.find(user(i)));
  auto hit = timed(lookups, [&](int i) { check(cache.find(user(i % users))); });
  std::printf("ldap_bench: slapd on %s, %d entries\n", slapd.uri().c_str(), users);
  report("no cache", none);
  report("cache miss", miss);
  report("cache hit", hit);
  return 0;
}

// The signer's part of dnsauth.toml: [signer] and each domain's auth/allow, read from the same
// file as the shared model and as strictly (every mistake names file:line and the key).
#include <gtest/gtest.h>

#include "core/signing/settings.h"
#include "support/test_support.h"

namespace dnsauth::signing {
namespace {

Result<Config> parse(std::string_view text) { return parse_config(text, "test.toml", "/etc/dnsauth"); }

std::string error_of(std::string_view text) {
  auto c = parse(text);
  EXPECT_FALSE(c.has_value()) << "expected an error for:\n" << text;
  return c ? std::string() : c.error().detail;
}

TEST(SigningSettings, ExampleConfigCarriesEveryAuthMode) {
  auto c = load_config(test::data_dir() / ".." / ".." / "examples" / "dnsauth.toml");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->domains().size(), 2u);
  const config::Domain* net = c->find_domain("EXAMPLE.NET");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(c->policy(*net).auth, AuthMode::address);
  const config::Domain* com = c->find_domain("example.com");
  ASSERT_NE(com, nullptr);
  EXPECT_EQ(c->policy(*com).auth, AuthMode::map);
  EXPECT_EQ(c->policy(*com).allow.size(), 2u);
}

TEST(SigningSettings, DefaultsAreTheDocumentedOnes) {
  auto c = parse("[[domain]]\nname = \"Example.ORG.\"\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->signer.socket, "inet:8891@127.0.0.1");
  EXPECT_EQ(c->signer.on_error, OnError::tempfail);
  EXPECT_EQ(c->signer.on_mismatch, OnMismatch::accept);
  EXPECT_EQ(c->signer.canon.header, dkim::Canon::relaxed);
  EXPECT_EQ(c->signer.canon.body, dkim::Canon::relaxed);
  EXPECT_EQ(c->signer.log, "syslog");
  EXPECT_FALSE(c->signer.expire);
  EXPECT_EQ(c->key_dir(), std::filesystem::path("/etc/dnsauth/keys"));
  ASSERT_EQ(c->policies.size(), 1u);
  EXPECT_EQ(c->policy(c->domains()[0]).auth, AuthMode::domain);
}

TEST(SigningSettings, EverySettingIsRead) {
  auto c = parse(
      "[signer]\nsocket = \"unix:/run/dnsauth/signer.sock\"\nuser = \"dnsauth\"\non_error = \"accept\"\n"
      "on_mismatch = \"reject\"\ncanonicalization = \"simple/relaxed\"\nheaders = [\"From\", \"Subject\"]\n"
      "oversign = [\"From\"]\nexpire = 86400\nauthserv_id = \"mx.example.org\"\nlog = \"stderr\"\n"
      "stats_listen = \"[::1]:9480\"\nmax_header_field_bytes = 32768\nmax_header_fields = 500\n"
      "max_header_bytes = 524288\n");
  ASSERT_TRUE(c) << c.error().message();
  const Settings& s = c->signer;
  EXPECT_EQ(s.socket, "unix:/run/dnsauth/signer.sock");
  EXPECT_EQ(s.user, "dnsauth");
  EXPECT_EQ(s.on_error, OnError::accept);
  EXPECT_EQ(s.on_mismatch, OnMismatch::reject);
  EXPECT_EQ(s.canon, (dkim::Canonicalization{dkim::Canon::simple, dkim::Canon::relaxed}));
  EXPECT_EQ(s.headers, (std::vector<std::string>{"From", "Subject"}));
  EXPECT_EQ(s.oversign, (std::vector<std::string>{"From"}));
  EXPECT_EQ(s.expire, 86400);
  EXPECT_EQ(s.authserv_id, "mx.example.org");
  EXPECT_EQ(s.log, "stderr");
  EXPECT_EQ(s.stats_listen, "[::1]:9480");
  EXPECT_EQ(s.header_limits.max_field_bytes, 32768u);
  EXPECT_EQ(s.header_limits.max_fields, 500u);
  EXPECT_EQ(s.header_limits.max_header_bytes, 524288u);
}

TEST(SigningSettings, HeaderLimitsDefaultTo64KiB1000Fields1MiB) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->signer.header_limits.max_field_bytes, 64u * 1024);
  EXPECT_EQ(c->signer.header_limits.max_fields, 1000u);
  EXPECT_EQ(c->signer.header_limits.max_header_bytes, 1024u * 1024);
}

TEST(SigningSettings, UnknownKeysAreErrorsWithFileAndLine) {
  EXPECT_EQ(error_of("[signer]\nsocket = \"unix:/x\"\non_eror = \"accept\"\n"),
            "test.toml:3:1: unknown key 'on_eror' in [signer]");
  EXPECT_NE(error_of("[[domain]]\nname = \"a.example\"\nauht = \"map\"\n").find("test.toml:3:1: unknown key 'auht'"),
            std::string::npos);
}

TEST(SigningSettings, InvalidValuesAreRefusedWithTheReasonAndPlace) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[signer]\non_error = \"ignore\"\n", "test.toml:2:12: 'on_error' must be"},
      {"[signer]\non_mismatch = \"drop\"\n", "test.toml:2:15: 'on_mismatch' must be"},
      {"[signer]\nsocket = \"8891\"\n", "test.toml:2:10: 'socket' must be"},
      {"[signer]\nheaders = [\"to\", \"subject\"]\n", "must include From"},
      {"[signer]\nexpire = 60\n", "'expire' must be at least"},
      // x= = t= + expire: ten years at most, so that the sum always fits (RFC 6376 3.5)
      {"[signer]\nexpire = 315360001\n", "test.toml:2:10: 'expire' must be at most 315360000 seconds"},
      {"[signer]\nexpire = 9223372036854775807\n", "'expire' must be at most"},
      {"[signer]\ncanonicalization = \"relaxed/loose\"\n", "'canonicalization' must be like"},
      {"[signer]\nlog = \"file\"\n", "'log' must be"},
      {"[signer]\nmax_header_fields = 10\n", "test.toml:2:21: 'max_header_fields' must be 100 to 1000000"},
      {"[signer]\nmax_header_field_bytes = 500\n", "'max_header_field_bytes' must be 1000 to"},
      {"[signer]\nmax_header_bytes = 100000000\n", "'max_header_bytes' must be 10000 to"},
      {"[signer]\nmax_header_field_bytes = 200000\nmax_header_bytes = 100000\n", "must not exceed 'max_header_bytes'"},
      {"[[domain]]\nname = \"a.example\"\nauth = \"user\"\n", "'auth' must be"},
      {"[[domain]]\nname = \"a.example\"\nauth = \"map\"\n", "no 'allow' table"},
      {"[[domain]]\nname = \"a.example\"\nallow = { \"x\" = [\"y\"] }\n", "only with auth = \"map\""},
      {"[[domain]]\nname = \"a.example\"\nauth = \"map\"\nallow = { \"x\" = [\"a.example\"] }\n", "allow key 'x'"},
      {"[[domain]]\nname = \"a.example\"\nauth = \"map\"\nallow = { \"*\" = [\"b.example\"] }\n",
       "allow target 'b.example'"},
  };
  for (const auto& c : cases) {
    std::string e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "input:\n" << c.text << "error: " << e;
    EXPECT_EQ(e.rfind("test.toml:", 0), 0u) << "no location in: " << e;
  }
}

TEST(SigningSettings, AddressesAndTheUserAreCheckedAllAtOnce) {
  // The file reads; what is wrong with the addresses is listed whole (--check-config).
  auto c = parse("[signer]\nsocket = \"inet:70000@127.0.0.1\"\nstats_listen = \"localhost:9480\"\n"
                 "user = \"no-such-user-dnsauth\"\n");
  ASSERT_TRUE(c) << c.error().message();
  auto problems = check_settings(c->signer);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "socket 'inet:70000@127.0.0.1': the port must be 1 to 65535");
  EXPECT_EQ(problems[1], "stats_listen: 'localhost:9480': 'localhost' is not an IPv4 address (four octets a.b.c.d)");
  EXPECT_EQ(problems[2], "user 'no-such-user-dnsauth' does not exist");
  struct Case {
    const char* socket;
    const char* stats;
    const char* expect;  // empty: fine
  } cases[] = {
      {"inet:8891@127.0.0.1", "127.0.0.1:9480", ""},
      {"inet6:8891@::1", "[::1]:9480", ""},
      {"unix:/run/dnsauth/signer.sock", "", ""},
      {"inet:0@127.0.0.1", "", "the port must be 1 to 65535"},
      {"inet:8891@", "", "empty host after '@'"},
      {"unix:run/x.sock", "", "the path must be absolute"},
      {"inet:8891", "9480", "'9480' is not an IPv4 address"},
      {"inet:8891", "127.0.0.1:99999", "port '99999' is not a number from 1 to 65535"},
      {"inet:8891", "::1:9480", "stats_listen: '::1:9480'"},
  };
  for (const auto& k : cases) {
    Settings s;
    s.socket = k.socket;
    s.stats_listen = k.stats;
    auto found = check_settings(s);
    if (std::string(k.expect).empty()) {
      EXPECT_TRUE(found.empty()) << k.socket << " " << k.stats << ": " << found.front();
    } else {
      ASSERT_EQ(found.size(), 1u) << k.socket << " " << k.stats;
      EXPECT_NE(found[0].find(k.expect), std::string::npos) << found[0];
    }
  }
}

TEST(SigningSettings, ThePolicyOfADomainIsFoundByName) {
  auto c = parse("[[domain]]\nname = \"a.example\"\nauth = \"address\"\n[[domain]]\nname = \"b.example\"\n");
  ASSERT_TRUE(c) << c.error().message();
  config::Domain copy = c->domains()[0];  // a copy, as the publisher's rotate makes
  EXPECT_EQ(c->policy(copy).auth, AuthMode::address);
  EXPECT_EQ(c->policy(c->domains()[1]).auth, AuthMode::domain);
  config::Domain stranger;
  stranger.name = "c.example";
  EXPECT_THROW(c->policy(stranger), std::out_of_range);
}

// [signer] timeout and max_connections: the MTA connections (README, "Running it").
TEST(SigningSettings, ConnectionTimeoutAndBound) {
  auto d = parse("");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->signer.timeout, 600);
  EXPECT_EQ(d->signer.max_connections, 1024u);
  auto c = parse("[signer]\ntimeout = 30\nmax_connections = 5000\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->signer.timeout, 30);
  EXPECT_EQ(c->signer.max_connections, 5000u);
  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {"[signer]\ntimeout = 0\n", "test.toml:2:11: 'timeout' must be 1 to 86400 seconds"},
           {"[signer]\ntimeout = 86401\n", "'timeout' must be 1 to 86400 seconds"},
           {"[signer]\nmax_connections = 0\n", "test.toml:2:19: 'max_connections' must be 1 to 1000000"},
           {"[signer]\ntimeout = \"10s\"\n", "timeout"}}) {
    auto r = parse(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message().find(expect), std::string::npos) << r.error().message();
  }
}

// [signer] stop_grace: how long a stop waits for the messages in flight (signer/drain.h).
TEST(SigningSettings, StopGrace) {
  auto d = parse("");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->signer.stop_grace, 5);
  for (std::int64_t v : {0, 60}) {
    auto c = parse("[signer]\nstop_grace = " + std::to_string(v) + "\n");
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->signer.stop_grace, v);
  }
  for (const char* text : {"[signer]\nstop_grace = -1\n", "[signer]\nstop_grace = 61\n"}) {
    auto r = parse(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message().find("test.toml:2:14: 'stop_grace' must be 0 to 60 seconds"), std::string::npos)
        << r.error().message();
  }
}

}  // namespace
}  // namespace dnsauth::signing

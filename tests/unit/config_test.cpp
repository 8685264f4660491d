// dnsauth.toml, the part all three tools share: domains, selectors, the records to publish and
// key_dir. The loader is strict: every mistake names file:line and the key, so --check-config can
// point at it. The signer's own settings are tested in signing_settings_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/bimi/record.h"
#include "core/config/config.h"
#include "core/records/records.h"
#include "core/tls_rpt/record.h"
#include "support/test_support.h"

using namespace dnsauth;
using namespace dnsauth::config;

namespace {

Result<Config> parse(std::string_view text) { return parse_config(text, "test.toml", "/etc/dnsauth"); }

std::string error_of(std::string_view text) {
  auto c = parse(text);
  EXPECT_FALSE(c.has_value()) << "expected an error for:\n" << text;
  return c ? std::string() : c.error().detail;
}

}  // namespace

TEST(Config, ExampleConfigLoadsWithEveryDocumentedKey) {
  auto c = load_config(test::data_dir() / ".." / ".." / "examples" / "dnsauth.toml");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->domains.size(), 2u);
  const Domain* net = c->find_domain("EXAMPLE.NET");
  ASSERT_NE(net, nullptr);
  ASSERT_EQ(net->selectors.size(), 2u);
  EXPECT_EQ(net->selectors[1].algorithm, dkim::Algorithm::ed25519_sha256);
  // key paths resolve against key_dir, which resolves against the config's folder.
  EXPECT_EQ(net->selectors[0].key_path.filename(), "example.net.s2026r.pem");
  EXPECT_EQ(net->selectors[0].key_path.parent_path().filename(), "keys");
  ASSERT_TRUE(net->spf);
  EXPECT_EQ(net->spf->helo, std::vector<std::string>{"smtp.example.net"});
  ASSERT_TRUE(net->dmarc);
  EXPECT_EQ(net->dmarc->p, "reject");
  ASSERT_NE(c->find_domain("example.com"), nullptr);
}

TEST(Config, DefaultsMatchTheDesign) {
  auto c = parse("[[domain]]\nname = \"Example.ORG.\"\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->key_dir, std::filesystem::path("/etc/dnsauth/keys"));
  ASSERT_EQ(c->domains.size(), 1u);
  EXPECT_EQ(c->domains[0].name, "example.org");  // lowercased, trailing dot dropped
  EXPECT_EQ(c->domains[0].ttl, 3600u);
}

TEST(Config, SelectorDefaultsToRsa2048AndADerivedKeyFile) {
  auto c = parse("[[domain]]\nname = \"example.org\"\n[[domain.selector]]\nname = \"sel\"\n");
  ASSERT_TRUE(c) << c.error().message();
  const Selector& s = c->domains[0].selectors[0];
  EXPECT_EQ(s.algorithm, dkim::Algorithm::rsa_sha256);
  EXPECT_EQ(s.bits, 2048u);
  EXPECT_EQ(s.key_path, std::filesystem::path("/etc/dnsauth/keys/example.org.sel.pem"));
}

TEST(Config, KeyDirResolvesAgainstTheConfigFolderUnlessAbsolute) {
  auto rel = parse("[signer]\nkey_dir = \"private/dkim\"\n[[domain]]\nname = \"a.example\"\n"
                   "[[domain.selector]]\nname = \"s\"\n");
  ASSERT_TRUE(rel) << rel.error().message();
  EXPECT_EQ(rel->key_dir, std::filesystem::path("/etc/dnsauth/private/dkim"));
  EXPECT_EQ(rel->domains[0].selectors[0].key_path, std::filesystem::path("/etc/dnsauth/private/dkim/a.example.s.pem"));
  auto abs = parse("[signer]\nkey_dir = \"/var/lib/dnsauth/keys\"\n");
  ASSERT_TRUE(abs) << abs.error().message();
  EXPECT_EQ(abs->key_dir, std::filesystem::path("/var/lib/dnsauth/keys"));
  EXPECT_NE(error_of("[signer]\nkey_dir = 7\n").find("test.toml:2:"), std::string::npos);
}

// TOML 1.0 allows no control character but tab: a NUL byte is a syntax error at its place
// (toml++ would assert on it in a build with assertions instead of saying so).
TEST(Config, ANulByteIsASyntaxErrorAtItsPlace) {
  auto c = parse(std::string_view("[signer]\nkey_dir = \"k\"\n[\0", 25));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::syntax);
  EXPECT_EQ(c.error().detail, "test.toml:3:2: a NUL byte is not allowed in a TOML document");
}

TEST(Config, UnknownKeysAreErrorsWithFileAndLine) {
  EXPECT_NE(error_of("[[domain]]\nname = \"a.example\"\n[domain.spf]\nip5 = []\n")
                .find("test.toml:4:"), std::string::npos);
  EXPECT_NE(error_of("colour = 1\n").find("unknown key 'colour' in the top level"), std::string::npos);
}

TEST(Config, TomlSyntaxErrorsNameLineAndColumn) {
  std::string e = error_of("[[domain]\nname = \"x\"\n");
  EXPECT_EQ(e.rfind("test.toml:1:", 0), 0u) << e;
}

TEST(Config, InvalidValuesAreRefusedWithTheReason) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"signer = 5\n", "'signer' must be a table"},
      {"[[domain]]\nname = \"bad_domain!\"\n", "is not a domain name"},
      {"[[domain]]\nname = \"a.example\"\n[[domain]]\nname = \"A.example\"\n", "configured twice"},
      {"[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s\"\nalgorithm = \"rsa-sha1\"\n",
       "algorithm must be"},
      {"[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s\"\nbits = 512\n", "1024 to 4096"},
      {"[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s\"\nalgorithm = \"ed25519-sha256\"\nbits = 2048\n",
       "RSA keys only"},
      {"[[domain]]\nname = \"a.example\"\n[[domain.selector]]\nname = \"s\"\n[[domain.selector]]\nname = \"s\"\n",
       "listed twice"},
      {"[[domain]]\nname = \"a.example\"\n[domain.spf]\nip4 = [\"192.0.2.0/33\"]\n", "not an IPv4"},
      {"[[domain]]\nname = \"a.example\"\n[domain.spf]\nip6 = [\"192.0.2.1\"]\n", "not an IPv6"},
      {"[[domain]]\nname = \"a.example\"\n[domain.spf]\nall = \"+\"\n", "'all' must be"},
      {"[[domain]]\nname = \"a.example\"\n[domain.dmarc]\np = \"rejct\"\n", "'p' must be"},
      {"[[domain]]\nname = \"a.example\"\n[domain.dmarc]\np = \"none\"\npct = 101\n", "'pct' must be"},
      {"[[domain]]\nname = \"a.example\"\n[domain.dmarc]\np = \"none\"\nrua = [\"dmarc@a.example\"]\n",
       "mailto: URIs"},
      {"[[domain]]\nname = \"a.example\"\n[domain.dmarc]\nadkim = \"x\"\np = \"none\"\n", "'adkim' must be"},
      {"[[domain]]\nname = \"a.example\"\n[domain.dmarc]\nsp = \"none\"\n", "needs 'p'"},
      {"[[domain]]\nname = \"a.example\"\nttl = 5\n", "'ttl' must be"},
      {"[[domain]]\nname = 7\n", "must be a string"},
  };
  for (const auto& c : cases) {
    std::string e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "input:\n" << c.text << "error: " << e;
    EXPECT_EQ(e.rfind("test.toml:", 0), 0u) << "no location in: " << e;
  }
}

TEST(Config, MissingFileIsAnIoError) {
  auto c = load_config("/nonexistent/dnsauth.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::io);
  EXPECT_NE(c.error().detail.find("/nonexistent/dnsauth.toml"), std::string::npos);
}

// A file that cannot be read to its end, or that holds nothing, is never taken for a
// configuration with no domains: every tool refuses it, and a reload keeps what it had.
TEST(Config, UnreadableDirectoryAndEmptyFilesAreErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "conf.d");
  std::ofstream(dir / "empty.toml").flush();
  std::ofstream(dir / "blank.toml") << "\n  \n# only a comment\n";
  struct Case {
    std::filesystem::path file;
    Errc code;
    std::string says;
  };
  for (const Case& c : {
           Case{dir / "conf.d", Errc::io, (dir / "conf.d").string() + ": cannot read the configuration file: it is a directory"},
           // Reading /proc/self/mem at offset 0 fails (EIO): a file that opens but cannot be read.
           Case{"/proc/self/mem", Errc::io, "/proc/self/mem: cannot read the configuration file: Input/output error"},
           Case{dir / "empty.toml", Errc::syntax, (dir / "empty.toml").string() + ": the configuration file is empty"},
           Case{dir / "blank.toml", Errc::syntax, (dir / "blank.toml").string() + ": the configuration file is empty"},
       }) {
    auto r = load_config(c.file);
    ASSERT_FALSE(r) << c.file;
    EXPECT_EQ(r.error().code, c.code) << r.error().message();
    EXPECT_NE(r.error().detail.find(c.says), std::string::npos) << r.error().message();
  }
  // A file with only [signer] is not empty: it is the signer's business to want a domain.
  std::ofstream(dir / "signer-only.toml") << "[signer]\n";
  EXPECT_TRUE(load_config(dir / "signer-only.toml"));
  std::filesystem::remove_all(dir);
}

TEST(ConfigDuration, ParseDurationReadsAUnitOrPlainSeconds) {
  EXPECT_EQ(parse_duration("90d"), 90 * 86400);
  EXPECT_EQ(parse_duration("2w"), 14 * 86400);
  EXPECT_EQ(parse_duration("12h"), 12 * 3600);
  EXPECT_EQ(parse_duration("30m"), 1800);
  EXPECT_EQ(parse_duration("45s"), 45);
  EXPECT_EQ(parse_duration("3600"), 3600);
  EXPECT_EQ(parse_duration("99999999999w"), 99999999999LL * 7 * 86400);  // the longest text: no overflow
  for (const char* bad : {"", "0d", "0", "d", "abc", "-1d", "1.5d", "90D", "90 d", " 90d", "9y", "999999999999d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

// rotate --auto and the time a retired key stays published (README "Rotating keys").
TEST(ConfigDuration, RotateEveryAndKeepRetiredAreDurationsOfDays) {
  auto c = parse("[[domain]]\nname = \"a.example\"\nrotate_every = \"90d\"\nkeep_retired = \"2w\"\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->domains[0].rotate_every, 90 * 86400);
  EXPECT_EQ(c->domains[0].keep_retired, 14 * 86400);

  auto defaults = parse("[[domain]]\nname = \"a.example\"\n");
  ASSERT_TRUE(defaults) << defaults.error().message();
  EXPECT_FALSE(defaults->domains[0].rotate_every) << "no automatic rotation unless asked";
  EXPECT_EQ(defaults->domains[0].keep_retired, 7 * 86400);
  EXPECT_EQ(defaults->domains[0].keep_retired, kDefaultKeepRetired);

  for (const char* value : {"\"12h\"", "\"0d\"", "\"abc\"", "90", "\"3651d\"", "\"86399\""}) {
    for (const char* key : {"rotate_every", "keep_retired"}) {
      std::string text = std::string("[[domain]]\nname = \"a.example\"\n") + key + " = " + value + "\n";
      std::string e = error_of(text);
      EXPECT_EQ(e.rfind("test.toml:3:", 0), 0u) << text << e;
      EXPECT_NE(e.find(std::string("'") + key + "' must be a duration of 1 day to 10 years"), std::string::npos) << e;
    }
  }
  // A day and ten years are the bounds, both allowed.
  auto bounds = parse("[[domain]]\nname = \"a.example\"\nrotate_every = \"1d\"\nkeep_retired = \"3650d\"\n");
  ASSERT_TRUE(bounds) << bounds.error().message();
  EXPECT_EQ(bounds->domains[0].rotate_every, 86400);
  EXPECT_EQ(bounds->domains[0].keep_retired, 3650LL * 86400);
}

// RFC 8461 3.2: the policy's mode, mx patterns (4.1: a host, or "*." and one label's place) and
// max_age (0 to 31557600 s); RFC 8460 3: TLS-RPT's rua URIs are mailto: or https:; BIMI's l= and
// a= are https URLs.
TEST(ConfigMtaStsTlsRptBimi, TheTablesReadWithTheirDefaults) {
  auto c = parse("[[domain]]\nname = \"example.com\"\n"
                 "[domain.mta_sts]\nmode = \"enforce\"\nmx = [\"MX1.example.com\", \"*.mail.example.net\"]\nmax_age = \"30d\"\n"
                 "[domain.tls_rpt]\nrua = [\"mailto:tlsrpt@example.com\", \"https://reports.example.com/tls\"]\n"
                 "[domain.bimi]\nlogo = \"https://example.com/logo.svg\"\n");
  ASSERT_TRUE(c) << c.error().message();
  const Domain& d = c->domains.front();
  ASSERT_TRUE(d.mta_sts && d.tls_rpt && d.bimi);
  EXPECT_EQ(d.mta_sts->mode, "enforce");
  EXPECT_EQ(d.mta_sts->mx, (std::vector<std::string>{"mx1.example.com", "*.mail.example.net"}));
  EXPECT_EQ(d.mta_sts->max_age, 30 * 86400);
  EXPECT_EQ(d.tls_rpt->rua.size(), 2u);
  EXPECT_EQ(d.bimi->selector, "default");
  EXPECT_EQ(d.bimi->evidence, "");

  auto defaults = parse("[[domain]]\nname = \"example.com\"\n[domain.mta_sts]\nmx = [\"mx.example.com\"]\n");
  ASSERT_TRUE(defaults) << defaults.error().message();
  EXPECT_EQ(defaults->domains[0].mta_sts->mode, "testing");
  EXPECT_EQ(defaults->domains[0].mta_sts->max_age, 604800);
  EXPECT_FALSE(defaults->domains[0].tls_rpt);
}

// What the config accepts is what the record parsers read (core/tls_rpt, core/bimi): the
// TXT record publish makes from it lints clean, and a URI the record cannot hold is refused at
// load with the byte at fault, not published and flagged later. RFC 8460 3: ",", "!" and ";"
// are percent-encoded in rua; BIMI 4.3: "," in l= and a=; RFC 3986 3.1: the scheme's case
// does not matter.
TEST(ConfigMtaStsTlsRptBimi, UrisAreCheckedByTheRecordsOwnRules) {
  const std::string head = "[[domain]]\nname = \"example.com\"\n";
  for (const std::string rua : {"mailto:tlsrpt@example.com", "MAILTO:tlsrpt@example.com", "https://r.example.com/a%2Cb",
                                "HTTPS://R.example.com/tls?x=1", "mailto:a%21b@example.com"}) {
    auto c = parse(head + "[domain.tls_rpt]\nrua = [\"" + rua + "\"]\n");
    ASSERT_TRUE(c) << rua << ": " << c.error().message();
    auto rec = tls_rpt::parse_record(records::tls_rpt_record(*c->domains[0].tls_rpt));
    ASSERT_TRUE(rec) << rua << ": " << rec.error().message();
    ASSERT_EQ(rec->rua.size(), 1u);
    EXPECT_TRUE(rec->rua[0].supported()) << rua;
  }
  for (const std::string logo : {"https://example.com/logo.svg", "HTTPS://Example.com/l%2C1.svg"}) {
    auto c = parse(head + "[domain.bimi]\nlogo = \"" + logo + "\"\nevidence = \"" + logo + "\"\n");
    ASSERT_TRUE(c) << logo << ": " << c.error().message();
    auto rec = bimi::parse_record(records::bimi_record(*c->domains[0].bimi));
    ASSERT_TRUE(rec) << logo << ": " << rec.error().message();
    ASSERT_TRUE(rec->location && rec->evidence);
    EXPECT_TRUE(rec->location->https() && rec->evidence->https()) << logo;
  }
  // Each of these would have made a record the linter refuses (tls-rpt-syntax, bimi-syntax).
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"[domain.tls_rpt]\nrua = [\"https://r.example.com/a|b\"]\n", "byte 23"},
      {"[domain.tls_rpt]\nrua = [\"mailto:a!b@example.com\"]\n", "'!' must be percent-encoded"},
      {"[domain.tls_rpt]\nrua = [\"mailto:a@example.com;x\"]\n", "';' must be percent-encoded"},
      {"[domain.tls_rpt]\nrua = [\"mailto:tlsrpt\"]\n", "mailto: addresses or https: URLs with a host"},
      {"[domain.tls_rpt]\nrua = [\"https:///tls\"]\n", "mailto: addresses or https: URLs with a host"},
      {"[domain.bimi]\nlogo = \"https://example.com/a,b.svg\"\n", "',' must be percent-encoded"},
      {"[domain.bimi]\nlogo = \"https://example.com/a b.svg\"\n", "'logo' 'https://example.com/a b.svg'"},
      {"[domain.bimi]\nlogo = \"https://example.com/l.svg;x\"\n", "no ';'"},
      {"[domain.bimi]\nevidence = \"https:/vmc.pem\"\nlogo = \"https://example.com/l.svg\"\n", "(BIMI a=)"},
  };
  for (const auto& [toml, says] : refused) {
    const std::string e = error_of(head + toml);
    EXPECT_NE(e.find(says), std::string::npos) << toml << " -> " << e;
    EXPECT_NE(e.find("test.toml:4"), std::string::npos) << e;
  }
}

TEST(ConfigMtaStsTlsRptBimi, MistakesNameTheLineAndTheRule) {
  const std::string head = "[[domain]]\nname = \"example.com\"\n";
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmode = \"on\"\nmx = [\"mx.example.com\"]\n").find("test.toml:4"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmx = [\"mx.*.example.com\"]\n").find("RFC 8461 4.1"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmx = [\"localhost\"]\n").find("mx 'localhost'"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmode = \"enforce\"\n").find("'mx' must list"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmx = [\"mx.example.com\"]\nmax_age = 31557601\n").find("max_age"),
            std::string::npos);
  EXPECT_TRUE(parse(head + "[domain.mta_sts]\nmode = \"none\"\n"));  // a policy withdrawn keeps no mx
  EXPECT_NE(error_of(head + "[domain.tls_rpt]\nrua = [\"http://example.com/r\"]\n").find("mailto: addresses or https: URLs"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[domain.tls_rpt]\nrua = [\"mailto:a@example.com,mailto:b@example.com\"]\n").find("','"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[domain.tls_rpt]\nrua = []\n").find("at least one"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.bimi]\nlogo = \"http://example.com/l.svg\"\n").find("https: URL"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.bimi]\nselector = \"a b\"\nlogo = \"https://example.com/l.svg\"\n").find("DNS label"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[domain.bimi]\n").find("logo"), std::string::npos);
  EXPECT_NE(error_of(head + "mta_sts = 1\n").find("must be a table"), std::string::npos);
  EXPECT_NE(error_of(head + "[domain.mta_sts]\nmx = [\"mx.example.com\"]\nid = \"x\"\n").find("id"), std::string::npos);
}

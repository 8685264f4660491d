// The signer's key store: keys loaded and checked once, refused when others can read
// them, every finding reported with where it comes from, and reloads that swap atomically or
// keep the old set.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "core/signing/key_store.h"
#include "core/signing/session.h"
#include "support/signer_fixture.h"

namespace dnsauth::signing {
namespace {

using test::SignerDir;
using test::signer_config;

bool has_finding(const LoadResult& r, Finding::Severity sev, const std::string& text) {
  for (const auto& f : r.findings)
    if (f.severity == sev && f.text.find(text) != std::string::npos) return true;
  return false;
}

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += f.str() + "\n";
  return s;
}

TEST(SignerKeyStore, LoadsEveryKeyOnceAndBuildsSpecsPerDomain) {
  SignerDir d;
  LoadResult r = load_key_set(d.write_config(signer_config("expire = 86400\n")));
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_TRUE(r.findings.empty()) << all(r);
  EXPECT_EQ(r.keys->key_count(), 2u);
  const auto* dk = r.keys->domain("EXAMPLE.com");
  ASSERT_NE(dk, nullptr);
  ASSERT_EQ(dk->specs.size(), 2u);
  EXPECT_EQ(dk->specs[0].selector, "r1");
  EXPECT_EQ(dk->specs[0].key->type(), dkim::KeyType::rsa);
  EXPECT_EQ(dk->specs[1].selector, "e1");
  EXPECT_EQ(dk->specs[1].key->type(), dkim::KeyType::ed25519);
  EXPECT_EQ(dk->specs[0].canon, (dkim::Canonicalization{dkim::Canon::relaxed, dkim::Canon::relaxed}));
  EXPECT_EQ(dk->specs[0].expire_after, 86400);
  EXPECT_EQ(r.keys->domain("example.org"), nullptr);
}

TEST(SignerKeyStore, AKeyFileSharedBySelectorsIsParsedOnce) {
  SignerDir d;
  std::string cfg = "[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n"
                    "  [[domain.selector]]\n  name = \"a\"\n  key = \"rsa.pem\"\n"
                    "  [[domain.selector]]\n  name = \"b\"\n  key = \"rsa.pem\"\n";
  LoadResult r = load_key_set(d.write_config(cfg));
  ASSERT_TRUE(r.ok()) << all(r);
  const auto* dk = r.keys->domain("example.com");
  EXPECT_EQ(dk->specs[0].key.get(), dk->specs[1].key.get());
}

TEST(SignerKeyStore, RefusesGroupOrWorldReadableKeysNamingTheFile) {
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    SignerDir d;
    d.write_key("ed.pem", test::shared_ed25519_key(), mode);
    LoadResult r = load_key_set(d.write_config(signer_config()));
    EXPECT_FALSE(r.ok()) << std::oct << mode;
    char m[8];
    std::snprintf(m, sizeof m, "%04o", mode);
    EXPECT_TRUE(has_finding(r, Finding::Severity::error, d.key_path("ed.pem").string() + " for selector e1 of example.com"))
        << all(r);
    EXPECT_TRUE(has_finding(r, Finding::Severity::error, std::string("group- or world-accessible (mode ") + m + ")"))
        << all(r);
    EXPECT_TRUE(has_finding(r, Finding::Severity::error, "chmod 600")) << all(r);
  }
  SignerDir ok;
  ok.write_key("ed.pem", test::shared_ed25519_key(), 0400);
  EXPECT_TRUE(load_key_set(ok.write_config(signer_config())).ok());
}

TEST(SignerKeyStore, ReportsEveryProblemWithItsPlace) {
  SignerDir d;
  std::filesystem::remove(d.key_path("rsa.pem"));
  SignerDir::write_file(d.key_path("ed.pem"), "not a key\n", 0600);
  LoadResult r = load_key_set(d.write_config(
      signer_config("socket = \"inet:99999@127.0.0.1\"\nstats_listen = \"localhost:9480\"\n"
                    "user = \"no-such-user-dnsauth\"\n")));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "port must be 1 to 65535")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "'localhost' is not an IPv4 address")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "user 'no-such-user-dnsauth' does not exist")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, d.key_path("rsa.pem").string() + " for selector r1 of example.com (" +
                                                           (d.dir() / "dnsauth.toml").string() + ":")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "No such file or directory")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "not a PEM file")) << all(r);
  EXPECT_EQ(r.findings.size(), 5u) << all(r);
}

TEST(SignerKeyStore, AKeyOfTheWrongTypeIsAnErrorAndOtherBitsAWarning) {
  SignerDir d;
  d.write_key("ed.pem", test::shared_rsa_key());  // the Ed25519 selector gets an RSA key
  LoadResult r = load_key_set(d.write_config(signer_config()));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "holds an rsa key but selector e1 of example.com")) << all(r);

  SignerDir d2;
  std::string cfg = "[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n"
                    "  [[domain.selector]]\n  name = \"r1\"\n  bits = 3072\n  key = \"rsa.pem\"\n";
  LoadResult r2 = load_key_set(d2.write_config(cfg));
  EXPECT_TRUE(r2.ok()) << all(r2);
  EXPECT_TRUE(has_finding(r2, Finding::Severity::warning, "2048-bit RSA key but selector r1 of example.com")) << all(r2);
}

TEST(SignerKeyStore, FindingsNeverCarryKeyMaterial) {
  SignerDir d;
  std::string pem = test::shared_rsa_key().to_pem();
  std::string broken = pem.substr(0, pem.size() / 2) + "!!!!\n-----END PRIVATE KEY-----\n";
  SignerDir::write_file(d.key_path("rsa.pem"), broken, 0600);
  LoadResult r = load_key_set(d.write_config(signer_config()));
  EXPECT_FALSE(r.ok());
  std::string body = pem.substr(pem.find('\n') + 1, 40);  // the first base64 bytes of the key
  EXPECT_EQ(all(r).find(body), std::string::npos) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, d.key_path("rsa.pem").string())) << all(r);
}

TEST(SignerKeyStore, AConfigThatDoesNotParseIsOneErrorWithFileAndLine) {
  SignerDir d;
  LoadResult r = load_key_set(d.write_config("[signer]\nsocket = \"inet:1@127.0.0.1\"\nbogus = 1\n"));
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_NE(r.findings[0].text.find("dnsauth.toml:3:"), std::string::npos) << r.findings[0].text;
  EXPECT_NE(r.findings[0].text.find("unknown key 'bogus'"), std::string::npos) << r.findings[0].text;
  LoadResult missing = load_key_set(d.dir() / "absent.toml");
  ASSERT_EQ(missing.findings.size(), 1u);
  EXPECT_NE(missing.findings[0].text.find("absent.toml"), std::string::npos);
}

// A key set that signs nothing is an error, not a warning: it would start a signer, or replace
// a working set on reload, that leaves all mail unsigned.
TEST(SignerKeyStore, AConfigWithNothingToSignIsAnError) {
  SignerDir d;
  LoadResult none = load_key_set(d.write_config("[signer]\nkey_dir = \"keys\"\n"));
  EXPECT_FALSE(none.ok());
  EXPECT_TRUE(has_finding(none, Finding::Severity::error, "no [[domain]] is configured")) << all(none);
  LoadResult no_selector = load_key_set(
      d.write_config("[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n[[domain]]\nname = \"example.org\"\n"));
  EXPECT_FALSE(no_selector.ok());
  EXPECT_TRUE(has_finding(no_selector, Finding::Severity::error, "no [[domain.selector]] is configured")) << all(no_selector);
  // One domain without selectors among others is fine: its mail is skipped as no_selectors.
  LoadResult some = load_key_set(d.write_config(signer_config() + "[[domain]]\nname = \"example.org\"\n"));
  EXPECT_TRUE(some.ok()) << all(some);
  // An empty file says so.
  LoadResult empty = load_key_set(d.write_config(""));
  EXPECT_FALSE(empty.ok());
  EXPECT_TRUE(has_finding(empty, Finding::Severity::error, "the configuration file is empty")) << all(empty);
}

// As OpenDKIM checks a key's path: a folder on the way to a key that someone else may write
// lets them replace the key. World- or group-writable folders are errors, unless sticky (as
// /tmp: others may add entries there, not rename or remove ours).
TEST(SignerKeyStore, KeyFoldersOthersCanWriteAreErrors) {
  for (mode_t mode : {0777, 0757, 0775, 0770, 0730}) {
    SignerDir d;
    auto path = d.write_config(signer_config());
    ::chmod(d.key_path("").c_str(), mode);
    LoadResult r = load_key_set(path);
    EXPECT_FALSE(r.ok()) << std::oct << mode;
    std::string keys = std::filesystem::canonical(d.dir() / "keys").string();
    EXPECT_TRUE(has_finding(r, Finding::Severity::error, "folder " + keys + " is " +
                                                             ((mode & 02) ? "world" : "group") + "-writable"))
        << all(r);
    EXPECT_EQ(r.findings.size(), 1u) << "one finding per folder, not per key:\n" << all(r);
  }
  {
    // A key's own folder below key_dir, and key_dir itself even when no key lies in it.
    SignerDir d;
    std::filesystem::create_directories(d.dir() / "keys" / "sub");
    std::filesystem::rename(d.key_path("ed.pem"), d.dir() / "keys" / "sub" / "ed.pem");
    ::chmod((d.dir() / "keys" / "sub").c_str(), 0777);
    std::string cfg = signer_config();
    cfg.replace(cfg.find("\"ed.pem\""), 8, "\"sub/ed.pem\"");
    LoadResult r = load_key_set(d.write_config(cfg));
    EXPECT_TRUE(has_finding(r, Finding::Severity::error, "sub is world-writable")) << all(r);
    std::filesystem::create_directories(d.dir() / "empty-keys");
    ::chmod((d.dir() / "empty-keys").c_str(), 0777);
    std::string elsewhere = signer_config();
    elsewhere.replace(elsewhere.find("key_dir = \"keys\""), 16, "key_dir = \"empty-keys\"");
    LoadResult r2 = load_key_set(d.write_config(elsewhere));
    EXPECT_TRUE(has_finding(r2, Finding::Severity::error, "empty-keys is world-writable")) << all(r2);
  }
  SignerDir sticky;
  ::chmod(sticky.key_path("").c_str(), 01777);
  LoadResult r = load_key_set(sticky.write_config(signer_config()));
  EXPECT_TRUE(r.ok()) << all(r);
  SignerDir open_to_read;
  ::chmod(open_to_read.key_path("").c_str(), 0755);
  EXPECT_TRUE(load_key_set(open_to_read.write_config(signer_config())).ok());
}

// Started as root with a [signer] user, the signer reads the keys before it drops root and
// every reload after: a key that user cannot reach is an error now, not a refused reload later.
TEST(SignerKeyStore, AKeyTheSignersUserCannotReadIsAnErrorNamingFileAndUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const passwd* pw = ::getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  const uid_t nobody = pw->pw_uid;
  const gid_t nogroup = pw->pw_gid;
  SignerDir d;
  auto path = d.write_config(signer_config("user = \"nobody\"\n"));
  std::string rsa = d.key_path("rsa.pem").string();
  std::string ed = d.key_path("ed.pem").string();

  // The keys belong to root (0600): nobody may not read them.
  ::chmod(d.dir().c_str(), 0755);
  LoadResult r = load_key_set(path);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "key file " + rsa + " for selector r1 of example.com")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "user 'nobody' cannot read it (owner uid 0, mode 0600)")) << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "run chown nobody " + std::filesystem::canonical(ed).string()))
      << all(r);
  EXPECT_EQ(r.findings.size(), 2u) << all(r);

  // Given to nobody, but behind a folder only root may enter.
  ASSERT_EQ(::chown(rsa.c_str(), nobody, nogroup), 0);
  ASSERT_EQ(::chown(ed.c_str(), nobody, nogroup), 0);
  ::chmod(d.dir().c_str(), 0700);
  r = load_key_set(path);
  EXPECT_FALSE(r.ok());
  std::string folder = std::filesystem::canonical(d.dir()).string();
  EXPECT_TRUE(has_finding(r, Finding::Severity::error,
                          "key file " + ed + " for selector e1 of example.com (" + path.string() + ":"))
      << all(r);
  EXPECT_TRUE(has_finding(r, Finding::Severity::error, "user 'nobody' cannot enter folder " + folder + " (owner uid 0")) << all(r);

  // A folder its group may enter lets a member in; one the others may enter lets anyone in.
  ::chmod(d.dir().c_str(), 0710);
  ASSERT_EQ(::chown(d.dir().c_str(), 0, nogroup), 0);
  EXPECT_TRUE(load_key_set(path).ok()) << all(load_key_set(path));
  ASSERT_EQ(::chown(d.dir().c_str(), 0, 0), 0);
  ::chmod(d.dir().c_str(), 0711);
  EXPECT_TRUE(load_key_set(path).ok()) << all(load_key_set(path));

  // Without a [signer] user the keys are read by whoever runs the signer: root.
  ASSERT_EQ(::chown(rsa.c_str(), 0, 0), 0);
  ::chmod(d.dir().c_str(), 0700);
  EXPECT_TRUE(load_key_set(d.write_config(signer_config())).ok());
}

TEST(SignerKeyStore, HeaderListFollowsTheConfig) {
  Settings s;
  dkim::HeaderPolicy p = header_policy(s);
  EXPECT_EQ(p.sign, dkim::HeaderPolicy::recommended().sign);
  EXPECT_EQ(p.oversign, dkim::HeaderPolicy::recommended().oversign);
  s.headers = std::vector<std::string>{"From", "Subject", "X-Custom"};
  p = header_policy(s);
  EXPECT_EQ(p.sign, (std::vector<std::string>{"from", "subject", "x-custom"}));
  EXPECT_EQ(p.oversign, (std::vector<std::string>{"from", "subject"}));  // of the recommended, those kept
  s.oversign = std::vector<std::string>{"From"};
  EXPECT_EQ(header_policy(s).oversign, (std::vector<std::string>{"from"}));
}

TEST(SignerKeyStore, ReloadSwapsAtomicallyAndInFlightMessagesKeepTheirSet) {
  SignerDir d;
  auto path = d.write_config(signer_config());
  LoadResult first = load_key_set(path);
  ASSERT_TRUE(first.ok());
  KeyStore store(first.keys);

  // A message starts with the first set...
  SigningSession in_flight(store.current(), "alice@example.com", 1700000000);
  ASSERT_TRUE(in_flight.header("From", " alice@example.com"));

  // ...the config changes to a single new selector and is reloaded...
  std::string next = "[signer]\nkey_dir = \"keys\"\n[[domain]]\nname = \"example.com\"\n"
                     "  [[domain.selector]]\n  name = \"new\"\n  algorithm = \"ed25519-sha256\"\n  key = \"ed.pem\"\n";
  d.write_config(next);
  LoadResult second = store.reload(path);
  ASSERT_TRUE(second.ok()) << all(second);
  EXPECT_EQ(store.current(), second.keys);

  // ...and the message in flight still signs with the selectors it started with.
  auto dec = in_flight.end_of_headers();
  ASSERT_TRUE(dec);
  EXPECT_EQ(in_flight.selectors(), (std::vector<std::string>{"r1", "e1"}));
  in_flight.body("hi\r\n");
  auto sigs = in_flight.finish(1700000000);
  ASSERT_TRUE(sigs);
  EXPECT_EQ(sigs->size(), 2u);

  SigningSession fresh(store.current(), "alice@example.com", 1700000000);
  ASSERT_TRUE(fresh.header("From", " alice@example.com"));
  ASSERT_TRUE(fresh.end_of_headers());
  EXPECT_EQ(fresh.selectors(), (std::vector<std::string>{"new"}));
}

TEST(SignerKeyStore, ABrokenReloadKeepsTheOldSetAndSaysWhy) {
  SignerDir d;
  auto path = d.write_config(signer_config());
  LoadResult first = load_key_set(path);
  ASSERT_TRUE(first.ok());
  KeyStore store(first.keys);

  d.write_config(signer_config() + "[[domain]]\nname = \"example.com\"\n");  // configured twice
  LoadResult bad = store.reload(path);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.errors().find("configured twice"), std::string::npos) << bad.errors();
  EXPECT_EQ(store.current(), first.keys);

  d.write_config(signer_config());
  d.write_key("rsa.pem", test::shared_rsa_key(), 0644);  // now the key is readable by all
  LoadResult bad2 = store.reload(path);
  EXPECT_FALSE(bad2.ok());
  EXPECT_NE(bad2.errors().find("group- or world-accessible"), std::string::npos) << bad2.errors();
  EXPECT_EQ(store.current(), first.keys);

  // A file emptied (or truncated to nothing) never drops every domain.
  d.write_key("rsa.pem", test::shared_rsa_key());
  for (const std::string& text : {std::string(), std::string("# nothing here\n"), std::string("[signer]\nkey_dir = \"keys\"\n")}) {
    d.write_config(text);
    LoadResult emptied = store.reload(path);
    EXPECT_FALSE(emptied.ok()) << text;
    EXPECT_EQ(store.current(), first.keys) << text;
  }
}

}  // namespace
}  // namespace dnsauth::signing

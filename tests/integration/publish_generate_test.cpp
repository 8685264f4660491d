// dnsauth-publish generate, end to end on a copy of examples/dnsauth.toml: keys are created
// mode 0600 (whatever the umask) and never overwritten; the zone fragments pass named-checkzone
// and nsd-checkzone, load in a real NSD and lint clean both offline (--zone) and over DNS
// (--resolver); the json and nsupdate formats hold the same records.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/dkim/crypto.h"
#include "core/common/base64.h"
#include "publish_support.h"
#include "support/nsd_fixture.h"

namespace dnsauth::test::publish {
namespace {

const char* kNet = "example.net";
const char* kCom = "example.com";

std::string read(const fs::path& p) { return read_file(p); }

// The fragment inside a zone an authoritative server accepts: SOA, NS, the name server's address.
std::string full_zone(const std::string& domain, const std::string& fragment) {
  return "$ORIGIN " + domain + ".\n$TTL 3600\n@ IN SOA ns1 hostmaster 2026010101 3600 600 86400 300\n"
         "@ IN NS ns1\nns1 IN A 127.0.0.1\n" + fragment;
}

bool have(const char* program) { return access(program, X_OK) == 0; }

TEST(PublishGenerate, CreatesEveryKeyMode0600EvenUnderAnOpenUmask) {
  Workspace ws;
  Ran r = publish_with_umask("000", {"generate", "--config", ws.config().string(), "--out", ws.out().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* key : {"example.net.s2026r.pem", "example.net.s2026e.pem", "example.com.s2026r.pem"}) {
    fs::path p = ws.keys() / key;
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_EQ(file_mode(p), 0600u) << p;
    EXPECT_NE(r.out.find(p.string() + " created"), std::string::npos) << r.out;
  }
  EXPECT_EQ(file_mode(ws.keys()), 0700u);
  // Private keys never reach the output.
  EXPECT_EQ(r.out.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos);
  // The key files hold the algorithms the config names.
  auto rsa = dkim::PrivateKey::from_pem(read(ws.keys() / "example.net.s2026r.pem"));
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->type(), dkim::KeyType::rsa);
  EXPECT_EQ(rsa->bits(), 2048u);
  auto ed = dkim::PrivateKey::from_pem(read(ws.keys() / "example.net.s2026e.pem"));
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->type(), dkim::KeyType::ed25519);
  // The fragment publishes exactly those keys.
  std::string zone = read(ws.zone(kNet));
  std::string p_ed = encode_base64(ed->public_key_record_bytes());
  EXPECT_NE(zone.find("s2026e._domainkey.example.net.\t3600\tIN\tTXT\t\"v=DKIM1; k=ed25519; p=" + p_ed + "\""),
            std::string::npos) << zone;
}

// The folders generate creates have fixed modes, as the files do: 0755 for the public output
// (a umask of 000 made it 0777, anyone could swap a fragment before it is published), 0700
// for keys, whatever the umask takes away or leaves.
TEST(PublishGenerate, CreatedFoldersHaveFixedModesWhateverTheUmask) {
  for (const char* umask_bits : {"000", "077"}) {
    Workspace ws;
    fs::path out = ws.dir() / "public" / "zones";
    Ran r = publish_with_umask(umask_bits, {"generate", "--config", ws.config().string(), "--out", out.string()});
    ASSERT_EQ(r.status, 0) << umask_bits << ": " << r.err;
    EXPECT_EQ(file_mode(ws.dir() / "public"), 0755u) << umask_bits;
    EXPECT_EQ(file_mode(out), 0755u) << umask_bits;
    EXPECT_EQ(file_mode(out / "example.com.zone"), 0644u) << umask_bits;
    EXPECT_EQ(file_mode(ws.keys()), 0700u) << umask_bits;
    EXPECT_EQ(file_mode(ws.keys() / "example.com.s2026r.pem"), 0600u) << umask_bits;
  }
}

// The packaged layout: root runs generate, the signer's user owns key_dir and must be able to
// read what root created there (and in folders root creates below it).
TEST(PublishGenerate, RunAsRootKeysBelongToTheOwnerOfTheKeyFolder) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the package's postinst and the README run generate as root)";
  Workspace ws;
  const uid_t uid = 65534;  // nobody: any user that is not root
  const gid_t gid = 65534;
  fs::create_directories(ws.keys());
  ASSERT_EQ(::chown(ws.keys().c_str(), uid, gid), 0);
  // One key in a folder that does not exist yet, below key_dir.
  std::string config = read(ws.config());
  auto at = config.find("key       = \"example.com.s2026r.pem\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, std::string("key       = \"example.com.s2026r.pem\"").size(), "key = \"com/s2026r.pem\"");
  ws.write("dnsauth.toml", config);
  Ran r = ws.generate();
  ASSERT_EQ(r.status, 0) << r.err;
  for (fs::path p : {ws.keys() / "example.net.s2026r.pem", ws.keys() / "example.net.s2026e.pem",
                     ws.keys() / "com" / "s2026r.pem", ws.keys() / "com"}) {
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, uid) << p;
    EXPECT_EQ(st.st_gid, gid) << p;
  }
  EXPECT_EQ(file_mode(ws.keys() / "com" / "s2026r.pem"), 0600u);
  EXPECT_EQ(file_mode(ws.keys() / "com"), 0700u);
  // What root writes in its own folders stays root's.
  struct stat zone {};
  ASSERT_EQ(::stat(ws.zone(kNet).c_str(), &zone), 0);
  EXPECT_EQ(zone.st_uid, 0u);
}

TEST(PublishGenerate, ASecondRunKeepsEveryKeyAndWritesTheSameZone) {
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  std::string key = read(ws.keys() / "example.com.s2026r.pem");
  std::string zone = read(ws.zone(kCom));
  Ran again = ws.generate();
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find((ws.keys() / "example.com.s2026r.pem").string() + " exists, kept"), std::string::npos);
  EXPECT_EQ(read(ws.keys() / "example.com.s2026r.pem"), key);
  EXPECT_EQ(read(ws.zone(kCom)), zone);
}

TEST(PublishGenerate, AnExistingKeyFileIsUsedNotReplaced) {
  Workspace ws;
  auto mine = dkim::PrivateKey::generate_ed25519();
  ASSERT_TRUE(mine);
  ws.write("keys/example.net.s2026e.pem", mine->to_pem());
  fs::permissions(ws.keys() / "example.net.s2026e.pem", fs::perms(0600));
  Ran r = ws.generate();
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read(ws.keys() / "example.net.s2026e.pem"), mine->to_pem());
  EXPECT_NE(read(ws.zone(kNet)).find("p=" + encode_base64(mine->public_key_record_bytes())), std::string::npos);
}

TEST(PublishGenerate, AnUnreadableKeyIsAnErrorAndTheFileIsLeftAlone) {
  Workspace ws;
  ws.write("keys/example.net.s2026r.pem", "not a key\n");
  Ran r = ws.generate();
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("example.net.s2026r.pem"), std::string::npos) << r.err;
  EXPECT_EQ(read(ws.keys() / "example.net.s2026r.pem"), "not a key\n");
  // That domain is not written (it would publish a revoked key); the other one is.
  EXPECT_FALSE(fs::exists(ws.zone(kNet)));
  EXPECT_TRUE(fs::exists(ws.zone(kCom)));
}

TEST(PublishGenerate, AKeyOfTheWrongAlgorithmIsAnError) {
  Workspace ws;
  ws.write("keys/example.net.s2026e.pem", dkim::PrivateKey::generate_rsa(1024)->to_pem());
  Ran r = ws.generate();
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("ed25519-sha256"), std::string::npos) << r.err;
}

TEST(PublishGenerate, ADanglingSymlinkAtAKeyPathIsNeverFollowed) {
  Workspace ws;
  fs::create_directories(ws.keys());
  fs::create_symlink(ws.dir() / "elsewhere.pem", ws.keys() / "example.com.s2026r.pem");
  Ran r = ws.generate({"--domain", kCom});
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(fs::exists(ws.dir() / "elsewhere.pem"));
}

TEST(PublishGenerate, WarnsAboutAKeyFileOthersCanRead) {
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  fs::permissions(ws.keys() / "example.com.s2026r.pem", fs::perms(0644));
  Ran r = ws.generate();
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("readable by group or others"), std::string::npos) << r.err;
  EXPECT_EQ(file_mode(ws.keys() / "example.com.s2026r.pem"), 0644u) << "generate never rewrites a key file";
}

TEST(PublishGenerate, FragmentsPassNamedCheckzoneAndNsdCheckzone) {
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  if (!have("/usr/bin/named-checkzone") && !have("/usr/sbin/named-checkzone"))
    GTEST_SKIP() << "named-checkzone is not installed (scripts/setup.sh installs bind9-utils)";
  for (const char* d : {kNet, kCom}) {
    ws.write(std::string("full/") + d, full_zone(d, read(ws.zone(d))));
    std::string checker = have("/usr/bin/named-checkzone") ? "/usr/bin/named-checkzone" : "/usr/sbin/named-checkzone";
    Ran named = run_process(checker, {"-k", "fail", "-n", "fail", d, (ws.dir() / "full" / d).string()});
    EXPECT_EQ(named.status, 0) << named.out << named.err;
    EXPECT_NE(named.out.find("OK"), std::string::npos) << named.out;
    if (have(NsdServer::kBinary)) {
      Ran nsd = run_process("/usr/sbin/nsd-checkzone", {d, (ws.dir() / "full" / d).string()});
      EXPECT_EQ(nsd.status, 0) << nsd.out << nsd.err;
    }
  }
}

TEST(PublishGenerate, GeneratedZonesLintCleanOffline) {
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  for (const char* d : {kNet, kCom}) {
    // With the config: every configured selector, its key file, the HELO names, the report
    // authorizations; both zones given, since example.com's reports go to example.net.
    Ran r = publish({"lint", "--zone", ws.zone(kNet).string(), "--zone", ws.zone(kCom).string(), "--domain", d,
                     "--config", ws.config().string(), "--json"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["findings"].size(), 0u) << r.out;
    EXPECT_EQ(j["exit_code"], 0);
    // Without the config: the selectors are found in the zone files.
    Ran plain = publish({"lint", "--zone", ws.zone(kNet).string(), "--zone", ws.zone(kCom).string(), "--domain", d});
    EXPECT_EQ(plain.status, 0) << plain.out << plain.err;
    EXPECT_NE(plain.out.find(std::string(d) + ": clean"), std::string::npos) << plain.out;
  }
}

TEST(PublishGenerate, GeneratedZonesLoadInNsdAndLintCleanOverDns) {
  if (!NsdServer::available()) GTEST_SKIP() << "nsd is not installed (scripts/setup.sh installs it)";
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  // The TLDs too (empty): the tree walk asks _dmarc.net and _dmarc.com, which an
  // authoritative-only server would otherwise refuse (dns-not-followed).
  NsdServer nsd({{kNet, full_zone(kNet, read(ws.zone(kNet)))},
                 {kCom, full_zone(kCom, read(ws.zone(kCom)))},
                 {"net", full_zone("net", "")},
                 {"com", full_zone("com", "")}});
  for (const char* d : {kNet, kCom}) {
    Ran r = publish({"lint", "--resolver", nsd.address(), "--domain", d, "--config", ws.config().string(), "--json"});
    EXPECT_EQ(r.status, 0) << r.out << r.err << nsd.log();
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["findings"].size(), 0u) << r.out;
  }
}

TEST(PublishGenerate, NamesAnAuthoritativeServerRefusesAreNotFollowedNotFailed) {
  if (!NsdServer::available()) GTEST_SKIP() << "nsd is not installed (scripts/setup.sh installs it)";
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  NsdServer nsd({{kNet, full_zone(kNet, read(ws.zone(kNet)))}, {kCom, full_zone(kCom, read(ws.zone(kCom)))}});
  Ran r = publish({"lint", "--resolver", nsd.address(), "--domain", kCom, "--config", ws.config().string(), "--json"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_GT(j["findings"].size(), 0u) << r.out;
  for (const auto& f : j["findings"]) {
    EXPECT_EQ(f["rule"], "dns-not-followed") << r.out;
    EXPECT_NE(f["message"].get<std::string>().find("refused"), std::string::npos) << r.out;
  }
}

TEST(PublishGenerate, JsonFormatHoldsTheSameRecordsSplitAt255Bytes) {
  Workspace ws;
  Ran r = ws.generate({"--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(ws.zone(kNet)));
  auto j = nlohmann::json::parse(read(ws.out() / "example.net.json"));
  EXPECT_EQ(j["domain"], kNet);
  ASSERT_EQ(j["records"].size(), 6u);
  for (const auto& rec : j["records"]) {
    EXPECT_EQ(rec["type"], "TXT");
    EXPECT_EQ(rec["ttl"], 3600);
    EXPECT_EQ(rec["name"].get<std::string>().back(), '.');
    std::string joined;
    for (const auto& s : rec["strings"]) {
      EXPECT_LE(s.get<std::string>().size(), 255u);
      joined += s.get<std::string>();
    }
    EXPECT_EQ(joined, rec["text"]);
  }
  EXPECT_EQ(j["records"][0]["name"], "s2026r._domainkey.example.net.");
  EXPECT_EQ(j["records"][0]["strings"].size(), 2u) << "an RSA-2048 p= does not fit one string";
}

TEST(PublishGenerate, NsupdateFormatReplacesOwnedNamesAndAddsTheRest) {
  Workspace ws;
  ASSERT_EQ(ws.generate({"--format", "nsupdate", "--domain", kNet}).status, 0);
  std::string s = read(ws.out() / "example.net.nsupdate");
  EXPECT_EQ(s.find("zone example.net.\n"), s.find("zone "));
  EXPECT_NE(s.find("update delete s2026r._domainkey.example.net. TXT\n"), std::string::npos) << s;
  EXPECT_NE(s.find("update delete _dmarc.example.net. TXT\n"), std::string::npos);
  EXPECT_EQ(s.find("update delete example.net. TXT"), std::string::npos);
  std::size_t adds = 0;
  for (std::size_t at = s.find("update add "); at != std::string::npos; at = s.find("update add ", at + 1)) ++adds;
  EXPECT_EQ(adds, 6u);
  EXPECT_EQ(s.substr(s.size() - 5), "send\n");
  EXPECT_FALSE(fs::exists(ws.out() / "example.com.nsupdate")) << "--domain limits the output";
}

TEST(PublishGenerate, NotesWithQuotesAndBackslashesAreEscapedAndStillPassTheCheckers) {
  Workspace ws;
  ws.write("dnsauth.toml", R"([signer]
key_dir = "keys"
[[domain]]
name = "example.org"
  [[domain.selector]]
  name = "q"
  algorithm = "ed25519-sha256"
  notes = "say \"hi\" \\ to ops"
  [domain.spf]
  ip4 = ["192.0.2.1"]
  helo = ["mx.example.org", "relay.example.net"]
  [domain.dmarc]
  p = "reject"
  rua = ["mailto:d@example.org"]
)");
  Ran r = ws.generate();
  ASSERT_EQ(r.status, 0) << r.err;
  std::string zone = read(ws.zone("example.org"));
  EXPECT_NE(zone.find(R"(n=say=20\"hi\"=20\\=20to=20ops;)"), std::string::npos) << zone;
  // relay.example.net is not in example.org: it gets a fragment of its own.
  EXPECT_EQ(zone.find("relay.example.net"), std::string::npos);
  EXPECT_NE(read(ws.out() / "example.org.external.zone").find("relay.example.net.\t3600\tIN\tTXT\t\"v=spf1 ip4:192.0.2.1 -all\""),
            std::string::npos);
  EXPECT_NE(r.out.find("1 of them outside example.org"), std::string::npos) << r.out;
  Ran lint = publish({"lint", "--zone", ws.zone("example.org").string(), "--domain", "example.org", "--config",
                      ws.config().string()});
  EXPECT_EQ(lint.status, 0) << lint.out << lint.err;
  if (have("/usr/bin/named-checkzone")) {
    ws.write("full.zone", full_zone("example.org", zone));
    Ran named = run_process("/usr/bin/named-checkzone", {"example.org", (ws.dir() / "full.zone").string()});
    EXPECT_EQ(named.status, 0) << named.out;
  }
}

}  // namespace
}  // namespace dnsauth::test::publish

namespace dnsauth::test::publish {
namespace {

const std::string kPostureConfig =
    "[[domain]]\nname = \"example.org\"\n"
    "[domain.dmarc]\np = \"reject\"\n"
    "[domain.mta_sts]\nmode = \"enforce\"\nmx = [\"mx1.example.org\", \"*.mail.example.net\"]\nmax_age = \"14d\"\n"
    "[domain.tls_rpt]\nrua = [\"mailto:tlsrpt@example.org\"]\n"
    "[domain.bimi]\nlogo = \"https://example.org/bimi/logo.svg\"\n";

// RFC 8461 3.1-3.3: generate writes the _mta-sts record and, with it, the policy it announces,
// as the document root of https://mta-sts.<domain>/ (CRLF lines); its id is the same for the
// same policy on every run and changes with the policy. RFC 8460 3 and BIMI records beside them,
// in every format.
TEST(PublishGenerate, MtaStsPolicyFileTlsRptAndBimiRecords) {
  Workspace ws;
  ws.write("dnsauth.toml", kPostureConfig);
  Ran r = ws.generate();
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path policy = ws.out() / "mta-sts.example.org" / ".well-known" / "mta-sts.txt";
  EXPECT_EQ(read_file(policy),
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.mail.example.net\r\nmax_age: 1209600\r\n");
  EXPECT_EQ(file_mode(policy), 0644u);
  EXPECT_NE(r.out.find("serve it at https://mta-sts.example.org/.well-known/mta-sts.txt as text/plain"), std::string::npos)
      << r.out;
  const std::string zone = read_file(ws.zone("example.org"));
  EXPECT_NE(zone.find("_smtp._tls.example.org.\t3600\tIN\tTXT\t\"v=TLSRPTv1; rua=mailto:tlsrpt@example.org\""),
            std::string::npos) << zone;
  EXPECT_NE(zone.find("default._bimi.example.org.\t3600\tIN\tTXT\t\"v=BIMI1; l=https://example.org/bimi/logo.svg\""),
            std::string::npos) << zone;
  auto id_of = [](const std::string& z) {
    const std::string needle = "_mta-sts.example.org.\t3600\tIN\tTXT\t\"v=STSv1; id=";
    auto at = z.find(needle);
    if (at == std::string::npos) return std::string();
    at += needle.size();
    return z.substr(at, z.find('"', at) - at);
  };
  const std::string id = id_of(zone);
  ASSERT_EQ(id.size(), 20u) << zone;

  // The JSON summary names the policy's file, URL and id.
  Ran j = ws.generate({"--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  auto summary = nlohmann::json::parse(j.out);
  EXPECT_EQ(summary["written"][0]["mta_sts_policy"]["url"], "https://mta-sts.example.org/.well-known/mta-sts.txt");
  EXPECT_EQ(summary["written"][0]["mta_sts_policy"]["file"], policy.string());
  EXPECT_EQ(summary["written"][0]["mta_sts_policy"]["id"], id);
  EXPECT_EQ(id_of(read_file(ws.zone("example.org"))), id) << "the same policy keeps its id";

  // Another policy, another id.
  std::string testing = kPostureConfig;
  testing.replace(testing.find("\"enforce\""), 9, "\"testing\"");
  ws.write("dnsauth.toml", testing);
  ASSERT_EQ(ws.generate().status, 0);
  EXPECT_NE(read_file(policy).find("mode: testing\r\n"), std::string::npos);
  const std::string id2 = id_of(read_file(ws.zone("example.org")));
  EXPECT_EQ(id2.size(), 20u);
  EXPECT_NE(id2, id);

  // The nsupdate script replaces the whole RRset at these names, as at DKIM and DMARC names.
  ASSERT_EQ(ws.generate({"--format", "nsupdate"}).status, 0);
  const std::string script = read_file(ws.out() / "example.org.nsupdate");
  EXPECT_NE(script.find("update delete _mta-sts.example.org. TXT\n"), std::string::npos) << script;
  EXPECT_NE(script.find("update delete default._bimi.example.org. TXT\n"), std::string::npos) << script;
}

}  // namespace
}  // namespace dnsauth::test::publish

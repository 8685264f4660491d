// core/records/records.h: the TXT records built from dnsauth.toml, each read back by the same
// core parser that receivers use (dkim::parse_key_record, spf::parse_record,
// dmarc::parse_record), and the 255-byte character-string split (RFC 1035 3.3).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>

#include "core/common/base64.h"
#include "core/config/config.h"
#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"
#include "core/dmarc/record.h"
#include "core/records/records.h"
#include "core/spf/record.h"

namespace dnsauth::records {
namespace {

const dkim::PrivateKey& ed_key() {
  static const dkim::PrivateKey k = *dkim::PrivateKey::generate_ed25519();
  return k;
}

DkimKeySpec spec(dkim::KeyType type, std::string key, std::string notes = {}) {
  DkimKeySpec s;
  s.key_type = type;
  s.public_key = std::move(key);
  s.notes = std::move(notes);
  return s;
}

// ---- DKIM key records (RFC 6376 3.6.1, RFC 8463 4) ----

TEST(DkimKeyRecord, MinimalEd25519ReadsBackAsTheSameKey) {
  std::string text = dkim_key_record(spec(dkim::KeyType::ed25519, ed_key().public_key_record_bytes()));
  EXPECT_EQ(text, "v=DKIM1; k=ed25519; p=" + encode_base64(ed_key().public_key_record_bytes()));
  auto rec = dkim::parse_key_record(text);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->type(), dkim::KeyType::ed25519);
  EXPECT_FALSE(rec->testing);
  EXPECT_TRUE(rec->hashes.empty());
  auto pub = dkim::PublicKey::from_record_bytes(dkim::KeyType::ed25519, rec->public_key);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->same_key(ed_key()));
}

TEST(DkimKeyRecord, OptionalTagsComeBeforePInAFixedOrder) {
  std::string text = dkim_key_record({dkim::KeyType::rsa, "\x01\x02", {"sha256"}, true, "ops", {"email"}});
  EXPECT_EQ(text, "v=DKIM1; k=rsa; h=sha256; s=email; t=y; n=ops; p=AQI=");
  auto rec = dkim::parse_key_record(text);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_TRUE(rec->testing);
  EXPECT_EQ(rec->hashes, std::vector<std::string>{"sha256"});
  EXPECT_EQ(rec->notes, "ops");
  EXPECT_EQ(rec->services, std::vector<std::string>{"email"});
  EXPECT_TRUE(rec->allows_email());
}

TEST(DkimKeyRecord, ServicesComeFromTheConfigWhichAllowsOnlyMail) {
  auto ok = config::parse_config("[[domain]]\nname = \"example.com\"\n[[domain.selector]]\nname = \"s\"\n"
                                 "services = [\"email\"]\nhashes = [\"sha256\"]\n",
                                 "t.toml", "/tmp");
  ASSERT_TRUE(ok) << ok.error().detail;
  auto recs = domain_records(ok->domains.front(), {{"s", "\x01"}});
  EXPECT_EQ(recs.front().text, "v=DKIM1; k=rsa; h=sha256; s=email; p=AQ==");
  // RFC 6376 3.6.1: a key whose s= leaves out email cannot sign mail; the config refuses it.
  auto bad = config::parse_config("[[domain]]\nname = \"example.com\"\n[[domain.selector]]\nname = \"s\"\n"
                                  "services = [\"tlsrpt\"]\n",
                                  "t.toml", "/tmp");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("t.toml:5"), std::string::npos) << bad.error().detail;
}

TEST(DkimKeyRecord, EmptyKeyPublishesARevokedRecord) {
  std::string text = dkim_key_record(spec(dkim::KeyType::rsa, ""));
  EXPECT_EQ(text, "v=DKIM1; k=rsa; p=");
  auto rec = dkim::parse_key_record(text);
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->revoked());
}

TEST(DkimKeyRecord, NotesAreAQpSectionSoSemicolonsCannotEndTheTag) {
  // RFC 6376 3.6.1 n= is qp-section: ';' would end the tag, '=' starts an escape, SP and
  // non-ASCII bytes are not allowed raw.
  EXPECT_EQ(encode_qp_section("a;b=c d\xc3\xa9"), "a=3Bb=3Dc=20d=C3=A9");
  std::string text = dkim_key_record(spec(dkim::KeyType::rsa, "\x01", "rotate; see wiki=ops"));
  auto rec = dkim::parse_key_record(text);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->notes, "rotate=3B=20see=20wiki=3Dops");
  EXPECT_EQ(rec->public_key, "\x01");
}

// ---- SPF (RFC 7208) ----

TEST(SpfRecord, DomainRecordListsAddressesThenIncludesThenAll) {
  config::Spf spf;
  spf.ip4 = {"192.0.2.0/24"};
  spf.ip6 = {"2001:db8::/32"};
  spf.include = {"_spf.example.net"};
  spf.all = "~";
  std::string text = spf_record(spf);
  EXPECT_EQ(text, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all");
  auto rec = spf::parse_record(text);
  ASSERT_TRUE(rec) << rec.error().message();
  ASSERT_EQ(rec->mechanisms.size(), 4u);
  EXPECT_EQ(rec->mechanisms[3].qualifier, spf::Qualifier::softfail);
}

TEST(SpfRecord, HeloRecordAuthorizesTheAddressesButNotTheIncludes) {
  config::Spf spf;
  spf.ip4 = {"192.0.2.1"};
  spf.include = {"_spf.example.net"};
  EXPECT_EQ(spf_record(spf, true), "v=spf1 ip4:192.0.2.1 -all");
}

TEST(SpfRecord, NothingAuthorizedIsJustAll) {
  EXPECT_EQ(spf_record(config::Spf{}), "v=spf1 -all");
}

// ---- DMARC (RFC 9989 4.7) ----

TEST(DmarcRecord, OnlyConfiguredTagsWithVFirstAndNoProblems) {
  config::Dmarc d;
  d.p = "reject";
  d.sp = "quarantine";
  d.np = "reject";
  d.adkim = "s";
  d.rua = {"mailto:a@example.com", "mailto:b@example.net"};
  d.ruf = {"mailto:f@example.com"};
  d.fo = "1";
  d.testing = true;
  d.psd = false;
  std::string text = dmarc_record(d);
  EXPECT_EQ(text,
            "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; fo=1; t=y; psd=n; "
            "rua=mailto:a@example.com,mailto:b@example.net; ruf=mailto:f@example.com");
  auto rec = dmarc::parse_record(text);
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_TRUE(rec->problems.empty()) << rec->problems.front().detail;
  EXPECT_EQ(rec->p.value, dmarc::Policy::reject);
  EXPECT_EQ(rec->sp.value, dmarc::Policy::quarantine);
  EXPECT_EQ(rec->adkim, dmarc::AlignmentMode::strict);
  EXPECT_EQ(rec->aspf, dmarc::AlignmentMode::relaxed);
  EXPECT_TRUE(rec->testing);
  EXPECT_EQ(rec->rua.size(), 2u);
}

TEST(DmarcRecord, DefaultsAreLeftOut) {
  config::Dmarc d;  // p=none, adkim=r, aspf=r
  EXPECT_EQ(dmarc_record(d), "v=DMARC1; p=none");
}

TEST(DmarcRecord, CommaAndSemicolonInsideAUriArePercentEncoded) {
  config::Dmarc d;
  d.p = "reject";
  d.rua = {"mailto:dmarc,reports;x@example.com"};
  std::string text = dmarc_record(d);
  EXPECT_EQ(text, "v=DMARC1; p=reject; rua=mailto:dmarc%2Creports%3Bx@example.com");
  auto rec = dmarc::parse_record(text);
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->rua.size(), 1u);
  EXPECT_EQ(rec->rua[0].host, "example.com");
}

TEST(DmarcRecord, PctIsWrittenOnlyWhenConfigured) {
  config::Dmarc d;
  d.p = "quarantine";
  d.pct = 25;
  EXPECT_EQ(dmarc_record(d), "v=DMARC1; p=quarantine; pct=25");
}

// ---- Owners and a whole domain ----

TEST(Owners, FollowTheRfcNames) {
  EXPECT_EQ(dmarc_owner("example.com"), "_dmarc.example.com");
  // RFC 7489 7.1: <reported domain>._report._dmarc.<report receiver>
  EXPECT_EQ(report_authorization_owner("example.com", "example.net"), "example.com._report._dmarc.example.net");
  EXPECT_EQ(kReportAuthorizationRecord, "v=DMARC1");
}

constexpr std::string_view kConfig = R"(
[[domain]]
name = "Example.NET"
ttl = 600
  [[domain.selector]]
  name = "a"
  algorithm = "ed25519-sha256"
  [[domain.selector]]
  name = "b"
  testing = true
  [domain.spf]
  ip4 = ["192.0.2.1"]
  helo = ["mx1.example.net", "mx2.example.org"]
  [domain.dmarc]
  p = "reject"
  rua = ["mailto:r@example.net"]
  accept_reports_for = ["example.com", "example.org"]
)";

TEST(DomainRecords, EveryRecordInOrderWithTheDomainsTtl) {
  auto cfg = config::parse_config(kConfig, "test.toml", "/tmp");
  ASSERT_TRUE(cfg) << cfg.error().detail;
  const config::Domain& d = cfg->domains.front();
  auto recs = domain_records(d, {{"a", ed_key().public_key_record_bytes()}});
  std::vector<std::string> owners;
  for (const auto& r : recs) {
    owners.push_back(r.owner);
    EXPECT_EQ(r.ttl, 600u) << r.owner;
  }
  EXPECT_EQ(owners, (std::vector<std::string>{"a._domainkey.example.net", "b._domainkey.example.net", "example.net",
                                              "mx1.example.net", "mx2.example.org", "_dmarc.example.net",
                                              "example.com._report._dmarc.example.net",
                                              "example.org._report._dmarc.example.net"}));
  EXPECT_EQ(recs[0].kind, Kind::dkim);
  EXPECT_EQ(recs[0].text, "v=DKIM1; k=ed25519; p=" + encode_base64(ed_key().public_key_record_bytes()));
  // No key for b: published revoked, and the comment says so.
  EXPECT_EQ(recs[1].text, "v=DKIM1; k=rsa; t=y; p=");
  EXPECT_NE(recs[1].comment.find("revoked"), std::string::npos);
  EXPECT_EQ(recs[2].kind, Kind::spf);
  EXPECT_EQ(recs[3].text, "v=spf1 ip4:192.0.2.1 -all");
  EXPECT_EQ(recs[5].text, "v=DMARC1; p=reject; rua=mailto:r@example.net");
  EXPECT_EQ(recs[6].kind, Kind::report_authorization);
  EXPECT_EQ(recs[6].text, "v=DMARC1");
}

// ---- MTA-STS (RFC 8461 3.1, 3.2), TLS-RPT (RFC 8460 3), BIMI ----

constexpr std::string_view kPostureConfig = R"(
[[domain]]
name = "example.com"
ttl = 900
  [domain.mta_sts]
  mode = "enforce"
  mx = ["mx1.example.com", "*.mail.example.net"]
  max_age = 1209600
  [domain.tls_rpt]
  rua = ["mailto:tlsrpt@example.com", "https://reports.example.com/tlsrpt"]
  [domain.bimi]
  selector = "brand"
  logo = "https://example.com/bimi/logo.svg"
  evidence = "https://example.com/bimi/vmc.pem"
)";

config::Domain posture_domain(std::string_view text = kPostureConfig) {
  auto cfg = config::parse_config(text, "test.toml", "/tmp");
  EXPECT_TRUE(cfg) << cfg.error().detail;
  return cfg ? cfg->domains.front() : config::Domain{};
}

// RFC 8461 3.2: "key/value pairs separated by CRLF", version first; every mx in config order.
TEST(MtaStsPolicy, Rfc8461_3_2_LinesEndInCrlfWithVersionFirst) {
  config::Domain d = posture_domain();
  EXPECT_EQ(mta_sts_policy(*d.mta_sts),
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 1209600\r\n");
  EXPECT_EQ(mta_sts_policy_host("example.com"), "mta-sts.example.com");
  EXPECT_EQ(kMtaStsPolicyPath, "/.well-known/mta-sts.txt");
}

// RFC 8461 3.1: id is 1*32 ALPHA/DIGIT, and senders fetch the policy again only when it changes:
// the same policy gives the same id, any change of the policy a new one, and a change elsewhere
// (the TTL) none.
TEST(MtaStsRecord, Rfc8461_3_1_TheIdChangesExactlyWhenThePolicyDoes) {
  config::Domain d = posture_domain();
  const std::string record = mta_sts_record(*d.mta_sts);
  ASSERT_EQ(record.rfind("v=STSv1; id=", 0), 0u) << record;
  const std::string id = record.substr(12);
  EXPECT_EQ(id.size(), 20u);
  EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
  EXPECT_EQ(id, mta_sts_id(mta_sts_policy(*d.mta_sts)));

  config::Domain same = posture_domain();
  same.ttl = 60;
  EXPECT_EQ(mta_sts_record(*same.mta_sts), record);
  std::set<std::string> ids{id};
  for (auto change : std::vector<std::function<void(config::MtaSts&)>>{
           [](config::MtaSts& m) { m.mode = "testing"; },
           [](config::MtaSts& m) { m.mx.push_back("mx2.example.com"); },
           [](config::MtaSts& m) { std::swap(m.mx[0], m.mx[1]); },
           [](config::MtaSts& m) { m.max_age = 1209601; }}) {
    config::MtaSts m = *d.mta_sts;
    change(m);
    EXPECT_TRUE(ids.insert(mta_sts_id(mta_sts_policy(m))).second) << mta_sts_policy(m);
  }
}

TEST(TlsRptAndBimiRecords, VersionFirstThenTheConfiguredUris) {
  config::Domain d = posture_domain();
  // RFC 8460 3: rua holds the URIs separated by commas.
  EXPECT_EQ(tls_rpt_record(*d.tls_rpt), "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt");
  EXPECT_EQ(bimi_record(*d.bimi), "v=BIMI1; l=https://example.com/bimi/logo.svg; a=https://example.com/bimi/vmc.pem");
  d.bimi->evidence.clear();
  EXPECT_EQ(bimi_record(*d.bimi), "v=BIMI1; l=https://example.com/bimi/logo.svg");
  EXPECT_EQ(mta_sts_owner("example.com"), "_mta-sts.example.com");
  EXPECT_EQ(tls_rpt_owner("example.com"), "_smtp._tls.example.com");
  EXPECT_EQ(bimi_owner("brand", "example.com"), "brand._bimi.example.com");
}

TEST(DomainRecords, MtaStsTlsRptAndBimiComeLastWithTheDomainsTtl) {
  config::Domain d = posture_domain();
  auto recs = domain_records(d, {});
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].owner, "_mta-sts.example.com");
  EXPECT_EQ(recs[0].kind, Kind::mta_sts);
  EXPECT_EQ(recs[0].text, mta_sts_record(*d.mta_sts));
  EXPECT_NE(recs[0].comment.find("https://mta-sts.example.com/.well-known/mta-sts.txt"), std::string::npos);
  EXPECT_EQ(recs[1].owner, "_smtp._tls.example.com");
  EXPECT_EQ(recs[1].kind, Kind::tls_rpt);
  EXPECT_EQ(recs[2].owner, "brand._bimi.example.com");
  EXPECT_EQ(recs[2].kind, Kind::bimi);
  for (const auto& r : recs) EXPECT_EQ(r.ttl, 900u) << r.owner;
  EXPECT_EQ(to_string(Kind::mta_sts), "mta-sts");
  EXPECT_EQ(to_string(Kind::tls_rpt), "tls-rpt");
  EXPECT_EQ(to_string(Kind::bimi), "bimi");
}

// ---- RFC 1035 3.3: character-strings of at most 255 bytes ----

TEST(SplitCharacterStrings, Boundaries) {
  struct Case {
    std::size_t size;
    std::vector<std::size_t> parts;
  };
  for (const Case& c : std::vector<Case>{{0, {0}}, {1, {1}}, {255, {255}}, {256, {255, 1}}, {510, {255, 255}},
                                         {511, {255, 255, 1}}, {800, {255, 255, 255, 35}}}) {
    std::string text;
    for (std::size_t i = 0; i < c.size; ++i) text.push_back(static_cast<char>('a' + i % 26));
    auto parts = split_character_strings(text);
    std::vector<std::size_t> sizes;
    std::string joined;
    for (const auto& p : parts) {
      sizes.push_back(p.size());
      joined += p;
    }
    EXPECT_EQ(sizes, c.parts) << c.size;
    EXPECT_EQ(joined, text) << c.size;
  }
}

TEST(SplitCharacterStrings, SmallerLimit) {
  EXPECT_EQ(split_character_strings("abcdefg", 3), (std::vector<std::string>{"abc", "def", "g"}));
}

}  // namespace
}  // namespace dnsauth::records

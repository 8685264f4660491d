// DNS as code (core/records/zone_plan.h): the difference between what dnsauth.toml wants and what
// a server serves, and the RFC 2136 UPDATE that closes it. Only our records are touched; every
// touched RRset is a prerequisite as it was read, so a change made meanwhile makes the server
// refuse the update whole.
#include <gtest/gtest.h>

#include <map>

#include "core/records/zone_plan.h"

using namespace dnsauth;
using namespace dnsauth::records;

namespace {

using Strings = std::vector<std::string>;

// A zone as a server serves it: owner -> TXT RRset. Counts the owners asked about.
struct FakeZone {
  std::map<std::string, Served> rrsets;
  std::vector<std::string> asked;
  ServedLookup lookup() {
    return [this](const std::string& owner) -> Result<Served> {
      asked.push_back(owner);
      auto it = rrsets.find(owner);
      return it == rrsets.end() ? Served{} : it->second;
    };
  }
};

Wanted want(std::string owner, Kind kind, std::vector<std::string> texts, std::uint32_t ttl = 3600) {
  return Wanted{std::move(owner), kind, ttl, std::move(texts)};
}

const std::string kKey = "v=DKIM1; k=rsa; p=MIIBIjANBgkq";
const std::string kSpf = "v=spf1 mx -all";
const std::string kDmarc = "v=DMARC1; p=reject; rua=mailto:d@example.com";

}  // namespace

// RFC 7208 4.5: an SPF record begins with exactly "v=spf1", ended by a space or the record's end.
TEST(ZonePlanOwns, Rfc7208_4_5_SpfRecordsAreThoseStartingWithTheVersionSection) {
  EXPECT_TRUE(owns(Kind::spf, "v=spf1 -all"));
  EXPECT_TRUE(owns(Kind::spf, "v=spf1"));
  EXPECT_TRUE(owns(Kind::spf, "V=SPF1 ip4:192.0.2.1 -all"));  // ABNF literals are case-insensitive
  EXPECT_FALSE(owns(Kind::spf, "v=spf10 -all"));
  EXPECT_FALSE(owns(Kind::spf, "v=spf1-all"));
  EXPECT_FALSE(owns(Kind::spf, "v=spf"));
  EXPECT_FALSE(owns(Kind::spf, " v=spf1 -all"));
  EXPECT_FALSE(owns(Kind::spf, "google-site-verification=abc"));
  EXPECT_FALSE(owns(Kind::spf, ""));
}

// RFC 7489 6.4: a DMARC record begins "v=DMARC1", then ';' (or whitespace before it).
TEST(ZonePlanOwns, Rfc7489_6_4_DmarcAndReportAuthorizationRecordsStartWithVersion) {
  for (Kind k : {Kind::dmarc, Kind::report_authorization}) {
    EXPECT_TRUE(owns(k, "v=DMARC1;"));
    EXPECT_TRUE(owns(k, "v=DMARC1; p=none"));
    EXPECT_TRUE(owns(k, "v=DMARC1 ; p=none"));
    EXPECT_TRUE(owns(k, "v=DMARC1"));
    EXPECT_TRUE(owns(k, "v=dmarc1; p=none"));
    EXPECT_FALSE(owns(k, "v=DMARC10; p=none"));
    EXPECT_FALSE(owns(k, "v=spf1 -all"));
    EXPECT_FALSE(owns(k, "some-verification=1"));
  }
}

// RFC 8461 3.1 ("v=STSv1" first), RFC 8460 3 ("v=TLSRPTv1") and BIMI ("v=BIMI1"): at these
// names only the records of that version are ours.
TEST(ZonePlanOwns, MtaStsTlsRptAndBimiRecordsStartWithTheirVersion) {
  EXPECT_TRUE(owns(Kind::mta_sts, "v=STSv1; id=20160831085700Z;"));
  EXPECT_TRUE(owns(Kind::mta_sts, "v=STSv1;id=1"));
  EXPECT_FALSE(owns(Kind::mta_sts, "v=STSv10; id=1"));
  EXPECT_FALSE(owns(Kind::mta_sts, "site-verification=1"));
  EXPECT_TRUE(owns(Kind::tls_rpt, "v=TLSRPTv1; rua=mailto:r@example.com"));
  EXPECT_FALSE(owns(Kind::tls_rpt, "v=STSv1; id=1"));
  EXPECT_TRUE(owns(Kind::bimi, "v=BIMI1; l=https://example.com/l.svg"));
  EXPECT_TRUE(owns(Kind::bimi, "v=bimi1;"));
  EXPECT_FALSE(owns(Kind::bimi, "v=BIMI2; l="));
}

// RFC 6376 3.6.2.1: the name of a DKIM key holds key records only; whatever is there is ours.
TEST(ZonePlanOwns, Rfc6376_3_6_2_1_EverythingAtADkimNameIsOurs) {
  EXPECT_TRUE(owns(Kind::dkim, kKey));
  EXPECT_TRUE(owns(Kind::dkim, "v=DKIM1; p="));
  EXPECT_TRUE(owns(Kind::dkim, "google-site-verification=abc"));
  EXPECT_TRUE(owns(Kind::dkim, ""));
}

TEST(ZonePlanInZone, AnOwnerIsInTheZoneAndItsParentsOnlyAtALabelBoundary) {
  EXPECT_TRUE(in_zone("example.com", "example.com"));
  EXPECT_TRUE(in_zone("example.com", "com"));
  EXPECT_TRUE(in_zone("s1._domainkey.example.com", "example.com"));
  EXPECT_TRUE(in_zone("Mail.EXAMPLE.com", "example.COM"));
  EXPECT_TRUE(in_zone("example.com", ""));  // the root holds every name
  EXPECT_FALSE(in_zone("example.com", "ample.com"));
  EXPECT_FALSE(in_zone("com", "example.com"));
  EXPECT_FALSE(in_zone("example.org", "example.com"));
  EXPECT_FALSE(in_zone("xexample.com", "example.com"));
}

TEST(ZonePlanWanted, RecordsAreGroupedByOwnerInFirstSeenOrderThenAbsentOwners) {
  std::vector<TxtRecord> records = {
      {"example.com", 300, kSpf, Kind::spf, ""},
      {"s1._domainkey.example.com", 3600, kKey, Kind::dkim, ""},
      {"Example.COM", 300, "v=spf1 a -all", Kind::spf, ""},
      {"_dmarc.example.com", 3600, kDmarc, Kind::dmarc, ""},
  };
  auto w = wanted_by_owner(records, {"s0._domainkey.example.com", "S1._domainkey.example.com"});
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].owner, "example.com");
  EXPECT_EQ(w[0].kind, Kind::spf);
  EXPECT_EQ(w[0].ttl, 300u);
  EXPECT_EQ(w[0].texts, (Strings{kSpf, "v=spf1 a -all"}));
  EXPECT_EQ(w[1].owner, "s1._domainkey.example.com");
  EXPECT_EQ(w[1].texts, Strings{kKey});
  EXPECT_EQ(w[2].owner, "_dmarc.example.com");
  EXPECT_EQ(w[2].kind, Kind::dmarc);
  // A removed selector's name: none of ours should be there. One still wanted is not absent.
  EXPECT_EQ(w[3].owner, "s0._domainkey.example.com");
  EXPECT_EQ(w[3].kind, Kind::dkim);
  EXPECT_TRUE(w[3].texts.empty());
  EXPECT_TRUE(wanted_by_owner({}).empty());
}

TEST(ZonePlan, AZoneInSyncNeedsNoChangeAndAnEmptyUpdate) {
  FakeZone z;
  z.rrsets["example.com"] = Served{3600, {{"google-site-verification=abc"}, {"v=spf1 mx ", "-all"}}};
  z.rrsets["s1._domainkey.example.com"] = Served{3600, {{kKey}}};
  auto plan = plan_zone("example.com",
                        {want("example.com", Kind::spf, {kSpf}), want("s1._domainkey.example.com", Kind::dkim, {kKey}),
                         want("s0._domainkey.example.com", Kind::dkim, {}, 0)},
                        z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->zone, "example.com");
  EXPECT_EQ(plan->update.zone, "example.com");
  EXPECT_TRUE(plan->changes.empty());
  EXPECT_TRUE(plan->update.prerequisites.empty());
  EXPECT_TRUE(plan->update.deletes.empty());
  EXPECT_TRUE(plan->update.adds.empty());
  EXPECT_TRUE(plan->outside.empty());
  EXPECT_EQ(z.asked.size(), 3u);
}

TEST(ZonePlan, TheOrderOfRecordsInAnRRsetIsNoDifference) {
  FakeZone z;
  z.rrsets["example.com"] = Served{3600, {{"v=spf1 b -all"}, {"v=spf1 a -all"}}};
  auto plan = plan_zone("example.com", {want("example.com", Kind::spf, {"v=spf1 a -all", "v=spf1 b -all"})}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_TRUE(plan->changes.empty());
}

// RFC 2136 2.4.3: when there is no TXT RRset, the update requires that there still is none.
TEST(ZonePlan, Rfc2136_2_4_3_AMissingRecordIsAddedIfTheRRsetStillDoesNotExist) {
  FakeZone z;
  auto plan = plan_zone("example.com", {want("s2._domainkey.example.com", Kind::dkim, {kKey}, 300)}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 1u);
  const Change& c = plan->changes[0];
  EXPECT_EQ(c.kind, ChangeKind::add);
  EXPECT_EQ(c.owner, "s2._domainkey.example.com");
  EXPECT_EQ(c.record_kind, Kind::dkim);
  EXPECT_TRUE(c.before.empty());
  EXPECT_EQ(c.after, Strings{kKey});
  EXPECT_EQ(c.ttl_before, 0u);
  EXPECT_EQ(c.ttl_after, 300u);
  ASSERT_EQ(plan->update.prerequisites.size(), 1u);
  EXPECT_EQ(plan->update.prerequisites[0].owner, "s2._domainkey.example.com");
  EXPECT_TRUE(plan->update.prerequisites[0].records.empty()) << "RRset does not exist";
  EXPECT_TRUE(plan->update.deletes.empty());
  ASSERT_EQ(plan->update.adds.size(), 1u);
  EXPECT_EQ(plan->update.adds[0].owner, "s2._domainkey.example.com");
  EXPECT_EQ(plan->update.adds[0].ttl, 300u);
  EXPECT_EQ(plan->update.adds[0].strings, Strings{kKey});
}

// RFC 2136 2.4.2 / 2.5.4 / 2.5.1: at the apex, an old SPF record beside another party's
// verification record. Only the SPF record is replaced; the prerequisite is the RRset exactly as
// read (both records), the delete names exactly the strings served, the other record stays.
TEST(ZonePlan, Rfc2136_2_4_2_AtTheApexOnlyOurSpfRecordIsReplaced) {
  FakeZone z;
  const Strings verification = {"google-site-verification=abc"};
  const Strings old_spf = {"v=spf1 ip4:192.0.2.1 ", "-all"};  // two character-strings
  z.rrsets["example.com"] = Served{3600, {verification, old_spf}};
  auto plan = plan_zone("example.com", {want("example.com", Kind::spf, {kSpf})}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 1u);
  const Change& c = plan->changes[0];
  EXPECT_EQ(c.kind, ChangeKind::replace);
  EXPECT_EQ(c.before, Strings{"v=spf1 ip4:192.0.2.1 -all"});  // strings joined
  EXPECT_EQ(c.after, Strings{kSpf});
  EXPECT_EQ(c.ttl_before, 3600u);
  EXPECT_EQ(c.ttl_after, 3600u);

  ASSERT_EQ(plan->update.prerequisites.size(), 1u);
  EXPECT_EQ(plan->update.prerequisites[0].owner, "example.com");
  EXPECT_EQ(plan->update.prerequisites[0].records, (std::vector<Strings>{verification, old_spf}));
  ASSERT_EQ(plan->update.deletes.size(), 1u);
  EXPECT_EQ(plan->update.deletes[0].owner, "example.com");
  EXPECT_EQ(plan->update.deletes[0].strings, old_spf);
  EXPECT_EQ(plan->update.deletes[0].ttl, 0u);  // RFC 2136 2.5.4: TTL zero in a delete
  ASSERT_EQ(plan->update.adds.size(), 1u);
  EXPECT_EQ(plan->update.adds[0].strings, Strings{kSpf});
}

// RFC 2136 2.4.2: adding our first SPF record beside someone else's still pins their RRset.
TEST(ZonePlan, Rfc2136_2_4_2_AddingBesideAnotherRecordRequiresTheRRsetAsRead) {
  FakeZone z;
  z.rrsets["example.com"] = Served{600, {{"google-site-verification=abc"}}};
  auto plan = plan_zone("example.com", {want("example.com", Kind::spf, {kSpf})}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].kind, ChangeKind::add);
  EXPECT_EQ(plan->changes[0].ttl_before, 0u);
  ASSERT_EQ(plan->update.prerequisites.size(), 1u);
  EXPECT_EQ(plan->update.prerequisites[0].records, std::vector<Strings>{{"google-site-verification=abc"}});
  EXPECT_TRUE(plan->update.deletes.empty());
  EXPECT_EQ(plan->update.adds.size(), 1u);
}

TEST(ZonePlan, ADifferentTtlIsReplaced) {
  FakeZone z;
  z.rrsets["_dmarc.example.com"] = Served{86400, {{kDmarc}}};
  auto plan = plan_zone("example.com", {want("_dmarc.example.com", Kind::dmarc, {kDmarc}, 3600)}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 1u);
  const Change& c = plan->changes[0];
  EXPECT_EQ(c.kind, ChangeKind::replace);
  EXPECT_EQ(c.before, c.after);
  EXPECT_EQ(c.ttl_before, 86400u);
  EXPECT_EQ(c.ttl_after, 3600u);
  ASSERT_EQ(plan->update.deletes.size(), 1u);
  ASSERT_EQ(plan->update.adds.size(), 1u);
  EXPECT_EQ(plan->update.adds[0].ttl, 3600u);
}

// RFC 2136 2.5.4: a removed selector's records are deleted one by one, each as served.
TEST(ZonePlan, Rfc2136_2_5_4_WantingNothingRemovesOurRecords) {
  FakeZone z;
  z.rrsets["s0._domainkey.example.com"] = Served{3600, {{"v=DKIM1; p="}}};
  z.rrsets["_dmarc.example.com"] = Served{3600, {{kDmarc}, {"not-dmarc=1"}}};
  auto plan = plan_zone("example.com",
                        {want("s0._domainkey.example.com", Kind::dkim, {}, 0), want("_dmarc.example.com", Kind::dmarc, {}, 0)},
                        z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 2u);
  for (const Change& c : plan->changes) {
    EXPECT_EQ(c.kind, ChangeKind::remove) << c.owner;
    EXPECT_TRUE(c.after.empty());
    EXPECT_EQ(c.ttl_after, 0u);
  }
  EXPECT_EQ(plan->changes[0].before, Strings{"v=DKIM1; p="});
  EXPECT_EQ(plan->changes[1].before, Strings{kDmarc});
  ASSERT_EQ(plan->update.deletes.size(), 2u);
  EXPECT_EQ(plan->update.deletes[0].strings, Strings{"v=DKIM1; p="});
  EXPECT_EQ(plan->update.deletes[1].strings, Strings{kDmarc});
  EXPECT_TRUE(plan->update.adds.empty());
  ASSERT_EQ(plan->update.prerequisites.size(), 2u);
  EXPECT_EQ(plan->update.prerequisites[1].records.size(), 2u);
}

TEST(ZonePlan, OwnersOutsideTheZoneAreListedAndNeverLookedUp) {
  FakeZone z;
  auto plan = plan_zone("mail.example.com",
                        {want("example.com", Kind::spf, {kSpf}), want("s1._domainkey.mail.example.com", Kind::dkim, {kKey}),
                         want("_dmarc.example.com", Kind::dmarc, {kDmarc})},
                        z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->outside, (Strings{"example.com", "_dmarc.example.com"}));
  EXPECT_EQ(z.asked, Strings{"s1._domainkey.mail.example.com"});
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].owner, "s1._domainkey.mail.example.com");
}

TEST(ZonePlan, ALookupErrorIsTheResult) {
  ServedLookup failing = [](const std::string& owner) -> Result<Served> {
    return make_error(Errc::dns, owner + ": SERVFAIL from 192.0.2.53");
  };
  auto plan = plan_zone("example.com", {want("example.com", Kind::spf, {kSpf})}, failing);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, Errc::dns);
  EXPECT_EQ(plan.error().detail, "example.com: SERVFAIL from 192.0.2.53");
}

// RFC 1035 3.3.14: a character-string is at most 255 bytes; a longer text goes out split.
TEST(ZonePlan, ALongTextIsSplitIntoCharacterStringsInTheAdd) {
  const std::string long_key = "v=DKIM1; k=rsa; p=" + std::string(400, 'A');
  FakeZone z;
  auto plan = plan_zone("example.com", {want("s1._domainkey.example.com", Kind::dkim, {long_key})}, z.lookup());
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->update.adds.size(), 1u);
  const Strings& parts = plan->update.adds[0].strings;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 255u);
  EXPECT_EQ(parts[0] + parts[1], long_key);
  EXPECT_EQ(plan->changes[0].after, Strings{long_key});  // the plan shows the text whole

  // Served split the same way, it is the same record.
  z.rrsets["s1._domainkey.example.com"] = Served{3600, {parts}};
  auto again = plan_zone("example.com", {want("s1._domainkey.example.com", Kind::dkim, {long_key})}, z.lookup());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->changes.empty());
}

TEST(ZonePlan, ChangeKindNames) {
  EXPECT_EQ(to_string(ChangeKind::add), "add");
  EXPECT_EQ(to_string(ChangeKind::remove), "remove");
  EXPECT_EQ(to_string(ChangeKind::replace), "replace");
}

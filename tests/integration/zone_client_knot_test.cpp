// dns::ZoneClient (core/dns/zone_client.h) against Knot DNS as a zone's primary and secondary
// (tests/support/knot_fixture.h): queries without recursion, the zone's SOA, NS and addresses,
// and RFC 2136 UPDATE signed with TSIG (RFC 8945), read back byte for byte from the primary and,
// after its NOTIFY and the transfer, from the secondary.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/dns/zone_client.h"
#include "support/knot_fixture.h"

namespace dnsauth::dns {
namespace {

using test::KnotPair;
using Strings = std::vector<std::string>;

constexpr const char* kZone = "example.test";
constexpr const char* kOwner = "sel._domainkey.example.test";

class ZoneClientKnot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KnotPair::available()) GTEST_SKIP() << "knotd is not installed";
    knot_ = std::make_unique<KnotPair>(
        kZone, test::knot_zone_text(kZone, 1,
                                    "existing TXT \"x\"\nsel._domainkey TXT \"first\"\n"
                                    "sub.deep A 192.0.2.1\nchild NS ns.child\nns.child A 192.0.2.53\n"));
    auto key = load_tsig_key(knot_->tsig_key_file());
    ASSERT_TRUE(key) << key.error().message();
    key_ = *key;
  }

  std::unique_ptr<ZoneClient> client(const std::string& server, std::optional<TsigKey> key = std::nullopt) {
    ZoneClientOptions o;
    o.server = server;
    o.timeout = std::chrono::milliseconds(1000);
    o.retries = 1;
    o.tsig = std::move(key);
    auto c = ZoneClient::create(o);
    EXPECT_TRUE(c) << c.error().message();
    return c ? std::move(*c) : nullptr;
  }
  std::unique_ptr<ZoneClient> primary(std::optional<TsigKey> key) { return client(knot_->primary_address(), std::move(key)); }

  // The TXT records at owner as the server holds them, each as its character-strings, sorted.
  std::vector<Strings> txt(ZoneClient& c, const std::string& owner) {
    auto a = c.query(owner, RRType::TXT);
    EXPECT_TRUE(a.authoritative) << owner;
    auto parts = a.answer.txt_parts;
    std::sort(parts.begin(), parts.end());
    return parts;
  }

  // Nothing applied: the serial and the TXT RRset are the zone file's.
  void expect_zone_unchanged() {
    EXPECT_EQ(knot_->serial(knot_->primary_address()), 1u);
    EXPECT_EQ(txt(*primary(std::nullopt), kOwner), (std::vector<Strings>{{"first"}}));
  }

  static TxtData record(const std::string& owner, Strings strings) { return TxtData{owner, 300, std::move(strings)}; }

  std::unique_ptr<KnotPair> knot_;
  TsigKey key_;
};

TEST_F(ZoneClientKnot, ZoneSoaNameserversAndAddressesAsEachServerServesThem) {
  for (const auto& server : {knot_->primary_address(), knot_->secondary_address()}) {
    auto c = client(server);
    auto soa = c->soa(kZone);
    ASSERT_TRUE(soa) << soa.error().message();
    EXPECT_EQ(soa->zone, kZone);
    EXPECT_EQ(soa->mname, "ns1.example.test");
    EXPECT_EQ(soa->serial, 1u);
    EXPECT_EQ(soa->minimum, 60u);

    // RFC 2308 3: below the apex the SOA comes in the authority section of NXDOMAIN / NODATA.
    for (const char* name : {"example.test", "EXAMPLE.test.", "nothing.here.example.test", "deep.example.test",
                             "sel._domainkey.example.test"}) {
      auto zone = c->find_zone(name);
      ASSERT_TRUE(zone) << name << ": " << zone.error().message();
      EXPECT_EQ(zone->zone, kZone) << name;
      EXPECT_EQ(zone->serial, 1u) << name;
    }
    auto outside = c->find_zone("example.org");
    ASSERT_FALSE(outside);
    EXPECT_EQ(outside.error().code, Errc::dns);
    EXPECT_NE(outside.error().detail.find(server), std::string::npos) << outside.error().detail;
    // Below a delegation the server answers a referral, not for a zone of its own.
    EXPECT_FALSE(c->find_zone("www.child.example.test"));

    auto ns = c->nameservers(kZone);
    ASSERT_TRUE(ns) << ns.error().message();
    std::sort(ns->begin(), ns->end());
    EXPECT_EQ(*ns, (Strings{"ns1.example.test", "ns2.example.test"}));
    EXPECT_FALSE(c->nameservers("example.org"));

    EXPECT_EQ(c->addresses("ns1.example.test"), Strings{"127.0.0.1"});
    EXPECT_EQ(c->addresses("NS2.example.test."), Strings{"127.0.0.2"});
    EXPECT_EQ(c->addresses("ns.child.example.test"), Strings{"192.0.2.53"});  // glue of the referral
    EXPECT_TRUE(c->addresses("nothing.example.test").empty());

    auto a = c->query("sub.deep.example.test", RRType::A);
    EXPECT_EQ(a.answer.status, Status::ok);
    EXPECT_EQ(a.answer.records, Strings{"192.0.2.1"});
    EXPECT_TRUE(a.authoritative);  // RFC 1035 4.1.1 AA
    EXPECT_EQ(a.ttl, 300u);
    EXPECT_EQ(c->query("nothing.example.test", RRType::TXT).answer.status, Status::nxdomain);
    EXPECT_EQ(c->query("deep.example.test", RRType::TXT).answer.status, Status::nodata);
    // RD=0: a name outside its zones is not looked up elsewhere; knotd refuses it.
    auto other = c->query("example.org", RRType::TXT);
    EXPECT_EQ(other.answer.status, Status::tempfail);
    EXPECT_EQ(other.answer.rcode, 5);
    EXPECT_FALSE(other.authoritative);
  }
}

// RFC 2136 2.5.1: add to an RRset. The character-strings go on the wire as given (RFC 1035
// 3.3.14): a record over 255 bytes split in two, and bytes that presentation format would
// quote or escape (quote, backslash, semicolon, a NUL, a byte over 0x7f).
TEST_F(ZoneClientKnot, AddedTxtRecordsCarryExactlyTheirBytesToPrimaryAndSecondary) {
  const Strings long_record{std::string(255, 'a'), std::string(45, 'b')};
  const Strings odd_record{std::string("v=\"q\\\"; x\\y;") + std::string(1, '\0') + "\xff end"};
  auto c = primary(key_);
  Update u;
  u.zone = kZone;
  u.adds = {record("new.example.test", long_record), record("new.example.test", odd_record)};
  auto r = c->update(u);
  EXPECT_EQ(r.status, UpdateStatus::ok) << r.detail;
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.tsig_error, 0);

  std::vector<Strings> want{long_record, odd_record};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(txt(*c, "new.example.test"), want);
  EXPECT_EQ(knot_->serial(knot_->primary_address()), 2u);

  // RFC 1996: the primary NOTIFYs the secondary, which transfers the change.
  ASSERT_TRUE(knot_->wait_for_serial(knot_->secondary_address(), 2)) << knot_->log();
  auto s = client(knot_->secondary_address());
  EXPECT_EQ(txt(*s, "new.example.test"), want);
}

// RFC 2136 2.5.4: delete an RR from an RRset (class NONE, TTL 0): the others stay.
TEST_F(ZoneClientKnot, DeletingOneRecordLeavesTheRestOfTheRRset) {
  auto c = primary(key_);
  Update add;
  add.zone = kZone;
  add.adds = {record(kOwner, {"second"}), record(kOwner, {"third"})};
  ASSERT_EQ(c->update(add).status, UpdateStatus::ok);
  EXPECT_EQ(txt(*c, kOwner), (std::vector<Strings>{{"first"}, {"second"}, {"third"}}));

  Update del;
  del.zone = kZone;
  del.deletes = {record(kOwner, {"second"})};
  auto r = c->update(del);
  EXPECT_EQ(r.status, UpdateStatus::ok) << r.detail;
  EXPECT_EQ(txt(*c, kOwner), (std::vector<Strings>{{"first"}, {"third"}}));
  ASSERT_TRUE(knot_->wait_for_serial(knot_->secondary_address(), 3)) << knot_->log();
  EXPECT_EQ(txt(*client(knot_->secondary_address()), kOwner), (std::vector<Strings>{{"first"}, {"third"}}));
}

// RFC 2136 2.4.2 / 3.2.3: the RRset must be exactly the records given, else NXRRSET and the
// whole update is dropped (3.7: atomic).
TEST_F(ZoneClientKnot, ValueDependentPrerequisiteDecidesTheWholeUpdate) {
  auto c = primary(key_);
  Update u;
  u.zone = kZone;
  u.prerequisites = {TxtPrerequisite{kOwner, {{"not-first"}}}};
  u.deletes = {record(kOwner, {"first"})};
  u.adds = {record(kOwner, {"replacement"})};
  auto r = c->update(u);
  EXPECT_EQ(r.status, UpdateStatus::prerequisite_failed) << r.detail;
  EXPECT_EQ(r.rcode, 8);  // NXRRSET
  EXPECT_EQ(r.tsig_error, 0);
  expect_zone_unchanged();

  // A superset is not the RRset either: every record and no other.
  u.prerequisites = {TxtPrerequisite{kOwner, {{"first"}, {"extra"}}}};
  EXPECT_EQ(c->update(u).status, UpdateStatus::prerequisite_failed);

  u.prerequisites = {TxtPrerequisite{kOwner, {{"first"}}}};
  r = c->update(u);
  EXPECT_EQ(r.status, UpdateStatus::ok) << r.detail;
  EXPECT_EQ(txt(*c, kOwner), (std::vector<Strings>{{"replacement"}}));
}

// RFC 2136 2.4.3 / 3.2.2: "RRset does not exist" (class NONE, RDLENGTH 0) fails with YXRRSET
// when there is one.
TEST_F(ZoneClientKnot, RRsetDoesNotExistPrerequisite) {
  auto c = primary(key_);
  Update u;
  u.zone = kZone;
  u.prerequisites = {TxtPrerequisite{kOwner, {}}};
  u.adds = {record(kOwner, {"second"})};
  auto r = c->update(u);
  EXPECT_EQ(r.status, UpdateStatus::prerequisite_failed) << r.detail;
  EXPECT_EQ(r.rcode, 7);  // YXRRSET
  EXPECT_EQ(txt(*c, kOwner), (std::vector<Strings>{{"first"}}));

  u.prerequisites = {TxtPrerequisite{"fresh.example.test", {}}};
  u.adds = {record("fresh.example.test", {"created"})};
  r = c->update(u);
  EXPECT_EQ(r.status, UpdateStatus::ok) << r.detail;
  EXPECT_EQ(txt(*c, "fresh.example.test"), (std::vector<Strings>{{"created"}}));
}

Update add_one() {
  Update u;
  u.zone = kZone;
  u.adds = {TxtData{kOwner, 300, {"intruder"}}};
  return u;
}

// RFC 8945 5.2.2 / 5.3.2: a MAC that does not verify is NOTAUTH with TSIG error BADSIG, in an
// unsigned answer.
TEST_F(ZoneClientKnot, WrongSecretIsNotAuthoritativeWithBadsig) {
  TsigKey wrong = key_;
  wrong.secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  auto r = primary(wrong)->update(add_one());
  EXPECT_EQ(r.status, UpdateStatus::not_authoritative) << r.detail;
  EXPECT_EQ(r.rcode, 9);
  EXPECT_EQ(r.tsig_error, 16);
  EXPECT_NE(r.detail.find("BADSIG"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("secret does not match"), std::string::npos) << r.detail;
  expect_zone_unchanged();
}

// RFC 8945 5.2.1: a key the server does not know is NOTAUTH with TSIG error BADKEY.
TEST_F(ZoneClientKnot, UnknownKeyIsNotAuthoritativeWithBadkey) {
  TsigKey stranger = key_;
  stranger.name = "stranger.key";
  auto r = primary(stranger)->update(add_one());
  EXPECT_EQ(r.status, UpdateStatus::not_authoritative) << r.detail;
  EXPECT_EQ(r.rcode, 9);
  EXPECT_EQ(r.tsig_error, 17);
  EXPECT_NE(r.detail.find("does not know key 'stranger.key'"), std::string::npos) << r.detail;
  expect_zone_unchanged();
}

// RFC 2136 3.3: who may update is the server's policy; knotd's ACL wants the key, and an
// unsigned UPDATE matches no rule. knotd answers NOTAUTH (not REFUSED) and, there being no
// key, no TSIG error.
TEST_F(ZoneClientKnot, UnsignedUpdateIsRefusedByKnotsAcl) {
  auto r = primary(std::nullopt)->update(add_one());
  EXPECT_EQ(r.status, UpdateStatus::not_authoritative) << r.detail;
  EXPECT_EQ(r.rcode, 9);
  EXPECT_EQ(r.tsig_error, 0);
  EXPECT_EQ(knot_->serial(knot_->primary_address()), 1u);
}

// RFC 2136 3.1.1: a zone the server is not authoritative for is NOTAUTH. knotd's answer is
// unsigned although the request was signed with a key it knows; the RCODE is reported.
TEST_F(ZoneClientKnot, ZoneTheServerDoesNotServe) {
  Update u = add_one();
  u.zone = "example.org";
  u.adds = {TxtData{"a.example.org", 300, {"x"}}};
  auto r = primary(key_)->update(u);
  EXPECT_EQ(r.status, UpdateStatus::not_authoritative) << r.detail;
  EXPECT_EQ(r.rcode, 9);
  EXPECT_EQ(r.tsig_error, 0);
  EXPECT_NE(r.detail.find("not signed"), std::string::npos) << r.detail;
}

// RFC 2136 3.4.1.3: an update RR outside the zone is NOTZONE.
TEST_F(ZoneClientKnot, RecordOutsideTheZoneIsNotZone) {
  Update u = add_one();
  u.adds = {TxtData{"a.example.org", 300, {"x"}}};
  auto r = primary(key_)->update(u);
  EXPECT_EQ(r.status, UpdateStatus::not_zone) << r.detail;
  EXPECT_EQ(r.rcode, 10);
  EXPECT_EQ(knot_->serial(knot_->primary_address()), 1u);
}

// RFC 2136 3.1.1 / 6: a secondary does not apply an update itself. This one does not know
// the primary's key (the fixture gives it none), so knotd rejects the TSIG first.
TEST_F(ZoneClientKnot, SecondaryDoesNotApplyUpdates) {
  auto r = client(knot_->secondary_address(), key_)->update(add_one());
  EXPECT_EQ(r.status, UpdateStatus::not_authoritative) << r.detail;
  EXPECT_EQ(r.tsig_error, 17);
  EXPECT_EQ(knot_->serial(knot_->primary_address()), 1u);
}

// The fixture's secondary catches up after a restart with its storage.
TEST_F(ZoneClientKnot, SecondaryCatchesUpAfterARestart) {
  knot_->stop_secondary();
  auto c = primary(key_);
  ASSERT_EQ(c->update(add_one()).status, UpdateStatus::ok);
  knot_->start_secondary();
  ASSERT_TRUE(knot_->wait_for_serial(knot_->secondary_address(), 2, 5000)) << knot_->log();
  EXPECT_EQ(txt(*client(knot_->secondary_address()), kOwner), (std::vector<Strings>{{"first"}, {"intruder"}}));
}

}  // namespace
}  // namespace dnsauth::dns

// The rules of a key rotation (core/lifecycle/rotation.h). The order is what keeps mail
// verifying: a key signs only once every resolver can find it (every authoritative server serves
// it and one TTL has passed, so no cached NXDOMAIN/NODATA for it survives, RFC 2308 5); a retired
// key stays published while mail signed with it can still be checked (RFC 6376 3.5 x=); a revoked
// record (empty p=, RFC 6376 3.6.1) stays a day before it goes.
#include <gtest/gtest.h>

#include "core/lifecycle/rotation.h"

using namespace dnsauth;
using namespace dnsauth::lifecycle;

namespace {

constexpr Time kT0 = 1796443200;  // 2026-12-05T04:00:00Z
constexpr Time kDay = 86400;

config::Selector selector(std::string name) {
  config::Selector s;
  s.name = std::move(name);
  s.key = "example.com." + s.name + ".pem";
  s.key_path = "/etc/dnsauth/keys/" + s.key;
  return s;
}

// example.com, TTL one hour, signing with the given selectors.
config::Domain domain(std::vector<std::string> signing, std::optional<Time> rotate_every = std::nullopt) {
  config::Domain d;
  d.name = "example.com";
  d.ttl = 3600;
  d.rotate_every = rotate_every;
  for (auto& n : signing) d.selectors.push_back(selector(std::move(n)));
  return d;
}

SelectorState at(std::string name, Stage stage) {
  SelectorState s;
  s.domain = "example.com";
  s.selector = std::move(name);
  s.stage = stage;
  s.key_path = "/etc/dnsauth/keys/example.com." + s.selector + ".pem";
  return s;
}

SelectorState active(std::string name, Time since) {
  SelectorState s = at(std::move(name), Stage::active);
  s.published_at = since - kDay;
  s.active_at = since;
  return s;
}

SelectorState published(std::string name, std::string replaces, Time published_at, std::optional<Time> served_at) {
  SelectorState s = at(std::move(name), Stage::published);
  s.replaces = std::move(replaces);
  s.staged_at = published_at;
  s.published_at = published_at;
  s.served_at = served_at;
  return s;
}

SelectorState retired(std::string name, Time since) {
  SelectorState s = active(std::move(name), since - 30 * kDay);
  s.stage = Stage::retired;
  s.retired_at = since;
  return s;
}

SelectorState revoked(std::string name, Time since) {
  SelectorState s = retired(std::move(name), since - 7 * kDay);
  s.stage = Stage::revoked;
  s.revoked_at = since;
  return s;
}

Policy policy_of(const config::Domain& d, std::optional<Time> expire = std::nullopt) { return Policy::of(d, expire); }

}  // namespace

TEST(RotationPolicy, TakesTtlRotateEveryAndKeepRetiredFromTheDomain) {
  config::Domain d = domain({"s1"}, 90 * kDay);
  d.ttl = 300;
  d.keep_retired = 3 * kDay;
  Policy p = Policy::of(d, 5 * kDay);
  EXPECT_EQ(p.ttl, 300u);
  EXPECT_EQ(p.rotate_every, 90 * kDay);
  EXPECT_EQ(p.keep_retired, 3 * kDay);
  EXPECT_EQ(p.expire, 5 * kDay);
  EXPECT_EQ(Policy::of(domain({"s1"}), std::nullopt).keep_retired, config::kDefaultKeepRetired);
  EXPECT_EQ(config::kDefaultKeepRetired, 7 * kDay);
}

// RFC 6376 3.5 x=: a signature made just before the switch verifies until t= + expire, and a
// resolver may hold the key record one TTL more, so a retired key stays published
// max(keep_retired, expire + TTL).
TEST(RotationPolicy, Rfc6376_3_5_RetiredForIsKeepRetiredOrExpirePlusTtlWhicheverIsLonger) {
  Policy p;
  p.ttl = 3600;
  p.keep_retired = 7 * kDay;
  EXPECT_EQ(p.retired_for(), 7 * kDay);  // no expire: keep_retired
  p.expire = 10 * kDay;
  EXPECT_EQ(p.retired_for(), 10 * kDay + 3600);
  p.expire = kDay;
  EXPECT_EQ(p.retired_for(), 7 * kDay);
  p.expire = 7 * kDay;  // equal to keep_retired: the TTL still counts
  EXPECT_EQ(p.retired_for(), 7 * kDay + 3600);
}

TEST(RotationPolicy, Rfc6376_3_6_1_ARevokedRecordStaysADayOrOneTtlWhicheverIsLonger) {
  Policy p;
  p.ttl = 3600;
  EXPECT_EQ(p.revoked_for(), kDay);
  p.ttl = 2 * kDay;
  EXPECT_EQ(p.revoked_for(), 2 * kDay);
  p.ttl = kDay;
  EXPECT_EQ(p.revoked_for(), kDay);
}

TEST(RotationAction, Names) {
  EXPECT_EQ(to_string(Action::none), "none");
  EXPECT_EQ(to_string(Action::stage), "stage");
  EXPECT_EQ(to_string(Action::publish), "publish");
  EXPECT_EQ(to_string(Action::confirm), "confirm");
  EXPECT_EQ(to_string(Action::activate), "activate");
  EXPECT_EQ(to_string(Action::revoke), "revoke");
  EXPECT_EQ(to_string(Action::remove), "remove");
}

TEST(RotationStep, AStagedKeyIsPublishedFromItsStagingTime) {
  config::Domain d = domain({"s1"});
  State st;
  st.selectors = {active("s1", kT0 - 100 * kDay), at("s2", Stage::staged)};
  st.selectors[1].replaces = "s1";
  st.selectors[1].staged_at = kT0;
  Step s = selector_step(st, st.selectors[1], d, policy_of(d));
  EXPECT_EQ(s.action, Action::publish);
  EXPECT_EQ(s.selector, "s2");
  EXPECT_EQ(s.at, kT0);
  EXPECT_FALSE(s.why.empty());
}

// RFC 2308 5: a resolver that asked before the record existed may cache its absence for up to
// the negative TTL; nothing is activated before every authoritative server serves it.
TEST(RotationStep, Rfc2308_5_APublishedKeyWithoutServedAtIsNeverActivated) {
  config::Domain d = domain({"s1"});
  State st;
  st.selectors = {active("s1", kT0 - 100 * kDay), published("s2", "s1", kT0, std::nullopt)};
  Step s = selector_step(st, st.selectors[1], d, policy_of(d));
  EXPECT_EQ(s.action, Action::confirm);
  EXPECT_EQ(s.at, kT0);
  // However late it is, the one step is to confirm, never to activate.
  for (Time now : {kT0, kT0 + 3600, kT0 + 365 * kDay}) {
    Step n = next_step(st, d, policy_of(d), now);
    EXPECT_EQ(n.action, Action::confirm) << now;
    EXPECT_EQ(n.selector, "s2");
  }
}

TEST(RotationStep, Rfc2308_5_ActivationIsDueOneTtlAfterEveryServerServedTheKey) {
  config::Domain d = domain({"s1"});
  const Time served = kT0 + 600;
  State st;
  st.selectors = {active("s1", kT0 - 100 * kDay), published("s2", "s1", kT0, served)};
  Policy p = policy_of(d);
  Step s = selector_step(st, st.selectors[1], d, p);
  EXPECT_EQ(s.action, Action::activate);
  EXPECT_EQ(s.at, served + 3600);

  Step early = next_step(st, d, p, served + 3600 - 1);
  EXPECT_EQ(early.action, Action::none) << "one second before the TTL has passed";
  EXPECT_EQ(early.selector, "s2");
  EXPECT_EQ(early.at, served + 3600) << "reports when it will be due";

  Step due = next_step(st, d, p, served + 3600);
  EXPECT_EQ(due.action, Action::activate);
  EXPECT_EQ(due.selector, "s2");
  EXPECT_EQ(due.at, served + 3600);

  // The TTL is the domain's: a day-long TTL delays activation by a day.
  d.ttl = static_cast<std::uint32_t>(kDay);
  EXPECT_EQ(next_step(st, d, policy_of(d), served + 3600).action, Action::none);
  EXPECT_EQ(next_step(st, d, policy_of(d), served + kDay).action, Action::activate);
}

TEST(RotationStep, APublishedKeyReplacingNoConfiguredSelectorWaitsForTheOperator) {
  config::Domain d = domain({"s1"});
  State st;
  st.selectors = {active("s1", kT0 - 100 * kDay), published("s2", "", kT0, kT0),
                  published("s3", "gone", kT0, kT0)};
  for (std::size_t i : {1u, 2u}) {
    Step s = selector_step(st, st.selectors[i], d, policy_of(d));
    EXPECT_EQ(s.action, Action::none) << st.selectors[i].selector;
    EXPECT_FALSE(s.at) << st.selectors[i].selector;
  }
  EXPECT_NE(selector_step(st, st.selectors[2], d, policy_of(d)).why.find("gone is not in the config"), std::string::npos);
  EXPECT_EQ(next_step(st, d, policy_of(d), kT0 + 365 * kDay).action, Action::none);
}

TEST(RotationStep, RotateEveryStagesASuccessorOnceTheActiveKeyIsThatOld) {
  config::Domain d = domain({"s1"}, 90 * kDay);
  State st;
  st.selectors = {active("s1", kT0)};
  Policy p = policy_of(d);
  Step s = selector_step(st, st.selectors[0], d, p);
  EXPECT_EQ(s.action, Action::stage);
  EXPECT_EQ(s.selector, "s1");
  EXPECT_EQ(s.at, kT0 + 90 * kDay);
  EXPECT_EQ(next_step(st, d, p, kT0 + 90 * kDay - 1).action, Action::none);
  EXPECT_EQ(next_step(st, d, p, kT0 + 90 * kDay - 1).at, kT0 + 90 * kDay);
  EXPECT_EQ(next_step(st, d, p, kT0 + 90 * kDay).action, Action::stage);

  // Without rotate_every, an active key is rotated only by hand.
  config::Domain manual = domain({"s1"});
  Step none = selector_step(st, st.selectors[0], manual, policy_of(manual));
  EXPECT_EQ(none.action, Action::none);
  EXPECT_FALSE(none.at);
  Step idle = next_step(st, manual, policy_of(manual), kT0 + 1000 * kDay);
  EXPECT_EQ(idle.action, Action::none);
  EXPECT_FALSE(idle.at) << "nothing is pending";
}

TEST(RotationStep, RotateEveryStagesNothingWhileASuccessorIsStagedOrPublished) {
  config::Domain d = domain({"s1"}, 90 * kDay);
  Policy p = policy_of(d);
  const Time late = kT0 + 200 * kDay;
  SelectorState staged = at("s2", Stage::staged);
  staged.replaces = "s1";
  staged.staged_at = late;
  State st;
  st.selectors = {active("s1", kT0), staged};
  EXPECT_EQ(selector_step(st, st.selectors[0], d, p).action, Action::none);
  EXPECT_EQ(next_step(st, d, p, late).action, Action::publish) << "the successor moves on instead";

  st.selectors[1] = published("s2", "s1", late, std::nullopt);
  EXPECT_EQ(selector_step(st, st.selectors[0], d, p).action, Action::none);

  // A successor of another selector, or one already gone, does not count.
  st.selectors[1].replaces = "s0";
  EXPECT_EQ(selector_step(st, st.selectors[0], d, p).action, Action::stage);
  st.selectors[1] = retired("s2", late);
  st.selectors[1].replaces = "s1";
  EXPECT_EQ(selector_step(st, st.selectors[0], d, p).action, Action::stage);
}

TEST(RotationStep, ARetiredKeyIsRevokedAfterRetiredForAndARevokedOneRemovedAfterRevokedFor) {
  config::Domain d = domain({"s2"});
  d.keep_retired = 7 * kDay;
  State st;
  st.selectors = {retired("s1", kT0), revoked("s0", kT0)};
  Policy p = policy_of(d, 10 * kDay);  // [signer] expire = 10 days
  Step r = selector_step(st, st.selectors[0], d, p);
  EXPECT_EQ(r.action, Action::revoke);
  EXPECT_EQ(r.at, kT0 + 10 * kDay + 3600);
  Step m = selector_step(st, st.selectors[1], d, p);
  EXPECT_EQ(m.action, Action::remove);
  EXPECT_EQ(m.at, kT0 + kDay);

  SelectorState gone = revoked("s-1", kT0);
  gone.stage = Stage::removed;
  gone.removed_at = kT0 + kDay;
  Step none = selector_step(st, gone, d, p);
  EXPECT_EQ(none.action, Action::none);
  EXPECT_FALSE(none.at);
}

TEST(RotationNextStep, TheStepThatBecameDueFirstGoesFirst) {
  config::Domain d = domain({"s2"});
  Policy p = policy_of(d);
  State st;
  // s0 revoked at T0 (remove due T0+1d); s1 retired at T0-7d (revoke due T0).
  st.selectors = {revoked("s0", kT0), retired("s1", kT0 - 7 * kDay), active("s2", kT0 - 7 * kDay)};
  Step first = next_step(st, d, p, kT0 + 2 * kDay);
  EXPECT_EQ(first.action, Action::revoke);
  EXPECT_EQ(first.selector, "s1");
  EXPECT_EQ(first.at, kT0);
  // Once s1 is revoked, the removal of s0 is next.
  st.selectors[1].stage = Stage::revoked;
  st.selectors[1].revoked_at = kT0 + 2 * kDay;
  Step second = next_step(st, d, p, kT0 + 2 * kDay);
  EXPECT_EQ(second.action, Action::remove);
  EXPECT_EQ(second.selector, "s0");
}

TEST(RotationNextStep, OnATieTheEarlierStageGoesFirst) {
  config::Domain d = domain({"s1"});
  Policy p = policy_of(d);
  State st;
  // Both due at T0: s9 revoked a day earlier (remove), s8 staged at T0 (publish), s7 retired
  // 7 days earlier (revoke). The entry order puts the later stages first.
  SelectorState staged = at("s8", Stage::staged);
  staged.staged_at = kT0;
  st.selectors = {revoked("s9", kT0 - kDay), retired("s7", kT0 - 7 * kDay), staged, active("s1", kT0 - kDay)};
  Step s = next_step(st, d, p, kT0);
  EXPECT_EQ(s.action, Action::publish);
  EXPECT_EQ(s.selector, "s8");
  st.selectors.erase(st.selectors.begin() + 2);
  Step r = next_step(st, d, p, kT0);
  EXPECT_EQ(r.action, Action::revoke);
  EXPECT_EQ(r.selector, "s7");
}

TEST(RotationNextStep, NothingDueReportsTheEarliestPendingStep) {
  config::Domain d = domain({"s2"}, 90 * kDay);
  Policy p = policy_of(d);
  State st;
  // revoke due T0+7d, remove due T0+1d, stage due T0+90d.
  st.selectors = {retired("s1", kT0), revoked("s0", kT0), active("s2", kT0)};
  Step n = next_step(st, d, p, kT0);
  EXPECT_EQ(n.action, Action::none);
  EXPECT_EQ(n.selector, "s0");
  EXPECT_EQ(n.at, kT0 + kDay);
  EXPECT_FALSE(n.why.empty());
}

TEST(RotationNextStep, OnlyTheDomainsOwnEntriesCount) {
  config::Domain d = domain({"s1"});
  State st;
  SelectorState other = retired("s1", kT0 - 30 * kDay);
  other.domain = "example.net";
  st.selectors = {other, active("s1", kT0)};
  Step n = next_step(st, d, policy_of(d), kT0);
  EXPECT_EQ(n.action, Action::none);
  EXPECT_FALSE(n.at);
  State empty;
  EXPECT_EQ(next_step(empty, d, policy_of(d), kT0).action, Action::none);
}

TEST(RotationReconcile, AConfiguredSelectorNotInTheStateIsActiveSinceItsKeyFileOrNow) {
  config::Domain d = domain({"s1", "s2"});
  d.selectors[1].algorithm = dkim::Algorithm::ed25519_sha256;
  State st;
  std::vector<std::filesystem::path> asked;
  auto key_time = [&](const std::filesystem::path& p) -> std::optional<Time> {
    asked.push_back(p);
    if (p.filename() == "example.com.s1.pem") return kT0 - 50 * kDay;
    return std::nullopt;  // no key file (yet)
  };
  auto changed = reconcile(st, d, kT0, key_time);
  ASSERT_TRUE(changed) << changed.error().message();
  EXPECT_EQ(changed->size(), 2u);
  ASSERT_EQ(st.selectors.size(), 2u);
  const SelectorState* s1 = st.find("example.com", "s1");
  const SelectorState* s2 = st.find("example.com", "s2");
  ASSERT_NE(s1, nullptr);
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s1->stage, Stage::active);
  EXPECT_EQ(s1->active_at, kT0 - 50 * kDay);
  EXPECT_EQ(s1->key_path, d.selectors[0].key_path);
  EXPECT_EQ(s2->stage, Stage::active);
  EXPECT_EQ(s2->active_at, kT0);
  EXPECT_EQ(s2->algorithm, dkim::Algorithm::ed25519_sha256);
  EXPECT_EQ(asked.size(), 2u);

  // Run again, nothing changes.
  auto again = reconcile(st, d, kT0 + kDay, key_time);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(st.selectors.size(), 2u);
}

TEST(RotationReconcile, AStagedOrPublishedSelectorConfiguredByHandIsActiveFromNow) {
  config::Domain d = domain({"s2", "s3"});
  State st;
  st.selectors = {published("s2", "s1", kT0 - kDay, kT0 - kDay), at("s3", Stage::staged)};
  auto changed = reconcile(st, d, kT0, [](const std::filesystem::path&) { return std::optional<Time>{}; });
  ASSERT_TRUE(changed) << changed.error().message();
  EXPECT_EQ(changed->size(), 2u);
  for (const auto& s : st.selectors) {
    EXPECT_EQ(s.stage, Stage::active) << s.selector;
    EXPECT_EQ(s.active_at, kT0) << s.selector;
  }
}

TEST(RotationReconcile, AnActiveSelectorGoneFromTheConfigIsRetiredFromNow) {
  config::Domain d = domain({"s2"});
  State st;
  SelectorState elsewhere = active("s1", kT0 - 10 * kDay);
  elsewhere.domain = "example.net";  // another domain's: not this config's business
  st.selectors = {active("s1", kT0 - 10 * kDay), active("s2", kT0 - kDay), elsewhere,
                  published("s3", "s2", kT0, std::nullopt)};
  auto changed = reconcile(st, d, kT0, [](const std::filesystem::path&) { return std::optional<Time>{}; });
  ASSERT_TRUE(changed) << changed.error().message();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_NE((*changed)[0].find("s1"), std::string::npos);
  EXPECT_EQ(st.selectors[0].stage, Stage::retired);
  EXPECT_EQ(st.selectors[0].retired_at, kT0);
  EXPECT_EQ(st.selectors[1].stage, Stage::active);
  EXPECT_EQ(st.selectors[1].active_at, kT0 - kDay);
  EXPECT_EQ(st.selectors[2].stage, Stage::active);
  // An unconfigured published successor is left to its rotation.
  EXPECT_EQ(st.selectors[3].stage, Stage::published);
}

// What reconcile makes of a fresh config, and of a staged key configured by hand, is written to
// the state file and must read back as it was on the next run.
TEST(RotationReconcile, TheReconciledStateIsReadBackFromItsFile) {
  config::Domain d = domain({"s1", "s2"});
  State st;
  st.selectors = {at("s2", Stage::staged), active("s0", kT0 - 10 * kDay)};
  auto changed = reconcile(st, d, kT0, [](const std::filesystem::path&) { return std::optional<Time>{kT0 - kDay}; });
  ASSERT_TRUE(changed) << changed.error().message();
  ASSERT_EQ(st.selectors.size(), 3u);
  const std::string text = format_state(st);
  auto back = parse_state(text, "state.toml", "/");
  ASSERT_TRUE(back) << back.error().message() << "\n" << text;
  ASSERT_EQ(back->selectors.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->selectors[i].selector, st.selectors[i].selector);
    EXPECT_EQ(back->selectors[i].stage, st.selectors[i].stage);
    EXPECT_EQ(back->selectors[i].active_at, st.selectors[i].active_at);
    EXPECT_EQ(back->selectors[i].retired_at, st.selectors[i].retired_at);
  }
  EXPECT_EQ(back->find("example.com", "s0")->stage, Stage::retired);
  EXPECT_EQ(back->find("example.com", "s1")->active_at, kT0 - kDay);
}

// RFC 6376 3.6.1: a revoked key (empty p=) fails every signature made with it; a config that
// signs with a selector the state has retired, revoked or removed is refused.
TEST(RotationReconcile, Rfc6376_3_6_1_SigningWithARetiredRevokedOrRemovedSelectorIsRefused) {
  for (Stage stage : {Stage::retired, Stage::revoked, Stage::removed}) {
    config::Domain d = domain({"s1"});
    State st;
    SelectorState s = revoked("s1", kT0 - kDay);
    s.stage = stage;
    s.removed_at = kT0;
    st.selectors = {s};
    auto r = reconcile(st, d, kT0, [](const std::filesystem::path&) { return std::optional<Time>{}; });
    ASSERT_FALSE(r) << to_string(stage);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().detail.find("s1"), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find(std::string(to_string(stage))), std::string::npos) << r.error().detail;
    EXPECT_EQ(st.selectors[0].stage, stage) << "the state is not changed";
  }
}

TEST(RotationPublication, WhatDnsServesAtEachStage) {
  EXPECT_EQ(publication(Stage::staged), Publication::untouched);
  EXPECT_EQ(publication(Stage::published), Publication::key);
  EXPECT_EQ(publication(Stage::active), Publication::key);
  EXPECT_EQ(publication(Stage::retired), Publication::key);
  EXPECT_EQ(publication(Stage::revoked), Publication::revoked);
  EXPECT_EQ(publication(Stage::removed), Publication::absent);
}

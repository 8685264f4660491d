// The key lifecycle's state file (core/lifecycle/state.h): what the publisher writes it reads back
// unchanged, times are RFC 3339 date-times turned into Unix seconds, and every mistake a hand
// edit can make is an error naming the file and line, never a silently different rotation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "core/lifecycle/state.h"

using namespace dnsauth;
using namespace dnsauth::lifecycle;

namespace {

constexpr Time kT0 = 1796443200;  // 2026-12-05T04:00:00Z

Result<State> parse(std::string_view text) { return parse_state(text, "state.toml", "/var/lib/dnsauth"); }

std::string error_of(std::string_view text) {
  auto s = parse(text);
  EXPECT_FALSE(s.has_value()) << "expected an error for:\n" << text;
  if (s) return {};
  EXPECT_EQ(s.error().code, Errc::syntax) << s.error().message();
  return s.error().detail;
}

SelectorState entry(std::string selector, Stage stage, Time base) {
  SelectorState s;
  s.domain = "example.com";
  s.selector = std::move(selector);
  s.stage = stage;
  s.key_path = "/var/lib/dnsauth/keys/example.com." + s.selector + ".pem";
  // Every time the stage implies, an hour apart.
  s.staged_at = base;
  if (stage >= Stage::published) s.published_at = base + 3600, s.served_at = base + 7200;
  if (stage >= Stage::active) s.active_at = base + 3 * 3600;
  if (stage >= Stage::retired) s.retired_at = base + 4 * 3600;
  if (stage >= Stage::revoked) s.revoked_at = base + 5 * 3600;
  if (stage >= Stage::removed) s.removed_at = base + 6 * 3600;
  return s;
}

void expect_same(const SelectorState& a, const SelectorState& b) {
  EXPECT_EQ(a.domain, b.domain);
  EXPECT_EQ(a.selector, b.selector);
  EXPECT_EQ(a.stage, b.stage) << a.selector;
  EXPECT_EQ(a.algorithm, b.algorithm) << a.selector;
  EXPECT_EQ(a.bits, b.bits) << a.selector;
  EXPECT_EQ(a.key_path, b.key_path);
  EXPECT_EQ(a.replaces, b.replaces) << a.selector;
  EXPECT_EQ(a.staged_at, b.staged_at) << a.selector;
  EXPECT_EQ(a.published_at, b.published_at) << a.selector;
  EXPECT_EQ(a.served_at, b.served_at) << a.selector;
  EXPECT_EQ(a.active_at, b.active_at) << a.selector;
  EXPECT_EQ(a.retired_at, b.retired_at) << a.selector;
  EXPECT_EQ(a.revoked_at, b.revoked_at) << a.selector;
  EXPECT_EQ(a.removed_at, b.removed_at) << a.selector;
}

const char* kActiveEntry =
    "[[selector]]\n"
    "domain = \"example.com\"\n"
    "selector = \"s1\"\n"
    "stage = \"active\"\n"
    "key = \"/k/s1.pem\"\n"
    "published_at = 2026-12-05T04:00:00Z\n"
    "active_at = 2026-12-05T05:00:00Z\n";

}  // namespace

TEST(LifecycleStage, NamesRoundTripAndUnknownNamesAreRefused) {
  for (Stage s : {Stage::staged, Stage::published, Stage::active, Stage::retired, Stage::revoked, Stage::removed})
    EXPECT_EQ(parse_stage(to_string(s)), s);
  EXPECT_EQ(to_string(Stage::revoked), "revoked");
  EXPECT_FALSE(parse_stage("Active"));
  EXPECT_FALSE(parse_stage("expired"));
  EXPECT_FALSE(parse_stage(""));
}

TEST(LifecycleState, EveryStageWithItsTimesRoundTripsThroughTheFile) {
  State state;
  Time base = kT0;
  for (Stage st : {Stage::staged, Stage::published, Stage::active, Stage::retired, Stage::revoked, Stage::removed}) {
    state.selectors.push_back(entry("s-" + std::string(to_string(st)), st, base));
    base += 86400;
  }
  state.selectors[1].replaces = "s-active";
  state.selectors[1].algorithm = dkim::Algorithm::ed25519_sha256;
  state.selectors[2].bits = 1024;
  // A published key not yet served everywhere: served_at is optional.
  SelectorState unserved = entry("s-unserved", Stage::published, kT0);
  unserved.served_at.reset();
  unserved.domain = "example.net";
  state.selectors.push_back(unserved);

  const std::string text = format_state(state);
  EXPECT_EQ(text.rfind("# ", 0), 0u) << "the file says what it is first:\n" << text;
  auto back = parse(text);
  ASSERT_TRUE(back) << back.error().message() << "\n" << text;
  ASSERT_EQ(back->selectors.size(), state.selectors.size()) << text;
  for (std::size_t i = 0; i < state.selectors.size(); ++i) expect_same(back->selectors[i], state.selectors[i]);
  // Written once more, the text is the same: nothing is lost or reordered.
  EXPECT_EQ(format_state(*back), text);
  // RFC 3339 UTC in the file, the form format_time writes.
  EXPECT_NE(text.find("2026-12-05T04:00:00Z"), std::string::npos) << text;
}

// status shows since when a selector is where it is: the time of its current stage, not of
// an earlier one (served_at is no stage of its own).
TEST(LifecycleState, EnteredAtIsTheTimeOfTheCurrentStage) {
  const std::vector<std::pair<Stage, Time>> expected = {
      {Stage::staged, kT0},
      {Stage::published, kT0 + 3600},
      {Stage::active, kT0 + 3 * 3600},
      {Stage::retired, kT0 + 4 * 3600},
      {Stage::revoked, kT0 + 5 * 3600},
      {Stage::removed, kT0 + 6 * 3600}};
  for (const auto& [stage, at] : expected) {
    SelectorState s = entry("s1", stage, kT0);
    EXPECT_EQ(s.entered_at(), std::optional<Time>(at)) << to_string(stage);
  }
  SelectorState adopted = entry("s1", Stage::active, kT0);
  adopted.active_at.reset();  // a hand-written state without the time
  EXPECT_FALSE(adopted.entered_at().has_value());
}

TEST(LifecycleState, AnEmptyStateFormatsToAFileThatParsesEmpty) {
  auto back = parse(format_state(State{}));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->selectors.empty());
}

TEST(LifecycleState, Rfc3339TimesWithAnOffsetAreConvertedToUnixSeconds) {
  // 06:00 at +02:00 and 22:30 the day before at -05:30 are both 04:00 UTC.
  auto s = parse(
      "[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"retired\"\nkey = \"/k.pem\"\n"
      "staged_at = 2026-12-05T04:00:00Z\n"
      "published_at = 2026-12-05T06:00:00+02:00\n"
      "active_at = 2026-12-04T22:30:00-05:30\n"
      "retired_at = 2026-01-31T23:59:59Z\n");
  ASSERT_TRUE(s) << s.error().message();
  const SelectorState& e = s->selectors.at(0);
  EXPECT_EQ(e.staged_at, kT0);
  EXPECT_EQ(e.published_at, kT0);
  EXPECT_EQ(e.active_at, kT0);
  EXPECT_EQ(e.retired_at, Time{1769903999});
  EXPECT_FALSE(e.served_at);
  EXPECT_FALSE(e.revoked_at);
}

// RFC 3339 5.6: a year has four digits. The file is written in UTC, so a time that an offset
// carries before 0000 or past 9999 in UTC could not be written back and is refused; the first
// and last instants that can be written are kept.
TEST(LifecycleState, TimesOutsideTheYearsUtcCanSpellAreRefused) {
  const std::string head = "[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"staged\"\nkey = \"/k.pem\"\n";
  EXPECT_EQ(error_of(head + "staged_at = 0000-01-01T00:00:00+01:00\n"),
            "state.toml:6:13: 'staged_at' is outside the years 0000 to 9999 in UTC");
  EXPECT_EQ(error_of(head + "staged_at = 9999-12-31T23:59:59-00:01\n"),
            "state.toml:6:13: 'staged_at' is outside the years 0000 to 9999 in UTC");
  auto edges = parse(head + "staged_at = 0000-01-01T00:00:00Z\nserved_at = 9999-12-31T23:59:59Z\n");
  ASSERT_TRUE(edges) << edges.error().message();
  auto back = parse(format_state(*edges));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->selectors.at(0).staged_at, edges->selectors.at(0).staged_at);
  EXPECT_EQ(back->selectors.at(0).served_at, edges->selectors.at(0).served_at);
}

TEST(LifecycleState, FormatTimeIsRfc3339Utc) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(kT0), "2026-12-05T04:00:00Z");
  EXPECT_EQ(format_time(1769903999), "2026-01-31T23:59:59Z");
}

TEST(LifecycleState, NamesAreLowercasedAndDefaultsApply) {
  auto s = parse(
      "[[selector]]\ndomain = \"Example.COM\"\nselector = \"S1\"\nstage = \"staged\"\nkey = \"/k.pem\"\n"
      "replaces = \"S0\"\n");
  ASSERT_TRUE(s) << s.error().message();
  const SelectorState& e = s->selectors.at(0);
  EXPECT_EQ(e.domain, "example.com");
  EXPECT_EQ(e.selector, "s1");
  EXPECT_EQ(e.replaces, "s0");
  EXPECT_EQ(e.algorithm, dkim::Algorithm::rsa_sha256);
  EXPECT_EQ(e.bits, 2048u);
  EXPECT_FALSE(e.staged_at);  // staged_at is not required
  EXPECT_NE(s->find("example.com", "s1"), nullptr);
  EXPECT_EQ(s->find("example.com", "s0"), nullptr);
}

TEST(LifecycleState, FindAndOfListTheDomainsEntriesInFileOrder) {
  State st;
  st.selectors = {entry("b", Stage::active, kT0), entry("a", Stage::staged, kT0), entry("c", Stage::retired, kT0)};
  st.selectors[1].domain = "example.net";
  auto of = st.of("example.com");
  ASSERT_EQ(of.size(), 2u);
  EXPECT_EQ(of[0]->selector, "b");
  EXPECT_EQ(of[1]->selector, "c");
  EXPECT_EQ(st.find("example.net", "a"), &st.selectors[1]);
  EXPECT_EQ(st.find("example.com", "a"), nullptr);
  const State& cst = st;
  EXPECT_EQ(cst.of("example.org").size(), 0u);
}

TEST(LifecycleState, ARelativeKeyResolvesAgainstTheStatesFolder) {
  auto s = parse(
      "[[selector]]\ndomain = \"a.example\"\nselector = \"s1\"\nstage = \"staged\"\nkey = \"keys/../keys/a.pem\"\n"
      "[[selector]]\ndomain = \"a.example\"\nselector = \"s2\"\nstage = \"staged\"\nkey = \"/etc/dnsauth/keys/b.pem\"\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->selectors[0].key_path, std::filesystem::path("/var/lib/dnsauth/keys/a.pem"));
  EXPECT_EQ(s->selectors[1].key_path, std::filesystem::path("/etc/dnsauth/keys/b.pem"));
}

TEST(LifecycleState, MistakesAreSyntaxErrorsNamingFileAndLine) {
  struct Case {
    std::string text;
    const char* where;   // SOURCE:LINE
    const char* expect;  // the reason
  } cases[] = {
      // An unknown key is named at its own line.
      {std::string(kActiveEntry) + "colour = \"red\"\n", "state.toml:8:", "unknown key 'colour'"},
      {"version = 1\n", "state.toml:1:", "unknown key 'version'"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"expired\"\nkey = \"/k.pem\"\n",
       "state.toml:4:", "unknown stage 'expired'"},
      // A stage implies the times of the stages before it: retired without retired_at is refused.
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"retired\"\nkey = \"/k.pem\"\n"
       "published_at = 2026-12-05T04:00:00Z\nactive_at = 2026-12-05T05:00:00Z\n",
       "state.toml:1:", "needs 'retired_at'"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"published\"\nkey = \"/k.pem\"\n",
       "state.toml:1:", "needs 'published_at'"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"removed\"\nkey = \"/k.pem\"\n"
       "published_at = 2026-12-05T04:00:00Z\nactive_at = 2026-12-05T05:00:00Z\nretired_at = 2026-12-05T06:00:00Z\n"
       "revoked_at = 2026-12-05T07:00:00Z\n",
       "state.toml:1:", "needs 'removed_at'"},
      // The same domain and selector twice (names compare lowercased): which one would count?
      {std::string(kActiveEntry) + "\n" + kActiveEntry, "state.toml:9:", "listed twice"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"staged\"\nkey = \"/k.pem\"\n"
       "staged_at = \"yesterday\"\n",
       "state.toml:6:", "must be a date-time"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"staged\"\n", "state.toml:1:", "needs 'key'"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"staged\"\nkey = \"/k.pem\"\nbits = 512\n",
       "state.toml:6:", "1024 to 4096"},
      {"[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"staged\"\nkey = \"/k.pem\"\n"
       "algorithm = \"rsa-sha1\"\n",
       "state.toml:6:", "algorithm must be"},
      {"selector = 3\n", "state.toml:1:", "array of tables"},
      // TOML itself: SOURCE:LINE:COL.
      {"[[selector]\n", "state.toml:1:", ""},
  };
  for (const auto& c : cases) {
    std::string e = error_of(c.text);
    EXPECT_EQ(e.rfind(c.where, 0), 0u) << "input:\n" << c.text << "error: " << e;
    EXPECT_NE(e.find(c.expect), std::string::npos) << "input:\n" << c.text << "error: " << e;
  }
}

// lifecycle::reconcile adopts a selector found in the config as active without knowing when it
// was published; the publisher must read back what it wrote.
TEST(LifecycleState, AnAdoptedSelectorNeedsNoPublishedAtButStillItsOwnStagesTimes) {
  auto s = parse("[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"retired\"\nkey = \"/k.pem\"\n"
                 "active_at = 2026-12-05T04:00:00Z\nretired_at = 2026-12-06T04:00:00Z\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->selectors[0].published_at);
  EXPECT_EQ(s->selectors[0].retired_at, kT0 + 86400);
  std::string e = error_of("[[selector]]\ndomain = \"example.com\"\nselector = \"s1\"\nstage = \"retired\"\n"
                           "key = \"/k.pem\"\nretired_at = 2026-12-06T04:00:00Z\n");
  EXPECT_NE(e.find("needs 'active_at'"), std::string::npos) << e;
}

TEST(LifecycleState, TheSameSelectorTwiceInOtherCaseIsADuplicate) {
  std::string twice = std::string(kActiveEntry) + "\n[[selector]]\ndomain = \"EXAMPLE.com\"\nselector = \"S1\"\n"
                                                  "stage = \"staged\"\nkey = \"/k/s1b.pem\"\n";
  std::string e = error_of(twice);
  EXPECT_EQ(e.rfind("state.toml:9:", 0), 0u) << e;
  EXPECT_NE(e.find("selector s1 of example.com is listed twice"), std::string::npos) << e;
  // The same selector name under another domain is another entry.
  std::string other = std::string(kActiveEntry) + "\n[[selector]]\ndomain = \"example.net\"\nselector = \"s1\"\n"
                                                  "stage = \"staged\"\nkey = \"/k/s1b.pem\"\n";
  auto s = parse(other);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->selectors.size(), 2u);
}

TEST(LifecycleState, AMissingFileIsAnEmptyStateAndAWrittenOneLoadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-lifecycle-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto missing = load_state(dir / "dnsauth.lifecycle.toml");
  ASSERT_TRUE(missing) << missing.error().message();
  EXPECT_TRUE(missing->selectors.empty());

  // load_state names the file in messages and resolves relative keys against its folder.
  std::ofstream(dir / "bad.toml") << "[[selector]]\ndomain = \"a.example\"\nselector = \"s\"\nstage = \"nope\"\nkey = \"k.pem\"\n";
  auto bad = load_state(dir / "bad.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::syntax);
  EXPECT_EQ(bad.error().detail.rfind((dir / "bad.toml").string() + ":4:", 0), 0u) << bad.error().detail;

  std::ofstream(dir / "rel.toml") << "[[selector]]\ndomain = \"a.example\"\nselector = \"s\"\nstage = \"staged\"\nkey = \"k.pem\"\n";
  auto rel = load_state(dir / "rel.toml");
  ASSERT_TRUE(rel) << rel.error().message();
  EXPECT_EQ(rel->selectors.at(0).key_path, dir / "k.pem");

  // A folder where the file should be is not "nothing rotated yet".
  std::filesystem::create_directories(dir / "dir.toml");
  auto unreadable = load_state(dir / "dir.toml");
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().code, Errc::io);
  EXPECT_NE(unreadable.error().detail.find((dir / "dir.toml").string()), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(LifecycleState, TheDefaultStateFileSitsBesideTheConfig) {
  EXPECT_EQ(default_state_path("/etc/dnsauth/dnsauth.toml"), std::filesystem::path("/etc/dnsauth/dnsauth.lifecycle.toml"));
  EXPECT_EQ(default_state_path("/srv/mail/site.toml"), std::filesystem::path("/srv/mail/site.lifecycle.toml"));
  EXPECT_EQ(default_state_path("dnsauth.toml"), std::filesystem::path("dnsauth.lifecycle.toml"));
}

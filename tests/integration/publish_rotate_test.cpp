// dnsauth-publish rotate: the next selector's key is created (0600, never overwritten), the
// records publish the old and the new selector together and lint clean, and the steps come
// in their order: publish, wait one TTL, switch the signer, retire the old record, delete the key.
#include <gtest/gtest.h>

#include "publish_support.h"
#include "support/nsd_fixture.h"

namespace dnsauth::test::publish {
namespace {

Ran rotate(const Workspace& ws, std::vector<std::string> more) {
  std::vector<std::string> args{"rotate", "--config", ws.config().string(), "--out", ws.out().string()};
  args.insert(args.end(), more.begin(), more.end());
  return publish(args);
}

TEST(PublishRotate, CreatesTheNextKeyAndPublishesBothSelectors) {
  Workspace ws;
  ASSERT_EQ(ws.generate().status, 0);
  Ran r = rotate(ws, {"--domain", "example.com"});
  ASSERT_EQ(r.status, 0) << r.err;
  fs::path key = ws.keys() / "example.com.s2027r.pem";
  ASSERT_TRUE(fs::exists(key));
  EXPECT_EQ(file_mode(key), 0600u);
  std::string zone = read_file(ws.zone("example.com"));
  EXPECT_NE(zone.find("s2026r._domainkey.example.com."), std::string::npos) << zone;
  EXPECT_NE(zone.find("s2027r._domainkey.example.com."), std::string::npos) << zone;
  EXPECT_NE(r.out.find("selector s2026r -> s2027r"), std::string::npos) << r.out;

  Ran lint = publish({"lint", "--zone", ws.zone("example.com").string(), "--zone", ws.zone("example.net").string(),
                      "--domain", "example.com", "--selector", "s2026r", "--selector", "s2027r"});
  EXPECT_EQ(lint.status, 0) << lint.out << lint.err;
}

TEST(PublishRotate, PrintsTheStepsInOrder) {
  Workspace ws;
  Ran r = rotate(ws, {"--domain", "example.com"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> steps = {"1. Publish", "2. Wait one TTL (3600 s)", "3. Switch the signer",
                                    "4. Retire the old record", "5. Delete the old key"};
  std::size_t at = 0;
  for (const auto& s : steps) {
    std::size_t found = r.out.find(s, at);
    ASSERT_NE(found, std::string::npos) << "'" << s << "' missing or out of order in:\n" << r.out;
    at = found;
  }
  EXPECT_NE(r.out.find("name = \"s2027r\"   key = \"example.com.s2027r.pem\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((ws.keys() / "example.com.s2026r.pem").string()), std::string::npos);
}

TEST(PublishRotate, ASecondRotateKeepsTheNewKey) {
  Workspace ws;
  ASSERT_EQ(rotate(ws, {"--domain", "example.com"}).status, 0);
  std::string key = read_file(ws.keys() / "example.com.s2027r.pem");
  Ran again = rotate(ws, {"--domain", "example.com"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(read_file(ws.keys() / "example.com.s2027r.pem"), key);
  EXPECT_NE(again.out.find("s2027r.pem exists, kept"), std::string::npos) << again.out;
}

TEST(PublishRotate, SeveralSelectorsNeedOneNamed) {
  Workspace ws;
  Ran r = rotate(ws, {"--domain", "example.net"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("s2026r, s2026e"), std::string::npos) << r.err;
  Ran named = rotate(ws, {"--domain", "example.net", "--selector", "s2026e", "--new", "e2"});
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_TRUE(fs::exists(ws.keys() / "example.net.e2.pem"));
  EXPECT_NE(read_file(ws.zone("example.net")).find("e2._domainkey.example.net.\t3600\tIN\tTXT\t\"v=DKIM1; k=ed25519;"),
            std::string::npos);
}

TEST(PublishRotate, RefusesATakenOrInvalidNewName) {
  Workspace ws;
  EXPECT_EQ(rotate(ws, {"--domain", "example.net", "--selector", "s2026r", "--new", "s2026e"}).status, 2);
  EXPECT_EQ(rotate(ws, {"--domain", "example.net", "--selector", "s2026r", "--new", "bad name"}).status, 2);
  EXPECT_EQ(rotate(ws, {"--domain", "example.net", "--selector", "nope"}).status, 2);
  EXPECT_EQ(rotate(ws, {"--domain", "example.org"}).status, 2);
  EXPECT_FALSE(fs::exists(ws.out()));
}

// [domain] rotate_every: rotate --auto stages the successor once the active key is that old, and
// not a second earlier (the key's age is its file's time the first time the state sees it).
// Staging needs no DNS; status shows each selector's stage and what comes next.
TEST(PublishRotate, AutoStagesTheSuccessorOfAKeyOlderThanRotateEvery) {
  Workspace ws;
  ws.write("dnsauth.toml",
           "[[domain]]\nname = \"example.org\"\nrotate_every = \"90d\"\n\n"
           "[[domain.selector]]\nname = \"k1\"\nalgorithm = \"ed25519-sha256\"\n");
  ASSERT_EQ(ws.generate().status, 0);
  struct stat st {};
  ASSERT_EQ(::stat((ws.keys() / "example.org.k1.pem").c_str(), &st), 0);
  const std::int64_t made = st.st_mtime, day = 86400;
  auto at = [&](std::int64_t now, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"rotate", "--config", ws.config().string(), "--auto", "--now", std::to_string(now)};
    args.insert(args.end(), more.begin(), more.end());
    return publish(args);
  };

  Ran early = at(made + 90 * day - 1);
  ASSERT_EQ(early.status, 0) << early.err;
  EXPECT_NE(early.out.find("nothing due; next at"), std::string::npos) << early.out;
  EXPECT_FALSE(fs::exists(ws.keys() / "example.org.k2.pem"));

  Ran due = at(made + 90 * day, {"--json"});
  ASSERT_EQ(due.status, 0) << due.err;
  EXPECT_NE(due.out.find("\"staged\": \"k2\""), std::string::npos) << due.out;
  EXPECT_EQ(file_mode(ws.keys() / "example.org.k2.pem"), 0600u);
  const std::string state = read_file(ws.dir() / "dnsauth.lifecycle.toml");
  EXPECT_NE(state.find("stage = 'staged'"), std::string::npos) << state;
  EXPECT_NE(state.find("replaces = 'k1'"), std::string::npos) << state;

  Ran status = publish({"status", "--config", ws.config().string(), "--now", std::to_string(made + 90 * day)});
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("k1  active since"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("k2  staged since"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("next step: publish k2 (due now)"), std::string::npos) << status.out;

  // Publishing needs the zone's primary: one that does not answer is a DNS failure (exit 3), and
  // the state keeps the key staged.
  Ran publish_step = at(made + 90 * day + 1, {"--server", "127.0.0.1:" + std::to_string(free_loopback_port()),
                                              "--timeout", "1"});
  EXPECT_EQ(publish_step.status, 3) << publish_step.out << publish_step.err;
  EXPECT_NE(read_file(ws.dir() / "dnsauth.lifecycle.toml").find("stage = 'staged'"), std::string::npos);
}

}  // namespace
}  // namespace dnsauth::test::publish

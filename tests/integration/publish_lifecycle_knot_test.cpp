// dnsauth-publish plan, apply, wait and rotate --auto against real Knot DNS: a primary that
// takes TSIG-signed RFC 2136 updates and a secondary fed by NOTIFY and zone transfers, both on
// loopback (tests/support/knot_fixture.h). The records outside our names stay untouched, a bad
// key or a concurrent change leaves the zone as it was, a lagging secondary holds the rotation
// back, and a message signed at every stage of a rotation verifies against what the servers
// serve at that moment (README "Rotating keys").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/dns/zone_client.h"
#include "core/records/zone_plan.h"
#include "publish_support.h"
#include "support/dns_proxy.h"
#include "support/knot_fixture.h"
#include "support/nsd_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test::publish {
namespace {

using json = nlohmann::json;

constexpr const char* kZone = "example.test";
constexpr std::int64_t kT0 = 1'800'000'000;  // the lifecycle clock of the tests (2027-01-15)
constexpr std::int64_t kDay = 86400;

// What the zone holds besides what dnsauth owns, and an SPF record of the past.
const std::string kOthers =
    "@ TXT \"google-site-verification=abc123\"\n"
    "@ TXT \"v=spf1 -all\"\n"
    "www A 192.0.2.80\n"
    "other TXT \"not ours\"\n";

std::string config_text(int milter_port = 0) {
  return "[signer]\nkey_dir = \"keys\"\n" +
         (milter_port ? "socket = \"inet:" + std::to_string(milter_port) + "@127.0.0.1\"\nlog = \"stderr\"\n"
                      : std::string()) +
         "\n# the domain under test\n"
         "[[domain]]\nname = \"example.test\"\nttl = 300\n\n"
         "[[domain.selector]]\nname = \"s1\"   # the first key\nalgorithm = \"ed25519-sha256\"\n\n"
         "[domain.spf]\nip4 = [\"192.0.2.0/24\"]\nhelo = [\"mail.example.test\"]\n\n"
         "[domain.dmarc]\np = \"none\"\n";
}

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KnotPair::available()) GTEST_SKIP() << "knotd is not installed (scripts/setup.sh installs knot)";
    knot_ = std::make_unique<KnotPair>(kZone, knot_zone_text(kZone, 1, kOthers));
    ws_.write("dnsauth.toml", config_text());
    ASSERT_EQ(ws_.generate().status, 0);
  }

  std::vector<std::string> dns_args() const {
    return {"--server", knot_->primary_address(), "--tsig-key", knot_->tsig_key_file().string(), "--ns-port",
            std::to_string(knot_->port()), "--timeout", "1"};
  }
  Ran run(const std::string& command, std::vector<std::string> more = {}, bool with_dns = true) const {
    std::vector<std::string> args{command, "--config", ws_.config().string()};
    if (with_dns) {
      auto d = dns_args();
      args.insert(args.end(), d.begin(), d.end());
    }
    args.insert(args.end(), more.begin(), more.end());
    return publish(args);
  }
  // rotate --auto at `now`, waiting for the servers up to `deadline` seconds.
  Ran auto_at(std::int64_t now, std::vector<std::string> more = {}, int deadline = 10) const {
    more.insert(more.end(), {"--auto", "--now", std::to_string(now), "--deadline", std::to_string(deadline)});
    return run("rotate", more);
  }

  // The TXT records at name as the server at address serves them, strings joined.
  std::vector<std::string> txt(const std::string& address, const std::string& name) const {
    dns::ZoneClientOptions o;
    o.server = address;
    auto client = dns::ZoneClient::create(o);
    EXPECT_TRUE(client.has_value());
    auto a = (*client)->query(name, dns::RRType::TXT);
    std::vector<std::string> out = a.answer.records;
    std::sort(out.begin(), out.end());
    return out;
  }
  bool serves_txt(const std::string& address, const std::string& name, const std::string& needle) const {
    for (const auto& t : txt(address, name))
      if (t.find(needle) != std::string::npos) return true;
    return false;
  }

  // A message signed now by `dnsauth-signer sign` with the config as it is, then verified by
  // dnsauth-validate against what the server at address serves. Returns the DKIM result and
  // the selector of the one signature.
  std::pair<std::string, std::string> sign_and_verify(const std::string& address) const {
    ws_.write("msg.eml",
              "From: Alice <alice@example.test>\r\nTo: bob@example.org\r\nSubject: rotation\r\n"
              "Date: Sat, 05 Dec 2026 10:00:00 +0000\r\nMessage-ID: <r@example.test>\r\n\r\nHello.\r\n");
    Ran signed_msg = run_process(built_signer().string(), {"--config", ws_.config().string(), "sign", "--auth-user",
                                                           "alice@example.test", (ws_.dir() / "msg.eml").string()});
    EXPECT_EQ(signed_msg.status, 0) << signed_msg.err;
    ws_.write("signed.eml", signed_msg.out);
    Ran v = run_process(tool_path("dnsauth-validate").string(),
                        {"message", (ws_.dir() / "signed.eml").string(), "--resolver", address, "--json"});
    json j = json::parse(v.out, nullptr, false);
    if (j.is_discarded() || j["dkim"].empty()) return {"(no result) " + v.err, ""};
    return {j["dkim"][0]["result"].get<std::string>(), j["dkim"][0]["selector"].get<std::string>()};
  }
  // The DKIM result of a message signed earlier (saved as `file`), verified now.
  std::string verify_saved(const std::string& file, const std::string& address) const {
    Ran v = run_process(tool_path("dnsauth-validate").string(), {"message", (ws_.dir() / file).string(), "--resolver",
                                                                  address, "--json"});
    json j = json::parse(v.out, nullptr, false);
    return j.is_discarded() || j["dkim"].empty() ? "(no result) " + v.err : j["dkim"][0]["result"].get<std::string>();
  }

  Workspace ws_;
  std::unique_ptr<KnotPair> knot_;
};

// RFC 2136 3.4: the update adds and deletes only what the plan names; every other record of the
// zone, and the TXT records at our names that are not ours, are left as they were.
TEST_F(Lifecycle, PlanAndApplyRoundTripLeavesOtherRecordsAlone) {
  Ran plan = run("plan", {"--json"});
  ASSERT_EQ(plan.status, 1) << plan.out << plan.err;
  json p = json::parse(plan.out);
  std::set<std::string> changed;
  for (const auto& c : p["domains"][0]["changes"]) changed.insert(c["action"].get<std::string>() + " " + c["name"].get<std::string>());
  EXPECT_EQ(changed, (std::set<std::string>{"add s1._domainkey.example.test.", "replace example.test.",
                                            "add mail.example.test.", "add _dmarc.example.test."}))
      << plan.out;

  Ran apply = run("apply");
  ASSERT_EQ(apply.status, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("applied 4 changes"), std::string::npos) << apply.out;
  EXPECT_EQ(run("plan").status, 0);

  const std::string primary = knot_->primary_address();
  EXPECT_EQ(txt(primary, "example.test"),
            (std::vector<std::string>{"google-site-verification=abc123", "v=spf1 ip4:192.0.2.0/24 -all"}));
  EXPECT_EQ(txt(primary, "other.example.test"), std::vector<std::string>{"not ours"});
  EXPECT_TRUE(serves_txt(primary, "s1._domainkey.example.test", "v=DKIM1; k=ed25519; p="));

  // Every authoritative server: the secondary gets it by NOTIFY and IXFR.
  Ran wait = run("wait", {"--deadline", "20"});
  EXPECT_EQ(wait.status, 0) << wait.out << wait.err;
  EXPECT_NE(wait.out.find("ns2.example.test (127.0.0.2:" + std::to_string(knot_->port()) + "): serves it"),
            std::string::npos)
      << wait.out;
  EXPECT_EQ(txt(knot_->secondary_address(), "example.test"), txt(primary, "example.test"));
}

// The MTA-STS (RFC 8461 3.1), TLS-RPT (RFC 8460 3) and BIMI records go through plan and apply
// like the others: added, then in sync; a changed policy replaces the _mta-sts record (its id),
// and a TXT record at that name that is not "v=STSv1" is not ours and stays.
TEST_F(Lifecycle, MtaStsTlsRptAndBimiRecordsArePlannedAndApplied) {
  const std::string posture = "\n[domain.mta_sts]\nmode = \"testing\"\nmx = [\"mx.example.test\"]\n"
                              "[domain.tls_rpt]\nrua = [\"mailto:tlsrpt@example.test\"]\n"
                              "[domain.bimi]\nlogo = \"https://example.test/logo.svg\"\n";
  ws_.write("dnsauth.toml", config_text() + posture);
  dns::ZoneClientOptions o;
  o.server = knot_->primary_address();
  o.tsig = *dns::load_tsig_key(knot_->tsig_key_file());
  auto direct = std::move(*dns::ZoneClient::create(o));
  dns::Update other;
  other.zone = kZone;
  other.adds.push_back({"_mta-sts.example.test", 300, {"mta-sts-verification=42"}});
  ASSERT_EQ(direct->update(other).status, dns::UpdateStatus::ok);

  Ran plan = run("plan", {"--json"});
  ASSERT_EQ(plan.status, 1) << plan.out << plan.err;
  const json p = json::parse(plan.out);
  std::set<std::string> changed;
  for (const auto& c : p["domains"][0]["changes"])
    changed.insert(c["action"].get<std::string>() + " " + c["name"].get<std::string>() + " " + c["kind"].get<std::string>());
  EXPECT_TRUE(changed.count("add _mta-sts.example.test. mta-sts")) << plan.out;
  EXPECT_TRUE(changed.count("add _smtp._tls.example.test. tls-rpt")) << plan.out;
  EXPECT_TRUE(changed.count("add default._bimi.example.test. bimi")) << plan.out;

  ASSERT_EQ(run("apply").status, 0);
  EXPECT_EQ(run("plan").status, 0);
  EXPECT_TRUE(serves_txt(knot_->primary_address(), "_smtp._tls.example.test", "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"));
  EXPECT_TRUE(serves_txt(knot_->primary_address(), "default._bimi.example.test", "v=BIMI1; l=https://example.test/logo.svg"));
  auto sts = txt(knot_->primary_address(), "_mta-sts.example.test");
  ASSERT_EQ(sts.size(), 2u);
  EXPECT_EQ(sts[0], "mta-sts-verification=42");
  const std::string first_id = sts[1];

  // Enforce: a new policy, a new id; the other record stays.
  std::string enforce = posture;
  enforce.replace(enforce.find("\"testing\""), 9, "\"enforce\"");
  ws_.write("dnsauth.toml", config_text() + enforce);
  Ran again = run("plan");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("replace _mta-sts.example.test. TXT (mta-sts)"), std::string::npos) << again.out;
  ASSERT_EQ(run("apply").status, 0);
  sts = txt(knot_->primary_address(), "_mta-sts.example.test");
  ASSERT_EQ(sts.size(), 2u);
  EXPECT_EQ(sts[0], "mta-sts-verification=42");
  EXPECT_NE(sts[1], first_id);
  EXPECT_EQ(sts[1].rfind("v=STSv1; id=", 0), 0u) << sts[1];
}

// RFC 8945 5.2: a key the server knows under that name but with another secret fails BADSIG;
// the server answers NOTAUTH and changes nothing.
TEST_F(Lifecycle, ABadTsigKeyIsRefusedAndTheZoneIsUnchanged) {
  ws_.write("bad.key", "key \"" + knot_->tsig_key_name() +
                           "\" {\n  algorithm hmac-sha256;\n  secret \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n};\n");
  Ran bad = publish({"apply", "--config", ws_.config().string(), "--server", knot_->primary_address(), "--tsig-key",
                     (ws_.dir() / "bad.key").string()});
  EXPECT_EQ(bad.status, 3) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("NOTAUTH"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("BADSIG"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("nothing was changed"), std::string::npos) << bad.err;
  EXPECT_EQ(txt(knot_->primary_address(), "example.test"),
            (std::vector<std::string>{"google-site-verification=abc123", "v=spf1 -all"}));

  // A key file that does not parse is an input error naming it: exit 2, nothing sent.
  ws_.write("broken.key", "key \"x\" {\n  algorithm hmac-sha256;\n};\n");
  Ran broken = publish({"apply", "--config", ws_.config().string(), "--server", knot_->primary_address(), "--tsig-key",
                        (ws_.dir() / "broken.key").string()});
  EXPECT_EQ(broken.status, 2) << broken.err;
  EXPECT_NE(broken.err.find("broken.key"), std::string::npos) << broken.err;
  EXPECT_EQ(run("plan").status, 1);
}

// RFC 2136 2.4.2 and 3.2.3: the plan's update carries every RRset it touches as read; when
// someone changed one between the read and the update, the server answers NXRRSET and applies
// nothing. (apply sends exactly this update: publisher/zone_sync.cpp.)
TEST_F(Lifecycle, AConcurrentChangeFailsThePrerequisiteAndChangesNothing) {
  dns::ZoneClientOptions o;
  o.server = knot_->primary_address();
  o.tsig = *dns::load_tsig_key(knot_->tsig_key_file());
  auto client = std::move(*dns::ZoneClient::create(o));
  std::vector<records::Wanted> wanted = {
      {"example.test", records::Kind::spf, 300, {"v=spf1 ip4:192.0.2.0/24 -all"}},
      {"_dmarc.example.test", records::Kind::dmarc, 300, {"v=DMARC1; p=none"}}};
  auto plan = records::plan_zone(kZone, wanted, [&](const std::string& owner) -> Result<records::Served> {
    auto a = client->query(owner, dns::RRType::TXT);
    return records::Served{a.ttl, a.answer.txt_parts};
  });
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->changes.size(), 2u);

  // Someone else edits the SPF record meanwhile.
  dns::Update other;
  other.zone = kZone;
  other.deletes.push_back({"example.test", 0, {"v=spf1 -all"}});
  other.adds.push_back({"example.test", 300, {"v=spf1 a -all"}});
  ASSERT_EQ(client->update(other).status, dns::UpdateStatus::ok);

  dns::UpdateResult r = client->update(plan->update);
  EXPECT_EQ(r.status, dns::UpdateStatus::prerequisite_failed) << r.detail;
  EXPECT_EQ(txt(knot_->primary_address(), "example.test"),
            (std::vector<std::string>{"google-site-verification=abc123", "v=spf1 a -all"}));
  EXPECT_TRUE(txt(knot_->primary_address(), "_dmarc.example.test").empty()) << "the update applied in part";
}

// The same through apply, with the concurrent change made between apply's read and its
// UPDATE (by a relay that lets the change through just before passing the UPDATE on): exit 4,
// the message says nothing changed, the UPDATE was sent once, and the other change stands.
TEST_F(Lifecycle, ApplyExitsFourWhenTheZoneChangesBetweenItsReadAndItsUpdate) {
  dns::ZoneClientOptions o;
  o.server = knot_->primary_address();
  o.tsig = *dns::load_tsig_key(knot_->tsig_key_file());
  auto direct = std::move(*dns::ZoneClient::create(o));
  dns::UpdateStatus other_status = dns::UpdateStatus::failed;
  DnsProxy relay("127.0.0.1", knot_->port(), {.as_recursive = false, .before_update = [&] {
                   dns::Update other;
                   other.zone = kZone;
                   other.deletes.push_back({"example.test", 0, {"v=spf1 -all"}});
                   other.adds.push_back({"example.test", 300, {"v=spf1 a -all"}});
                   other_status = direct->update(other).status;
                 }});

  Ran apply = publish({"apply", "--config", ws_.config().string(), "--server", relay.address(), "--tsig-key",
                       knot_->tsig_key_file().string(), "--timeout", "2"});
  EXPECT_EQ(apply.status, 4) << apply.out << apply.err;
  EXPECT_EQ(other_status, dns::UpdateStatus::ok);
  EXPECT_NE(apply.err.find("the zone changed since it was read"), std::string::npos) << apply.err;
  EXPECT_NE(apply.err.find("nothing was changed"), std::string::npos) << apply.err;
  EXPECT_EQ(relay.updates_relayed(), 1) << "an UPDATE is sent once";
  EXPECT_EQ(txt(knot_->primary_address(), "example.test"),
            (std::vector<std::string>{"google-site-verification=abc123", "v=spf1 a -all"}));
  EXPECT_TRUE(txt(knot_->primary_address(), "_dmarc.example.test").empty()) << "the update applied in part";
  EXPECT_TRUE(txt(knot_->primary_address(), "s1._domainkey.example.test").empty()) << "the update applied in part";

  // Run again, apply reads the zone as it is now and replaces the other SPF record.
  Ran again = run("apply");
  EXPECT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("- 300 \"v=spf1 a -all\""), std::string::npos) << again.out;
}

// RFC 2136 4 and RFC 1035 3.3.13: without --server the primary is the zone's SOA MNAME, found
// through a recursive resolver (whose answers carry no AA bit) and then asked directly on
// --ns-port. Here the resolver is a relay that answers as a cache does.
TEST_F(Lifecycle, WithoutServerThePrimaryIsTheSoaMnameFoundThroughTheResolver) {
  DnsProxy resolver("127.0.0.1", knot_->port(), {.as_recursive = true, .before_update = {}});
  const std::vector<std::string> dns{"--resolver", resolver.address(), "--ns-port", std::to_string(knot_->port()),
                                     "--tsig-key", knot_->tsig_key_file().string(), "--timeout", "1"};
  auto with = [&](const std::string& command, std::vector<std::string> more = {}) {
    std::vector<std::string> args{command, "--config", ws_.config().string()};
    args.insert(args.end(), dns.begin(), dns.end());
    args.insert(args.end(), more.begin(), more.end());
    return publish(args);
  };
  Ran plan = with("plan", {"--json"});
  ASSERT_EQ(plan.status, 1) << plan.out << plan.err;
  json p = json::parse(plan.out);
  // ns1.example.test, the MNAME, is 127.0.0.1; the relay was only asked where it is.
  EXPECT_EQ(p["domains"][0]["server"], knot_->primary_address()) << plan.out;
  EXPECT_GT(resolver.queries_relayed(), 0);

  Ran apply = with("apply");
  ASSERT_EQ(apply.status, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("at " + knot_->primary_address() + "; the primary serves them"), std::string::npos)
      << apply.out;
  EXPECT_EQ(resolver.updates_relayed(), 0) << "the UPDATE goes to the primary, never to the resolver";
  EXPECT_TRUE(serves_txt(knot_->primary_address(), "s1._domainkey.example.test", "v=DKIM1; k=ed25519; p="));
  EXPECT_EQ(with("wait", {"--deadline", "20"}).status, 0);

  // A resolver that does not answer: exit 3, naming it and what to do.
  const std::string silent = "127.0.0.1:" + std::to_string(free_loopback_port());
  Ran lost = publish({"plan", "--config", ws_.config().string(), "--resolver", silent, "--timeout", "1"});
  EXPECT_EQ(lost.status, 3) << lost.out << lost.err;
  EXPECT_NE(lost.err.find("cannot find its zone through the resolver " + silent), std::string::npos) << lost.err;
  EXPECT_NE(lost.err.find("--server"), std::string::npos) << lost.err;
}

// A stopped secondary: wait names it, and rotate --auto publishes but does not activate the key
// however much time passes; once it is back and serves the key, the rotation goes on.
TEST_F(Lifecycle, ALaggingSecondaryHoldsTheRotationBack) {
  ASSERT_EQ(run("apply").status, 0);
  ASSERT_EQ(run("rotate", {"--domain", kZone, "--now", std::to_string(kT0)}, false).status, 0);
  knot_->stop_secondary();

  Ran published = auto_at(kT0, {}, 2);
  ASSERT_EQ(published.status, 0) << published.out << published.err;
  EXPECT_NE(published.out.find("published s2 on the primary"), std::string::npos) << published.out;
  EXPECT_NE(published.out.find("ns2.example.test (127.0.0.2:" + std::to_string(knot_->port()) + "): LAGS"),
            std::string::npos)
      << published.out;

  Ran wait = run("wait", {"--deadline", "1"});
  EXPECT_EQ(wait.status, 1) << wait.out;
  EXPECT_NE(wait.out.find("ns2.example.test"), std::string::npos) << wait.out;
  EXPECT_NE(wait.out.find("LAGS"), std::string::npos) << wait.out;

  // Weeks later, still not activated: the secondary never served it.
  Ran later = auto_at(kT0 + 30 * kDay, {}, 1);
  EXPECT_EQ(later.status, 0) << later.err;
  EXPECT_NE(later.out.find("not every server serves s2 yet"), std::string::npos) << later.out;
  EXPECT_NE(read_file(ws_.config()).find("name = \"s1\""), std::string::npos);

  knot_->start_secondary();
  Ran confirmed = auto_at(kT0 + 30 * kDay + 10, {}, 20);
  ASSERT_EQ(confirmed.status, 0) << confirmed.out << confirmed.err;
  EXPECT_NE(confirmed.out.find("every server serves s2"), std::string::npos) << confirmed.out;
  Ran active = auto_at(kT0 + 30 * kDay + 10 + 300);
  ASSERT_EQ(active.status, 0) << active.out << active.err;
  EXPECT_NE(read_file(ws_.config()).find("name = \"s2\""), std::string::npos) << active.out;
}

// The whole rotation over simulated weeks. At every stage a message signed with the config as
// it then is verifies against what the secondary serves, and one signed before the switch
// verifies until its key is revoked.
TEST_F(Lifecycle, AFullRotationOverWeeksNeverSignsWithAnUnpublishedKey) {
  if (built_signer().empty()) GTEST_SKIP() << "dnsauth-signer is not built";
  const std::string secondary = knot_->secondary_address();
  ASSERT_EQ(run("apply").status, 0);
  ASSERT_EQ(run("wait", {"--deadline", "20"}).status, 0);
  EXPECT_EQ(sign_and_verify(secondary), (std::pair<std::string, std::string>{"pass", "s1"}));

  // A running signer, told to reload when its config changes.
  const int milter_port = free_loopback_port();
  const std::string config_before = config_text(milter_port);
  ws_.write("dnsauth.toml", config_before);
  SignerProcess signer(built_signer(), ws_.config(), milter_port, ws_.dir() / "signer.log");
  ws_.write("signer.pid", std::to_string(signer.pid()) + "\n");
  const std::string pid_file = (ws_.dir() / "signer.pid").string();

  Ran start = run("rotate", {"--domain", kZone, "--now", std::to_string(kT0)}, false);
  ASSERT_EQ(start.status, 0) << start.err;
  EXPECT_NE(start.out.find("s2 is staged"), std::string::npos) << start.out;
  EXPECT_FALSE(serves_txt(knot_->primary_address(), "s2._domainkey.example.test", "v=DKIM1"));

  // Run 1: publish, and every server serves it.
  Ran r1 = auto_at(kT0, {"--signer-pid", pid_file});
  ASSERT_EQ(r1.status, 0) << r1.out << r1.err;
  EXPECT_TRUE(serves_txt(secondary, "s2._domainkey.example.test", "v=DKIM1; k=ed25519; p="));
  EXPECT_EQ(sign_and_verify(secondary), (std::pair<std::string, std::string>{"pass", "s1"}));
  ws_.write("signed-by-s1.eml", read_file(ws_.dir() / "signed.eml"));

  // Run 2, one second short of a TTL (300 s) after every server served it: not yet.
  Ran r2 = auto_at(kT0 + 299);
  ASSERT_EQ(r2.status, 0) << r2.err;
  EXPECT_NE(r2.out.find("nothing due"), std::string::npos) << r2.out;
  EXPECT_EQ(read_file(ws_.config()), config_before);

  // Run 3, one TTL later: the config is edited in place, checked, and the signer reloads.
  Ran r3 = auto_at(kT0 + 300, {"--signer-pid", pid_file});
  ASSERT_EQ(r3.status, 0) << r3.out << r3.err;
  std::string after = read_file(ws_.config());
  std::string expected = config_before;
  expected.replace(expected.find("name = \"s1\""), 11, "name = \"s2\"");
  EXPECT_EQ(after, expected) << "only the selector's name changes; its comment and every other line stay";
  EXPECT_NE(r3.out.find("signalled the signer (pid " + std::to_string(signer.pid()) + ")"), std::string::npos)
      << r3.out;
  EXPECT_TRUE(signer.wait_for_log("reloaded")) << signer.log();
  EXPECT_EQ(sign_and_verify(secondary), (std::pair<std::string, std::string>{"pass", "s2"}));
  EXPECT_EQ(verify_saved("signed-by-s1.eml", secondary), "pass") << "the retired key is still published";

  // generate keeps publishing the retired selector.
  ASSERT_EQ(ws_.generate().status, 0);
  EXPECT_NE(read_file(ws_.zone(kZone)).find("s1._domainkey.example.test."), std::string::npos);
  EXPECT_EQ(run("plan").status, 0) << "generate, plan and the lifecycle agree";

  // Six days on: still retired (keep_retired is 7 days).
  Ran r4 = auto_at(kT0 + 300 + 6 * kDay);
  EXPECT_NE(r4.out.find("nothing due"), std::string::npos) << r4.out;
  Ran status = run("status", {"--now", std::to_string(kT0 + 300 + 6 * kDay), "--json"}, false);
  ASSERT_EQ(status.status, 0) << status.err;
  json st = json::parse(status.out);
  EXPECT_EQ(st["domains"][0]["next"]["action"], "none");
  EXPECT_EQ(st["domains"][0]["next"]["selector"], "s1");

  // Seven days: revoked. A message signed with s1 no longer verifies; one signed now does.
  Ran r5 = auto_at(kT0 + 300 + 7 * kDay);
  ASSERT_EQ(r5.status, 0) << r5.out << r5.err;
  EXPECT_NE(r5.out.find("revoked s1"), std::string::npos) << r5.out;
  ASSERT_EQ(run("wait", {"--deadline", "20"}).status, 0);
  EXPECT_EQ(txt(secondary, "s1._domainkey.example.test"), std::vector<std::string>{"v=DKIM1; k=ed25519; p="});
  EXPECT_NE(verify_saved("signed-by-s1.eml", secondary), "pass");
  EXPECT_EQ(sign_and_verify(secondary), (std::pair<std::string, std::string>{"pass", "s2"}));

  // A day later: removed.
  Ran r6 = auto_at(kT0 + 300 + 8 * kDay);
  ASSERT_EQ(r6.status, 0) << r6.out << r6.err;
  EXPECT_NE(r6.out.find("removed the record of s1"), std::string::npos) << r6.out;
  EXPECT_TRUE(txt(knot_->primary_address(), "s1._domainkey.example.test").empty());
  Ran r7 = auto_at(kT0 + 300 + 400 * kDay);
  EXPECT_NE(r7.out.find("nothing due"), std::string::npos) << r7.out;
  EXPECT_EQ(sign_and_verify(secondary), (std::pair<std::string, std::string>{"pass", "s2"}));
  EXPECT_EQ(txt(knot_->primary_address(), "example.test").size(), 2u);
}

}  // namespace
}  // namespace dnsauth::test::publish

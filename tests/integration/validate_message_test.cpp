// dnsauth-validate message, run as a program against NSD on loopback serving DKIM, SPF and
// DMARC records, on messages signed by dkimpy (Debian python3-dkim, /usr/bin/python3):
// dmarc=pass for the aligned message, dmarc=fail with p=reject for a spoofed From that carries
// a valid signature and an SPF pass of another domain (RFC 9989 4.4, 5.3.5); the zone files
// give the same verdicts offline; a silent server gives temperror; and every exit status of
// the command line (0, 1, 2) is exercised.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "support/nsd_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using dnsauth::test::NsdServer;
using dnsauth::test::ProcessResult;
using nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";

// A TXT value as quoted character-strings of at most 200 bytes (RFC 1035 3.3.14).
std::string txt_strings(const std::string& value) {
  std::string out = "(";
  for (std::size_t i = 0; i < value.size(); i += 200) out += " \"" + value.substr(i, 200) + "\"";
  return out + " )";
}

std::string key_record(const dnsauth::dkim::PrivateKey& key) {
  return "v=DKIM1; k=rsa; p=" + dnsauth::encode_base64(key.public_key_record_bytes());
}

// The sender's domain: SPF for its outbound network, a DKIM key, DMARC p=reject.
std::string example_zone(const std::string& dkim_record) {
  return "$ORIGIN example.com.\n$TTL 300\n"
         "@        IN SOA ns1 hostmaster 2026010101 3600 600 86400 300\n"
         "@        IN NS  ns1\n"
         "@        IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
         "ns1      IN A   127.0.0.1\n"
         "mail     IN A   192.0.2.25\n"
         "_dmarc   IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com\"\n"
         "s2026._domainkey IN TXT " + txt_strings(dkim_record) + "\n";
}

// The spoofer's own domain: its signatures and SPF pass, it publishes no DMARC record.
std::string evil_zone(const std::string& dkim_record) {
  return "$ORIGIN evil.test.\n$TTL 300\n"
         "@        IN SOA ns1 hostmaster 2026010101 3600 600 86400 300\n"
         "@        IN NS  ns1\n"
         "@        IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n"
         "ns1      IN A   127.0.0.1\n"
         "x._domainkey IN TXT " + txt_strings(dkim_record) + "\n";
}

constexpr const char* kRootZone =
    "$ORIGIN .\n$TTL 300\n"
    "@ IN SOA ns1.example.com. hostmaster.example.com. 2026010101 3600 600 86400 300\n"
    "@ IN NS  ns1.example.com.\n";

// dkim.sign() over the CRLF message, relaxed/relaxed, rsa-sha256; the field is prepended.
constexpr const char* kSign = R"py(
import sys, dkim
key_path, domain, selector, msg_path, out_path = sys.argv[1:6]
key = open(key_path, "rb").read()
msg = open(msg_path, "rb").read()
sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(out_path, "wb").write(sig + msg)
)py";

std::string message(const std::string& from, const std::string& subject) {
  return dnsauth::test::to_crlf("From: " + from + "\nTo: bob@example.org\nSubject: " + subject +
                                "\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
                                "Message-ID: <" + subject + "@example.com>\n\n"
                                "Hello Bob,\nthe numbers are attached.\n");
}

class ValidateMessage : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("dnsauth-message-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    auto good = dnsauth::dkim::PrivateKey::generate_rsa(2048);
    auto evil = dnsauth::dkim::PrivateKey::generate_rsa(2048);
    if (!good || !evil) throw std::runtime_error("RSA key generation failed");
    std::ofstream(*dir_ / "good.pem") << good->to_pem();
    std::ofstream(*dir_ / "evil.pem") << evil->to_pem();
    example_ = new std::string(example_zone(key_record(*good)));
    evil_ = new std::string(evil_zone(key_record(*evil)));
    std::ofstream(*dir_ / "example.com.zone") << *example_;
    std::ofstream(*dir_ / "evil.test.zone") << *evil_;

    std::ofstream(*dir_ / "aligned.eml", std::ios::binary) << message("Alice <alice@example.com>", "aligned");
    std::ofstream(*dir_ / "spoofed.eml", std::ios::binary) << message("CEO <ceo@example.com>", "spoofed");
    std::ofstream(*dir_ / "own.eml", std::ios::binary) << message("Mallory <mallory@evil.test>", "own");
    std::ofstream(*dir_ / "unsigned.eml", std::ios::binary) << message("Mallory <mallory@evil.test>", "unsigned");
    if (fs::exists(kPython)) {
      sign("good.pem", "example.com", "s2026", "aligned.eml");
      sign("evil.pem", "evil.test", "x", "spoofed.eml");
      sign("evil.pem", "evil.test", "x", "own.eml");
      // The aligned message, its body changed after signing.
      std::string tampered = dnsauth::test::read_file(*dir_ / "aligned.eml.signed");
      tampered.replace(tampered.find("numbers"), 7, "NUMBERS");
      std::ofstream(*dir_ / "tampered.eml", std::ios::binary) << tampered;
    }
    // The root zone answers for the names the tree walk climbs to (_dmarc.com, _dmarc.test)
    // as the real DNS would, NXDOMAIN; without it NSD refuses them, a temporary failure.
    if (NsdServer::available())
      server_ = new NsdServer({{"example.com", *example_}, {"evil.test", *evil_}, {".", kRootZone}});
  }
  static void TearDownTestSuite() {
    delete server_;  // stops nsd, also after failures
    server_ = nullptr;
    fs::remove_all(*dir_);
    delete dir_;
    delete example_;
    delete evil_;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << NsdServer::kBinary << " is not installed";
    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " (dkimpy) is not installed";
  }

  static void sign(const char* key, const char* domain, const char* selector, const char* msg) {
    auto r = dnsauth::test::run_process(
        kPython, {"-c", kSign, (*dir_ / key).string(), domain, selector, (*dir_ / msg).string(),
                  (*dir_ / (std::string(msg) + ".signed")).string()});
    if (r.status != 0) throw std::runtime_error("dkimpy could not sign " + std::string(msg) + ": " + r.err);
  }

  static ProcessResult validate(std::vector<std::string> args, const std::string& input = {}) {
    return dnsauth::test::run_process(dnsauth::test::tool_path("dnsauth-validate"), args, input);
  }
  // `message MSG --resolver NSD --authserv-id mx.example.org` plus the SMTP facts given.
  ProcessResult check(const std::string& msg, std::vector<std::string> smtp, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"message", (*dir_ / msg).string(), "--resolver", server_->address(),
                                  "--authserv-id", "mx.example.org"};
    args.insert(args.end(), smtp.begin(), smtp.end());
    args.insert(args.end(), more.begin(), more.end());
    return validate(args);
  }
  static json parse_json(const ProcessResult& r) {
    try {
      return json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out << r.err;
      return json::object();
    }
  }
  static bool asked(const json& j, const std::string& name, const std::string& type) {
    for (const auto& q : j["dns"]["queries"])
      if (q["name"] == name && q["type"] == type) return true;
    return false;
  }

  static inline const std::vector<std::string> kFromExample{"--client-ip", "192.0.2.25", "--mail-from",
                                                            "alice@example.com", "--helo", "mail.example.com"};
  static inline const std::vector<std::string> kFromEvil{"--client-ip", "203.0.113.9", "--mail-from",
                                                         "bounce@evil.test", "--helo", "mx.evil.test"};
  static fs::path* dir_;
  static std::string* example_;
  static std::string* evil_;
  static NsdServer* server_;
};
fs::path* ValidateMessage::dir_ = nullptr;
std::string* ValidateMessage::example_ = nullptr;
std::string* ValidateMessage::evil_ = nullptr;
NsdServer* ValidateMessage::server_ = nullptr;

TEST_F(ValidateMessage, AlignedMessagePasses) {
  ProcessResult r = check("aligned.eml.signed", kFromExample);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("Received-SPF: pass", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Authentication-Results: mx.example.org;\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dkim=pass (2048-bit key) header.d=example.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spf=pass smtp.mailfrom=example.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc=pass (p=reject dis=none) header.from=example.com"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);  // LF for the terminal unless --crlf

  json j = parse_json(check("aligned.eml.signed", kFromExample, {"--json"}));
  EXPECT_EQ(j["exit"], 0);
  EXPECT_EQ(j["dmarc"]["result"], "pass");
  EXPECT_EQ(j["dmarc"]["domains"][0]["dkim_aligned"], true);
  EXPECT_EQ(j["dmarc"]["domains"][0]["spf_aligned"], true);
  EXPECT_EQ(j["dmarc"]["domains"][0]["record"]["p"], "reject");
  EXPECT_EQ(j["dkim"][0]["result"], "pass");
  EXPECT_EQ(j["dkim"][0]["selector"], "s2026");
  EXPECT_EQ(j["spf"]["result"], "pass");
  EXPECT_EQ(j["spf"]["mechanism"], "ip4:192.0.2.0/24");
  // Causes: none for a pass, the DMARC one says why it passed.
  EXPECT_TRUE(j["dkim"][0]["cause"].is_null());
  EXPECT_TRUE(j["spf"]["cause"].is_null());
  EXPECT_EQ(j["dmarc"]["cause"], "aligned_pass");
  EXPECT_EQ(j["dmarc"]["domains"][0]["discovery_cause"], "record_at_author_domain");
  // Every DNS answer the verdicts used.
  EXPECT_TRUE(asked(j, "s2026._domainkey.example.com", "TXT"));
  EXPECT_TRUE(asked(j, "example.com", "TXT"));
  EXPECT_TRUE(asked(j, "_dmarc.example.com", "TXT"));
  EXPECT_EQ(j["dns"]["source"].get<std::string>().find(server_->address()) != std::string::npos, true);

  // --crlf: the fields as they go into a message.
  ProcessResult crlf = check("aligned.eml.signed", kFromExample, {"--crlf"});
  EXPECT_NE(crlf.out.find("mx.example.org;\r\n\tdkim=pass"), std::string::npos) << crlf.out;
}

// A valid signature and an SPF pass, both for the spoofer's own domain: nothing aligns with
// the From domain, whose p=reject applies.
TEST_F(ValidateMessage, SpoofedFromFailsWithReject) {
  ProcessResult r = check("spoofed.eml.signed", kFromEvil);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("dkim=pass (2048-bit key) header.d=evil.test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spf=pass smtp.mailfrom=evil.test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc=fail (p=reject dis=reject) header.from=example.com"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("policy.dmarc=reject"), std::string::npos) << r.out;

  json j = parse_json(check("spoofed.eml.signed", kFromEvil, {"--json"}));
  EXPECT_EQ(j["exit"], 1);
  EXPECT_EQ(j["dmarc"]["result"], "fail");
  EXPECT_EQ(j["dmarc"]["applied"], "reject");
  EXPECT_EQ(j["dmarc"]["cause"], "no_aligned_pass");
  for (const auto& c : j["dmarc"]["domains"][0]["alignment"]) {
    EXPECT_EQ(c["result"], "pass");
    EXPECT_EQ(c["outcome"], "not-aligned") << c.dump();
    EXPECT_EQ(c["cause"], "not_aligned") << c.dump();
  }
  EXPECT_NE(j["dmarc"]["reason"].get<std::string>().find("evil.test"), std::string::npos);
}

TEST_F(ValidateMessage, TamperedBodyFailsDkimAndDmarc) {
  ProcessResult r = check("tampered.eml", {});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("dkim=fail"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reason=\"body hash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc=fail (p=reject dis=reject)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Received-SPF"), std::string::npos);  // no SPF inputs: no SPF

  json j = parse_json(check("tampered.eml", {}, {"--json"}));
  EXPECT_EQ(j["dkim"][0]["cause"], "body_hash_mismatch");
  EXPECT_EQ(j["dkim"][0]["reason"], "body hash did not verify");
  EXPECT_TRUE(j["spf"].is_null());
}

// No DMARC record: exit 0 when some DKIM or SPF result passes, 1 when none does.
TEST_F(ValidateMessage, NoDmarcRecordFallsBackToAnyPass) {
  ProcessResult own = check("own.eml.signed", {});
  EXPECT_EQ(own.status, 0) << own.out << own.err;
  EXPECT_NE(own.out.find("dmarc=none header.from=evil.test"), std::string::npos) << own.out;

  ProcessResult spf_only = check("unsigned.eml", kFromEvil);
  EXPECT_EQ(spf_only.status, 0) << spf_only.out;
  EXPECT_NE(spf_only.out.find("dkim=none"), std::string::npos);

  ProcessResult nothing = check("unsigned.eml", {"--client-ip", "198.51.100.7", "--mail-from", "bounce@evil.test",
                                                 "--helo", "mx.evil.test"});
  EXPECT_EQ(nothing.status, 1) << nothing.out;
  EXPECT_NE(nothing.out.find("spf=fail"), std::string::npos) << nothing.out;
  EXPECT_NE(nothing.out.find("dmarc=none"), std::string::npos) << nothing.out;
}

// RFC 7489 mode on the same zone: the same verdicts here (the PSL and the tree walk agree on
// example.com).
TEST_F(ValidateMessage, Rfc7489ModeAgreesOnTheseZones) {
  EXPECT_EQ(check("aligned.eml.signed", kFromExample, {"--dmarc-mode", "rfc7489"}).status, 0);
  ProcessResult r = check("spoofed.eml.signed", kFromEvil, {"--dmarc-mode", "rfc7489", "--json"});
  EXPECT_EQ(r.status, 1);
  json j = parse_json(r);
  EXPECT_EQ(j["dmarc"]["mode"], "rfc7489");
  EXPECT_EQ(j["dmarc"]["result"], "fail");
}

// The zone files, offline, give the same fields as the server.
TEST_F(ValidateMessage, ZoneFilesGiveTheSameVerdicts) {
  for (const char* msg : {"aligned.eml.signed", "spoofed.eml.signed", "tampered.eml"}) {
    SCOPED_TRACE(msg);
    const auto& smtp = std::string(msg) == "aligned.eml.signed" ? kFromExample : kFromEvil;
    ProcessResult online = check(msg, smtp);
    std::vector<std::string> args{"message", (*dir_ / msg).string(), "--zone", (*dir_ / "example.com.zone").string(),
                                  "--zone", (*dir_ / "evil.test.zone").string(), "--authserv-id", "mx.example.org"};
    args.insert(args.end(), smtp.begin(), smtp.end());
    ProcessResult offline = validate(args);
    EXPECT_EQ(offline.status, online.status) << offline.err;
    EXPECT_EQ(offline.out, online.out);
  }
}

// The message on standard input, as "-" and as no argument at all.
TEST_F(ValidateMessage, ReadsStandardInput) {
  std::string signed_msg = dnsauth::test::read_file(*dir_ / "aligned.eml.signed");
  for (bool dash : {true, false}) {
    std::vector<std::string> args{"message"};
    if (dash) args.push_back("-");
    for (const char* a : {"--resolver", "", "--authserv-id", "mx.example.org"}) args.push_back(a);
    args[dash ? 3 : 2] = server_->address();
    ProcessResult r = validate(args, signed_msg);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("dmarc=pass"), std::string::npos);
  }
}

// A server that never answers: no verdict can be reached (RFC 9989 5.3.6), exit 1.
TEST_F(ValidateMessage, SilentServerIsTemperror) {
  dnsauth::test::SilentUdpServer silent;
  ProcessResult r = validate({"message", (*dir_ / "aligned.eml.signed").string(), "--resolver",
                              silent.address(), "--timeout", "0.2", "--retries", "0", "--authserv-id",
                              "mx.example.org"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("dkim=temperror"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc=temperror"), std::string::npos) << r.out;
}

// ---- Every exit status, and --help ------------------------------------------------------------

class ValidateMessageCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnsauth-message-cli-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "example.com.zone")
        << "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
           "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
           "_dmarc IN TXT \"v=DMARC1; p=quarantine\"\n";
    std::ofstream(dir_ / "msg.eml") << "From: alice@example.com\nSubject: x\n\nbody\n";
    std::ofstream(dir_ / "broken.eml") << "this line is not a header field\n\nbody\n";
    std::ofstream(dir_ / "broken.zone") << "$ORIGIN example.com.\nwww IN A not-an-address\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  ProcessResult run(std::vector<std::string> args) {
    return dnsauth::test::run_process(dnsauth::test::tool_path("dnsauth-validate"), args);
  }
  std::vector<std::string> base(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"message", (dir_ / "msg.eml").string(), "--zone",
                                  (dir_ / "example.com.zone").string(), "--authserv-id", "mx.test"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  fs::path dir_;
};

TEST_F(ValidateMessageCli, ExitZeroWhenDmarcPasses) {
  ProcessResult r = run(base({"--client-ip", "192.0.2.1", "--mail-from", "a@example.com"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("dmarc=pass (p=quarantine dis=none)"), std::string::npos) << r.out;
}

TEST_F(ValidateMessageCli, ExitOneWhenDmarcFails) {
  ProcessResult r = run(base({"--client-ip", "198.51.100.1", "--mail-from", "a@example.com"}));
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("dmarc=fail (p=quarantine dis=quarantine)"), std::string::npos) << r.out;
  // A message with no From at all: permerror, exit 1.
  std::ofstream(dir_ / "nofrom.eml") << "Subject: x\n\nbody\n";
  ProcessResult nofrom = run({"message", (dir_ / "nofrom.eml").string(), "--zone",
                              (dir_ / "example.com.zone").string(), "--authserv-id", "mx.test"});
  EXPECT_EQ(nofrom.status, 1);
  EXPECT_NE(nofrom.out.find("dmarc=permerror"), std::string::npos) << nofrom.out;
  EXPECT_NE(nofrom.out.find("reason=\"no Author Domain: no From field"), std::string::npos) << nofrom.out;
  ProcessResult nofrom_json = run({"message", (dir_ / "nofrom.eml").string(), "--zone",
                                   (dir_ / "example.com.zone").string(), "--authserv-id", "mx.test", "--json"});
  EXPECT_EQ(nlohmann::json::parse(nofrom_json.out)["dmarc"]["cause"], "no_author_domain") << nofrom_json.out;
}

// RFC 8616 4: SPF checks a U-label HELO name and MAIL FROM domain as A-labels, and both
// fields write those A-labels -- never '?' for each byte outside ASCII. The From domain is an
// A-label for DMARC as well (RFC 8616 6), so the SPF pass aligns.
TEST_F(ValidateMessageCli, InternationalDomainsAreWrittenAsALabels) {
  std::ofstream(dir_ / "idn.zone") << "$ORIGIN xn--bcher-kva.example.\n$TTL 300\n"
                                      "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                                      "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                                      "mx IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                                      "_dmarc IN TXT \"v=DMARC1; p=reject\"\n";
  const std::string domain = "b\xC3\xBC" "cher.example";  // bücher.example
  std::ofstream(dir_ / "idn.eml") << "From: alice@" + domain + "\nSubject: x\n\nbody\n";
  auto run_idn = [&](const std::string& mail_from) {
    return run({"message", (dir_ / "idn.eml").string(), "--zone", (dir_ / "idn.zone").string(), "--authserv-id",
                "mx.test", "--client-ip", "192.0.2.1", "--mail-from", mail_from, "--helo", "mx." + domain});
  };
  ProcessResult r = run_idn("alice@" + domain);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("spf=pass smtp.mailfrom=xn--bcher-kva.example"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("envelope-from=\"alice@xn--bcher-kva.example\";"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("helo=mx.xn--bcher-kva.example;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc=pass (p=reject dis=none) header.from=xn--bcher-kva.example"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('?'), std::string::npos) << r.out;
  // A null reverse-path: SPF checked the HELO name, reported as smtp.helo.
  ProcessResult null = run_idn("");
  EXPECT_NE(null.out.find("spf=pass smtp.helo=mx.xn--bcher-kva.example"), std::string::npos) << null.out;
  EXPECT_EQ(null.out.find('?'), std::string::npos) << null.out;
}

TEST_F(ValidateMessageCli, ExitTwoOnUsageAndInputErrors) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {base({"--mail-from", "a@example.com"}), "give --client-ip too"},
      {base({"--helo", "mx.example.com"}), "give --client-ip too"},
      {base({"--client-ip", "192.0.2.300"}), "--client-ip"},
      {base({"--client-ip", "192.0.2.1"}), "give --helo"},  // null MAIL FROM needs HELO
      {base({"--dmarc-mode", "dmarcbis"}), "--dmarc-mode"},
      {base({"--authserv-id", "two words"}), "--authserv-id"},
      {base({"--psl", (dir_ / "missing.dat").string()}), "Public Suffix List"},
      {base({"--no-such-option"}), "no-such-option"},
      {base({"second.eml"}), "unexpected argument 'second.eml'"},
      {{"message", (dir_ / "missing.eml").string(), "--zone", (dir_ / "example.com.zone").string()},
       "cannot read the message"},
      {{"message", (dir_ / "missing.eml").string(), "--zone", (dir_ / "example.com.zone").string()},
       "missing.eml: No such file or directory"},
      {{"message", dir_.string(), "--zone", (dir_ / "example.com.zone").string()}, ": it is a directory"},
      {{"message", (dir_ / "broken.eml").string(), "--zone", (dir_ / "example.com.zone").string()},
       "does not parse"},
      {{"message", (dir_ / "msg.eml").string(), "--zone", (dir_ / "broken.zone").string()}, "broken.zone"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.says);
    ProcessResult r = run(c.args);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(ValidateMessageCli, HelpDocumentsEveryOption) {
  ProcessResult r = run({"message", "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* option : {"MSG", "--client-ip", "--mail-from", "--helo", "--authserv-id", "--zone",
                             "--resolver", "--timeout", "--retries", "--json", "--dmarc-mode", "--psl",
                             "--now", "--seed", "--crlf", "Exit 0", "2 for a usage"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
  ProcessResult all = run({"--help"});
  EXPECT_NE(all.out.find("== message"), std::string::npos);
}

}  // namespace

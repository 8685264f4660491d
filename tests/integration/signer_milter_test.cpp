// dnsauth-signer as a milter, driven over the milter protocol by the same MTA-side
// client the load benchmark uses: what is negotiated, where the signatures go, what the MTA
// hears for every decision and for internal errors, several messages per connection, SIGHUP
// reloads (also in the middle of a run), the metrics listener, and a clean stop on SIGTERM.
#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "support/milter_client.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test {
namespace {

namespace mc = dnsauth::milter_client;
using Headers = std::vector<std::pair<std::string, std::string>>;

const Headers kHeaders = {{"From", " Alice <alice@example.com>"},
                          {"To", " bob@example.org"},
                          {"Subject", " milter test"},
                          {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"},
                          {"Message-ID", " <m1@example.com>"}};
const std::string kBody = "Hello,\r\n\r\nthe body of the test.\r\n";

// The milter's edits applied to the header fields, as the MTA applies them.
void apply_edits(std::vector<std::string>& fields, const mc::MessageResult& r, bool leadspc) {
  for (const auto& e : r.edits) {
    std::string v = e.value;
    std::string crlf;
    for (char c : v) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    std::string field = e.name + ":" + (leadspc ? "" : " ") + crlf + "\r\n";
    if (e.kind == mc::reply::chgheader) {
      // An empty value deletes the index-th field of that name (1-based), as Postfix does.
      ASSERT_TRUE(e.value.empty()) << "the signer only deletes fields: " << e.value;
      std::size_t seen = 0;
      auto it = std::find_if(fields.begin(), fields.end(), [&](const std::string& f) {
        return mail::iequals(std::string_view(f).substr(0, f.find(':')), e.name) && ++seen == e.index;
      });
      ASSERT_NE(it, fields.end()) << "no " << e.name << " number " << e.index;
      fields.erase(it);
    } else if (e.kind == mc::reply::insheader) {
      fields.insert(fields.begin() + std::min<std::size_t>(e.index, fields.size()), field);
    } else {
      fields.push_back(field);
    }
  }
}

// The message as the MTA would deliver it after the milter's edits.
std::string delivered(const Headers& headers, const std::string& body, const mc::MessageResult& r, bool leadspc = true) {
  std::vector<std::string> fields;
  for (const auto& [n, v] : headers) fields.push_back(n + ":" + v + "\r\n");
  apply_edits(fields, r, leadspc);
  std::string out;
  for (const auto& f : fields) out += f;
  return out + "\r\n" + body;
}

// The metrics listener's answer to GET `path`, headers and all.
std::string http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return resp;
}

mc::Envelope auth(const std::string& user, const std::string& qid = "4ABCDEF01") {
  mc::Envelope e;
  e.auth_authen = user;
  e.queue_id = qid;
  return e;
}

std::filesystem::path signer_exe() { return built_signer(); }

class SignerMilter : public ::testing::Test {
 protected:
  void SetUp() override {
    if (signer_exe().empty()) GTEST_SKIP() << "built without the tools";
  }
  void start(const std::string& extra_signer = "", const std::string& domain =
                                                       "name = \"example.com\"\nauth = \"domain\"\n") {
    port_ = free_loopback_port();
    extra_ = extra_signer;
    config_ = dir_.write_config(signer_config("socket = \"inet:" + std::to_string(port_) + "@127.0.0.1\"\n" + extra_signer, domain));
    proc_ = std::make_unique<SignerProcess>(signer_exe(), config_, port_, dir_.dir() / "signer.log");
  }
  void TearDown() override {
    if (proc_) {
      int status = proc_->stop();
      EXPECT_EQ(status, 0) << "dnsauth-signer did not stop cleanly on SIGTERM:\n" << proc_->log();
      if (HasFailure()) std::cerr << "--- signer log ---\n" << proc_->log();
    }
  }
  std::string socket() const { return "inet:" + std::to_string(port_) + "@127.0.0.1"; }

  SignerDir dir_;
  int port_ = 0;
  std::string extra_;
  std::filesystem::path config_;
  std::unique_ptr<SignerProcess> proc_;
};

TEST_F(SignerMilter, NegotiatesOnlyWhatSigningNeeds) {
  start();
  mc::Client c(socket());
  c.negotiate();
  EXPECT_TRUE(c.actions() & mc::act::addhdrs);
  for (auto flag : {mc::proto::hdr_leadspc, mc::proto::nr_mail, mc::proto::nr_hdr, mc::proto::nr_body, mc::proto::noconnect,
                    mc::proto::nohelo, mc::proto::norcpt, mc::proto::nodata})
    EXPECT_TRUE(c.protocol() & flag) << std::hex << flag;
  EXPECT_FALSE(c.protocol() & mc::proto::nomail);
  ASSERT_TRUE(c.symlists().count(mc::st_envfrom));
  EXPECT_NE(c.symlists().at(mc::st_envfrom).find("{auth_authen}"), std::string::npos);
  EXPECT_EQ(c.symlists().at(mc::st_eom), "i");
}

TEST_F(SignerMilter, SignsAtTheTopWithBothKeysAndLogsOneLine) {
  start();
  mc::Client c(socket());
  c.negotiate();
  auto r = c.send_message(auth("alice@example.com"), kHeaders, kBody);
  ASSERT_EQ(r.action, mc::reply::cont) << r.reply_text;
  ASSERT_EQ(r.edits.size(), 2u);
  for (const auto& e : r.edits) {
    EXPECT_EQ(e.kind, mc::reply::insheader);
    EXPECT_EQ(e.index, 0u);
    EXPECT_EQ(e.name, "DKIM-Signature");
    EXPECT_TRUE(e.value.starts_with(" v=1;")) << e.value;  // SMFIP_HDR_LEADSPC: the space is ours
    EXPECT_EQ(e.value.find('\r'), std::string::npos) << "the MTA gets LF line ends";
  }
  std::string msg = delivered(kHeaders, kBody, r);
  EXPECT_TRUE(msg.starts_with("DKIM-Signature: v=1; a=rsa-sha256;")) << msg;  // RSA first, on top
  auto resolver = SignerDir::resolver();
  auto v = verify_with_dnsauth(msg, resolver);
  ASSERT_EQ(v.size(), 2u);
  for (const auto& s : v) EXPECT_EQ(s.status, dkim::Status::pass) << s.selector << ": " << s.reason();
  ASSERT_TRUE(proc_->wait_for_log("decision=signed"));
  EXPECT_NE(proc_->log().find("qid=4ABCDEF01 from_domain=example.com login=alice@example.com decision=signed "
                              "selectors=r1,e1 reason=allowed"),
            std::string::npos)
      << proc_->log();
}

TEST_F(SignerMilter, SignsWhenTheMtaCannotKeepTheLeadingSpace) {
  start();
  mc::Client c(socket());
  c.negotiate(mc::act::postfix_offer, mc::proto::postfix_offer & ~mc::proto::hdr_leadspc);
  EXPECT_FALSE(c.protocol() & mc::proto::hdr_leadspc);
  auto r = c.send_message(auth("alice@example.com"), kHeaders, kBody);
  ASSERT_EQ(r.edits.size(), 2u);
  EXPECT_TRUE(r.edits[0].value.starts_with("v=1;")) << r.edits[0].value;
  auto resolver = SignerDir::resolver();
  for (const auto& s : verify_with_dnsauth(delivered(kHeaders, kBody, r, false), resolver))
    EXPECT_EQ(s.status, dkim::Status::pass) << s.reason();
}

TEST_F(SignerMilter, WorksWithAnMtaThatOffersNoMacroListsOrNoReplyFlags) {
  start();
  mc::Client c(socket());
  c.negotiate(mc::act::addhdrs, 0x7f);  // a protocol-2 style MTA: only the NO* steps
  EXPECT_FALSE(c.protocol() & mc::proto::nr_hdr);
  EXPECT_TRUE(c.symlists().empty());
  auto r = c.send_message(auth("alice@example.com", "QID2"), kHeaders, kBody);
  EXPECT_EQ(r.edits.size(), 2u);
  ASSERT_TRUE(proc_->wait_for_log("qid=QID2 "));
}

TEST_F(SignerMilter, SkipsAreAcceptedBeforeTheBodyWithTheirReason) {
  start();
  mc::Client c(socket());
  c.negotiate();
  struct Case {
    mc::Envelope env;
    Headers headers;
    std::string reason;
  };
  Headers other_domain = kHeaders;
  other_domain[0].second = " carol@example.org";
  Headers two_froms = kHeaders;
  two_froms.push_back({"From", " alice@example.com"});
  for (const auto& k : std::vector<Case>{{auth(""), kHeaders, "unauthenticated"},
                                         {auth("bob@example.net"), kHeaders, "not_allowed"},
                                         {auth("alice@example.com"), other_domain, "domain_not_configured"},
                                         {auth("alice@example.com"), two_froms, "several_from"},
                                         {auth("alice@example.com"), {{"Subject", " no from"}}, "no_from"}}) {
    auto r = c.send_message(k.env, k.headers, kBody);
    EXPECT_EQ(r.action, mc::reply::accept) << k.reason;
    EXPECT_TRUE(r.before_eom) << k.reason;
    EXPECT_TRUE(r.edits.empty()) << k.reason;
    EXPECT_TRUE(proc_->wait_for_log("decision=skipped selectors=- reason=" + k.reason)) << k.reason << proc_->log();
  }
}

TEST_F(SignerMilter, DoesNotSignTwiceWhenItsOwnSignaturesVerify) {
  start();
  mc::Client c(socket());
  c.negotiate();
  auto first = c.send_message(auth("alice@example.com"), kHeaders, kBody);
  ASSERT_EQ(first.edits.size(), 2u);
  Headers again;
  for (auto it = first.edits.rbegin(); it != first.edits.rend(); ++it) again.push_back({"DKIM-Signature", it->value});
  again.insert(again.end(), kHeaders.begin(), kHeaders.end());
  // The earlier signatures are verified against the signer's own keys, which needs the body:
  // the answer comes at end of message.
  auto second = c.send_message(auth("alice@example.com"), again, kBody);
  EXPECT_TRUE(second.accepted());
  EXPECT_TRUE(second.edits.empty());
  EXPECT_TRUE(proc_->wait_for_log("reason=already_signed detail=\"already signed with d=example.com s=r1,e1 (verified)\""))
      << proc_->log();
  // The same signatures over another body do not verify: the message is signed again.
  auto changed = c.send_message(auth("alice@example.com"), again, kBody + "a line added later\r\n");
  EXPECT_EQ(changed.edits.size(), 2u);
}

TEST_F(SignerMilter, AForgedSignatureWithOurDomainAndSelectorDoesNotStopSigning) {
  // Anybody can write a DKIM-Signature field naming d=example.com s=r1; only one that verifies
  // against the signer's own key counts as already signed.
  start();
  mc::Client c(socket());
  c.negotiate();
  Headers forged = {{"DKIM-Signature", " v=1; a=rsa-sha256; d=example.com; s=r1; h=from; bh=AAAA; b=AAAA"},
                    {"DKIM-Signature", " v=1; a=ed25519-sha256; d=example.com; s=e1; h=from; bh=AAAA; b=AAAA"},
                    {"DKIM-Signature", " garbage d=example.com s=r1"}};
  forged.insert(forged.end(), kHeaders.begin(), kHeaders.end());
  auto r = c.send_message(auth("alice@example.com"), forged, kBody);
  ASSERT_EQ(r.edits.size(), 2u) << proc_->log();
  std::string msg = delivered(forged, kBody, r);
  auto resolver = SignerDir::resolver();
  auto results = verify_with_dnsauth(msg, resolver);
  int passes = 0;
  for (const auto& v : results) passes += v.status == dkim::Status::pass;
  EXPECT_EQ(passes, 2) << msg;
  EXPECT_TRUE(proc_->wait_for_log("decision=signed selectors=r1,e1 reason=allowed")) << proc_->log();
}

TEST_F(SignerMilter, DeletesAuthenticationResultsThatClaimOurAuthservId) {
  // RFC 8601 5: fields claiming our authserv-id that arrive from outside are forgeries and are
  // deleted, on signed and on unsigned mail alike; another ADMD's field stays.
  start("authserv_id = \"mx.example.com\"\n");
  Headers headers = {{"Authentication-Results", " mx.example.org; spf=pass smtp.mailfrom=example.org"},
                     {"Authentication-Results", " mx.example.com; dkim=pass header.d=bank.example"}};
  headers.insert(headers.end(), kHeaders.begin(), kHeaders.end());
  headers.push_back({"Authentication-Results", " MX.EXAMPLE.COM; dmarc=pass header.from=bank.example"});
  auto is_forged = [](const std::string& f) {
    return f.starts_with("Authentication-Results:") && f.find("bank.example") != std::string::npos;
  };
  mc::Client c(socket());
  c.negotiate();
  EXPECT_TRUE(c.actions() & mc::act::chghdrs);

  auto signed_r = c.send_message(auth("alice@example.com", "QAR1"), headers, kBody);
  ASSERT_EQ(signed_r.action, mc::reply::cont) << signed_r.reply_text;
  ASSERT_EQ(signed_r.edits.size(), 4u);
  EXPECT_EQ(signed_r.edits[2].kind, mc::reply::chgheader);
  EXPECT_EQ(signed_r.edits[2].index, 3u);  // the last first: indexes stay valid
  EXPECT_EQ(signed_r.edits[3].index, 2u);
  std::string msg = delivered(headers, kBody, signed_r);
  EXPECT_EQ(msg.find("bank.example"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Authentication-Results: mx.example.org;"), std::string::npos) << msg;
  auto resolver = SignerDir::resolver();
  for (const auto& v : verify_with_dnsauth(msg, resolver)) EXPECT_EQ(v.status, dkim::Status::pass) << v.reason();
  EXPECT_TRUE(proc_->wait_for_log("qid=QAR1 ")) << proc_->log();
  EXPECT_NE(proc_->log().find("decision=signed selectors=r1,e1 reason=allowed"), std::string::npos);
  EXPECT_NE(proc_->log().find(" authres_removed=2\n"), std::string::npos) << proc_->log();

  // Unauthenticated: not signed, but the answer waits for end of message to delete them.
  auto skipped = c.send_message(auth("", "QAR2"), headers, kBody);
  EXPECT_EQ(skipped.action, mc::reply::cont);
  EXPECT_FALSE(skipped.before_eom);
  ASSERT_EQ(skipped.edits.size(), 2u);
  std::vector<std::string> fields;
  for (const auto& [n, v] : headers) fields.push_back(n + ":" + v + "\r\n");
  apply_edits(fields, skipped, true);
  EXPECT_EQ(std::count_if(fields.begin(), fields.end(), is_forged), 0);
  EXPECT_EQ(fields.size(), headers.size() - 2);
  EXPECT_TRUE(proc_->wait_for_log("reason=unauthenticated detail=")) << proc_->log();
  EXPECT_NE(proc_->log().find("qid=QAR2 "), std::string::npos);

  // An MTA that allows no header changes still gets its signatures; the log says what stayed.
  mc::Client old(socket());
  old.negotiate(mc::act::addhdrs | mc::act::setsymlist);
  EXPECT_FALSE(old.actions() & mc::act::chghdrs);
  auto kept = old.send_message(auth("alice@example.com", "QAR3"), headers, kBody);
  EXPECT_EQ(kept.action, mc::reply::cont);
  EXPECT_EQ(kept.edits.size(), 2u);
  EXPECT_TRUE(proc_->wait_for_log("2 forged Authentication-Results kept")) << proc_->log();
}

TEST_F(SignerMilter, OnMismatchRejectAnswers550WithTheReason) {
  start("on_mismatch = \"reject\"\n", "name = \"example.com\"\nauth = \"address\"\n");
  mc::Client c(socket());
  c.negotiate();
  auto r = c.send_message(auth("bob@example.com"), kHeaders, kBody);
  ASSERT_EQ(r.action, mc::reply::replycode);
  EXPECT_TRUE(r.reply_text.starts_with("550 5.7.1 ")) << r.reply_text;
  EXPECT_NE(r.reply_text.find("bob@example.com may not send as alice@example.com"), std::string::npos) << r.reply_text;
  EXPECT_TRUE(proc_->wait_for_log("decision=rejected"));
  // The allowed login still signs on the same connection.
  auto ok = c.send_message(auth("alice@example.com"), kHeaders, kBody);
  EXPECT_EQ(ok.edits.size(), 2u);
}

TEST_F(SignerMilter, ManyMessagesOnOneConnection) {
  start();
  mc::Client c(socket());
  c.negotiate();
  for (int i = 0; i < 20; ++i) {
    auto r = c.send_message(auth(i % 2 ? "alice@example.com" : "", "Q" + std::to_string(i)), kHeaders, kBody);
    EXPECT_EQ(r.edits.size(), i % 2 ? 2u : 0u) << i;
  }
  c.quit();
  EXPECT_TRUE(proc_->wait_for_log("decision=signed", 10));
}

TEST_F(SignerMilter, AnInternalErrorTempfailsByDefault) {
  start();
  mc::Client c(socket());
  c.negotiate();
  Headers huge = kHeaders;
  for (int i = 0; i < 20; ++i) huge.push_back({"X-Filler", " " + std::string(60000, 'x')});  // over 1 MiB
  auto r = c.send_message(auth("alice@example.com"), huge, kBody);
  ASSERT_EQ(r.action, mc::reply::replycode);
  EXPECT_TRUE(r.reply_text.starts_with("451 4.3.0 ")) << r.reply_text;
  EXPECT_TRUE(proc_->wait_for_log("decision=error-tempfail"));
  EXPECT_NE(proc_->log().find("header section over [signer] max_header_bytes"), std::string::npos) << proc_->log();
  // The connection and the milter carry on.
  EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
}

TEST_F(SignerMilter, AHeaderSectionOverTheLimitsPassesWhenItWouldNotBeSigned) {
  // Decided first: a message the signer would not sign is accepted unsigned whatever the size of
  // its header section (on port 25 most mail is not ours to sign), with the usual reason.
  start();
  mc::Client c(socket());
  c.negotiate();
  Headers huge;
  for (int i = 0; i < 20; ++i) huge.push_back({"X-Filler", " " + std::string(60000, 'x')});
  for (const auto& h : kHeaders) huge.push_back(h);  // From comes after the limit
  EXPECT_EQ(c.send_message(auth(""), huge, kBody).action, mc::reply::accept);
  EXPECT_TRUE(proc_->wait_for_log("reason=unauthenticated"));
  auto other = c.send_message(auth("mallory@example.org"), huge, kBody);
  EXPECT_EQ(other.action, mc::reply::accept);
  EXPECT_TRUE(other.edits.empty());
  EXPECT_TRUE(proc_->wait_for_log("reason=not_allowed"));
  EXPECT_EQ(proc_->log().find("error-tempfail"), std::string::npos) << proc_->log();
}

TEST_F(SignerMilter, OnErrorAcceptPassesTheMessageUnsignedAndSaysSo) {
  start("on_error = \"accept\"\n");
  mc::Client c(socket());
  c.negotiate();
  Headers huge = kHeaders;
  for (int i = 0; i < 20; ++i) huge.push_back({"X-Filler", " " + std::string(60000, 'x')});
  auto r = c.send_message(auth("alice@example.com"), huge, kBody);
  EXPECT_EQ(r.action, mc::reply::accept);
  EXPECT_TRUE(r.edits.empty());
  EXPECT_TRUE(proc_->wait_for_log("error: qid=4ABCDEF01"));
  EXPECT_TRUE(proc_->wait_for_log("decision=error-accepted"));
}

TEST_F(SignerMilter, SighupReloadsAndABrokenConfigKeepsTheOldOne) {
  start();
  {
    mc::Client c(socket());
    c.negotiate();
    EXPECT_EQ(c.send_message(auth("bob@example.com"), kHeaders, kBody).edits.size(), 2u);  // auth = domain
  }
  // Now only the address itself may sign.
  dir_.write_config(signer_config("socket = \"" + socket() + "\"\n", "name = \"example.com\"\nauth = \"address\"\n"));
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reloaded ")) << proc_->log();
  {
    mc::Client c(socket());
    c.negotiate();
    EXPECT_TRUE(c.send_message(auth("bob@example.com"), kHeaders, kBody).edits.empty());
    EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
  }
  // A broken config: refused, named, and the running one stays.
  dir_.write_config("[signer]\nsocket = \"" + socket() + "\"\nbogus = true\n");
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reload refused")) << proc_->log();
  EXPECT_NE(proc_->log().find("unknown key 'bogus'"), std::string::npos) << proc_->log();
  EXPECT_TRUE(proc_->alive());
  mc::Client c(socket());
  c.negotiate();
  EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
}

// A config emptied or truncated by mistake is refused on reload like any broken one: the
// running key set stays, and mail is still signed.
TEST_F(SignerMilter, SighupWithAnEmptiedConfigKeepsTheKeys) {
  start();
  int reloads = 0;
  for (const std::string& text : {std::string(), "[signer]\nsocket = \"" + socket() + "\"\nlog = \"stderr\"\n"}) {
    dir_.write_config(text);
    proc_->signal(SIGHUP);
    ASSERT_TRUE(proc_->wait_for_log("reload refused", ++reloads)) << proc_->log();
    EXPECT_TRUE(proc_->alive());
    mc::Client c(socket());
    c.negotiate();
    EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u) << text;
  }
  EXPECT_NE(proc_->log().find("the configuration file is empty"), std::string::npos) << proc_->log();
  EXPECT_NE(proc_->log().find("no [[domain]] is configured"), std::string::npos) << proc_->log();
}

TEST_F(SignerMilter, SighupsDuringARunLoseNoMessage) {
  start();
  std::atomic<bool> done{false};
  std::atomic<int> signed_count{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        try {
          mc::Client c(socket());
          c.negotiate();
          auto r = c.send_message(auth("alice@example.com", "T" + std::to_string(t) + "M" + std::to_string(i)), kHeaders, kBody);
          (r.edits.size() == 2 && r.action == mc::reply::cont ? signed_count : other)++;
        } catch (const std::exception&) {
          other++;
        }
      }
    });
  }
  std::thread hupper([&] {
    while (!done) {
      proc_->signal(SIGHUP);
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  });
  for (auto& t : clients) t.join();
  done = true;
  hupper.join();
  EXPECT_EQ(signed_count.load(), 200);
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(proc_->alive());
  EXPECT_TRUE(proc_->wait_for_log("reloaded ", 3));
}

TEST_F(SignerMilter, ServesPrometheusCounters) {
  int stats_port = free_loopback_port();
  start("stats_listen = \"127.0.0.1:" + std::to_string(stats_port) + "\"\n");
  {
    mc::Client c(socket());
    c.negotiate();
    c.send_message(auth("alice@example.com"), kHeaders, kBody);
    c.send_message(auth(""), kHeaders, kBody);
  }
  ASSERT_TRUE(proc_->wait_for_log("reason=unauthenticated"));
  auto get = [&](const std::string& path) { return http_get(stats_port, path); };
  std::string m = get("/metrics");
  EXPECT_TRUE(m.starts_with("HTTP/1.1 200 OK")) << m;
  EXPECT_NE(m.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(m.find("\ndnsauth_signer_signed_total 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ndnsauth_signer_skipped_total{reason=\"unauthenticated\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("dnsauth_signer_message_duration_seconds_count 2"), std::string::npos) << m;
  EXPECT_TRUE(get("/other").starts_with("HTTP/1.1 404")) << get("/other");
  // The start is not a reload; one SIGHUP is one.
  EXPECT_NE(m.find("\ndnsauth_signer_reloads_total{result=\"ok\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ndnsauth_signer_start_timestamp_seconds "), std::string::npos) << m;
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reloaded ")) << proc_->log();
  m = get("/metrics");
  EXPECT_NE(m.find("\ndnsauth_signer_reloads_total{result=\"ok\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ndnsauth_signer_reloads_total{result=\"failed\"} 0\n"), std::string::npos) << m;
}

TEST_F(SignerMilter, ListensOnAUnixSocket) {
  std::string path = (dir_.dir() / "signer.sock").string();
  config_ = dir_.write_config(signer_config("socket = \"unix:" + path + "\"\n"));
  proc_ = std::make_unique<SignerProcess>(
      signer_exe(), config_,
      [&] {
        try {
          mc::Client probe("unix:" + path, 1000);
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      path, dir_.dir() / "signer.log");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0007, 0u) << "the socket is not for everyone (umask 007)";
  mc::Client c("unix:" + path);
  c.negotiate();
  EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
  // The stop wake-up works on a unix socket as well (see StopsPromptlyOnSigterm).
  EXPECT_EQ(proc_->stop(std::chrono::seconds(3)), 0) << proc_->log();
  // Removed at stop, also by a signer that runs as root (libmilter removes it only when not root).
  EXPECT_FALSE(std::filesystem::exists(path)) << "the socket is left behind\n" << proc_->log();
}

// Started as root with [signer] user, the signer gives the socket to the user and drops root; the
// socket is removed at stop by that user, from a folder the user may write (the packaged layout:
// /var/spool/postfix/dnsauth belongs to dnsauth). From a folder it may not write, the stop says so.
TEST_F(SignerMilter, AUnixSocketIsRemovedAtStopAfterDroppingPrivileges) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;
  ::chmod(dir_.dir().c_str(), 0755);
  for (const char* k : {"rsa.pem", "ed.pem"}) ASSERT_EQ(::chown(dir_.key_path(k).c_str(), uid, gid), 0);
  auto run_and_stop = [&](const std::filesystem::path& path) {
    config_ = dir_.write_config(signer_config("socket = \"unix:" + path.string() + "\"\nuser = \"nobody\"\n"));
    proc_ = std::make_unique<SignerProcess>(
        signer_exe(), config_, [&] { return std::filesystem::exists(path); }, path.string(), dir_.dir() / "signer.log");
    ASSERT_TRUE(proc_->wait_for_log("started on")) << proc_->log();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, uid) << "the socket is the user's";
    mc::Client c("unix:" + path.string());
    c.negotiate();
    EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
    EXPECT_EQ(proc_->stop(std::chrono::seconds(3)), 0) << proc_->log();
  };
  const auto own = dir_.dir() / "run";
  std::filesystem::create_directories(own);
  ASSERT_EQ(::chown(own.c_str(), uid, gid), 0);
  ::chmod(own.c_str(), 0750);
  run_and_stop(own / "signer.sock");
  EXPECT_FALSE(std::filesystem::exists(own / "signer.sock")) << "the socket is left behind\n" << proc_->log();

  const auto roots = dir_.dir() / "roots";
  std::filesystem::create_directories(roots);
  ::chmod(roots.c_str(), 0755);
  run_and_stop(roots / "signer.sock");
  EXPECT_NE(proc_->log().find("cannot remove the socket " + (roots / "signer.sock").string() +
                              ": Permission denied (its folder must be writable by user 'nobody')"),
            std::string::npos)
      << proc_->log();
}

// A SIGTERM that comes as soon as the socket is bound, before libmilter's listener loop runs
// (`systemctl start` then `stop` at once), is a stop: exit 0 and the socket removed, not
// "stopped after a libmilter failure" and exit 2, which leaves a systemd unit failed. The
// signal is sent the moment the socket's file appears; the window is a few milliseconds, so
// the start is repeated.
TEST_F(SignerMilter, ASigtermRightAfterTheBindIsAStopNotAFailure) {
  const auto path = dir_.dir() / "early.sock";
  config_ = dir_.write_config(signer_config("socket = \"unix:" + path.string() + "\"\n"));
  int hit_start = 0;
  for (int round = 0; round < 12; ++round) {
    const auto log = dir_.dir() / ("early-" + std::to_string(round) + ".log");
    SignerProcess p(
        signer_exe(), config_,
        [&] {
          // Polled tighter than the constructor's 25 ms, so the signal lands near the bind.
          for (int i = 0; i < 100000 && !std::filesystem::exists(path); ++i)
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          return std::filesystem::exists(path);
        },
        path.string(), log);
    const bool before_started = p.log().find("started on") == std::string::npos;
    const int status = p.stop(std::chrono::seconds(10));
    if (before_started) ++hit_start;
    ASSERT_EQ(status, 0) << "round " << round << ":\n" << p.log();
    EXPECT_EQ(p.log().find("libmilter failure"), std::string::npos) << p.log();
    EXPECT_FALSE(std::filesystem::exists(path)) << "round " << round << ": the socket is left behind\n" << p.log();
  }
  std::cerr << "SIGTERM sent before \"started on\" was logged in " << hit_start << " of 12 starts\n";
}

TEST_F(SignerMilter, StopsPromptlyOnSigterm) {
  // libmilter's listener checks its stop flag between 5-second polls; the signer wakes it, so
  // `systemctl stop` and restarts do not wait those seconds, even with an MTA connection still
  // open (as Postfix keeps them between messages).
  start();
  mc::Client c(socket());
  c.negotiate();
  EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
  EXPECT_EQ(proc_->stop(std::chrono::seconds(3)), 0) << "not stopped within 3 s of SIGTERM\n" << proc_->log();
  EXPECT_TRUE(proc_->log().ends_with("stopped\n")) << proc_->log();
}

// A stop (signer/drain.h): the messages past MAIL finish and are signed; meanwhile a new
// connection is closed and a new message answered 451 4.3.2 (the MTA keeps both and retries);
// what is still in progress when [signer] stop_grace ends is abandoned, its connection closed
// (the MTA applies milter_default_action), and the signer exits 0 right after the grace.
TEST_F(SignerMilter, AStopLetsTheMessagesInFlightFinishWithinStopGrace) {
  int stats_port = free_loopback_port();
  start("stop_grace = 3\nstats_listen = \"127.0.0.1:" + std::to_string(stats_port) + "\"\n");
  mc::Client finishing(socket());
  finishing.negotiate();
  ASSERT_TRUE(finishing.send_message(auth("alice@example.com", "FIN01"), kHeaders, kBody, 65535, mc::Cut::after_eoh).cut);
  mc::Client abandoned(socket());
  abandoned.negotiate();
  ASSERT_TRUE(abandoned.send_message(auth("alice@example.com", "ABA01"), kHeaders, kBody, 65535, mc::Cut::after_eoh).cut);
  mc::Client open_before(socket());
  open_before.negotiate();
  bool both = false;
  for (int i = 0; i < 200 && !both; ++i) {
    both = http_get(stats_port, "/metrics").find("\ndnsauth_signer_messages_in_progress 2\n") != std::string::npos;
    if (!both) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(both) << http_get(stats_port, "/metrics");

  const auto sigterm = std::chrono::steady_clock::now();
  proc_->signal(SIGTERM);
  ASSERT_TRUE(proc_->wait_for_log("stopping: 2 message(s) in progress, waiting up to 3 s")) << proc_->log();
  EXPECT_THROW(
      {
        mc::Client late(socket(), 2000);
        late.negotiate();
      },
      std::runtime_error)
      << "a connection opened during the stop is closed";
  auto refused = open_before.send_message(auth("alice@example.com", "NEW01"), kHeaders, kBody);
  EXPECT_EQ(refused.action, mc::reply::replycode);
  EXPECT_TRUE(refused.reply_text.starts_with("451 4.3.2")) << refused.reply_text;
  EXPECT_TRUE(refused.edits.empty());
  auto done = finishing.resume_after_eoh(auth("alice@example.com", "FIN01"), kBody);
  EXPECT_EQ(done.action, mc::reply::cont);
  EXPECT_EQ(done.edits.size(), 2u) << "the message in flight is signed";

  int status = proc_->stop(std::chrono::seconds(10));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - sigterm).count();
  EXPECT_EQ(status, 0) << proc_->log();
  EXPECT_GE(took, 2.9) << "a message was still in flight: the stop waits stop_grace";
  // stop_grace, then the exit itself: closing the connections, waiting for the callbacks
  // (signer/drain.h) and, in the ThreadSanitizer build, its exit-time work, which took 1.35 s
  // on a busy 2-core machine. Well below the 10 s after which stop() kills.
  EXPECT_LT(took, 5.5) << "the stop is bounded by stop_grace\n" << proc_->log();
  EXPECT_THROW(abandoned.resume_after_eoh(auth("alice@example.com", "ABA01"), kBody), std::runtime_error)
      << "the abandoned message's connection is closed: the MTA retries it";
  const std::string log = proc_->log();
  EXPECT_NE(log.find("qid=FIN01 "), std::string::npos) << log;
  EXPECT_NE(log.find("qid=NEW01 decision=tempfail reason=stopping"), std::string::npos) << log;
  EXPECT_NE(log.find("stopping: 1 message(s) still in progress after 3 s ([signer] stop_grace): abandoned"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("qid=ABA01 "), std::string::npos) << "abandoned, neither signed nor answered:\n" << log;
  EXPECT_TRUE(log.ends_with("stopped\n")) << log;
}

// Under load, a stop waits only for the messages in flight, which take milliseconds: it does
// not take stop_grace (5 s by default), and no message gets a wrong answer -- each is signed, or
// answered 451 4.3.2, or its connection is closed before an answer (the MTA retries both).
TEST_F(SignerMilter, AStopUnderLoadTakesOnlyAsLongAsTheMessagesInFlight) {
  start();
  std::atomic<bool> over{false};
  std::atomic<int> signed_count{0}, tempfailed{0}, cut_off{0};
  std::mutex wrong_mutex;
  std::vector<std::string> wrong;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !over; ++i) {
        try {
          mc::Client c(socket(), 5000);
          c.negotiate();
          for (int m = 0; m < 10; ++m) {
            std::string qid = "L" + std::to_string(t) + "N" + std::to_string(i) + "M" + std::to_string(m);
            auto r = c.send_message(auth("alice@example.com", qid), kHeaders, kBody);
            if (r.action == mc::reply::cont && r.edits.size() == 2) {
              ++signed_count;
            } else if (r.action == mc::reply::replycode && r.reply_text.starts_with("451 4.3.2") && r.edits.empty()) {
              ++tempfailed;
            } else {
              std::lock_guard lock(wrong_mutex);
              wrong.push_back(qid + ": action " + std::string(1, r.action) + " " + r.reply_text + ", " +
                              std::to_string(r.edits.size()) + " edits");
            }
          }
        } catch (const std::exception&) {
          ++cut_off;  // refused or closed by the stop, before an answer
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  while (signed_count < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto sigterm = std::chrono::steady_clock::now();
  int status = proc_->stop(std::chrono::seconds(10));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - sigterm).count();
  over = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(status, 0) << proc_->log();
  EXPECT_LT(took, 1.5) << "stop took " << took << " s\n" << proc_->log();
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " wrong answers, the first: " << wrong.front();
  EXPECT_GE(signed_count.load(), 100);
  EXPECT_EQ(proc_->log().find("abandoned"), std::string::npos) << proc_->log();
  std::cerr << "stop under load: " << took << " s; " << signed_count << " signed, " << tempfailed
            << " answered 451 4.3.2, " << cut_off << " connections closed before an answer\n";
}

TEST_F(SignerMilter, DropsPrivilegesAfterBindingAndAReloadItCannotReadKeepsTheKeys) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ::chmod(dir_.dir().c_str(), 0755);  // the config stays readable for nobody, and the keys are its own
  for (const char* k : {"rsa.pem", "ed.pem"}) ASSERT_EQ(::chown(dir_.key_path(k).c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  start("user = \"nobody\"\n");
  // The socket accepts connections as soon as it is bound, before root is dropped; "started on"
  // is logged after the switch.
  ASSERT_TRUE(proc_->wait_for_log("started on")) << proc_->log();
  std::string status = read_text("/proc/" + std::to_string(proc_->pid()) + "/status");
  EXPECT_NE(status.find("Uid:\t" + std::to_string(nobody->pw_uid) + "\t" + std::to_string(nobody->pw_uid)),
            std::string::npos)
      << status;
  mc::Client c(socket());
  c.negotiate();
  EXPECT_EQ(c.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
  ASSERT_EQ(::chown(dir_.key_path("rsa.pem").c_str(), 0, 0), 0);  // taken back: nobody cannot read it now
  proc_->signal(SIGHUP);
  ASSERT_TRUE(proc_->wait_for_log("reload refused")) << proc_->log();
  EXPECT_NE(proc_->log().find("Permission denied"), std::string::npos) << proc_->log();
  mc::Client again(socket());
  again.negotiate();
  EXPECT_EQ(again.send_message(auth("alice@example.com"), kHeaders, kBody).edits.size(), 2u);
}

}  // namespace
}  // namespace dnsauth::test

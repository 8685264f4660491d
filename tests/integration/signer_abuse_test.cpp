// dnsauth-signer against a misbehaving MTA (tests/support/milter_abuse.h): lengths over the
// protocol's maximum, zero lengths, truncated packets, unknown commands, each command's
// malformed forms, stages out of order, a hang-up at every stage, an abort followed by a new
// message, connections that say nothing, a thousand connections at once, and a metrics client
// that sends a byte a second. Each time the signer ends or answers that one connection, stays
// up, signs for another connection (one opened before the abuse, and a new one), and holds no
// more threads, descriptors or memory afterwards than before.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "support/milter_abuse.h"
#include "support/milter_client.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test {
namespace {

namespace ab = dnsauth::milter_abuse;
namespace mc = dnsauth::milter_client;
using namespace std::string_literals;
using namespace std::chrono_literals;

const std::vector<std::pair<std::string, std::string>> kHeaders = {
    {"From", " Alice <alice@example.com>"}, {"To", " bob@example.org"}, {"Subject", " bystander"},
    {"Date", " Mon, 23 Nov 2026 10:00:00 +0000"}, {"Message-ID", " <bystander@example.com>"}};
const std::string kBody = "Hello,\r\n\r\nsigned while others misbehave.\r\n";

std::filesystem::path signer_exe() { return built_signer(); }

mc::Envelope alice() {
  mc::Envelope e;
  e.auth_authen = "alice@example.com";
  return e;
}

// The rest of a message after MAIL and its headers, over a raw connection: end of headers
// ('c' for a message that will be signed), a body chunk, end of message. The number of
// DKIM-Signature fields inserted, or -1 when the answers were not a signing milter's.
int finish_message(ab::Peer& p) {
  if (!p.send(ab::eoh())) return -1;
  if (ab::Peer::Reply r = p.next(); r.event != ab::Peer::Event::packet || r.command != 'c') return -1;
  if (!p.send(ab::body() + ab::eom())) return -1;
  int inserted = 0;
  for (;;) {
    ab::Peer::Reply r = p.next();
    if (r.event != ab::Peer::Event::packet) return -1;
    if (r.command == 'i') ++inserted;
    else return r.command == 'c' ? inserted : -1;
  }
}

int sign_raw(ab::Peer& p) {
  if (!p.send(ab::mail() + ab::headers())) return -1;
  return finish_message(p);
}

class SignerAbuse : public ::testing::Test {
 protected:
  void SetUp() override {
    if (signer_exe().empty()) GTEST_SKIP() << "built without the tools";
  }
  void start(const std::string& extra = "") {
    port_ = free_loopback_port();
    stats_port_ = free_loopback_port();
    auto config = dir_.write_config(signer_config("socket = \"inet:" + std::to_string(port_) + "@127.0.0.1\"\n" +
                                                  "stats_listen = \"127.0.0.1:" + std::to_string(stats_port_) + "\"\n" +
                                                  extra));
    proc_ = std::make_unique<SignerProcess>(signer_exe(), config, port_, dir_.dir() / "signer.log");
    // Warmed up (a message signed, libmilter's workers started), then measured; the
    // bystander is an MTA connection that stays open through the abuse.
    EXPECT_EQ(signs_on_a_new_connection(), 2);
    bystander_ = std::make_unique<mc::Client>(socket());
    bystander_->negotiate();
    EXPECT_EQ(bystander_->send_message(alice(), kHeaders, kBody).edits.size(), 2u);
    std::this_thread::sleep_for(200ms);
    base_ = ab::usage_of(proc_->pid());
  }
  void TearDown() override {
    bystander_.reset();
    if (proc_) {
      EXPECT_EQ(proc_->stop(), 0) << "dnsauth-signer did not stop cleanly";
      if (HasFailure()) std::cerr << "--- signer log ---\n" << proc_->log();
    }
  }
  std::string socket() const { return "inet:" + std::to_string(port_) + "@127.0.0.1"; }

  std::size_t signs_on_a_new_connection() {
    mc::Client c(socket());
    c.negotiate();
    return c.send_message(alice(), kHeaders, kBody).edits.size();
  }
  // GET /metrics, the answer whole ("" when none came within 3 s).
  std::string scrape() {
    ab::Peer c(stats_port_);
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string text;
    for (;;) {
      char buf[4096];
      pollfd p{c.fd(), POLLIN, 0};
      if (::poll(&p, 1, 3000) <= 0) break;
      ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
  }
  ab::Peer negotiated() {
    ab::Peer p(port_);
    p.negotiate();
    return p;
  }

  // The signer is up, signs for the connection that was open all along and for a new one,
  // and once the abusive connections are gone holds what it held before: the same
  // descriptors, libmilter's workers back to what they were (extra ones leave within their
  // 10-second idle wait), and memory within `rss_slack_kib`; no message context outlived its
  // connection. Without the bystander when the test's short [signer] timeout has closed it
  // (its descriptor is then one less).
  void expect_unharmed(long rss_slack_kib = 1024, bool bystander = true) {
    ASSERT_TRUE(proc_->alive()) << proc_->log();
    if (bystander) {
      EXPECT_EQ(bystander_->send_message(alice(), kHeaders, kBody).edits.size(), 2u);
    }
    if (!bystander) --base_.fds;
    EXPECT_EQ(signs_on_a_new_connection(), 2u);
    ab::Usage now;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    do {
      std::this_thread::sleep_for(100ms);
      now = ab::usage_of(proc_->pid());
    } while ((now.fds != base_.fds || now.threads > base_.threads) && std::chrono::steady_clock::now() < deadline);
    std::string seen = "threads " + std::to_string(base_.threads) + " -> " + std::to_string(now.threads) + ", RSS " +
                       std::to_string(base_.rss_kib) + " -> " + std::to_string(now.rss_kib) + " KiB, descriptors " +
                       std::to_string(base_.fds) + " -> " + std::to_string(now.fds);
    EXPECT_EQ(now.fds, base_.fds) << seen;
    EXPECT_LE(now.threads, base_.threads) << seen;
    EXPECT_LE(now.rss_kib, base_.rss_kib + rss_slack_kib) << seen;
    EXPECT_EQ(proc_->log().find("internal_error"), std::string::npos) << "no message was harmed";
    std::string m = scrape();
    EXPECT_NE(m.find("\ndnsauth_signer_messages_in_progress 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("\ndnsauth_signer_connections " + std::string(bystander ? "1" : "0") + "\n"), std::string::npos) << m;
  }

  SignerDir dir_;
  int port_ = 0;
  int stats_port_ = 0;
  std::unique_ptr<SignerProcess> proc_;
  std::unique_ptr<mc::Client> bystander_;
  ab::Usage base_;
};

TEST_F(SignerAbuse, ALengthOverTheProtocolMaximumEndsThatConnection) {
  start();
  for (int i = 0; i < 20; ++i) {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::length(65537) + "B" + std::string(1000, 'x')));
    EXPECT_TRUE(p.closed_within(3000));
    // Lengths libmilter read as "no data" and then parsed the payload as packets.
    ab::Peer q = negotiated();
    ASSERT_TRUE(q.send(ab::length(0xffffffffu) + "E" + ab::packet('X')));
    EXPECT_TRUE(q.closed_within(3000));
  }
  EXPECT_TRUE(proc_->wait_for_log("packet with 65536 bytes of data, over the protocol's 65535; connection closed"));
  EXPECT_TRUE(proc_->wait_for_log("packet with 4294967294 bytes of data"));
  expect_unharmed();
}

TEST_F(SignerAbuse, AZeroLengthEndsThatConnection) {
  start();
  for (int i = 0; i < 20; ++i) {
    ab::Peer p = negotiated();
    // libmilter took the next byte ('E') as a command of its own.
    ASSERT_TRUE(p.send(ab::length(0) + "E"));
    EXPECT_TRUE(p.closed_within(3000));
  }
  EXPECT_TRUE(proc_->wait_for_log("packet of length 0; connection closed"));
  expect_unharmed();
}

TEST_F(SignerAbuse, ATruncatedPacketEndsThatConnection) {
  start();
  // The MTA hangs up inside a packet.
  for (int i = 0; i < 20; ++i) {
    ab::Peer p = negotiated();
    std::string whole = ab::mail();
    ASSERT_TRUE(p.send(std::string_view(whole).substr(0, whole.size() - 5)));
  }
  EXPECT_TRUE(proc_->wait_for_log("closed by the MTA inside a packet (", 20));
  expect_unharmed();
}

TEST_F(SignerAbuse, APacketThatStopsHalfWayIsClosedAfterTheTimeout) {
  start("timeout = 2\n");
  // The whole packet must come within [signer] timeout of its first byte.
  ab::Peer stalled = negotiated();
  ASSERT_TRUE(stalled.send(ab::length(100) + "Lhalf a header"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stalled.closed_within(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(proc_->wait_for_log("packet incomplete after 2 s (18 of 104 bytes); connection closed"));
  expect_unharmed(2048, false);
}

TEST_F(SignerAbuse, UnknownCommandsEndThatConnection) {
  start();
  for (char c : {'X', 'a', 'Z', '\x01', '\x7f', '\xff'}) {
    ab::Peer before = ab::Peer(port_);  // before negotiation
    ASSERT_TRUE(before.send(ab::packet(c, "data")));
    EXPECT_TRUE(before.closed_within(3000)) << int(c);
    ab::Peer after = negotiated();  // in the middle of a message
    ASSERT_TRUE(after.send(ab::mail() + ab::header("From", " alice@example.com") + ab::packet(c)));
    EXPECT_TRUE(after.closed_within(3000)) << int(c);
  }
  EXPECT_TRUE(proc_->wait_for_log("malformed 'X' (unknown) packet: unknown command; connection closed"));
  EXPECT_TRUE(proc_->wait_for_log("malformed 0x01 packet: unknown command"));
  expect_unharmed();
}

// Every command's malformed forms, each on its own connection, at the point in a message where
// the command belongs. The first is the crash: the last macro value without its NUL made
// libmilter's smfi_getsymval read past the packet.
TEST_F(SignerAbuse, EachCommandsMalformedFormsEndThatConnection) {
  start();
  struct Case {
    std::string before;  // sent first, well-formed
    std::string bad;
    std::string logged;
  };
  const std::string opt = ab::optneg();
  const std::string in_message = ab::mail() + ab::headers();
  const std::vector<Case> cases = {
      {opt, ab::packet('D', "M" "{auth_authen}\0alice@example.net"s) + ab::packet('M', "<alice@example.net>\0"s),
       "malformed 'D' (macros) packet: macro value without its NUL terminator"},
      {opt, ab::packet('D', "M" "i\0Q1\0{auth_authen}\0"s) + ab::packet('M', "<a@example.com>\0"s),
       "macro name without a value"},
      {opt, ab::packet('D', "M" "\0x\0"s), "macro with an empty name"},
      {opt, ab::packet('D'), "macro packet without the command it belongs to"},
      {"", ab::packet('O', ab::word(6) + ab::word(0x1ff)), "malformed 'O' (option negotiation) packet: 8 bytes instead of 12"},
      {"", ab::packet('O', ab::word(6) + ab::word(0x1ff) + ab::word(0x1fffff) + "x"), "13 bytes instead of 12"},
      {opt, ab::packet('C', "client.test"), "host name without its NUL terminator"},
      {opt, ab::packet('C', "client.test\0" "4\xc3\x50" "192.0.2.1"s), "address without its NUL terminator"},
      {opt, ab::packet('C', "client.test\0" "4"s), "no port"},
      {opt, ab::packet('H', "client.test"), "HELO name without its NUL terminator"},
      {opt, ab::packet('M', "<alice@example.com>"), "argument without its NUL terminator"},
      {opt, ab::packet('M'), "malformed 'M' (MAIL) packet: no address"},
      {opt + ab::mail(), ab::packet('R', "<bob@example.org>"), "malformed 'R' (RCPT) packet"},
      {opt + ab::mail(), ab::packet('L', "Subject\0 no NUL"s), "not a name and a value, each NUL-terminated"},
      {opt + ab::mail(), ab::packet('L', "Subject"), "not a name and a value"},
      {opt + ab::mail(), ab::packet('L', "\0 value\0"s), "empty header field name"},
      {opt + in_message + ab::eoh(), ab::packet('B'), "empty body chunk"},
      {opt, ab::packet('U', "HELP"), "malformed 'U' (unknown SMTP command) packet"},
      {opt + in_message, ab::packet('N', "x"), "malformed 'N' (end of headers) packet: 1 bytes of data where none belong"},
      {opt + ab::mail(), ab::packet('A', "xx"), "malformed 'A' (abort) packet"},
      {opt, ab::packet('T', "x"), "malformed 'T' (DATA) packet"},
      {opt, ab::packet('Q', "x"), "malformed 'Q' (quit) packet"},
      {opt, ab::packet('K', "x"), "malformed 'K' (quit, new connection follows) packet"},
  };
  for (int round = 0; round < 5; ++round) {
    for (const auto& c : cases) {
      ab::Peer p(port_);
      ASSERT_TRUE(p.send(c.before + c.bad));
      EXPECT_TRUE(p.closed_within(3000)) << c.logged;
    }
  }
  for (const auto& c : cases) EXPECT_TRUE(proc_->wait_for_log(c.logged, 1, 100ms)) << c.logged;
  EXPECT_TRUE(proc_->wait_for_log("; connection closed", 5 * static_cast<int>(cases.size())));
  expect_unharmed();
}

TEST_F(SignerAbuse, StagesOutOfOrderAreAnsweredAndTheConnectionGoesOn) {
  start();
  // A body chunk before MAIL: libmilter has no transaction to give it to and drops it; the
  // connection signs its next message.
  {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::body() + ab::eom()));
    EXPECT_EQ(p.next(500).event, ab::Peer::Event::silent);
    EXPECT_EQ(sign_raw(p), 2);
  }
  // End of message right after MAIL (libmilter lets it through, as RCPT and DATA were
  // declined): answered 451 (the message is retried, never passed unchecked), and the next
  // message is signed.
  {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::mail() + ab::eom()));
    ab::Peer::Reply r = p.next();
    ASSERT_EQ(r.event, ab::Peer::Event::packet);
    EXPECT_EQ(r.command, 'y');
    EXPECT_TRUE(r.data.starts_with("451 4.3.0")) << r.data;
    EXPECT_TRUE(proc_->wait_for_log("detail=\"milter protocol: end of message before end of headers\""));
    EXPECT_EQ(sign_raw(p), 2);
  }
  // End of message after header fields without their end: libmilter aborts the message
  // (xxfi_abort frees it) and drops the command; the next message is signed.
  {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::mail() + ab::headers() + ab::eom()));
    EXPECT_EQ(p.next(500).event, ab::Peer::Event::silent);
    EXPECT_EQ(sign_raw(p), 2);
  }
  // End of headers after an abort, outside any transaction.
  {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::mail() + ab::abort_message() + ab::packet('R', "<bob@example.org>\0"s)));
    EXPECT_EQ(p.next().command, 'c');  // libmilter answers the RCPT it has no callback for
    ASSERT_TRUE(p.send(ab::eoh()));
    ab::Peer::Reply r = p.next();
    EXPECT_EQ(r.command, 'y');
    EXPECT_TRUE(proc_->wait_for_log("milter protocol: end of headers outside a transaction (no MAIL)"));
    EXPECT_EQ(sign_raw(p), 2);
  }
  // Header fields and end of message after an abort: dropped with the message.
  {
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::mail() + ab::headers() + ab::abort_message() + ab::headers() + ab::body() + ab::eom()));
    EXPECT_EQ(p.next(500).event, ab::Peer::Event::silent);
    EXPECT_EQ(sign_raw(p), 2);
  }
  ASSERT_TRUE(proc_->alive());
  // Errors were answered for the two broken messages only.
  std::string log = proc_->log();
  EXPECT_EQ(log.find("unknown exception"), std::string::npos);
  std::size_t errors = 0;
  for (auto at = log.find("decision=error-tempfail"); at != std::string::npos; at = log.find("decision=error-tempfail", at + 1))
    ++errors;
  EXPECT_EQ(errors, 2u) << log;
  EXPECT_EQ(bystander_->send_message(alice(), kHeaders, kBody).edits.size(), 2u);
  EXPECT_EQ(signs_on_a_new_connection(), 2u);
}

TEST_F(SignerAbuse, AHangUpAtEveryStageLeavesNothingBehind) {
  start();
  const std::string opt = ab::optneg();
  const std::string mail = opt + ab::mail();
  const std::string heads = mail + ab::headers();
  const std::string eoh = heads + ab::eoh();
  const std::string body = eoh + ab::body();
  const std::vector<std::pair<std::string, std::string>> stages = {
      {"connected", ""},
      {"inside the negotiation", opt.substr(0, 7)},
      {"negotiated", opt},
      {"macros", opt + ab::macros('M', {{"{auth_authen}", "alice@example.com"}})},
      {"MAIL", mail},
      {"inside a header", heads.substr(0, heads.size() - 3)},
      {"headers", heads},
      {"end of headers", eoh},
      {"body", body},
      {"inside a body chunk", body + ab::length(1000) + "Bpart"},
      {"end of message", body + ab::eom()},
      {"aborted", body + ab::abort_message()},
  };
  for (int round = 0; round < 10; ++round) {
    for (const auto& [stage, bytes] : stages) {
      ab::Peer p(port_);
      ASSERT_TRUE(p.send(bytes)) << stage;
      if (stage == "end of headers" || stage == "body") p.next(1000);  // the 'c' for a message to sign
      p.hang_up();
    }
  }
  expect_unharmed();
}

TEST_F(SignerAbuse, AnAbortThenANewMessageOnTheSameConnection) {
  start();
  {
    ab::Peer p = negotiated();
    for (int i = 0; i < 50; ++i) {
      // Aborted at each point of a message, then a whole message on the same connection.
      switch (i % 3) {
        case 0:
          ASSERT_TRUE(p.send(ab::mail() + ab::abort_message()));
          break;
        case 1:
          ASSERT_TRUE(p.send(ab::mail() + ab::headers() + ab::abort_message()));
          break;
        case 2:
          ASSERT_TRUE(p.send(ab::mail() + ab::headers() + ab::eoh()));
          ASSERT_EQ(p.next().command, 'c');
          ASSERT_TRUE(p.send(ab::body() + ab::abort_message()));
          break;
      }
      ASSERT_EQ(sign_raw(p), 2) << i;
    }
  }
  expect_unharmed();
}

TEST_F(SignerAbuse, ConnectionsThatSayNothingAreClosedAfterTheTimeout) {
  start("timeout = 2\n");
  std::vector<ab::Peer> silent;
  for (int i = 0; i < 10; ++i) silent.emplace_back(port_);              // not even negotiated
  for (int i = 0; i < 10; ++i) silent.push_back(negotiated());          // negotiated, then quiet
  for (int i = 0; i < 10; ++i) {                                         // quiet inside a message
    ab::Peer p = negotiated();
    ASSERT_TRUE(p.send(ab::mail() + ab::headers()));
    silent.push_back(std::move(p));
  }
  auto start = std::chrono::steady_clock::now();
  for (auto& p : silent) EXPECT_TRUE(p.closed_within(6000));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 1500ms);
  EXPECT_LT(took, 4s) << "closed within the timeout and a fraction of it";
  EXPECT_TRUE(proc_->wait_for_log("MTA connection(s) without a packet for 2 s ([signer] timeout)"));
  // The bystander was quiet just as long, and is gone as well.
  expect_unharmed(2048, false);
}

// A thousand MTA connections at once, idle: libmilter's worker pool gives a thread only to a
// connection with a packet to read, so the signer holds its few threads, one descriptor and a
// few KiB per connection (README, "Running it"), and signs for others meanwhile.
TEST_F(SignerAbuse, AThousandConnectionsStayWithinTheDocumentedBound) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 1200 && rl.rlim_max >= 1200) {
    rl.rlim_cur = 1200;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < 1200) GTEST_SKIP() << "the test needs 1200 descriptors";
  start();
  std::vector<ab::Peer> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.emplace_back(port_);
    if (i % 2) idle.back().send(ab::optneg());  // half of them negotiated
  }
  // Every one accepted and in libmilter's hands.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  ab::Usage with;
  do {
    std::this_thread::sleep_for(100ms);
    with = ab::usage_of(proc_->pid());
  } while (with.fds < base_.fds + 1000 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(with.fds, base_.fds + 1000);
  EXPECT_EQ(signs_on_a_new_connection(), 2u);
  EXPECT_EQ(bystander_->send_message(alice(), kHeaders, kBody).edits.size(), 2u);
  with = ab::usage_of(proc_->pid());
  EXPECT_LE(with.threads, base_.threads + 8) << "threads with 1000 idle connections, from " << base_.threads;
  EXPECT_LE(with.rss_kib, base_.rss_kib + 8 * 1024) << "RSS in KiB with 1000 idle connections, from " << base_.rss_kib;
  std::cerr << "1000 idle connections: threads " << base_.threads << " -> " << with.threads << ", RSS "
            << base_.rss_kib << " -> " << with.rss_kib << " KiB, descriptors " << base_.fds << " -> " << with.fds
            << "\n";
  idle.clear();
  expect_unharmed(4096);
}

TEST_F(SignerAbuse, ConnectionsBeyondMaxConnectionsAreClosedAtOnce) {
  start("max_connections = 20\n");
  // The bystander holds one place; the warm-up's connection has closed.
  std::vector<ab::Peer> held;
  for (int i = 0; i < 19; ++i) held.push_back(negotiated());
  for (int i = 0; i < 5; ++i) {
    ab::Peer extra(port_);
    EXPECT_TRUE(extra.closed_within(2000)) << "connection " << 21 + i;
  }
  EXPECT_TRUE(proc_->wait_for_log("MTA connection(s): [signer] max_connections (20) are open"));
  // The connections within the bound still sign; once one closes, a new one is taken.
  EXPECT_EQ(sign_raw(held.front()), 2);
  held.pop_back();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(signs_on_a_new_connection(), 2u);
  held.clear();
  expect_unharmed();
}

// The metrics listener: a client sending a byte a second neither holds up another scrape nor
// stays beyond its two seconds, and a crowd of idle clients does not lock scrapes out.
TEST_F(SignerAbuse, ASlowMetricsClientHoldsUpNobody) {
  start();
  ab::Peer slow(stats_port_);
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    std::string req = "GET /metrics HTTP/1.1\r\nHost: slow\r\n\r\n";
    for (char ch : req) {
      if (stop || !slow.send(std::string_view(&ch, 1))) break;
      for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  std::string m = scrape();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms) << "a scrape waited for the slow client";
  EXPECT_TRUE(m.starts_with("HTTP/1.1 200 OK")) << m;
  EXPECT_NE(m.find("\ndnsauth_signer_connections 1\n"), std::string::npos) << "the bystander" << m;
  // The slow client is cut off after its two seconds.
  EXPECT_TRUE(slow.closed_within(3000));
  stop = true;
  dribble.join();
  // Forty idle clients, more than the sixteen served at once: the newest take the oldest's
  // places, and a scrape is still answered at once.
  std::vector<ab::Peer> crowd;
  for (int i = 0; i < 40; ++i) crowd.emplace_back(stats_port_);
  std::this_thread::sleep_for(200ms);
  t0 = std::chrono::steady_clock::now();
  m = scrape();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_TRUE(m.starts_with("HTTP/1.1 200 OK")) << m;
  for (auto& c : crowd) EXPECT_TRUE(c.closed_within(3000));
  crowd.clear();
  expect_unharmed();
}

}  // namespace
}  // namespace dnsauth::test

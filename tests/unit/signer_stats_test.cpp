// Counters in Prometheus text format and the one log line per message.
#include <gtest/gtest.h>

#include "signer/stats.h"

namespace dnsauth::signer {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(SignerStats, CountsOutcomesSkipReasonsAndLatency) {
  Stats s;
  s.record(Outcome::signed_, Reason::allowed, 0.0003);
  s.record(Outcome::signed_, Reason::allowed, 0.004);
  s.record(Outcome::skipped, Reason::unauthenticated, 0.0001);
  s.record(Outcome::skipped, Reason::not_allowed, 0.0001);
  s.record(Outcome::rejected, Reason::not_allowed, 0.0001);
  s.record(Outcome::error_tempfail, Reason::allowed, 3.0);
  s.record_reload(true, 1700000000);
  s.record_reload(false, 0);
  s.record_authres_removed(0);
  s.record_authres_removed(2);
  std::string p = s.prometheus();
  EXPECT_TRUE(has_line(p, "dnsauth_signer_authres_removed_total 2")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_signed_total 2")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_messages_total{outcome=\"skipped\"} 2")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_messages_total{outcome=\"rejected\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_skipped_total{reason=\"unauthenticated\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_skipped_total{reason=\"not_allowed\"} 1")) << p;
  // Every reason is exported from the start, at zero.
  EXPECT_TRUE(has_line(p, "dnsauth_signer_skipped_total{reason=\"already_signed\"} 0")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_errors_total{action=\"tempfail\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_message_duration_seconds_bucket{le=\"0.0005\"} 4")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_message_duration_seconds_bucket{le=\"0.005\"} 5")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_message_duration_seconds_bucket{le=\"2.5\"} 5")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_message_duration_seconds_bucket{le=\"+Inf\"} 6")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_message_duration_seconds_count 6")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_reloads_total{result=\"failed\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_config_loaded_timestamp_seconds 1700000000")) << p;
  EXPECT_NE(p.find("# TYPE dnsauth_signer_message_duration_seconds histogram"), std::string::npos);
}

// The start is no reload: reloads_total counts SIGHUPs only, from zero; the start and the key
// set in use each have their timestamp.
TEST(SignerStats, TheStartIsNotAReload) {
  Stats s;
  s.record_start(1700000000);
  std::string p = s.prometheus();
  EXPECT_TRUE(has_line(p, "dnsauth_signer_reloads_total{result=\"ok\"} 0")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_reloads_total{result=\"failed\"} 0")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_config_loaded_timestamp_seconds 1700000000")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_start_timestamp_seconds 1700000000")) << p;
  EXPECT_NE(p.find("# TYPE dnsauth_signer_start_timestamp_seconds gauge"), std::string::npos) << p;
  s.record_reload(true, 1700000100);
  s.record_reload(false, 0);
  p = s.prometheus();
  EXPECT_TRUE(has_line(p, "dnsauth_signer_reloads_total{result=\"ok\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_reloads_total{result=\"failed\"} 1")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_config_loaded_timestamp_seconds 1700000100")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_start_timestamp_seconds 1700000000")) << p;
}

TEST(SignerStats, CountsTheMtaConnections) {
  Stats s;
  std::string p = s.prometheus();
  // From zero, before anything happened.
  EXPECT_TRUE(has_line(p, "dnsauth_signer_connections 0")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_protocol_errors_total 0")) << p;
  s.set_connections(12);
  s.record_connection_refused();
  s.record_connection_refused();
  s.record_idle_closed(3);
  s.record_protocol_error();
  s.message_started();
  s.message_started();
  s.message_ended();
  p = s.prometheus();
  EXPECT_TRUE(has_line(p, "dnsauth_signer_messages_in_progress 1")) << p;
  EXPECT_TRUE(has_line(p, "# TYPE dnsauth_signer_connections gauge")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_connections 12")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_connections_refused_total 2")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_connections_idle_closed_total 3")) << p;
  EXPECT_TRUE(has_line(p, "dnsauth_signer_protocol_errors_total 1")) << p;
}

TEST(SignerStats, LogLineHasEveryFieldAndCannotBeForged) {
  MessageLog m;
  m.queue_id = "4ABCD";
  m.from_domain = "example.com";
  m.login = "alice@example.com";
  m.outcome = Outcome::signed_;
  m.reason = Reason::allowed;
  m.selectors = {"r1", "e1"};
  m.detail = "login alice@example.com may send as alice@example.com (auth = domain for example.com)";
  EXPECT_EQ(format_log_line(m),
            "qid=4ABCD from_domain=example.com login=alice@example.com decision=signed selectors=r1,e1 "
            "reason=allowed detail=\"login alice@example.com may send as alice@example.com (auth = domain for "
            "example.com)\"");
  // An attacker's login with a newline and a quote stays on one line, inside its field.
  m.login = "x\ndnsauth-signer: qid=FAKE decision=\"signed";
  std::string line = format_log_line(m);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("login=\"x\\x0adnsauth-signer: qid\\=FAKE") == std::string::npos ? line.find("login=\"x\\x0a") : 0,
            std::string::npos)
      << line;
  // Deleted forged Authentication-Results (RFC 8601 5) are counted at the end of the line.
  m.login = "alice@example.com";
  m.authres_removed = 2;
  EXPECT_TRUE(format_log_line(m).ends_with("example.com)\" authres_removed=2")) << format_log_line(m);
  m.outcome = Outcome::error_tempfail;
  m.queue_id.clear();
  EXPECT_NE(format_log_line(m).find("qid=- "), std::string::npos);
  EXPECT_NE(format_log_line(m).find("reason=internal_error"), std::string::npos);
}

TEST(SignerStats, LogValues) {
  EXPECT_EQ(log_value(""), "-");
  EXPECT_EQ(log_value("plain"), "plain");
  EXPECT_EQ(log_value("two words"), "\"two words\"");
  EXPECT_EQ(log_value("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(log_value("tab\there"), "tab\\x09here");
  EXPECT_EQ(log_value("b\xc3\xbc"), "b\\xc3\\xbc");
}

}  // namespace
}  // namespace dnsauth::signer

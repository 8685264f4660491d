#include "signer/stats.h"

#include <algorithm>
#include <cstdio>

namespace dnsauth::signer {

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::signed_: return "signed";
    case Outcome::skipped: return "skipped";
    case Outcome::rejected: return "rejected";
    case Outcome::error_tempfail: return "error-tempfail";
    case Outcome::error_accepted: return "error-accepted";
  }
  return "?";
}

void Stats::record(Outcome outcome, Reason reason, double seconds) {
  outcomes_[static_cast<int>(outcome)].fetch_add(1, std::memory_order_relaxed);
  if (outcome == Outcome::skipped) skipped_[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_ns_sum_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Stats::record_authres_removed(std::uint64_t n) {
  if (n) authres_removed_.fetch_add(n, std::memory_order_relaxed);
}

void Stats::record_start(std::int64_t loaded_at_unix) {
  started_at_.store(loaded_at_unix);
  loaded_at_.store(loaded_at_unix);
}

void Stats::record_reload(bool ok, std::int64_t loaded_at_unix) {
  (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
  if (ok) loaded_at_.store(loaded_at_unix);
}

std::string Stats::prometheus() const {
  std::string o;
  auto line = [&o](std::string_view s) {
    o += s;
    o += '\n';
  };
  auto num = [](std::uint64_t v) { return std::to_string(v); };

  line("# HELP dnsauth_signer_messages_total Messages by outcome.");
  line("# TYPE dnsauth_signer_messages_total counter");
  for (Outcome x : {Outcome::signed_, Outcome::skipped, Outcome::rejected, Outcome::error_tempfail,
                    Outcome::error_accepted}) {
    line("dnsauth_signer_messages_total{outcome=\"" + std::string(to_string(x)) + "\"} " + num(count(x)));
  }
  line("# HELP dnsauth_signer_signed_total Messages signed.");
  line("# TYPE dnsauth_signer_signed_total counter");
  line("dnsauth_signer_signed_total " + num(count(Outcome::signed_)));
  line("# HELP dnsauth_signer_skipped_total Messages accepted unsigned, by reason.");
  line("# TYPE dnsauth_signer_skipped_total counter");
  for (Reason r : kAllReasons) {
    if (r == Reason::allowed) continue;
    line("dnsauth_signer_skipped_total{reason=\"" + std::string(to_string(r)) + "\"} " + num(skipped(r)));
  }
  line("# HELP dnsauth_signer_errors_total Internal errors (key unusable, signing failed), by answer.");
  line("# TYPE dnsauth_signer_errors_total counter");
  line("dnsauth_signer_errors_total{action=\"tempfail\"} " + num(count(Outcome::error_tempfail)));
  line("dnsauth_signer_errors_total{action=\"accept\"} " + num(count(Outcome::error_accepted)));
  line("# HELP dnsauth_signer_authres_removed_total Authentication-Results fields claiming our authserv_id, deleted.");
  line("# TYPE dnsauth_signer_authres_removed_total counter");
  line("dnsauth_signer_authres_removed_total " + num(authres_removed_.load()));
  line("# HELP dnsauth_signer_message_duration_seconds Time from MAIL FROM to the final answer.");
  line("# TYPE dnsauth_signer_message_duration_seconds histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    std::string le = "+Inf";
    if (b < kBuckets.size()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", kBuckets[b]);
      le = buf;
    }
    line("dnsauth_signer_message_duration_seconds_bucket{le=\"" + le + "\"} " + num(cumulative));
  }
  char sum[48];
  std::snprintf(sum, sizeof sum, "%.9f", static_cast<double>(latency_ns_sum_.load()) / 1e9);
  line(std::string("dnsauth_signer_message_duration_seconds_sum ") + sum);
  line("dnsauth_signer_message_duration_seconds_count " + num(cumulative));
  auto single = [&](std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    line("# HELP " + std::string(name) + " " + std::string(help));
    line("# TYPE " + std::string(name) + " " + std::string(type));
    line(std::string(name) + " " + num(v));
  };
  single("dnsauth_signer_connections", "gauge", "MTA connections open.", connections_.load());
  single("dnsauth_signer_messages_in_progress", "gauge", "Messages between MAIL and their final answer.",
         static_cast<std::uint64_t>(std::max<std::int64_t>(0, in_progress_.load())));
  single("dnsauth_signer_connections_refused_total", "counter",
         "MTA connections closed at once: max_connections open, or no descriptor left.", refused_.load());
  single("dnsauth_signer_connections_idle_closed_total", "counter",
         "MTA connections closed after no packet for [signer] timeout.", idle_closed_.load());
  single("dnsauth_signer_protocol_errors_total", "counter",
         "MTA connections closed for a packet that broke the milter protocol.", protocol_errors_.load());
  line("# HELP dnsauth_signer_reloads_total Configuration reloads (SIGHUP) since the start, by result.");
  line("# TYPE dnsauth_signer_reloads_total counter");
  line("dnsauth_signer_reloads_total{result=\"ok\"} " + num(reloads_ok_.load()));
  line("dnsauth_signer_reloads_total{result=\"failed\"} " + num(reloads_failed_.load()));
  line("# HELP dnsauth_signer_config_loaded_timestamp_seconds When the key set in use was loaded.");
  line("# TYPE dnsauth_signer_config_loaded_timestamp_seconds gauge");
  line("dnsauth_signer_config_loaded_timestamp_seconds " + std::to_string(loaded_at_.load()));
  line("# HELP dnsauth_signer_start_timestamp_seconds When the signer started (its first configuration load).");
  line("# TYPE dnsauth_signer_start_timestamp_seconds gauge");
  line("dnsauth_signer_start_timestamp_seconds " + std::to_string(started_at_.load()));
  return o;
}

std::string log_value(std::string_view v) {
  if (v.empty()) return "-";
  static const char* hex = "0123456789abcdef";
  std::string out;
  bool quote = false;
  for (unsigned char c : v) {
    if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      quote = true;
    } else {
      quote = quote || c == ' ' || c == '=';
      out += static_cast<char>(c);
    }
  }
  return quote ? "\"" + out + "\"" : out;
}

std::string format_log_line(const MessageLog& m) {
  std::string sel;
  for (const auto& s : m.selectors) sel += (sel.empty() ? "" : ",") + s;
  bool error = m.outcome == Outcome::error_tempfail || m.outcome == Outcome::error_accepted;
  return "qid=" + log_value(m.queue_id) + " from_domain=" + log_value(m.from_domain) + " login=" + log_value(m.login) +
         " decision=" + std::string(to_string(m.outcome)) + " selectors=" + log_value(sel) +
         " reason=" + std::string(error ? "internal_error" : to_string(m.reason)) + " detail=" + log_value(m.detail) +
         (m.authres_removed ? " authres_removed=" + std::to_string(m.authres_removed) : "");
}

}  // namespace dnsauth::signer

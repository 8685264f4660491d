// What the signer did, as counters (signed, skipped per reason, errors, a latency
// histogram) rendered in the Prometheus text exposition format (version 0.0.4), and the one
// log line per message. Lock-free: every milter thread records into the same object.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/signing/policy.h"

namespace dnsauth::signer {

using signing::kAllReasons;
using signing::Reason;

// How a message ended, for counters and logs.
enum class Outcome {
  signed_,         // signature fields inserted
  skipped,         // accepted unsigned (Decision reason says why)
  rejected,        // 550 5.7.1 (on_mismatch = "reject")
  error_tempfail,  // internal error, answered 451 (on_error = "tempfail")
  error_accepted,  // internal error, accepted unsigned (on_error = "accept")
};
std::string_view to_string(Outcome o) noexcept;

class Stats {
 public:
  // Upper bounds in seconds of the latency buckets (+Inf implied).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // `seconds`: from the first callback of the message to its final answer.
  void record(Outcome outcome, Reason reason, double seconds);
  // The key set the signer started with: when it was loaded, and the start time. Not a reload.
  void record_start(std::int64_t loaded_at_unix);
  // A reload (SIGHUP) after the start; `loaded_at_unix` is the new set's load time when `ok`.
  void record_reload(bool ok, std::int64_t loaded_at_unix);
  // Forged Authentication-Results fields deleted from one message (RFC 8601 5).
  void record_authres_removed(std::uint64_t n);
  // The MTA connections (signer/milter_io.h): how many are open, those refused (over
  // [signer] max_connections, or out of descriptors), those closed for sending no packet for
  // [signer] timeout, and those closed for a packet that broke the milter protocol.
  void set_connections(std::uint64_t open) noexcept { connections_.store(open, std::memory_order_relaxed); }
  void record_connection_refused() noexcept { refused_.fetch_add(1, std::memory_order_relaxed); }
  void record_idle_closed(std::uint64_t n) noexcept { idle_closed_.fetch_add(n, std::memory_order_relaxed); }
  void record_protocol_error() noexcept { protocol_errors_.fetch_add(1, std::memory_order_relaxed); }
  // Messages between MAIL and their final answer (or abort, or the connection's end).
  void message_started() noexcept { in_progress_.fetch_add(1, std::memory_order_relaxed); }
  void message_ended() noexcept { in_progress_.fetch_sub(1, std::memory_order_relaxed); }

  std::uint64_t count(Outcome o) const noexcept { return outcomes_[static_cast<int>(o)].load(); }
  std::uint64_t skipped(Reason r) const noexcept { return skipped_[static_cast<int>(r)].load(); }
  std::uint64_t authres_removed() const noexcept { return authres_removed_.load(); }

  std::string prometheus() const;

 private:
  std::array<std::atomic<std::uint64_t>, 5> outcomes_{};
  std::array<std::atomic<std::uint64_t>, std::size(kAllReasons)> skipped_{};
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> latency_ns_sum_{0};
  std::atomic<std::uint64_t> authres_removed_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> idle_closed_{0};
  std::atomic<std::uint64_t> protocol_errors_{0};
  std::atomic<std::int64_t> in_progress_{0};
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<std::int64_t> loaded_at_{0};
  std::atomic<std::int64_t> started_at_{0};
};

// One log line per message: key=value pairs, values quoted when they hold spaces, control
// bytes and quotes escaped (a From or a login is attacker-chosen text: no forged log lines).
struct MessageLog {
  std::string queue_id;
  std::string from_domain;
  std::string login;
  Outcome outcome = Outcome::skipped;
  Reason reason = Reason::unauthenticated;
  std::vector<std::string> selectors;
  std::string detail;
  std::size_t authres_removed = 0;  // logged as authres_removed=N when not zero
};
std::string format_log_line(const MessageLog& m);

// A log-safe rendering of untrusted text: printable ASCII kept, everything else \xHH, quoted
// (with \" and \\) when it holds a space, a quote or '=', "-" when empty.
std::string log_value(std::string_view v);

}  // namespace dnsauth::signer

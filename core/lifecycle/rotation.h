// The rules of a key rotation (README "Rotating keys"): which step a domain's selectors may take
// next and from when. Pure: the clock is passed in, DNS facts are in the state (served_at), and
// the caller does the steps (publisher/lifecycle_command.cpp). The order can never be wrong:
//   - a key is active only after every authoritative server served its record and one TTL has
//     passed since (no resolver still holds its absence, RFC 2308 5);
//   - a retired key stays published for keep_retired (default 7 days), and longer than [signer]
//     expire plus a TTL when that is set, so mail signed with it verifies while it can be in
//     queues (RFC 6376 3.5 x=);
//   - a revoked record (empty p=) stays a day, and at least one TTL, before it is removed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/lifecycle/state.h"

namespace dnsauth::lifecycle {

struct Policy {
  std::uint32_t ttl = 3600;
  std::optional<Time> rotate_every;
  Time keep_retired = config::kDefaultKeepRetired;
  std::optional<Time> expire;  // [signer] expire

  static Policy of(const config::Domain& domain, std::optional<Time> expire);
  // How long a selector stays retired before it is revoked.
  Time retired_for() const;
  // How long a revoked record stays before it is removed.
  Time revoked_for() const;
};

enum class Action { none, stage, publish, confirm, activate, revoke, remove };
std::string_view to_string(Action action) noexcept;

struct Step {
  Action action = Action::none;
  std::string selector;     // the selector the step is for
  std::optional<Time> at;   // the earliest time it may happen (nullopt: nothing pending)
  std::string why;          // for status and logs: "every authoritative server serves it since ..."
};

// What comes next for one selector, due or not.
Step selector_step(const State& state, const SelectorState& s, const config::Domain& domain, const Policy& policy);

// The one step a run of rotate --auto takes for the domain at `now`: the due step that became due
// first (ties in the order of the stages); Action::none with `at` the time the next one is due
// (nullopt when nothing is pending).
Step next_step(const State& state, const config::Domain& domain, const Policy& policy, Time now);

// Brings the state in line with the config, which says what the signer signs with: a configured
// selector is active (one not in the state yet is added, active since its key file's time,
// `key_time`, or now); an entry active in the state but gone from the config was retired by
// hand and is retired from now. Returns what it changed, one line each. Errc::invalid_argument
// when the config signs with a selector the state has retired, revoked or removed (the signer
// would sign mail that does not verify): the operator must settle that first.
Result<std::vector<std::string>> reconcile(State& state, const config::Domain& domain, Time now,
                                           const std::function<std::optional<Time>(const std::filesystem::path&)>& key_time);

// What DNS should serve at a selector's name, from the state.
enum class Publication {
  key,      // the key record (published, active, retired)
  revoked,  // "v=DKIM1; p=" (revoked)
  absent,   // no record (removed)
  untouched // staged: not ours to publish yet, nor to delete
};
Publication publication(Stage stage) noexcept;

}  // namespace dnsauth::lifecycle

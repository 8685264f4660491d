#include "core/lifecycle/rotation.h"

#include <algorithm>

namespace dnsauth::lifecycle {

namespace {

bool configured(const config::Domain& domain, std::string_view selector) {
  return std::any_of(domain.selectors.begin(), domain.selectors.end(),
                     [&](const config::Selector& s) { return s.name == selector; });
}

// A rotation of `active` already under way: a successor staged or published.
bool has_successor(const State& state, const SelectorState& active) {
  for (const auto* s : state.of(active.domain))
    if (s->replaces == active.selector && (s->stage == Stage::staged || s->stage == Stage::published)) return true;
  return false;
}

Step step(Action a, const SelectorState& s, std::optional<Time> at, std::string why) {
  return Step{a, s.selector, at, std::move(why)};
}

}  // namespace

Policy Policy::of(const config::Domain& domain, std::optional<Time> expire) {
  Policy p;
  p.ttl = domain.ttl;
  p.rotate_every = domain.rotate_every;
  p.keep_retired = domain.keep_retired;
  p.expire = expire;
  return p;
}

Time Policy::retired_for() const {
  // A signature made just before the switch is good until x= = t= + expire; it must verify that
  // long, and resolvers may hold the key record one TTL more.
  return expire ? std::max(keep_retired, *expire + static_cast<Time>(ttl)) : keep_retired;
}

Time Policy::revoked_for() const { return std::max<Time>(86400, ttl); }

std::string_view to_string(Action action) noexcept {
  switch (action) {
    case Action::none: return "none";
    case Action::stage: return "stage";
    case Action::publish: return "publish";
    case Action::confirm: return "confirm";
    case Action::activate: return "activate";
    case Action::revoke: return "revoke";
    case Action::remove: return "remove";
  }
  return "?";
}

Step selector_step(const State& state, const SelectorState& s, const config::Domain& domain, const Policy& policy) {
  switch (s.stage) {
    case Stage::staged:
      return step(Action::publish, s, s.staged_at.value_or(0), "staged: publish its key record on the primary");
    case Stage::published:
      if (!s.served_at)
        return step(Action::confirm, s, *s.published_at,
                    "published: wait until every authoritative server serves it");
      if (s.replaces.empty() || !configured(domain, s.replaces))
        return step(Action::none, s, std::nullopt,
                    "published; it replaces no configured selector" +
                        (s.replaces.empty() ? std::string() : " (" + s.replaces + " is not in the config)") +
                        ": add it to the config by hand to sign with it");
      return step(Action::activate, s, *s.served_at + policy.ttl,
                  "served by every authoritative server since " + format_time(*s.served_at) + "; active one TTL (" +
                      std::to_string(policy.ttl) + " s) later, replacing " + s.replaces);
    case Stage::active:
      if (!policy.rotate_every) return step(Action::none, s, std::nullopt, "active; rotate_every is not set");
      if (has_successor(state, s)) return step(Action::none, s, std::nullopt, "active; its successor is on its way");
      return step(Action::stage, s, s.active_at.value_or(0) + *policy.rotate_every,
                  "active; a new key is staged when it is " + std::to_string(*policy.rotate_every / 86400) +
                      " days old (rotate_every)");
    case Stage::retired:
      return step(Action::revoke, s, *s.retired_at + policy.retired_for(),
                  "retired; revoked " + std::to_string(policy.retired_for() / 86400) + " days after " +
                      format_time(*s.retired_at) + " (keep_retired" + (policy.expire ? ", expire" : "") + ")");
    case Stage::revoked:
      return step(Action::remove, s, *s.revoked_at + policy.revoked_for(),
                  "revoked (p= empty); removed " + std::to_string(policy.revoked_for()) + " s after " +
                      format_time(*s.revoked_at));
    case Stage::removed:
      return step(Action::none, s, std::nullopt, "removed");
  }
  return {};
}

Step next_step(const State& state, const config::Domain& domain, const Policy& policy, Time now) {
  std::optional<Step> due, pending;
  for (const auto* s : state.of(domain.name)) {
    Step st = selector_step(state, *s, domain, policy);
    if (st.action == Action::none || !st.at) continue;
    if (*st.at <= now) {
      // The step that became due first goes first; on a tie, the earlier stage.
      if (!due || *st.at < *due->at || (*st.at == *due->at && st.action < due->action)) due = st;
    } else if (!pending || *st.at < *pending->at) {
      pending = st;
    }
  }
  if (due) return *due;
  if (pending) return Step{Action::none, pending->selector, pending->at, pending->why};
  return Step{Action::none, "", std::nullopt, "nothing pending"};
}

Result<std::vector<std::string>> reconcile(State& state, const config::Domain& domain, Time now,
                                           const std::function<std::optional<Time>(const std::filesystem::path&)>& key_time) {
  std::vector<std::string> changed;
  for (const auto& sel : domain.selectors) {
    SelectorState* s = state.find(domain.name, sel.name);
    if (!s) {
      SelectorState n;
      n.domain = domain.name;
      n.selector = sel.name;
      n.stage = Stage::active;
      n.algorithm = sel.algorithm;
      n.bits = sel.bits;
      n.key_path = sel.key_path;
      n.active_at = key_time(sel.key_path).value_or(now);
      changed.push_back(sel.name + ": configured, so active (since " + format_time(*n.active_at) + ", its key file's time)");
      state.selectors.push_back(std::move(n));
      continue;
    }
    switch (s->stage) {
      case Stage::active: break;
      case Stage::staged:
      case Stage::published:
        s->stage = Stage::active;
        s->active_at = now;
        changed.push_back(sel.name + ": configured by hand before its rotation activated it; active from now");
        break;
      case Stage::retired:
      case Stage::revoked:
      case Stage::removed:
        return make_error(Errc::invalid_argument,
                          domain.name + ": the config signs with selector " + sel.name + ", which the lifecycle state has " +
                              std::string(to_string(s->stage)) +
                              ": mail signed with it may not verify. Replace it in the config, or remove its entry "
                              "from the state file if it was put back on purpose");
    }
  }
  for (auto* s : state.of(domain.name)) {
    if (s->stage != Stage::active || configured(domain, s->selector)) continue;
    s->stage = Stage::retired;
    s->retired_at = now;
    changed.push_back(s->selector + ": no longer in the config, so retired from now (still published)");
  }
  return changed;
}

Publication publication(Stage stage) noexcept {
  switch (stage) {
    case Stage::staged: return Publication::untouched;
    case Stage::published:
    case Stage::active:
    case Stage::retired: return Publication::key;
    case Stage::revoked: return Publication::revoked;
    case Stage::removed: return Publication::absent;
  }
  return Publication::untouched;
}

}  // namespace dnsauth::lifecycle

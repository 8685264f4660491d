#include "core/lifecycle/state.h"

#include <ctime>
#include <sstream>
#include <toml++/toml.h>

#include "core/common/file.h"
#include "core/config/document.h"
#include "core/common/ascii.h"

namespace dnsauth::lifecycle {

namespace {

constexpr Stage kStages[] = {Stage::staged, Stage::published, Stage::active,
                             Stage::retired, Stage::revoked, Stage::removed};

// The time fields in the order of the stages, for reading, writing and the "stage implies its
// time" check alike.
struct TimeField {
  std::string_view key;
  std::optional<Time> SelectorState::*member;
  // An entry at a stage from needed_from to needed_until must have it (served_at: none).
  Stage needed_from, needed_until;
  bool required;
};
// published_at is needed at stage published only: a selector found in the config is adopted as
// active (lifecycle::reconcile), and when it was published is not known.
constexpr TimeField kTimes[] = {
    {"staged_at", &SelectorState::staged_at, Stage::staged, Stage::removed, false},
    {"published_at", &SelectorState::published_at, Stage::published, Stage::published, true},
    {"served_at", &SelectorState::served_at, Stage::published, Stage::removed, false},
    {"active_at", &SelectorState::active_at, Stage::active, Stage::removed, true},
    {"retired_at", &SelectorState::retired_at, Stage::retired, Stage::removed, true},
    {"revoked_at", &SelectorState::revoked_at, Stage::revoked, Stage::removed, true},
    {"removed_at", &SelectorState::removed_at, Stage::removed, Stage::removed, true},
};

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr Time kFirstTime = -62167219200;
constexpr Time kLastTime = 253402300799;

Time to_unix(const toml::date_time& dt) {
  std::tm tm{};
  tm.tm_year = dt.date.year - 1900;
  tm.tm_mon = dt.date.month - 1;
  tm.tm_mday = dt.date.day;
  tm.tm_hour = dt.time.hour;
  tm.tm_min = dt.time.minute;
  tm.tm_sec = dt.time.second;
  Time t = static_cast<Time>(::timegm(&tm));
  if (dt.offset) t -= static_cast<Time>(dt.offset->minutes) * 60;
  return t;
}

toml::date_time to_toml(Time t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  return toml::date_time{toml::date{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday},
                         toml::time{tm.tm_hour, tm.tm_min, tm.tm_sec}, toml::time_offset{}};
}

SelectorState read_entry(const config::Reader& r, const toml::table& t, const std::filesystem::path& base_dir) {
  r.only_keys(t, "[[selector]]", {"domain", "selector", "stage", "algorithm", "bits", "key", "replaces",
                                   "staged_at", "published_at", "served_at", "active_at", "retired_at",
                                   "revoked_at", "removed_at"});
  SelectorState s;
  s.domain = ascii::to_lower(r.string(t, "domain", "[[selector]]"));
  s.selector = ascii::to_lower(r.string(t, "selector", "[[selector]]"));
  const std::string stage = r.string(t, "stage", "[[selector]]");
  auto st = parse_stage(stage);
  if (!st) r.fail(t.get("stage"), "unknown stage '" + stage + "' (staged, published, active, retired, revoked, removed)");
  s.stage = *st;
  const std::string alg = r.opt_string(t, "algorithm").value_or("rsa-sha256");
  if (alg == "rsa-sha256") s.algorithm = dkim::Algorithm::rsa_sha256;
  else if (alg == "ed25519-sha256") s.algorithm = dkim::Algorithm::ed25519_sha256;
  else r.fail(t.get("algorithm"), "algorithm must be \"rsa-sha256\" or \"ed25519-sha256\"");
  if (auto bits = r.opt_int(t, "bits")) {
    if (*bits < 1024 || *bits > 4096) r.fail(t.get("bits"), "'bits' must be 1024 to 4096");
    s.bits = static_cast<unsigned>(*bits);
  }
  std::filesystem::path k = r.string(t, "key", "[[selector]]");
  s.key_path = k.is_absolute() ? k : (base_dir / k).lexically_normal();
  s.replaces = ascii::to_lower(r.opt_string(t, "replaces").value_or(""));
  for (const auto& f : kTimes) {
    const toml::node* n = t.get(f.key);
    if (!n) {
      if (f.required && s.stage >= f.needed_from && s.stage <= f.needed_until)
        r.fail(&t, "a selector at stage " + stage + " needs '" + std::string(f.key) + "'");
      continue;
    }
    const auto* dt = n->as_date_time();
    if (!dt) r.fail(n, "'" + std::string(f.key) + "' must be a date-time such as 2026-12-05T04:00:00Z");
    const Time t = to_unix(dt->get());
    // An offset can carry a date of year 0000 or 9999 past the years a date-time can spell in UTC
    // (RFC 3339 5.6: four digits), and format_state writes UTC.
    if (t < kFirstTime || t > kLastTime)
      r.fail(n, "'" + std::string(f.key) + "' is outside the years 0000 to 9999 in UTC");
    s.*(f.member) = t;
  }
  return s;
}

}  // namespace

std::string_view to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::staged: return "staged";
    case Stage::published: return "published";
    case Stage::active: return "active";
    case Stage::retired: return "retired";
    case Stage::revoked: return "revoked";
    case Stage::removed: return "removed";
  }
  return "?";
}

std::optional<Stage> parse_stage(std::string_view text) noexcept {
  for (Stage s : kStages)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::optional<Time> SelectorState::entered_at() const {
  switch (stage) {
    case Stage::staged: return staged_at;
    case Stage::published: return published_at;
    case Stage::active: return active_at;
    case Stage::retired: return retired_at;
    case Stage::revoked: return revoked_at;
    case Stage::removed: return removed_at;
  }
  return std::nullopt;
}

SelectorState* State::find(std::string_view domain, std::string_view selector) {
  for (auto& s : selectors)
    if (s.domain == domain && s.selector == selector) return &s;
  return nullptr;
}

const SelectorState* State::find(std::string_view domain, std::string_view selector) const {
  return const_cast<State*>(this)->find(domain, selector);
}

std::vector<SelectorState*> State::of(std::string_view domain) {
  std::vector<SelectorState*> out;
  for (auto& s : selectors)
    if (s.domain == domain) out.push_back(&s);
  return out;
}

std::vector<const SelectorState*> State::of(std::string_view domain) const {
  std::vector<const SelectorState*> out;
  for (const auto& s : selectors)
    if (s.domain == domain) out.push_back(&s);
  return out;
}

Result<State> parse_state(std::string_view text, std::string_view source, const std::filesystem::path& base_dir) {
  config::Reader r{std::string(source)};
  try {
    toml::table root = config::parse_toml(text, source);
    r.only_keys(root, "the top level", {"selector"});
    State state;
    if (const toml::node* n = root.get("selector")) {
      const toml::array* arr = n->as_array();
      if (!arr) r.fail(n, "'selector' must be an array of tables ([[selector]])");
      for (const auto& e : *arr) {
        const toml::table* t = e.as_table();
        if (!t) r.fail(&e, "each [[selector]] must be a table");
        SelectorState s = read_entry(r, *t, base_dir);
        if (state.find(s.domain, s.selector))
          r.fail(t, "selector " + s.selector + " of " + s.domain + " is listed twice");
        state.selectors.push_back(std::move(s));
      }
    }
    return state;
  } catch (const toml::parse_error& e) {
    return tl::unexpected(config::toml_syntax_error(e, source));
  } catch (const config::ConfigError& e) {
    return make_error(Errc::syntax, e.message);
  }
}

Result<State> load_state(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return State{};
  auto text = read_whole_file(file);
  if (!text) return make_error(Errc::io, "cannot read the lifecycle state " + file.string() + ": " + text.error().detail);
  return parse_state(*text, file.string(), file.parent_path());
}

std::string format_state(const State& state) {
  std::ostringstream os;
  os << "# dnsauth-publish key lifecycle state (README \"Rotating keys\"). Written by dnsauth-publish\n"
        "# rotate after every step; read it, but change it only while no rotate runs.\n";
  for (const auto& s : state.selectors) {
    toml::table t;
    t.insert("domain", s.domain);
    t.insert("selector", s.selector);
    t.insert("stage", std::string(to_string(s.stage)));
    t.insert("algorithm", std::string(dkim::to_string(s.algorithm)));
    if (s.algorithm == dkim::Algorithm::rsa_sha256) t.insert("bits", static_cast<std::int64_t>(s.bits));
    t.insert("key", s.key_path.string());
    if (!s.replaces.empty()) t.insert("replaces", s.replaces);
    for (const auto& f : kTimes)
      if (const auto& v = s.*(f.member)) t.insert(f.key, to_toml(*v));
    // toml++ writes a table's keys in its own (sorted) order; the order above is for the reader
    // of this code only.
    os << "\n[[selector]]\n" << toml::toml_formatter{t} << "\n";
  }
  return os.str();
}

std::string format_time(Time t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::filesystem::path default_state_path(const std::filesystem::path& config_file) {
  return config_file.parent_path() / (config_file.stem().string() + ".lifecycle.toml");
}

}  // namespace dnsauth::lifecycle

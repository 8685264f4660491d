// The key lifecycle's state file (lifecycle::parse_state, core/lifecycle/state.h). Properties:
// any text is a state or one Errc::syntax error naming "state.toml"; every entry has the time
// its stage needs (published_at at published; active_at, retired_at, revoked_at, removed_at
// from their stage on, as state.cpp's kTimes says); format_state writes a file that parses back
// to the same entries (domain, selector, stage, algorithm, RSA bits, key path, replaces, times).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/lifecycle/state.h"
#include "fuzz_support.h"

using namespace dnsauth;
using lifecycle::SelectorState;
using lifecycle::Stage;

namespace {

// The times a stage needs (state.cpp kTimes, required ones): field, from stage, to stage.
struct Needed {
  std::optional<lifecycle::Time> SelectorState::*member;
  Stage from, until;
};
constexpr Needed kNeeded[] = {
    {&SelectorState::published_at, Stage::published, Stage::published},
    {&SelectorState::active_at, Stage::active, Stage::removed},
    {&SelectorState::retired_at, Stage::retired, Stage::removed},
    {&SelectorState::revoked_at, Stage::revoked, Stage::removed},
    {&SelectorState::removed_at, Stage::removed, Stage::removed},
};

bool same_times(const SelectorState& a, const SelectorState& b) {
  return a.staged_at == b.staged_at && a.published_at == b.published_at && a.served_at == b.served_at &&
         a.active_at == b.active_at && a.retired_at == b.retired_at && a.revoked_at == b.revoked_at &&
         a.removed_at == b.removed_at;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  const std::filesystem::path base = "/nonexistent/dnsauth-fuzz";
  auto state = lifecycle::parse_state(text, "state.toml", base);
  if (!state) {
    FUZZ_CHECK(state.error().code == Errc::syntax);
    FUZZ_CHECK_MSG(state.error().detail.rfind("state.toml", 0) == 0, state.error().detail);
    fuzz::check_offset(state.error(), size);
    return 0;
  }
  for (const SelectorState& s : state->selectors)
    for (const Needed& n : kNeeded)
      if (s.stage >= n.from && s.stage <= n.until)
        FUZZ_CHECK_MSG((s.*(n.member)).has_value(), s.domain + " " + s.selector);
  const std::string written = lifecycle::format_state(*state);
  auto back = lifecycle::parse_state(written, "written.toml", "/elsewhere");
  FUZZ_CHECK_MSG(back.has_value(), back ? written : back.error().detail + "\n" + written);
  FUZZ_CHECK(back->selectors.size() == state->selectors.size());
  for (std::size_t i = 0; i < state->selectors.size(); ++i) {
    const SelectorState& a = state->selectors[i];
    const SelectorState& b = back->selectors[i];
    FUZZ_CHECK_MSG(a.domain == b.domain && a.selector == b.selector && a.stage == b.stage, written);
    FUZZ_CHECK_MSG(a.algorithm == b.algorithm && a.replaces == b.replaces, written);
    if (a.algorithm == dkim::Algorithm::rsa_sha256) FUZZ_CHECK_MSG(a.bits == b.bits, written);
    // Key paths are written absolute, so the other folder the copy is read against is unused.
    if (a.key_path.is_absolute()) FUZZ_CHECK_MSG(a.key_path == b.key_path, written);
    FUZZ_CHECK_MSG(same_times(a, b), written);
  }
  return 0;
}

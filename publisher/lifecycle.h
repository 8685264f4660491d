// The key lifecycle's steps as the publisher takes them (README "Rotating keys"): staging a
// successor key, switching the signer to it by editing dnsauth.toml, and the state file that
// remembers where each selector stands. The rules of when are core/lifecycle/rotation.h's.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "core/config/config.h"
#include "core/lifecycle/state.h"
#include "core/signing/settings.h"

namespace dnsauth::publisher {

// The selector after `old`: its last run of digits counted up, keeping its width ("s2026r" ->
// "s2027r", "sel09" -> "sel10"), or "2" appended when it has none; never a name in `taken`.
std::string next_selector(const std::string& old, const std::vector<std::string>& taken);

// The successor of `prev` named `name` (empty: next_selector), with the key file named as
// prev's with the name replaced, beside it. Its key is created (0600, never overwritten; "key
// ... created" or "exists, kept" on out), and the state gets it as staged, replacing prev, unless
// it is there already. UsageError for a name taken by the config or the state, or not a label.
config::Selector stage_successor(const config::Domain& domain, const config::Selector& prev, std::string name,
                                 lifecycle::State& state, lifecycle::Time now, std::ostream& out, std::ostream& err);

// When the key file was last written: a configured key the state does not know yet has been
// active since then (lifecycle::reconcile).
std::optional<lifecycle::Time> key_file_time(const std::filesystem::path& path);

// The state file: --state, or beside the config.
std::filesystem::path state_file(const std::string& option, const std::filesystem::path& config_file);
lifecycle::State read_state(const std::filesystem::path& file);
// Written atomically (a temporary file beside it, then rename), mode 0644.
void write_state(const std::filesystem::path& file, const lifecycle::State& state);

// What every lifecycle command starts from: the config (checked as the signer checks it), the
// state file (--state, or beside the config) and the clock (--now, or the real time).
struct LifecycleInput {
  std::string config_file;
  signing::Config all;
  std::filesystem::path state_path;
  lifecycle::State state;
  lifecycle::Time now = 0;
};
LifecycleInput read_lifecycle(const boost::program_options::variables_map& vm);

// The state as the config says it is now (lifecycle::reconcile), with what changed on out.
void reconcile_domain(lifecycle::State& state, const config::Domain& domain, lifecycle::Time now, std::ostream& out);

// rotate --auto: its options (added to rotate's) and the run.
void add_auto_options(boost::program_options::options_description& d);
int run_rotate_auto(const boost::program_options::variables_map& vm, std::ostream& out, std::ostream& err);

}  // namespace dnsauth::publisher

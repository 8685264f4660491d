// dnsauth-publish's subcommands. Each parses its own options (Boost.Program_options), writes
// its results to out and its complaints to err, and returns the process exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "cli/subcommands.h"

namespace dnsauth::publisher {

// docs/architecture.md, "Command-line contract": lint exits 0 clean, 1 warnings only, 2 errors or usage
// error; generate, rotate and rules exit 0 on success and 2 on any error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitWarnings = 1;
inline constexpr int kExitError = 2;
// plan: the zone differs from the config; wait: a server still lags at the deadline.
inline constexpr int kExitDifferences = 1;
// plan, apply, wait, rotate: a DNS server refused, failed or did not answer.
inline constexpr int kExitDns = 3;
// apply, rotate: the zone changed between reading and updating it (RFC 2136 prerequisite); nothing changed.
inline constexpr int kExitConflict = 4;

using cli::Command;
using cli::parse_command_line;
using cli::InputError;
using cli::UsageError;

// The tool and its commands, for cli::run (help.cpp).
const cli::Tool& tool();
const std::vector<Command>& commands();

boost::program_options::options_description generate_options();
boost::program_options::options_description rotate_options();
boost::program_options::options_description lint_options();
boost::program_options::options_description rules_options();
boost::program_options::options_description plan_options();
boost::program_options::options_description apply_options();
boost::program_options::options_description wait_options();
boost::program_options::options_description status_options();

int run_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rotate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rules(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_plan(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_apply(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_wait(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_status(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dnsauth::publisher

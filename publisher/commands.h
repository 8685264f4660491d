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

int run_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rotate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rules(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dnsauth::publisher

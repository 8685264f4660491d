// dnsauth-validate's subcommands (docs/architecture.md, "Command-line contract"). Each parses its own
// options (Boost.Program_options), writes results to out and complaints to err, and returns
// the exit status. A new subcommand is one file with its options() and run(), and one entry
// in commands() (commands.cpp).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "cli/subcommands.h"

namespace dnsauth::validator {

// 0: the check passed; 1: it ran and something did not pass; 2: usage or input error.
inline constexpr int kExitPass = 0;
inline constexpr int kExitNotPass = 1;
inline constexpr int kExitError = 2;

using cli::Command;
using cli::InputError;
using cli::UsageError;

// The tool and its commands, for cli::run (commands.cpp).
const cli::Tool& tool();
const std::vector<Command>& commands();

boost::program_options::options_description spf_options();
int run_spf(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

boost::program_options::options_description selftest_options();
int run_selftest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

boost::program_options::options_description message_options();
int run_message(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

boost::program_options::options_description reports_ingest_options();
int run_reports_ingest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// reports summary | advise | html (reports_answers.cpp).
boost::program_options::options_description reports_summary_options();
int run_reports_summary(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
boost::program_options::options_description reports_advise_options();
int run_reports_advise(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
boost::program_options::options_description reports_html_options();
int run_reports_html(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dnsauth::validator

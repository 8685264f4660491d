// dnsauth-publish's subcommands. Each parses its own options (Boost.Program_options), writes
// its results to out and its complaints to err, and returns the process exit status.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace dnsauth::publisher {

// DESIGN.md "Command-line contract": lint exits 0 clean, 1 warnings only, 2 errors or usage
// error; generate, rotate and rules exit 0 on success and 2 on any error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitWarnings = 1;
inline constexpr int kExitError = 2;

// A command line that cannot be run as written: printed with a pointer to --help, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  const char* name;
  const char* synopsis;   // "generate --config FILE --out DIR [--format zone|json|nsupdate]"
  const char* purpose;    // one paragraph
  boost::program_options::options_description (*options)();
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

const std::vector<Command>& commands();

// The command's options from args; a word that is no option's value is a UsageError naming it.
boost::program_options::variables_map parse_command_line(
    const std::vector<std::string>& args, const boost::program_options::options_description& options);

boost::program_options::options_description generate_options();
boost::program_options::options_description rotate_options();
boost::program_options::options_description lint_options();
boost::program_options::options_description rules_options();

int run_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rotate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_rules(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The help of one command (synopsis, purpose, options, exit status) or of them all.
std::string command_help(const Command& command);
std::string full_help();

}  // namespace dnsauth::publisher

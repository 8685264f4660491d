// The subcommand scaffolding that dnsauth-publish and dnsauth-validate share (docs/architecture.md,
// "Command-line contract"): the table of commands, the help text, strict option parsing, and
// main()'s dispatch with its error handling (one line on stderr, the tool's error status).
// Each tool keeps only its commands, its texts and its exit statuses.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace dnsauth::cli {

// A command line that cannot be run as written: printed with a pointer to --help.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Input named on a valid command line that cannot be used (a config or zone file that does not
// parse, with its FILE:LINE; an unreadable message): printed as one line.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  const char* name;
  const char* synopsis;  // "spf --ip IP --mail-from ADDR [--helo NAME] ..."
  const char* purpose;   // one paragraph, with the exit status
  boost::program_options::options_description (*options)();
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

struct Tool {
  const char* name;         // "dnsauth-publish"
  const char* version;      // "0.1.0"
  const char* summary;      // what the tool is for, the first lines of --help
  const char* exit_status;  // the closing lines of --help
  const std::vector<Command>& (*commands)();
  int exit_ok;              // --help, --version
  int exit_error;           // usage errors, errors that escaped a command
};

// `text` in lines of at most `width` columns, broken at spaces.
std::string wrap(std::string_view text, std::size_t width = 78);

// One command's help (synopsis, purpose, options), and the whole tool's.
std::string command_help(const Tool& tool, const Command& command);
std::string full_help(const Tool& tool);

// The command's options from `args`; a word that is no option's value is a UsageError naming
// it (boost's own parser would drop it silently without a positional description). With
// `positional`, the first such word is the value of that option (a message file, say) and only
// a second one is an error; with `positional_count` -1 every such word is one of its values (a
// vector option: "PATH..."). Boost's own errors (an unknown option, a missing or bad value)
// become UsageErrors too.
boost::program_options::variables_map parse_command_line(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const char* positional = nullptr, int positional_count = 1);

// main(): `TOOL --help | --version | COMMAND [OPTIONS]`, `TOOL COMMAND --help`. The command's
// exit status, or tool.exit_error after printing what went wrong.
int run(const Tool& tool, int argc, char** argv);

}  // namespace dnsauth::cli

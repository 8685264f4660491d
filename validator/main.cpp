// dnsauth-validate: dispatches to one subcommand (commands.cpp lists them). Exceptions end
// here, as one line on stderr and exit 2 (DESIGN.md "Errors").
#include <boost/program_options/errors.hpp>
#include <exception>
#include <iostream>

#include "validator/commands.h"

namespace val = dnsauth::validator;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << val::full_help();
    return val::kExitError;
  }
  if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    std::cout << val::full_help();
    return val::kExitPass;
  }
  if (args.front() == "--version") {
    std::cout << "dnsauth-validate 0.1.0\n";
    return val::kExitPass;
  }
  const val::Command* cmd = nullptr;
  for (const auto& c : val::commands())
    if (args.front() == c.name) cmd = &c;
  if (!cmd) {
    std::string names;
    for (const auto& c : val::commands()) names += (names.empty() ? "" : ", ") + std::string(c.name);
    std::cerr << "dnsauth-validate: unknown command '" << args.front() << "' (commands: " << names
              << "; see dnsauth-validate --help)\n";
    return val::kExitError;
  }
  args.erase(args.begin());
  try {
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::cout << val::command_help(*cmd);
        return val::kExitPass;
      }
    return cmd->run(args, std::cout, std::cerr);
  } catch (const val::UsageError& e) {
    std::cerr << "dnsauth-validate " << cmd->name << ": " << e.what() << " (see dnsauth-validate "
              << cmd->name << " --help)\n";
  } catch (const boost::program_options::error& e) {
    std::cerr << "dnsauth-validate " << cmd->name << ": " << e.what() << " (see dnsauth-validate "
              << cmd->name << " --help)\n";
  } catch (const std::exception& e) {
    std::cerr << "dnsauth-validate " << cmd->name << ": error: " << e.what() << "\n";
  }
  return val::kExitError;
}

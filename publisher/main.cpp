// dnsauth-publish: creates the DKIM keys a dnsauth.toml names and the TXT records that
// publish them with SPF and DMARC (generate, rotate), and lints what a zone or the live DNS
// publishes (lint). Exceptions end here, as one line on stderr (DESIGN.md "Errors").
#include <boost/program_options/errors.hpp>
#include <exception>
#include <iostream>
#include <sstream>

#include "publisher/commands.h"

namespace pub = dnsauth::publisher;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << pub::full_help();
    return pub::kExitError;
  }
  if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    std::cout << pub::full_help();
    return pub::kExitOk;
  }
  if (args.front() == "--version") {
    std::cout << "dnsauth-publish 0.1.0\n";
    return pub::kExitOk;
  }
  const pub::Command* cmd = nullptr;
  for (const auto& c : pub::commands())
    if (args.front() == c.name) cmd = &c;
  if (!cmd) {
    std::cerr << "dnsauth-publish: unknown command '" << args.front()
              << "' (commands: generate, rotate, lint, rules; see dnsauth-publish --help)\n";
    return pub::kExitError;
  }
  args.erase(args.begin());
  try {
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::cout << pub::command_help(*cmd);
        return pub::kExitOk;
      }
    return cmd->run(args, std::cout, std::cerr);
  } catch (const pub::UsageError& e) {
    std::cerr << "dnsauth-publish " << cmd->name << ": " << e.what() << " (see dnsauth-publish "
              << cmd->name << " --help)\n";
  } catch (const boost::program_options::error& e) {
    std::cerr << "dnsauth-publish " << cmd->name << ": " << e.what() << " (see dnsauth-publish "
              << cmd->name << " --help)\n";
  } catch (const std::exception& e) {
    std::cerr << "dnsauth-publish " << cmd->name << ": error: " << e.what() << "\n";
  }
  return pub::kExitError;
}

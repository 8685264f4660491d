#include "cli/subcommands.h"

#include <exception>
#include <iostream>
#include <sstream>

#include <boost/program_options/errors.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>

namespace dnsauth::cli {

namespace po = boost::program_options;

std::string wrap(std::string_view text, std::size_t width) {
  std::string out, line;
  while (!text.empty()) {
    std::size_t sp = text.find(' ');
    std::string_view word = text.substr(0, sp);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
    text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
  }
  return out + line;
}

std::string command_help(const Tool& tool, const Command& c) {
  std::ostringstream os;
  os << "Usage: " << tool.name << " " << c.synopsis << "\n\n" << wrap(c.purpose) << "\n\n" << c.options();
  return os.str();
}

std::string full_help(const Tool& tool) {
  std::ostringstream os;
  os << tool.summary << "\n\nUsage: " << tool.name << " COMMAND [OPTIONS]     (" << tool.name
     << " COMMAND --help for one command)\n\n";
  for (const auto& c : tool.commands()) os << "== " << c.name << "\n" << command_help(tool, c) << "\n";
  os << tool.exit_status << "\n";
  return os.str();
}

po::variables_map parse_command_line(const std::vector<std::string>& args, const po::options_description& options,
                                     const char* positional, int positional_count) {
  // Stray words are collected under a hidden name, so that the error can name them.
  po::options_description all;
  all.add(options).add_options()("unexpected-argument", po::value<std::vector<std::string>>());
  po::positional_options_description rest;
  if (positional) rest.add(positional, positional_count);
  if (!positional || positional_count >= 0) rest.add("unexpected-argument", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(rest).run(), vm);
    if (vm.count("unexpected-argument"))
      throw UsageError("unexpected argument '" + vm["unexpected-argument"].as<std::vector<std::string>>().front() + "'");
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return vm;
}

int run(const Tool& tool, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << full_help(tool);
    return tool.exit_error;
  }
  if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    std::cout << full_help(tool);
    return tool.exit_ok;
  }
  if (args.front() == "--version") {
    std::cout << tool.name << " " << tool.version << "\n";
    return tool.exit_ok;
  }
  // A command is one word ("lint") or a group and its action ("reports ingest").
  const Command* cmd = nullptr;
  std::size_t words = 1;
  for (const auto& c : tool.commands()) {
    if (args.front() == c.name) cmd = &c;
    if (args.size() >= 2 && args[0] + " " + args[1] == c.name) cmd = &c, words = 2;
  }
  if (!cmd) {
    std::string names;
    for (const auto& c : tool.commands()) names += (names.empty() ? "" : ", ") + std::string(c.name);
    std::cerr << tool.name << ": unknown command '" << args.front() << "' (commands: " << names << "; see "
              << tool.name << " --help)\n";
    return tool.exit_error;
  }
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(words));
  const std::string who = std::string(tool.name) + " " + cmd->name;
  try {
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::cout << command_help(tool, *cmd);
        return tool.exit_ok;
      }
    return cmd->run(args, std::cout, std::cerr);
  } catch (const UsageError& e) {
    std::cerr << who << ": " << e.what() << " (see " << who << " --help)\n";
  } catch (const po::error& e) {
    std::cerr << who << ": " << e.what() << " (see " << who << " --help)\n";
  } catch (const std::exception& e) {
    std::cerr << who << ": error: " << e.what() << "\n";
  }
  return tool.exit_error;
}

}  // namespace dnsauth::cli

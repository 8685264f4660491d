#include "signer/options.h"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <sstream>

#include "cli/subcommands.h"

namespace dnsauth::signer {

namespace po = boost::program_options;

namespace {

const char* kUsage =
    "usage: dnsauth-signer --config FILE [--log stderr|syslog]         run the milter (foreground)\n"
    "       dnsauth-signer --config FILE --check-config                validate config and keys\n"
    "       dnsauth-signer --config FILE sign --auth-user USER [MSG|-]  sign one message offline\n";

po::options_description general_options() {
  po::options_description d("Options");
  d.add_options()
      ("config,c", po::value<std::string>()->value_name("FILE"), "the dnsauth.toml to run with (required)")
      ("check-config", "check the configuration and every key it names, print the findings, exit 0 or 2")
      ("log", po::value<std::string>()->value_name("WHERE"),
       "stderr or syslog (facility mail): where the milter logs; default: [signer] log")
      ("foreground", "accepted for compatibility: the milter always runs in the foreground (systemd Type=simple)")
      ("help,h", "show this help")
      ("version", "print the version");
  return d;
}

po::options_description sign_options() {
  po::options_description d("Options of sign");
  d.add_options()
      ("auth-user", po::value<std::string>()->value_name("USER"),
       "the SMTP login ({auth_authen}) the message is signed for (required)")
      ("timestamp", po::value<std::int64_t>()->value_name("SECONDS"),
       "t= of the signatures, in seconds since the Epoch (default: now)");
  return d;
}

}  // namespace

std::string usage_text() { return kUsage; }

std::string help_text() {
  std::ostringstream os;
  os << kUsage << "\n" << general_options() << "\n" << sign_options()
     << "\nExit status: 0 ok (sign: signed), 2 error or usage error, 3 (sign) not signed, reason on stderr.\n";
  return os.str();
}

Options parse_options(int argc, char** argv) {
  po::options_description all;
  all.add(general_options()).add(sign_options());
  all.add_options()("command", po::value<std::string>())("message", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("command", 1).add("message", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw cli::UsageError(e.what());
  }

  Options o;
  if (vm.count("help")) {
    o.mode = Options::Mode::help;
    return o;
  }
  if (vm.count("version")) {
    o.mode = Options::Mode::version;
    return o;
  }
  const bool sign = vm.count("command") > 0;
  if (sign && vm["command"].as<std::string>() != "sign")
    throw cli::UsageError("unknown command '" + vm["command"].as<std::string>() + "' (the only command is sign)");
  if (!vm.count("config")) throw cli::UsageError("--config FILE is required");
  o.config = vm["config"].as<std::string>();
  if (vm.count("log")) {
    o.log = vm["log"].as<std::string>();
    if (*o.log != "stderr" && *o.log != "syslog") throw cli::UsageError("--log is stderr or syslog");
  }
  if (!sign) {
    for (const char* opt : {"auth-user", "timestamp"})
      if (vm.count(opt)) throw cli::UsageError(std::string("--") + opt + " goes with the sign command");
    o.mode = vm.count("check-config") ? Options::Mode::check_config : Options::Mode::run;
    return o;
  }
  if (vm.count("check-config")) throw cli::UsageError("--check-config and sign do not go together");
  if (!vm.count("auth-user")) throw cli::UsageError("sign needs --auth-user USER");
  o.mode = Options::Mode::sign;
  o.auth_user = vm["auth-user"].as<std::string>();
  if (vm.count("timestamp")) {
    o.timestamp = vm["timestamp"].as<std::int64_t>();
    if (*o.timestamp < 0) throw cli::UsageError("--timestamp needs seconds since the Epoch");
  }
  if (vm.count("message")) o.message = vm["message"].as<std::string>();
  return o;
}

}  // namespace dnsauth::signer

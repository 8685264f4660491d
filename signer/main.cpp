// dnsauth-signer: the DKIM signing milter. options.h has the command line; run.cpp runs the
// milter, offline.cpp checks a configuration or signs one message.
#include <iostream>

#include "cli/subcommands.h"
#include "signer/offline.h"
#include "signer/options.h"
#include "signer/run.h"

using namespace dnsauth::signer;

int main(int argc, char** argv) {
  try {
    Options o = parse_options(argc, argv);
    switch (o.mode) {
      case Options::Mode::help:
        std::cout << help_text();
        return kExitOk;
      case Options::Mode::version:
        std::cout << "dnsauth-signer " << DNSAUTH_VERSION << "\n";
        return kExitOk;
      case Options::Mode::check_config:
        return check_config(o);
      case Options::Mode::sign:
        return sign_message(o);
      case Options::Mode::run:
        return run_milter(o);
    }
    return kExitError;
  } catch (const dnsauth::cli::UsageError& e) {
    std::cerr << "dnsauth-signer: " << e.what() << "\n" << usage_text() << "(--help lists every option)\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "dnsauth-signer: " << e.what() << "\n";
    return kExitError;
  }
}

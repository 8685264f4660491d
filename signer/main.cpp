// dnsauth-signer: the DKIM signing milter. options.h has the command line; run.cpp runs the
// milter, offline.cpp checks a configuration or signs one message.
#include <openssl/crypto.h>

#include <iostream>

#include "cli/subcommands.h"
#include "signer/offline.h"
#include "signer/options.h"
#include "signer/run.h"

using namespace dnsauth::signer;

int main(int argc, char** argv) {
  // No OPENSSL_cleanup at exit: libmilter's workers are detached and never joined, and one
  // that is still ending (OpenSSL's per-thread cleanup runs as it exits) would use locks the
  // atexit handler is freeing. The process's memory goes with the process anyway. Asked before
  // anything else initialises OpenSSL, as only the first initialisation registers the handler.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
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

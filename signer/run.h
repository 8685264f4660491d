// Running the milter: load, log, metrics, bind, drop privileges, reload on SIGHUP, serve until
// SIGTERM.
#pragma once

#include "signer/options.h"

namespace dnsauth::signer {

// kExitOk after an orderly stop; kExitError when it could not start or libmilter failed.
int run_milter(const Options& o);

}  // namespace dnsauth::signer

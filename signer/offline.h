// The signer's two offline jobs: --check-config, and `sign`, which runs one message through the
// milter's own policy and signing path (signing::sign_offline) and prints the signed message.
#pragma once

#include "signer/options.h"

namespace dnsauth::signer {

// Prints the findings and a summary on stdout; kExitOk or kExitError.
int check_config(const Options& o);
// The signed message on stdout; kExitOk signed, kExitNotSigned (reason on stderr), kExitError.
int sign_message(const Options& o);

}  // namespace dnsauth::signer

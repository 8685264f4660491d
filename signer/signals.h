// SIGHUP for reload under libmilter. libmilter's own signal thread sigwait()s for SIGHUP,
// SIGTERM and SIGINT and stops the milter on SIGHUP as on SIGTERM. dnsauth-signer links
// libmilter statically with -Wl,--wrap=sigwait, so libmilter's call lands in __wrap_sigwait
// below: a SIGHUP is handed to the reload hook and the wait goes on; every other signal is
// returned to libmilter, which stops as before (SIGTERM: finish and exit), after the stop hook
// has run.
#pragma once

#include <signal.h>

namespace dnsauth::signer::signals {

// Called on the signal thread for every SIGHUP; must not block for long (hand the work off).
// Set once, before smfi_main().
void set_hup_hook(void (*hook)());
// Called on the signal thread for SIGTERM and SIGINT, just before libmilter gets the signal.
void set_stop_hook(void (*hook)());

}  // namespace dnsauth::signer::signals

extern "C" int __wrap_sigwait(const sigset_t* set, int* sig);

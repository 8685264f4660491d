// libmilter's listening socket, which libmilter does not hand out: found among the process's
// listening sockets once smfi_opensocket() has bound it, tuned, and woken on stop.
#pragma once

#include <string>

namespace dnsauth::signer::listener {

// Finds the milter's listening socket (every listening socket but `except`, the metrics one),
// sets TCP_NODELAY on it and remembers its address for wake_after_stop(). Replies at end of
// message are several small writes (insert header, then continue); with Nagle's algorithm the
// second waits for the MTA's delayed ACK, about 40 ms per message (accepted sockets inherit the
// option from the listener on Linux).
void prepare(int except);

// A quick stop. libmilter's listener looks at its stop flag only between poll()s of 5 s, so a
// SIGTERM took up to 5 s to act (a slow `systemctl stop`/`restart`). After the signal thread has
// passed SIGTERM on, a few connections to our own socket wake the listener, which then sees the
// flag; a wake-up connection is an ordinary session that ends at once. It stops trying as soon
// as the listener is closed (connect fails). Safe to call from the signal thread.
void wake_after_stop();

// After smfi_main() has returned: removes the milter's unix socket, when prepare() found one and
// the path still names that socket (not one a newer signer has bound since). libmilter removes it
// only when not running as root, so a signer run as root without [signer] user left it behind.
// Empty on success or when there is nothing to remove, else why it stayed.
std::string remove_unix_socket();

}  // namespace dnsauth::signer::listener

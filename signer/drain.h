// A stop that lets the messages in flight finish, within a bound. libmilter by itself stops on
// SIGTERM at once: its pool no longer serves a session waiting for its next packet, and
// smfi_main() returns while its detached workers may still be inside a callback. Instead the
// signal thread calls drain() before libmilter sees the signal (signals.h, the stop hook):
//  - from then on (stopping()), a new MTA connection is closed as it arrives (milter_io.h) and
//    a new message is answered 451 4.3.2 at its first answered stage, so the MTA keeps it and
//    retries; the messages already past MAIL go on to their answers;
//  - drain() returns once none is in progress, or after [signer] stop_grace;
//  - then libmilter stops, run.cpp shuts down the connections still open (a message still in
//    progress gets the MTA's milter_default_action, tempfail with the packaged Postfix lines)
//    and close() keeps the callbacks from running past the end of the process.
#pragma once

#include <chrono>
#include <cstddef>

namespace dnsauth::signer::drain {

// drain() has begun: refuse new connections and new messages.
bool stopping() noexcept;

// A message's life, from MAIL to its final answer, abort, or the end of its connection.
void message_started() noexcept;
void message_ended() noexcept;
std::size_t in_progress() noexcept;

// On the signal thread. Sets stopping(), then waits until no message is in progress or `grace`
// has passed. Returns how many are still in progress.
std::size_t drain(std::chrono::milliseconds grace);

// Every milter callback runs inside a Callback; one that starts after close() does nothing
// (`open()` is false) and answers at once.
class Callback {
 public:
  Callback() noexcept;
  ~Callback();
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  bool open() const noexcept { return open_; }

 private:
  bool open_;
};

// After smfi_main() has returned: no callback starts any more; waits up to `bound` for those
// running to return. False when one is still running after it.
bool close(std::chrono::milliseconds bound);

}  // namespace dnsauth::signer::drain

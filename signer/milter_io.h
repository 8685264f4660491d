// libmilter's socket I/O, taken over at link time. dnsauth-signer links libmilter statically
// with -Wl,--wrap=mi_rd_cmd,--wrap=accept,--wrap=close (as with sigwait, signals.h), so that
// libmilter's calls land in the __wrap_ functions below:
//  - mi_rd_cmd, libmilter's reader of the MTA's packets (called by its engine, engine.o):
//    every packet is read by packet::read and checked by packet::check (signer/packet.h)
//    before libmilter or a callback reads a string from it. A packet that fails is freed,
//    logged once with the connection's name and what was wrong, and answered with one of
//    libmilter's internal error codes (below ' '), on which its engine ends that connection
//    only (the message in progress gets xxfi_abort, then xxfi_close).
//  - accept (libmilter's listener, listener.o): a connection beyond [signer] max_connections,
//    or one that arrives while the signer stops (signer/drain.h), is closed at once. accept() failures libmilter would count towards stopping the whole
//    milter (16 in a row stop it) are retried instead; out of descriptors, the waiting
//    connection is refused with the help of a reserved descriptor, so the listener does not
//    spin on it.
//  - close: a connection leaves the registry (signer/connections.h).
// The metrics listener uses accept4(), which is not wrapped; the other close() calls of the
// program pass through untouched.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "signer/connections.h"
#include "signer/stats.h"

namespace dnsauth::signer::milter_io {

// Before smfi_main(). `connections` must live as long as the process: libmilter's worker
// threads are detached and may still close connections after smfi_main() has returned.
// `stats` may be null.
void install(Connections* connections, Stats* stats);

// libmilter closes an idle connection only after its timeout plus up to ten minutes (its
// worker pool checks waiting sessions every 600 s), so this thread does it on time: every
// connection without a packet for [signer] timeout is shut down, which libmilter sees as the
// MTA closing it (xxfi_abort for a message in progress, xxfi_close, the descriptor closed).
class IdleCloser {
 public:
  explicit IdleCloser(Connections& connections, Stats* stats) : connections_(connections), stats_(stats) {}
  ~IdleCloser() { stop(); }
  IdleCloser(const IdleCloser&) = delete;
  IdleCloser& operator=(const IdleCloser&) = delete;

  void start();
  void stop();

 private:
  void run();
  Connections& connections_;
  Stats* stats_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace dnsauth::signer::milter_io

extern "C" {
char* __wrap_mi_rd_cmd(int sd, struct timeval* timeout, char* cmd, size_t* rlen, char* name);
int __wrap_accept(int fd, struct sockaddr* addr, socklen_t* len);
int __wrap_close(int fd);
}

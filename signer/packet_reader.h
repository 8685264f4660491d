// Reading one milter packet from the MTA's socket, for libmilter (signer/milter_io.cpp stands in
// for libmilter's own reader, mi_rd_cmd). Unlike libmilter's reader it tells a zero length
// apart from a packet that carries only its command (libmilter took the next byte of the
// stream as the command), bounds the whole packet's arrival by the timeout (not each wait),
// and always ends the data with a NUL byte beyond its length.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>

#include "signer/packet.h"

namespace dnsauth::signer::packet {

enum class ReadStatus {
  ok,           // a whole packet (its shape is check()'s to judge)
  closed,       // the MTA closed the connection between packets
  idle,         // no byte of a packet within the timeout
  stalled,      // a packet began but did not arrive whole within the timeout
  truncated,    // the connection closed inside a packet
  zero_length,  // length 0: not even a command byte
  too_long,     // more data than kMaxData (nothing of it is read)
  error,        // the socket failed (detail says how)
};

struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

struct Packet {
  ReadStatus status = ReadStatus::error;
  char command = 0;
  // malloc'd, `size` bytes and a NUL after them (libmilter frees it with free()); null when
  // the packet carries no data.
  std::unique_ptr<char, FreeDeleter> data;
  std::size_t size = 0;
  std::string detail;  // for stalled, truncated, too_long, error: what was read or went wrong
};

// One packet from `fd` (a blocking or non-blocking stream socket). The first byte must come
// within `timeout_ms`, and the rest of the packet within `timeout_ms` of the first.
Packet read(int fd, int timeout_ms, std::size_t max_data = kMaxData);

}  // namespace dnsauth::signer::packet

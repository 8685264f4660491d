#include "signer/packet_reader.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace dnsauth::signer::packet {

namespace {

using Clock = std::chrono::steady_clock;

enum class Got { all, eof, timeout, error };

// Reads into `buf` until at least `need` of its `size` bytes are there (`got` counts them), by
// `deadline`. A read is tried before each wait: the MTA's packets usually arrive whole, so
// most reads need no poll(), and one read takes as much as there is room for.
Got read_some(int fd, char* buf, std::size_t need, std::size_t size, Clock::time_point deadline, std::size_t& got,
              std::string& why) {
  while (got < need) {
    ssize_t r = ::recv(fd, buf + got, size - got, MSG_DONTWAIT);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) return Got::eof;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      why = std::strerror(errno);
      return Got::error;
    }
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Got::timeout;
      pollfd p{fd, POLLIN, 0};
      int pr = ::poll(&p, 1, static_cast<int>(left));
      if (pr > 0) break;  // readable, closed or failed: the next recv() tells which
      if (pr == 0) return Got::timeout;
      if (errno != EINTR) {
        why = std::strerror(errno);
        return Got::error;
      }
    }
  }
  return Got::all;
}

Packet failed(ReadStatus status, std::string detail = {}) {
  Packet p;
  p.status = status;
  p.detail = std::move(detail);
  return p;
}

}  // namespace

Packet read(int fd, int timeout_ms, std::size_t max_data) {
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  // The length and the command byte, as much of them as has come. Reading the command byte
  // along with a length that turns out to be 0 or too large takes a byte of whatever follows,
  // but such a packet ends the connection anyway.
  char head[5];
  std::size_t got = 0;
  std::string why;
  Got g = read_some(fd, head, 1, sizeof head, Clock::now() + timeout, got, why);
  if (g == Got::eof) return failed(ReadStatus::closed);
  if (g == Got::timeout) return failed(ReadStatus::idle);
  if (g == Got::error) return failed(ReadStatus::error, why);
  const auto deadline = Clock::now() + timeout;  // the rest of the packet, from its first byte
  auto incomplete = [&](Got how, std::size_t of) {
    std::string what = std::to_string(got) + " of " + std::to_string(of) + " bytes";
    if (how == Got::eof) return failed(ReadStatus::truncated, what);
    if (how == Got::timeout) return failed(ReadStatus::stalled, what);
    return failed(ReadStatus::error, why);
  };
  if ((g = read_some(fd, head, 4, sizeof head, deadline, got, why)) != Got::all) return incomplete(g, 4);
  std::uint32_t length;
  std::memcpy(&length, head, 4);
  length = ntohl(length);
  if (length == 0) return failed(ReadStatus::zero_length);
  if (length - 1 > max_data) return failed(ReadStatus::too_long, std::to_string(length - 1) + " bytes of data");
  const std::size_t whole = 4 + std::size_t{length};
  if ((g = read_some(fd, head, 5, sizeof head, deadline, got, why)) != Got::all) return incomplete(g, whole);

  Packet p;
  p.command = head[4];
  p.size = length - 1;
  if (p.size > 0) {
    p.data.reset(static_cast<char*>(std::malloc(p.size + 1)));
    if (!p.data) return failed(ReadStatus::error, "out of memory for " + std::to_string(p.size) + " bytes");
    std::size_t data_got = 0;
    g = read_some(fd, p.data.get(), p.size, p.size, deadline, data_got, why);
    if (g != Got::all) {
      got += data_got;
      return incomplete(g, whole);
    }
    p.data.get()[p.size] = '\0';
  }
  p.status = ReadStatus::ok;
  return p;
}

}  // namespace dnsauth::signer::packet

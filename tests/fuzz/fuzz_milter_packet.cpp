// The milter packets as the MTA's socket delivers them: signer::packet::read (the reader that
// stands in for libmilter's mi_rd_cmd) over a byte stream, and signer::packet::check on every
// packet it returns, as signer/milter_io.cpp runs them. The input's first byte picks the data
// limit (small, so that "too long" is reachable with short inputs, or the protocol's); the rest
// is the stream, written to a socket pair whose writing end is then shut.
// Properties, against an independent reading of the stream (a 4-byte length in network order
// counting the command byte, the command, the data):
//   - read() returns exactly the packets the stream holds, in order, with their command and
//     data, the data followed by a NUL; after the last, "closed" at a packet boundary, else
//     "truncated", "zero_length" or "too_long" where the model says;
//   - check() accepts a packet only in the shape packet.h documents for its command: strings
//     that libmilter reads as C strings end in a NUL inside the data, commands without data
//     have none, an unknown command is never accepted; describe() always names the byte.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "signer/packet.h"
#include "signer/packet_reader.h"

using namespace dnsauth;
namespace packet = dnsauth::signer::packet;

namespace {

// What packet.h documents for an accepted packet, checked from the outside.
void check_shape(char command, std::string_view data) {
  const std::string why = packet::check(command, data);
  FUZZ_CHECK(!packet::describe(command).empty());
  if (data.size() > packet::kMaxData) FUZZ_CHECK(!why.empty());
  if (!why.empty()) return;
  const auto nuls = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\0'));
  const bool ends_in_nul = !data.empty() && data.back() == '\0';
  switch (command) {
    case 'O': FUZZ_CHECK(data.size() == 12); break;
    case 'D':
      FUZZ_CHECK(!data.empty());
      // name NUL value NUL pairs after the stage byte: an even number of NULs, the last at the end
      FUZZ_CHECK(data.size() == 1 || (ends_in_nul && (nuls - (data[0] == '\0' ? 1 : 0)) % 2 == 0));
      break;
    case 'C': FUZZ_CHECK(nuls >= 1 && data.find('\0') + 1 < data.size()); break;
    case 'H':
    case 'U': FUZZ_CHECK(ends_in_nul && nuls == 1); break;
    case 'M':
    case 'R': FUZZ_CHECK(ends_in_nul); break;
    case 'L': FUZZ_CHECK(ends_in_nul && nuls == 2 && data.front() != '\0'); break;
    case 'B': FUZZ_CHECK(!data.empty()); break;
    case 'E': break;
    case 'A':
    case 'N':
    case 'T':
    case 'Q':
    case 'K': FUZZ_CHECK(data.empty()); break;
    default: FUZZ_CHECK_MSG(false, "an unknown command was accepted: " + packet::describe(command));
  }
}

std::uint32_t be32(std::string_view s) {
  std::uint32_t v;
  std::memcpy(&v, s.data(), 4);
  return ntohl(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t max_data = (data[0] & 1) ? 64 : packet::kMaxData;
  // Kept below a socket pair's buffer, so that the whole stream is written before reading.
  std::string_view stream = fuzz::as_text(data + 1, std::min<std::size_t>(size - 1, 100000));

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 0;
  int buffer = 1 << 18;
  ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  std::size_t written = 0;
  while (written < stream.size()) {
    ssize_t w = ::send(fds[0], stream.data() + written, stream.size() - written, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w <= 0) break;
    written += static_cast<std::size_t>(w);
  }
  ::shutdown(fds[0], SHUT_WR);
  stream = stream.substr(0, written);

  for (std::size_t at = 0;;) {
    packet::Packet p = packet::read(fds[1], 1000, max_data);
    const std::size_t left = stream.size() - at;
    if (left == 0) {
      FUZZ_CHECK(p.status == packet::ReadStatus::closed);
      break;
    }
    if (left < 4) {
      FUZZ_CHECK_MSG(p.status == packet::ReadStatus::truncated, p.detail);
      break;
    }
    const std::uint32_t length = be32(stream.substr(at, 4));
    if (length == 0) {
      FUZZ_CHECK(p.status == packet::ReadStatus::zero_length);
      break;
    }
    if (length - 1 > max_data) {
      FUZZ_CHECK_MSG(p.status == packet::ReadStatus::too_long, p.detail);
      FUZZ_CHECK(p.detail == std::to_string(length - 1) + " bytes of data");
      break;
    }
    if (left - 4 < length) {
      FUZZ_CHECK_MSG(p.status == packet::ReadStatus::truncated, p.detail);
      break;
    }
    FUZZ_CHECK_MSG(p.status == packet::ReadStatus::ok, p.detail);
    FUZZ_CHECK(p.command == stream[at + 4]);
    FUZZ_CHECK(p.size == length - 1);
    std::string_view expected = stream.substr(at + 5, length - 1);
    if (p.size == 0) {
      FUZZ_CHECK(p.data == nullptr);
    } else {
      FUZZ_CHECK(p.data != nullptr && std::string_view(p.data.get(), p.size) == expected);
      FUZZ_CHECK(p.data.get()[p.size] == '\0');  // libmilter's string functions stop there at the latest
    }
    check_shape(p.command, expected);
    at += 4 + length;
  }
  ::close(fds[0]);
  ::close(fds[1]);
  // check() on the whole stream as one packet's data too: any bytes, any command byte.
  if (!stream.empty()) check_shape(stream[0], stream.substr(1));
  return 0;
}

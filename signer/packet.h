// The milter protocol's packets as the MTA sends them, checked before anything reads a string
// from them. A packet is a 4-byte length in network order (counting the command byte), the
// command byte and its data (libmilter/mfdef.h SMFIC_*). libmilter hands the data to its
// callbacks and to smfi_getsymval as C strings without checking that they end in a NUL, so a
// packet whose last string lacks its terminator made libc's string functions read past the
// buffer. signer/milter_io.cpp runs every packet through check() on its way into libmilter, and a
// packet that fails ends only that one connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dnsauth::signer::packet {

// The most data a packet may carry after its command byte: libmilter's own limit
// (MILTER_MAX_DATA_SIZE; Debian's libmilter is built without the larger sizes an MTA may
// negotiate), which is also the largest body chunk an MTA sends (MILTER_CHUNK_SIZE).
inline constexpr std::size_t kMaxData = 65535;

// What is wrong with the packet `command` + `data`, in words ("macro value without its NUL
// terminator"); empty when it is well-formed. The shapes, per command:
//   'O' option negotiation   exactly 12 bytes: version, actions, protocol steps
//   'D' macros               the command they belong to, then name NUL value NUL pairs
//   'C' connect              host NUL, family ('U'; or '4', '6', 'L' with a 2-byte port and
//                            an address NUL)
//   'H' HELO, 'U' unknown    one NUL-terminated string
//   'M' MAIL, 'R' RCPT       NUL-terminated arguments, at least one
//   'L' header               name NUL value NUL, the name not empty
//   'B' body                 at least one byte, any bytes
//   'E' end of message       any bytes (a last body chunk), or none
//   'A' 'N' 'T' 'Q' 'K'      no data
// Any other command byte is unknown; data over kMaxData is too long.
std::string check(char command, std::string_view data);

// A command byte for log lines: "'M' (MAIL)", "'X' (unknown)", "0x07".
std::string describe(char command);

}  // namespace dnsauth::signer::packet

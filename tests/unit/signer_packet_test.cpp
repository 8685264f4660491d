// The milter protocol's packets as the signer takes them from the MTA (signer/packet.h,
// signer/packet_reader.h) and the registry of MTA connections (signer/connections.h): every
// command's well-formed shape passes, every malformed one is named before libmilter could read
// a string from it, and the reader tells each way a packet can fail to arrive apart.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "signer/connections.h"
#include "signer/packet.h"
#include "signer/packet_reader.h"

namespace dnsauth::signer {
namespace {

using namespace std::string_literals;

struct Shape {
  char command;
  std::string data;
  std::string wrong;  // a part of check()'s answer; empty: well-formed
};

std::string optneg(std::size_t size = 12) { return std::string(size, '\0'); }

// What Postfix sends, command by command.
const std::vector<Shape> kWellFormed = {
    {'O', optneg(), ""},
    {'D', "C" "j\0mx.test\0{daemon_name}\0smtpd\0"s, ""},
    {'D', "M" "i\0" "4ABCDEF01\0{auth_authen}\0alice@example.net\0"s, ""},
    {'D', "M" "{mail_addr}\0\0"s, ""},  // an empty value
    {'D', "E"s, ""},                     // no macros at all
    {'D', "L" "i\0" "4ABCDEF01\0"s, ""},   // Postfix sends macros before each header field
    {'D', "L"s, ""},
    {'C', "client.test\0" "4\xc3\x50" "192.0.2.1\0"s, ""},
    {'C', "client.test\0" "6\x00\x19" "2001:db8::1\0"s, ""},
    {'C', "localhost\0" "L\0\0" "/run/socket\0"s, ""},
    {'C', "unknown\0U"s, ""},
    {'H', "client.test\0"s, ""},
    {'M', "<alice@example.com>\0"s, ""},
    {'M', "<>\0SIZE=1234\0BODY=8BITMIME\0"s, ""},
    {'R', "<bob@example.org>\0"s, ""},
    {'L', "Subject\0 hello\0"s, ""},
    {'L', "X-Empty\0\0"s, ""},
    {'U', "HELP\0"s, ""},
    {'B', "Hello,\r\n"s, ""},
    {'B', "\0\xff binary is fine\0"s, ""},
    {'E', ""s, ""},
    {'E', "last chunk"s, ""},
    {'A', ""s, ""}, {'N', ""s, ""}, {'T', ""s, ""}, {'Q', ""s, ""}, {'K', ""s, ""},
};

const std::vector<Shape> kMalformed = {
    // The crash: the last macro value without its NUL, read by smfi_getsymval's strcmp.
    {'D', "M" "{auth_authen}\0alice@example.net"s, "macro value without its NUL terminator"},
    {'D', "M" "i\0" "4ABC\0{auth_authen}\0"s, "macro name without a value"},
    {'D', "M" "\0value\0"s, "macro with an empty name"},
    {'D', "", "without the command it belongs to"},
    {'D', "L" "i\0" "4ABCDEF01"s, "macro value without its NUL terminator"},  // any stage's list is read
    {'O', optneg(11), "11 bytes instead of 12"},
    {'O', optneg(13), "13 bytes instead of 12"},
    {'C', "client.test", "host name without its NUL terminator"},
    {'C', "client.test\0"s, "no address family"},
    {'C', "client.test\0" "X\0\0" "1.2.3.4\0"s, "unknown address family 'X'"},
    {'C', "client.test\0" "4\0"s, "no port"},
    {'C', "client.test\0" "4\0\x19" "192.0.2.1"s, "address without its NUL terminator"},
    {'C', "client.test\0" "4\0\x19" "192.0\0.2.1\0"s, "address holds a NUL inside"},
    {'C', "client.test\0Uextra"s, "data after the unknown address family"},
    {'H', "client.test", "HELO name without its NUL terminator"},
    {'H', "", "HELO name without its NUL terminator"},
    {'H', "a\0b\0"s, "HELO name holds a NUL inside"},
    {'U', "HELP", "command without its NUL terminator"},
    {'M', "", "no address"},
    {'M', "<alice@example.com>", "argument without its NUL terminator"},
    {'M', "<>\0SIZE=1"s, "argument without its NUL terminator"},
    {'R', "<bob@example.org>", "argument without its NUL terminator"},
    {'L', "Subject\0 hello"s, "not a name and a value"},
    {'L', "Subject\0"s, "not a name and a value"},
    {'L', "Subject\0 a\0 b\0"s, "not a name and a value"},
    {'L', "\0 value\0"s, "empty header field name"},
    {'L', "", "not a name and a value"},
    {'B', "", "empty body chunk"},
    {'A', "x", "1 bytes of data where none belong"},
    {'N', "xy", "2 bytes of data where none belong"},
    {'T', "x", "where none belong"},
    {'Q', "x", "where none belong"},
    {'K', "x", "where none belong"},
    {'X', "", "unknown command"},
    {'a', "", "unknown command"},
    {'\0', "", "unknown command"},
    {'\x7f', "x", "unknown command"},
    {'B', std::string(packet::kMaxData + 1, 'x'), "65536 bytes of data, over the protocol's 65535"},
};

TEST(MilterPacket, EveryCommandAsPostfixSendsItIsWellFormed) {
  for (const auto& s : kWellFormed) {
    EXPECT_EQ(packet::check(s.command, s.data), "") << packet::describe(s.command) << " " << s.data.size() << " bytes";
  }
  EXPECT_EQ(packet::check('B', std::string(packet::kMaxData, 'x')), "");
}

TEST(MilterPacket, EveryMalformedShapeIsNamed) {
  for (const auto& s : kMalformed) {
    std::string wrong = packet::check(s.command, s.data);
    EXPECT_NE(wrong.find(s.wrong), std::string::npos)
        << packet::describe(s.command) << ": expected \"" << s.wrong << "\", got \"" << wrong << "\"";
  }
}

TEST(MilterPacket, CommandBytesAreNamedForLogs) {
  EXPECT_EQ(packet::describe('M'), "'M' (MAIL)");
  EXPECT_EQ(packet::describe('D'), "'D' (macros)");
  EXPECT_EQ(packet::describe('X'), "'X' (unknown)");
  EXPECT_EQ(packet::describe('\x07'), "0x07");
  EXPECT_EQ(packet::describe('\xff'), "0xff");
}

// ---- reading packets off a socket ----

class PacketReader : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  void send(const std::string& bytes) { ASSERT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  void hang_up() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
  static std::string length(std::uint32_t n) {
    n = htonl(n);
    return std::string(reinterpret_cast<const char*>(&n), 4);
  }
  static std::string packet(char command, const std::string& data) {
    return length(static_cast<std::uint32_t>(data.size() + 1)) + command + data;
  }
  packet::Packet read(int timeout_ms = 2000) { return packet::read(fds_[0], timeout_ms); }

  int fds_[2] = {-1, -1};
};

TEST_F(PacketReader, AWholePacketWithItsDataNulTerminatedBeyondItsLength) {
  send(packet('D', "M" "{auth_authen}\0alice@example.net"s) + packet('N', ""));
  auto p = read();
  ASSERT_EQ(p.status, packet::ReadStatus::ok);
  EXPECT_EQ(p.command, 'D');
  ASSERT_EQ(p.size, 32u);
  EXPECT_EQ(std::string(p.data.get(), p.size), "M{auth_authen}\0alice@example.net"s);
  EXPECT_EQ(p.data.get()[p.size], '\0');  // a string scan stops here, whatever the MTA sent
  // A packet that carries only its command has no data, as libmilter's reader gives it.
  auto eoh = read();
  ASSERT_EQ(eoh.status, packet::ReadStatus::ok);
  EXPECT_EQ(eoh.command, 'N');
  EXPECT_EQ(eoh.size, 0u);
  EXPECT_EQ(eoh.data, nullptr);
}

TEST_F(PacketReader, ZeroLengthIsNotTakenForACommand) {
  // libmilter took the byte after a zero length as the command; here nothing more is read.
  send(length(0));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read().status, packet::ReadStatus::zero_length);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(PacketReader, ALengthOverTheMaximumIsRefusedBeforeAnyDataIsRead) {
  // libmilter's reader took lengths from 0x80000001 up as "no data" and read on in the middle
  // of the packet.
  for (std::uint32_t n : {static_cast<std::uint32_t>(packet::kMaxData + 2), 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    send(length(n) + "B");
    EXPECT_EQ(read().status, packet::ReadStatus::too_long) << n;
    TearDown();  // the connection ends there
    SetUp();
  }
  send(packet('B', std::string(packet::kMaxData, 'x')));
  EXPECT_EQ(read().status, packet::ReadStatus::ok);
}

TEST_F(PacketReader, AHangUpBetweenPacketsIsAClose) {
  send(packet('Q', ""));
  hang_up();
  EXPECT_EQ(read().status, packet::ReadStatus::ok);
  EXPECT_EQ(read().status, packet::ReadStatus::closed);
}

TEST_F(PacketReader, AHangUpInsideAPacketIsATruncation) {
  for (std::string part : {length(9).substr(0, 2), length(9), length(9) + "L", length(9) + "LSubj"}) {
    TearDown();
    SetUp();
    send(part);
    hang_up();
    auto p = read();
    EXPECT_EQ(p.status, packet::ReadStatus::truncated) << part.size() << " bytes";
    EXPECT_NE(p.detail.find(std::to_string(part.size()) + " of "), std::string::npos) << p.detail;
  }
}

TEST_F(PacketReader, SilenceIsIdleAndAPartialPacketStalls) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read(200).status, packet::ReadStatus::idle);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  send(length(9) + "LSub");
  auto p = read(200);
  EXPECT_EQ(p.status, packet::ReadStatus::stalled);
  EXPECT_EQ(p.detail, "8 of 13 bytes");
}

TEST_F(PacketReader, TheWholePacketMustArriveWithinTheTimeoutNotEachByte) {
  // A byte every 60 ms keeps each wait short, but the packet takes longer than 300 ms.
  std::string bytes = packet('L', "Subject\0 a slow header\0"s);
  std::atomic<bool> done{false};
  std::thread dribble([&] {
    for (char c : bytes) {
      if (done || ::write(fds_[1], &c, 1) != 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
  });
  auto p = read(300);
  done = true;
  dribble.join();
  EXPECT_EQ(p.status, packet::ReadStatus::stalled);
}

TEST_F(PacketReader, APacketInPiecesWithinTheTimeoutIsWhole) {
  std::string bytes = packet('L', "Subject\0 hello\0"s);
  std::thread pieces([&] {
    for (std::size_t at = 0; at < bytes.size(); at += 3) {
      std::string piece = bytes.substr(at, 3);
      if (::write(fds_[1], piece.data(), piece.size()) != static_cast<ssize_t>(piece.size())) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto p = read(2000);
  pieces.join();
  ASSERT_EQ(p.status, packet::ReadStatus::ok);
  EXPECT_EQ(std::string(p.data.get(), p.size), "Subject\0 hello\0"s);
}

// ---- the registry of MTA connections ----

TEST(MilterConnections, AtMostMaxAreOpenAndAClosedOneFreesItsPlace) {
  using namespace std::chrono_literals;
  Connections c(2, 10s);
  auto t = Connections::Clock::now();
  EXPECT_TRUE(c.open(7, "127.0.0.1:50000", t));
  EXPECT_TRUE(c.open(8, "unix", t));
  EXPECT_FALSE(c.open(9, "127.0.0.1:50001", t));
  EXPECT_EQ(c.size(), 2u);
  c.closed(7);
  c.closed(42);  // not ours: nothing happens
  EXPECT_TRUE(c.open(9, "127.0.0.1:50001", t));
  EXPECT_EQ(c.name(9), "#3 (127.0.0.1:50001)");
  EXPECT_EQ(c.name(8), "#2 (unix)");
  EXPECT_EQ(c.name(7), "fd 7");
}

TEST(MilterConnections, IdleOnesAreHandedOutOnceAfterTheTimeout) {
  using namespace std::chrono_literals;
  Connections c(10, 10s);
  auto t = Connections::Clock::now();
  c.open(5, "a", t);
  c.open(6, "b", t);
  c.open(7, "c", t);
  c.activity(6, t + 8s);  // a packet keeps it alive
  c.closed(7);
  std::vector<int> handed;
  auto collect = [&](int fd) { handed.push_back(fd); };
  EXPECT_EQ(c.close_idle(t + 9s, collect), 0u);
  EXPECT_EQ(c.close_idle(t + 10s, collect), 1u);
  EXPECT_EQ(handed, std::vector<int>{5});
  EXPECT_EQ(c.close_idle(t + 11s, collect), 0u) << "each connection once";
  EXPECT_EQ(c.close_idle(t + 18s, collect), 1u);
  EXPECT_EQ(handed, (std::vector<int>{5, 6}));
  EXPECT_EQ(c.size(), 2u) << "still open until libmilter closes them";
}

}  // namespace
}  // namespace dnsauth::signer

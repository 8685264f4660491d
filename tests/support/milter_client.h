// The MTA side of the Sendmail milter protocol (version 6), as Postfix speaks it: option
// negotiation offering what Postfix 3.7 offers, macros per stage (the milter's own lists when
// it sets them with smfi_setsymlist), MAIL/RCPT/DATA, header fields, end of headers, body chunks
// of at most 65535 bytes, end of message and the header edits it brings. Stages the milter
// declined (SMFIP_NO*) are not sent; stages it will not answer (SMFIP_NR_*) are sent without
// waiting, buffered until the next command that is answered, as an MTA's buffered stream does.
// Several messages may share one connection. A session can also be cut short at any stage
// (Cut) and the connection then closed, reset or the transaction aborted, as an MTA does when
// its SMTP client goes away. Header-only, shared test support: the signer's tests and the load
// and soak clients (bench/milter_load.cpp, bench/milter_soak.cpp) use it. Errors (protocol,
// timeout, connection) throw std::runtime_error.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dnsauth::milter_client {

// libmilter/mfdef.h, restated so that the client needs no libmilter.
namespace cmd {
constexpr char optneg = 'O', macro = 'D', connect = 'C', helo = 'H', mail = 'M', rcpt = 'R', data = 'T',
               header = 'L', eoh = 'N', body = 'B', eob = 'E', abort = 'A', quit = 'Q';
}
namespace reply {
constexpr char accept = 'a', cont = 'c', discard = 'd', reject = 'r', tempfail = 't', replycode = 'y',
               skip = 's', addheader = 'h', insheader = 'i', chgheader = 'm', progress = 'p';
}
namespace proto {
constexpr std::uint32_t noconnect = 0x1, nohelo = 0x2, nomail = 0x4, norcpt = 0x8, nobody = 0x10, nohdrs = 0x20,
                        noeoh = 0x40, nr_hdr = 0x80, nounknown = 0x100, nodata = 0x200, skip = 0x400,
                        rcpt_rej = 0x800, nr_conn = 0x1000, nr_helo = 0x2000, nr_mail = 0x4000, nr_rcpt = 0x8000,
                        nr_data = 0x10000, nr_unkn = 0x20000, nr_eoh = 0x40000, nr_body = 0x80000,
                        hdr_leadspc = 0x100000;
constexpr std::uint32_t postfix_offer = 0x1fffff;  // every step flag Postfix 3.7 offers
}
namespace act {
constexpr std::uint32_t addhdrs = 0x1, chghdrs = 0x10, setsymlist = 0x100;
constexpr std::uint32_t postfix_offer = 0x1ff;
}

// Macro stages as smfi_setsymlist numbers them (SMFIM_*).
enum Stage { st_connect = 0, st_helo = 1, st_envfrom = 2, st_envrcpt = 3, st_data = 4, st_eom = 5, st_eoh = 6 };

struct Envelope {
  std::string queue_id = "4ABCDEF01";
  std::string auth_authen;          // empty: not authenticated (no {auth_*} macros sent)
  std::string auth_type = "PLAIN";
  std::string mail_from = "<alice@example.com>";
  std::string rcpt_to = "<bob@example.org>";
};

struct HeaderEdit {
  char kind = reply::insheader;  // 'i' insert, 'h' add, 'm' change
  std::uint32_t index = 0;
  std::string name;
  std::string value;
};

// Where send_message stops when a session is cut short: the stages after it are not sent, and
// what was sent is flushed to the milter. Then the caller closes, resets or aborts.
enum class Cut { none, after_mail, mid_headers, after_eoh, mid_body, before_eom };

struct MessageResult {
  char action = 0;          // final answer: 'a', 'c' (accept at end of message), 'r', 't', 'd', 'y'
  std::string reply_text;   // for 'y': "550 5.7.1 ..."
  std::vector<HeaderEdit> edits;
  bool before_eom = false;  // the final answer came before end of message
  bool cut = false;         // stopped at the Cut asked for, without a final answer
  bool accepted() const { return action == reply::accept || action == reply::cont; }
};

class Client {
 public:
  // "inet:PORT@HOST", "inet:HOST:PORT" or "unix:PATH".
  explicit Client(const std::string& socket, int timeout_ms = 30000) : timeout_ms_(timeout_ms) { open(socket); }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Option negotiation; then connect and HELO unless the milter declined them.
  void negotiate(std::uint32_t actions = act::postfix_offer, std::uint32_t protocol = proto::postfix_offer) {
    std::string p;
    put32(p, 6);
    put32(p, actions);
    put32(p, protocol);
    send(cmd::optneg, p);
    auto [c, data] = read_packet();
    if (c != cmd::optneg || data.size() < 12) throw std::runtime_error("milter: bad option negotiation reply");
    version_ = get32(data, 0);
    actions_ = get32(data, 4);
    protocol_ = get32(data, 8);
    for (std::size_t off = 12; off + 4 < data.size();) {
      std::uint32_t stage = get32(data, off);
      off += 4;
      auto end = data.find('\0', off);
      if (end == std::string::npos) end = data.size();
      symlists_[static_cast<int>(stage)] = data.substr(off, end - off);
      off = end + 1;
    }
    if (!(protocol_ & proto::noconnect)) {
      send_macros(st_connect, {{"j", "mx.test"}, {"{daemon_name}", "smtpd"}, {"v", "Postfix 3.7"}, {"_", "client.test [127.0.0.1]"}});
      std::string c2 = "client.test";
      c2 += '\0';
      c2 += '4';
      c2 += static_cast<char>(0xc3);  // port 50000
      c2 += static_cast<char>(0x50);
      c2 += "127.0.0.1";
      c2 += '\0';
      send(cmd::connect, c2);
      if (!(protocol_ & proto::nr_conn)) expect_continue("connect");
    }
    if (!(protocol_ & proto::nohelo)) {
      send_macros(st_helo, {});
      send(cmd::helo, std::string("client.test") + '\0');
      if (!(protocol_ & proto::nr_helo)) expect_continue("helo");
    }
  }

  std::uint32_t protocol() const { return protocol_; }
  std::uint32_t actions() const { return actions_; }
  const std::map<int, std::string>& symlists() const { return symlists_; }

  // One message. `headers` are (name, value after the colon, leading space included).
  // With `cut`, stops there (MessageResult::cut) instead of going on to end of message.
  MessageResult send_message(const Envelope& env, const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view body, std::size_t chunk = 65535, Cut cut = Cut::none) {
    MessageResult r;
    std::vector<std::pair<std::string, std::string>> mail_macros = {{"i", env.queue_id}, {"{mail_addr}", strip_angle(env.mail_from)}};
    if (!env.auth_authen.empty()) {
      mail_macros.push_back({"{auth_type}", env.auth_type});
      mail_macros.push_back({"{auth_authen}", env.auth_authen});
    }
    if (!(protocol_ & proto::nomail)) {
      send_macros(st_envfrom, mail_macros);
      send(cmd::mail, env.mail_from + '\0');
      if (!(protocol_ & proto::nr_mail) && final_answer(r, "MAIL")) return r;
    }
    if (stop_at(r, cut, Cut::after_mail)) return r;
    std::vector<std::pair<std::string, std::string>> qid = {{"i", env.queue_id}};
    if (!(protocol_ & proto::norcpt)) {
      send_macros(st_envrcpt, {{"i", env.queue_id}, {"{rcpt_addr}", strip_angle(env.rcpt_to)}});
      send(cmd::rcpt, env.rcpt_to + '\0');
      if (!(protocol_ & proto::nr_rcpt) && final_answer(r, "RCPT")) return r;
    }
    if (!(protocol_ & proto::nodata)) {
      send_macros(st_data, qid);
      send(cmd::data, "");
      if (!(protocol_ & proto::nr_data) && final_answer(r, "DATA")) return r;
    }
    if (!(protocol_ & proto::nohdrs)) {
      for (std::size_t i = 0; i < headers.size(); ++i) {
        if (i == headers.size() / 2 && stop_at(r, cut, Cut::mid_headers)) return r;
        const auto& [name, value] = headers[i];
        std::string v = value;
        if (!(protocol_ & proto::hdr_leadspc)) v.erase(0, v.find_first_not_of(" \t"));
        send(cmd::header, name + '\0' + v + '\0');
        if (!(protocol_ & proto::nr_hdr) && final_answer(r, "header")) return r;
      }
    }
    if (!(protocol_ & proto::noeoh)) {
      send_macros(st_eoh, qid);
      send(cmd::eoh, "");
      if (stop_at(r, cut, Cut::after_eoh)) return r;  // the answer is not read
      if (!(protocol_ & proto::nr_eoh) && final_answer(r, "end of headers")) return r;
    }
    return body_and_end(r, env, body, chunk, cut);
  }

  // Goes on with a message cut short at Cut::after_eoh, as send_message would have: the answer
  // to end of headers, the body, end of message.
  MessageResult resume_after_eoh(const Envelope& env, std::string_view body, std::size_t chunk = 65535) {
    MessageResult r;
    if (!(protocol_ & proto::noeoh) && !(protocol_ & proto::nr_eoh) && final_answer(r, "end of headers")) return r;
    return body_and_end(r, env, body, chunk, Cut::none);
  }

 private:
  // With `cut` at `at`: flushes what was sent and marks `r` cut short.
  bool stop_at(MessageResult& r, Cut cut, Cut at) {
    if (cut != at) return false;
    flush();
    r.cut = true;
    return true;
  }

  MessageResult body_and_end(MessageResult& r, const Envelope& env, std::string_view body, std::size_t chunk, Cut cut) {
    std::vector<std::pair<std::string, std::string>> qid = {{"i", env.queue_id}};
    if (!(protocol_ & proto::nobody)) {
      for (std::size_t off = 0; off < body.size(); off += chunk) {
        if (off > 0 && stop_at(r, cut, Cut::mid_body)) return r;
        // Cut after the first chunk, or in the middle of a body of one chunk.
        bool half = cut == Cut::mid_body && body.size() <= chunk;
        send(cmd::body, std::string(body.substr(off, half ? body.size() / 2 : chunk)));
        if (half && stop_at(r, cut, Cut::mid_body)) return r;
        if (!(protocol_ & proto::nr_body)) {
          auto [c, data] = read_packet();
          if (c == reply::skip) break;
          if (c != reply::cont) {
            take_final(r, c, data);
            return r;
          }
        }
      }
    }
    if (stop_at(r, cut, Cut::before_eom) || stop_at(r, cut, Cut::mid_body)) return r;  // mid_body: no body at all
    send_macros(st_eom, qid);
    send(cmd::eob, "");
    for (;;) {
      auto [c, data] = read_packet();
      if (c == reply::insheader || c == reply::addheader || c == reply::chgheader) {
        HeaderEdit e;
        e.kind = c;
        std::size_t off = 0;
        if (c != reply::addheader) {
          e.index = get32(data, 0);
          off = 4;
        }
        auto nul = data.find('\0', off);
        if (nul == std::string::npos) throw std::runtime_error("milter: header edit without NUL");
        e.name = data.substr(off, nul - off);
        auto end = data.find('\0', nul + 1);
        e.value = data.substr(nul + 1, (end == std::string::npos ? data.size() : end) - nul - 1);
        r.edits.push_back(std::move(e));
        continue;
      }
      if (c == reply::progress) continue;
      if (c == reply::accept || c == reply::cont || c == reply::reject || c == reply::tempfail ||
          c == reply::discard || c == reply::replycode) {
        take_final(r, c, data);
        r.before_eom = false;
        return r;
      }
      // Other modifications (recipients, body, quarantine) are not the signer's; take them.
    }
  }

 public:
  void abort_message() { send(cmd::abort, ""); }
  void quit() {
    send(cmd::quit, "");
    flush();
  }
  // Ends the connection without QUIT: a plain close (FIN), or with `reset` an RST (SO_LINGER
  // 0), as when the MTA's process dies. Nothing buffered is sent.
  void drop(bool reset = false) {
    if (fd_ < 0) return;
    if (reset) {
      linger l{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd_);
    fd_ = -1;
    out_.clear();
  }

 private:
  static void put32(std::string& s, std::uint32_t v) {
    v = htonl(v);
    s.append(reinterpret_cast<const char*>(&v), 4);
  }
  static std::uint32_t get32(const std::string& s, std::size_t off) {
    if (off + 4 > s.size()) throw std::runtime_error("milter: short packet");
    std::uint32_t v;
    std::memcpy(&v, s.data() + off, 4);
    return ntohl(v);
  }
  static std::string strip_angle(const std::string& a) {
    if (a.size() >= 2 && a.front() == '<' && a.back() == '>') return a.substr(1, a.size() - 2);
    return a;
  }

  void open(const std::string& socket) {
    if (socket.starts_with("unix:") || socket.starts_with("local:")) {
      std::string path = socket.substr(socket.find(':') + 1);
      sockaddr_un sa{};
      sa.sun_family = AF_UNIX;
      if (path.size() >= sizeof sa.sun_path) throw std::runtime_error("milter: socket path too long");
      std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        throw std::runtime_error("milter: cannot connect to " + socket + ": " + std::strerror(errno));
      }
      return;
    }
    std::string rest = socket.starts_with("inet:") ? socket.substr(5) : socket;
    std::string host = "127.0.0.1", port;
    if (auto at = rest.find('@'); at != std::string::npos) {
      port = rest.substr(0, at);
      host = rest.substr(at + 1);
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    } else {
      port = rest;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) {
      throw std::runtime_error("milter: cannot resolve " + socket);
    }
    fd_ = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd_ < 0 ? -1 : ::connect(fd_, ai->ai_addr, ai->ai_addrlen);
    int err = errno;
    ::freeaddrinfo(ai);
    if (rc != 0) throw std::runtime_error("milter: cannot connect to " + socket + ": " + std::strerror(err));
  }

  void send(char c, const std::string& payload) {
    std::uint32_t len = htonl(static_cast<std::uint32_t>(payload.size() + 1));
    out_.append(reinterpret_cast<const char*>(&len), 4);
    out_ += c;
    out_ += payload;
    if (out_.size() >= 256 * 1024) flush();
  }

  void send_macros(int stage, const std::vector<std::pair<std::string, std::string>>& defaults) {
    std::vector<std::pair<std::string, std::string>> list = defaults;
    // Postfix sends no macros at end of headers and end of message unless the milter asks.
    if ((stage == st_eoh || stage == st_eom) && !symlists_.count(stage)) list.clear();
    if (auto it = symlists_.find(stage); it != symlists_.end()) {
      // The milter chose its macros: send those we know, in its order.
      std::map<std::string, std::string> known(defaults.begin(), defaults.end());
      list.clear();
      std::string names = it->second;
      for (std::size_t p = 0; p < names.size();) {
        auto sp = names.find(' ', p);
        std::string n = names.substr(p, sp == std::string::npos ? std::string::npos : sp - p);
        p = sp == std::string::npos ? names.size() : sp + 1;
        if (n.empty()) continue;
        if (auto k = known.find(n); k != known.end()) list.push_back(*k);
      }
    }
    if (list.empty()) return;
    std::string p(1, stage_cmd(stage));
    for (const auto& [k, v] : list) p += k + '\0' + v + '\0';
    send(cmd::macro, p);
  }

  static char stage_cmd(int stage) {
    switch (stage) {
      case st_connect: return cmd::connect;
      case st_helo: return cmd::helo;
      case st_envfrom: return cmd::mail;
      case st_envrcpt: return cmd::rcpt;
      case st_data: return cmd::data;
      case st_eom: return cmd::eob;
      case st_eoh: return cmd::eoh;
    }
    return cmd::mail;
  }

  void flush() {
    std::size_t off = 0;
    while (off < out_.size()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms_) <= 0) throw std::runtime_error("milter: write timeout");
      ssize_t n = ::send(fd_, out_.data() + off, out_.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw std::runtime_error(std::string("milter: write: ") + std::strerror(errno));
      }
      off += static_cast<std::size_t>(n);
    }
    out_.clear();
  }

  void read_exact(char* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      int pr = ::poll(&p, 1, timeout_ms_);
      if (pr == 0) throw std::runtime_error("milter: no answer within " + std::to_string(timeout_ms_) + " ms");
      if (pr < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("milter: poll: ") + std::strerror(errno));
      }
      ssize_t r = ::recv(fd_, buf + got, n - got, 0);
      if (r == 0) throw std::runtime_error("milter: connection closed by the milter");
      if (r < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("milter: read: ") + std::strerror(errno));
      }
      got += static_cast<std::size_t>(r);
    }
  }

  std::pair<char, std::string> read_packet() {
    flush();
    char lenbuf[4];
    read_exact(lenbuf, 4);
    std::uint32_t len;
    std::memcpy(&len, lenbuf, 4);
    len = ntohl(len);
    if (len == 0 || len > 64 * 1024 * 1024) throw std::runtime_error("milter: bad packet length");
    std::string data(len, '\0');
    read_exact(data.data(), len);
    return {data[0], data.substr(1)};
  }

  void expect_continue(const char* stage) {
    auto [c, data] = read_packet();
    if (c != reply::cont) throw std::runtime_error(std::string("milter: unexpected answer '") + c + "' to " + stage);
  }

  static void take_final(MessageResult& r, char c, const std::string& data) {
    r.action = c;
    r.before_eom = true;
    if (c == reply::replycode) {
      r.reply_text = data.substr(0, data.find('\0'));
    }
  }

  // Reads the answer to a stage; true when it ends the message.
  bool final_answer(MessageResult& r, const char* stage) {
    auto [c, data] = read_packet();
    if (c == reply::cont) return false;
    if (c == reply::accept || c == reply::reject || c == reply::tempfail || c == reply::discard ||
        c == reply::replycode) {
      take_final(r, c, data);
      return true;
    }
    throw std::runtime_error(std::string("milter: unexpected answer '") + c + "' to " + stage);
  }

  int fd_ = -1;
  int timeout_ms_;
  std::string out_;
  std::uint32_t version_ = 0, actions_ = 0, protocol_ = 0;
  std::map<int, std::string> symlists_;
};

// The message as the MTA delivers it after the milter's header edits, with CRLF line ends:
// insertions at their index, additions at the end, a change with an empty value deleting the
// index-th field (1-based) of that name, as Postfix applies them. `leading_space`: whether
// SMFIP_HDR_LEADSPC was negotiated (without it the MTA writes a space after the colon itself).
// Throws when a change names a field that is not there.
inline std::string delivered_message(const std::vector<std::pair<std::string, std::string>>& headers,
                                     std::string_view body, const MessageResult& r, bool leading_space = true) {
  auto same_name = [](std::string_view field, std::string_view name) {
    std::string_view n = field.substr(0, field.find(':'));
    return n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  };
  std::vector<std::string> fields;
  for (const auto& [n, v] : headers) fields.push_back(n + ":" + v + "\r\n");
  for (const auto& e : r.edits) {
    std::string field = e.name + ":" + (leading_space ? "" : " ");
    for (char c : e.value) field += c == '\n' ? std::string("\r\n") : std::string(1, c);
    field += "\r\n";
    if (e.kind == reply::chgheader) {
      if (!e.value.empty()) throw std::runtime_error("milter: a header change that is not a deletion");
      std::uint32_t seen = 0;
      auto it = std::find_if(fields.begin(), fields.end(),
                             [&](const std::string& f) { return same_name(f, e.name) && ++seen == e.index; });
      if (it == fields.end()) throw std::runtime_error("milter: no " + e.name + " number " + std::to_string(e.index));
      fields.erase(it);
    } else if (e.kind == reply::insheader) {
      fields.insert(fields.begin() + std::min<std::size_t>(e.index, fields.size()), field);
    } else {
      fields.push_back(field);
    }
  }
  std::string out;
  for (const auto& f : fields) out += f;
  out += "\r\n";
  out.append(body);
  return out;
}

// One message over a new connection to `conn` ("inet:PORT@127.0.0.1") from a client logged in
// (SASL) as `login`.
inline MessageResult send_as(const std::string& conn, const std::string& login, const std::string& queue_id,
                             const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  Envelope envelope;
  envelope.auth_authen = login;
  envelope.queue_id = queue_id;
  Client c(conn);
  c.negotiate();
  return c.send_message(envelope, headers, body);
}

}  // namespace dnsauth::milter_client

// dnsauth-signer's log through syslog(3), the default (`log = "syslog"`): what a syslog daemon
// receives on /dev/log. The test plays the daemon: it binds /dev/log itself (a datagram socket,
// as rsyslogd and journald do) and reads the datagrams glibc sends, so facility, severity, tag,
// pid and the one line per message are checked as they leave the process. It needs root and a
// machine with no syslog daemon on /dev/log (CI containers have none); elsewhere it says why
// it does not run.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/milter_client.h"
#include "support/signer_fixture.h"
#include "support/signer_process.h"

namespace dnsauth::test {
namespace {

namespace mc = dnsauth::milter_client;
namespace fs = std::filesystem;

constexpr const char* kDevLog = "/dev/log";

// RFC 3164 PRI as glibc writes it: facility * 8 + severity.
constexpr int kMail = 2;
constexpr int pri(int severity) { return kMail * 8 + severity; }
constexpr int kErr = 3, kInfo = 6;

// A syslog daemon's end of /dev/log, for as long as the test runs.
class DevLog {
 public:
  // Empty when it can listen; otherwise why not.
  std::string open() {
    if (::geteuid() != 0) return "needs root to bind /dev/log";
    std::error_code ec;
    if (fs::symlink_status(kDevLog, ec).type() != fs::file_type::not_found)
      return "a syslog daemon already owns /dev/log; the test will not take its place";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", kDevLog);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return std::string("cannot bind /dev/log: ") + std::strerror(errno);
    owned_ = true;
    ::chmod(kDevLog, 0666);
    return {};
  }
  ~DevLog() {
    if (fd_ >= 0) ::close(fd_);
    if (owned_) ::unlink(kDevLog);
  }

  // Every datagram received so far, waiting until one holds `text` (or `timeout` passes).
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (const auto& d : received_)
        if (d.find(text) != std::string::npos) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) received_.emplace_back(buf, static_cast<std::size_t>(n));
    }
  }
  // The one datagram holding `text`; empty when none or several do.
  std::string only(const std::string& text) const {
    std::string found;
    int n = 0;
    for (const auto& d : received_)
      if (d.find(text) != std::string::npos && ++n) found = d;
    return n == 1 ? found : std::string();
  }
  const std::vector<std::string>& received() const { return received_; }

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::vector<std::string> received_;
};

std::string all(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

mc::Envelope auth(const std::string& user, const std::string& qid) {
  mc::Envelope e;
  e.auth_authen = user;
  e.queue_id = qid;
  return e;
}

TEST(SignerSyslog, OneLinePerMessageGoesToTheMailFacilityWithTagPidAndQueueId) {
#ifndef DNSAUTH_SIGNER_EXE
  GTEST_SKIP() << "built without the tools";
#else
  DevLog devlog;
  if (std::string why = devlog.open(); !why.empty()) GTEST_SKIP() << why;
  SignerDir dir;
  int port = free_loopback_port();
  // The config's default log target is syslog; --log syslog says so explicitly as well.
  std::string cfg = signer_config("socket = \"inet:" + std::to_string(port) + "@127.0.0.1\"\n");
  cfg.replace(cfg.find("log = \"stderr\"\n"), 15, "log = \"syslog\"\n");
  SignerProcess proc(DNSAUTH_SIGNER_EXE, dir.write_config(cfg), port, dir.dir() / "signer.out", "syslog");
  const std::string tag = "dnsauth-signer[" + std::to_string(proc.pid()) + "]: ";

  mc::Client c("inet:" + std::to_string(port) + "@127.0.0.1");
  c.negotiate();
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"From", " Alice <alice@example.com>"}, {"To", " bob@example.org"}, {"Subject", " syslog"}};
  EXPECT_EQ(c.send_message(auth("alice@example.com", "QSYS1"), headers, "Hi.\r\n").edits.size(), 2u);
  EXPECT_EQ(c.send_message(auth("", "QSYS2"), headers, "Hi.\r\n").action, mc::reply::accept);
  auto huge = headers;  // an internal error: a header section over the 1 MiB limit
  for (int i = 0; i < 20; ++i) huge.push_back({"X-Filler", " " + std::string(60000, 'x')});
  EXPECT_EQ(c.send_message(auth("alice@example.com", "QSYS3"), huge, "Hi.\r\n").action, mc::reply::replycode);

  ASSERT_TRUE(devlog.wait_for("qid=QSYS3 ")) << all(devlog.received());
  // "<PRI>Mmm dd hh:mm:ss dnsauth-signer[PID]: line": mail.info for decisions, mail.err for
  // internal errors, exactly one datagram per message.
  std::string signed_line = devlog.only("qid=QSYS1 ");
  EXPECT_TRUE(signed_line.starts_with("<" + std::to_string(pri(kInfo)) + ">")) << signed_line;
  EXPECT_NE(signed_line.find(tag + "qid=QSYS1 from_domain=example.com login=alice@example.com decision=signed "
                                   "selectors=r1,e1 reason=allowed"),
            std::string::npos)
      << all(devlog.received());
  std::string skipped_line = devlog.only("qid=QSYS2 ");
  EXPECT_TRUE(skipped_line.starts_with("<" + std::to_string(pri(kInfo)) + ">")) << skipped_line;
  EXPECT_NE(skipped_line.find(tag + "qid=QSYS2 from_domain=- login=- decision=skipped selectors=- "
                                    "reason=unauthenticated"),
            std::string::npos)
      << skipped_line;
  std::string error_line = devlog.only("qid=QSYS3 ");
  EXPECT_TRUE(error_line.starts_with("<" + std::to_string(pri(kErr)) + ">")) << error_line;
  EXPECT_NE(error_line.find("decision=error-tempfail"), std::string::npos) << error_line;
  // Other programs may log here too while the test runs (ctest runs tests in parallel): only
  // the signer's datagrams are judged.
  for (const auto& d : devlog.received()) {
    if (d.find(tag) != std::string::npos) {
      EXPECT_EQ(d.find('\n'), std::string::npos) << "one line each: " << d;
    }
  }

  // A reload is logged there too, and nothing of the above went to stderr.
  proc.signal(SIGHUP);
  EXPECT_TRUE(devlog.wait_for(tag + "reloaded ")) << all(devlog.received());
  EXPECT_EQ(proc.log().find("qid="), std::string::npos) << proc.log();
  EXPECT_EQ(proc.stop(), 0) << proc.log();
#endif
}

}  // namespace
}  // namespace dnsauth::test

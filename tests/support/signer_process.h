// A running dnsauth-signer for the integration tests: started on a free loopback port with its
// log on a file, stopped with SIGTERM (and SIGKILL after a grace period) when the test ends,
// whether it passed or not.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/nsd_fixture.h"

namespace dnsauth::test {

// The dnsauth-signer this build made: signer/CMakeLists.txt defines DNSAUTH_SIGNER_EXE for the
// signer's tests when the tools are built; empty without them (the test then skips).
inline std::filesystem::path built_signer() {
#ifdef DNSAUTH_SIGNER_EXE
  return DNSAUTH_SIGNER_EXE;
#else
  return {};
#endif
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SignerProcess {
 public:
  // Runs `exe --config config --log LOG` (stderr unless told), and waits until `port` accepts
  // connections. Its stdout and stderr go to log_file.
  SignerProcess(const std::filesystem::path& exe, const std::filesystem::path& config, int port,
                const std::filesystem::path& log_file, const std::string& log_target = "stderr")
      : SignerProcess(exe, config, [port] { return loopback_accepts(static_cast<std::uint16_t>(port)); }, "port " + std::to_string(port), log_file,
                      log_target) {}
  // The same, ready when `ready()` says so (a unix socket, say).
  SignerProcess(const std::filesystem::path& exe, const std::filesystem::path& config, std::function<bool()> ready,
                const std::string& what, const std::filesystem::path& log_file, const std::string& log_target = "stderr")
      : log_(log_file) {
    // Only what this process writes: a test that starts the signer again on the same log file
    // must not find the first run's "started on" and go ahead before the second has started.
    std::error_code ec;
    if (auto size = std::filesystem::file_size(log_file, ec); !ec) log_offset_ = static_cast<std::streamoff>(size);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(exe.c_str(), exe.c_str(), "--config", config.c_str(), "--log", log_target.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (ready()) return;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("dnsauth-signer exited at start: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    stop();
    throw std::runtime_error("dnsauth-signer did not listen on " + what + ": " + log());
  }
  ~SignerProcess() { stop(); }
  SignerProcess(const SignerProcess&) = delete;
  SignerProcess& operator=(const SignerProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0 && !exited_now(); }
  // This process's output in the log file.
  std::string log() const {
    std::string all = read_text(log_);
    return static_cast<std::size_t>(log_offset_) < all.size() ? all.substr(static_cast<std::size_t>(log_offset_)) : "";
  }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits until the log holds `text` (count times); false after `timeout`.
  bool wait_for_log(const std::string& text, int count = 1, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      std::string l = log();
      int n = 0;
      for (std::size_t p = l.find(text); p != std::string::npos; p = l.find(text, p + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGTERM, then SIGKILL after `grace`. The exit status, or -1 when it had to be killed.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(15)) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    auto end = std::chrono::steady_clock::now() + grace;
    int st = 0;
    while (std::chrono::steady_clock::now() < end) {
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    status_ = -1;
    return status_;
  }

 private:
  // Without reaping it (WNOWAIT): stop() still collects the status.
  bool exited_now() const {
    siginfo_t si{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_;
  }
  pid_t pid_ = -1;
  int status_ = -1;
  std::filesystem::path log_;
  std::streamoff log_offset_ = 0;
};

}  // namespace dnsauth::test

#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace dnsauth::test {

namespace {

// stdout and stderr go to temporary files, so a chatty program cannot block on a full pipe.
struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    path = (std::filesystem::temp_directory_path() / "dnsauth-proc-XXXXXX").string();
    fd = ::mkstemp(path.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
  }
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    ::unlink(path.c_str());
  }
  std::string contents() const {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

}  // namespace

ProcessResult run_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                          const std::string& input) {
  if (::access(program.c_str(), X_OK) != 0)
    throw std::runtime_error(program.string() + " is not an executable (build it first)");
  TempFile in, out, err;
  if (::write(in.fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
    throw std::runtime_error("cannot write the program's input");
  ::lseek(in.fd, 0, SEEK_SET);
  std::vector<char*> argv;
  std::string name = program.string();
  argv.push_back(name.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in.fd, 0);
    ::dup2(out.fd, 1);
    ::dup2(err.fd, 2);
    ::execv(name.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ProcessResult r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = out.contents();
  r.err = err.contents();
  return r;
}

pid_t spawn_daemon(const std::filesystem::path& program, const std::vector<std::string>& args,
                   const std::filesystem::path& output) {
  std::vector<std::string> copy = args;
  std::string name = program.string(), out_path = output.string();
  std::vector<char*> argv{name.data()};
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(name.c_str(), argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}

void stop_daemon(pid_t& pid, int grace_ms) {
  if (pid <= 0) return;
  ::kill(-pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // any worker still alive in the group
  pid = -1;
}

bool daemon_exited(pid_t pid, int* status) { return ::waitpid(pid, status, WNOHANG) == pid; }

}  // namespace dnsauth::test

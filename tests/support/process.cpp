#include "support/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

}  // namespace dnsauth::test

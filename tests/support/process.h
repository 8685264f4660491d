// Running a program under test (the tools in build/bin) without a shell: arguments passed as
// they are, stdout and stderr captured apart, the exit status returned.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace dnsauth::test {

struct ProcessResult {
  int status = -1;  // the exit status; -1 when the program did not exit normally
  std::string out;
  std::string err;
};

// Throws std::runtime_error when the program cannot be started.
ProcessResult run_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                          const std::string& input = {});

// A server under test in the background: its own process group (so stop_daemon reaches the
// workers it forks), killed with SIGKILL should the test process die first, stdout and stderr
// into output. Throws std::runtime_error when fork fails; an exec failure exits 127.
pid_t spawn_daemon(const std::filesystem::path& program, const std::vector<std::string>& args,
                   const std::filesystem::path& output);
// SIGTERM to the group, SIGKILL after grace_ms or to whatever is left of it; pid becomes -1.
void stop_daemon(pid_t& pid, int grace_ms = 5000);
// The daemon has exited (and is reaped; *status gets its wait status).
bool daemon_exited(pid_t pid, int* status);

}  // namespace dnsauth::test

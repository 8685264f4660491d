// Running a program under test (the tools in build/bin) without a shell: arguments passed as
// they are, stdout and stderr captured apart, the exit status returned.
#pragma once

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

}  // namespace dnsauth::test

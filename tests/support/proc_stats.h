// What /proc says about another process: CPU time, memory, open descriptors, threads, whether
// it still runs. For the soak and load clients (bench/) and the signer's soak tests; Linux only.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace dnsauth::proc {

// utime + stime of the whole process (every thread, living or gone), in seconds.
inline double cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15 (1-based) after the comm
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A number field of /proc/PID/status ("VmRSS:", "VmHWM:" in KiB, "Threads:"); -1 when the
// process is gone.
inline long status_field(long pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(name)) return std::stol(line.substr(name.size()));
  return -1;
}

inline long peak_rss_kb(long pid) {
  long kb = status_field(pid, "VmHWM:");
  return kb < 0 ? 0 : kb;
}

// Open descriptors (entries of /proc/PID/fd); -1 when the process is gone.
inline long open_fds(long pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  long n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// True while the process exists and is not a zombie.
inline bool running(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() && s[close + 2] != 'Z' && s[close + 2] != 'X';
}

}  // namespace dnsauth::proc

// What the milter clients of bench/ share: their command line's reading, a plain-text body of a
// given size, and what /proc says about the milter process they drive (CPU time, memory,
// descriptors, threads).
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace dnsauth::bench {

[[noreturn]] inline void usage_error(const std::string& program, const std::string& why) {
  std::cerr << program << ": " << why << " (" << program << " --help lists the options)\n";
  std::exit(2);
}

// Reads the command line into `opts`' variables; exits 2 on a bad option, and 0 after printing
// the options and `exit_text` for --help (which `opts` must declare).
inline void parse_options(int argc, char** argv, const boost::program_options::options_description& opts,
                          const std::string& program, const std::string& exit_text) {
  namespace po = boost::program_options;
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    usage_error(program, e.what());
  }
  if (vm.count("help")) {
    std::cout << opts << "\n" << exit_text;
    std::exit(0);
  }
}

// Lines of at most 72 characters ending in CRLF, `bytes` long or a line more.
inline std::string make_body(std::size_t bytes) {
  static const char* words[] = {"signing", "milter", "message", "domain", "keys", "the", "and", "of", "mail", "body"};
  std::string body, line;
  std::size_t w = 0;
  while (body.size() < bytes) {
    const char* word = words[w++ % std::size(words)];
    if (line.size() + std::strlen(word) + 1 > 72) {
      body += line + "\r\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
  }
  return body;
}

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

inline long peak_rss_kb(long pid) { return std::max(0L, status_field(pid, "VmHWM:")); }

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

// The p-quantile (0..1) of v, nearest rank; sorts v.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace dnsauth::bench

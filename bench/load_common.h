// What the milter clients of bench/ share: their command line's reading, a plain-text body of a
// given size, percentiles. What /proc says of the milter they drive is tests/support/proc_stats.h.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
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

// The p-quantile (0..1) of v, nearest rank; sorts v.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace dnsauth::bench

// Shared by the publish_*_test.cpp files: running the built dnsauth-publish (build/bin) as a
// user would (support/process.h), and a private copy of examples/dnsauth.toml in a temporary folder that is
// removed when the test ends, passed or failed.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_support.h"

namespace dnsauth::test::publish {

namespace fs = std::filesystem;

using Ran = ProcessResult;

inline std::string publish_tool() { return tool_path("dnsauth-publish").string(); }

inline Ran publish(const std::vector<std::string>& args) { return run_process(publish_tool(), args); }

// The same under another umask (through sh: run_process keeps this process's umask).
inline Ran publish_with_umask(const std::string& umask_bits, const std::vector<std::string>& args) {
  std::vector<std::string> sh{"-c", "umask " + umask_bits + " && exec \"$0\" \"$@\"", publish_tool()};
  sh.insert(sh.end(), args.begin(), args.end());
  return run_process("/bin/sh", sh);
}

// A temporary folder holding a copy of examples/dnsauth.toml (keys go to <dir>/keys).
class Workspace {
 public:
  Workspace() {
    std::string tmpl = (fs::temp_directory_path() / "dnsauth-publish-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    fs::copy_file(fs::path(DNSAUTH_TEST_DATA_DIR).parent_path().parent_path() / "examples/dnsauth.toml",
                  config());
  }
  ~Workspace() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const fs::path& dir() const { return dir_; }
  fs::path config() const { return dir_ / "dnsauth.toml"; }
  fs::path keys() const { return dir_ / "keys"; }
  fs::path out() const { return dir_ / "zones"; }
  fs::path zone(const std::string& domain) const { return out() / (domain + ".zone"); }
  void write(const fs::path& rel, const std::string& text) const {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }

  // generate with the workspace's config into out(); asserts it succeeded.
  Ran generate(std::vector<std::string> more = {}) const {
    std::vector<std::string> args{"generate", "--config", config().string(), "--out", out().string()};
    args.insert(args.end(), more.begin(), more.end());
    return publish(args);
  }

 private:
  fs::path dir_;
};

inline mode_t file_mode(const fs::path& p) {
  struct stat st {};
  if (stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace dnsauth::test::publish

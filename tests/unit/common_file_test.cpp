// read_whole_file: the whole file, or the OS's reason it could not be read, for every message
// that names a file the tools could not read (the configuration, keys, zone files, messages).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/common/file.h"

namespace dnsauth {
namespace {

TEST(ReadWholeFile, ReadsTheWholeFileBytesAsTheyAre) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string bytes(200000, 'x');
  bytes[5] = '\0';
  bytes[7] = '\r';
  std::ofstream(dir / "f", std::ios::binary) << bytes;
  auto r = read_whole_file(dir / "f");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, bytes);
  std::ofstream(dir / "empty", std::ios::binary).flush();
  auto empty = read_whole_file(dir / "empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  std::filesystem::remove_all(dir);
}

TEST(ReadWholeFile, SaysWhyAFileCannotBeRead) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct Case {
    std::filesystem::path file;
    std::string why;
  };
  for (const Case& c : {Case{dir / "absent", "No such file or directory"}, Case{dir, "it is a directory"},
                        Case{dir / "absent" / "below", "No such file or directory"},
                        // Opens, then the read fails (EIO): the read error path.
                        Case{"/proc/self/mem", "Input/output error"}}) {
    auto r = read_whole_file(c.file);
    ASSERT_FALSE(r) << c.file;
    EXPECT_EQ(r.error().code, Errc::io);
    EXPECT_EQ(r.error().detail, c.why) << c.file;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dnsauth

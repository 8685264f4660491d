// Reading a whole file, with the reason when it cannot be read. A stream would open a directory
// and read it as empty, and stop at a read error as if at the end; both would pass for an empty
// file, and the message would give no reason.
#pragma once

#include <filesystem>
#include <string>

#include "core/common/error.h"

namespace dnsauth {

// The whole file, or Errc::io whose detail is the reason alone: the OS error's text
// (strerror: "No such file or directory", "Permission denied") or "it is a directory". The
// caller says what the file was for and names it.
Result<std::string> read_whole_file(const std::filesystem::path& file);

}  // namespace dnsauth

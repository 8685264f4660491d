// Private key files for dnsauth-publish: created once, mode 0600, never overwritten, never
// printed. An existing file is read and checked against the selector, never rewritten.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/config/config.h"
#include "core/dkim/crypto.h"

namespace dnsauth::publisher {

struct KeyFile {
  std::filesystem::path path;
  dkim::PrivateKey key;
  bool created = false;               // false: the file existed and was kept
  std::vector<std::string> warnings;  // e.g. readable by others, size differs from the config
};

// The selector's key: read from its file when it exists (Errc::key when it is not a key of
// the selector's algorithm), otherwise generated (RSA of the configured bits, or Ed25519) and
// written to a new file, mode 0600, created with O_EXCL so that nothing is ever overwritten;
// missing folders are created mode 0700, whatever the umask.
Result<KeyFile> ensure_key(const config::Selector& selector, const std::filesystem::path& path);

// Reads the key file only (for lint): Errc::io when missing or unreadable.
Result<dkim::PrivateKey> read_key(const std::filesystem::path& path);

// Writes `contents` to path atomically (a temporary file in the same folder, then rename),
// mode 0644, creating missing folders mode 0755 whatever the umask. For public output (zone
// fragments), not for keys.
Result<void> write_file_atomic(const std::filesystem::path& path, const std::string& contents);

// Writes `contents` to a new temporary file beside `path`, with the mode and owner of `path`
// (a config may be root:dnsauth 0640), and returns its name: the caller checks it, then renames
// it over `path` or removes it.
Result<std::filesystem::path> write_beside(const std::filesystem::path& path, const std::string& contents);

}  // namespace dnsauth::publisher

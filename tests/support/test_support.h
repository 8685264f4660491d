// Helpers shared by the test suites: where the data lives, and reading it.
#pragma once

#include <filesystem>
#include <string>

namespace dnsauth::test {

// ../shared/conformance beside the checkout (docs/architecture.md, "Tests": read there, never copied).
std::filesystem::path conformance_dir();
// tests/data in the source tree.
std::filesystem::path data_dir();
// The build tree.
std::filesystem::path binary_dir();
// A tool under test: build/bin/<name> ("dnsauth-validate", "dnsauth-publish", "dnsauth-signer").
std::filesystem::path tool_path(std::string_view name);

// The whole file; throws std::runtime_error naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);
// The file's contents, or "" when it cannot be read (a log that a failed server never wrote).
std::string read_file_if_any(const std::filesystem::path& path);
// Writes text as the whole file; throws std::runtime_error naming the path when it cannot.
void write_file(const std::filesystem::path& path, const std::string& text);
// A new private folder under the temp directory: "<prefix>XXXXXX" made unique by mkdtemp.
std::filesystem::path make_temp_dir(const std::string& prefix);
// LF line ends become CRLF (fixtures kept in LF form on disk).
std::string to_crlf(std::string_view text);

}  // namespace dnsauth::test

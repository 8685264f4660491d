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
// LF line ends become CRLF (fixtures kept in LF form on disk).
std::string to_crlf(std::string_view text);

}  // namespace dnsauth::test

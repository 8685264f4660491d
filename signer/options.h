// dnsauth-signer's command line:
//   dnsauth-signer --config FILE [--log stderr|syslog]        run the milter, in the foreground
//   dnsauth-signer --config FILE --check-config               validate config and keys, exit 0/2
//   dnsauth-signer --config FILE sign --auth-user USER [MSG|-]
//                  the milter's policy and signing path offline; exit 0 signed, 3 not signed, 2 error
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace dnsauth::signer {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 2;
inline constexpr int kExitNotSigned = 3;

struct Options {
  enum class Mode { run, check_config, sign, help, version };
  Mode mode = Mode::run;
  std::filesystem::path config;
  std::optional<std::string> log;         // run: overrides [signer] log
  std::string auth_user;                  // sign: the login the message is signed for
  std::string message = "-";              // sign: the message file, "-" for standard input
  std::optional<std::int64_t> timestamp;  // sign: t= (tests); default now
};

// Throws cli::UsageError naming what is wrong.
Options parse_options(int argc, char** argv);
// The three forms, for a usage error.
std::string usage_text();
// --help: usage, every option, exit statuses.
std::string help_text();

}  // namespace dnsauth::signer

// A real LDAP server for integration tests: OpenLDAP's slapd (Debian's slapd) with an mdb
// database under dc=example,dc=test, loaded with slapadd from the LDIF a test gives it, on
// ldap://127.0.0.1:PORT (a free unprivileged port) from a private temp folder with its own
// slapd.conf. Its root DN (kRootDn, kRootPassword) is the account to bind as. A system slapd on
// port 389, which Debian's package starts, is never asked. The constructor returns once the
// server accepts connections; the destructor stops it and removes the folder (the child gets
// SIGKILL should the test process die first).
//
//   dnsauth::test::SlapdServer slapd(kEntries);
//   "server_host = " + slapd.uri()
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace dnsauth::test {

class SlapdServer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/slapd";
  static constexpr const char* kSuffix = "dc=example,dc=test";
  static constexpr const char* kRootDn = "cn=admin,dc=example,dc=test";
  static constexpr const char* kRootPassword = "s3cret";
  static bool available();  // slapd and slapadd are installed

  // `ldif`: the entries below the suffix (the suffix entry itself is added first). Throws
  // std::runtime_error with slapd's own output when it does not load or start.
  explicit SlapdServer(const std::string& ldif, int startup_timeout_ms = 10000);
  ~SlapdServer();
  SlapdServer(const SlapdServer&) = delete;
  SlapdServer& operator=(const SlapdServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string uri() const { return "ldap://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& directory() const { return dir_; }
  std::string log() const;  // slapd's output so far

  void stop();     // SIGTERM and wait; the data stays
  void start();    // again, on the same port, with the same data
  void pause();    // SIGSTOP: connections are accepted by the kernel and never answered
  void resume();   // SIGCONT
  bool running() const { return pid_ > 0; }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int startup_timeout_ms_ = 10000;
};

}  // namespace dnsauth::test

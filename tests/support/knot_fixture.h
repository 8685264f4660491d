// Knot DNS as the primary and secondary of one zone, for the tests of RFC 2136 UPDATE and of
// what a secondary serves after it: a primary knotd on 127.0.0.1:PORT that accepts UPDATE
// messages signed with a TSIG key (hmac-sha256, RFC 8945) the fixture makes and refuses
// unsigned ones, and NOTIFYs (RFC 1996) a secondary knotd on 127.0.0.2:PORT, which transfers
// the zone from it (AXFR/IXFR). The same port on both addresses, as a zone's NS records give
// only names and addresses. Each knotd runs as the test's user from its own folder (rundir,
// storage, control socket, log) in one private temp folder; the destructor stops both and
// removes it, and the children get SIGKILL should the test process die first.
//
//   dnsauth::test::KnotPair knot("example.com", dnsauth::test::knot_zone_text("example.com"));
//   ZoneClientOptions o; o.server = knot.primary_address();
//   o.tsig = *dns::load_tsig_key(knot.tsig_key_file());
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace dnsauth::test {

// A master file for zone that KnotPair can serve: SOA (serial as given, refresh 2 s and retry
// 1 s so a secondary catches up at once), NS ns1.<zone> and ns2.<zone> with their addresses
// 127.0.0.1 and 127.0.0.2, then `extra` (more records, relative to the zone or absolute).
std::string knot_zone_text(const std::string& zone, std::uint32_t serial = 1, const std::string& extra = {});

class KnotPair {
 public:
  static constexpr const char* kBinary = "/usr/sbin/knotd";
  static constexpr const char* kControl = "/usr/sbin/knotc";
  static bool available();  // knotd and knotc are installed

  // Returns once both serve the zone, the secondary at the primary's serial. Throws
  // std::runtime_error with knotd's log when either does not start within startup_timeout_ms.
  KnotPair(std::string zone, std::string zone_text, int startup_timeout_ms = 15000);
  ~KnotPair();
  KnotPair(const KnotPair&) = delete;
  KnotPair& operator=(const KnotPair&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& zone() const { return zone_; }
  std::string primary_address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string secondary_address() const { return "127.0.0.2:" + std::to_string(port_); }

  // The TSIG key the primary accepts UPDATEs with, as BIND's `key "name" { ... };`.
  std::filesystem::path tsig_key_file() const { return dir_ / "update.key"; }
  const std::string& tsig_key_name() const { return key_name_; }
  const std::string& tsig_secret() const { return key_secret_; }

  // The secondary goes down and comes back with its storage (zone file, journal, timers);
  // start_secondary returns once it answers and has asked the primary for changes.
  void stop_secondary();
  void start_secondary(int startup_timeout_ms = 15000);

  // The zone's SOA serial as the server at address serves it; nullopt when it does not answer
  // authoritatively with one.
  std::optional<std::uint32_t> serial(const std::string& address) const;
  // Polls until the server at address serves at least serial (RFC 1982 arithmetic aside: the
  // tests count up from 1); false after timeout_ms.
  bool wait_for_serial(const std::string& address, std::uint32_t serial, int timeout_ms = 10000) const;

  std::string log() const;  // both knotd logs so far, for failure messages

 private:
  struct Instance {
    std::string name;     // "primary", "secondary"
    std::string ip;       // "127.0.0.1"
    std::filesystem::path dir;
    pid_t pid = -1;
  };
  void write_config(const Instance& instance, const std::string& zone_text) const;
  void start(Instance& instance, int startup_timeout_ms);
  void control(const Instance& instance, const std::string& command) const;
  void stop_all();

  std::string zone_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::string key_name_ = "dnsauth-update";
  std::string key_secret_;
  Instance primary_{"primary", "127.0.0.1", {}, -1};
  Instance secondary_{"secondary", "127.0.0.2", {}, -1};
};

}  // namespace dnsauth::test

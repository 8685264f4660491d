#include "support/knot_fixture.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/common/base64.h"
#include "core/dns/zone_client.h"
#include "support/nsd_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace dnsauth::test {

std::string knot_zone_text(const std::string& zone, std::uint32_t serial, const std::string& extra) {
  // RFC 1035 3.3.13: refresh and retry tell a secondary how soon to ask again; 2 and 1 s keep
  // a restarted secondary from lagging. Knot's refresh-min-interval (2 s) allows these.
  return "$ORIGIN " + zone + ".\n$TTL 300\n@ SOA ns1 hostmaster " + std::to_string(serial) +
         " 2 1 600 60\n@ NS ns1\n@ NS ns2\nns1 A 127.0.0.1\nns2 A 127.0.0.2\n" + extra;
}

bool KnotPair::available() { return ::access(kBinary, X_OK) == 0 && ::access(kControl, X_OK) == 0; }

KnotPair::KnotPair(std::string zone, std::string zone_text, int startup_timeout_ms) : zone_(std::move(zone)) {
  dir_ = make_temp_dir("dnsauth-knot-");
  try {
    port_ = free_loopback_port({primary_.ip, secondary_.ip});
    // RFC 8945 6: the key as long as the HMAC's output (32 bytes for SHA-256).
    std::random_device random;
    std::string bytes;
    for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(random() & 0xff));
    key_secret_ = encode_base64(bytes);
    write_file(tsig_key_file(), "key \"" + key_name_ + "\" {\n\talgorithm hmac-sha256;\n\tsecret \"" +
                                    key_secret_ + "\";\n};\n");
    for (Instance* i : {&primary_, &secondary_}) {
      i->dir = dir_ / i->name;
      std::filesystem::create_directories(i->dir);
      write_config(*i, zone_text);
    }
    start(primary_, startup_timeout_ms);
    start(secondary_, startup_timeout_ms);
    auto primary_serial = serial(primary_address());
    if (!primary_serial || !wait_for_serial(secondary_address(), *primary_serial, startup_timeout_ms))
      throw std::runtime_error("the secondary knotd did not transfer " + zone_ + " from the primary: " + log());
  } catch (...) {
    stop_all();
    throw;
  }
}

KnotPair::~KnotPair() { stop_all(); }

void KnotPair::write_config(const Instance& instance, const std::string& zone_text) const {
  const std::string d = instance.dir.string(), port = std::to_string(port_);
  const bool primary = &instance == &primary_;
  const Instance& peer = primary ? secondary_ : primary_;
  std::string conf =
      "server:\n"
      "    rundir: \"" + d + "\"\n"
      "    listen: " + instance.ip + "@" + port + "\n"
      "    udp-workers: 1\n"
      "    tcp-workers: 1\n"
      "    background-workers: 1\n"
      "control:\n"
      "    listen: \"" + d + "/knot.sock\"\n"
      "log:\n"
      "  - target: \"" + d + "/knot.log\"\n"
      "    any: info\n"
      "database:\n"
      "    storage: \"" + d + "\"\n"
      // The peer is reached from our own address: its ACL names ours (all of 127.0.0.0/8
      // would otherwise leave from 127.0.0.1).
      "remote:\n"
      "  - id: peer\n"
      "    address: " + peer.ip + "@" + port + "\n"
      "    via: " + instance.ip + "\n";
  if (primary) {
    conf +=
        "key:\n"
        "  - id: " + key_name_ + "\n"
        "    algorithm: hmac-sha256\n"
        "    secret: " + key_secret_ + "\n"
        "acl:\n"
        // RFC 2136 3.3 leaves who may update to the server: here whoever signs with the key.
        "  - id: update\n"
        "    key: " + key_name_ + "\n"
        "    action: update\n"
        "  - id: transfer\n"
        "    address: " + peer.ip + "\n"
        "    action: transfer\n"
        "zone:\n"
        "  - domain: " + zone_ + "\n"
        "    storage: \"" + d + "\"\n"
        "    file: \"" + zone_ + ".zone\"\n"
        "    notify: peer\n"
        "    acl: [update, transfer]\n"
        "    semantic-checks: off\n";
    write_file(instance.dir / (zone_ + ".zone"), zone_text);
  } else {
    conf +=
        "acl:\n"
        "  - id: notify\n"
        "    address: " + peer.ip + "\n"
        "    action: notify\n"
        "zone:\n"
        "  - domain: " + zone_ + "\n"
        "    storage: \"" + d + "\"\n"
        "    file: \"" + zone_ + ".zone\"\n"
        "    master: peer\n"
        "    acl: notify\n"
        "    semantic-checks: off\n";
  }
  write_file(instance.dir / "knot.conf", conf);
}

void KnotPair::start(Instance& instance, int startup_timeout_ms) {
  instance.pid = spawn_daemon(kBinary, {"-c", (instance.dir / "knot.conf").string()}, instance.dir / "knotd.out");
  const std::string address = instance.ip + ":" + std::to_string(port_);
  dns::ZoneClientOptions options;
  options.server = address;
  options.timeout = std::chrono::milliseconds(200);
  options.retries = 0;
  auto client = dns::ZoneClient::create(options);
  if (!client) throw std::runtime_error("KnotPair: " + client.error().message());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms);
  while (true) {
    int status = 0;
    if (daemon_exited(instance.pid, &status)) {
      instance.pid = -1;
      throw std::runtime_error("knotd (" + instance.name + ") exited during startup (status " +
                               std::to_string(status) + "): " + read_file_if_any(instance.dir / "knotd.out") +
                               read_file_if_any(instance.dir / "knot.log"));
    }
    // Ready when it answers at all: a secondary without its zone yet answers SERVFAIL.
    auto soa = (*client)->query(zone_, dns::RRType::A);
    if (soa.answer.status != dns::Status::tempfail || soa.answer.rcode != 0) break;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("knotd (" + instance.name + ") did not answer on " + address + " within " +
                               std::to_string(startup_timeout_ms) + " ms: " +
                               read_file_if_any(instance.dir / "knotd.out") + read_file_if_any(instance.dir / "knot.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void KnotPair::control(const Instance& instance, const std::string& command) const {
  auto r = run_process(kControl, {"-s", (instance.dir / "knot.sock").string(), command, zone_});
  if (r.status != 0)
    throw std::runtime_error("knotc " + command + " " + zone_ + " (" + instance.name + ") failed: " + r.out + r.err);
}

void KnotPair::stop_secondary() { stop_daemon(secondary_.pid); }

void KnotPair::start_secondary(int startup_timeout_ms) {
  if (secondary_.pid > 0) return;
  start(secondary_, startup_timeout_ms);
  // A NOTIFY sent while it was down is lost; RFC 1996 4.7 leaves it to the SOA refresh timer,
  // which knotd may have set long ago. Ask now instead.
  control(secondary_, "zone-refresh");
}

std::optional<std::uint32_t> KnotPair::serial(const std::string& address) const {
  dns::ZoneClientOptions options;
  options.server = address;
  options.timeout = std::chrono::milliseconds(500);
  options.retries = 1;
  auto client = dns::ZoneClient::create(options);
  if (!client) return std::nullopt;
  auto soa = (*client)->soa(zone_);
  if (!soa) return std::nullopt;
  return soa->serial;
}

bool KnotPair::wait_for_serial(const std::string& address, std::uint32_t wanted, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto s = serial(address);
    if (s && *s >= wanted) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string KnotPair::log() const {
  std::string out;
  for (const Instance* i : {&primary_, &secondary_})
    out += "\n--- knotd " + i->name + " ---\n" + read_file_if_any(i->dir / "knotd.out") +
           read_file_if_any(i->dir / "knot.log");
  return out;
}

void KnotPair::stop_all() {
  stop_daemon(secondary_.pid);
  stop_daemon(primary_.pid);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace dnsauth::test

// The publisher's side of DNS as code: which records a domain publishes (its config and its
// lifecycle state together), its zone and primary, the plan against the primary, the UPDATE
// that applies it, and the check of every authoritative server (plan, apply, wait, rotate).
#pragma once

#include <cstdint>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/dns/zone_client.h"
#include "core/lifecycle/rotation.h"
#include "core/lifecycle/state.h"
#include "core/records/zone_plan.h"

namespace dnsauth::publisher {

// The domain as DNS should serve it: the configured selectors, and those of the lifecycle state
// that are published, retired or revoked (README "Rotating keys"). revoked: published with an
// empty p=; absent: owners whose record must go (removed selectors).
struct Publication {
  config::Domain domain;
  std::set<std::string> revoked;
  std::vector<std::string> absent;
};
Publication publication_of(const config::Domain& domain, const lifecycle::State& state);

// The public keys of the publication's selectors that `keys` lacks, except the revoked ones,
// read from their files (never created). False with *error naming the selector when one cannot
// be read.
bool read_publication_keys(const Publication& p, std::map<std::string, std::string>& keys, std::string* error);

// Every record of the publication (keys read from their files, never created here); InputError
// naming the selector when a key cannot be read.
std::vector<records::Wanted> wanted_records(const Publication& p);

// How the commands reach DNS (--server, --tsig-key, --ns-port, --timeout).
struct DnsOptions {
  std::string server;    // ADDR[:PORT]; empty: the zone's SOA MNAME, found through the resolver
  std::string resolver;  // ADDR[:PORT] of a recursive resolver; empty: the system's (resolv.conf)
  std::optional<dns::TsigKey> tsig;
  std::uint16_t ns_port = 53;
  std::chrono::milliseconds timeout{3000};
};

// The domain's zone and a client for its primary. DnsError when it cannot be found.
struct Primary {
  std::unique_ptr<dns::ZoneClient> client;
  dns::Soa soa;
};

// A DNS failure that stops a command for one domain: exit 3, or 4 for a failed prerequisite.
struct DnsError : std::runtime_error {
  DnsError(const std::string& what, int status) : std::runtime_error(what), exit_status(status) {}
  int exit_status;
};

Primary find_primary(const std::string& domain, const DnsOptions& options);

// What differs between `wanted` and what the client's server serves.
records::ZonePlan plan_against(dns::ZoneClient& client, const std::string& zone, const std::vector<records::Wanted>& wanted);

// Sends the plan's update (DnsError on refusal, timeout or a failed prerequisite) and checks
// that the primary then serves what was wanted.
void apply_plan(Primary& primary, const records::ZonePlan& plan, const std::vector<records::Wanted>& wanted);

// One authoritative server as `wait` saw it.
struct ServerView {
  std::string name;     // its NS name
  std::string address;  // ADDR:PORT asked
  bool in_sync = false;
  std::optional<std::uint32_t> serial;
  std::string detail;   // what it lacks, or why it could not be asked
};

// Every server of the zone's NS set, each asked directly (RD=0): in sync when it serves what is
// wanted. Asked again every second until all are or the deadline passes (0: once).
std::vector<ServerView> wait_for_servers(Primary& primary, const std::vector<records::Wanted>& wanted,
                                         const DnsOptions& options, std::chrono::seconds deadline);
bool all_in_sync(const std::vector<ServerView>& servers);

nlohmann::ordered_json plan_json(const records::ZonePlan& plan);
nlohmann::ordered_json servers_json(const std::vector<ServerView>& servers);
void print_plan(std::ostream& out, const std::string& domain, const records::ZonePlan& plan);
void print_servers(std::ostream& out, const std::vector<ServerView>& servers);

}  // namespace dnsauth::publisher

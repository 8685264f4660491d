// Talking to one authoritative server about one zone, over ldns: direct queries without
// recursion (RD=0, the AA bit reported), the zone's SOA, NS and their addresses, and RFC 2136
// UPDATE messages signed with TSIG (RFC 8945). The publisher's plan/apply/wait use it; a
// recursive resolver's cache never stands between them and what a server serves.
// One instance is not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/resolver.h"
#include "core/dns/tsig_key.h"

namespace dnsauth::dns {

struct ZoneClientOptions {
  // "ADDR" or "ADDR:PORT" as dns::parse_host_port reads it (port 53 when absent); empty: the
  // system's resolver, system_nameserver().
  std::string server;
  // RD=1: the server is a recursive resolver (finding a zone's SOA MNAME and the addresses of
  // its servers when no server is named). Its answers are not authoritative (no AA bit), and
  // find_zone() does not ask for one.
  bool recursion_desired = false;
  std::chrono::milliseconds timeout{3000};  // per attempt
  unsigned retries = 2;                     // attempts after the first
  std::optional<TsigKey> tsig;              // signs UPDATE messages (and verifies their answers)
};

// A query answered by the server itself. answer is as LdnsResolver maps it (ok, nodata,
// nxdomain, tempfail with rcode and detail), but a CNAME is not followed.
struct DirectAnswer {
  Answer answer;
  bool authoritative = false;  // the AA bit (RFC 1035 4.1.1)
  std::uint32_t ttl = 0;       // the smallest TTL of the records answered, 0 when none
};

struct Soa {
  std::string zone;   // the owner, lowercase, no trailing dot
  std::string mname;  // the primary master (RFC 1035 3.3.13), lowercase, no trailing dot
  std::uint32_t serial = 0;
  std::uint32_t minimum = 0;  // RFC 2308 5: the negative-caching TTL
};

// One TXT record for an UPDATE: its character-strings as they go on the wire (each at most
// 255 bytes; records::split_character_strings makes them).
struct TxtData {
  std::string owner;  // absolute, no trailing dot
  std::uint32_t ttl = 3600;
  std::vector<std::string> strings;
};

// RFC 2136 2.4: what the zone must hold for the update to apply. A TXT RRset at owner is
// exactly `records` (2.4.2, value-dependent: every record and no other), or, when records is
// empty, there is no TXT RRset at owner (2.4.3).
struct TxtPrerequisite {
  std::string owner;
  std::vector<std::vector<std::string>> records;
};

struct Update {
  std::string zone;                             // the zone section (RFC 2136 2.3)
  std::vector<TxtPrerequisite> prerequisites;   // all must hold, or nothing changes
  std::vector<TxtData> deletes;                 // 2.5.4: delete this one RR from its RRset
  std::vector<TxtData> adds;                    // 2.5.1: add to an RRset
};

enum class UpdateStatus {
  ok,                    // NOERROR: applied
  prerequisite_failed,   // YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET: the zone is not what we read
  refused,               // REFUSED: the server does not let this key (or anyone) update
  not_authoritative,     // NOTAUTH: bad TSIG key, or not authoritative for the zone
  not_zone,              // NOTZONE: a name outside the zone
  tsig_failed,           // the answer is unsigned or its TSIG does not verify (RFC 8945 5.4)
  timeout,               // no answer from the server
  failed,                // any other RCODE or network error
};
std::string_view to_string(UpdateStatus status) noexcept;

struct UpdateResult {
  UpdateStatus status = UpdateStatus::failed;
  int rcode = 0;          // the answer's RCODE, when there was an answer
  int tsig_error = 0;     // the TSIG error field of the answer (RFC 8945 5.2: 16 BADSIG, 17 BADKEY, 18 BADTIME)
  std::string detail;     // for the operator: "NOTAUTH (TSIG BADKEY: the server does not know key 'x')"
};

// The system's resolver: the first nameserver of a resolv.conf(5) file as ldns reads it,
// "192.0.2.53" or "[2001:db8::53]" (the form ZoneClientOptions::server takes). Errc::io when the
// file cannot be read or names no nameserver.
Result<std::string> system_nameserver(const std::string& resolv_conf = "/etc/resolv.conf");

class ZoneClient {
 public:
  // Errc::invalid_argument for a bad server address or a TSIG key ldns refuses (ldns 1.8.3
  // signs with hmac-sha1, hmac-sha256 and hmac-sha512 only, not hmac-sha224 nor hmac-sha384).
  static Result<std::unique_ptr<ZoneClient>> create(const ZoneClientOptions& options);
  ~ZoneClient();
  ZoneClient(const ZoneClient&) = delete;
  ZoneClient& operator=(const ZoneClient&) = delete;

  // One query with RD=0, over UDP with TCP after truncation.
  DirectAnswer query(std::string_view name, RRType type);

  // The zone's SOA as this server serves it; Errc::dns naming the server and the reason when it
  // does not answer authoritatively with one.
  Result<Soa> soa(std::string_view zone);

  // The closest enclosing zone of `name`: asks for the SOA of name and reads the zone from the
  // answer or the authority section (RFC 2308 3); Errc::dns when there is none. Without
  // recursion_desired, only an authoritative answer (AA) counts.
  Result<Soa> find_zone(std::string_view name);

  // The NS names of the zone (lowercase, no trailing dot), as this server serves them.
  Result<std::vector<std::string>> nameservers(std::string_view zone);

  // The A and AAAA addresses of host as this server serves them (in-zone hosts and glue);
  // empty when it has none.
  std::vector<std::string> addresses(std::string_view host);

  // Sends one UPDATE, TSIG-signed when the options carry a key, and reads its answer: over UDP
  // when it fits in 512 octets, else (or when the answer is truncated) over TCP. With a key, an
  // answer carrying a TSIG error (BADKEY, BADSIG: unsigned, RFC 8945 5.3.2) keeps its RCODE's
  // status with tsig_error set; a NOERROR answer that is unsigned or does not verify is
  // tsig_failed; an unsigned error answer keeps its RCODE's status (it can only report failure).
  UpdateResult update(const Update& update);

  // "127.0.0.1:5353", for messages.
  const std::string& server() const { return server_; }

 private:
  struct Impl;
  ZoneClient(std::unique_ptr<Impl> impl, std::string server);
  std::unique_ptr<Impl> impl_;
  std::string server_;
};

}  // namespace dnsauth::dns

// DNS as code: the difference between the TXT records dnsauth.toml wants and what a server
// serves, and the RFC 2136 UPDATE that closes it. Only our records are ever touched: at a DKIM
// key name every TXT record is ours (RFC 6376 3.6.2.1: the name holds key records only); at an
// SPF name only the records that start "v=spf1" (RFC 7208 4.5), at a DMARC or report
// authorization name only those that start "v=DMARC1" (RFC 7489 6.4, 7.1). Every other record,
// and every other name, is left alone. The update carries as prerequisite every touched RRset as
// it was read (RFC 2136 2.4.2, or 2.4.3 when there was none), so that a change made meanwhile
// by anyone else makes the server refuse it whole instead of being overwritten.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/zone_client.h"
#include "core/records/records.h"

namespace dnsauth::records {

// Whether a TXT record of this text at a name of this kind is ours to change.
bool owns(Kind kind, std::string_view text);

// One owner name and what of its TXT records we want: texts empty means none of ours (a removed
// selector's name: what we published there goes).
struct Wanted {
  std::string owner;
  Kind kind = Kind::dkim;
  std::uint32_t ttl = 3600;
  std::vector<std::string> texts;
};

// The records, grouped by owner in first-seen order; then `absent` owners (kind dkim) that
// are not among them.
std::vector<Wanted> wanted_by_owner(const std::vector<TxtRecord>& records, const std::vector<std::string>& absent = {});

// One TXT RRset as a server serves it: each record's character-strings; ttl of the RRset.
struct Served {
  std::uint32_t ttl = 0;
  std::vector<std::vector<std::string>> records;
};

enum class ChangeKind { add, remove, replace };
std::string_view to_string(ChangeKind kind) noexcept;

struct Change {
  ChangeKind kind = ChangeKind::add;
  std::string owner;
  Kind record_kind = Kind::dkim;
  std::vector<std::string> before, after;  // our records' texts (strings joined)
  std::uint32_t ttl_before = 0, ttl_after = 0;
};

struct ZonePlan {
  std::string zone;
  std::vector<Change> changes;     // empty: the server serves what we want
  dns::Update update;              // what closes the difference (empty lists when none)
  std::vector<std::string> outside;  // wanted owners not in the zone: left to their own zone
};

// The TXT RRset at an owner as the server serves it, or Errc::dns with the reason when the
// server could not say (a timeout, SERVFAIL, REFUSED).
using ServedLookup = std::function<Result<Served>(const std::string& owner)>;

// Compares `wanted` with what `lookup` says the zone's server serves. A difference at an owner
// replaces all of our records there (the TTL included) and keeps the others.
Result<ZonePlan> plan_zone(std::string_view zone, const std::vector<Wanted>& wanted, const ServedLookup& lookup);

// "example.com" is in zone "example.com" and "com", not in "ample.com".
bool in_zone(std::string_view owner, std::string_view zone);

}  // namespace dnsauth::records

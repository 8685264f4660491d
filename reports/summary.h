// What the report database says about one domain over a period (`dnsauth-validate reports
// summary`, and the numbers of the HTML page): messages reported, DMARC pass and fail, DKIM and
// SPF alignment, the receivers' dispositions -- in total, by sending source, by reporting
// organization and by day. Every number is a sum of the records' <count> (RFC 7489 7.2.1.1:
// one record stands for count messages evaluated alike), in 64 bits, added up by SQLite.
//
// Which records count (the README's "reports summary"):
// - a record belongs to domain D when its report is about D's policy (policy_published domain
//   D: receivers evaluated it against D's record, whatever its header_from says -- a subdomain
//   without a record of its own, RFC 7489 6.6.3, or a From with several domains) or about a
//   subdomain's own record, or when its header_from is D or a subdomain of D;
// - a report belongs to the period when its date range *begins* in [since, until]: a report is
//   counted whole, once, and on the UTC day of its date_begin in the daily series (receivers
//   report whole UTC days, RFC 7489 7.2.1.1 "daily").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

struct sqlite3;

namespace dnsauth::reports {

// Seconds since the epoch, UTC, inclusive bounds on a report's date_begin; absent: unbounded.
struct Period {
  std::optional<std::int64_t> since;
  std::optional<std::int64_t> until;
};

// "YYYY-MM-DD" (a proleptic Gregorian UTC day) as the first second of that day;
// Errc::invalid_argument naming the text for anything else (2026-02-30 included).
Result<std::int64_t> parse_day(std::string_view text);
// The UTC day holding t, as "YYYY-MM-DD".
std::string format_day(std::int64_t t);
// The first second of the UTC day holding t.
std::int64_t day_start(std::int64_t t);
inline constexpr std::int64_t kSecondsPerDay = 86400;

// --since and --until: since from the first second of its day, until to the last second of its
// day (both days count). Errc::invalid_argument for a bad day or since after until.
Result<Period> parse_period(const std::optional<std::string>& since, const std::optional<std::string>& until);

struct Counts {
  std::uint64_t messages = 0;
  std::uint64_t dmarc_pass = 0;    // DKIM or SPF aligned and passing (policy_evaluated)
  std::uint64_t dmarc_fail = 0;    // messages - dmarc_pass
  std::uint64_t dkim_aligned = 0;  // policy_evaluated dkim = pass
  std::uint64_t spf_aligned = 0;   // policy_evaluated spf = pass
};

// The receivers' policy_evaluated <disposition>: what they did (RFC 7489 7.2.1.1), DMARCbis's
// "pass" included; a value outside these is counted as other.
struct Dispositions {
  std::uint64_t none = 0;
  std::uint64_t quarantine = 0;
  std::uint64_t reject = 0;
  std::uint64_t pass = 0;
  std::uint64_t other = 0;
};

// One raw <auth_results> entry reported for a source, and the messages of the records that
// carried it: a DKIM d= with its selector, or an SPF domain. Unaligned results are here too.
struct AuthSeen {
  std::string kind;      // "dkim" | "spf"
  std::string domain;    // d= or the SPF domain
  std::string selector;  // DKIM s=, "" when not reported or for SPF
  std::string result;    // "pass", "fail", ... as reported
  std::uint64_t messages = 0;
};

// A sending source: one address (stored in one spelling whatever the receivers wrote:
// RFC 5952 for IPv6, IPv4-mapped as IPv4).
struct SourceRow {
  std::string ip;
  Counts counts;
  Dispositions dispositions;
  std::vector<AuthSeen> auth;  // DKIM first, then SPF; each by messages, descending
};

// A reporting organization (a receiver): its reports and the alignment it saw.
struct OrganizationRow {
  std::string name;
  std::uint64_t reports = 0;
  Counts counts;
};

// One UTC day: the reports whose date range begins on it.
struct DayRow {
  std::int64_t start = 0;  // the first second of the day
  std::string day;         // "YYYY-MM-DD"
  Counts counts;
};

// A <policy_published> the receivers saw (the record in DNS when they evaluated).
struct PolicySeen {
  std::string domain, p, sp;
  std::optional<std::int64_t> pct;  // RFC 7489 only
  std::string testing;              // DMARCbis t=: "y" | "n" | ""
  std::uint64_t reports = 0;
  std::int64_t last_seen = 0;       // the latest date_begin of those reports
};

struct Summary {
  std::string domain;                // lowercase
  Period period;                     // as asked
  std::uint64_t reports = 0;         // reports with at least one record of the domain
  std::optional<std::int64_t> first_report, last_report;  // their date_begin, earliest and latest
  Counts totals;
  Dispositions dispositions;
  std::vector<SourceRow> sources;    // by messages, descending, then by ip
  std::vector<OrganizationRow> organizations;  // by messages, descending, then by name
  std::vector<DayRow> days;          // ascending; only days that have reports
  std::vector<PolicySeen> policies;  // the newest first
};

// "none 120, quarantine 3": the dispositions that occur; "-" when there is none.
std::string dispositions_text(const Dispositions& d);
// The raw results of one kind ("dkim" or "spf") reported for a source, with their messages:
// "example.com s=s1 pass 120; example.net s=k1 fail 3"; "-" when there is none.
std::string auth_text(const SourceRow& source, std::string_view kind);

// The summary of `domain` (and its subdomains) over `period`. Errc::invalid_argument for an
// empty domain; Errc::io with SQLite's message when the database cannot be read. A domain
// without reports is an empty summary (reports == 0), not an error.
Result<Summary> summarize(sqlite3* db, std::string_view domain, const Period& period);

}  // namespace dnsauth::reports

// Finding the DMARC Policy Record that applies to an Author Domain, and the Organizational
// Domain of any domain, in the two ways receivers do it today:
//
//   Mode::rfc9989  RFC 9989 4.10: the DNS Tree Walk. _dmarc.<domain> and then its parents,
//                  at most 8 queries (a name of more than 8 labels jumps to its last 7),
//                  stopping at a record with psd=y or psd=n; the Organizational Domain is
//                  chosen from the records found (4.10.2), the policy from the Author Domain,
//                  its Organizational Domain or its Public Suffix Domain (4.10.1).
//   Mode::rfc7489  RFC 7489 3.2 and 6.6.3: the Organizational Domain is the Public Suffix
//                  List's registrable domain; the policy is at _dmarc.<Author Domain> or,
//                  when there is none, at _dmarc.<Organizational Domain>.
//
// Every query goes through the Resolver given; each _dmarc name is asked once per finder, and
// every answer used is kept (lookups()) so a caller can show what the verdict rests on.
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dmarc/record.h"
#include "core/dns/resolver.h"

struct psl_ctx_st;  // libpsl's context, kept out of this header

namespace dnsauth::dmarc {

enum class Mode { rfc9989, rfc7489 };
std::string_view to_string(Mode mode) noexcept;  // "rfc9989", "rfc7489"
std::optional<Mode> parse_mode(std::string_view text) noexcept;  // also "9989", "7489"

// Domain name helpers on lowercase, dot-separated names without a trailing dot.
std::size_t count_labels(std::string_view domain) noexcept;
// The last `labels` labels of domain ("a.b.example.com", 2 -> "example.com").
std::string_view last_labels(std::string_view domain, std::size_t labels) noexcept;
// Lowercase, without a trailing dot.
std::string normalize_domain(std::string_view domain);

// The Public Suffix List (RFC 7489 3.2 step 1), through libpsl. Both the ICANN and the
// private section count, as in the PSL's own algorithm ("foo.blogspot.com" is registrable).
class PublicSuffixList {
 public:
  // Debian's copy (/usr/share/publicsuffix/public_suffix_list.dat) or, when that cannot be
  // read, libpsl's built-in data. Loaded once, on first use; safe to call from any thread.
  static const PublicSuffixList& system();
  // A list in the PSL's text format. Errc::io when it cannot be loaded.
  static Result<PublicSuffixList> load_file(const std::filesystem::path& file);

  // RFC 7489 3.2: the public suffix matching the most labels, plus one label. A domain that
  // is itself a public suffix (or empty) is its own Organizational Domain.
  std::string organizational_domain(std::string_view domain) const;
  bool is_public_suffix(std::string_view domain) const;
  const std::string& source() const noexcept { return source_; }  // file name or "builtin"
  std::size_t suffix_count() const;

 private:
  std::shared_ptr<psl_ctx_st> ctx_;
  std::string source_;
};

// One TXT query for a DMARC record: everything the answer said.
struct RecordLookup {
  std::string domain;   // the domain the record would be for
  std::string name;     // "_dmarc.<domain>"
  dns::Status status = dns::Status::nxdomain;
  std::string detail;   // the resolver's reason on tempfail
  std::vector<std::string> txt;   // every TXT record in the answer
  std::size_t dmarc_records = 0;  // how many of them start with v=DMARC1
  std::optional<Record> record;   // set when exactly one did (RFC 9989 4.10 step 2)

  bool tempfail() const noexcept { return status == dns::Status::tempfail; }
  // "_dmarc.example.com: v=DMARC1; p=reject", "_dmarc.example.com: NXDOMAIN",
  // "_dmarc.example.com: 2 DMARC records, all discarded"
  std::string summary() const;
};

struct OrganizationalDomain {
  std::string domain;      // empty when temperror
  bool temperror = false;  // a query of the tree walk failed
  std::string reason;      // how it was chosen
};

// Why policy discovery (PolicyDiscovery) or a DMARC evaluation (DomainResult, Evaluation in
// core/dmarc/evaluate.h) came out as it did.
enum class Cause {
  // none
  no_record,                        // no DMARC record applies (RFC 9989 4.10.1, RFC 7489 6.6.3)
  several_records,                  // RFC 7489 6.6.3 step 5: several at the Author Domain
  invalid_author_domain,            // an address literal, or not a domain name
  no_author_domain,                 // for the message: permerror, From gives none (RFC 9989 5.3.1)
  // found (policy discovery only)
  record_at_author_domain,
  record_at_organizational_domain,
  record_at_public_suffix_domain,   // RFC 9989 4.10.1: a record with psd=y
  // temperror
  dns_temperror,                    // a _dmarc lookup failed
  existence_temperror,              // RFC 9989 3.2.13: np= needs to know whether the Author
                                    // Domain exists, and the query failed
  alignment_temperror,              // no aligned pass, and a temporary error on an identifier
                                    // that would have aligned (RFC 7489 6.6.2, RFC 9989 5.3.6)
  // permerror
  unusable_record,                  // p, sp or np invalid and no valid rua (RFC 9989 4.10.1)
  too_many_author_domains,          // RFC 9989 11.5: more than EvaluateOptions allows
  // pass and fail
  aligned_pass,                     // an authenticated identifier aligns (RFC 9989 4.4)
  no_aligned_pass,                  // none does
};
// A stable machine name for JSON: "no_record", "aligned_pass", ...
std::string_view to_string(Cause cause) noexcept;
// The cause in general, in words.
std::string_view describe(Cause cause) noexcept;

struct PolicyDiscovery {
  enum class Outcome { found, none, temperror };
  Outcome outcome = Outcome::none;
  std::string author_domain;
  std::string policy_domain;  // where the record applied was found
  Record record;              // the record applied, when found
  bool psd_record = false;    // RFC 9989: a Public Suffix Domain's record (psd=y) applies
  Cause cause = Cause::no_record;
  std::string detail;         // in full: the names looked up and what they said

  // For people: the detail, or else describe(cause).
  std::string reason() const;

  bool found() const noexcept { return outcome == Outcome::found; }
  // The Author Domain is a subdomain of the policy domain: sp/np rather than p (RFC 9989
  // 4.10.1, RFC 7489 6.3 "sp").
  bool subdomain() const noexcept { return found() && policy_domain != author_domain; }
};

struct DiscoveryOptions {
  Mode mode = Mode::rfc9989;
  const PublicSuffixList* psl = nullptr;  // rfc7489 mode; nullptr: PublicSuffixList::system()
  std::size_t max_walk_queries = 8;       // RFC 9989 4.10 (the walk's label cap)
};

class PolicyFinder {
 public:
  explicit PolicyFinder(dns::Resolver& resolver, DiscoveryOptions options = {});

  // RFC 9989 4.10.1 or RFC 7489 6.6.3, as the mode says.
  PolicyDiscovery discover(std::string_view author_domain);
  // RFC 9989 4.10.2 (tree walk, cached per domain) or RFC 7489 3.2 (PSL).
  OrganizationalDomain organizational_domain(std::string_view domain);

  // RFC 9989 4.10: the names a tree walk from `domain` asks, in order, before any stop:
  // the domain itself (when include_start), then its parent -- or, for a name of 8 or more
  // labels, its last 7 -- and every parent after that, up to the single-label name.
  static std::vector<std::string> walk_targets(std::string_view domain,
                                               std::size_t max_queries = 8,
                                               bool include_start = true);
  // The walk itself: the lookups it made, stopping after a record with psd=y/n (steps 2, 6)
  // or a temporary failure.
  std::vector<const RecordLookup*> tree_walk(std::string_view domain, bool include_start = true);

  // The DMARC lookup for one domain (asked once, then cached).
  const RecordLookup& lookup(std::string_view domain);
  // Every lookup made so far, in the order they were first asked.
  std::vector<const RecordLookup*> lookups() const;

  Mode mode() const noexcept { return options_.mode; }
  const PublicSuffixList& psl() const;
  dns::Resolver& resolver() noexcept { return resolver_; }

 private:
  dns::Resolver& resolver_;
  DiscoveryOptions options_;
  std::deque<RecordLookup> lookups_;  // stable addresses
  std::map<std::string, std::size_t, std::less<>> by_domain_;
  std::map<std::string, OrganizationalDomain, std::less<>> org_cache_;
};

// RFC 9990 4 / RFC 7489 7.1: verifying that a report destination outside the Organizational
// Domain of the policy agreed to receive reports, via <policy domain>._report._dmarc.<host>.
struct DestinationCheck {
  enum class Status {
    same_organization,  // no check needed: host and policy domain share an Organizational Domain
    authorized,         // the destination published a v=DMARC1 record at the query name
    unauthorized,       // it did not: reports MUST NOT go there
    temperror,          // the query failed; try again later
    name_too_long,      // the query name exceeds DNS limits (RFC 9990 4 step 4)
    no_host,            // the URI names no host to check (e.g. a scheme without authority)
  };
  Status status = Status::unauthorized;
  std::string tag;            // "rua" or "ruf"
  ReportUri uri;
  std::string policy_domain;
  std::string query;          // "<policy domain>._report._dmarc.<host>"
  dns::Status dns_status = dns::Status::nxdomain;
  std::vector<std::string> txt;     // the answer's TXT records
  std::vector<ReportUri> overrides;  // rua/ruf from the authorizing record (same host only)
  std::string reason;
};
std::string_view to_string(DestinationCheck::Status status) noexcept;

// Checks one URI of a record found at policy_domain; tag is "rua" or "ruf". The Organizational
// Domains compared are the finder's (its mode decides tree walk or PSL).
DestinationCheck check_report_destination(PolicyFinder& finder, std::string_view policy_domain,
                                          const ReportUri& uri, std::string_view tag);
// Every rua and ruf URI of the record, in order.
std::vector<DestinationCheck> check_report_destinations(PolicyFinder& finder,
                                                        std::string_view policy_domain,
                                                        const Record& record);

}  // namespace dnsauth::dmarc

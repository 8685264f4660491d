// A DMARC aggregate report as receivers send it to a domain's rua= address: RFC 7489 7.2 and
// Appendix C (no namespace, or http://dmarc.org/dmarc-xml/0.1) and the DMARCbis aggregate
// reporting schema (urn:ietf:params:xml:ns:dmarc-2.0; dmarc-xml-0.2.xsd). The model keeps what
// an operator needs to decide a policy step, in the schema's own words; enumerated values are
// kept as the lowercase text the report gave (RFC 7489 C: "none", "quarantine", ...) so that a
// receiver's value outside the schema is stored as sent instead of being lost.
//
// Every text is a view, not a copy: into the document the parser read in place (trimmed and,
// where the model says so, lowercased there), or into the Parser's own storage for a text that
// arrived in pieces (CDATA, comments inside a value) or a document pugixml converted to UTF-8.
// A view is valid until the same Parser parses again or goes away, and while the document
// string is neither changed nor destroyed: what is kept longer is copied (the store binds the
// views and copies nothing until SQLite does; parse_report's Report keeps both alive).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dnsauth::dmarc_report {

// Which schema the document declared (the root element's namespace).
enum class Schema {
  rfc7489,   // no namespace, or http://dmarc.org/dmarc-xml/0.1 (RFC 7489 Appendix C)
  dmarc_org_0_2,  // http://dmarc.org/dmarc-xml/0.2 (the drafts' interim namespace)
  dmarcbis,  // urn:ietf:params:xml:ns:dmarc-2.0 (DMARCbis aggregate reporting)
};
std::string_view to_string(Schema schema) noexcept;  // "rfc7489", "dmarc.org-0.2", "dmarcbis"

// <report_metadata> and <policy_published>: everything before the first <record>.
struct Header {
  Schema schema = Schema::rfc7489;
  std::string_view version;        // <version>, "" when absent (RFC 7489 reports have none)
  std::string_view org_name;       // required
  std::string_view email;          // required by the schema; "" when a receiver left it out
  std::string_view extra_contact_info;
  std::string_view generator;      // DMARCbis <generator>: the reporting software
  std::string_view report_id;      // required; with org_name, what makes a report unique
  std::int64_t begin = 0;          // <date_range>, seconds since the epoch (UTC)
  std::int64_t end = 0;
  std::vector<std::string_view> errors; // <error>, in order
  // <policy_published>: the policy the receiver found in DNS.
  std::string_view domain;         // required
  std::string_view adkim, aspf;    // "r" | "s" | "" (absent: the default, r)
  std::string_view p, sp, np;      // "none" | "quarantine" | "reject" | ""
  std::optional<int> pct;          // RFC 7489 only; DMARCbis dropped pct
  std::string_view fo;
  std::string_view testing;        // DMARCbis t=: "y" | "n" | ""
  std::string_view discovery_method; // DMARCbis: "psl" | "treewalk" | ""
};

struct PolicyOverride {            // <reason> of <policy_evaluated>
  std::string_view type;           // forwarded, sampled_out, trusted_forwarder, mailing_list,
                                   // local_policy, other (RFC 7489 C), or as sent
  std::string_view comment;
};

struct DkimResult {                // one <auth_results><dkim>
  std::string_view domain;         // d=
  std::string_view selector;       // s=, "" when not reported
  std::string_view result;         // none pass fail policy neutral temperror permerror
  std::string_view human_result;
};

struct SpfResult {                 // one <auth_results><spf>
  std::string_view domain;
  std::string_view scope;          // "helo" | "mfrom" | "" (DMARCbis dropped scope)
  std::string_view result;         // none neutral pass fail softfail (DMARCbis: policy) temperror permerror
  std::string_view human_result;
};

// One <record>: a source IP and the messages it sent that the receiver evaluated alike.
struct Record {
  std::string_view source_ip;      // IPv4 or IPv6, one text per address (RFC 5952; mapped as IPv4)
  std::uint64_t count = 0;         // messages
  // <policy_evaluated>: what the receiver did and the DMARC-aligned results it saw.
  std::string_view disposition;    // none | quarantine | reject; DMARCbis adds "pass"
  std::string_view dkim;           // "pass" | "fail": DKIM result *aligned* with header_from
  std::string_view spf;            // "pass" | "fail": SPF result *aligned* with header_from
  std::vector<PolicyOverride> reasons;
  // <identifiers>
  std::string_view header_from;    // required
  std::string_view envelope_from;
  std::string_view envelope_to;
  // <auth_results>: the raw, unaligned results.
  std::vector<DkimResult> dkim_results;
  std::vector<SpfResult> spf_results;

  // DMARC passes when either aligned identifier passed (RFC 7489 6.6.2 step 6).
  bool dmarc_pass() const noexcept { return dkim == "pass" || spf == "pass"; }
};

}  // namespace dnsauth::dmarc_report

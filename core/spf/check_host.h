// check_host() (RFC 7208 4-6) and the two identities built on it (2.3 HELO, 2.4 MAIL FROM).
// The inputs (client IP, sender, HELO name, receiver name, time for %{t}) and the Resolver are
// passed in; nothing here reads the clock or the network on its own. The outcome is always a
// Verdict: DNS failures become temperror, bad records permerror, each with a typed cause and a
// problem text naming what went wrong and where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/dns/ip_address.h"
#include "core/dns/resolver.h"

namespace dnsauth::spf {

// The seven results of RFC 7208 2.6. (Inside dnsauth::spf this name hides the
// dnsauth::Result<T> template; spell that one out as dnsauth::Result.)
enum class Result { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror" (2.6, 9.1).
std::string_view to_string(Result result) noexcept;
std::optional<Result> parse_result(std::string_view text) noexcept;

enum class Identity { mailfrom, helo };
std::string_view to_string(Identity identity) noexcept;

// The arguments of check_host() (4.1) plus what macros need (7.2).
struct Request {
  dns::IpAddress client_ip;
  std::string sender;                 // "local@domain"; an empty local-part means postmaster
  std::string domain;                 // the initial <domain>
  std::string helo;                   // %{h}
  std::string receiver = "unknown";   // %{r}: the host name of this verifier
  std::int64_t now = 0;               // %{t}: seconds since the Epoch
};

struct Options {
  std::size_t max_dns_terms = 10;    // 4.6.4: include, a, mx, ptr, exists, redirect
  std::size_t max_void_lookups = 2;  // 4.6.4: answers with no records or NXDOMAIN
  std::size_t max_mx_names = 10;     // 4.6.4: more MX names is a permerror
  std::size_t max_ptr_names = 10;    // 4.6.4: PTR names beyond these are ignored
  // Returned for a fail when the domain gives no usable exp= (6.2); expanded as an
  // explain-string, used verbatim if it does not parse as one. Empty: no explanation.
  std::string default_explanation = "%{o} does not designate %{c} as permitted sender";
  bool fetch_explanation = true;  // look up exp= on fail (6.2)
  // RFC 7208 4.6.4: "MTAs or other processors SHOULD impose a limit on the maximum amount of
  // elapsed time to evaluate check_host()" (at least 20 seconds). The core reads no clock:
  // pass a predicate (e.g. steady_clock::now() > deadline); it is asked before every DNS
  // query and before every macro a record makes us expand (the CPU work a crafted record can
  // make long), and once it says true the evaluation ends in temperror (Cause::time_limit).
  std::function<bool()> time_is_up;
};

// Why check_host() ended in none, temperror or permerror; `none` when it did not (pass,
// fail, softfail, neutral).
enum class Cause {
  none,
  // none
  nothing_to_check,    // no HELO name for the HELO identity, or for a null reverse-path (2.4)
  invalid_domain,      // 4.3: <domain> is malformed or not a multi-label domain name
  domain_not_found,    // 4.3: the DNS says the domain does not exist (NXDOMAIN)
  no_record,           // 4.5: no SPF record at the domain
  // permerror
  several_records,     // 4.5: more than one SPF record
  record_syntax,       // 4.6: the record does not parse (an unknown mechanism, a bad macro,
                       // domain-spec, CIDR length or modifier; core/spf/record.h)
  dns_lookup_limit,    // 4.6.4: more DNS-querying terms than Options::max_dns_terms
  void_lookup_limit,   // 4.6.4: more void lookups than Options::max_void_lookups
  mx_name_limit,       // 4.6.4: an mx mechanism's answer with more than Options::max_mx_names
  include_no_record,   // 5.2: include: of a domain for which check_host() gives none
  redirect_no_record,  // 6.1: redirect= to a domain for which check_host() gives none
  // temperror
  dns_error,           // a DNS query failed
  time_limit,          // 4.6.4: Options::time_is_up said the evaluation took too long
};
// A stable machine name for JSON: "no_record", "dns_lookup_limit", ...
std::string_view to_string(Cause cause) noexcept;
// The cause in general, in words; "" for none.
std::string_view describe(Cause cause) noexcept;

struct Verdict {
  Result result = Result::None;
  Identity identity = Identity::mailfrom;
  std::string sender;       // the <sender> evaluated (postmaster@... filled in)
  std::string domain;       // the initial <domain>
  // The directive that decided the result as written ("-all", "ip4:192.0.2.0/24",
  // "include:_spf.example.net"), "default" when none matched (4.7), empty when no record
  // was evaluated (none, and errors before any mechanism).
  std::string mechanism;
  Cause cause = Cause::none;  // temperror/permerror/none: what went wrong
  // The problem in full, naming where: the domain, the term, the resolver's or parser's words
  // ("more than 10 DNS-querying terms (RFC 7208 4.6.4), exceeded at 'mx' in example.com").
  std::string detail;
  std::string explanation;  // fail: the expanded exp= text or the default explanation
  std::size_t dns_lookups = 0;    // terms counted towards the limit of 10 (4.6.4)
  std::size_t void_lookups = 0;   // lookups answered NXDOMAIN or with no records (4.6.4)
  std::size_t dns_queries = 0;    // queries actually sent to the resolver (after caching)

  // For people (Received-SPF problem=, reason=, JSON "problem"): the detail, or else
  // describe(cause). Empty for pass, fail, softfail and neutral.
  std::string problem() const;
};

// check_host(<ip>, <domain>, <sender>) as RFC 7208 4 defines it. IPv4-mapped IPv6 client
// addresses are evaluated as IPv4 (5, "IPv4-mapped IPv6"). Answers are cached for the
// evaluation, so the resolver is asked each name and type once.
Verdict check_host(dns::Resolver& resolver, const Request& request, const Options& options = {});

// RFC 8616 4: "All U-labels MUST be converted to A-labels before being used for an SPF
// validation." The name with its U-labels as A-labels (dns::to_a_labels, as core/mail reads
// From domains); an ASCII name, or one that is not a valid IDN or maps to no host name, comes
// back as it is: its non-ASCII bytes then make check_host() answer none (4.3, malformed
// domain), so nothing the mapping refused is ever looked up.
std::string to_a_labels(std::string_view domain);

// The SMTP session facts an MTA knows when it checks SPF.
struct Session {
  dns::IpAddress client_ip;
  std::string mail_from;              // the reverse-path, "" (or "<>") when null
  std::string helo;                   // the HELO/EHLO argument
  std::string receiver = "unknown";
  std::int64_t now = 0;
};

// RFC 5321 4.1.1.2: Reverse-path = Path / "<>". The session's mail_from is the null
// reverse-path when it is "<>" or empty (an MTA may hand over the address without its
// brackets), spaces and tabs around it aside; "<<>>" or "<" are not null but malformed paths.
// RFC 7208 2.4 then checks postmaster@<HELO>, and no envelope-from is recorded (9.1).
bool is_null_reverse_path(std::string_view mail_from) noexcept;

// The MAIL FROM identity (2.4): the domain of the reverse-path; when that is null, the
// mailbox postmaster@<HELO> (identity still "mailfrom"). U-labels in either are checked as
// A-labels (RFC 8616 4), and the Verdict's sender and domain are written so.
Verdict verify_mail_from(dns::Resolver& resolver, const Session& session,
                         const Options& options = {});
// The HELO identity (2.3): postmaster@<HELO>. An address literal or a name that is not a
// multi-label domain gives none (4.3).
Verdict verify_helo(dns::Resolver& resolver, const Session& session, const Options& options = {});

}  // namespace dnsauth::spf

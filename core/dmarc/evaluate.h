// DMARC evaluation (RFC 9989 4.4, 4.10, 5.3; RFC 7489 3.1, 6.6): given the Author Domain(s)
// from RFC5322.From and the results of SPF and DKIM, find the policy, check Identifier
// Alignment, and say pass / fail / none / temperror / permerror, which policy the Domain
// Owner asked for, which one is to be applied after t= (RFC 9989) or pct= (RFC 7489), and why.
//
// The SPF and DKIM results are inputs (RFC 8601 result names), so any verifier can feed them;
// DNS goes through the Resolver given, and pct sampling uses the random source given -- the
// core never draws randomness itself.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/verifier.h"
#include "core/dmarc/discovery.h"
#include "core/dmarc/record.h"
#include "core/dns/resolver.h"
#include "core/mail/address.h"

namespace dnsauth::dmarc {

// One DKIM signature's outcome, as DMARC needs it (RFC 9989 5.3.3: "d" and "s" and the result).
struct DkimInput {
  std::string domain;    // d=
  std::string selector;  // s=
  std::string result;    // RFC 8601 2.7.1 name: "pass", "fail", "temperror", ...
};
DkimInput dkim_input(const dkim::SignatureResult& signature);
std::vector<DkimInput> dkim_inputs(const std::vector<dkim::SignatureResult>& signatures);

// The SPF result for the MAIL FROM identity (RFC 9989 3.2.4: with a null reverse-path, the
// HELO name as in RFC 7208 2.4). DMARC never uses the HELO identity on its own.
struct SpfInput {
  std::string domain;  // the domain SPF checked
  std::string result;  // RFC 8601 2.7.2 name: "pass", "fail", "softfail", "temperror", ...
};

// RFC 8601 2.7 / RFC 9989 9.2 result names for dmarc.
enum class Status { pass, fail, none, temperror, permerror };
std::string_view to_string(Status status) noexcept;

// Returns a uniformly distributed number; pct sampling uses (random() % 100) < pct
// (RFC 7489 6.3 "pct").
using RandomSource = std::function<std::uint32_t()>;

struct EvaluateOptions {
  Mode mode = Mode::rfc9989;
  const PublicSuffixList* psl = nullptr;  // rfc7489 mode; nullptr: PublicSuffixList::system()
  std::size_t max_walk_queries = 8;       // RFC 9989 4.10
  // RFC 9989 11.5: a From with more distinct domains than this is not evaluated (permerror).
  std::size_t max_author_domains = 4;
  // RFC 7489 pct sampling. Without one, a pct below 100 is not sampled: the policy applies to
  // every failing message, and the reason says so.
  RandomSource random;
};

// One Authenticated Identifier (or a failed attempt at one) checked against the Author Domain.
struct AlignmentCheck {
  enum class Method { spf, dkim };
  enum class Outcome {
    aligned,            // authenticated (pass) and aligned: DMARC passes
    not_aligned,        // authenticated, but another organization's domain
    not_authenticated,  // the mechanism did not pass
    temperror,          // a temporary error where an aligned pass was possible
  };
  // What decided the outcome.
  enum class Cause {
    aligned,                          // aligned: passed, and aligned under `mode`
    not_aligned,                      // not_aligned: passed, another organization's domain
    not_passed,                       // not_authenticated: the result is neither pass nor temperror
    no_domain,                        // not_authenticated: no identifier to compare
    temperror_not_aligned,            // not_authenticated: temperror, but it would not align anyway
    temperror_aligned,                // temperror: temperror on an identifier that would align
    organizational_domain_temperror,  // temperror: an Organizational Domain lookup failed
  };
  Method method = Method::spf;
  std::string domain;    // d= or the SPF domain
  std::string selector;  // DKIM s=
  std::string result;    // the mechanism's result
  AlignmentMode mode = AlignmentMode::relaxed;
  Outcome outcome = Outcome::not_authenticated;
  std::string organizational_domain;  // relaxed mode, when it was needed
  Cause cause = Cause::not_passed;
  std::string detail;  // not_passed: "dkim did not pass", "spf did not pass"; else empty

  // For people: the detail, or else describe(cause).
  std::string reason() const;
};
std::string_view to_string(AlignmentCheck::Method method) noexcept;
std::string_view to_string(AlignmentCheck::Outcome outcome) noexcept;
// A stable machine name for JSON: "aligned", "not_passed", ...
std::string_view to_string(AlignmentCheck::Cause cause) noexcept;
// The cause in general, in words ("aligned", "Organizational Domain lookup failed").
std::string_view describe(AlignmentCheck::Cause cause) noexcept;

// The evaluation of one Author Domain.
struct DomainResult {
  Status status = Status::none;
  std::string author_domain;
  PolicyDiscovery discovery;
  std::string organizational_domain;  // of the Author Domain, when relaxed alignment needed it
  std::vector<AlignmentCheck> checks;
  bool spf_aligned = false;
  bool dkim_aligned = false;

  // The policy the record asks for this domain (p, sp or np); set whenever a record applies.
  std::optional<Policy> requested;
  std::string policy_tag;            // "p", "sp" or "np"
  // The policy to apply: `requested` on fail, after t=y (RFC 9989) or pct (RFC 7489);
  // none on pass and whenever no policy applies.
  Policy applied = Policy::none;
  bool testing = false;              // RFC 9989 t=y lowered the policy
  std::optional<bool> sampled;       // RFC 7489 pct<100: whether this message was selected
  std::optional<bool> author_exists; // asked when np= could apply (RFC 9989 3.2.13)
  Cause cause = Cause::no_record;
  // The evaluation in full: every identifier checked, the policy and where it came from.
  std::string detail;

  // For people (reason= on temperror and permerror, JSON "reason"): the detail, or else
  // describe(cause).
  std::string reason() const;
};

struct Evaluation {
  Status status = Status::none;
  Policy requested = Policy::none;  // the strictest requested among failing domains
  Policy applied = Policy::none;    // the strictest applied among failing domains
  // With one Author Domain, its cause and reason; with several, the deciding domain's cause
  // and a detail naming each domain's status; with none, why none was evaluated.
  Cause cause = Cause::no_record;
  std::string detail;
  std::vector<DomainResult> domains;  // one per distinct Author Domain evaluated, From order
  std::vector<RecordLookup> lookups;  // every _dmarc lookup made, in order

  // The domain whose result decided `status` (the first failing one, or the first), or
  // nullptr when no domain was evaluated.
  const DomainResult* deciding() const;
  // For people: the detail, or else describe(cause).
  std::string reason() const;
};

// The whole message: RFC 9989 5.3.1 -- no From, or an unreadable one, is permerror; several
// domains are each evaluated and the strictest failing policy applies (RFC 7489 6.6.1, RFC 9989
// 11.5), up to max_author_domains.
Evaluation evaluate(const mail::AuthorDomain& author, const std::vector<DkimInput>& dkim,
                    const std::optional<SpfInput>& spf, dns::Resolver& resolver,
                    const EvaluateOptions& options = {});

// One Author Domain (already lowercase A-label). The finder's mode must match options.mode;
// give several calls the same finder to share its lookups.
DomainResult evaluate_domain(std::string_view author_domain, const std::vector<DkimInput>& dkim,
                             const std::optional<SpfInput>& spf, PolicyFinder& finder,
                             const EvaluateOptions& options = {});

// Identifier Alignment of one domain with the Author Domain (RFC 9989 3.2.10, 4.4; RFC 7489
// 3.1): strict is equality (case-insensitive, RFC 4343), relaxed compares Organizational
// Domains. temperror (nullopt) when a tree walk failed; `org_out` gets the identifier's
// Organizational Domain when it was looked up.
std::optional<bool> aligned(std::string_view author_domain, std::string_view identifier,
                            AlignmentMode mode, PolicyFinder& finder,
                            std::string* org_out = nullptr);

}  // namespace dnsauth::dmarc

// Whether a domain can take its next DMARC policy step (`dnsauth-validate reports advise`): the
// mail that fails DMARC today (policy_evaluated: neither DKIM nor SPF aligned and passing, RFC
// 7489 6.6.2) is what the next step would quarantine or reject. Each failing record is put in
// one class by what the aggregate report shows of it (its source IP, the raw DKIM d=/s= and
// SPF results, the receiver's policy override reasons) against the domain's dnsauth.toml
// (selectors, [domain.spf] networks), then the verdict weighs the legitimate mail still
// failing against a threshold. The README's "reports advise" explains the classes and the
// verdict; this header is their contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/config/config.h"
#include "reports/summary.h"

struct sqlite3;

namespace dnsauth::reports {

// Why a source fails DMARC. A failing record gets the first class whose rule matches, in this
// order; the README's "reports advise" gives the reasoning.
enum class SourceClass {
  // The IP is in [domain.spf] ip4/ip6, yet SPF did not pass for our domain: what DNS publishes
  // is not what the config says (not published yet, or changed by hand).
  spf_not_published,
  // The IP is not in [domain.spf], but it is ours: in the period its messages pass DKIM with d=
  // our domain and a configured selector, in the reports of two organizations or more (our host
  // sends to many receivers; a forwarder that keeps our signature intact forwards to its users'
  // one mailbox provider). Its failing messages are unsigned or broken; SPF would carry them.
  ours_missing_from_spf,
  // The receiver overrode the policy and said so (RFC 7489 7.2.1.1 PolicyOverrideType
  // forwarded, mailing_list, trusted_forwarder, local_policy), or our configured selector
  // failed from a source that is not ours while it passes elsewhere in the period: the
  // signature broke in transit. Nothing in dnsauth.toml fixes it (receivers' ARC, RFC 8617).
  forwarder,
  // DKIM with d= our domain and a selector the config does not have, and it did not pass.
  unknown_selector,
  // DKIM with d= our domain and a configured selector that passes nowhere in the period: the
  // published key does not match the key file.
  key_mismatch,
  // Our domain passed DKIM or SPF but the receiver found it not aligned with From: strict
  // alignment (adkim=s / aspf=s) and a subdomain on one side.
  not_aligned,
  // DKIM passed for another domain (its own d=), or SPF for another domain (its bounce domain):
  // a service sending as us with its own identifiers.
  third_party,
  // Nothing passed for anyone, and nothing of ours appears: probably spoofing. Not legitimate
  // mail; the next step is what stops it.
  spoofing,
};
// "spf_not_published", "ours_missing_from_spf", ...: stable names for JSON.
std::string_view to_string(SourceClass c) noexcept;
// "ours, SPF not published as configured", ...: for people.
std::string_view describe(SourceClass c) noexcept;

// A step of the DMARC policy: p=, and pct= (RFC 7489) or t=y (RFC 9989) where the config uses
// them. p empty: the config publishes no DMARC record.
struct PolicyStep {
  std::string p;
  std::optional<int> pct;
  std::optional<bool> testing;
  // "p=quarantine pct=25", "p=reject t=y", "no DMARC record".
  std::string describe() const;
  friend bool operator==(const PolicyStep&, const PolicyStep&) = default;
};

// The config's step: [domain.dmarc] p, pct and testing as written.
PolicyStep current_step(const config::Domain& domain);
// The step after `current` (none -> quarantine -> reject; the README's "reports advise"):
// - a config that sets pct goes through pct=25, 50 and 100 at quarantine and at reject;
// - a config that sets testing takes each of quarantine and reject first with t=y
//   (RFC 9989 7.2: receivers apply one step less), then without;
// - no DMARC record: p=none first.
// nullopt at p=reject, pct 100 (or none), t=n (or none): there is no further step.
std::optional<PolicyStep> next_step(const PolicyStep& current);

// The <policy_published> of the newest report in the period: the record receivers found.
struct Published {
  std::string org_name;
  std::int64_t date_begin = 0;
  std::string domain;
  PolicyStep step;  // p, pct when reported, testing from t= ("y" true, "n" false)
};

// One failing source of a class: an IP, what identifies it in the class (the selector, the
// third party's domain, the override reason, the SPF domain and result, the receivers our
// host signs for), and its messages.
struct FailingSource {
  std::string ip;
  std::string detail;
  std::uint64_t messages = 0;
};

struct ClassResult {
  SourceClass cls = SourceClass::spoofing;
  std::uint64_t messages = 0;
  std::vector<FailingSource> sources;  // by messages, descending, then ip, then detail
  std::size_t ips = 0;                 // distinct IPs among them
  std::string fix;            // what to do, in words; "" when nothing can be done here
  std::string config_change;  // the TOML to change in dnsauth.toml; "" when none fixes it
};

enum class Verdict {
  safe,           // the next step loses at most the threshold's share of legitimate mail
  not_yet,        // it would lose more
  nothing_to_do,  // already at p=reject (with no pct or t=y left to drop)
  no_reports,     // no report for the domain in the period
};
std::string_view to_string(Verdict v) noexcept;  // "safe", "not_yet", "nothing_to_do", "no_reports"

struct Advice {
  std::string domain;
  Period period;                     // the one looked at (the default resolved)
  bool subdomains = true;            // records of subdomains counted (no sp= in the config);
                                     // with sp=, a header_from below the domain is left out
  std::uint64_t reports = 0;
  Counts totals;
  PolicyStep current;                // dnsauth.toml
  std::optional<Published> published;  // the newest report's <policy_published>
  bool published_differs = false;    // its p/pct/t differ from the config's
  std::optional<PolicyStep> next;
  std::vector<ClassResult> classes;  // the classes with failing mail, in SourceClass order
  std::uint64_t legitimate = 0;      // every message but the spoofing class
  std::uint64_t legitimate_failing = 0;
  std::size_t legitimate_failing_sources = 0;  // distinct IPs
  double failing_share = 0;          // percent of legitimate mail
  double threshold = 0;              // percent
  Verdict verdict = Verdict::no_reports;
  std::string recommendation;        // one sentence
  std::string step_change;           // the TOML of the next step; "" when there is none
};

struct AdviseOptions {
  // Default: the 30 UTC days that end with the day of the newest report of the domain.
  std::optional<Period> period;
  double threshold = 0.5;  // percent of legitimate mail that may still fail
};
inline constexpr std::int64_t kDefaultAdviseDays = 30;

// The advice for `domain` of a loaded dnsauth.toml. Errc::io with SQLite's message when the
// database cannot be read.
Result<Advice> advise(sqlite3* db, const config::Domain& domain, const AdviseOptions& options);

// "0.3%", "12%": a share in percent as the advice prints it.
std::string format_percent(double percent);

}  // namespace dnsauth::reports

// Private to core/records: what the SPF, DKIM and DMARC halves of the linter share.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dns/resolver.h"
#include "core/records/lint.h"

namespace dnsauth::records::detail {

// One lint run: the resolver (cached, so each name and type is asked once), the options,
// and the findings collected so far.
class Context {
 public:
  Context(dns::Resolver* resolver, const LintOptions& options) : options_(options) {
    if (resolver) cache_.emplace(*resolver);
  }

  bool online() const { return cache_.has_value(); }
  // The cached resolver, for the core finders that query on their own. Only when online().
  dns::Resolver& resolver() { return *cache_; }
  const LintOptions& options() const { return options_; }

  // rule_id must be in the catalog (checked by the unit tests through every rule's case).
  void add(std::string_view rule_id, std::string name, std::string record, std::string message,
           std::size_t offset = Error::no_offset);
  std::vector<Finding> take() { return std::move(findings_); }

  // False for a name outside the zones given; adds one dns-not-followed finding per name.
  bool followable(std::string_view name, std::string_view why);
  // Asks the resolver; a temporary failure adds one dns-tempfail finding per name and type
  // (a REFUSED one: dns-not-followed). Only when online().
  dns::Answer ask(std::string_view name, dns::RRType type);

 private:
  std::optional<dns::CachingResolver> cache_;
  const LintOptions& options_;
  std::vector<Finding> findings_;
  std::set<std::string> reported_;
};

// SPF at `domain`: the record given (lint_record), or the one published there. Adds
// findings; returns the lookup tree.
SpfTree lint_spf(Context& ctx, std::string_view domain, const std::string* given_text,
                 const std::vector<std::string>* given_parts, bool helo);

// DKIM at <selector>._domainkey.<domain>, or the record given.
void lint_dkim(Context& ctx, std::string_view selector, std::string_view domain,
               const ExpectedSelector* expected);
// via: appended to the key-mismatch findings (a key reached through a delegating CNAME).
void lint_dkim_text(Context& ctx, const std::string& name, const std::string& text,
                    const ExpectedSelector* expected, std::string_view via = {});

// DKIM at every selector of the options, the expected ones first; the selectors checked.
std::vector<std::string> lint_selectors(Context& ctx, const std::string& domain);

// DMARC for `domain` (discovery, the record, its destinations), or the record given.
void lint_dmarc(Context& ctx, std::string_view domain);
void lint_dmarc_text(Context& ctx, const std::string& name, const std::string& text,
                     std::string_view domain);
// The authorization records <d>._report._dmarc.<domain> for every d the options list.
void lint_report_authorizations(Context& ctx, std::string_view domain);

// MTA-STS at _mta-sts.<domain> (lint_mta_sts.cpp): the TXT record, and the policy text of the
// options with its MX coverage.
void lint_mta_sts(Context& ctx, std::string_view domain);
void lint_mta_sts_text(Context& ctx, const std::string& name, const std::string& text);
// The policy text; `name` names its findings. MX coverage when online and domain is not empty.
void lint_mta_sts_policy_text(Context& ctx, const std::string& name, std::string_view text, std::string_view domain);

// TLS-RPT at _smtp._tls.<domain> (lint_tls_rpt.cpp), or the record given.
void lint_tls_rpt(Context& ctx, std::string_view domain);
void lint_tls_rpt_text(Context& ctx, const std::string& name, const std::string& text);

// BIMI at <selector>._bimi.<domain> (lint_bimi.cpp), or the record given; the DMARC
// enforcement it needs when online and domain is not empty.
void lint_bimi(Context& ctx, std::string_view domain);
void lint_bimi_text(Context& ctx, const std::string& name, const std::string& text, std::string_view domain);

// The TXT records at `name` of a protocol whose receivers discard every record that does not
// begin with its version and use none when several remain (RFC 8461 3.1, RFC 8460 3, BIMI
// draft 7.2 steps 4 and 9): the one record is linted by `lint_text`, several are
// `multiple_rule`'s finding, and a record that names the version (`token`, "STSv1") without
// beginning with it is linted too (its syntax finding says why receivers discard it). True
// when a record begins with the version, false when none does, nullopt when not checked (a
// name outside the zones, a failed query: already reported).
std::optional<bool> lint_versioned_txt(Context& ctx, const std::string& name, bool (*is_version)(std::string_view) noexcept,
                                       std::string_view token, std::string_view multiple_rule, std::string_view what,
                                       const std::function<void(const std::string&)>& lint_text);

bool istarts_with(std::string_view text, std::string_view prefix);
// A temporary failure that is the server's REFUSED (an authoritative server asked for a name
// outside its zones).
bool refused(const dns::Answer& answer);

}  // namespace dnsauth::records::detail

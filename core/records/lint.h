// The lint rule catalog: what dnsauth-publish lint and dnsauth-validate selftest say about the
// SPF, DKIM and DMARC records a domain publishes, and its MTA-STS (RFC 8461), TLS-RPT (RFC 8460)
// and BIMI records. Every finding names a rule from one fixed
// catalog (rule_catalog()): a stable id, a severity, a one-line summary and the RFC section.
// The records are read through a dns::Resolver (zone files, live DNS, or memory in tests)
// and parsed by the same core parsers the signer and the verifiers use (core/spf, core/dkim,
// core/dmarc, core/mta_sts, core/tls_rpt, core/bimi); nothing here parses a record on its own.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/config/config.h"
#include "core/dkim/crypto.h"
#include "core/dkim/types.h"
#include "core/dns/resolver.h"

namespace dnsauth::records {

enum class Severity { info, warning, error };  // ordered: error is the worst
std::string_view to_string(Severity severity) noexcept;

struct Rule {
  std::string_view id;        // stable: "spf-too-many-lookups"; tools and docs rely on it
  Severity severity;
  std::string_view protocol;  // "spf", "dkim", "dmarc", "dns", "mta-sts", "tls-rpt", "bimi"
  std::string_view summary;   // one line, as the README's table shows it
  std::string_view rfc;       // "RFC 7208 4.6.4"; for BIMI the Internet-Draft and its section
};

// Every rule, grouped by protocol, in a stable order.
const std::vector<Rule>& rule_catalog();
// nullptr for an id that is not in the catalog.
const Rule* find_rule(std::string_view id) noexcept;

struct Finding {
  const Rule* rule = nullptr;  // never null in a Report
  std::string name;            // where the record is ("_dmarc.example.com"); empty for --record
  std::string record;          // the record's text; empty when the finding is its absence
  std::string message;         // one line, specific to this case
  std::size_t offset = Error::no_offset;  // byte offset into record (syntax rules)

  std::string_view id() const noexcept { return rule->id; }
  Severity severity() const noexcept { return rule->severity; }
};

// The DNS-querying terms of an SPF record and of every record it reaches through include
// and redirect (RFC 7208 4.6.4), as a tree.
struct SpfTree {
  std::string domain;
  std::string via;     // "include:x", "redirect=x"; empty at the root
  std::size_t terms = 0;         // this record's own DNS-querying terms
  std::size_t total = 0;         // terms + every child's total
  std::size_t void_lookups = 0;  // this record's lookups with no answer
  std::string note;    // why it was not followed ("loop", "no SPF record", "macro", ...)
  std::vector<SpfTree> children;
};
// "example.com: 3 (total 12)\n  include:_spf.example.net: 9 (total 9)\n ..." one node a line.
std::string format_tree(const SpfTree& tree);

// A selector the configuration uses, with what its private key file holds when read.
struct ExpectedSelector {
  std::string name;
  dkim::KeyType key_type = dkim::KeyType::rsa;
  // The private key file's key; nullopt when not read (no key file given, or it could not be
  // read): then the published key is not compared with it.
  std::optional<dkim::PrivateKey> private_key;
  // The selector is delegated by CNAME (delegation.h): <name>._domainkey.<domain> must be a
  // CNAME to this target, where the key record is (dkim-delegation-missing, -wrong-target).
  // Empty: the key record is expected at the selector's own name.
  std::string delegated_to;
};

struct LintOptions {
  std::vector<ExpectedSelector> expected_selectors;  // from the config (dkim-missing, -mismatch)
  std::vector<std::string> selectors;                // more selectors to check, e.g. from a zone
  std::vector<std::string> helo_names;               // also checked for an SPF record
  std::vector<std::string> accept_reports_for;       // report authorizations we must publish
  // Names whose answers the resolver knows; a name outside is not followed (zone files given
  // without live DNS behind them). Empty: every name is followed.
  std::function<bool(std::string_view)> in_scope;

  // MTA-STS (RFC 8461) and TLS reporting (RFC 8460): the domain should publish them
  // (mta-sts-missing, tls-rpt-missing). Without it, records that exist are still checked.
  bool expect_mta_sts = false;
  bool expect_tls_rpt = false;
  // BIMI: the selector the domain should publish an assertion record at (bimi-missing). Empty:
  // nothing is expected, and a record at default._bimi.<domain> (the selector receivers use
  // without a BIMI-Selector header, draft 7.2 step 2) is checked when there is one.
  std::string bimi_selector;
  // The MTA-STS policy file's text to check with the domain (from a file, the configuration,
  // or an HTTPS fetch); nullopt: no policy is checked. Its source names the findings
  // ("policy.txt", "https://mta-sts.example.com/.well-known/mta-sts.txt"); empty: the
  // policy's URL at the domain (RFC 8461 3.2).
  std::optional<std::string> mta_sts_policy;
  std::string mta_sts_policy_source;
};

// A configured domain's expectations: its selectors (key files not read), HELO names, the
// domains it accepts reports for, and whether it has MTA-STS, TLS-RPT and BIMI (its selector). Tools fill ExpectedSelector::private_key from the files.
LintOptions options_for(const config::Domain& domain);

struct Report {
  std::string domain;
  std::vector<Finding> findings;   // in the order found: SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI
  std::optional<SpfTree> spf_tree;

  // The worst severity among the findings; nullopt when there are none.
  std::optional<Severity> worst() const;
  std::size_t count(Severity severity) const;
  // The CLI contract (docs/architecture.md): 0 clean (info only), 1 warnings only, 2 errors.
  int exit_code() const;
};

// Lints everything a mail domain publishes: SPF at the domain (and at the HELO names),
// DKIM at each selector given, DMARC at _dmarc.<domain> and the tree walk; then MTA-STS at
// _mta-sts.<domain> (and the policy text the options give, against the domain's MX hosts),
// TLS-RPT at _smtp._tls.<domain> and BIMI at <selector>._bimi.<domain>, each only when the
// options expect it or a record is there. DNS failures are findings (dns-tempfail), never
// errors.
Report lint_domain(dns::Resolver& resolver, std::string_view domain, const LintOptions& options = {});

// The DKIM key records only, of the selectors the options give (expected ones first): the
// checks of lint_domain's DKIM half by the same rules, for a domain whose SPF and DMARC are not
// ours to check (a hosted customer whose selectors we sign with).
Report lint_dkim_keys(dns::Resolver& resolver, std::string_view domain, const LintOptions& options);

enum class RecordType { spf, dkim, dmarc, mta_sts, tls_rpt, bimi };
std::string_view to_string(RecordType type) noexcept;  // "spf", ..., "mta-sts", "tls-rpt", "bimi"
std::optional<RecordType> parse_record_type(std::string_view text) noexcept;  // "spf", ...
// "v=spf1" -> spf, "v=DMARC1" -> dmarc, "v=STSv1" -> mta_sts, "v=TLSRPTv1" -> tls_rpt,
// "v=BIMI1" -> bimi, "v=DKIM1" or a p= tag -> dkim; nullopt otherwise.
std::optional<RecordType> detect_record_type(std::string_view text) noexcept;

// Lints one record's text by itself: the record-level rules. With a resolver (and the domain
// the record would be published at) the SPF includes are followed and counted and DMARC report
// destinations are checked, as lint_domain does, and a BIMI record's DMARC enforcement.
Report lint_record(std::string_view text, RecordType type, dns::Resolver* resolver = nullptr,
                   std::string_view domain = {}, const LintOptions& options = {});

// Lints one MTA-STS policy file's text (RFC 8461 3.2). With a resolver and the domain, its mx
// patterns are compared with the domain's MX hosts (RFC 8461 4.1); a domain without MX records
// is its own mail host (RFC 5321 5.1, the implicit MX). Findings are named by
// options.mta_sts_policy_source (or the policy's URL at the domain); each carries the line at
// fault as its record, with the byte offset into that line.
Report lint_mta_sts_policy(std::string_view text, dns::Resolver* resolver = nullptr, std::string_view domain = {},
                           const LintOptions& options = {});

}  // namespace dnsauth::records

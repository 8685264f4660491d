// dnsauth-validate selftest: proves, for every domain and selector of a dnsauth.toml, that what
// the signer will sign verifies against what is published, through the same core: the signer's
// own policy and signing path (core/signing), the DKIM verifier, SPF
// check_host, DMARC evaluation and the lint catalog — against zone files before deployment or
// live DNS after it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/dns/resolver.h"
#include "core/signing/key_store.h"

namespace dnsauth::validator {

struct SelftestCheck {
  std::string id;        // stable: "dkim-key", "dkim-delegation", "dkim-sign-verify", "spf-pass",
                         // "spf-outside", "spf-helo", "dmarc-record", "dmarc-aligned",
                         // "mta-sts-record", "mta-sts-policy", "mta-sts-mx", "tls-rpt-record",
                         // "bimi-record", "lint"
  std::string subject;   // what was checked: "s2026r", "192.0.2.1", "smtp.example.net"
  bool ok = false;
  std::string detail;    // one line: why it passed or what is wrong
  // The Authentication-Results line a receiver would write for this scenario (may be empty).
  std::string authentication_results;
};

struct DomainSelftest {
  std::string domain;
  std::vector<SelftestCheck> checks;
  bool ok() const;
};

// A domain of the key and signing tables that the selftest could not sign for: the login map
// lists no owner of the addresses it can guess (login_map.h: a map answers lookups only).
struct SkippedDomain {
  std::string domain;
  std::string reason;
};

struct SelftestReport {
  std::vector<DomainSelftest> domains;
  std::vector<SkippedDomain> skipped;  // not failed: nothing was checked
  std::size_t passed() const;
  std::size_t failed() const;
};

struct SelftestOptions {
  std::int64_t now = 0;                  // t= of the synthetic signatures, x= checks
  std::string authserv_id = "selftest";  // in the Authentication-Results lines
  // Fetches the MTA-STS policy of a domain from mta-sts.<domain> at these addresses, as a
  // sender does (RFC 8461 3.3): the body, or why not. Empty: no policy is fetched, and the MX
  // hosts are checked against the configured policy.
  std::function<Result<std::string>(const std::string& domain, const std::vector<std::string>& addresses)>
      fetch_mta_sts_policy;
};

// Runs every check for every configured domain; for the domains the key and signing tables
// name (SigningTables::named_domains), the DKIM checks with a sender the login map lets sign,
// or a SkippedDomain when it names none the selftest can find. `keys` is the signer's loaded
// key set (it carries the config). Never throws for DNS trouble: that becomes a failed check.
SelftestReport run_selftest(std::shared_ptr<const signing::KeySet> keys, dns::Resolver& resolver,
                            const SelftestOptions& options);

}  // namespace dnsauth::validator

// The selftest's checks of what a domain publishes for mail sent to it rather than from it:
// MTA-STS (RFC 8461: the record's id is the configured policy's, the policy host serves that
// policy over HTTPS as a sender fetches it, and every MX host matches one of its patterns),
// TLS reporting (RFC 8460) and BIMI. The records are compared with what dnsauth-publish generates
// from the same configuration; the rules are the lint catalog's (core/records/lint.h).
#pragma once

#include "core/config/config.h"
#include "core/dns/resolver.h"
#include "validator/selftest.h"

namespace dnsauth::validator {

// Appends mta-sts-record, mta-sts-policy, mta-sts-mx, tls-rpt-record and bimi-record checks for
// what the domain configures (nothing for a domain that configures none of them).
void check_posture(const config::Domain& domain, dns::Resolver& resolver, const SelftestOptions& options,
                   DomainSelftest& out);

}  // namespace dnsauth::validator

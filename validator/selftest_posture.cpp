#include "validator/selftest_posture.h"

#include "core/bimi/record.h"
#include "core/mta_sts/record.h"
#include "core/records/lint.h"
#include "core/records/records.h"
#include "core/tls_rpt/record.h"

namespace dnsauth::validator {

namespace {

// The TXT records at name that the parser's own test counts as of its kind (`is_version`:
// mta_sts::is_sts_record, tls_rpt::is_tlsrpt_record, bimi::is_bimi_record), or why none could
// be read.
struct Published {
  std::vector<std::string> records;
  std::string problem;  // a DNS failure; empty when the name answered
};

Published published(dns::Resolver& resolver, const std::string& name, bool (*is_version)(std::string_view) noexcept) {
  Published p;
  dns::Answer a = resolver.query(name, dns::RRType::TXT);
  if (a.status == dns::Status::tempfail) {
    p.problem = name + ": DNS failure (" + a.detail + ")";
    return p;
  }
  for (const auto& r : a.records)
    if (is_version(r)) p.records.push_back(r);
  return p;
}

// One record of ours at name, exactly as generate writes it.
SelftestCheck exact_record_check(const char* id, dns::Resolver& resolver, const std::string& name,
                                 std::string_view version, bool (*is_version)(std::string_view) noexcept,
                                 const std::string& wanted) {
  SelftestCheck c{id, name, false, {}, {}};
  Published p = published(resolver, name, is_version);
  if (!p.problem.empty()) c.detail = p.problem;
  else if (p.records.empty()) c.detail = "no " + std::string(version) + " record; publish \"" + wanted + "\"";
  else if (p.records.size() > 1)
    c.detail = std::to_string(p.records.size()) + " " + std::string(version) + " records: receivers use none";
  else if (p.records.front() != wanted)
    c.detail = "publishes \"" + p.records.front() + "\", the configuration says \"" + wanted + "\"";
  else {
    c.ok = true;
    c.detail = "\"" + wanted + "\" as configured";
  }
  return c;
}

std::vector<std::string> addresses_of(dns::Resolver& resolver, const std::string& host) {
  std::vector<std::string> out;
  for (dns::RRType t : {dns::RRType::A, dns::RRType::AAAA}) {
    dns::Answer a = resolver.query(host, t);
    if (a.ok()) out.insert(out.end(), a.records.begin(), a.records.end());
  }
  return out;
}

void check_mta_sts(const config::Domain& d, dns::Resolver& resolver, const SelftestOptions& opt, DomainSelftest& out) {
  const std::string configured = records::mta_sts_policy(*d.mta_sts);
  const std::string configured_id = records::mta_sts_id(configured);
  const std::string host = records::mta_sts_policy_host(d.name);
  const std::string url = "https://" + host + std::string(records::kMtaStsPolicyPath);

  // RFC 8461 3.1: one v=STSv1 record, whose id names the policy senders are to fetch.
  const std::string owner = records::mta_sts_owner(d.name);
  SelftestCheck rec{"mta-sts-record", owner, false, {}, {}};
  Published p = published(resolver, owner, mta_sts::is_sts_record);
  std::string published_id;
  if (!p.problem.empty()) {
    rec.detail = p.problem;
  } else if (p.records.empty()) {
    rec.detail = "no v=STSv1 record: senders never look for the policy";
  } else if (p.records.size() > 1) {
    rec.detail = std::to_string(p.records.size()) + " v=STSv1 records: senders apply no policy (RFC 8461 3.1)";
  } else if (auto r = mta_sts::parse_record(p.records.front()); !r) {
    rec.detail = "\"" + p.records.front() + "\": " + r.error().detail;
  } else {
    published_id = r->id;
    rec.ok = r->id == configured_id;
    rec.detail = rec.ok ? "id " + r->id + ", the configured policy's"
                        : "id " + r->id + ", but the configured policy's is " + configured_id +
                              ": publish the generated record, or senders keep the policy they cached";
  }
  out.checks.push_back(std::move(rec));

  // RFC 8461 3.3: the policy as a sender fetches it, from the address the DNS gives the host.
  std::string policy = configured;
  std::string policy_source = "the configured policy";
  if (opt.fetch_mta_sts_policy) {
    SelftestCheck c{"mta-sts-policy", url, false, {}, {}};
    std::vector<std::string> addresses = addresses_of(resolver, host);
    if (addresses.empty()) {
      c.detail = host + " has no address (A or AAAA) in the DNS used";
    } else if (auto fetched = opt.fetch_mta_sts_policy(d.name, addresses); !fetched) {
      c.detail = fetched.error().detail;
    } else {
      policy = *fetched;
      policy_source = url;
      c.ok = *fetched == configured;
      if (c.ok) {
        c.detail = "served as configured (" + std::to_string(fetched->size()) + " bytes, mode " + d.mta_sts->mode + ")";
      } else {
        c.detail = "the policy served is not the configured one (configured id " + configured_id +
                   (published_id.empty() ? "" : ", the TXT record's " + published_id) +
                   "); serve the file dnsauth-publish generate wrote, mta-sts." + d.name +
                   "/.well-known/mta-sts.txt";
      }
    }
    out.checks.push_back(std::move(c));
  }

  // RFC 8461 4.1: every MX host matches a pattern of the policy (the served one when fetched),
  // by the lint catalog's rules.
  records::LintOptions lo;
  lo.mta_sts_policy_source = policy_source;
  records::Report lint = records::lint_mta_sts_policy(policy, &resolver, d.name, lo);
  std::string problems;
  for (const auto& f : lint.findings)
    if (f.severity() == records::Severity::error)
      problems += (problems.empty() ? "" : "; ") + std::string(f.id()) + ": " + f.message;
  out.checks.push_back({"mta-sts-mx", d.name, problems.empty(),
                        problems.empty() ? "every MX host matches an mx pattern of " + policy_source : problems, {}});
}

}  // namespace

void check_posture(const config::Domain& d, dns::Resolver& resolver, const SelftestOptions& opt, DomainSelftest& out) {
  if (d.mta_sts) check_mta_sts(d, resolver, opt, out);
  if (d.tls_rpt)
    out.checks.push_back(exact_record_check("tls-rpt-record", resolver, records::tls_rpt_owner(d.name), "v=TLSRPTv1",
                                            tls_rpt::is_tlsrpt_record, records::tls_rpt_record(*d.tls_rpt)));
  if (d.bimi)
    out.checks.push_back(exact_record_check("bimi-record", resolver, records::bimi_owner(d.bimi->selector, d.name),
                                            "v=BIMI1", bimi::is_bimi_record, records::bimi_record(*d.bimi)));
}

}  // namespace dnsauth::validator

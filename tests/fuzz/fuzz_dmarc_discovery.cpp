// DMARC policy discovery (RFC 9989 4.10 DNS Tree Walk, RFC 7489 6.6.3 with the PSL) over DNS
// answers from the input (the line format is in fuzz_support.h). Properties, in both modes:
//   - a record found is a DMARC record at the Author Domain or one of its parents;
//   - the walk asks each _dmarc name once, and at most max_walk_queries of them plus the
//     Author Domain's and the Organizational Domain's (RFC 9989 4.10: at most 8 queries);
//   - the Organizational Domain, when found, is the Author Domain or a parent of it;
//   - the same question against the same DNS gives the same answer.
// Input: line 1 the Author Domain, the other lines DNS records.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/dmarc/discovery.h"
#include "core/dns/name.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

struct Outcome {
  dmarc::PolicyDiscovery discovery;
  dmarc::OrganizationalDomain org;
  std::size_t queries = 0;
};

Outcome discover(dmarc::Mode mode, std::string_view author, const std::vector<std::string_view>& zone) {
  dns::MemoryResolver memory;
  fuzz::load_memory_zone(memory, zone);
  fuzz::CountingResolver dns(memory);
  dmarc::DiscoveryOptions options;
  options.mode = mode;
  dmarc::PolicyFinder finder(dns, options);
  Outcome o;
  o.discovery = finder.discover(author);
  o.org = finder.organizational_domain(author);
  o.queries = dns.queries();

  std::set<std::string> names;
  for (const dmarc::RecordLookup* l : finder.lookups()) {
    FUZZ_CHECK_MSG(names.insert(l->name).second, l->name);
    FUZZ_CHECK(l->record.has_value() == (l->dmarc_records == 1));
  }
  // A tree walk for the policy and one for the Organizational Domain share their lookups.
  FUZZ_CHECK_MSG(names.size() <= 2 * options.max_walk_queries + 2, std::to_string(names.size()));
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> lines =
      fuzz::split_lines(fuzz::as_text(data, size));
  if (lines.empty()) return 0;
  std::string_view author = lines[0];
  std::vector<std::string_view> zone(lines.begin() + 1, lines.end());
  std::string domain = dmarc::normalize_domain(author);

  for (dmarc::Mode mode : {dmarc::Mode::rfc9989, dmarc::Mode::rfc7489}) {
    Outcome first = discover(mode, author, zone);
    const dmarc::PolicyDiscovery& d = first.discovery;
    if (d.found()) {
      FUZZ_CHECK(dmarc::is_dmarc_record(d.record.text));
      FUZZ_CHECK_MSG(dns::is_at_or_below(domain, d.policy_domain), domain + " / " + d.policy_domain);
      FUZZ_CHECK(d.subdomain() == (d.policy_domain != d.author_domain));
    } else {
      FUZZ_CHECK(d.policy_domain.empty() || d.outcome == dmarc::PolicyDiscovery::Outcome::temperror);
    }
    if (!first.org.temperror && !first.org.domain.empty() && dns::is_domain_name(domain))
      FUZZ_CHECK_MSG(dns::is_at_or_below(domain, first.org.domain), domain + " / " + first.org.domain);

    Outcome second = discover(mode, author, zone);
    FUZZ_CHECK(second.discovery.outcome == d.outcome);
    FUZZ_CHECK(second.discovery.policy_domain == d.policy_domain);
    FUZZ_CHECK(second.discovery.cause == d.cause);
    FUZZ_CHECK(second.discovery.record.text == d.record.text);
    FUZZ_CHECK(second.org.domain == first.org.domain);
    FUZZ_CHECK(second.queries == first.queries);
  }
  return 0;
}

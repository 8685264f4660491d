// SPF evaluation throughput (bench/): check_host() evaluations per second on a
// MemoryResolver, for a realistic policy: three levels of include, eight DNS-querying terms
// (the limit is ten), macros in exists:, include: and a: targets, one void lookup, and a pass
// found in the deepest record. The resolver answers from memory, so this measures the core itself:
// parsing the three records, macro expansion, the per-evaluation cache and the bookkeeping of
// RFC 7208 4.6.4. Counters: dns_lookups and void_lookups per evaluation (checked, so a change
// to the policy cannot silently change what is measured).
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "core/dns/resolver.h"
#include "core/spf/check_host.h"
#include "core/spf/record.h"

namespace {

using namespace dnsauth;

dns::MemoryResolver chain() {
  dns::MemoryResolver dns;
  // Level 1: the sender's domain (lookups 1-3).
  dns.add_txt("example.com", "v=spf1 a mx include:_spf.example.com -all");
  dns.add_a("example.com", "192.0.2.1");
  dns.add_mx("example.com", 10, "mx1.example.com");
  dns.add_mx("example.com", 20, "mx2.example.com");
  dns.add_a("mx1.example.com", "192.0.2.11");
  dns.add_a("mx2.example.com", "192.0.2.12");
  // Level 2: the domain's own list (lookups 4-5); the exists: target does not exist (void).
  dns.add_txt("_spf.example.com",
              "v=spf1 ip4:192.0.2.0/28 exists:%{i}._allow.%{d2} include:_spf.%{d2}.provider.net ~all");
  // Level 3: the mail provider (lookups 6-8), passing in its last network.
  dns.add_txt("_spf.example.com.provider.net",
              "v=spf1 a:smtp1.provider.net a:smtp2.%{o}.provider.net/30 mx:provider.net "
              "ip4:198.51.100.0/24 ip6:2001:db8:5::/48 -all");
  dns.add_a("smtp1.provider.net", "198.51.100.200");
  dns.add_a("smtp2.example.com.provider.net", "198.51.100.204");
  dns.add_mx("provider.net", 10, "in1.provider.net");
  dns.add_mx("provider.net", 10, "in2.provider.net");
  dns.add_a("in1.provider.net", "198.51.100.250");
  dns.add_a("in2.provider.net", "198.51.100.251");
  return dns;
}

spf::Session session(const char* ip) {
  spf::Session s;
  s.client_ip = *dns::IpAddress::parse(ip);
  s.mail_from = "alice.smith@example.com";
  s.helo = "out.provider.net";
  s.receiver = "mx.receiver.example";
  s.now = 1700000000;
  return s;
}

void run(benchmark::State& state, const char* ip, spf::Result want, std::size_t lookups) {
  dns::MemoryResolver dns = chain();
  spf::Session s = session(ip);
  spf::Verdict first = spf::verify_mail_from(dns, s);
  if (first.result != want || first.dns_lookups != lookups)
    throw std::logic_error("the benchmark policy no longer evaluates as designed: " +
                           std::string(spf::to_string(first.result)) + ", " +
                           std::to_string(first.dns_lookups) + " lookups, " + first.problem());
  for (auto _ : state) {
    spf::Verdict v = spf::verify_mail_from(dns, s);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["dns_lookups"] = static_cast<double>(first.dns_lookups);
  state.counters["void_lookups"] = static_cast<double>(first.void_lookups);
  state.counters["dns_queries"] = static_cast<double>(first.dns_queries);
}

// Pass in the third level: 8 DNS-querying terms.
void BM_CheckHostIncludeChainPass(benchmark::State& state) { run(state, "198.51.100.77", spf::Result::Pass, 8); }
// Nothing matches: the same 8 terms, then -all and the explanation (default, expanded).
void BM_CheckHostIncludeChainFail(benchmark::State& state) { run(state, "203.0.113.9", spf::Result::Fail, 8); }
// The first mechanism matches: the cheap end of the scale.
void BM_CheckHostFirstMechanism(benchmark::State& state) { run(state, "192.0.2.1", spf::Result::Pass, 1); }

void BM_ParseRecord(benchmark::State& state) {
  const char* text = "v=spf1 a:smtp1.provider.net a:smtp2.%{o}.provider.net/30 mx:provider.net "
                     "exists:%{ir}.%{l1r-}.%{v}._spf.provider.net ip4:198.51.100.0/24 ip6:2001:db8:5::/48 -all";
  for (auto _ : state) {
    auto r = spf::parse_record(text);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_CheckHostIncludeChainPass);
BENCHMARK(BM_CheckHostIncludeChainFail);
BENCHMARK(BM_CheckHostFirstMechanism);
BENCHMARK(BM_ParseRecord);

}  // namespace

BENCHMARK_MAIN();

// RFC 7208 check_host() over DNS answers taken from the input (an in-memory resolver; the
// line format is in fuzz_support.h), with the lookup limits of 4.6.4 and a deadline
// (Options::time_is_up, asked before every query) so no input can run long. Properties:
//   - the verdict is consistent: pass, fail, softfail and neutral have no cause; none,
//     temperror and permerror have one of their own kind;
//   - the limits hold: at most max_dns_terms terms counted (one more is the permerror that
//     stops it), at most max_void_lookups + 1 void lookups, and a bounded number of queries;
//   - the same request against the same DNS gives the same verdict (the cache changes
//     nothing), and HELO and MAIL FROM evaluations end too.
// Input: line 1 "<client ip> <sender> [<helo>]", the other lines DNS records.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/spf/check_host.h"
#include "fuzz_support.h"

using namespace dnsauth;
using spf::Cause;
using SpfResult = spf::Result;

namespace {

bool cause_fits(const spf::Verdict& v) {
  switch (v.result) {
    case SpfResult::Pass: case SpfResult::Fail: case SpfResult::SoftFail: case SpfResult::Neutral:
      return v.cause == Cause::none;
    case SpfResult::None:
      return v.cause == Cause::nothing_to_check || v.cause == Cause::invalid_domain ||
             v.cause == Cause::domain_not_found || v.cause == Cause::no_record;
    case SpfResult::TempError:
      return v.cause == Cause::dns_error || v.cause == Cause::time_limit;
    case SpfResult::PermError:
      return v.cause == Cause::several_records || v.cause == Cause::record_syntax ||
             v.cause == Cause::dns_lookup_limit || v.cause == Cause::void_lookup_limit ||
             v.cause == Cause::mx_name_limit || v.cause == Cause::include_no_record ||
             v.cause == Cause::redirect_no_record;
  }
  return false;
}

// Queries one evaluation may make within the limits: the initial record, each of the
// counted terms with an address lookup per MX or PTR name, the void lookups, the exp= TXT
// and %{p}'s own lookups.
constexpr std::size_t kMaxQueries = 400;
// The deadline's budget, counted in questions asked, so a replay ends where the fuzzer did;
// the wall clock backs it up.
constexpr std::size_t kMaxAsked = 1000;

struct Evaluation {
  spf::Verdict verdict;
  std::size_t queries = 0;
  bool clock_stopped = false;  // the wall clock, not the count of questions, said time is up
};

Evaluation evaluate(const std::vector<std::string_view>& zone, const spf::Session& session,
                    bool helo) {
  dns::MemoryResolver memory;
  fuzz::load_memory_zone(memory, zone);
  fuzz::CountingResolver dns(memory);
  spf::Options options;
  std::size_t asked = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  Evaluation e;
  options.time_is_up = [&] {
    if (++asked > kMaxAsked) return true;
    if (std::chrono::steady_clock::now() <= deadline) return false;
    e.clock_stopped = true;
    return true;
  };
  e.verdict = helo ? spf::verify_helo(dns, session, options) : spf::verify_mail_from(dns, session, options);
  e.queries = dns.queries();
  return e;
}

void check(const spf::Verdict& v, const spf::Options& limits, std::size_t queries) {
  FUZZ_CHECK_MSG(cause_fits(v), std::string(spf::to_string(v.result)) + " " +
                                   std::string(spf::to_string(v.cause)) + " " + v.detail);
  FUZZ_CHECK(v.dns_lookups <= limits.max_dns_terms + 1);
  FUZZ_CHECK(v.void_lookups <= limits.max_void_lookups + 1);
  FUZZ_CHECK_MSG(queries <= kMaxQueries, std::to_string(queries) + " queries");
  FUZZ_CHECK(v.dns_queries <= queries);
  if (v.result != SpfResult::Fail) FUZZ_CHECK(v.explanation.empty());
  FUZZ_CHECK(v.problem().empty() == (v.cause == Cause::none));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> lines =
      fuzz::split_lines(fuzz::as_text(data, size));
  if (lines.empty()) return 0;
  std::string_view head = lines[0];
  std::string_view ip = fuzz::next_word(head);
  spf::Session session;
  auto address = dns::IpAddress::parse(ip);
  if (!address) return 0;
  session.client_ip = *address;
  session.mail_from = std::string(fuzz::next_word(head));
  session.helo = std::string(fuzz::next_word(head));
  session.receiver = "receiver.example";
  session.now = 1700000000;
  std::vector<std::string_view> zone(lines.begin() + 1, lines.end());

  spf::Options limits;
  for (bool helo : {false, true}) {
    Evaluation first = evaluate(zone, session, helo);
    check(first.verdict, limits, first.queries);
    Evaluation second = evaluate(zone, session, helo);
    check(second.verdict, limits, second.queries);
    // Where the wall clock stopped an evaluation may differ from run to run: a mechanism's
    // temperror (time_limit), or an exp= given up for the default explanation.
    if (first.clock_stopped || second.clock_stopped) continue;
    FUZZ_CHECK(second.verdict.result == first.verdict.result);
    FUZZ_CHECK(second.verdict.cause == first.verdict.cause);
    FUZZ_CHECK(second.verdict.mechanism == first.verdict.mechanism);
    FUZZ_CHECK(second.verdict.explanation == first.verdict.explanation);
    FUZZ_CHECK(second.queries == first.queries);
  }
  return 0;
}

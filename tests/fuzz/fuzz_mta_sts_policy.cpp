// The MTA-STS policy file (RFC 8461 3.2) and MX host validation (4.1). Properties: an error's
// detail names its line and its offset is inside the text; a policy that parses has a valid
// mode, max_age at most 31557600, mx values found at their offsets (at least one unless mode
// is none), LF-only line numbers in order and within the policy; every mx pattern matches a
// host it stands for (itself, or one label before its "*." suffix) and not a host two labels
// below; the policy written back with CRLF parses to the same mode, max_age and patterns.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/mta_sts/policy.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  mta_sts::Field field = mta_sts::Field::syntax;
  auto policy = mta_sts::parse_policy(text, &field);
  if (!policy) {
    fuzz::check_offset(policy.error(), size);
    FUZZ_CHECK(policy.error().offset != Error::no_offset);
    FUZZ_CHECK_MSG(policy.error().detail.rfind("line ", 0) == 0, policy.error().detail);
    return 0;
  }
  FUZZ_CHECK(policy->max_age <= mta_sts::kMaxMaxAge);
  FUZZ_CHECK(!policy->mx.empty() || policy->mode == mta_sts::Mode::none);
  std::size_t previous = 0;
  for (std::size_t n : policy->lf_only_lines) {
    FUZZ_CHECK(n > previous && n <= policy->lines);
    previous = n;
  }
  std::string written = "version: STSv1\r\nmode: " + std::string(mta_sts::to_string(policy->mode)) + "\r\n";
  for (const auto& mx : policy->mx) {
    FUZZ_CHECK(text.substr(mx.value_offset, mx.value.size()) == mx.value);
    const std::string& p = mx.value;
    if (p.rfind("*.", 0) == 0) {
      FUZZ_CHECK_MSG(mta_sts::mx_matches(p, "x" + p.substr(1)), p);
      FUZZ_CHECK_MSG(!mta_sts::mx_matches(p, "x.y" + p.substr(1)), p);
      FUZZ_CHECK_MSG(!mta_sts::mx_matches(p, p.substr(2)), p);
    } else {
      FUZZ_CHECK_MSG(mta_sts::mx_matches(p, p + "."), p);
      FUZZ_CHECK_MSG(!mta_sts::mx_matches(p, "x." + p), p);
    }
    written += "mx: " + mx.value + "\r\n";
  }
  written += "max_age: " + std::to_string(policy->max_age) + "\r\n";
  auto again = mta_sts::parse_policy(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK(again->mode == policy->mode && again->max_age == policy->max_age);
  FUZZ_CHECK(again->mx.size() == policy->mx.size() && again->lf_only_lines.empty());
  for (std::size_t i = 0; i < again->mx.size(); ++i) FUZZ_CHECK(again->mx[i].value == policy->mx[i].value);
  return 0;
}

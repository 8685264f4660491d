// The MTA-STS policy URL (RFC 8461 3.2) and the arguments https::fetch_mta_sts_policy refuses
// before it connects anywhere. The fetch itself is tested against nginx in
// tests/integration/https_policy_fetch_test.cpp.
#include <gtest/gtest.h>

#include "https/policy_fetch.h"

namespace dnsauth::https {
namespace {

TEST(HttpsPolicyUrl, IsTheWellKnownPathOnTheMtaStsHost) {
  // RFC 8461 3.2: 'for a Policy Domain of "example.com", the full URL is
  // "https://mta-sts.example.com/.well-known/mta-sts.txt"'.
  EXPECT_EQ(policy_url("example.com"), "https://mta-sts.example.com/.well-known/mta-sts.txt");
  EXPECT_EQ(policy_url("example.com", 443), "https://mta-sts.example.com/.well-known/mta-sts.txt");
  EXPECT_EQ(policy_url("example.com", 8443), "https://mta-sts.example.com:8443/.well-known/mta-sts.txt");
}

TEST(HttpsPolicyFetchArguments, ADomainThatIsNotAHostNameIsRefusedBeforeAnyConnection) {
  for (const char* domain : {"", ".", "exa mple.com", "example.com/evil", "user@example.com", "example.com:25",
                             "-bad.example", "a..example"}) {
    SCOPED_TRACE(domain);
    auto fetched = fetch_mta_sts_policy(domain);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().code, Errc::invalid_argument);
  }
}

TEST(HttpsPolicyFetchArguments, AnAddressThatIsNotAnIpAddressIsRefused) {
  FetchOptions options;
  options.addresses = {"127.0.0.1", "mta-sts.example.com"};
  auto fetched = fetch_mta_sts_policy("example.com", options);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::invalid_argument);
  EXPECT_NE(fetched.error().detail.find("mta-sts.example.com"), std::string::npos) << fetched.error().detail;
}

TEST(HttpsPolicyFetchArguments, PortZeroIsRefused) {
  FetchOptions options;
  options.port = 0;
  auto fetched = fetch_mta_sts_policy("example.com", options);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::invalid_argument);
}

TEST(HttpsPolicyFetchArguments, AHostNameTooLongWithTheMtaStsLabelIsRefused) {
  // RFC 1035 2.3.4: 253 characters at most; "mta-sts." adds 8.
  std::string domain;
  while (domain.size() < 240) domain += "abcdefghi.";
  domain += "example";
  ASSERT_LE(domain.size(), 253u);
  auto fetched = fetch_mta_sts_policy(domain);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::invalid_argument);
  EXPECT_NE(fetched.error().detail.find("mta-sts."), std::string::npos) << fetched.error().detail;
}

}  // namespace
}  // namespace dnsauth::https

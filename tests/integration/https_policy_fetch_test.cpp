// RFC 8461 3.3 (HTTPS policy fetching) against a real nginx (tests/support/nginx_fixture.h):
// the policy body and media type handed on exactly as served, text/plain with parameters
// accepted and other media types refused (3.2), redirects refused without being followed, only
// 200 accepted, certificates that do not chain to the trusted CA or do not name
// mta-sts.<domain> refused, the size limit enforced while the body streams in, the timeout kept
// against a server that never answers, and a port where nothing listens.
#include <gtest/gtest.h>

#include <chrono>

#include "https/policy_fetch.h"
#include "support/nginx_fixture.h"
#include "support/nsd_fixture.h"

namespace dnsauth::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Site = NginxServer::Site;
using Location = NginxServer::Location;

constexpr const char* kDomain = "example.com";
constexpr const char* kHost = "mta-sts.example.com";
constexpr const char* kPath = "/.well-known/mta-sts.txt";
// RFC 8461 3.2: CRLF-separated key/value pairs.
const std::string kPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n";

class HttpsPolicyFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NginxServer::available())
      GTEST_SKIP() << NginxServer::kBinary << " is not installed (Debian's nginx-light; scripts/setup.sh installs it)";
  }

  // The test CA trusted instead of the system's, the port nginx listens on, and the address
  // the caller's own resolver would have found for mta-sts.example.com.
  static https::FetchOptions options_for(const NginxServer& nginx) {
    https::FetchOptions o;
    o.ca_file = nginx.ca_file().string();
    o.port = nginx.port();
    o.addresses = {"127.0.0.1"};
    o.timeout = 10s;
    return o;
  }
  static std::string url_of(const NginxServer& nginx) { return https::policy_url(kDomain, nginx.port()); }

  // RFC 8461 3.3: the certificate was refused, saying so after the URL, and libcurl's reason
  // mentions `reason`; no HTTP request reached nginx.
  static void expect_certificate_refused(const Result<https::FetchedPolicy>& fetched, const std::string& url,
                                         const std::string& reason, const NginxServer& nginx) {
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().code, Errc::io);
    EXPECT_EQ(fetched.error().detail.rfind(url + ": certificate verify failed (", 0), 0u) << fetched.error().detail;
    EXPECT_NE(fetched.error().detail.find(reason), std::string::npos) << fetched.error().detail;
    EXPECT_TRUE(nginx.requests(1, 300).empty());
  }

  // mta-sts.example.com serving `body` as the policy with `content_type`.
  static Location policy(const std::string& body = kPolicy, const std::string& content_type = "text/plain") {
    return Location(kPath, 200, content_type, body);
  }
  static Location redirect(int status) { return Location(kPath, status, "text/html", "", "/moved.txt"); }
};

TEST_F(HttpsPolicyFetch, TheBodyAndContentTypeComeBackExactlyAsServed) {
  // RFC 8461 3.3: GET https://mta-sts.<domain>/.well-known/mta-sts.txt, a 200 answer is the
  // policy; the CRLF line ends of 3.2 arrive unchanged for the parser.
  NginxServer nginx({Site(kHost, {policy()})});
  auto fetched = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_TRUE(fetched) << fetched.error().message() << "\n" << nginx.log();
  EXPECT_EQ(fetched->body, kPolicy);
  EXPECT_EQ(fetched->content_type, "text/plain");
  EXPECT_EQ(fetched->url, "https://mta-sts.example.com:" + std::to_string(nginx.port()) + "/.well-known/mta-sts.txt");
  auto requests = nginx.requests(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].host, kHost);  // the SNI name: the certificate was chosen for it
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].uri, kPath);
  EXPECT_TRUE(requests[0].completed);
}

TEST_F(HttpsPolicyFetch, AnAbsoluteDomainNameFetchesTheSameUrl) {
  NginxServer nginx({Site(kHost, {policy()})});
  auto fetched = https::fetch_mta_sts_policy("Example.COM.", options_for(nginx));
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->url, url_of(nginx));
  EXPECT_EQ(fetched->body, kPolicy);
}

TEST_F(HttpsPolicyFetch, TextPlainWithParametersAndInAnyCaseIsAccepted) {
  // RFC 8461 3.2: the media type is "text/plain"; parameters (charset) are ignored, and media
  // types compare case-insensitively.
  NginxServer nginx({Site(kHost, {policy(kPolicy, "text/plain; charset=utf-8")})});
  auto fetched = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_TRUE(fetched) << fetched.error().message() << "\n" << nginx.log();
  EXPECT_EQ(fetched->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(fetched->body, kPolicy);
}

TEST_F(HttpsPolicyFetch, UpperCaseMediaTypeIsAccepted) {
  NginxServer nginx({Site(kHost, {policy(kPolicy, "Text/PLAIN ;charset=us-ascii")})});
  auto fetched = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->content_type, "Text/PLAIN ;charset=us-ascii");
}

TEST_F(HttpsPolicyFetch, OtherMediaTypesAreRefused) {
  // RFC 8461 3.2: senders SHOULD check the media type, against web servers where untrusted
  // users host HTML or images at a path of their choice.
  NginxServer nginx({Site(kHost, {policy(kPolicy, "text/html")}),
                     Site("mta-sts.example.org", {policy(kPolicy, "text/plainx")}),
                     Site("mta-sts.example.net", {policy(kPolicy, "")})});
  auto html = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().code, Errc::io);
  EXPECT_EQ(html.error().detail, url_of(nginx) + ": Content-Type is text/html, not text/plain");

  auto near_miss = https::fetch_mta_sts_policy("example.org", options_for(nginx));
  ASSERT_FALSE(near_miss);
  EXPECT_EQ(near_miss.error().detail,
            https::policy_url("example.org", nginx.port()) + ": Content-Type is text/plainx, not text/plain");

  auto none = https::fetch_mta_sts_policy("example.net", options_for(nginx));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, https::policy_url("example.net", nginx.port()) + ": no Content-Type, not text/plain");
}

TEST_F(HttpsPolicyFetch, RedirectsAreRefusedAndNeverFollowed) {
  // RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed". The target is a valid policy on
  // the same host and certificate: following the redirect would have succeeded.
  const Location moved("/moved.txt", 200, "text/plain", kPolicy);
  NginxServer nginx({Site("mta-sts.example.com", {redirect(301), moved}),
                     Site("mta-sts.example.org", {redirect(302), moved}),
                     Site("mta-sts.example.net", {redirect(307), moved}),
                     Site("mta-sts.example.edu", {redirect(308), moved})});
  const std::string port = std::to_string(nginx.port());
  const std::pair<const char*, const char*> cases[] = {{"example.com", "301 Moved Permanently"},
                                                       {"example.org", "302 Moved Temporarily"},
                                                       {"example.net", "307 Temporary Redirect"},
                                                       {"example.edu", "308 Permanent Redirect"}};
  for (const auto& [domain, status] : cases) {
    SCOPED_TRACE(domain);
    auto fetched = https::fetch_mta_sts_policy(domain, options_for(nginx));
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().code, Errc::io);
    EXPECT_EQ(fetched.error().detail, https::policy_url(domain, nginx.port()) + ": answered " + status +
                                          " (Location: https://mta-sts." + domain + ":" + port +
                                          "/moved.txt); RFC 8461 3.3 forbids following redirects");
  }
  // Each site was asked for the policy once, and never for the redirect's target.
  auto requests = nginx.requests(4);
  ASSERT_EQ(requests.size(), 4u) << nginx.log();
  for (const auto& r : requests) {
    EXPECT_EQ(r.uri, kPath) << r.host;
    EXPECT_NE(r.status, 200) << r.host;
  }
}

TEST_F(HttpsPolicyFetch, OnlyStatus200IsAPolicy) {
  // RFC 8461 3.3: "Policies fetched via HTTPS are only valid if the HTTP response code is 200
  // (OK)", also when the answer looks like a policy.
  NginxServer nginx({Site(kHost, {}), Site("mta-sts.example.org", {Location(kPath, 500, "text/plain", kPolicy)}),
                     Site("mta-sts.example.net", {Location(kPath, 204)})});
  auto missing = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io);
  EXPECT_EQ(missing.error().detail, url_of(nginx) + ": answered 404 Not Found, not 200 OK");

  auto failed = https::fetch_mta_sts_policy("example.org", options_for(nginx));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().detail,
            https::policy_url("example.org", nginx.port()) + ": answered 500 Internal Server Error, not 200 OK");

  auto empty = https::fetch_mta_sts_policy("example.net", options_for(nginx));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().detail, https::policy_url("example.net", nginx.port()) + ": answered 204 No Content, not 200 OK");
}

TEST_F(HttpsPolicyFetch, ACertificateFromAnUntrustedIssuerIsRefused) {
  // RFC 8461 3.3: the certificate MUST chain to a root CA the sender trusts. A self-signed one
  // for the right name is refused before any request is sent.
  NginxServer nginx({Site(kHost, {policy()}, NginxServer::Certificate::self_signed)});
  expect_certificate_refused(https::fetch_mta_sts_policy(kDomain, options_for(nginx)), url_of(nginx), "self-signed",
                             nginx);
}

TEST_F(HttpsPolicyFetch, TheSystemStoreDecidesWithoutACaFile) {
  // RFC 8461 3.3: CAs "similar to those in widely deployed web browsers and operating
  // systems": with no ca_file the system's store is used, which does not know the test CA.
  NginxServer nginx({Site(kHost, {policy()})});
  auto options = options_for(nginx);
  options.ca_file.clear();
  expect_certificate_refused(https::fetch_mta_sts_policy(kDomain, options), url_of(nginx), "local issuer", nginx);
}

TEST_F(HttpsPolicyFetch, ACertificateForAnotherHostIsRefused) {
  // RFC 8461 3.3: the certificate MUST be valid for the "mta-sts" DNS-ID of the Policy Domain
  // (RFC 6125); one the trusted CA issued for another name is refused.
  NginxServer nginx({Site(kHost, {policy()}, NginxServer::Certificate::other_host)});
  expect_certificate_refused(https::fetch_mta_sts_policy(kDomain, options_for(nginx)), url_of(nginx),
                             "'mta-sts.example.com'", nginx);
}

TEST_F(HttpsPolicyFetch, TheCertificateIsCheckedForTheNameNotTheAddress) {
  // The caller's resolver gives the address; TLS still checks mta-sts.<domain>: the server
  // whose certificate names mta-sts.example.com is refused for example.org.
  NginxServer nginx({Site(kHost, {policy()})});
  expect_certificate_refused(https::fetch_mta_sts_policy("example.org", options_for(nginx)),
                             https::policy_url("example.org", nginx.port()), "'mta-sts.example.org'", nginx);
}

TEST_F(HttpsPolicyFetch, ABodyAtTheLimitIsAcceptedAndOneByteMoreIsNot) {
  // RFC 8461 3.3: senders MAY limit the body's size; 64 kilobytes is the suggested limit and
  // the default. Content-Length announces these sizes: the larger is refused before its body.
  NginxServer nginx({Site(kHost, {policy().pad(65536 - kPolicy.size())}),
                     Site("mta-sts.example.org", {policy().pad(65537 - kPolicy.size())})});
  auto at_limit = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  ASSERT_TRUE(at_limit) << at_limit.error().message();
  EXPECT_EQ(at_limit->body.size(), 65536u);
  EXPECT_EQ(at_limit->body.substr(0, kPolicy.size()), kPolicy);

  auto over = https::fetch_mta_sts_policy("example.org", options_for(nginx));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit);
  EXPECT_EQ(over.error().detail, https::policy_url("example.org", nginx.port()) +
                                     ": the policy is larger than 65536 bytes (Content-Length: 65537)");
}

TEST_F(HttpsPolicyFetch, TheLimitStopsAStreamedBodyAsItPassesIt) {
  // RFC 8461 3.3's size limit against a body with no Content-Length (chunked) of 64 MiB: the
  // fetch stops once the limit is passed, long before nginx has sent it all.
  constexpr std::uint64_t kHuge = 64ull << 20;
  NginxServer nginx({Site(kHost, {policy().pad(kHuge).without_length()})});
  const auto start = Clock::now();
  auto fetched = https::fetch_mta_sts_policy(kDomain, options_for(nginx));
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::limit);
  EXPECT_EQ(fetched.error().detail, url_of(nginx) + ": the policy is larger than 65536 bytes; the transfer was stopped there");
  EXPECT_LT(elapsed, 5s);
  auto requests = nginx.requests(1);
  ASSERT_EQ(requests.size(), 1u) << nginx.log();
  EXPECT_FALSE(requests[0].completed);
  EXPECT_LT(requests[0].body_bytes_sent, kHuge / 2);
}

TEST_F(HttpsPolicyFetch, TheLimitIsConfigurable) {
  NginxServer nginx({Site(kHost, {policy().without_length()})});
  auto options = options_for(nginx);
  options.max_size = kPolicy.size();
  auto exact = https::fetch_mta_sts_policy(kDomain, options);
  ASSERT_TRUE(exact) << exact.error().message();
  EXPECT_EQ(exact->body, kPolicy);

  options.max_size = kPolicy.size() - 1;
  auto over = https::fetch_mta_sts_policy(kDomain, options);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit);
  EXPECT_NE(over.error().detail.find("larger than " + std::to_string(kPolicy.size() - 1) + " bytes"), std::string::npos)
      << over.error().detail;
}

TEST_F(HttpsPolicyFetch, TheAddressesAreTriedInOrder) {
  // Nothing listens on ::1 nor on 127.0.0.2 at nginx's port: the fetch goes on to the next
  // address, IPv6 or IPv4, and the certificate is still checked for mta-sts.example.com.
  NginxServer nginx({Site(kHost, {policy()})});
  auto options = options_for(nginx);
  options.addresses = {"::1", "127.0.0.2", "127.0.0.1"};
  auto fetched = https::fetch_mta_sts_policy(kDomain, options);
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->body, kPolicy);
}

// Without nginx: the network failures.

TEST(HttpsPolicyFetchNetwork, AServerThatNeverAnswersTimesOutWithinTheLimit) {
  // RFC 8461 3.3: senders MAY impose a timeout on the whole GET. The kernel completes the TCP
  // handshake; the TLS ClientHello is never answered.
  SilentTcpServer silent;
  https::FetchOptions options;
  options.port = silent.port();
  options.addresses = {"127.0.0.1"};
  options.timeout = 1000ms;
  const auto start = Clock::now();
  auto fetched = https::fetch_mta_sts_policy(kDomain, options);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::io);
  EXPECT_EQ(fetched.error().detail.rfind(https::policy_url(kDomain, silent.port()) + ": no complete answer within 1000 ms", 0),
            0u)
      << fetched.error().detail;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 4s);
}

TEST(HttpsPolicyFetchNetwork, NothingListeningIsAConnectionError) {
  https::FetchOptions options;
  options.port = free_loopback_port();
  options.addresses = {"127.0.0.1"};
  options.timeout = 5s;
  auto fetched = https::fetch_mta_sts_policy(kDomain, options);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().code, Errc::io);
  EXPECT_EQ(fetched.error().detail.rfind(https::policy_url(kDomain, options.port) + ": cannot connect (", 0), 0u)
      << fetched.error().detail;
}

TEST(HttpsPolicyFetchNetwork, AUnicodeDomainIsFetchedByItsALabels) {
  // RFC 8461 3.3: the Policy Host is "mta-sts" prepended to the Policy Domain, a DNS name:
  // an IDN is asked for by its A-labels (RFC 5890).
  https::FetchOptions options;
  options.port = free_loopback_port();
  options.addresses = {"127.0.0.1"};
  auto fetched = https::fetch_mta_sts_policy("bücher.example", options);
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().detail.rfind("https://mta-sts.xn--bcher-kva.example:" + std::to_string(options.port) + "/", 0),
            0u)
      << fetched.error().detail;
}

}  // namespace
}  // namespace dnsauth::test

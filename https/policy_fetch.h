// The MTA-STS policy of a domain fetched as a sending MTA fetches it (RFC 8461 3.3): a GET of
// https://mta-sts.<domain>/.well-known/mta-sts.txt with libcurl over OpenSSL, the server's
// certificate checked for the host name "mta-sts.<domain>" against the trusted CAs (RFC 8461
// 3.3, RFC 6125), no redirect followed, only a 200 answer (3.3) with the media type
// text/plain (3.2) accepted, the body bounded in size and the whole fetch in time. Outside core,
// since core never does network I/O (docs/architecture.md, "Layers"); the body is handed on as
// received, for the policy parser to read.
//
// Every failure is an Error whose detail starts with the URL and says what was received:
//   "https://mta-sts.example.com/.well-known/mta-sts.txt: certificate verify failed (...)"
//   "...: answered 301 Moved Permanently (Location: https://...); RFC 8461 3.3 forbids
//    following redirects"
//   "...: Content-Type is text/html, not text/plain"
//   "...: the policy is larger than 65536 bytes"
// Errc::limit for the size, Errc::invalid_argument for a domain or address the options cannot
// name, Errc::io for everything the server or the network did (TLS, HTTP status, media type,
// timeout, refused connection).
//
// One call is one connection: a sender fetches a domain's policy at most once per max_age and
// never two domains from one host, so there is nothing a kept handle could reuse.
// Thread-safe: each call has its own libcurl handle; libcurl's global state is set up once, on
// the first call (a function-local static), and never torn down.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::https {

struct FetchOptions {
  // PEM file with the CA certificates to trust instead of the system's store (tests, a private
  // CA); empty: the system's store (Debian: /etc/ssl/certs).
  std::string ca_file;
  // The HTTPS port; RFC 8461 3.3 fetches from 443, other ports are for tests only.
  std::uint16_t port = 443;
  // The IPv4 or IPv6 addresses to connect to for mta-sts.<domain>, tried in order: the caller
  // resolves the name with its own resolver (zone files in tests). The certificate is still
  // checked for the name. Empty: libcurl asks the system's resolver.
  std::vector<std::string> addresses;
  // The whole fetch, from name lookup to the last byte; RFC 8461 3.3 suggests that senders
  // wait at least 60 seconds.
  std::chrono::milliseconds timeout{60000};
  // The largest body accepted; RFC 8461 3.3 suggests at most 64 KiB for senders. A longer body
  // is abandoned as soon as it passes the limit (or at once when Content-Length says so).
  std::size_t max_size = 64 * 1024;
};

struct FetchedPolicy {
  std::string url;           // "https://mta-sts.example.com/.well-known/mta-sts.txt"
  std::string content_type;  // as the server sent it: "text/plain; charset=utf-8"
  std::string body;          // the bytes as received (CRLF or LF line ends unchanged)
};

// "https://mta-sts.<domain>/.well-known/mta-sts.txt", with ":port" when port is not 443.
std::string policy_url(std::string_view domain, std::uint16_t port = 443);

// `domain`: the Policy Domain (an A-label name or a U-label one, which becomes its A-labels;
// one final dot is dropped). See the file comment for what is accepted and the errors.
Result<FetchedPolicy> fetch_mta_sts_policy(std::string_view domain, const FetchOptions& options = {});

}  // namespace dnsauth::https

#include "https/policy_fetch.h"

#include <curl/curl.h>

#include <charconv>
#include <memory>
#include <optional>

#include "core/common/ascii.h"
#include "core/dns/ip_address.h"
#include "core/dns/name.h"

namespace dnsauth::https {

namespace {

// curl_global_init is not thread-safe and sets up OpenSSL; a function-local static runs it once
// (C++ makes its initialisation thread-safe). Never torn down: a thread of the signer or a test
// may still be inside libcurl while the process exits.
CURLcode init_curl() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  return rc;
}

struct EasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// HTTP/2 status lines carry no reason phrase; the common ones, for the error texts.
std::string_view standard_reason(long status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return {};
  }
}

// One response as it arrives: the header callback keeps what the checks need and checks the
// answer once its header section ends, before any body byte is taken; the write callback
// counts the body against the limit.
struct Transfer {
  std::string url;
  std::size_t max_size = 0;
  long status = 0;
  std::string reason;
  std::optional<std::string> content_type;
  std::optional<std::string> location;
  std::optional<std::string> content_length;
  bool checked = false;
  std::string body;
  std::optional<Error> refused;  // why the transfer was stopped

  std::string status_text() const {
    std::string text = std::to_string(status);
    std::string_view r = reason.empty() ? standard_reason(status) : std::string_view(reason);
    if (!r.empty()) text += " " + std::string(r);
    return text;
  }

  std::optional<Error> check_header() const {
    // RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed": the policy must come from the
    // host the certificate was checked for, not from wherever a redirect points.
    if (status >= 300 && status <= 399)
      return Error{Errc::io, url + ": answered " + status_text() + " (Location: " + location.value_or("none") +
                                 "); RFC 8461 3.3 forbids following redirects"};
    // RFC 8461 3.3: "Policies fetched via HTTPS are only valid if the HTTP response code is
    // 200 (OK)."
    if (status != 200) return Error{Errc::io, url + ": answered " + status_text() + ", not 200 OK"};
    // RFC 8461 3.2: senders SHOULD check that the media type is "text/plain", against web
    // servers where untrusted users host other content at a path of their choice; parameters
    // (charset) are ignored, and media types compare case-insensitively (RFC 2045 5.1).
    if (!content_type) return Error{Errc::io, url + ": no Content-Type, not text/plain"};
    std::string_view media = *content_type;
    media = trim(media.substr(0, media.find(';')));
    if (!ascii::iequals(media, "text/plain"))
      return Error{Errc::io, url + ": Content-Type is " + *content_type + ", not text/plain"};
    if (content_length) {
      std::uint64_t length = 0;
      const char* end = content_length->data() + content_length->size();
      auto [p, ec] = std::from_chars(content_length->data(), end, length);
      if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == end && length > max_size))
        return Error{Errc::limit, url + ": the policy is larger than " + std::to_string(max_size) +
                                      " bytes (Content-Length: " + *content_length + ")"};
    }
    return std::nullopt;
  }

  void header_line(std::string_view line) {
    line = trim(line);
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response (after an interim 1xx one): start over.
      status = 0;
      reason.clear();
      content_type.reset();
      location.reset();
      content_length.reset();
      auto sp = line.find(' ');
      if (sp == std::string_view::npos) return;
      std::string_view rest = line.substr(sp + 1);
      auto sp2 = rest.find(' ');
      std::string_view code = rest.substr(0, sp2);
      std::from_chars(code.data(), code.data() + code.size(), status);
      if (sp2 != std::string_view::npos) reason = std::string(trim(rest.substr(sp2 + 1)));
      return;
    }
    if (line.empty()) {
      if (status >= 100 && status <= 199) return;  // interim; the real answer follows
      checked = true;
      refused = check_header();
      return;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view name = trim(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    if (ascii::iequals(name, "Content-Type")) content_type = value;
    else if (ascii::iequals(name, "Location")) location = value;
    else if (ascii::iequals(name, "Content-Length")) content_length = value;
  }
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->header_line(std::string_view(data, size * count));
  return t->refused ? 0 : size * count;  // 0 stops the transfer (CURLE_WRITE_ERROR)
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->refused) return 0;
  // RFC 8461 3.3: senders MAY limit the body's size (64 kilobytes suggested); the bytes past
  // the limit are never kept.
  if (n > t->max_size - t->body.size()) {
    t->refused = Error{Errc::limit, t->url + ": the policy is larger than " + std::to_string(t->max_size) +
                                        " bytes; the transfer was stopped there"};
    return 0;
  }
  t->body.append(data, n);
  return n;
}

Error transfer_error(const Transfer& t, CURLcode rc, const char* errbuf, const FetchOptions& options) {
  std::string why;
  switch (rc) {
    // RFC 8461 3.3: the certificate MUST be valid for the "mta-sts" DNS-ID (RFC 6125), chain to
    // a trusted root CA and be non-expired; otherwise whoever is on the path could serve a
    // policy of its own.
    case CURLE_PEER_FAILED_VERIFICATION: why = "certificate verify failed"; break;
    case CURLE_SSL_CONNECT_ERROR: why = "TLS handshake failed"; break;
    case CURLE_SSL_CACERT_BADFILE: why = "cannot use the CA file " + options.ca_file; break;
    case CURLE_OPERATION_TIMEDOUT:
      why = "no complete answer within " + std::to_string(options.timeout.count()) + " ms";
      break;
    case CURLE_COULDNT_CONNECT: why = "cannot connect"; break;
    case CURLE_COULDNT_RESOLVE_HOST: why = "cannot resolve the host name"; break;
    default: why = curl_easy_strerror(rc); break;
  }
  if (errbuf[0] != '\0') why += std::string(" (") + errbuf + ")";
  return Error{Errc::io, t.url + ": " + why};
}

}  // namespace

std::string policy_url(std::string_view domain, std::uint16_t port) {
  std::string url = "https://mta-sts." + std::string(domain);
  if (port != 443) url += ":" + std::to_string(port);
  return url + "/.well-known/mta-sts.txt";
}

Result<FetchedPolicy> fetch_mta_sts_policy(std::string_view domain, const FetchOptions& options) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  auto a_labels = dns::to_a_labels(domain);
  if (!a_labels) return make_error(Errc::invalid_argument, "MTA-STS policy domain: " + a_labels.error().detail);
  const std::string host = "mta-sts." + *a_labels;
  if (!dns::is_domain_name(host))
    return make_error(Errc::invalid_argument, "MTA-STS policy host " + host + " is not a host name");
  if (options.port == 0) return make_error(Errc::invalid_argument, "MTA-STS policy fetch: port 0");

  // "HOST:PORT:ADDR[,ADDR...]": libcurl connects to these and still sends and checks the name
  // (SNI, RFC 6125), as if its resolver had answered them.
  std::string resolve;
  for (const auto& text : options.addresses) {
    auto ip = dns::IpAddress::parse(text);
    if (!ip) return make_error(Errc::invalid_argument, "MTA-STS policy fetch: " + ip.error().detail);
    resolve += resolve.empty() ? host + ":" + std::to_string(options.port) + ":" : ",";
    resolve += ip->is_v6() ? "[" + ip->to_string() + "]" : ip->to_string();
  }

  Transfer t;
  t.url = policy_url(*a_labels, options.port);
  t.max_size = options.max_size;
  if (CURLcode rc = init_curl(); rc != CURLE_OK)
    return make_error(Errc::io, t.url + ": libcurl does not start: " + curl_easy_strerror(rc));
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return make_error(Errc::io, t.url + ": libcurl does not start");
  std::unique_ptr<curl_slist, ListDeleter> resolve_list;
  if (!resolve.empty()) {
    resolve_list.reset(curl_slist_append(nullptr, resolve.c_str()));
    if (!resolve_list) return make_error(Errc::io, t.url + ": out of memory");
  }

  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* c = easy.get();
  curl_easy_setopt(c, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  // RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed" (libcurl's default; said anyway).
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  // RFC 8996: TLS 1.0 and 1.1 are not to be used.
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options.ca_file.empty()) {
    // Instead of the system's store, not beside it: libcurl's built-in CA folder goes too.
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  }
  if (resolve_list) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve_list.get());
  // No proxy from the environment (https_proxy, all_proxy): the connection goes where the
  // caller's resolver (options.addresses) or the system's says, not where a proxy resolves to.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  // RFC 8461 3.3: senders MAY impose a timeout (one minute suggested). HTTP caching MUST NOT be
  // used: libcurl keeps none, and nothing here does either.
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  // Threads: no SIGALRM for the name lookup's timeout.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "dnsauth/" DNSAUTH_VERSION " (MTA-STS, RFC 8461)");
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);

  CURLcode rc = curl_easy_perform(c);
  if (t.refused) return tl::unexpected(*t.refused);
  if (rc != CURLE_OK) return tl::unexpected(transfer_error(t, rc, errbuf, options));
  if (!t.checked) {
    // The transfer ended without a header section the callback saw end (not expected from
    // libcurl, which refuses HTTP/0.9): check what there is.
    if (auto e = t.check_header()) return tl::unexpected(*e);
  }
  return FetchedPolicy{std::move(t.url), std::move(*t.content_type), std::move(t.body)};
}

}  // namespace dnsauth::https

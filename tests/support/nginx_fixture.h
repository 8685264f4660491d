// A real HTTPS server for the MTA-STS policy fetch tests: Debian's nginx on 127.0.0.1 and a
// free unprivileged port, serving the sites a test gives it (one server block per host name,
// chosen by SNI) from a private temp folder with its own nginx.conf, pid file, logs and temp
// paths (never /etc/nginx, /var/log/nginx or port 80). One process, in the foreground, as the
// test's user (`daemon off; master_process off;`). The constructor returns once nginx accepts
// connections; the destructor stops it and removes the folder (the child gets SIGKILL should
// the test process die first).
//
// The certificates are made per fixture with OpenSSL's API: a test CA (ca_file(), for
// https::FetchOptions::ca_file) and one server certificate it issues for every host of the
// sites served with Certificate::trusted (SAN dNSNames); a site can instead be served with a
// self-signed certificate for its own host (no trusted issuer) or with a certificate the CA
// issued for kOtherHost (a trusted issuer, the wrong name).
//
//   NginxServer nginx({{"mta-sts.example.com", {{"/.well-known/mta-sts.txt", 200, "text/plain", body}}}});
//   https::FetchOptions o; o.ca_file = nginx.ca_file(); o.port = nginx.port(); o.addresses = {"127.0.0.1"};
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace dnsauth::test {

class NginxServer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";
  // The name in the certificate of a site served with Certificate::other_host.
  static constexpr const char* kOtherHost = "mta-sts.elsewhere.test";
  static bool available();  // the nginx binary is installed

  enum class Certificate {
    trusted,     // issued by the fixture's CA for the site's host
    self_signed, // for the site's host, issued by itself (a CA nobody trusts)
    other_host,  // issued by the fixture's CA, for kOtherHost only
  };

  // One exact path (`location = path`). A 200 answer sends `body` byte for byte with
  // `content_type` (empty: no Content-Type header), then `padding` NUL bytes (a sparse file:
  // large bodies cost no disk); `chunked` leaves out Content-Length, so a client learns the
  // size only by counting. A 3xx answer sends a Location header with `redirect_to`. Any other
  // status sends `body` (it must not contain '$'), or nginx's own page when body is empty.
  struct Location {
    Location(std::string path, int status = 200, std::string content_type = "text/plain", std::string body = {},
             std::string redirect_to = {})
        : path(std::move(path)), status(status), content_type(std::move(content_type)), body(std::move(body)),
          redirect_to(std::move(redirect_to)) {}
    Location& pad(std::uint64_t bytes) { padding = bytes; return *this; }
    Location& without_length() { chunked = true; return *this; }

    std::string path;
    int status = 200;
    std::string content_type = "text/plain";
    std::string body;
    std::string redirect_to;
    std::uint64_t padding = 0;
    bool chunked = false;
  };
  struct Site {
    Site(std::string host, std::vector<Location> locations, Certificate certificate = Certificate::trusted)
        : host(std::move(host)), locations(std::move(locations)), certificate(certificate) {}

    std::string host;  // "mta-sts.example.com": server_name, and the certificate's name
    std::vector<Location> locations;
    Certificate certificate = Certificate::trusted;
  };
  // One line of the access log: what was asked and how it ended.
  struct Request {
    std::string host;  // the SNI name the client sent
    std::string method;
    std::string uri;
    int status = 0;
    std::uint64_t body_bytes_sent = 0;
    bool completed = false;  // the whole answer was sent ($request_completion)
  };

  // Throws std::runtime_error with nginx's own log when it does not start within
  // startup_timeout_ms, std::invalid_argument for a site it cannot serve.
  explicit NginxServer(std::vector<Site> sites, int startup_timeout_ms = 10000);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& directory() const { return dir_; }
  // The test CA's certificate (PEM).
  std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }
  std::string log() const;  // nginx's error log so far

  // The requests logged so far, in order; waits up to timeout_ms until there are at least
  // `at_least` (nginx logs a request once it has ended, which a client may not wait for).
  std::vector<Request> requests(std::size_t at_least = 0, int timeout_ms = 5000) const;

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dnsauth::test

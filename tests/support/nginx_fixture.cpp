#include "support/nginx_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/nsd_fixture.h"
#include "support/process.h"
#include "support/test_support.h"

namespace dnsauth::test {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("NginxServer: OpenSSL failed: ") + what);
}

Pkey new_key() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EVP_PKEY_Q_keygen");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_nconf_nid");
  const bool added = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  check(added, "X509_add_ext");
}

// A certificate for `subject_key` named `common_name`, valid from an hour ago for a day, signed
// by issuer_key (issuer: that certificate, or null for a self-signed one). `dns_names` empty:
// a CA certificate; otherwise a TLS server certificate for those names (RFC 6125 DNS-IDs).
Cert make_certificate(EVP_PKEY* subject_key, const std::string& common_name, const std::vector<std::string>& dns_names,
                      X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // a positive INTEGER (RFC 5280 4.1.2.2)
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  check(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr, "serial");
  BN_free(bn);
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1,
        "subject");
  X509* signer = issuer ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "issuer");
  check(X509_set_pubkey(cert.get(), subject_key) == 1, "X509_set_pubkey");
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (dns_names.empty()) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san;
    for (const auto& n : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    add_extension(cert.get(), signer, NID_subject_alt_name, san);
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  check(bio != nullptr, "BIO_new_file");
  bool ok = cert ? PEM_write_bio_X509(bio, cert) == 1
                 : PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  BIO_free(bio);
  check(ok, "PEM_write_bio");
}

// A string in nginx's configuration syntax: double quotes, with '"' and '\' escaped.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string location_block(const NginxServer::Location& l, const std::filesystem::path& body_file) {
  if (l.path.empty() || l.path.front() != '/') throw std::invalid_argument("NginxServer: path " + l.path);
  std::string block = "    location = " + l.path + " {\n";
  if (!l.content_type.empty()) block += "      default_type " + quoted(l.content_type) + ";\n";
  else block += "      default_type \"\";\n";
  if (l.status == 200) {
    block += "      alias " + body_file.string() + ";\n";
    // The sub filter (never matching) takes Content-Length away: the body goes chunked.
    if (l.chunked) block += "      sub_filter_types *;\n      sub_filter dnsauth-never-matches \"\";\n";
  } else if (l.status >= 300 && l.status <= 399) {
    block += "      return " + std::to_string(l.status) + " " + quoted(l.redirect_to) + ";\n";
  } else if (l.body.empty()) {
    block += "      return " + std::to_string(l.status) + ";\n";
  } else {
    if (l.body.find('$') != std::string::npos)
      throw std::invalid_argument("NginxServer: a " + std::to_string(l.status) + " body cannot hold '$'");
    block += "      return " + std::to_string(l.status) + " " + quoted(l.body) + ";\n";
  }
  return block + "    }\n";
}

}  // namespace

bool NginxServer::available() { return ::access(kBinary, X_OK) == 0; }

NginxServer::NginxServer(std::vector<Site> sites, int startup_timeout_ms) {
  dir_ = make_temp_dir("dnsauth-nginx-");
  try {
    port_ = free_loopback_port();
    const std::string d = dir_.string();
    std::filesystem::create_directories(dir_ / "bodies");
    std::filesystem::create_directories(dir_ / "tmp");

    Pkey ca_key = new_key();
    Cert ca = make_certificate(ca_key.get(), "dnsauth test CA", {}, nullptr, ca_key.get());
    write_pem(ca_file(), ca.get(), nullptr);
    Pkey server_key = new_key();
    write_pem(dir_ / "server.key", nullptr, server_key.get());
    std::vector<std::string> trusted_hosts;
    for (const auto& s : sites)
      if (s.certificate == Certificate::trusted) trusted_hosts.push_back(s.host);
    if (!trusted_hosts.empty())
      write_pem(dir_ / "trusted.crt",
                make_certificate(server_key.get(), trusted_hosts.front(), trusted_hosts, ca.get(), ca_key.get()).get(),
                nullptr);
    write_pem(dir_ / "other_host.crt",
              make_certificate(server_key.get(), kOtherHost, {kOtherHost}, ca.get(), ca_key.get()).get(), nullptr);

    std::string servers;
    int body_count = 0;
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const Site& site = sites[i];
      std::filesystem::path cert = dir_ / "trusted.crt";
      if (site.certificate == Certificate::other_host) cert = dir_ / "other_host.crt";
      if (site.certificate == Certificate::self_signed) {
        cert = dir_ / ("self_signed_" + std::to_string(i) + ".crt");
        write_pem(cert, make_certificate(server_key.get(), site.host, {site.host}, nullptr, server_key.get()).get(),
                  nullptr);
      }
      servers += "  server {\n    listen 127.0.0.1:" + std::to_string(port_) + " ssl;\n    server_name " + site.host +
                 ";\n    ssl_certificate " + cert.string() + ";\n    ssl_certificate_key " + d + "/server.key;\n";
      for (const auto& l : site.locations) {
        std::filesystem::path body_file = dir_ / "bodies" / std::to_string(body_count++);
        write_file(body_file, l.body);
        if (l.padding) std::filesystem::resize_file(body_file, l.body.size() + l.padding);
        servers += location_block(l, body_file);
      }
      servers += "  }\n";
    }
    // No `user`: with master_process off nothing changes user. The error log is also given
    // with -e, so that what nginx says before reading this file lands here too.
    write_file(dir_ / "nginx.conf",
               "daemon off;\n"
               "master_process off;\n"
               "pid " + d + "/nginx.pid;\n"
               "error_log " + d + "/error.log info;\n"
               "events { worker_connections 64; }\n"
               "http {\n"
               "  log_format dnsauth '$ssl_server_name $request_method $request_uri $status $body_bytes_sent "
               "$request_completion.';\n"
               "  access_log " + d + "/access.log dnsauth;\n"
               "  client_body_temp_path " + d + "/tmp/body;\n"
               "  proxy_temp_path " + d + "/tmp/proxy;\n"
               "  fastcgi_temp_path " + d + "/tmp/fastcgi;\n"
               "  uwsgi_temp_path " + d + "/tmp/uwsgi;\n"
               "  scgi_temp_path " + d + "/tmp/scgi;\n"
               "  types { }\n"
               "  root " + d + "/bodies/none;\n" +
               servers + "}\n");
    pid_ = spawn_daemon(kBinary, {"-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/error.log"}, dir_ / "nginx.out");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms);
    while (!loopback_accepts(port_)) {
      int status = 0;
      if (daemon_exited(pid_, &status)) {
        pid_ = -1;
        throw std::runtime_error("nginx exited during startup (status " + std::to_string(status) + "): " + log());
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("nginx did not accept connections on " + address() + " within " +
                                 std::to_string(startup_timeout_ms) + " ms: " + log());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (...) {
    stop_daemon(pid_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

NginxServer::~NginxServer() {
  stop_daemon(pid_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string NginxServer::log() const {
  return read_file_if_any(dir_ / "nginx.out") + read_file_if_any(dir_ / "error.log");
}

std::vector<NginxServer::Request> NginxServer::requests(std::size_t at_least, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    std::vector<Request> out;
    std::istringstream lines(read_file_if_any(dir_ / "access.log"));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      Request r;
      std::string completion;
      fields >> r.host >> r.method >> r.uri >> r.status >> r.body_bytes_sent >> completion;
      r.completed = completion == "OK.";  // "." ends the field: $request_completion may be empty
      out.push_back(r);
    }
    if (out.size() >= at_least || std::chrono::steady_clock::now() > deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace dnsauth::test

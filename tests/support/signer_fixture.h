// Shared by the signer's tests: a temporary deployment (key files with the right modes and a
// dnsauth.toml), the DNS records that publish its keys, and verification of signed messages
// with dnsauth's Verifier and with dkimpy.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/dkim/crypto.h"
#include "core/dkim/verifier.h"
#include "core/dns/resolver.h"
#include "core/mail/message.h"
#include "support/dkim_fixtures.h"
#include "support/process.h"

namespace dnsauth::test {

// RSA key generation takes a while; every test of a process shares the same two keys.
inline const dkim::PrivateKey& shared_rsa_key() {
  static dkim::PrivateKey k = *dkim::PrivateKey::generate_rsa(2048);
  return k;
}
inline const dkim::PrivateKey& shared_ed25519_key() {
  static dkim::PrivateKey k = *dkim::PrivateKey::generate_ed25519();
  return k;
}

class SignerDir {
 public:
  SignerDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dnsauth-signer-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "keys");
    write_key("rsa.pem", shared_rsa_key());
    write_key("ed.pem", shared_ed25519_key());
  }
  ~SignerDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SignerDir(const SignerDir&) = delete;
  SignerDir& operator=(const SignerDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path key_path(const std::string& name) const { return dir_ / "keys" / name; }

  void write_key(const std::string& name, const dkim::PrivateKey& key, mode_t mode = 0600) const {
    write_file(key_path(name), key.to_pem(), mode);
  }
  static void write_file(const std::filesystem::path& p, const std::string& text, mode_t mode = 0644) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    ::chmod(p.c_str(), mode);
  }
  // Writes dnsauth.toml (or `name`) and returns its path.
  std::filesystem::path write_config(const std::string& toml, const std::string& name = "dnsauth.toml") const {
    auto p = dir_ / name;
    write_file(p, toml);
    return p;
  }

  // Publishes r1 (RSA) and e1 (Ed25519) for every domain given.
  static dns::MemoryResolver resolver(const std::vector<std::string>& domains = {"example.com"}) {
    dns::MemoryResolver r;
    for (const auto& d : domains) {
      r.add_txt(dns_name("r1", d), key_record_for(shared_rsa_key()));
      r.add_txt(dns_name("e1", d), key_record_for(shared_ed25519_key()));
    }
    return r;
  }

 private:
  std::filesystem::path dir_;
};

// A [signer] section and one domain with both selectors; `extra` goes into [signer], `domain`
// replaces the [[domain]] body lines (name, auth, allow).
inline std::string signer_config(const std::string& extra = "",
                                 const std::string& domain = "name = \"example.com\"\nauth = \"domain\"\n") {
  return "[signer]\nkey_dir = \"keys\"\nlog = \"stderr\"\n" + extra +
         "\n[[domain]]\n" + domain +
         "  [[domain.selector]]\n  name = \"r1\"\n  key = \"rsa.pem\"\n"
         "  [[domain.selector]]\n  name = \"e1\"\n  algorithm = \"ed25519-sha256\"\n  key = \"ed.pem\"\n";
}

// dnsauth's verdicts for every signature of `message`.
inline std::vector<dkim::SignatureResult> verify_with_dnsauth(std::string_view message, dns::Resolver& resolver) {
  auto msg = mail::parse_message(message);
  if (!msg) throw std::runtime_error("parse_message: " + msg.error().message());
  dkim::VerifyOptions o;
  o.now = static_cast<std::int64_t>(std::time(nullptr));
  return dkim::verify_message(*msg, resolver, o);
}

// dkimpy's verdict per signature ("True"/"False" lines), with the same two keys published for
// `domain`. Debian's python3 (/usr/bin/python3) carries the dkim module.
inline std::vector<bool> verify_with_dkimpy(const std::filesystem::path& message_file,
                                            const std::vector<std::string>& domains = {"example.com"}) {
  std::string records = "{";
  for (const auto& d : domains) {
    records += "b'r1._domainkey." + d + ".': b'" + key_record_for(shared_rsa_key()) + "',";
    records += "b'e1._domainkey." + d + ".': b'" + key_record_for(shared_ed25519_key()) + "',";
  }
  records += "}";
  std::string script =
      "import dkim, sys\n"
      "recs = " + records + "\n"
      "def dns(name, timeout=5):\n"
      "    return recs.get(name if name.endswith(b'.') else name + b'.')\n"
      "m = open(sys.argv[1], 'rb').read()\n"
      "d = dkim.DKIM(m)\n"
      "n = m.count(b'\\nDKIM-Signature:') + (1 if m.startswith(b'DKIM-Signature:') else 0)\n"
      "for i in range(n):\n"
      "    print(bool(d.verify(idx=i, dnsfunc=dns)))\n";
  auto r = run_process("/usr/bin/python3", {"-c", script, message_file.string()});
  if (r.status != 0) throw std::runtime_error("dkimpy failed: " + r.err);
  std::vector<bool> out;
  std::size_t p = 0;
  while (p < r.out.size()) {
    auto nl = r.out.find('\n', p);
    std::string line = r.out.substr(p, nl - p);
    if (!line.empty()) out.push_back(line == "True");
    p = nl == std::string::npos ? r.out.size() : nl + 1;
  }
  return out;
}

}  // namespace dnsauth::test

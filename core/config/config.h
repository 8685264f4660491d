// The deployment described once (DESIGN.md "The config's shape"): dnsauth.toml, read by the
// signer, the publisher and the validator alike. Loaded and validated once; strict (an
// unknown key is an error naming file:line) so that a typo never silently changes policy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/types.h"

namespace dnsauth::config {

// Who may sign as whom (the signer's policy, issue 5).
enum class AuthMode {
  address,  // the login equals the From address (local part exact, domain case-insensitive)
  domain,   // the login's domain equals the From domain
  map,      // `allow` lists, per login or login pattern, the addresses and domains it may use
};
enum class OnError { tempfail, accept };
enum class OnMismatch { accept, reject };

struct Selector {
  std::string name;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  unsigned bits = 2048;              // RSA only
  std::string key;                   // as written in the config
  std::filesystem::path key_path;    // resolved against key_dir
  bool testing = false;              // publish t=y
  std::vector<std::string> hashes;   // publish h= (e.g. ["sha256"]); empty: omit
  std::string notes;                 // publish n=
  std::vector<std::string> services; // publish s= ("email" or "*"); empty: omit (all services)
  int line = 0;                      // where it was declared, for messages
};

struct Spf {
  std::vector<std::string> ip4;
  std::vector<std::string> ip6;
  std::vector<std::string> include;
  std::vector<std::string> helo;     // HELO names that get their own SPF record
  std::string all = "-";             // "-" | "~"
};

struct Dmarc {
  std::string p = "none";
  std::optional<std::string> sp;
  std::optional<std::string> np;
  std::string adkim = "r";
  std::string aspf = "r";
  std::optional<int> pct;            // RFC 7489 only; RFC 9989 removed it
  std::vector<std::string> rua;
  std::vector<std::string> ruf;
  std::optional<std::string> fo;
  std::optional<bool> testing;       // RFC 9989 t=y
  std::optional<bool> psd;           // RFC 9989 psd=y|n
  // Domains whose reports this domain accepts (publishes <that>._report._dmarc.<this>).
  std::vector<std::string> accept_reports_for;
};

struct Domain {
  std::string name;                  // lowercase, A-label
  AuthMode auth = AuthMode::domain;
  // auth = "map": login or login pattern -> allowed addresses and "*.domain" / "domain" entries.
  std::vector<std::pair<std::string, std::vector<std::string>>> allow;
  std::uint32_t ttl = 3600;
  std::vector<Selector> selectors;
  std::optional<Spf> spf;
  std::optional<Dmarc> dmarc;
  int line = 0;
};

struct SignerSettings {
  std::string socket = "inet:8891@127.0.0.1";
  std::string user;                          // drop privileges to this user (empty: stay)
  OnError on_error = OnError::tempfail;
  OnMismatch on_mismatch = OnMismatch::accept;
  std::filesystem::path key_dir;             // resolved against the config's folder
  dkim::Canonicalization canon{dkim::Canon::relaxed, dkim::Canon::relaxed};
  std::optional<std::vector<std::string>> headers;   // override of the signed header list
  std::optional<std::vector<std::string>> oversign;  // override of the oversigned list
  std::optional<std::int64_t> expire;        // x= = t= + expire seconds
  std::string authserv_id;                   // our own Authentication-Results id (removed when forged)
  std::string log = "syslog";                // "syslog" | "stderr"
  std::string stats_listen;                  // "127.0.0.1:9480" for Prometheus text; empty: off
};

struct Config {
  std::filesystem::path file;    // the file it was read from
  SignerSettings signer;
  std::vector<Domain> domains;

  const Domain* find_domain(std::string_view name) const;  // case-insensitive, exact name
};

// Errc::io when unreadable; Errc::syntax with "file:line:col: ..." in detail for TOML errors,
// unknown keys, wrong types and invalid values. Relative paths resolve against the file's folder.
Result<Config> load_config(const std::filesystem::path& file);
// The same from text; `source` names it in messages, `base_dir` resolves relative paths.
Result<Config> parse_config(std::string_view text, std::string_view source,
                            const std::filesystem::path& base_dir);

std::string_view to_string(AuthMode m) noexcept;

}  // namespace dnsauth::config

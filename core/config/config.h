// The deployment described once: dnsauth.toml, read by the signer, the publisher and the
// validator alike. This is the shared part of the model -- the signing domains, their selectors
// and the records to publish, and where keys live. The signer's own settings ([signer], each
// domain's auth/allow) are read from the same document by core/signing/settings.h. Loaded and
// validated once; strict (an unknown key is an error naming file:line) so that a typo never
// silently changes policy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/types.h"

namespace dnsauth::config {

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

// MTA-STS (RFC 8461): the policy published at https://mta-sts.<domain>/.well-known/mta-sts.txt
// and announced by the TXT record at _mta-sts.<domain>.
struct MtaSts {
  std::string mode = "testing";      // RFC 8461 3.2: "enforce" | "testing" | "none"
  std::vector<std::string> mx;       // RFC 8461 3.2 / 4.1: "mx1.example.com", "*.example.net"
  std::int64_t max_age = 604800;     // seconds, 0 to 31557600 (RFC 8461 3.2); a week by default
  int line = 0;
};

// SMTP TLS reporting (RFC 8460 3): where reports go, at _smtp._tls.<domain>.
struct TlsRpt {
  std::vector<std::string> rua;      // "mailto:tlsrpt@example.com", "https://reports.example.com/tlsrpt"
  int line = 0;
};

// BIMI (draft-brand-indicators-for-message-identification 4): the assertion record at
// <selector>._bimi.<domain>.
struct Bimi {
  std::string selector = "default";
  std::string logo;                  // l=: https URL of an SVG Tiny PS logo
  std::string evidence;              // a=: https URL of the mark certificate (VMC); empty: none
  int line = 0;
};

// The key lifecycle (dnsauth-publish rotate --auto): a week, the default time a retired
// selector stays published before it is revoked.
inline constexpr std::int64_t kDefaultKeepRetired = 7 * 86400;

// "90d", "12h", "2w", "30m", "45s", or plain seconds: a duration in seconds; nullopt when the
// text is none of these or is not positive.
std::optional<std::int64_t> parse_duration(std::string_view text);

struct Domain {
  std::string name;                  // lowercase, A-label
  std::uint32_t ttl = 3600;
  // rotate --auto starts a rotation once the active key is this old (none: only by hand).
  std::optional<std::int64_t> rotate_every;
  // How long a retired selector stays published, at least (docs: README "Rotating keys").
  std::int64_t keep_retired = kDefaultKeepRetired;
  std::vector<Selector> selectors;
  std::optional<Spf> spf;
  std::optional<Dmarc> dmarc;
  std::optional<MtaSts> mta_sts;
  std::optional<TlsRpt> tls_rpt;
  std::optional<Bimi> bimi;
  int line = 0;

  const Selector* find_selector(std::string_view name) const;  // case-insensitive
};

class Document;  // core/config/document.h

struct Config {
  std::filesystem::path file;      // the file it was read from
  // [signer] key_dir, resolved against the config's folder (default "keys"): where the publisher
  // writes keys and the signer reads them.
  std::filesystem::path key_dir;
  std::vector<Domain> domains;
  // The parsed file, for core/signing/settings.h to read the signer's own tables from.
  std::shared_ptr<const Document> document;

  const Domain* find_domain(std::string_view name) const;  // case-insensitive, exact name
};

// Errc::io when the file cannot be opened or read to its end, or is a directory; Errc::syntax
// when it holds nothing (no table, no key: an empty or comment-only file), and with
// "file:line:col: ..." in detail for TOML errors, unknown keys, wrong types and invalid values.
// Relative paths resolve against the file's folder.
// The keys inside [signer] other than key_dir, and a domain's auth/allow, are left to
// signing::load_config (core/signing/settings.h), which every tool uses to read the file whole.
Result<Config> load_config(const std::filesystem::path& file);
// The same from text; `source` names it in messages, `base_dir` resolves relative paths.
Result<Config> parse_config(std::string_view text, std::string_view source,
                            const std::filesystem::path& base_dir);

}  // namespace dnsauth::config

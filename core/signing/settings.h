// The signer's part of dnsauth.toml: the [signer] table and each [[domain]]'s signing policy
// (auth, allow), read from the document core/config parsed, with their validation here and only
// here. signing::Config is the whole file as the tools use it: the shared model (domains,
// selectors, records, key_dir) plus these settings. Every tool loads the file through
// load_config below, so a file one tool accepts is a file all of them accept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/config/config.h"
#include "core/dkim/types.h"
#include "core/mail/message.h"
#include "core/records/delegation.h"

namespace dnsauth::signing {

// Who may sign as whom.
enum class AuthMode {
  address,  // the login equals the From address (local part exact, domain case-insensitive)
  domain,   // the login's domain equals the From domain
  map,      // `allow` lists, per login or login pattern, the addresses and domains it may use
  login_map,  // [signer] login_map lists the logins that own the From address (Postfix's
              // smtpd_sender_login_maps; login_map.h)
};
enum class OnError { tempfail, accept };
enum class OnMismatch { accept, reject };

std::string_view to_string(AuthMode m) noexcept;

// [signer] expire: at least an hour (delivery can take hours), at most ten years.
inline constexpr std::int64_t kMinExpire = 3600;
inline constexpr std::int64_t kMaxExpire = 10LL * 365 * 24 * 3600;

// [signer]
struct Settings {
  std::string socket = "inet:8891@127.0.0.1";  // libmilter's inet:PORT@ADDR, inet6:..., unix:PATH
  std::string user;                          // drop privileges to this user (empty: stay)
  OnError on_error = OnError::tempfail;
  OnMismatch on_mismatch = OnMismatch::accept;
  dkim::Canonicalization canon{dkim::Canon::relaxed, dkim::Canon::relaxed};
  std::optional<std::vector<std::string>> headers;   // override of the signed header list
  std::optional<std::vector<std::string>> oversign;  // override of the oversigned list
  std::optional<std::int64_t> expire;        // x= = t= + expire seconds, kMinExpire to kMaxExpire
  std::string authserv_id;                   // our own Authentication-Results id (removed when forged)
  std::string log = "syslog";                // "syslog" | "stderr"
  std::string stats_listen;                  // "127.0.0.1:9480" for Prometheus text; empty: off
  // max_header_field_bytes, max_header_fields, max_header_bytes: past them a message the signer
  // would sign is an internal error (on_error); one it would not sign passes as decided.
  mail::ParserLimits header_limits;
  // The MTA connections (README, "Running it"): a connection without a packet for `timeout`
  // seconds is closed (also libmilter's timeout for reading and writing, smfi_settimeout), and
  // at most `max_connections` are open at once; more are closed as they arrive.
  std::int64_t timeout = 600;
  std::size_t max_connections = 1024;
  // On SIGTERM, the seconds the messages already in flight get to finish; new ones are answered
  // with a temporary failure meanwhile, and those left at the end are abandoned (the MTA retries).
  std::int64_t stop_grace = 5;
  // OpenDKIM's KeyTable (PATH or file:PATH) and SigningTable (file:PATH or refile:PATH): domains
  // signed beside the [[domain]] entries (signing_table.h); both or neither. With
  // multiple_signatures (OpenDKIM's MultipleSignatures), every matching SigningTable entry signs.
  std::string key_table;
  std::string signing_table;
  bool multiple_signatures = false;
  // Postfix's smtpd_sender_login_maps as "TYPE:PATH" (texthash:, cdb:, ldap:), for the domains with
  // auth = "login-map" and every table domain; with the Postfix parameters its keys depend on
  // (login_map.h LoginMapOptions).
  std::string login_map;
  std::vector<std::string> login_map_local_domains;
  std::string login_map_recipient_delimiter;
  // The answers of an ldap: login map kept in memory, found and not found alike (never a server
  // failure): for this many seconds (0: no cache) and at most this many keys, the oldest used
  // dropped first. A reload starts a new cache.
  std::int64_t login_map_cache_ttl = 300;
  std::size_t login_map_cache_size = 100000;
  // delegation_zone and delegation_target: the table domains' selectors are delegated by CNAME
  // to names in our own zone (core/records/delegation.h); nullopt: they publish their keys.
  std::optional<records::Delegation> delegation;
};

// What reading the file cannot tell (it stops at the first mistake): every remaining problem of
// the settings at once, for --check-config to list them all -- the socket's and stats_listen's
// addresses and ports, and whether `user` exists on this machine. Empty when there is none.
std::vector<std::string> check_settings(const Settings& settings);

// A [[domain]]'s auth and allow.
struct DomainPolicy {
  AuthMode auth = AuthMode::domain;
  // auth = "map": login or login pattern -> allowed addresses and "*.domain" / "domain" entries.
  std::vector<std::pair<std::string, std::vector<std::string>>> allow;
};

struct Config {
  config::Config deployment;
  Settings signer;
  std::vector<DomainPolicy> policies;  // policies[i] belongs to deployment.domains[i]

  const std::filesystem::path& file() const noexcept { return deployment.file; }
  const std::filesystem::path& key_dir() const noexcept { return deployment.key_dir; }
  const std::vector<config::Domain>& domains() const noexcept { return deployment.domains; }
  const config::Domain* find_domain(std::string_view name) const { return deployment.find_domain(name); }
  // The policy of one of this config's domains.
  const DomainPolicy& policy(const config::Domain& domain) const;
};

// config::load_config, then [signer] and every domain's policy. Errc::io when unreadable,
// Errc::syntax with "file:line:col: ..." for anything invalid.
Result<Config> load_config(const std::filesystem::path& file);
Result<Config> parse_config(std::string_view text, std::string_view source,
                            const std::filesystem::path& base_dir);
// The signer's settings read from a deployment's document.
Result<Config> read_config(config::Config deployment);

}  // namespace dnsauth::signing

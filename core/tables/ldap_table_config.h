// Postfix's LDAP table configuration file (ldap_table(5)): the FILE.cf of "ldap:/etc/postfix/
// FILE.cf", parsed, and the search filter Postfix builds from it for one lookup key. Parsing
// only: the table that asks the server is outside core (ldap/ldap_table.h), since core never
// does network I/O (docs/architecture.md, "Layers").
//
// The subset dnsauth implements, for smtpd_sender_login_maps:
//   server_host       host, host:port, [v6]:port, ldap://, ldaps://, ldapi:// URLs; a list
//                     (whitespace or commas), tried in order; default localhost
//   server_port       for the plain host forms; default 389
//   search_base       required; no '%' expansions
//   query_filter      %s %u %d %S %U %D %1..%9 %%; default "mailacceptinggeneralid=%s"
//   result_attribute  a list; default maildrop
//   scope             sub, base, one; default sub
//   bind              yes/simple or no/none; default yes (simple bind, anonymous when bind_dn is
//                     empty)
//   bind_dn, bind_pw
//   version           2 or 3; default 3, as ldap_table(5) of Postfix 3 says (Postfix 2 had 2)
//   timeout           seconds; default 10
//   domain            a list of domain names: only keys user@DOMAIN are looked up
// Every other key ldap_table(5) documents is refused as "not supported by dnsauth" unless it
// has Postfix's default value (which changes nothing); any other name is an unknown key.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::tables {

struct LdapTableConfig {
  enum class Scope { sub, base, one };

  std::string file;                   // as named in messages
  std::vector<std::string> uris;      // "ldap://127.0.0.1:389", in server_host's order
  std::string search_base;
  std::string query_filter = "mailacceptinggeneralid=%s";
  std::vector<std::string> result_attributes{"maildrop"};
  Scope scope = Scope::sub;
  bool bind = true;
  std::string bind_dn;
  std::string bind_pw;
  int version = 3;
  std::chrono::seconds timeout{10};
  std::vector<std::string> domains;   // lowercase; empty: every key
};

// The cf text, as Postfix reads main.cf-style files: "name = value" lines; empty lines,
// whitespace-only lines and lines whose first non-blank is '#' are ignored; a line that starts
// with whitespace continues the one before (the line break dropped, the whitespace kept); value
// ends trimmed. Every mistake is Errc::syntax naming `file`:LINE: an unknown key, a supported
// key given twice, a bad value (a port that is not 1-65535, version 4, an empty search_base).
Result<LdapTableConfig> parse_ldap_table_config(std::string_view text, std::string file);

// Reads `path` (Errc::io naming it when it cannot) and parses it.
Result<LdapTableConfig> read_ldap_table_config(const std::filesystem::path& path);

// RFC 4515 3: an assertion value with '*', '(', ')', '\' and NUL written as "\XX", as Postfix's
// rfc2254_quote does (other bytes pass unchanged).
std::string escape_filter_value(std::string_view value);

// The search filter for `key` (folded to lowercase first, as Postfix's DICT_FLAG_FOLD_FIX), or
// std::nullopt when Postfix does not search at all and answers "not found":
//   - `domain` is set and the key is not user@DOMAIN with a non-empty user and a listed domain;
//   - the filter uses %u and the key's localpart is empty ("@domain");
//   - the filter uses %d, or %1..%9, and the key has no '@' (or too few domain labels).
// %u of a key without '@' is the whole key (ldap_table(5) query_filter).
std::optional<std::string> ldap_query_filter(const LdapTableConfig& config, std::string_view key);

}  // namespace dnsauth::tables

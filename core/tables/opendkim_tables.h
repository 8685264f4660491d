// OpenDKIM's KeyTable and SigningTable files (opendkim.conf(5) KeyTable, SigningTable; the
// "file:" and "refile:" data sets of opendkim(8), "DATA SETS"), parsed as OpenDKIM reads them.
// Parsing only; which entries sign a message is core/signing/signing_table.h.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::tables {

enum class DatasetKind { file, refile };

struct DatasetSpec {
  DatasetKind kind = DatasetKind::file;
  std::filesystem::path path;  // resolved against the base folder
};

// "file:PATH", "refile:PATH" (when `allow_refile`), or a bare PATH (when `allow_bare`: a KeyTable
// given as opendkim.conf allows). Errc::syntax naming the forms accepted otherwise.
Result<DatasetSpec> parse_dataset_spec(std::string_view spec, const std::filesystem::path& base_dir,
                                       bool allow_refile, bool allow_bare);

// One line of a data set: "key whitespace value". OpenDKIM cuts each line at the first '#' (a
// comment, also after text) and ignores lines left blank; the key is the text up to the first
// whitespace, the value the rest, trimmed.
struct DatasetEntry {
  std::string key;
  std::string value;  // empty when the line holds a key alone
  int line = 0;
};
std::vector<DatasetEntry> parse_dataset(std::string_view text);

// KeyTable: "name domain:selector:/path/to/key". A domain of "%" means the From domain of the
// message being signed.
struct KeyTableEntry {
  std::string name;
  std::string domain;    // "%" or a lowercase domain name
  std::string selector;  // lowercase
  // As written, resolved against the KeyTable's folder. A string, not a std::filesystem::path:
  // a path keeps each of its components apart as well, some 600 bytes for a usual key path,
  // 60 MB at 100,000 table entries that share a handful of keys.
  std::string key_path;
  int line = 0;
};
// Errc::syntax naming `source`:LINE for: a line without a value; fewer than three ':'-separated
// fields; a domain or selector that is not a domain name; key data that is not a file path (an
// inline key, which OpenDKIM accepts, would put the key into a readable table); a '%' in the key
// path (OpenDKIM reads such a key per message; the signer reads keys at load only); a name
// given twice (OpenDKIM would use the first, silently).
Result<std::vector<KeyTableEntry>> parse_key_table(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& key_table_dir);

// SigningTable: "KEY keyname[:signer]". For file: KEY is an address form looked up whole
// (user@host, host, user@.domain, .domain, user@*, *); for refile: a pattern where '*' matches any
// text. The key name "%" means the From domain; the optional signer is the i= value, with '%'
// meaning the From domain as well.
struct SigningTableEntry {
  std::string key;       // for file: as written (matched case-insensitively); for refile: the pattern
  std::string key_name;  // a KeyTable name, or "%"
  std::string identity;  // the optional second field; empty when absent
  int line = 0;
};
// Errc::syntax naming `source`:LINE for a line without a key name; for refile:, a pattern with a
// character that OpenDKIM would read as a regular expression operator (it turns the pattern into
// a POSIX regular expression escaping only '.' and '+'), whose meaning the documented "wildcard
// pattern" does not give; for file:, a key given twice (OpenDKIM uses only the first).
Result<std::vector<SigningTableEntry>> parse_signing_table(std::string_view text, std::string_view source,
                                                           DatasetKind kind);

// Whether a refile: pattern matches `text`: '*' matches any run of characters (also none), every
// other character itself, ASCII case-insensitively (OpenDKIM compiles it with REG_ICASE); the
// whole text must match.
bool wildcard_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace dnsauth::tables

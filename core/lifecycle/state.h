// The key lifecycle's memory: for each domain and selector, where it stands in a rotation and
// since when. Kept in a small TOML file beside dnsauth.toml (README "Rotating keys"), readable
// by the operator; the publisher writes it whole and atomically after every step.
//
//   staged -> published -> active -> retired -> revoked -> removed
//
// staged: the key exists, DNS does not serve it yet. published: the primary serves the key
// record; served_at is set once every authoritative server did. active: the signer signs with
// it (its [[domain.selector]] names it). retired: no longer signs, still published so that
// mail signed earlier verifies. revoked: published with an empty p= (RFC 6376 3.6.1).
// removed: the record is gone; the entry stays as history.
// Times are Unix seconds, written as RFC 3339 date-times (UTC).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/types.h"

namespace dnsauth::lifecycle {

enum class Stage { staged, published, active, retired, revoked, removed };
std::string_view to_string(Stage stage) noexcept;
std::optional<Stage> parse_stage(std::string_view text) noexcept;

using Time = std::int64_t;  // Unix seconds

struct SelectorState {
  std::string domain;    // lowercase
  std::string selector;  // lowercase
  Stage stage = Stage::staged;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  unsigned bits = 2048;        // RSA only
  // The private key file; written absolute (a relative one in a hand-edited file is read against
  // the state file's folder).
  std::filesystem::path key_path;
  std::string replaces;        // the selector this one takes over from at activation (empty: none)
  // When each stage was entered; served_at: when every authoritative server was first seen
  // serving the published record.
  std::optional<Time> staged_at, published_at, served_at, active_at, retired_at, revoked_at, removed_at;

  // When the selector entered its current stage.
  std::optional<Time> entered_at() const;
};

struct State {
  std::vector<SelectorState> selectors;

  SelectorState* find(std::string_view domain, std::string_view selector);
  const SelectorState* find(std::string_view domain, std::string_view selector) const;
  // The domain's entries, in file order.
  std::vector<SelectorState*> of(std::string_view domain);
  std::vector<const SelectorState*> of(std::string_view domain) const;
};

// Errc::syntax "SOURCE:LINE:COL: ..." for TOML errors, unknown keys, an unknown stage, a stage
// without the times it implies (published without published_at, ...), or a domain/selector
// listed twice. key paths resolve against base_dir.
Result<State> parse_state(std::string_view text, std::string_view source, const std::filesystem::path& base_dir);
// A missing file is an empty state (nothing rotated yet); Errc::io when it cannot be read.
Result<State> load_state(const std::filesystem::path& file);
// The file's text: a comment saying what it is, then one [[selector]] table per entry.
std::string format_state(const State& state);

// RFC 3339 UTC ("2026-12-05T04:00:00Z"), for the file and for messages.
std::string format_time(Time t);

// The state file beside a config: dnsauth.toml -> dnsauth.lifecycle.toml.
std::filesystem::path default_state_path(const std::filesystem::path& config_file);

}  // namespace dnsauth::lifecycle

// The MTA-STS policy file served at https://mta-sts.<Policy Domain>/.well-known/mta-sts.txt
// (RFC 8461 3.2): "key: value" lines giving version, mode, max_age and the mx patterns, and
// the MX host validation those patterns are for (RFC 8461 4.1).
//
// The grammar is RFC 8461 3.2's ABNF, case-sensitive (RFC 7405 %s). Lines end in CRLF as the
// text requires ("CRLF-separated key/value pairs"), but its ABNF also accepts a bare LF
// (sts-policy-term = LF / CRLF), so a policy with LF-only lines parses and the lines are
// noted for the linter. Unknown keys are extensions, kept and ignored; a repeated key other
// than mx keeps its first value (RFC 8461 3.2, after the ABNF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::mta_sts {

// RFC 8461 3.3: "a suggested maximum policy size is 64 kilobytes"; senders that follow it
// (and many do) stop reading there, so a larger policy is never applied.
inline constexpr std::size_t kMaxPolicySize = 64 * 1024;
// RFC 8461 3.2 "max_age": "maximum value of 31557600" (a year).
inline constexpr std::uint64_t kMaxMaxAge = 31557600;

// RFC 8461 3.2 "mode", 5.
enum class Mode { enforce, testing, none };
std::string_view to_string(Mode mode) noexcept;
// The exact, case-sensitive value: "enforce", "testing" or "none".
std::optional<Mode> parse_mode(std::string_view text) noexcept;

// One "key: value" line.
struct PolicyField {
  std::string name;
  std::string value;             // trailing whitespace not included
  std::size_t line = 0;          // 1-based
  std::size_t offset = 0;        // of the key in the policy text
  std::size_t value_offset = 0;  // of the value in the policy text
};

struct Policy {
  Mode mode = Mode::none;
  std::uint64_t max_age = 0;
  std::vector<PolicyField> mx;          // the patterns, in order: "mail.example.com", "*.example.net"
  PolicyField mode_field;               // where mode and max_age were given
  PolicyField max_age_field;
  std::vector<PolicyField> extensions;  // unknown keys (sts-policy-extension)
  std::vector<PolicyField> ignored;     // repeats of version, mode or max_age
  std::vector<std::size_t> lf_only_lines;  // 1-based numbers of the lines ended by LF alone
  std::size_t lines = 0;
};

// What a parse_policy error is about, for the linter's rules.
enum class Field { syntax, version, mode, mx, max_age, size };

// Parses the policy text. Errc::syntax (Errc::limit over kMaxPolicySize) whose detail begins
// "line N: " and whose offset is the byte at fault in `text` (the end of the text for a key
// that is missing): a line that is not key ":" *WSP value, an empty line, a control character,
// version not "STSv1", mode not enforce / testing / none, an mx value that is not ["*."]
// Domain (RFC 5321 4.1.2), max_age not 1 to 10 digits or over 31557600, version, mode or
// max_age missing, no mx while mode is not none. `field`, when given, says which.
Result<Policy> parse_policy(std::string_view text, Field* field = nullptr);

// RFC 8461 4.1: does the MX host `host` match the mx pattern? Exact match, or "*." matching
// exactly one whole leftmost label ("*.example.com" matches "mail.example.com", not
// "example.com" nor "a.b.example.com"); ASCII case-insensitive (RFC 4343), a trailing dot on
// either ignored.
bool mx_matches(std::string_view pattern, std::string_view host) noexcept;

// RFC 8461 3.2 sts-policy-mx-value = ["*."] Domain (RFC 5321 4.1.2): what parse_policy accepts
// on an mx: line, and what dnsauth.toml may configure (core/config).
bool valid_mx_pattern(std::string_view pattern) noexcept;

}  // namespace dnsauth::mta_sts

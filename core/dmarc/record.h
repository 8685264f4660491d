// DMARC Policy Records (RFC 9989 4.7, 4.8; RFC 7489 6.3, 6.4): recognising a record, reading
// every tag with its defaults, and keeping what was wrong with it and where, for the linter.
//
// Only the version tag can make a record unusable: a TXT record that does not start with
// "v=DMARC1" is not a DMARC record (RFC 9989 4.7 "v"). Everything after it is read leniently,
// as RFC 9989 4.8 requires ("Syntax errors in the remainder of the record MUST be discarded in
// favor of default values (if any) or ignored outright"): a bad value leaves the tag at its
// default and becomes a Problem with the byte offset of the offending text.
//
// The parser knows both generations of tags: RFC 9989's np, psd and t, and RFC 7489's pct, rf
// and ri (removed by RFC 9989, kept here because receivers in the field still honour them).
// Which of them an evaluation uses is decided by dmarc::Mode (discovery.h), not here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::dmarc {

// RFC 9989 4.7 "p": the Domain Owner Assessment Policy.
enum class Policy { none, quarantine, reject };
std::string_view to_string(Policy policy) noexcept;
// Case-insensitive, as ABNF string literals are (RFC 5234 2.3).
std::optional<Policy> parse_policy(std::string_view text) noexcept;

// RFC 9989 4.7 "adkim", "aspf".
enum class AlignmentMode { relaxed, strict };
std::string_view to_string(AlignmentMode mode) noexcept;  // "r", "s"

// RFC 9989 4.7 "psd".
enum class PsdFlag { unknown, yes, no };  // u (the default), y, n
std::string_view to_string(PsdFlag flag) noexcept;        // "u", "y", "n"

// One entry of rua= or ruf= (RFC 9989 4.8 dmarc-uri / obs-dmarc-uri).
struct ReportUri {
  std::string text;                        // as written, size suffix included
  std::string uri;                         // without the obsolete "!size" suffix
  std::string scheme;                      // lowercase ("mailto", "https")
  std::string host;                        // the destination host, lowercase (RFC 7489 7.1 step 1)
  std::optional<std::uint64_t> max_bytes;  // RFC 7489 6.2 size limit, in bytes
  std::size_t offset = 0;                  // in the record text
};

// Reads one report URI. Errc::syntax when it is not a URI (RFC 3986 3: scheme ":" ...), has
// characters a URI cannot hold, a comma or '!' not encoded (RFC 9989 4.8), a bad size suffix,
// or is a mailto: without an address. Offsets in the error count from the start of `text`.
Result<ReportUri> parse_report_uri(std::string_view text);

// One tag=value pair as written: the linter points at these.
struct Tag {
  std::string name;   // as written
  std::string value;  // surrounding whitespace removed
  std::size_t offset = 0;        // of the name in the record text
  std::size_t value_offset = 0;  // of the value
};

// What was wrong with a record that still parsed. The evaluation ignores all of these (the
// tag keeps its default); the linter reports them.
struct Problem {
  enum class Kind {
    syntax,          // a part of the record that is not tag=value (RFC 9989 4.8 dmarc-tag)
    invalid_value,   // a known tag with a value its rule does not allow
    duplicate_tag,   // a tag given twice: the first one is used
    unknown_tag,     // not in the DMARC tag registry: ignored (RFC 9989 4.7)
    ignored_tag,     // a valid tag without effect here (fo without ruf, RFC 9989 4.7 "fo")
  };
  Kind kind = Kind::syntax;
  std::string tag;     // the tag concerned, empty for syntax problems
  std::string detail;  // "p: 'rejct' is not none, quarantine or reject"
  std::size_t offset = 0;
};
std::string_view to_string(Problem::Kind kind) noexcept;

// A policy tag (p, sp, np) as published: absent, valid, or present with a value that is not a
// dmarc-request. The difference between absent and invalid matters (RFC 9989 4.10.1).
struct PolicyTag {
  bool present = false;
  std::optional<Policy> value;  // set when present and valid
  bool invalid() const noexcept { return present && !value; }
};

// RFC 9989 4.7 "fo": which failure reports are asked for.
struct FailureOptions {
  bool all_fail = true;   // "0": every mechanism failed to give an aligned pass (the default)
  bool any_fail = false;  // "1": any mechanism failed to give an aligned pass
  bool dkim = false;      // "d"
  bool spf = false;       // "s"
};

struct Record {
  std::string text;  // the record as parsed (TXT character-strings joined)

  PolicyTag p;
  PolicyTag sp;
  PolicyTag np;                                    // RFC 9989 only
  PsdFlag psd = PsdFlag::unknown;                  // RFC 9989 only
  bool testing = false;                            // t=y, RFC 9989 only
  AlignmentMode adkim = AlignmentMode::relaxed;
  AlignmentMode aspf = AlignmentMode::relaxed;
  std::vector<ReportUri> rua;                      // the syntactically valid URIs, in order
  std::vector<ReportUri> ruf;
  FailureOptions fo;
  // RFC 7489 only (RFC 9989 Appendix A.6 removed pct; rf and ri went to the reporting RFCs).
  unsigned pct = 100;
  bool pct_present = false;
  std::vector<std::string> rf = {"afrf"};
  std::uint32_t ri = 86400;

  std::vector<Tag> tags;          // every tag that parsed, in order, duplicates included
  std::vector<Problem> problems;  // in order of appearance

  // The first tag of that name (case-insensitive), or nullptr.
  const Tag* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
};

// RFC 9989 4.7 "v" / 4.10 step 2: the record starts with a "v" tag whose value is exactly
// "DMARC1" (case-sensitive), followed by the end of the record or a separator.
bool is_dmarc_record(std::string_view text) noexcept;

// Parses a TXT record's text. Errc::syntax with an offset only when the record is not a DMARC
// record at all (the "v" tag missing, not first, or not "DMARC1"); any other flaw is kept in
// Record::problems and the tag concerned keeps its default.
Result<Record> parse_record(std::string_view text);

// The record in canonical tag order with only the tags that differ from their defaults, for
// messages and tests: "v=DMARC1; p=reject; sp=none; rua=mailto:a@example.com".
std::string to_string(const Record& record);

}  // namespace dnsauth::dmarc

// Postfix's lookup-table source text (postmap(1), "INPUT FILE FORMAT"), as texthash: and postmap
// read it: logical lines, each "key whitespace value". Parsing only; the tables that answer
// lookups are in postfix_tables.h.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"

namespace dnsauth::tables {

struct TextEntry {
  std::string key;    // as written, quotes kept (dict_thash: "leave the key in quoted form")
  std::string value;  // continuation lines joined as Postfix joins them, ends trimmed
  int line = 0;       // the first physical line of the logical line
};

// The whole text, as Postfix reads it:
//  - an empty line, an all-whitespace line, and a line whose first non-blank is '#' is ignored,
//    also between a line and its continuation ('#' elsewhere is text);
//  - a line that starts with whitespace continues the logical line before it; the line break is
//    dropped, the leading whitespace kept (readllines);
//  - the key ends at the first whitespace outside double quotes; a backslash takes the next
//    character literally; the value is the rest, leading and trailing whitespace removed.
// Where Postfix warns and skips a line (no value, an unbalanced '"', a logical line that starts
// with whitespace, text that is not UTF-8) or fails the whole table (a duplicate key, which
// smtpd_sender_login_maps treats as a table error), this is an Errc::syntax error naming
// `source`:LINE: an owner list that is silently dropped would change who may send.
Result<std::vector<TextEntry>> parse_postfix_text(std::string_view text, std::string_view source);

// The same rules, one entry at a time and without copying the text (a table of a million lines
// is read at every start and reload): `entry` gets each key (quotes kept), value and first line
// in order, and its Error stops the reading. Duplicate keys are the caller's to find (a table
// finds them as it indexes), with duplicate_key_error's message.
using TextEntryVisitor = std::function<Result<void>(std::string_view key, std::string_view value, int line)>;
Result<void> for_each_postfix_entry(std::string_view text, std::string_view source, const TextEntryVisitor& entry);

// The Errc::syntax error for `key` at `line`, given first at `first_line`.
Error duplicate_key_error(std::string_view source, std::string_view key, int line, int first_line);

// Postfix's DICT_FLAG_FOLD_FIX for the indexed and in-memory tables: keys are stored and looked
// up in lowercase (ASCII here; Postfix folds UTF-8 with casefold_utf8).
std::string fold_key(std::string_view key);

}  // namespace dnsauth::tables

// The MIME structure of a mail message as far as a DMARC aggregate report needs it: which parts
// can hold the report (RFC 7489 7.2.1.1: "application/gzip" when compressed, "text/xml"
// otherwise; receivers also send zip archives and application/octet-stream attachments) and
// their bytes, the content transfer encoding undone. The header sections come from
// mail::parse_message; this walker adds Content-Type and Content-Disposition with their
// parameters (RFC 2045 5.1, RFC 2183, RFC 2231 continuations and charsets), multipart bodies
// and their boundaries (RFC 2046 5.1), message/rfc822 parts (RFC 2046 5.2.1) and the
// base64 and quoted-printable encodings (RFC 2045 6.7, 6.8).
//
// Messages arrive from anyone who can write to the rua= address: nesting depth and the number
// of parts are bounded (MimeLimits), and a part that cannot be decoded is reported, never
// guessed at.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/mail/message.h"

namespace dnsauth::reports::mime {

struct MimeLimits {
  std::size_t max_depth = 8;    // multiparts and message/rfc822 parts inside one another
  std::size_t max_parts = 256;  // body parts in the whole message
};

// A structured header field value: Content-Type's "type/subtype" or Content-Disposition's
// disposition type, lowercased, and its parameters (names lowercased, values as sent, quotes
// and RFC 2231 encoding undone).
struct FieldValue {
  std::string value;
  std::vector<std::pair<std::string, std::string>> params;
  // The parameter's value, or nullopt when it is absent.
  std::optional<std::string> param(std::string_view name) const;
};

// RFC 2045 5.1: value *(";" attribute "=" (token / quoted-string)), comments and folding
// allowed between the pieces. Lenient where senders are: an unquoted value runs to the next
// ";" or to a comment after whitespace (filenames such as
// "google.com!example.com!1669507200!1669593599.zip"), and a parameter without "=" is ignored.
// RFC 2231: "name*=charset'lang'%XX" is percent-decoded (the bytes kept as they are, whatever
// the charset), "name*0", "name*1"... are joined in order, and either form wins over a plain
// "name=". Errc::syntax when there is no value before the parameters.
Result<FieldValue> parse_field_value(std::string_view text);

// RFC 2045 6.7: "=XX" (hex digits in either case) is that byte, "=" at the end of a line is a
// soft line break (it and the line end go), whitespace at the end of a line is transport
// padding and goes. An "=" followed by anything else is kept as written (6.7 note (2): a
// robust decoder keeps it). Never fails.
std::string decode_quoted_printable(std::string_view text);

// The body with its Content-Transfer-Encoding undone (the mechanism is case-insensitive):
// "base64" (OpenSSL, core/common/base64.h), "quoted-printable", and the identities "7bit",
// "8bit", "binary" or none. Errc::base64 for a body that does not decode; Errc::unsupported
// for any other mechanism (RFC 2045 6.4: the part cannot be read).
Result<std::string> decode_transfer_encoding(std::string_view body, std::string_view mechanism);

// A part that can hold an aggregate report.
struct Attachment {
  // The part's filename (Content-Disposition filename=, else Content-Type name=), else its
  // place in the message as IMAP numbers it ("part 2.1", RFC 3501 6.4.5); for display only.
  std::string name;
  std::string content_type;  // "application/gzip", lowercase
  std::string bytes;         // decoded; empty when problem is set
  std::string problem;       // why the part could not be decoded ("" when it was)
};

struct Walk {
  std::vector<Attachment> attachments;  // in message order
  std::vector<std::string> problems;    // structure beyond MimeLimits, a multipart without
                                        // a boundary: what was not looked at, and why
};

// Every part of the message that can hold a report: a part (or the message's own body) of
// type application/gzip, application/x-gzip, application/zip, application/x-zip-compressed,
// application/x-zip, text/xml or application/xml; or of type application/octet-stream whose
// filename ends with .xml, .gz, .gzip or .zip (case-insensitive) or whose decoded bytes begin
// as gzip or zip do. Multiparts are walked (RFC 2046 5.1: preamble and epilogue skipped, a
// missing close delimiter tolerated), message/rfc822 parts entered, everything else skipped.
Walk find_report_parts(const mail::Message& message, const MimeLimits& limits = {});

}  // namespace dnsauth::reports::mime

// RFC 5322 messages as DKIM needs them: every header field keeps its raw bytes (DKIM signs
// them verbatim, RFC 6376 3.4), line ends normalized to CRLF (RFC 6376 5.3: a message in
// local LF-only form is converted to canonical CRLF form before signing or verifying).
// Parsing is incremental, so a message can be fed in chunks of any size (a milter, a pipe);
// the body is passed through, never buffered by the parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ascii.h"
#include "core/common/error.h"
#include "core/mail/line_ends.h"

namespace dnsauth::mail {

// ASCII case-insensitive equality, as header field names compare (RFC 5322 1.2.2).
using ascii::iequals;
using ascii::to_lower;

class HeaderField {
 public:
  HeaderField() = default;
  // raw is one whole field: "Name:" value, folded lines, and the final CRLF (added when
  // missing). Errc::syntax when there is no colon or the name is empty or has bad bytes.
  static Result<HeaderField> from_raw(std::string raw);
  // As a milter receives it: name and value apart. The value is used verbatim after the
  // colon (negotiate SMFIP_HDR_LEADSPC to keep the leading space); bare LFs in it become CRLF,
  // and a CR at its end stays part of it.
  static Result<HeaderField> from_parts(std::string_view name, std::string_view value);

  const std::string& raw() const noexcept { return raw_; }   // with the final CRLF
  std::string_view name() const noexcept;                    // as written, without trailing WSP
  std::string_view value() const noexcept;                   // after the colon, folded, no final CRLF
  std::string unfolded_value() const;                        // RFC 5322 2.2.3, trimmed
  bool is(std::string_view field_name) const noexcept { return iequals(name(), field_name); }

 private:
  std::string raw_;
  std::size_t colon_ = 0;
  std::size_t name_end_ = 0;
};

// Bounds on the header section, so that no input makes the parser, or a sink that keeps the
// fields, grow without bound (MTAs bound their header parsers the same way). Sizes count bytes
// as given: a field's lines with their continuation lines and line ends; a field given already
// split (MessageParser::field) counts as name ":" value CRLF. The defaults are far beyond real
// mail.
struct ParserLimits {
  std::size_t max_field_bytes = 64 * 1024;     // one header field
  std::size_t max_fields = 1000;               // header fields in the message
  std::size_t max_header_bytes = 1024 * 1024;  // the header section: its fields (and an mbox
                                               // "From " line before them), not its blank line
};

enum class Limit { field_bytes, fields, header_bytes };
std::string_view to_string(Limit limit) noexcept;  // "max_field_bytes", ...

// Receives what MessageParser reads. Body chunks are in CRLF form and arrive in order, as
// BodyNormalizer emits them: a CRLF is never split across two chunks (a chunk-final CR is a
// bare CR), and no chunk is empty.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void header(HeaderField field) = 0;
  // The same field with where it was in the input: its first byte and its length, continuation
  // lines and line ends as given. For a caller that rewrites the input (the offline signer drops
  // forged Authentication-Results fields); by default it is header(field). For fields given
  // split (MessageParser::field) the offset counts the fields before it as name ":" value CRLF.
  virtual void header_at(HeaderField field, std::size_t /*offset*/, std::size_t /*length*/) {
    header(std::move(field));
  }
  // A field that comes after a limit was exceeded (MessageParser::exceeded()): not part of the
  // header section that header() reports, and never longer than max_field_bytes (longer fields
  // are skipped unseen). For a caller that must still look at some fields but keep none of the
  // rest, e.g. a milter that decides from From whether a message it will not sign may pass
  // unsigned. By default dropped.
  virtual void header_past_limit(HeaderField /*field*/) {}
  virtual void end_of_headers() {}
  virtual void body(std::string_view chunk) = 0;
};

// One message, read once: header fields out of raw bytes or as a milter gets them, the body
// brought to CRLF form (RFC 6376 5.3) by one BodyNormalizer, all within ParserLimits.
//
// Errors. Errc::syntax, with the byte offset from the start of the input, when a header line is
// neither a field nor a continuation or a field name has bad bytes; after it the parser stays
// failed. Errc::limit, with the offset of the first byte past the limit and the limit named in
// the detail (and by exceeded()), is returned once, by the call that crossed it, and the parser
// goes on: that call and later ones consume all they are given without holding more than
// max_field_bytes; later fields go to MessageSink::header_past_limit (none of them counts
// against a limit again; those longer than max_field_bytes are skipped), then end_of_headers()
// and the body follow as usual. A caller that gives up at the limit just stops feeding; one that
// carries on must remember that header() saw only part of the header section.
// Errc::invalid_argument for calls out of order (field() after the end of the header section,
// body() before it).
class MessageParser {
 public:
  explicit MessageParser(MessageSink& sink, ParserLimits limits = {}) : sink_(sink), limits_(limits) {}

  // Raw message bytes (a file, a pipe), split anywhere: header section, blank line, body. LF-only
  // and CRLF line ends, mixed, are accepted; an mbox "From " line before the first field is
  // skipped.
  Result<void> feed(std::string_view chunk);

  // The same message as a milter receives it (libmilter xxfi_header, xxfi_eoh, xxfi_body): one
  // header field, the value verbatim after the colon (negotiate SMFIP_HDR_LEADSPC to keep its
  // leading space; bare LFs in it become CRLF); then the end of the header section; then body
  // chunks split anywhere. feed() may stand for body() once the header section has ended.
  Result<void> field(std::string_view name, std::string_view value);
  Result<void> end_of_headers();
  Result<void> body(std::string_view chunk);

  // The end of the message: an unterminated last header line is taken as complete, the header
  // section ends (end_of_headers()) if it had not, and a body-final CR held back is passed on.
  Result<void> finish();

  // The limit the message exceeded, if one did (the first one; only one is ever reported).
  std::optional<Limit> exceeded() const noexcept { return exceeded_; }

 private:
  Result<void> header_line(std::string line);
  Result<void> pass_on(Result<HeaderField> field, std::size_t offset, std::size_t length);
  Result<void> flush_field();
  Result<void> end_header_section();
  bool line_fits(std::string_view piece);
  void exceed(Limit limit, std::size_t offset);
  Result<void> take_limit_error();
  Result<void> after_limit_error(Result<void> failure);
  bool within_limits(std::size_t field_start, std::size_t field_length, std::size_t start, std::size_t length);
  void body_bytes(std::string_view chunk);

  MessageSink& sink_;
  ParserLimits limits_;
  bool in_body_ = false;
  bool failed_ = false;
  bool first_line_ = true;
  std::string line_;           // the header line being assembled
  std::string field_;          // the header field being assembled (with continuations)
  std::size_t field_offset_ = 0;
  std::size_t offset_ = 0;     // bytes consumed so far
  std::size_t header_bytes_ = 0;  // header lines completed, the blank line not counted
  std::size_t fields_ = 0;     // fields passed to header()
  bool skipping_ = false;      // the field being read is longer than max_field_bytes
  bool skip_in_line_ = false;  // ... and the skipped line has not ended yet
  std::optional<Limit> exceeded_;
  std::optional<Error> limit_error_;  // to be returned by the call under way
  BodyNormalizer normalizer_;
};

// A whole message in memory (tests, the offline tools; the milter streams instead).
struct Message {
  std::vector<HeaderField> headers;
  std::string body;  // CRLF line ends

  // Every field with that name, in message order.
  std::vector<const HeaderField*> fields(std::string_view name) const;
  // The message bytes in canonical CRLF form.
  std::string serialize() const;
};

// Errors as MessageParser gives them; a limit exceeded is an error here.
Result<Message> parse_message(std::string_view bytes, const ParserLimits& limits = {});

}  // namespace dnsauth::mail

// RFC 5322 messages as DKIM needs them: every header field keeps its raw bytes (DKIM signs
// them verbatim, RFC 6376 3.4), line ends normalized to CRLF (RFC 6376 5.3: a message in
// local LF-only form is converted to canonical CRLF form before signing or verifying).
// Parsing is incremental, so a message can be fed in chunks of any size (a milter, a pipe);
// the body is passed through, never buffered by the parser.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ascii.h"
#include "core/common/error.h"

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
  // colon (negotiate SMFIP_HDR_LEADSPC to keep the leading space); bare LFs in it become CRLF.
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

// Receives what MessageParser reads. Body chunks are CRLF-normalized and arrive in order;
// a chunk boundary may fall anywhere, even between CR and LF of the original input.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void header(HeaderField field) = 0;
  // The same field with where it was in the input: its first byte and its length, continuation
  // lines and line ends as given. For a caller that rewrites the input (the offline signer drops
  // forged Authentication-Results fields); by default it is header(field).
  virtual void header_at(HeaderField field, std::size_t /*offset*/, std::size_t /*length*/) {
    header(std::move(field));
  }
  virtual void end_of_headers() {}
  virtual void body(std::string_view chunk) = 0;
};

class MessageParser {
 public:
  explicit MessageParser(MessageSink& sink) : sink_(sink) {}
  // Errc::syntax, with the byte offset counted from the start of the input, when a header
  // line is neither a field nor a continuation. After an error the parser stays failed.
  Result<void> feed(std::string_view chunk);
  Result<void> finish();

 private:
  Result<void> header_line(std::string line);
  Result<void> flush_field();
  void body_bytes(std::string_view chunk);

  MessageSink& sink_;
  bool in_body_ = false;
  bool failed_ = false;
  bool first_line_ = true;
  std::string line_;        // the header line being assembled
  std::string field_;       // the header field being assembled (with continuations)
  std::size_t field_offset_ = 0;
  std::size_t offset_ = 0;  // bytes consumed so far
  bool pending_cr_ = false; // body: the previous chunk ended in CR
  std::string out_;         // body: scratch buffer for the normalized chunk
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

Result<Message> parse_message(std::string_view bytes);

}  // namespace dnsauth::mail

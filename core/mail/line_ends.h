// Line ends, in one place. Mail is CRLF on the wire (RFC 5322 2.1, RFC 5321 2.3.8) and DKIM
// works on that form (RFC 6376 5.3: a message in local LF-only form is converted to CRLF before
// signing or verifying); files and the MTA's side of a milter use the local form, LF. Every
// conversion between the two forms is here:
//   - BodyNormalizer: a body streamed in chunks of any size, to CRLF form (mail::MessageParser
//     runs every body through one);
//   - append_crlf_form: the same rule on text held whole (header fields);
//   - with_line_end / line_end_of: CRLF text the core produced (a DKIM-Signature field, an
//     Authentication-Results field) in the line-end form of a file or of a milter's MTA.
#pragma once

#include <string>
#include <string_view>

namespace dnsauth::mail {

// RFC 6376 5.3: every bare LF becomes CRLF. A CR not followed by LF is not a line end
// (RFC 5322 2.3) and stays as it is; CRLF stays CRLF. Appends the result to out. A LF at the
// start of `in` counts as bare: the caller knows what came before it.
void append_crlf_form(std::string& out, std::string_view in);

// Streams a body to CRLF form (the rule of append_crlf_form), and guarantees its receiver
// that a CRLF is never split across two chunks: the receiver may take a chunk-final CR as
// a bare CR (dkim::BodyHasher relies on this). To that end a chunk-final CR is held back until
// the next byte is known: when the next chunk starts with LF, "\r\n" is emitted as a chunk of
// its own and the rest follows; otherwise "\r" is emitted alone (a bare CR); finish() emits a
// CR still held. Chunks already in CRLF form (the usual milter case) are passed on as they are,
// without a copy; only a chunk with a bare LF is copied. Never emits an empty chunk.
//
// `emit` is any callable taking std::string_view; what it gets stays valid until the next
// call of feed() or finish().
class BodyNormalizer {
 public:
  template <class Emit>
  void feed(std::string_view chunk, Emit&& emit) {
    if (chunk.empty()) return;
    if (held_cr_) {
      held_cr_ = false;
      if (chunk.front() == '\n') {
        emit(std::string_view("\r\n", 2));
        chunk.remove_prefix(1);
      } else {
        emit(std::string_view("\r", 1));
      }
    }
    std::string_view out = normalize(chunk);
    if (!out.empty()) emit(out);
  }

  template <class Emit>
  void finish(Emit&& emit) {
    if (held_cr_) {
      held_cr_ = false;
      emit(std::string_view("\r", 1));  // the body ended in a bare CR
    }
  }

  // A chunk-final CR is waiting for the next byte.
  bool holding_cr() const noexcept { return held_cr_; }

 private:
  // chunk in CRLF form, less a final CR (held back): chunk itself when it has no bare LF,
  // else a view of scratch_.
  std::string_view normalize(std::string_view chunk);

  bool held_cr_ = false;
  std::string scratch_;
};

// The line-end form of a text outside the core: CRLF (mail on the wire, a CRLF file) or LF
// (a local file, the MTA's side of a milter).
enum class LineEnd { crlf, lf };

// The form a message's text uses, judged by its first line end: LF when that is a bare LF,
// CRLF when it is CRLF or when there is no line end at all.
LineEnd line_end_of(std::string_view text) noexcept;

// CRLF text (a header field the core built or normalized) in the given form: for LineEnd::lf
// every CRLF becomes LF; bare CRs and bare LFs stay as they are. For LineEnd::crlf a copy.
std::string with_line_end(std::string_view crlf_text, LineEnd form);

}  // namespace dnsauth::mail

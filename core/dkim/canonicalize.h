// RFC 6376 3.4: simple and relaxed canonicalization of header fields and of the body.
// The body side streams: BodyHasher takes the body in chunks as mail::BodyNormalizer emits
// them (what a mail::MessageSink gets from mail::MessageParser) and produces the same hash as
// for the whole body; nothing is buffered beyond a small hash feed block and a count of
// pending blank lines (trailing empty lines are dropped, 3.4.3/3.4.4). Both body
// canonicalizations leave most bytes as they are, so the hasher looks only for the places
// that change (whitespace for relaxed, line ends at a chunk's edge) and passes the spans
// between them to SHA-256 untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dkim/crypto.h"
#include "core/dkim/types.h"

namespace dnsauth::dkim {

// Appends the canonical form of one raw header field (name, colon, value, final CRLF) to out.
// simple (3.4.1): unchanged. relaxed (3.4.2): name lowercased, unfolded (every CRLF removed;
// a bare CR or LF is content and kept), WSP runs to one SP, WSP at the end of the value and
// around the colon removed; always ends in CRLF.
void canonicalize_header(Canon canon, std::string_view raw_field, std::string& out);

class BodyHasher {
 public:
  // length_limit: hash at most that many canonical bytes (the verifier's l=).
  explicit BodyHasher(Canon canon, std::optional<std::uint64_t> length_limit = std::nullopt);

  // A chunk of the body in CRLF form. The contract: a CRLF is never split across two chunks,
  // so a chunk-final CR is a bare CR (content, RFC 5322 2.3); mail::BodyNormalizer guarantees
  // it, and a body given whole in one chunk meets it. Bare CR and bare LF are ordinary content.
  void update(std::string_view chunk);
  // The SHA-256 of the canonical body (32 bytes). Call once.
  std::string finish();

  // Canonical body bytes seen so far (counting those past l=), for "l= exceeds body" checks.
  std::uint64_t canonical_length() const noexcept { return total_ + block_len_; }
  Canon canon() const noexcept { return canon_; }
  // Also append every byte that is hashed to *out (tests and diagnostics; off by default).
  void tap(std::string* out) noexcept { tap_ = out; }
  const std::optional<std::uint64_t>& length_limit() const noexcept { return limit_; }

 private:
  static constexpr std::size_t kBlock = 8192;  // canonical bytes gathered per hash update
  static constexpr std::size_t kSlack = 64;    // room for a vector store that starts before kBlock

  void update_simple(const char* p, std::size_t n);
  void update_relaxed(const char* p, std::size_t n);
  void relaxed_content(const char* p, const char* end);
  void relaxed_general(const char* p, const char* end);
  // A span whose bytes are canonical as they stand, apart from CRLFs at either end: leading
  // ones end the current line, trailing ones are deferred (pending_crlf_).
  void verbatim(const char* p, std::size_t n);
  void emit_pending_crlfs();
  void emit(const char* p, std::size_t n);
  void flush_block();
  void hash_out(const char* p, std::size_t n);  // applies l= and the tap

  Canon canon_;
  std::optional<std::uint64_t> limit_;
  Sha256 hash_;
  std::uint64_t total_ = 0;    // canonical bytes produced, apart from those still in block_
  std::uint64_t hashed_ = 0;   // canonical bytes fed to the hash (<= limit)
  std::uint64_t pending_crlf_ = 0;
  bool pending_wsp_ = false;   // relaxed: a WSP run not yet known to be inside the line
  bool any_content_ = false;
  std::string* tap_ = nullptr;
  std::size_t block_len_ = 0;
  char block_[kBlock + kSlack];
};

// One-shot helpers for tests and the offline tools: the body in one chunk, as it stands (bare
// LFs are content here; mail::MessageParser has made them CRLF in a parsed message).
std::string canonicalize_body(Canon canon, std::string_view body);
std::string body_hash(Canon canon, std::string_view body,
                      std::optional<std::uint64_t> length_limit = std::nullopt);

}  // namespace dnsauth::dkim

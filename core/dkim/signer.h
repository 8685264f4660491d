// RFC 6376 5 (signer actions), RFC 8463: one or several DKIM signatures over one message,
// fed incrementally — headers first, then body chunks — as a milter receives them. Every
// signature with the same body canonicalization shares one body hash pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/canonicalize.h"
#include "core/dkim/crypto.h"
#include "core/dkim/types.h"
#include "core/mail/message.h"

namespace dnsauth::dkim {

// Which header fields a signature covers (5.4). Names in `sign` are signed once per field
// present (bottom-up, 5.4.2). Names in `oversign` are listed once more than present, so that
// an added field of that name breaks the signature (8.15: "signing the absence").
struct HeaderPolicy {
  std::vector<std::string> sign;
  std::vector<std::string> oversign;

  // From, To, Cc, Subject, Date, Reply-To, Message-ID, MIME-Version, Content-Type,
  // Content-Transfer-Encoding, In-Reply-To, References, List-*... (see .cpp): all oversigned
  // except the trace-like ones, which are signed when present.
  static HeaderPolicy recommended();
};

struct SignerSpec {
  std::string domain;    // d=
  std::string selector;  // s=
  std::shared_ptr<const PrivateKey> key;
  Canonicalization canon{Canon::relaxed, Canon::relaxed};
  HeaderPolicy headers = HeaderPolicy::recommended();
  std::optional<std::string> identity;        // i=, must be within d= (checked by Signer)
  std::optional<std::int64_t> expire_after;   // x = t + this many seconds (positive)
};

// The DKIM-Signature field produced, folded to lines of at most 78 characters.
struct SignatureField {
  std::string name = "DKIM-Signature";
  std::string value;  // everything after the colon, lines joined by CRLF + TAB
  std::string raw() const { return name + ":" + value + "\r\n"; }
};

class Signer {
 public:
  // Errc::invalid_argument when a spec has no key, an empty domain or selector, an i= outside
  // d=, an expire_after that is not positive, or (for a header list) no From (5.4: From MUST
  // be signed).
  static Result<Signer> create(std::vector<SignerSpec> specs);

  void header(const mail::HeaderField& field);
  // Body bytes as they come (a milter's chunks: split anywhere, CRLF or bare LF line ends),
  // brought to CRLF form here by a mail::BodyNormalizer (RFC 6376 5.3).
  void body(std::string_view chunk);
  // Body chunks already as mail::BodyNormalizer emits them (what a mail::MessageSink gets from
  // mail::MessageParser, or a parsed Message's body whole): hashed as they are. Use one of
  // body() and normalized_body() for a message, not both.
  void normalized_body(std::string_view chunk);
  // The signatures in spec order; `now` is the t= value (the core never reads the clock).
  // Errc::invalid_argument when the message has no From field (RFC 6376 5.4), or when now plus
  // expire_after does not fit x= (12 digits, RFC 6376 3.5).
  Result<std::vector<SignatureField>> finish(std::int64_t now);

 private:
  Signer() = default;
  std::vector<SignerSpec> specs_;
  std::vector<mail::HeaderField> headers_;
  std::vector<std::unique_ptr<BodyHasher>> hashers_;  // one per distinct body canon
  std::vector<std::size_t> hasher_of_spec_;
  mail::BodyNormalizer normalizer_;  // for body()
};

// Signs a whole message in memory; returns the signature fields to prepend, in spec order.
Result<std::vector<SignatureField>> sign_message(const mail::Message& msg,
                                                 std::vector<SignerSpec> specs, std::int64_t now);

}  // namespace dnsauth::dkim

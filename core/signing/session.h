// One message through the signer's policy and signing path, fed as a milter gets it: header
// fields, end of headers (the decision), body chunks (hashed as they arrive, never buffered),
// finish (the DKIM-Signature fields to insert at the top, less those of selectors whose own
// earlier signature on the message verified: policy.h, "Already signed"). The milter, the offline `sign`
// command and the validator's selftest all use it. Every byte goes through one
// mail::MessageParser (core/mail/message.h), which bounds the header section and brings the
// body to CRLF form; nothing here normalizes on its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/dkim/signer.h"
#include "core/mail/message.h"
#include "core/signing/key_store.h"
#include "core/signing/policy.h"

namespace dnsauth::signing {

class SigningSession {
 public:
  // `login` is {auth_authen}; empty when the session did not authenticate. The header limits
  // are the KeySet's ([signer] max_header_*). `now` (seconds since the epoch) judges x= of the
  // signatures the message already carries (the core never reads the clock).
  SigningSession(std::shared_ptr<const KeySet> keys, std::string login, std::int64_t now);
  ~SigningSession();
  SigningSession(SigningSession&&) noexcept;
  SigningSession& operator=(SigningSession&&) noexcept;

  // A header field as a milter receives it; `value` is everything after the colon (with its
  // leading space when SMFIP_HDR_LEADSPC is negotiated). Errc::syntax for a name that is not a
  // field name. A header section past the limits is not an error here: the decision is made
  // first, and only a message that would be signed fails for it (end_of_headers).
  Result<void> header(std::string_view name, std::string_view value);

  // The policy decision, once all header fields are in. When it is `sign`, body() must get the
  // body: every selector of the domain signs, unless finish() finds its own earlier signature
  // on the message verified. Errors: Errc::limit when a message that would be signed exceeds
  // the header limits (it cannot be signed whole); Errc::key or Errc::invalid_argument when the
  // signer cannot be set up. A message that will not be signed is decided whatever its size,
  // so it passes as the decision says.
  Result<Decision> end_of_headers();

  // A chunk of the body, split anywhere; LF-only line ends are taken as CRLF (RFC 6376 5.3).
  // Ignored unless the decision is `sign`.
  Result<void> body(std::string_view chunk);

  // The DKIM-Signature fields, top first (insert them in this order above the message), with
  // t= = now. A selector whose own earlier signature on the message verified gives none, and
  // decision() says so afterwards: its detail names them, and when no selector is left the
  // decision is skip / already_signed (and the list is empty). Errc::crypto (or another code)
  // when signing fails: an internal error.
  Result<std::vector<dkim::SignatureField>> finish(std::int64_t now);

  // A whole message, or a part of one, as raw bytes (offline); then end() instead of
  // end_of_headers(), body() and finish()'s parsing. Used by sign_offline.
  Result<void> feed(std::string_view bytes);
  Result<Decision> end();

  // RFC 8601 5: the Authentication-Results fields that claim our authserv_id ([signer]
  // authserv_id; none when it is not set). Nobody upstream may speak for us, so the milter
  // removes them whatever the decision; they are not signed. 1-based positions among the
  // message's Authentication-Results fields, ascending (smfi_chgheader's index).
  const std::vector<std::size_t>& forged_authres() const noexcept;
  // Where each Authentication-Results field was in the input (offset, length), in order, for
  // feed(); offsets count fields given to header() as name ":" value CRLF.
  const std::vector<std::pair<std::size_t, std::size_t>>& authres_spans() const noexcept;
  // The header limit the message exceeded, if any.
  std::optional<mail::Limit> exceeded() const noexcept;

  const Decision& decision() const noexcept;
  const std::vector<std::string>& selectors() const noexcept { return decision().selectors; }
  const std::string& login() const noexcept;
  const KeySet& keys() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The offline path (`dnsauth-signer sign`): a whole message through the same session.
struct OfflineResult {
  Decision decision;  // as finish() left it: skip / already_signed when every selector had signed
  std::vector<std::string> selectors;
  std::vector<dkim::SignatureField> signatures;  // empty unless decision.action == sign
  // Where the forged Authentication-Results fields are in the input (offset, length), in
  // order: the milter would delete them, so the offline output leaves them out.
  std::vector<std::pair<std::size_t, std::size_t>> removed;
};
// Errc::syntax (with the byte offset) when the header section does not parse; other errors as
// SigningSession gives them.
Result<OfflineResult> sign_offline(std::shared_ptr<const KeySet> keys, std::string login,
                                   std::string_view message, std::int64_t now);

}  // namespace dnsauth::signing

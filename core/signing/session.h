// One message through the signer's policy and signing path, fed as a milter gets it: header
// fields, end of headers (the decision), body chunks (hashed as they arrive, never buffered),
// finish (the DKIM-Signature fields to insert at the top). The milter, the offline `sign`
// command and the validator's selftest all use it.
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
  // Header section limits: Postfix's header_size_limit is 100 KB; far beyond that is no mail.
  static constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;
  static constexpr std::size_t kMaxHeaderFields = 10000;

  // `login` is {auth_authen}; empty when the session did not authenticate.
  SigningSession(std::shared_ptr<const KeySet> keys, std::string login);
  ~SigningSession();
  SigningSession(SigningSession&&) noexcept;
  SigningSession& operator=(SigningSession&&) noexcept;

  // A header field as a milter receives it; `value` is everything after the colon (with its
  // leading space when SMFIP_HDR_LEADSPC is negotiated). Errc::limit past the limits above,
  // Errc::syntax for a name that is not a field name.
  Result<void> header(std::string_view name, std::string_view value);
  Result<void> header(mail::HeaderField field);

  // The policy decision, once all header fields are in. When it is `sign`, the selectors that
  // will sign are known (those that have not already signed this message) and body() must get
  // the body. Errc::invalid_argument or Errc::key when the signer cannot be set up.
  Result<Decision> end_of_headers();

  // A chunk of the body; CRLF line ends expected, a bare LF is taken as CRLF (RFC 6376 5.3).
  void body(std::string_view chunk);

  // The DKIM-Signature fields, top first (insert them in this order above the message), with
  // t= = now. Errc::crypto (or another code) when signing fails: an internal error.
  Result<std::vector<dkim::SignatureField>> finish(std::int64_t now);

  // RFC 8601 5: the Authentication-Results fields that claim our authserv_id ([signer]
  // authserv_id; none when it is not set). Nobody upstream may speak for us, so the milter
  // removes them whatever the decision; they are not signed. 1-based positions among the
  // message's Authentication-Results fields, ascending (smfi_chgheader's index).
  const std::vector<std::size_t>& forged_authres() const noexcept { return forged_authres_; }

  const Decision& decision() const noexcept { return decision_; }
  const std::vector<std::string>& selectors() const noexcept { return decision_.selectors; }
  const std::string& login() const noexcept { return login_; }
  const KeySet& keys() const noexcept { return *keys_; }

 private:
  std::shared_ptr<const KeySet> keys_;
  std::string login_;
  mail::Message headers_;  // the header section (body stays empty)
  std::size_t header_bytes_ = 0;
  std::size_t authres_seen_ = 0;
  std::vector<std::size_t> forged_authres_;
  Decision decision_;
  std::unique_ptr<dkim::Signer> signer_;
  bool pending_cr_ = false;  // the previous body chunk ended in CR
  std::string scratch_;      // a body chunk with bare LFs made CRLF (rare)
};

// The offline path (`dnsauth-signer sign`): a whole message through the same session.
struct OfflineResult {
  Decision decision;
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

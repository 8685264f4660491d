// Who owns which sender address, with Postfix's smtpd_sender_login_maps semantics (postconf(5)
// smtpd_sender_login_maps, reject_sender_login_mismatch; access(5) "EMAIL ADDRESS EXTENSION"):
// the table answers, for the first lookup key that it has, the SASL logins that own the address.
// The table behind it is any tables::LookupTable: a file read by core (core/tables), or a server
// asked by the program (outside core).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/mail/address.h"
#include "core/tables/lookup_table.h"

namespace dnsauth::signing {

// The Postfix parameters the lookup keys depend on.
struct LoginMapOptions {
  // $myorigin, $mydestination (and the interface addresses): for these domains the localpart
  // alone is also a key. Lowercase A-labels.
  std::vector<std::string> local_domains;
  // $recipient_delimiter: "user+ext@domain" is also looked up as "user@domain" (empty: off).
  std::string recipient_delimiter;
};

class LoginMap {
 public:
  LoginMap(std::shared_ptr<const tables::LookupTable> table, LoginMapOptions options)
      : table_(std::move(table)), options_(std::move(options)) {}

  // The lookup keys for `from`, in Postfix's order (mail_addr_find with its default strategy):
  //   user+ext@domain, user@domain, then for a local domain user+ext and user, then @domain;
  // each address form first with the localpart quoted as RFC 5322 needs it ("\"a b\"@domain"),
  // then unquoted when that differs. postmaster, mailer-daemon and double-bounce are never split
  // at the delimiter, nor (with '-' a delimiter) owner-* and *-request.
  std::vector<std::string> keys(const mail::Mailbox& from) const;

  // The value of the first key found, std::nullopt when none is; the table's Error when it
  // cannot answer.
  Result<std::optional<std::string>> owners(const mail::Mailbox& from) const;

  // Whether `login` is one of the owners (the value split at commas and whitespace, compared
  // case-insensitively as Postfix's strcasecmp_utf8 does for ASCII). An address without owners
  // is owned by nobody: reject_sender_login_mismatch refuses it for a logged-in client too.
  Result<bool> owns(std::string_view login, const mail::Mailbox& from) const;

  const tables::LookupTable& table() const noexcept { return *table_; }

 private:
  std::shared_ptr<const tables::LookupTable> table_;
  LoginMapOptions options_;
};

// Postfix's quote_822_local: the localpart as is when it is a dot-atom (RFC 5322 3.2.3; 8-bit
// bytes pass), else as a quoted-string with '"', '\' and CR escaped.
std::string quote_local_part(std::string_view local);

}  // namespace dnsauth::signing

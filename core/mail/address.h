// Addresses in header fields (RFC 5322 3.4), with the obsolete forms receivers must accept
// (RFC 5322 4.4) and UTF-8 in local parts and domains (RFC 6532 3.2). DKIM signing policy
// and DMARC both need the author's domain out of From (RFC 7489 3.1.1, 6.6.1); the parser is
// strict about structure, because a From field that two parsers read differently is how
// DMARC is bypassed, and returns an Error with the byte offset where the grammar breaks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/mail/message.h"

namespace dnsauth::mail {

struct Mailbox {
  // The phrase before the angle-addr: quotes removed, quoted-pairs resolved, comments
  // dropped, runs of CFWS between words as one space. Empty for a bare addr-spec.
  std::string display_name;
  // The local part's meaning (RFC 5322 3.4.1: quoted and unquoted forms are equivalent):
  // quotes removed, quoted-pairs resolved, CFWS around the dots of obs-local-part removed.
  // Case is kept; only the receiving host may interpret it. UTF-8 bytes kept (RFC 6532).
  std::string local_part;
  // Lowercase; a U-label domain as its A-label (punycode, IDNA2008 nontransitional); a
  // domain-literal ("[192.0.2.1]") exactly as written, brackets included.
  std::string domain;

  // local@domain, the local part quoted again when it is not a dot-atom.
  std::string address() const;

  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

// address-list (RFC 5322 3.4) from an unfolded field body (HeaderField::unfolded_value()),
// groups flattened into their members; an empty group contributes no mailbox. Errc::syntax
// with the byte offset into `value` when the text is not an address-list, or when a domain
// is not a valid IDN.
Result<std::vector<Mailbox>> parse_address_list(std::string_view value);

enum class FromCount {
  none,       // no From field, or one whose only address is an empty group
  one,        // exactly one From field holding exactly one mailbox
  several,    // several mailboxes in one From, or several From fields (RFC 5322 3.6: max 1)
  malformed,  // a single From field that is not an address-list
};

// The author as DKIM signing policy and DMARC need it (RFC 7489 6.6.1: a message whose From
// does not yield exactly one author domain is not evaluated as if it did).
struct AuthorDomain {
  FromCount count = FromCount::none;
  std::vector<Mailbox> mailboxes;  // every mailbox read, in message order
  std::string reason;              // why count is not `one` ("2 From fields"); empty when one
};

AuthorDomain author_from(const Message& msg);
// The same from the message's From fields, in message order.
AuthorDomain author_from(const std::vector<const HeaderField*>& from_fields);

}  // namespace dnsauth::mail

// RFC 6376 3.7 and 5.4.2: the header part of the signed data — the selected header fields,
// canonicalized, then the DKIM-Signature field itself with an empty b= — shared by the
// Signer and the Verifier so that both select fields the same way.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dkim/types.h"
#include "core/mail/message.h"

namespace dnsauth::dkim {

// A message's header fields indexed once by name: for each lowercase name, the positions of
// its fields from top to bottom. Selecting a signature's fields through it costs the length of
// h= plus the fields taken, never h= times the fields of the message. Refers to nothing after
// construction (positions only).
class HeaderIndex {
 public:
  explicit HeaderIndex(const std::vector<mail::HeaderField>& headers);
  // The positions of the fields named `name` (any case), top to bottom; empty when none.
  const std::vector<std::size_t>& positions(std::string_view name) const;
  std::size_t count(std::string_view name) const { return positions(name).size(); }

 private:
  std::unordered_map<std::string, std::vector<std::size_t>> by_name_;
};

// RFC 6376 5.4.2: for each name in h_list, the last field of that name not yet taken (bottom
// up); a name with no field left contributes nothing. `skip` is the position of the
// DKIM-Signature being verified (never selected), or npos when signing. The positions taken,
// in h_list order.
std::vector<std::size_t> select_fields(const HeaderIndex& index, std::size_t skip,
                                       const std::vector<std::string>& h_list);

// The SHA-256 of the header data: the fields select_fields() takes, canonicalized, then
// `signature_field`, the raw DKIM-Signature field with the b= value already removed, without
// its final CRLF. `index` is of `headers`.
std::string header_hash(Canon canon, const std::vector<mail::HeaderField>& headers,
                        const HeaderIndex& index, std::size_t skip,
                        const std::vector<std::string>& h_list, std::string_view signature_field);

// The raw field with the b= tag's value (and the whitespace around it) deleted (3.7).
// Returns the field unchanged when it has no b= tag.
std::string remove_b_value(const mail::HeaderField& field);

}  // namespace dnsauth::dkim

// RFC 6376 3.7 and 5.4.2: the header part of the signed data — the selected header fields,
// canonicalized, then the DKIM-Signature field itself with an empty b= — shared by the
// Signer and the Verifier so that both select fields the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/types.h"
#include "core/mail/message.h"

namespace dnsauth::dkim {

// The SHA-256 of the header data. `headers` are the message's fields in order; `skip` is the
// index of the DKIM-Signature being verified (excluded from selection), or npos when signing.
// For each name in h_list, the last not yet used field of that name is taken (5.4.2); a
// name with no field left contributes nothing. `signature_field` is the raw DKIM-Signature
// field with the b= value already removed; its final CRLF is not hashed.
std::string header_hash(Canon canon, const std::vector<mail::HeaderField>& headers,
                        std::size_t skip, const std::vector<std::string>& h_list,
                        std::string_view signature_field);

// The raw field with the b= tag's value (and the whitespace around it) deleted (3.7).
// Returns the field unchanged when it has no b= tag.
std::string remove_b_value(const mail::HeaderField& field);

}  // namespace dnsauth::dkim

// Authentication-Results resinfo for this project's verdicts: dkim (RFC 8601 2.7.1, RFC 6008
// header.b), dmarc (RFC 7489 11.2, RFC 9989 9.1: header.from and policy.dmarc) and spf
// (RFC 8601 2.7.2). Built here so every tool writes the same field.
#pragma once

#include <string_view>
#include <vector>

#include "core/authres/authres.h"
#include "core/dkim/verifier.h"
#include "core/dmarc/evaluate.h"

namespace dnsauth::authres {

// dkim=<status> (<bits>-bit key) [reason="..."] header.d= header.i= header.s= header.a= header.b=
// The reason is given for every result but pass.
ResInfo dkim_resinfo(const dkim::SignatureResult& signature);

// dmarc=<status> (p=<requested> dis=<applied>) header.from=<Author Domain> policy.dmarc=<applied>
// policy.dmarc (RFC 9989 9.1: "the evaluated DMARC policy applied") only on fail; reason= on
// temperror and permerror.
ResInfo dmarc_resinfo(const dmarc::DomainResult& result);
// One resinfo per Author Domain evaluated; for a message that has none (no From, too many
// domains), a single dmarc=permerror with the reason.
std::vector<ResInfo> dmarc_resinfos(const dmarc::Evaluation& evaluation);

// spf=<result> [reason="..."] smtp.mailfrom=<sender> or smtp.helo=<name> (RFC 8601 2.7.2: the
// property names the identity that was checked).
ResInfo spf_resinfo(std::string_view result, std::string_view identity_value, bool helo_identity,
                    std::string_view reason = {});

}  // namespace dnsauth::authres

// Authentication-Results resinfo for this project's verdicts: dkim (RFC 8601 2.7.1, RFC 6008
// header.b), dmarc (RFC 7489 11.2, RFC 9989 9.1: header.from and policy.dmarc) and spf
// (RFC 8601 2.7.2). Built here so every tool writes the same field.
#pragma once

#include <string_view>
#include <vector>

#include "core/authres/authres.h"
#include "core/dkim/verifier.h"
#include "core/dmarc/evaluate.h"
#include "core/spf/check_host.h"

namespace dnsauth::authres {

// dkim=<status> (<bits>-bit key) [reason="..."] header.d= header.i= header.s= header.a= header.b=
// The reason (SignatureResult::reason()) is given for every result but pass.
ResInfo dkim_resinfo(const dkim::SignatureResult& signature);

// dmarc=<status> (p=<requested> dis=<applied>) header.from=<Author Domain> policy.dmarc=<applied>
// policy.dmarc (RFC 9989 9.1: "the evaluated DMARC policy applied") only on fail; reason= on
// temperror and permerror.
ResInfo dmarc_resinfo(const dmarc::DomainResult& result);
// One resinfo per Author Domain evaluated; for a message that has none (no From, too many
// domains), a single dmarc=permerror with the reason.
std::vector<ResInfo> dmarc_resinfos(const dmarc::Evaluation& evaluation);

// spf=<result> [reason="..."] smtp.mailfrom=<domain> or smtp.helo=<name> (RFC 8601 2.7.2: the
// property names the identity that was checked). smtp.mailfrom is the domain of the
// reverse-path; for the HELO identity, and for a null reverse-path where SPF checked the HELO
// name (RFC 7208 2.4), smtp.helo is that name. Domains are the A-labels SPF checked (RFC 8616
// 4). The reason (Verdict::problem()) is given for none, temperror and permerror.
ResInfo spf_resinfo(const spf::Verdict& verdict, const spf::Session& session);

}  // namespace dnsauth::authres

// Recording an SPF verdict in the message header: the Received-SPF trace field (RFC 7208 9.1).
// (The "spf" result of Authentication-Results is authres::spf_resinfo, core/authres/results.h.)
// Everything the SMTP client supplied (HELO name, MAIL FROM) is sanitised: domains are
// written as the A-labels SPF checked (RFC 8616 4), other non-printable and non-ASCII bytes
// become '?', and values are quoted unless they are dot-atoms, so no field can be broken or
// extended by what a sender chose to send (9.1 "MUST make sure").
#pragma once

#include <string>

#include "core/spf/check_host.h"

namespace dnsauth::spf {

// "Received-SPF: pass (mx.example.org: domain of alice@example.com designates 192.0.2.1 as
//  permitted sender) client-ip=192.0.2.1; envelope-from="alice@example.com"; helo=...;"
// The result and a comment, then client-ip, envelope-from (MAIL FROM identity, when not
// null), helo, receiver (when known), identity, and mechanism (the matched directive, or
// "default") or problem (for temperror, permerror and none). Folded at whitespace to lines of
// at most 78 characters with CRLF SP; no final CRLF.
std::string received_spf(const Verdict& verdict, const Session& session);

}  // namespace dnsauth::spf

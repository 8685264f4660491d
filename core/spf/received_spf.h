// Recording an SPF verdict in the message header: the Received-SPF trace field (RFC 7208 9.1)
// and the "spf" method result of Authentication-Results (RFC 8601 2.7.2, RFC 7208 9.2).
// Everything the SMTP client supplied (HELO name, MAIL FROM) is sanitised: non-printable and
// non-ASCII bytes become '?', and values are quoted unless they are dot-atoms, so no field
// can be broken or extended by what a sender chose to send (9.1 "MUST make sure").
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

// The resinfo for Authentication-Results, without the authserv-id: "spf=pass
// smtp.mailfrom=example.com" (the domain of the reverse-path), or "spf=none
// smtp.helo=mx.example.net" for the HELO identity and for a null reverse-path, where the
// HELO name is what was authenticated (RFC 7208 2.4).
std::string authres_spf(const Verdict& verdict, const Session& session);

}  // namespace dnsauth::spf

// TXT records in the forms a DNS operator loads, written through ldns so that escaping and
// the 255-byte character-string limit (RFC 1035 3.3, 5.1) are ldns's, not ours: an RFC 1035
// zone fragment and an nsupdate script. Also the reverse: the rdata of a TXT record in
// presentation form ("\"v=spf1 \" \"-all\"") read back into its character-strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/records/delegation.h"
#include "core/records/records.h"

namespace dnsauth::records {

// One record as an RFC 1035 master-file line (absolute owner, TTL, IN, TXT, quoted
// character-strings of at most 255 bytes, '"' and '\' escaped, other bytes outside printable
// ASCII as \DDD), with a trailing newline. Errc::invalid_argument when the owner is not a
// domain name.
Result<std::string> to_master_line(const TxtRecord& record);
// The same for a delegated selector's CNAME (delegation.h): "<owner>. <ttl> IN CNAME <target>.".
Result<std::string> to_master_line(const CnameRecord& record);

// A zone fragment: `header` (each line prefixed "; "), then per record its comment as a
// "; " line and its master-file line. Every owner is absolute, so the fragment can be pasted
// or $INCLUDEd into its zone's file anywhere.
Result<std::string> to_zone_fragment(const std::vector<TxtRecord>& records,
                                     std::string_view header = {});

// An nsupdate(1) script for `zone`: for names the records own alone (DKIM selectors, _dmarc,
// report authorizations) "update delete NAME TXT" and then "update add"; for names that hold
// other TXT records too (the domain, HELO names) only "update add", with a comment asking to
// remove an older SPF record by hand (two SPF records are a permerror, RFC 7208 4.5). Ends
// with "send". An empty zone leaves the "zone" line out (nsupdate then finds it by SOA).
Result<std::string> to_nsupdate(const std::vector<TxtRecord>& records, std::string_view zone);

// The character-strings of a TXT rdata in presentation form, read by ldns: quoted strings,
// \" \\ and \DDD escapes; an unquoted word is one string. Errc::syntax with ldns's reason.
// Strings longer than 255 bytes are refused by ldns, as by every zone parser.
Result<std::vector<std::string>> parse_txt_rdata(std::string_view presentation);

}  // namespace dnsauth::records

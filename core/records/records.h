// The TXT records a mail domain publishes, built from the dnsauth.toml model: the DKIM key
// record (RFC 6376 3.6.1, RFC 8463 4), the SPF record of the domain and of each HELO name
// (RFC 7208 3, 2.3), the DMARC record (RFC 9989; RFC 7489 6.3), the report authorization
// records of a domain that receives reports for others (RFC 7489 7.1), and the records that
// announce MTA-STS (RFC 8461 3.1, with its policy file, 3.2), TLS reporting (RFC 8460 3) and a
// BIMI logo (draft-brand-indicators-for-message-identification 4). Pure text: turning them into
// zone files, nsupdate scripts or JSON is zone_format.h's job.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/dkim/types.h"

namespace dnsauth::records {

enum class Kind { dkim, spf, dmarc, report_authorization, mta_sts, tls_rpt, bimi };
std::string_view to_string(Kind kind) noexcept;

// One TXT record: owner name (lowercase, no trailing dot), TTL, and its text as the record's
// character-strings joined (split only when written out, see split_character_strings).
struct TxtRecord {
  std::string owner;
  std::uint32_t ttl = 3600;
  std::string text;
  Kind kind = Kind::dkim;
  std::string comment;  // why it exists, e.g. "DKIM key for selector s2026r (rsa 2048)"
};

// What a DKIM key record says. p= is the public key bytes (public_key_record_bytes());
// empty publishes a revoked key (RFC 6376 3.6.1: "An empty value means that this public key
// has been revoked").
struct DkimKeySpec {
  dkim::KeyType key_type = dkim::KeyType::rsa;
  std::string public_key;
  std::vector<std::string> hashes;  // h=, empty: omitted
  bool testing = false;             // t=y
  std::string notes;                // n=, encoded as qp-section
  std::vector<std::string> services;  // s=, empty: omitted (every service)
};

// "v=DKIM1; k=rsa; h=sha256; s=email; t=y; n=...; p=<base64>". p= comes last so that a long key is
// the only thing split across character-strings.
std::string dkim_key_record(const DkimKeySpec& spec);

// RFC 6376 3.6.1 n= is a qp-section (RFC 6376 2.11): bytes outside the visible ASCII range,
// '=', ';' and SP are written =XX, so any notes survive the tag-list grammar.
std::string encode_qp_section(std::string_view text);

// "v=spf1 ip4:... ip6:... include:... -all" (RFC 7208 4.5, 5). With helo = true the record
// for an outbound HELO name: the same addresses, no includes (RFC 7208 2.3: the HELO identity
// is the host itself, not the services the domain also sends through).
std::string spf_record(const config::Spf& spf, bool helo = false);

// "v=DMARC1; p=...; sp=...; np=...; adkim=...; aspf=...; pct=...; fo=...; t=y; psd=y;
// rua=...; ruf=..." with only the tags the config sets, v= first (RFC 9989 4.7). adkim and
// aspf are written only when strict ("r" is the default).
std::string dmarc_record(const config::Dmarc& dmarc);

// RFC 7489 7.1: the record at <domain>._report._dmarc.<receiver> that says <receiver>
// accepts reports about <domain>.
inline constexpr std::string_view kReportAuthorizationRecord = "v=DMARC1";

// RFC 8461 3.2: the policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt,
// every line ended by CRLF: version, mode, each mx in config order, max_age.
std::string mta_sts_policy(const config::MtaSts& mta_sts);
// RFC 8461 3.1: id (1*32 ALPHA/DIGIT) is what tells senders the policy changed. Derived from
// the policy text (the first 20 hex digits of its SHA-256), it changes exactly when the policy
// does, and generating twice gives the same record (plan finds nothing to change).
std::string mta_sts_id(std::string_view policy_text);
// "v=STSv1; id=<mta_sts_id(policy)>"
std::string mta_sts_record(const config::MtaSts& mta_sts);
// RFC 8460 3: "v=TLSRPTv1; rua=<uri>,<uri>"
std::string tls_rpt_record(const config::TlsRpt& tls_rpt);
// BIMI: "v=BIMI1; l=<logo>" and "; a=<evidence>" when there is one.
std::string bimi_record(const config::Bimi& bimi);

// Where the MTA-STS policy is fetched from (RFC 8461 3.3): the host and the path.
std::string mta_sts_policy_host(std::string_view domain);  // "mta-sts.<domain>"
inline constexpr std::string_view kMtaStsPolicyPath = "/.well-known/mta-sts.txt";

// Owner names (a DKIM key's is dkim::key_record_name, core/dkim/key_record.h).
std::string dmarc_owner(std::string_view domain);
std::string report_authorization_owner(std::string_view reported_domain, std::string_view receiver);
std::string mta_sts_owner(std::string_view domain);                         // _mta-sts.<domain>
std::string tls_rpt_owner(std::string_view domain);                         // _smtp._tls.<domain>
std::string bimi_owner(std::string_view selector, std::string_view domain);  // <selector>._bimi.<domain>

// Every record of one configured domain, in a stable order: DKIM (config order), SPF at the
// domain, SPF at each HELO name, DMARC, report authorizations, MTA-STS, TLS-RPT, BIMI. public_keys maps a selector name
// to its p= bytes; a selector without an entry is published revoked.
std::vector<TxtRecord> domain_records(const config::Domain& domain,
                                      const std::map<std::string, std::string>& public_keys);

// RFC 1035 3.3.14 / 3.3: a TXT record is one or more character-strings of at most 255 bytes.
// Splits text into the fewest such pieces, in order (an empty text is one empty string).
std::vector<std::string> split_character_strings(std::string_view text, std::size_t max = 255);

}  // namespace dnsauth::records

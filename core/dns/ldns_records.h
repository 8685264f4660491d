// Private to core/dns: the conversions between ldns and Answer that the stub resolver and the
// zone-file resolver share. Not part of the public interface (it exposes ldns types).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

// ldns/common.h would #define bool, true and false unless stdbool.h came first.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
#include <ldns/ldns.h>

#include "core/dns/resolver.h"

namespace dnsauth::dns::detail {

struct RdfDeleter {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;

// "REFUSED", "NOTAUTH", or "RCODE 23" for one ldns has no name for.
std::string rcode_name(ldns_pkt_rcode rcode);

// A query name in wire form, built label by label so that no presentation-format escaping
// applies (SPF target names may carry any visible byte, RFC 7208 4.8). Null when the name
// cannot exist in the DNS: an empty label, a label over 63 or a name over 255 octets.
RdfPtr make_dname(std::string_view name);

// A wire-form domain name as text: lowercase ASCII, labels joined by '.', no trailing dot.
std::string dname_to_string(const ldns_rdf* rdf);

std::optional<RRType> to_rrtype(ldns_rr_type type);

// Adds the rdata of rr (of the given type) to answer, in Answer's conventions (TXT strings
// joined, names lowercase without the trailing dot). False when the rdata is malformed.
bool append_record(Answer& answer, const ldns_rr* rr, RRType type);

// A reply to a question for `type` as Answer: NXDOMAIN -> nxdomain; any other RCODE but
// NOERROR -> tempfail with the rcode and "WHAT: RCODE from SERVER"; NOERROR -> the records of
// that type and class IN in the answer section (ok), or none (nodata); tempfail when one of
// them is malformed. `what` ("name/TYPE") and `server` only go into the detail.
Answer answer_from_reply(const ldns_pkt* reply, RRType type, const std::string& what, const std::string& server);

}  // namespace dnsauth::dns::detail

#include "core/dns/ldns_records.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <vector>

#include "core/common/ascii.h"

namespace dnsauth::dns::detail {

RdfPtr make_dname(std::string_view name) {
  std::string n = normalize_name(name);
  std::vector<std::uint8_t> wire;
  if (!n.empty()) {
    std::size_t start = 0;
    while (true) {
      std::size_t dot = n.find('.', start);
      std::string_view label =
          std::string_view(n).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (label.empty() || label.size() > 63) return nullptr;
      wire.push_back(static_cast<std::uint8_t>(label.size()));
      wire.insert(wire.end(), label.begin(), label.end());
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  wire.push_back(0);
  if (wire.size() > 255) return nullptr;
  return RdfPtr(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data()));
}

std::string dname_to_string(const ldns_rdf* rdf) {
  std::string out;
  if (!rdf) return out;
  const std::uint8_t* p = ldns_rdf_data(rdf);
  std::size_t size = ldns_rdf_size(rdf), i = 0;
  while (i < size && p[i] != 0) {
    std::size_t len = p[i++];
    if (i + len > size) break;
    if (!out.empty()) out.push_back('.');
    for (std::size_t k = 0; k < len; ++k) {
      out.push_back(ascii::lower(static_cast<char>(p[i + k])));
    }
    i += len;
  }
  return out;
}

std::optional<RRType> to_rrtype(ldns_rr_type type) {
  switch (type) {
    case LDNS_RR_TYPE_A: return RRType::A;
    case LDNS_RR_TYPE_CNAME: return RRType::CNAME;
    case LDNS_RR_TYPE_PTR: return RRType::PTR;
    case LDNS_RR_TYPE_MX: return RRType::MX;
    case LDNS_RR_TYPE_TXT: return RRType::TXT;
    case LDNS_RR_TYPE_AAAA: return RRType::AAAA;
    case LDNS_RR_TYPE_SPF: return RRType::SPF;
    default: return std::nullopt;
  }
}

bool append_record(Answer& answer, const ldns_rr* rr, RRType type) {
  auto rdf = [&](std::size_t i) { return ldns_rr_rdf(rr, i); };
  switch (type) {
    case RRType::A:
    case RRType::AAAA: {
      const ldns_rdf* r = rdf(0);
      std::size_t want = type == RRType::A ? 4 : 16;
      if (!r || ldns_rdf_size(r) != want) return false;
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(type == RRType::A ? AF_INET : AF_INET6, ldns_rdf_data(r), buf, sizeof buf);
      answer.records.emplace_back(buf);
      return true;
    }
    case RRType::CNAME:
    case RRType::PTR: {
      const ldns_rdf* r = rdf(0);
      if (!r) return false;
      answer.records.push_back(dname_to_string(r));
      return true;
    }
    case RRType::MX: {
      const ldns_rdf* pref = rdf(0);
      const ldns_rdf* host = rdf(1);
      if (!pref || !host || ldns_rdf_size(pref) != 2) return false;
      auto preference = ldns_rdf2native_int16(pref);
      std::string exchange = dname_to_string(host);
      answer.records.push_back(std::to_string(preference) + " " + exchange);
      answer.mx.push_back({preference, std::move(exchange)});
      return true;
    }
    case RRType::TXT:
    case RRType::SPF: {
      // RFC 7208 3.3: the character-strings of one record are joined with no separator.
      std::vector<std::string> parts;
      std::string joined;
      for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* r = rdf(i);
        const std::uint8_t* p = ldns_rdf_data(r);
        std::size_t size = ldns_rdf_size(r);
        if (size == 0 || p[0] + 1u != size) return false;
        parts.emplace_back(reinterpret_cast<const char*>(p + 1), size - 1);
        joined += parts.back();
      }
      answer.records.push_back(std::move(joined));
      answer.txt_parts.push_back(std::move(parts));
      return true;
    }
  }
  return false;
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  char* s = ldns_pkt_rcode2str(rcode);
  std::string out = s ? s : "RCODE " + std::to_string(static_cast<int>(rcode));
  std::free(s);
  return out;
}

Answer answer_from_reply(const ldns_pkt* reply, RRType type, const std::string& what, const std::string& server) {
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(reply);
  if (rcode == LDNS_RCODE_NXDOMAIN) return Answer{Status::nxdomain, {}, {}, {}, {}};
  if (rcode != LDNS_RCODE_NOERROR) {
    Answer failed = Answer::temp_failure(what + ": " + rcode_name(rcode) + " from " + server);
    failed.rcode = static_cast<int>(rcode);
    return failed;
  }
  Answer answer{Status::nodata, {}, {}, {}, {}};
  ldns_rr_list* rrs = ldns_pkt_answer(reply);
  for (std::size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != static_cast<ldns_rr_type>(type)) continue;
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
    if (!append_record(answer, rr, type))
      return Answer::temp_failure(what + ": malformed " + std::string(to_string(type)) + " record in the answer");
  }
  if (!answer.records.empty()) answer.status = Status::ok;
  return answer;
}

}  // namespace dnsauth::dns::detail

#include "core/records/zone_format.h"

#include <memory>

// ldns/common.h would #define bool, true and false unless stdbool.h came first.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
#include <ldns/ldns.h>

namespace dnsauth::records {

namespace {

struct RrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;

struct CharDeleter {
  void operator()(char* p) const { free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};

std::string absolute(std::string_view name) {
  std::string n(name);
  if (n.empty() || n.back() != '.') n.push_back('.');
  return n;
}

// The record as an ldns RR. The rdata is built from wire-form character-strings, so no
// presentation-format escaping is involved on the way in; ldns does it on the way out.
// An IN record of `type` at owner, without rdata yet.
Result<RrPtr> new_rr(const std::string& owner_name, ldns_rr_type type, std::uint32_t ttl) {
  ldns_rdf* owner = nullptr;
  if (ldns_str2rdf_dname(&owner, absolute(owner_name).c_str()) != LDNS_STATUS_OK || !owner)
    return make_error(Errc::invalid_argument, "'" + owner_name + "' is not a domain name");
  RrPtr rr(ldns_rr_new());
  ldns_rr_set_owner(rr.get(), owner);
  ldns_rr_set_type(rr.get(), type);
  ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr.get(), ttl);
  return rr;
}

Result<RrPtr> make_rr(const TxtRecord& record) {
  auto made = new_rr(record.owner, LDNS_RR_TYPE_TXT, record.ttl);
  if (!made) return made;
  RrPtr rr = std::move(*made);
  for (const auto& part : split_character_strings(record.text)) {
    std::string wire;
    wire.push_back(static_cast<char>(part.size()));
    wire += part;
    ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, wire.size(), wire.data());
    if (!rdf || !ldns_rr_push_rdf(rr.get(), rdf)) {
      if (rdf) ldns_rdf_deep_free(rdf);
      return make_error(Errc::invalid_argument, "cannot build the TXT rdata of " + record.owner);
    }
  }
  return rr;
}

std::string rr_to_string(const ldns_rr* rr) {
  std::unique_ptr<char, CharDeleter> text(ldns_rr2str(rr));
  return text ? std::string(text.get()) : std::string();
}

// Names the publisher owns outright: every TXT there is ours to replace.
bool owns_name(Kind kind) { return kind != Kind::spf; }

// The record as one master-file line ending in a newline.
Result<std::string> master_line(const ldns_rr* rr, const std::string& owner) {
  std::string line = rr_to_string(rr);
  if (line.empty()) return make_error(Errc::invalid_argument, "ldns cannot print the record of " + owner);
  if (line.back() != '\n') line.push_back('\n');
  return line;
}

}  // namespace

Result<std::string> to_master_line(const TxtRecord& record) {
  auto rr = make_rr(record);
  if (!rr) return tl::unexpected(rr.error());
  return master_line(rr->get(), record.owner);
}

Result<std::string> to_master_line(const CnameRecord& record) {
  auto made = new_rr(record.owner, LDNS_RR_TYPE_CNAME, record.ttl);
  if (!made) return tl::unexpected(made.error());
  RrPtr rr = std::move(*made);
  ldns_rdf* target = nullptr;
  if (ldns_str2rdf_dname(&target, absolute(record.target).c_str()) != LDNS_STATUS_OK || !target)
    return make_error(Errc::invalid_argument, "'" + record.target + "' is not a domain name");
  if (!ldns_rr_push_rdf(rr.get(), target)) {
    ldns_rdf_deep_free(target);
    return make_error(Errc::invalid_argument, "cannot build the CNAME rdata of " + record.owner);
  }
  return master_line(rr.get(), record.owner);
}

Result<std::string> to_zone_fragment(const std::vector<TxtRecord>& records, std::string_view header) {
  std::string out;
  while (!header.empty()) {
    auto nl = header.find('\n');
    out += "; ";
    out += header.substr(0, nl);
    out += '\n';
    header.remove_prefix(nl == std::string_view::npos ? header.size() : nl + 1);
  }
  for (const auto& r : records) {
    auto line = to_master_line(r);
    if (!line) return line;
    if (!r.comment.empty()) out += "; " + r.comment + "\n";
    out += *line;
  }
  return out;
}

Result<std::string> to_nsupdate(const std::vector<TxtRecord>& records, std::string_view zone) {
  std::string out = "; nsupdate script: nsupdate -k KEYFILE this-file\n";
  // Without a zone, nsupdate finds each name's zone itself (an SOA query).
  if (!zone.empty()) out += "zone " + absolute(zone) + "\n";
  std::vector<std::string> deleted;
  for (const auto& r : records) {
    auto line = to_master_line(r);
    if (!line) return line;
    if (!r.comment.empty()) out += "; " + r.comment + "\n";
    if (owns_name(r.kind)) {
      bool seen = false;
      for (const auto& d : deleted) seen = seen || d == r.owner;
      if (!seen) {
        out += "update delete " + absolute(r.owner) + " TXT\n";
        deleted.push_back(r.owner);
      }
    } else {
      out += "; remove any older v=spf1 TXT record at " + absolute(r.owner) +
             " (two SPF records are a permerror, RFC 7208 4.5)\n";
    }
    out += "update add " + *line;
  }
  out += "send\n";
  return out;
}

Result<std::vector<std::string>> parse_txt_rdata(std::string_view presentation) {
  std::string text = "txt.invalid. 0 IN TXT " + std::string(presentation);
  ldns_rr* raw = nullptr;
  ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), 0, nullptr, nullptr);
  RrPtr rr(raw);
  if (st != LDNS_STATUS_OK || !rr)
    return make_error(Errc::syntax, std::string("TXT rdata: ") + ldns_get_errorstr_by_id(st));
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr.get(), i);
    const std::uint8_t* p = ldns_rdf_data(rdf);
    std::size_t size = ldns_rdf_size(rdf);
    if (size == 0 || p[0] + 1u != size) return make_error(Errc::syntax, "TXT rdata: malformed string");
    parts.emplace_back(reinterpret_cast<const char*>(p + 1), size - 1);
  }
  return parts;
}

}  // namespace dnsauth::records

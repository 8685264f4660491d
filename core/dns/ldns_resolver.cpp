#include "core/dns/ldns_resolver.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/dns/host_port.h"
#include "core/dns/ldns_records.h"

namespace dnsauth::dns {

using detail::PktPtr;

struct LdnsResolver::Impl {
  ldns_resolver* res = nullptr;
  LdnsOptions options;
  ~Impl() {
    if (res) ldns_resolver_deep_free(res);
  }
};

LdnsResolver::LdnsResolver(std::unique_ptr<Impl> impl, std::string description)
    : impl_(std::move(impl)), description_(std::move(description)) {}

LdnsResolver::~LdnsResolver() = default;

Result<std::unique_ptr<LdnsResolver>> LdnsResolver::create(const LdnsOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::string description;
  if (options.server.empty()) {
    ldns_status st = ldns_resolver_new_frm_file(&impl->res, options.resolv_conf.c_str());
    if (st != LDNS_STATUS_OK)
      return make_error(Errc::io, "cannot read resolver configuration " + options.resolv_conf +
                                      ": " + ldns_get_errorstr_by_id(st));
    if (ldns_resolver_nameserver_count(impl->res) == 0)
      return make_error(Errc::io, options.resolv_conf + " names no nameserver");
    description = options.resolv_conf + " (";
    ldns_rdf** ns = ldns_resolver_nameservers(impl->res);
    for (std::size_t i = 0; i < ldns_resolver_nameserver_count(impl->res); ++i) {
      char* s = ldns_rdf2str(ns[i]);
      description += (i ? ", " : "") + std::string(s ? s : "?");
      std::free(s);
    }
    description += ")";
  } else {
    constexpr std::uint16_t kDnsPort = 53;  // RFC 1035 4.2
    auto server = parse_host_port(options.server, kDnsPort);
    if (!server) {
      return make_error(Errc::invalid_argument, "server " + server.error().detail, server.error().offset);
    }
    impl->res = ldns_resolver_new();
    const std::string address = server->address.to_string();
    ldns_rdf* addr =
        ldns_rdf_new_frm_str(server->address.is_v6() ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, address.c_str());
    if (!impl->res || !addr || ldns_resolver_push_nameserver(impl->res, addr) != LDNS_STATUS_OK) {
      if (addr) ldns_rdf_deep_free(addr);
      return make_error(Errc::invalid_argument, "server '" + options.server + "' is unusable");
    }
    ldns_rdf_deep_free(addr);  // push_nameserver stored a copy
    ldns_resolver_set_port(impl->res, server->port);
    description = server->to_string();
  }
  ldns_resolver* r = impl->res;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(options.timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((options.timeout.count() % 1000) * 1000);
  ldns_resolver_set_timeout(r, tv);
  // ldns counts attempts, not retries; and it would sleep `retrans` seconds between servers.
  ldns_resolver_set_retry(r, static_cast<std::uint8_t>(std::min(options.retries + 1u, 255u)));
  ldns_resolver_set_retrans(r, 0);
  ldns_resolver_set_fallback(r, options.tcp_fallback);
  ldns_resolver_set_igntc(r, false);
  ldns_resolver_set_recursive(r, options.recursion_desired);
  ldns_resolver_set_edns_udp_size(r, options.edns_udp_size);
  ldns_resolver_set_defnames(r, false);
  ldns_resolver_set_dnsrch(r, false);
  ldns_resolver_set_dnssec(r, false);
  ldns_resolver_set_fail(r, false);
  ldns_resolver_set_random(r, false);
  return std::unique_ptr<LdnsResolver>(new LdnsResolver(std::move(impl), std::move(description)));
}

Answer LdnsResolver::query(std::string_view name, RRType type) {
  // RFC 1034 3.6.2, 4.3.2: a name server restarts a query at a CNAME's target only within the
  // data it holds; an authoritative server whose zone delegates a DKIM selector by CNAME to
  // another zone (RFC 6376 3.6.2.2) answers the CNAME alone. The target is then asked here, as
  // a recursive resolver would, within a bound and never twice (a loop answers tempfail, as a
  // resolver's SERVFAIL).
  std::string current = normalize_name(name);
  std::set<std::string> seen{current};
  int links = 0;  // every CNAME counts, whether the server or this loop followed it
  while (true) {
    std::vector<std::string> chain;
    Answer answer = ask(current, type, &chain);
    if (answer.status != Status::nodata || chain.empty() || type == RRType::CNAME) return answer;
    for (const auto& target : chain) {
      if (++links > kMaxCnameHops || !seen.insert(target).second)
        return Answer::temp_failure(normalize_name(name) + "/" + std::string(to_string(type)) +
                                    ": CNAME chain too long or looping at " + target);
    }
    current = chain.back();
  }
}

Answer LdnsResolver::ask(std::string_view name, RRType type, std::vector<std::string>* chain) {
  ldns_resolver* r = impl_->res;
  std::string what = normalize_name(name) + "/" + std::string(to_string(type));
  auto qname = detail::make_dname(name);
  if (!qname) return Answer{Status::nxdomain, {}, {}, {}, "'" + std::string(name) + "' is not a valid DNS name"};

  // ldns marks a server that timed out as unreachable for the resolver's lifetime; every
  // query here starts afresh so one lost packet does not fail every later lookup.
  for (std::size_t i = 0; i < ldns_resolver_nameserver_count(r); ++i)
    ldns_resolver_set_nameserver_rtt(r, i, LDNS_RESOLV_RTT_MIN);

  ldns_pkt* raw_query = nullptr;
  ldns_status st = ldns_resolver_prepare_query_pkt(
      &raw_query, r, qname.get(), static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN,
      impl_->options.recursion_desired ? LDNS_RD : 0);
  PktPtr query_pkt(raw_query);
  if (st != LDNS_STATUS_OK || !query_pkt)
    return Answer::temp_failure(what + ": cannot build query: " + ldns_get_errorstr_by_id(st));

  ldns_pkt* raw_reply = nullptr;
  st = ldns_resolver_send_pkt(&raw_reply, r, query_pkt.get());
  PktPtr reply(raw_reply);
  if (st != LDNS_STATUS_OK || !reply) {
    const auto& o = impl_->options;
    return Answer::temp_failure(what + ": no answer from " + description_ + " (" +
                                std::to_string(o.retries + 1) + " attempt(s), " +
                                std::to_string(o.timeout.count()) + " ms each): " +
                                ldns_get_errorstr_by_id(st));
  }
  if (ldns_pkt_id(reply.get()) != ldns_pkt_id(query_pkt.get()))
    return Answer::temp_failure(what + ": reply ID does not match the query");
  if (ldns_pkt_tc(reply.get()))
    return Answer::temp_failure(what + ": truncated answer (TCP fallback disabled or failed)");

  Answer answer = detail::answer_from_reply(reply.get(), type, what, description_);
  if (answer.status != Status::nodata) return answer;
  ldns_rr_list* rrs = ldns_pkt_answer(reply.get());
  // No record of the type: the CNAMEs of the answer section from the name asked, in order (at
  // most as many as the section holds, so a loop in it ends too).
  std::string owner = normalize_name(name);
  for (std::size_t hop = 0; rrs && hop < ldns_rr_list_rr_count(rrs); ++hop) {
    bool moved = false;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(rrs) && !moved; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_rr_rd_count(rr) != 1) continue;
      if (detail::dname_to_string(ldns_rr_owner(rr)) != owner) continue;
      owner = detail::dname_to_string(ldns_rr_rdf(rr, 0));
      chain->push_back(owner);
      moved = true;
    }
    if (!moved) break;
  }
  return answer;
}

}  // namespace dnsauth::dns

#include "core/dns/zone_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/dns/host_port.h"
#include "core/dns/ldns_records.h"

namespace dnsauth::dns {

using detail::PktPtr;
using detail::RdfPtr;

namespace {

using Clock = std::chrono::steady_clock;

struct RrListDeleter {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// What one exchange with the server gave: the reply's bytes, or why there are none.
struct Exchange {
  std::vector<std::uint8_t> wire;
  bool timed_out = false;
  std::string error;
  bool ok() const { return error.empty(); }
};

// RFC 8945 5.2: the TSIG error values an answer may carry.
constexpr int kBadSig = 16, kBadKey = 17, kBadTime = 18;
// RFC 8945 5.2.3: the server accepts Time Signed within Fudge of its clock; 300 s is the
// value the RFC recommends.
constexpr std::uint16_t kTsigFudge = 300;
// RFC 1035 4.2.1: a UDP message is at most 512 octets without EDNS.
constexpr std::size_t kUdpLimit = 512;

std::string tsig_error_name(int error) {
  switch (error) {
    case kBadSig: return "BADSIG";
    case kBadKey: return "BADKEY";
    case kBadTime: return "BADTIME";
    case 22: return "BADTRUNC";
    default: return std::to_string(error);
  }
}

int wait_for(int fd, short events, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  pollfd p{fd, events, 0};
  int r = ::poll(&p, 1, static_cast<int>(left));
  return r < 0 && errno == EINTR ? wait_for(fd, events, deadline) : r;
}

// One record of type TXT whose rdata are exactly these character-strings (RFC 1035 3.3.14),
// built from the bytes: no presentation-format quoting or escaping applies to them. No rdata
// at all when strings is empty (RFC 2136 2.4.3 and 2.5.2 use that form).
ldns_rr* make_txt(const ldns_rdf* owner, ldns_rr_class klass, std::uint32_t ttl, const std::vector<std::string>& strings) {
  ldns_rr* rr = ldns_rr_new();
  if (!rr) return nullptr;
  ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
  ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
  ldns_rr_set_class(rr, klass);
  ldns_rr_set_ttl(rr, ttl);
  for (const auto& s : strings) {
    std::vector<std::uint8_t> data;
    data.push_back(static_cast<std::uint8_t>(s.size()));
    data.insert(data.end(), s.begin(), s.end());
    ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, data.size(), data.data());
    if (!rdf || !ldns_rr_push_rdf(rr, rdf)) {
      if (rdf) ldns_rdf_deep_free(rdf);
      ldns_rr_free(rr);
      return nullptr;
    }
  }
  return rr;
}

UpdateStatus status_of(ldns_pkt_rcode rcode) {
  switch (static_cast<int>(rcode)) {
    case LDNS_RCODE_NOERROR: return UpdateStatus::ok;
    // RFC 2136 2.2 / 3.2.1-3.2.3: a prerequisite did not hold.
    case LDNS_RCODE_YXDOMAIN:
    case LDNS_RCODE_YXRRSET:
    case LDNS_RCODE_NXDOMAIN:
    case LDNS_RCODE_NXRRSET: return UpdateStatus::prerequisite_failed;
    case LDNS_RCODE_REFUSED: return UpdateStatus::refused;
    case LDNS_RCODE_NOTAUTH: return UpdateStatus::not_authoritative;
    case LDNS_RCODE_NOTZONE: return UpdateStatus::not_zone;
    default: return UpdateStatus::failed;
  }
}

const ldns_rr* find_rr(const ldns_rr_list* list, ldns_rr_type type, const std::string& owner) {
  for (std::size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) == type && detail::dname_to_string(ldns_rr_owner(rr)) == owner) return rr;
  }
  return nullptr;
}

std::optional<Soa> soa_of(const ldns_rr* rr) {
  if (!rr || ldns_rr_rd_count(rr) != 7) return std::nullopt;
  Soa soa;
  soa.zone = detail::dname_to_string(ldns_rr_owner(rr));
  soa.mname = detail::dname_to_string(ldns_rr_rdf(rr, 0));
  soa.serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
  soa.minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
  return soa;
}

}  // namespace

std::string_view to_string(UpdateStatus status) noexcept {
  switch (status) {
    case UpdateStatus::ok: return "ok";
    case UpdateStatus::prerequisite_failed: return "prerequisite-failed";
    case UpdateStatus::refused: return "refused";
    case UpdateStatus::not_authoritative: return "not-authoritative";
    case UpdateStatus::not_zone: return "not-zone";
    case UpdateStatus::tsig_failed: return "tsig-failed";
    case UpdateStatus::timeout: return "timeout";
    case UpdateStatus::failed: return "failed";
  }
  return "failed";
}

struct ZoneClient::Impl {
  ZoneClientOptions options;
  sockaddr_storage address{};
  socklen_t address_len = 0;

  // One message to the server and its reply (the first datagram with the query's ID; over
  // TCP, RFC 1035 4.2.2's two-octet length prefix), within one attempt's timeout.
  Exchange udp(const std::vector<std::uint8_t>& query, std::chrono::milliseconds timeout) const {
    Exchange x;
    Fd s(::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s.fd < 0 || ::connect(s.fd, reinterpret_cast<const sockaddr*>(&address), address_len) != 0 ||
        ::send(s.fd, query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
      x.error = std::strerror(errno);
      return x;
    }
    auto deadline = Clock::now() + timeout;
    std::vector<std::uint8_t> buf(65535);
    while (true) {
      int r = wait_for(s.fd, POLLIN, deadline);
      if (r == 0) {
        x.timed_out = true;
        x.error = "timed out";
        return x;
      }
      ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        x.error = std::strerror(errno);  // ECONNREFUSED: nothing listens there
        return x;
      }
      // RFC 5452 9.1: an answer with another ID is not ours.
      if (n >= 12 && buf[0] == query[0] && buf[1] == query[1]) {
        x.wire.assign(buf.begin(), buf.begin() + n);
        return x;
      }
    }
  }

  Exchange tcp(const std::vector<std::uint8_t>& query, std::chrono::milliseconds timeout) const {
    Exchange x;
    auto deadline = Clock::now() + timeout;
    auto fail = [&](bool timed_out, std::string why) -> Exchange& {
      x.timed_out = timed_out;
      x.error = timed_out ? "timed out" : std::move(why);
      x.wire.clear();
      return x;
    };
    Fd s(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (s.fd < 0) return fail(false, std::strerror(errno));
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&address), address_len) != 0) {
      if (errno != EINPROGRESS) return fail(false, std::strerror(errno));
      if (wait_for(s.fd, POLLOUT, deadline) == 0) return fail(true, {});
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(false, std::strerror(err));
    }
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(query.size() >> 8), static_cast<std::uint8_t>(query.size())};
    out.insert(out.end(), query.begin(), query.end());
    for (std::size_t sent = 0; sent < out.size();) {
      if (wait_for(s.fd, POLLOUT, deadline) == 0) return fail(true, {});
      ssize_t n = ::send(s.fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return fail(false, std::strerror(errno));
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    auto read_exactly = [&](std::uint8_t* into, std::size_t want) -> bool {
      for (std::size_t got = 0; got < want;) {
        if (wait_for(s.fd, POLLIN, deadline) == 0) {
          fail(true, {});
          return false;
        }
        ssize_t n = ::recv(s.fd, into + got, want - got, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          fail(false, n == 0 ? "the server closed the connection" : std::strerror(errno));
          return false;
        }
        if (n > 0) got += static_cast<std::size_t>(n);
      }
      return true;
    };
    std::uint8_t len[2];
    if (!read_exactly(len, 2)) return x;
    x.wire.resize(static_cast<std::size_t>(len[0]) << 8 | len[1]);
    read_exactly(x.wire.data(), x.wire.size());
    return x;
  }

  // Up to 1 + retries attempts over one transport; the last failure when none answered.
  Exchange attempts(const std::vector<std::uint8_t>& query, bool over_tcp) const {
    Exchange x;
    for (unsigned attempt = 0; attempt <= options.retries; ++attempt) {
      x = over_tcp ? tcp(query, options.timeout) : udp(query, options.timeout);
      if (x.ok()) return x;
    }
    return x;
  }

  // The query sent (UDP, then TCP when the answer is truncated, RFC 1035 4.2.1) and the reply
  // parsed; the reply's wire form in *wire for TSIG verification (RFC 8945 4.3: the MAC covers the bytes as sent).
  // once: one attempt, given the time of all attempts. For UPDATE: a copy sent again
  // after the first was applied but its answer was slow would fail its own prerequisites
  // (RFC 2136 2.4) and report a concurrent change that never was.
  PktPtr send(const ldns_pkt* query, bool prefer_tcp, std::string& error, bool& timed_out,
              std::vector<std::uint8_t>* wire = nullptr, bool once = false) const {
    std::uint8_t* raw = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&raw, query, &size) != LDNS_STATUS_OK || !raw) {
      error = "cannot build the message";
      return nullptr;
    }
    std::vector<std::uint8_t> bytes(raw, raw + size);
    std::free(raw);
    bool over_tcp = prefer_tcp || bytes.size() > kUdpLimit;
    const auto all_attempts = options.timeout * (options.retries + 1);
    Exchange x = !once ? attempts(bytes, over_tcp) : over_tcp ? tcp(bytes, all_attempts) : udp(bytes, all_attempts);
    if (x.ok() && !over_tcp && x.wire.size() > 2 && (x.wire[2] & 0x02))  // TC
      x = once ? tcp(bytes, all_attempts) : attempts(bytes, true);
    const unsigned tries = options.retries + 1;
    if (!x.ok()) {
      timed_out = x.timed_out;
      error = !x.timed_out ? x.error
              : once       ? "no answer within " + std::to_string(all_attempts.count()) + " ms (an UPDATE is sent once)"
                           : "no answer (" + std::to_string(tries) + " attempt(s), " +
                                 std::to_string(options.timeout.count()) + " ms each)";
      return nullptr;
    }
    ldns_pkt* reply = nullptr;
    if (ldns_wire2pkt(&reply, x.wire.data(), x.wire.size()) != LDNS_STATUS_OK || !reply) {
      error = "malformed answer";
      return nullptr;
    }
    PktPtr out(reply);
    if (ldns_pkt_id(reply) != ldns_pkt_id(query)) {
      error = "the answer's ID does not match the query";
      return nullptr;
    }
    if (wire) *wire = std::move(x.wire);
    return out;
  }

  // A query with RD=0 (RFC 1035 4.1.1: this server's own data, no recursion).
  Result<PktPtr> ask(std::string_view name, ldns_rr_type type, const std::string& server) const {
    auto qname = detail::make_dname(name);
    if (!qname) return make_error(Errc::dns, "'" + std::string(name) + "' is not a valid DNS name");
    PktPtr query(ldns_pkt_query_new(qname.release(), type, LDNS_RR_CLASS_IN, 0));
    if (!query) return make_error(Errc::dns, "cannot build a query for " + std::string(name));
    ldns_pkt_set_random_id(query.get());
    if (options.recursion_desired) ldns_pkt_set_rd(query.get(), true);
    std::string error;
    bool timed_out = false;
    PktPtr reply = send(query.get(), false, error, timed_out);
    if (!reply) return make_error(Errc::dns, server + ": " + error);
    return reply;
  }

  // A question about a zone's apex that the server must answer itself: NOERROR with AA.
  Result<PktPtr> ask_zone(const std::string& zone, ldns_rr_type type, const char* type_name,
                          const std::string& server) const {
    auto reply = ask(zone, type, server);
    if (!reply) return reply;
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(reply->get());
    if (rcode != LDNS_RCODE_NOERROR)
      return make_error(Errc::dns, server + " answers " + detail::rcode_name(rcode) + " for the " + type_name +
                                       " of " + zone);
    if (!ldns_pkt_aa(reply->get())) return make_error(Errc::dns, server + " is not authoritative for zone " + zone);
    return reply;
  }
};

Result<std::string> system_nameserver(const std::string& resolv_conf) {
  // ldns reads the file as libc does (nameserver, search, options; comments).
  if (::access(resolv_conf.c_str(), R_OK) != 0)
    return make_error(Errc::io, "cannot read " + resolv_conf + ": " + std::strerror(errno));
  ldns_resolver* raw = nullptr;
  if (ldns_resolver_new_frm_file(&raw, resolv_conf.c_str()) != LDNS_STATUS_OK || !raw)
    return make_error(Errc::io, resolv_conf + " names no nameserver ldns can use");
  std::unique_ptr<ldns_resolver, decltype(&ldns_resolver_deep_free)> resolver(raw, ldns_resolver_deep_free);
  if (ldns_resolver_nameserver_count(raw) == 0) return make_error(Errc::io, resolv_conf + " names no nameserver");
  const ldns_rdf* first = ldns_resolver_nameservers(raw)[0];
  char* text = ldns_rdf2str(first);
  if (!text) return make_error(Errc::io, "out of memory");
  std::string address = text;
  std::free(text);
  return ldns_rdf_get_type(first) == LDNS_RDF_TYPE_AAAA ? "[" + address + "]" : address;
}

ZoneClient::ZoneClient(std::unique_ptr<Impl> impl, std::string server)
    : impl_(std::move(impl)), server_(std::move(server)) {}

ZoneClient::~ZoneClient() = default;

Result<std::unique_ptr<ZoneClient>> ZoneClient::create(const ZoneClientOptions& options) {
  constexpr std::uint16_t kDnsPort = 53;  // RFC 1035 4.2
  std::string named = options.server;
  if (named.empty()) {
    auto system = system_nameserver();
    if (!system) return tl::unexpected(system.error());
    named = *system;
  }
  auto server = parse_host_port(named, kDnsPort);
  if (!server) return make_error(Errc::invalid_argument, "server " + server.error().detail, server.error().offset);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (server->address.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&impl->address);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(server->port);
    std::memcpy(&sa->sin_addr, server->address.data(), 4);
    impl->address_len = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&impl->address);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(server->port);
    std::memcpy(&sa->sin6_addr, server->address.data(), 16);
    impl->address_len = sizeof(sockaddr_in6);
  }
  if (options.tsig) {
    // A trial signature: ldns signs with fewer algorithms than a key file may name (1.8.3
    // misspells hmac-sha384 and lacks hmac-sha224), and the key name must be a domain name.
    const auto& key = *options.tsig;
    // Asked first, as ldns leaks what it allocated when it refuses to sign.
    if (key.algorithm != "hmac-sha1" && key.algorithm != "hmac-sha256" && key.algorithm != "hmac-sha512")
      return make_error(Errc::invalid_argument,
                        "TSIG key '" + key.name + "' (" + key.algorithm + "): ldns cannot sign with it");
    PktPtr trial(ldns_pkt_query_new(ldns_dname_new_frm_str("example."), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0));
    std::string algorithm = key.algorithm + ".";
    if (!trial || ldns_pkt_tsig_sign(trial.get(), key.name.c_str(), key.secret.c_str(), kTsigFudge,
                                     algorithm.c_str(), nullptr) != LDNS_STATUS_OK)
      return make_error(Errc::invalid_argument,
                        "TSIG key '" + key.name + "' (" + key.algorithm + "): ldns cannot sign with it");
  }
  return std::unique_ptr<ZoneClient>(new ZoneClient(std::move(impl), server->to_string()));
}

DirectAnswer ZoneClient::query(std::string_view name, RRType type) {
  DirectAnswer out;
  std::string what = normalize_name(name) + "/" + std::string(to_string(type));
  auto reply = impl_->ask(name, static_cast<ldns_rr_type>(type), server_);
  if (!reply) {
    out.answer = Answer::temp_failure(what + ": " + reply.error().detail);
    return out;
  }
  const ldns_pkt* pkt = reply->get();
  out.answer = detail::answer_from_reply(pkt, type, what, server_);
  out.authoritative = ldns_pkt_aa(pkt);
  const ldns_rr_list* rrs = ldns_pkt_answer(pkt);
  bool first = true;
  for (std::size_t i = 0; out.answer.ok() && rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != static_cast<ldns_rr_type>(type)) continue;
    out.ttl = first ? ldns_rr_ttl(rr) : std::min(out.ttl, ldns_rr_ttl(rr));
    first = false;
  }
  return out;
}

Result<Soa> ZoneClient::soa(std::string_view zone) {
  std::string name = normalize_name(zone);
  auto reply = impl_->ask_zone(name, LDNS_RR_TYPE_SOA, "SOA", server_);
  if (!reply) return tl::unexpected(reply.error());
  auto soa = soa_of(find_rr(ldns_pkt_answer(reply->get()), LDNS_RR_TYPE_SOA, name));
  if (!soa) return make_error(Errc::dns, server_ + " does not serve zone " + name + " (no SOA for it in the answer)");
  return *soa;
}

Result<Soa> ZoneClient::find_zone(std::string_view name) {
  std::string n = normalize_name(name);
  auto reply = impl_->ask(n, LDNS_RR_TYPE_SOA, server_);
  if (!reply) return tl::unexpected(reply.error());
  const ldns_pkt* pkt = reply->get();
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
    return make_error(Errc::dns, server_ + " answers " + detail::rcode_name(rcode) + " for the SOA of " + n);
  // A recursive resolver answers from its cache without AA; a server asked directly must
  // answer for its own zone (else it is a referral, or it has no zone there).
  if (!impl_->options.recursion_desired && !ldns_pkt_aa(pkt))
    return make_error(Errc::dns, server_ + " is not authoritative for " + n + " (a referral or no zone)");
  // The name is a zone's apex: its SOA is the answer. Else RFC 2308 3: a negative answer
  // (NXDOMAIN or NODATA) carries the enclosing zone's SOA in the authority section.
  if (auto soa = soa_of(find_rr(ldns_pkt_answer(pkt), LDNS_RR_TYPE_SOA, n))) return *soa;
  const ldns_rr_list* authority = ldns_pkt_authority(pkt);
  for (std::size_t i = 0; authority && i < ldns_rr_list_rr_count(authority); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(authority, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
    auto soa = soa_of(rr);
    if (soa && (soa->zone.empty() || n == soa->zone ||
                (n.size() > soa->zone.size() && n.ends_with("." + soa->zone))))
      return *soa;
  }
  return make_error(Errc::dns, server_ + " names no zone enclosing " + n + " (no SOA in its answer)");
}

Result<std::vector<std::string>> ZoneClient::nameservers(std::string_view zone) {
  std::string name = normalize_name(zone);
  auto reply = impl_->ask_zone(name, LDNS_RR_TYPE_NS, "NS", server_);
  if (!reply) return tl::unexpected(reply.error());
  std::vector<std::string> out;
  const ldns_rr_list* rrs = ldns_pkt_answer(reply->get());
  for (std::size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) != 1) continue;
    if (detail::dname_to_string(ldns_rr_owner(rr)) != name) continue;
    out.push_back(detail::dname_to_string(ldns_rr_rdf(rr, 0)));
  }
  if (out.empty()) return make_error(Errc::dns, server_ + " serves no NS records for " + name);
  return out;
}

std::vector<std::string> ZoneClient::addresses(std::string_view host) {
  std::string name = normalize_name(host);
  Answer collected{Status::nodata, {}, {}, {}, {}};
  for (RRType type : {RRType::A, RRType::AAAA}) {
    auto reply = impl_->ask(name, static_cast<ldns_rr_type>(type), server_);
    if (!reply || ldns_pkt_get_rcode(reply->get()) != LDNS_RCODE_NOERROR) continue;
    // In-zone hosts answer in the answer section; a host below a delegation is glue in the
    // additional section of the referral (RFC 1034 4.2.1).
    for (const ldns_rr_list* rrs : {ldns_pkt_answer(reply->get()), ldns_pkt_additional(reply->get())}) {
      for (std::size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) != static_cast<ldns_rr_type>(type)) continue;
        if (detail::dname_to_string(ldns_rr_owner(rr)) != name) continue;
        detail::append_record(collected, rr, type);
      }
    }
  }
  std::vector<std::string> out;
  for (auto& a : collected.records)
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
  return out;
}

UpdateResult ZoneClient::update(const Update& update) {
  UpdateResult result;
  auto fail = [&](std::string why) {
    result.status = UpdateStatus::failed;
    result.detail = std::move(why);
    return result;
  };
  auto zone = detail::make_dname(update.zone);
  if (!zone) return fail("'" + update.zone + "' is not a valid zone name");
  RrListPtr prerequisites(ldns_rr_list_new()), changes(ldns_rr_list_new());
  if (!prerequisites || !changes) return fail("out of memory");

  auto push = [&](ldns_rr_list* list, std::string_view owner_text, ldns_rr_class klass, std::uint32_t ttl,
                  const std::vector<std::string>& strings, bool need_strings) -> std::string {
    auto owner = detail::make_dname(owner_text);
    if (!owner) return "'" + std::string(owner_text) + "' is not a valid DNS name";
    if (need_strings && strings.empty())
      return "a TXT record at " + std::string(owner_text) + " needs at least one character-string";
    for (const auto& s : strings)
      if (s.size() > 255)  // RFC 1035 3.3: one length octet
        return "a character-string at " + std::string(owner_text) + " is longer than 255 bytes";
    ldns_rr* rr = make_txt(owner.get(), klass, ttl, strings);
    if (!rr || !ldns_rr_list_push_rr(list, rr)) {
      if (rr) ldns_rr_free(rr);
      return "out of memory";
    }
    return {};
  };
  for (const auto& p : update.prerequisites) {
    if (p.records.empty()) {
      // RFC 2136 2.4.3: RRset does not exist: class NONE, the type, TTL 0, RDLENGTH 0.
      if (auto why = push(prerequisites.get(), p.owner, LDNS_RR_CLASS_NONE, 0, {}, false); !why.empty()) return fail(why);
    }
    for (const auto& r : p.records) {
      // RFC 2136 2.4.2: RRset exists (value dependent): every RR of the set, class IN, TTL 0.
      if (auto why = push(prerequisites.get(), p.owner, LDNS_RR_CLASS_IN, 0, r, true); !why.empty()) return fail(why);
    }
  }
  for (const auto& d : update.deletes) {
    // RFC 2136 2.5.4: delete an RR from an RRset: class NONE, TTL 0, the RR's rdata.
    if (auto why = push(changes.get(), d.owner, LDNS_RR_CLASS_NONE, 0, d.strings, true); !why.empty()) return fail(why);
  }
  for (const auto& a : update.adds) {
    // RFC 2136 2.5.1: add to an RRset: class IN, the TTL and rdata of the new RR.
    if (auto why = push(changes.get(), a.owner, LDNS_RR_CLASS_IN, a.ttl, a.strings, true); !why.empty()) return fail(why);
  }

  // RFC 2136 2.3: the zone section names the zone, type SOA, class IN.
  PktPtr request(ldns_update_pkt_new(zone.release(), LDNS_RR_CLASS_IN, prerequisites.get(), changes.get(), nullptr));
  if (!request) return fail("cannot build the UPDATE message");
  // RFC 2136 2.2: the header's other flags are zero (ldns sets RD for the zone section).
  ldns_pkt_set_rd(request.get(), false);
  ldns_pkt_set_random_id(request.get());

  const auto& key = impl_->options.tsig;
  if (key) {
    std::string algorithm = key->algorithm + ".";
    if (ldns_pkt_tsig_sign(request.get(), key->name.c_str(), key->secret.c_str(), kTsigFudge, algorithm.c_str(),
                           nullptr) != LDNS_STATUS_OK)
      return fail("cannot sign the UPDATE with TSIG key '" + key->name + "'");
  }

  std::string error;
  bool timed_out = false;
  std::vector<std::uint8_t> wire;
  PktPtr reply = impl_->send(request.get(), false, error, timed_out, &wire, true);
  if (!reply) {
    result.status = timed_out ? UpdateStatus::timeout : UpdateStatus::failed;
    result.detail = "UPDATE of " + normalize_name(update.zone) + " at " + server_ + ": " + error;
    return result;
  }
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(reply.get());
  result.rcode = static_cast<int>(rcode);
  result.status = status_of(rcode);
  result.detail = detail::rcode_name(rcode);

  const ldns_rr* answer_tsig = ldns_pkt_tsig(reply.get());
  if (answer_tsig && ldns_rr_rd_count(answer_tsig) >= 6)
    result.tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(answer_tsig, 5));
  if (!key) return result;

  if (result.tsig_error != 0) {
    // RFC 8945 5.3.2: an answer to a request whose key or MAC the server rejects carries the
    // TSIG error and is unsigned (BADKEY, BADSIG), so nothing can be verified; the RCODE is
    // NOTAUTH (5.2). BADTIME (5.2.3) is signed but means the same for us: nothing applied.
    std::string why;
    switch (result.tsig_error) {
      case kBadKey: why = "the server does not know key '" + key->name + "'"; break;
      case kBadSig: why = "the key's secret does not match the server's for '" + key->name + "'"; break;
      case kBadTime: why = "this host's clock and the server's differ by more than " + std::to_string(kTsigFudge) + " s"; break;
      default: why = "the server rejects the TSIG of key '" + key->name + "'"; break;
    }
    result.detail += " (TSIG " + tsig_error_name(result.tsig_error) + ": " + why + ")";
    if (result.status == UpdateStatus::ok) result.status = UpdateStatus::tsig_failed;
    return result;
  }
  // RFC 8945 5.4, 4.3.1: the answer must carry a TSIG made with our key over our request's MAC
  // and the answer.
  const ldns_rdf* request_mac = ldns_rr_rdf(ldns_pkt_tsig(request.get()), 3);
  bool verified = answer_tsig && ldns_pkt_tsig_verify(reply.get(), wire.data(), wire.size(), key->name.c_str(),
                                                      key->secret.c_str(), request_mac);
  if (verified) return result;
  std::string why = answer_tsig ? "its TSIG does not verify with key '" + key->name + "'" : "it is not signed";
  if (result.status == UpdateStatus::ok) {
    // A NOERROR nobody can vouch for: the update may or may not have been applied.
    result.status = UpdateStatus::tsig_failed;
    result.detail = "NOERROR, but " + why + " (RFC 8945 5.4): the change is unconfirmed";
  } else {
    // An unsigned error answer can only make us report a failure; its RCODE is the best
    // account of it there is (a server that cannot parse the request answers unsigned).
    result.detail += " (the answer is unsigned or its TSIG does not verify: " + why + ")";
  }
  return result;
}

}  // namespace dnsauth::dns

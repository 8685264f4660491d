#include "publisher/zone_sync.h"

#include <thread>

#include "core/dkim/key_record.h"
#include "core/dns/host_port.h"
#include "core/dns/ip_address.h"
#include "core/records/records.h"
#include "publisher/commands.h"
#include "publisher/keys.h"

namespace dnsauth::publisher {

namespace {

// "192.0.2.53:53", "[2001:db8::53]:53": the form ZoneClientOptions::server reads back.
std::string with_port(const std::string& address, std::uint16_t port) {
  auto ip = dns::IpAddress::parse(address);
  return ip ? dns::HostPort{*ip, port}.to_string() : address + ":" + std::to_string(port);
}

// A client for an authoritative server, asked directly.
std::unique_ptr<dns::ZoneClient> client_for(const std::string& server, const DnsOptions& options,
                                            bool recursive = false) {
  dns::ZoneClientOptions o;
  o.server = server;
  o.recursion_desired = recursive;
  o.timeout = options.timeout;
  o.retries = 1;
  o.tsig = options.tsig;
  auto c = dns::ZoneClient::create(o);
  if (!c) throw InputError(c.error().detail);
  return std::move(*c);
}

std::string change_text(const records::Change& c) {
  switch (c.kind) {
    case records::ChangeKind::add: return c.owner + ": missing";
    case records::ChangeKind::remove: return c.owner + ": still served";
    case records::ChangeKind::replace: return c.owner + ": differs";
  }
  return c.owner;
}

}  // namespace

Publication publication_of(const config::Domain& domain, const lifecycle::State& state) {
  Publication p{domain, {}, {}};
  for (const auto* s : state.of(domain.name)) {
    if (domain.find_selector(s->selector)) continue;  // configured: published as configured
    switch (lifecycle::publication(s->stage)) {
      case lifecycle::Publication::untouched: break;
      case lifecycle::Publication::absent:
        p.absent.push_back(dkim::key_record_name(s->selector, domain.name));
        break;
      case lifecycle::Publication::revoked:
        p.revoked.insert(s->selector);
        [[fallthrough]];
      case lifecycle::Publication::key: {
        config::Selector sel;
        sel.name = s->selector;
        sel.algorithm = s->algorithm;
        sel.bits = s->bits;
        sel.key = s->key_path.string();
        sel.key_path = s->key_path;
        p.domain.selectors.push_back(std::move(sel));
        break;
      }
    }
  }
  return p;
}

bool read_publication_keys(const Publication& p, std::map<std::string, std::string>& keys, std::string* error) {
  for (const auto& s : p.domain.selectors) {
    if (keys.count(s.name) || p.revoked.count(s.name)) continue;  // no entry: domain_records publishes it revoked
    auto key = read_key(s.key_path);
    if (!key) {
      *error = p.domain.name + " selector " + s.name + ": " + key.error().detail;
      return false;
    }
    keys[s.name] = key->public_key_record_bytes();
  }
  return true;
}

std::vector<records::Wanted> wanted_records(const Publication& p) {
  std::map<std::string, std::string> keys;
  std::string why;
  if (!read_publication_keys(p, keys, &why)) throw InputError(why + " (dnsauth-publish generate creates the configured keys)");
  return records::wanted_by_owner(records::domain_records(p.domain, keys), p.absent);
}

Primary find_primary(const std::string& domain, const DnsOptions& options) {
  if (!options.server.empty()) {
    Primary p{client_for(options.server, options), {}};
    auto soa = p.client->find_zone(domain);
    if (!soa) throw DnsError(domain + ": " + soa.error().detail, kExitDns);
    p.soa = *soa;
    return p;
  }
  // No --server: the zone's SOA MNAME (RFC 1035 3.3.13, RFC 2136 4: the primary master), found
  // through the resolver, and asked on the port of the zone's servers.
  auto recursive = client_for(options.resolver, options, true);
  auto soa = recursive->find_zone(domain);
  if (!soa) throw DnsError(domain + ": cannot find its zone through the resolver " + recursive->server() + ": " +
                               soa.error().detail + " (name the primary with --server)", kExitDns);
  auto addresses = recursive->addresses(soa->mname);
  if (addresses.empty())
    throw DnsError(domain + ": the primary " + soa->mname + " of zone " + soa->zone +
                       " (its SOA MNAME) has no address at the resolver " + recursive->server() +
                       " (name it with --server)", kExitDns);
  Primary p{client_for(with_port(addresses.front(), options.ns_port), options), {}};
  auto own = p.client->soa(soa->zone);
  if (!own) throw DnsError(soa->zone + ": " + own.error().detail, kExitDns);
  p.soa = *own;
  return p;
}

records::ZonePlan plan_against(dns::ZoneClient& client, const std::string& zone, const std::vector<records::Wanted>& wanted) {
  auto plan = records::plan_zone(zone, wanted, [&](const std::string& owner) -> Result<records::Served> {
    dns::DirectAnswer a = client.query(owner, dns::RRType::TXT);
    switch (a.answer.status) {
      case dns::Status::ok: return records::Served{a.ttl, a.answer.txt_parts};
      case dns::Status::nodata:
      case dns::Status::nxdomain: return records::Served{};
      case dns::Status::tempfail: break;
    }
    return make_error(Errc::dns, client.server() + " did not answer for " + owner + " TXT: " + a.answer.detail);
  });
  if (!plan) throw DnsError(plan.error().detail, kExitDns);
  return std::move(*plan);
}

void apply_plan(Primary& primary, const records::ZonePlan& plan, const std::vector<records::Wanted>& wanted) {
  if (plan.changes.empty()) return;
  dns::UpdateResult r = primary.client->update(plan.update);
  const std::string where = "the UPDATE of zone " + plan.zone + " at " + primary.client->server();
  switch (r.status) {
    case dns::UpdateStatus::ok: break;
    case dns::UpdateStatus::prerequisite_failed:
      throw DnsError(where + " was refused: the zone changed since it was read (" + r.detail +
                         "); nothing was changed. Run plan again to see the zone as it is now", kExitConflict);
    case dns::UpdateStatus::not_authoritative:
      throw DnsError(where + " was refused: " + r.detail +
                         " (a TSIG key the server does not accept, or a server not authoritative for the zone); nothing was changed",
                     kExitDns);
    case dns::UpdateStatus::refused:
      throw DnsError(where + " was refused: " + r.detail +
                         " (the server does not allow updates from this key or address); nothing was changed", kExitDns);
    default:
      throw DnsError(where + " failed: " + r.detail + "; the zone may or may not have changed: run plan again", kExitDns);
  }
  // The primary must now serve what we sent (RFC 2136 3.7: NOERROR means applied).
  records::ZonePlan after = plan_against(*primary.client, plan.zone, wanted);
  if (!after.changes.empty())
    throw DnsError(where + " was accepted, but the primary still serves something else at " + after.changes.front().owner,
                   kExitDns);
}

std::vector<ServerView> wait_for_servers(Primary& primary, const std::vector<records::Wanted>& wanted,
                                         const DnsOptions& options, std::chrono::seconds deadline) {
  const std::string& zone = primary.soa.zone;
  auto ns = primary.client->nameservers(zone);
  if (!ns) throw DnsError(zone + ": " + ns.error().detail, kExitDns);
  struct Target {
    std::string name, address;
    std::unique_ptr<dns::ZoneClient> client;
  };
  std::vector<Target> targets;
  std::unique_ptr<dns::ZoneClient> recursive;
  std::vector<ServerView> unreachable;
  for (const auto& name : *ns) {
    // In-zone servers have their addresses (glue) on the primary; others are asked of the
    // resolver.
    auto addresses = primary.client->addresses(name);
    if (addresses.empty()) {
      if (!recursive) recursive = client_for(options.resolver, options, true);
      addresses = recursive->addresses(name);
    }
    if (addresses.empty()) unreachable.push_back({name, "", false, std::nullopt, "its address cannot be found"});
    for (const auto& a : addresses) {
      std::string address = with_port(a, options.ns_port);
      targets.push_back({name, address, client_for(address, options)});
    }
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    std::vector<ServerView> views = unreachable;
    for (auto& t : targets) {
      ServerView v{t.name, t.address, false, std::nullopt, ""};
      if (auto soa = t.client->soa(zone)) v.serial = soa->serial;
      try {
        records::ZonePlan p = plan_against(*t.client, zone, wanted);
        v.in_sync = p.changes.empty();
        for (const auto& c : p.changes) v.detail += (v.detail.empty() ? "" : "; ") + change_text(c);
      } catch (const DnsError& e) {
        v.detail = e.what();
      }
      views.push_back(std::move(v));
    }
    if (all_in_sync(views) || std::chrono::steady_clock::now() >= until) return views;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

bool all_in_sync(const std::vector<ServerView>& servers) {
  if (servers.empty()) return false;
  for (const auto& s : servers)
    if (!s.in_sync) return false;
  return true;
}

nlohmann::ordered_json plan_json(const records::ZonePlan& plan) {
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const auto& c : plan.changes)
    changes.push_back({{"action", records::to_string(c.kind)},
                       {"name", c.owner + "."},
                       {"type", "TXT"},
                       {"kind", records::to_string(c.record_kind)},
                       {"before", c.before},
                       {"ttl_before", c.ttl_before},
                       {"after", c.after},
                       {"ttl_after", c.ttl_after}});
  return {{"zone", plan.zone}, {"changes", changes}, {"outside_zone", plan.outside}};
}

nlohmann::ordered_json servers_json(const std::vector<ServerView>& servers) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& s : servers)
    list.push_back({{"name", s.name},
                    {"address", s.address},
                    {"in_sync", s.in_sync},
                    {"serial", s.serial ? nlohmann::ordered_json(*s.serial) : nlohmann::ordered_json()},
                    {"detail", s.detail}});
  return list;
}

void print_plan(std::ostream& out, const std::string& domain, const records::ZonePlan& plan) {
  if (plan.changes.empty()) out << domain << ": zone " << plan.zone << " is in sync\n";
  for (const auto& c : plan.changes) {
    out << domain << ": " << records::to_string(c.kind) << " " << c.owner << ". TXT (" << records::to_string(c.record_kind)
        << ")\n";
    for (const auto& b : c.before) out << "  - " << c.ttl_before << " \"" << b << "\"\n";
    for (const auto& a : c.after) out << "  + " << c.ttl_after << " \"" << a << "\"\n";
  }
  for (const auto& o : plan.outside)
    out << domain << ": " << o << " is outside zone " << plan.zone << ": not managed here (publish it in its own zone)\n";
}

void print_servers(std::ostream& out, const std::vector<ServerView>& servers) {
  for (const auto& s : servers) {
    out << "  " << s.name << (s.address.empty() ? "" : " (" + s.address + ")") << ": "
        << (s.in_sync ? "serves it" : "LAGS");
    if (s.serial) out << ", serial " << *s.serial;
    if (!s.detail.empty()) out << " -- " << s.detail;
    out << "\n";
  }
}

}  // namespace dnsauth::publisher

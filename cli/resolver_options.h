// Where a subcommand's DNS answers come from, shared by every subcommand of dnsauth-validate
// and dnsauth-publish that queries DNS: --zone FILE (repeatable, offline), --resolver
// ADDR[:PORT] (one server, read by dns::parse_host_port), neither (the system resolver from
// /etc/resolv.conf); --timeout and --retries for the network.
// With both --zone and --resolver, the zones answer for their own names and the server for
// every other name (e.g. a zone about to be deployed that includes a provider's SPF record).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "core/dns/ldns_resolver.h"
#include "core/dns/zone_resolver.h"

namespace dnsauth::cli {

struct ResolverOptions {
  std::vector<std::string> zones;
  std::string resolver;  // ADDR[:PORT]; empty: resolv.conf
  double timeout_seconds = 3.0;
  unsigned retries = 2;
};

// --zone, --resolver, --timeout, --retries, with their help texts (dnsauth-validate's).
boost::program_options::options_description resolver_options();
// UsageError for an empty --resolver, a timeout that is not positive or retries over 10; a
// command without --timeout or --retries among its options keeps their defaults.
ResolverOptions resolver_options_from(const boost::program_options::variables_map& vm);

class ResolverStack {
 public:
  dns::Resolver& resolver() { return *top_; }
  // The zone files' resolver, to list what they hold; null without --zone.
  const dns::ZoneResolver* zones() const { return zones_.get(); }
  // Whether names outside the zone files are asked of a server (--resolver, or no --zone).
  bool has_network() const { return network_ != nullptr; }
  // "zone files a.zone, b.zone", "127.0.0.1:5353", "/etc/resolv.conf (192.0.2.53)", or both.
  const std::string& description() const { return description_; }

 private:
  friend ResolverStack make_resolver(const ResolverOptions& options);
  std::unique_ptr<dns::LdnsResolver> network_;
  std::unique_ptr<dns::ZoneResolver> zones_;
  dns::Resolver* top_ = nullptr;
  std::string description_;
};

// InputError naming FILE:LINE for a zone file that cannot be read (core/dns/zone_resolver.h);
// UsageError for a bad --resolver address.
ResolverStack make_resolver(const ResolverOptions& options);

}  // namespace dnsauth::cli

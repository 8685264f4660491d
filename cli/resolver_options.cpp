#include "cli/resolver_options.h"

#include <boost/program_options/value_semantic.hpp>

#include "cli/subcommands.h"

namespace dnsauth::cli {

namespace po = boost::program_options;

po::options_description resolver_options() {
  po::options_description d("DNS");
  d.add_options()
      ("zone", po::value<std::vector<std::string>>()->value_name("FILE"),
       "answer from this RFC 1035 master file instead of the network (repeatable; $ORIGIN, "
       "$TTL and $INCLUDE honoured; a file named <domain>.zone starts at origin <domain>; wildcards, CNAMEs "
       "and NXDOMAIN/NODATA answered as an authoritative server would). Names outside every zone "
       "are NXDOMAIN, or asked of --resolver when that is given too")
      ("resolver", po::value<std::string>()->value_name("ADDR[:PORT]"),
       "send queries to this DNS server (\"192.0.2.53\", \"127.0.0.1:5353\", \"[2001:db8::53]:53\"); "
       "without --zone and --resolver the nameservers of /etc/resolv.conf are used")
      ("timeout", po::value<double>()->default_value(3.0)->value_name("SECONDS"),
       "wait this long for each answer before trying again (a lookup that never answers is a "
       "temporary error)")
      ("retries", po::value<unsigned>()->default_value(2)->value_name("N"),
       "send a query up to N more times after a timeout (0-10); truncated UDP answers are always "
       "asked again over TCP");
  return d;
}

ResolverOptions resolver_options_from(const po::variables_map& vm) {
  ResolverOptions o;
  if (vm.count("zone")) o.zones = vm["zone"].as<std::vector<std::string>>();
  if (vm.count("resolver")) o.resolver = vm["resolver"].as<std::string>();
  if (vm.count("timeout")) o.timeout_seconds = vm["timeout"].as<double>();
  if (vm.count("retries")) o.retries = vm["retries"].as<unsigned>();
  if (!(o.timeout_seconds > 0.0) || o.timeout_seconds > 300.0)
    throw UsageError("--timeout must be more than 0 and at most 300 seconds");
  if (o.retries > 10) throw UsageError("--retries must be from 0 to 10");
  if (vm.count("resolver") && o.resolver.empty()) throw UsageError("--resolver needs an address");
  return o;
}

ResolverStack make_resolver(const ResolverOptions& options) {
  ResolverStack stack;
  bool network = !options.resolver.empty() || options.zones.empty();
  if (network) {
    dns::LdnsOptions o;
    o.server = options.resolver;
    o.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000.0 + 0.5));
    o.retries = options.retries;
    auto r = dns::LdnsResolver::create(o);
    if (!r) {
      if (r.error().code == Errc::invalid_argument) throw UsageError("--resolver " + r.error().detail);
      throw InputError(r.error().detail);
    }
    stack.network_ = std::move(*r);
    stack.top_ = stack.network_.get();
    stack.description_ = stack.network_->description();
  }
  if (!options.zones.empty()) {
    stack.zones_ = std::make_unique<dns::ZoneResolver>();
    std::string files;
    for (const auto& file : options.zones) {
      auto loaded = stack.zones_->load_file(file);
      if (!loaded) throw InputError(loaded.error().detail);
      files += (files.empty() ? "" : ", ") + file;
    }
    stack.zones_->set_fallback(stack.network_.get());
    stack.top_ = stack.zones_.get();
    stack.description_ = "zone files " + files + (network ? ", then " + stack.description_ : "");
  }
  return stack;
}

}  // namespace dnsauth::cli

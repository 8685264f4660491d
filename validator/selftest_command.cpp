// dnsauth-validate selftest: the checklist of run_selftest() for a dnsauth.toml, as text for
// an operator or JSON for automation.
#include <algorithm>
#include <chrono>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/signing/key_store.h"
#include "https/policy_fetch.h"
#include "ldap/table_opener.h"
#include "validator/commands.h"
#include "cli/resolver_options.h"
#include "validator/selftest.h"

namespace dnsauth::validator {

namespace po = boost::program_options;

po::options_description selftest_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("config", po::value<std::string>()->value_name("FILE"),
       "the dnsauth.toml to prove (required); its keys are read from its key_dir")
      ("authserv-id", po::value<std::string>()->default_value("selftest")->value_name("ID"),
       "the authserv-id written in the Authentication-Results lines")
      ("now", po::value<long long>()->value_name("SECONDS"),
       "the time of the synthetic signatures, in seconds since the Epoch (default: now)")
      ("json", "print one JSON object {domains: [{domain, ok, checks: [{id, subject, ok, detail, "
               "authentication_results}]}], skipped: [{domain, reason}], passed, failed} instead of the checklist")
      ("ca-file", po::value<std::string>()->value_name("FILE"),
       "MTA-STS: trust the CA certificates of this PEM file instead of the system's for the policy host")
      ("https-port", po::value<unsigned>()->default_value(443)->value_name("N"),
       "MTA-STS: the policy host's HTTPS port (RFC 8461 3.3 says 443; others are for tests)")
      ("https-timeout", po::value<unsigned>()->default_value(60)->value_name("SECONDS"),
       "MTA-STS: the whole policy fetch, connection to last byte")
      ("no-https", "MTA-STS: do not fetch the policy; check the MX hosts against the configured policy");
  d.add(cli::resolver_options());
  return d;
}

int run_selftest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = cli::parse_command_line(args, selftest_options());
  if (!vm.count("config")) throw UsageError("--config is required");
  cli::ResolverOptions ro = cli::resolver_options_from(vm);

  auto loaded = signing::load_key_set(vm["config"].as<std::string>(), ldap::login_map_opener());
  if (!loaded.ok()) {
    for (const auto& f : loaded.findings) err << f.str() << "\n";
    throw InputError("the configuration or its keys cannot be used (see above)");
  }
  cli::ResolverStack stack = cli::make_resolver(ro);
  SelftestOptions opt;
  opt.now = vm.count("now") ? vm["now"].as<long long>() : static_cast<long long>(std::time(nullptr));
  opt.authserv_id = vm["authserv-id"].as<std::string>();
  if (!vm.count("no-https")) {
    https::FetchOptions fo;
    if (vm.count("ca-file")) fo.ca_file = vm["ca-file"].as<std::string>();
    const unsigned port = vm["https-port"].as<unsigned>();
    if (port == 0 || port > 65535) throw UsageError("--https-port must be 1 to 65535");
    fo.port = static_cast<std::uint16_t>(port);
    fo.timeout = std::chrono::seconds(std::max(1u, vm["https-timeout"].as<unsigned>()));
    opt.fetch_mta_sts_policy = [fo](const std::string& domain,
                                    const std::vector<std::string>& addresses) -> Result<std::string> {
      https::FetchOptions o = fo;
      o.addresses = addresses;  // as the DNS used (zone files, --resolver) gives the policy host
      auto fetched = https::fetch_mta_sts_policy(domain, o);
      if (!fetched) return tl::unexpected(fetched.error());
      return std::move(fetched->body);
    };
  } else if (vm.count("ca-file")) {
    throw UsageError("--ca-file is for the policy fetch, which --no-https turns off");
  }
  SelftestReport report = run_selftest(loaded.keys, stack.resolver(), opt);

  if (vm.count("json")) {
    nlohmann::ordered_json j;
    j["config"] = vm["config"].as<std::string>();
    j["dns"] = stack.description();
    j["domains"] = nlohmann::ordered_json::array();
    for (const auto& d : report.domains) {
      nlohmann::ordered_json dj;
      dj["domain"] = d.domain;
      dj["ok"] = d.ok();
      dj["checks"] = nlohmann::ordered_json::array();
      for (const auto& c : d.checks) {
        nlohmann::ordered_json cj;
        cj["id"] = c.id;
        cj["subject"] = c.subject;
        cj["ok"] = c.ok;
        cj["detail"] = c.detail;
        cj["authentication_results"] = c.authentication_results.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.authentication_results);
        dj["checks"].push_back(std::move(cj));
      }
      j["domains"].push_back(std::move(dj));
    }
    j["skipped"] = nlohmann::ordered_json::array();
    for (const auto& sk : report.skipped) j["skipped"].push_back({{"domain", sk.domain}, {"reason", sk.reason}});
    j["passed"] = report.passed();
    j["failed"] = report.failed();
    out << j.dump(2) << "\n";
  } else {
    out << "selftest of " << vm["config"].as<std::string>() << " against " << stack.description() << "\n";
    for (const auto& d : report.domains) {
      out << "\n" << d.domain << (d.ok() ? "  [all checks pass]" : "  [FAILED]") << "\n";
      for (const auto& c : d.checks) {
        out << "  " << (c.ok ? "PASS" : "FAIL") << "  " << c.id << " " << c.subject << ": " << c.detail << "\n";
        if (!c.authentication_results.empty()) out << "        " << c.authentication_results << "\n";
      }
    }
    for (const auto& sk : report.skipped) out << "\n" << sk.domain << "  [skipped]\n  SKIP  " << sk.reason << "\n";
    out << "\n" << report.passed() << " passed, " << report.failed() << " failed";
    if (!report.skipped.empty()) out << ", " << report.skipped.size() << " domains skipped";
    out << "\n";
  }
  for (const auto& f : loaded.findings) err << f.str() << "\n";  // warnings only at this point
  return report.failed() == 0 ? kExitPass : kExitNotPass;
}

}  // namespace dnsauth::validator

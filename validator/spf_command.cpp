// dnsauth-validate spf: one SPF evaluation from the command line (RFC 7208), reported as the
// Received-SPF field a receiver would add, or as JSON.
#include <unistd.h>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/authres/results.h"
#include "core/spf/check_host.h"
#include "core/spf/received_spf.h"
#include "validator/commands.h"
#include "cli/resolver_options.h"

namespace dnsauth::validator {

namespace po = boost::program_options;

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

// The field's folds (CRLF SP) as written into a message become `with`: "\n" for a terminal,
// "" to unfold it (RFC 5322 2.2.3).
std::string replace_crlf(const std::string& field, std::string_view with) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\r' && i + 1 < field.size() && field[i + 1] == '\n') {
      out.append(with);
      ++i;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

nlohmann::ordered_json optional_text(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
}

}  // namespace

po::options_description spf_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("ip", po::value<std::string>()->value_name("IP"),
       "the SMTP client's address, IPv4 or IPv6 (required; IPv4-mapped IPv6 counts as IPv4)")
      ("mail-from", po::value<std::string>()->value_name("ADDR"),
       "the MAIL FROM reverse-path, e.g. alice@example.com (required); \"\" or \"<>\" for a null "
       "reverse-path, which checks postmaster@<HELO name> (RFC 7208 2.4) and needs --helo")
      ("helo", po::value<std::string>()->value_name("NAME"),
       "the HELO/EHLO name: the %{h} macro, the HELO identity, and the identity of a null MAIL FROM")
      ("identity", po::value<std::string>()->default_value("mailfrom")->value_name("ID"),
       "which identity to check: mailfrom (RFC 7208 2.4) or helo (2.3)")
      ("receiver", po::value<std::string>()->value_name("NAME"),
       "this verifier's host name, for the %{r} macro and receiver= (default: this host's name)")
      ("time-limit", po::value<double>()->default_value(20.0)->value_name("SECONDS"),
       "give up with temperror once the evaluation has taken this long (RFC 7208 4.6.4 asks for "
       "a limit of at least 20 seconds)")
      ("now", po::value<long long>()->value_name("SECONDS"),
       "the time for the %{t} macro, in seconds since the Epoch (default: the current time)")
      ("json", "print one JSON object (result, identity, mechanism, dns_lookups, void_lookups, "
               "dns_queries, explanation, cause, problem, received_spf, authentication_results) instead "
               "of text");
  d.add(cli::resolver_options());
  return d;
}

int run_spf(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  po::variables_map vm = cli::parse_command_line(args, spf_options());
  if (!vm.count("ip")) throw UsageError("--ip is required");
  if (!vm.count("mail-from")) throw UsageError("--mail-from is required (\"\" for a null reverse-path)");
  std::string identity = vm["identity"].as<std::string>();
  if (identity != "mailfrom" && identity != "helo")
    throw UsageError("--identity must be mailfrom or helo, not '" + identity + "'");

  spf::Session session;
  auto ip = dns::IpAddress::parse(vm["ip"].as<std::string>());
  if (!ip) throw UsageError("--ip: " + ip.error().detail);
  session.client_ip = *ip;
  session.mail_from = vm["mail-from"].as<std::string>();
  if (vm.count("helo")) session.helo = vm["helo"].as<std::string>();
  if ((identity == "helo" || spf::is_null_reverse_path(session.mail_from)) && session.helo.empty())
    throw UsageError(identity == "helo" ? "--identity helo needs --helo"
                                        : "a null --mail-from checks postmaster@<HELO>: give --helo");
  session.receiver = vm.count("receiver") ? vm["receiver"].as<std::string>() : host_name();
  session.now = vm.count("now") ? vm["now"].as<long long>() : static_cast<long long>(std::time(nullptr));

  double limit = vm["time-limit"].as<double>();
  if (!(limit > 0.0) || limit > 3600.0) throw UsageError("--time-limit must be more than 0 and at most 3600 seconds");

  cli::ResolverStack dns = cli::make_resolver(cli::resolver_options_from(vm));
  spf::Options options;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<long long>(limit * 1000.0));
  options.time_is_up = [deadline] { return std::chrono::steady_clock::now() > deadline; };
  spf::Verdict v = identity == "helo" ? spf::verify_helo(dns.resolver(), session, options)
                                      : spf::verify_mail_from(dns.resolver(), session, options);
  std::string field = spf::received_spf(v, session);
  std::string authres = authres::format_resinfo(authres::spf_resinfo(v, session));

  if (vm.count("json")) {
    nlohmann::ordered_json j = {
        {"result", std::string(spf::to_string(v.result))},
        {"identity", std::string(spf::to_string(v.identity))},
        {"client_ip", session.client_ip.to_string()},
        {"mail_from", session.mail_from},
        {"helo", session.helo},
        {"sender", v.sender},
        {"domain", v.domain},
        {"mechanism", optional_text(v.mechanism)},
        {"dns_lookups", v.dns_lookups},
        {"void_lookups", v.void_lookups},
        {"dns_queries", v.dns_queries},
        {"explanation", optional_text(v.explanation)},
        {"cause", v.cause == spf::Cause::none ? nlohmann::ordered_json()
                                              : nlohmann::ordered_json(std::string(spf::to_string(v.cause)))},
        {"problem", optional_text(v.problem())},
        {"received_spf", replace_crlf(field, "")},
        {"authentication_results", authres},
        {"dns", dns.description()},
    };
    // Sender-supplied text may not be UTF-8; replace rather than throw.
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << replace_crlf(field, "\n") << "\n";
    out << "result: " << spf::to_string(v.result) << "\n";
    if (!v.explanation.empty()) out << "explanation: " << v.explanation << "\n";
    if (v.cause != spf::Cause::none) out << "problem: " << v.problem() << "\n";
  }
  return v.result == spf::Result::Pass ? kExitPass : kExitNotPass;
}

}  // namespace dnsauth::validator

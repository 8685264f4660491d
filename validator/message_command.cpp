// dnsauth-validate message: what a receiver would conclude about one message -- every DKIM
// signature verified (RFC 6376), SPF for the MAIL FROM identity when the SMTP facts are given
// (RFC 7208), DMARC (RFC 9989, or RFC 7489 with --dmarc-mode rfc7489) -- printed as the
// Authentication-Results field (RFC 8601) and Received-SPF field to prepend, or as JSON with
// every reason and every DNS answer the verdicts rest on.
#include <unistd.h>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <ctime>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>

#include "core/authres/authres.h"
#include "core/common/file.h"
#include "core/authres/results.h"
#include "core/dkim/verifier.h"
#include "core/dmarc/evaluate.h"
#include "core/mail/address.h"
#include "core/mail/line_ends.h"
#include "core/mail/message.h"
#include "core/spf/check_host.h"
#include "core/spf/received_spf.h"
#include "validator/commands.h"
#include "cli/resolver_options.h"

namespace dnsauth::validator {

namespace po = boost::program_options;
using nlohmann::json;

namespace {

// Keeps every question asked below it and the answer given, for --json.
class RecordingResolver : public dns::Resolver {
 public:
  struct Entry {
    std::string name;
    dns::RRType type;
    dns::Answer answer;
  };
  explicit RecordingResolver(dns::Resolver& inner) : inner_(inner) {}
  dns::Answer query(std::string_view name, dns::RRType type) override {
    dns::Answer a = inner_.query(name, type);
    entries_.push_back({dns::normalize_name(name), type, a});
    return a;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  dns::Resolver& inner_;
  std::vector<Entry> entries_;
};

std::string read_message(const std::string& source) {
  if (source == "-") {
    std::ostringstream all;
    all << std::cin.rdbuf();
    if (std::cin.bad()) throw InputError("cannot read the message from standard input");
    return all.str();
  }
  auto text = read_whole_file(source);
  if (!text) throw InputError("cannot read the message " + source + ": " + text.error().detail);
  return std::move(*text);
}

// Unfolded (RFC 5322 2.2.3), the fold's tab shown as the space it stands for.
std::string one_line(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\r' || field[i] == '\n') continue;
    out += (field[i] == '\t' && i > 0 && field[i - 1] == '\n') ? ' ' : field[i];
  }
  return out;
}

std::string this_host() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 && name[0] ? std::string(name) : "localhost";
}

json nullable(const std::string& s) { return s.empty() ? json() : json(s); }
template <class T>
json nullable(const std::optional<T>& v) { return v ? json(*v) : json(); }
// A DKIM or SPF cause's machine name, null when there is none (pass; SPF fail too).
template <class Cause>
json cause_json(Cause c) { return c == Cause::none ? json() : json(std::string(to_string(c))); }

json answer_json(const RecordingResolver::Entry& e) {
  json j = {{"name", e.name},
            {"type", std::string(dns::to_string(e.type))},
            {"status", std::string(dns::to_string(e.answer.status))},
            {"records", e.answer.records}};
  if (!e.answer.detail.empty()) j["detail"] = e.answer.detail;
  return j;
}

json record_json(const dmarc::Record& r) {
  json problems = json::array();
  for (const auto& p : r.problems)
    problems.push_back({{"kind", std::string(dmarc::to_string(p.kind))},
                        {"tag", nullable(p.tag)},
                        {"detail", p.detail},
                        {"offset", p.offset}});
  auto policy = [](const dmarc::PolicyTag& t) -> json {
    if (t.value) return std::string(dmarc::to_string(*t.value));
    return t.present ? json("invalid") : json();
  };
  json rua = json::array(), ruf = json::array();
  for (const auto& u : r.rua) rua.push_back(u.uri);
  for (const auto& u : r.ruf) ruf.push_back(u.uri);
  return {{"text", r.text},
          {"p", policy(r.p)},
          {"sp", policy(r.sp)},
          {"np", policy(r.np)},
          {"psd", std::string(dmarc::to_string(r.psd))},
          {"t", r.testing ? "y" : "n"},
          {"adkim", std::string(dmarc::to_string(r.adkim))},
          {"aspf", std::string(dmarc::to_string(r.aspf))},
          {"pct", r.pct},
          {"rua", rua},
          {"ruf", ruf},
          {"problems", problems}};
}

json dmarc_json(const dmarc::Evaluation& e, dmarc::Mode mode) {
  json domains = json::array();
  for (const auto& d : e.domains) {
    json checks = json::array();
    for (const auto& c : d.checks)
      checks.push_back({{"method", std::string(dmarc::to_string(c.method))},
                        {"domain", c.domain},
                        {"selector", nullable(c.selector)},
                        {"result", c.result},
                        {"mode", c.mode == dmarc::AlignmentMode::strict ? "strict" : "relaxed"},
                        {"outcome", std::string(dmarc::to_string(c.outcome))},
                        {"organizational_domain", nullable(c.organizational_domain)},
                        {"cause", std::string(dmarc::to_string(c.cause))},
                        {"reason", c.reason()}});
    json jd = {{"author_domain", d.author_domain},
               {"status", std::string(dmarc::to_string(d.status))},
               {"cause", std::string(dmarc::to_string(d.cause))},
               {"reason", d.reason()},
               {"discovery_cause", std::string(dmarc::to_string(d.discovery.cause))},
               {"discovery", d.discovery.reason()},
               {"policy_domain", nullable(d.discovery.policy_domain)},
               {"psd_record", d.discovery.psd_record},
               {"record", d.discovery.found() ? record_json(d.discovery.record) : json()},
               {"organizational_domain", nullable(d.organizational_domain)},
               {"policy_tag", nullable(d.policy_tag)},
               {"requested", d.requested ? json(std::string(dmarc::to_string(*d.requested))) : json()},
               {"applied", std::string(dmarc::to_string(d.applied))},
               {"testing", d.testing},
               {"sampled", nullable(d.sampled)},
               {"author_exists", nullable(d.author_exists)},
               {"spf_aligned", d.spf_aligned},
               {"dkim_aligned", d.dkim_aligned},
               {"alignment", checks}};
    domains.push_back(jd);
  }
  json lookups = json::array();
  for (const auto& l : e.lookups) lookups.push_back(l.summary());
  return {{"mode", std::string(dmarc::to_string(mode))},
          {"result", std::string(dmarc::to_string(e.status))},
          {"requested", std::string(dmarc::to_string(e.requested))},
          {"applied", std::string(dmarc::to_string(e.applied))},
          {"cause", std::string(dmarc::to_string(e.cause))},
          {"reason", e.reason()},
          {"domains", domains},
          {"lookups", lookups}};
}

}  // namespace

po::options_description message_options() {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("message", po::value<std::string>()->default_value("-")->value_name("MSG"),
       "the message file (RFC 5322; LF or CRLF line ends); \"-\" or nothing reads standard input. "
       "Also accepted as the first positional argument")
      ("client-ip", po::value<std::string>()->value_name("IP"),
       "the SMTP client's address: with it SPF is evaluated for the MAIL FROM identity "
       "(RFC 7208 2.4) and a Received-SPF field is printed")
      ("mail-from", po::value<std::string>()->value_name("ADDR"),
       "the MAIL FROM reverse-path (needs --client-ip); absent, \"\" or \"<>\" is the null "
       "reverse-path, which checks postmaster@<HELO> and needs --helo")
      ("helo", po::value<std::string>()->value_name("NAME"),
       "the HELO/EHLO name (needs --client-ip)")
      ("authserv-id", po::value<std::string>()->value_name("ID"),
       "the authserv-id of the Authentication-Results field (RFC 8601 2.5) and SPF's receiver "
       "(%{r}); default: this host's name")
      ("dmarc-mode", po::value<std::string>()->default_value("rfc9989")->value_name("MODE"),
       "rfc9989: policy discovery and Organizational Domains by the DNS Tree Walk (RFC 9989 "
       "4.10), t= honoured, pct= ignored; rfc7489: Organizational Domains from the Public Suffix "
       "List (RFC 7489 3.2), pct= sampling, no np=/psd=/t=")
      ("psl", po::value<std::string>()->value_name("FILE"),
       "the Public Suffix List for --dmarc-mode rfc7489 (default: "
       "/usr/share/publicsuffix/public_suffix_list.dat)")
      ("now", po::value<long long>()->value_name("SECONDS"),
       "the time for DKIM x= and SPF %{t}, in seconds since the Epoch (default: now)")
      ("seed", po::value<unsigned>()->value_name("N"),
       "seed for RFC 7489 pct= sampling, for repeatable runs (default: a random seed)")
      ("crlf", "print the fields with CRLF line ends, as they go into a message")
      ("json", "print one JSON object instead: exit, authentication_results, received_spf, "
               "from, dkim (each signature with its cause and reason), spf (result, mechanism, "
               "cause, problem, lookups), dmarc (result, policy requested and applied, cause, "
               "reason, the record and its problems, every alignment check and _dmarc lookup), and "
               "dns (every query made and its answer)");
  d.add(cli::resolver_options());
  return d;
}

int run_message(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  po::positional_options_description positional;
  positional.add("message", 1);
  po::variables_map vm = cli::parse_command_line(args, message_options(), "message");

  const bool want_spf = vm.count("client-ip") > 0;
  if (!want_spf && (vm.count("mail-from") || vm.count("helo")))
    throw UsageError("--mail-from and --helo describe the SMTP session: give --client-ip too");
  auto mode = dmarc::parse_mode(vm["dmarc-mode"].as<std::string>());
  if (!mode) throw UsageError("--dmarc-mode must be rfc9989 or rfc7489");
  std::optional<dmarc::PublicSuffixList> psl;
  if (vm.count("psl")) {
    auto loaded = dmarc::PublicSuffixList::load_file(vm["psl"].as<std::string>());
    if (!loaded) throw InputError(loaded.error().detail);
    psl = std::move(*loaded);
  }
  const std::string authserv_id = vm.count("authserv-id") ? vm["authserv-id"].as<std::string>() : this_host();
  if (authserv_id.empty() || authserv_id.find_first_of(" \t\r\n;") != std::string::npos)
    throw UsageError("--authserv-id must be one word, such as the receiving host's name");
  const std::int64_t now = vm.count("now") ? vm["now"].as<long long>() : static_cast<std::int64_t>(std::time(nullptr));

  spf::Session session;
  if (want_spf) {
    auto ip = dns::IpAddress::parse(vm["client-ip"].as<std::string>());
    if (!ip) throw UsageError("--client-ip: " + ip.error().detail);
    session.client_ip = *ip;
    if (vm.count("mail-from")) session.mail_from = vm["mail-from"].as<std::string>();
    if (vm.count("helo")) session.helo = vm["helo"].as<std::string>();
    if (spf::is_null_reverse_path(session.mail_from) && session.helo.empty())
      throw UsageError("a null (or absent) --mail-from checks postmaster@<HELO>: give --helo");
    session.receiver = authserv_id;
    session.now = now;
  }

  const std::string source = vm["message"].as<std::string>();
  auto msg = mail::parse_message(read_message(source));
  if (!msg) throw InputError("the message " + (source == "-" ? std::string("on standard input") : source) +
                             " does not parse: " + msg.error().message());
  if (msg->headers.empty()) throw InputError("the message has no header fields");

  cli::ResolverStack stack = cli::make_resolver(cli::resolver_options_from(vm));
  RecordingResolver recorded(stack.resolver());
  dns::CachingResolver resolver(recorded);  // one question, one query, across the three checks

  // RFC 6376 6: every signature.
  dkim::VerifyOptions dkim_options;
  dkim_options.now = now;
  std::vector<dkim::SignatureResult> signatures = dkim::verify_message(*msg, resolver, dkim_options);

  // RFC 7208: the MAIL FROM identity, as DMARC uses it (RFC 9989 4.4.2).
  std::optional<spf::Verdict> verdict;
  std::optional<dmarc::SpfInput> spf_input;
  if (want_spf) {
    verdict = spf::verify_mail_from(resolver, session);
    spf_input = dmarc::SpfInput{verdict->domain, std::string(spf::to_string(verdict->result))};
  }

  // RFC 9989 5.3
  mail::AuthorDomain author = mail::author_from(*msg);
  dmarc::EvaluateOptions dmarc_options;
  dmarc_options.mode = *mode;
  if (psl) dmarc_options.psl = &*psl;
  std::mt19937 rng(vm.count("seed") ? vm["seed"].as<unsigned>() : std::random_device{}());
  dmarc_options.random = [&rng] { return static_cast<std::uint32_t>(rng()); };
  dmarc::Evaluation evaluation =
      dmarc::evaluate(author, dmarc::dkim_inputs(signatures), spf_input, resolver, dmarc_options);

  // RFC 8601: one field with every result.
  authres::AuthenticationResults ar;
  ar.authserv_id = authserv_id;
  for (const auto& s : signatures) ar.results.push_back(authres::dkim_resinfo(s));
  if (signatures.empty()) ar.results.push_back(authres::ResInfo{"dkim", std::nullopt, "none", "no signatures", {}, {}});
  std::string received_spf;
  if (verdict) {
    ar.results.push_back(authres::spf_resinfo(*verdict, session));
    received_spf = spf::received_spf(*verdict, session);
  }
  for (auto& r : authres::dmarc_resinfos(evaluation)) ar.results.push_back(std::move(r));
  const std::string field = authres::format_field(ar);

  // Exit 0: DMARC passes, or no DMARC record and some DKIM or SPF result passes.
  bool any_pass = verdict && verdict->result == spf::Result::Pass;
  for (const auto& s : signatures) any_pass = any_pass || s.status == dkim::Status::pass;
  const bool passed = evaluation.status == dmarc::Status::pass ||
                      (evaluation.status == dmarc::Status::none && any_pass);
  const int exit_status = passed ? kExitPass : kExitNotPass;

  if (!vm.count("json")) {
    // The fields are built in CRLF form; LF lines unless --crlf keeps CRLF for a message file.
    const mail::LineEnd form = vm.count("crlf") ? mail::LineEnd::crlf : mail::LineEnd::lf;
    if (verdict) out << mail::with_line_end(received_spf + "\r\n", form);
    out << mail::with_line_end(field, form);
    return exit_status;
  }

  json from = {{"count", author.count == mail::FromCount::one        ? "one"
                         : author.count == mail::FromCount::several ? "several"
                         : author.count == mail::FromCount::none    ? "none"
                                                                    : "malformed"},
               {"reason", nullable(author.reason)}};
  json addresses = json::array();
  for (const auto& m : author.mailboxes) addresses.push_back(m.address());
  from["addresses"] = addresses;

  json dkim_list = json::array();
  for (const auto& s : signatures)
    dkim_list.push_back({{"result", std::string(dkim::to_string(s.status))},
                         {"cause", cause_json(s.cause)},
                         {"reason", nullable(s.reason())},
                         {"domain", s.domain},
                         {"selector", s.selector},
                         {"identity", s.identity},
                         {"algorithm", s.algorithm},
                         {"key_bits", s.key_bits},
                         {"testing", s.testing},
                         {"header_b", s.b_prefix}});
  json spf_json;
  if (verdict)
    spf_json = {{"result", std::string(spf::to_string(verdict->result))},
                {"identity", std::string(spf::to_string(verdict->identity))},
                {"client_ip", session.client_ip.to_string()},
                {"mail_from", session.mail_from},
                {"helo", session.helo},
                {"sender", verdict->sender},
                {"domain", verdict->domain},
                {"mechanism", nullable(verdict->mechanism)},
                {"cause", cause_json(verdict->cause)},
                {"problem", nullable(verdict->problem())},
                {"explanation", nullable(verdict->explanation)},
                {"dns_lookups", verdict->dns_lookups},
                {"void_lookups", verdict->void_lookups}};
  json queries = json::array();
  for (const auto& e : recorded.entries()) queries.push_back(answer_json(e));

  json j = {{"exit", exit_status},
            {"authserv_id", authserv_id},
            {"authentication_results", one_line(field)},
            {"received_spf", verdict ? json(one_line(received_spf)) : json()},
            {"from", from},
            {"dkim", dkim_list},
            {"spf", spf_json},
            {"dmarc", dmarc_json(evaluation, *mode)},
            {"dns", {{"source", stack.description()}, {"queries", queries}}}};
  // Message text may hold bytes that are not UTF-8: replace rather than fail.
  out << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return exit_status;
}

}  // namespace dnsauth::validator

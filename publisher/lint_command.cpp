// lint and rules: the core's rule catalog (core/records/lint.h) on zone files, live DNS, one
// record or one MTA-STS policy file, printed for people or as JSON.
#include <optional>
#include <ostream>
#include <set>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "cli/resolver_options.h"
#include "core/common/file.h"
#include "core/config/config.h"
#include "core/dkim/key_record.h"
#include "core/dns/name.h"
#include "core/dns/zone_resolver.h"
#include "core/records/lint.h"
#include "core/records/zone_format.h"
#include "core/signing/delegation.h"
#include "core/signing/settings.h"
#include "publisher/commands.h"
#include "publisher/keys.h"
#include "publisher/output.h"

namespace dnsauth::publisher {

namespace po = boost::program_options;
using records::Finding;
using records::Report;

namespace {

// The selectors the zone files publish for domain: the owners "<selector>._domainkey.<domain>"
// of TXT records (the DNS cannot list them, a zone file can).
std::vector<std::string> zone_selectors(const dns::ZoneResolver& zones, const std::string& domain) {
  std::set<std::string> found;
  for (const auto& name : zones.names())
    if (auto selector = dkim::selector_of_key_record_name(name, domain))
      if (zones.records_at(name, dns::RRType::TXT).ok()) found.insert(*selector);
  return {found.begin(), found.end()};
}

nlohmann::ordered_json tree_json(const records::SpfTree& t) {
  nlohmann::ordered_json children = nlohmann::ordered_json::array();
  for (const auto& c : t.children) children.push_back(tree_json(c));
  nlohmann::ordered_json j = {{"domain", t.domain}, {"via", t.via},     {"terms", t.terms},
                      {"total", t.total},   {"void_lookups", t.void_lookups}, {"children", children}};
  if (!t.note.empty()) j["note"] = t.note;
  return j;
}

nlohmann::ordered_json report_json(const Report& r) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"rule", f.id()},
                        {"severity", records::to_string(f.severity())},
                        {"protocol", f.rule->protocol},
                        {"name", f.name},
                        {"record", f.record},
                        {"message", f.message},
                        {"offset", f.offset == Error::no_offset ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.offset)},
                        {"rfc", f.rule->rfc},
                        {"summary", f.rule->summary}});
  }
  nlohmann::ordered_json j = {{"domain", r.domain},
                      {"exit_code", r.exit_code()},
                      {"counts",
                       {{"error", r.count(records::Severity::error)},
                        {"warning", r.count(records::Severity::warning)},
                        {"info", r.count(records::Severity::info)}}},
                      {"findings", findings}};
  if (r.spf_tree) j["spf_tree"] = tree_json(*r.spf_tree);
  return j;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// `subject` names what was linted when no domain was given ("record", "policy").
void print_human(const Report& r, std::ostream& out, std::string_view subject) {
  for (const Finding& f : r.findings) {
    std::string sev(records::to_string(f.severity()));
    sev.resize(8, ' ');
    out << sev << f.id() << "  " << (f.name.empty() ? "" : f.name + ": ") << f.message << "  [" << f.rule->rfc << "]\n";
    if (!f.record.empty()) {
      out << "          " << f.record << "\n";
      if (f.offset != Error::no_offset && f.offset <= f.record.size())
        out << "          " << std::string(f.offset, ' ') << "^\n";
    }
  }
  const auto& t = r.spf_tree;
  if (t && (t->total > 0 || !t->children.empty())) {
    out << "\nSPF DNS-querying terms (RFC 7208 4.6.4, limit 10):\n";
    std::string tree = records::format_tree(*t);
    std::size_t start = 0;
    while (start < tree.size()) {
      std::size_t nl = tree.find('\n', start);
      out << "  " << tree.substr(start, nl - start) << "\n";
      start = nl == std::string::npos ? tree.size() : nl + 1;
    }
  }
  if (!r.findings.empty() || (t && (t->total > 0 || !t->children.empty()))) out << "\n";
  out << (r.domain.empty() ? subject : r.domain) << ": ";
  if (r.findings.empty()) {
    out << "clean\n";
  } else {
    out << plural(r.count(records::Severity::error), "error") << ", "
        << plural(r.count(records::Severity::warning), "warning") << ", "
        << r.count(records::Severity::info) << " info\n";
  }
}

// --record takes the record's text as is, or its TXT rdata in zone-file form when it starts
// with a quote ("\"v=spf1 ...\" \"... -all\"": the strings are joined, RFC 7208 3.3).
std::pair<std::string, std::vector<std::string>> record_text(const std::string& arg) {
  std::size_t first = arg.find_first_not_of(" \t");
  if (first == std::string::npos || arg[first] != '"') return {arg, {}};
  auto parts = records::parse_txt_rdata(arg);
  if (!parts) throw UsageError("--record: " + parts.error().detail);
  std::string joined;
  for (const auto& p : *parts) joined += p;
  return {joined, *parts};
}

// A domain of the key and signing tables: its KeyTable selectors, delegated by CNAME when
// [signer] delegation_zone says so, each with its key file's key. InputError when the domain is
// in neither dnsauth.toml nor the tables.
std::vector<records::ExpectedSelector> table_domain_selectors(const signing::Config& cfg, const std::string& domain,
                                                              const std::string& config_file, std::ostream& err) {
  const signing::Settings& s = cfg.signer;
  if (s.key_table.empty()) throw InputError(domain + " is not configured in " + config_file);
  auto tables = signing::SigningTables::load(s.key_table, s.signing_table, cfg.file().parent_path());
  if (!tables) throw InputError(tables.error().detail);
  auto selectors = signing::table_selectors(s, *tables, domain);
  if (!selectors) throw InputError(selectors.error().detail);
  if (selectors->empty())
    throw InputError(domain + " is not configured in " + config_file + " nor named by its key table " +
                     tables->key_table_name());
  std::vector<records::ExpectedSelector> out;
  for (auto& t : *selectors) {
    auto key = read_key(tables->keys().at(t.key).key_path);
    if (key) {
      t.expected.key_type = key->type();
      t.expected.private_key = std::move(*key);
    } else {
      err << "dnsauth-publish lint: note: " << key.error().detail << " (published key not compared)\n";
    }
    out.push_back(std::move(t.expected));
  }
  return out;
}

}  // namespace

po::options_description lint_options() {
  po::options_description d("lint options");
  d.add_options()
      ("domain", po::value<std::string>()->value_name("DOMAIN"),
       "the mail domain to check: SPF at DOMAIN, DKIM at <selector>._domainkey.DOMAIN, DMARC at "
       "_dmarc.DOMAIN and its tree walk; MTA-STS, TLS-RPT and BIMI when published or configured (required unless "
       "--record or --mta-sts-policy)")
      ("zone", po::value<std::vector<std::string>>()->value_name("FILE"),
       "read the records from this RFC 1035 master file (repeatable; $ORIGIN, $TTL and $INCLUDE honoured; a file named "
       "<name>.zone starts at <name>). Names outside the files are not looked up unless --resolver is "
       "also given. The DKIM selectors the files publish for DOMAIN are checked.")
      ("resolver", po::value<std::string>()->value_name("ADDR[:PORT]"),
       "send the queries to this DNS server (with --zone: only for names outside the files)")
      ("config", po::value<std::string>()->value_name("FILE"),
       "dnsauth.toml: check the domain's configured selectors (dkim-missing), compare each published "
       "key with its key file (dkim-key-mismatch), the HELO names' SPF and the report authorizations; for "
       "a domain of its key_table, the KeyTable's selectors, and with delegation_zone their CNAMEs "
       "(dkim-delegation-missing, dkim-delegation-wrong-target)")
      ("selector", po::value<std::vector<std::string>>()->value_name("S"),
       "also check the DKIM key record of this selector (repeatable)")
      ("record", po::value<std::string>()->value_name("TEXT"),
       "lint this one record instead of a domain: its text, or its TXT rdata in zone-file form "
       "(\"...\" \"...\"); with --domain and --zone/--resolver, includes and report destinations "
       "are followed too")
      ("type", po::value<std::string>()->value_name("T"),
       "the --record's type: spf, dkim, dmarc, mta-sts (the _mta-sts TXT record), tls-rpt or bimi (default: "
       "from its v= tag)")
      ("mta-sts-policy", po::value<std::string>()->value_name("FILE"),
       "lint this MTA-STS policy file (RFC 8461 3.2, what https://mta-sts.DOMAIN/.well-known/mta-sts.txt serves) "
       "instead of a domain; with --domain and --zone/--resolver, its mx patterns are checked against DOMAIN's MX "
       "hosts")
      ("json", "print the findings as one JSON object instead of text")
      ("help,h", "this help");
  return d;
}

po::options_description rules_options() {
  po::options_description d("rules options");
  d.add_options()("json", "print the catalog as a JSON array")("help,h", "this help");
  return d;
}

int run_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, lint_options());
  const bool json = vm.count("json") > 0;
  const bool has_zone = vm.count("zone") > 0, has_resolver = vm.count("resolver") > 0;
  // A name that cannot exist ("isp..test") is the operator's typo: refused, not looked up, since
  // nothing it would find could be checked.
  if (vm.count("domain")) {
    const std::string& given = vm["domain"].as<std::string>();
    if (!dns::is_domain_name(given, dns::NameSyntax::dns, true))
      throw UsageError("--domain '" + given + "' is not a valid domain name (labels of 1 to 63 letters, digits, "
                       "'-' or '_', separated by single dots; the A-label form for IDNs)");
  }
  const std::string domain = vm.count("domain") ? dns::normalize_name(vm["domain"].as<std::string>()) : "";
  const bool has_policy = vm.count("mta-sts-policy") > 0;
  if (!vm.count("record") && !has_policy && domain.empty())
    throw UsageError("give --domain DOMAIN or --record TEXT (or --mta-sts-policy FILE)");
  if (vm.count("type") && !vm.count("record")) throw UsageError("--type applies to --record only");
  if (has_policy && (vm.count("record") || vm.count("config") || vm.count("selector")))
    throw UsageError("--mta-sts-policy goes with --domain, --zone, --resolver and --json only");

  // The resolver: zone files, a server, both (the server behind the files), or the system's;
  // none for a --record or --mta-sts-policy alone, which is then linted without lookups.
  std::optional<cli::ResolverStack> stack;
  records::LintOptions options;
  if (has_zone || has_resolver || (!vm.count("record") && !has_policy)) {
    stack = cli::make_resolver(cli::resolver_options_from(vm));
    if (stack->zones() && !stack->has_network()) {
      std::set<std::string> apexes = stack->zones()->zones();
      options.in_scope = [apexes](std::string_view name) {
        for (const auto& a : apexes)
          if (dns::is_at_or_below(name, a)) return true;
        return false;
      };
    }
  }
  dns::Resolver* resolver = stack ? &stack->resolver() : nullptr;

  if (vm.count("config")) {
    if (domain.empty()) throw UsageError("--config needs --domain");
    auto cfg = signing::load_config(vm["config"].as<std::string>());
    if (!cfg) throw InputError(cfg.error().detail);
    const config::Domain* d = cfg->find_domain(domain);
    if (d) {
      options = [&] {
        auto o = records::options_for(*d);
        o.in_scope = options.in_scope;
        return o;
      }();
      for (std::size_t i = 0; i < d->selectors.size(); ++i) {
        auto key = read_key(d->selectors[i].key_path);
        if (key) options.expected_selectors[i].private_key = std::move(*key);
        else err << "dnsauth-publish lint: note: " << key.error().detail << " (published key not compared)\n";
      }
    } else {
      options.expected_selectors = table_domain_selectors(*cfg, domain, vm["config"].as<std::string>(), err);
    }
  }
  if (vm.count("selector"))
    for (const auto& s : vm["selector"].as<std::vector<std::string>>()) options.selectors.push_back(s);
  if (stack && stack->zones() && !domain.empty())
    for (const auto& s : zone_selectors(*stack->zones(), domain)) options.selectors.push_back(s);

  Report report;
  if (has_policy) {
    const std::string& file = vm["mta-sts-policy"].as<std::string>();
    auto text = read_whole_file(file);
    if (!text) throw InputError("--mta-sts-policy " + file + ": " + text.error().detail);
    options.mta_sts_policy_source = file;
    report = records::lint_mta_sts_policy(*text, resolver, domain, options);
  } else if (vm.count("record")) {
    auto [text, parts] = record_text(vm["record"].as<std::string>());
    std::optional<records::RecordType> type;
    if (vm.count("type")) {
      type = records::parse_record_type(vm["type"].as<std::string>());
      if (!type) throw UsageError("--type must be spf, dkim or dmarc (or mta-sts, tls-rpt, bimi)");
    } else {
      type = records::detect_record_type(text);
      if (!type)
        throw UsageError("cannot tell the record's type from its text; give --type spf|dkim|dmarc|mta-sts|tls-rpt|bimi");
    }
    report = records::lint_record(text, *type, resolver, domain, options);
  } else {
    report = records::lint_domain(*resolver, domain, options);
  }

  if (json) out << report_json(report).dump(2) << "\n";
  else print_human(report, out, has_policy ? "policy" : "record");
  return report.exit_code();
}

int run_rules(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  po::variables_map vm = parse_command_line(args, rules_options());
  if (vm.count("json")) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& r : records::rule_catalog())
      list.push_back({{"id", r.id},
                      {"severity", records::to_string(r.severity)},
                      {"protocol", r.protocol},
                      {"summary", r.summary},
                      {"rfc", r.rfc}});
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& r : records::rule_catalog()) {
    std::string id(r.id), sev(records::to_string(r.severity));
    id.resize(36, ' ');
    sev.resize(8, ' ');
    out << id << sev << r.summary << "  [" << r.rfc << "]\n";
  }
  return kExitOk;
}

}  // namespace dnsauth::publisher

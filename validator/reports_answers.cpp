// dnsauth-validate reports summary | advise | html: what the DMARC aggregate report database
// (reports/store.h) answers about a domain -- the numbers, the next policy step, the page.
// The answers themselves are reports/summary.h, reports/advise.h and reports/html.h; this file
// is their command lines and their text and JSON output.
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "core/signing/settings.h"
#include "reports/advise.h"
#include "reports/html.h"
#include "reports/store.h"
#include "reports/summary.h"
#include "validator/commands.h"

namespace dnsauth::validator {

namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

std::optional<std::string> optional_string(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

std::string required(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) throw UsageError(std::string("--") + name + " is required");
  return vm[name].as<std::string>();
}

// The database named by --db. It must exist: opening would create an empty one, and a typo
// would then read as "no reports".
reports::Store open_database(const po::variables_map& vm) {
  const std::string path = required(vm, "db");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path + ": no such report database (dnsauth-validate reports ingest creates it)");
  auto store = reports::Store::open(path);
  if (!store) throw InputError(store.error().message());
  return std::move(*store);
}

reports::Period period_of(const po::variables_map& vm) {
  auto p = reports::parse_period(optional_string(vm, "since"), optional_string(vm, "until"));
  if (!p) throw UsageError("--since/--until: " + p.error().detail);
  return *p;
}

// --help, --db, --domain (described by domain_help), --since and --until: every reports command's.
po::options_description database_options(const char* domain_help) {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("db", po::value<std::string>()->value_name("FILE"), "the report database (required)")
      ("domain", po::value<std::string>()->value_name("D"), domain_help)
      ("since", po::value<std::string>()->value_name("DATE"),
       "only reports whose date range begins on or after this UTC day (YYYY-MM-DD)")
      ("until", po::value<std::string>()->value_name("DATE"),
       "only reports whose date range begins on or before this UTC day (YYYY-MM-DD), that day included");
  return d;
}

constexpr const char* kDomainHelp =
    "the domain (required): the records of reports about D's policy or a subdomain's, and those whose "
    "From domain is D or a subdomain of D";

json period_json(const reports::Period& p) {
  return {{"since", p.since ? json(reports::format_day(*p.since)) : json()},
          {"until", p.until ? json(reports::format_day(*p.until)) : json()}};
}

std::string period_text(const reports::Period& p) {
  if (!p.since && !p.until) return "all reports";
  if (!p.until) return "reports beginning " + reports::format_day(*p.since) + " or later";
  if (!p.since) return "reports beginning " + reports::format_day(*p.until) + " or earlier";
  return "reports beginning " + reports::format_day(*p.since) + " to " + reports::format_day(*p.until);
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? "-" : reports::format_percent(100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// Columns padded to their widest cell; numbers right-aligned; the last column left as it is.
class TextTable {
 public:
  explicit TextTable(std::vector<std::pair<std::string, bool>> columns) : columns_(std::move(columns)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out, std::string_view indent = "  ", bool header = true) const {
    std::vector<std::size_t> width(columns_.size());
    for (std::size_t i = 0; i < columns_.size(); ++i) width[i] = columns_[i].first.size();
    for (const auto& row : rows_)
      for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string text(indent);
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const bool last = i + 1 == cells.size();
        const std::string pad(width[i] - std::min(width[i], cells[i].size()), ' ');
        if (i) text += "  ";
        text += columns_[i].second ? pad + cells[i] : cells[i] + (last ? "" : pad);
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out << text << "\n";
    };
    if (header) {
      std::vector<std::string> names;
      for (const auto& c : columns_) names.push_back(c.first);
      line(names);
    }
    for (const auto& row : rows_) line(row);
  }

 private:
  std::vector<std::pair<std::string, bool>> columns_;  // name, right-aligned
  std::vector<std::vector<std::string>> rows_;
};

std::vector<std::pair<std::string, bool>> with_counts(std::vector<std::pair<std::string, bool>> first) {
  for (const char* c : {"messages", "DMARC pass", "DMARC fail", "DKIM aligned", "SPF aligned"}) first.emplace_back(c, true);
  return first;
}

std::vector<std::string> count_cells(std::vector<std::string> first, const reports::Counts& c) {
  for (std::uint64_t n : {c.messages, c.dmarc_pass, c.dmarc_fail, c.dkim_aligned, c.spf_aligned})
    first.push_back(std::to_string(n));
  return first;
}

json counts_json(json j, const reports::Counts& c) {
  j["messages"] = c.messages;
  j["dmarc_pass"] = c.dmarc_pass;
  j["dmarc_fail"] = c.dmarc_fail;
  j["dkim_aligned"] = c.dkim_aligned;
  j["spf_aligned"] = c.spf_aligned;
  return j;
}

json dispositions_json(const reports::Dispositions& d) {
  return {{"none", d.none}, {"quarantine", d.quarantine}, {"reject", d.reject}, {"pass", d.pass}, {"other", d.other}};
}

json summary_json(const reports::Summary& s) {
  json j = {{"domain", s.domain}};
  j.update(period_json(s.period));
  j["reports"] = s.reports;
  j["first_report"] = s.first_report ? json(reports::format_day(*s.first_report)) : json();
  j["last_report"] = s.last_report ? json(reports::format_day(*s.last_report)) : json();
  j = counts_json(std::move(j), s.totals);
  j["dispositions"] = dispositions_json(s.dispositions);
  json sources = json::array();
  for (const auto& src : s.sources) {
    json row = counts_json({{"ip", src.ip}}, src.counts);
    row["dispositions"] = dispositions_json(src.dispositions);
    json dkim = json::array(), spf = json::array();
    for (const auto& a : src.auth) {
      if (a.kind == "dkim")
        dkim.push_back({{"domain", a.domain}, {"selector", a.selector}, {"result", a.result}, {"messages", a.messages}});
      else
        spf.push_back({{"domain", a.domain}, {"result", a.result}, {"messages", a.messages}});
    }
    row["dkim"] = std::move(dkim);
    row["spf"] = std::move(spf);
    sources.push_back(std::move(row));
  }
  j["sources"] = std::move(sources);
  json orgs = json::array();
  for (const auto& o : s.organizations) orgs.push_back(counts_json({{"name", o.name}, {"reports", o.reports}}, o.counts));
  j["organizations"] = std::move(orgs);
  json days = json::array();
  for (const auto& d : s.days) days.push_back(counts_json({{"day", d.day}}, d.counts));
  j["days"] = std::move(days);
  json policies = json::array();
  for (const auto& p : s.policies)
    policies.push_back({{"domain", p.domain}, {"p", p.p}, {"sp", p.sp}, {"pct", p.pct ? json(*p.pct) : json()},
                        {"testing", p.testing}, {"reports", p.reports},
                        {"last_seen", reports::format_day(p.last_seen)}});
  j["policies"] = std::move(policies);
  return j;
}

// The sources a text summary lists, the largest first; --json lists them all.
constexpr std::size_t kSummarySourcesShown = 50;

void print_summary(const reports::Summary& s, std::ostream& out) {
  out << "DMARC aggregate reports for " << s.domain << " (" << period_text(s.period) << "): " << s.reports
      << " reports from " << s.organizations.size() << " organizations";
  if (s.first_report) out << ", beginning " << reports::format_day(*s.first_report) << " to " << reports::format_day(*s.last_report);
  out << "\n";
  if (s.reports == 0) {
    out << "no reports for " << s.domain << " or its subdomains\n";
    return;
  }
  const reports::Counts& c = s.totals;
  TextTable totals({{"", false}, {"messages", true}, {"share", true}});
  totals.add({"messages", std::to_string(c.messages), ""});
  totals.add({"DMARC pass", std::to_string(c.dmarc_pass), percent(c.dmarc_pass, c.messages)});
  totals.add({"DMARC fail", std::to_string(c.dmarc_fail), percent(c.dmarc_fail, c.messages)});
  totals.add({"DKIM aligned", std::to_string(c.dkim_aligned), percent(c.dkim_aligned, c.messages)});
  totals.add({"SPF aligned", std::to_string(c.spf_aligned), percent(c.spf_aligned, c.messages)});
  out << "\n";
  totals.print(out, "  ", false);
  out << "  dispositions applied by receivers: " << reports::dispositions_text(s.dispositions) << "\n";

  out << "\nsources (the largest; raw DKIM and SPF results with their messages)\n";
  auto columns = with_counts({{"source IP", false}});
  columns.insert(columns.end(), {{"disposition", false}, {"DKIM d= s=", false}, {"SPF domain", false}});
  TextTable sources(std::move(columns));
  std::uint64_t rest = 0;
  for (std::size_t i = kSummarySourcesShown; i < s.sources.size(); ++i) rest += s.sources[i].counts.messages;
  for (std::size_t i = 0; i < s.sources.size() && i < kSummarySourcesShown; ++i) {
    const reports::SourceRow& src = s.sources[i];
    auto row = count_cells({src.ip}, src.counts);
    row.push_back(reports::dispositions_text(src.dispositions));
    row.push_back(reports::auth_text(src, "dkim"));
    row.push_back(reports::auth_text(src, "spf"));
    sources.add(std::move(row));
  }
  sources.print(out);
  if (s.sources.size() > kSummarySourcesShown)
    out << "  ... and " << s.sources.size() - kSummarySourcesShown << " more sources (" << rest
        << " messages; --json lists them all)\n";

  out << "\nreporting organizations\n";
  TextTable orgs(with_counts({{"organization", false}, {"reports", true}}));
  for (const auto& o : s.organizations) orgs.add(count_cells({o.name, std::to_string(o.reports)}, o.counts));
  orgs.print(out);

  out << "\ndays (UTC, the day each report's range begins)\n";
  TextTable days(with_counts({{"day", false}}));
  for (const auto& d : s.days) days.add(count_cells({d.day}, d.counts));
  days.print(out);

  out << "\npolicy published (as the receivers found it)\n";
  TextTable policies({{"domain", false}, {"p", false}, {"sp", false}, {"pct", true}, {"t", false}, {"reports", true},
                      {"last seen", false}});
  for (const auto& p : s.policies)
    policies.add({p.domain, p.p, p.sp, p.pct ? std::to_string(*p.pct) : "", p.testing, std::to_string(p.reports),
                  reports::format_day(p.last_seen)});
  policies.print(out);
}

json step_json(const reports::PolicyStep& step) {
  return {{"p", step.p.empty() ? json() : json(step.p)},
          {"pct", step.pct ? json(*step.pct) : json()},
          {"testing", step.testing ? json(*step.testing) : json()},
          {"text", step.describe()}};
}

json advice_json(const reports::Advice& a) {
  json j = {{"domain", a.domain}};
  j.update(period_json(a.period));
  j["subdomains"] = a.subdomains;
  j["reports"] = a.reports;
  j = counts_json(std::move(j), a.totals);
  j["current"] = step_json(a.current);
  if (a.published) {
    json p = step_json(a.published->step);
    p["org_name"] = a.published->org_name;
    p["day"] = reports::format_day(a.published->date_begin);
    p["domain"] = a.published->domain;
    j["published"] = std::move(p);
  } else {
    j["published"] = nullptr;
  }
  j["published_differs"] = a.published_differs;
  j["next"] = a.next ? step_json(*a.next) : json();
  json classes = json::array();
  for (const auto& c : a.classes) {
    json sources = json::array();
    for (const auto& s : c.sources) sources.push_back({{"ip", s.ip}, {"detail", s.detail}, {"messages", s.messages}});
    classes.push_back({{"class", std::string(reports::to_string(c.cls))},
                       {"label", std::string(reports::describe(c.cls))},
                       {"messages", c.messages},
                       {"ips", c.ips},
                       {"sources", std::move(sources)},
                       {"fix", c.fix},
                       {"config_change", c.config_change}});
  }
  j["classes"] = std::move(classes);
  j["legitimate_messages"] = a.legitimate;
  j["legitimate_failing"] = a.legitimate_failing;
  j["legitimate_failing_sources"] = a.legitimate_failing_sources;
  j["failing_share"] = a.failing_share;
  j["threshold"] = a.threshold;
  j["verdict"] = std::string(reports::to_string(a.verdict));
  j["recommendation"] = a.recommendation;
  j["config_change"] = a.step_change;
  return j;
}

// Each line of text, indented.
void print_lines(std::ostream& out, std::string_view text, std::string_view indent) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    out << indent << text.substr(at, nl - at) << "\n";
    at = nl + 1;
  }
}

// text wrapped at 76 columns, every line indented.
void print_wrapped(std::ostream& out, std::string_view text, std::string_view indent) {
  print_lines(out, cli::wrap(text, 76 - indent.size()), indent);
}

constexpr std::size_t kAdviseSourcesShown = 20;

void print_advice(const reports::Advice& a, std::ostream& out) {
  out << "DMARC advice for " << a.domain << " (" << period_text(a.period) << "; "
      << (a.subdomains ? "subdomains included: dnsauth.toml sets no sp=" : "subdomains left out: they follow sp=")
      << ")\n";
  out << "  " << a.reports << " reports, " << a.totals.messages << " messages, " << a.totals.dmarc_fail
      << " failing DMARC (" << percent(a.totals.dmarc_fail, a.totals.messages) << ")\n";
  out << "current policy:  " << a.current.describe() << " (dnsauth.toml)\n";
  if (a.published)
    out << "published:       " << a.published->step.describe() << " (the newest report: " << a.published->org_name
        << ", " << reports::format_day(a.published->date_begin) << ")\n";
  if (a.published_differs)
    print_wrapped(out,
                  "note: receivers found " + a.published->step.describe() + " in DNS, but dnsauth.toml says " +
                      a.current.describe() +
                      ": the published record differs from the config, or changed since (dnsauth-publish plan "
                      "shows what differs)",
                  "  ");
  out << "next step:       " << (a.next ? a.next->describe() : std::string("none (already at p=reject)")) << "\n";

  if (!a.classes.empty()) out << "\nmail failing DMARC, by class:\n";
  for (const auto& c : a.classes) {
    out << "\n  " << reports::describe(c.cls) << ": " << c.messages << " messages from " << c.ips
        << (c.ips == 1 ? " source" : " sources") << "\n";
    // The largest sources; the JSON has them all.
    TextTable sources({{"source IP", false}, {"messages", true}, {"detail", false}});
    std::uint64_t rest = 0;
    for (std::size_t i = 0; i < c.sources.size(); ++i) {
      if (i < kAdviseSourcesShown) sources.add({c.sources[i].ip, std::to_string(c.sources[i].messages), c.sources[i].detail});
      else rest += c.sources[i].messages;
    }
    sources.print(out, "    ");
    if (c.sources.size() > kAdviseSourcesShown)
      out << "    ... and " << c.sources.size() - kAdviseSourcesShown << " more (" << rest << " messages; --json lists them)\n";
    print_wrapped(out, "fix: " + c.fix, "    ");
    if (!c.config_change.empty()) {
      out << "    change in dnsauth.toml:\n";
      print_lines(out, c.config_change, "      ");
    }
  }
  out << "\n";
  print_wrapped(out, "verdict: " + a.recommendation, "");
  if (a.verdict != reports::Verdict::no_reports)
    out << "  legitimate mail (all but the spoofing class): " << a.legitimate << " messages, "
        << a.legitimate_failing << " failing (" << reports::format_percent(a.failing_share) << "); threshold "
        << reports::format_percent(a.threshold) << "\n";
  if ((a.verdict == reports::Verdict::safe) && !a.step_change.empty()) {
    out << "change in dnsauth.toml ([[domain]] name = \"" << a.domain
        << "\"), then publish it (dnsauth-publish generate, plan, apply):\n";
    print_lines(out, a.step_change, "  ");
  }
}

}  // namespace

po::options_description reports_summary_options() {
  po::options_description d = database_options(kDomainHelp);
  d.add_options()("json", "print one JSON object (see the README's \"reports summary\") instead of tables");
  return d;
}

int run_reports_summary(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  po::variables_map vm = cli::parse_command_line(args, reports_summary_options());
  const std::string domain = required(vm, "domain");
  const reports::Period period = period_of(vm);
  reports::Store store = open_database(vm);
  auto s = reports::summarize(store.db(), domain, period);
  if (!s) throw InputError(s.error().message());
  if (vm.count("json")) out << summary_json(*s).dump(2) << "\n";
  else print_summary(*s, out);
  return s->reports == 0 ? kExitNotPass : kExitPass;
}


po::options_description reports_advise_options() {
  po::options_description d = database_options("a [[domain]] of the config (required)");
  d.add_options()
      ("config", po::value<std::string>()->value_name("FILE"),
       "the dnsauth.toml that describes the domain: its selectors, [domain.spf] and [domain.dmarc] (required)")
      ("threshold", po::value<double>()->default_value(0.5, "0.5")->value_name("PCT"),
       "the share of legitimate mail, in percent, that may still fail DMARC for the next step to be safe")
      ("json", "print one JSON object (see the README's \"reports advise\") instead of text");
  return d;
}

int run_reports_advise(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  po::variables_map vm = cli::parse_command_line(args, reports_advise_options());
  const std::string domain = required(vm, "domain");
  const std::string config_file = required(vm, "config");
  reports::AdviseOptions options;
  options.threshold = vm["threshold"].as<double>();
  if (!std::isfinite(options.threshold) || options.threshold < 0 || options.threshold > 100)
    throw UsageError("--threshold must be a percentage from 0 to 100");
  if (vm.count("since") || vm.count("until")) options.period = period_of(vm);
  auto config = signing::load_config(config_file);
  if (!config) throw InputError(config.error().detail);
  const config::Domain* d = config->find_domain(domain);
  if (!d) throw InputError(domain + " is not a [[domain]] of " + config_file);
  reports::Store store = open_database(vm);
  auto advice = reports::advise(store.db(), *d, options);
  if (!advice) throw InputError(advice.error().message());
  if (vm.count("json")) out << advice_json(*advice).dump(2) << "\n";
  else print_advice(*advice, out);
  switch (advice->verdict) {
    case reports::Verdict::safe:
    case reports::Verdict::nothing_to_do: return kExitPass;
    case reports::Verdict::not_yet:
    case reports::Verdict::no_reports: return kExitNotPass;
  }
  return kExitNotPass;
}

po::options_description reports_html_options() {
  po::options_description d = database_options(kDomainHelp);
  d.add_options()
      ("out", po::value<std::string>()->value_name("FILE"), "the page to write (required; replaced if it exists)")
      ("now", po::value<long long>()->value_name("SECONDS"),
       "the time the page says it was generated, in seconds since the Epoch (default: now)");
  return d;
}

int run_reports_html(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  po::variables_map vm = cli::parse_command_line(args, reports_html_options());
  const std::string domain = required(vm, "domain");
  const std::string file = required(vm, "out");
  const reports::Period period = period_of(vm);
  reports::Store store = open_database(vm);
  auto s = reports::summarize(store.db(), domain, period);
  if (!s) throw InputError(s.error().message());
  reports::HtmlOptions options;
  options.generated_at = vm.count("now") ? vm["now"].as<long long>() : static_cast<long long>(std::time(nullptr));
  const std::string page = reports::render_html(*s, options);
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    if (f) f << page;
    if (!f || !f.flush()) throw InputError(file + ": cannot be written");
  }
  out << "wrote " << file << ": " << s->reports << " reports, " << s->totals.messages << " messages of "
      << s->domain << "\n";
  return s->reports == 0 ? kExitNotPass : kExitPass;
}

}  // namespace dnsauth::validator

// plan, apply, wait, status and rotate --auto: DNS as code and the key lifecycle (README
// "Publishing by RFC 2136" and "Rotating keys").
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "core/common/file.h"
#include "core/config/selector_edit.h"
#include "core/dkim/key_record.h"
#include "core/lifecycle/rotation.h"
#include "core/signing/key_store.h"
#include "core/signing/settings.h"
#include "ldap/table_opener.h"
#include "publisher/commands.h"
#include "publisher/keys.h"
#include "publisher/lifecycle.h"
#include "publisher/zone_sync.h"

namespace dnsauth::publisher {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using lifecycle::Stage;
using lifecycle::Time;
using json = nlohmann::ordered_json;

namespace {

bool valid_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

// --state and --now: every command that reads the lifecycle state.
void add_state_options(po::options_description& d) {
  d.add_options()
      ("state", po::value<std::string>()->value_name("FILE"),
       "the lifecycle state (default: beside the config, dnsauth.lifecycle.toml for dnsauth.toml)")
      ("now", po::value<std::int64_t>()->value_name("UNIX_TIME"),
       "the lifecycle clock (default: the real time); TSIG always signs with the real time");
}

// How plan, apply, wait and rotate --auto reach the zone's servers.
void add_dns_options(po::options_description& d) {
  d.add_options()
      ("server", po::value<std::string>()->value_name("ADDR[:PORT]"),
       "the zone's primary (default: the zone's SOA MNAME, found through the resolver, asked on --ns-port)")
      ("resolver", po::value<std::string>()->value_name("ADDR[:PORT]"),
       "the recursive resolver that finds the zone's primary and the addresses of servers outside the zone "
       "(default: the first nameserver of /etc/resolv.conf)")
      ("tsig-key", po::value<std::string>()->value_name("FILE"),
       "TSIG key file for updates: BIND/tsig-keygen/nsupdate -k, Knot YAML or K*.private (hmac-sha1, -sha256, -sha512)")
      ("tsig-key-name", po::value<std::string>()->value_name("NAME"), "the key to use when the file holds several")
      ("ns-port", po::value<unsigned>()->default_value(53)->value_name("N"),
       "the port every authoritative server is asked on")
      ("timeout", po::value<unsigned>()->default_value(3)->value_name("SECONDS"), "per DNS query attempt");
}

// The options of plan, apply, wait (dns) and status.
void add_common(po::options_description& d, bool dns) {
  d.add_options()
      ("config", po::value<std::string>()->required()->value_name("FILE"), "dnsauth.toml to read (required)")
      ("domain", po::value<std::vector<std::string>>()->value_name("D"),
       "a configured domain (repeatable; default: every [[domain]])");
  add_state_options(d);
  d.add_options()("json", "print one JSON object instead of text");
  if (dns) add_dns_options(d);
}

struct Context : LifecycleInput {
  std::vector<const config::Domain*> domains;
  DnsOptions dns;
  bool json = false;
};

Context load_context(const po::variables_map& vm) {
  Context c;
  static_cast<LifecycleInput&>(c) = read_lifecycle(vm);
  const config::Config& cfg = c.all.deployment;
  if (vm.count("domain")) {
    for (const auto& name : vm["domain"].as<std::vector<std::string>>()) {
      const config::Domain* d = cfg.find_domain(name);
      if (!d) throw InputError("domain " + name + " is not in " + c.config_file);
      c.domains.push_back(d);
    }
  } else {
    for (const auto& d : cfg.domains) c.domains.push_back(&d);
  }
  if (c.domains.empty()) throw InputError(c.config_file + " configures no [[domain]]");
  c.json = vm.count("json") > 0;
  if (vm.count("ns-port")) {
    unsigned port = vm["ns-port"].as<unsigned>();
    if (port == 0 || port > 65535) throw UsageError("--ns-port must be 1 to 65535");
    c.dns.ns_port = static_cast<std::uint16_t>(port);
    c.dns.timeout = std::chrono::seconds(std::max(1u, vm["timeout"].as<unsigned>()));
  }
  if (vm.count("server")) c.dns.server = vm["server"].as<std::string>();
  if (vm.count("resolver")) c.dns.resolver = vm["resolver"].as<std::string>();
  if (vm.count("tsig-key")) {
    auto key = dns::load_tsig_key(vm["tsig-key"].as<std::string>(),
                                  vm.count("tsig-key-name") ? vm["tsig-key-name"].as<std::string>() : "");
    if (!key) throw InputError(key.error().detail);
    c.dns.tsig = std::move(*key);
  }
  return c;
}

std::string when(std::optional<Time> t) { return t ? lifecycle::format_time(*t) : "-"; }

// The records of one selector's name as the state would have it at `stage`.
std::vector<records::Wanted> selector_records(const config::Domain& d, const lifecycle::State& state,
                                              const std::string& selector, Stage stage) {
  lifecycle::State copy = state;
  copy.find(d.name, selector)->stage = stage;
  const std::string owner = dkim::key_record_name(selector, d.name);
  std::vector<records::Wanted> out;
  for (auto& w : wanted_records(publication_of(d, copy)))
    if (w.owner == owner) out.push_back(std::move(w));
  return out;
}

// Reads a pid from the file and sends SIGHUP: the signer reloads its config and keys atomically.
std::string signal_signer(const std::string& pid_file) {
  if (pid_file.empty()) return "no --signer-pid given: reload the signer (systemctl reload dnsauth-signer)";
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 1)
    return "no signer running (" + pid_file + " " + (in ? "holds no pid" : "does not exist") +
           "): it reads the new config when it starts";
  if (::kill(static_cast<pid_t>(pid), SIGHUP) == 0) return "signalled the signer (pid " + std::to_string(pid) + ") to reload";
  if (errno == ESRCH)
    return "no signer runs as pid " + std::to_string(pid) + " (" + pid_file + "): it reads the new config when it starts";
  throw InputError("cannot signal the signer, pid " + std::to_string(pid) + " from " + pid_file + ": " + std::strerror(errno));
}

// Switches the signer from `old_name` to the successor: dnsauth.toml is edited in place, the
// edited file is checked exactly as dnsauth-signer --check-config checks it, and only then
// replaces the old one (rename: a signer reloading meanwhile reads one or the other, whole).
void switch_config(const Context& c, const config::Domain& d, const std::string& old_name,
                   const lifecycle::SelectorState& next) {
  auto text = read_whole_file(c.config_file);
  if (!text) throw InputError("cannot read " + c.config_file + ": " + text.error().detail);
  // The successor's key beside the others is named as they are, by its file name alone.
  const fs::path key_dir = fs::absolute(c.all.deployment.key_dir).lexically_normal();
  const fs::path key_path = fs::absolute(next.key_path).lexically_normal();
  const std::string key = key_path.parent_path() == key_dir ? key_path.filename().string() : key_path.string();
  auto edited = config::replace_selector(*text, c.config_file, d.name, old_name, next.selector, key);
  if (!edited) throw InputError(edited.error().detail);
  auto temp = write_beside(c.config_file, *edited);
  if (!temp) throw InputError(temp.error().detail);
  signing::LoadResult check = signing::load_key_set(*temp, ldap::login_map_opener());
  const config::Domain* nd = check.keys ? check.keys->config().deployment.find_domain(d.name) : nullptr;
  if (!check.ok() || !nd || !nd->find_selector(next.selector) || nd->find_selector(old_name)) {
    ::unlink(temp->c_str());
    throw InputError("the config with selector " + next.selector + " in place of " + old_name + " does not pass --check-config: " +
                     (check.ok() ? std::string("the edit did not take") : check.errors()) + "; " + c.config_file +
                     " is unchanged");
  }
  if (::rename(temp->c_str(), c.config_file.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(temp->c_str());
    throw InputError("cannot replace " + c.config_file + ": " + why);
  }
}

struct DomainRun {
  json report = json::object();
  int status = kExitOk;
};

// One run of rotate --auto for one domain: reconcile, then the one step that is due.
DomainRun auto_step(Context& c, const config::Domain& d, const std::string& signer_pid, std::chrono::seconds deadline,
                    std::ostream& out, std::ostream& err) {
  DomainRun run;
  reconcile_domain(c.state, d, c.now, out);
  const lifecycle::Policy policy = lifecycle::Policy::of(d, c.all.signer.expire);
  const lifecycle::Step step = lifecycle::next_step(c.state, d, policy, c.now);
  run.report = {{"domain", d.name}, {"action", lifecycle::to_string(step.action)}, {"selector", step.selector}};
  auto servers_ok = [&](const std::vector<records::Wanted>& wanted, std::chrono::seconds wait_for) {
    Primary p = find_primary(d.name, c.dns);
    auto views = wait_for_servers(p, wanted, c.dns, wait_for);
    print_servers(out, views);
    run.report["servers"] = servers_json(views);
    return all_in_sync(views);
  };
  auto publish = [&](const std::string& selector, Stage stage) {
    auto wanted = selector_records(d, c.state, selector, stage);
    Primary p = find_primary(d.name, c.dns);
    records::ZonePlan plan = plan_against(*p.client, p.soa.zone, wanted);
    print_plan(out, d.name, plan);
    apply_plan(p, plan, wanted);
    run.report["plan"] = plan_json(plan);
    return wanted;
  };
  lifecycle::SelectorState* s = step.selector.empty() ? nullptr : c.state.find(d.name, step.selector);
  switch (step.action) {
    case lifecycle::Action::none:
      out << d.name << ": nothing due" << (step.at ? "; next at " + when(step.at) + ": " + step.why : "") << "\n";
      run.report["next_at"] = step.at ? json(when(step.at)) : json();
      run.report["why"] = step.why;
      break;
    case lifecycle::Action::stage: {
      const config::Selector* prev = d.find_selector(step.selector);
      config::Selector next = stage_successor(d, *prev, "", c.state, c.now, out, err);
      out << d.name << ": " << step.selector << " is due for rotation; staged " << next.name << "\n";
      run.report["staged"] = next.name;
      break;
    }
    case lifecycle::Action::publish: {
      auto wanted = publish(s->selector, Stage::published);
      s->stage = Stage::published;
      s->published_at = c.now;
      out << d.name << ": published " << s->selector << " on the primary; every authoritative server:\n";
      if (servers_ok(wanted, deadline)) s->served_at = c.now;
      break;
    }
    case lifecycle::Action::confirm: {
      out << d.name << ": " << s->selector << " is published; every authoritative server:\n";
      if (servers_ok(selector_records(d, c.state, s->selector, Stage::published), deadline)) {
        s->served_at = c.now;
        out << d.name << ": every server serves " << s->selector << "; it becomes active after "
            << when(c.now + policy.ttl) << "\n";
      } else {
        out << d.name << ": not every server serves " << s->selector << " yet; it stays published\n";
      }
      break;
    }
    case lifecycle::Action::activate: {
      // Once more, right before the switch: a server that lost the record since would fail
      // every message signed from now on.
      out << d.name << ": activating " << s->selector << "; every authoritative server once more:\n";
      if (!servers_ok(selector_records(d, c.state, s->selector, Stage::published), std::chrono::seconds(0))) {
        s->served_at.reset();
        out << d.name << ": not activated: a server no longer serves " << s->selector << "\n";
        run.report["activated"] = false;
        break;
      }
      const std::string old_name = s->replaces;
      switch_config(c, d, old_name, *s);
      lifecycle::SelectorState* old = c.state.find(d.name, old_name);
      s->stage = Stage::active;
      s->active_at = c.now;
      if (old) {
        old->stage = Stage::retired;
        old->retired_at = c.now;
      }
      std::string signalled = signal_signer(signer_pid);
      out << d.name << ": " << c.config_file << " now signs with " << s->selector << " in place of " << old_name
          << " (checked as --check-config does); " << signalled << "\n";
      run.report["activated"] = true;
      run.report["signer"] = signalled;
      break;
    }
    case lifecycle::Action::revoke:
      publish(s->selector, Stage::revoked);
      s->stage = Stage::revoked;
      s->revoked_at = c.now;
      out << d.name << ": revoked " << s->selector << " (p= empty)\n";
      break;
    case lifecycle::Action::remove:
      publish(s->selector, Stage::removed);
      s->stage = Stage::removed;
      s->removed_at = c.now;
      out << d.name << ": removed the record of " << s->selector << "; its key file " << s->key_path.string()
          << " is no longer needed and may be deleted\n";
      break;
  }
  return run;
}

// Runs `each(domain, text)` for every domain of the context, where text is out, or nowhere with
// --json (then one object {..., "domains": [each one's report]} is printed at the end). A DNS
// failure of one domain is reported and the others go on. The exit status is the worst one.
template <class F>
int for_each_domain(Context& c, std::ostream& out, std::ostream& err, F each, json head = json::object()) {
  json list = json::array();
  std::ostringstream discard;
  std::ostream& text = c.json ? discard : out;
  int status = kExitOk;
  for (const config::Domain* d : c.domains) {
    try {
      DomainRun r = each(*d, text);
      list.push_back(std::move(r.report));
      status = std::max(status, r.status);
    } catch (const DnsError& e) {
      err << "dnsauth-publish: error: " << e.what() << "\n";
      list.push_back({{"domain", d->name}, {"error", e.what()}, {"exit_status", e.exit_status}});
      status = std::max(status, e.exit_status);
    }
  }
  if (c.json) {
    head["domains"] = std::move(list);
    out << head.dump(2) << "\n";
  }
  return status;
}

}  // namespace

std::string next_selector(const std::string& old, const std::vector<std::string>& taken) {
  std::string name = old;
  do {
    std::size_t end = name.find_last_of("0123456789");
    if (end == std::string::npos) {
      name += "2";
      continue;
    }
    std::size_t begin = name.find_last_not_of("0123456789", end);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::string digits = name.substr(begin, end + 1 - begin);
    std::string next = std::to_string(std::stoull(digits) + 1);
    if (next.size() < digits.size()) next.insert(0, digits.size() - next.size(), '0');
    name = name.substr(0, begin) + next + name.substr(end + 1);
  } while (std::find(taken.begin(), taken.end(), name) != taken.end());
  return name;
}

config::Selector stage_successor(const config::Domain& domain, const config::Selector& prev, std::string name,
                                 lifecycle::State& state, Time now, std::ostream& out, std::ostream& err) {
  std::vector<std::string> taken;
  for (const auto& s : domain.selectors) taken.push_back(s.name);
  // A successor already staged or published for prev is the one to go on with.
  const lifecycle::SelectorState* pending = nullptr;
  for (const auto* s : state.of(domain.name)) {
    if (s->replaces == prev.name && (s->stage == Stage::staged || s->stage == Stage::published)) pending = s;
    else taken.push_back(s->selector);
  }
  if (name.empty()) name = pending ? pending->selector : next_selector(prev.name, taken);
  if (!valid_label(name)) throw UsageError("'" + name + "' is not a valid selector (RFC 6376 3.1)");
  if (std::find(taken.begin(), taken.end(), name) != taken.end())
    throw UsageError("selector " + name + " is already configured for " + domain.name + " or in its lifecycle state");
  config::Selector next = prev;
  next.name = name;
  std::string key_name = prev.key;
  if (auto at = key_name.rfind(prev.name); at != std::string::npos)
    key_name.replace(at, prev.name.size(), next.name);
  else
    key_name = domain.name + "." + next.name + ".pem";
  next.key = fs::path(key_name).filename().string();
  next.key_path = (prev.key_path.parent_path() / next.key).lexically_normal();
  next.testing = false;
  auto kf = ensure_key(next, next.key_path);
  if (!kf) throw InputError(domain.name + " selector " + next.name + ": " + kf.error().detail);
  out << domain.name << ": key " << kf->path.string() << (kf->created ? " created (mode 0600)" : " exists, kept") << "\n";
  for (const auto& w : kf->warnings) err << "dnsauth-publish: warning: " << w << "\n";
  if (!state.find(domain.name, next.name)) {
    lifecycle::SelectorState s;
    s.domain = domain.name;
    s.selector = next.name;
    s.stage = Stage::staged;
    s.algorithm = next.algorithm;
    s.bits = next.bits;
    s.key_path = fs::absolute(next.key_path).lexically_normal();
    s.replaces = prev.name;
    s.staged_at = now;
    state.selectors.push_back(std::move(s));
  }
  return next;
}

std::optional<Time> key_file_time(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<Time>(st.st_mtime);
}

fs::path state_file(const std::string& option, const fs::path& config_file) {
  return option.empty() ? lifecycle::default_state_path(config_file) : fs::path(option);
}

lifecycle::State read_state(const fs::path& file) {
  auto s = lifecycle::load_state(file);
  if (!s) throw InputError(s.error().detail);
  return std::move(*s);
}

void write_state(const fs::path& file, const lifecycle::State& state) {
  // Key paths absolute: a config named by a relative path resolves its keys against the
  // working folder, and a relative path in the state would be read against the state's folder.
  lifecycle::State absolute = state;
  for (auto& s : absolute.selectors) s.key_path = fs::absolute(s.key_path).lexically_normal();
  if (auto w = write_file_atomic(file, lifecycle::format_state(absolute)); !w)
    throw InputError("cannot write the lifecycle state: " + w.error().detail);
}

LifecycleInput read_lifecycle(const po::variables_map& vm) {
  LifecycleInput in;
  in.config_file = vm["config"].as<std::string>();
  auto all = signing::load_config(in.config_file);
  if (!all) throw InputError(all.error().detail);
  in.all = std::move(*all);
  in.state_path = state_file(vm.count("state") ? vm["state"].as<std::string>() : "", in.config_file);
  in.state = read_state(in.state_path);
  in.now = vm.count("now") ? vm["now"].as<std::int64_t>() : static_cast<Time>(std::time(nullptr));
  return in;
}

void reconcile_domain(lifecycle::State& state, const config::Domain& domain, Time now, std::ostream& out) {
  auto changed = lifecycle::reconcile(state, domain, now, key_file_time);
  if (!changed) throw InputError(changed.error().detail);
  for (const auto& line : *changed) out << domain.name << ": " << line << "\n";
}

po::options_description plan_options() {
  po::options_description d("plan options");
  add_common(d, true);
  d.add_options()("help,h", "this help");
  return d;
}

po::options_description apply_options() {
  po::options_description d("apply options");
  add_common(d, true);
  d.add_options()("help,h", "this help");
  return d;
}

po::options_description wait_options() {
  po::options_description d("wait options");
  add_common(d, true);
  d.add_options()
      ("deadline", po::value<unsigned>()->default_value(300)->value_name("SECONDS"),
       "give up after this long (0: ask every server once)")
      ("help,h", "this help");
  return d;
}

po::options_description status_options() {
  po::options_description d("status options");
  add_common(d, false);
  d.add_options()("help,h", "this help");
  return d;
}

void add_auto_options(po::options_description& d) {
  add_state_options(d);
  po::options_description a("rotate --auto options");
  a.add_options()
      ("auto", "advance every domain (or those of --domain) by at most one safe step of its rotation")
      ("json", "print one JSON object instead of text");
  add_dns_options(a);
  a.add_options()
      ("deadline", po::value<unsigned>()->default_value(60)->value_name("SECONDS"),
       "how long to wait for every authoritative server after publishing")
      ("signer-pid", po::value<std::string>()->value_name("FILE"),
       "the running signer's pid file; it gets SIGHUP after its config changed (none running: not an error)");
  d.add(a);
}

int run_plan(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context c = load_context(parse_command_line(args, plan_options()));
  return for_each_domain(c, out, err, [&](const config::Domain& d, std::ostream& text) {
    Primary p = find_primary(d.name, c.dns);
    auto plan = plan_against(*p.client, p.soa.zone, wanted_records(publication_of(d, c.state)));
    print_plan(text, d.name, plan);
    DomainRun r;
    r.report = {{"domain", d.name}, {"server", p.client->server()}, {"serial", p.soa.serial}};
    r.report.update(plan_json(plan));
    r.status = plan.changes.empty() ? kExitOk : kExitDifferences;
    return r;
  });
}

int run_apply(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context c = load_context(parse_command_line(args, apply_options()));
  return for_each_domain(c, out, err, [&](const config::Domain& d, std::ostream& text) {
    Primary p = find_primary(d.name, c.dns);
    auto wanted = wanted_records(publication_of(d, c.state));
    auto plan = plan_against(*p.client, p.soa.zone, wanted);
    print_plan(text, d.name, plan);
    apply_plan(p, plan, wanted);
    auto soa = p.client->soa(p.soa.zone);
    if (!plan.changes.empty())
      text << d.name << ": applied " << plan.changes.size() << (plan.changes.size() == 1 ? " change" : " changes")
           << " to zone " << plan.zone << " at " << p.client->server() << "; the primary serves them"
           << (soa ? " (serial " + std::to_string(soa->serial) + ")" : "") << "\n";
    DomainRun r;
    r.report = {{"domain", d.name}, {"server", p.client->server()}, {"applied", !plan.changes.empty()},
                {"serial", soa ? json(soa->serial) : json()}};
    r.report.update(plan_json(plan));
    return r;
  });
}

int run_wait(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, wait_options());
  Context c = load_context(vm);
  const std::chrono::seconds deadline(vm["deadline"].as<unsigned>());
  return for_each_domain(c, out, err, [&](const config::Domain& d, std::ostream& text) {
    Primary p = find_primary(d.name, c.dns);
    auto views = wait_for_servers(p, wanted_records(publication_of(d, c.state)), c.dns, deadline);
    const bool ok = all_in_sync(views);
    text << d.name << ": " << (ok ? "every authoritative server of " + p.soa.zone + " serves its records"
                                  : "not every authoritative server of " + p.soa.zone + " serves its records")
         << "\n";
    print_servers(text, views);
    DomainRun r;
    r.report = {{"domain", d.name}, {"zone", p.soa.zone}, {"in_sync", ok}, {"servers", servers_json(views)}};
    r.status = ok ? kExitOk : kExitDifferences;
    return r;
  });
}

int run_status(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context c = load_context(parse_command_line(args, status_options()));
  json list = json::array();
  std::ostringstream discard;
  std::ostream& text = c.json ? discard : out;
  for (const config::Domain* d : c.domains) {
    reconcile_domain(c.state, *d, c.now, text);
    const lifecycle::Policy policy = lifecycle::Policy::of(*d, c.all.signer.expire);
    json sels = json::array();
    text << d->name << ":\n";
    for (const auto* s : c.state.of(d->name)) {
      const lifecycle::Step st = lifecycle::selector_step(c.state, *s, *d, policy);
      const std::optional<Time> since = s->entered_at();
      const std::string age = since ? std::to_string((c.now - *since) / 86400) + " d" : "-";
      text << "  " << s->selector << "  " << lifecycle::to_string(s->stage) << " since " << when(since) << " (" << age
           << ")";
      if (st.action != lifecycle::Action::none && st.at)
        text << "; next: " << lifecycle::to_string(st.action) << (*st.at <= c.now ? " now" : " at " + when(st.at));
      text << " -- " << st.why << "\n";
      sels.push_back({{"selector", s->selector},
                      {"stage", lifecycle::to_string(s->stage)},
                      {"since", since ? json(when(since)) : json()},
                      {"age_days", since ? json((c.now - *since) / 86400) : json()},
                      {"key", s->key_path.string()},
                      {"replaces", s->replaces},
                      {"next", lifecycle::to_string(st.action)},
                      {"next_at", st.at ? json(when(st.at)) : json()},
                      {"why", st.why}});
    }
    const lifecycle::Step next = lifecycle::next_step(c.state, *d, policy, c.now);
    if (next.action != lifecycle::Action::none)
      text << "  next step: " << lifecycle::to_string(next.action) << " " << next.selector << " (due now)\n";
    else if (next.at)
      text << "  next step: at " << when(next.at) << " (" << next.selector << ")\n";
    list.push_back({{"domain", d->name},
                    {"selectors", sels},
                    {"next", {{"action", lifecycle::to_string(next.action)},
                              {"selector", next.selector},
                              {"at", next.at ? json(when(next.at)) : json()}}}});
  }
  (void)err;
  if (c.json) out << json{{"now", when(c.now)}, {"domains", list}}.dump(2) << "\n";
  return kExitOk;
}

int run_rotate_auto(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  Context c = load_context(vm);
  const std::chrono::seconds deadline(vm["deadline"].as<unsigned>());
  const std::string pid_file = vm.count("signer-pid") ? vm["signer-pid"].as<std::string>() : "";
  // Also when no domain took a step: the reconciled state is the one the next run starts from.
  int status = for_each_domain(c, out, err, [&](const config::Domain& d, std::ostream& text) {
    DomainRun r = auto_step(c, d, pid_file, deadline, text, err);
    // After every domain: a step taken is never forgotten, whatever happens to the next one.
    write_state(c.state_path, c.state);
    return r;
  }, json{{"now", when(c.now)}});
  write_state(c.state_path, c.state);
  return status;
}

}  // namespace dnsauth::publisher

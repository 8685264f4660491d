// generate and rotate: keys and the records that publish them.
#include <algorithm>
#include <map>
#include <ostream>

#include <boost/program_options.hpp>

#include "core/config/config.h"
#include "core/dkim/key_record.h"
#include "core/records/records.h"
#include "core/signing/settings.h"
#include "publisher/commands.h"
#include "publisher/keys.h"
#include "publisher/output.h"

namespace dnsauth::publisher {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// The whole file is checked as the signer checks it (signing::load_config), so generate never
// accepts a configuration the signer would refuse.
config::Config load(const std::string& file) {
  auto c = signing::load_config(file);
  if (!c) throw InputError(c.error().detail);
  return std::move(c->deployment);
}

Format format_of(const po::variables_map& vm) {
  auto f = parse_format(vm["format"].as<std::string>());
  if (!f) throw UsageError("--format must be zone, json or nsupdate, not '" + vm["format"].as<std::string>() + "'");
  return *f;
}

std::string key_summary(const config::Selector& s) {
  if (s.algorithm == dkim::Algorithm::ed25519_sha256) return "ed25519";
  return "rsa " + std::to_string(s.bits);
}

// Creates or reads every selector's key of the domain; false when one failed (reported).
bool domain_keys(const config::Domain& d, std::map<std::string, std::string>& public_keys,
                 std::ostream& out, std::ostream& err) {
  bool ok = true;
  for (const auto& s : d.selectors) {
    auto kf = ensure_key(s, s.key_path);
    if (!kf) {
      err << "dnsauth-publish: error: " << d.name << " selector " << s.name << ": " << kf.error().detail << "\n";
      ok = false;
      continue;
    }
    out << d.name << ": key " << kf->path.string()
        << (kf->created ? " created (" + key_summary(s) + ", mode 0600)" : " exists, kept") << "\n";
    for (const auto& w : kf->warnings) err << "dnsauth-publish: warning: " << w << "\n";
    public_keys[s.name] = kf->key.public_key_record_bytes();
  }
  return ok;
}

std::string header_for(const config::Domain& d, const std::string& config_file, std::string_view what) {
  return "dnsauth-publish " + std::string(what) + ": the records of " + d.name + " from " + config_file +
         "\nTTL " + std::to_string(d.ttl) + "; owner names are absolute: load this into the " + d.name + " zone.";
}

bool write_domain(const fs::path& out_dir, const config::Domain& d, const std::vector<records::TxtRecord>& recs,
                  Format format, const std::string& header, std::ostream& out, std::ostream& err) {
  auto w = write_records(out_dir, d.name, recs, format, header);
  if (!w) {
    err << "dnsauth-publish: error: " << d.name << ": " << w.error().detail << "\n";
    return false;
  }
  out << d.name << ": wrote";
  for (const auto& f : w->files) out << " " << f.string();
  out << " (" << w->records << " records";
  if (w->external) out << ", " << w->external << " of them outside " << d.name;
  out << ")\n";
  return true;
}

// The selector after `old`: its last run of digits counted up, keeping its width ("s2026r" ->
// "s2027r", "sel09" -> "sel10"), or "2" appended when it has none; never a name in `taken`.
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

bool valid_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

po::options_description generate_options() {
  po::options_description d("generate options");
  d.add_options()
      ("config", po::value<std::string>()->required()->value_name("FILE"),
       "dnsauth.toml to read (required)")
      ("out", po::value<std::string>()->required()->value_name("DIR"),
       "folder for the output files, created when missing (required)")
      ("format", po::value<std::string>()->default_value("zone")->value_name("F"),
       "zone: RFC 1035 fragment DIR/<domain>.zone; json: DIR/<domain>.json; nsupdate: an nsupdate(1) "
       "script DIR/<domain>.nsupdate")
      ("domain", po::value<std::vector<std::string>>()->value_name("D"),
       "only this configured domain (repeatable; default: every domain)")
      ("help,h", "this help");
  return d;
}

po::options_description rotate_options() {
  po::options_description d("rotate options");
  d.add_options()
      ("config", po::value<std::string>()->required()->value_name("FILE"), "dnsauth.toml to read (required)")
      ("domain", po::value<std::string>()->required()->value_name("D"), "the configured domain (required)")
      ("out", po::value<std::string>()->required()->value_name("DIR"),
       "folder for the records with both selectors (required)")
      ("selector", po::value<std::string>()->value_name("OLD"),
       "the selector to replace (default: the domain's only selector)")
      ("new", po::value<std::string>()->value_name("NAME"),
       "the new selector's name (default: OLD with its last number counted up, e.g. s2026r -> s2027r)")
      ("format", po::value<std::string>()->default_value("zone")->value_name("F"), "zone, json or nsupdate")
      ("help,h", "this help");
  return d;
}

int run_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, generate_options());
  Format format = format_of(vm);
  config::Config cfg = load(vm["config"].as<std::string>());
  std::vector<const config::Domain*> domains;
  if (vm.count("domain")) {
    for (const auto& name : vm["domain"].as<std::vector<std::string>>()) {
      const config::Domain* d = cfg.find_domain(name);
      if (!d) throw InputError("domain " + name + " is not in " + vm["config"].as<std::string>());
      domains.push_back(d);
    }
  } else {
    for (const auto& d : cfg.domains) domains.push_back(&d);
  }
  if (domains.empty()) throw InputError(vm["config"].as<std::string>() + " configures no [[domain]]");

  bool ok = true;
  for (const config::Domain* d : domains) {
    std::map<std::string, std::string> keys;
    // A domain with a key that failed is not written: its fragment would publish a revoked key.
    if (!domain_keys(*d, keys, out, err)) {
      ok = false;
      continue;
    }
    auto recs = records::domain_records(*d, keys);
    ok = write_domain(vm["out"].as<std::string>(), *d, recs, format,
                      header_for(*d, vm["config"].as<std::string>(), "generate"), out, err) && ok;
  }
  return ok ? kExitOk : kExitError;
}

int run_rotate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, rotate_options());
  Format format = format_of(vm);
  const std::string config_file = vm["config"].as<std::string>();
  config::Config cfg = load(config_file);
  const config::Domain* found = cfg.find_domain(vm["domain"].as<std::string>());
  if (!found) throw InputError("domain " + vm["domain"].as<std::string>() + " is not in " + config_file);
  config::Domain domain = *found;

  std::vector<std::string> taken;
  for (const auto& s : domain.selectors) taken.push_back(s.name);
  const config::Selector* old = nullptr;
  if (vm.count("selector")) {
    for (const auto& s : domain.selectors)
      if (s.name == vm["selector"].as<std::string>()) old = &s;
    if (!old) throw UsageError("selector " + vm["selector"].as<std::string>() + " is not configured for " + domain.name);
  } else if (domain.selectors.size() == 1) {
    old = &domain.selectors.front();
  } else {
    std::string names;
    for (const auto& t : taken) names += (names.empty() ? "" : ", ") + t;
    throw UsageError(domain.name + (taken.empty() ? " has no selector to rotate"
                                                  : " has selectors " + names + ": name one with --selector"));
  }

  // A copy: pushing the new selector below may move the vector's elements.
  const config::Selector prev = *old;
  config::Selector next = prev;
  next.name = vm.count("new") ? vm["new"].as<std::string>() : next_selector(prev.name, taken);
  if (!valid_label(next.name)) throw UsageError("'" + next.name + "' is not a valid selector (RFC 6376 3.1)");
  if (std::find(taken.begin(), taken.end(), next.name) != taken.end())
    throw UsageError("selector " + next.name + " is already configured for " + domain.name);
  std::string key_name = prev.key;
  if (auto at = key_name.rfind(prev.name); at != std::string::npos)
    key_name.replace(at, prev.name.size(), next.name);
  else
    key_name = domain.name + "." + next.name + ".pem";
  next.key = key_name;
  next.key_path = (prev.key_path.parent_path() / fs::path(key_name).filename()).lexically_normal();
  next.testing = false;
  domain.selectors.push_back(next);

  std::map<std::string, std::string> keys;
  if (!domain_keys(domain, keys, out, err)) return kExitError;
  auto recs = records::domain_records(domain, keys);
  const fs::path out_dir = vm["out"].as<std::string>();
  if (!write_domain(out_dir, domain, recs, format, header_for(domain, config_file, "rotate"), out, err))
    return kExitError;

  const std::string ext = format == Format::zone ? ".zone" : format == Format::json ? ".json" : ".nsupdate";
  const fs::path fragment = out_dir / (domain.name + ext);
  const std::string old_owner = dkim::key_record_name(prev.name, domain.name);
  const std::string new_owner = dkim::key_record_name(next.name, domain.name);
  out << "\nRotation of " << domain.name << ": selector " << prev.name << " -> " << next.name << " ("
      << to_string(next.algorithm) << (next.algorithm == dkim::Algorithm::rsa_sha256 ? ", " + std::to_string(next.bits) + " bits" : "")
      << ")\n\n"
      << "1. Publish: load " << fragment.string() << " into the " << domain.name
      << " zone; it publishes " << prev.name << " and " << next.name << " together. Check it:\n"
      << "     dnsauth-publish lint --resolver <primary server> --domain " << domain.name << " --selector "
      << prev.name << " --selector " << next.name << "\n"
      << "2. Wait one TTL (" << domain.ttl << " s) after every authoritative server answers for " << new_owner
      << ", so that no resolver still has its absence cached.\n"
      << "3. Switch the signer: in " << config_file << ", in the [[domain.selector]] of " << domain.name
      << ", change\n"
      << "     name = \"" << prev.name << "\"   key = \"" << prev.key << "\"\n"
      << "   to\n"
      << "     name = \"" << next.name << "\"   key = \"" << next.key << "\"\n"
      << "   then run dnsauth-signer --config " << config_file << " --check-config and reload the signer.\n"
      << "4. Retire the old record: keep " << old_owner
      << " published while mail signed before the switch may still be verified (queue lifetime, at least "
         "a few days, plus one TTL); then replace it with \"v=DKIM1; p=\" (revoked) or delete it, and run "
         "dnsauth-publish generate again.\n"
      << "5. Delete the old key: " << prev.key_path.string() << "\n";
  return kExitOk;
}

}  // namespace dnsauth::publisher

// generate and rotate: keys and the records that publish them.
#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <ctime>

#include <boost/program_options.hpp>

#include "core/config/config.h"
#include "core/dkim/key_record.h"
#include "core/dns/resolver.h"
#include "core/records/delegation.h"
#include "core/records/records.h"
#include "core/records/zone_format.h"
#include "core/signing/delegation.h"
#include "core/signing/settings.h"
#include "core/signing/signing_table.h"
#include "publisher/commands.h"
#include "publisher/keys.h"
#include "publisher/lifecycle.h"
#include "core/lifecycle/rotation.h"
#include "publisher/output.h"
#include "publisher/zone_sync.h"

namespace dnsauth::publisher {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// The whole file is checked as the signer checks it (signing::load_config), so generate never
// accepts a configuration the signer would refuse.
signing::Config load_all(const std::string& file) {
  auto c = signing::load_config(file);
  if (!c) throw InputError(c.error().detail);
  return std::move(*c);
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

// The keys of the selectors the lifecycle state adds to the configured ones (read, never
// created: a retired key is the one DNS served). False when one cannot be read (reported).
bool lifecycle_keys(const Publication& pub, std::map<std::string, std::string>& public_keys, std::ostream& err) {
  std::string why;
  if (read_publication_keys(pub, public_keys, &why)) return true;
  err << "dnsauth-publish: error: " << why << "\n";
  return false;
}

std::string header_for(const config::Domain& d, const std::string& config_file, std::string_view what) {
  return "dnsauth-publish " + std::string(what) + ": the records of " + d.name + " from " + config_file +
         "\nTTL " + std::to_string(d.ttl) + "; owner names are absolute: load this into the " + d.name + " zone.";
}

// The records of the zone `name` written; "<name>: wrote FILES (N records)" on out, or the
// error on err and nullopt.
std::optional<Written> write_zone(const fs::path& out_dir, const std::string& name,
                                  const std::vector<records::TxtRecord>& recs, Format format,
                                  const std::string& header, std::ostream& out, std::ostream& err) {
  auto w = write_records(out_dir, name, recs, format, header);
  if (!w) {
    err << "dnsauth-publish: error: " << name << ": " << w.error().detail << "\n";
    return std::nullopt;
  }
  out << name << ": wrote";
  for (const auto& f : w->files) out << " " << f.string();
  out << " (" << w->records << " records";
  if (w->external) out << ", " << w->external << " of them outside " << name;
  out << ")\n";
  return *w;
}

bool write_domain(const fs::path& out_dir, const config::Domain& d, const std::vector<records::TxtRecord>& recs,
                  Format format, const std::string& header, std::ostream& out, std::ostream& err) {
  return write_zone(out_dir, d.name, recs, format, header, out, err).has_value();
}

nlohmann::ordered_json written_json(const std::string& name, const Written& w) {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& f : w.files) files.push_back(f.string());
  return {{"zone", name}, {"files", files}, {"records", w.records}};
}

// One hosted customer whose selectors are delegated by CNAME (core/records/delegation.h): the
// key records we publish at the targets and the CNAMEs the customer publishes.
struct Customer {
  std::string domain;
  std::vector<records::CnameRecord> cnames;
  std::vector<std::string> selectors;
};

// Every key-table domain delegated to [signer] delegation_zone: their key records, for the
// delegation zone's file (always whole: it is one zone, whatever --domain asked for), and their
// customers' CNAMEs. False when a key could not be read or a target is not a domain name
// (reported).
bool delegated_records(const signing::Config& cfg, const signing::SigningTables& tables,
                       std::vector<records::TxtRecord>& recs, std::vector<Customer>& customers, std::ostream& err) {
  std::vector<std::string> domains;
  for (const auto& k : tables.keys())
    if (k.domain != "%" && std::find(domains.begin(), domains.end(), k.domain) == domains.end())
      domains.push_back(k.domain);
  std::sort(domains.begin(), domains.end());
  bool ok = true;
  for (const auto& domain : domains) {
    auto selectors = signing::table_selectors(cfg.signer, tables, domain);
    if (!selectors) {
      err << "dnsauth-publish: error: " << domain << ": " << selectors.error().detail << "\n";
      ok = false;
      continue;
    }
    Customer c{domain, {}, {}};
    std::vector<records::TxtRecord> mine;
    bool keys_ok = true;
    for (const auto& t : *selectors) {
      const auto& entry = tables.keys().at(t.key);
      auto key = read_key(entry.key_path);
      if (!key) {
        err << "dnsauth-publish: error: " << domain << " selector " << t.expected.name << " (" << tables.key_table_name()
            << ":" << entry.line << "): " << key.error().detail << "\n";
        keys_ok = false;
        continue;
      }
      records::DkimKeySpec spec;
      spec.key_type = key->type();
      spec.public_key = key->public_key_record_bytes();
      const std::string owner = dkim::key_record_name(t.expected.name, domain);
      mine.push_back({t.expected.delegated_to, records::kDelegationTtl, records::dkim_key_record(spec), records::Kind::dkim,
                      "DKIM key for selector " + t.expected.name + " of " + domain + " (" +
                          std::string(dkim::to_string(key->type())) + "), delegated by the CNAME at " + owner});
      c.cnames.push_back({owner, records::kDelegationTtl, t.expected.delegated_to});
      c.selectors.push_back(t.expected.name);
    }
    // A customer with a key that failed is left out whole, as a [[domain]] is.
    if (!keys_ok) {
      ok = false;
      continue;
    }
    recs.insert(recs.end(), mine.begin(), mine.end());
    customers.push_back(std::move(c));
  }
  return ok;
}

// The customer's part: "<customer>.cname.zone" with the CNAME lines, each also on out.
std::optional<nlohmann::ordered_json> write_customer(const fs::path& out_dir, const Customer& c,
                                                     const std::string& zone, const std::string& config_file,
                                                     std::ostream& out, std::ostream& err) {
  std::string text = "; dnsauth-publish generate: the DKIM selectors of " + c.domain + " delegated to " + zone +
                     " (" + config_file + ")\n; Hand these lines to " + c.domain +
                     " to publish in its zone; owner names are absolute.\n";
  nlohmann::ordered_json cnames = nlohmann::ordered_json::array();
  const fs::path file = out_dir / (c.domain + ".cname.zone");
  out << c.domain << ": selectors delegated to " << zone << "; hand to " << c.domain << " (" << file.string() << "):\n";
  for (std::size_t i = 0; i < c.cnames.size(); ++i) {
    auto line = records::to_master_line(c.cnames[i]);
    if (!line) {
      err << "dnsauth-publish: error: " << c.domain << ": " << line.error().detail << "\n";
      return std::nullopt;
    }
    text += *line;
    out << "  " << *line;
    cnames.push_back({{"selector", c.selectors[i]},
                      {"name", c.cnames[i].owner + "."},
                      {"type", "CNAME"},
                      {"ttl", c.cnames[i].ttl},
                      {"target", c.cnames[i].target + "."},
                      {"zone_line", *line}});
  }
  if (auto w = write_file_atomic(file, text); !w) {
    err << "dnsauth-publish: error: " << c.domain << ": " << w.error().detail << "\n";
    return std::nullopt;
  }
  return nlohmann::ordered_json{{"domain", c.domain}, {"file", file.string()}, {"cnames", cnames}};
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
       "only this configured domain, or domain of the key table (repeatable; default: every domain)")
      ("json", "print what was written as one JSON object instead of text, with the CNAME lines each "
               "customer of [signer] delegation_zone must publish")
      ("state", po::value<std::string>()->value_name("FILE"),
       "the key lifecycle state: its published, retired and revoked selectors are written too "
       "(default: beside the config, dnsauth.lifecycle.toml for dnsauth.toml)")
      ("help,h", "this help");
  return d;
}

po::options_description rotate_options() {
  po::options_description d("rotate options");
  d.add_options()
      ("config", po::value<std::string>()->required()->value_name("FILE"), "dnsauth.toml to read (required)")
      ("domain", po::value<std::vector<std::string>>()->value_name("D"),
       "the configured domain whose rotation starts (one; with --auto: repeatable, default every domain)")
      ("out", po::value<std::string>()->value_name("DIR"),
       "write the records with both selectors to DIR, for publishing by hand")
      ("selector", po::value<std::string>()->value_name("OLD"),
       "the selector to replace (default: the domain's only selector)")
      ("new", po::value<std::string>()->value_name("NAME"),
       "the new selector's name (default: OLD with its last number counted up, e.g. s2026r -> s2027r)")
      ("format", po::value<std::string>()->default_value("zone")->value_name("F"), "zone, json or nsupdate");
  add_auto_options(d);
  d.add_options()("help,h", "this help");
  return d;
}

int run_generate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, generate_options());
  Format format = format_of(vm);
  const std::string config_file = vm["config"].as<std::string>();
  const signing::Config all = load_all(config_file);
  const config::Config& cfg = all.deployment;
  // The key-table domains are published by us only when their selectors are delegated to our
  // zone (core/records/delegation.h); otherwise their owners publish their own key records.
  std::optional<signing::SigningTables> tables;
  if (all.signer.delegation) {
    // Its file is <zone>.zone: a [[domain]] of that name would have the same file, one
    // overwriting the other.
    if (cfg.find_domain(all.signer.delegation->zone))
      throw InputError("[signer] delegation_zone " + all.signer.delegation->zone + " is also a [[domain]] of " +
                       config_file + ": give the delegated key records a zone of their own (\"dkim." +
                       all.signer.delegation->zone + "\")");
    auto t = signing::SigningTables::load(all.signer.key_table, all.signer.signing_table, cfg.file.parent_path());
    if (!t) throw InputError(t.error().detail);
    tables = std::move(*t);
  }
  std::vector<const config::Domain*> domains;
  std::vector<std::string> table_domains;  // asked for by --domain; their CNAMEs are printed
  if (vm.count("domain")) {
    for (const auto& name : vm["domain"].as<std::vector<std::string>>()) {
      const config::Domain* d = cfg.find_domain(name);
      if (d) {
        domains.push_back(d);
        continue;
      }
      const std::string lower = dns::normalize_name(name);
      if (!tables || std::none_of(tables->keys().begin(), tables->keys().end(),
                                  [&](const auto& k) { return k.domain == lower; }))
        throw InputError("domain " + name + " is not in " + config_file +
                         (tables ? " nor in its key table " + tables->key_table_name() : ""));
      table_domains.push_back(lower);
    }
  } else {
    for (const auto& d : cfg.domains) domains.push_back(&d);
  }
  if (domains.empty() && !tables) throw InputError(config_file + " configures no [[domain]]");

  // --json: the text lines are not printed; one object at the end says what was written.
  std::ostringstream discarded;
  const bool json = vm.count("json") > 0;
  std::ostream& text = json ? discarded : out;
  nlohmann::ordered_json written = nlohmann::ordered_json::array();
  const fs::path out_dir = vm["out"].as<std::string>();
  const lifecycle::State state = read_state(state_file(vm.count("state") ? vm["state"].as<std::string>() : "", config_file));
  bool ok = true;
  for (const config::Domain* d : domains) {
    std::map<std::string, std::string> keys;
    // A domain with a key that failed is not written: its fragment would publish a revoked key.
    if (!domain_keys(*d, keys, text, err)) {
      ok = false;
      continue;
    }
    // The selectors a rotation retired stay published until the lifecycle lets them go.
    const Publication pub = publication_of(*d, state);
    if (!lifecycle_keys(pub, keys, err)) {
      ok = false;
      continue;
    }
    auto recs = records::domain_records(pub.domain, keys);
    auto w = write_zone(out_dir, d->name, recs, format, header_for(*d, config_file, "generate"), text, err);
    if (!w) {
      ok = false;
      continue;
    }
    nlohmann::ordered_json entry = written_json(d->name, *w);
    if (d->mta_sts) {
      // The policy the _mta-sts record's id stands for: written with it, or not at all.
      auto policy = write_mta_sts_policy(out_dir, d->name, *d->mta_sts);
      if (!policy) {
        err << "dnsauth-publish: error: " << d->name << ": " << policy.error().detail << "\n";
        ok = false;
        continue;
      }
      const std::string url = "https://" + records::mta_sts_policy_host(d->name) + std::string(records::kMtaStsPolicyPath);
      text << d->name << ": wrote " << policy->string() << " (the MTA-STS policy, mode " << d->mta_sts->mode
           << "): serve it at " << url << " as text/plain\n";
      entry["mta_sts_policy"] = {{"file", policy->string()},
                                 {"url", url},
                                 {"id", records::mta_sts_id(records::mta_sts_policy(*d->mta_sts))}};
    }
    written.push_back(std::move(entry));
  }

  nlohmann::ordered_json delegation = nullptr;
  if (tables && (table_domains.size() || !vm.count("domain"))) {
    const records::Delegation& del = *all.signer.delegation;
    std::vector<records::TxtRecord> recs;
    std::vector<Customer> customers;
    ok = delegated_records(all, *tables, recs, customers, err) && ok;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    if (!customers.empty()) {
      const std::string header = "dnsauth-publish generate: the DKIM key records of the selectors delegated to " +
                                 del.zone + " from " + config_file +
                                 "\nOwner names are absolute: load this into the " + del.zone + " zone.";
      auto w = write_zone(out_dir, del.zone, recs, format, header, text, err);
      if (w) written.push_back(written_json(del.zone, *w));
      ok = w.has_value() && ok;
      for (const auto& c : customers) {
        if (!table_domains.empty() && std::find(table_domains.begin(), table_domains.end(), c.domain) == table_domains.end())
          continue;  // not asked for by --domain
        auto cj = write_customer(out_dir, c, del.zone, config_file, text, err);
        if (cj) list.push_back(std::move(*cj));
        ok = cj.has_value() && ok;
      }
    }
    delegation = {{"zone", del.zone}, {"target", del.target}, {"customers", list}};
  }
  if (json) out << nlohmann::ordered_json{{"written", written}, {"delegation", delegation}}.dump(2) << "\n";
  return ok ? kExitOk : kExitError;
}

int run_rotate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm = parse_command_line(args, rotate_options());
  if (vm.count("auto")) {
    if (vm.count("out") || vm.count("selector") || vm.count("new"))
      throw UsageError("--auto takes each domain one step further by itself: --out, --selector and --new start a rotation by hand");
    return run_rotate_auto(vm, out, err);
  }
  Format format = format_of(vm);
  if (!vm.count("domain") || vm["domain"].as<std::vector<std::string>>().size() != 1)
    throw UsageError("rotate starts the rotation of one --domain (or give --auto)");
  LifecycleInput in = read_lifecycle(vm);
  const std::string& config_file = in.config_file;
  const std::string domain_name = vm["domain"].as<std::vector<std::string>>().front();
  const config::Domain* found = in.all.deployment.find_domain(domain_name);
  if (!found) throw InputError("domain " + domain_name + " is not in " + config_file);
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
  lifecycle::State& state = in.state;
  const fs::path& state_path = in.state_path;
  reconcile_domain(state, domain, in.now, out);
  const config::Selector next =
      stage_successor(domain, prev, vm.count("new") ? vm["new"].as<std::string>() : "", state, in.now, out, err);
  write_state(state_path, state);
  domain.selectors.push_back(next);
  out << domain.name << ": " << next.name << " is staged in " << state_path.string()
      << ";\ndnsauth-publish rotate --auto publishes it, waits for every authoritative server and switches the "
         "signer, one safe step per run.\n";
  if (!vm.count("out")) return kExitOk;
  out << "Or by hand, with the records written below:\n";

  std::map<std::string, std::string> keys;
  if (!domain_keys(domain, keys, out, err)) return kExitError;
  // The selectors earlier rotations retired stay published too.
  const Publication pub = publication_of(domain, state);
  if (!lifecycle_keys(pub, keys, err)) return kExitError;
  auto recs = records::domain_records(pub.domain, keys);
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

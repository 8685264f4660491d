#include "core/signing/key_store.h"

#include <grp.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/common/file.h"
#include "core/mail/message.h"
#include "core/tables/postfix_tables.h"

namespace dnsauth::signing {

struct KeySetBuilder {
  static std::shared_ptr<KeySet> make() { return std::shared_ptr<KeySet>(new KeySet()); }
  static void set(KeySet& ks, std::shared_ptr<const Config> cfg, std::vector<KeySet::DomainKeys> d,
                  std::size_t keys) {
    ks.config_ = std::move(cfg);
    ks.domains_ = std::move(d);
    ks.key_count_ = keys;
    ks.loaded_at_ = std::chrono::system_clock::now();
  }
  static void set_tables(KeySet& ks, std::shared_ptr<const SigningTables> tables, dkim::SignerSpec table_template,
                         std::vector<std::shared_ptr<const dkim::PrivateKey>> table_keys,
                         std::shared_ptr<const LoginMap> login_map) {
    ks.tables_ = std::move(tables);
    ks.table_template_ = std::move(table_template);
    ks.table_keys_ = std::move(table_keys);
    ks.login_map_ = std::move(login_map);
  }
};

namespace {

constexpr std::uintmax_t kMaxKeyFile = 64 * 1024;  // a 4096-bit RSA PEM is about 3.3 KB

std::string where(const Config& cfg, int line) {
  return cfg.file().string() + (line > 0 ? ":" + std::to_string(line) : std::string());
}

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// [signer] user as the access checks need it: copied out of getpwnam()'s static storage, with
// the supplementary groups it gets when the signer switches to it (initgroups).
struct TargetUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<TargetUser> target_user(const std::string& name) {
  if (name.empty()) return std::nullopt;
  const passwd* pw = ::getpwnam(name.c_str());
  if (!pw) return std::nullopt;  // check_settings reports it
  TargetUser u{pw->pw_name, pw->pw_uid, pw->pw_gid, {}};
  int n = 64;
  for (int tries = 0; tries < 4; ++tries) {
    u.groups.resize(static_cast<std::size_t>(n));
    int got = n;
    if (::getgrouplist(u.name.c_str(), u.gid, u.groups.data(), &got) >= 0) {
      u.groups.resize(static_cast<std::size_t>(got));
      return u;
    }
    n = std::max(got, n * 2);
  }
  u.groups.assign(1, u.gid);
  return u;
}

// Whether `u` has `bit` (S_IROTH or S_IXOTH) on a file of `st`, as the kernel decides it from
// the mode (chmod(2), path_resolution(7)): the owner's bits for the owner, else the group's for
// a member, else the others'. ACLs are not read; key files and their folders do not need them.
bool allowed(const TargetUser& u, const struct stat& st, mode_t bit) {
  if (u.uid == 0) return true;
  if (st.st_uid == u.uid) return st.st_mode & (bit << 6);
  if (std::find(u.groups.begin(), u.groups.end(), st.st_gid) != u.groups.end()) return st.st_mode & (bit << 3);
  return st.st_mode & bit;
}

// Why someone other than root, us and the signer's user could replace what is in `dir`, or ""
// when no one can. The restricted deletion (sticky) bit of /tmp lets others add entries but not
// rename or remove ours.
std::string unsafe_folder(const std::string& dir, const struct stat& st, const std::optional<TargetUser>& user) {
  bool sticky = st.st_mode & S_ISVTX;
  if ((st.st_mode & S_IWOTH) && !sticky)
    return "folder " + dir + " is world-writable (mode " + octal_mode(st.st_mode) + "): anyone can replace the keys below it; run chmod o-w " + dir;
  if ((st.st_mode & S_IWGRP) && !sticky)
    return "folder " + dir + " is group-writable (mode " + octal_mode(st.st_mode) + "): group " + std::to_string(st.st_gid) +
           " can replace the keys below it; run chmod g-w " + dir;
  if (st.st_uid != 0 && st.st_uid != ::geteuid() && !(user && st.st_uid == user->uid))
    return "folder " + dir + " is owned by uid " + std::to_string(st.st_uid) +
           ", who can replace the keys below it; it must belong to root or the signer's user";
  return "";
}

struct Loader {
  const Config& cfg;
  std::vector<Finding>& findings;
  std::map<std::string, std::shared_ptr<const dkim::PrivateKey>> cache;  // by path: parsed once
  std::optional<TargetUser> user;
  // Started as root with a [signer] user, the signer reads the keys as root but reloads them as
  // that user: what the user cannot read would load now and be refused at the first reload.
  bool check_user_access = false;
  std::set<std::string> folders_checked;

  // Why `user` cannot open the key file at `real` (its canonical path, `st` its stat): the first
  // folder on the way it may not enter, or the file's own mode. "" when it can.
  std::string unreadable_for_user(const std::filesystem::path& real, const struct stat& st) const {
    std::filesystem::path at = real.root_path();
    std::vector<std::filesystem::path> chain{at};
    for (const auto& part : real.parent_path().relative_path()) chain.push_back(at /= part);
    for (const auto& folder : chain) {
      struct stat fs {};
      if (::stat(folder.c_str(), &fs) != 0) return "";  // reported by the file's own checks
      if (!allowed(*user, fs, S_IXOTH))
        return "user '" + user->name + "' cannot enter folder " + folder.string() + " (owner uid " +
               std::to_string(fs.st_uid) + ", group " + std::to_string(fs.st_gid) + ", mode " + octal_mode(fs.st_mode) +
               "), so the signer cannot read the key once it runs as that user";
    }
    if (!allowed(*user, st, S_IROTH))
      return "user '" + user->name + "' cannot read it (owner uid " + std::to_string(st.st_uid) + ", mode " +
             octal_mode(st.st_mode) + "), so the signer cannot read the key once it runs as that user; run chown " +
             user->name + " " + real.string();
    return "";
  }

  // As OpenDKIM checks a key's path: every folder from the root down to `dir` (symbolic links
  // resolved). A key is only as private as the folders that hold it. Unlike OpenDKIM, a folder
  // no one else may enter does not end the walk: what is below it is checked all the same, so
  // that a world-writable key_dir is reported even while its parent happens to be closed.
  void check_folders(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::path real = std::filesystem::canonical(dir, ec);
    if (ec) return;  // a missing folder is reported with the key file it should hold
    std::filesystem::path at = real.root_path();
    std::vector<std::filesystem::path> chain{at};
    for (const auto& part : real.relative_path()) chain.push_back(at /= part);
    for (const auto& folder : chain) {
      struct stat st {};
      if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
      if (folders_checked.insert(folder.string()).second)
        if (std::string why = unsafe_folder(folder.string(), st, user); !why.empty()) error(why);
    }
  }

  void error(std::string text) { findings.push_back({Finding::Severity::error, std::move(text)}); }
  void warning(std::string text) { findings.push_back({Finding::Severity::warning, std::move(text)}); }

  std::shared_ptr<const dkim::PrivateKey> key(const config::Domain& d, const config::Selector& sel) {
    return key_file(sel.key_path, "selector " + sel.name + " of " + d.name + " (" + where(cfg, sel.line) + ")");
  }

  // One key file, read and parsed once however many selectors and table entries name it.
  std::shared_ptr<const dkim::PrivateKey> key_file(const std::filesystem::path& key_path, const std::string& who) {
    const std::string path = key_path.string();
    if (auto it = cache.find(path); it != cache.end()) return it->second;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      error("key file " + path + " for " + who + ": " + std::strerror(errno));
      return nullptr;
    }
    if (!S_ISREG(st.st_mode)) {
      error("key file " + path + " for " + who + " is not a regular file");
      return nullptr;
    }
    std::error_code ec;
    check_folders(std::filesystem::canonical(key_path, ec).parent_path());
    // A private key anyone else can read is no longer private; refuse to use it.
    if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
      error("key file " + path + " for " + who + " is group- or world-accessible (mode " + octal_mode(st.st_mode) +
            "); run chmod 600 " + path);
      return nullptr;
    }
    if (static_cast<std::uintmax_t>(st.st_size) > kMaxKeyFile) {
      error("key file " + path + " for " + who + " is " + std::to_string(st.st_size) + " bytes; not a PEM key");
      return nullptr;
    }
    if (check_user_access) {
      if (std::string why = unreadable_for_user(std::filesystem::canonical(key_path, ec), st); !why.empty()) {
        error("key file " + path + " for " + who + ": " + why);
        return nullptr;
      }
    }
    auto read = read_whole_file(key_path);
    if (!read) {
      error("key file " + path + " for " + who + ": cannot read: " + read.error().detail);
      return nullptr;
    }
    std::string& pem = *read;
    auto parsed = dkim::PrivateKey::from_pem(pem);
    OPENSSL_cleanse(pem.data(), pem.size());  // the key material lives on only inside OpenSSL
    if (!parsed) {
      error("key file " + path + " for " + who + ": " + parsed.error().detail);
      return nullptr;
    }
    auto k = std::make_shared<const dkim::PrivateKey>(std::move(*parsed));
    cache.emplace(path, k);
    return k;
  }

  void check_key_matches(const config::Domain& d, const config::Selector& sel, const dkim::PrivateKey& k) {
    std::string who = "selector " + sel.name + " of " + d.name + " (" + where(cfg, sel.line) + ")";
    if (k.type() != dkim::key_type_of(sel.algorithm)) {
      error("key file " + sel.key_path.string() + " holds an " + std::string(dkim::to_string(k.type())) + " key but " +
            who + " says " + std::string(dkim::to_string(sel.algorithm)));
    } else if (k.type() == dkim::KeyType::rsa && k.bits() != sel.bits) {
      warning("key file " + sel.key_path.string() + " holds a " + std::to_string(k.bits()) + "-bit RSA key but " + who +
              " says bits = " + std::to_string(sel.bits));
    }
    if (k.type() == dkim::KeyType::rsa && k.bits() < 2048) {
      warning("key file " + sel.key_path.string() + ": RSA keys under 2048 bits are weak (RFC 8301 3.2 recommends 2048)");
    }
  }
};

// The key and signing tables: every KeyTable entry's key (each file once, through the same
// cache as the selectors), and a domain named both here and in dnsauth.toml refused.
std::shared_ptr<const SigningTables> load_tables(Loader& loader, const Config& cfg,
                                                 std::vector<std::shared_ptr<const dkim::PrivateKey>>& table_keys,
                                                 std::size_t& keys) {
  const auto& s = cfg.signer;
  auto tables = SigningTables::load(s.key_table, s.signing_table, cfg.file().parent_path());
  if (!tables) {
    loader.error(cfg.file().string() + ": [signer] " + tables.error().detail);
    return nullptr;
  }
  for (const auto& d : cfg.domains()) {
    if (auto place = tables->where_named(d.name)) {
      loader.error("domain " + d.name + " is both a [[domain]] (" + where(cfg, d.line) + ") and in the tables (" +
                   *place + "); keep it in one place");
    }
  }
  for (const auto& k : tables->keys()) {
    const std::string who = "KeyTable entry " + k.name + " (" + tables->key_table_name() + ":" + std::to_string(k.line) + ")";
    const bool first_use = !loader.cache.contains(k.key_path);
    auto key = loader.key_file(k.key_path, who);
    if (key && first_use && key->type() == dkim::KeyType::rsa && key->bits() < 2048) {
      loader.warning("key file " + k.key_path + ": RSA keys under 2048 bits are weak (RFC 8301 3.2 recommends 2048)");
    }
    if (key) ++keys;
    table_keys.push_back(std::move(key));
  }
  return std::make_shared<const SigningTables>(std::move(*tables));
}

}  // namespace

dkim::SignerSpec KeySet::table_spec(std::size_t i) const {
  const auto& entry = tables_->keys().at(i);
  dkim::SignerSpec spec = table_template_;
  spec.domain = entry.domain == "%" ? "" : entry.domain;
  spec.selector = entry.selector;
  spec.key = table_keys_.at(i);
  return spec;
}

std::string Finding::str() const {
  return std::string(severity == Severity::error ? "error: " : "warning: ") + text;
}

std::string LoadResult::errors() const {
  std::string out;
  for (const auto& f : findings) {
    if (f.severity != Finding::Severity::error) continue;
    if (!out.empty()) out += "; ";
    out += f.text;
  }
  return out;
}

dkim::HeaderPolicy header_policy(const Settings& s) {
  dkim::HeaderPolicy p = dkim::HeaderPolicy::recommended();
  if (s.headers) {
    p.sign = *s.headers;
    // Oversign, of the recommended set, only what the operator still wants signed.
    if (!s.oversign) {
      std::vector<std::string> keep;
      for (const auto& o : p.oversign)
        for (const auto& h : p.sign)
          if (mail::iequals(o, h)) keep.push_back(o);
      p.oversign = keep;
    }
  }
  if (s.oversign) p.oversign = *s.oversign;
  for (auto& h : p.sign) h = mail::to_lower(h);
  for (auto& h : p.oversign) h = mail::to_lower(h);
  return p;
}

LoadResult build_key_set(Config cfg_in, const TableOpener& open_table) {
  LoadResult result;
  auto cfg = std::make_shared<const Config>(std::move(cfg_in));
  Loader loader{*cfg, result.findings, {}, {}, false, {}};

  const auto& s = cfg->signer;
  for (const auto& problem : check_settings(s)) loader.error(cfg->file().string() + ": [signer] " + problem);
  loader.user = target_user(s.user);
  loader.check_user_access = loader.user && ::geteuid() == 0 && loader.user->uid != 0;

  if (std::error_code ec; std::filesystem::is_directory(cfg->key_dir(), ec)) loader.check_folders(cfg->key_dir());
  dkim::HeaderPolicy headers = header_policy(s);
  std::vector<KeySet::DomainKeys> domains;
  std::size_t keys = 0;
  for (const auto& d : cfg->domains()) {
    KeySet::DomainKeys dk;
    dk.domain = d.name;
    for (const auto& sel : d.selectors) {
      auto k = loader.key(d, sel);
      if (!k) continue;
      loader.check_key_matches(d, sel, *k);
      dkim::SignerSpec spec;
      spec.domain = d.name;
      spec.selector = sel.name;
      spec.key = k;
      spec.canon = s.canon;
      spec.headers = headers;
      spec.expire_after = s.expire;
      dk.specs.push_back(std::move(spec));
      ++keys;
    }
    domains.push_back(std::move(dk));
  }
  std::shared_ptr<const SigningTables> tables;
  std::vector<std::shared_ptr<const dkim::PrivateKey>> table_keys;
  if (!s.signing_table.empty()) tables = load_tables(loader, *cfg, table_keys, keys);
  dkim::SignerSpec table_template;
  table_template.canon = s.canon;
  table_template.headers = headers;
  table_template.expire_after = s.expire;
  std::shared_ptr<const LoginMap> login_map;
  if (!s.login_map.empty()) {
    auto table = open_table ? open_table(s.login_map, cfg->file().parent_path(), s)
                            : tables::open_file_table(s.login_map, cfg->file().parent_path());
    if (!table) {
      loader.error(cfg->file().string() + ": [signer] login_map: " + table.error().detail);
    } else {
      login_map = std::make_shared<const LoginMap>(
          std::move(*table), LoginMapOptions{s.login_map_local_domains, s.login_map_recipient_delimiter});
    }
  }
  // A key set that can sign nothing is refused, so that a config emptied by mistake neither
  // starts a signer nor replaces a working key set on reload, which would leave all mail
  // unsigned with no more than a warning.
  const bool tables_sign = tables && !tables->keys().empty() && tables->signing_entries() > 0;
  const bool toml_keys = std::any_of(cfg->domains().begin(), cfg->domains().end(),
                                     [](const config::Domain& d) { return !d.selectors.empty(); });
  const bool tables_failed = !s.signing_table.empty() && !tables;  // reported already
  if (!toml_keys && !tables_sign && !tables_failed) {
    if (cfg->domains().empty() && s.signing_table.empty()) {
      loader.error(cfg->file().string() + ": no [[domain]] is configured; the signer would sign nothing");
    } else if (s.signing_table.empty()) {
      loader.error(cfg->file().string() + ": no [[domain.selector]] is configured; the signer would sign nothing");
    } else {
      loader.error(cfg->file().string() + ": the key and signing tables are empty and no [[domain.selector]] is "
                   "configured; the signer would sign nothing");
    }
  }
  bool failed = std::any_of(result.findings.begin(), result.findings.end(),
                            [](const Finding& f) { return f.severity == Finding::Severity::error; });
  if (!failed) {
    auto ks = KeySetBuilder::make();
    KeySetBuilder::set(*ks, cfg, std::move(domains), keys);
    KeySetBuilder::set_tables(*ks, std::move(tables), std::move(table_template), std::move(table_keys),
                              std::move(login_map));
    result.keys = std::move(ks);
  }
  return result;
}

LoadResult load_key_set(const std::filesystem::path& config_file, const TableOpener& open_table) {
  auto cfg = load_config(config_file);
  if (!cfg) {
    LoadResult r;
    r.findings.push_back({Finding::Severity::error, cfg.error().detail});
    return r;
  }
  return build_key_set(std::move(*cfg), open_table);
}

std::string KeySet::summary() const {
  std::string out = std::to_string(config_->domains().size()) + " domains, " + std::to_string(key_count_) + " keys";
  if (tables_) {
    out += "; key table " + tables_->key_table_name() + ": " + std::to_string(tables_->keys().size()) +
           " entries, signing table " + tables_->signing_table_name() + ": " +
           std::to_string(tables_->signing_entries()) + " entries";
  }
  if (login_map_) {
    const auto& map = login_map_->table();
    out += "; login map " + map.name() + ": " +
           (tables::is_file_table(map.name()) ? std::to_string(map.size()) + " entries" : std::string("asked per lookup"));
  }
  return out;
}

const KeySet::DomainKeys* KeySet::domain(std::string_view name) const {
  for (const auto& d : domains_)
    if (mail::iequals(d.domain, name)) return &d;
  return nullptr;
}

std::shared_ptr<const KeySet> KeyStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void KeyStore::install(std::shared_ptr<const KeySet> keys) {
  std::lock_guard lock(mutex_);
  current_ = std::move(keys);
}

LoadResult KeyStore::reload(const std::filesystem::path& config_file, const TableOpener& open_table) {
  LoadResult r = load_key_set(config_file, open_table);
  if (r.ok()) install(r.keys);
  return r;
}

}  // namespace dnsauth::signing

#include "core/signing/signing_table.h"

#include <algorithm>

#include "core/common/file.h"
#include "core/dns/name.h"
#include "core/tables/postfix_text.h"

namespace dnsauth::signing {

namespace {

Result<std::string> read_file(const std::filesystem::path& path) {
  auto text = read_whole_file(path);
  if (!text) return make_error(Errc::io, path.string() + ": cannot read: " + text.error().detail);
  return text;
}

bool ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) > 127) return false;
  return true;
}

// dkimf_reptoken: each '%' becomes the author's domain.
std::string replace_percent(std::string_view text, std::string_view domain) {
  std::string out;
  for (char c : text) {
    if (c == '%') out += domain;
    else out += c;
  }
  return out;
}

// The domain an address form names, for where_named: "user@host", "host", "*@host" -> host.
std::string_view host_of(std::string_view key) {
  auto at = key.rfind('@');
  return at == std::string_view::npos ? key : key.substr(at + 1);
}

}  // namespace

Result<SigningTables> SigningTables::parse(std::string_view key_table_text, std::string key_table_name,
                                           std::string_view signing_table_text, std::string signing_table_name,
                                           tables::DatasetKind kind, const std::filesystem::path& key_table_dir) {
  SigningTables t;
  t.kind_ = kind;
  auto keys = tables::parse_key_table(key_table_text, key_table_name, key_table_dir);
  if (!keys) return tl::unexpected(keys.error());
  auto entries = tables::parse_signing_table(signing_table_text, signing_table_name, kind);
  if (!entries) return tl::unexpected(entries.error());
  t.keys_ = std::move(*keys);
  t.entries_ = std::move(*entries);
  t.names_.reserve(t.keys_.size());
  for (std::size_t i = 0; i < t.keys_.size(); ++i) t.names_.emplace(t.keys_[i].name, i);
  if (kind == tables::DatasetKind::file) {
    t.exact_.reserve(t.entries_.size());
    for (std::size_t i = 0; i < t.entries_.size(); ++i) t.exact_.emplace(tables::fold_key(t.entries_[i].key), i);
  } else {
    t.by_domain_.reserve(t.entries_.size());
    for (std::size_t i = 0; i < t.entries_.size(); ++i) {
      const std::string& pattern = t.entries_[i].key;
      const auto stars = std::count(pattern.begin(), pattern.end(), '*');
      // "*@T" with no '@' or '*' in T matches exactly the addresses whose domain is T: the last
      // '@' of an address is the one before its domain.
      const bool any_at_domain = stars == 1 && pattern.starts_with("*@") && pattern.find('@', 2) == std::string::npos;
      if (any_at_domain) t.by_domain_[tables::fold_key(pattern.substr(2))].push_back(i);
      else if (stars == 0) t.by_address_[tables::fold_key(pattern)].push_back(i);
      else t.general_.push_back(i);
    }
  }
  // opendkim checks at start that every name the SigningTable gives is in the KeyTable.
  for (const auto& e : t.entries_) {
    if (e.key_name != "%" && !t.names_.contains(e.key_name)) {
      return make_error(Errc::syntax, signing_table_name + ":" + std::to_string(e.line) + ": key name '" + e.key_name +
                                          "' is not in the KeyTable " + key_table_name);
    }
  }
  t.key_table_name_ = std::move(key_table_name);
  t.signing_table_name_ = std::move(signing_table_name);
  return t;
}

Result<SigningTables> SigningTables::load(std::string_view key_table, std::string_view signing_table,
                                          const std::filesystem::path& base_dir) {
  auto kspec = tables::parse_dataset_spec(key_table, base_dir, false, true);
  if (!kspec) return make_error(Errc::syntax, "[signer] key_table: " + kspec.error().detail);
  auto sspec = tables::parse_dataset_spec(signing_table, base_dir, true, false);
  if (!sspec) return make_error(Errc::syntax, "[signer] signing_table: " + sspec.error().detail);
  auto ktext = read_file(kspec->path);
  if (!ktext) return tl::unexpected(ktext.error());
  auto stext = read_file(sspec->path);
  if (!stext) return tl::unexpected(stext.error());
  return parse(*ktext, kspec->path.string(), *stext, sspec->path.string(), sspec->kind, kspec->path.parent_path());
}

Result<std::vector<SigningTables::Match>> SigningTables::match(std::string_view local, std::string_view domain,
                                                               bool multiple) const {
  std::vector<Match> out;
  if (!ascii(local) || !ascii(domain)) return out;
  // Each hit is one signature request, as dkimf_apply_signtable adds them.
  auto add = [&](const tables::SigningTableEntry& e) -> Result<void> {
    std::string name = e.key_name == "%" ? std::string(domain) : e.key_name;
    auto found = names_.find(name);
    if (found == names_.end()) {
      return make_error(Errc::key, signing_table_name_ + ":" + std::to_string(e.line) + ": key name '" + name +
                                       "' (for \"%\") is not in the KeyTable " + key_table_name_);
    }
    const auto& k = keys_[found->second];
    Match m{found->second, k.domain == "%" ? std::string(domain) : k.domain, k.selector, {}, e.line};
    // opendkim.conf(5) SigningTable: i= is left out when it conflicts with d=.
    std::string identity = replace_percent(e.identity, domain);
    auto at = identity.rfind('@');
    if (!identity.empty() && dns::is_at_or_below(at == std::string::npos ? identity : identity.substr(at + 1), m.domain))
      m.identity = identity;
    for (const auto& earlier : out)
      if (earlier.domain == m.domain && earlier.selector == m.selector) return {};
    out.push_back(std::move(m));
    return {};
  };
  const std::string address = std::string(local) + "@" + std::string(domain);
  if (kind_ == tables::DatasetKind::refile) {
    // The matching patterns in file order, as trying each in turn finds them.
    std::vector<std::size_t> hits;
    for (const auto& [index, name] : {std::pair{&by_domain_, tables::fold_key(domain)}, std::pair{&by_address_, tables::fold_key(address)}})
      if (auto it = index->find(name); it != index->end()) hits.insert(hits.end(), it->second.begin(), it->second.end());
    for (std::size_t i : general_)
      if (tables::wildcard_match(entries_[i].key, address)) hits.push_back(i);
    std::sort(hits.begin(), hits.end());
    for (std::size_t i : hits) {
      if (auto r = add(entries_[i]); !r) return tl::unexpected(r.error());
      if (!multiple) break;
    }
    return out;
  }
  // file: one whole-key lookup per form, in dkimf_apply_signtable's order.
  std::vector<std::string> forms{address, std::string(domain)};
  for (auto dot = domain.find('.'); dot != std::string_view::npos; dot = domain.find('.', dot + 1)) {
    forms.push_back(std::string(local) + "@" + std::string(domain.substr(dot)));
    forms.push_back(std::string(domain.substr(dot)));
  }
  forms.push_back(std::string(local) + "@*");
  forms.push_back("*");
  for (const auto& form : forms) {
    auto hit = exact_.find(tables::fold_key(form));
    if (hit == exact_.end()) continue;
    if (auto r = add(entries_[hit->second]); !r) return tl::unexpected(r.error());
    if (!out.empty() && !multiple) break;
  }
  return out;
}

std::optional<std::string> SigningTables::where_named(std::string_view domain) const {
  for (const auto& k : keys_)
    if (k.domain != "%" && dns::is_at_or_below(k.domain, domain) && dns::is_at_or_below(domain, k.domain))
      return key_table_name_ + ":" + std::to_string(k.line);
  for (const auto& e : entries_) {
    std::string_view host = host_of(e.key);
    if (host.find('*') != std::string_view::npos) continue;
    if (host.starts_with(".")) continue;  // parents match subdomains, not the name itself
    if (dns::is_at_or_below(host, domain) && dns::is_at_or_below(domain, host))
      return signing_table_name_ + ":" + std::to_string(e.line);
  }
  return std::nullopt;
}

std::vector<std::string> SigningTables::named_domains() const {
  std::vector<std::string> out;
  for (const auto& k : keys_)
    if (k.domain != "%") out.push_back(k.domain);
  for (const auto& e : entries_) {
    std::string_view host = host_of(e.key);
    if (host.empty() || host.find('*') != std::string_view::npos || host.starts_with(".")) continue;
    if (dns::is_domain_name(host, dns::NameSyntax::host)) out.push_back(tables::fold_key(host));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> SigningTables::named_localparts(std::string_view domain) const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    auto at = e.key.rfind('@');
    if (at == std::string::npos || at == 0 || e.key.find('*') != std::string::npos) continue;
    if (tables::fold_key(host_of(e.key)) != tables::fold_key(domain)) continue;
    std::string local = e.key.substr(0, at);
    if (std::find(out.begin(), out.end(), local) == out.end()) out.push_back(std::move(local));
  }
  return out;
}

}  // namespace dnsauth::signing

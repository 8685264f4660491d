#include "core/dns/zone_resolver.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "core/dns/ldns_records.h"
#include "core/dns/name.h"

namespace dnsauth::dns {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string parent_of(std::string_view name) {
  std::size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1));
}

// The longest domain that every name is at or below.
std::string common_suffix(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::string suffix = names.front();
  for (const auto& n : names)
    while (!suffix.empty() && !is_at_or_below(n, suffix)) suffix = parent_of(suffix);
  return suffix;
}

bool same_record(const Answer& have, const Answer& add, RRType type) {
  for (std::size_t i = 0; i < have.records.size(); ++i) {
    if (have.records[i] != add.records.front()) continue;
    if ((type == RRType::TXT || type == RRType::SPF) && have.txt_parts[i] != add.txt_parts.front())
      continue;
    return true;
  }
  return false;
}

// A file named "example.com.zone" holds example.com unless it says otherwise.
std::string origin_from_file_name(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  const std::string suffix = ".zone";
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return {};
  std::string domain = name.substr(0, name.size() - suffix.size());
  if (domain.find('.') == std::string::npos) return {};
  return domain;
}


struct RrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;

// "$INCLUDE <file> [<origin>]" (RFC 1035 5.1), as ldns consumed it: the file and the origin.
// A quoted word is a word even when empty: `$INCLUDE ""` names no file, and must not let the
// origin after it pass for the file name.
std::vector<std::string> include_arguments(std::string text) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false, in_word = false;
  for (char c : text) {
    if (!quoted && c == ';') break;  // a comment ends the line
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')')) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (!words.empty()) words.erase(words.begin());  // "$INCLUDE"
  return words;
}

using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Opens a master file for reading. fopen() opens a directory too, and every read of it then
// fails without ever reaching end of file, so a directory is refused here.
Result<FilePtr> open_master_file(const std::filesystem::path& file, const std::string& what) {
  FilePtr fp(std::fopen(file.c_str(), "r"));
  if (!fp) return make_error(Errc::io, "cannot open " + what + " " + file.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(::fileno(fp.get()), &st) != 0)
    return make_error(Errc::io, "cannot read " + what + " " + file.string() + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return make_error(Errc::io, what + " " + file.string() + " is a directory");
  return fp;
}

// Reads every record of a master file into owned. Records are read one by one rather than with
// ldns_zone_new_frm_fp_l, which leaks the records read before a syntax error (ldns 1.8.3) and
// does not implement $INCLUDE. An included file starts at the origin its $INCLUDE names, or
// the including file's current one, and does not change the includer's (RFC 1035 5.1).
Result<void> read_records(std::FILE* fp, const std::string& source, const std::filesystem::path& dir,
                          const ldns_rdf* origin, std::vector<RrPtr>& owned, int depth) {
  ldns_rdf* current_origin = ldns_rdf_clone(origin);
  ldns_rdf* previous_owner = ldns_rdf_clone(origin);
  detail::RdfPtr origin_guard(current_origin), previous_guard(previous_owner);
  std::uint32_t default_ttl = 3600;
  int line = 0;  // ldns counts the lines it consumed: at an error, the offending line
  while (!std::feof(fp)) {
    long start = std::ftell(fp);
    ldns_rr* rr = nullptr;
    errno = 0;
    ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &default_ttl, &current_origin, &previous_owner, &line);
    // A read error never reaches end of file: ldns reports it as an empty line, and the loop
    // would ask again forever.
    if (std::ferror(fp)) {
      int saved = errno;
      if (rr) ldns_rr_free(rr);
      return make_error(Errc::io, source + ":" + std::to_string(line) + ": read error" +
                                      (saved ? std::string(": ") + std::strerror(saved) : std::string()));
    }
    // ldns freed and replaced the origin or the previous owner: keep the guards current.
    if (origin_guard.get() != current_origin) {
      (void)origin_guard.release();
      origin_guard.reset(current_origin);
    }
    if (previous_guard.get() != previous_owner) {
      (void)previous_guard.release();
      previous_guard.reset(previous_owner);
    }
    std::string at = source + ":" + std::to_string(line) + ": ";
    if (st == LDNS_STATUS_OK) {
      owned.emplace_back(rr);
      continue;
    }
    if (rr) ldns_rr_free(rr);
    if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL || st == LDNS_STATUS_SYNTAX_ORIGIN) {
      if (std::ftell(fp) == start && !std::feof(fp))
        return make_error(Errc::io, at + "the reader made no progress");  // never spin
      continue;
    }
    if (st != LDNS_STATUS_SYNTAX_INCLUDE) return make_error(Errc::syntax, at + ldns_get_errorstr_by_id(st));

    long end = std::ftell(fp);
    std::string text(end > start ? static_cast<std::size_t>(end - start) : 0, '\0');
    std::fseek(fp, start, SEEK_SET);
    text.resize(std::fread(text.data(), 1, text.size(), fp));
    std::fseek(fp, end, SEEK_SET);
    std::vector<std::string> args = include_arguments(text);
    if (args.empty() || args.size() > 2 || args[0].empty())
      return make_error(Errc::syntax, at + "$INCLUDE needs a file name and at most an origin");
    if (depth >= 8) return make_error(Errc::syntax, at + "$INCLUDE nested more than 8 deep");
    std::filesystem::path file = args[0];
    if (file.is_relative()) file = dir / file;
    detail::RdfPtr include_origin;
    if (args.size() == 2) {
      ldns_rdf* o = nullptr;
      if (ldns_str2rdf_dname(&o, args[1].c_str()) != LDNS_STATUS_OK || !o)
        return make_error(Errc::syntax, at + "$INCLUDE origin '" + args[1] + "' is not a domain name");
      include_origin.reset(o);
      if (!ldns_dname_str_absolute(args[1].c_str()) && current_origin) {
        ldns_rdf* absolute = ldns_dname_cat_clone(o, current_origin);
        include_origin.reset(absolute);
      }
    }
    auto included = open_master_file(file, "$INCLUDE file");
    if (!included) return make_error(Errc::io, at + included.error().detail);
    auto r = read_records(included->get(), file.string(), file.parent_path(),
                          include_origin ? include_origin.get() : current_origin, owned, depth + 1);
    if (!r) return r;
  }
  return {};
}
}  // namespace

Result<void> ZoneResolver::load_file(const std::filesystem::path& file, std::string_view origin) {
  auto fp = open_master_file(file, "zone file");
  if (!fp) return tl::unexpected(fp.error());
  std::string start = origin.empty() ? origin_from_file_name(file) : std::string(origin);
  return load_stream(fp->get(), file.string(), file.parent_path(), start);
}

Result<void> ZoneResolver::load_text(std::string_view text, std::string_view source,
                                     std::string_view origin) {
  std::string copy(text);
  if (copy.empty() || copy.back() != '\n') copy.push_back('\n');
  std::unique_ptr<std::FILE, FileCloser> fp(fmemopen(copy.data(), copy.size(), "r"));
  if (!fp) return make_error(Errc::io, "cannot read zone text " + std::string(source) + ": " + std::strerror(errno));
  return load_stream(fp.get(), std::string(source), std::filesystem::current_path(), origin);
}

Result<void> ZoneResolver::load_stream(std::FILE* fp, const std::string& source,
                                       const std::filesystem::path& base_dir, std::string_view origin) {
  std::string origin_text = origin.empty() ? "." : std::string(origin);
  if (origin_text.back() != '.') origin_text.push_back('.');
  ldns_rdf* raw_origin = nullptr;
  if (ldns_str2rdf_dname(&raw_origin, origin_text.c_str()) != LDNS_STATUS_OK || !raw_origin)
    return make_error(Errc::invalid_argument, source + ": origin '" + std::string(origin) +
                                                  "' is not a domain name");
  detail::RdfPtr origin_rdf(raw_origin);

  std::vector<RrPtr> owned;
  if (auto r = read_records(fp, source, base_dir, origin_rdf.get(), owned, 0); !r) return r;

  std::vector<const ldns_rr*> rrs;
  const ldns_rr* soa = nullptr;
  for (const auto& rr : owned) {
    if (ldns_rr_get_type(rr.get()) == LDNS_RR_TYPE_SOA) {
      if (soa) return make_error(Errc::syntax, source + ": more than one SOA record");
      soa = rr.get();
    }
    rrs.push_back(rr.get());
  }
  if (rrs.empty()) return {};

  std::vector<std::string> owners;
  for (const ldns_rr* rr : rrs) owners.push_back(detail::dname_to_string(ldns_rr_owner(rr)));
  // The zone: below the SOA's owner; for a fragment without SOA, below the longest domain its
  // names share, or, when that is a top-level domain or the root (a fragment of names from
  // several zones), each name by itself, so that its neighbours still reach the fallback.
  std::vector<std::string> apexes;
  if (soa) {
    apexes.push_back(detail::dname_to_string(ldns_rr_owner(soa)));
  } else {
    std::vector<std::string> names;
    for (const auto& o : owners) names.push_back(o.rfind("*.", 0) == 0 ? o.substr(2) : o);  // a wildcard's zone holds its parent
    std::string common = common_suffix(names);
    if (common.find('.') != std::string::npos) apexes.push_back(common);
    else apexes = names;
  }
  auto apex_of = [&apexes](const std::string& owner) -> const std::string* {
    const std::string* best = nullptr;
    for (const auto& a : apexes)
      if (is_at_or_below(owner, a) && (!best || a.size() > best->size())) best = &a;
    return best;
  };

  // Everything is checked before anything is added, so a file with an error changes nothing.
  struct Parsed {
    const std::string* owner;
    std::optional<RRType> type;
    Answer answer;
  };
  std::vector<Parsed> parsed;
  for (std::size_t i = 0; i < rrs.size(); ++i) {
    const ldns_rr* rr = rrs[i];
    const std::string& owner = owners[i];
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
      return make_error(Errc::syntax, source + ": record for " + owner + " is not of class IN");
    if (!apex_of(owner))
      return make_error(Errc::syntax, source + ": record owner " + owner + " is outside the zone " +
                                          (apexes.front().empty() ? "." : apexes.front()));
    Parsed p{&owner, detail::to_rrtype(ldns_rr_get_type(rr)), {}};
    if (p.type && !detail::append_record(p.answer, rr, *p.type))
      return make_error(Errc::syntax, source + ": malformed " + std::string(to_string(*p.type)) +
                                          " record for " + owner);
    parsed.push_back(std::move(p));
  }
  for (const auto& p : parsed) {
    Node& node = nodes_[*p.owner];
    node.has_records = true;
    if (!p.type) continue;
    Answer& have = node.answers[*p.type];
    // A server answers an RRset, in which identical records are one (RFC 2181 5).
    if (have.status == Status::ok && same_record(have, p.answer, *p.type)) continue;
    have.status = Status::ok;
    have.records.push_back(p.answer.records.front());
    if (!p.answer.txt_parts.empty()) have.txt_parts.push_back(p.answer.txt_parts.front());
    if (!p.answer.mx.empty()) have.mx.push_back(p.answer.mx.front());
    if (*p.type == RRType::CNAME) node.cname = p.answer.records.front();
    ++record_count_;
  }
  // RFC 4592 2.2.2: the names between the apex and an owner exist, with no data of their own.
  for (const auto& owner : owners) {
    const std::string& apex = *apex_of(owner);
    for (std::string p = owner; p != apex && !p.empty();) {
      p = parent_of(p);
      non_terminals_.insert(p);
    }
  }
  for (const auto& apex : apexes) {
    non_terminals_.insert(apex);
    apexes_.insert(apex);
  }
  return {};
}

const std::string* ZoneResolver::find_apex(const std::string& name) const {
  const std::string* best = nullptr;
  for (const auto& apex : apexes_)
    if (is_at_or_below(name, apex) && (!best || apex.size() > best->size())) best = &apex;
  return best;
}

const ZoneResolver::Node* ZoneResolver::lookup(const std::string& name, const std::string& apex,
                                               bool* exists) const {
  *exists = true;
  if (auto it = nodes_.find(name); it != nodes_.end()) return &it->second;
  if (non_terminals_.count(name)) return nullptr;
  // RFC 4592 3.3.1: the closest encloser is the nearest existing ancestor; only the wildcard
  // directly below it ("source of synthesis") may answer.
  std::string encloser = name;
  while (encloser != apex) {
    encloser = parent_of(encloser);
    if (encloser == apex || nodes_.count(encloser) || non_terminals_.count(encloser)) break;
  }
  if (auto it = nodes_.find(encloser.empty() ? "*" : "*." + encloser); it != nodes_.end())
    return &it->second;
  *exists = false;
  return nullptr;
}

std::vector<std::string> ZoneResolver::names() const {
  std::vector<std::string> out;
  out.reserve(nodes_.size());
  for (const auto& [name, node] : nodes_) out.push_back(name);
  return out;
}

Answer ZoneResolver::records_at(std::string_view name, RRType type) const {
  if (auto it = nodes_.find(normalize_name(name)); it != nodes_.end())
    if (auto a = it->second.answers.find(type); a != it->second.answers.end()) return a->second;
  return Answer{Status::nodata, {}, {}, {}, {}};
}

Answer ZoneResolver::query(std::string_view name, RRType type) {
  std::string current = normalize_name(name);
  for (int hops = 0; hops < 16; ++hops) {
    const std::string* apex = find_apex(current);
    if (!apex) {
      if (fallback_) return fallback_->query(current, type);
      return Answer{Status::nxdomain, {}, {}, {}, current + " is outside the loaded zones"};
    }
    bool exists = false;
    const Node* node = lookup(current, *apex, &exists);
    if (!node) return Answer{exists ? Status::nodata : Status::nxdomain, {}, {}, {}, {}};
    if (!node->cname.empty() && type != RRType::CNAME) {
      current = node->cname;
      continue;
    }
    auto it = node->answers.find(type);
    if (it == node->answers.end()) return Answer{Status::nodata, {}, {}, {}, {}};
    return it->second;
  }
  return Answer::temp_failure("CNAME chain too long or looping at " + current);
}

}  // namespace dnsauth::dns

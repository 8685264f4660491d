#include "core/dmarc/discovery.h"

#include <libpsl.h>

#include <algorithm>

#include "core/dns/name.h"

namespace dnsauth::dmarc {

std::string_view to_string(Mode mode) noexcept {
  return mode == Mode::rfc7489 ? "rfc7489" : "rfc9989";
}

std::optional<Mode> parse_mode(std::string_view text) noexcept {
  if (text == "rfc9989" || text == "9989" || text == "RFC9989") return Mode::rfc9989;
  if (text == "rfc7489" || text == "7489" || text == "RFC7489") return Mode::rfc7489;
  return std::nullopt;
}

std::size_t count_labels(std::string_view domain) noexcept {
  if (domain.empty()) return 0;
  return static_cast<std::size_t>(std::count(domain.begin(), domain.end(), '.')) + 1;
}

std::string_view last_labels(std::string_view domain, std::size_t labels) noexcept {
  if (labels == 0) return {};
  std::size_t pos = domain.size();
  for (std::size_t i = 0; i < labels; ++i) {
    std::size_t dot = pos == 0 ? std::string_view::npos : domain.rfind('.', pos - 1);
    if (dot == std::string_view::npos) return domain;
    pos = dot;
  }
  return domain.substr(pos + 1);
}

std::string normalize_domain(std::string_view domain) { return dns::normalize_name(domain); }

// ---- Public Suffix List -------------------------------------------------------------------

const PublicSuffixList& PublicSuffixList::system() {
  // A function-local static: initialised once, thread-safe (C++11 6.7 [stmt.dcl]).
  static const PublicSuffixList list = [] {
    auto loaded = load_file("/usr/share/publicsuffix/public_suffix_list.dat");
    if (loaded) return std::move(*loaded);
    PublicSuffixList builtin;
    // psl_builtin() is static data owned by libpsl: never freed.
    builtin.ctx_ = std::shared_ptr<psl_ctx_st>(const_cast<psl_ctx_t*>(psl_builtin()),
                                               [](psl_ctx_st*) {});
    builtin.source_ = "builtin";
    return builtin;
  }();
  return list;
}

Result<PublicSuffixList> PublicSuffixList::load_file(const std::filesystem::path& file) {
  psl_ctx_t* ctx = psl_load_file(file.c_str());
  if (!ctx) return make_error(Errc::io, "cannot load the Public Suffix List from " + file.string());
  PublicSuffixList list;
  list.ctx_ = std::shared_ptr<psl_ctx_st>(ctx, [](psl_ctx_st* p) { psl_free(p); });
  list.source_ = file.string();
  return list;
}

bool PublicSuffixList::is_public_suffix(std::string_view domain) const {
  if (!ctx_) return count_labels(domain) <= 1;
  std::string d = normalize_domain(domain);
  return psl_is_public_suffix(ctx_.get(), d.c_str()) != 0;
}

std::size_t PublicSuffixList::suffix_count() const {
  if (!ctx_) return 0;
  int n = psl_suffix_count(ctx_.get());
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
  std::string d = normalize_domain(domain);
  if (d.empty()) return d;
  if (!ctx_) return std::string(last_labels(d, 2));  // no list at all: the "*" rule alone
  // RFC 7489 3.2 steps 3-4; a public suffix itself has no x+1th label and stays as it is.
  const char* registrable = psl_registrable_domain(ctx_.get(), d.c_str());
  return registrable ? std::string(registrable) : d;
}

// ---- Lookups ------------------------------------------------------------------------------

std::string RecordLookup::summary() const {
  std::string out = name + ": ";
  switch (status) {
    case dns::Status::tempfail:
      return out + "temporary DNS failure" + (detail.empty() ? "" : " (" + detail + ")");
    case dns::Status::nxdomain:
      return out + "NXDOMAIN";
    case dns::Status::nodata:
      return out + "no TXT records";
    case dns::Status::ok:
      break;
  }
  if (record) return out + record->text;
  if (dmarc_records > 1)
    return out + std::to_string(dmarc_records) + " DMARC records, all discarded";
  return out + std::to_string(txt.size()) + " TXT record(s), none starting with v=DMARC1";
}

PolicyFinder::PolicyFinder(dns::Resolver& resolver, DiscoveryOptions options)
    : resolver_(resolver), options_(options) {
  if (options_.max_walk_queries == 0) options_.max_walk_queries = 1;
}

const PublicSuffixList& PolicyFinder::psl() const {
  return options_.psl ? *options_.psl : PublicSuffixList::system();
}

const RecordLookup& PolicyFinder::lookup(std::string_view domain_in) {
  std::string domain = normalize_domain(domain_in);
  if (auto it = by_domain_.find(domain); it != by_domain_.end()) return lookups_[it->second];

  RecordLookup l;
  l.domain = domain;
  l.name = "_dmarc." + domain;
  dns::Answer answer = resolver_.query(l.name, dns::RRType::TXT);
  l.status = answer.status;
  l.detail = answer.detail;
  if (answer.ok()) {
    l.txt = answer.records;
    const std::string* only = nullptr;
    for (const std::string& txt : l.txt) {
      // RFC 9989 4.10 step 2 / RFC 7489 6.6.3 step 2: other TXT records are discarded.
      if (!is_dmarc_record(txt)) continue;
      ++l.dmarc_records;
      only = &txt;
    }
    // "If multiple DMARC Policy Records are returned for a single target, they are all
    // discarded."
    if (l.dmarc_records == 1) {
      if (auto rec = parse_record(*only)) l.record = std::move(*rec);
    }
  }
  lookups_.push_back(std::move(l));
  by_domain_.emplace(domain, lookups_.size() - 1);
  return lookups_.back();
}

std::vector<const RecordLookup*> PolicyFinder::lookups() const {
  std::vector<const RecordLookup*> out;
  for (const auto& l : lookups_) out.push_back(&l);
  return out;
}

std::vector<std::string> PolicyFinder::walk_targets(std::string_view domain_in,
                                                    std::size_t max_queries, bool include_start) {
  std::string domain = normalize_domain(domain_in);
  std::vector<std::string> out;
  std::size_t x = count_labels(domain);
  if (x == 0) return out;
  if (max_queries == 0) max_queries = 1;
  if (include_start) out.push_back(domain);
  // RFC 9989 4.10 step 4: below 8 labels drop one; from 8 up, jump to the last 7. Then
  // step 7: one label at a time, down to the last.
  std::size_t next = std::min(x - 1, max_queries - 1);
  for (std::size_t n = next; n >= 1; --n) out.emplace_back(last_labels(domain, n));
  return out;
}

std::vector<const RecordLookup*> PolicyFinder::tree_walk(std::string_view domain,
                                                         bool include_start) {
  std::vector<const RecordLookup*> out;
  for (const std::string& target : walk_targets(domain, options_.max_walk_queries, include_start)) {
    const RecordLookup& l = lookup(target);
    out.push_back(&l);
    if (l.tempfail()) break;
    // Steps 2 and 6: a single remaining record with psd=n or psd=y ends the walk.
    if (l.record && l.record->psd != PsdFlag::unknown) break;
  }
  return out;
}

OrganizationalDomain PolicyFinder::organizational_domain(std::string_view domain_in) {
  std::string domain = normalize_domain(domain_in);
  if (domain.empty() || domain.front() == '[')
    return {domain, false, "not a domain name: its own Organizational Domain"};
  if (auto it = org_cache_.find(domain); it != org_cache_.end()) return it->second;

  OrganizationalDomain org;
  if (options_.mode == Mode::rfc7489) {
    org.domain = psl().organizational_domain(domain);
    org.reason = org.domain == domain && psl().is_public_suffix(domain)
                     ? domain + " is a public suffix (PSL)"
                     : "registrable domain under the Public Suffix List";
  } else {
    auto walk = tree_walk(domain, true);
    if (!walk.empty() && walk.back()->tempfail()) {
      org.temperror = true;
      org.reason = "tree walk for " + domain + " failed: " + walk.back()->summary();
    } else {
      // RFC 9989 4.10.2: from the longest name to the shortest.
      const RecordLookup* shortest = nullptr;
      for (const RecordLookup* l : walk) {
        if (!l->record) continue;
        if (l->record->psd == PsdFlag::no) {
          org.domain = l->domain;
          org.reason = "psd=n at " + l->domain;
          break;
        }
        if (l->record->psd == PsdFlag::yes && l->domain != domain) {
          org.domain = std::string(last_labels(domain, count_labels(l->domain) + 1));
          org.reason = "one label below the Public Suffix Domain " + l->domain + " (psd=y)";
          break;
        }
        shortest = l;
      }
      if (org.domain.empty()) {
        if (shortest) {
          org.domain = shortest->domain;
          org.reason = "the name with the fewest labels holding a DMARC record";
        } else {
          org.domain = domain;
          org.reason = "no DMARC record on the tree walk: the domain itself";
        }
      }
    }
  }
  org_cache_.emplace(domain, org);
  return org;
}

PolicyDiscovery PolicyFinder::discover(std::string_view author_in) {
  PolicyDiscovery d;
  d.author_domain = normalize_domain(author_in);
  const std::string& author = d.author_domain;
  auto found = [&](const RecordLookup& l, Cause cause, std::string detail) {
    d.outcome = PolicyDiscovery::Outcome::found;
    d.policy_domain = l.domain;
    d.record = *l.record;
    d.cause = cause;
    d.detail = std::move(detail);
    return d;
  };
  auto temperror = [&](const RecordLookup& l) {
    d.outcome = PolicyDiscovery::Outcome::temperror;
    d.cause = Cause::dns_temperror;
    d.detail = "DNS failure looking up " + l.summary();
    return d;
  };
  auto none = [&](Cause cause, std::string detail) {
    d.cause = cause;
    d.detail = std::move(detail);
    return d;
  };
  if (author.empty() || author.front() == '[') return none(Cause::invalid_author_domain, {});
  // Only a domain name can hold a DMARC record. Anything else (empty labels, a NUL or other
  // bytes no label may hold) is never walked: a resolver that reads names as C strings would
  // ask for another name than the one given and answer for it (found by fuzz_dmarc_discovery).
  // Underscores are allowed, as in any name that is looked up (NameSyntax::dns).
  if (!dns::is_domain_name(author, dns::NameSyntax::dns))
    return none(Cause::invalid_author_domain, "'" + author + "' is not a domain name");

  const RecordLookup& first = lookup(author);
  if (first.tempfail()) return temperror(first);
  if (first.record) return found(first, Cause::record_at_author_domain, "record at " + first.name);

  if (options_.mode == Mode::rfc7489) {
    // RFC 7489 6.6.3 steps 3 and 5: only an empty set moves on to the Organizational Domain;
    // several records at the Author Domain end discovery.
    if (first.dmarc_records > 1)
      return none(Cause::several_records, first.summary() + ": DMARC not applied (RFC 7489 6.6.3 step 5)");
    std::string org = psl().organizational_domain(author);
    if (org == author) return none(Cause::no_record, "no DMARC record at " + first.name);
    const RecordLookup& second = lookup(org);
    if (second.tempfail()) return temperror(second);
    if (second.record)
      return found(second, Cause::record_at_organizational_domain,
                   "no record at " + first.name + "; record at the Organizational Domain (PSL) " + org);
    return none(Cause::no_record, "no DMARC record at " + first.name + " or " + second.name +
                                      (second.dmarc_records > 1 ? " (several records there, all discarded)" : ""));
  }

  // RFC 9989 4.10.1: the tree walk from the parent (the Author Domain was asked first).
  auto walk = tree_walk(author, true);
  if (!walk.empty() && walk.back()->tempfail()) return temperror(*walk.back());
  OrganizationalDomain org = organizational_domain(author);
  const RecordLookup* psd = nullptr;
  for (const RecordLookup* l : walk) {
    if (l->domain == org.domain && l->record)
      return found(*l, Cause::record_at_organizational_domain,
                   "no record at " + first.name + "; record at the Organizational Domain " + org.domain +
                       " (" + org.reason + ")");
    if (l->record && l->record->psd == PsdFlag::yes) psd = l;
  }
  if (psd) {
    d.psd_record = true;
    return found(*psd, Cause::record_at_public_suffix_domain,
                 "no record at " + first.name + " or its Organizational Domain " + org.domain +
                     "; record at the Public Suffix Domain " + psd->domain);
  }
  std::string names;
  for (const RecordLookup* l : walk) names += (names.empty() ? "" : ", ") + l->name;
  return none(Cause::no_record, "no DMARC record on the tree walk (" + names + ")");
}

std::string_view to_string(Cause cause) noexcept {
  switch (cause) {
    case Cause::no_record: return "no_record";
    case Cause::several_records: return "several_records";
    case Cause::invalid_author_domain: return "invalid_author_domain";
    case Cause::no_author_domain: return "no_author_domain";
    case Cause::record_at_author_domain: return "record_at_author_domain";
    case Cause::record_at_organizational_domain: return "record_at_organizational_domain";
    case Cause::record_at_public_suffix_domain: return "record_at_public_suffix_domain";
    case Cause::dns_temperror: return "dns_temperror";
    case Cause::existence_temperror: return "existence_temperror";
    case Cause::alignment_temperror: return "alignment_temperror";
    case Cause::unusable_record: return "unusable_record";
    case Cause::too_many_author_domains: return "too_many_author_domains";
    case Cause::aligned_pass: return "aligned_pass";
    case Cause::no_aligned_pass: return "no_aligned_pass";
  }
  return "?";
}

std::string_view describe(Cause cause) noexcept {
  switch (cause) {
    case Cause::no_record: return "no DMARC record";
    case Cause::several_records: return "several DMARC records, all discarded";
    case Cause::invalid_author_domain: return "the Author Domain is not a domain name";
    case Cause::no_author_domain: return "no Author Domain";
    case Cause::record_at_author_domain: return "record at the Author Domain";
    case Cause::record_at_organizational_domain: return "record at the Organizational Domain";
    case Cause::record_at_public_suffix_domain: return "record at the Public Suffix Domain";
    case Cause::dns_temperror: return "DNS failure looking up a DMARC record";
    case Cause::existence_temperror: return "cannot tell whether the Author Domain exists (np=)";
    case Cause::alignment_temperror: return "no aligned pass and a temporary error";
    case Cause::unusable_record: return "the DMARC record is unusable and has no valid rua";
    case Cause::too_many_author_domains: return "From names more domains than are evaluated (RFC 9989 11.5)";
    case Cause::aligned_pass: return "aligned pass";
    case Cause::no_aligned_pass: return "no aligned pass";
  }
  return "";
}

std::string PolicyDiscovery::reason() const {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

// ---- External destinations ------------------------------------------------------------------

std::string_view to_string(DestinationCheck::Status status) noexcept {
  switch (status) {
    case DestinationCheck::Status::same_organization: return "same-organization";
    case DestinationCheck::Status::authorized: return "authorized";
    case DestinationCheck::Status::unauthorized: return "unauthorized";
    case DestinationCheck::Status::temperror: return "temperror";
    case DestinationCheck::Status::name_too_long: return "name-too-long";
    case DestinationCheck::Status::no_host: return "no-host";
  }
  return "unauthorized";
}

namespace {

bool fits_dns(std::string_view name) {
  if (name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return true;
}

}  // namespace

DestinationCheck check_report_destination(PolicyFinder& finder, std::string_view policy_domain_in,
                                          const ReportUri& uri, std::string_view tag) {
  DestinationCheck c;
  c.tag = std::string(tag);
  c.uri = uri;
  c.policy_domain = normalize_domain(policy_domain_in);
  const std::string host = normalize_domain(uri.host);
  if (host.empty() || host.front() == '[') {
    c.status = DestinationCheck::Status::no_host;
    c.reason = "'" + uri.uri + "' names no host whose consent could be checked";
    return c;
  }
  OrganizationalDomain org_policy = finder.organizational_domain(c.policy_domain);
  OrganizationalDomain org_host = finder.organizational_domain(host);
  if (org_policy.temperror || org_host.temperror) {
    c.status = DestinationCheck::Status::temperror;
    c.reason = org_policy.temperror ? org_policy.reason : org_host.reason;
    return c;
  }
  if (org_policy.domain == org_host.domain) {
    c.status = DestinationCheck::Status::same_organization;
    c.reason = host + " shares the Organizational Domain " + org_host.domain;
    return c;
  }
  // RFC 9990 4 steps 1-3: <policy domain>._report._dmarc.<destination host>
  c.query = c.policy_domain + "._report._dmarc." + host;
  if (!fits_dns(c.query)) {
    c.status = DestinationCheck::Status::name_too_long;
    c.reason = c.query + " exceeds DNS name limits (RFC 9990 4 step 4)";
    return c;
  }
  dns::Answer answer = finder.resolver().query(c.query, dns::RRType::TXT);
  c.dns_status = answer.status;
  if (answer.status == dns::Status::tempfail) {
    c.status = DestinationCheck::Status::temperror;
    c.reason = "DNS failure for " + c.query + (answer.detail.empty() ? "" : ": " + answer.detail);
    return c;
  }
  c.txt = answer.records;
  std::optional<Record> confirming;
  for (const std::string& txt : c.txt) {
    if (!is_dmarc_record(txt)) continue;  // step 6: v=DMARC1 first, or discarded
    if (auto rec = parse_record(txt)) {
      confirming = std::move(*rec);
      break;
    }
  }
  if (!confirming) {
    c.status = DestinationCheck::Status::unauthorized;
    c.reason = host + " has not agreed to receive reports for " + c.policy_domain + ": no v=DMARC1 record at " + c.query;
    return c;
  }
  // Step 9: the destination may override the URI, but only with one on the same host.
  const std::vector<ReportUri>& replacement = tag == "ruf" ? confirming->ruf : confirming->rua;
  for (const ReportUri& r : replacement) {
    if (normalize_domain(r.host) != host) {
      c.status = DestinationCheck::Status::unauthorized;
      c.reason = "the confirming record at " + c.query + " overrides with '" + r.uri +
                 "' on another host: no report to either";
      c.overrides.clear();
      return c;
    }
    c.overrides.push_back(r);
  }
  c.status = DestinationCheck::Status::authorized;
  c.reason = host + " agreed to receive reports for " + c.policy_domain + " (" + c.query + ")";
  if (!c.overrides.empty()) c.reason += "; its record overrides the URI";
  return c;
}

std::vector<DestinationCheck> check_report_destinations(PolicyFinder& finder,
                                                        std::string_view policy_domain,
                                                        const Record& record) {
  std::vector<DestinationCheck> out;
  for (const ReportUri& u : record.rua)
    out.push_back(check_report_destination(finder, policy_domain, u, "rua"));
  for (const ReportUri& u : record.ruf)
    out.push_back(check_report_destination(finder, policy_domain, u, "ruf"));
  return out;
}

}  // namespace dnsauth::dmarc

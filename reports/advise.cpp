#include "reports/advise.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/common/ascii.h"
#include "core/dns/ip_address.h"
#include "reports/query.h"

namespace dnsauth::reports {

namespace {

using sqlite::Statement;

// d= or an SPF domain that is the domain or below it: ours. Alignment proper is the
// receiver's (policy_evaluated); this only tells our identifiers from a third party's.
bool under(std::string_view name, std::string_view domain) {
  return name == domain ||
         (name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.');
}

// RFC 7489 7.2.1.1 PolicyOverrideType: the receiver delivered despite the policy, and why.
bool is_override(std::string_view type) {
  return type == "forwarded" || type == "mailing_list" || type == "trusted_forwarder" || type == "local_policy";
}

// The reason types of a record's reasons column ("type" or "type: comment", one per line).
std::vector<std::string> reason_types(std::string_view reasons) {
  std::vector<std::string> out;
  while (!reasons.empty()) {
    std::size_t nl = reasons.find('\n');
    std::string_view line = reasons.substr(0, nl);
    reasons = nl == std::string_view::npos ? std::string_view{} : reasons.substr(nl + 1);
    std::size_t colon = line.find(':');
    std::string_view type = line.substr(0, colon);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (!type.empty()) out.push_back(ascii::to_lower(type));
  }
  return out;
}

std::string toml_string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}

std::string join(const std::set<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

struct AuthRow {
  std::string kind, domain, selector, result;
};

// One failing record, as the classification reads it.
struct FailingRecord {
  std::string ip;
  std::uint64_t count = 0;
  std::string reasons;
  std::vector<AuthRow> auth;
};

// What the domain's config and the whole period (passing mail included) say about sources.
class Classifier {
 public:
  explicit Classifier(const config::Domain& domain) : domain_(domain) {
    if (domain.spf) {
      for (const auto* list : {&domain.spf->ip4, &domain.spf->ip6})
        for (const auto& text : *list)
          if (auto n = dns::Network::parse(text)) networks_.push_back(*n);
    }
  }

  // A DKIM pass with d= our domain and selector s, from ip, in a report of org.
  void passed(const std::string& ip, const std::string& d, const std::string& s, const std::string& org) {
    if (!under(d, domain_.name) || !domain_.find_selector(s)) return;
    passing_selectors_.insert(ascii::to_lower(s));
    signer_orgs_[ip].insert(org);
  }

  bool in_spf(const std::string& ip) const {
    auto a = dns::IpAddress::parse(ip);
    if (!a) return false;
    dns::IpAddress address = a->unmapped();
    for (const auto& n : networks_)
      if (n.contains(address)) return true;
    return false;
  }

  // The class of a record that failed DMARC, what identifies the source within it, and (third
  // parties) the other domain for which SPF passed.
  struct Classified {
    Classified(SourceClass c, std::string d = {}, std::string spf = {})
        : cls(c), detail(std::move(d)), third_party_spf(std::move(spf)) {}
    SourceClass cls;
    std::string detail;
    std::string third_party_spf;
  };
  Classified classify(const FailingRecord& r) const {
    const std::string& d = domain_.name;
    if (in_spf(r.ip)) {
      bool ours_passed = false;
      std::string seen;
      for (const auto& a : r.auth)
        if (a.kind == "spf" && under(a.domain, d)) {
          ours_passed = ours_passed || a.result == "pass";
          if (seen.empty()) seen = "spf " + a.domain + " " + a.result;
        }
      if (!ours_passed) return {SourceClass::spf_not_published, seen};
    }
    if (auto it = signer_orgs_.find(r.ip); it != signer_orgs_.end() && it->second.size() >= 2 && !in_spf(r.ip))
      return {SourceClass::ours_missing_from_spf, "signs for " + std::to_string(it->second.size()) + " receivers"};
    for (const auto& type : reason_types(r.reasons))
      if (is_override(type)) return {SourceClass::forwarder, type};

    // DKIM signatures of our domain that did not pass (and none that did).
    bool ours_dkim_passed = false;
    std::string mismatched, unknown, broken;
    for (const auto& a : r.auth) {
      if (a.kind != "dkim" || !under(a.domain, d)) continue;
      if (a.result == "pass") {
        ours_dkim_passed = true;
      } else if (!domain_.find_selector(a.selector)) {
        if (unknown.empty()) unknown = a.selector;
      } else if (!passing_selectors_.count(ascii::to_lower(a.selector))) {
        if (mismatched.empty()) mismatched = a.selector;
      } else if (broken.empty()) {
        broken = a.selector;
      }
    }
    if (!ours_dkim_passed) {
      if (!mismatched.empty()) return {SourceClass::key_mismatch, "s=" + mismatched};
      if (!unknown.empty()) return {SourceClass::unknown_selector, "s=" + unknown};
      if (!broken.empty()) return {SourceClass::forwarder, "s=" + broken + " broken in transit"};
    }

    std::string third_dkim, third_spf;
    for (const auto& a : r.auth) {
      if (a.result != "pass") continue;
      if (under(a.domain, d)) return {SourceClass::not_aligned, a.kind + " " + a.domain};
      std::string& third = a.kind == "dkim" ? third_dkim : third_spf;
      if (third.empty()) third = a.domain;
    }
    if (!third_dkim.empty()) return {SourceClass::third_party, "d=" + third_dkim, third_spf};
    if (!third_spf.empty()) return {SourceClass::third_party, "spf " + third_spf, third_spf};
    return {SourceClass::spoofing, ""};
  }

 private:
  const config::Domain& domain_;
  std::vector<dns::Network> networks_;
  std::set<std::string> passing_selectors_;                       // lowercase
  std::unordered_map<std::string, std::set<std::string>> signer_orgs_;  // ip -> organizations
};

// The newest report's date_begin for the domain, nullopt without one.
Result<std::optional<std::int64_t>> newest_report(const detail::Scope& scope) {
  auto s = scope.prepare("SELECT MAX(r.date_begin)" + detail::records_of_domain());
  if (!s) return tl::unexpected(s.error());
  std::optional<std::int64_t> newest;
  auto rows = detail::each_row(*s, [&](const Statement& row) {
    if (!row.is_null(0)) newest = row.int64(0);
  });
  if (!rows) return tl::unexpected(rows.error());
  return newest;
}

Result<void> read_totals(const detail::Scope& scope, Advice& out) {
  auto s = scope.prepare(std::string("SELECT COUNT(DISTINCT r.id),") + detail::kCountColumns +
                         detail::records_of_domain());
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    out.reports = detail::count(row, 0);
    out.totals.messages = detail::count(row, 1);
    out.totals.dmarc_pass = detail::count(row, 2);
    out.totals.dkim_aligned = detail::count(row, 3);
    out.totals.spf_aligned = detail::count(row, 4);
    out.totals.dmarc_fail = out.totals.messages - out.totals.dmarc_pass;
  });
}

Result<void> read_published(const detail::Scope& scope, Advice& out) {
  auto s = scope.prepare("SELECT r.org_name, r.date_begin, r.domain, r.p, r.pct, r.testing" +
                         detail::records_of_domain() + " ORDER BY r.date_begin DESC, r.id DESC LIMIT 1");
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    Published p{row.text(0), row.int64(1), row.text(2), PolicyStep{row.text(3), std::nullopt, std::nullopt}};
    if (!row.is_null(4)) p.step.pct = static_cast<int>(row.int64(4));
    if (row.text(5) == "y") p.step.testing = true;
    if (row.text(5) == "n") p.step.testing = false;
    out.published = std::move(p);
  });
}

Result<void> read_signers(const detail::Scope& scope, Classifier& classifier) {
  auto s = scope.prepare(
      "SELECT c.source_ip, a.domain, a.selector, r.org_name" +
      detail::records_of_domain(" JOIN auth_results a ON a.record = c.id AND a.kind = 'dkim' AND a.result = 'pass'") +
      " GROUP BY 1, 2, 3, 4");
  if (!s) return tl::unexpected(s.error());
  return detail::each_row(*s, [&](const Statement& row) {
    classifier.passed(row.text(0), row.text(1), row.text(2), row.text(3));
  });
}

using Tally = std::map<std::tuple<SourceClass, std::string, std::string>, std::uint64_t>;

Result<void> classify_failing(const detail::Scope& scope, const Classifier& classifier, Tally& tally,
                              std::set<std::string>& third_party_spf) {
  auto s = scope.prepare("SELECT c.id, c.source_ip, c.count, c.reasons, a.kind, a.domain, a.selector, a.result" +
                         detail::records_of_domain(" LEFT JOIN auth_results a ON a.record = c.id") +
                         " AND c.dkim <> 'pass' AND c.spf <> 'pass' ORDER BY c.id, a.ordinal");
  if (!s) return tl::unexpected(s.error());
  std::optional<std::int64_t> current;
  FailingRecord record;
  auto flush = [&] {
    if (!current || record.count == 0) return;
    auto c = classifier.classify(record);
    tally[{c.cls, record.ip, c.detail}] += record.count;
    if (!c.third_party_spf.empty()) third_party_spf.insert(c.third_party_spf);
  };
  auto rows = detail::each_row(*s, [&](const Statement& row) {
    if (row.int64(0) != current) {
      flush();
      current = row.int64(0);
      record = FailingRecord{row.text(1), detail::count(row, 2), row.text(3), {}};
    }
    if (!row.is_null(4)) record.auth.push_back(AuthRow{row.text(4), row.text(5), row.text(6), row.text(7)});
  });
  if (!rows) return rows;
  flush();
  return {};
}

// The words and the TOML of each class, from its sources and the config.
void explain(ClassResult& c, const config::Domain& domain, const std::set<std::string>& details,
             const std::set<std::string>& third_party_spf) {
  const std::string& d = domain.name;
  switch (c.cls) {
    case SourceClass::spf_not_published:
      c.fix = "[domain.spf] lists these addresses, but the SPF record receivers found for " + d +
              " does not pass them: publish the configured records (dnsauth-publish generate, then plan and "
              "apply) and check them with dnsauth-validate selftest";
      break;
    case SourceClass::ours_missing_from_spf: {
      c.fix = "these hosts sign with " + d +
              "'s selectors in the reports of several receivers, but SPF does not list them: if they are "
              "yours, add them to [domain.spf] and publish";
      std::vector<std::string> ip4 = domain.spf ? domain.spf->ip4 : std::vector<std::string>{};
      std::vector<std::string> ip6 = domain.spf ? domain.spf->ip6 : std::vector<std::string>{};
      const std::size_t had4 = ip4.size(), had6 = ip6.size();
      std::set<std::string> seen;
      for (const auto& s : c.sources) {
        auto a = dns::IpAddress::parse(s.ip);
        if (!a || !seen.insert(a->unmapped().to_string()).second) continue;
        (a->unmapped().is_v4() ? ip4 : ip6).push_back(a->unmapped().to_string());
      }
      c.config_change = "[domain.spf]\n";
      if (ip4.size() > had4) c.config_change += "ip4 = " + toml_string_list(ip4) + "\n";
      if (ip6.size() > had6) c.config_change += "ip6 = " + toml_string_list(ip6) + "\n";
      break;
    }
    case SourceClass::forwarder:
      c.fix = "nothing in dnsauth.toml: forwarders and mailing lists break DKIM signatures and send from "
              "their own addresses; receivers that trust their ARC seals (RFC 8617) or know them by local "
              "policy deliver this mail anyway";
      break;
    case SourceClass::unknown_selector: {
      c.fix = "DKIM signatures with d=" + d + " and selectors dnsauth.toml does not have (" + join(details) +
              "): find the system signing with them, and add each that is yours (with its key) or stop it";
      for (const auto& s : details) c.config_change += "[[domain.selector]]\nname = \"" + s.substr(2) + "\"\n";
      break;
    }
    case SourceClass::key_mismatch:
      c.fix = "the published key of " + join(details) +
              " does not match its key file (it passes nowhere in the period): publish the configured records "
              "again (dnsauth-publish generate, then plan and apply) and check them with dnsauth-validate selftest";
      break;
    case SourceClass::not_aligned: {
      const bool strict_dkim = domain.dmarc && domain.dmarc->adkim == "s";
      const bool strict_spf = domain.dmarc && domain.dmarc->aspf == "s";
      c.fix = "these messages passed for " + d +
              " or a subdomain, but not aligned with From: relax the alignment, or sign (d=) and send "
              "(MAIL FROM) with exactly the From domain";
      if (strict_dkim || strict_spf) {
        c.config_change = "[domain.dmarc]\n";
        if (strict_dkim) c.config_change += "adkim = \"r\"\n";
        if (strict_spf) c.config_change += "aspf = \"r\"\n";
      }
      break;
    }
    case SourceClass::third_party: {
      c.fix = "services that send as " + d + " with their own identifiers (" + join(details) +
              "): have each sign with d=" + d + " -- it gives you a selector and a key record or CNAME to publish at "
              "<selector>._domainkey." + d + " beside the records of dnsauth.toml, which lists only the keys "
              "dnsauth signs with";
      if (!third_party_spf.empty()) {
        c.fix += "; or, where the service lets you send with a MAIL FROM at " + d + ", authorize it in SPF";
        std::vector<std::string> include = domain.spf ? domain.spf->include : std::vector<std::string>{};
        for (const auto& b : third_party_spf)
          if (std::find(include.begin(), include.end(), b) == include.end()) include.push_back(b);
        c.config_change = "[domain.spf]\ninclude = " + toml_string_list(include) + "\n";
      }
      break;
    }
    case SourceClass::spoofing:
      c.fix = "nothing to fix: this is the mail the next step stops";
      break;
  }
}

std::string step_change(const PolicyStep& from, const PolicyStep& to, const std::string& domain) {
  std::string out = "[domain.dmarc]\n";
  if (to.p != from.p) out += "p = \"" + to.p + "\"\n";
  // A first record: the reports this command reads come to its rua= (RFC 7489 7.1).
  if (from.p.empty()) out += "rua = [\"mailto:dmarc-reports@" + domain + "\"]\n";
  if (to.pct != from.pct && to.pct) out += "pct = " + std::to_string(*to.pct) + "\n";
  if (to.testing != from.testing && to.testing) out += std::string("testing = ") + (*to.testing ? "true" : "false") + "\n";
  return out;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

void judge(Advice& a) {
  if (a.next && a.next->p == "none") {
    a.verdict = Verdict::safe;
    a.recommendation = "publish a DMARC record with p=none: receivers handle mail as before and send reports";
    return;
  }
  if (a.reports == 0 || a.totals.messages == 0) {
    a.verdict = Verdict::no_reports;
    a.recommendation = "no reports for " + a.domain + " in the period: nothing to judge the next step by";
    return;
  }
  std::string failing = format_percent(a.failing_share) + " of legitimate mail (" +
                        plural(a.legitimate_failing, "message", "messages") + " from " +
                        plural(a.legitimate_failing_sources, "source", "sources") + ")";
  if (!a.next) {
    a.verdict = Verdict::nothing_to_do;
    a.recommendation = "already at p=reject: there is no further step (" + failing + " fails DMARC)";
    return;
  }
  const std::string verb = a.next->p == "reject" ? "rejected" : "quarantined";
  if (a.failing_share <= a.threshold) {
    a.verdict = Verdict::safe;
    a.recommendation = "safe to move to " + a.next->describe() + ": " +
                       (a.legitimate_failing == 0 ? "no legitimate mail fails DMARC"
                                                  : failing + " would be " + verb);
  } else {
    a.verdict = Verdict::not_yet;
    a.recommendation = "not yet: " + failing + " fails DMARC and would be " + verb + " at " + a.next->describe() +
                       ", more than the threshold of " + format_percent(a.threshold) +
                       "; fix the classes above first";
  }
}

}  // namespace

std::string_view to_string(SourceClass c) noexcept {
  switch (c) {
    case SourceClass::spf_not_published: return "spf_not_published";
    case SourceClass::ours_missing_from_spf: return "ours_missing_from_spf";
    case SourceClass::forwarder: return "forwarder";
    case SourceClass::unknown_selector: return "unknown_selector";
    case SourceClass::key_mismatch: return "key_mismatch";
    case SourceClass::not_aligned: return "not_aligned";
    case SourceClass::third_party: return "third_party";
    case SourceClass::spoofing: return "spoofing";
  }
  return "spoofing";
}

std::string_view describe(SourceClass c) noexcept {
  switch (c) {
    case SourceClass::spf_not_published: return "ours, SPF not published as configured";
    case SourceClass::ours_missing_from_spf: return "ours, missing from SPF";
    case SourceClass::forwarder: return "forwarders and mailing lists";
    case SourceClass::unknown_selector: return "our domain, unknown selector";
    case SourceClass::key_mismatch: return "our selector failing (key mismatch)";
    case SourceClass::not_aligned: return "ours, not aligned";
    case SourceClass::third_party: return "third-party senders";
    case SourceClass::spoofing: return "unknown, probably spoofing";
  }
  return "";
}

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::safe: return "safe";
    case Verdict::not_yet: return "not_yet";
    case Verdict::nothing_to_do: return "nothing_to_do";
    case Verdict::no_reports: return "no_reports";
  }
  return "no_reports";
}

std::string PolicyStep::describe() const {
  if (p.empty()) return "no DMARC record";
  std::string out = "p=" + p;
  if (pct) out += " pct=" + std::to_string(*pct);
  if (testing) out += *testing ? " t=y" : " t=n";
  return out;
}

PolicyStep current_step(const config::Domain& domain) {
  if (!domain.dmarc) return {};
  return PolicyStep{domain.dmarc->p, domain.dmarc->pct, domain.dmarc->testing};
}

std::optional<PolicyStep> next_step(const PolicyStep& current) {
  if (current.p.empty()) return PolicyStep{"none", std::nullopt, std::nullopt};
  PolicyStep next = current;
  // A step that enforces more starts at the smallest share the config's knobs allow.
  auto start = [&](std::string p) {
    next.p = std::move(p);
    if (current.pct) next.pct = 25;
    if (current.testing) next.testing = true;
    return next;
  };
  if (current.p == "none") return start("quarantine");
  if (current.p != "quarantine" && current.p != "reject") return std::nullopt;
  // RFC 9989 7.2: t=y asks receivers for one step less; dropping it is the step.
  if (current.testing.value_or(false)) {
    next.testing = false;
    return next;
  }
  // RFC 7489 6.6.4: pct= applies the policy to that share of failing mail.
  if (int pct = current.pct.value_or(100); pct < 100) {
    next.pct = pct < 25 ? 25 : pct < 50 ? 50 : 100;
    return next;
  }
  if (current.p == "reject") return std::nullopt;
  return start("reject");
}

std::string format_percent(double percent) {
  char buf[64];
  if (percent == 0) return "0%";
  if (percent < 0.1) std::snprintf(buf, sizeof buf, "%.2f%%", percent);
  else if (percent < 10) std::snprintf(buf, sizeof buf, "%.1f%%", percent);
  else std::snprintf(buf, sizeof buf, "%.0f%%", percent);
  return buf;
}

Result<Advice> advise(sqlite3* db, const config::Domain& domain, const AdviseOptions& options) {
  auto name = detail::normalize_domain(domain.name);
  if (!name) return tl::unexpected(name.error());
  Advice out;
  out.domain = *name;
  out.threshold = options.threshold;
  out.current = current_step(domain);
  out.next = next_step(out.current);
  // Without sp=, subdomains follow p= (RFC 7489 6.3): the step moves their mail too.
  out.subdomains = !domain.dmarc || !domain.dmarc->sp;

  detail::Scope scope{db, out.domain, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
              out.subdomains};
  if (options.period) {
    out.period = *options.period;
  } else {
    auto newest = newest_report(scope);
    if (!newest) return tl::unexpected(newest.error());
    if (*newest) {
      const std::int64_t last_day = day_start(**newest);
      out.period.since = last_day - (kDefaultAdviseDays - 1) * kSecondsPerDay;
      out.period.until = last_day + kSecondsPerDay - 1;
    }
  }
  scope.since = out.period.since.value_or(scope.since);
  scope.until = out.period.until.value_or(scope.until);

  for (auto read : {read_totals, read_published})
    if (auto r = read(scope, out); !r) return tl::unexpected(r.error());
  if (out.published) {
    const PolicyStep& seen = out.published->step;
    out.published_differs = seen.p != out.current.p || seen.pct.value_or(100) != out.current.pct.value_or(100) ||
                            seen.testing.value_or(false) != out.current.testing.value_or(false);
  }

  config::Domain lower = domain;
  lower.name = out.domain;
  Classifier classifier(lower);
  if (auto r = read_signers(scope, classifier); !r) return tl::unexpected(r.error());
  Tally tally;
  std::set<std::string> third_party_spf;
  if (auto r = classify_failing(scope, classifier, tally, third_party_spf); !r) return tl::unexpected(r.error());

  std::map<SourceClass, ClassResult> classes;
  std::map<SourceClass, std::set<std::string>> details;
  for (const auto& [key, messages] : tally) {
    const auto& [cls, ip, detail] = key;
    ClassResult& c = classes[cls];
    c.cls = cls;
    c.messages += messages;
    c.sources.push_back(FailingSource{ip, detail, messages});
    if (!detail.empty()) details[cls].insert(detail);
  }
  std::set<std::string> failing_ips;
  std::uint64_t spoofing = 0;
  for (auto& [cls, c] : classes) {
    std::stable_sort(c.sources.begin(), c.sources.end(), [](const FailingSource& a, const FailingSource& b) {
      return std::tie(b.messages, a.ip, a.detail) < std::tie(a.messages, b.ip, b.detail);
    });
    std::set<std::string_view> ips;
    for (const auto& s : c.sources) ips.insert(s.ip);
    c.ips = ips.size();
    explain(c, lower, details[cls], third_party_spf);
    if (cls == SourceClass::spoofing) {
      spoofing = c.messages;
    } else {
      out.legitimate_failing += c.messages;
      for (const auto& s : c.sources) failing_ips.insert(s.ip);
    }
    out.classes.push_back(std::move(c));
  }
  out.legitimate_failing_sources = failing_ips.size();
  out.legitimate = out.totals.messages - spoofing;
  out.failing_share = out.legitimate == 0 ? 0.0
                                          : 100.0 * static_cast<double>(out.legitimate_failing) /
                                                static_cast<double>(out.legitimate);
  if (out.next) out.step_change = step_change(out.current, *out.next, out.domain);
  judge(out);
  return out;
}

}  // namespace dnsauth::reports

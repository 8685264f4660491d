// The SPF half of the linter: the record-level rules on the domain's own policy (the record
// at the domain and the records its redirect= chain reaches), and the evaluation limits of
// RFC 7208 4.6.4 counted over everything include and redirect reach, as a tree.
#include <algorithm>

#include "core/records/lint_detail.h"
#include "core/spf/macro.h"
#include "core/spf/record.h"

namespace dnsauth::records::detail {

namespace {

constexpr std::size_t kMaxDnsTerms = 10;     // RFC 7208 4.6.4
constexpr std::size_t kMaxVoidLookups = 2;   // RFC 7208 4.6.4
constexpr std::size_t kMaxRecordBytes = 450; // RFC 7208 3.4
constexpr std::size_t kMaxStringBytes = 255; // RFC 1035 3.3

// A macro-free domain-spec as the name it queries; nullopt when it holds macros, whose value
// depends on the message (the linter cannot follow them).
std::optional<std::string> literal_target(const spf::MacroString& spec) {
  std::string name;
  for (const auto& t : spec.tokens) {
    if (t.kind != spf::MacroToken::Kind::literal) return std::nullopt;
    name += t.literal;
  }
  return dns::normalize_name(spf::to_target_name(name));
}

bool no_records(const dns::Answer& a) {
  return a.status == dns::Status::nxdomain || a.status == dns::Status::nodata;
}

class Walker {
 public:
  explicit Walker(Context& ctx) : ctx_(ctx) {}

  // policy: the record decides the domain's result (the root and its redirect chain), so the
  // record-level rules apply; include targets are only counted and checked for structure.
  SpfTree walk(const std::string& domain, const std::string& via, bool policy, bool root_helo,
               const std::string* given_text, const std::vector<std::string>* given_parts) {
    SpfTree node;
    node.domain = domain;
    node.via = via;
    std::string text;
    std::vector<std::string> parts;
    if (given_text) {
      text = *given_text;
      if (given_parts) parts = *given_parts;
    } else {
      if (!fetch(node, domain, via, root_helo, text, parts)) return node;
    }
    const std::string& where = domain;

    if (policy) {
      if (text.size() > kMaxRecordBytes)
        ctx_.add("spf-record-too-long", where, text,
                 "the record is " + std::to_string(text.size()) + " bytes (keep it under " +
                     std::to_string(kMaxRecordBytes) + ")");
    }
    for (const auto& p : parts)
      if (p.size() > kMaxStringBytes)
        ctx_.add("spf-string-too-long", where, text,
                 "a character-string of " + std::to_string(p.size()) + " bytes (at most " +
                     std::to_string(kMaxStringBytes) + ")");

    auto parsed = spf::parse_record(text);
    if (!parsed) {
      ctx_.add("spf-syntax", where, text, parsed.error().message(), parsed.error().offset);
      node.note = "syntax error";
      return node;
    }
    path_.push_back(domain);
    const spf::Record& rec = *parsed;
    for (const auto& m : rec.mechanisms) {
      if (m.queries_dns()) ++node.terms;
      switch (m.kind) {
        case spf::MechanismKind::ptr:
          if (policy)
            ctx_.add("spf-ptr", where, text, "'" + m.text + "' at byte " + std::to_string(m.offset) +
                                                  ": use ip4:/ip6: or a: instead", m.offset);
          break;
        case spf::MechanismKind::all:
          if (policy && m.qualifier == spf::Qualifier::pass)
            ctx_.add("spf-pass-all", where, text, "'" + m.text + "' passes mail from any host", m.offset);
          if (policy && m.qualifier == spf::Qualifier::neutral)
            ctx_.add("spf-neutral-all", where, text,
                     "'" + m.text + "': use -all (or ~all while testing)", m.offset);
          break;
        case spf::MechanismKind::include:
          node.children.push_back(follow(*m.domain_spec, "include:", false));
          break;
        case spf::MechanismKind::a:
        case spf::MechanismKind::mx:
        case spf::MechanismKind::exists:
          count_void(node, m, domain);
          break;
        default:
          break;
      }
    }
    if (rec.redirect) {
      if (rec.has_all()) {
        if (policy)
          ctx_.add("spf-redirect-ignored", where, text,
                   "redirect=" + rec.redirect->text + " is ignored because the record has an all mechanism");
      } else {
        ++node.terms;  // RFC 7208 4.6.4: redirect counts like include
        node.children.push_back(follow(*rec.redirect, "redirect=", policy));
      }
    } else if (policy && !rec.has_all()) {
      ctx_.add("spf-no-all", where, text, "the record ends without all or redirect=: add -all");
    }
    if (policy && rec.exp && ctx_.online()) check_exp(*rec.exp, where, text);
    path_.pop_back();

    node.total = node.terms;
    for (const auto& c : node.children) node.total += c.total;
    void_total_ += node.void_lookups;
    return node;
  }

  std::size_t void_total() const { return void_total_; }

 private:
  // The SPF record published at domain; false (with the node's note set and the finding
  // added) when there is none to walk.
  bool fetch(SpfTree& node, const std::string& domain, const std::string& via, bool helo,
             std::string& text, std::vector<std::string>& parts) {
    if (!ctx_.online() ) {
      node.note = "not followed (no resolver)";
      return false;
    }
    if (!ctx_.followable(domain, via.empty() ? "its SPF record" : via)) {
      node.note = "outside the zones given";
      return false;
    }
    dns::Answer a = ctx_.ask(domain, dns::RRType::TXT);
    if (a.status == dns::Status::tempfail) {
      node.note = refused(a) ? "refused by the server" : "temperror";
      return false;
    }
    std::vector<std::size_t> spf;
    for (std::size_t i = 0; i < a.records.size(); ++i)
      if (spf::is_spf_record(a.records[i])) spf.push_back(i);
    if (via.empty()) check_type_99(domain);
    if (spf.empty()) {
      if (no_records(a)) ++node.void_lookups;
      node.note = "no SPF record";
      if (via.empty())
        ctx_.add("spf-missing", domain, "",
                 helo ? "the HELO name " + domain + " has no SPF record"
                      : domain + " publishes no v=spf1 TXT record");
      else
        ctx_.add("spf-target-missing", domain, "", via + " names a domain with no SPF record");
      return false;
    }
    if (spf.size() > 1) {
      std::string list;
      for (auto i : spf) list += (list.empty() ? "" : " | ") + a.records[i];
      ctx_.add("spf-multiple-records", domain, list,
               std::to_string(spf.size()) + " v=spf1 records at " + domain);
      node.note = "several SPF records";
      return false;
    }
    text = a.records[spf.front()];
    if (spf.front() < a.txt_parts.size()) parts = a.txt_parts[spf.front()];
    return true;
  }

  void check_type_99(const std::string& domain) {
    dns::Answer a = ctx_.ask(domain, dns::RRType::SPF);
    if (a.ok())
      ctx_.add("spf-type-99", domain, a.records.empty() ? "" : a.records.front(),
               domain + " has an SPF (type 99) record; remove it and keep the TXT record");
  }

  SpfTree follow(const spf::MacroString& spec, const std::string& how, bool policy) {
    auto target = literal_target(spec);
    SpfTree child;
    child.via = how + spec.text;
    if (!target) {
      child.domain = spec.text;
      child.note = "macro, not followed";
      return child;
    }
    child.domain = *target;
    if (std::find(path_.begin(), path_.end(), *target) != path_.end()) {
      std::string chain;
      for (const auto& p : path_) chain += p + " -> ";
      ctx_.add("spf-include-loop", path_.back(), "", how + spec.text + " loops: " + chain + *target);
      child.note = "loop";
      return child;
    }
    return walk(*target, child.via, policy, false, nullptr, nullptr);
  }

  // RFC 7208 4.6.4: a lookup answered NXDOMAIN or with no records is a void lookup.
  void count_void(SpfTree& node, const spf::Mechanism& m, const std::string& domain) {
    if (!ctx_.online()) return;
    std::optional<std::string> target = domain;
    if (m.domain_spec) target = literal_target(*m.domain_spec);
    if (!target || target->empty() || !ctx_.followable(*target, m.text)) return;
    bool is_void = false;
    if (m.kind == spf::MechanismKind::mx) {
      is_void = no_records(ctx_.ask(*target, dns::RRType::MX));
    } else if (m.kind == spf::MechanismKind::exists) {
      is_void = no_records(ctx_.ask(*target, dns::RRType::A));
    } else {
      // a: a client asks one family; void only when neither has an address.
      is_void = no_records(ctx_.ask(*target, dns::RRType::A)) &&
                no_records(ctx_.ask(*target, dns::RRType::AAAA));
    }
    if (is_void) ++node.void_lookups;
  }

  void check_exp(const spf::MacroString& exp, const std::string& where, const std::string& text) {
    auto target = literal_target(exp);
    if (!target || !ctx_.followable(*target, "exp=" + exp.text)) return;
    dns::Answer a = ctx_.ask(*target, dns::RRType::TXT);
    if (no_records(a))
      ctx_.add("spf-exp-missing", where, text, "exp=" + exp.text + ": " + *target + " has no TXT record");
  }

  Context& ctx_;
  std::vector<std::string> path_;
  std::size_t void_total_ = 0;
};

// The tree on one line, for the finding's message: "a.example 2, include:b.example 9".
std::string flatten(const SpfTree& tree) {
  std::string out = (!tree.via.empty() ? tree.via : tree.domain.empty() ? "(record)" : tree.domain) + " " +
                    std::to_string(tree.terms);
  for (const auto& c : tree.children) out += ", " + flatten(c);
  return out;
}

}  // namespace

SpfTree lint_spf(Context& ctx, std::string_view domain, const std::string* given_text,
                 const std::vector<std::string>* given_parts, bool helo) {
  Walker w(ctx);
  SpfTree tree = w.walk(std::string(domain), "", true, helo, given_text, given_parts);
  std::string where(domain);
  if (tree.total > kMaxDnsTerms)
    ctx.add("spf-too-many-lookups", where, "",
            std::to_string(tree.total) + " DNS-querying terms (limit " + std::to_string(kMaxDnsTerms) +
                "): " + flatten(tree));
  if (w.void_total() > kMaxVoidLookups)
    ctx.add("spf-void-lookups", where, "",
            std::to_string(w.void_total()) + " void lookups (limit " + std::to_string(kMaxVoidLookups) + ")");
  return tree;
}

}  // namespace dnsauth::records::detail

#include "core/records/delegation.h"

#include "core/common/ascii.h"
#include "core/dns/name.h"
#include "core/dns/resolver.h"

namespace dnsauth::records {

namespace {

// The pattern expanded, or the error text when it holds a placeholder that is not one of ours.
struct Expansion {
  std::string name;
  std::string problem;
  bool selector = false, domain = false;
};

Expansion expand(std::string_view pattern, std::string_view domain, std::string_view selector) {
  Expansion e;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      if (pattern[i] == '}') {
        e.problem = "a '}' without its '{'";
        return e;
      }
      e.name.push_back(ascii::lower(pattern[i++]));
      continue;
    }
    std::size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) {
      e.problem = "a '{' without its '}'";
      return e;
    }
    std::string_view word = pattern.substr(i + 1, close - i - 1);
    if (word == "selector") {
      e.name += selector;
      e.selector = true;
    } else if (word == "domain") {
      e.name += domain;
      e.domain = true;
    } else if (word == "domain_dashed") {
      for (char c : domain) e.name.push_back(c == '.' ? '-' : c);
      e.domain = true;
    } else {
      e.problem = "unknown placeholder {" + std::string(word) + "} (use {selector}, {domain} or {domain_dashed})";
      return e;
    }
    i = close + 1;
  }
  return e;
}

std::string under(const std::string& name, std::string_view zone) {
  return zone.empty() ? name : name + "." + std::string(zone);
}

}  // namespace

std::string check_delegation_target(std::string_view pattern, std::string_view zone) {
  Expansion e = expand(pattern, "customer.example", "s1");
  if (!e.problem.empty()) return e.problem;
  // Two selectors, or two domains, sharing one target would have to share one key.
  if (!e.selector) return "it must contain {selector}";
  if (!e.domain) return "it must contain {domain} or {domain_dashed}";
  std::string sample = under(e.name, zone);
  if (!dns::is_domain_name(sample, dns::NameSyntax::dns))
    return "it does not make a domain name: s1 of customer.example would be '" + sample + "'";
  return "";
}

Result<std::string> delegation_target(const Delegation& delegation, std::string_view domain,
                                      std::string_view selector) {
  Expansion e = expand(delegation.target, dns::normalize_name(domain), dns::normalize_name(selector));
  if (!e.problem.empty()) return make_error(Errc::syntax, "delegation_target: " + e.problem);
  std::string target = under(e.name, dns::normalize_name(delegation.zone));
  if (!dns::is_domain_name(target, dns::NameSyntax::dns))
    return make_error(Errc::syntax, "the delegation target of selector " + std::string(selector) + " of " +
                                        std::string(domain) + ", '" + target + "', is not a domain name");
  return target;
}

}  // namespace dnsauth::records

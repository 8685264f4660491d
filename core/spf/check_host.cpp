#include "core/spf/check_host.h"


#include <array>
#include <vector>

#include "core/common/ascii.h"
#include "core/dns/name.h"
#include "core/spf/macro.h"
#include "core/spf/record.h"

namespace dnsauth::spf {

namespace {

constexpr std::array<std::string_view, 7> kResultNames{"none",     "neutral",   "pass",    "fail",
                                                       "softfail", "temperror", "permerror"};

std::string lowercase(std::string_view s) { return dns::normalize_name(s); }

bool ends_with_domain(std::string_view name, std::string_view domain) {
  if (name == domain) return true;
  return name.size() > domain.size() && name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

// RFC 7208 4.3: why <domain> cannot be evaluated, or empty when it can.
std::string malformed_domain(std::string_view domain) {
  if (domain.empty()) return "the domain is empty";
  if (domain.front() == '[') return "'" + std::string(domain) + "' is an address literal, not a domain";
  std::string_view d = domain;
  if (d.back() == '.') d.remove_suffix(1);
  if (d.size() > 253) return "the domain is longer than 253 characters";
  for (char c : d) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      return "'" + std::string(domain) + "' contains characters not allowed in a domain name";
  }
  std::size_t labels = 0, start = 0;
  while (true) {
    std::size_t dot = d.find('.', start);
    std::size_t len = (dot == std::string_view::npos ? d.size() : dot) - start;
    if (len == 0) return "'" + std::string(domain) + "' has an empty label";
    if (len > 63) return "'" + std::string(domain) + "' has a label longer than 63 characters";
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return "'" + std::string(domain) + "' is not a multi-label domain name";
  return {};
}

// A target name that no DNS query can carry (RFC 7208 4.8 leaves the result undefined; we
// treat the name as non-existent, as for an NXDOMAIN answer).
bool queryable(std::string_view name) {
  if (name.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::size_t len = (dot == std::string_view::npos ? name.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result qualifier_result(Qualifier q) {
  switch (q) {
    case Qualifier::pass: return Result::Pass;
    case Qualifier::fail: return Result::Fail;
    case Qualifier::softfail: return Result::SoftFail;
    case Qualifier::neutral: return Result::Neutral;
  }
  return Result::Neutral;
}

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// RFC 7208 6.2: "the explanation string MUST be limited to US-ASCII"; a macro can still bring
// in other bytes from the sender (a UTF-8 local-part), which become '?'.
std::string ascii_only(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

// A problem text as Verdict::problem() renders it.
std::string problem_text(Cause cause, const std::string& detail) {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

struct Outcome {
  Result result = Result::None;
  std::string mechanism;
  Cause cause = Cause::none;
  std::string detail;
  std::optional<MacroString> exp;  // the exp= of the record that produced a fail
  std::string exp_domain;          // that record's <domain>, for %{d} in the explanation

  static Outcome problem(Result r, Cause cause, std::string detail, std::string mechanism = {}) {
    return {r, std::move(mechanism), cause, std::move(detail), {}, {}};
  }
};

struct MechanismOutcome {
  enum class Kind { match, no_match, error } kind = Kind::no_match;
  Result error = Result::PermError;
  Cause cause = Cause::none;
  std::string detail;
  static MechanismOutcome match() { return {Kind::match, Result::Pass, Cause::none, {}}; }
  static MechanismOutcome no_match() { return {Kind::no_match, Result::Pass, Cause::none, {}}; }
  static MechanismOutcome fail(Result r, Cause cause, std::string detail) {
    return {Kind::error, r, cause, std::move(detail)};
  }
};

class Evaluation {
 public:
  Evaluation(dns::Resolver& resolver, const Request& request, const Options& options)
      : dns_(resolver), request_(request), options_(options), ip_(request.client_ip.unmapped()) {
    std::size_t at = request.sender.rfind('@');
    if (at == std::string::npos) {
      local_ = "postmaster";
      sender_domain_ = request.sender;
    } else {
      local_ = request.sender.substr(0, at);
      sender_domain_ = request.sender.substr(at + 1);
    }
    // RFC 7208 4.3: "If the <sender> has no local-part, substitute the string postmaster".
    if (local_.empty()) local_ = "postmaster";
    sender_ = local_ + "@" + sender_domain_;
  }

  Verdict run() {
    Verdict v;
    v.sender = sender_;
    v.domain = request_.domain;
    Outcome o = check_host(request_.domain);
    v.result = o.result;
    v.mechanism = o.mechanism;
    v.cause = o.cause;
    v.detail = std::move(o.detail);
    if (o.result == Result::Fail) v.explanation = explanation(o);
    v.dns_lookups = terms_;
    v.void_lookups = voids_;
    v.dns_queries = dns_.upstream_queries();
    return v;
  }

 private:
  MacroValues values(const std::string& domain) {
    MacroValues v;
    v.sender = sender_;
    v.local_part = local_;
    v.sender_domain = sender_domain_;
    v.domain = domain;
    v.ip = ip_;
    v.helo = request_.helo;
    v.receiver = request_.receiver;
    v.now = request_.now;
    v.validated_name = [this, domain] { return validated_name(domain); };
    return v;
  }

  // check_host(<ip>, <domain>, <sender>), RFC 7208 4.3-4.7.
  Outcome check_host(const std::string& domain) {
    if (std::string why = malformed_domain(domain); !why.empty())
      return Outcome::problem(Result::None, Cause::invalid_domain, why);
    dns::Answer answer = ask(domain, dns::RRType::TXT);
    if (answer.status == dns::Status::tempfail)
      return Outcome::problem(Result::TempError, failure_cause(),
                              "DNS failure looking up TXT for " + domain + ": " + answer.detail);
    if (answer.status == dns::Status::nxdomain)
      return Outcome::problem(Result::None, Cause::domain_not_found, "domain " + domain + " does not exist");
    const std::string* text = nullptr;
    std::size_t count = 0;
    for (const auto& r : answer.records)
      if (is_spf_record(r)) {
        text = &r;
        ++count;
      }
    if (count == 0) return Outcome::problem(Result::None, Cause::no_record, "no SPF record at " + domain);
    if (count > 1)
      return Outcome::problem(Result::PermError, Cause::several_records,
                              std::to_string(count) + " SPF records at " + domain + " (RFC 7208 4.5 allows one)");
    auto record = parse_record(*text);
    if (!record)
      return Outcome::problem(Result::PermError, Cause::record_syntax,
                              "invalid SPF record at " + domain + ": " + record.error().message());
    return evaluate(*record, domain);
  }

  Outcome evaluate(const Record& record, const std::string& domain) {
    for (const auto& m : record.mechanisms) {
      MechanismOutcome r = evaluate(m, domain);
      if (r.kind == MechanismOutcome::Kind::no_match) continue;
      Outcome o;
      o.mechanism = m.text;
      if (r.kind == MechanismOutcome::Kind::error) {
        o.result = r.error;
        o.cause = r.cause;
        o.detail = std::move(r.detail);
        return o;
      }
      o.result = qualifier_result(m.qualifier);
      if (o.result == Result::Fail) {
        o.exp = record.exp;
        o.exp_domain = domain;
      }
      return o;
    }
    // RFC 7208 6.1: redirect applies when nothing matched and the record has no "all".
    if (record.redirect && !record.has_all()) {
      std::string term = "redirect=" + record.redirect->text;
      if (auto limit = count_term(term, domain))
        return Outcome::problem(limit->error, limit->cause, std::move(limit->detail), term);
      auto target = target_name(*record.redirect, domain);
      if (!target) return Outcome::problem(Result::TempError, Cause::time_limit, out_of_time(term, domain), term);
      Outcome o = check_host(*target);
      // RFC 7208 6.1: no record, or a malformed target, is a permerror rather than none.
      if (o.result == Result::None)
        return Outcome::problem(Result::PermError, Cause::redirect_no_record,
                                term + " in " + domain + ": " + problem_text(o.cause, o.detail), term);
      return o;
    }
    Outcome neutral;
    neutral.result = Result::Neutral;
    neutral.mechanism = "default";
    return neutral;
  }

  // RFC 7208 4.6.4: at most max_dns_terms terms that query the DNS, per evaluation.
  std::optional<MechanismOutcome> count_term(const std::string& term, const std::string& domain) {
    if (terms_ >= options_.max_dns_terms)
      return MechanismOutcome::fail(
          Result::PermError, Cause::dns_lookup_limit,
          "more than " + std::to_string(options_.max_dns_terms) +
              " DNS-querying terms (RFC 7208 4.6.4), exceeded at '" + term + "' in " + domain);
    ++terms_;
    return std::nullopt;
  }

  std::optional<MechanismOutcome> void_lookup(const std::string& term, const std::string& domain) {
    if (++voids_ > options_.max_void_lookups)
      return MechanismOutcome::fail(
          Result::PermError, Cause::void_lookup_limit,
          "more than " + std::to_string(options_.max_void_lookups) +
              " void lookups (RFC 7208 4.6.4), exceeded at '" + term + "' in " + domain);
    return std::nullopt;
  }

  // The <target-name> of a domain-spec (RFC 7208 4.8, 7.3) for the record at `domain`; nullopt
  // when the time limit ran out while expanding it.
  std::optional<std::string> target_name(const MacroString& domain_spec, const std::string& domain) {
    auto name = expand_target_name(domain_spec, values(domain), options_.time_is_up);
    if (!name) {
      out_of_time_ = true;
      return std::nullopt;
    }
    return std::move(*name);
  }
  std::optional<std::string> target_of(const Mechanism& m, const std::string& domain) {
    if (!m.domain_spec) return domain;
    return target_name(*m.domain_spec, domain);
  }
  // RFC 7208 4.6.4: "If such a limit is exceeded, the result of authorization SHOULD be
  // temperror", also when it is the expansion of macros that takes the time.
  static std::string out_of_time(const std::string& term, const std::string& domain) {
    return "the time limit for this evaluation was exceeded while expanding '" + term + "' in " + domain +
           " (RFC 7208 4.6.4)";
  }
  static MechanismOutcome ran_out_of_time(const Mechanism& m, const std::string& domain) {
    return MechanismOutcome::fail(Result::TempError, Cause::time_limit, out_of_time(m.text, domain));
  }

  // Every DNS question of the evaluation goes through here: the per-evaluation cache, and the
  // caller's time limit (RFC 7208 4.6.4: "If such a limit is exceeded, the result of
  // authorization SHOULD be temperror").
  dns::Answer ask(const std::string& name, dns::RRType type) {
    if (options_.time_is_up && options_.time_is_up()) {
      out_of_time_ = true;
      return dns::Answer::temp_failure("the time limit for this evaluation was exceeded before " + name + "/" +
                                       std::string(dns::to_string(type)) + " (RFC 7208 4.6.4)");
    }
    return dns_.query(name, type);
  }

  // The cause of a temperror from a failed answer: once the time limit is reached, every
  // answer ask() gives is that failure.
  Cause failure_cause() const { return out_of_time_ ? Cause::time_limit : Cause::dns_error; }

  dns::RRType address_type() const { return ip_.is_v4() ? dns::RRType::A : dns::RRType::AAAA; }

  // RFC 7208 5: <ip> against each address, with the mechanism's CIDR length if it has one.
  bool any_address_matches(const std::vector<std::string>& addresses, const Mechanism& m) const {
    unsigned prefix = ip_.is_v4() ? m.cidr4.value_or(32) : m.cidr6.value_or(128);
    for (const auto& text : addresses) {
      auto addr = dns::IpAddress::parse(text);
      if (addr && ip_.in_network(addr->unmapped(), prefix)) return true;
    }
    return false;
  }

  MechanismOutcome evaluate(const Mechanism& m, const std::string& domain) {
    if (m.queries_dns())
      if (auto limit = count_term(m.text, domain)) return *limit;
    switch (m.kind) {
      case MechanismKind::all: return MechanismOutcome::match();
      case MechanismKind::ip4:
        if (!ip_.is_v4()) return MechanismOutcome::no_match();
        return ip_.in_network(m.network, m.cidr4.value_or(32)) ? MechanismOutcome::match()
                                                                : MechanismOutcome::no_match();
      case MechanismKind::ip6:
        if (!ip_.is_v6()) return MechanismOutcome::no_match();
        return ip_.in_network(m.network, m.cidr6.value_or(128)) ? MechanismOutcome::match()
                                                                 : MechanismOutcome::no_match();
      case MechanismKind::include: return include(m, domain);
      case MechanismKind::a: return a(m, domain);
      case MechanismKind::mx: return mx(m, domain);
      case MechanismKind::ptr: return ptr(m, domain);
      case MechanismKind::exists: return exists(m, domain);
    }
    return MechanismOutcome::no_match();
  }

  // RFC 7208 5.2: the recursive result decides match, no match or an error.
  MechanismOutcome include(const Mechanism& m, const std::string& domain) {
    auto target = target_of(m, domain);
    if (!target) return ran_out_of_time(m, domain);
    Outcome o = check_host(*target);
    switch (o.result) {
      case Result::Pass: return MechanismOutcome::match();
      case Result::Fail:
      case Result::SoftFail:
      case Result::Neutral: return MechanismOutcome::no_match();
      case Result::TempError:
      case Result::PermError: return MechanismOutcome::fail(o.result, o.cause, std::move(o.detail));
      case Result::None:
        return MechanismOutcome::fail(Result::PermError, Cause::include_no_record,
                                      "'" + m.text + "' in " + domain + ": " + problem_text(o.cause, o.detail));
    }
    return MechanismOutcome::no_match();
  }

  // The query a, mx and exists start with (RFC 7208 5): a DNS error is the mechanism's
  // temperror, an answer without records a void lookup (4.6.4) and no match. Empty answer
  // means the caller continues with answer.
  std::optional<MechanismOutcome> mechanism_query(const Mechanism& m, const std::string& domain,
                                                  dns::RRType type, dns::Answer& answer) {
    auto expanded = target_of(m, domain);
    if (!expanded) return ran_out_of_time(m, domain);
    const std::string& target = *expanded;
    if (!queryable(target)) return MechanismOutcome::no_match();
    answer = ask(target, type);
    if (answer.status == dns::Status::tempfail)
      return MechanismOutcome::fail(Result::TempError, failure_cause(),
                                    "DNS failure for '" + m.text + "' (" + target + " " +
                                        std::string(dns::to_string(type)) + "): " + answer.detail);
    if (answer.ok()) return std::nullopt;
    if (auto limit = void_lookup(m.text, domain)) return limit;
    return MechanismOutcome::no_match();
  }

  // RFC 7208 5.3
  MechanismOutcome a(const Mechanism& m, const std::string& domain) {
    dns::Answer answer;
    if (auto done = mechanism_query(m, domain, address_type(), answer)) return *done;
    return any_address_matches(answer.records, m) ? MechanismOutcome::match()
                                                   : MechanismOutcome::no_match();
  }

  // RFC 7208 5.4: every MX name's addresses; no implicit MX (5.4/4).
  MechanismOutcome mx(const Mechanism& m, const std::string& domain) {
    dns::Answer answer;
    if (auto done = mechanism_query(m, domain, dns::RRType::MX, answer)) return *done;
    if (answer.mx.size() > options_.max_mx_names)
      return MechanismOutcome::fail(
          Result::PermError, Cause::mx_name_limit,
          "'" + m.text + "' in " + domain + ": " + std::to_string(answer.mx.size()) +
              " MX names, more than " + std::to_string(options_.max_mx_names) + " (RFC 7208 4.6.4)");
    std::string failure;
    for (const auto& mx : answer.mx) {
      if (mx.exchange.empty()) continue;  // null MX (RFC 7505): no host to compare
      dns::Answer hosts = ask(mx.exchange, address_type());
      if (hosts.status == dns::Status::tempfail) {
        failure = "DNS failure for '" + m.text + "' (MX host " + mx.exchange + "): " + hosts.detail;
        continue;
      }
      if (any_address_matches(hosts.records, m)) return MechanismOutcome::match();
    }
    // Another MX host may still match, so a failed host lookup decides only at the end.
    if (!failure.empty()) return MechanismOutcome::fail(Result::TempError, failure_cause(), failure);
    return MechanismOutcome::no_match();
  }

  // RFC 7208 5.5
  MechanismOutcome ptr(const Mechanism& m, const std::string& domain) {
    const PtrNames& names = ptr_names();
    if (names.status == dns::Status::tempfail) return MechanismOutcome::no_match();
    if (names.status != dns::Status::ok) {
      if (auto limit = void_lookup(m.text, domain)) return *limit;
      return MechanismOutcome::no_match();
    }
    auto expanded = target_of(m, domain);
    if (!expanded) return ran_out_of_time(m, domain);
    std::string target = lowercase(*expanded);
    if (!queryable(target)) return MechanismOutcome::no_match();
    for (const auto& name : names.validated)
      if (ends_with_domain(name, target)) return MechanismOutcome::match();
    return MechanismOutcome::no_match();
  }

  // RFC 7208 5.7: an A query, whatever the client's address family.
  MechanismOutcome exists(const Mechanism& m, const std::string& domain) {
    dns::Answer answer;
    if (auto done = mechanism_query(m, domain, dns::RRType::A, answer)) return *done;
    return MechanismOutcome::match();
  }

  // RFC 7208 5.5: the names the PTR records give for <ip> whose addresses include <ip>,
  // looking at no more than max_ptr_names of them (4.6.4). Shared by ptr and %{p}.
  struct PtrNames {
    dns::Status status = dns::Status::nodata;
    std::vector<std::string> validated;
  };
  const PtrNames& ptr_names() {
    if (ptr_names_) return *ptr_names_;
    PtrNames out;
    dns::Answer answer = ask(ip_.reverse_name(), dns::RRType::PTR);
    out.status = answer.status;
    std::size_t n = 0;
    for (const auto& name : answer.records) {
      if (n++ >= options_.max_ptr_names) break;
      dns::Answer hosts = ask(name, address_type());
      if (hosts.status != dns::Status::ok) continue;  // 5.5: skip a name whose lookup fails
      for (const auto& rec : hosts.records) {
        auto addr = dns::IpAddress::parse(rec);
        if (addr && addr->unmapped() == ip_) {
          out.validated.push_back(lowercase(name));
          break;
        }
      }
    }
    ptr_names_ = std::move(out);
    return *ptr_names_;
  }

  // RFC 7208 7.3 "p": the domain itself, else a subdomain of it, else any validated name.
  std::string validated_name(const std::string& domain) {
    const PtrNames& names = ptr_names();
    if (names.validated.empty()) return "unknown";
    std::string d = lowercase(domain);
    for (const auto& n : names.validated)
      if (n == d) return n;
    for (const auto& n : names.validated)
      if (ends_with_domain(n, d)) return n;
    return names.validated.front();
  }

  // RFC 7208 6.2: any problem with exp= falls back to the default explanation, running out of
  // time included. The default is the caller's own short text: it expands without the limit.
  std::string explanation(const Outcome& o) {
    if (options_.fetch_explanation && o.exp) {
      auto target = target_name(*o.exp, o.exp_domain);
      if (target && queryable(*target)) {
        dns::Answer answer = ask(*target, dns::RRType::TXT);
        if (answer.ok() && answer.records.size() == 1 && printable_ascii(answer.records.front())) {
          auto text = parse_macro_string(answer.records.front(), MacroUse::explain_string);
          if (text)
            if (auto expanded = expand(*text, values(o.exp_domain), options_.time_is_up)) return ascii_only(*expanded);
        }
      }
    }
    if (options_.default_explanation.empty()) return {};
    auto text = parse_macro_string(options_.default_explanation, MacroUse::explain_string);
    if (!text) return ascii_only(options_.default_explanation);
    return ascii_only(expand(*text, values(request_.domain)).value_or(std::string()));
  }

  dns::CachingResolver dns_;
  const Request& request_;
  const Options& options_;
  dns::IpAddress ip_;
  std::string local_, sender_domain_, sender_;
  std::size_t terms_ = 0, voids_ = 0;
  bool out_of_time_ = false;
  std::optional<PtrNames> ptr_names_;
};

// The path inside its angle brackets, spaces and tabs around it removed.
std::string_view strip_angle_brackets(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

bool is_null_reverse_path(std::string_view mail_from) noexcept {
  return strip_angle_brackets(mail_from).empty();
}

namespace {

Verdict run_identity(dns::Resolver& resolver, const Session& session, const Options& options,
                     Identity identity, std::string sender, std::string domain) {
  Request request;
  request.client_ip = session.client_ip;
  request.sender = std::move(sender);
  request.domain = std::move(domain);
  request.helo = to_a_labels(session.helo);  // %{h} too (RFC 8616 4)
  request.receiver = session.receiver;
  request.now = session.now;
  Verdict v = check_host(resolver, request, options);
  v.identity = identity;
  return v;
}

}  // namespace

std::string_view to_string(Result result) noexcept {
  return kResultNames[static_cast<std::size_t>(result)];
}

std::optional<Result> parse_result(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kResultNames.size(); ++i)
    if (lowercase(text) == kResultNames[i]) return static_cast<Result>(i);
  return std::nullopt;
}

std::string_view to_string(Identity identity) noexcept {
  return identity == Identity::helo ? "helo" : "mailfrom";
}

std::string_view to_string(Cause cause) noexcept {
  switch (cause) {
    case Cause::none: return "none";
    case Cause::nothing_to_check: return "nothing_to_check";
    case Cause::invalid_domain: return "invalid_domain";
    case Cause::domain_not_found: return "domain_not_found";
    case Cause::no_record: return "no_record";
    case Cause::several_records: return "several_records";
    case Cause::record_syntax: return "record_syntax";
    case Cause::dns_lookup_limit: return "dns_lookup_limit";
    case Cause::void_lookup_limit: return "void_lookup_limit";
    case Cause::mx_name_limit: return "mx_name_limit";
    case Cause::include_no_record: return "include_no_record";
    case Cause::redirect_no_record: return "redirect_no_record";
    case Cause::dns_error: return "dns_error";
    case Cause::time_limit: return "time_limit";
  }
  return "?";
}

std::string_view describe(Cause cause) noexcept {
  switch (cause) {
    case Cause::none: return "";
    case Cause::nothing_to_check: return "no identity to check";
    case Cause::invalid_domain: return "the domain is not a valid multi-label domain name";
    case Cause::domain_not_found: return "the domain does not exist";
    case Cause::no_record: return "no SPF record";
    case Cause::several_records: return "several SPF records (RFC 7208 4.5 allows one)";
    case Cause::record_syntax: return "invalid SPF record";
    case Cause::dns_lookup_limit: return "too many DNS-querying terms (RFC 7208 4.6.4)";
    case Cause::void_lookup_limit: return "too many void lookups (RFC 7208 4.6.4)";
    case Cause::mx_name_limit: return "too many MX names (RFC 7208 4.6.4)";
    case Cause::include_no_record: return "include of a domain without an SPF record (RFC 7208 5.2)";
    case Cause::redirect_no_record: return "redirect to a domain without an SPF record (RFC 7208 6.1)";
    case Cause::dns_error: return "DNS failure";
    case Cause::time_limit: return "the time limit for this evaluation was exceeded (RFC 7208 4.6.4)";
  }
  return "";
}

std::string Verdict::problem() const { return problem_text(cause, detail); }

std::string to_a_labels(std::string_view domain) {
  // An ASCII name, or one that is no valid IDN, stays as written: check_host then reports it.
  if (ascii::is_ascii(domain)) return std::string(domain);
  return dns::to_a_labels(domain).value_or(std::string(domain));
}

Verdict check_host(dns::Resolver& resolver, const Request& request, const Options& options) {
  return Evaluation(resolver, request, options).run();
}

Verdict verify_mail_from(dns::Resolver& resolver, const Session& session, const Options& options) {
  if (is_null_reverse_path(session.mail_from)) {
    // RFC 7208 2.4: a null reverse-path is checked as postmaster@<HELO>.
    if (session.helo.empty()) {
      Verdict v;
      v.cause = Cause::nothing_to_check;
      v.detail = "null MAIL FROM and no HELO name: nothing to check";
      return v;
    }
    std::string helo = to_a_labels(session.helo);
    return run_identity(resolver, session, options, Identity::mailfrom, "postmaster@" + helo, helo);
  }
  std::string mail_from(strip_angle_brackets(session.mail_from));
  // RFC 8616 4: the domain as A-labels, for the lookups and for the macros.
  std::size_t at = mail_from.rfind('@');
  std::string domain = to_a_labels(at == std::string::npos ? mail_from : mail_from.substr(at + 1));
  std::string sender = at == std::string::npos ? domain : mail_from.substr(0, at + 1) + domain;
  return run_identity(resolver, session, options, Identity::mailfrom, sender, domain);
}

Verdict verify_helo(dns::Resolver& resolver, const Session& session, const Options& options) {
  if (session.helo.empty()) {
    Verdict v;
    v.identity = Identity::helo;
    v.cause = Cause::nothing_to_check;
    v.detail = "no HELO name to check";
    return v;
  }
  std::string helo = to_a_labels(session.helo);
  return run_identity(resolver, session, options, Identity::helo, "postmaster@" + helo, helo);
}

}  // namespace dnsauth::spf

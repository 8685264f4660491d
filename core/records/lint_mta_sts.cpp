// The MTA-STS half of the linter: the TXT record at _mta-sts.<domain> (RFC 8461 3.1) as
// core/mta_sts parses it, the policy file's text (RFC 8461 3.2) when the caller has it, and
// the policy's mx patterns against the MX hosts the domain publishes (RFC 8461 4.1).
#include <algorithm>

#include "core/mta_sts/policy.h"
#include "core/mta_sts/record.h"
#include "core/records/lint_detail.h"

namespace dnsauth::records::detail {

namespace {

// RFC 8461 3.2: max_age "typically be in the range of weeks or greater"; 10.2: "as long as is
// practical". Under a week is flagged (a week is dnsauth.toml's default).
constexpr std::uint64_t kShortMaxAge = 7 * 86400;

struct LineAt {
  std::string text;  // without its line end
  std::size_t offset = Error::no_offset;  // of the byte in the line
};

// The line of `text` that holds byte `offset`, for a finding's record and caret. Nothing for
// the end of the text (a key that is missing is nowhere).
LineAt line_at(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return {};
  std::size_t start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  start = start == std::string_view::npos ? 0 : start + 1;
  std::size_t end = text.find('\n', offset);
  std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return {std::string(line), offset - start};
}

std::string_view rule_of(mta_sts::Field field) {
  switch (field) {
    case mta_sts::Field::version: return "mta-sts-policy-version";
    case mta_sts::Field::mode: return "mta-sts-policy-mode";
    case mta_sts::Field::mx: return "mta-sts-policy-mx";
    case mta_sts::Field::max_age: return "mta-sts-policy-max-age";
    case mta_sts::Field::size: return "mta-sts-policy-too-large";
    case mta_sts::Field::syntax: break;
  }
  return "mta-sts-policy-syntax";
}

std::string line_text(const mta_sts::PolicyField& f) { return f.name + ": " + f.value; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// RFC 8461 4.1 against the MX hosts of the domain (RFC 5321 5.1: none, the domain itself).
void check_mx_coverage(Context& ctx, const std::string& name, const mta_sts::Policy& policy, const std::string& domain) {
  if (!ctx.followable(domain, "the MX hosts the MTA-STS policy must cover")) return;
  dns::Answer a = ctx.ask(domain, dns::RRType::MX);
  if (a.status == dns::Status::tempfail) return;
  std::vector<std::string> hosts;
  const bool implicit = !a.ok();
  if (implicit) {
    hosts.push_back(domain);
  } else {
    for (const auto& mx : a.mx)
      if (!mx.exchange.empty() && std::find(hosts.begin(), hosts.end(), mx.exchange) == hosts.end())
        hosts.push_back(mx.exchange);
    // RFC 7505 3: a null MX (".") alone: the domain receives no mail, there is nothing to cover.
    if (hosts.empty()) return;
  }
  const std::string where = implicit ? " (no MX record: mail goes to " + domain + " itself, RFC 5321 5.1)" : "";
  auto covered = [&](const std::string& host) {
    return std::any_of(policy.mx.begin(), policy.mx.end(),
                       [&](const mta_sts::PolicyField& p) { return mta_sts::mx_matches(p.value, host); });
  };
  std::vector<std::string> patterns;
  for (const auto& p : policy.mx) patterns.push_back(p.value);
  if (std::none_of(hosts.begin(), hosts.end(), covered)) {
    ctx.add("mta-sts-policy-covers-no-mx", name, "",
            "mx " + join(patterns) + " match none of " + domain + "'s MX hosts " + join(hosts) + where +
                (policy.mode == mta_sts::Mode::enforce ? ": senders deliver no mail"
                                                        : ": every delivery fails the policy (enforce would stop all mail)"));
    return;
  }
  const bool enforce = policy.mode == mta_sts::Mode::enforce;
  for (const auto& host : hosts)
    if (!covered(host))
      ctx.add(enforce ? "mta-sts-mx-uncovered" : "mta-sts-mx-uncovered-testing", name, "",
              "the MX host " + host + where + " matches no mx pattern (" + join(patterns) + ")" +
                  (enforce ? ": senders will not deliver to it" : ": mode enforce would stop mail to it"));
  for (const auto& p : policy.mx)
    if (std::none_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return mta_sts::mx_matches(p.value, h); }))
      ctx.add("mta-sts-mx-pattern-unused", name, line_text(p),
              "line " + std::to_string(p.line) + ": mx " + p.value + " matches none of " + domain + "'s MX hosts (" +
                  join(hosts) + ")",
              p.value_offset - p.offset);
}

}  // namespace

void lint_mta_sts_text(Context& ctx, const std::string& name, const std::string& text) {
  mta_sts::Part part = mta_sts::Part::syntax;
  auto rec = mta_sts::parse_record(text, &part);
  if (!rec) {
    const Error& e = rec.error();
    ctx.add(part == mta_sts::Part::id ? "mta-sts-id-syntax" : "mta-sts-syntax", name, text, e.message(), e.offset);
  }
}

void lint_mta_sts_policy_text(Context& ctx, const std::string& name, std::string_view text, std::string_view domain) {
  mta_sts::Field field = mta_sts::Field::syntax;
  auto policy = mta_sts::parse_policy(text, &field);
  if (!policy) {
    const Error& e = policy.error();
    LineAt at = field == mta_sts::Field::size ? LineAt{} : line_at(text, e.offset);
    ctx.add(rule_of(field), name, at.text, e.detail, at.offset);
    return;
  }
  if (!policy->lf_only_lines.empty()) {
    std::vector<std::string> numbers;
    for (std::size_t n : policy->lf_only_lines) numbers.push_back(std::to_string(n));
    ctx.add("mta-sts-policy-lf", name, "",
            (numbers.size() == 1 ? "line " : "lines ") + join(numbers) + " end in LF alone; the policy's lines end in CRLF");
  }
  const mta_sts::PolicyField& mode = policy->mode_field;
  if (policy->mode == mta_sts::Mode::testing)
    ctx.add("mta-sts-policy-testing", name, line_text(mode),
            "line " + std::to_string(mode.line) + ": mode: testing; switch to enforce once the TLS reports are clean",
            mode.value_offset - mode.offset);
  const mta_sts::PolicyField& age = policy->max_age_field;
  // RFC 8461 8.3: a policy of mode none is the way out, and a short max_age is meant there.
  if (policy->mode != mta_sts::Mode::none && policy->max_age < kShortMaxAge)
    ctx.add("mta-sts-policy-short-max-age", name, line_text(age),
            "line " + std::to_string(age.line) + ": max_age " + age.value +
                " is under a week (604800); weeks or more are expected (RFC 8461 3.2)",
            age.value_offset - age.offset);
  if (ctx.online() && !domain.empty() && policy->mode != mta_sts::Mode::none)
    check_mx_coverage(ctx, name, *policy, std::string(domain));
}

void lint_mta_sts(Context& ctx, std::string_view domain_in) {
  const std::string domain(domain_in);
  const std::string name = "_mta-sts." + domain;
  auto found = lint_versioned_txt(ctx, name, mta_sts::is_sts_record, "STSv1", "mta-sts-multiple-records", "MTA-STS",
                                  [&](const std::string& text) { lint_mta_sts_text(ctx, name, text); });
  if (found && !*found && ctx.options().expect_mta_sts)
    ctx.add("mta-sts-missing", name, "",
            "no v=STSv1 record at " + name + ": senders never fetch the policy the configuration gives " + domain);
  if (const auto& policy = ctx.options().mta_sts_policy) {
    const std::string& source = ctx.options().mta_sts_policy_source;
    lint_mta_sts_policy_text(ctx, source.empty() ? "https://mta-sts." + domain + "/.well-known/mta-sts.txt" : source,
                             *policy, domain);
  }
}

}  // namespace dnsauth::records::detail

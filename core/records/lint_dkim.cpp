// The DKIM half of the linter: the key record at each selector, read by the same
// parse_key_record and PublicKey the verifier uses.
#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"
#include "core/records/lint_detail.h"

namespace dnsauth::records::detail {

namespace {

constexpr unsigned kMinRsaBits = 1024;          // RFC 8301 3.2: verifiers MUST NOT accept less
constexpr unsigned kRecommendedRsaBits = 2048;  // RFC 8301 3.2: signers SHOULD use at least

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ":") + i;
  return out;
}

}  // namespace

void lint_dkim_text(Context& ctx, const std::string& name, const std::string& text,
                    const ExpectedSelector* expected, std::string_view via) {
  auto parsed = dkim::parse_key_record(text);
  if (!parsed) {
    const Error& e = parsed.error();
    ctx.add(e.code == Errc::base64 ? "dkim-key-invalid" : "dkim-syntax", name, text, e.message(), e.offset);
    return;
  }
  const dkim::KeyRecord& rec = *parsed;
  if (rec.testing) ctx.add("dkim-testing", name, text, "t=y: remove it once signing works");
  if (!rec.allows_hash("sha256"))
    ctx.add("dkim-sha1-only", name, text, "h=" + join(rec.hashes) + " does not include sha256");
  if (!rec.allows_email())
    ctx.add("dkim-not-email", name, text, "s=" + join(rec.services) + " does not include email");
  if (rec.revoked()) {
    if (expected)
      ctx.add("dkim-revoked-in-use", name, text,
              "selector " + expected->name + " is in the config but its key is revoked (p= is empty)");
    else
      ctx.add("dkim-revoked", name, text, "p= is empty: the key is revoked");
    return;
  }
  auto type = rec.type();
  if (!type) {
    ctx.add("dkim-key-type-unknown", name, text, "k=" + rec.key_type + " is not rsa or ed25519");
    return;
  }
  auto key = dkim::PublicKey::from_record_bytes(*type, rec.public_key);
  if (!key) {
    ctx.add("dkim-key-invalid", name, text, key.error().detail);
    return;
  }
  if (*type == dkim::KeyType::rsa && key->bits() < kMinRsaBits)
    ctx.add("dkim-rsa-too-short", name, text, "RSA key of " + std::to_string(key->bits()) + " bits");
  else if (*type == dkim::KeyType::rsa && key->bits() < kRecommendedRsaBits)
    ctx.add("dkim-rsa-short", name, text,
            "RSA key of " + std::to_string(key->bits()) + " bits; use 2048 (or add an ed25519 selector)");
  if (expected) {
    if (expected->key_type != *type)
      ctx.add("dkim-key-mismatch", name, text,
              "the config has an " + std::string(to_string(expected->key_type)) +
                  " key for selector " + expected->name + ", the record publishes k=" + rec.key_type + std::string(via));
    else if (expected->private_key && !key->same_key(*expected->private_key))
      ctx.add("dkim-key-mismatch", name, text,
              "p= is not the public half of the key file of selector " + expected->name + std::string(via));
  }
}

namespace {

// A selector delegated by CNAME (delegation.h): the customer's name must be a CNAME to the
// target we publish the key at. The name the key record is then looked up through, empty when
// nothing more can be checked (no CNAME, a temporary failure, a target outside the zones given).
std::string check_delegation(Context& ctx, const std::string& name, std::string_view domain,
                             const ExpectedSelector& expected) {
  dns::Answer c = ctx.ask(name, dns::RRType::CNAME);
  if (c.status == dns::Status::tempfail) return "";
  if (c.records.empty()) {
    ctx.add("dkim-delegation-missing", name, "",
            std::string(domain) + ": selector " + expected.name + " is delegated, but " + name + " has no CNAME (" +
                std::string(dns::to_string(c.status)) + "); it must be \"" + name + ". CNAME " +
                expected.delegated_to + ".\"");
    return "";
  }
  const std::string found = dns::normalize_name(c.records.front());
  if (found != dns::normalize_name(expected.delegated_to))
    ctx.add("dkim-delegation-wrong-target", name, c.records.front(),
            std::string(domain) + ": " + name + " is a CNAME to " + found + ", expected " + expected.delegated_to);
  if (!ctx.followable(found, "the CNAME target of selector " + expected.name + " of " + std::string(domain)))
    return "";
  return found;
}

}  // namespace

void lint_dkim(Context& ctx, std::string_view selector, std::string_view domain,
               const ExpectedSelector* expected) {
  std::string name = dkim::key_record_name(selector, domain);
  if (!ctx.followable(name, "the key record of selector " + std::string(selector))) return;
  std::string via;  // how a key record reached through a CNAME is named in the findings
  if (expected && !expected->delegated_to.empty()) {
    std::string target = check_delegation(ctx, name, domain, *expected);
    if (target.empty()) return;
    via = " (" + std::string(domain) + ": the key record at " + target + ", through the CNAME at " + name + ")";
  }
  // RFC 6376 3.6.2.2: the TXT query follows the CNAME, as the verifier's does.
  dns::Answer a = ctx.ask(name, dns::RRType::TXT);
  if (a.status == dns::Status::tempfail) return;
  if (a.records.empty()) {
    ctx.add("dkim-missing", name, "",
            "selector " + std::string(selector) + " has no key record (" +
                std::string(dns::to_string(a.status)) + ")" + via);
    return;
  }
  if (a.records.size() > 1)
    ctx.add("dkim-multiple-records", name, "",
            std::to_string(a.records.size()) + " TXT records at " + name);
  for (const auto& text : a.records) lint_dkim_text(ctx, name, text, expected, via);
}

}  // namespace dnsauth::records::detail

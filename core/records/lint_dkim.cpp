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
                    const ExpectedSelector* expected) {
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
                  " key for selector " + expected->name + ", the record publishes k=" + rec.key_type);
    else if (expected->private_key && !key->same_key(*expected->private_key))
      ctx.add("dkim-key-mismatch", name, text,
              "p= is not the public half of the key file of selector " + expected->name);
  }
}

void lint_dkim(Context& ctx, std::string_view selector, std::string_view domain,
               const ExpectedSelector* expected) {
  std::string name = dkim::key_record_name(selector, domain);
  if (!ctx.followable(name, "the key record of selector " + std::string(selector))) return;
  dns::Answer a = ctx.ask(name, dns::RRType::TXT);
  if (a.status == dns::Status::tempfail) return;
  if (a.records.empty()) {
    ctx.add("dkim-missing", name, "",
            "selector " + std::string(selector) + " has no key record (" +
                std::string(dns::to_string(a.status)) + ")");
    return;
  }
  if (a.records.size() > 1)
    ctx.add("dkim-multiple-records", name, "",
            std::to_string(a.records.size()) + " TXT records at " + name);
  for (const auto& text : a.records) lint_dkim_text(ctx, name, text, expected);
}

}  // namespace dnsauth::records::detail

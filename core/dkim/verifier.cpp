#include "core/dkim/verifier.h"

#include <algorithm>

#include "core/dkim/header_hash.h"
#include "core/dkim/key_record.h"
#include "core/dkim/tag_list.h"
#include "core/dns/name.h"

namespace dnsauth::dkim {

std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::neutral: return "neutral";
    case Status::temperror: return "temperror";
    case Status::permerror: return "permerror";
    case Status::policy: return "policy";
  }
  return "?";
}

std::string_view to_string(Cause c) noexcept {
  switch (c) {
    case Cause::none: return "none";
    case Cause::too_many_signatures: return "too_many_signatures";
    case Cause::too_many_signed_fields: return "too_many_signed_fields";
    case Cause::signature_syntax: return "signature_syntax";
    case Cause::unsupported_version: return "unsupported_version";
    case Cause::unsupported_algorithm: return "unsupported_algorithm";
    case Cause::unsupported_canonicalization: return "unsupported_canonicalization";
    case Cause::unsupported_query_method: return "unsupported_query_method";
    case Cause::from_not_signed: return "from_not_signed";
    case Cause::identity_mismatch: return "identity_mismatch";
    case Cause::expired: return "expired";
    case Cause::dns_temperror: return "dns_temperror";
    case Cause::key_not_found: return "key_not_found";
    case Cause::key_syntax: return "key_syntax";
    case Cause::key_revoked: return "key_revoked";
    case Cause::unsupported_key_type: return "unsupported_key_type";
    case Cause::key_type_mismatch: return "key_type_mismatch";
    case Cause::hash_not_permitted: return "hash_not_permitted";
    case Cause::service_not_email: return "service_not_email";
    case Cause::strict_identity_mismatch: return "strict_identity_mismatch";
    case Cause::key_unusable: return "key_unusable";
    case Cause::key_too_small: return "key_too_small";
    case Cause::length_exceeds_body: return "length_exceeds_body";
    case Cause::body_hash_mismatch: return "body_hash_mismatch";
    case Cause::signature_mismatch: return "signature_mismatch";
  }
  return "?";
}

std::string_view describe(Cause c) noexcept {
  switch (c) {
    case Cause::none: return "";
    case Cause::too_many_signatures: return "not checked: the message carries too many signatures";
    case Cause::too_many_signed_fields: return "not checked: h= lists too many header fields";
    case Cause::signature_syntax: return "malformed signature";
    case Cause::unsupported_version: return "malformed signature: v= is not 1";
    case Cause::unsupported_algorithm: return "the signing algorithm is not accepted";
    case Cause::unsupported_canonicalization: return "malformed signature: unknown canonicalization";
    case Cause::unsupported_query_method: return "malformed signature: no dns/txt query method";
    case Cause::from_not_signed: return "From is not signed (h= lacks from, RFC 6376 6.1.1)";
    case Cause::identity_mismatch: return "i= is not within d=";
    case Cause::expired: return "signature expired";
    case Cause::dns_temperror: return "key lookup failed";
    case Cause::key_not_found: return "no key for signature";
    case Cause::key_syntax: return "key record does not parse";
    case Cause::key_revoked: return "key revoked";
    case Cause::unsupported_key_type: return "key record has an unknown key type";
    case Cause::key_type_mismatch: return "key type does not match a=";
    case Cause::hash_not_permitted: return "key record h= does not allow sha256";
    case Cause::service_not_email: return "key record s= does not include email";
    case Cause::strict_identity_mismatch: return "key record t=s forbids an i= subdomain of d=";
    case Cause::key_unusable: return "key record p= is unusable";
    case Cause::key_too_small: return "RSA key is too small (RFC 8301 3.2)";
    case Cause::length_exceeds_body: return "l= exceeds body";
    case Cause::body_hash_mismatch: return "body hash did not verify";
    case Cause::signature_mismatch: return "signature did not verify";
  }
  return "";
}

std::string SignatureResult::reason() const {
  return detail.empty() ? std::string(describe(cause)) : detail;
}

struct Verifier::Pending {
  std::size_t field_index = 0;
  std::optional<Signature> sig;
  bool decided = false;        // result already final (pre-body checks failed)
  std::size_t hasher = 0;
  SignatureResult result;
};

namespace {

void decide(SignatureResult& r, Status s, Cause cause, std::string detail = {}) {
  r.status = s;
  r.cause = cause;
  r.detail = std::move(detail);
}

// The cause of a DKIM-Signature that does not parse. Errc::unsupported errors point at the
// value of the tag they are about (core/dkim/signature.cpp), which names what is unsupported.
Cause parse_failure(std::string_view field_value, const Error& e) {
  if (e.code != Errc::unsupported) return Cause::signature_syntax;
  auto tags = parse_tag_list(field_value);
  if (tags) {
    for (const Tag& t : *tags) {
      if (t.value_offset != e.offset) continue;
      if (t.name == "v") return Cause::unsupported_version;
      if (t.name == "a") return Cause::unsupported_algorithm;
      if (t.name == "c") return Cause::unsupported_canonicalization;
      if (t.name == "q") return Cause::unsupported_query_method;
    }
  }
  return Cause::signature_syntax;
}

// RFC 6376 6.1.2: fetch and check the key. On success, returns the parsed public key.
std::optional<PublicKey> fetch_key(dns::Resolver& resolver, const Signature& sig,
                                   const VerifyOptions& opt, SignatureResult& r) {
  const std::string name = key_record_name(sig.selector, sig.domain);
  dns::Answer a = resolver.query(name, dns::RRType::TXT);
  if (a.status == dns::Status::tempfail) {
    decide(r, Status::temperror, Cause::dns_temperror, "key lookup for " + name + " failed: " + a.detail);
    return std::nullopt;
  }
  if (!a.ok()) {
    // 6.1.2 step 3: no key record is a PERMFAIL.
    decide(r, Status::permerror, Cause::key_not_found,
           "no key for signature (" + name + ": " + std::string(dns::to_string(a.status)) + ")");
    return std::nullopt;
  }
  // 3.6.2.2: with several TXT records, the first one that parses is used.
  std::optional<KeyRecord> rec;
  std::string first_error;
  for (const auto& txt : a.records) {
    auto k = parse_key_record(txt);
    if (k) {
      rec = std::move(*k);
      break;
    }
    if (first_error.empty()) first_error = k.error().message();
  }
  if (!rec) {
    decide(r, Status::permerror, Cause::key_syntax, "key record " + name + " does not parse: " + first_error);
    return std::nullopt;
  }
  r.testing = rec->testing;
  if (rec->revoked()) {
    decide(r, Status::permerror, Cause::key_revoked);
    return std::nullopt;
  }
  auto type = rec->type();
  if (!type) {
    decide(r, Status::permerror, Cause::unsupported_key_type, "key record has unknown key type k=" + rec->key_type);
    return std::nullopt;
  }
  if (*type != key_type_of(sig.algorithm)) {
    decide(r, Status::permerror, Cause::key_type_mismatch,
           "key type k=" + rec->key_type + " does not match a=" + std::string(to_string(sig.algorithm)));
    return std::nullopt;
  }
  if (!rec->allows_hash("sha256")) {
    decide(r, Status::permerror, Cause::hash_not_permitted);
    return std::nullopt;
  }
  if (!rec->allows_email()) {
    decide(r, Status::permerror, Cause::service_not_email);
    return std::nullopt;
  }
  if (rec->strict_identity && !mail::iequals(identity_domain(sig), sig.domain)) {
    // 3.6.1 t=s: "the "i=" domain MUST NOT be a subdomain of "d="".
    decide(r, Status::permerror, Cause::strict_identity_mismatch);
    return std::nullopt;
  }
  auto key = PublicKey::from_record_bytes(*type, rec->public_key);
  if (!key) {
    decide(r, Status::permerror, Cause::key_unusable, "key record p= is unusable: " + key.error().detail);
    return std::nullopt;
  }
  r.key_bits = key->bits();
  if (key->type() == KeyType::rsa && key->bits() < opt.min_rsa_bits) {
    decide(r, Status::permerror, Cause::key_too_small,
           "RSA key of " + std::to_string(key->bits()) + " bits is too small (RFC 8301 3.2)");
    return std::nullopt;
  }
  return std::move(*key);
}

}  // namespace

Verifier::Verifier(dns::Resolver& resolver, VerifyOptions options)
    : resolver_(resolver), options_(options) {}
Verifier::~Verifier() = default;

void Verifier::header(mail::HeaderField field) { headers_.push_back(std::move(field)); }

void Verifier::end_of_headers() {
  if (headers_done_) return;
  headers_done_ = true;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (!headers_[i].is("DKIM-Signature")) continue;
    Pending p;
    p.field_index = i;
    SignatureResult& r = p.result;
    r.field_index = i;
    if (++seen > options_.max_signatures) {
      decide(r, Status::policy, Cause::too_many_signatures,
             "not checked: the message carries more than " + std::to_string(options_.max_signatures) +
                 " signatures");
      p.decided = true;
      pending_.push_back(std::move(p));
      continue;
    }
    auto sig = parse_signature(headers_[i].value());
    if (!sig) {
      // RFC 8601 2.7.1 neutral: "the signature ... contained syntax errors".
      decide(r, Status::neutral, parse_failure(headers_[i].value(), sig.error()),
             "malformed signature: " + sig.error().message());
      p.decided = true;
      pending_.push_back(std::move(p));
      continue;
    }
    r.domain = sig->domain;
    r.selector = sig->selector;
    r.identity = sig->identity;
    r.algorithm = std::string(to_string(sig->algorithm));
    r.b_prefix = sig->b_text.substr(0, 8);
    p.decided = true;
    if (sig->headers.size() > options_.max_signed_fields) {
      decide(r, Status::policy, Cause::too_many_signed_fields,
             "not checked: h= lists " + std::to_string(sig->headers.size()) + " header fields, more than " +
                 std::to_string(options_.max_signed_fields));
    } else if (sig->algorithm == Algorithm::rsa_sha1) {
      decide(r, Status::permerror, Cause::unsupported_algorithm, "rsa-sha1 is not accepted (RFC 8301 3.1)");
    } else if (std::find(sig->headers.begin(), sig->headers.end(), "from") == sig->headers.end()) {
      decide(r, Status::permerror, Cause::from_not_signed);
    } else if (!dns::is_at_or_below(identity_domain(*sig), sig->domain)) {
      decide(r, Status::permerror, Cause::identity_mismatch,
             "i= " + sig->identity + " is not within d=" + sig->domain);
    } else if (sig->expiration && *sig->expiration + options_.clock_skew < options_.now) {
      decide(r, Status::permerror, Cause::expired);
    } else {
      p.decided = false;
      std::size_t idx = hashers_.size();
      for (std::size_t k = 0; k < hashers_.size(); ++k) {
        if (hashers_[k]->canon() == sig->canon.body && hashers_[k]->length_limit() == sig->length) idx = k;
      }
      if (idx == hashers_.size()) hashers_.push_back(std::make_unique<BodyHasher>(sig->canon.body, sig->length));
      p.hasher = idx;
    }
    p.sig = std::move(*sig);
    pending_.push_back(std::move(p));
  }
}

// As mail::MessageSink::body gets it (no CRLF split across chunks), which is what the
// hashers take; verify_message gives the parsed body whole.
void Verifier::body(std::string_view chunk) {
  if (!headers_done_) end_of_headers();
  for (auto& h : hashers_) h->update(chunk);
}

std::vector<SignatureResult> Verifier::finish() {
  if (!headers_done_) end_of_headers();
  std::vector<std::string> digests;
  std::vector<std::uint64_t> lengths;
  for (auto& h : hashers_) {
    digests.push_back(h->finish());
    lengths.push_back(h->canonical_length());
  }
  std::optional<HeaderIndex> index;  // built once, when the first signature needs it
  std::vector<SignatureResult> out;
  for (auto& p : pending_) {
    SignatureResult& r = p.result;
    if (!p.decided) {
      const Signature& sig = *p.sig;
      auto key = fetch_key(resolver_, sig, options_, r);
      if (key) {
        if (sig.length && *sig.length > lengths[p.hasher]) {
          decide(r, Status::permerror, Cause::length_exceeds_body,
                 "l= exceeds body (l=" + std::to_string(*sig.length) + ", body " +
                     std::to_string(lengths[p.hasher]) + " bytes)");
        } else if (digests[p.hasher] != sig.bh) {
          decide(r, Status::fail, Cause::body_hash_mismatch);
        } else {
          if (!index) index.emplace(headers_);
          std::string digest = header_hash(sig.canon.header, headers_, *index, p.field_index, sig.headers,
                                           remove_b_value(headers_[p.field_index]));
          if (key->verify_digest(digest, sig.b)) {
            decide(r, Status::pass, Cause::none);
          } else {
            decide(r, Status::fail, Cause::signature_mismatch);
          }
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SignatureResult> verify_message(const mail::Message& msg, dns::Resolver& resolver,
                                            const VerifyOptions& options) {
  Verifier v(resolver, options);
  for (const auto& h : msg.headers) v.header(h);
  v.end_of_headers();
  v.body(msg.body);
  return v.finish();
}

}  // namespace dnsauth::dkim

#include "core/dkim/signer.h"

#include <algorithm>
#include <unordered_set>

#include "core/common/base64.h"
#include "core/dkim/header_hash.h"
#include "core/dkim/signature.h"
#include "core/dns/name.h"
#include "core/mail/fold.h"

namespace dnsauth::dkim {

namespace {

// RFC 6376 2.11 dkim-quoted-printable for i=: everything outside printable ASCII, and ';',
// '=' and whitespace, is written as =XX.
std::string qp_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c > 0x20 && c < 0x7f && c != ';' && c != '=') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('=');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// h=from:to:...: the list may be folded after any colon (RFC 6376 3.5 allows FWS around ':').
void fold_list(mail::FieldFolder& f, std::string_view prefix, const std::vector<std::string>& items,
               std::string_view suffix) {
  std::string first = std::string(prefix) + (items.empty() ? "" : items[0]);
  first += items.size() == 1 ? suffix : ":";
  f.word(first);
  for (std::size_t i = 1; i < items.size(); ++i)
    f.glue(items[i] + std::string(i + 1 == items.size() ? suffix : ":"));
}

// The h= list for this message: every `sign` name once per field present, every `oversign`
// name once more than present (5.4.2, 8.15), a name given twice listed once. Linear in the
// policy and the output: the fields are counted through the message's HeaderIndex.
std::vector<std::string> header_list(const HeaderPolicy& policy, const HeaderIndex& index) {
  std::unordered_set<std::string> oversigned, listed;
  for (const auto& o : policy.oversign) oversigned.insert(mail::to_lower(o));
  std::vector<std::string> out;
  auto emit = [&](const std::string& name, bool extra) {
    if (!listed.insert(name).second) return;
    std::size_t times = index.count(name) + (extra ? 1 : 0);
    out.insert(out.end(), times, name);
  };
  for (const auto& name : policy.sign) {
    std::string lower = mail::to_lower(name);
    emit(lower, oversigned.count(lower) != 0);
  }
  for (const auto& name : policy.oversign) emit(mail::to_lower(name), true);
  return out;
}

}  // namespace

HeaderPolicy HeaderPolicy::recommended() {
  HeaderPolicy p;
  // The fields a reader sees and the MIME structure: an attacker who could add a second one
  // would change what the recipient reads, so their absence is signed too (RFC 6376 8.15).
  p.oversign = {"from", "to", "cc", "subject", "date", "reply-to", "message-id",
                "mime-version", "content-type", "content-transfer-encoding"};
  // Signed when present. Not oversigned: mailing lists legitimately add List-* fields and a
  // list's own signature covers them.
  p.sign = {"from", "to", "cc", "subject", "date", "reply-to", "message-id",
            "mime-version", "content-type", "content-transfer-encoding",
            "in-reply-to", "references", "sender", "content-id", "content-description",
            "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc",
            "resent-message-id", "list-id", "list-help", "list-unsubscribe",
            "list-unsubscribe-post", "list-subscribe", "list-post", "list-owner", "list-archive"};
  return p;
}

Result<Signer> Signer::create(std::vector<SignerSpec> specs) {
  if (specs.empty()) return make_error(Errc::invalid_argument, "no signing key configured");
  Signer s;
  for (const auto& spec : specs) {
    std::string who = "signature d=" + spec.domain + " s=" + spec.selector;
    if (!spec.key) return make_error(Errc::invalid_argument, who + ": no private key");
    if (spec.domain.empty() || spec.selector.empty()) {
      return make_error(Errc::invalid_argument, "signature needs a domain and a selector");
    }
    // RFC 6376 3.5 x=: "the value of the "x=" tag MUST be greater than the value of the "t=" tag".
    if (spec.expire_after && *spec.expire_after <= 0)
      return make_error(Errc::invalid_argument, who + ": x= must come after t= (expire_after must be positive)");
    if (spec.identity) {
      auto at = spec.identity->rfind('@');
      if (at == std::string::npos || !dns::is_at_or_below(spec.identity->substr(at + 1), spec.domain)) {
        // RFC 6376 3.5 i=: "the domain part ... MUST be the same as, or a subdomain of, d=".
        return make_error(Errc::invalid_argument, who + ": i=" + *spec.identity + " is not within d=");
      }
    }
    bool from = std::any_of(spec.headers.sign.begin(), spec.headers.sign.end(),
                            [](const std::string& h) { return mail::iequals(h, "from"); }) ||
                std::any_of(spec.headers.oversign.begin(), spec.headers.oversign.end(),
                            [](const std::string& h) { return mail::iequals(h, "from"); });
    if (!from) return make_error(Errc::invalid_argument, who + ": the header list must include From (RFC 6376 5.4)");
  }
  // One body hash pass per distinct body canonicalization (the signer never emits l=).
  for (const auto& spec : specs) {
    std::size_t idx = s.hashers_.size();
    for (std::size_t i = 0; i < s.hashers_.size(); ++i)
      if (s.hashers_[i]->canon() == spec.canon.body) idx = i;
    if (idx == s.hashers_.size()) s.hashers_.push_back(std::make_unique<BodyHasher>(spec.canon.body));
    s.hasher_of_spec_.push_back(idx);
  }
  s.specs_ = std::move(specs);
  return s;
}

void Signer::header(const mail::HeaderField& field) { headers_.push_back(field); }

void Signer::body(std::string_view chunk) {
  normalizer_.feed(chunk, [this](std::string_view normalized) { normalized_body(normalized); });
}

void Signer::normalized_body(std::string_view chunk) {
  for (auto& h : hashers_) h->update(chunk);
}

Result<std::vector<SignatureField>> Signer::finish(std::int64_t now) {
  bool has_from = std::any_of(headers_.begin(), headers_.end(),
                              [](const mail::HeaderField& h) { return h.is("from"); });
  if (!has_from) return make_error(Errc::invalid_argument, "message has no From field (RFC 6376 5.4)");

  normalizer_.finish([this](std::string_view normalized) { normalized_body(normalized); });
  std::vector<std::string> body_hashes;
  for (auto& h : hashers_) body_hashes.push_back(encode_base64(h->finish()));

  const HeaderIndex index(headers_);
  std::vector<SignatureField> out;
  for (std::size_t k = 0; k < specs_.size(); ++k) {
    const SignerSpec& spec = specs_[k];
    std::vector<std::string> h_list = header_list(spec.headers, index);
    Algorithm alg = spec.key->type() == KeyType::ed25519 ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;

    mail::FieldFolder f("DKIM-Signature");
    f.word("v=1;");
    f.word("a=" + std::string(to_string(alg)) + ";");
    f.word("c=" + std::string(to_string(spec.canon.header)) + "/" + std::string(to_string(spec.canon.body)) + ";");
    f.word("d=" + spec.domain + ";");
    f.word("s=" + spec.selector + ";");
    f.word("t=" + std::to_string(now) + ";");
    if (spec.expire_after) {
      // RFC 6376 3.5: sig-x-tag is 1*12DIGIT. A sum past that (or past the int64 range, which
      // would be undefined behaviour) is a signature no verifier could read: refuse to sign.
      constexpr std::int64_t kMaxTime = 999'999'999'999;
      std::int64_t x = 0;
      if (__builtin_add_overflow(now, *spec.expire_after, &x) || x > kMaxTime)
        return make_error(Errc::invalid_argument, "x= (t=" + std::to_string(now) + " plus " +
                                                      std::to_string(*spec.expire_after) +
                                                      " seconds) does not fit the 12 digits of RFC 6376 3.5");
      f.word("x=" + std::to_string(x) + ";");
    }
    if (spec.identity) f.word("i=" + qp_encode(*spec.identity) + ";");
    fold_list(f, "h=", h_list, ";");
    f.breakable("bh=", body_hashes[hasher_of_spec_[k]] + ";");
    f.breakable("b=", "");
    std::string unsigned_value(f.value());

    auto field = mail::HeaderField::from_parts("DKIM-Signature", unsigned_value);
    if (!field) return tl::unexpected(field.error());
    std::string digest = header_hash(spec.canon.header, headers_, index, std::string::npos, h_list, field->raw());
    auto sig = spec.key->sign_digest(digest);
    if (!sig) return tl::unexpected(sig.error());

    // b= goes on from where the signed text ends: the verifier deletes the b= value with its
    // whitespace, which gives back exactly the text signed above.
    f.fill(encode_base64(*sig));
    std::string value(f.value());
    out.push_back(SignatureField{"DKIM-Signature", std::move(value)});
  }
  return out;
}

Result<std::vector<SignatureField>> sign_message(const mail::Message& msg,
                                                 std::vector<SignerSpec> specs, std::int64_t now) {
  auto signer = Signer::create(std::move(specs));
  if (!signer) return tl::unexpected(signer.error());
  for (const auto& h : msg.headers) signer->header(h);
  signer->normalized_body(msg.body);
  return signer->finish(now);
}

}  // namespace dnsauth::dkim

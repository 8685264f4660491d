#include "core/signing/session.h"

#include <algorithm>

#include "core/authres/authres.h"
#include "core/dkim/key_record.h"
#include "core/dkim/verifier.h"
#include "core/dns/resolver.h"
#include "core/mail/address.h"
#include "core/records/records.h"

namespace dnsauth::signing {

// The message's state. It is the parser's sink, so it lives on the heap and never moves.
struct SigningSession::State final : mail::MessageSink {
  // Past the header limits only the fields the decision needs are looked at: two From fields
  // tell "several From" as well as more would.
  static constexpr std::size_t kFromPastLimit = 2;

  State(std::shared_ptr<const KeySet> k, std::string l, std::int64_t t)
      : keys(std::move(k)), login(std::move(l)), now(t), parser(*this, keys->config().signer.header_limits) {}

  std::shared_ptr<const KeySet> keys;
  std::string login;
  std::int64_t now;                           // for x= of the message's earlier signatures
  mail::MessageParser parser;
  std::vector<mail::HeaderField> headers;     // the header section within the limits
  std::vector<mail::HeaderField> from_past_limit;
  std::size_t authres_seen = 0;
  std::vector<std::size_t> forged;
  bool forged_overflow = false;               // more forged fields than there are fields allowed
  std::vector<std::pair<std::size_t, std::size_t>> authres_spans;
  Decision decision;
  bool decided = false;
  bool finished = false;                      // the parser has seen the whole message
  std::optional<Error> error;                 // from deciding or setting up the signer
  std::unique_ptr<dkim::Signer> signer;
  std::vector<std::string> signing;           // the selectors of the signer's specs, in order
  // Already signed (policy.h): the selectors a DKIM-Signature of the message names, and the
  // Verifier that checks those signatures against our own keys, fed as the signer is.
  std::vector<std::string> candidates;
  std::unique_ptr<dns::MemoryResolver> own_keys;
  std::unique_ptr<dkim::Verifier> verifier;

  // RFC 8601 5: whether this Authentication-Results field claims our authserv_id; counted
  // either way, since the milter names the fields to delete by their position among those.
  bool forged_authres(const mail::HeaderField& field) {
    if (!field.is("Authentication-Results")) return false;
    ++authres_seen;
    const std::string& ours = keys->config().signer.authserv_id;
    if (ours.empty() || !authres::claims_authserv_id(field, ours)) return false;
    if (forged.size() < keys->config().signer.header_limits.max_fields) forged.push_back(authres_seen);
    else forged_overflow = true;
    return true;
  }

  void header(mail::HeaderField field) override {
    if (!forged_authres(field)) headers.push_back(std::move(field));  // a forged one is removed, not signed
  }
  void header_at(mail::HeaderField field, std::size_t offset, std::size_t length) override {
    if (field.is("Authentication-Results")) authres_spans.emplace_back(offset, length);
    header(std::move(field));
  }
  void header_past_limit(mail::HeaderField field) override {
    if (forged_authres(field)) return;
    if (field.is("From") && from_past_limit.size() < kFromPastLimit) from_past_limit.push_back(std::move(field));
  }
  void end_of_headers() override {
    decided = true;
    std::vector<const mail::HeaderField*> froms;
    for (const auto* list : {&headers, &from_past_limit})
      for (const auto& f : *list)
        if (f.is("From")) froms.push_back(&f);
    decision = decide(keys->config(), keys->lookups(), login, mail::author_from(froms));
    if (decision.reason == Reason::lookup_failed) {
      error = Error{Errc::io, decision.detail};  // on_error decides, not a guess
      return;
    }
    if (forged_overflow) {
      error = Error{Errc::limit, "more forged Authentication-Results fields than header fields allowed"};
      return;
    }
    if (decision.action != Action::sign) return;
    if (auto limit = parser.exceeded()) {
      // A message that would be signed must be signed whole; past a limit it was not kept whole.
      error = Error{Errc::limit, "header section over [signer] " + std::string(setting_of(*limit)) + " (" +
                                     std::to_string(limit_value(*limit)) + "); not signed"};
      return;
    }
    std::vector<dkim::SignerSpec> specs;
    if (!decision.table.empty()) {
      // The signing table's entries: the KeyTable's key, d= resolved for this author ("%").
      for (const auto& m : decision.table) {
        dkim::SignerSpec spec = keys->table_spec(m.key);
        spec.domain = m.domain;
        if (!m.identity.empty()) spec.identity = m.identity;
        if (spec.key) specs.push_back(std::move(spec));
      }
    } else if (const KeySet::DomainKeys* dk = keys->domain(decision.signing_domain)) {
      for (const auto& spec : dk->specs)
        if (std::find(decision.selectors.begin(), decision.selectors.end(), spec.selector) != decision.selectors.end())
          specs.push_back(spec);
    }
    if (specs.size() != decision.selectors.size()) {
      error = Error{Errc::key, "no usable key for domain " + decision.signing_domain};
      return;
    }
    const std::vector<dkim::SignerSpec> own = specs;
    for (const auto& spec : specs) signing.push_back(spec.selector);
    auto created = dkim::Signer::create(std::move(specs));
    if (!created) {
      error = created.error();
      return;
    }
    signer = std::make_unique<dkim::Signer>(std::move(*created));
    for (const auto& h : headers) signer->header(h);
    verify_earlier_signatures(own);
    headers.clear();
    headers.shrink_to_fit();
  }
  void body(std::string_view chunk) override {
    if (!signer || error) return;
    signer->normalized_body(chunk);
    if (verifier) verifier->body(chunk);
  }

  // The selectors whose d= and s= a DKIM-Signature of the message names get a Verifier that
  // knows their own public keys only (no DNS: the keys are ours), over the same header fields
  // and body as the signer. A field that merely names them is not enough (policy.h).
  void verify_earlier_signatures(const std::vector<dkim::SignerSpec>& specs) {
    candidates = signed_before(decision, existing_signatures(headers));
    if (candidates.empty()) return;
    own_keys = std::make_unique<dns::MemoryResolver>();
    for (const auto& spec : specs) {
      if (std::find(candidates.begin(), candidates.end(), spec.selector) == candidates.end()) continue;
      records::DkimKeySpec record;
      record.key_type = spec.key->type();
      record.public_key = spec.key->public_key_record_bytes();
      own_keys->add_txt(dkim::key_record_name(spec.selector, spec.domain), records::dkim_key_record(record));
    }
    dkim::VerifyOptions options;
    options.now = now;
    verifier = std::make_unique<dkim::Verifier>(*own_keys, options);
    for (const auto& h : headers) verifier->header(h);
    verifier->end_of_headers();
  }

  // d= of one of the decision's selectors.
  const std::string& domain_of(const std::string& selector) const {
    for (std::size_t i = 0; i < decision.table.size(); ++i)
      if (decision.selectors[i] == selector) return decision.table[i].domain;
    return decision.signing_domain;
  }

  // The candidates whose earlier signature verified.
  std::vector<std::string> verified() {
    std::vector<std::string> out;
    if (!verifier) return out;
    for (const auto& r : verifier->finish()) {
      if (r.status != dkim::Status::pass) continue;
      for (const auto& c : candidates)
        if (mail::iequals(r.selector, c) && mail::iequals(r.domain, domain_of(c)) &&
            std::find(out.begin(), out.end(), c) == out.end())
          out.push_back(c);
    }
    verifier.reset();
    own_keys.reset();
    return out;
  }

  static std::string_view setting_of(mail::Limit limit) {
    switch (limit) {
      case mail::Limit::field_bytes: return "max_header_field_bytes";
      case mail::Limit::fields: return "max_header_fields";
      case mail::Limit::header_bytes: return "max_header_bytes";
    }
    return "?";
  }
  std::size_t limit_value(mail::Limit limit) const {
    const auto& l = keys->config().signer.header_limits;
    switch (limit) {
      case mail::Limit::field_bytes: return l.max_field_bytes;
      case mail::Limit::fields: return l.max_fields;
      case mail::Limit::header_bytes: return l.max_header_bytes;
    }
    return 0;
  }

  // The decision once the header section has ended, or the error that ended it.
  Result<Decision> outcome() const {
    if (error) return tl::unexpected(*error);
    if (!decided) return make_error(Errc::invalid_argument, "the header section has not ended");
    return decision;
  }
};

namespace {

// A parser error is the caller's to see, except a limit: the decision comes first.
Result<void> unless_limit(Result<void> r) {
  if (!r && r.error().code == Errc::limit) return {};
  return r;
}

}  // namespace

SigningSession::SigningSession(std::shared_ptr<const KeySet> keys, std::string login, std::int64_t now)
    : state_(std::make_unique<State>(std::move(keys), std::move(login), now)) {}
SigningSession::~SigningSession() = default;
SigningSession::SigningSession(SigningSession&&) noexcept = default;
SigningSession& SigningSession::operator=(SigningSession&&) noexcept = default;

Result<void> SigningSession::header(std::string_view name, std::string_view value) {
  return unless_limit(state_->parser.field(name, value));
}

Result<Decision> SigningSession::end_of_headers() {
  if (auto r = unless_limit(state_->parser.end_of_headers()); !r) return tl::unexpected(r.error());
  return state_->outcome();
}

Result<void> SigningSession::body(std::string_view chunk) {
  if (!state_->signer) return {};  // not signing: the body does not matter
  return state_->parser.body(chunk);
}

Result<void> SigningSession::feed(std::string_view bytes) { return unless_limit(state_->parser.feed(bytes)); }

Result<Decision> SigningSession::end() {
  state_->finished = true;
  if (auto r = unless_limit(state_->parser.finish()); !r) return tl::unexpected(r.error());
  return state_->outcome();
}

Result<std::vector<dkim::SignatureField>> SigningSession::finish(std::int64_t now) {
  State& s = *state_;
  if (!s.signer) return make_error(Errc::invalid_argument, "finish() without a sign decision");
  if (!s.finished) {  // a body-final CR held back reaches the signer
    s.finished = true;
    if (auto r = s.parser.finish(); !r) return tl::unexpected(r.error());
  }
  auto out = s.signer->finish(now);
  s.signer.reset();
  if (!out) return out;
  // Signatures of selectors whose own earlier signature verified are dropped (policy.h).
  std::vector<std::string> verified = s.verified();
  drop_verified(s.decision, verified);
  std::vector<dkim::SignatureField> kept;
  for (std::size_t i = 0; i < out->size() && i < s.signing.size(); ++i)
    if (std::find(verified.begin(), verified.end(), s.signing[i]) == verified.end()) kept.push_back(std::move((*out)[i]));
  return kept;
}

const std::vector<std::size_t>& SigningSession::forged_authres() const noexcept { return state_->forged; }
const std::vector<std::pair<std::size_t, std::size_t>>& SigningSession::authres_spans() const noexcept {
  return state_->authres_spans;
}
std::optional<mail::Limit> SigningSession::exceeded() const noexcept { return state_->parser.exceeded(); }
const Decision& SigningSession::decision() const noexcept { return state_->decision; }
const std::string& SigningSession::login() const noexcept { return state_->login; }
const KeySet& SigningSession::keys() const noexcept { return *state_->keys; }

Result<OfflineResult> sign_offline(std::shared_ptr<const KeySet> keys, std::string login,
                                   std::string_view message, std::int64_t now) {
  SigningSession session(std::move(keys), std::move(login), now);
  // Fed in pieces, as the milter is: the offline path exercises the same streaming code.
  constexpr std::size_t kChunk = 64 * 1024;
  for (std::size_t off = 0; off < message.size(); off += kChunk)
    if (auto r = session.feed(message.substr(off, kChunk)); !r) return tl::unexpected(r.error());
  auto decision = session.end();
  if (!decision) return tl::unexpected(decision.error());

  OfflineResult out;
  // Past the header limits fields have no place recorded; such a message is not signed, and
  // only a signed one is printed.
  for (std::size_t position : session.forged_authres())
    if (position <= session.authres_spans().size()) out.removed.push_back(session.authres_spans()[position - 1]);
  if (decision->action == Action::sign) {
    auto sigs = session.finish(now);
    if (!sigs) return tl::unexpected(sigs.error());
    out.signatures = std::move(*sigs);
  }
  out.decision = session.decision();  // finish() may find every selector already signed
  out.selectors = session.selectors();
  return out;
}

}  // namespace dnsauth::signing

#include "core/signing/session.h"

#include <algorithm>
#include <cstring>

#include "core/authres/authres.h"
#include "core/mail/address.h"

namespace dnsauth::signing {

SigningSession::SigningSession(std::shared_ptr<const KeySet> keys, std::string login)
    : keys_(std::move(keys)), login_(std::move(login)) {}
SigningSession::~SigningSession() = default;
SigningSession::SigningSession(SigningSession&&) noexcept = default;
SigningSession& SigningSession::operator=(SigningSession&&) noexcept = default;

Result<void> SigningSession::header(std::string_view name, std::string_view value) {
  auto field = mail::HeaderField::from_parts(name, value);
  if (!field) return tl::unexpected(field.error());
  return header(std::move(*field));
}

Result<void> SigningSession::header(mail::HeaderField field) {
  header_bytes_ += field.raw().size();
  if (header_bytes_ > kMaxHeaderBytes || headers_.headers.size() >= kMaxHeaderFields) {
    return make_error(Errc::limit, "header section larger than " + std::to_string(kMaxHeaderBytes) + " bytes or " +
                                       std::to_string(kMaxHeaderFields) + " fields");
  }
  if (field.is("Authentication-Results")) {
    ++authres_seen_;
    const std::string& ours = keys_->config().signer.authserv_id;
    if (!ours.empty() && authres::claims_authserv_id(field, ours)) {
      forged_authres_.push_back(authres_seen_);
      return {};  // removed by the milter, so neither kept nor signed
    }
  }
  headers_.headers.push_back(std::move(field));
  return {};
}

Result<Decision> SigningSession::end_of_headers() {
  decision_ = decide(keys_->config(), login_, mail::author_from(headers_),
                     existing_signatures(headers_.headers));
  if (decision_.action != Action::sign) return decision_;

  const KeySet::DomainKeys* dk = keys_->domain(decision_.signing_domain);
  std::vector<dkim::SignerSpec> specs;
  if (dk)
    for (const auto& spec : dk->specs)
      if (std::find(decision_.selectors.begin(), decision_.selectors.end(), spec.selector) != decision_.selectors.end())
        specs.push_back(spec);
  if (specs.size() != decision_.selectors.size()) {
    return make_error(Errc::key, "no usable key for domain " + decision_.signing_domain);
  }
  auto signer = dkim::Signer::create(std::move(specs));
  if (!signer) return tl::unexpected(signer.error());
  signer_ = std::make_unique<dkim::Signer>(std::move(*signer));
  for (const auto& h : headers_.headers) signer_->header(h);
  headers_.headers.clear();
  headers_.headers.shrink_to_fit();
  return decision_;
}

void SigningSession::body(std::string_view chunk) {
  if (!signer_ || chunk.empty()) return;
  // MTAs hand milters CRLF bodies; a bare LF (a local submission in LF form) is taken as the
  // line end RFC 6376 5.3 means. The usual chunk passes through without a copy.
  bool clean = true;
  for (const char* p = chunk.data(); (p = static_cast<const char*>(std::memchr(p, '\n', chunk.data() + chunk.size() - p)));
       ++p) {
    bool cr = p == chunk.data() ? pending_cr_ : p[-1] == '\r';
    if (!cr) {
      clean = false;
      break;
    }
  }
  if (clean) {
    signer_->body(chunk);
  } else {
    scratch_.clear();
    scratch_.reserve(chunk.size() + chunk.size() / 32);
    bool prev_cr = pending_cr_;
    for (char c : chunk) {
      if (c == '\n' && !prev_cr) scratch_.push_back('\r');
      scratch_.push_back(c);
      prev_cr = c == '\r';
    }
    signer_->body(scratch_);
  }
  pending_cr_ = chunk.back() == '\r';
}

Result<std::vector<dkim::SignatureField>> SigningSession::finish(std::int64_t now) {
  if (!signer_) return make_error(Errc::invalid_argument, "finish() without a sign decision");
  auto out = signer_->finish(now);
  signer_.reset();
  return out;
}

namespace {

class SessionSink : public mail::MessageSink {
 public:
  explicit SessionSink(SigningSession& s) : session_(s) {}
  void header(mail::HeaderField field) override {
    if (error_) return;
    if (auto r = session_.header(std::move(field)); !r) error_ = r.error();
  }
  void header_at(mail::HeaderField field, std::size_t offset, std::size_t length) override {
    if (field.is("Authentication-Results")) authres_spans_.emplace_back(offset, length);
    header(std::move(field));
  }
  void end_of_headers() override {
    if (error_) return;
    auto d = session_.end_of_headers();
    if (!d) error_ = d.error();
    eoh_ = true;
  }
  void body(std::string_view chunk) override {
    if (!error_) session_.body(chunk);
  }
  std::optional<Error> error_;
  bool eoh_ = false;
  std::vector<std::pair<std::size_t, std::size_t>> authres_spans_;  // every one, in order

 private:
  SigningSession& session_;
};

}  // namespace

Result<OfflineResult> sign_offline(std::shared_ptr<const KeySet> keys, std::string login,
                                   std::string_view message, std::int64_t now) {
  SigningSession session(std::move(keys), std::move(login));
  SessionSink sink(session);
  mail::MessageParser parser(sink);
  // Fed in pieces, as the milter is: the offline path exercises the same streaming code.
  constexpr std::size_t kChunk = 64 * 1024;
  for (std::size_t off = 0; off < message.size() && !sink.error_; off += kChunk) {
    if (auto r = parser.feed(message.substr(off, kChunk)); !r) return tl::unexpected(r.error());
  }
  if (!sink.error_) {
    if (auto r = parser.finish(); !r) return tl::unexpected(r.error());
  }
  if (!sink.error_ && !sink.eoh_) sink.end_of_headers();  // a message of headers only
  if (sink.error_) return tl::unexpected(*sink.error_);

  OfflineResult out;
  out.decision = session.decision();
  out.selectors = session.selectors();
  for (std::size_t position : session.forged_authres()) out.removed.push_back(sink.authres_spans_.at(position - 1));
  if (out.decision.action == Action::sign) {
    auto sigs = session.finish(now);
    if (!sigs) return tl::unexpected(sigs.error());
    out.signatures = std::move(*sigs);
  }
  return out;
}

}  // namespace dnsauth::signing

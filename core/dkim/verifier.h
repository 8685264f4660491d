// RFC 6376 6 (verifier actions) with RFC 8301 and RFC 8463: every DKIM-Signature of a message,
// each with a verdict that carries its cause. Streaming: a mail::MessageParser can feed the
// Verifier directly; body hashes for every signature are computed in one pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dkim/canonicalize.h"
#include "core/dkim/signature.h"
#include "core/dns/resolver.h"
#include "core/mail/message.h"

namespace dnsauth::dkim {

// RFC 8601 2.7.1 result names.
enum class Status { pass, fail, neutral, temperror, permerror, policy };
std::string_view to_string(Status s) noexcept;

struct VerifyOptions {
  std::int64_t now = 0;                  // seconds since the epoch, for x= (6.1.1)
  std::size_t max_signatures = 8;        // more are reported as policy, not checked
  unsigned min_rsa_bits = 1024;          // RFC 8301 3.2: smaller keys MUST NOT be accepted
  std::int64_t clock_skew = 300;         // x= slack
};

struct SignatureResult {
  Status status = Status::permerror;
  std::string reason;         // "body hash did not verify", "key revoked", "signature expired"
  std::string domain;         // d=
  std::string selector;       // s=
  std::string identity;       // i= (or "@d" when absent)
  std::string algorithm;      // a= as written
  std::string b_prefix;       // first characters of b= for header.b (RFC 6008)
  unsigned key_bits = 0;
  bool testing = false;       // key record t=y
  std::size_t field_index = 0;  // position of the DKIM-Signature among the message's fields
};

class Verifier : public mail::MessageSink {
 public:
  Verifier(dns::Resolver& resolver, VerifyOptions options);
  ~Verifier() override;

  void header(mail::HeaderField field) override;
  void end_of_headers() override;
  void body(std::string_view chunk) override;
  // One result per DKIM-Signature field, in message order. Empty when the message is unsigned.
  std::vector<SignatureResult> finish();

 private:
  struct Pending;
  dns::Resolver& resolver_;
  VerifyOptions options_;
  std::vector<mail::HeaderField> headers_;
  std::vector<Pending> pending_;
  std::vector<std::unique_ptr<BodyHasher>> hashers_;
  bool headers_done_ = false;
};

std::vector<SignatureResult> verify_message(const mail::Message& msg, dns::Resolver& resolver,
                                            const VerifyOptions& options);

}  // namespace dnsauth::dkim

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
  // h= entries one signature may list (RFC 6376 5.4 recommends a few dozen names; 8.15's
  // oversigning adds one per name). A longer list is reported as policy, not checked: every
  // entry costs a selection and hashing work a message's sender chooses.
  std::size_t max_signed_fields = 1000;
  unsigned min_rsa_bits = 1024;          // RFC 8301 3.2: smaller keys MUST NOT be accepted
  std::int64_t clock_skew = 300;         // x= slack
};

// Why a signature got its status: every distinct reason the Verifier gives, named after the
// RFC 6376 6 step (or RFC 8301 / RFC 8463 rule) that decided it. `none` for pass.
enum class Cause {
  none,
  too_many_signatures,           // policy: beyond VerifyOptions::max_signatures, not checked
  too_many_signed_fields,        // policy: h= longer than VerifyOptions::max_signed_fields, not checked
  // neutral, RFC 8601 2.7.1: the field does not parse (RFC 6376 3.5)
  signature_syntax,              // a tag list, tag value, base64 or x=/t= error; a missing tag
  unsupported_version,           // v= is not 1
  unsupported_algorithm,         // a= unknown; also (permerror) rsa-sha1, refused by RFC 8301 3.1
  unsupported_canonicalization,  // c= unknown
  unsupported_query_method,      // q= without dns/txt
  // permerror, RFC 6376 6.1.1: the signature parsed but cannot be accepted
  from_not_signed,               // h= lacks From
  identity_mismatch,             // i= is not d= or a subdomain of it
  expired,                       // x= (plus clock skew) is in the past
  // RFC 6376 6.1.2: the key
  dns_temperror,                 // temperror: the key lookup failed
  key_not_found,                 // no key record (NXDOMAIN, or no TXT records)
  key_syntax,                    // no TXT record there parses as a key record (3.6.1)
  key_revoked,                   // p= is empty
  unsupported_key_type,          // k= names a key type we do not know
  key_type_mismatch,             // k= is not the key type of a=
  hash_not_permitted,            // h= of the key record does not list sha256
  service_not_email,             // s= of the key record does not include email
  strict_identity_mismatch,      // t=s, and i= is a subdomain of d=
  key_unusable,                  // p= does not decode to a public key of type k=
  key_too_small,                 // an RSA key below VerifyOptions::min_rsa_bits (RFC 8301 3.2)
  // RFC 6376 6.1.3: the hashes
  length_exceeds_body,           // permerror: l= is more than the canonicalized body
  body_hash_mismatch,            // fail: bh= does not match the body
  signature_mismatch,            // fail: b= does not verify over the header hash
};
// A stable machine name for JSON: "body_hash_mismatch", "key_revoked", ...
std::string_view to_string(Cause cause) noexcept;
// The cause in general, in words ("key revoked"); "" for none.
std::string_view describe(Cause cause) noexcept;

struct SignatureResult {
  Status status = Status::permerror;
  Cause cause = Cause::none;
  // The reason in full when the cause alone does not say it: the names, numbers and the
  // resolver's or parser's words of this signature ("no key for signature
  // (sel._domainkey.example.com: NXDOMAIN)"). Empty when describe(cause) says it all.
  std::string detail;
  std::string domain;         // d=
  std::string selector;       // s=
  std::string identity;       // i= (or "@d" when absent)
  std::string algorithm;      // a= as written
  std::string b_prefix;       // first characters of b= for header.b (RFC 6008)
  unsigned key_bits = 0;
  bool testing = false;       // key record t=y
  std::size_t field_index = 0;  // position of the DKIM-Signature among the message's fields

  // For people (Authentication-Results reason=, JSON "reason"): the detail, or else
  // describe(cause). Empty for pass.
  std::string reason() const;
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

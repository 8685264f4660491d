// RFC 6376 5 (Signer) and 6 (Verifier), RFC 8463 (ed25519-sha256), RFC 8301 (rsa-sha1 and
// short keys refused): round trips for every key size and canonicalization pair, the
// produced header's form, oversigning (5.4, 8.15), several signatures, tampering, and every
// verdict with its cause. Signatures the Signer refuses to make are written by the
// independent raw_sign() of support/dkim_fixtures.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/dkim/header_hash.h"
#include "core/dkim/signature.h"
#include "core/dkim/signer.h"
#include "core/dkim/verifier.h"
#include "support/dkim_fixtures.h"
#include "support/test_support.h"

namespace dnsauth::dkim {
namespace {

using test::dns_name;
using test::key_record_for;
using test::make_spec;
using test::parse_or_throw;
using test::sign_raw;
using test::verify_raw;

constexpr std::int64_t kNow = 1730714400;  // 2024-11-04 10:00:00 UTC

// Folded header, WSP runs, a whitespace-only line, trailing blank lines: every
// canonicalization has something to do.
constexpr std::string_view kMessage =
    "Received: from a.example.com by b.example.com; Mon, 4 Nov 2024 09:59:00 +0000\r\n"
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.net>,\r\n"
    "\tCarol <carol@example.net>\r\n"
    "Subject:   Lunch   on\tFriday?  \r\n"
    "Date: Mon, 4 Nov 2024 10:00:00 +0000\r\n"
    "Message-ID: <lunch-1@example.com>\r\n"
    "\r\n"
    "Hello  Bob,\r\n"
    "   \r\n"
    "Friday at noon?\t \r\n"
    "\r\n"
    "\r\n";

std::string dkimpy_key(const std::string& file) {
  return test::read_file(test::conformance_dir() / "dkim/dkimpy/data" / file);
}
std::string our_key(const std::string& file) { return test::read_file(test::data_dir() / "dkim/keys" / file); }

std::shared_ptr<const PrivateKey> load(const std::string& pem) {
  auto k = PrivateKey::from_pem(pem);
  if (!k) throw std::runtime_error(k.error().message());
  return std::make_shared<const PrivateKey>(std::move(*k));
}

// Keys read once per process (CTest runs every TEST in its own process, so nothing slow is
// generated here): RSA 1024 and 2048 from dkimpy's test data, RSA 4096 and Ed25519 from
// tests/data/dkim/keys.
struct Keys {
  std::shared_ptr<const PrivateKey> rsa1024 = load(dkimpy_key("test.private"));
  std::shared_ptr<const PrivateKey> rsa2048 = load(dkimpy_key("2048_testkey.key"));
  std::shared_ptr<const PrivateKey> rsa4096 = load(our_key("rsa4096.pem"));
  std::shared_ptr<const PrivateKey> ed25519 = load(our_key("ed25519_pkcs8.pem"));
  std::shared_ptr<const PrivateKey> ed25519_other = load(our_key("ed25519_other.pem"));
  static const Keys& get() {
    static const Keys keys;
    return keys;
  }
};

// A resolver with sel._domainkey.example.com -> key.
dns::MemoryResolver resolver_for(const PrivateKey& key, std::string selector = "sel",
                                 std::string domain = "example.com") {
  dns::MemoryResolver r;
  r.add_txt(dns_name(selector, domain), key_record_for(key));
  return r;
}

// The verdict carries that cause; a failure names the cause it has, with the reason text.
::testing::AssertionResult has_cause(const SignatureResult& r, Cause expected) {
  if (r.cause == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "cause " << to_string(r.cause) << " (" << to_string(r.status) << ": \""
                                       << r.reason() << "\"), expected " << to_string(expected);
}

SignatureResult verify_one(std::string_view raw, dns::Resolver& resolver, std::int64_t now = kNow) {
  auto results = verify_raw(raw, resolver, now);
  if (results.size() != 1) throw std::runtime_error("expected one signature, got " + std::to_string(results.size()));
  return results[0];
}

// kMessage signed by `key` as sel._domainkey.example.com, verified against `resolver`.
SignatureResult verify_signed_by(const std::shared_ptr<const PrivateKey>& key, dns::Resolver& resolver) {
  return verify_one(sign_raw(kMessage, {make_spec("example.com", "sel", key)}, kNow), resolver);
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  auto pos = text.find(from);
  if (pos == std::string::npos) throw std::logic_error("fixture lacks " + std::string(from));
  return text.replace(pos, from.size(), to);
}

// ---- round trips: every key, every canonicalization pair ----

struct KeyCase {
  const char* name;
  std::shared_ptr<const PrivateKey> Keys::*key;
  const char* algorithm;
  unsigned bits;
};

struct RoundTrip {
  KeyCase key;
  Canonicalization canon;
  friend void PrintTo(const RoundTrip& c, std::ostream* os) {
    *os << c.key.name << " " << to_string(c.canon.header) << "/" << to_string(c.canon.body);
  }
};

class SignVerifyRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(SignVerifyRoundTrip, SignedMessageVerifies) {
  const auto& key = Keys::get().*(GetParam().key.key);
  auto resolver = resolver_for(*key);
  std::string signed_msg = sign_raw(kMessage, {make_spec("example.com", "sel", key, GetParam().canon)}, kNow);
  auto r = verify_one(signed_msg, resolver);
  EXPECT_EQ(r.status, Status::pass) << r.reason();
  EXPECT_EQ(r.domain, "example.com");
  EXPECT_EQ(r.selector, "sel");
  EXPECT_EQ(r.identity, "@example.com");
  EXPECT_EQ(r.algorithm, GetParam().key.algorithm);
  if (GetParam().key.bits) {
    EXPECT_EQ(r.key_bits, GetParam().key.bits);
  }
  EXPECT_FALSE(r.testing);
  // header.b (RFC 6008): a prefix of the b= value.
  auto sig = parse_signature(parse_or_throw(signed_msg).headers[0].value());
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_FALSE(r.b_prefix.empty());
  EXPECT_EQ(sig->b_text.rfind(r.b_prefix, 0), 0u) << r.b_prefix;
  EXPECT_EQ(sig->canon, GetParam().canon);
}

TEST_P(SignVerifyRoundTrip, StreamingVerifierAndSignerAgreeWithOneShot) {
  // The milter path: headers one by one, the body in small chunks that split CRLFs.
  const auto& key = Keys::get().*(GetParam().key.key);
  auto resolver = resolver_for(*key);
  auto msg = parse_or_throw(kMessage);
  auto signer = Signer::create({make_spec("example.com", "sel", key, GetParam().canon)});
  ASSERT_TRUE(signer) << signer.error().message();
  for (const auto& h : msg.headers) signer->header(h);
  for (std::size_t i = 0; i < msg.body.size(); i += 3) signer->body(std::string_view(msg.body).substr(i, 3));
  auto fields = signer->finish(kNow);
  ASSERT_TRUE(fields) << fields.error().message();
  ASSERT_EQ(fields->size(), 1u);
  std::string signed_msg = (*fields)[0].raw() + std::string(kMessage);

  Verifier verifier(resolver, VerifyOptions{.now = kNow});
  mail::MessageParser parser(verifier);
  for (std::size_t i = 0; i < signed_msg.size(); i += 5) {
    ASSERT_TRUE(parser.feed(std::string_view(signed_msg).substr(i, 5)));
  }
  ASSERT_TRUE(parser.finish());
  auto results = verifier.finish();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  // RSASSA-PKCS1-v1_5 and Ed25519 are deterministic: the streamed signature is the one-shot one.
  auto one_shot = sign_message(msg, {make_spec("example.com", "sel", key, GetParam().canon)}, kNow);
  ASSERT_TRUE(one_shot);
  EXPECT_EQ((*one_shot)[0].value, (*fields)[0].value);
}

const KeyCase kKeyCases[] = {
    {"rsa1024", &Keys::rsa1024, "rsa-sha256", 1024},
    {"rsa2048", &Keys::rsa2048, "rsa-sha256", 2048},
    {"rsa4096", &Keys::rsa4096, "rsa-sha256", 4096},
    {"ed25519", &Keys::ed25519, "ed25519-sha256", 0},
};
const Canonicalization kCanons[] = {{Canon::simple, Canon::simple},
                                    {Canon::simple, Canon::relaxed},
                                    {Canon::relaxed, Canon::simple},
                                    {Canon::relaxed, Canon::relaxed}};

std::vector<RoundTrip> round_trips() {
  std::vector<RoundTrip> out;
  for (const auto& k : kKeyCases)
    for (const auto& c : kCanons) out.push_back({k, c});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Rfc6376_Rfc8463, SignVerifyRoundTrip, ::testing::ValuesIn(round_trips()),
                         [](const auto& info) {
                           const auto& p = info.param;
                           return std::string(p.key.name) + "_" + std::string(to_string(p.canon.header)) +
                                  "_" + std::string(to_string(p.canon.body));
                         });

// ---- the produced DKIM-Signature field ----

TEST(Rfc6376_5_Signer, ProducedFieldIsFoldedToAtMost78Characters) {
  // RFC 5322 2.1.1: lines SHOULD be no more than 78 characters; the issue requires it. b= and
  // bh= are base64 and fold anywhere (3.5). d=, s= and i= are kept whole: RFC 6376 2.11 would
  // allow FWS inside i=, but dkimpy 1.1.4 keeps it as part of the identity and then fails its
  // i=/d= check, so an identity is only as long here as a line can hold.
  const auto& k = Keys::get();
  auto spec = make_spec("a-rather-long-subdomain.of-a-long-signing-domain.example.com",
                        "selector-2024-11-with-a-long-name", k.rsa4096);
  spec.identity = "someone@a-rather-long-subdomain.of-a-long-signing-domain.example.com";
  spec.expire_after = 86400;
  auto fields = sign_message(parse_or_throw(kMessage), {spec, make_spec("example.com", "e", k.ed25519)}, kNow);
  ASSERT_TRUE(fields) << fields.error().message();
  ASSERT_EQ(fields->size(), 2u);
  for (const auto& f : *fields) {
    const std::string raw = f.raw();
    ASSERT_GE(raw.size(), 2u);
    EXPECT_EQ(raw.substr(raw.size() - 2), "\r\n");
    std::size_t start = 0, line_no = 0;
    while (start < raw.size()) {
      std::size_t end = raw.find("\r\n", start);
      ASSERT_NE(end, std::string::npos);
      std::string line = raw.substr(start, end - start);
      EXPECT_LE(line.size(), 78u) << "line " << line_no << ": " << line;
      EXPECT_EQ(line.find('\n'), std::string::npos);
      EXPECT_EQ(line.find('\r'), std::string::npos);
      if (line_no > 0) {
        ASSERT_FALSE(line.empty());
        EXPECT_TRUE(line[0] == ' ' || line[0] == '\t') << "continuation without WSP: " << line;
        EXPECT_NE(line.find_first_not_of(" \t"), std::string::npos) << "whitespace-only line";
      }
      start = end + 2;
      ++line_no;
    }
    EXPECT_GT(line_no, 3u);  // the 4096-bit b= alone needs several lines
  }
  // And it still verifies with the folding in place.
  dns::MemoryResolver r;
  r.add_txt(dns_name("selector-2024-11-with-a-long-name",
                     "a-rather-long-subdomain.of-a-long-signing-domain.example.com"),
            key_record_for(*k.rsa4096));
  r.add_txt(dns_name("e", "example.com"), key_record_for(*k.ed25519));
  auto results = verify_raw((*fields)[0].raw() + (*fields)[1].raw() + std::string(kMessage), r, kNow);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
}

TEST(Rfc6376_5_Signer, TagsOfTheProducedField) {
  const auto& k = Keys::get();
  auto spec = make_spec("example.com", "sel", k.rsa2048, {Canon::relaxed, Canon::simple});
  spec.identity = "alice@mail.example.com";
  spec.expire_after = 3600;
  auto fields = sign_message(parse_or_throw(kMessage), {spec}, kNow);
  ASSERT_TRUE(fields) << fields.error().message();
  EXPECT_EQ((*fields)[0].name, "DKIM-Signature");
  auto sig = parse_signature((*fields)[0].value);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->algorithm, Algorithm::rsa_sha256);
  EXPECT_EQ(sig->canon, (Canonicalization{Canon::relaxed, Canon::simple}));
  EXPECT_EQ(sig->domain, "example.com");
  EXPECT_EQ(sig->selector, "sel");
  EXPECT_EQ(sig->identity, "alice@mail.example.com");
  EXPECT_EQ(sig->timestamp, kNow);            // t= always
  EXPECT_EQ(sig->expiration, kNow + 3600);    // x= = t + expire_after
  EXPECT_FALSE(sig->length);                  // l= never emitted (RFC 6376 8.2)
  EXPECT_NE(std::find(sig->headers.begin(), sig->headers.end(), "from"), sig->headers.end());
  // bh= is the body hash of the body canonicalization (3.7).
  EXPECT_EQ(sig->bh, body_hash(Canon::simple, parse_or_throw(kMessage).body));

  auto plain = sign_message(parse_or_throw(kMessage), {make_spec("example.com", "sel", k.ed25519)}, kNow);
  ASSERT_TRUE(plain);
  auto sig2 = parse_signature((*plain)[0].value);
  ASSERT_TRUE(sig2);
  EXPECT_FALSE(sig2->expiration);             // x= optional
  EXPECT_EQ(sig2->identity, "@example.com");  // no i= written: the default
  EXPECT_EQ(sig2->algorithm, Algorithm::ed25519_sha256);
}

// ---- Signer refuses what RFC 6376 forbids ----

TEST(Rfc6376_5_Signer, CreateRefusesBadSpecs) {
  const auto& k = Keys::get();
  auto no_key = make_spec("example.com", "sel", nullptr);
  auto no_domain = make_spec("", "sel", k.rsa1024);
  auto no_selector = make_spec("example.com", "", k.rsa1024);
  // 3.5 i=: "The domain part of the address MUST be the same as, or a subdomain of, d="
  auto foreign_i = make_spec("example.com", "sel", k.rsa1024);
  foreign_i.identity = "alice@example.org";
  auto suffix_i = make_spec("example.com", "sel", k.rsa1024);
  suffix_i.identity = "alice@badexample.com";  // a suffix match that is not a subdomain
  // 5.4: "The From header field MUST be signed"
  auto no_from = make_spec("example.com", "sel", k.rsa1024);
  no_from.headers = HeaderPolicy{{"to", "subject"}, {"date"}};
  for (const auto& [name, spec] : {std::pair{"no key", no_key}, {"no domain", no_domain},
                                   {"no selector", no_selector}, {"i= outside d=", foreign_i},
                                   {"i= suffix of d=", suffix_i}, {"no From in h=", no_from}}) {
    auto s = Signer::create({spec});
    ASSERT_FALSE(s) << name;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << name;
  }
  auto sub_i = make_spec("example.com", "sel", k.rsa1024);
  sub_i.identity = "@Mail.Example.COM";  // a subdomain is fine, in any case
  EXPECT_TRUE(Signer::create({sub_i}));
  auto oversigned_from = make_spec("example.com", "sel", k.rsa1024);
  oversigned_from.headers = HeaderPolicy{{"to"}, {"from"}};  // From only in oversign: still signed
  EXPECT_TRUE(Signer::create({oversigned_from}));
}

// RFC 6376 3.5 x=: "MUST be greater than the value of the t= tag", and 1*12DIGIT. t= plus
// the expiry is computed without overflow: a sum that does not fit is an error, never a
// wrapped (undefined) value in an x= no verifier accepts.
TEST(Rfc6376_5_Signer, ExpirationMustFollowTheTimestampAndFitTwelveDigits) {
  const auto& k = Keys::get();
  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-3600}}) {
    auto spec = make_spec("example.com", "sel", k.ed25519);
    spec.expire_after = bad;
    auto s = Signer::create({spec});
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
  }
  auto spec = make_spec("example.com", "sel", k.ed25519);
  spec.expire_after = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t now : {kNow, std::int64_t{999'999'996'400}, std::numeric_limits<std::int64_t>::max() - 10}) {
    auto fields = sign_message(parse_or_throw(kMessage), {spec}, now);
    ASSERT_FALSE(fields) << now;
    EXPECT_EQ(fields.error().code, Errc::invalid_argument);
    EXPECT_NE(fields.error().detail.find("12 digits"), std::string::npos) << fields.error().detail;
  }
  // The largest x= that fits is written as is, and reads back.
  spec.expire_after = 3600;
  auto last = sign_message(parse_or_throw(kMessage), {spec}, 999'999'996'399);
  ASSERT_TRUE(last) << last.error().message();
  auto sig = parse_signature((*last)[0].value);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->expiration, 999'999'999'999);
}

TEST(Rfc6376_5_Signer, MessageWithoutFromIsNotSigned) {
  // dkimpy test_nofrom.message: "signing must fail, because From is required" (5.4).
  const auto raw = test::read_file(test::conformance_dir() / "dkim/dkimpy/data/test_nofrom.message");
  auto msg = parse_or_throw(test::to_crlf(raw));
  auto fields = sign_message(msg, {make_spec("example.com", "sel", Keys::get().rsa1024)}, kNow);
  ASSERT_FALSE(fields);
  EXPECT_EQ(fields.error().code, Errc::invalid_argument);
}

// ---- oversigning: 5.4.2 and 8.15 ----

HeaderPolicy oversign_policy() {
  return HeaderPolicy{{"to", "date", "received"}, {"from", "subject", "reply-to"}};
}

std::string oversigned_message() {
  auto spec = make_spec("example.com", "sel", Keys::get().rsa2048);
  spec.headers = oversign_policy();
  return sign_raw(kMessage, {spec}, kNow);
}

TEST(Rfc6376_5_4_2, OversignedNamesAreListedOnceMoreThanPresent) {
  auto sig = parse_signature(parse_or_throw(oversigned_message()).headers[0].value());
  ASSERT_TRUE(sig) << sig.error().message();
  auto count = [&](const char* n) { return std::count(sig->headers.begin(), sig->headers.end(), n); };
  EXPECT_EQ(count("from"), 2);      // one present + one absent instance
  EXPECT_EQ(count("subject"), 2);
  EXPECT_EQ(count("reply-to"), 1);  // none present: its absence is signed
  EXPECT_EQ(count("to"), 1);        // signed, not oversigned
  EXPECT_EQ(count("received"), 1);
  EXPECT_EQ(count("message-id"), 0);
}

TEST(Rfc6376_5_4_2, PolicyNamesAreMatchedWithoutCaseAndListedOnce) {
  // Configured lists as an operator may write them: mixed case, a name given twice, a name in
  // both lists. Field names compare case-insensitively (RFC 5322 1.2.2); h= is lowercase, and
  // each name gets exactly "present (+1 when oversigned)" entries, whatever the repetition.
  auto spec = make_spec("example.com", "sel", Keys::get().rsa2048);
  spec.headers = HeaderPolicy{{"To", "DATE", "to", "Received", "Subject"}, {"FROM", "subject", "from", "Reply-To"}};
  auto sig = parse_signature(parse_or_throw(sign_raw(kMessage, {spec}, kNow)).headers[0].value());
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_EQ(sig->headers, (std::vector<std::string>{"to", "date", "received", "subject", "subject", "from", "from",
                                                    "reply-to"}));
}

TEST(Rfc6376_8_15, OversigningDetectsAddedFields) {
  const std::string signed_msg = oversigned_message();
  auto resolver = resolver_for(*Keys::get().rsa2048);
  ASSERT_EQ(verify_one(signed_msg, resolver).status, Status::pass);

  // A second From or Subject added on top (where a verifier's bottom-up pick, 5.4.2, finds
  // the extra instance) no longer matches the signed absence.
  const std::string body_sep = "Message-ID: <lunch-1@example.com>\r\n";
  for (const char* added : {"From: Mallory <mallory@example.org>\r\n", "Subject: Pay this invoice\r\n",
                            "Reply-To: mallory@example.org\r\n"}) {
    for (bool at_bottom : {false, true}) {
      std::string tampered = at_bottom ? replace(signed_msg, body_sep, body_sep + added)
                                       : replace(signed_msg, "Received:", std::string(added) + "Received:");
      auto r = verify_one(tampered, resolver);
      EXPECT_EQ(r.status, Status::fail) << added << (at_bottom ? " at the bottom" : " on top");
      EXPECT_TRUE(has_cause(r, Cause::signature_mismatch)) << added;
    }
  }
  // A field that is not in h= can be added freely (control).
  auto unsigned_added = verify_one(replace(signed_msg, body_sep, body_sep + "X-Mailing-List: x\r\n"), resolver);
  EXPECT_EQ(unsigned_added.status, Status::pass) << unsigned_added.reason();
  // "To" was signed but not oversigned: a second To below the signed one is picked first
  // bottom-up and breaks the signature; one added on top is not seen (5.4.2).
  auto to_bottom = verify_one(replace(signed_msg, body_sep, body_sep + "To: eve@example.org\r\n"), resolver);
  EXPECT_EQ(to_bottom.status, Status::fail);
  auto to_top = verify_one(replace(signed_msg, "Received:", "To: eve@example.org\r\nReceived:"), resolver);
  EXPECT_EQ(to_top.status, Status::pass) << to_top.reason();
}

TEST(Rfc6376_5_4_2, RepeatedFieldsAreSignedBottomUp) {
  // Two Received fields, both signed; swapping them changes the order the verifier sees.
  const std::string two_received =
      "Received: from x by y; Mon, 4 Nov 2024 09:58:00 +0000\r\n" + std::string(kMessage);
  auto spec = make_spec("example.com", "sel", Keys::get().rsa1024);
  spec.headers = HeaderPolicy{{"from", "received"}, {}};
  const std::string signed_msg = sign_raw(two_received, {spec}, kNow);
  auto sig = parse_signature(parse_or_throw(signed_msg).headers[0].value());
  ASSERT_TRUE(sig);
  EXPECT_EQ(std::count(sig->headers.begin(), sig->headers.end(), "received"), 2);
  auto resolver = resolver_for(*Keys::get().rsa1024);
  EXPECT_EQ(verify_one(signed_msg, resolver).status, Status::pass);
  const std::string r1 = "Received: from x by y; Mon, 4 Nov 2024 09:58:00 +0000\r\n";
  const std::string r2 = "Received: from a.example.com by b.example.com; Mon, 4 Nov 2024 09:59:00 +0000\r\n";
  std::string swapped = replace(replace(signed_msg, r1, "@@1"), r2, r1);
  swapped = replace(swapped, "@@1", r2);
  EXPECT_EQ(verify_one(swapped, resolver).status, Status::fail);
}

// 5.4.2: each name of h= takes the last field of that name not yet taken, bottom up; the
// signature being verified is never one of them.
TEST(Rfc6376_5_4_2, SelectionTakesFieldsBottomUpOncePerListing) {
  std::vector<mail::HeaderField> headers;
  for (const char* raw : {"A: 0\r\n", "B: 1\r\n", "a: 2\r\n", "DKIM-Signature: 3\r\n", "A : 4\r\n"})
    headers.push_back(*mail::HeaderField::from_raw(raw));
  HeaderIndex index(headers);
  EXPECT_EQ(index.count("a"), 3u);
  EXPECT_EQ(index.count("DKIM-SIGNATURE"), 1u);
  EXPECT_EQ(index.count("c"), 0u);
  const std::vector<std::string> h{"a", "A", "b", "a", "a", "c", "dkim-signature"};
  EXPECT_EQ(select_fields(index, std::string::npos, h), (std::vector<std::size_t>{4, 2, 1, 0, 3}));
  EXPECT_EQ(select_fields(index, 3, h), (std::vector<std::size_t>{4, 2, 1, 0}));
  EXPECT_EQ(select_fields(index, 2, h), (std::vector<std::size_t>{4, 0, 1, 3}));
}

// A message with a large header section, signed many times over with long h= lists: 20,000
// fields and 8 signatures that each list all of them verify. Its cost (linear; it took 9 s
// when every h= name searched the fields from the bottom) is measured by the benchmark
// BM_Dkim_VerifyLongHeaderLists (bench/dkim_bench.cpp), which fits its complexity.
TEST(Rfc6376_5_4_2, LongHeaderListsAreSelectedAndVerified) {
  mail::Message msg = parse_or_throw(kMessage);
  for (int i = 0; i < 20000; ++i) msg.headers.push_back(*mail::HeaderField::from_raw("X-Filler: " + std::to_string(i) + "\r\n"));
  auto spec = make_spec("example.com", "sel", Keys::get().ed25519);
  spec.headers = HeaderPolicy{{"from", "x-filler"}, {}};
  std::vector<SignerSpec> specs(8, spec);
  auto fields = sign_message(msg, specs, kNow);
  ASSERT_TRUE(fields) << fields.error().message();
  for (auto f = fields->rbegin(); f != fields->rend(); ++f)
    msg.headers.insert(msg.headers.begin(), *mail::HeaderField::from_raw(f->raw()));
  auto resolver = resolver_for(*Keys::get().ed25519);
  VerifyOptions options;
  options.now = kNow;
  options.max_signed_fields = 30000;
  auto results = verify_message(msg, resolver, options);
  ASSERT_EQ(results.size(), 8u);
  for (const auto& r : results) EXPECT_EQ(r.status, Status::pass) << r.reason();
  auto sig = parse_signature(msg.headers[0].value());
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->headers.size(), 20001u);

  // With the default bound such signatures are not checked at all: policy, with its cause.
  options.max_signed_fields = VerifyOptions{}.max_signed_fields;
  std::size_t queries = resolver.queries();
  for (const auto& r : verify_message(msg, resolver, options)) {
    EXPECT_EQ(r.status, Status::policy);
    EXPECT_TRUE(has_cause(r, Cause::too_many_signed_fields));
    EXPECT_EQ(r.reason(), "not checked: h= lists 20001 header fields, more than 1000");
  }
  EXPECT_EQ(resolver.queries(), queries) << "no key is fetched for a signature that is not checked";
}

// The bound on h= is per signature, and exactly max_signed_fields entries are still checked.
TEST(Rfc6376_6_1, MaxSignedFieldsLimit) {
  const auto& k = Keys::get();
  auto five = make_spec("example.com", "sel", k.ed25519);
  five.headers = HeaderPolicy{{"from", "to", "subject", "date", "message-id"}, {}};
  auto six = five;
  six.headers.sign.push_back("received");
  const std::string signed_msg = sign_raw(kMessage, {five, six}, kNow);
  auto resolver = resolver_for(*k.ed25519);
  VerifyOptions options;
  options.now = kNow;
  options.max_signed_fields = 5;
  auto results = verify_message(parse_or_throw(signed_msg), resolver, options);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[1].status, Status::policy);
  EXPECT_TRUE(has_cause(results[1], Cause::too_many_signed_fields));
  EXPECT_EQ(results[1].domain, "example.com");  // the verdict still names the signature
}

// ---- several signatures ----

TEST(Rfc6376_4_2, RsaAndEd25519SignaturesOnOneMessage) {
  const auto& k = Keys::get();
  const std::string signed_msg =
      sign_raw(kMessage, {make_spec("example.com", "rsa", k.rsa2048), make_spec("example.com", "ed", k.ed25519)}, kNow);
  dns::MemoryResolver r;
  r.add_txt(dns_name("rsa", "example.com"), key_record_for(*k.rsa2048));
  r.add_txt(dns_name("ed", "example.com"), key_record_for(*k.ed25519));
  auto results = verify_raw(signed_msg, r, kNow);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[0].algorithm, "rsa-sha256");
  EXPECT_EQ(results[0].selector, "rsa");
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
  EXPECT_EQ(results[1].algorithm, "ed25519-sha256");
  EXPECT_EQ(results[1].selector, "ed");
  EXPECT_LT(results[0].field_index, results[1].field_index);

  // One broken key does not affect the other signature (4.2: each is evaluated on its own).
  dns::MemoryResolver half;
  half.add_txt(dns_name("rsa", "example.com"), key_record_for(*k.rsa1024));  // wrong key
  half.add_txt(dns_name("ed", "example.com"), key_record_for(*k.ed25519));
  auto mixed = verify_raw(signed_msg, half, kNow);
  ASSERT_EQ(mixed.size(), 2u);
  EXPECT_EQ(mixed[0].status, Status::fail);
  EXPECT_EQ(mixed[1].status, Status::pass) << mixed[1].reason();
}

TEST(Rfc6376_6_1, UnsignedMessageHasNoResults) {
  dns::MemoryResolver r;
  EXPECT_TRUE(verify_raw(kMessage, r, kNow).empty());
}

TEST(Rfc6376_6_1, MaxSignaturesLimit) {
  // More signatures than the limit: the first ones are checked, the rest reported as policy.
  const auto& k = Keys::get();
  const std::string signed_msg = sign_raw(
      kMessage,
      {make_spec("example.com", "sel", k.ed25519), make_spec("example.com", "sel", k.ed25519),
       make_spec("example.com", "sel", k.ed25519)},
      kNow);
  auto r = resolver_for(*k.ed25519);
  auto results = verify_raw(signed_msg, r, kNow, 2);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, Status::pass) << results[0].reason();
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
  EXPECT_EQ(results[2].status, Status::policy);
  EXPECT_TRUE(has_cause(results[2], Cause::too_many_signatures));
  EXPECT_EQ(results[2].reason(), "not checked: the message carries more than 2 signatures");
  std::size_t before = r.queries();
  auto unlimited = verify_raw(signed_msg, r, kNow, 8);
  ASSERT_EQ(unlimited.size(), 3u);
  EXPECT_EQ(unlimited[2].status, Status::pass);
  EXPECT_GT(r.queries(), before);
}

// ---- tampering ----

class Tampering : public ::testing::TestWithParam<KeyCase> {};

TEST_P(Tampering, ChangedSignedHeaderFailsTheSignature) {
  const auto& key = Keys::get().*(GetParam().key);
  auto resolver = resolver_for(*key);
  const std::string signed_msg = sign_raw(kMessage, {make_spec("example.com", "sel", key)}, kNow);
  auto r = verify_one(replace(signed_msg, "Friday?", "Saturday?"), resolver);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_TRUE(has_cause(r, Cause::signature_mismatch));
}

TEST_P(Tampering, ChangedBodyByteFailsTheBodyHash) {
  const auto& key = Keys::get().*(GetParam().key);
  auto resolver = resolver_for(*key);
  const std::string signed_msg = sign_raw(kMessage, {make_spec("example.com", "sel", key)}, kNow);
  auto r = verify_one(replace(signed_msg, "noon", "nine"), resolver);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_TRUE(has_cause(r, Cause::body_hash_mismatch));
  // relaxed/relaxed: changes in whitespace only are not tampering (3.4.4).
  auto ws = verify_one(replace(signed_msg, "Hello  Bob", "Hello \t Bob"), resolver);
  EXPECT_EQ(ws.status, Status::pass) << ws.reason();
}

TEST_P(Tampering, SwappedKeyFailsTheSignature) {
  const auto& k = Keys::get();
  const auto& key = k.*(GetParam().key);
  const auto& other = key->type() == KeyType::ed25519 ? k.ed25519_other : (key == k.rsa1024 ? k.rsa2048 : k.rsa1024);
  auto resolver = resolver_for(*other);
  auto r = verify_one(sign_raw(kMessage, {make_spec("example.com", "sel", key)}, kNow), resolver);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_TRUE(has_cause(r, Cause::signature_mismatch));
}

INSTANTIATE_TEST_SUITE_P(Rfc6376_6_1_3, Tampering, ::testing::ValuesIn(kKeyCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- verdicts with their causes (6.1.1, 6.1.2, 6.1.3; RFC 8301) ----

// A message signed by raw_sign with the given tags; sel._domainkey.example.com holds the key.
struct RawCase {
  test::PkeyPtr key;
  dns::MemoryResolver resolver;

  explicit RawCase(test::PkeyPtr k = test::pkey_from_pem(dkimpy_key("2048_testkey_PKCS8.key")),
                   std::string record_tags = "v=DKIM1; k=rsa; ")
      : key(std::move(k)) {
    resolver.add_txt(dns_name("sel", "example.com"), record_tags + "p=" + encode_base64(test::public_record_bytes(key.get())));
  }
  std::string sign(const test::RawSignature& spec, std::string_view message = kMessage) const {
    return test::raw_sign(parse_or_throw(message), spec, key.get()) + std::string(message);
  }
};

test::RawSignature raw_spec(std::string tags = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=1730714000",
                            std::vector<std::string> h = {"from", "to", "subject", "date"}) {
  test::RawSignature s;
  s.tags = std::move(tags);
  s.h = std::move(h);
  return s;
}

TEST(Rfc6376_6_1_3, IndependentlyMadeSignatureVerifies) {
  // Control for the raw_sign cases below: a correct rsa-sha256 and ed25519-sha256 signature
  // made without the Signer passes.
  RawCase rsa;
  auto r = verify_one(rsa.sign(raw_spec()), rsa.resolver);
  EXPECT_EQ(r.status, Status::pass) << r.reason();
  RawCase ed(test::pkey_from_pem(our_key("ed25519_pkcs8.pem")), "v=DKIM1; k=ed25519; ");
  auto ed_spec = raw_spec("v=1; a=ed25519-sha256; c=simple/simple; d=example.com; s=sel");
  ed_spec.canon = {Canon::simple, Canon::simple};
  auto e = verify_one(ed.sign(ed_spec), ed.resolver);
  EXPECT_EQ(e.status, Status::pass) << e.reason();
}

TEST(Rfc8301_3_1, RsaSha1IsNotValid) {
  // "Verifiers MUST NOT consider signatures using RSA-SHA1 to be valid" — a correct one.
  RawCase c;
  auto spec = raw_spec("v=1; a=rsa-sha1; c=relaxed/relaxed; d=example.com; s=sel");
  spec.md = EVP_sha1();
  auto r = verify_one(c.sign(spec), c.resolver);
  EXPECT_NE(r.status, Status::pass);
  EXPECT_TRUE(r.status == Status::fail || r.status == Status::permerror) << to_string(r.status);
  EXPECT_TRUE(has_cause(r, Cause::unsupported_algorithm));
}

TEST(Rfc8301_3_2, RsaKeysUnder1024BitsAreNotValid) {
  // "Verifiers MUST NOT consider signatures using RSA keys of less than 1024 bits as valid."
  for (unsigned bits : {512u, 768u, 1023u}) {
    RawCase c(bits == 512 ? test::pkey_from_pem(our_key("rsa512.pem")) : test::generate_pkey("RSA", bits));
    auto r = verify_one(c.sign(raw_spec()), c.resolver);
    EXPECT_NE(r.status, Status::pass) << bits;
    EXPECT_TRUE(r.status == Status::fail || r.status == Status::permerror) << bits;
    EXPECT_TRUE(has_cause(r, Cause::key_too_small)) << bits;
  }
  RawCase ok(test::pkey_from_pem(dkimpy_key("test.private")));
  EXPECT_EQ(verify_one(ok.sign(raw_spec()), ok.resolver).status, Status::pass);
}

TEST(Rfc6376_6_1_1, HeaderListWithoutFromIsPermerror) {
  // "If the "h=" tag does not include the From header field, the Verifier MUST ignore the
  // DKIM-Signature header field and return PERMFAIL (From field not signed)."
  RawCase c;
  auto r = verify_one(c.sign(raw_spec(raw_spec().tags, {"to", "subject", "date"})), c.resolver);
  EXPECT_EQ(r.status, Status::permerror);
  EXPECT_TRUE(has_cause(r, Cause::from_not_signed));
}

TEST(Rfc6376_6_1_1, IdentityOutsideDomainIsPermerror) {
  // "Verifiers MUST confirm that the domain specified in the "d=" tag is the same as or a
  // parent domain of the domain part of the "i=" tag. If not, ... PERMFAIL (domain mismatch)."
  RawCase c;
  for (const char* i : {"alice@example.org", "@badexample.com", "@com"}) {
    auto r = verify_one(c.sign(raw_spec(raw_spec().tags + "; i=" + i)), c.resolver);
    EXPECT_EQ(r.status, Status::permerror) << i;
    EXPECT_TRUE(has_cause(r, Cause::identity_mismatch)) << i;
  }
  for (const char* i : {"alice@example.com", "@mail.Example.COM", "bob@a.b.example.com"}) {
    auto r = verify_one(c.sign(raw_spec(raw_spec().tags + "; i=" + i)), c.resolver);
    EXPECT_EQ(r.status, Status::pass) << i << ": " << r.reason();
  }
}

TEST(Rfc6376_3_6_1, StrictKeyFlagRefusesSubdomainIdentity) {
  // t=s: "the "i=" domain MUST NOT be a subdomain of "d="" (Mail::DKIM badkey_10).
  RawCase c(test::pkey_from_pem(dkimpy_key("2048_testkey_PKCS8.key")), "v=DKIM1; k=rsa; t=s; ");
  auto sub = verify_one(c.sign(raw_spec(raw_spec().tags + "; i=@mail.example.com")), c.resolver);
  EXPECT_NE(sub.status, Status::pass);
  EXPECT_TRUE(has_cause(sub, Cause::strict_identity_mismatch));
  auto same = verify_one(c.sign(raw_spec(raw_spec().tags + "; i=alice@example.com")), c.resolver);
  EXPECT_EQ(same.status, Status::pass) << same.reason();
}

TEST(Rfc6376_6_1_1, ExpiredSignatureIsPermerror) {
  // x=: "Signatures MAY be considered invalid if the verification time at the Verifier is
  // past the expiration date"; 6.1.1 "PERMFAIL (signature expired)". Our slack: clock_skew.
  RawCase c;
  const std::string msg = c.sign(raw_spec("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=1000; x=2000"));
  auto r = verify_one(msg, c.resolver, 2000 + 301);
  EXPECT_EQ(r.status, Status::permerror);
  EXPECT_TRUE(has_cause(r, Cause::expired));
  EXPECT_EQ(verify_one(msg, c.resolver, 2000 + 100).status, Status::pass);  // within the skew
  EXPECT_EQ(verify_one(msg, c.resolver, 1500).status, Status::pass);
}

TEST(Rfc6376_6_1_2, RevokedKeyIsPermerror) {
  // 3.6.1 "An empty value means that this public key has been revoked"; 6.1.2 "If the "p="
  // tag is empty, the key has been revoked and MUST be treated as ... PERMFAIL (key revoked)".
  const auto& k = Keys::get();
  dns::MemoryResolver r;
  r.add_txt(dns_name("sel", "example.com"), "v=DKIM1; k=rsa; p=");
  auto res = verify_signed_by(k.rsa2048, r);
  EXPECT_EQ(res.status, Status::permerror);
  EXPECT_TRUE(has_cause(res, Cause::key_revoked));
}

TEST(Rfc6376_6_1_2, MissingKeyIsPermerror) {
  // "If the query for the public key fails because the corresponding key record does not
  // exist, the Verifier MUST immediately return PERMFAIL (no key for signature)."
  dns::MemoryResolver nx;  // NXDOMAIN
  dns::MemoryResolver nodata;  // the name exists, no TXT
  nodata.add_name(dns_name("sel", "example.com"));
  for (dns::MemoryResolver* r : {&nx, &nodata}) {
    auto res = verify_signed_by(Keys::get().rsa2048, *r);
    EXPECT_EQ(res.status, Status::permerror);
    EXPECT_TRUE(has_cause(res, Cause::key_not_found));
  }
}

TEST(Rfc6376_6_1_2, DnsTemporaryFailureIsTemperror) {
  // "If the query for the public key fails to respond, the Verifier MAY seek a later
  // verification attempt by returning TEMPFAIL (key unavailable)."
  const auto& k = Keys::get();
  dns::MemoryResolver r;
  r.add_tempfail(dns_name("sel", "example.com"), "timeout after 2 tries");
  auto res = verify_signed_by(k.rsa2048, r);
  EXPECT_EQ(res.status, Status::temperror);
  EXPECT_TRUE(has_cause(res, Cause::dns_temperror));
}

TEST(Rfc6376_6_1_2, UnusableKeyRecords) {
  // 6.1.2: "If the result returned from the query does not adhere to the format defined in
  // this specification, the Verifier MUST ignore the key record and return PERMFAIL (key
  // syntax error)"; k=, h= and s= that exclude this signature make the key unusable.
  const auto& k = Keys::get();
  const std::string msg = sign_raw(kMessage, {make_spec("example.com", "sel", k.rsa2048)}, kNow);
  const std::string p = "p=" + encode_base64(k.rsa2048->public_key_record_bytes());
  struct Case {
    std::string record;
    Cause cause;
  };
  for (const Case& c : {
           Case{"v=DKIM1; k=rsa; t; " + p, Cause::key_syntax},           // tag without '=' (Mail::DKIM badkey_4)
           Case{"v=DKIM2; " + p, Cause::key_syntax},                     // badkey_3
           Case{"v=DKIM1; k=foobar; " + p, Cause::unsupported_key_type},  // badkey_5
           Case{"v=DKIM1; k=ed25519; " + p, Cause::key_type_mismatch},   // dkimpy badk.txt: wrong key type
           Case{"v=DKIM1; s=tlsrpt; " + p, Cause::service_not_email},    // dkimpy test_tlsrpt.txt, badkey_6
           Case{"v=DKIM1; h=sha1; " + p, Cause::hash_not_permitted},     // badkey_11
           Case{"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ==", Cause::key_unusable},  // not a key
           Case{"hello world", Cause::key_syntax}}) {
    dns::MemoryResolver r;
    r.add_txt(dns_name("sel", "example.com"), c.record);
    auto res = verify_one(msg, r);
    EXPECT_EQ(res.status, Status::permerror) << c.record << ": " << to_string(res.status);
    EXPECT_TRUE(has_cause(res, c.cause)) << c.record;
  }
}

TEST(Rfc6376_3_6_1, TestingFlagIsReported) {
  const auto& k = Keys::get();
  dns::MemoryResolver r;
  r.add_txt(dns_name("sel", "example.com"),
            "v=DKIM1; t=y; k=ed25519; p=" + encode_base64(k.ed25519->public_key_record_bytes()));
  auto res = verify_signed_by(k.ed25519, r);
  EXPECT_EQ(res.status, Status::pass) << res.reason();
  EXPECT_TRUE(res.testing);
}

TEST(Rfc6376_3_6_2_2, KeyRecordSplitIntoSeveralStrings) {
  // "Strings in a TXT RR MUST be concatenated together before use with no intervening
  // whitespace." A 2048-bit p= does not fit one 255-byte string.
  const auto& k = Keys::get();
  std::string rec = key_record_for(*k.rsa2048);
  dns::MemoryResolver r;
  r.add_txt_parts(dns_name("sel", "example.com"), {rec.substr(0, 255), rec.substr(255)});
  auto res = verify_signed_by(k.rsa2048, r);
  EXPECT_EQ(res.status, Status::pass) << res.reason();
}

TEST(Rfc6376_3_5_BodyLength, LengthLimitIsHonouredOnVerify) {
  // l=: only that many canonical body bytes are signed; text appended afterwards does not
  // break the signature (8.2 explains why signers should not do this; verifiers must honour it).
  RawCase c;
  auto spec = raw_spec();
  spec.l = canonicalize_body(Canon::relaxed, parse_or_throw(kMessage).body).size();
  const std::string signed_msg = c.sign(spec);
  EXPECT_EQ(verify_one(signed_msg, c.resolver).status, Status::pass);
  auto appended = verify_one(signed_msg + "Appended by a mailing list\r\n", c.resolver);
  EXPECT_EQ(appended.status, Status::pass) << appended.reason();
  // Changing the signed part still fails.
  EXPECT_EQ(verify_one(replace(signed_msg, "noon", "nine"), c.resolver).status, Status::fail);
}

TEST(Rfc6376_3_5_BodyLength, LengthBeyondTheBodyIsNotAPass) {
  // l=: "This value MUST NOT be larger than the actual number of octets in the canonicalized
  // message body." A truncated body cannot pass.
  RawCase c;
  auto spec = raw_spec();
  spec.l = canonicalize_body(Canon::relaxed, parse_or_throw(kMessage).body).size();
  const std::string signed_msg = c.sign(spec);
  auto r = verify_one(replace(signed_msg, "Friday at noon?\t \r\n", ""), c.resolver);
  EXPECT_NE(r.status, Status::pass);
  EXPECT_TRUE(has_cause(r, Cause::length_exceeds_body));
}

TEST(Rfc6376_6_1_1, MalformedSignatureIsNotAPassAndOthersStillVerify) {
  // A DKIM-Signature that does not parse gets a verdict with the parse error as its reason;
  // a good signature beside it still passes. RFC 6376 6.1.1 calls this PERMFAIL (signature
  // missing required tag); RFC 8601 2.7.1 reports signatures that "contained syntax errors"
  // as neutral, docs/architecture.md ("Errors": malformed input is permerror) as permerror: either is accepted.
  const auto& k = Keys::get();
  const std::string good = sign_raw(kMessage, {make_spec("example.com", "sel", k.ed25519)}, kNow);
  const std::string broken = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA\r\n";
  auto r = resolver_for(*k.ed25519);
  auto results = verify_raw(broken + good, r, kNow);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].status == Status::permerror || results[0].status == Status::neutral)
      << to_string(results[0].status);
  EXPECT_TRUE(has_cause(results[0], Cause::signature_syntax));
  EXPECT_EQ(results[1].status, Status::pass) << results[1].reason();
}

TEST(Rfc6376_3_5, EachMalformedSignatureNamesWhatIsWrong) {
  // RFC 8601 2.7.1 neutral for every field that does not parse, with the cause saying which
  // rule it breaks; no key is looked up for any of them.
  const std::string good = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
  struct Case {
    std::string field;
    Cause cause;
  };
  for (const Case& c : {Case{replace(good, "v=1", "v=2"), Cause::unsupported_version},
                        Case{replace(good, "rsa-sha256", "rsa-md5"), Cause::unsupported_algorithm},
                        Case{good + "; c=future", Cause::unsupported_canonicalization},
                        Case{good + "; q=http/well-known", Cause::unsupported_query_method},
                        Case{replace(good, "bh=AAAA", "bh=AA!A"), Cause::signature_syntax},
                        Case{replace(good, "s=sel; ", ""), Cause::signature_syntax},
                        Case{good + "; t=1000; x=999", Cause::signature_syntax}}) {
    dns::MemoryResolver r;
    auto results = verify_raw("DKIM-Signature: " + c.field + "\r\n" + std::string(kMessage), r, kNow);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].status, Status::neutral) << c.field;
    EXPECT_TRUE(has_cause(results[0], c.cause)) << c.field;
    EXPECT_EQ(r.queries(), 0u) << c.field;
  }
}

TEST(Rfc6376_3_5, ExpirationEqualToTheTimestampIsMalformed) {
  // x=: "The value of the "x=" tag MUST be greater than the value of the "t=" tag if both are
  // present." Equal is not greater: such a signature is malformed, not merely expired
  // (as dkimpy, Mail::DKIM and OpenDKIM read it).
  RawCase c;
  auto equal = verify_one(c.sign(raw_spec("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=1000; x=1000")),
                          c.resolver, 900);
  EXPECT_EQ(equal.status, Status::neutral);
  EXPECT_TRUE(has_cause(equal, Cause::signature_syntax));
  auto later = verify_one(c.sign(raw_spec("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=1000; x=1001")),
                          c.resolver, 900);
  EXPECT_EQ(later.status, Status::pass) << later.reason();
}

TEST(Rfc8463_3, AlgorithmAndKeyTypeMustMatch) {
  // An ed25519-sha256 signature checked against an RSA key (and the reverse) does not pass.
  const auto& k = Keys::get();
  dns::MemoryResolver r;
  r.add_txt(dns_name("sel", "example.com"),
            "v=DKIM1; k=rsa; p=" + encode_base64(k.rsa2048->public_key_record_bytes()));
  EXPECT_NE(verify_signed_by(k.ed25519, r).status, Status::pass);
  auto ed_resolver = resolver_for(*k.ed25519);
  EXPECT_NE(verify_signed_by(k.rsa2048, ed_resolver).status, Status::pass);
}

TEST(PrivateKey, OneLoadedKeySignsFromManyThreadsAtOnce) {
  // The milter parses each key once and signs with it from every worker thread; each
  // signature works on its own copy of the key's prepared context. Every signature made
  // concurrently must verify (RSASSA-PKCS1-v1_5 and Ed25519 are deterministic, so all equal).
  for (const auto& key : {Keys::get().rsa2048, Keys::get().ed25519}) {
    const std::string digest(32, '\x5a');
    auto reference = key->sign_digest(digest);
    ASSERT_TRUE(reference) << reference.error().message();
    auto pub = PublicKey::from_record_bytes(key->type(), key->public_key_record_bytes());
    ASSERT_TRUE(pub) << pub.error().message();
    ASSERT_TRUE(pub->verify_digest(digest, *reference));
    constexpr int kThreads = 4, kEach = 8;
    std::vector<std::vector<std::string>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto sig = key->sign_digest(digest);
          made[t].push_back(sig ? *sig : "error: " + sig.error().message());
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& per_thread : made)
      for (const auto& sig : per_thread) EXPECT_EQ(sig, *reference);
  }
}

}  // namespace
}  // namespace dnsauth::dkim

// The signing path shared by the milter and `dnsauth-signer sign`: dual RSA and Ed25519
// signatures that verify, streaming bodies, no second signature where our own earlier one
// verifies (and a new one where a field only claims to be ours), header limits, and errors
// instead of crashes on bad input.
#include <gtest/gtest.h>

#include "core/signing/session.h"
#include "support/signer_fixture.h"

namespace dnsauth::signing {
namespace {

using test::SignerDir;
using test::signer_config;

std::shared_ptr<const KeySet> keys(SignerDir& d, const std::string& cfg = signer_config()) {
  LoadResult r = load_key_set(d.write_config(cfg));
  if (!r.ok()) throw std::runtime_error(r.errors());
  return r.keys;
}

const std::string kMessage =
    "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: test\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n"
    "Hello Bob,\r\n\r\nthis is   a test.\r\n\r\n\r\n";

std::string without_cr(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '\r') out += c;
  return out;
}

std::string signed_text(const OfflineResult& r, std::string_view message) {
  std::string out;
  for (const auto& s : r.signatures) out += s.raw();
  return out + std::string(message);
}

TEST(SignerSession, SignsWithEverySelectorAndBothSignaturesVerify) {
  SignerDir d;
  auto r = sign_offline(keys(d), "alice@example.com", kMessage, std::time(nullptr));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->decision.action, Action::sign) << r->decision.detail;
  ASSERT_EQ(r->signatures.size(), 2u);
  EXPECT_EQ(r->selectors, (std::vector<std::string>{"r1", "e1"}));
  EXPECT_NE(r->signatures[0].value.find("a=rsa-sha256;"), std::string::npos);
  EXPECT_NE(r->signatures[1].value.find("a=ed25519-sha256;"), std::string::npos);
  for (const auto& s : r->signatures) {
    std::string v;  // unfolded
    for (char c : s.value)
      if (c != '\r' && c != '\n' && c != '\t') v += c;
    EXPECT_NE(v.find("c=relaxed/relaxed;"), std::string::npos) << v;
    EXPECT_NE(v.find("t="), std::string::npos) << v;
    EXPECT_EQ(v.find("x="), std::string::npos) << v;  // x= only when configured
    // From, Subject and the rest oversigned: each appears once more than present (an absent
    // Reply-To once: its absence is signed).
    EXPECT_NE(v.find("h=from:from:to:to:cc:subject:subject:date:date:reply-to:message-id:message-id:"),
              std::string::npos)
        << v;
  }
  auto resolver = SignerDir::resolver();
  auto results = test::verify_with_dnsauth(signed_text(*r, kMessage), resolver);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& v : results) EXPECT_EQ(v.status, dkim::Status::pass) << v.selector << ": " << v.reason();
}

TEST(SignerSession, ExpireAndCanonicalizationComeFromTheConfig) {
  SignerDir d;
  auto r = sign_offline(keys(d, signer_config("expire = 7200\ncanonicalization = \"simple/simple\"\n")),
                        "alice@example.com", kMessage, 1700000000);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->signatures.size(), 2u);
  EXPECT_NE(r->signatures[0].value.find("c=simple/simple;"), std::string::npos);
  EXPECT_NE(r->signatures[0].value.find("t=1700000000; x=1700007200;"), std::string::npos) << r->signatures[0].value;
}

TEST(SignerSession, BodyChunkingAndBareLineFeedsDoNotChangeTheSignature) {
  SignerDir d;
  auto ks = keys(d);
  auto whole = sign_offline(ks, "alice@example.com", kMessage, 1700000000);
  ASSERT_TRUE(whole);
  // The same message through the session in one-byte body chunks, and in LF-only form.
  for (bool lf : {false, true}) {
    SigningSession s(ks, "alice@example.com", 1700000000);
    ASSERT_TRUE(s.header("From", " Alice <alice@example.com>"));
    ASSERT_TRUE(s.header("To", " bob@example.org"));
    ASSERT_TRUE(s.header("Subject", " test"));
    ASSERT_TRUE(s.header("Date", " Mon, 23 Nov 2026 10:00:00 +0000"));
    ASSERT_TRUE(s.header("Message-ID", " <1@example.com>"));
    ASSERT_TRUE(s.end_of_headers());
    std::string body = "Hello Bob,\r\n\r\nthis is   a test.\r\n\r\n\r\n";
    if (lf) body = without_cr(body);
    for (char c : body) s.body(std::string_view(&c, 1));
    auto sigs = s.finish(1700000000);
    ASSERT_TRUE(sigs);
    ASSERT_EQ(sigs->size(), 2u);
    // Ed25519 signatures are deterministic: identical input gives the identical field.
    EXPECT_EQ((*sigs)[1].value, whole->signatures[1].value) << (lf ? "LF body" : "CRLF body");
  }
}

// ---- Already signed (core/signing/policy.h): only a signature that verifies against the
// selector's own key keeps it from signing again ----

TEST(AlreadySigned, ASelectorWhoseOwnSignatureVerifiesDoesNotSignAgain) {
  SignerDir d;
  auto ks = keys(d);
  auto first = sign_offline(ks, "alice@example.com", kMessage, 1700000000);
  ASSERT_TRUE(first);
  // Both of ours present and valid: nothing to add.
  std::string both = signed_text(*first, kMessage);
  auto again = sign_offline(ks, "alice@example.com", both, 1700000001);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->decision.action, Action::skip);
  EXPECT_EQ(again->decision.reason, Reason::already_signed);
  EXPECT_TRUE(again->signatures.empty());
  EXPECT_NE(again->decision.detail.find("d=example.com s=r1,e1 (verified)"), std::string::npos) << again->decision.detail;
  // Only the RSA one present: the Ed25519 selector still signs, and the detail says why RSA
  // does not.
  std::string rsa_only = first->signatures[0].raw() + kMessage;
  auto partial = sign_offline(ks, "alice@example.com", rsa_only, 1700000001);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->decision.action, Action::sign);
  EXPECT_EQ(partial->selectors, (std::vector<std::string>{"e1"}));
  ASSERT_EQ(partial->signatures.size(), 1u);
  EXPECT_NE(partial->signatures[0].value.find("a=ed25519-sha256;"), std::string::npos);
  EXPECT_NE(partial->decision.detail.find("; already signed with d=example.com s=r1 (verified)"), std::string::npos)
      << partial->decision.detail;
}

TEST(AlreadySigned, AFieldThatMerelyNamesOurDomainAndSelectorDoesNotCount) {
  SignerDir d;
  auto ks = keys(d);
  for (std::string field : {
           // well-formed, with hashes that are not the message's
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=r1; h=from; bh=AAAA; b=AAAA\r\n"
           "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=e1; h=from; bh=AAAA; b=AAAA\r\n",
           // garbage that only names them
           "DKIM-Signature: d=example.com; s=r1\r\nDKIM-Signature: garbage d=example.com s=e1\r\n",
           // the right d= and s=, signed by a key that is not the selector's
           "DKIM-Signature: v=1; a=rsa-sha256; d=EXAMPLE.com; s=R1; h=from; bh=AAAA; b=AAAA\r\n"}) {
    auto r = sign_offline(ks, "alice@example.com", field + kMessage, 1700000001);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->decision.action, Action::sign) << field;
    EXPECT_EQ(r->selectors, (std::vector<std::string>{"r1", "e1"})) << field;
    EXPECT_EQ(r->signatures.size(), 2u) << field;
  }
  // Another key's genuine signature under our d= and s= (a key that is not the one we hold)
  // does not verify against our key either.
  auto other_key = std::make_shared<const dkim::PrivateKey>(*dkim::PrivateKey::generate_ed25519());
  auto msg = mail::parse_message(kMessage);
  ASSERT_TRUE(msg);
  auto impostor = dkim::sign_message(*msg, {test::make_spec("example.com", "e1", other_key)}, 1700000000);
  ASSERT_TRUE(impostor);
  auto r = sign_offline(ks, "alice@example.com", (*impostor)[0].raw() + kMessage, 1700000001);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->selectors, (std::vector<std::string>{"r1", "e1"}));
}

TEST(AlreadySigned, OurSignatureOverAnotherMessageDoesNotCount) {
  // The same valid signature fields over a changed body, or a changed signed header field.
  SignerDir d;
  auto ks = keys(d);
  auto first = sign_offline(ks, "alice@example.com", kMessage, 1700000000);
  ASSERT_TRUE(first);
  std::string sigs = first->signatures[0].raw() + first->signatures[1].raw();
  std::string changed_body = sigs + kMessage + "P.S. added later\r\n";
  std::string changed_subject = sigs + kMessage;
  changed_subject.replace(changed_subject.find("Subject: test"), 13, "Subject: TEST");
  for (const std::string& m : {changed_body, changed_subject}) {
    auto r = sign_offline(ks, "alice@example.com", m, 1700000001);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->decision.action, Action::sign);
    EXPECT_EQ(r->signatures.size(), 2u);
  }
}

TEST(AlreadySigned, AnExpiredSignatureOfOursDoesNotCount) {
  // RFC 6376 6.1.1: past x= the signature is not valid; a new one is made.
  SignerDir d;
  auto ks = keys(d, signer_config("expire = 3600\n"));
  auto first = sign_offline(ks, "alice@example.com", kMessage, 1700000000);
  ASSERT_TRUE(first);
  std::string both = signed_text(*first, kMessage);
  auto soon = sign_offline(ks, "alice@example.com", both, 1700000000 + 60);
  ASSERT_TRUE(soon);
  EXPECT_EQ(soon->decision.reason, Reason::already_signed);
  auto late = sign_offline(ks, "alice@example.com", both, 1700000000 + 3600 + 3600);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->decision.action, Action::sign);
  EXPECT_EQ(late->signatures.size(), 2u);
}

TEST(AlreadySigned, AnotherDomainsSignatureWithTheSameSelectorNameIsNotOurs) {
  SignerDir d;
  auto ks = keys(d);
  std::string other = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=r1; h=from; bh=AAAA; b=AAAA\r\n" + kMessage;
  auto foreign = sign_offline(ks, "alice@example.com", other, 1700000001);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->selectors, (std::vector<std::string>{"r1", "e1"}));
}

TEST(AlreadySigned, ThePolicyPartsAlone) {
  Decision d;
  d.action = Action::sign;
  d.signing_domain = "example.com";
  d.selectors = {"r1", "e1"};
  d.detail = "login a@example.com may send as a@example.com";
  EXPECT_EQ(signed_before(d, {{"EXAMPLE.COM", "E1"}, {"example.org", "r1"}}), (std::vector<std::string>{"e1"}));
  Decision skip = d;
  skip.action = Action::skip;
  EXPECT_TRUE(signed_before(skip, {{"example.com", "r1"}}).empty());
  Decision partial = d;
  drop_verified(partial, {"e1"});
  EXPECT_EQ(partial.action, Action::sign);
  EXPECT_EQ(partial.selectors, (std::vector<std::string>{"r1"}));
  Decision none_verified = d;
  drop_verified(none_verified, {});
  EXPECT_EQ(none_verified.selectors, d.selectors);
  EXPECT_EQ(none_verified.detail, d.detail);
  drop_verified(d, {"r1", "e1"});
  EXPECT_EQ(d.action, Action::skip);
  EXPECT_EQ(d.reason, Reason::already_signed);
  EXPECT_EQ(d.detail, "already signed with d=example.com s=r1,e1 (verified)");
}

TEST(SignerSession, SkipsWithoutTouchingTheBody) {
  SignerDir d;
  SigningSession s(keys(d), "", 1700000000);
  ASSERT_TRUE(s.header("From", " alice@example.com"));
  auto dec = s.end_of_headers();
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->reason, Reason::unauthenticated);
  s.body("ignored\r\n");  // harmless
  auto f = s.finish(1);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::invalid_argument);
}

// The header limits ([signer] max_header_*) bound what a session keeps. They are applied after
// the decision: only a message that would be signed fails for them (it cannot be signed whole),
// one that would not passes as decided, so mail the signer never signs is not deferred.
TEST(SignerSession, HeaderLimitsApplyOnlyToWhatWouldBeSigned) {
  SignerDir d;
  auto limited = keys(d, signer_config("max_header_fields = 100\n"));
  auto feed = [](SigningSession& s, bool from_last) {
    if (!from_last) {
      EXPECT_TRUE(s.header("From", " alice@example.com"));
    }
    for (int i = 0; i < 150; ++i) EXPECT_TRUE(s.header("X-Filler", " " + std::to_string(i)));
    if (from_last) {
      EXPECT_TRUE(s.header("From", " alice@example.com"));  // past the limit
    }
    return s.end_of_headers();
  };
  for (bool from_last : {false, true}) {
    SCOPED_TRACE(from_last ? "From past the limit" : "From first");
    SigningSession would_sign(limited, "alice@example.com", 1700000000);
    auto r = feed(would_sign, from_last);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::limit);
    EXPECT_NE(r.error().detail.find("max_header_fields (100)"), std::string::npos) << r.error().detail;
    EXPECT_EQ(would_sign.exceeded(), mail::Limit::fields);

    SigningSession unauthenticated(limited, "", 1700000000);
    auto u = feed(unauthenticated, from_last);
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->reason, Reason::unauthenticated);

    SigningSession other(limited, "mallory@example.org", 1700000000);  // the From is still read past the limit
    auto o = feed(other, from_last);
    ASSERT_TRUE(o) << o.error().message();
    EXPECT_EQ(o->reason, Reason::not_allowed);
  }
  // Several From fields past the limit are still several.
  SigningSession several(limited, "alice@example.com", 1700000000);
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(several.header("X-Filler", " x"));
  ASSERT_TRUE(several.header("From", " alice@example.com"));
  ASSERT_TRUE(several.header("From", " alice@example.com"));
  auto sv = several.end_of_headers();
  ASSERT_TRUE(sv);
  EXPECT_EQ(sv->reason, Reason::several_from);
}

TEST(SignerSession, EachHeaderLimitIsNamedAndTheDefaultsHold) {
  SignerDir d;
  auto defaults = keys(d);
  struct Case {
    const char* setting;
    std::vector<std::pair<std::string, std::string>> fields;
    mail::Limit limit;
  };
  std::vector<std::pair<std::string, std::string>> big, many;
  for (int i = 0; i < 20; ++i) big.emplace_back("X-Big", " " + std::string(60000, 'x'));  // 1.2 MB in all
  for (int i = 0; i < 1001; ++i) many.emplace_back("X-N", " 1");
  for (const Case& c : {Case{"max_header_bytes (1048576)", big, mail::Limit::header_bytes},
                        Case{"max_header_field_bytes (65536)", {{"X-Long", " " + std::string(64 * 1024, 'y')}},
                             mail::Limit::field_bytes},
                        Case{"max_header_fields (1000)", many, mail::Limit::fields}}) {
    SCOPED_TRACE(c.setting);
    SigningSession s(defaults, "alice@example.com", 1700000000);
    ASSERT_TRUE(s.header("From", " alice@example.com"));
    for (const auto& [n, v] : c.fields) ASSERT_TRUE(s.header(n, v));
    auto r = s.end_of_headers();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::limit);
    EXPECT_NE(r.error().detail.find(c.setting), std::string::npos) << r.error().detail;
    EXPECT_EQ(s.exceeded(), c.limit);
  }
}

TEST(SignerSession, ABadFieldNameIsASyntaxError) {
  SignerDir d;
  SigningSession s(keys(d), "alice@example.com", 1700000000);
  auto bad = s.header("Bad Name", " x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::syntax);
}

TEST(SignerSession, OfflineReportsWhereAMessageDoesNotParse) {
  SignerDir d;
  auto r = sign_offline(keys(d), "alice@example.com", "From: alice@example.com\r\nthis is no header\r\n\r\nbody\r\n", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::syntax);
  EXPECT_NE(r.error().offset, Error::no_offset);
  auto empty = sign_offline(keys(d), "alice@example.com", "", 1);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->decision.reason, Reason::no_from);
}

// ---- RFC 8601 5: Authentication-Results claiming our authserv-id are removed ----

TEST(Rfc8601_5, FieldsClaimingOurAuthservIdAreFoundWhateverTheDecision) {
  // "...MUST be removed": a submission customer must not be able to hand downstream filters
  // a verdict in our name. Matching is case-insensitive (2.5 authserv-id is a domain-like
  // token), a field that does not parse is judged by its first word, another ADMD's is kept.
  SignerDir d;
  auto ks = keys(d, signer_config("authserv_id = \"mx.example.com\"\n"));
  for (std::string login : {"alice@example.com", ""}) {  // signed, and skipped unauthenticated
    SigningSession s(ks, login, 1700000000);
    ASSERT_TRUE(s.header("Authentication-Results", " mx.example.org; spf=pass smtp.mailfrom=example.org"));
    ASSERT_TRUE(s.header("Authentication-Results", " MX.Example.COM; dkim=pass header.d=example.com"));
    ASSERT_TRUE(s.header("From", " alice@example.com"));
    ASSERT_TRUE(s.header("Authentication-Results", " mx.example.com (this one is not RFC 8601 at all"));
    ASSERT_TRUE(s.header("Authentication-Results", " \"mx.example.com\"; none"));
    ASSERT_TRUE(s.header("Authentication-Results", " mx.example.com.evil.example; dmarc=pass"));
    ASSERT_TRUE(s.end_of_headers());
    EXPECT_EQ(s.forged_authres(), (std::vector<std::size_t>{2, 3, 4})) << "login " << login;
  }
  // No authserv_id configured: nothing is ours to defend.
  SigningSession plain(keys(d), "alice@example.com", 1700000000);
  ASSERT_TRUE(plain.header("Authentication-Results", " mx.example.com; dkim=pass"));
  EXPECT_TRUE(plain.forged_authres().empty());
}

TEST(Rfc8601_5, ForgedFieldsAreNotSignedAndTheOfflineOutputLeavesThemOut) {
  // With Authentication-Results in the signed list, signing the forged field would make the
  // signature break when the milter deletes it: it is kept out of h= and of the output.
  SignerDir d;
  auto ks = keys(d, signer_config("authserv_id = \"mx.example.com\"\n"
                                  "headers = [\"from\", \"to\", \"authentication-results\"]\n"));
  for (bool lf : {false, true}) {
    std::string forged = "Authentication-Results: mx.example.com;\r\n\tdkim=pass header.d=bank.example\r\n";
    std::string foreign = "Authentication-Results: mx.example.org; none\r\n";
    std::string input = foreign + forged + kMessage;
    std::string expected_rest = foreign + kMessage;
    if (lf) {
      input = without_cr(input);
      expected_rest = without_cr(expected_rest);
    }
    auto r = sign_offline(ks, "alice@example.com", input, 1700000000);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_EQ(r->decision.action, Action::sign);
    ASSERT_EQ(r->removed.size(), 1u);
    std::string rest = input.substr(0, r->removed[0].first) + input.substr(r->removed[0].first + r->removed[0].second);
    EXPECT_EQ(rest, expected_rest) << (lf ? "LF" : "CRLF");
    for (const auto& sig : r->signatures) {
      std::string v;
      for (char c : sig.value)
        if (c != '\r' && c != '\n' && c != '\t') v += c;
      // From and To oversigned by default; one authentication-results: the foreign one only.
      EXPECT_NE(v.find("h=from:from:to:to:authentication-results;"), std::string::npos) << v;
    }
    auto resolver = SignerDir::resolver();
    std::string out;
    for (const auto& sig : r->signatures) out += sig.raw();
    std::string crlf_rest = foreign + kMessage;
    for (const auto& v : test::verify_with_dnsauth(out + crlf_rest, resolver))
      EXPECT_EQ(v.status, dkim::Status::pass) << v.selector << ": " << v.reason();
  }
}

}  // namespace
}  // namespace dnsauth::signing

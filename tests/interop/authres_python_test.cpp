// Authentication-Results interoperability with python3-authres 1.2 (Debian; run with
// /usr/bin/python3, whose dist-packages hold it): the fields our builders write parse in
// python to the same values, and the fields python writes parse in ours to the values python
// meant (RFC 8601 2.2).
//
// python3-authres 1.2 keeps quoted-pairs inside quoted strings raw and rejects UTF-8 in them
// (no RFC 6532), so the cases here stay within what it reads: ASCII, no backslashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/authres/authres.h"
#include "core/authres/results.h"
#include "core/mail/message.h"
#include "support/process.h"

namespace dnsauth::authres {
namespace {

using nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";

// parse: a JSON list of whole fields on stdin -> what authres reads from each.
// generate: fields built with authres' own classes -> [{field, parsed}].
constexpr const char* kPeer = R"py(
import json, sys
import authres, authres.dmarc
ctx = authres.FeatureContext(authres.dmarc)

def dump(h):
    return {"authserv_id": h.authserv_id,
            "version": None if h.version is None else int(h.version),
            "results": [{"method": r.method,
                         "version": None if r.version is None else int(r.version),
                         "result": r.result,
                         "reason": r.reason,
                         "properties": [[p.type, p.name, p.value] for p in r.properties]}
                        for r in h.results]}

if sys.argv[1] == "parse":
    json.dump([dump(ctx.parse(f)) for f in json.load(sys.stdin)], sys.stdout)
else:
    A = authres
    D = authres.dmarc
    headers = [
        A.AuthenticationResultsHeader(authserv_id="mx.example.org"),
        A.AuthenticationResultsHeader(authserv_id="mx.example.org", version=1, results=[
            A.SPFAuthenticationResult(result="pass", smtp_mailfrom="example.net")]),
        A.AuthenticationResultsHeader(authserv_id="mx.example.org", results=[
            A.DKIMAuthenticationResult(result="pass", result_comment="2048-bit key",
                                       header_d="example.com", header_i="@example.com",
                                       header_s="s2026", header_a="rsa-sha256"),
            A.DKIMAuthenticationResult(result="fail", reason="body hash did not verify",
                                       header_d="example.net"),
            A.SPFAuthenticationResult(result="softfail", smtp_mailfrom="bounce@example.com",
                                      smtp_helo="mx.example.com"),
            A.SMTPAUTHAuthenticationResult(result="pass", result_comment="cram-md5",
                                           smtp_auth="sender@example.com"),
            D.DMARCAuthenticationResult(result="fail", result_comment="p=reject dis=reject",
                                        header_from="example.com", policy="reject")]),
        A.AuthenticationResultsHeader(authserv_id="mx.example.org", results=[
            A.IPRevAuthenticationResult(result="pass", policy_iprev="192.0.2.200")]),
    ]
    json.dump([{"field": str(h), "parsed": dump(h)} for h in headers], sys.stdout)
)py";

json run_peer(const std::string& mode, const std::string& input = {}) {
  if (!std::filesystem::exists(kPython)) return json();
  auto r = test::run_process(kPython, {"-c", kPeer, mode}, input);
  EXPECT_EQ(r.status, 0) << r.err;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "python printed no JSON (" << e.what() << "): " << r.out << r.err;
    return json();
  }
}

// Our values in the shape the peer prints.
json as_json(const AuthenticationResults& ar) {
  json results = json::array();
  for (const ResInfo& r : ar.results) {
    json props = json::array();
    for (const Property& p : r.properties) props.push_back({p.ptype, p.property, p.value});
    results.push_back({{"method", r.method},
                       {"version", r.method_version ? json(*r.method_version) : json()},
                       {"result", r.result},
                       {"reason", r.reason ? json(*r.reason) : json()},
                       {"properties", props}});
  }
  return {{"authserv_id", ar.authserv_id},
          {"version", ar.version ? json(*ar.version) : json()},
          {"results", results}};
}

// What our tools write: the builders' resinfo for real verdicts, plus the forms of RFC 8601.
std::vector<AuthenticationResults> our_fields() {
  dkim::SignatureResult pass;
  pass.status = dkim::Status::pass;
  pass.domain = "example.com";
  pass.selector = "s2026";
  pass.identity = "@example.com";
  pass.algorithm = "rsa-sha256";
  pass.b_prefix = "Ab/+9xYz";  // not a token: quoted
  pass.key_bits = 2048;
  dkim::SignatureResult fail = pass;
  fail.status = dkim::Status::fail;
  fail.cause = dkim::Cause::body_hash_mismatch;
  fail.domain = "mail.example.net";
  fail.identity = "alice@mail.example.net";

  dmarc::DomainResult dfail;
  dfail.status = dmarc::Status::fail;
  dfail.author_domain = "example.com";
  dfail.requested = dmarc::Policy::reject;
  dfail.policy_tag = "sp";
  dfail.applied = dmarc::Policy::quarantine;
  dfail.testing = true;
  dmarc::DomainResult dtemp;
  dtemp.status = dmarc::Status::temperror;
  dtemp.author_domain = "example.org";
  dtemp.cause = dmarc::Cause::dns_temperror;
  dtemp.detail = "DNS failure looking up _dmarc.example.org: temporary DNS failure (timeout); "
                 "no policy (RFC 9989 5.3.6)";

  spf::Session session;
  session.mail_from = "alice@example.com";
  session.helo = "mx.example.net";
  spf::Verdict spass;
  spass.result = spf::Result::Pass;
  spass.domain = "example.com";
  spf::Verdict snone;
  snone.result = spf::Result::None;
  snone.identity = spf::Identity::helo;
  snone.cause = spf::Cause::no_record;

  std::vector<AuthenticationResults> out;
  out.push_back({"mx.example.org", 1, {}});  // B.2: none
  out.push_back({"mx.example.org",
                 std::nullopt,
                 {dkim_resinfo(pass), dkim_resinfo(fail), spf_resinfo(spass, session),
                  dmarc_resinfo(dfail), dmarc_resinfo(dtemp)}});
  out.push_back({"mx.example.org",
                 std::nullopt,
                 {spf_resinfo(snone, session),
                  ResInfo{"auth", std::nullopt, "pass", "cram-md5", std::nullopt,
                          {{"smtp", "auth", "sender@example.net"}}},
                  ResInfo{"iprev", std::nullopt, "pass", "", std::nullopt,
                          {{"policy", "iprev", "192.0.2.200"}}},
                  ResInfo{"dkim", 1, "neutral", "", std::string("no key for signature"), {}}}});
  return out;
}

TEST(AuthresPython, PythonReadsWhatWeWrite) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  std::vector<AuthenticationResults> fields = our_fields();
  json input = json::array();
  for (const auto& f : fields) {
    std::string text = format_field(f);
    text.erase(text.size() - 2);  // authres parses one header without its final CRLF
    input.push_back(text);
  }
  json parsed = run_peer("parse", input.dump());
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    SCOPED_TRACE(input[i].get<std::string>());
    EXPECT_EQ(parsed[i], as_json(fields[i]));
    // And ours reads the same field back to the same value.
    auto field = mail::HeaderField::from_raw(input[i].get<std::string>());
    ASSERT_TRUE(field);
    auto again = parse_field(*field);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, fields[i]);
  }
}

TEST(AuthresPython, WeReadWhatPythonWrites) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  json generated = run_peer("generate");
  ASSERT_TRUE(generated.is_array());
  ASSERT_EQ(generated.size(), 4u);
  for (const json& g : generated) {
    std::string text = g["field"].get<std::string>();
    SCOPED_TRACE(text);
    auto field = mail::HeaderField::from_raw(text);
    ASSERT_TRUE(field) << field.error().message();
    auto ours = parse_field(*field);
    ASSERT_TRUE(ours) << ours.error().message();
    EXPECT_EQ(as_json(*ours), g["parsed"]);
  }
  // Comments python wrote are the result comments we keep.
  auto third = parse_field(*mail::HeaderField::from_raw(generated[2]["field"].get<std::string>()));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->results[0].comment, "2048-bit key");
  EXPECT_EQ(third->results[4].comment, "p=reject dis=reject");
}

}  // namespace
}  // namespace dnsauth::authres

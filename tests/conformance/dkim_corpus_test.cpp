// The DKIM corpora of ../shared/conformance/dkim/ (read in place, never copied), each run
// against the results its EXPECTED file gives, under RFC 8301 rules (rsa-sha1 and RSA keys
// under 1024 bits are never valid):
//   dkimpy           dkimpy/EXPECTED.md, dkimpy/dns-records.txt
//   Mail::DKIM       mail-dkim/EXPECTED.tsv (its rfc8301_note column), mail-dkim/FAKE_DNS.dat
//   stalwart         stalwart-mail-auth/00N.txt: DNS lines, a blank line, the message; the last
//                    DKIM-Signature must pass (verification time 1667843664)
// Each corpus prints "<corpus>: N passed / M total". A case where we disagree with the expected
// result fails the test unless it is in that corpus's allow-list, which gives the RFC section
// that justifies our result; an allow-listed case that starts agreeing fails too, so the list
// cannot go stale.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"
#include "core/dkim/signer.h"
#include "core/dkim/verifier.h"
#include "support/dkim_fixtures.h"
#include "support/test_support.h"

namespace dnsauth::dkim {
namespace {

using test::conformance_dir;
using test::parse_or_throw;
using test::read_file;
using test::to_crlf;

constexpr std::int64_t kNow = 1731000000;  // 2024-11-07; no corpus "pass" carries an x= before it

// ---- verdict categories, as the corpora state them ----
// none: no DKIM-Signature; pass: some signature passes; fail: none passes and one failed the
// cryptographic check; invalid: every signature could not be checked (Mail::DKIM "invalid",
// RFC 8601 neutral/permerror/temperror/policy).
std::string category(const std::vector<SignatureResult>& results) {
  if (results.empty()) return "none";
  bool fail = false;
  for (const auto& r : results) {
    if (r.status == Status::pass) return "pass";
    if (r.status == Status::fail) fail = true;
  }
  return fail ? "fail" : "invalid";
}

std::string describe(const std::vector<SignatureResult>& results) {
  std::string out = category(results);
  for (const auto& r : results) out += " [" + std::string(to_string(r.status)) + ": " + r.reason() + "]";
  return out;
}

struct Case {
  std::string id;
  std::set<std::string> expected;  // acceptable categories
  std::string got;                 // category, or what happened instead
  std::string detail;              // per-signature verdicts
};

class Tally {
 public:
  Tally(std::string corpus, std::map<std::string, std::string> allowed)
      : corpus_(std::move(corpus)), allowed_(std::move(allowed)) {}

  void add(std::string id, std::set<std::string> expected, std::string got, std::string detail = {}) {
    cases_.push_back({std::move(id), std::move(expected), std::move(got), std::move(detail)});
  }

  // Prints the summary; fails naming every disagreement that is not allow-listed, every
  // allow-listed case that now agrees, and every allow-list entry that names no case.
  ::testing::AssertionResult report() const {
    std::string problems;
    std::size_t passed = 0;
    std::set<std::string> seen;
    const bool verbose = std::getenv("DNSAUTH_CORPUS_VERBOSE") != nullptr;
    for (const auto& c : cases_) {
      bool agree = c.expected.count(c.got) > 0;
      if (verbose) std::cout << "  " << (agree ? "ok   " : "DIFF ") << c.id << ": " << (c.detail.empty() ? c.got : c.detail) << "\n";
      auto allowed = allowed_.find(c.id);
      seen.insert(c.id);
      if (agree) {
        ++passed;
        if (allowed != allowed_.end())
          problems += "\n  " + corpus_ + " " + c.id + " now agrees (" + c.got + "); drop it from the allow-list";
      } else if (allowed != allowed_.end()) {
        std::cout << "  allowed disagreement " << c.id << ": expected " << join(c.expected) << ", got "
                  << c.detail << "\n    because " << allowed->second << "\n";
      } else {
        problems += "\n  " + corpus_ + " " + c.id + ": expected " + join(c.expected) + ", got " +
                    (c.detail.empty() ? c.got : c.detail);
      }
    }
    for (const auto& [id, why] : allowed_)
      if (!seen.count(id)) problems += "\n  " + corpus_ + ": allow-list names unknown case " + id;
    std::cout << corpus_ << ": " << passed << " passed / " << cases_.size() << " total\n";
    ::testing::Test::RecordProperty(corpus_ + "_passed", static_cast<int>(passed));
    ::testing::Test::RecordProperty(corpus_ + "_total", static_cast<int>(cases_.size()));
    if (problems.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << corpus_ << " disagreements:" << problems;
  }

 private:
  static std::string join(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : "|") + x;
    return out;
  }
  std::string corpus_;
  std::map<std::string, std::string> allowed_;
  std::vector<Case> cases_;
};

// "<name> <value>" lines; '#' comments. Mail::DKIM's FAKE_DNS.dat adds NXDOMAIN, ~~error~~
// (a DNS failure) and "" (an empty record).
struct DnsLine {
  std::string name, value;
  bool alt = false;
};

std::vector<DnsLine> dns_lines(const std::string& text) {
  std::vector<DnsLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    DnsLine d;
    if (line.rfind("ALT ", 0) == 0) {
      d.alt = true;
      line = line.substr(4);
    }
    auto sp = line.find_first_of(" \t");
    d.name = line.substr(0, sp);
    auto v = sp == std::string::npos ? sp : line.find_first_not_of(" \t", sp);
    d.value = v == std::string::npos ? "" : line.substr(v);
    out.push_back(std::move(d));
  }
  return out;
}

void add_record(dns::MemoryResolver& r, const std::string& name, const std::string& value) {
  if (value == "NXDOMAIN") return;  // no record: the name does not exist
  if (value.size() > 4 && value.rfind("~~", 0) == 0) {
    r.add_tempfail(name, value.substr(2, value.size() - 4));
  } else if (value == "\"\"") {
    r.add_txt(name, "");
  } else {
    r.add_txt(name, value);
  }
}

// ======================================================================================
// dkimpy 1.1.4 (dkimpy/EXPECTED.md)
// ======================================================================================

class Dkimpy {
 public:
  Dkimpy() {
    for (const auto& d : dns_lines(read_file(dir() / "dns-records.txt"))) (d.alt ? alt_ : main_).push_back(d);
  }
  static std::filesystem::path dir() { return conformance_dir() / "dkim/dkimpy"; }
  static std::string data(const std::string& f) { return read_file(dir() / "data" / f); }
  static std::string message(const std::string& f) { return to_crlf(data(f)); }

  // The main records, with `overrides` (name -> value) in place of theirs.
  dns::MemoryResolver resolver(const std::map<std::string, std::string>& overrides = {}) const {
    dns::MemoryResolver r;
    for (const auto& d : main_)
      if (!overrides.count(d.name)) add_record(r, d.name, d.value);
    for (const auto& [name, value] : overrides) add_record(r, name, value);
    return r;
  }
  // The n-th ALT record (0-based, file order) for `name`.
  std::string alt(const std::string& name, std::size_t n) const {
    for (const auto& d : alt_)
      if (d.name == name && n-- == 0) return d.value;
    throw std::runtime_error("no ALT record for " + name);
  }
  static std::shared_ptr<const PrivateKey> pem_key(const std::string& f) {
    auto k = PrivateKey::from_pem(data(f));
    if (!k) throw std::runtime_error(f + ": " + k.error().message());
    return std::make_shared<const PrivateKey>(std::move(*k));
  }
  static std::shared_ptr<const PrivateKey> seed_key(const std::string& f) {
    auto seed = decode_base64(data(f));
    if (!seed) throw std::runtime_error(f + ": " + seed.error().message());
    auto k = PrivateKey::from_ed25519_seed(*seed);
    if (!k) throw std::runtime_error(f + ": " + k.error().message());
    return std::make_shared<const PrivateKey>(std::move(*k));
  }

 private:
  std::vector<DnsLine> main_, alt_;
};

std::string verify_category(const std::string& raw, dns::Resolver& r, std::string* detail) {
  auto results = test::verify_raw(raw, r, kNow);
  *detail = describe(results);
  return category(results);
}

TEST(DkimConformance, Dkimpy) {
  Tally tally("dkimpy", {});  // no disagreements to allow
  Dkimpy c;
  std::string detail;
  const std::string ex = "test._domainkey.example.com";
  auto check = [&](const std::string& id, const std::string& raw, dns::Resolver&& r, std::set<std::string> expected) {
    std::string got = verify_category(raw, r, &detail);
    tally.add(id, std::move(expected), got, detail);
  };

  // -- fixed messages --
  check("test2.message (Gmail 2013, odd folding)", c.message("test2.message"), c.resolver(), {"pass"});
  check("ed25519test2.msg (Exim Ed25519)", c.message("ed25519test2.msg"), c.resolver(), {"pass"});
  {
    auto r = c.resolver();
    auto results = test::verify_raw(c.message("rfc6376.signed.msg"), r, kNow);
    bool both = results.size() == 2 && results[0].status == Status::pass && results[1].status == Status::pass;
    tally.add("rfc6376.signed.msg (both signatures)", {"pass+pass"}, both ? "pass+pass" : category(results),
              describe(results));
  }
  check("rfc6376.signed.rsa.msg", c.message("rfc6376.signed.rsa.msg"), c.resolver(), {"pass"});
  check("rfc6376.signed.rsa.msg with corrupted p= (ALT)", c.message("rfc6376.signed.rsa.msg"),
        c.resolver({{"test._domainkey.football.example.com", c.alt("test._domainkey.football.example.com", 0)}}),
        {"fail", "invalid"});
  // d= "legitimate.com(.attacker.com" is not a domain-name (RFC 6376 3.5 d=).
  check("test.message.baddomain", c.message("test.message.baddomain"),
        c.resolver({{"test._domainkey.legitimate.com(.attacker.com",
                     c.alt("test._domainkey.legitimate.com(.attacker.com", 0)}}),
        {"fail", "invalid"});
  for (const char* unsigned_msg : {"test.message", "rfc6376.msg", "ed25519test.msg"})
    check(std::string(unsigned_msg) + " (unsigned)", c.message(unsigned_msg), c.resolver(), {"none"});

  // -- sign with our Signer, verify with the dkimpy records --
  const auto test_key = Dkimpy::pem_key("test.private");
  const std::string test_message = c.message("test.message");
  const Canonicalization canons[] = {
      {Canon::simple, Canon::simple}, {Canon::simple, Canon::relaxed}, {Canon::relaxed, Canon::simple}, {Canon::relaxed, Canon::relaxed}};
  for (const auto& canon : canons) {
    std::string id = "test.message signed " + std::string(to_string(canon.header)) + "/" + std::string(to_string(canon.body));
    check(id, test::sign_raw(test_message, {test::make_spec("example.com", "test", test_key, canon)}, kNow), c.resolver(),
          {"pass"});
  }
  const std::string signed_test = test::sign_raw(test_message, {test::make_spec("example.com", "test", test_key)}, kNow);
  check("appended body", signed_test + "appended\r\n", c.resolver(), {"fail"});
  {
    // l= set, then text appended: still a pass (the Signer never writes l=, so raw_sign does).
    auto msg = parse_or_throw(test_message);
    test::RawSignature spec;
    spec.tags = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=test; t=1730000000";
    spec.h = {"from", "to", "subject", "date", "message-id"};
    spec.l = canonicalize_body(Canon::relaxed, msg.body).size();
    check("l= set, then text appended", test::raw_sign(msg, spec, test_key->native()) + test_message + "appended\r\n",
          c.resolver(), {"pass"});
  }
  {
    std::string two_from = signed_test;
    two_from.insert(two_from.find("\r\nFrom:") + 2, "From: spoofer@example.org\r\n");
    check("second From header added", two_from, c.resolver(), {"fail"});
  }
  check("implicit k= (test2.txt)", signed_test, c.resolver({{ex, c.alt(ex, 0)}}), {"pass"});
  check("v=DKIM1: syntax error (badversion.txt)", signed_test, c.resolver({{ex, c.alt(ex, 1)}}), {"fail", "invalid"});
  check("k=ed25519-sha256 on an RSA key (badk.txt)", signed_test, c.resolver({{ex, c.alt(ex, 2)}}), {"fail", "invalid"});
  check("s=tlsrpt key (test_tlsrpt.txt, RFC 8460 3)", signed_test, c.resolver({{ex, c.alt(ex, 3)}}), {"fail", "invalid"});
  check("ed25519test.msg signed with ed25519test.key",
        test::sign_raw(c.message("ed25519test.msg"), {test::make_spec("example.net", "test", Dkimpy::seed_key("ed25519test.key"))}, kNow),
        c.resolver(), {"pass"});
  check("rfc6376.msg signed with rfc8032_7_1.key",
        test::sign_raw(c.message("rfc6376.msg"),
                       {test::make_spec("football.example.com", "brisbane", Dkimpy::seed_key("rfc8032_7_1.key"))}, kNow),
        c.resolver(), {"pass"});
  // SubjectPublicKeyInfo and bare RSAPublicKey forms of p= (3.6.1 k=rsa).
  const std::pair<const char*, const char*> keys[] = {{"1024_testkey.key", "test2"},
                                                      {"2048_testkey.key", "test3"},
                                                      {"2048_testkey.key", "test4"},
                                                      {"2048_testkey_PKCS8.key", "test5"}};
  for (const auto& [file, selector] : keys) {
    check(std::string("test.message signed with ") + file + " s=" + selector,
          test::sign_raw(test_message, {test::make_spec("example.com", selector, Dkimpy::pem_key(file))}, kNow),
          c.resolver(), {"pass"});
  }
  check("test.message signed with 1024_testkey.key s=test (ALT SPKI record)",
        test::sign_raw(test_message, {test::make_spec("example.com", "test", Dkimpy::pem_key("1024_testkey.key"))}, kNow),
        c.resolver({{ex, c.alt(ex, 4)}}), {"pass"});
  {
    // message.mbox signed over all its header fields: signer and verifier agree on h=.
    std::string mbox = c.message("message.mbox");
    auto msg = parse_or_throw(mbox);
    auto spec = test::make_spec("example.com", "test", test_key);
    spec.headers = HeaderPolicy{{}, {}};
    for (const auto& h : msg.headers) spec.headers.sign.push_back(mail::to_lower(h.name()));
    check("message.mbox signed over every header field", test::sign_raw(mbox, {spec}, kNow), c.resolver(), {"pass"});
  }
  {
    auto fields = sign_message(parse_or_throw(c.message("test_nofrom.message")),
                               {test::make_spec("example.com", "test", test_key)}, kNow);
    tally.add("test_nofrom.message: signing refused (RFC 6376 5.4)", {"refused"}, fields ? "signed" : "refused");
  }
  // 8-bit (Windows-1258) From/Subject: signed verbatim (3.4.1, 3.4.2 leave non-WSP bytes alone).
  check("rfc6376.w1258.msg signed and verified",
        test::sign_raw(c.message("rfc6376.w1258.msg"), {test::make_spec("example.com", "test", test_key)}, kNow),
        c.resolver(), {"pass"});
  {
    auto rec = parse_key_record(Dkimpy::data("test_bad.txt"));
    bool refused = !rec || !PublicKey::from_record_bytes(KeyType::rsa, rec->public_key);
    tally.add("test_bad.txt: malformed RSA public key refused", {"refused"}, refused ? "refused" : "accepted");
  }
  EXPECT_TRUE(tally.report());
}

// ======================================================================================
// Mail::DKIM (mail-dkim/EXPECTED.tsv, FAKE_DNS.dat)
// ======================================================================================

struct TsvRow {
  std::string file, result, comment, status, signatures, note;
};

std::vector<TsvRow> tsv_rows() {
  std::vector<TsvRow> rows;
  std::istringstream in(read_file(conformance_dir() / "dkim/mail-dkim/EXPECTED.tsv"));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {  // the column names
      header = false;
      continue;
    }
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cols.push_back(line.substr(start, tab - start));
    cols.push_back(line.substr(start));
    cols.resize(6);
    rows.push_back({cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]});
  }
  return rows;
}

// Under RFC 8301, a signature made with rsa-sha1 or an RSA key under 1024 bits is never valid;
// whether a verifier reports it as fail or as not checkable is not specified, so both agree.
bool weak_only(const TsvRow& row) {
  std::istringstream sigs(row.signatures);
  std::string sig;
  bool any = false;
  while (std::getline(sigs, sig, ';')) {
    auto a = sig.find(':'), b = sig.find(':', a + 1);
    std::string alg = sig.substr(a + 1, b - a - 1), bits = sig.substr(b + 1);
    bool small = !bits.empty() && std::isdigit(static_cast<unsigned char>(bits[0])) && std::stoi(bits) < 1024;
    if (alg != "rsa-sha1" && !small) return false;
    any = true;
  }
  return any;
}

std::set<std::string> mail_dkim_expected(const TsvRow& row) {
  if (row.note.rfind("DomainKeys", 0) == 0) return {"none"};  // a DKIM-only verifier finds nothing
  if (row.note.rfind("legacy pass", 0) == 0) return {"fail", "invalid"};
  if (weak_only(row)) return {"fail", "invalid"};
  return {row.result};
}

TEST(DkimConformance, MailDkim) {
  // Note: most legacy messages are refused before their key is fetched (no v=, v=0.5, or
  // rsa-sha1), so the badkey_* rows do not reach key handling here; the unit tests in
  // dkim_sign_verify_test.cpp cover those paths with RFC 6376 signatures.
  Tally tally("mail-dkim", {
      {"mine_ietf01_3.txt",
       "RFC 6376 3.5: v= is REQUIRED and absent (a draft-ietf-dkim-base-01 signature), and its q=dns is "
       "not the dns/txt method (3.5 q=: unrecognized methods are ignored, leaving none); 6.1.1 makes it "
       "PERMFAIL. Mail::DKIM accepts pre-RFC signatures."},
      {"mine_ietf01_3.txt (strict)",
       "as mine_ietf01_3.txt: RFC 6376 3.5 v= REQUIRED; Mail::DKIM's strict mode checks only RFC 8301"},
      {"mine_ietf01_4.txt", "as mine_ietf01_3.txt: RFC 6376 3.5, v= REQUIRED and absent, q=dns"},
  });
  dns::MemoryResolver resolver;
  for (const auto& d : dns_lines(read_file(conformance_dir() / "dkim/mail-dkim/FAKE_DNS.dat")))
    add_record(resolver, d.name, d.value);
  for (const auto& row : tsv_rows()) {
    std::string id = row.file + (row.status == "STRICT" ? " (strict)" : "");
    std::string raw = read_file(conformance_dir() / "dkim/mail-dkim/corpus" / row.file);
    auto results = test::verify_raw(raw, resolver, kNow);
    tally.add(id, mail_dkim_expected(row), category(results), describe(results));
  }
  EXPECT_TRUE(tally.report());
}

TEST(DkimConformance, MailDkimPerSignatureOrderOfMultiple2) {
  // multiple_2: Mail::DKIM reports invalid, pass (rsa-sha1), fail. Under RFC 8301 3.1 the
  // rsa-sha1 pass is not valid; the other two keep their verdicts.
  dns::MemoryResolver resolver;
  for (const auto& d : dns_lines(read_file(conformance_dir() / "dkim/mail-dkim/FAKE_DNS.dat")))
    add_record(resolver, d.name, d.value);
  auto results = test::verify_raw(read_file(conformance_dir() / "dkim/mail-dkim/corpus/multiple_2.txt"), resolver, kNow);
  ASSERT_EQ(results.size(), 4u) << describe(results);
  for (const auto& r : results) EXPECT_NE(r.status, Status::pass) << r.reason();
}

// ======================================================================================
// stalwart mail-auth resources/dkim/00[1-6].txt
// ======================================================================================

TEST(DkimConformance, Stalwart) {
  Tally tally("stalwart", {});
  for (int n = 1; n <= 6; ++n) {
    const std::string file = "00" + std::to_string(n) + ".txt";
    const std::string text = read_file(conformance_dir() / "dkim/stalwart-mail-auth" / file);
    const auto blank = text.find("\n\n");
    ASSERT_NE(blank, std::string::npos) << file;
    dns::MemoryResolver resolver;
    for (const auto& d : dns_lines(text.substr(0, blank))) add_record(resolver, d.name, d.value);
    auto results = test::verify_raw(to_crlf(text.substr(blank + 2)), resolver, 1667843664);
    std::string got = results.empty() ? "none" : (results.back().status == Status::pass ? "last passes" : "last does not pass");
    tally.add(file, {"last passes"}, got, describe(results));
  }
  EXPECT_TRUE(tally.report());
}

}  // namespace
}  // namespace dnsauth::dkim

// DMARC evaluation: Identifier Alignment (RFC 9989 3.2.10, 4.4, B.1; RFC 7489 3.1), every
// policy outcome (RFC 9989 4.7, 4.10.1, 5.3; RFC 7489 6.3, 6.6), and the RFC 7489 B.3 /
// RFC 9989 B.3.1 receiver example read from the seed and the draft text.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/dmarc/evaluate.h"
#include "core/dns/resolver.h"
#include "support/test_support.h"

namespace dnsauth::dmarc {
// Readable causes in failure messages.
void PrintTo(Cause c, std::ostream* os) { *os << to_string(c); }
void PrintTo(AlignmentCheck::Cause c, std::ostream* os) { *os << to_string(c); }

namespace {

mail::AuthorDomain from(std::vector<std::string> domains) {
  mail::AuthorDomain a;
  for (auto& d : domains) a.mailboxes.push_back(mail::Mailbox{"", "user", d});
  a.count = a.mailboxes.size() == 1 ? mail::FromCount::one : mail::FromCount::several;
  if (a.count == mail::FromCount::several)
    a.reason = "From field holds " + std::to_string(a.mailboxes.size()) + " mailboxes";
  return a;
}

DkimInput dkim(std::string d, std::string result = "pass") {
  return DkimInput{std::move(d), "sel", std::move(result)};
}
SpfInput spf(std::string d, std::string result = "pass") { return SpfInput{std::move(d), std::move(result)}; }

EvaluateOptions opts(Mode mode) {
  EvaluateOptions o;
  o.mode = mode;
  return o;
}

// ---- Identifier Alignment ------------------------------------------------------------------

struct AlignCase {
  const char* author;
  const char* identifier;
  AlignmentMode mode;
  bool aligned;
};

// Strict and relaxed, for SPF and DKIM, with parents, children, siblings and strangers. The
// zone has the records a relaxed check needs under the tree walk.
TEST(DmarcAlignment, StrictAndRelaxedForSpfAndDkim) {
  const AlignCase cases[] = {
      {"example.com", "example.com", AlignmentMode::strict, true},
      {"example.com", "example.com", AlignmentMode::relaxed, true},
      {"EXAMPLE.com", "example.COM.", AlignmentMode::strict, true},  // RFC 4343
      {"example.com", "mail.example.com", AlignmentMode::strict, false},
      {"example.com", "mail.example.com", AlignmentMode::relaxed, true},        // child
      {"child.example.com", "example.com", AlignmentMode::strict, false},
      {"child.example.com", "example.com", AlignmentMode::relaxed, true},       // parent
      {"a.example.com", "b.example.com", AlignmentMode::relaxed, true},         // siblings
      {"a.example.com", "b.example.com", AlignmentMode::strict, false},
      {"child.example.com", "example.net", AlignmentMode::relaxed, false},      // stranger
      {"example.com", "example.com.evil.example", AlignmentMode::relaxed, false},
      {"mail.example.co.uk", "bounce.example.co.uk", AlignmentMode::relaxed, true},
      {"example.co.uk", "other.co.uk", AlignmentMode::relaxed, false},
  };
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
    mem.add_txt("_dmarc.example.net", "v=DMARC1; p=reject");
    mem.add_txt("_dmarc.example.co.uk", "v=DMARC1; p=reject");
    mem.add_txt("_dmarc.other.co.uk", "v=DMARC1; p=reject");
    PolicyFinder finder(mem, {mode});
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(to_string(mode)) + ": " + c.author + " / " + c.identifier + " " +
                   std::string(to_string(c.mode)));
      auto a = aligned(c.author, c.identifier, c.mode, finder);
      ASSERT_TRUE(a.has_value());
      EXPECT_EQ(*a, c.aligned);

      // The same through an evaluation, once as DKIM and once as SPF: the Author Domain
      // publishes the alignment mode under test.
      std::map<std::string, std::string> records = {
          {"example.com", "v=DMARC1; p=reject"},
          {"example.net", "v=DMARC1; p=reject"},
          {"example.co.uk", "v=DMARC1; p=reject"},
          {"other.co.uk", "v=DMARC1; p=reject"}};
      records[normalize_domain(c.author)] = std::string("v=DMARC1; p=reject; adkim=") +
                                            std::string(to_string(c.mode)) +
                                            "; aspf=" + std::string(to_string(c.mode));
      dns::MemoryResolver zone;
      for (const auto& [domain, txt] : records) zone.add_txt("_dmarc." + domain, txt);
      PolicyFinder f1(zone, {mode});
      DomainResult viadkim = evaluate_domain(c.author, {dkim(c.identifier)}, std::nullopt, f1, opts(mode));
      EXPECT_EQ(viadkim.dkim_aligned, c.aligned) << viadkim.reason();
      ASSERT_EQ(viadkim.checks.size(), 1u);
      EXPECT_EQ(viadkim.checks[0].cause, c.aligned ? AlignmentCheck::Cause::aligned : AlignmentCheck::Cause::not_aligned);
      EXPECT_EQ(viadkim.cause, c.aligned ? Cause::aligned_pass : Cause::no_aligned_pass);
      EXPECT_FALSE(viadkim.spf_aligned);
      EXPECT_EQ(viadkim.status, c.aligned ? Status::pass : Status::fail);
      PolicyFinder f2(zone, {mode});
      DomainResult viaspf = evaluate_domain(c.author, {}, spf(c.identifier), f2, opts(mode));
      EXPECT_EQ(viaspf.spf_aligned, c.aligned) << viaspf.reason();
      EXPECT_FALSE(viaspf.dkim_aligned);
    }
  }
}

// RFC 9989 B.1: SPF and DKIM examples 1-3.
TEST(DmarcAlignment, AppendixB1Examples) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
  PolicyFinder f(mem);
  // B.1.1
  EXPECT_EQ(aligned("example.com", "example.com", AlignmentMode::strict, f), true);
  EXPECT_EQ(aligned("example.com", "child.example.com", AlignmentMode::relaxed, f), true);
  EXPECT_EQ(aligned("child.example.com", "example.net", AlignmentMode::relaxed, f), false);
  // B.1.2
  EXPECT_EQ(aligned("child.example.com", "example.com", AlignmentMode::relaxed, f), true);
  EXPECT_EQ(aligned("child.example.com", "example.net", AlignmentMode::relaxed, f), false);
}

// Only a pass authenticates (RFC 9989 4.4.1, 4.4.2): aligned but failed is no alignment.
TEST(DmarcAlignment, OnlyPassingIdentifiersAlign) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  for (const char* result : {"fail", "neutral", "policy", "permerror", "softfail", "none"}) {
    SCOPED_TRACE(result);
    PolicyFinder f(mem);
    DomainResult r = evaluate_domain("example.com", {dkim("example.com", result)},
                                     spf("example.com", result), f);
    EXPECT_EQ(r.status, Status::fail);
    ASSERT_EQ(r.checks.size(), 2u);
    for (const auto& c : r.checks) EXPECT_EQ(c.outcome, AlignmentCheck::Outcome::not_authenticated);
  }
}

// ---- RFC 7489 B.3 / RFC 9989 B.3.1: the receiver example ------------------------------------

struct ReceiverExample {
  std::string author, spf_domain, dkim_domain, record;
};

std::string field_after(const std::string& text, std::size_t from, const std::string& label) {
  std::size_t at = text.find(label, from);
  if (at == std::string::npos) throw std::runtime_error("missing " + label);
  at += label.size();
  std::size_t end = text.find('\n', at);
  std::string v = text.substr(at, end - at);
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t\r") + 1);
  return v;
}

// The example as the document writes it: identifiers after their labels, and the record in
// quotes over two lines (joined with one space, as the TXT strings would be read).
ReceiverExample read_example(const std::string& text, const std::string& record_label) {
  std::size_t from = text.find("the following sample data is considered to be from a");
  if (from == std::string::npos) throw std::runtime_error("sample not found");
  ReceiverExample ex;
  ex.author = field_after(text, from, "Author Domain:");
  ex.spf_domain = field_after(text, from, "SPF-authenticated Identifier:");
  ex.dkim_domain = field_after(text, from, "DKIM-authenticated Identifier:");
  std::size_t rec = text.find(record_label, from);
  std::size_t open = text.find('"', rec);
  std::size_t close = text.find('"', open + 1);
  ex.record = std::regex_replace(text.substr(open + 1, close - open - 1), std::regex("\\s*\n\\s*"), " ");
  return ex;
}

void expect_example_passes(const ReceiverExample& ex) {
  EXPECT_EQ(ex.author, "example.com");
  EXPECT_EQ(ex.spf_domain, "mail.example.com");
  EXPECT_EQ(ex.dkim_domain, "example.com");
  EXPECT_EQ(ex.record, "v=DMARC1; p=reject; aspf=r; rua=mailto:dmarc-feedback@example.com");
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    SCOPED_TRACE(std::string(to_string(mode)));
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc." + ex.author, ex.record);
    Evaluation e = evaluate(from({ex.author}), {dkim(ex.dkim_domain)}, spf(ex.spf_domain), mem,
                            opts(mode));
    EXPECT_EQ(e.status, Status::pass) << e.reason();
    ASSERT_EQ(e.domains.size(), 1u);
    // "both the SPF-authenticated Identifier and the DKIM-authenticated Identifier align"
    EXPECT_TRUE(e.domains[0].spf_aligned) << e.reason();
    EXPECT_TRUE(e.domains[0].dkim_aligned);
    EXPECT_EQ(e.domains[0].requested, Policy::reject);  // "avoiding the reject policy"
    EXPECT_EQ(e.applied, Policy::none);
    EXPECT_EQ(e.domains[0].organizational_domain, "example.com");
  }
}

TEST(DmarcEvaluate, Rfc7489AppendixB3SeedPasses) {
  auto seed = test::read_file(test::conformance_dir().parent_path() / "seeds" /
                              "003_79c3904468c3fda4.txt");
  expect_example_passes(read_example(seed, "DMARC record:"));
}

TEST(DmarcEvaluate, Rfc9989AppendixB3_1ExamplePasses) {
  auto draft = test::read_file(test::conformance_dir() / "rfc" / "drafts" /
                               "draft-ietf-dmarc-dmarcbis-41.txt");
  expect_example_passes(read_example(draft, "DMARC Policy Record:"));
}

// ---- Policy outcomes -------------------------------------------------------------------------

struct PolicyCase {
  const char* what;
  Mode mode;
  const char* record;  // at _dmarc.example.com
  const char* author;
  std::vector<DkimInput> dkim;
  std::optional<SpfInput> spf;
  Status status;
  std::optional<Policy> requested;
  const char* tag;
  Policy applied;
};

TEST(DmarcEvaluate, EveryPolicyOutcome) {
  const Mode B = Mode::rfc9989, O = Mode::rfc7489;
  const PolicyCase cases[] = {
      {"aligned DKIM passes; the policy is reported, not applied", B,
       "v=DMARC1; p=reject", "example.com", {dkim("example.com")}, std::nullopt, Status::pass,
       Policy::reject, "p", Policy::none},
      {"aligned SPF passes", O, "v=DMARC1; p=reject", "example.com", {}, spf("example.com"),
       Status::pass, Policy::reject, "p", Policy::none},
      {"nothing aligned: p=reject applies", B, "v=DMARC1; p=reject", "example.com",
       {dkim("evil.example")}, spf("evil.example"), Status::fail, Policy::reject, "p",
       Policy::reject},
      {"p=quarantine", O, "v=DMARC1; p=quarantine", "example.com", {}, std::nullopt, Status::fail,
       Policy::quarantine, "p", Policy::quarantine},
      {"p=none: monitoring mode", B, "v=DMARC1; p=none", "example.com", {}, std::nullopt,
       Status::fail, Policy::none, "p", Policy::none},
      {"existing subdomain: sp", B, "v=DMARC1; p=reject; sp=quarantine; np=none",
       "exists.example.com", {}, std::nullopt, Status::fail, Policy::quarantine, "sp",
       Policy::quarantine},
      {"subdomain without sp: p", O, "v=DMARC1; p=reject", "exists.example.com", {},
       std::nullopt, Status::fail, Policy::reject, "p", Policy::reject},
      {"non-existent subdomain: np (RFC 9989 4.7)", B,
       "v=DMARC1; p=none; sp=quarantine; np=reject", "ghost.example.com", {}, std::nullopt,
       Status::fail, Policy::reject, "np", Policy::reject},
      {"non-existent subdomain without np: sp, then p", B, "v=DMARC1; p=none; sp=quarantine",
       "ghost.example.com", {}, std::nullopt, Status::fail, Policy::quarantine, "sp",
       Policy::quarantine},
      {"RFC 7489 has no np: sp", O, "v=DMARC1; p=none; sp=quarantine; np=reject",
       "ghost.example.com", {}, std::nullopt, Status::fail, Policy::quarantine, "sp",
       Policy::quarantine},
      {"t=y: reject becomes quarantine", B, "v=DMARC1; p=reject; t=y", "example.com", {},
       std::nullopt, Status::fail, Policy::reject, "p", Policy::quarantine},
      {"t=y: quarantine becomes none", B, "v=DMARC1; p=quarantine; t=y", "example.com", {},
       std::nullopt, Status::fail, Policy::quarantine, "p", Policy::none},
      {"RFC 7489 ignores t", O, "v=DMARC1; p=reject; t=y", "example.com", {}, std::nullopt,
       Status::fail, Policy::reject, "p", Policy::reject},
      {"RFC 9989 ignores pct", B, "v=DMARC1; p=reject; pct=0", "example.com", {}, std::nullopt,
       Status::fail, Policy::reject, "p", Policy::reject},
      {"invalid p with a valid rua: p=none (RFC 9989 4.10.1)", B,
       "v=DMARC1; p=bogus; sp=reject; rua=mailto:d@example.com", "sub.example.com", {},
       std::nullopt, Status::fail, Policy::none, "p", Policy::none},
      {"invalid sp with rua: p=none", O, "v=DMARC1; p=reject; sp=bad; rua=mailto:d@example.com",
       "example.com", {}, std::nullopt, Status::fail, Policy::none, "p", Policy::none},
      {"invalid p without rua: no DMARC processing", B, "v=DMARC1; p=bogus", "example.com",
       {dkim("example.com")}, std::nullopt, Status::permerror, std::nullopt, "", Policy::none},
      {"invalid np without rua (RFC 9989)", B, "v=DMARC1; p=reject; np=x", "example.com", {},
       std::nullopt, Status::permerror, std::nullopt, "", Policy::none},
      {"invalid np is an unknown tag's value to RFC 7489", O, "v=DMARC1; p=reject; np=x",
       "example.com", {}, std::nullopt, Status::fail, Policy::reject, "p", Policy::reject},
      {"missing p: RFC 9989 reads p=none", B, "v=DMARC1; adkim=s", "example.com", {},
       std::nullopt, Status::fail, Policy::none, "p", Policy::none},
      {"missing p: RFC 7489 requires it", O, "v=DMARC1; adkim=s", "example.com", {},
       std::nullopt, Status::permerror, std::nullopt, "", Policy::none},
      {"missing p with rua: RFC 7489 acts as p=none", O,
       "v=DMARC1; rua=mailto:d@example.com", "example.com", {}, std::nullopt, Status::fail,
       Policy::none, "p", Policy::none},
      {"aligned DKIM temperror and nothing else: temperror", B, "v=DMARC1; p=reject",
       "example.com", {dkim("example.com", "temperror")}, std::nullopt, Status::temperror,
       Policy::reject, "p", Policy::none},
      {"unaligned temperror does not hold the verdict", B, "v=DMARC1; p=reject", "example.com",
       {dkim("other.example", "temperror")}, std::nullopt, Status::fail, Policy::reject, "p",
       Policy::reject},
      {"aligned SPF temperror beside an aligned DKIM pass: pass", O, "v=DMARC1; p=reject",
       "example.com", {dkim("example.com")}, spf("example.com", "temperror"), Status::pass,
       Policy::reject, "p", Policy::none},
      {"strict DKIM fails for a subdomain signer, relaxed SPF passes", B,
       "v=DMARC1; p=reject; adkim=s", "example.com", {dkim("mail.example.com")},
       spf("bounce.example.com"), Status::pass, Policy::reject, "p", Policy::none},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    dns::MemoryResolver mem;
    mem.add_txt("_dmarc.example.com", c.record);
    mem.add_a("exists.example.com", "192.0.2.1");
    mem.add_a("sub.example.com", "192.0.2.2");
    mem.add_a("example.com", "192.0.2.3");
    Evaluation e = evaluate(from({c.author}), c.dkim, c.spf, mem, opts(c.mode));
    ASSERT_EQ(e.domains.size(), 1u);
    const DomainResult& d = e.domains[0];
    EXPECT_EQ(e.status, c.status) << e.reason();
    EXPECT_EQ(d.requested, c.requested) << e.reason();
    EXPECT_EQ(d.policy_tag, c.tag);
    EXPECT_EQ(d.applied, c.applied) << e.reason();
    // Every outcome of this table has the one cause its status allows.
    const std::map<Status, Cause> cause_of = {{Status::pass, Cause::aligned_pass},
                                              {Status::fail, Cause::no_aligned_pass},
                                              {Status::temperror, Cause::alignment_temperror},
                                              {Status::permerror, Cause::unusable_record}};
    EXPECT_EQ(d.cause, cause_of.at(c.status)) << d.reason();
    EXPECT_EQ(e.cause, d.cause);
  }
}

TEST(DmarcEvaluate, NonExistentDomainIsAskedOnlyWhenNpCouldApply) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=none; np=reject");
  Evaluation e = evaluate(from({"ghost.example.com"}), {}, std::nullopt, mem);
  ASSERT_EQ(e.domains.size(), 1u);
  EXPECT_EQ(e.domains[0].author_exists, false);
  EXPECT_EQ(e.domains[0].policy_tag, "np");
  EXPECT_EQ(e.cause, Cause::no_aligned_pass);

  // A pass never needs it.
  e = evaluate(from({"ghost.example.com"}), {dkim("example.com")}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::pass);
  EXPECT_FALSE(e.domains[0].author_exists.has_value());

  // A DNS failure on the existence check: the policy cannot be chosen (RFC 9989 5.3.6).
  dns::MemoryResolver broken;
  broken.add_txt("_dmarc.example.com", "v=DMARC1; p=none; np=reject");
  broken.add_tempfail("ghost.example.com", dns::RRType::A, "timeout");
  e = evaluate(from({"ghost.example.com"}), {}, std::nullopt, broken);
  EXPECT_EQ(e.status, Status::temperror);
  EXPECT_EQ(e.cause, Cause::existence_temperror);
}

// RFC 7489 6.6.4: pct with an injected random source; (random % 100) < pct selects.
TEST(DmarcEvaluate, PctSamplingUsesTheInjectedRandomSource) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=30");
  struct Case {
    std::uint32_t draw;
    bool sampled;
    Policy applied;
  } cases[] = {{0, true, Policy::reject},
               {29, true, Policy::reject},
               {30, false, Policy::quarantine},  // "treat ... as though quarantine applies"
               {99, false, Policy::quarantine},
               {129, true, Policy::reject}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.draw);
    EvaluateOptions o = opts(Mode::rfc7489);
    int calls = 0;
    o.random = [&] {
      ++calls;
      return c.draw;
    };
    Evaluation e = evaluate(from({"example.com"}), {}, std::nullopt, mem, o);
    EXPECT_EQ(e.status, Status::fail);
    EXPECT_EQ(e.domains[0].sampled, c.sampled);
    EXPECT_EQ(e.applied, c.applied);
    EXPECT_EQ(e.requested, Policy::reject);
    EXPECT_EQ(calls, 1);
  }
  // Quarantine not selected: local classification, i.e. none.
  dns::MemoryResolver q;
  q.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=10");
  EvaluateOptions o = opts(Mode::rfc7489);
  o.random = [] { return 50u; };
  EXPECT_EQ(evaluate(from({"example.com"}), {}, std::nullopt, q, o).applied, Policy::none);
  // pct=100 and passes never draw.
  int calls = 0;
  o.random = [&] { return ++calls, 0u; };
  dns::MemoryResolver full;
  full.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=100");
  evaluate(from({"example.com"}), {}, std::nullopt, full, o);
  evaluate(from({"example.com"}), {dkim("example.com")}, std::nullopt, mem, o);
  EXPECT_EQ(calls, 0);
  // Without a source the core draws nothing itself: pct>0 applies, pct=0 does not.
  o.random = nullptr;
  Evaluation e = evaluate(from({"example.com"}), {}, std::nullopt, mem, o);
  EXPECT_EQ(e.applied, Policy::reject);
  EXPECT_EQ(e.domains[0].sampled, true);
  dns::MemoryResolver zero;
  zero.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=0");
  EXPECT_EQ(evaluate(from({"example.com"}), {}, std::nullopt, zero, o).applied, Policy::quarantine);
}

TEST(DmarcEvaluate, NoRecordIsNone) {
  dns::MemoryResolver mem;
  for (Mode mode : {Mode::rfc9989, Mode::rfc7489}) {
    Evaluation e = evaluate(from({"example.org"}), {dkim("example.org")}, spf("example.org"), mem,
                            opts(mode));
    EXPECT_EQ(e.status, Status::none);
    EXPECT_FALSE(e.domains[0].requested.has_value());
    EXPECT_EQ(e.cause, Cause::no_record);
    EXPECT_EQ(e.domains[0].discovery.cause, Cause::no_record);
  }
}

TEST(DmarcEvaluate, DnsFailureIsTemperror) {
  dns::MemoryResolver mem;
  mem.add_tempfail("_dmarc.example.com", "SERVFAIL");
  Evaluation e = evaluate(from({"example.com"}), {}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::temperror);
  EXPECT_EQ(e.cause, Cause::dns_temperror);

  // A tree walk for a relaxed identifier failing: no conclusion either.
  dns::MemoryResolver walk;
  walk.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  walk.add_tempfail("_dmarc.mail.example.com");
  e = evaluate(from({"example.com"}), {dkim("mail.example.com")}, std::nullopt, walk);
  EXPECT_EQ(e.status, Status::temperror);
  EXPECT_EQ(e.domains[0].checks[0].outcome, AlignmentCheck::Outcome::temperror);
  EXPECT_EQ(e.domains[0].checks[0].cause, AlignmentCheck::Cause::organizational_domain_temperror);
  EXPECT_EQ(e.cause, Cause::alignment_temperror);
}

// RFC 9989 5.3.1 and 11.5, RFC 7489 6.6.1: messages without exactly one Author Domain.
TEST(DmarcEvaluate, FromWithoutExactlyOneDomain) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.bank.example", "v=DMARC1; p=reject");
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine");

  mail::AuthorDomain none;
  none.count = mail::FromCount::none;
  none.reason = "no From field";
  Evaluation e = evaluate(none, {}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::permerror);
  EXPECT_EQ(e.cause, Cause::no_author_domain);
  EXPECT_TRUE(e.domains.empty());

  mail::AuthorDomain bad;
  bad.count = mail::FromCount::malformed;
  bad.reason = "From field: syntax error at byte 3";
  Evaluation malformed = evaluate(bad, {}, std::nullopt, mem);
  EXPECT_EQ(malformed.status, Status::permerror);
  EXPECT_EQ(malformed.cause, Cause::no_author_domain);

  // Two domains, the spoofed one fails: the strictest failing policy applies.
  e = evaluate(from({"example.com", "bank.example"}), {dkim("example.com")}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::fail);
  EXPECT_EQ(e.applied, Policy::reject);
  ASSERT_EQ(e.domains.size(), 2u);
  EXPECT_EQ(e.domains[0].status, Status::pass);
  EXPECT_EQ(e.domains[1].status, Status::fail);
  EXPECT_EQ(e.deciding(), &e.domains[1]);
  EXPECT_EQ(e.cause, Cause::no_aligned_pass);  // the deciding domain's

  // Both pass: pass. The same domain twice counts once.
  e = evaluate(from({"example.com", "bank.example", "example.com"}),
               {dkim("example.com"), dkim("bank.example")}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::pass);
  EXPECT_EQ(e.domains.size(), 2u);

  // More domains than evaluated: permerror, no policy guessed.
  e = evaluate(from({"a.example", "b.example", "c.example", "d.example", "e.example"}), {},
               std::nullopt, mem);
  EXPECT_EQ(e.status, Status::permerror);
  EXPECT_EQ(e.cause, Cause::too_many_author_domains);

  // A domain literal can have no record.
  e = evaluate(from({"[192.0.2.1]"}), {}, std::nullopt, mem);
  EXPECT_EQ(e.status, Status::none);
  EXPECT_EQ(e.cause, Cause::invalid_author_domain);
}

// A PSD's record (RFC 9989 4.10.1) applies with sp/np to a subdomain without its own record.
TEST(DmarcEvaluate, PublicSuffixDomainPolicy) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.bank.example", "v=DMARC1; p=none; sp=reject; psd=y");
  mem.add_a("giant.bank.example", "192.0.2.1");
  Evaluation e = evaluate(from({"giant.bank.example"}), {dkim("mega.bank.example")},
                          std::nullopt, mem);
  EXPECT_EQ(e.status, Status::fail);
  EXPECT_EQ(e.domains[0].discovery.policy_domain, "bank.example");
  EXPECT_TRUE(e.domains[0].discovery.psd_record);
  EXPECT_EQ(e.domains[0].policy_tag, "sp");
  EXPECT_EQ(e.applied, Policy::reject);
  EXPECT_EQ(e.domains[0].discovery.cause, Cause::record_at_public_suffix_domain);
  // RFC 7489 knows no psd=: bank.example is the Organizational Domain by the PSL's "*" rule.
  e = evaluate(from({"giant.bank.example"}), {dkim("mega.bank.example")}, std::nullopt, mem,
               opts(Mode::rfc7489));
  EXPECT_EQ(e.status, Status::pass) << e.reason();  // relaxed: both under bank.example
}

TEST(DmarcEvaluate, EveryLookupIsReported) {
  dns::MemoryResolver mem;
  mem.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  Evaluation e = evaluate(from({"mail.example.com"}), {dkim("example.com")}, std::nullopt, mem);
  std::vector<std::string> names;
  for (const auto& l : e.lookups) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"_dmarc.mail.example.com", "_dmarc.example.com",
                                             "_dmarc.com"}));
  EXPECT_TRUE(e.lookups[1].record.has_value());
}

TEST(DmarcEvaluate, DkimInputsFromVerifierResults) {
  dkim::SignatureResult s;
  s.status = dkim::Status::pass;
  s.domain = "example.com";
  s.selector = "s1";
  auto in = dkim_inputs({s});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].domain, "example.com");
  EXPECT_EQ(in[0].selector, "s1");
  EXPECT_EQ(in[0].result, "pass");
}

}  // namespace
}  // namespace dnsauth::dmarc

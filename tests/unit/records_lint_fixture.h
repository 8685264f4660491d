// Shared by the records_lint_*_test.cpp files: a domain that lints clean (SPF, one DKIM
// selector with its private key, DMARC), tweaks that break exactly one thing, and a
// table-driven test in which every rule of the catalog has a triggering and a clean case.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "core/dns/resolver.h"
#include "core/records/lint.h"

namespace dnsauth::records::lintcase {

inline const dkim::PrivateKey& rsa2048() {
  static const dkim::PrivateKey k = *dkim::PrivateKey::generate_rsa(2048);
  return k;
}
inline const dkim::PrivateKey& other_rsa2048() {
  static const dkim::PrivateKey k = *dkim::PrivateKey::generate_rsa(2048);
  return k;
}
inline std::string p_of(const dkim::PrivateKey& k) { return encode_base64(k.public_key_record_bytes()); }

// What example.com publishes; each field may be changed by a case before it is published.
struct Publish {
  std::string domain = "example.com";
  std::optional<std::string> spf = "v=spf1 ip4:192.0.2.0/24 -all";
  std::vector<std::string> spf_parts;  // when set: the SPF record as these character-strings
  std::string selector = "sel";
  std::optional<std::string> dkim = "v=DKIM1; k=rsa; p=" + p_of(rsa2048());
  bool expect_selector = true;         // the selector comes from the config (with its key file)
  std::optional<std::string> dmarc = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com";
};

struct Scene {
  dns::MemoryResolver dns;
  LintOptions options;
  std::string domain = "example.com";
  // Set: lint_record on this text instead of lint_domain (online: with the resolver).
  std::optional<std::string> record;
  RecordType type = RecordType::spf;
  bool record_online = false;
};

inline void publish(Scene& s, const Publish& p) {
  s.domain = p.domain;
  if (!p.spf_parts.empty()) s.dns.add_txt_parts(p.domain, p.spf_parts);
  else if (p.spf) s.dns.add_txt(p.domain, *p.spf);
  if (p.dkim) s.dns.add_txt(p.selector + "._domainkey." + p.domain, *p.dkim);
  if (p.expect_selector) s.options.expected_selectors.push_back({p.selector, dkim::KeyType::rsa, rsa2048(), {}});
  else s.options.selectors.push_back(p.selector);
  if (p.dmarc) s.dns.add_txt("_dmarc." + p.domain, *p.dmarc);
}

using Build = std::function<void(Scene&)>;

// The clean domain with one tweak, and optionally more records or options afterwards.
inline Build with(std::function<void(Publish&)> tweak, Build extra = {}) {
  return [tweak, extra](Scene& s) {
    Publish p;
    if (tweak) tweak(p);
    publish(s, p);
    if (extra) extra(s);
  };
}
inline Build clean_domain() { return with({}); }
inline Build lint_text(std::string text, RecordType type) {
  return [text, type](Scene& s) {
    s.record = text;
    s.type = type;
  };
}

inline Report run(const Build& build) {
  Scene s;
  build(s);
  if (s.record) return lint_record(*s.record, s.type, s.record_online ? &s.dns : nullptr, s.domain, s.options);
  return lint_domain(s.dns, s.domain, s.options);
}

inline const Finding* find(const Report& r, std::string_view rule) {
  for (const auto& f : r.findings)
    if (f.id() == rule) return &f;
  return nullptr;
}

inline std::string describe(const Report& r) {
  std::string out;
  for (const auto& f : r.findings)
    out += "\n  " + std::string(f.id()) + " [" + f.name + "] " + f.message;
  return out.empty() ? " (no findings)" : out;
}

// lint_record(text) reports `rule` pointing at byte `offset` of the record.
inline void expect_offset(const std::string& text, RecordType type, std::string_view rule, std::size_t offset) {
  Report r = lint_record(text, type);
  const Finding* f = find(r, rule);
  ASSERT_NE(f, nullptr) << text << ":" << describe(r);
  EXPECT_EQ(f->offset, offset) << text;
  EXPECT_EQ(f->record, text);
}

struct RuleCase {
  std::string rule;
  Build trigger;
  Build clean;
  std::string name = {};     // the finding's name, when it matters
  std::string message = {};  // a part of the finding's message, when it matters
};

inline std::string case_name(const ::testing::TestParamInfo<RuleCase>& info) {
  std::string n;
  for (char c : info.param.rule) n += (c == '-') ? '_' : c;
  return n;
}

// Every rule of `protocol` in the catalog has a case in `cases`, and every case names a rule.
inline void expect_catalog_covered(std::string_view protocol, const std::vector<RuleCase>& cases) {
  std::set<std::string> have;
  for (const auto& c : cases) {
    EXPECT_NE(find_rule(c.rule), nullptr) << c.rule << " is not in the catalog";
    have.insert(c.rule);
  }
  for (const auto& r : rule_catalog())
    if (r.protocol == protocol) {
      EXPECT_TRUE(have.count(std::string(r.id))) << r.id << " has no lint test case";
    }
}

class RuleTest : public ::testing::TestWithParam<RuleCase> {};

}  // namespace dnsauth::records::lintcase

// Defines the two tests of a rule table: the triggering case reports the rule (with the
// expected name and message), the clean case does not.
#define DNSAUTH_RULE_TESTS(Suite, cases)                                                         \
  class Suite : public ::dnsauth::records::lintcase::RuleTest {};                                 \
  TEST_P(Suite, TriggeringCaseReportsTheRule) {                                                  \
    using namespace ::dnsauth::records::lintcase;                                                 \
    const RuleCase& c = GetParam();                                                              \
    ::dnsauth::records::Report r = run(c.trigger);                                               \
    const ::dnsauth::records::Finding* f = find(r, c.rule);                                      \
    ASSERT_NE(f, nullptr) << c.rule << " not reported; got:" << describe(r);                     \
    EXPECT_EQ(f->severity(), f->rule->severity);                                                 \
    EXPECT_FALSE(f->message.empty());                                                            \
    if (!c.name.empty()) {                                                                       \
      EXPECT_EQ(f->name, c.name);                                                                \
    }                                                                                            \
    if (!c.message.empty()) {                                                                    \
      EXPECT_NE(f->message.find(c.message), std::string::npos) << f->message;                    \
    }                                                                                            \
    EXPECT_GE(r.exit_code(), f->severity() == ::dnsauth::records::Severity::error     ? 2        \
                             : f->severity() == ::dnsauth::records::Severity::warning ? 1        \
                                                                                      : 0);      \
  }                                                                                              \
  TEST_P(Suite, CleanCaseDoesNotReportTheRule) {                                                 \
    using namespace ::dnsauth::records::lintcase;                                                 \
    const RuleCase& c = GetParam();                                                              \
    ::dnsauth::records::Report r = run(c.clean);                                                 \
    EXPECT_EQ(find(r, c.rule), nullptr) << c.rule << " reported on the clean case:" << describe(r); \
  }                                                                                              \
  INSTANTIATE_TEST_SUITE_P(Catalog, Suite, ::testing::ValuesIn(cases),                           \
                           ::dnsauth::records::lintcase::case_name)

// The openspf conformance suites (../shared/conformance/spf, see SOURCES.md there), read at
// run time and never copied: every case of rfc7208-tests.yml and rfc4408-tests.yml runs
// against a MemoryResolver loaded from its scenario's zonedata.
//
// Driver conventions, as the suites' own driver (pyspf test/testspf.py) defines them:
//  - type SPF records are also published as TXT unless the name lists a TXT record of its own
//    ("TXT: NONE" lists one without publishing it);
//  - TIMEOUT makes every type not listed before it answer tempfail (TIMEOUT first: all types);
//  - a case passes when the result is one the case allows and, where the case gives an
//    explanation, that is the explanation returned (the default explanation is "DEFAULT").
//    Explanations compare case-insensitively: v-macro-ip6 writes the %{ir} nibbles in upper
//    case, while RFC 7208 7.4's own example expands them in lower case.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "core/dns/resolver.h"
#include "core/spf/check_host.h"
#include "support/test_support.h"

namespace {

using dnsauth::dns::MemoryResolver;
using dnsauth::dns::RRType;
namespace spf = dnsauth::spf;

struct SuiteCase {
  std::string file;
  std::string name;
  std::string spec;
  std::string helo, host, mailfrom;
  std::set<std::string> results;
  std::optional<std::string> explanation;
  YAML::Node zonedata;
};

std::string scalar(const YAML::Node& n, const char* key) {
  return n[key] && n[key].IsScalar() ? n[key].as<std::string>() : std::string();
}

std::vector<SuiteCase> load_suite(const std::string& file) {
  std::vector<SuiteCase> out;
  auto path = dnsauth::test::conformance_dir() / "spf" / file;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAllFromFile(path.string());
  } catch (const std::exception& e) {
    std::cerr << "cannot load " << path << ": " << e.what() << "\n";
    return out;
  }
  for (const auto& doc : docs) {
    if (!doc.IsMap() || !doc["tests"]) continue;
    for (const auto& t : doc["tests"]) {
      SuiteCase c;
      c.file = file;
      c.name = t.first.as<std::string>();
      const YAML::Node& d = t.second;
      c.spec = scalar(d, "spec");
      c.helo = scalar(d, "helo");
      c.host = scalar(d, "host");
      c.mailfrom = scalar(d, "mailfrom");
      if (d["result"].IsSequence()) {
        for (const auto& r : d["result"]) c.results.insert(r.as<std::string>());
      } else {
        c.results.insert(d["result"].as<std::string>());
      }
      if (d["explanation"] && d["explanation"].IsScalar()) c.explanation = d["explanation"].as<std::string>();
      c.zonedata = doc["zonedata"];
      out.push_back(std::move(c));
    }
  }
  return out;
}

const std::vector<SuiteCase>& suite(const std::string& file) {
  static std::map<std::string, std::vector<SuiteCase>> cache;
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, load_suite(file)).first;
  return it->second;
}

std::optional<RRType> rrtype(const std::string& t) {
  static const std::map<std::string, RRType> types = {
      {"A", RRType::A},     {"AAAA", RRType::AAAA}, {"MX", RRType::MX},       {"PTR", RRType::PTR},
      {"TXT", RRType::TXT}, {"SPF", RRType::SPF},   {"CNAME", RRType::CNAME}};
  auto it = types.find(t);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> strings(const YAML::Node& v) {
  std::vector<std::string> parts;
  if (v.IsSequence()) {
    for (const auto& p : v) parts.push_back(p.as<std::string>());
  } else {
    parts.push_back(v.as<std::string>());
  }
  return parts;
}

void load_zone(MemoryResolver& dns, const YAML::Node& zonedata) {
  for (const auto& entry : zonedata) {
    std::string name = entry.first.as<std::string>();
    const YAML::Node& items = entry.second;
    dns.add_name(name);
    bool lists_txt = false;
    for (const auto& item : items)
      if (item.IsMap() && item["TXT"]) lists_txt = true;
    std::set<RRType> before_timeout;
    bool timeout = false;
    std::vector<std::vector<std::string>> generated_txt;
    for (const auto& item : items) {
      if (item.IsScalar() && item.as<std::string>() == "TIMEOUT") {
        timeout = true;
        break;  // the suite's driver ignores whatever follows
      }
      for (const auto& kv : item) {
        std::string type = kv.first.as<std::string>();
        const YAML::Node& value = kv.second;
        auto t = rrtype(type);
        ASSERT_TRUE(t) << "unknown record type " << type << " at " << name;
        if (value.IsScalar() && value.as<std::string>() == "NONE") continue;
        before_timeout.insert(*t);
        switch (*t) {
          case RRType::TXT: dns.add_txt_parts(name, strings(value)); break;
          case RRType::SPF:
            dns.add_record(name, RRType::SPF, [&] {
              std::string joined;
              for (const auto& p : strings(value)) joined += p;
              return joined;
            }());
            if (!lists_txt) generated_txt.push_back(strings(value));
            break;
          case RRType::MX:
            dns.add_mx(name, value[0].as<std::uint16_t>(), value[1].as<std::string>());
            break;
          case RRType::PTR: dns.add_ptr(name, value.as<std::string>()); break;
          case RRType::CNAME: dns.add_cname(name, value.as<std::string>()); break;
          default: dns.add_record(name, *t, value.as<std::string>()); break;
        }
      }
    }
    if (timeout) {
      if (before_timeout.empty()) {
        dns.add_tempfail(name, "TIMEOUT");
      } else {
        for (RRType t : {RRType::A, RRType::AAAA, RRType::MX, RRType::PTR, RRType::TXT,
                         RRType::SPF, RRType::CNAME})
          if (!before_timeout.count(t)) dns.add_tempfail(name, t, "TIMEOUT");
      }
    } else {
      for (auto& parts : generated_txt) dns.add_txt_parts(name, std::move(parts));
    }
  }
}

struct Outcome {
  std::string result;
  std::string explanation;
  std::string problem;
};

Outcome run_case(const SuiteCase& c) {
  MemoryResolver dns;
  load_zone(dns, c.zonedata);
  auto ip = dnsauth::dns::IpAddress::parse(c.host);
  if (!ip) return {"(bad host " + c.host + ")", {}, {}};
  spf::Session session;
  session.client_ip = *ip;
  session.mail_from = c.mailfrom;
  session.helo = c.helo;
  spf::Options options;
  options.default_explanation = "DEFAULT";
  spf::Verdict v = spf::verify_mail_from(dns, session, options);
  return {std::string(spf::to_string(v.result)), v.explanation, v.problem()};
}

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The RFC 7208 version of a RFC 4408 case whose allowed results RFC 7208 changed on purpose
// (the 2014.04 suite release narrowed cases that RFC 4408 left ambiguous), or null.
const SuiteCase* changed_by_rfc7208(const SuiteCase& c) {
  for (const auto& n : suite("rfc7208-tests.yml"))
    if (n.name == c.name && n.results != c.results) return &n;
  return nullptr;
}

std::string describe(const SuiteCase& c, const Outcome& r) {
  std::string allowed;
  for (const auto& x : c.results) allowed += (allowed.empty() ? "" : "|") + x;
  return c.file + " " + c.name + " (RFC " + c.spec + "): got " + r.result + " [" + r.problem +
         "] explanation '" + r.explanation + "', suite allows " + allowed +
         (c.explanation ? " with explanation '" + *c.explanation + "'" : "");
}

bool passes(const SuiteCase& c, const Outcome& r, const std::set<std::string>& allowed) {
  if (!allowed.count(r.result)) return false;
  if (c.explanation && r.result == "fail" && !iequals(*c.explanation, r.explanation)) return false;
  return true;
}

std::string test_name(const testing::TestParamInfo<SuiteCase>& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

class Rfc7208Suite : public testing::TestWithParam<SuiteCase> {};
class Rfc4408Suite : public testing::TestWithParam<SuiteCase> {};

TEST_P(Rfc7208Suite, Case) {
  const SuiteCase& c = GetParam();
  Outcome r = run_case(c);
  EXPECT_TRUE(passes(c, r, c.results)) << describe(c, r);
}

TEST_P(Rfc4408Suite, Case) {
  const SuiteCase& c = GetParam();
  Outcome r = run_case(c);
  EXPECT_TRUE(passes(c, r, c.results)) << describe(c, r);
  // Where RFC 7208 changed the case, the result must also be the one RFC 7208 requires.
  if (const SuiteCase* now = changed_by_rfc7208(c)) {
    EXPECT_TRUE(passes(*now, r, now->results)) << describe(*now, r);
  }
}

INSTANTIATE_TEST_SUITE_P(rfc7208, Rfc7208Suite, testing::ValuesIn(suite("rfc7208-tests.yml")), test_name);
INSTANTIATE_TEST_SUITE_P(rfc4408, Rfc4408Suite, testing::ValuesIn(suite("rfc4408-tests.yml")), test_name);

// SPF_SUITE_VERBOSE=1 prints every case's outcome.
bool verbose() { return std::getenv("SPF_SUITE_VERBOSE") != nullptr; }

TEST(SpfConformance, Rfc7208Summary) {
  const auto& cases = suite("rfc7208-tests.yml");
  ASSERT_FALSE(cases.empty()) << "rfc7208-tests.yml not found under " << dnsauth::test::conformance_dir();
  std::size_t passed = 0;
  for (const auto& c : cases) {
    Outcome r = run_case(c);
    if (passes(c, r, c.results)) ++passed;
    else std::cout << "  failed: " << describe(c, r) << "\n";
    if (verbose()) std::cout << "  " << describe(c, r) << "\n";
  }
  std::cout << "rfc7208-tests: " << passed << " passed / " << cases.size() << " total\n";
  EXPECT_EQ(passed, cases.size());
}

TEST(SpfConformance, Rfc4408Summary) {
  const auto& cases = suite("rfc4408-tests.yml");
  ASSERT_FALSE(cases.empty()) << "rfc4408-tests.yml not found under " << dnsauth::test::conformance_dir();
  std::size_t passed = 0, changed = 0, changed_ok = 0;
  for (const auto& c : cases) {
    Outcome r = run_case(c);
    bool ok = passes(c, r, c.results);
    if (verbose()) std::cout << "  " << describe(c, r) << "\n";
    if (const SuiteCase* now = changed_by_rfc7208(c)) {
      ++changed;
      bool ok7208 = passes(*now, r, now->results);
      if (ok7208) ++changed_ok;
      std::string was, is;
      for (const auto& x : c.results) was += (was.empty() ? "" : "|") + x;
      for (const auto& x : now->results) is += (is.empty() ? "" : "|") + x;
      std::cout << "  changed by RFC 7208 " << now->spec << ": " << c.name << " allowed " << was
                << " under RFC 4408 " << c.spec << ", now " << is << "; got " << r.result
                << (ok7208 ? "" : "  <-- WRONG") << "\n";
    }
    if (ok) ++passed;
    else std::cout << "  failed: " << describe(c, r) << "\n";
  }
  std::cout << "rfc4408-tests: " << passed << " passed / " << cases.size() << " total; "
            << changed << " cases changed on purpose by RFC 7208 (listed above), " << changed_ok
            << " of them give the RFC 7208 result\n";
  EXPECT_EQ(passed, cases.size());
  EXPECT_EQ(changed_ok, changed);
}

}  // namespace

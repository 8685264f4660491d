// dnsauth-validate reports summary | advise | html, run as a program on the generated data set
// (tests/unit/reports_dataset.h): the text tables and the JSON objects, every exit status (0
// answered / safe, 1 no reports / not yet safe, 2 usage or input error), and --help.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "reports/store.h"
#include "support/process.h"
#include "support/test_support.h"
#include "unit/reports_dataset.h"

namespace {

namespace fs = std::filesystem;
using dnsauth::test::ProcessResult;
namespace testdata = dnsauth::reports::testdata;

class ReportsCli : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = dnsauth::test::make_temp_dir("dnsauth-reports-cli-");
    data_ = new testdata::DataSet(testdata::generate());
    auto store = dnsauth::reports::Store::open((dir_ / "reports.db").string());
    ASSERT_TRUE(store) << store.error().message();
    ASSERT_NO_FATAL_FAILURE(testdata::insert(store->db(), *data_));
    dnsauth::test::write_file(dir_ / "dnsauth.toml", testdata::kConfig);
    std::string reject = testdata::kConfig;
    reject.replace(reject.find("p = \"none\""), 10, "p = \"reject\"");
    dnsauth::test::write_file(dir_ / "reject.toml", reject);
  }
  static void TearDownTestSuite() {
    delete data_;
    fs::remove_all(dir_);
  }

  static ProcessResult validate(std::vector<std::string> args) {
    return dnsauth::test::run_process(dnsauth::test::tool_path("dnsauth-validate"), args);
  }
  static std::string db() { return (dir_ / "reports.db").string(); }
  static std::string config(const char* name = "dnsauth.toml") { return (dir_ / name).string(); }
  static nlohmann::json json(const ProcessResult& r) {
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.out << r.err;
    return j;
  }
  // The data set's totals for example.com, from its rows.
  static std::uint64_t messages(bool only_failing = false, bool window = false) {
    std::uint64_t n = 0;
    for (const auto& row : data_->rows)
      if (testdata::counted(*data_, row, window ? testdata::kFirstDay : INT64_MIN) && (!only_failing || !row.dmarc_pass()))
        n += row.count;
    return n;
  }

  static fs::path dir_;
  static testdata::DataSet* data_;
};

fs::path ReportsCli::dir_;
testdata::DataSet* ReportsCli::data_ = nullptr;

TEST_F(ReportsCli, SummaryPrintsTablesAndExitsZero) {
  ProcessResult r = validate({"reports", "summary", "--db", db(), "--domain", "example.com"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("DMARC aggregate reports for example.com (all reports): 42 reports from 5 organizations", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("  messages      " ), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  DMARC fail  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(messages(true))), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  209.85.220.41 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("esp.example s=k1 pass "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  Receiver <b>&</b> Co"), std::string::npos) << r.out;  // text output is not HTML
  EXPECT_NE(r.out.find("\n  2026-03-10 "), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(ReportsCli, SummaryJsonHasTheDocumentedShape) {
  ProcessResult r = validate({"reports", "summary", "--db", db(), "--domain", "example.com", "--since", "2026-03-01",
                              "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  nlohmann::json j = json(r);
  EXPECT_EQ(j["domain"], "example.com");
  EXPECT_EQ(j["since"], "2026-03-01");
  EXPECT_TRUE(j["until"].is_null());
  EXPECT_EQ(j["reports"], 41);
  EXPECT_EQ(j["messages"], messages(false, true));
  EXPECT_EQ(j["dmarc_fail"], messages(true, true));
  EXPECT_EQ(j["dmarc_pass"].get<std::uint64_t>() + j["dmarc_fail"].get<std::uint64_t>(), messages(false, true));
  std::uint64_t sum = 0;
  std::set<std::string> ips;
  for (const auto& s : j["sources"]) {
    for (const char* key : {"ip", "messages", "dkim_aligned", "spf_aligned", "dmarc_pass", "dkim", "spf", "dispositions"})
      EXPECT_TRUE(s.contains(key)) << key;
    sum += s["messages"].get<std::uint64_t>();
    ips.insert(s["ip"]);
  }
  EXPECT_EQ(sum, messages(false, true));
  EXPECT_TRUE(ips.count("2001:db8:2::25"));
  ASSERT_EQ(j["organizations"].size(), 5u);
  std::uint64_t reports = 0;
  for (const auto& o : j["organizations"]) {
    EXPECT_GE(o["reports"], 8);
    reports += o["reports"].get<std::uint64_t>();
    EXPECT_TRUE(o.contains("name") && o.contains("messages"));
  }
  EXPECT_EQ(reports, 41u);
  EXPECT_EQ(j["days"].size(), 10u);
  EXPECT_EQ(j["dispositions"]["none"].get<std::uint64_t>() + j["dispositions"]["quarantine"].get<std::uint64_t>(),
            messages(false, true));
}

TEST_F(ReportsCli, SummaryWithoutReportsExitsOne) {
  ProcessResult r = validate({"reports", "summary", "--db", db(), "--domain", "unknown.example"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("no reports for unknown.example"), std::string::npos) << r.out;
  r = validate({"reports", "summary", "--db", db(), "--domain", "example.com", "--until", "2025-12-31", "--json"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(json(r)["reports"], 0);
}

TEST_F(ReportsCli, UsageAndInputErrorsExitTwo) {
  const std::string missing = (dir_ / "missing.db").string();
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"reports", "summary", "--db", missing, "--domain", "example.com"}, "no such report database"},
      {{"reports", "summary", "--domain", "example.com"}, "--db is required"},
      {{"reports", "summary", "--db", db()}, "--domain is required"},
      {{"reports", "summary", "--db", db(), "--domain", "example.com", "--since", "2026-02-30"}, "is not a day"},
      {{"reports", "summary", "--db", db(), "--domain", "example.com", "--since", "2026-03-05", "--until", "2026-03-01"},
       "before it begins"},
      {{"reports", "advise", "--db", db(), "--domain", "example.com"}, "--config is required"},
      {{"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.org"},
       "is not a [[domain]] of"},
      {{"reports", "advise", "--db", db(), "--config", (dir_ / "nope.toml").string(), "--domain", "example.com"}, "nope.toml"},
      {{"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.com", "--threshold", "101"},
       "--threshold"},
      {{"reports", "html", "--db", db(), "--domain", "example.com"}, "--out is required"},
      {{"reports", "html", "--db", db(), "--domain", "example.com", "--out", (dir_ / "no" / "such" / "x.html").string()},
       "cannot be written"},
      {{"reports", "summary", "--db", db(), "--domain", "example.com", "stray"}, "stray"},
  };
  for (const auto& c : cases) {
    ProcessResult r = validate(c.args);
    EXPECT_EQ(r.status, 2) << c.args[1] << " " << c.says << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(missing)) << "a missing database is not created";
}

TEST_F(ReportsCli, AdviseNotYetExitsOneAndListsEveryClassWithItsFix) {
  ProcessResult r = validate({"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.com"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("DMARC advice for example.com (reports beginning 2026-02-09 to 2026-03-10; subdomains included", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("current policy:  p=none (dnsauth.toml)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("next step:       p=quarantine\n"), std::string::npos) << r.out;
  for (const char* label : {"ours, SPF not published as configured:", "ours, missing from SPF:",
                            "forwarders and mailing lists:", "our domain, unknown selector:",
                            "our selector failing (key mismatch):", "ours, not aligned:", "third-party senders:",
                            "unknown, probably spoofing:"})
    EXPECT_NE(r.out.find("\n  " + std::string(label)), std::string::npos) << label << "\n" << r.out;
  EXPECT_NE(r.out.find("      ip4 = [\"192.0.2.0/24\", \"198.51.100.7\"]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nverdict: not yet: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("then publish it"), std::string::npos) << "no step change offered when not safe";
}

TEST_F(ReportsCli, AdviseSafeExitsZeroWithTheStepChange) {
  ProcessResult r = validate({"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.com",
                              "--threshold", "60"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\nverdict: safe to move to p=quarantine: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("change in dnsauth.toml ([[domain]] name = \"example.com\"), then publish it"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  [domain.dmarc]\n  p = \"quarantine\"\n"), std::string::npos) << r.out;
}

TEST_F(ReportsCli, AdviseJsonHasTheDocumentedShape) {
  ProcessResult r = validate({"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.com",
                              "--json"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  nlohmann::json j = json(r);
  EXPECT_EQ(j["domain"], "example.com");
  EXPECT_EQ(j["since"], "2026-02-09");
  EXPECT_EQ(j["reports"], 41);
  EXPECT_EQ(j["current"]["p"], "none");
  EXPECT_EQ(j["next"]["p"], "quarantine");
  EXPECT_EQ(j["published"]["p"], "none");
  EXPECT_EQ(j["published_differs"], false);
  EXPECT_EQ(j["verdict"], "not_yet");
  EXPECT_EQ(j["threshold"], 0.5);
  EXPECT_EQ(j["config_change"], "[domain.dmarc]\np = \"quarantine\"\n");
  std::uint64_t failing = 0, spoofing = 0;
  std::vector<std::string> names;
  for (const auto& c : j["classes"]) {
    names.push_back(c["class"]);
    (c["class"] == "spoofing" ? spoofing : failing) += c["messages"].get<std::uint64_t>();
    EXPECT_FALSE(c["sources"].empty());
    EXPECT_TRUE(c.contains("fix") && c.contains("config_change") && c.contains("label"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"spf_not_published", "ours_missing_from_spf", "forwarder",
                                              "unknown_selector", "key_mismatch", "not_aligned", "third_party",
                                              "spoofing"}));
  EXPECT_EQ(failing + spoofing, messages(true, true));
  EXPECT_EQ(j["legitimate_failing"], failing);
  EXPECT_EQ(j["legitimate_messages"], messages(false, true) - spoofing);
}

TEST_F(ReportsCli, AdviseAtRejectExitsZero) {
  ProcessResult r = validate({"reports", "advise", "--db", db(), "--config", config("reject.toml"), "--domain",
                              "example.com"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("next step:       none (already at p=reject)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nverdict: already at p=reject"), std::string::npos) << r.out;
  // The newest report saw p=none: the published record is not what the config says.
  EXPECT_NE(r.out.find("note: receivers found p=none in DNS, but dnsauth.toml says p=reject"), std::string::npos)
      << r.out;
}

TEST_F(ReportsCli, AdviseWithoutReportsExitsOne) {
  ProcessResult r = validate({"reports", "advise", "--db", db(), "--config", config(), "--domain", "example.com",
                              "--since", "2027-01-01", "--json"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(json(r)["verdict"], "no_reports");
}

TEST_F(ReportsCli, HtmlWritesThePage) {
  const fs::path page = dir_ / "page.html";
  ProcessResult r = validate({"reports", "html", "--db", db(), "--domain", "example.com", "--out", page.string(),
                              "--now", "1773100000"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "wrote " + page.string() + ": 42 reports, " + std::to_string(messages()) + " messages of example.com\n");
  const std::string html = dnsauth::test::read_file(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("generated 2026-03-09 23:46 UTC"), std::string::npos);
  r = validate({"reports", "html", "--db", db(), "--domain", "unknown.example", "--out", page.string()});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(dnsauth::test::read_file(page).find("No reports in this period."), std::string::npos);
}

// End to end: real receivers' reports (OpenDMARC's test set), stored by reports ingest, add up in
// reports summary to the counts their XML holds -- also the records whose From named two
// domains ("pages.example.com, example.com"), which are example.com's by their report.
TEST_F(ReportsCli, IngestedReportsAddUpToTheirCounts) {
  const fs::path folder = dnsauth::test::conformance_dir() / "dmarc" / "opendmarc-aggregate-reports";
  const std::string store = (dir_ / "opendmarc.db").string();
  std::uint64_t expected = 0;
  std::size_t files = 0;
  for (const char* name : {"good.com_example.com_1337270400_1337356799.xml",
                           "163.com_example.com_1337270400_1337356799.20120518163.xml",
                           "yeah.net_example.com_1337270400_1337356799.20120518.xml"}) {
    const std::string xml = dnsauth::test::read_file(folder / name);
    static const std::regex count(R"(<count>\s*([0-9]+)\s*</count>)");
    for (auto m = std::sregex_iterator(xml.begin(), xml.end(), count); m != std::sregex_iterator(); ++m)
      expected += std::stoull((*m)[1]);
    ++files;
    ProcessResult in = validate({"reports", "ingest", "--db", store, (folder / name).string()});
    ASSERT_EQ(in.status, 0) << in.out << in.err;
  }
  ASSERT_GT(expected, 0u);
  ProcessResult r = validate({"reports", "summary", "--db", store, "--domain", "example.com", "--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  nlohmann::json j = json(r);
  EXPECT_EQ(j["reports"], files);
  EXPECT_EQ(j["messages"], expected);
  std::uint64_t by_source = 0;
  for (const auto& s : j["sources"]) by_source += s["messages"].get<std::uint64_t>();
  EXPECT_EQ(by_source, expected);
}

TEST_F(ReportsCli, HelpDescribesEachCommand) {
  for (const char* command : {"summary", "advise", "html"}) {
    ProcessResult r = validate({"reports", command, "--help"});
    EXPECT_EQ(r.status, 0) << command << r.err;
    EXPECT_NE(r.out.find("--db"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Exit"), std::string::npos) << r.out;
  }
  ProcessResult all = validate({"--help"});
  EXPECT_NE(all.out.find("reports advise --db FILE --config FILE --domain D"), std::string::npos) << all.out;
}

}  // namespace

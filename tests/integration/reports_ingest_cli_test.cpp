// dnsauth-validate reports ingest, run as a program: reports from mixed inputs (XML, gzip, zip,
// mail messages, Maildir) into the SQLite database, the summary line and --json, idempotent
// re-runs, rejected inputs listed with their reasons (and kept in the database), every exit
// status (0 all stored, 1 something rejected, 2 usage error or no database), and the database
// in WAL mode.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/report_inputs.h"
#include "support/test_support.h"

namespace dnsauth::test {
namespace {

namespace fs = std::filesystem;

class ReportsIngestCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("dnsauth-ingest-");
    db_ = (dir_ / "reports.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    write_file(p, bytes);
    return p.string();
  }
  ProcessResult ingest(std::vector<std::string> args) {
    args.insert(args.begin(), {"reports", "ingest"});
    return run_process(tool_path("dnsauth-validate"), args);
  }
  // One value from the database, as text ("" for NULL or no row).
  std::string query(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
          sqlite3_column_text(st, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      else
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      sqlite3_finalize(st);
    } else {
      ADD_FAILURE() << "cannot open " << db_;
    }
    sqlite3_close(db);
    return out;
  }
  static nlohmann::json json(const ProcessResult& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.out << r.err;
    return j;
  }

  // Five inputs, five reports (8 records, 12 messages), and one file that is no report.
  std::vector<std::string> mixed_inputs() {
    return {file("in/a.xml", report_xml("a.example", "ra")),
            file("in/b.xml.gz", make_gzip(report_xml("b.example", "rb", "example.com", 2))),
            file("in/c.zip", make_zip({{"c1.xml", report_xml("c.example", "rc1")},
                                       {"c2.xml", report_xml("c.example", "rc2", "example.com", 3)}})),
            file("in/d.eml", report_message(make_gzip(report_xml("d.example", "rd")), "application/gzip", "d.xml.gz")),
            file("in/junk.txt", "this is not a report\n")};
  }

  fs::path dir_;
  std::string db_;
};

// --- Without a database: the command line itself. ---

TEST_F(ReportsIngestCli, HelpNamesTheOptionsAndTheExitStatuses) {
  ProcessResult r = ingest({"--help"});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* word : {"reports ingest --db FILE PATH...", "--db", "--json", "--path", "Maildir", "Exit 0"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
}

TEST_F(ReportsIngestCli, UsageErrorsExitTwoAndCreateNoDatabase) {
  const auto a = file("a.xml", report_xml("a.example", "ra"));
  for (const auto& args : std::vector<std::vector<std::string>>{{a}, {"--db", db_}, {"--db", db_, a, "--bogus"}}) {
    ProcessResult r = ingest(args);
    EXPECT_EQ(r.status, 2) << args.size();
    EXPECT_NE(r.err.find("dnsauth-validate reports ingest: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(db_));
}

TEST_F(ReportsIngestCli, ADatabaseThatCannotBeOpenedExitsTwo) {
  const auto a = file("a.xml", report_xml("a.example", "ra"));
  ProcessResult r = ingest({"--db", (dir_ / "no" / "such" / "folder" / "r.db").string(), a});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot open the report database"), std::string::npos) << r.err;
  ProcessResult folder = ingest({"--db", dir_.string(), a});
  EXPECT_EQ(folder.status, 2) << folder.out;
}

// --- With the store and the parser (reports/store.cpp, core/dmarc_report/parser.cpp). ---

TEST_F(ReportsIngestCli, MixedInputsAreStoredAndTheRejectedOneListedWithItsReason) {
  const auto inputs = mixed_inputs();
  std::vector<std::string> args{"--db", db_};
  args.insert(args.end(), inputs.begin(), inputs.end());
  ProcessResult r = ingest(args);
  EXPECT_EQ(r.status, 1) << r.out << r.err;  // something was rejected; the rest was stored
  EXPECT_TRUE(r.out.starts_with("read 5 inputs, 5 reports: 5 stored (8 records, 12 messages), 0 duplicates, "
                                "1 rejected\n" +
                                inputs[4] + ": not a report: neither XML, gzip, zip nor a mail message ("))
      << r.out;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  EXPECT_EQ(query("SELECT count(*) FROM reports"), "5");
  EXPECT_EQ(query("SELECT count(*) FROM records"), "8");
  EXPECT_EQ(query("SELECT sum(count) FROM records"), "12");
  EXPECT_EQ(query("SELECT source FROM reports WHERE report_id = 'rc2'"), inputs[2] + "!c2.xml");
  EXPECT_EQ(query("SELECT source FROM reports WHERE report_id = 'rd'"), inputs[3] + " (attachment d.xml.gz)");
  EXPECT_EQ(query("SELECT source FROM rejected"), inputs[4]);
}

TEST_F(ReportsIngestCli, TheDatabaseIsInWalMode) {
  ProcessResult r = ingest({"--db", db_, file("a.xml", report_xml("a.example", "ra"))});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");
}

TEST_F(ReportsIngestCli, ARerunOverTheSameMaildirAddsNothing) {
  const std::string message = report_message(make_gzip(report_xml("g.example", "m1", "example.com", 2)),
                                             "application/gzip", "g.xml.gz");
  file("Maildir/cur/1700000001.M1P1.host:2,S", message);
  file("Maildir/new/1700000002.M2P1.host", report_message(make_zip({{"z.xml", report_xml("z.example", "m2")}}),
                                                           "application/zip", "z.zip"));
  file("Maildir/.Archive/cur/1700000003.M3P1.host:2,S",
       report_message(report_xml("x.example", "m3"), "text/xml", "x.xml"));
  for (const char* sub : {"tmp", ".Archive/new", ".Archive/tmp"}) fs::create_directories(dir_ / "Maildir" / sub);
  const std::string maildir = (dir_ / "Maildir").string();

  ProcessResult first = ingest({"--db", db_, maildir, "--json"});
  EXPECT_EQ(first.status, 0) << first.out << first.err;
  nlohmann::json one = json(first);
  EXPECT_EQ(one["read"], 3);
  EXPECT_EQ(one["stored"], 3);
  EXPECT_EQ(one["duplicates"], 0);

  ProcessResult again = ingest({"--db", db_, maildir});
  EXPECT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_EQ(again.out, "read 3 inputs, 3 reports: 0 stored (0 records, 0 messages), 3 duplicates, 0 rejected\n");
  EXPECT_EQ(query("SELECT count(*) FROM reports"), "3");
  EXPECT_EQ(query("SELECT count(*) FROM records"), "4");
}

TEST_F(ReportsIngestCli, TheSameReportTwiceInOneRunIsOneDuplicate) {
  const std::string xml = report_xml("a.example", "ra");
  ProcessResult r = ingest({"--db", db_, file("a.xml", xml), file("copy.xml.gz", make_gzip(xml))});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "read 2 inputs, 2 reports: 1 stored (1 records, 1 messages), 1 duplicates, 0 rejected\n");
}

TEST_F(ReportsIngestCli, JsonIsOneObjectOfExactlyTheseKeys) {
  const auto inputs = mixed_inputs();
  const auto missing = (dir_ / "absent.xml").string();
  ProcessResult r = ingest({"--db", db_, "--json", (dir_ / "in").string(), missing});
  EXPECT_EQ(r.status, 1) << r.err;
  nlohmann::json j = json(r);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"duplicates", "read", "rejected", "stored"}));
  EXPECT_EQ(j["read"], 5);
  EXPECT_EQ(j["stored"], 5);
  EXPECT_EQ(j["duplicates"], 0);
  ASSERT_EQ(j["rejected"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["rejected"][0], (nlohmann::json{{"path", missing}, {"reason", "No such file or directory"}}));
  EXPECT_EQ(j["rejected"][1]["path"], inputs[4]);
  EXPECT_TRUE(j["rejected"][1]["reason"].get<std::string>().starts_with("not a report")) << j.dump(2);
  EXPECT_EQ(r.err, "");
}

TEST_F(ReportsIngestCli, AReportThatDoesNotParseIsRejectedAndTheGoodOnesStored) {
  std::string broken = report_xml("b.example", "rb");
  broken.replace(broken.find("<count>1</count>"), 16, "<count>x1</count>");
  const auto bad = file("bad.xml", broken);
  const auto dtd = file("dtd.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                                   "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>\n");
  const auto good = file("good.xml", report_xml("a.example", "ra"));
  ProcessResult r = ingest({"--db", db_, bad, dtd, good});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("read 3 inputs, 3 reports: 1 stored (1 records, 1 messages), 0 duplicates, 2 rejected\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(bad + ": "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(dtd + ": "), std::string::npos) << r.out;
  EXPECT_EQ(query("SELECT count(*) FROM reports"), "1");
  EXPECT_EQ(query("SELECT count(*) FROM records"), "1");  // the broken report's first records rolled back
  EXPECT_EQ(query("SELECT count(*) FROM rejected"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM rejected WHERE source = '" + bad + "' AND reason <> ''"), "1");
}

TEST_F(ReportsIngestCli, TheRealReportMessagesAreStored) {
  const fs::path corpus = conformance_dir() / "dmarc" / "stalwart-mail-auth" / "dmarc-feedback";
  std::vector<std::string> args{"--db", db_};
  for (const char* f : {"100.eml", "101.eml", "102.eml", "103.eml", "104.eml"}) args.push_back((corpus / f).string());
  ProcessResult r = ingest(args);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.starts_with("read 5 inputs, 5 reports: 5 stored (5 records, ")) << r.out;
  for (const char* id : {"5264580628977113351", "stalw.art.1667948400.1668034800", "28551467700969547611667865600",
                         "725cbfbe133940149987cfc528387235", "6b06c366-0631-4ca0-8337-f5aecf137918"})
    EXPECT_EQ(query(std::string("SELECT count(*) FROM reports WHERE report_id = '") + id + "'"), "1") << id;
  EXPECT_EQ(query("SELECT org_name FROM reports WHERE report_id = '5264580628977113351'"), "google.com");
}

TEST_F(ReportsIngestCli, ABombIsRejectedAndTheRunGoesOn) {
  const auto bomb = file("bomb.xml.gz", make_gzip("", 100'000'000));
  const auto good = file("good.xml", report_xml("a.example", "ra"));
  ProcessResult r = ingest({"--db", db_, "--json", bomb, good});
  EXPECT_EQ(r.status, 1);
  nlohmann::json j = json(r);
  EXPECT_EQ(j["stored"], 1);
  ASSERT_EQ(j["rejected"].size(), 1u);
  EXPECT_EQ(j["rejected"][0]["path"], bomb);
  EXPECT_EQ(j["rejected"][0]["reason"], "larger than max_document_bytes (64 MiB) uncompressed");
}

}  // namespace
}  // namespace dnsauth::test

// The report database (reports/store.h, reports/schema.sql): one SQLite file in WAL mode; a
// report is stored once per (org_name, report_id) (RFC 7489 7.2.1.1: report_id is unique per
// Mail Receiver); each document whole or not at all (a savepoint of its own), committed in
// batches.
#include "reports/store.h"
#include "reports/summary.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "reports/sqlite_util.h"
#include "support/test_support.h"

namespace dnsauth::reports {
namespace {

namespace fs = std::filesystem;

std::string record_xml(const std::string& ip, int count, const std::string& dkim = "pass") {
  return "<record><row><source_ip>" + ip + "</source_ip><count>" + std::to_string(count) +
         "</count><policy_evaluated><disposition>none</disposition><dkim>" + dkim +
         "</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>"
         "</identifiers><auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>" +
         dkim + "</result></dkim><spf><domain>bounce.example.net</domain><scope>mfrom</scope><result>pass</result>"
         "</spf></auth_results></record>";
}

std::string report_xml(const std::string& org, const std::string& id, const std::string& records) {
  return "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>" + org +
         "</org_name><email>dmarc@" + org + "</email><report_id>" + id +
         "</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>"
         "</report_metadata><policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf>"
         "<p>none</p><sp>none</sp><pct>100</pct></policy_published>" +
         records + "</feedback>";
}

std::int64_t count_rows(const Store& store, const char* sql) {
  auto n = sqlite::query_int(store.db(), sql);
  EXPECT_TRUE(n) << n.error().detail;
  return n ? *n : -1;
}

class ReportStore : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("dnsauth-store-"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string db_path() const { return (dir_ / "reports.db").string(); }
  fs::path dir_;
};

TEST_F(ReportStore, StoresAReportWithItsRecordsAndAuthResultsInOrder) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store) << store.error().message();
  std::string xml = report_xml("receiver.example", "r-1", record_xml("192.0.2.1", 3) + record_xml("2001:db8::1", 4, "fail"));
  auto done = store->ingest(xml, "inbox/1.xml", 1700100000);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->outcome, Store::Outcome::stored);
  EXPECT_EQ(done->org_name, "receiver.example");
  EXPECT_EQ(done->report_id, "r-1");
  EXPECT_EQ(done->domain, "example.com");
  EXPECT_EQ(done->records, 2u);
  EXPECT_EQ(done->messages, 7u);

  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM reports WHERE org_name = 'receiver.example' AND "
                               "report_id = 'r-1' AND date_begin = 1700000000 AND date_end = 1700086399 AND "
                               "domain = 'example.com' AND p = 'none' AND pct = 100 AND schema = 'rfc7489' AND "
                               "source = 'inbox/1.xml' AND ingested_at = 1700100000"),
            1);
  EXPECT_EQ(count_rows(*store, "SELECT sum(count) FROM records"), 7);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM records WHERE source_ip = '2001:db8::1' AND dkim = 'fail' "
                               "AND spf = 'fail' AND disposition = 'none' AND header_from = 'example.com'"),
            1);
  // Each record's DKIM result comes first (ordinal 0), then its SPF result, as reported.
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM auth_results WHERE ordinal = 0 AND kind = 'dkim' AND "
                               "domain = 'example.com' AND selector = 's1'"),
            2);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM auth_results WHERE ordinal = 1 AND kind = 'spf' AND "
                               "domain = 'bounce.example.net' AND scope = 'mfrom' AND result = 'pass'"),
            2);
}

// Receivers spell one IPv6 sender in different ways; the store keeps one text per address
// (RFC 5952, IPv4-mapped as IPv4: core/dmarc_report), so `reports summary` shows one source
// with the messages of both reports, not two.
TEST_F(ReportStore, OneSourceSpelledTwoWaysIsOneSourceInTheSummary) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store) << store.error().message();
  std::string a = report_xml("a.example", "1", record_xml("2001:DB8:0:0::1", 3) + record_xml("192.0.2.9", 1));
  std::string b = report_xml("b.example", "2", record_xml("2001:0db8::0001", 4) + record_xml("::ffff:192.0.2.9", 2));
  ASSERT_TRUE(store->ingest(a, "a.xml", 1));
  ASSERT_TRUE(store->ingest(b, "b.xml", 1));
  ASSERT_TRUE(store->commit());
  auto s = summarize(store->db(), "example.com", Period{});
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->sources.size(), 2u);
  EXPECT_EQ(s->sources[0].ip, "2001:db8::1");
  EXPECT_EQ(s->sources[0].counts.messages, 7u);
  EXPECT_EQ(s->sources[1].ip, "192.0.2.9");
  EXPECT_EQ(s->sources[1].counts.messages, 3u);
}

// The store writes rows in batches (full ones, then what is left in halving ones): every
// record of a long report is stored once, in order, with its own auth_results, whatever the
// count left over.
TEST_F(ReportStore, EveryRecordOfALongReportIsStoredOnceWithItsAuthResults) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  for (int n : {1, 63, 64, 65, 200, 127}) {
    std::string records;
    std::uint64_t messages = 0;
    for (int i = 1; i <= n; ++i) {
      records += record_xml("192.0.2." + std::to_string(i % 250 + 1), i, i % 3 ? "pass" : "fail");
      messages += static_cast<std::uint64_t>(i);
    }
    std::string xml = report_xml("receiver.example", "long-" + std::to_string(n), records);
    auto done = store->ingest(xml, "long.xml", 1);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(done->records, static_cast<std::size_t>(n));
    EXPECT_EQ(done->messages, messages);
    const std::string in_report = "(SELECT id FROM reports WHERE report_id = 'long-" + std::to_string(n) + "')";
    EXPECT_EQ(count_rows(*store, ("SELECT count(*) FROM records WHERE report = " + in_report).c_str()), n);
    EXPECT_EQ(count_rows(*store, ("SELECT sum(count) FROM records WHERE report = " + in_report).c_str()),
              static_cast<std::int64_t>(messages));
    // Record i has count i: in document order, ids and counts rise together.
    EXPECT_EQ(count_rows(*store, ("SELECT count(*) FROM records WHERE report = " + in_report +
                                  " AND count <> id - (SELECT min(id) FROM records WHERE report = " + in_report +
                                  ") + 1").c_str()),
              0);
    EXPECT_EQ(count_rows(*store, ("SELECT count(*) FROM auth_results WHERE record IN (SELECT id FROM records "
                                  "WHERE report = " + in_report + ")").c_str()),
              2 * n);
  }
  // No auth result refers to a record that is not there, and none was written twice.
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM auth_results a LEFT JOIN records r ON r.id = a.record "
                               "WHERE r.id IS NULL"),
            0);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM (SELECT record, ordinal FROM auth_results GROUP BY 1, 2 "
                               "HAVING count(*) > 1)"),
            0);
}

TEST_F(ReportStore, TheSameOrgAndReportIdIsADuplicateAndAddsNothing) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  std::string first = report_xml("receiver.example", "r-1", record_xml("192.0.2.1", 3));
  ASSERT_TRUE(store->ingest(first, "a.xml", 1));
  // The same report again, even with other records (a receiver re-sending it), is not
  // counted twice.
  std::string again = report_xml("receiver.example", "r-1", record_xml("192.0.2.9", 100));
  auto dup = store->ingest(again, "b.xml", 2);
  ASSERT_TRUE(dup) << dup.error().message();
  EXPECT_EQ(dup->outcome, Store::Outcome::duplicate);
  EXPECT_EQ(dup->records, 0u);
  EXPECT_EQ(dup->messages, 0u);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM reports"), 1);
  EXPECT_EQ(count_rows(*store, "SELECT sum(count) FROM records"), 3);
  // Another organization may use the same report id.
  std::string other = report_xml("other.example", "r-1", record_xml("192.0.2.1", 5));
  auto stored = store->ingest(other, "c.xml", 3);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->outcome, Store::Outcome::stored);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM reports"), 2);
}

TEST_F(ReportStore, ADocumentThatFailsHalfwayStoresNoneOfItsRecords) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  std::string bad = report_xml("receiver.example", "r-2", record_xml("192.0.2.1", 3) + record_xml("not-an-ip", 4));
  auto failed = store->ingest(bad, "bad.xml", 1);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().detail.find("record 2"), std::string::npos) << failed.error().detail;
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM reports"), 0);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM records"), 0);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM auth_results"), 0);
  // The store is usable afterwards, and the report is not taken for a duplicate once fixed.
  std::string fixed = report_xml("receiver.example", "r-2", record_xml("192.0.2.1", 3));
  auto stored = store->ingest(fixed, "fixed.xml", 2);
  ASSERT_TRUE(stored) << stored.error().message();
  EXPECT_EQ(stored->outcome, Store::Outcome::stored);
}

// What another connection (summary, html, a second ingest) sees: a batch once it is committed,
// by commit(), by filling up (kBatchDocuments documents), or when the store closes.
std::int64_t count_from_outside(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto n = sqlite::query_int(db, sql);
  sqlite3_close(db);
  EXPECT_TRUE(n) << n.error().detail;
  return n ? *n : -1;
}

TEST_F(ReportStore, ReportsAreCommittedInBatchesEachDocumentWholeOrNotAtAll) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  std::string first = report_xml("receiver.example", "b-1", record_xml("192.0.2.1", 3));
  ASSERT_TRUE(store->ingest(first, "1.xml", 1));
  // A document failing inside the batch takes back its own rows only.
  std::string bad = report_xml("receiver.example", "b-2", record_xml("192.0.2.2", 1) + record_xml("not-an-ip", 4));
  ASSERT_FALSE(store->ingest(bad, "2.xml", 1));
  std::string third = report_xml("receiver.example", "b-3", record_xml("192.0.2.3", 5) + record_xml("192.0.2.4", 6));
  ASSERT_TRUE(store->ingest(third, "3.xml", 1));
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM reports"), 2);
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM records"), 3);
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM records WHERE source_ip = '192.0.2.2'"), 0);
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM auth_results"), 6);
  // Record ids are consecutive across the batch, as auth_results refer to them.
  EXPECT_EQ(count_from_outside(db_path(), "SELECT max(id) - min(id) + 1 FROM records"), 3);
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM auth_results a JOIN records r ON r.id = a.record "
                                          "WHERE (a.kind = 'dkim') = (a.ordinal = 0)"),
            6);
  EXPECT_TRUE(store->commit());  // nothing open: nothing to do

  // A full batch is committed without being asked.
  for (std::size_t i = 0; i < Store::kBatchDocuments; ++i) {
    std::string xml = report_xml("batch.example", "f-" + std::to_string(i), record_xml("198.51.100.1", 1));
    ASSERT_TRUE(store->ingest(xml, "f.xml", 2));
  }
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM reports WHERE org_name = 'batch.example'"),
            static_cast<std::int64_t>(Store::kBatchDocuments));

  // Closing the store keeps what was ingested.
  std::string last = report_xml("receiver.example", "b-4", record_xml("192.0.2.9", 1));
  ASSERT_TRUE(store->ingest(last, "4.xml", 3));
  { Store closing = std::move(*store); }
  EXPECT_EQ(count_from_outside(db_path(), "SELECT count(*) FROM reports WHERE report_id = 'b-4'"), 1);
}

TEST_F(ReportStore, RejectedInputsAreKeptOncePerSourceAndReason) {
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->reject("mail/cur/1", "no aggregate report in the message", 10));
  ASSERT_TRUE(store->reject("mail/cur/1", "no aggregate report in the message", 20));
  ASSERT_TRUE(store->reject("mail/cur/1", "another reason", 20));
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM rejected"), 2);
  EXPECT_EQ(count_rows(*store, "SELECT seen_at FROM rejected WHERE reason = 'no aggregate report in the message'"), 10);
}

TEST_F(ReportStore, TheDatabaseIsInWalModeAndSurvivesReopening) {
  {
    auto store = Store::open(db_path());
    ASSERT_TRUE(store);
    std::string xml = report_xml("receiver.example", "r-1", record_xml("192.0.2.1", 3));
    ASSERT_TRUE(store->ingest(xml, "a.xml", 1));
  }
  auto store = Store::open(db_path());
  ASSERT_TRUE(store);
  auto st = sqlite::Statement::prepare(store->db(), "PRAGMA journal_mode");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->step().value_or(false));
  EXPECT_EQ(st->text(0), "wal");
  EXPECT_EQ(count_rows(*store, "PRAGMA user_version"), 1);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM records"), 1);
}

TEST_F(ReportStore, ADatabaseOfANewerSchemaIsRefusedNotRewritten) {
  {
    auto store = Store::open(db_path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(sqlite::exec(store->db(), "PRAGMA user_version = 7"));
  }
  auto store = Store::open(db_path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, Errc::unsupported);
  EXPECT_NE(store.error().detail.find("schema version 7"), std::string::npos) << store.error().detail;
}

TEST_F(ReportStore, APathThatCannotBeOpenedIsAnIoErrorNamingIt) {
  const std::string path = (dir_ / "missing-folder" / "reports.db").string();
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, Errc::io);
  EXPECT_NE(store.error().detail.find(path), std::string::npos) << store.error().detail;
}

TEST_F(ReportStore, AFileThatIsNotADatabaseIsAnIoError) {
  test::write_file(dir_ / "reports.db", std::string(4096, 'x'));
  auto store = Store::open(db_path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, Errc::io);
}

}  // namespace
}  // namespace dnsauth::reports

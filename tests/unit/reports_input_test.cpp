// Finding DMARC aggregate reports in what a rua= mailbox holds (reports/input.h): files told
// apart by content, gzip (RFC 1952) and zip archives within their limits, attachments of mail
// messages (RFC 7489 7.2.1.1), Maildir folders and plain folders, and hostile input: bombs,
// member names that look like paths, archives in archives, garbage.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "reports/input.h"
#include "support/report_inputs.h"
#include "support/test_support.h"

namespace dnsauth::reports {
namespace {

namespace fs = std::filesystem;
using test::ArchiveMember;
using test::make_gzip;
using test::make_zip;
using test::report_xml;

class ReportInput : public testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("dnsauth-reports-input-"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    test::write_file(p, bytes);
    return p.string();
  }
  static Collected read(const std::string& path, const InputLimits& limits = {}) {
    return read_all({path}, limits);
  }
  static std::string reasons(const Collected& c) {
    std::string out;
    for (const auto& r : c.rejected) out += r.source + ": " + r.reason + "\n";
    return out;
  }

  fs::path dir_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(ReportInput, WhatAFileIsIsToldByItsContentNotItsName) {
  const std::string xml = report_xml("receiver.example", "r1");
  const auto as_gz = file("looks-compressed.xml.gz", xml);
  const auto as_xml = file("looks-like.xml", make_gzip(xml));
  const auto bom = file("bom", "\xef\xbb\xbf \r\n\t" + xml);
  for (const auto& path : {as_gz, as_xml, bom}) {
    Collected c = read(path);
    ASSERT_EQ(c.documents.size(), 1u) << path << "\n" << reasons(c);
    EXPECT_EQ(c.documents[0].source, path);
    EXPECT_TRUE(contains(c.documents[0].xml, "<report_id>r1</report_id>"));
    EXPECT_TRUE(c.rejected.empty());
    EXPECT_EQ(c.inputs, 1u);
  }
  EXPECT_EQ(read(as_xml).documents[0].xml, xml);  // decompressed byte for byte
}

TEST_F(ReportInput, AZipGivesOneDocumentPerXmlMemberAndRejectsTheRestByName) {
  const auto zip = file("reports.zip", make_zip({{"a.xml", report_xml("a.example", "ra")},
                                                 ArchiveMember::folder("folder/"),
                                                 {"folder/b.xml", report_xml("b.example", "rb")},
                                                 {"README.txt", "read me"},
                                                 {"empty.xml", ""}}));
  Collected c = read(zip);
  ASSERT_EQ(c.documents.size(), 2u) << reasons(c);
  EXPECT_EQ(c.documents[0].source, zip + "!a.xml");
  EXPECT_TRUE(contains(c.documents[0].xml, "<report_id>ra</report_id>"));
  EXPECT_EQ(c.documents[1].source, zip + "!folder/b.xml");
  EXPECT_TRUE(contains(c.documents[1].xml, "<report_id>rb</report_id>"));
  ASSERT_EQ(c.rejected.size(), 2u) << reasons(c);
  EXPECT_EQ(c.rejected[0].source, zip + "!README.txt");
  EXPECT_EQ(c.rejected[0].reason, "not an XML document");
  EXPECT_EQ(c.rejected[1].source, zip + "!empty.xml");
  EXPECT_EQ(c.rejected[1].reason, "empty");
}

// 200 MB of zeros deflate to about 200 KB: a thousandfold bomb, made once for the tests below.
const std::string& zip_bomb() {
  static const std::string bytes = make_zip({ArchiveMember::zeros("bomb.xml", 200'000'000)});
  return bytes;
}
const std::string& gzip_bomb() {
  static const std::string bytes = make_gzip("", 200'000'000);
  return bytes;
}

TEST_F(ReportInput, AZipBombStopsAtTheLimitsWhileStreaming) {
  ASSERT_LT(zip_bomb().size(), 1'000'000u);
  const auto path = file("bomb.zip", zip_bomb());
  // The defaults: the member's declared size is beyond max_document_bytes, so it is not read.
  Collected c = read(path);
  EXPECT_TRUE(c.documents.empty());
  ASSERT_EQ(c.rejected.size(), 1u) << reasons(c);
  EXPECT_EQ(c.rejected[0].source, path + "!bomb.xml");
  EXPECT_EQ(c.rejected[0].reason, "larger than max_document_bytes (64 MiB) uncompressed");

  // A declared size within the limits proves nothing: the ratio is checked on what comes.
  InputLimits ratio;
  ratio.max_document_bytes = 1ull << 30;
  ratio.max_ratio = 100;
  Collected r = read(path, ratio);
  EXPECT_TRUE(r.documents.empty());
  ASSERT_EQ(r.rejected.size(), 1u) << reasons(r);
  EXPECT_TRUE(contains(r.rejected[0].reason, "expands more than max_ratio (100) times its compressed size of " +
                                                 std::to_string(zip_bomb().size()) + " bytes"))
      << r.rejected[0].reason;

  InputLimits total = ratio;
  total.max_ratio = 10'000;
  total.max_expanded_bytes = 10ull << 20;
  Collected t = read(path, total);
  ASSERT_EQ(t.rejected.size(), 1u) << reasons(t);
  EXPECT_EQ(t.rejected[0].reason, "expands to more than max_expanded_bytes (10 MiB); the rest of the archive was not read");
}

TEST_F(ReportInput, AGzipBombStopsAtTheDocumentLimitAndAtTheRatio) {
  const auto path = file("bomb.xml.gz", gzip_bomb());
  Collected c = read(path);  // gzip declares no size: the stream itself is cut off
  EXPECT_TRUE(c.documents.empty());
  ASSERT_EQ(c.rejected.size(), 1u) << reasons(c);
  EXPECT_EQ(c.rejected[0].source, path);
  EXPECT_EQ(c.rejected[0].reason, "larger than max_document_bytes (64 MiB) uncompressed");

  InputLimits ratio;
  ratio.max_document_bytes = 1ull << 30;
  ratio.max_ratio = 100;
  Collected r = read(path, ratio);
  ASSERT_EQ(r.rejected.size(), 1u) << reasons(r);
  EXPECT_TRUE(contains(r.rejected[0].reason, "expands more than max_ratio (100)")) << r.rejected[0].reason;
}

TEST_F(ReportInput, SmallReportsThatCompressVeryWellAreWithinTheRatioAllowance) {
  // 300 KB of whitespace inside a report: a ratio far above 100, but below the 1 MiB allowance.
  std::string xml = report_xml("receiver.example", "r1");
  xml.insert(xml.find("<record>"), std::string(300'000, ' '));
  InputLimits limits;
  limits.max_ratio = 100;
  Collected c = read(file("padded.xml.gz", make_gzip(xml)), limits);
  ASSERT_EQ(c.documents.size(), 1u) << reasons(c);
  EXPECT_EQ(c.documents[0].xml, xml);
}

TEST_F(ReportInput, MemberNamesAreShownNeverUsedAsPaths) {
  const std::string tag = std::to_string(::getpid());
  const fs::path absolute = fs::temp_directory_path() / ("dnsauth-absolute-" + tag + ".xml");
  const std::string xml = report_xml("receiver.example", "r1");
  const auto zip = file("names.zip", make_zip({{"../../escape-" + tag + ".xml", xml},
                                               {absolute.string(), xml},
                                               {"a/../../../up-" + tag + ".xml", xml},
                                               {"line\nbreak\x1b[2J.xml", xml},
                                               {std::string(300, 'n') + ".xml", xml},
                                               {"rapport-\xc3\xa9t\xc3\xa9.xml", xml}}));
  const fs::path before = fs::current_path();
  fs::current_path(dir_);
  Collected c = read(zip);
  fs::current_path(before);

  ASSERT_EQ(c.documents.size(), 6u) << reasons(c);
  EXPECT_EQ(c.documents[0].source, zip + "!../../escape-" + tag + ".xml");
  EXPECT_EQ(c.documents[1].source, zip + "!" + absolute.string());
  EXPECT_EQ(c.documents[3].source, zip + "!line?break?[2J.xml");
  EXPECT_EQ(c.documents[4].source, zip + "!" + std::string(200, 'n') + "...");
  EXPECT_EQ(c.documents[5].source, zip + "!rapport-\xc3\xa9t\xc3\xa9.xml");  // UTF-8, whatever the locale
  // Nothing was written anywhere: not beside the archive, not above it, not at the absolute path.
  EXPECT_FALSE(fs::exists(absolute));
  for (const fs::path& d : {dir_, dir_.parent_path(), dir_.parent_path().parent_path()}) {
    EXPECT_FALSE(fs::exists(d / ("escape-" + tag + ".xml"))) << d;
    EXPECT_FALSE(fs::exists(d / ("up-" + tag + ".xml"))) << d;
  }
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"names.zip"});
}

TEST_F(ReportInput, OneLevelOfCompressionOnly) {
  const std::string xml = report_xml("receiver.example", "r1");
  const auto zip = file("nested.zip", make_zip({{"inner.zip", make_zip({{"r.xml", xml}})},
                                               {"r.xml.gz", make_gzip(xml)},
                                               {"r.xml", xml}}));
  Collected c = read(zip);
  ASSERT_EQ(c.documents.size(), 1u) << reasons(c);
  EXPECT_EQ(c.documents[0].source, zip + "!r.xml");
  ASSERT_EQ(c.rejected.size(), 2u);
  for (const auto& r : c.rejected)
    EXPECT_EQ(r.reason, "an archive inside an archive is not opened (one level of compression only)") << r.source;
  EXPECT_EQ(c.rejected[0].source, zip + "!inner.zip");

  Collected gz = read(file("zip-in-gzip.gz", make_gzip(make_zip({{"r.xml", xml}}))));
  ASSERT_EQ(gz.rejected.size(), 1u);
  EXPECT_TRUE(gz.documents.empty());
  EXPECT_TRUE(contains(gz.rejected[0].reason, "archive inside an archive"));

  // libarchive would undo gzip again and again on its own (it stacks its filters); the inner
  // layer is an archive inside an archive like any other.
  const auto twice = file("twice.xml.gz.gz", make_gzip(make_gzip(xml)));
  Collected gz_gz = read(twice);
  EXPECT_TRUE(gz_gz.documents.empty());
  ASSERT_EQ(gz_gz.rejected.size(), 1u) << reasons(gz_gz);
  EXPECT_EQ(gz_gz.rejected[0].source, twice);
  EXPECT_EQ(gz_gz.rejected[0].reason, "an archive inside an archive is not opened (one level of compression only)");
}

TEST_F(ReportInput, LinksInAZipAndTooManyMembersAreRejected) {
  const std::string xml = report_xml("receiver.example", "r1");
  Collected link = read(file("link.zip", make_zip({ArchiveMember::link("passwd.xml", "/etc/passwd")})));
  ASSERT_EQ(link.rejected.size(), 1u) << reasons(link);
  EXPECT_EQ(link.rejected[0].reason, "not a regular file (a link or a device entry)");

  std::vector<ArchiveMember> five;
  for (int i = 0; i < 5; ++i) five.push_back({"r" + std::to_string(i) + ".xml", xml});
  const auto many = file("many.zip", make_zip(five));
  InputLimits limits;
  limits.max_members = 3;
  Collected c = read(many, limits);
  EXPECT_EQ(c.documents.size(), 3u);
  ASSERT_EQ(c.rejected.size(), 1u);
  EXPECT_EQ(c.rejected[0].source, many);
  EXPECT_EQ(c.rejected[0].reason, "more than max_members (3) entries: the rest were not read");
}

TEST_F(ReportInput, AZipOfFoldersOnlyHoldsNoFile) {
  // Folders are skipped silently; an archive that holds nothing else is rejected, so that every
  // input gives a document or a reason.
  const auto folders = file("folders.zip", make_zip({ArchiveMember::folder("a/"), ArchiveMember::folder("a/b/")}));
  Collected c = read(folders);
  EXPECT_TRUE(c.documents.empty());
  ASSERT_EQ(c.rejected.size(), 1u) << reasons(c);
  EXPECT_EQ(c.rejected[0].source, folders);
  EXPECT_EQ(c.rejected[0].reason, "the zip archive holds no file");
}

TEST_F(ReportInput, DamagedArchivesAreRejectedWithLibarchivesReason) {
  const std::string gz = make_gzip(report_xml("receiver.example", "r1"));
  Collected truncated = read(file("truncated.gz", gz.substr(0, gz.size() / 2)));
  EXPECT_TRUE(truncated.documents.empty());
  ASSERT_EQ(truncated.rejected.size(), 1u);
  EXPECT_TRUE(truncated.rejected[0].reason.starts_with("gzip: ")) << truncated.rejected[0].reason;

  Collected zip = read(file("garbage.zip", std::string("PK\x03\x04", 4) + std::string(100, 'x')));
  EXPECT_TRUE(zip.documents.empty());
  ASSERT_FALSE(zip.rejected.empty());
  EXPECT_TRUE(zip.rejected[0].reason.starts_with("zip: ") || zip.rejected[0].reason == "the zip archive holds no file")
      << zip.rejected[0].reason;
}

TEST_F(ReportInput, EmptyGarbageAndTooLargeFiles) {
  Collected empty = read(file("empty", ""));
  ASSERT_EQ(empty.rejected.size(), 1u);
  EXPECT_EQ(empty.rejected[0].reason, "empty file");

  Collected text = read(file("notes.txt", "hello world\nno header here\n"));
  ASSERT_EQ(text.rejected.size(), 1u);
  EXPECT_TRUE(text.rejected[0].reason.starts_with("not a report: neither XML, gzip, zip nor a mail message ("))
      << text.rejected[0].reason;

  Collected binary = read(file("random.bin", std::string("\x00\x01\x02\xff\xfe\n\x7f", 7)));
  ASSERT_EQ(binary.rejected.size(), 1u);
  EXPECT_TRUE(binary.rejected[0].reason.starts_with("not a report")) << binary.rejected[0].reason;

  InputLimits limits;
  limits.max_input_bytes = 100;
  const auto big = file("big.xml", report_xml("receiver.example", "r1"));
  Collected large = read(big, limits);
  ASSERT_EQ(large.rejected.size(), 1u);
  EXPECT_EQ(large.rejected[0].reason,
            std::to_string(fs::file_size(big)) + " bytes, larger than max_input_bytes (100 bytes)");

  Collected missing = read((dir_ / "absent").string());
  EXPECT_EQ(missing.inputs, 0u);
  ASSERT_EQ(missing.rejected.size(), 1u);
  EXPECT_EQ(missing.rejected[0].reason, "No such file or directory");
}

// The stalwart mail-auth corpus: reports as Google, a small provider, Mail.Ru, Outlook.com and
// Amazon SES mailed them (zip; gzip in multipart/mixed; nested multiparts; octet-stream).
TEST_F(ReportInput, RealReportMessagesGiveTheirReports) {
  const fs::path corpus = test::conformance_dir() / "dmarc" / "stalwart-mail-auth" / "dmarc-feedback";
  struct Case {
    std::string file, attachment;
  };
  for (const Case& k : {Case{"100.eml", "google.com!stalw.art!1669507200!1669593599.zip"},
                        Case{"101.eml", "backschues.net!stalw.art!1667948400!1668034800.xml.gz"},
                        Case{"102.eml", "mail.ru!stalw.art!1667865600!1667952000.xml.gz"},
                        Case{"103.eml", ""},
                        Case{"104.eml", "amazonses.com!stalw.art!1663545600!1663632000.xml.gz"}}) {
    const std::string path = (corpus / k.file).string();
    const auto expected = nlohmann::json::parse(test::read_file(corpus / (k.file.substr(0, 3) + ".json")));
    Collected c = read(path);
    ASSERT_EQ(c.documents.size(), 1u) << k.file << "\n" << reasons(c);
    EXPECT_TRUE(c.rejected.empty()) << reasons(c);
    const Document& d = c.documents[0];
    EXPECT_TRUE(d.source.starts_with(path + " (attachment " + k.attachment)) << d.source;
    EXPECT_TRUE(contains(d.xml, expected["report_metadata"]["report_id"].get<std::string>())) << k.file;
    EXPECT_TRUE(contains(d.xml, "<domain>stalw.art</domain>")) << k.file;
    std::size_t records = 0;
    for (std::size_t at = d.xml.find("<record>"); at != std::string::npos; at = d.xml.find("<record>", at + 1))
      ++records;
    EXPECT_EQ(records, expected["record"].size()) << k.file;
  }
  // 100.eml's zip holds the XML file: the member is named after the attachment.
  Collected google = read((corpus / "100.eml").string());
  ASSERT_EQ(google.documents.size(), 1u);
  EXPECT_NE(google.documents[0].source.find(".zip)!"), std::string::npos) << google.documents[0].source;
}

TEST_F(ReportInput, MessagesWithBase64ZipGzipAndXmlAttachments) {
  const std::string xml = report_xml("receiver.example", "r1");
  struct Case {
    std::string attachment, type, filename, source_tail;
  };
  for (const Case& k : {Case{make_zip({{"r.xml", xml}}), "application/zip", "r.zip", " (attachment r.zip)!r.xml"},
                        Case{make_gzip(xml), "application/gzip", "r.xml.gz", " (attachment r.xml.gz)"},
                        Case{make_gzip(xml), "application/x-gzip", "r.xml.gz", " (attachment r.xml.gz)"},
                        Case{xml, "text/xml", "r.xml", " (attachment r.xml)"},
                        Case{make_gzip(xml), "application/octet-stream", "r.xml.gz", " (attachment r.xml.gz)"}}) {
    const auto path = file("msg-" + k.type.substr(k.type.find('/') + 1), test::report_message(k.attachment, k.type, k.filename));
    Collected c = read(path);
    ASSERT_EQ(c.documents.size(), 1u) << k.type << "\n" << reasons(c);
    EXPECT_EQ(c.documents[0].source, path + k.source_tail);
    EXPECT_TRUE(contains(c.documents[0].xml, "<report_id>r1</report_id>")) << k.type;
  }
}

TEST_F(ReportInput, AMessageWithLfLineEndsAsMaildirKeepsIt) {
  std::string message = test::report_message(make_gzip(report_xml("receiver.example", "r1")), "application/gzip", "r.gz");
  message.erase(std::remove(message.begin(), message.end(), '\r'), message.end());
  Collected c = read(file("lf.eml", message));
  ASSERT_EQ(c.documents.size(), 1u) << reasons(c);
}

TEST_F(ReportInput, QuotedPrintableXmlInANestedMultipart) {
  const auto path = file("qp.eml",
                         "From: noreply@receiver.example\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                         "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
                         "--inner\r\nContent-Type: text/plain\r\n\r\nreport attached\r\n--inner--\r\n"
                         "--outer\r\nContent-Type: text/xml; name=\"report.xml\"\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                         "<?xml version=3D\"1.0\"?><feedback><report_metadata><report_id>qp-1</report_=\r\n"
                         "id></report_metadata></feedback>\r\n--outer--\r\n");
  Collected c = read(path);
  ASSERT_EQ(c.documents.size(), 1u) << reasons(c);
  EXPECT_EQ(c.documents[0].source, path + " (attachment report.xml)");
  EXPECT_EQ(c.documents[0].xml,
            "<?xml version=\"1.0\"?><feedback><report_metadata><report_id>qp-1</report_id></report_metadata>"
            "</feedback>");  // the line end before the delimiter belongs to the delimiter
}

TEST_F(ReportInput, MessagesWithoutAReportOrWithABadOne) {
  Collected none = read(file("hello.eml", "From: a@b.example\r\nSubject: hello\r\n\r\nJust text.\r\n"));
  ASSERT_EQ(none.rejected.size(), 1u);
  EXPECT_EQ(none.rejected[0].reason, "no aggregate report in the message");

  Collected bad = read(file("bad.eml", test::report_message("not a report at all", "application/gzip", "r.gz")));
  ASSERT_EQ(bad.rejected.size(), 1u);
  EXPECT_EQ(bad.rejected[0].source, (dir_ / "bad.eml").string() + " (attachment r.gz)");
  EXPECT_EQ(bad.rejected[0].reason, "the attachment (application/gzip) is neither XML, gzip nor zip");

  const auto bad_b64 = file("b64.eml",
                            "Content-Type: application/gzip; name=r.gz\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                            "H4s*\r\n");
  Collected undecodable = read(bad_b64);
  ASSERT_EQ(undecodable.rejected.size(), 1u);
  EXPECT_EQ(undecodable.rejected[0].source, bad_b64 + " (attachment r.gz)");
  EXPECT_TRUE(contains(undecodable.rejected[0].reason, "base64")) << undecodable.rejected[0].reason;

  Collected no_boundary = read(file("nb.eml", "Content-Type: multipart/mixed\r\n\r\nbody\r\n"));
  ASSERT_EQ(no_boundary.rejected.size(), 1u);
  EXPECT_EQ(no_boundary.rejected[0].reason,
            "no aggregate report in the message (the message is multipart/mixed without a boundary parameter "
            "(RFC 2046 5.1.1))");
}

std::vector<std::string> relative(const std::vector<std::string>& files, const fs::path& base) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(fs::path(f).lexically_relative(base).string());
  return out;
}

TEST_F(ReportInput, AMaildirGivesCurNewAndItsSubfoldersNeverTmp) {
  const std::string xml = report_xml("receiver.example", "r1");
  file("Maildir/cur/1700000002.M2P1.host:2,S", xml);
  file("Maildir/cur/1700000001.M1P1.host:2,S", xml);
  file("Maildir/new/1700000003.M3P1.host", xml);
  file("Maildir/tmp/1700000004.M4P1.host", xml);  // still being delivered
  file("Maildir/dovecot-uidlist", "3 V1 N4\n");
  file("Maildir/dovecot.index.log", "binary");
  file("Maildir/subscriptions", "Reports\n");
  file("Maildir/.Reports/maildirfolder", "");
  file("Maildir/.Reports/cur/1700000005.M5P1.host:2,", xml);
  file("Maildir/.Reports/new/1700000006.M6P1.host", xml);
  file("Maildir/.Reports/tmp/1700000007.M7P1.host", xml);
  file("Maildir/.Reports/dovecot.index", "binary");
  file("Maildir/.Sent/cur/1700000008.M8P1.host:2,S", xml);  // a subfolder with cur/ only
  file("Maildir/.NotAMaildir/file", xml);
  InputList list = list_inputs({(dir_ / "Maildir").string()});
  EXPECT_TRUE(list.rejected.empty());
  EXPECT_EQ(relative(list.files, dir_ / "Maildir"),
            (std::vector<std::string>{"cur/1700000001.M1P1.host:2,S", "cur/1700000002.M2P1.host:2,S",
                                      "new/1700000003.M3P1.host", ".Reports/cur/1700000005.M5P1.host:2,",
                                      ".Reports/new/1700000006.M6P1.host", ".Sent/cur/1700000008.M8P1.host:2,S"}));
}

TEST_F(ReportInput, AFolderGivesItsFilesRecursivelyInNameOrderSkippingHiddenAndDovecotFiles) {
  const std::string xml = report_xml("receiver.example", "r1");
  file("in/b.xml", xml);
  file("in/a.xml", xml);
  file("in/sub/c.xml.gz", make_gzip(xml));
  file("in/.hidden.xml", xml);
  file("in/.git/config", "x");
  file("in/dovecot.index.cache", "x");
  file("in/mail/cur/m1", xml);  // a Maildir inside a folder is read as a Maildir
  file("in/mail/tmp/m2", xml);
  fs::create_directories(dir_ / "in" / "mail" / "new");
  InputList list = list_inputs({(dir_ / "in").string()});
  EXPECT_TRUE(list.rejected.empty());
  EXPECT_EQ(relative(list.files, dir_ / "in"),
            (std::vector<std::string>{"a.xml", "b.xml", "mail/cur/m1", "sub/c.xml.gz"}));
}

TEST_F(ReportInput, FilesAndFoldersMixedInTheOrderGiven) {
  const auto one = file("one.xml", report_xml("a.example", "r1"));
  file("folder/two.xml.gz", make_gzip(report_xml("b.example", "r2")));
  file("folder/three.eml", test::report_message(report_xml("c.example", "r3"), "text/xml", "r3.xml"));
  const auto four = file("four.zip", make_zip({{"r4.xml", report_xml("d.example", "r4")}}));
  Collected c = read_all({four, (dir_ / "folder").string(), one});
  EXPECT_EQ(c.inputs, 4u);
  std::vector<std::string> ids;
  for (const auto& d : c.documents) ids.push_back(d.xml.substr(d.xml.find("<report_id>") + 11, 2));
  EXPECT_EQ(ids, (std::vector<std::string>{"r4", "r3", "r2", "r1"}));  // folder: three.eml < two.xml.gz
  EXPECT_TRUE(c.rejected.empty()) << reasons(c);
}

TEST_F(ReportInput, SymbolicLinksAreFollowedWhenNamedNeverInsideAFolder) {
  const auto target = file("elsewhere/r.xml", report_xml("a.example", "r1"));
  fs::create_directories(dir_ / "in");
  fs::create_symlink(target, dir_ / "in" / "link.xml");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "in" / "linked-folder");
  InputList list = list_inputs({(dir_ / "in").string()});
  EXPECT_TRUE(list.files.empty());
  ASSERT_EQ(list.rejected.size(), 2u);
  EXPECT_EQ(list.rejected[0].source, (dir_ / "in" / "link.xml").string());
  EXPECT_EQ(list.rejected[0].reason, "a symbolic link inside a folder is not followed");
  EXPECT_EQ(list.rejected[1].source, (dir_ / "in" / "linked-folder").string());

  Collected named = read((dir_ / "in" / "link.xml").string());
  EXPECT_EQ(named.documents.size(), 1u);
}

TEST(DisplayName, ControlCharactersReplacedAndLongNamesCut) {
  EXPECT_EQ(display_name("report.xml"), "report.xml");
  EXPECT_EQ(display_name(std::string("a\0b\tc\x7f\xc3\xa9", 8)), "a?b?c?\xc3\xa9");
  EXPECT_EQ(display_name(std::string(201, 'x')), std::string(200, 'x') + "...");
  EXPECT_EQ(display_name(std::string(200, 'x')), std::string(200, 'x'));
}

}  // namespace
}  // namespace dnsauth::reports

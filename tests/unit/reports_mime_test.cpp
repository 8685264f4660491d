// The MIME walker that finds DMARC aggregate reports in mail messages (reports/mime.h):
// Content-Type and Content-Disposition parameters (RFC 2045 5.1, RFC 2231), the transfer
// encodings (RFC 2045 6.7, 6.8), multipart boundaries (RFC 2046 5.1.1), which parts count as a
// report (RFC 7489 7.2.1.1), and the bounds on nesting and parts.
#include <gtest/gtest.h>

#include "core/mail/message.h"
#include "reports/mime.h"

namespace dnsauth::reports::mime {
namespace {

TEST(MimeFieldValue, TypeAndParametersQuotedOrNot) {
  auto v = parse_field_value(" Multipart/Mixed;\r\n\tBoundary=\"----=_Part_1; x\" ; charset=us-ascii (a comment)");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->value, "multipart/mixed");
  EXPECT_EQ(v->param("boundary").value_or("?"), "----=_Part_1; x");  // quoted: ";" is text
  EXPECT_EQ(v->param("CHARSET").value_or("?"), "us-ascii");
  EXPECT_FALSE(v->param("name"));
}

TEST(MimeFieldValue, UnquotedFilenameRunsToTheSemicolonAsSendersWriteIt) {
  // 104.eml (Amazon SES): filename=amazonses.com!stalw.art!1663545600!1663632000.xml.gz
  auto v = parse_field_value("attachment; \r\n\tfilename=amazonses.com!stalw.art!1663545600!1663632000.xml.gz");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, "attachment");
  EXPECT_EQ(v->param("filename").value_or("?"), "amazonses.com!stalw.art!1663545600!1663632000.xml.gz");
}

TEST(MimeFieldValue, QuotedPairsInAQuotedString) {
  auto v = parse_field_value(R"(application/zip; name="a\"b\\c.zip")");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->param("name").value_or("?"), R"(a"b\c.zip)");
}

TEST(MimeFieldValue, Rfc2231ContinuationsAndCharsetWinOverThePlainParameter) {
  auto v = parse_field_value(
      "attachment; filename=\"fallback.bin\"; filename*0*=UTF-8''r%C3%A9port; filename*1=\".xml\"");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->param("filename").value_or("?"), "r\xc3\xa9port.xml");
  auto single = parse_field_value("attachment; filename*=iso-8859-1'en'a%20b.xml.gz");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->param("filename").value_or("?"), "a b.xml.gz");
  // A gap in the sections ends the value (RFC 2231 3: sections are numbered from 0 on).
  auto gap = parse_field_value("attachment; filename*0=a; filename*2=c");
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->param("filename").value_or("?"), "a");
}

TEST(MimeFieldValue, JunkParametersAreSkippedAndAnEmptyValueIsAnError) {
  auto v = parse_field_value("text/xml; ; noequals; =novalue; name=report.xml");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->param("name").value_or("?"), "report.xml");
  EXPECT_FALSE(parse_field_value("  ; name=x"));
  EXPECT_FALSE(parse_field_value(""));
}

TEST(QuotedPrintable, DecodesOctetsSoftBreaksAndDropsTransportPadding) {
  // RFC 2045 6.7 rules (1), (3), (5).
  EXPECT_EQ(decode_quoted_printable("a=3Db =C3=A9\r\n"), "a=b \xc3\xa9\r\n");
  EXPECT_EQ(decode_quoted_printable("<feedback=\r\n><x/>  \t\r\n</feedback>"), "<feedback><x/>\r\n</feedback>");
  EXPECT_EQ(decode_quoted_printable("soft=  \r\nbreak"), "softbreak");
  EXPECT_EQ(decode_quoted_printable("lower =3d ok"), "lower = ok");
  // 6.7 note (2): an "=" not followed by two hex digits is kept as written.
  EXPECT_EQ(decode_quoted_printable("a=zz b=4"), "a=zz b=4");
  EXPECT_EQ(decode_quoted_printable("lf only=\nline\n"), "lf onlyline\r\n");
}

TEST(TransferEncoding, IdentitiesBase64QuotedPrintableAndTheRest) {
  EXPECT_EQ(decode_transfer_encoding("<a/>", "").value(), "<a/>");
  EXPECT_EQ(decode_transfer_encoding("<a/>", "7BIT").value(), "<a/>");
  EXPECT_EQ(decode_transfer_encoding("<a/>", " 8bit ").value(), "<a/>");
  EXPECT_EQ(decode_transfer_encoding("<a/>", "binary").value(), "<a/>");
  EXPECT_EQ(decode_transfer_encoding("PGEv\r\nPg==\r\n", "Base64").value(), "<a/>");
  EXPECT_EQ(decode_transfer_encoding("=3Ca/>", "quoted-printable").value(), "<a/>");
  auto bad = decode_transfer_encoding("PGE*Pg==", "base64");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::base64);
  auto unknown = decode_transfer_encoding("begin 644 x", "x-uuencode");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unsupported);
  EXPECT_NE(unknown.error().detail.find("x-uuencode"), std::string::npos);
}

Walk walk(const std::string& text, const MimeLimits& limits = {}) {
  auto m = mail::parse_message(text);
  EXPECT_TRUE(m) << m.error().message();
  return m ? find_report_parts(*m, limits) : Walk{};
}

TEST(FindReportParts, AGzipAttachmentBesideATextPartPreambleAndEpilogueSkipped) {
  Walk w = walk(
      "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
      "preamble --XX not a delimiter\r\n"
      "--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
      "--XX  \r\n"  // transport padding after the boundary
      "Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"r.xml.gz\"\r\n\r\nH4sI\r\n"
      "--XX--\r\nepilogue\r\n--XX\r\nContent-Type: text/xml\r\n\r\n<not-a-part/>\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_TRUE(w.problems.empty());
  EXPECT_EQ(w.attachments[0].name, "r.xml.gz");
  EXPECT_EQ(w.attachments[0].content_type, "application/gzip");
  EXPECT_EQ(w.attachments[0].bytes, std::string("\x1f\x8b\x08", 3));
  EXPECT_TRUE(w.attachments[0].problem.empty());
}

TEST(FindReportParts, TheCrlfBeforeADelimiterBelongsToTheDelimiter) {
  Walk w = walk("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/xml\r\n\r\n"
                "<feedback/>\r\n\r\n--b--\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_EQ(w.attachments[0].bytes, "<feedback/>\r\n");  // one CRLF of content, one of the delimiter
  EXPECT_EQ(w.attachments[0].name, "part 1");            // no filename: its IMAP part number
}

TEST(FindReportParts, NestedMultipartsAreWalkedAndNumberedAsImapDoes) {
  // The shape of 103.eml (Outlook.com): mixed > related > alternative, the report in mixed.
  Walk w = walk(
      "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
      "--m\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n"
      "--r\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
      "--a\r\nContent-Type: text/plain\r\n\r\ntext\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--a--\r\n"
      "--r\r\nContent-Type: application/xml\r\n\r\n<feedback>inner</feedback>\r\n--r--\r\n"
      "--m\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--m--\r\n");
  ASSERT_EQ(w.attachments.size(), 2u);
  EXPECT_EQ(w.attachments[0].name, "part 1.2");
  EXPECT_EQ(w.attachments[0].bytes, "<feedback>inner</feedback>");
  EXPECT_EQ(w.attachments[1].name, "part 2");
  EXPECT_EQ(w.attachments[1].bytes, std::string("PK\x03\x04", 4));
}

TEST(FindReportParts, ASingleBodyMessageThatIsTheReport) {
  Walk w = walk("Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment; filename=\"g.xml.gz\"\r\n\r\nH4sI\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_EQ(w.attachments[0].name, "g.xml.gz");
}

TEST(FindReportParts, OctetStreamCountsByItsFilenameOrItsContent) {
  const std::string head = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  // 104.eml: application/octet-stream with a .xml.gz filename.
  Walk named = walk(head + "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
                           "filename=x.XML.GZ\r\n\r\nanything\r\n--b--\r\n");
  ASSERT_EQ(named.attachments.size(), 1u);
  EXPECT_EQ(named.attachments[0].bytes, "anything");
  Walk by_content = walk(head + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: "
                                "base64\r\n\r\nUEsDBA==\r\n--b--\r\n");
  EXPECT_EQ(by_content.attachments.size(), 1u);
  Walk neither = walk(head + "--b\r\nContent-Type: application/octet-stream; name=logo.png\r\n\r\n"
                             "\x89PNG\r\n--b--\r\n");
  EXPECT_TRUE(neither.attachments.empty());
}

TEST(FindReportParts, OtherTypesAndAMessageWithoutAttachmentGiveNothing) {
  Walk plain = walk("From: a@b.example\r\nSubject: hi\r\n\r\n<feedback/>\r\n");  // RFC 2045 5.2: text/plain
  EXPECT_TRUE(plain.attachments.empty());
  EXPECT_TRUE(plain.problems.empty());
  Walk pdf = walk("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf; "
                  "name=r.xml\r\n\r\n%PDF\r\n--b--\r\n");
  EXPECT_TRUE(pdf.attachments.empty());
}

TEST(FindReportParts, APartThatDoesNotDecodeIsReportedNotGuessed) {
  Walk w = walk("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/gzip\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\nnot*base64\r\n--b--\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_TRUE(w.attachments[0].bytes.empty());
  EXPECT_NE(w.attachments[0].problem.find("base64"), std::string::npos) << w.attachments[0].problem;
}

TEST(FindReportParts, QuotedPrintableXml) {
  Walk w = walk("Content-Type: text/xml; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                "<?xml version=3D\"1.0\"?>\r\n<feedback><org_name>a very long name =\r\nfolded</org_name></feedback>\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_EQ(w.attachments[0].bytes,
            "<?xml version=\"1.0\"?>\r\n<feedback><org_name>a very long name folded</org_name></feedback>\r\n");
}

TEST(FindReportParts, AMissingCloseDelimiterEndsTheLastPartAtTheEnd) {
  Walk w = walk("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/xml\r\n\r\n<f/>\r\n");
  ASSERT_EQ(w.attachments.size(), 1u);
  EXPECT_EQ(w.attachments[0].bytes, "<f/>\r\n");
}

TEST(FindReportParts, AForwardedMessageAndADigestAreEntered) {
  Walk fwd = walk("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
                  "From: r@x.example\r\nContent-Type: application/gzip; name=r.gz\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\nH4sI\r\n--b--\r\n");
  ASSERT_EQ(fwd.attachments.size(), 1u);
  EXPECT_EQ(fwd.attachments[0].name, "r.gz");
  // RFC 2046 5.1.5: in a digest a part without Content-Type is message/rfc822.
  Walk digest = walk("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n"
                     "Content-Type: text/xml\r\n\r\n<feedback/>\r\n--d--\r\n");
  ASSERT_EQ(digest.attachments.size(), 1u);
  EXPECT_EQ(digest.attachments[0].bytes, "<feedback/>");
}

TEST(FindReportParts, AMultipartWithoutBoundaryIsAProblem) {
  Walk w = walk("Content-Type: multipart/mixed\r\n\r\n--b\r\nContent-Type: text/xml\r\n\r\n<f/>\r\n--b--\r\n");
  EXPECT_TRUE(w.attachments.empty());
  ASSERT_EQ(w.problems.size(), 1u);
  EXPECT_NE(w.problems[0].find("without a boundary"), std::string::npos) << w.problems[0];
}

TEST(FindReportParts, NestingDepthAndPartCountAreBounded) {
  // Six multiparts inside one another, the report innermost.
  std::string text = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
  std::string tail;
  for (int i = 1; i < 6; ++i) {
    text += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i) +
            "\r\n\r\n";
    tail = "--b" + std::to_string(i - 1) + "--\r\n" + tail;
  }
  text += "--b5\r\nContent-Type: text/xml\r\n\r\n<f/>\r\n--b5--\r\n" + tail;
  Walk deep = walk(text, MimeLimits{.max_depth = 4, .max_parts = 256});
  EXPECT_TRUE(deep.attachments.empty());
  ASSERT_EQ(deep.problems.size(), 1u);
  EXPECT_NE(deep.problems[0].find("nested deeper than 4"), std::string::npos) << deep.problems[0];
  EXPECT_EQ(walk(text).attachments.size(), 1u);  // within the default depth

  std::string many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 20; ++i) many += "--b\r\nContent-Type: text/xml\r\n\r\n<f/>\r\n";
  many += "--b--\r\n";
  Walk bounded = walk(many, MimeLimits{.max_depth = 8, .max_parts = 5});
  EXPECT_EQ(bounded.attachments.size(), 5u);
  ASSERT_EQ(bounded.problems.size(), 1u);
  EXPECT_NE(bounded.problems[0].find("more than 5 MIME parts"), std::string::npos) << bounded.problems[0];
}

}  // namespace
}  // namespace dnsauth::reports::mime

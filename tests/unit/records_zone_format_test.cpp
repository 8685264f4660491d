// core/records/zone_format.h: TXT records written through ldns (RFC 1035 5.1 master-file
// syntax: quoted character-strings of at most 255 bytes, '"' and '\' escaped, other bytes
// outside printable ASCII as \DDD), read back by ldns and by the core's zone-file resolver.
#include <gtest/gtest.h>

#include <string>

#include "core/dns/zone_resolver.h"
#include "core/records/zone_format.h"

namespace dnsauth::records {
namespace {

TxtRecord txt(std::string owner, std::string text, Kind kind = Kind::dkim, std::string comment = {}) {
  return TxtRecord{std::move(owner), 3600, std::move(text), kind, std::move(comment)};
}

// The rdata of a master-file line: everything after "TXT".
std::string rdata_of(const std::string& line) {
  auto at = line.find("\tTXT\t");
  EXPECT_NE(at, std::string::npos) << line;
  std::string r = line.substr(at + 5);
  if (!r.empty() && r.back() == '\n') r.pop_back();
  return r;
}

TEST(MasterLine, AbsoluteOwnerTtlClassTypeAndOneQuotedString) {
  auto line = to_master_line(txt("example.com", "v=spf1 -all", Kind::spf));
  ASSERT_TRUE(line) << line.error().message();
  EXPECT_EQ(*line, "example.com.\t3600\tIN\tTXT\t\"v=spf1 -all\"\n");
}

TEST(MasterLine, LongTextIsSplitIntoStringsOfAtMost255Bytes) {
  std::string text = "v=DKIM1; k=rsa; p=" + std::string(600, 'A');
  auto line = to_master_line(txt("s._domainkey.example.com", text));
  ASSERT_TRUE(line);
  auto parts = parse_txt_rdata(rdata_of(*line));
  ASSERT_TRUE(parts) << parts.error().message();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].size(), 255u);
  EXPECT_EQ((*parts)[1].size(), 255u);
  EXPECT_EQ((*parts)[0] + (*parts)[1] + (*parts)[2], text);
}

TEST(MasterLine, QuotesBackslashesAndNonAsciiAreEscapedAndReadBackExactly) {
  std::string text = "say \"hi\" \\ caf\xc3\xa9;end";
  auto line = to_master_line(txt("x.example.com", text, Kind::spf));
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("\\\"hi\\\""), std::string::npos) << *line;
  EXPECT_NE(line->find("\\\\"), std::string::npos) << *line;
  EXPECT_NE(line->find("caf\\195\\169"), std::string::npos) << *line;
  auto parts = parse_txt_rdata(rdata_of(*line));
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ(parts->front(), text);
}

TEST(MasterLine, ABadOwnerIsAnError) {
  auto line = to_master_line(txt("a..example.com", "x"));
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().code, Errc::invalid_argument);
}

TEST(ZoneFragment, HeaderAndCommentsAreCommentLinesAndTheZoneResolverReadsItBack) {
  std::string long_key = "v=DKIM1; k=rsa; p=" + std::string(400, 'B');
  std::vector<TxtRecord> recs = {txt("s1._domainkey.example.com", long_key, Kind::dkim, "DKIM key for s1"),
                                 txt("example.com", "v=spf1 ip4:192.0.2.1 -all", Kind::spf),
                                 txt("_dmarc.example.com", "v=DMARC1; p=reject", Kind::dmarc)};
  auto frag = to_zone_fragment(recs, "first line\nsecond line");
  ASSERT_TRUE(frag) << frag.error().message();
  EXPECT_EQ(frag->rfind("; first line\n; second line\n; DKIM key for s1\ns1._domainkey.example.com.\t", 0), 0u)
      << *frag;

  dns::ZoneResolver zone;
  ASSERT_TRUE(zone.load_text(*frag, "fragment", "example.com"));
  auto dkim = zone.query("s1._domainkey.example.com", dns::RRType::TXT);
  ASSERT_TRUE(dkim.ok());
  EXPECT_EQ(dkim.records, std::vector<std::string>{long_key});
  ASSERT_EQ(dkim.txt_parts.size(), 1u);
  EXPECT_EQ(dkim.txt_parts[0].size(), 2u);
  EXPECT_EQ(zone.query("example.com", dns::RRType::TXT).records, std::vector<std::string>{"v=spf1 ip4:192.0.2.1 -all"});
  EXPECT_EQ(zone.query("_dmarc.example.com", dns::RRType::TXT).records, std::vector<std::string>{"v=DMARC1; p=reject"});
}

TEST(Nsupdate, ReplacesOwnedNamesAndOnlyAddsAtSharedNames) {
  std::vector<TxtRecord> recs = {txt("s1._domainkey.example.com", "v=DKIM1; p=AQI=", Kind::dkim),
                                 txt("example.com", "v=spf1 -all", Kind::spf),
                                 txt("_dmarc.example.com", "v=DMARC1; p=reject", Kind::dmarc),
                                 txt("example.org._report._dmarc.example.com", "v=DMARC1", Kind::report_authorization)};
  auto script = to_nsupdate(recs, "example.com");
  ASSERT_TRUE(script) << script.error().message();
  const std::string& s = *script;
  EXPECT_NE(s.find("zone example.com.\n"), std::string::npos);
  EXPECT_NE(s.find("update delete s1._domainkey.example.com. TXT\nupdate add s1._domainkey.example.com.\t3600\tIN\tTXT\t"),
            std::string::npos) << s;
  EXPECT_NE(s.find("update delete _dmarc.example.com. TXT\n"), std::string::npos);
  EXPECT_NE(s.find("update delete example.org._report._dmarc.example.com. TXT\n"), std::string::npos);
  // The apex holds other TXT records (verification tokens...): never deleted wholesale.
  EXPECT_EQ(s.find("update delete example.com. TXT"), std::string::npos) << s;
  EXPECT_NE(s.find("update add example.com.\t3600\tIN\tTXT\t\"v=spf1 -all\"\n"), std::string::npos);
  EXPECT_NE(s.find("; remove any older v=spf1 TXT record at example.com."), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 5), "send\n");
}

TEST(Nsupdate, WithoutAZoneThereIsNoZoneLine) {
  auto script = to_nsupdate({txt("mx.example.org", "v=spf1 -all", Kind::spf)}, "");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->find("zone "), std::string::npos) << *script;
  EXPECT_NE(script->find("update add mx.example.org."), std::string::npos);
}

TEST(ParseTxtRdata, StringsEscapesAndErrors) {
  auto parts = parse_txt_rdata(R"("v=spf1 " "ip4:192.0.2.1 \"q\" \\ \065 -all")");
  ASSERT_TRUE(parts) << parts.error().message();
  EXPECT_EQ(*parts, (std::vector<std::string>{"v=spf1 ", "ip4:192.0.2.1 \"q\" \\ A -all"}));
  // RFC 1035 3.3: no zone parser accepts a string over 255 bytes.
  auto too_long = parse_txt_rdata("\"" + std::string(256, 'x') + "\"");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::syntax);
}

}  // namespace
}  // namespace dnsauth::records

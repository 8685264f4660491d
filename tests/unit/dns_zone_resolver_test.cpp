// The zone-file resolver: master-file syntax through ldns ($ORIGIN, $TTL, relative names,
// multi-string TXT), and answers as an authoritative server gives them: NODATA at existing
// names and empty non-terminals, wildcards from the closest encloser only (RFC 4592), CNAMEs
// followed, several files, names outside the zones sent to a fallback.
#include <gtest/gtest.h>

#include <fstream>

#include "core/dns/zone_resolver.h"
#include "support/test_support.h"

namespace {

using namespace dnsauth::dns;
using dnsauth::Errc;

const char* kZone = R"($ORIGIN example.com.
$TTL 300
@        IN SOA ns1 hostmaster 2026010101 3600 600 86400 300
         IN NS  ns1
         IN MX  10 mail
         IN MX  20 mail2.example.net.
         IN TXT "v=spf1 mx " "-all"
ns1      IN A   192.0.2.53
mail     IN A   192.0.2.10
mail     IN AAAA 2001:db8::10
www      IN CNAME mail
loop1    IN CNAME loop2
loop2    IN CNAME loop1
*.wild   IN TXT "wildcard"
*.wild   IN A   192.0.2.99
sub.wild IN A   192.0.2.77
a.b.c    IN TXT "deep"
_spf     3600 IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"
_spf     IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"
)";

ZoneResolver loaded() {
  ZoneResolver z;
  auto r = z.load_text(kZone, "example.com.zone");
  EXPECT_TRUE(r) << r.error().message();
  return z;
}

TEST(DnsZoneResolver, RecordsAndTypes) {
  ZoneResolver z = loaded();
  EXPECT_EQ(z.zones(), std::set<std::string>{"example.com"});
  Answer txt = z.query("EXAMPLE.com.", RRType::TXT);
  ASSERT_EQ(txt.status, Status::ok);
  ASSERT_EQ(txt.records.size(), 1u);
  EXPECT_EQ(txt.records[0], "v=spf1 mx -all");  // RFC 7208 3.3: strings joined
  EXPECT_EQ(txt.txt_parts[0], (std::vector<std::string>{"v=spf1 mx ", "-all"}));
  Answer mx = z.query("example.com", RRType::MX);
  ASSERT_EQ(mx.mx.size(), 2u);
  EXPECT_EQ(mx.mx[0].exchange, "mail.example.com");  // relative to $ORIGIN
  EXPECT_EQ(mx.mx[1].exchange, "mail2.example.net");
  EXPECT_EQ(mx.mx[1].preference, 20);
  EXPECT_EQ(z.query("mail.example.com", RRType::AAAA).records, std::vector<std::string>{"2001:db8::10"});
  // Identical records are one RRset member (RFC 2181 5), whatever their TTLs.
  EXPECT_EQ(z.query("_spf.example.com", RRType::TXT).records.size(), 1u);
}

// A zone file, unlike the DNS, can list its names (a linter finds the DKIM selectors there),
// and tell what a name holds itself, before wildcards and CNAMEs answer for it.
TEST(DnsZoneResolver, ListsItsNamesAndTheRecordsEachOwns) {
  ZoneResolver z = loaded();
  EXPECT_EQ(z.names(), (std::vector<std::string>{"*.wild.example.com", "_spf.example.com", "a.b.c.example.com",
                                                 "example.com", "loop1.example.com", "loop2.example.com",
                                                 "mail.example.com", "ns1.example.com", "sub.wild.example.com",
                                                 "www.example.com"}));
  Answer spf = z.records_at("_SPF.Example.COM.", RRType::TXT);
  ASSERT_EQ(spf.status, Status::ok);
  EXPECT_EQ(spf.records, std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 ~all"});
  // What query() would answer through a CNAME, a wildcard or from an empty non-terminal is
  // not owned by the name.
  EXPECT_EQ(z.query("www.example.com", RRType::A).status, Status::ok);
  EXPECT_EQ(z.records_at("www.example.com", RRType::A).status, Status::nodata);
  EXPECT_EQ(z.records_at("www.example.com", RRType::CNAME).records, std::vector<std::string>{"mail.example.com"});
  EXPECT_EQ(z.query("x.wild.example.com", RRType::TXT).status, Status::ok);
  EXPECT_EQ(z.records_at("x.wild.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(z.records_at("*.wild.example.com", RRType::TXT).records, std::vector<std::string>{"wildcard"});
  EXPECT_EQ(z.records_at("b.c.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(z.records_at("elsewhere.example.net", RRType::TXT).status, Status::nodata);
}

TEST(DnsZoneResolver, NodataNxdomainAndEmptyNonTerminals) {
  ZoneResolver z = loaded();
  EXPECT_EQ(z.query("mail.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(z.query("ns1.example.com", RRType::MX).status, Status::nodata);
  EXPECT_EQ(z.query("example.com", RRType::A).status, Status::nodata);  // apex: SOA, NS only
  EXPECT_EQ(z.query("b.c.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(z.query("c.example.com", RRType::A).status, Status::nodata);
  EXPECT_EQ(z.query("x.a.b.c.example.com", RRType::TXT).status, Status::nxdomain);
  EXPECT_EQ(z.query("nothing.example.com", RRType::A).status, Status::nxdomain);
}

// RFC 4592 3.3.1: a wildcard answers for names that do not exist, only below its closest
// encloser; existing names and their descendants are not covered.
TEST(DnsZoneResolver, WildcardsAsAServerAnswers) {
  ZoneResolver z = loaded();
  Answer a = z.query("anything.wild.example.com", RRType::A);
  ASSERT_EQ(a.status, Status::ok);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.99"});
  EXPECT_EQ(z.query("x.y.wild.example.com", RRType::TXT).records, std::vector<std::string>{"wildcard"});
  EXPECT_EQ(z.query("anything.wild.example.com", RRType::MX).status, Status::nodata);
  // sub.wild exists: it answers for itself (NODATA for TXT), and its children are not covered
  // by *.wild (the closest encloser of x.sub.wild is sub.wild, which has no wildcard).
  EXPECT_EQ(z.query("sub.wild.example.com", RRType::A).records, std::vector<std::string>{"192.0.2.77"});
  EXPECT_EQ(z.query("sub.wild.example.com", RRType::TXT).status, Status::nodata);
  EXPECT_EQ(z.query("x.sub.wild.example.com", RRType::TXT).status, Status::nxdomain);
  // The wildcard's own parent is an empty non-terminal, not a wildcard match.
  EXPECT_EQ(z.query("wild.example.com", RRType::TXT).status, Status::nodata);
}

TEST(DnsZoneResolver, CnamesAreFollowed) {
  ZoneResolver z = loaded();
  Answer a = z.query("www.example.com", RRType::A);
  ASSERT_EQ(a.status, Status::ok);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(z.query("www.example.com", RRType::CNAME).records, std::vector<std::string>{"mail.example.com"});
  Answer loop = z.query("loop1.example.com", RRType::TXT);
  EXPECT_EQ(loop.status, Status::tempfail);
  EXPECT_NE(loop.detail.find("CNAME"), std::string::npos);
}

TEST(DnsZoneResolver, SeveralFilesFallbackAndOrigins) {
  ZoneResolver z = loaded();
  // A fragment without SOA: its apex is the common domain of its names; no $ORIGIN, so the
  // origin comes from the call.
  ASSERT_TRUE(z.load_text("@ TXT \"v=spf1 -all\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n",
                          "fragment", "example.org"));
  EXPECT_EQ(z.zones(), (std::set<std::string>{"example.com", "example.org"}));
  EXPECT_EQ(z.query("example.org", RRType::TXT).records, std::vector<std::string>{"v=spf1 -all"});
  EXPECT_EQ(z.query("_dmarc.example.org", RRType::TXT).status, Status::ok);
  // Outside every zone: NXDOMAIN, or the fallback's answer when one is set.
  EXPECT_EQ(z.query("example.net", RRType::TXT).status, Status::nxdomain);
  MemoryResolver fallback;
  fallback.add_txt("example.net", "v=spf1 ?all");
  z.set_fallback(&fallback);
  EXPECT_EQ(z.query("example.net", RRType::TXT).records, std::vector<std::string>{"v=spf1 ?all"});
  EXPECT_EQ(fallback.queries(), 1u);
  EXPECT_EQ(z.query("nothing.example.com", RRType::TXT).status, Status::nxdomain);  // ours: no fallback
  EXPECT_EQ(fallback.queries(), 1u);
}

// A fragment of names from several zones (e.g. report authorizations published at other
// domains) holds those names only: their neighbours still go to the fallback.
TEST(DnsZoneResolver, FragmentAcrossZonesHoldsOnlyItsNames) {
  ZoneResolver z;
  ASSERT_TRUE(z.load_text("example.com._report._dmarc.example.net. TXT \"v=DMARC1\"\n"
                          "*.wild.example.org. A 192.0.2.7\n",
                          "external.zone"));
  EXPECT_EQ(z.zones(), (std::set<std::string>{"example.com._report._dmarc.example.net", "wild.example.org"}));
  MemoryResolver fallback;
  fallback.add_txt("example.net", "v=spf1 -all");
  z.set_fallback(&fallback);
  EXPECT_EQ(z.query("example.com._report._dmarc.example.net", RRType::TXT).status, Status::ok);
  EXPECT_EQ(z.query("x.wild.example.org", RRType::A).records, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(z.query("example.net", RRType::TXT).records, std::vector<std::string>{"v=spf1 -all"});
  EXPECT_EQ(fallback.queries(), 1u);
}

TEST(DnsZoneResolver, FilesOnDiskTakeTheirOriginFromTheName) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-zone-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "example.net.zone") << "$TTL 60\n@ IN TXT \"v=spf1 a -all\"\n@ IN A 198.51.100.1\n";
    std::ofstream(dir / "broken.zone") << "$ORIGIN example.org.\n@ IN TXT \"ok\"\nwww IN A 999.1.1.1\n";
  }
  ZoneResolver z;
  ASSERT_TRUE(z.load_file(dir / "example.net.zone"));
  EXPECT_EQ(z.query("example.net", RRType::A).records, std::vector<std::string>{"198.51.100.1"});
  auto bad = z.load_file(dir / "broken.zone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::syntax);
  EXPECT_NE(bad.error().detail.find("broken.zone:3:"), std::string::npos) << bad.error().message();
  auto missing = z.load_file(dir / "missing.zone");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io);
  EXPECT_NE(missing.error().detail.find("missing.zone"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// RFC 1035 5.1: $INCLUDE <file> [<origin>]; the included file does not change the includer's
// origin. Paths are relative to the including file.
TEST(DnsZoneResolver, IncludeFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-include-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "parts");
  {
    std::ofstream(dir / "example.com.zone")
        << "$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
           "$INCLUDE parts/spf.inc _spf ; the SPF records\n"
           "$INCLUDE \"parts/plain.inc\"\n"
           "after IN TXT \"origin unchanged\"\n";
    std::ofstream(dir / "parts" / "spf.inc") << "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\nmx IN TXT \"v=spf1 a -all\"\n";
    std::ofstream(dir / "parts" / "plain.inc") << "www IN A 192.0.2.80\n";
    std::ofstream(dir / "parts" / "loop.inc") << "$INCLUDE loop.inc\n";
    std::ofstream(dir / "loop.zone") << "$ORIGIN loop.test.\n@ IN TXT \"x\"\n$INCLUDE parts/loop.inc\n";
    std::ofstream(dir / "parts" / "bad.inc") << "ok IN TXT \"fine\"\nbroken IN A 1.2.3\n";
    std::ofstream(dir / "bad.zone") << "$ORIGIN bad.test.\n$INCLUDE parts/bad.inc\n";
  }
  ZoneResolver z;
  auto r = z.load_file(dir / "example.com.zone");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(z.query("_spf.example.com", RRType::TXT).records, std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all"});
  EXPECT_EQ(z.query("mx._spf.example.com", RRType::TXT).status, Status::ok);
  EXPECT_EQ(z.query("www.example.com", RRType::A).records, std::vector<std::string>{"192.0.2.80"});
  EXPECT_EQ(z.query("after.example.com", RRType::TXT).records, std::vector<std::string>{"origin unchanged"});
  // The included names are the zone's names like any other.
  EXPECT_EQ(z.names(), (std::vector<std::string>{"_spf.example.com", "after.example.com", "example.com",
                                                 "mx._spf.example.com", "www.example.com"}));

  auto loop = z.load_file(dir / "loop.zone");
  ASSERT_FALSE(loop);
  EXPECT_NE(loop.error().detail.find("nested more than 8 deep"), std::string::npos) << loop.error().message();
  auto bad = z.load_file(dir / "bad.zone");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find((dir / "parts" / "bad.inc").string() + ":2:"), std::string::npos)
      << bad.error().message();
  EXPECT_EQ(z.query("ok.bad.test", RRType::TXT).status, Status::nxdomain);  // nothing of bad.zone kept
  std::filesystem::remove_all(dir);
}

// A file that opens but cannot be read (a directory, a read error) is an I/O error naming the
// file and line, never a loop waiting for an end of file that a failed read does not reach; an
// $INCLUDE (RFC 1035 5.1) must name a file.
TEST(DnsZoneResolver, ReadErrorsAreErrorsWithTheirPlace) {
  auto dir = std::filesystem::temp_directory_path() / ("dnsauth-readerr-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "parts");
  std::ofstream(dir / "dir.zone") << "$ORIGIN dir.test.\n@ IN TXT \"x\"\n$INCLUDE parts\n";
  std::ofstream(dir / "mem.zone") << "$ORIGIN mem.test.\n$INCLUDE /proc/self/mem\n";
  struct Case {
    std::filesystem::path file;
    Errc code;
    std::string says;
  };
  for (const Case& c : {
           Case{dir / "parts", Errc::io, "zone file " + (dir / "parts").string() + " is a directory"},
           Case{dir / "dir.zone", Errc::io,
                (dir / "dir.zone").string() + ":3: $INCLUDE file " + (dir / "parts").string() + " is a directory"},
           // Reading /proc/self/mem at offset 0 fails (EIO): a file that opens but cannot be read.
           Case{"/proc/self/mem", Errc::io, "/proc/self/mem:0: read error"},
           Case{dir / "mem.zone", Errc::io, "/proc/self/mem:0: read error"},
       }) {
    ZoneResolver z;
    auto r = z.load_file(c.file);
    ASSERT_FALSE(r) << c.file;
    EXPECT_EQ(r.error().code, c.code) << r.error().message();
    EXPECT_NE(r.error().detail.find(c.says), std::string::npos) << r.error().message();
    EXPECT_TRUE(z.zones().empty());
  }
  for (const char* text : {"$ORIGIN example.com.\n$INCLUDE \"\"\n", "$ORIGIN example.com.\n$INCLUDE \"\" sub\n",
                           "$ORIGIN example.com.\n$INCLUDE\n"}) {
    ZoneResolver z;
    auto r = z.load_text(text, "zone-text");
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::syntax);
    EXPECT_NE(r.error().detail.find("zone-text:2: $INCLUDE needs a file name"), std::string::npos)
        << text << " -> " << r.error().message();
  }
  std::filesystem::remove_all(dir);
}

TEST(DnsZoneResolver, ErrorsNameTheSourceAndLine) {
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b : {Bad{"$ORIGIN example.com.\n@ TXT \"a\"\n\nfoo IN BOGUS 1\n", "zone-text:4:"},
                       Bad{"$ORIGIN example.com.\n@ IN MX mail\n", "zone-text:2:"},
                       Bad{"$ORIGIN example.com.\n@ IN SOA ns h 1 2 3 4 5\nother.example.net. IN A 192.0.2.1\n",
                           "outside the zone example.com"},
                       Bad{"$ORIGIN example.com.\n@ IN TXT \"a\"\n$INCLUDE /nonexistent/other.zone\n",
                           "zone-text:3: cannot open $INCLUDE file /nonexistent/other.zone"},
                       Bad{"$ORIGIN example.com.\n@ SOA ns h 1 2 3 4 5\n@ SOA ns h 2 2 3 4 5\n", "more than one SOA"},
                       Bad{"$ORIGIN example.com.\n@ IN TXT \"a\"\n@ CH TXT \"b\"\n", "not of class IN"}}) {
    ZoneResolver z;
    auto r = z.load_text(b.text, "zone-text");
    ASSERT_FALSE(r) << b.text;
    // An $INCLUDE that cannot be opened is an I/O error; everything else is syntax.
    bool io = std::string_view(b.says).find("cannot open") != std::string_view::npos;
    EXPECT_EQ(r.error().code, io ? Errc::io : Errc::syntax);
    EXPECT_NE(r.error().detail.find(b.says), std::string::npos) << b.text << " -> " << r.error().message();
    // A file with an error adds nothing.
    EXPECT_TRUE(z.zones().empty());
    EXPECT_EQ(z.record_count(), 0u);
    EXPECT_EQ(z.query("example.com", RRType::TXT).status, Status::nxdomain);
  }
}

}  // namespace

// dnsauth-validate reports html, opened in headless Chromium (Debian's chromium): the page is
// self-contained (no URL in any src= or href=, a Content-Security-Policy that allows no fetch
// and no script), what reports say is escaped (an organization named <script>...), and the
// charts render -- each chart's SVG has the expected series with laid-out, non-empty boxes
// whose sizes follow the data; a screenshot (build/artifacts/reports.png) shows the pass and
// fail colours.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "reports/store.h"
#include "reports/summary.h"
#include "support/process.h"
#include "support/test_support.h"
#include "unit/reports_dataset.h"

namespace {

namespace fs = std::filesystem;
using dnsauth::test::ProcessResult;
namespace testdata = dnsauth::reports::testdata;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kEvilOrg = "<script>alert('org')</script>";
constexpr const char* kEvilSelector = "<img src=x onerror=alert(1)>";

// Runs Chromium headless on a page with a fresh profile, bounded in time.
ProcessResult chromium(const fs::path& profile, std::vector<std::string> args) {
  std::vector<std::string> all = {"120", kChromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                                  "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.string()};
  all.insert(all.end(), args.begin(), args.end());
  return dnsauth::test::run_process("/usr/bin/timeout", all);
}

// Measures every chart element as laid out: appended to a copy of the page (the page itself
// runs no script, and its policy forbids one), it writes their boxes into the DOM Chromium dumps.
constexpr const char* kMeasure = R"js(<script>
const boxes = Array.from(document.querySelectorAll('svg[data-chart] [data-series]')).map(e => {
  const box = e.getBoundingClientRect();
  return {chart: e.closest('svg').dataset.chart, series: e.dataset.series, value: e.dataset.value,
          key: e.dataset.day || e.dataset.source || e.dataset.org, width: box.width, height: box.height};
});
const pre = document.createElement('pre');
pre.id = 'measured';
// As text, with <, > and & as JSON escapes, so that the dumped DOM holds the JSON as it is.
pre.textContent = JSON.stringify(boxes).replace(/[<>&]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
document.body.appendChild(pre);
</script>)js";

// Decodes the screenshot (8-bit RGB/RGBA, not interlaced) with Python's zlib and prints its
// width, height, number of distinct colours and the pixels of each colour asked for.
constexpr const char* kPngStats = R"py(
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, ihdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IHDR': ihdr = struct.unpack('>IIBBBBB', data[pos + 8:pos + 8 + n])
    if kind == b'IDAT': idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
targets = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[2:]]
prev, colours, counts = bytearray(stride), set(), [0] * len(targets)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = tuple(line[x:x + 3]); colours.add(px)
        if px in targets: counts[targets.index(px)] += 1
    prev = line
print(w, h, len(colours), *counts)
)py";

class ReportsHtmlChromium : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (scripts/setup.sh installs it)";
    dir_ = dnsauth::test::make_temp_dir("dnsauth-reports-html-");
    data_ = testdata::generate();
    // A receiver that names itself with markup, and a selector that is markup: anyone can send a report.
    data_.reports.push_back(testdata::report(kEvilOrg, "evil", testdata::kFirstDay + 3 * testdata::kDay));
    testdata::Row row;
    row.report = data_.reports.size() - 1;
    row.ip = "198.18.0.66";
    row.count = 42;
    row.auth = {{"dkim", "example.com", kEvilSelector, "fail"}};
    data_.rows.push_back(row);
    auto store = dnsauth::reports::Store::open((dir_ / "reports.db").string());
    ASSERT_TRUE(store) << store.error().message();
    ASSERT_NO_FATAL_FAILURE(testdata::insert(store->db(), data_));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path dir_;
  testdata::DataSet data_;
};

TEST_F(ReportsHtmlChromium, TheChartsRenderWithTheSeriesOfTheData) {
  const fs::path page = dir_ / "report.html";
  ProcessResult made = dnsauth::test::run_process(
      dnsauth::test::tool_path("dnsauth-validate"),
      {"reports", "html", "--db", (dir_ / "reports.db").string(), "--domain", "example.com", "--out", page.string()});
  ASSERT_EQ(made.status, 0) << made.out << made.err;
  const std::string html = dnsauth::test::read_file(page);

  // Self-contained: nothing to fetch, nothing to run.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<[^>]*\s(src|href)\s*=)", std::regex::icase)));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;org&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);

  // The page as Chromium parsed it: no script or img element came out of a report's text.
  const fs::path profile = dir_ / "profile";
  ProcessResult dom = chromium(profile, {"--dump-dom", "file://" + page.string()});
  ASSERT_EQ(dom.status, 0) << dom.err;
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  EXPECT_EQ(dom.out.find("<img"), std::string::npos);
  EXPECT_NE(dom.out.find("data-chart=\"daily\""), std::string::npos) << dom.out.substr(0, 2000);

  // The expected series, from the rows: days with passing and failing mail, the top failing
  // sources, every receiver's alignment.
  std::map<std::string, std::uint64_t> pass_by_day, fail_by_day, fail_by_source;
  for (const auto& r : data_.rows) {
    if (!testdata::counted(data_, r)) continue;
    const std::string day = dnsauth::reports::format_day(data_.reports[r.report].begin);
    if (r.dmarc_pass()) pass_by_day[day] += r.count;
    else fail_by_day[day] += r.count, fail_by_source[r.ip] += r.count;
  }

  // Laid out in Chromium: each element's box.
  std::string measured = html;
  measured.erase(measured.find("<meta http-equiv=\"Content-Security-Policy\""),
                 measured.find('>', measured.find("<meta http-equiv=\"Content-Security-Policy\"")) + 1 -
                     measured.find("<meta http-equiv=\"Content-Security-Policy\""));
  measured.insert(measured.rfind("</body>"), kMeasure);
  dnsauth::test::write_file(dir_ / "measure.html", measured);
  ProcessResult laid_out = chromium(profile, {"--dump-dom", "file://" + (dir_ / "measure.html").string()});
  ASSERT_EQ(laid_out.status, 0) << laid_out.err;
  const auto from = laid_out.out.find("<pre id=\"measured\">"), to = laid_out.out.find("</pre>", from);
  ASSERT_NE(from, std::string::npos) << laid_out.out.substr(0, 3000);
  nlohmann::json boxes = nlohmann::json::parse(laid_out.out.substr(from + 19, to - from - 19));

  std::map<std::string, std::map<std::string, std::map<std::string, std::pair<double, double>>>> seen;
  std::map<std::string, double> value_of;  // "daily/pass/2026-03-01" -> data-value
  for (const auto& b : boxes) {
    const std::string chart = b["chart"], series = b["series"], key = b["key"];
    seen[chart][series][key] = {b["width"].get<double>(), b["height"].get<double>()};
    value_of[chart + "/" + series + "/" + key] = std::stod(b["value"].get<std::string>());
  }
  for (const auto& [chart, series] : seen) {
    for (const auto& [name, boxes_of] : series) {
      for (const auto& [key, box] : boxes_of) {
        if (value_of[chart + "/" + name + "/" + key] > 0) {
          EXPECT_TRUE(box.first > 0 && box.second > 0) << chart << " " << name << " " << key << " is not drawn";
        }
      }
    }
  }

  // Daily volume: one pass bar per day with passing mail, one fail bar per day with failing mail,
  // each as tall as its count says (relative to the tallest, within a pixel or two).
  ASSERT_EQ(seen["daily"]["pass"].size(), pass_by_day.size());
  ASSERT_EQ(seen["daily"]["fail"].size(), fail_by_day.size());
  for (const auto& [series, expected] : {std::pair{std::string("pass"), pass_by_day}, std::pair{std::string("fail"), fail_by_day}}) {
    double tallest = 0;
    std::uint64_t most = 0;
    for (const auto& [day, n] : expected) {
      ASSERT_TRUE(seen["daily"][series].count(day)) << series << " " << day;
      EXPECT_EQ(value_of["daily/" + series + "/" + day], static_cast<double>(n)) << day;
      if (n > most) most = n, tallest = seen["daily"][series][day].second;
    }
    // Heights are plot-scaled: compare each with the tallest bar of the series.
    for (const auto& [day, n] : expected)
      EXPECT_NEAR(seen["daily"][series][day].second, tallest * static_cast<double>(n) / static_cast<double>(most), 2.0)
          << series << " " << day;
  }
  // Top failing sources: the ten with the most failing messages, widest first.
  std::vector<std::pair<std::uint64_t, std::string>> ranked;
  for (const auto& [ip, n] : fail_by_source) ranked.emplace_back(n, ip);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  ASSERT_EQ(seen["failing-sources"]["fail"].size(), std::min<std::size_t>(10, ranked.size()));
  const double widest = seen["failing-sources"]["fail"][ranked[0].second].first;
  for (std::size_t i = 0; i < seen["failing-sources"]["fail"].size(); ++i) {
    const auto& [n, ip] = ranked[i];
    ASSERT_TRUE(seen["failing-sources"]["fail"].count(ip)) << ip;
    EXPECT_NEAR(seen["failing-sources"]["fail"][ip].first,
                std::max(1.0, widest * static_cast<double>(n) / static_cast<double>(ranked[0].first)), 2.0)
        << ip;
  }
  // Alignment by receiver: three series, one bar each per organization (the markup one too).
  for (const char* series : {"dkim-aligned", "spf-aligned", "dmarc-pass"}) {
    EXPECT_EQ(seen["receivers"][series].size(), 6u) << series;
    EXPECT_TRUE(seen["receivers"][series].count(kEvilOrg)) << series;
  }

  // The screenshot, kept for the artifacts: a PNG with the pass and fail colours in it.
  const fs::path artifacts = dnsauth::test::binary_dir() / "artifacts";
  fs::create_directories(artifacts);
  const fs::path png = artifacts / "reports.png";
  fs::remove(png);
  ProcessResult shot = chromium(profile, {"--screenshot=" + png.string(), "--window-size=1200,2000",
                                          "--hide-scrollbars", "file://" + page.string()});
  ASSERT_EQ(shot.status, 0) << shot.err;
  ASSERT_TRUE(fs::exists(png)) << shot.err;
  dnsauth::test::write_file(dir_ / "png_stats.py", kPngStats);
  ProcessResult stats = dnsauth::test::run_process(
      "/usr/bin/python3", {(dir_ / "png_stats.py").string(), png.string(), "2e7d32", "c62828", "1565c0"});
  ASSERT_EQ(stats.status, 0) << stats.err;
  std::istringstream in(stats.out);
  unsigned long width = 0, height = 0, colours = 0, green = 0, red = 0, blue = 0;
  in >> width >> height >> colours >> green >> red >> blue;
  EXPECT_EQ(width, 1200u);
  EXPECT_EQ(height, 2000u);
  EXPECT_GT(colours, 50u) << "a single-coloured screenshot";
  EXPECT_GT(green, 2000u) << "no DMARC pass bars on the screenshot";
  EXPECT_GT(red, 1000u) << "no DMARC fail bars on the screenshot";
  EXPECT_GT(blue, 300u) << "no DKIM alignment bars on the screenshot";
}

}  // namespace

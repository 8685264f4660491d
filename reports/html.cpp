#include "reports/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace dnsauth::reports {

namespace {

constexpr const char* kPassColor = "#2e7d32";
constexpr const char* kFailColor = "#c62828";
constexpr const char* kDkimColor = "#1565c0";
constexpr const char* kSpfColor = "#ef6c00";

// 1234567 -> "1,234,567"
std::string group(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fixed(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string percent(std::uint64_t part, std::uint64_t whole) { return fixed(share(part, whole)) + "%"; }

// A round axis maximum at or above max: 1, 2 or 5 times a power of ten per tick, four ticks.
std::uint64_t nice_step(std::uint64_t max) {
  std::uint64_t raw = std::max<std::uint64_t>(1, (max + 3) / 4), step = 1;
  while (true) {
    for (std::uint64_t m : {1, 2, 5})
      if (step * m >= raw) return step * m;
    step *= 10;
  }
}

std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

// "2026-03-09 23:46 UTC"
std::string utc_time(std::int64_t t) {
  const std::int64_t minutes = (t - day_start(t)) / 60;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d UTC", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return format_day(t) + buf;
}

struct Svg {
  std::string out;
  Svg(std::string_view chart, int width, int height, std::string_view label) {
    out += "<svg class=\"chart\" data-chart=\"" + std::string(chart) + "\" width=\"" + std::to_string(width) +
           "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
           std::to_string(height) + "\" role=\"img\" aria-label=\"" + html_escape(label) + "\">\n";
  }
  void rect(double x, double y, double w, double h, std::string_view color, std::string_view attributes,
            std::string_view title) {
    out += "<rect x=\"" + fixed(x) + "\" y=\"" + fixed(y) + "\" width=\"" + fixed(w) + "\" height=\"" + fixed(h) +
           "\" fill=\"" + std::string(color) + "\" " + std::string(attributes) + "><title>" + html_escape(title) +
           "</title></rect>\n";
  }
  void text(double x, double y, std::string_view anchor, std::string_view content, std::string_view extra = {}) {
    out += "<text x=\"" + fixed(x) + "\" y=\"" + fixed(y) + "\" text-anchor=\"" + std::string(anchor) + "\"" +
           (extra.empty() ? "" : " " + std::string(extra)) + ">" + html_escape(content) + "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, std::string_view cls) {
    out += "<line class=\"" + std::string(cls) + "\" x1=\"" + fixed(x1) + "\" y1=\"" + fixed(y1) + "\" x2=\"" +
           fixed(x2) + "\" y2=\"" + fixed(y2) + "\"/>\n";
  }
  void legend(double x, double y, const std::vector<std::pair<std::string, std::string>>& items) {
    for (const auto& [color, name] : items) {
      out += "<rect class=\"legend\" x=\"" + fixed(x) + "\" y=\"" + fixed(y - 10) +
             "\" width=\"12\" height=\"12\" fill=\"" + color + "\"/>\n";
      text(x + 17, y, "start", name);
      x += 30 + 7.0 * static_cast<double>(name.size());
    }
  }
  std::string done() { return out + "</svg>\n"; }
};

std::string attr(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + html_escape(value) + "\"";
}

// Daily volume: DMARC pass below, fail stacked above, one bar per UTC day from the first report
// to the last (days without reports stay empty, so that a gap shows as a gap).
std::string daily_chart(const Summary& s) {
  if (s.days.empty()) return "<p class=\"empty\">No reports in this period.</p>\n";
  std::map<std::int64_t, const DayRow*> by_day;
  std::uint64_t max = 0;
  for (const auto& d : s.days) by_day[d.start] = &d, max = std::max(max, d.counts.messages);
  const std::int64_t first = s.days.front().start, last = s.days.back().start;
  const auto n = static_cast<std::size_t>((last - first) / kSecondsPerDay + 1);
  const int width = 960, height = 330, left = 80, right = 20, top = 36, bottom = 64;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const std::uint64_t step = nice_step(max), y_max = step * 4;
  Svg svg("daily", width, height, "messages per day, DMARC pass and fail");
  svg.legend(left, 18, {{kPassColor, "DMARC pass"}, {kFailColor, "DMARC fail"}});
  for (int t = 0; t <= 4; ++t) {
    const double y = top + plot_h - plot_h * t / 4.0;
    svg.line(left, y, left + plot_w, y, t == 0 ? "axis" : "grid");
    svg.text(left - 8, y + 4, "end", group(step * static_cast<std::uint64_t>(t)));
  }
  svg.line(left, top, left, top + plot_h, "axis");
  const double slot = plot_w / static_cast<double>(n), bar = std::max(1.0, slot * 0.8);
  const std::size_t label_every = std::max<std::size_t>(1, (n + 11) / 12);
  auto height_of = [&](std::uint64_t v) {
    if (v == 0) return 0.0;
    return std::max(1.0, plot_h * static_cast<double>(v) / static_cast<double>(y_max));
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t day = first + static_cast<std::int64_t>(i) * kSecondsPerDay;
    const double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
    if (i % label_every == 0)
      svg.text(x + bar / 2, top + plot_h + 18, "middle", format_day(day).substr(5), "class=\"tick\"");
    auto it = by_day.find(day);
    if (it == by_day.end()) continue;
    const Counts& c = it->second->counts;
    const std::string name = format_day(day);
    const double pass_h = height_of(c.dmarc_pass), fail_h = height_of(c.dmarc_fail);
    if (pass_h > 0)
      svg.rect(x, top + plot_h - pass_h, bar, pass_h, kPassColor,
               attr("data-series", "pass") + " " + attr("data-day", name) + " " +
                   attr("data-value", std::to_string(c.dmarc_pass)),
               name + ": " + group(c.dmarc_pass) + " messages passed DMARC");
    if (fail_h > 0)
      svg.rect(x, top + plot_h - pass_h - fail_h, bar, fail_h, kFailColor,
               attr("data-series", "fail") + " " + attr("data-day", name) + " " +
                   attr("data-value", std::to_string(c.dmarc_fail)),
               name + ": " + group(c.dmarc_fail) + " messages failed DMARC");
  }
  svg.text(left + plot_w / 2, height - 12, "middle", "UTC day of the report's date range (" + format_day(first) +
                                                         " to " + format_day(last) + ")");
  return svg.done();
}

// The sources with the most messages failing DMARC, as horizontal bars.
std::string failing_sources_chart(const Summary& s, std::size_t top) {
  std::vector<const SourceRow*> failing;
  for (const auto& src : s.sources)
    if (src.counts.dmarc_fail > 0) failing.push_back(&src);
  if (failing.empty()) return "<p class=\"empty\">No source failed DMARC.</p>\n";
  std::stable_sort(failing.begin(), failing.end(), [](const SourceRow* a, const SourceRow* b) {
    return a->counts.dmarc_fail != b->counts.dmarc_fail ? a->counts.dmarc_fail > b->counts.dmarc_fail : a->ip < b->ip;
  });
  if (failing.size() > top) failing.resize(top);
  const int left = 300, right = 110, top_margin = 16, row = 30, bar_h = 20;
  const int width = 960, height = top_margin + row * static_cast<int>(failing.size()) + 10;
  const double plot_w = width - left - right;
  const double max = static_cast<double>(failing.front()->counts.dmarc_fail);
  Svg svg("failing-sources", width, height, "sources with the most messages failing DMARC");
  for (std::size_t i = 0; i < failing.size(); ++i) {
    const SourceRow& src = *failing[i];
    const double y = top_margin + row * static_cast<double>(i);
    // The source's own d= (the DKIM domain it reported most), to tell sources apart at a glance.
    std::string who = src.ip;
    for (const auto& a : src.auth)
      if (a.kind == "dkim") {
        who += "  d=" + shorten(a.domain, 28);
        break;
      }
    svg.text(left - 10, y + bar_h - 5, "end", who);
    const double w = std::max(1.0, plot_w * static_cast<double>(src.counts.dmarc_fail) / max);
    svg.rect(left, y, w, bar_h, kFailColor,
             attr("data-series", "fail") + " " + attr("data-source", src.ip) + " " +
                 attr("data-value", std::to_string(src.counts.dmarc_fail)),
             src.ip + ": " + group(src.counts.dmarc_fail) + " of " + group(src.counts.messages) +
                 " messages failed DMARC");
    svg.text(left + w + 6, y + bar_h - 5, "start",
             group(src.counts.dmarc_fail) + " (" + percent(src.counts.dmarc_fail, src.counts.messages) + ")");
  }
  return svg.done();
}

// Per receiver (reporting organization): the share of its messages with DKIM aligned, SPF
// aligned and DMARC pass, three bars on a 0-100% axis.
std::string receivers_chart(const Summary& s, std::size_t top) {
  if (s.organizations.empty()) return "<p class=\"empty\">No receiver reported.</p>\n";
  const std::size_t n = std::min(top, s.organizations.size());
  const int left = 300, right = 80, top_margin = 40, bar_h = 11, group_h = 3 * bar_h + 14, bottom = 28;
  const int width = 960, height = top_margin + group_h * static_cast<int>(n) + bottom;
  const double plot_w = width - left - right;
  Svg svg("receivers", width, height, "alignment by receiver");
  svg.legend(left, 18, {{kDkimColor, "DKIM aligned"}, {kSpfColor, "SPF aligned"}, {kPassColor, "DMARC pass"}});
  const double plot_bottom = top_margin + group_h * static_cast<double>(n);
  for (int t = 0; t <= 4; ++t) {
    const double x = left + plot_w * t / 4.0;
    svg.line(x, top_margin - 6, x, plot_bottom, t == 0 ? "axis" : "grid");
    svg.text(x, plot_bottom + 16, "middle", std::to_string(t * 25) + "%", "class=\"tick\"");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const OrganizationRow& org = s.organizations[i];
    const double y = top_margin + group_h * static_cast<double>(i);
    svg.text(left - 10, y + 1.5 * bar_h + 4, "end", shorten(org.name, 40));
    const std::pair<const char*, std::pair<const char*, std::uint64_t>> bars[] = {
        {"dkim-aligned", {kDkimColor, org.counts.dkim_aligned}},
        {"spf-aligned", {kSpfColor, org.counts.spf_aligned}},
        {"dmarc-pass", {kPassColor, org.counts.dmarc_pass}}};
    for (std::size_t b = 0; b < 3; ++b) {
      const auto& [series, what] = bars[b];
      const double pct = share(what.second, org.counts.messages);
      const double w = what.second == 0 ? 0.0 : std::max(1.0, plot_w * pct / 100.0);
      const double by = y + bar_h * static_cast<double>(b);
      svg.rect(left, by, w, bar_h - 1, what.first,
               attr("data-series", series) + " " + attr("data-org", org.name) + " " + attr("data-value", fixed(pct)),
               org.name + ": " + fixed(pct) + "% " + series);
      svg.text(left + w + 5, by + bar_h - 2, "start", fixed(pct) + "%", "class=\"small\"");
    }
  }
  return svg.done();
}

std::string cell(std::string_view text, bool number = false) {
  return std::string(number ? "<td class=\"n\">" : "<td>") + html_escape(text) + "</td>";
}

std::string ip_cell(std::string_view ip) { return "<td class=\"ip\">" + html_escape(ip) + "</td>"; }

std::string counts_cells(const Counts& c) {
  return cell(group(c.messages), true) + cell(group(c.dmarc_pass), true) + cell(group(c.dmarc_fail), true) +
         cell(percent(c.dmarc_pass, c.messages), true) + cell(percent(c.dkim_aligned, c.messages), true) +
         cell(percent(c.spf_aligned, c.messages), true);
}

constexpr const char* kCountsHeader =
    "<th>messages</th><th>DMARC pass</th><th>DMARC fail</th><th>pass</th><th>DKIM aligned</th><th>SPF aligned</th>";

std::string sources_table(const Summary& s, std::size_t rows) {
  std::string out = "<table data-table=\"sources\"><thead><tr><th>source IP</th>" + std::string(kCountsHeader) +
                    "<th>DKIM d= s= (raw results)</th><th>SPF domain (raw results)</th><th>disposition</th></tr>"
                    "</thead><tbody>\n";
  std::uint64_t rest = 0;
  for (std::size_t i = 0; i < s.sources.size(); ++i) {
    const SourceRow& src = s.sources[i];
    if (i >= rows) {
      rest += src.counts.messages;
      continue;
    }
    out += "<tr>" + ip_cell(src.ip) + counts_cells(src.counts) + cell(auth_text(src, "dkim")) +
           cell(auth_text(src, "spf")) + cell(dispositions_text(src.dispositions)) + "</tr>\n";
  }
  out += "</tbody></table>\n";
  if (s.sources.size() > rows)
    out += "<p class=\"more\">The " + group(rows) + " sources with the most messages; " +
           group(s.sources.size() - rows) + " more sent " + group(rest) +
           " messages (dnsauth-validate reports summary --json lists them all).</p>\n";
  return out;
}

std::string organizations_table(const Summary& s) {
  std::string out = "<table data-table=\"organizations\"><thead><tr><th>reporting organization</th><th>reports</th>" +
                    std::string(kCountsHeader) + "</tr></thead><tbody>\n";
  for (const auto& org : s.organizations)
    out += "<tr>" + cell(org.name) + cell(group(org.reports), true) + counts_cells(org.counts) + "</tr>\n";
  return out + "</tbody></table>\n";
}

std::string days_table(const Summary& s) {
  std::string out = "<table data-table=\"days\"><thead><tr><th>day (UTC)</th>" + std::string(kCountsHeader) +
                    "</tr></thead><tbody>\n";
  for (const auto& d : s.days) out += "<tr>" + cell(d.day) + counts_cells(d.counts) + "</tr>\n";
  return out + "</tbody></table>\n";
}

std::string policies_table(const Summary& s) {
  std::string out =
      "<table data-table=\"policies\"><thead><tr><th>policy domain</th><th>p</th><th>sp</th><th>pct</th><th>t</th>"
      "<th>reports</th><th>last seen</th></tr></thead><tbody>\n";
  for (const auto& p : s.policies)
    out += "<tr>" + cell(p.domain) + cell(p.p) + cell(p.sp) + cell(p.pct ? std::to_string(*p.pct) : "") +
           cell(p.testing) + cell(group(p.reports), true) + cell(format_day(p.last_seen)) + "</tr>\n";
  return out + "</tbody></table>\n";
}

std::string totals(const Summary& s) {
  const Counts& c = s.totals;
  auto card = [](std::string_view name, const std::string& value, std::string_view note, std::string_view cls) {
    return "<div class=\"card " + std::string(cls) + "\"><div class=\"v\">" + html_escape(value) +
           "</div><div class=\"k\">" + html_escape(name) + "</div><div class=\"note\">" + html_escape(note) +
           "</div></div>\n";
  };
  std::string out = "<div class=\"cards\" data-totals=\"\">\n";
  out += card("reports", group(s.reports), group(s.organizations.size()) + " organizations", "");
  out += card("messages", group(c.messages), group(s.sources.size()) + " sources", "");
  out += card("DMARC pass", group(c.dmarc_pass), percent(c.dmarc_pass, c.messages), "pass");
  out += card("DMARC fail", group(c.dmarc_fail), percent(c.dmarc_fail, c.messages), "fail");
  out += card("DKIM aligned", group(c.dkim_aligned), percent(c.dkim_aligned, c.messages), "");
  out += card("SPF aligned", group(c.spf_aligned), percent(c.spf_aligned, c.messages), "");
  out += "</div>\n<p>Dispositions applied by receivers: " + html_escape(dispositions_text(s.dispositions)) + ".</p>\n";
  return out;
}

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, sans-serif; color: #212121; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; }
.meta { color: #616161; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 12px; flex: 1 1 0; min-width: 110px; }
.card .v { font-size: 20px; font-weight: 600; } .card .k { color: #424242; } .card .note { color: #757575; font-size: 12px; }
.card.pass .v { color: #2e7d32; } .card.fail .v { color: #c62828; }
svg.chart { display: block; background: #fff; border: 1px solid #eeeeee; border-radius: 6px; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #424242; }
svg.chart text.tick, svg.chart text.small { font-size: 11px; fill: #616161; }
svg.chart line.axis { stroke: #9e9e9e; stroke-width: 1; } svg.chart line.grid { stroke: #eeeeee; stroke-width: 1; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin-top: 8px; }
th, td { border-bottom: 1px solid #eeeeee; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #fafafa; } td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td { overflow-wrap: anywhere; } td.ip { white-space: nowrap; }
p.empty { color: #757575; font-style: italic; } p.more { color: #616161; font-size: 12px; }
)css";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html(const Summary& s, const HtmlOptions& options) {
  std::string period;
  if (s.first_report) period = format_day(*s.first_report) + " to " + format_day(*s.last_report);
  else period = "no reports";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing is fetched and nothing runs, whatever a report contains.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>DMARC aggregate reports: " + html_escape(s.domain) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>DMARC aggregate reports: " + html_escape(s.domain) + "</h1>\n";
  out += "<p class=\"meta\">Reports beginning " + html_escape(period) + " (about the policy of " +
         html_escape(s.domain) + " or its subdomains, or with a From domain below it); generated " +
         html_escape(utc_time(options.generated_at)) + " by dnsauth-validate reports html.</p>\n";
  out += "<section id=\"totals\"><h2>Totals</h2>\n" + totals(s) + "</section>\n";
  out += "<section id=\"daily\"><h2>Daily volume</h2>\n" + daily_chart(s) + "</section>\n";
  out += "<section id=\"failing-sources\"><h2>Top failing sources</h2>\n" +
         failing_sources_chart(s, options.top_sources) + "</section>\n";
  out += "<section id=\"receivers\"><h2>Alignment by receiver</h2>\n" +
         receivers_chart(s, options.top_organizations) + "</section>\n";
  out += "<section id=\"sources-table\"><h2>Sources</h2>\n" + sources_table(s, options.table_sources) + "</section>\n";
  out += "<section id=\"organizations-table\"><h2>Reporting organizations</h2>\n" + organizations_table(s) +
         "</section>\n";
  out += "<section id=\"days-table\"><h2>Days</h2>\n" + days_table(s) + "</section>\n";
  out += "<section id=\"policies-table\"><h2>Policy published</h2>\n" + policies_table(s) + "</section>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace dnsauth::reports

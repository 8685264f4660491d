// The report database as one page (`dnsauth-validate reports html`): a self-contained HTML5
// document -- inline CSS, charts drawn here as inline SVG, no script, no URL to fetch (its
// Content-Security-Policy forbids every fetch and every script) -- so that it can be mailed,
// archived or opened offline. Charts where looking beats reading: daily volume with DMARC pass
// and fail stacked, the top failing sources, DKIM/SPF alignment and DMARC pass by receiver;
// then the tables. Every text that came from a report (organization names, domains, selectors,
// IPs) is escaped: anyone can send a report. Chart elements carry data-chart,
// data-series and data-value attributes, for tests and for people reading the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reports/summary.h"

namespace dnsauth::reports {

struct HtmlOptions {
  std::int64_t generated_at = 0;        // seconds since the epoch, shown on the page
  std::size_t top_sources = 10;         // bars of the failing-sources chart
  std::size_t top_organizations = 15;   // receivers in the alignment chart
  std::size_t table_sources = 100;      // rows of the sources table (the largest sources)
};

// The page for a summary (an empty one says that there are no reports).
std::string render_html(const Summary& summary, const HtmlOptions& options);

// & < > " ' as character references: safe in text and in quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace dnsauth::reports
